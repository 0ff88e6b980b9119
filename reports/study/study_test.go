package study

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
)

func res(hash string, year int, kind string, v classifiers.Verdict, files map[string]classifiers.Verdict, findings ...classifiers.Finding) *analyzer.Result {
	r := &analyzer.Result{Commit: hash, Date: time.Date(year, 6, 1, 0, 0, 0, 0, time.UTC), Kind: kind, Verdict: v, Tier: classifiers.TierOf(v), Subject: "subject " + hash, Findings: findings}
	for p, fv := range files {
		r.Files = append(r.Files, analyzer.FileResult{Path: p, Verdict: fv})
	}
	return r
}

func fnd(rule string, v classifiers.Verdict, entity, file string) classifiers.Finding {
	return classifiers.Finding{Rule: rule, Verdict: v, Entity: entity, New: &classifiers.Loc{File: file, Line: 3}}
}

func sample() []*analyzer.Result {
	live, noop, ii, st, np, unk := classifiers.LivePatchable, classifiers.NoOp, classifiers.InterfaceInternal, classifiers.StateTransfer, classifiers.NotPatchable, classifiers.Unknown
	return []*analyzer.Result{
		res("a1", 2020, "fix", live, map[string]classifiers.Verdict{"src/a.c": live}, fnd("C-FUNC-BODY", live, "func f", "src/a.c"), fnd("C-FUNC-BODY", live, "func g", "src/a.c")),
		res("a2", 2020, "", noop, map[string]classifiers.Verdict{"README": noop}, fnd("FILE-NONCODE", noop, "file README", "README")),
		res("a3", 2021, "perf", ii, map[string]classifiers.Verdict{"src/a.c": ii, "lib/b.c": live},
			fnd("C-SIG-INTERNAL", ii, "func f", "src/a.c"), fnd("C-FUNC-BODY", live, "func f", "src/a.c"), fnd("C-FUNC-BODY", live, "func h", "lib/b.c")),
		res("a4", 2021, "feature", st, map[string]classifiers.Verdict{"src/s.h": st}, fnd("C-STRUCT-LAYOUT", st, "struct s", "src/s.h")),
		res("a5", 2022, "fix", np, map[string]classifiers.Verdict{"Makefile": np}, fnd("C-BUILD-FLAGS", np, "file Makefile", "Makefile")),
		res("a6", 2022, "fix", unk, map[string]classifiers.Verdict{"src/x.c": unk}, fnd("FILE-MISSING", unk, "file src/x.c", "src/x.c")),
	}
}

