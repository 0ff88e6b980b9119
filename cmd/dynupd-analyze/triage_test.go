package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynupd/dynupd-analyze/internal/testrepo"
)

// triageRepo is a small C project released as v1.0 and v1.1. Between the
// two: a README edit (no-op), a bug fix (live-patchable, tagged fixes), a
// static function's signature change (interface-internal), a struct
// layout change (state-transfer), and a side branch adding a function
// (live-patchable) merged into the release.
func triageRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	base := "#include <stdio.h>\nstruct conn { int fd; };\nstatic int step(int x) { return x + 1; }\nstatic int helper(int x) { return x * 2; }\nint run(struct conn *c) { return step(c->fd) + helper(c->fd); }\n"
	fixed := strings.Replace(base, "x + 1", "x + 2", 1)
	widened := strings.Replace(fixed, "static int helper(int x)", "static long helper(long x)", 1)
	layout := strings.Replace(widened, "struct conn { int fd; };", "struct conn { int fd; int flags; };", 1)
	util := "int util(void) { return 3; }\n"
	_, err := testrepo.Build(dir, []testrepo.Commit{
		{Files: map[string]string{"src/net.c": base, "README.md": "hello\n"}, Message: "Initial import", Tag: "v1.0"},
		{Files: map[string]string{"src/net.c": base, "README.md": "hello world\n"}, Message: "docs: reword the README"},
		{Files: map[string]string{"src/net.c": fixed, "README.md": "hello world\n"}, Message: "Fix off-by-one in step", Tag: "fixes"},
		{Files: map[string]string{"src/net.c": widened, "README.md": "hello world\n"}, Message: "Widen helper"},
		{Files: map[string]string{"src/net.c": layout, "README.md": "hello world\n"}, Message: "Keep connection flags"},
		{Files: map[string]string{"src/net.c": widened, "src/util.c": util, "README.md": "hello world\n"}, Message: "Add util() <script>alert(1)</script>", Parents: []int{3}},
		{Files: map[string]string{"src/net.c": layout, "src/util.c": util, "README.md": "hello world\n"}, Message: "Merge branch 'util'", Parents: []int{4, 5}, Tag: "v1.1"},
		{Files: map[string]string{"src/net.c": layout, "src/util.c": util, "README.md": "hello world\n", "NEWS": "after\n"}, Message: "After the release"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// triageDoc is the part of the JSON the tests read.
type triageDoc struct {
	Range struct {
		Spec, Base, Tip string
		BaseCommit      string `json:"base_commit"`
		TipCommit       string `json:"tip_commit"`
		MergesSkipped   int    `json:"merges_skipped"`
		BaseNotAncestor bool   `json:"base_not_ancestor"`
		Repository      string
	}
	Commits []struct {
		Commit, Subject, Verdict, Tier string
		Deciding                       []string `json:"deciding_rules"`
		Findings                       []struct{ Rule, Entity string }
	}
	Groups []struct {
		Key     string
		Count   int
		Commits []string
	}
	Net struct {
		Verdict, Tier, Analysis string
		OneLivePatch            bool     `json:"one_live_patch"`
		Blocking                []string `json:"blocking"`
		Deciding                []string `json:"deciding_rules"`
	}
}

func decodeTriage(t *testing.T, b []byte) triageDoc {
	t.Helper()
	var doc triageDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("json: %v\n%s", err, b)
	}
	return doc
}

func TestTriageRelease(t *testing.T) {
	dir := triageRepo(t)
	out, stderr, code := run(t, "triage", "--repo", dir, "--format", "json", "v1.0..v1.1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	doc := decodeTriage(t, []byte(out))

	// Oldest first, the merge skipped and counted, the commit after the
	// release not in it.
	var subjects []string
	for _, c := range doc.Commits {
		subjects = append(subjects, c.Subject)
	}
	want := []string{"docs: reword the README", "Fix off-by-one in step", "Widen helper", "Keep connection flags", "Add util() <script>alert(1)</script>"}
	if strings.Join(subjects, "|") != strings.Join(want, "|") {
		t.Errorf("commits %q, want %q", subjects, want)
	}
	if doc.Range.MergesSkipped != 1 || doc.Range.Base != "v1.0" || doc.Range.Tip != "v1.1" || len(doc.Range.BaseCommit) != 40 || len(doc.Range.TipCommit) != 40 || doc.Range.BaseNotAncestor {
		t.Errorf("range: %+v", doc.Range)
	}
	hashOf := map[string]string{}
	for _, c := range doc.Commits {
		hashOf[c.Subject] = c.Commit
	}
	groups := map[string][]string{}
	var order []string
	for _, g := range doc.Groups {
		order = append(order, g.Key)
		if g.Count != len(g.Commits) {
			t.Errorf("group %s: count %d, %d commits", g.Key, g.Count, len(g.Commits))
		}
		for _, h := range g.Commits {
			for s, hh := range hashOf {
				if hh == h {
					groups[g.Key] = append(groups[g.Key], s)
				}
			}
		}
	}
	if got := strings.Join(order, " "); got != "ready need-interface-support need-state-transfer interface-external not-patchable unknown no-change" {
		t.Errorf("group order: %s", got)
	}
	for key, subjects := range map[string][]string{
		"ready":                  {"Fix off-by-one in step", "Add util() <script>alert(1)</script>"},
		"need-interface-support": {"Widen helper"},
		"need-state-transfer":    {"Keep connection flags"},
		"no-change":              {"docs: reword the README"},
		"unknown":                nil,
	} {
		if strings.Join(groups[key], "|") != strings.Join(subjects, "|") {
			t.Errorf("group %s: %q, want %q", key, groups[key], subjects)
		}
	}
	if c := doc.Commits[3]; c.Verdict != "state-transfer" || c.Tier != "T2" || strings.Join(c.Deciding, " ") != "C-STRUCT-LAYOUT" || len(c.Findings) == 0 {
		t.Errorf("layout commit: %+v", c)
	}

	// The net change: state transfer, blocked by the signature change and
	// the layout change, analysed syntactically (no Go code).
	n := doc.Net
	if n.Verdict != "state-transfer" || n.Tier != "T2" || n.OneLivePatch || strings.Join(n.Deciding, " ") != "C-STRUCT-LAYOUT" || n.Analysis != "syntactic" {
		t.Errorf("net: %+v", n)
	}
	if len(n.Blocking) != 2 || n.Blocking[0] != hashOf["Widen helper"] || n.Blocking[1] != hashOf["Keep connection flags"] {
		t.Errorf("blocking %v", n.Blocking)
	}

	// The default text says the same.
	text, stderr, code := run(t, "triage", "--repo", dir, "v1.0..v1.1")
	if code != 0 {
		t.Fatalf("text: exit %d: %s", code, stderr)
	}
	for _, w := range []string{
		"Triage of v1.0..v1.1", "5 commits, merges skipped: 1",
		"Net change v1.0..v1.1 as one change: state-transfer (T2), deciding rules C-STRUCT-LAYOUT",
		"analysis: syntactic", "blocking commits (verdict above live-patchable): 2",
		"Ready as live patches (live-patchable): 2", "Need interface support (interface-internal): 1",
		"Need state transfer (state-transfer): 1", "No change to the running program (no-op): 1",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("text lacks %q:\n%s", w, text)
		}
	}
	if strings.Contains(text, "After the release") {
		t.Error("text lists a commit after the tip")
	}
}

func TestTriageReadyRange(t *testing.T) {
	dir := triageRepo(t)
	out, stderr, code := run(t, "triage", "--repo", dir, "--format", "json", "v1.0..fixes")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	doc := decodeTriage(t, []byte(out))
	if len(doc.Commits) != 2 || doc.Net.Verdict != "live-patchable" || !doc.Net.OneLivePatch || len(doc.Net.Blocking) != 0 {
		t.Errorf("ready range: %+v", doc)
	}
	for _, g := range doc.Groups {
		if (g.Key == "ready" || g.Key == "no-change") != (g.Count == 1) {
			t.Errorf("group %s: %d", g.Key, g.Count)
		}
	}
	// "fixes.." is fixes..HEAD: the rest of the history, HEAD included.
	out, stderr, code = run(t, "triage", "--repo", dir, "--format", "json", "fixes..")
	if code != 0 {
		t.Fatalf("fixes..: exit %d: %s", code, stderr)
	}
	doc = decodeTriage(t, []byte(out))
	if doc.Range.Tip != "HEAD" || len(doc.Commits) != 4 || doc.Commits[3].Subject != "After the release" {
		t.Errorf("fixes..: %+v", doc.Range)
	}
	// One commit: REV^..REV.
	out, stderr, code = run(t, "triage", "--repo", dir, "--format", "json", "fixes^..fixes")
	if doc := decodeTriage(t, []byte(out)); code != 0 || len(doc.Commits) != 1 || doc.Commits[0].Subject != "Fix off-by-one in step" || doc.Net.Verdict != "live-patchable" {
		t.Errorf("fixes^..fixes: exit %d (%s), %+v", code, stderr, doc)
	}
	// A base that is not an ancestor of the tip is said to be so.
	out, _, code = run(t, "triage", "--repo", dir, "--format", "json", "fixes..v1.0")
	if doc := decodeTriage(t, []byte(out)); code != 0 || !doc.Range.BaseNotAncestor || len(doc.Commits) != 0 {
		t.Errorf("fixes..v1.0: exit %d, %+v", code, doc.Range)
	}
}

func TestTriageFormatsAndOut(t *testing.T) {
	dir := triageRepo(t)
	md, stderr, code := run(t, "triage", "--repo", dir, "--format", "markdown", "v1.0..v1.1")
	if code != 0 {
		t.Fatalf("markdown: exit %d: %s", code, stderr)
	}
	for _, w := range []string{"# Live-patch triage: v1.0..v1.1", "**state-transfer** (T2)", "| Ready as live patches | live-patchable | 2 |", "## Need state transfer (1)", "&lt;script&gt;"} {
		if !strings.Contains(md, w) {
			t.Errorf("markdown lacks %q:\n%s", w, md)
		}
	}
	page := filepath.Join(t.TempDir(), "t.html")
	out, stderr, code := run(t, "triage", "--repo", dir, "--format", "html", "-o", page, "v1.0..v1.1")
	if code != 0 || out != "" {
		t.Fatalf("html -o: exit %d, stdout %q: %s", code, out, stderr)
	}
	html := mustRead(t, page)
	if strings.Contains(strings.ToLower(html), "<script") || !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("html does not escape the <script> subject")
	}
	if strings.Count(html, `<details class="commit"`) != 5 || !strings.Contains(html, `id="g-need-state-transfer" data-count="1"`) {
		t.Errorf("html groups:\n%s", html)
	}

	outDir := filepath.Join(t.TempDir(), "triage")
	text, stderr, code := run(t, "triage", "--repo", dir, "--out", outDir, "v1.0..v1.1")
	if code != 0 || !strings.Contains(text, "Triage of v1.0..v1.1") {
		t.Fatalf("--out: exit %d: %s\n%s", code, stderr, text)
	}
	for _, name := range []string{"triage.md", "triage.html", "triage.json"} {
		if st, err := os.Stat(filepath.Join(outDir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", name, err)
		}
	}
	if mustRead(t, filepath.Join(outDir, "triage.md")) != md {
		t.Error("triage.md differs from --format markdown")
	}
	// The JSON is deterministic: the file equals stdout of another run.
	js, _, _ := run(t, "triage", "--repo", dir, "--format", "json", "v1.0..v1.1")
	if mustRead(t, filepath.Join(outDir, "triage.json")) != js {
		t.Error("triage.json differs from --format json of another run")
	}
}

func TestTriageEmitPatches(t *testing.T) {
	dir := triageRepo(t)
	patches := filepath.Join(t.TempDir(), "patches")
	out, stderr, code := run(t, "triage", "--repo", dir, "--emit-patches", patches, "v1.0..v1.1")
	if code != 0 || !strings.Contains(strings.ToLower(out), "ready") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var sum patchSummary
	b, err := os.ReadFile(filepath.Join(patches, "summary.json"))
	if err != nil || json.Unmarshal(b, &sum) != nil {
		t.Fatalf("summary.json: %v", err)
	}
	if len(sum.Modules) == 0 || !strings.Contains(stderr, "patchable commits") {
		t.Errorf("no module for the ready commits: %+v\n%s", sum, stderr)
	}
	for _, m := range sum.Modules {
		if m.Verdict != "live-patchable" {
			t.Errorf("module for a %s commit", m.Verdict)
		}
		if _, err := os.Stat(filepath.Join(patches, m.Dir, "manifest.json")); err != nil {
			t.Errorf("module %s: %v", m.Dir, err)
		}
	}
	// An existing, non-empty directory is refused before any analysis.
	if _, stderr, code := run(t, "triage", "--repo", dir, "--emit-patches", patches, "v1.0..v1.1"); code != 2 || !strings.Contains(stderr, "not empty") {
		t.Errorf("non-empty --emit-patches: exit %d %q", code, stderr)
	}
}

func TestTriageBadInputExitsTwo(t *testing.T) {
	dir := triageRepo(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"v1.1"}, "RANGE must be BASE..TIP"},
		{[]string{"v1.0...v1.1"}, "RANGE must be BASE..TIP"},
		{[]string{"^v1.0 v1.1"}, "RANGE must be BASE..TIP"},
		{[]string{"v1.1^!"}, "RANGE must be BASE..TIP"},
		{[]string{"v1.0..v1.1^!"}, "RANGE must be BASE..TIP"},
		{[]string{"v1.0..no-such-tag"}, "no-such-tag"},
		{[]string{"no-such-tag..v1.1"}, "no-such-tag"},
		{nil, "want one RANGE"},
		{[]string{"--format", "xml", "v1.0..v1.1"}, "--format"},
	} {
		args := append([]string{"triage", "--repo", dir}, tc.args...)
		out, stderr, code := run(t, args...)
		if code != 2 || out != "" || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.HasPrefix(stderr, "dynupd-analyze: ") || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", tc.args, code, out, stderr, tc.want)
		}
	}
}

