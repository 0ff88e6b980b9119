package gate

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/config"
	"github.com/dynupd/dynupd-analyze/internal/sariftest"
)

// sampleFindings are the net change's findings of sampleReport: several
// rules and verdicts, Markdown-hostile text, a vendored file the policy
// allows and a finding without a file.
func sampleFindings(shift int) []classifiers.Finding {
	l := func(file string, line, end int) *classifiers.Loc {
		return &classifiers.Loc{File: file, Line: line + shift, EndLine: end + shift}
	}
	return []classifiers.Finding{
		{Rule: "GO-SIG-EXPORTED", Verdict: classifiers.InterfaceExternal, Entity: "method (*Server).Serve",
			Old: l("api/server.go", 18, 30), New: l("api/server.go", 20, 34), Message: "signature func() error → func(ctx context.Context) error"},
		{Rule: "C-STRUCT-LAYOUT", Verdict: classifiers.StateTransfer, Entity: "struct conn",
			Old: l("src/net.c", 1, 3), New: l("src/net.c", 1, 4), Message: "field flags added"},
		{Rule: "C-SIG-INTERNAL", Verdict: classifiers.InterfaceInternal, Entity: "func helper",
			Old: l("src/a.c", 10, 12), New: l("src/a.c", 10, 12), Message: "signature int *helper(int) | long *helper(int): <callers> are replaced",
			Closure: []string{"src/a.c:helper", "src/a.c:caller"}},
		{Rule: "C-FUNC-BODY", Verdict: classifiers.LivePatchable, Entity: "func step",
			Old: l("src/net.c", 6, 6), New: l("src/net.c", 7, 7), Message: "body changed"},
		{Rule: "C-FUNC-BODY", Verdict: classifiers.LivePatchable, Entity: "func run",
			Old: l("src/net.c", 8, 9), New: l("src/net.c", 9, 10), Message: "body changed"},
		{Rule: "C-NOOP-NONCODE", Verdict: classifiers.NoOp, Entity: "docs/guide.md",
			Old: &classifiers.Loc{File: "docs/guide.md"}, New: &classifiers.Loc{File: "docs/guide.md"}, Message: "not compiled"},
		{Rule: "C-FUNC-BODY", Verdict: classifiers.LivePatchable, Entity: "func vendored",
			Old: l("vendor/lib.c", 3, 5), New: l("vendor/lib.c", 3, 5), Message: "body changed"},
		{Rule: "GO-MOD-DEPS", Verdict: classifiers.LivePatchable, Entity: "module example.com/dep", Message: "marked live-patchable by an override"},
	}
}

func samplePolicy(t *testing.T) Policy {
	t.Helper()
	p, err := PolicyFrom(config.Policy{FailOn: "interface-external", AllowPaths: []string{"vendor/**"}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func sampleReport(t *testing.T, shift int) *Report {
	t.Helper()
	p := samplePolicy(t)
	fs := sampleFindings(shift)
	net := &analyzer.Result{Commit: "feedfacefeedfacefeedfacefeedfacefeedface", Subject: "net", Verdict: classifiers.VerdictOf(fs), Findings: fs, Analysis: "typed"}
	c1 := &analyzer.Result{Commit: "1111111111111111111111111111111111111111", Subject: "pr commit 1: tidy *all* | things",
		Verdict: classifiers.LivePatchable, Findings: []classifiers.Finding{fs[3]}}
	c2 := &analyzer.Result{Commit: "2222222222222222222222222222222222222222", Subject: "pr commit 2",
		Verdict: classifiers.InterfaceExternal, Findings: []classifiers.Finding{fs[0], fs[1]}}
	r := &Report{
		Repository: "/src/repo", Base: "origin/main", Head: "HEAD", MergeBase: "abcdef0123456789abcdef0123456789abcdef01",
		Analysis: "typed", Policy: p,
		Net:         p.Evaluate("net change", net),
		Commits:     []Outcome{p.Evaluate("111111111111", c1), p.Evaluate("222222222222", c2)},
		ToolVersion: "0.1.0", RulesVersion: "2026.11.1",
	}
	r.Pass = !r.Net.Fails
	return r
}

func contains(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, out)
		}
	}
}