func TestBuildCountsAndDenominators(t *testing.T) {
	r := Build(Meta{Repository: "r"}, sample(), Exclusions{Merges: 2, Filtered: 1})
	if r.Analysed != 6 || r.Exclusions.Merges != 2 || r.Exclusions.Filtered != 1 || r.Exclusions.NoOpOnly != 1 {
		t.Fatalf("counts: %+v %+v", r.Analysed, r.Exclusions)
	}
	// T0 = no-op + live over all 6; program-changing leaves the no-op out.
	if got := r.Tiers["T0"]; got.Count != 2 || got.Of != 6 {
		t.Errorf("T0 %+v", got)
	}
	if got := r.Changing["T0"]; got.Count != 1 || got.Of != 5 {
		t.Errorf("T0 changing %+v", got)
	}
	if got := r.Tiers["T2"]; got.Count != 4 || got.Of != 6 || got.Percent() != "66.7%" {
		t.Errorf("T2 %+v %s", got, got.Percent())
	}
	if r.Verdicts["unknown"] != 1 || r.VerdictShares["not-patchable"].Count != 1 {
		t.Errorf("verdicts %v", r.Verdicts)
	}
	kinds := map[string]int{}
	for _, b := range r.ByKind {
		kinds[b.Key] = b.Commits
	}
	if kinds["fix"] != 3 || kinds["perf"] != 1 || kinds["feature"] != 1 || kinds["other"] != 1 || r.ByKind[0].Key != "fix" {
		t.Errorf("kinds %v (order %s first)", kinds, r.ByKind[0].Key)
	}
	fix := r.ByKind[0]
	if fix.Tiers["T0"].Count != 1 || fix.Tiers["T0"].Of != 3 {
		t.Errorf("fix T0 %+v", fix.Tiers["T0"])
	}
	var years []string
	for _, y := range r.ByYear {
		years = append(years, y.Key)
	}
	if strings.Join(years, ",") != "2020,2021,2022" {
		t.Errorf("years %v", years)
	}
	// a3 touches src (interface-internal) and lib (live): each directory
	// gets the most severe verdict of its own files.
	dirs := map[string]*Breakdown{}
	for _, d := range r.ByDir {
		dirs[d.Key] = d
	}
	if dirs["src"].Commits != 4 || dirs["lib"].Verdicts["live-patchable"] != 1 || dirs["."].Commits != 2 || r.ByDir[0].Key != "src" {
		t.Errorf("dirs %+v", r.ByDir)
	}
	// Per function: f (a1), g (a1), f (a3, interface-internal), h (a3).
	if r.Functions.Commits != 4 || r.Functions.Verdicts["interface-internal"] != 1 || r.Functions.Verdicts["live-patchable"] != 3 {
		t.Errorf("functions %+v", r.Functions)
	}
	rules := map[string]RuleStat{}
	for _, s := range r.ByRule {
		rules[s.Rule] = s
	}
	// C-FUNC-BODY fires in a1 and a3 but decides only a1.
	if s := rules["C-FUNC-BODY"]; s.Fires != 2 || s.Decides != 1 || s.Share.Of != 6 {
		t.Errorf("C-FUNC-BODY %+v", s)
	}
}

func TestReleaseOfAndGroups(t *testing.T) {
	r := &analyzer.Result{Verdict: classifiers.StateTransfer, Tier: classifiers.TierOf(classifiers.StateTransfer),
		Findings: []classifiers.Finding{fnd("C-STRUCT-LAYOUT", classifiers.StateTransfer, "struct s", "s.h"), fnd("C-FUNC-BODY", classifiers.LivePatchable, "func f", "a.c")},
		Entities: map[string]analyzer.EntityCount{"func": {Added: 2, Changed: 3}, "go method": {Removed: 1}, "struct": {Changed: 1}, "go type": {Added: 1}, "global": {Removed: 1}, "go var": {Added: 1}, "macro": {Added: 9}}}
	rel := ReleaseOf("v1", "v2", r)
	if rel.Name != "v1..v2" || rel.Verdict != "state-transfer" || strings.Join(rel.Deciding, ",") != "C-STRUCT-LAYOUT" || rel.Findings != 2 {
		t.Errorf("release %+v", rel)
	}
	if rel.Functions != (analyzer.EntityCount{Added: 2, Removed: 1, Changed: 3}) || rel.Types != (analyzer.EntityCount{Added: 1, Changed: 1}) || rel.Globals != (analyzer.EntityCount{Added: 1, Removed: 1}) {
		t.Errorf("entity counts %+v %+v %+v", rel.Functions, rel.Types, rel.Globals)
	}
	rep := Build(Meta{}, sample(), Exclusions{})
	rep.GroupByRelease(sample(), map[string]string{"a1": "..v1", "a2": "..v1", "a3": "v1..v2", "a6": "v2..HEAD"}, []string{"..v1", "v1..v2", "v2..v3", "v2..HEAD"})
	var got []string
	for _, b := range rep.ByRelease {
		got = append(got, b.Key)
	}
	// v2..v3 has no commits; a4 and a5 belong to no release.
	if strings.Join(got, " ") != "..v1 v1..v2 v2..HEAD other" || rep.ByRelease[3].Commits != 2 {
		t.Errorf("groups %v", got)
	}
}

