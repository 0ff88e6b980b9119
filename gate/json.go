package gate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
)

// JSONReport is the JSON form of a Report, as docs/ci.md documents it.
// Lists are never null.
type JSONReport struct {
	Repository   string        `json:"repository"`
	Base         string        `json:"base"`
	Head         string        `json:"head"`
	MergeBase    string        `json:"merge_base"`
	Pass         bool          `json:"pass"`
	Analysis     string        `json:"analysis"`
	AnalysisNote string        `json:"analysis_note"`
	Policy       JSONPolicy    `json:"policy"`
	Net          JSONOutcome   `json:"net"`
	Commits      []JSONOutcome `json:"commits"`
	ToolVersion  string        `json:"tool_version"`
	RulesVersion string        `json:"rules_version"`
}

// JSONPolicy is the JSON form of a Policy, keyed as in .dynupd.yaml.
type JSONPolicy struct {
	FailOn       classifiers.Verdict `json:"fail_on"`
	AllowRules   []string            `json:"allow_rules"`
	AllowPaths   []string            `json:"allow_paths"`
	AllowUnknown bool                `json:"allow_unknown"`
}

// JSONOutcome is the JSON form of an Outcome. Findings and Allowed are in
// the contract form of docs/output.md; Closure is the union of the kept
// findings' closures; Result is the analysis before the policy, in the
// form of one commit of docs/output.md (null when there was none).
type JSONOutcome struct {
	Name     string                `json:"name"`
	Commit   string                `json:"commit"`
	Subject  string                `json:"subject"`
	Verdict  classifiers.Verdict   `json:"verdict"`
	Tier     classifiers.Tier      `json:"tier"`
	Fails    bool                  `json:"fails"`
	Reason   string                `json:"reason"`
	Findings []classifiers.Finding `json:"findings"`
	Allowed  []classifiers.Finding `json:"allowed"`
	Closure  []string              `json:"closure"`
	Result   *analyzer.Result      `json:"result"`
}

// ToJSON converts a report to its JSON form.
func ToJSON(r *Report) JSONReport {
	j := JSONReport{
		Repository: r.Repository, Base: r.Base, Head: r.Head, MergeBase: r.MergeBase,
		Pass: r.Pass, Analysis: r.Analysis, AnalysisNote: r.AnalysisNote,
		Policy: JSONPolicy{
			FailOn:       r.Policy.FailOn,
			AllowRules:   nonNil(r.Policy.AllowRules),
			AllowPaths:   nonNil(r.Policy.AllowPaths),
			AllowUnknown: r.Policy.AllowUnknown,
		},
		Net:          outcomeJSON(r.Net),
		Commits:      make([]JSONOutcome, 0, len(r.Commits)),
		ToolVersion:  r.ToolVersion,
		RulesVersion: r.RulesVersion,
	}
	for _, c := range r.Commits {
		j.Commits = append(j.Commits, outcomeJSON(c))
	}
	return j
}

func outcomeJSON(o Outcome) JSONOutcome {
	return JSONOutcome{
		Name: o.Name, Commit: o.Commit, Subject: o.Subject,
		Verdict: o.Verdict, Tier: o.Tier, Fails: o.Fails, Reason: o.Reason,
		Findings: nonNil(o.Findings), Allowed: nonNil(o.Allowed),
		Closure: Closure(o.Findings), Result: o.Result,
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// WriteJSON writes the report as one JSON object, indented by two spaces
// and ending in a newline (see JSONReport and docs/ci.md).
func WriteJSON(w io.Writer, r *Report) error {
	if r == nil {
		return errNilReport
	}
	if err := encodeJSON(w, ToJSON(r)); err != nil {
		return fmt.Errorf("write check report: %w", err)
	}
	return nil
}

// encodeJSON writes v indented by two spaces, with a final newline, and
// without escaping <, > and & (the output is not embedded in HTML).
func encodeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}
