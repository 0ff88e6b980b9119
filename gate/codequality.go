package gate

import (
	"fmt"
	"io"

	"github.com/dynupd/dynupd-analyze/classifiers"
)

// CodeQualityIssue is one entry of a GitLab Code Quality report (the
// subset of the Code Climate format GitLab documents).
type CodeQualityIssue struct {
	Description string              `json:"description"`
	CheckName   string              `json:"check_name"`
	Fingerprint string              `json:"fingerprint"`
	Severity    string              `json:"severity"`
	Location    CodeQualityLocation `json:"location"`
}

// CodeQualityLocation is where an issue is: a repository-relative path and
// its lines.
type CodeQualityLocation struct {
	Path  string           `json:"path"`
	Lines CodeQualityLines `json:"lines"`
}

// CodeQualityLines is an issue's line range; End is left out when it is
// Begin.
type CodeQualityLines struct {
	Begin int `json:"begin"`
	End   int `json:"end,omitempty"`
}

// codeQualitySeverity maps a finding to GitLab's severities. A finding that
// fails the policy is blocker (not-patchable, unknown) or critical; a
// passing one is major (state-transfer or more severe), minor
// (interface-internal) or info (live-patchable, no-op).
func codeQualitySeverity(p Policy, v classifiers.Verdict) string {
	if p.Fails(v) {
		if v >= classifiers.NotPatchable {
			return "blocker"
		}
		return "critical"
	}
	switch {
	case v >= classifiers.StateTransfer:
		return "major"
	case v >= classifiers.InterfaceInternal:
		return "minor"
	}
	return "info"
}

// CodeQuality returns the net change's kept findings, no-op ones left out,
// as GitLab Code Quality issues. Fingerprints are those of Fingerprints
// (stable across line moves, unique in the report); a finding without a
// file is placed at the repository root (".", line 1).
func CodeQuality(r *Report) []CodeQualityIssue {
	out := []CodeQualityIssue{}
	fps := Fingerprints(r.Net.Findings)
	for i, f := range r.Net.Findings {
		if f.Verdict == classifiers.NoOp {
			continue
		}
		is := CodeQualityIssue{
			Description: f.Rule + ": " + sarifMessage(f),
			CheckName:   f.Rule,
			Fingerprint: fps[i],
			Severity:    codeQualitySeverity(r.Policy, f.Verdict),
			Location:    CodeQualityLocation{Path: rootURI, Lines: CodeQualityLines{Begin: 1}},
		}
		if l := loc(f); l != nil {
			is.Location.Path = l.File
			if start, end := lines(f); start > 0 {
				is.Location.Lines.Begin = start
				if end > start {
					is.Location.Lines.End = end
				}
			}
		}
		out = append(out, is)
	}
	return out
}

// WriteCodeQuality writes the GitLab Code Quality report (a JSON array of
// CodeQualityIssue, indented by two spaces, ending in a newline) for
// artifacts:reports:codequality.
func WriteCodeQuality(w io.Writer, r *Report) error {
	if r == nil {
		return errNilReport
	}
	if err := encodeJSON(w, CodeQuality(r)); err != nil {
		return fmt.Errorf("write code quality report: %w", err)
	}
	return nil
}