func lacks(t *testing.T, what, out string, nots ...string) {
	t.Helper()
	for _, w := range nots {
		if strings.Contains(out, w) {
			t.Errorf("%s has %q:\n%s", what, w, out)
		}
	}
}

func TestSampleReportOutcome(t *testing.T) {
	r := sampleReport(t, 0)
	if r.Pass || !r.Net.Fails || r.Net.Verdict != classifiers.InterfaceExternal {
		t.Fatalf("net: pass %v, %+v", r.Pass, r.Net)
	}
	if len(r.Net.Findings) != 7 || len(r.Net.Allowed) != 1 || r.Net.Allowed[0].Entity != "func vendored" {
		t.Fatalf("kept %d, allowed %v", len(r.Net.Findings), r.Net.Allowed)
	}
	if r.Commits[0].Fails || !r.Commits[1].Fails {
		t.Fatalf("commits: %v %v", r.Commits[0].Fails, r.Commits[1].Fails)
	}
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, sampleReport(t, 0)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	contains(t, "text", out,
		"FAIL  net change origin/main...HEAD (merge-base abcdef012345): interface-external, outside the tiers\n",
		"It fails: GO-SIG-EXPORTED interface-external on method (*Server).Serve, at or above fail-on interface-external (1 finding ignored by the allow-lists).",
		"policy: fail on interface-external or more severe; unknown always fails; allowed paths: vendor/**",
		"findings (7):",
		"  GO-SIG-EXPORTED  interface-external  1 finding  fails\n    api/server.go:20  method (*Server).Serve: signature",
		"  C-FUNC-BODY  live-patchable  2 findings\n    src/net.c:7  func step: body changed\n    src/net.c:9  func run: body changed\n",
		"    docs/guide.md  docs/guide.md: not compiled",
		"    -  module example.com/dep: marked",
		"patch closure (2): src/a.c:caller, src/a.c:helper",
		"ignored by the allow-lists (1):\n  C-FUNC-BODY  live-patchable  vendor/lib.c:3  func vendored: body changed",
		"commits (2; informative, the net change decides):",
		"111111111111  PASS  live-patchable      T0  pr commit 1: tidy *all* | things",
		"222222222222  FAIL  interface-external  -   pr commit 2",
		"analysis: typed\n",
		"dynupd-analyze 0.1.0, rules 2026.11.1\n")
	// Groups run from the most severe down.
	order := []string{"GO-SIG-EXPORTED  interface-external", "C-STRUCT-LAYOUT  state-transfer", "C-SIG-INTERNAL  interface-internal", "C-FUNC-BODY  live-patchable", "C-NOOP-NONCODE  no-op"}
	last := -1
	for _, o := range order {
		i := strings.Index(out, o)
		if i < last {
			t.Errorf("group %q out of order", o)
		}
		last = i
	}
}

func TestWriteTextCleansControlCharacters(t *testing.T) {
	r := sampleReport(t, 0)
	r.Net.Findings[0].Message = "evil\x1b[2Jtext\nsecond line"
	var b bytes.Buffer
	if err := WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	lacks(t, "text", b.String(), "\x1b", "text\nsecond")
	contains(t, "text", b.String(), "evil\uFFFD[2Jtext second line")
}