func TestWritersEscapeAndInclude(t *testing.T) {
	results := sample()
	results[0].Subject = `<script>alert(1)</script> | pipe`
	results[1].Findings[0].Message = `</script><script>alert(3)</script>`
	rep := Build(Meta{Repository: "repo <x>", CommandLine: "dynupd-analyze study `x`", Date: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, results, Exclusions{})
	var md bytes.Buffer
	if err := WriteMarkdown(&md, rep, []Figure{{Title: "T", Caption: "C", Base: "tiers-over-time"}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| analysed | 6 |", "| T0 no new code (no-op + live-patchable) | 2 | 6 | 33.3% | 1 | 5 | 20.0% |", "![T](tiers-over-time.svg)", "2026-01-02 03:04:05 UTC", "## By rule"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	var h bytes.Buffer
	svg := []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><text>ok</text></svg>`)
	evil := []byte(`<svg><script>alert(2)</script></svg>`)
	if err := WriteHTML(&h, rep, []Figure{{Title: "good", SVG: svg}, {Title: "evil", SVG: evil}}, results); err != nil {
		t.Fatal(err)
	}
	s := h.String()
	if strings.Contains(s, "<script>alert") || strings.Contains(s, "</script><script>") {
		t.Error("HTML does not escape commit data or keeps a scripted SVG")
	}
	if !strings.Contains(s, `<svg xmlns="http://www.w3.org/2000/svg"><text>ok</text></svg>`) || strings.Contains(s, "<?xml") {
		t.Error("figure SVG not inlined cleanly")
	}
	if data := commitData(t, s); len(data) != 6 || data[0].J != results[0].Subject || data[1].F[0][3] != results[1].Findings[0].Message || !strings.Contains(s, "repo &lt;x&gt;") {
		t.Error("commit data or meta missing")
	}
	if strings.Contains(s, "http://") && !strings.Contains(s, "http://www.w3.org/2000/svg") {
		t.Error("HTML refers to the network")
	}
	var tb bytes.Buffer
	if err := WriteTable(&tb, rep); err != nil || !strings.Contains(tb.String(), "T1 + interface support") || !strings.Contains(tb.String(), "6 commits analysed") {
		t.Errorf("table (%v):\n%s", err, tb.String())
	}
	var fc bytes.Buffer
	if err := WriteFindingsCSV(&fc, results); err != nil || strings.Count(fc.String(), "\n") != 1+9 {
		t.Errorf("findings csv (%v):\n%s", err, fc.String())
	}
}

func TestHTMLClipsLongCommits(t *testing.T) {
	r := &analyzer.Result{Commit: "c", Verdict: classifiers.LivePatchable}
	for i := range htmlMaxFindings + 5 {
		f := fnd("C-FUNC-BODY", classifiers.LivePatchable, "func f"+strings.Repeat("x", i), "a.c")
		for j := range htmlMaxClosure + 3 {
			f.Closure = append(f.Closure, "member"+strings.Repeat("y", j))
		}
		r.Findings = append(r.Findings, f)
	}
	var h bytes.Buffer
	if err := WriteHTML(&h, Build(Meta{}, []*analyzer.Result{r}, Exclusions{}), nil, []*analyzer.Result{r}); err != nil {
		t.Fatal(err)
	}
	data := commitData(t, h.String())
	if len(data) != 1 || len(data[0].F) != htmlMaxFindings || data[0].M != 5 {
		t.Fatalf("commit data: %+v", data)
	}
	if !strings.HasSuffix(data[0].F[0][6], "… (3 more)") || data[0].F[0][0] != "C-FUNC-BODY" {
		t.Errorf("clipped closure not announced: %q", data[0].F[0])
	}
}

// commitData extracts the commit table's data from a page.
func commitData(t *testing.T, page string) []htmlCommitData {
	t.Helper()
	const open = `<script id="commit-data" type="application/json">`
	i := strings.Index(page, open)
	if i < 0 {
		t.Fatal("no commit data in the page")
	}
	j := strings.Index(page[i:], "</script>")
	var data []htmlCommitData
	if err := json.Unmarshal([]byte(page[i+len(open):i+j]), &data); err != nil {
		t.Fatalf("commit data: %v", err)
	}
	return data
}