// TestTriageGoAnalysis checks that the net change of a Go module is
// loaded with types, and that the report says when it is not.
func TestTriageGoAnalysis(t *testing.T) {
	dir := t.TempDir()
	mod := "module example.com/m\n\ngo 1.21\n"
	lib := "package lib\n\nfunc twice(x int) int {\n\tfor i := 0; i < 3; i++ {\n\t\tx += i\n\t}\n\treturn x * 2\n}\n\n// Run is exported.\nfunc Run(n int) int { return twice(n) }\n"
	_, err := testrepo.Build(dir, []testrepo.Commit{
		{Files: map[string]string{"go.mod": mod, "lib/lib.go": lib}, Message: "Initial import", Tag: "v1"},
		{Files: map[string]string{"go.mod": mod, "lib/lib.go": strings.Replace(lib, "x * 2", "x * 3", 1)}, Message: "Fix twice", Tag: "v2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		flag, analysis string
	}{{"--typed=true", "typed"}, {"--typed=false", "syntactic"}} {
		out, stderr, code := run(t, "triage", "--repo", dir, "--format", "json", tc.flag, "v1..v2")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.flag, code, stderr)
		}
		doc := decodeTriage(t, []byte(out))
		if doc.Net.Analysis != tc.analysis || len(doc.Commits) != 1 || doc.Commits[0].Verdict != doc.Net.Verdict {
			t.Errorf("%s: net %+v, commits %+v", tc.flag, doc.Net, doc.Commits)
		}
		text, _, _ := run(t, "triage", "--repo", dir, tc.flag, "v1..v2")
		if !strings.Contains(text, "analysis: "+tc.analysis) {
			t.Errorf("%s: text does not say the analysis:\n%s", tc.flag, text)
		}
	}
}