func TestWriteMarkdown(t *testing.T) {
	var b bytes.Buffer
	r := sampleReport(t, 0)
	r.AnalysisNote = "typed loading of the base failed"
	if err := WriteMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	contains(t, "markdown", out,
		"## Live-patch gate: FAIL\n",
		"The net change origin/main...HEAD (merge-base `abcdef012345`) is **interface-external**, outside the tiers.",
		"Policy: fail on interface-external or more severe; unknown always fails; allowed paths: vendor/\\*\\*.",
		"#### GO-SIG-EXPORTED — interface-external (1 finding, fails the policy)\n\n| location | entity | message |\n|---|---|---|\n",
		// Markdown in entity names and messages is escaped: | * < >.
		"| api/server.go:20 | method (\\*Server).Serve | signature func() error → func(ctx context.Context) error |",
		"| src/a.c:10 | func helper | signature int \\*helper(int) \\| long \\*helper(int): &lt;callers&gt; are replaced |",
		"#### C-FUNC-BODY — live-patchable (2 findings)\n",
		"| docs/guide.md | docs/guide.md | not compiled |",
		"| - | module example.com/dep |",
		"### Patch closure\n\n2 functions must be replaced together: src/a.c:caller, src/a.c:helper",
		"### Commits\n",
		"| `111111111111` | PASS | live-patchable | T0 | pr commit 1: tidy \\*all\\* \\| things |",
		"| `222222222222` | FAIL | interface-external | - | pr commit 2 |",
		"<details>\n<summary>1 finding ignored by the allow-lists</summary>\n\n| rule | verdict | location | entity | message |",
		"| C-FUNC-BODY | live-patchable | vendor/lib.c:3 | func vendored | body changed |\n\n</details>",
		"Analysis: typed (typed loading of the base failed). dynupd-analyze 0.1.0, rules 2026.11.1.")
	lacks(t, "markdown", out, "<callers>", "(*Server)", "*all*")
	// Every table row has the same number of unescaped cell separators as
	// its header.
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "| ") {
			cells := strings.Count(strings.ReplaceAll(line, "\\|", ""), "|")
			if cells != 4 && cells != 6 {
				t.Errorf("row with %d separators: %s", cells, line)
			}
		}
	}
}

