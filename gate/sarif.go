package gate

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/dynupd/dynupd-analyze/classifiers"
)

// InformationURI is the tool's home page, written into SARIF output.
const InformationURI = "https://github.com/dynupd/dynupd-analyze"

// rulesDocURI is the page that documents every rule; a rule's anchor is its
// ID in lower case.
const rulesDocURI = InformationURI + "/blob/main/docs/rules.md"

// rootURI anchors a finding that has no file: SARIF consumers such as
// GitHub code scanning reject results without a location.
const rootURI = "."

// sarifLevel is the SARIF level of a verdict when nothing fails: error for
// interface-external, not-patchable and unknown, warning for state-transfer
// and interface-internal, note for live-patchable and no-op.
func sarifLevel(v classifiers.Verdict) string {
	switch {
	case v >= classifiers.InterfaceExternal:
		return sarif.LevelError
	case v >= classifiers.InterfaceInternal:
		return sarif.LevelWarning
	}
	return sarif.LevelNote
}

// findingLevel is the level of one result: error when its verdict fails
// the policy, else warning (interface-internal and more severe) or note.
func findingLevel(p Policy, v classifiers.Verdict) string {
	switch {
	case p.Fails(v):
		return sarif.LevelError
	case v >= classifiers.InterfaceInternal:
		return sarif.LevelWarning
	}
	return sarif.LevelNote
}

// WriteSARIF writes the net change's kept findings as a SARIF 2.1.0 log
// with one run. The driver lists every rule of the registry (reg; the
// built-in registry when nil), sorted by ID, with the rule ID as its stable
// id, Summary as shortDescription, Doc and Reference as fullDescription and
// help, a helpUri into docs/rules.md and a default level by verdict. Each
// result carries the rule, a level by the policy, the message, the
// repository-relative file and lines (new side, else old side), a
// partialFingerprints entry FingerprintKey that ignores line numbers, and
// properties verdict, tier, entity, fails and closure.
func WriteSARIF(w io.Writer, r *Report, reg *classifiers.Registry) error {
	if r == nil {
		return errNilReport
	}
	if reg == nil {
		reg = classifiers.NewRegistry()
	}
	run := sarif.NewRunWithInformationURI("dynupd-analyze", InformationURI)
	run.Tool.Driver.WithVersion(orUnknown(r.ToolVersion))
	run.Tool.Driver.WithProperties(sarif.NewPropertyBag().Add("rulesVersion", r.RulesVersion))
	index := map[string]int{}
	for _, rule := range reg.All() {
		index[rule.ID] = len(run.Tool.Driver.Rules)
		run.Tool.Driver.AddRule(sarifRule(rule))
	}
	// A finding of a rule the registry does not know still gets a
	// descriptor, so that every ruleIndex is valid.
	for _, f := range r.Net.Findings {
		if _, ok := index[f.Rule]; !ok {
			index[f.Rule] = len(run.Tool.Driver.Rules)
			run.Tool.Driver.AddRule(sarif.NewRule(f.Rule).
				WithShortDescription(sarif.NewMultiformatMessageString().WithText(f.Rule)).
				WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(sarifLevel(f.Verdict))))
		}
	}
	fps := Fingerprints(r.Net.Findings)
	for i, f := range r.Net.Findings {
		props := sarif.NewPropertyBag().
			Add("verdict", f.Verdict.String()).
			Add("tier", classifiers.TierOf(f.Verdict).String()).
			Add("entity", f.Entity).
			Add("fails", r.Policy.Fails(f.Verdict)).
			Add("closure", nonNil(f.Closure))
		res := sarif.NewRuleResult(f.Rule).
			WithRuleIndex(index[f.Rule]).
			WithLevel(findingLevel(r.Policy, f.Verdict)).
			WithMessage(sarif.NewMessage().WithText(sarifMessage(f))).
			WithPartialFingerprints(map[string]string{FingerprintKey: fps[i]}).
			WithProperties(props).
			AddLocation(sarifLocation(f))
		run.AddResult(res)
	}
	run.WithProperties(sarif.NewPropertyBag().
		Add("pass", r.Pass).
		Add("verdict", r.Net.Verdict.String()).
		Add("tier", r.Net.Tier.String()).
		Add("base", r.Base).
		Add("head", r.Head).
		Add("mergeBase", r.MergeBase).
		Add("analysis", r.Analysis))
	log := sarif.NewReport()
	log.AddRun(run)
	var buf bytes.Buffer
	if err := log.PrettyWrite(&buf); err != nil {
		return fmt.Errorf("encode SARIF: %w", err)
	}
	buf.WriteByte('\n')
	e := &errWriter{w: w}
	e.write(buf.Bytes())
	return e.err
}

// sarifRule describes one rule.
func sarifRule(rule *classifiers.Rule) *sarif.ReportingDescriptor {
	full := rule.Doc
	if full == "" {
		full = rule.Summary
	}
	help := full
	if rule.Reference != "" {
		help += "\n\nReference: " + rule.Reference
	}
	d := sarif.NewRule(rule.ID).
		WithShortDescription(sarif.NewMultiformatMessageString().WithText(orUnknown(rule.Summary))).
		WithFullDescription(sarif.NewMultiformatMessageString().WithText(orUnknown(full))).
		WithHelp(sarif.NewMultiformatMessageString().WithText(orUnknown(help))).
		WithHelpURI(rulesDocURI + "#" + strings.ToLower(rule.ID)).
		WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(sarifLevel(rule.Verdict))).
		WithProperties(sarif.NewPropertyBag().
			Add("verdict", rule.Verdict.String()).
			Add("language", rule.Lang).
			WithTags([]string{"live-patching", rule.Verdict.String()}))
	return d
}

// sarifMessage renders a result's message: entity, verdict and message.
func sarifMessage(f classifiers.Finding) string {
	s := entityMessage(f)
	if s == "" {
		s = f.Rule
	}
	return s + " [" + f.Verdict.String() + "]"
}

// sarifLocation places a finding: its primary file as a repository-relative
// URI with its lines, or the repository root when it has no file.
func sarifLocation(f classifiers.Finding) *sarif.Location {
	l := loc(f)
	if l == nil {
		return sarif.NewLocationWithPhysicalLocation(sarif.NewPhysicalLocation().
			WithArtifactLocation(sarif.NewSimpleArtifactLocation(rootURI)))
	}
	pl := sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(fileURI(l.File)))
	if start, end := lines(f); start > 0 {
		pl.WithRegion(sarif.NewSimpleRegion(start, end))
	}
	return sarif.NewLocationWithPhysicalLocation(pl)
}

// fileURI turns a repository path (git's, with forward slashes) into a
// relative URI reference: no leading "./" or "/", and characters a URI
// cannot hold percent-encoded.
func fileURI(p string) string {
	for strings.HasPrefix(p, "./") {
		p = p[2:]
	}
	p = strings.TrimLeft(p, "/")
	if p == "" {
		return rootURI
	}
	return (&url.URL{Path: p}).String()
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
