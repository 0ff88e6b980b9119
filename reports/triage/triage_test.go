package triage

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
)

func hash(c byte) string { return strings.Repeat(string(c), 40) }

func result(c byte, subject string, fs ...classifiers.Finding) *analyzer.Result {
	v := classifiers.NoOp
	for _, f := range fs {
		v = classifiers.Max(v, f.Verdict)
	}
	return &analyzer.Result{
		Commit: hash(c), Author: "Dev <dev@example.invalid>", Subject: subject,
		Date:    time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
		Verdict: v, Tier: classifiers.TierOf(v), Findings: fs,
	}
}

func finding(rule string, v classifiers.Verdict, entity string) classifiers.Finding {
	return classifiers.Finding{Rule: rule, Verdict: v, Entity: entity, Message: rule + " fired",
		Old: &classifiers.Loc{File: "src/a.c", Line: 3, EndLine: 3}, New: &classifiers.Loc{File: "src/a.c", Line: 4, EndLine: 4}}
}

// sample is a range of six commits, oldest first, and its net change.
func sample() ([]*analyzer.Result, *analyzer.Result) {
	results := []*analyzer.Result{
		result('a', "docs: reword", finding("C-NOOP-NONCODE", classifiers.NoOp, "file README")),
		result('b', "Fix step", finding("C-FUNC-BODY", classifiers.LivePatchable, "func step")),
		nil, // left out by a path filter
		result('c', "Widen helper", finding("C-FUNC-BODY", classifiers.LivePatchable, "func run"), finding("C-SIG-INTERNAL", classifiers.InterfaceInternal, "func helper")),
		result('d', "Keep flags", finding("C-STRUCT-LAYOUT", classifiers.StateTransfer, "struct conn")),
		result('e', "Add added()", finding("C-FUNC-ADDED", classifiers.LivePatchable, "func added")),
		result('f', "Parse <script>alert(1)</script> & more", finding("C-PARSE", classifiers.Unknown, "file src/b.c")),
	}
	net := &analyzer.Result{Verdict: classifiers.StateTransfer, Findings: []classifiers.Finding{
		finding("C-FUNC-BODY", classifiers.LivePatchable, "func step"),
		finding("C-STRUCT-LAYOUT", classifiers.StateTransfer, "struct conn"),
	}}
	return results, net
}

func sampleReport() *Report {
	results, net := sample()
	return Build(Range{Repository: "/src/proj", Spec: "v1.0..v1.1", Base: "v1.0", Tip: "v1.1", BaseCommit: hash('0'), TipCommit: hash('f'), MergesSkipped: 1, FilteredOut: 1}, results, net)
}

func TestTriageBuildGroupsAndCounts(t *testing.T) {
	rep := sampleReport()
	if len(rep.Commits) != 6 {
		t.Fatalf("%d commits, want 6 (the nil result is left out)", len(rep.Commits))
	}
	var order []string
	for _, c := range rep.Commits {
		order = append(order, c.Commit[:1])
	}
	if got := strings.Join(order, ""); got != "abcdef" {
		t.Errorf("commit order %q, want the order given", got)
	}
	want := map[string][]string{
		GroupReady:             {hash('b'), hash('e')},
		GroupInterfaceSupport:  {hash('c')},
		GroupStateTransfer:     {hash('d')},
		GroupInterfaceExternal: {},
		GroupNotPatchable:      {},
		GroupUnknown:           {hash('f')},
		GroupNoChange:          {hash('a')},
	}
	var keys []string
	for _, g := range rep.Groups {
		keys = append(keys, g.Key)
		if !reflect.DeepEqual(g.Commits, want[g.Key]) || g.Count != len(want[g.Key]) {
			t.Errorf("group %s: count %d, commits %v; want %v", g.Key, g.Count, g.Commits, want[g.Key])
		}
	}
	if !reflect.DeepEqual(keys, GroupOrder()) || keys[0] != GroupReady || keys[len(keys)-1] != GroupNoChange {
		t.Errorf("group order %v", keys)
	}
	if c := rep.Commits[2]; c.Verdict != classifiers.InterfaceInternal || c.Tier != "T1" || !reflect.DeepEqual(c.Deciding, []string{"C-SIG-INTERNAL"}) {
		t.Errorf("commit c: %+v", c)
	}
}

func TestTriageNetAndBlocking(t *testing.T) {
	rep := sampleReport()
	n := rep.Net
	if n.Verdict != classifiers.StateTransfer || n.Tier != "T2" || n.OneLivePatch || !reflect.DeepEqual(n.Deciding, []string{"C-STRUCT-LAYOUT"}) {
		t.Errorf("net: %+v", n)
	}
	if want := []string{hash('c'), hash('d'), hash('f')}; !reflect.DeepEqual(n.Blocking, want) {
		t.Errorf("blocking %v, want %v", n.Blocking, want)
	}
	if n.Analysis != "syntactic" || !strings.Contains(n.AnalysisNote, "no Go code") {
		t.Errorf("analysis %q (%q)", n.Analysis, n.AnalysisNote)
	}

	// A range of ready and no-op commits ships as one live patch and has
	// nothing blocking; the typed analysis is reported as it came.
	results, _ := sample()
	net := &analyzer.Result{Verdict: classifiers.LivePatchable, Analysis: "typed", Findings: []classifiers.Finding{finding("GO-FUNC-BODY", classifiers.LivePatchable, "func f")}}
	rep = Build(Range{Spec: "a..b"}, results[:2], net)
	if !rep.Net.OneLivePatch || len(rep.Net.Blocking) != 0 || rep.Net.Blocking == nil || rep.Net.Analysis != "typed" || rep.Net.AnalysisNote != "" {
		t.Errorf("ready range: %+v", rep.Net)
	}

	// No net result: unknown, never live-patchable.
	rep = Build(Range{Spec: "a..b"}, nil, nil)
	if rep.Net.Verdict != classifiers.Unknown || rep.Net.OneLivePatch || len(rep.Commits) != 0 || rep.Commits == nil {
		t.Errorf("nil net: %+v", rep)
	}

	// A verdict outside the lattice fails closed.
	bad := result('x', "odd")
	bad.Verdict = classifiers.Verdict(42)
	rep = Build(Range{}, []*analyzer.Result{bad}, nil)
	if g := rep.Group(GroupUnknown); g.Count != 1 || rep.Commits[0].Tier != "-" {
		t.Errorf("out-of-range verdict: %+v", rep.Groups)
	}
}

func TestTriageWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, sampleReport()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Triage of v1.0..v1.1", "6 commits, merges skipped: 1, left out by the path filter: 1",
		"Net change v1.0..v1.1 as one change: state-transfer (T2), deciding rules C-STRUCT-LAYOUT",
		"analysis: syntactic (no Go code in the net change)",
		"ships as one live patch: only with hand-written state transfer",
		"blocking commits (verdict above live-patchable): 3",
		"Ready as live patches (live-patchable): 2", "No change to the running program (no-op): 1",
		"Interface-external (interface-external): 0\n  (none)",
		"C-STRUCT-LAYOUT state-transfer struct conn [src/a.c:3 → src/a.c:4]: C-STRUCT-LAYOUT fired",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	ready := strings.Index(out, "Ready as live patches (")
	noChange := strings.Index(out, "No change to the running program (")
	unknown := strings.Index(out, "Unknown (unknown)")
	if !(ready < unknown && unknown < noChange) {
		t.Errorf("group order in text: ready %d, unknown %d, no change %d", ready, unknown, noChange)
	}
}

func TestTriageWriteTextDropsControlCharacters(t *testing.T) {
	results := []*analyzer.Result{result('a', "evil \x1b[2Jsubject\x07", finding("C-FUNC-BODY", classifiers.LivePatchable, "func f"))}
	var b bytes.Buffer
	if err := WriteText(&b, Build(Range{}, results, nil)); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(b.String(), "\x1b\x07") || !strings.Contains(b.String(), "evil [2Jsubject") {
		t.Errorf("control characters kept:\n%q", b.String())
	}
}

func TestTriageWriteMarkdown(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMarkdown(&b, sampleReport()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"# Live-patch triage: v1.0..v1.1", "## Net change as one live patch", "**state-transfer** (T2)",
		"| Ready as live patches | live-patchable | 2 |", "## Need state transfer (1)", "## Interface-external (0)\n\nNone.",
		"Parse &lt;script&gt;alert(1)&lt;/script&gt; &amp; more",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "<script") {
		t.Error("markdown carries a raw <script> from a subject")
	}
}

func TestTriageWriteHTMLEscapesAndGroups(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHTML(&b, sampleReport()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(strings.ToLower(out), "<script") {
		t.Errorf("the page carries a <script> element:\n%s", out)
	}
	if !strings.Contains(out, "Parse &lt;script&gt;alert(1)&lt;/script&gt; &amp; more") {
		t.Error("the <script> subject is not shown escaped")
	}
	if strings.Contains(out, "http://") || strings.Contains(out, "https://") || strings.Contains(out, "<link") {
		t.Error("the page refers to something outside itself")
	}
	// Sections in group order, each commit a <details> in its group.
	last := -1
	for _, key := range GroupOrder() {
		i := strings.Index(out, `<section class="group" id="g-`+key+`"`)
		if i < 0 || i < last {
			t.Errorf("section %s at %d (previous at %d)", key, i, last)
		}
		last = i
	}
	ready := out[strings.Index(out, `id="g-ready"`):strings.Index(out, `id="g-need-interface-support"`)]
	if strings.Count(ready, `<details class="commit"`) != 2 || !strings.Contains(ready, "C-FUNC-ADDED") || !strings.Contains(ready, `data-count="2"`) {
		t.Errorf("ready section:\n%s", ready)
	}
	if !strings.Contains(out, `<a href="#c-dddddddddddd">`) {
		t.Error("blocking commits do not link to their entries")
	}
}

func TestTriageJSONRoundTrip(t *testing.T) {
	rep := sampleReport()
	var b bytes.Buffer
	if err := WriteJSON(&b, rep); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatalf("decode: %v\n%s", err, b.String())
	}
	var again bytes.Buffer
	if err := WriteJSON(&again, &back); err != nil {
		t.Fatal(err)
	}
	if b.String() != again.String() {
		t.Errorf("JSON changed in a round trip:\n%s\n---\n%s", b.String(), again.String())
	}
	if back.Net.Verdict != classifiers.StateTransfer || len(back.Commits) != 6 || back.Group(GroupReady).Count != 2 || back.Commits[5].Subject != rep.Commits[5].Subject {
		t.Errorf("decoded report: %+v", back)
	}
	// The field names of the contract (docs/triage.md).
	var raw map[string]any
	if err := json.Unmarshal(b.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"tool_version", "rules_version", "range", "commits", "groups", "net"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	net := raw["net"].(map[string]any)
	for _, k := range []string{"verdict", "tier", "deciding_rules", "findings", "analysis", "one_live_patch", "blocking"} {
		if _, ok := net[k]; !ok {
			t.Errorf("net lacks %q", k)
		}
	}
	c := raw["commits"].([]any)[0].(map[string]any)
	for _, k := range []string{"commit", "author", "date", "subject", "verdict", "tier", "deciding_rules", "findings", "skipped"} {
		if _, ok := c[k]; !ok {
			t.Errorf("commit lacks %q", k)
		}
	}
}