func TestMarkdownEscape(t *testing.T) {
	cases := map[string]string{
		"a|b":              "a\\|b",
		"*p":               "\\*p",
		"<script>":         "&lt;script&gt;",
		"__init":           "\\_\\_init",
		"`x`":              "\\`x\\`",
		"[link](u)":        "\\[link\\](u)",
		"a & b":            "a &amp; b",
		"two\nlines":       "two lines",
		"back\\slash":      "back\\\\slash",
		"struct s { int }": "struct s \\{ int \\}",
	}
	for in, want := range cases {
		if got := mdEscape(in); got != want {
			t.Errorf("mdEscape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkdownClipsLongLists(t *testing.T) {
	p := samplePolicy(t)
	var fs []classifiers.Finding
	var closure []string
	for i := range 60 {
		name := "f" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26))
		closure = append(closure, "a.c:"+name)
	}
	for i := range 60 {
		fs = append(fs, classifiers.Finding{Rule: "C-SIG-INTERNAL", Verdict: classifiers.InterfaceInternal, Entity: "func " + closure[i][4:],
			New: &classifiers.Loc{File: "a.c", Line: i + 1}, Closure: closure[i : i+1]})
	}
	r := &Report{Base: "main", Policy: p, Net: p.Evaluate("net change", result(fs...))}
	r.Pass = !r.Net.Fails
	var b bytes.Buffer
	if err := WriteMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	contains(t, "markdown", out, "| … | 10 findings more |", "60 functions must be replaced together:", "… and 30 more")
	if n := strings.Count(out, "| a.c:"); n != markdownRowLimit {
		t.Errorf("%d finding rows, want %d", n, markdownRowLimit)
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	r := sampleReport(t, 0)
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Repository, Base, Head string
		MergeBase              string `json:"merge_base"`
		Pass                   *bool
		Analysis               string
		Policy                 struct {
			FailOn       string   `json:"fail_on"`
			AllowRules   []string `json:"allow_rules"`
			AllowPaths   []string `json:"allow_paths"`
			AllowUnknown *bool    `json:"allow_unknown"`
		}
		Net struct {
			Name, Commit, Verdict, Tier, Reason string
			Fails                               bool
			Findings                            []map[string]any
			Allowed                             []map[string]any
			Closure                             []string
			Result                              map[string]any
		}
		Commits []struct {
			Name, Commit, Subject, Verdict string
			Fails                          bool
		}
		ToolVersion  string `json:"tool_version"`
		RulesVersion string `json:"rules_version"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if doc.Pass == nil || *doc.Pass || doc.Base != "origin/main" || doc.Head != "HEAD" || doc.MergeBase != r.MergeBase || doc.Repository != "/src/repo" || doc.Analysis != "typed" {
		t.Errorf("header: %+v", doc)
	}
	if doc.Policy.FailOn != "interface-external" || doc.Policy.AllowRules == nil || len(doc.Policy.AllowPaths) != 1 || doc.Policy.AllowUnknown == nil {
		t.Errorf("policy: %+v", doc.Policy)
	}
	n := doc.Net
	if n.Name != "net change" || n.Commit != "" || n.Verdict != "interface-external" || n.Tier != "-" || !n.Fails || n.Reason == "" {
		t.Errorf("net: %+v", n)
	}
	if len(n.Findings) != 7 || len(n.Allowed) != 1 || len(n.Closure) != 2 {
		t.Fatalf("net findings %d allowed %d closure %v", len(n.Findings), len(n.Allowed), n.Closure)
	}
	// Findings are in the contract form of docs/output.md.
	f := n.Findings[0]
	if f["rule"] != "GO-SIG-EXPORTED" || f["verdict"] != "interface-external" || f["entity"] != "method (*Server).Serve" ||
		f["old"] != "api/server.go:18" || f["new"] != "api/server.go:20" || f["message"] == nil {
		t.Errorf("finding: %v", f)
	}
	if _, ok := n.Findings[7-1]["old"]; ok {
		t.Errorf("a finding without a location has old: %v", n.Findings[6])
	}
	if n.Result["verdict"] != "interface-external" || len(n.Result["findings"].([]any)) != 8 {
		t.Errorf("result: %v", n.Result)
	}
	if len(doc.Commits) != 2 || doc.Commits[0].Commit != "1111111111111111111111111111111111111111" || doc.Commits[0].Subject == "" || doc.Commits[0].Fails || !doc.Commits[1].Fails {
		t.Errorf("commits: %+v", doc.Commits)
	}
	if doc.ToolVersion != "0.1.0" || doc.RulesVersion != "2026.11.1" {
		t.Errorf("versions %q %q", doc.ToolVersion, doc.RulesVersion)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("{\n  \"repository\"")) || !bytes.HasSuffix(b.Bytes(), []byte("}\n")) {
		t.Errorf("not indented by two spaces, or no final newline")
	}
	// Byte-identical on a second run.
	var b2 bytes.Buffer
	if err := WriteJSON(&b2, sampleReport(t, 0)); err != nil || !bytes.Equal(b.Bytes(), b2.Bytes()) {
		t.Errorf("second write differs (%v)", err)
	}
}

func TestWriteJSONEmptyListsAreArrays(t *testing.T) {
	p, _ := PolicyFrom(config.Policy{})
	r := &Report{Base: "main", Policy: p, Net: p.Evaluate("net change", result())}
	r.Pass = true
	r.Net.Result = nil // the analysis result has its own contract
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	contains(t, "json", out, `"commits": []`, `"findings": []`, `"allowed": []`, `"closure": []`, `"allow_rules": []`, `"allow_paths": []`, `"pass": true`, `"verdict": "no-op"`)
	if n := strings.Count(out, ": null"); n != 1 || !strings.Contains(out, `"result": null`) {
		t.Errorf("%d nulls besides the absent result:\n%s", n-1, out)
	}
}

type sarifLog struct {
	Version string
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name, Version, InformationURI string
				Rules                         []struct {
					ID                   string
					ShortDescription     struct{ Text string }
					FullDescription      struct{ Text string }
					Help                 struct{ Text string }
					HelpURI              string
					DefaultConfiguration struct {
						Level string
					}
				}
			}
		}
		Results []struct {
			RuleID    string
			RuleIndex int
			Level     string
			Message   struct{ Text string }
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct{ URI string }
					Region           *struct{ StartLine, EndLine int }
				}
			}
			PartialFingerprints map[string]string
			Properties          map[string]any
		}
	}
}

func writeSARIF(t *testing.T, r *Report) ([]byte, sarifLog) {
	t.Helper()
	var b bytes.Buffer
	if err := WriteSARIF(&b, r, classifiers.NewRegistry()); err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	return b.Bytes(), log
}

func TestWriteSARIFIsValidAgainstTheSchema(t *testing.T) {
	out, _ := writeSARIF(t, sampleReport(t, 0))
	if err := sariftest.Validate(out); err != nil {
		t.Fatalf("SARIF does not validate: %v", err)
	}
	// A passing report with no findings is valid too.
	p, _ := PolicyFrom(config.Policy{})
	r := &Report{Policy: p, Net: p.Evaluate("net change", result()), Pass: true}
	out, log := writeSARIF(t, r)
	if err := sariftest.Validate(out); err != nil {
		t.Fatalf("empty SARIF does not validate: %v", err)
	}
	if log.Runs[0].Results == nil || len(log.Runs[0].Results) != 0 {
		t.Errorf("results of an empty report: %v", log.Runs[0].Results)
	}
	// The validator does reject a broken log.
	broken := bytes.Replace(out, []byte(`"version": "2.1.0"`), []byte(`"version": "2.0"`), 1)
	if err := sariftest.Validate(broken); err == nil {
		t.Error("a log with version 2.0 validates")
	}
}

func TestWriteSARIF(t *testing.T) {
	r := sampleReport(t, 0)
	_, log := writeSARIF(t, r)
	if log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("version %q, %d runs", log.Version, len(log.Runs))
	}
	run := log.Runs[0]
	d := run.Tool.Driver
	if d.Name != "dynupd-analyze" || d.Version != "0.1.0" || d.InformationURI != InformationURI {
		t.Errorf("driver %+v", d)
	}
	reg := classifiers.NewRegistry()
	if len(d.Rules) != len(reg.All()) {
		t.Errorf("%d rules, registry has %d", len(d.Rules), len(reg.All()))
	}
	ruleAt := map[string]int{}
	for i, rule := range d.Rules {
		ruleAt[rule.ID] = i
		want, ok := reg.Lookup(rule.ID)
		if !ok {
			t.Errorf("rule %s not in the registry", rule.ID)
			continue
		}
		if rule.ShortDescription.Text != want.Summary || rule.FullDescription.Text != want.Doc ||
			!strings.Contains(rule.Help.Text, want.Doc) || !strings.Contains(rule.Help.Text, want.Reference) ||
			!strings.HasSuffix(rule.HelpURI, "docs/rules.md#"+strings.ToLower(rule.ID)) {
			t.Errorf("rule %s: %+v", rule.ID, rule)
		}
		level := map[classifiers.Verdict]string{classifiers.NoOp: "note", classifiers.LivePatchable: "note",
			classifiers.InterfaceInternal: "warning", classifiers.StateTransfer: "warning",
			classifiers.InterfaceExternal: "error", classifiers.NotPatchable: "error", classifiers.Unknown: "error"}[want.Verdict]
		if rule.DefaultConfiguration.Level != level {
			t.Errorf("rule %s (%s): default level %s, want %s", rule.ID, want.Verdict, rule.DefaultConfiguration.Level, level)
		}
	}
	if len(run.Results) != len(r.Net.Findings) {
		t.Fatalf("%d results for %d kept findings", len(run.Results), len(r.Net.Findings))
	}
	wantLevels := []string{"error", "warning", "warning", "note", "note", "note", "note"}
	for i, res := range run.Results {
		f := r.Net.Findings[i]
		if res.RuleID != f.Rule || res.RuleIndex != ruleAt[f.Rule] || res.Level != wantLevels[i] {
			t.Errorf("result %d: rule %s index %d level %s; want %s %d %s", i, res.RuleID, res.RuleIndex, res.Level, f.Rule, ruleAt[f.Rule], wantLevels[i])
		}
		if !strings.Contains(res.Message.Text, f.Message) || !strings.Contains(res.Message.Text, f.Entity) {
			t.Errorf("result %d message %q", i, res.Message.Text)
		}
		if len(res.PartialFingerprints[FingerprintKey]) != 64 {
			t.Errorf("result %d fingerprints %v", i, res.PartialFingerprints)
		}
		if res.Properties["verdict"] != f.Verdict.String() || res.Properties["tier"] != classifiers.TierOf(f.Verdict).String() {
			t.Errorf("result %d properties %v", i, res.Properties)
		}
		if len(res.Locations) != 1 {
			t.Errorf("result %d has %d locations", i, len(res.Locations))
		}
	}
	first := run.Results[0].Locations[0].PhysicalLocation
	if first.ArtifactLocation.URI != "api/server.go" || first.Region == nil || first.Region.StartLine != 20 || first.Region.EndLine != 34 {
		t.Errorf("new-side location: %+v %+v", first.ArtifactLocation, first.Region)
	}
	if cl := run.Results[2].Properties["closure"].([]any); len(cl) != 2 || cl[0] != "src/a.c:helper" {
		t.Errorf("closure property %v", cl)
	}
	whole := run.Results[5].Locations[0].PhysicalLocation
	if whole.ArtifactLocation.URI != "docs/guide.md" || whole.Region != nil {
		t.Errorf("whole-file location: %+v %+v", whole.ArtifactLocation, whole.Region)
	}
	if root := run.Results[6].Locations[0].PhysicalLocation; root.ArtifactLocation.URI != "." || root.Region != nil {
		t.Errorf("file-less location: %+v", root)
	}
}

func TestSARIFOldSideAndEscapedURI(t *testing.T) {
	p := samplePolicy(t)
	r := &Report{Policy: p, Net: p.Evaluate("net change", result(
		classifiers.Finding{Rule: "C-FUNC-REMOVED", Verdict: classifiers.LivePatchable, Entity: "func gone", Old: &classifiers.Loc{File: "src/old file.c", Line: 4, EndLine: 9}},
	))}
	out, log := writeSARIF(t, r)
	if err := sariftest.Validate(out); err != nil {
		t.Fatal(err)
	}
	pl := log.Runs[0].Results[0].Locations[0].PhysicalLocation
	if pl.ArtifactLocation.URI != "src/old%20file.c" || pl.Region.StartLine != 4 || pl.Region.EndLine != 9 {
		t.Errorf("old-side location %+v %+v", pl.ArtifactLocation, pl.Region)
	}
}

func TestSARIFFingerprintsIgnoreLineMoves(t *testing.T) {
	_, before := writeSARIF(t, sampleReport(t, 0))
	_, after := writeSARIF(t, sampleReport(t, 40))
	rb, ra := before.Runs[0].Results, after.Runs[0].Results
	if len(rb) != len(ra) {
		t.Fatal("result counts differ")
	}
	seen := map[string]bool{}
	for i := range rb {
		if rb[i].Locations[0].PhysicalLocation.Region != nil && rb[i].Locations[0].PhysicalLocation.Region.StartLine == ra[i].Locations[0].PhysicalLocation.Region.StartLine {
			t.Fatalf("result %d: lines did not move", i)
		}
		fb, fa := rb[i].PartialFingerprints[FingerprintKey], ra[i].PartialFingerprints[FingerprintKey]
		if fb != fa {
			t.Errorf("result %d (%s): fingerprint changed when lines moved", i, rb[i].RuleID)
		}
		if seen[fb] {
			t.Errorf("result %d: fingerprint repeated", i)
		}
		seen[fb] = true
	}
	// Another entity, file or rule is another fingerprint.
	base := classifiers.Finding{Rule: "C-FUNC-BODY", Entity: "func a", New: &classifiers.Loc{File: "a.c", Line: 1}}
	other := []classifiers.Finding{base, base, base, base}
	other[1].Entity = "func b"
	other[2].New = &classifiers.Loc{File: "b.c", Line: 1}
	other[3].Rule = "C-FUNC-ADDED"
	fps := Fingerprints(other)
	for i := 1; i < len(fps); i++ {
		if fps[i] == fps[0] {
			t.Errorf("finding %d shares the fingerprint of finding 0", i)
		}
	}
	// The same rule, entity and file twice: still unique, and stable.
	twice := Fingerprints([]classifiers.Finding{base, base})
	if twice[0] == twice[1] || twice[0] != fps[0] || Fingerprints([]classifiers.Finding{base, base})[1] != twice[1] {
		t.Errorf("repeated finding fingerprints %v", twice)
	}
}

func TestWriteGitHubAnnotations(t *testing.T) {
	var b bytes.Buffer
	if err := WriteGitHubAnnotations(&b, sampleReport(t, 0)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	want := []string{
		"::error title=dynupd-analyze FAIL::The net change origin/main...HEAD is interface-external, outside the tiers. It fails: GO-SIG-EXPORTED",
		"::error file=api/server.go,line=20,endLine=34,title=GO-SIG-EXPORTED::method (*Server).Serve: signature func() error → func(ctx context.Context) error [interface-external]",
		"::warning file=src/net.c,line=1,endLine=4,title=C-STRUCT-LAYOUT::struct conn: field flags added [state-transfer]",
		"::warning file=src/a.c,line=10,endLine=12,title=C-SIG-INTERNAL::func helper: signature",
		"::notice file=src/net.c,line=7,endLine=7,title=C-FUNC-BODY::func step: body changed [live-patchable]",
		"::notice file=src/net.c,line=9,endLine=10,title=C-FUNC-BODY::func run: body changed [live-patchable]",
		"::notice title=GO-MOD-DEPS::module example.com/dep: marked live-patchable by an override [live-patchable]",
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d (no-op and allowed findings left out):\n%s", len(lines), len(want), b.String())
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d:\n got %s\nwant %s…", i, lines[i], w)
		}
	}
	lacks(t, "annotations", b.String(), "C-NOOP-NONCODE", "vendor/lib.c")
}

func TestGitHubAnnotationEscaping(t *testing.T) {
	p := samplePolicy(t)
	r := &Report{Base: "main", Head: "pr", Policy: p, Net: p.Evaluate("net change", result(
		classifiers.Finding{Rule: "C-SIG-PUBLIC", Verdict: classifiers.InterfaceExternal, Entity: "func f",
			New: &classifiers.Loc{File: "dir,x/a:b%.h", Line: 3, EndLine: 5}, Message: "100% changed\r\nsee: a, b"},
	))}
	r.Pass = !r.Net.Fails
	var b bytes.Buffer
	if err := WriteGitHubAnnotations(&b, r); err != nil {
		t.Fatal(err)
	}
	want := "::error file=dir%2Cx/a%3Ab%25.h,line=3,endLine=5,title=C-SIG-PUBLIC::func f: 100%25 changed%0D%0Asee: a, b [interface-external]\n"
	if !strings.HasSuffix(b.String(), want) {
		t.Errorf("got\n%s\nwant suffix\n%s", b.String(), want)
	}
	if strings.Count(b.String(), "\n") != 2 {
		t.Errorf("a message broke the one-command-per-line rule:\n%q", b.String())
	}
	if got := ghProperty("a:b,c%d\ne\rf"); got != "a%3Ab%2Cc%25d%0Ae%0Df" {
		t.Errorf("ghProperty = %q", got)
	}
	if got := ghData("a:b,c%d\ne\rf"); got != "a:b,c%25d%0Ae%0Df" {
		t.Errorf("ghData = %q", got)
	}
}

func TestGitHubAnnotationsOfAPassingReport(t *testing.T) {
	p, _ := PolicyFrom(config.Policy{FailOn: "not-patchable"})
	r := &Report{Base: "main", Policy: p, Net: p.Evaluate("net change", result(
		classifiers.Finding{Rule: "C-SIG-PUBLIC", Verdict: classifiers.InterfaceExternal, Entity: "func f", New: &classifiers.Loc{File: "a.h", Line: 1}},
	))}
	r.Pass = !r.Net.Fails
	var b bytes.Buffer
	if err := WriteGitHubAnnotations(&b, r); err != nil {
		t.Fatal(err)
	}
	contains(t, "annotations", b.String(), "::notice title=dynupd-analyze PASS::", "::warning file=a.h,line=1,endLine=1,title=C-SIG-PUBLIC::")
	lacks(t, "annotations", b.String(), "::error")
}

func TestWriteCodeQuality(t *testing.T) {
	r := sampleReport(t, 0)
	r.Net.Findings = append(r.Net.Findings, classifiers.Finding{Rule: "C-PARSE", Verdict: classifiers.Unknown, Entity: "src/bad.c",
		New: &classifiers.Loc{File: "src/bad.c", Line: 2, EndLine: 2}, Message: "does not parse"})
	var b bytes.Buffer
	if err := WriteCodeQuality(&b, r); err != nil {
		t.Fatal(err)
	}
	var issues []map[string]any
	if err := json.Unmarshal(b.Bytes(), &issues); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	type want struct {
		check, severity, path string
		begin, end            float64
	}
	wants := []want{
		{"GO-SIG-EXPORTED", "critical", "api/server.go", 20, 34},
		{"C-STRUCT-LAYOUT", "major", "src/net.c", 1, 4},
		{"C-SIG-INTERNAL", "minor", "src/a.c", 10, 12},
		{"C-FUNC-BODY", "info", "src/net.c", 7, 0},
		{"C-FUNC-BODY", "info", "src/net.c", 9, 10},
		{"GO-MOD-DEPS", "info", ".", 1, 0},
		{"C-PARSE", "blocker", "src/bad.c", 2, 0},
	}
	if len(issues) != len(wants) {
		t.Fatalf("%d issues, want %d (no-op and allowed left out):\n%s", len(issues), len(wants), b.String())
	}
	contains(t, "code quality", b.String(), "<callers>")
	seen := map[string]bool{}
	for i, w := range wants {
		is := issues[i]
		for _, k := range []string{"description", "check_name", "fingerprint", "severity", "location"} {
			if _, ok := is[k]; !ok {
				t.Errorf("issue %d lacks %s", i, k)
			}
		}
		if is["check_name"] != w.check || is["severity"] != w.severity {
			t.Errorf("issue %d: %v %v, want %s %s", i, is["check_name"], is["severity"], w.check, w.severity)
		}
		if d, _ := is["description"].(string); !strings.HasPrefix(d, w.check+": ") {
			t.Errorf("issue %d description %q", i, d)
		}
		loc, _ := is["location"].(map[string]any)
		ls, _ := loc["lines"].(map[string]any)
		if loc["path"] != w.path || ls["begin"] != w.begin {
			t.Errorf("issue %d location %v", i, loc)
		}
		if end, ok := ls["end"]; w.end == 0 && ok || w.end != 0 && end != w.end {
			t.Errorf("issue %d end %v, want %v", i, end, w.end)
		}
		fp, _ := is["fingerprint"].(string)
		if len(fp) != 64 || seen[fp] {
			t.Errorf("issue %d fingerprint %q not unique hex", i, fp)
		}
		seen[fp] = true
	}
	// The severity follows the policy: under fail-on interface-internal the
	// interface-internal finding fails and becomes critical.
	p, _ := PolicyFrom(config.Policy{FailOn: "interface-internal"})
	if s := codeQualitySeverity(p, classifiers.InterfaceInternal); s != "critical" {
		t.Errorf("failing interface-internal: %s", s)
	}
	p, _ = PolicyFrom(config.Policy{FailOn: "unknown"}, WithAllowUnknown(true))
	if s := codeQualitySeverity(p, classifiers.Unknown); s != "major" {
		t.Errorf("allowed unknown: %s", s)
	}
	// An empty report is an empty array.
	var e bytes.Buffer
	if err := WriteCodeQuality(&e, &Report{Policy: p, Net: p.Evaluate("net change", result())}); err != nil || e.String() != "[]\n" {
		t.Errorf("empty report: %q %v", e.String(), err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWritersReportErrors(t *testing.T) {
	r := sampleReport(t, 0)
	writers := map[string]func(*Report) error{
		"text":        func(r *Report) error { return WriteText(failWriter{}, r) },
		"markdown":    func(r *Report) error { return WriteMarkdown(failWriter{}, r) },
		"json":        func(r *Report) error { return WriteJSON(failWriter{}, r) },
		"sarif":       func(r *Report) error { return WriteSARIF(failWriter{}, r, nil) },
		"github":      func(r *Report) error { return WriteGitHubAnnotations(failWriter{}, r) },
		"codequality": func(r *Report) error { return WriteCodeQuality(failWriter{}, r) },
	}
	for name, w := range writers {
		if err := w(r); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%s: write error %v", name, err)
		}
		if err := w(nil); err == nil {
			t.Errorf("%s: no error for a nil report", name)
		}
	}
}
