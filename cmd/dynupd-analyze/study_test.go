package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/dynupd/dynupd-analyze/internal/testrepo"
)

// releaseRepo is a small C project with three tagged releases and commits
// of every change kind between them.
func releaseRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	base := "#include <stdio.h>\nstruct conn { int fd; };\nstatic int limit = 4;\nstatic int step(int x) { return x + 1; }\nint run(struct conn *c) { return step(c->fd) + limit; }\n"
	v2 := strings.Replace(base, "x + 1", "x + 2", 1)
	v3 := strings.Replace(v2, "struct conn { int fd; };", "struct conn { int fd; int flags; };", 1)
	v4 := v3 + "int added(void) { return 7; }\n"
	v5 := strings.Replace(v4, "int run(struct conn *c)", "long run(struct conn *c)", 1)
	_, err := testrepo.Build(dir, []testrepo.Commit{
		{Files: map[string]string{"src/net.c": base, "README": "hello\n"}, Message: "Initial import", Tag: "v1.0"},
		{Files: map[string]string{"src/net.c": base, "README": "hello world\n"}, Message: "docs: reword the README"},
		{Files: map[string]string{"src/net.c": v2, "README": "hello world\n"}, Message: "Fix off-by-one in step (CVE-2021-1234)", Tag: "v1.1"},
		{Files: map[string]string{"src/net.c": v3, "README": "hello world\n"}, Message: "perf: keep connection flags"},
		{Files: map[string]string{"src/net.c": v4, "README": "hello world\n"}, Message: "feat: add added()", Tag: "v1.2"},
		{Files: map[string]string{"src/net.c": v5, "README": "hello world\n"}, Message: "Widen run's result"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func fileURL(dir string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String()
}

var reusedRE = regexp.MustCompile(`(\d+) commits analysed now, (\d+) reused`)

func analysedReused(t *testing.T, out string) (int, int) {
	t.Helper()
	m := reusedRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no reuse line in:\n%s", out)
	}
	a, _ := strconv.Atoi(m[1])
	r, _ := strconv.Atoi(m[2])
	return a, r
}

func TestStudyRemoteByReleaseAndReuse(t *testing.T) {
	src := releaseRepo(t)
	outDir := filepath.Join(t.TempDir(), "out")
	args := []string{"study", "--repo", fileURL(src), "--out", outDir, "--by-release"}
	out, stderr, code := run(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if a, r := analysedReused(t, out); a != 6 || r != 0 {
		t.Errorf("first run: analysed %d, reused %d; want 6, 0", a, r)
	}
	for _, name := range []string{"report.md", "report.html", "report.json", "results.jsonl", "commits.csv", "findings.csv", "study.db",
		"tiers-over-time.svg", "tiers-over-time.png", "verdict-by-kind.svg", "top-rules.svg", "directory-hotspots.png"} {
		if st, err := os.Stat(filepath.Join(outDir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", name, err)
		}
	}
	// The clone went to the cache under the output directory, bare.
	clones, _ := filepath.Glob(filepath.Join(outDir, "cache", "*", "HEAD"))
	if len(clones) != 1 {
		t.Errorf("clone cache: %v", clones)
	}

	var rep struct {
		Meta struct {
			Repository, Head, Range string
			Rules                   string `json:"rules_version"`
			Command                 string `json:"command_line"`
		}
		Analysed int
		Verdicts map[string]int
		Tiers    map[string]struct{ Count, Of int }
		ByKind   []struct {
			Key     string
			Commits int
		} `json:"by_kind"`
		Releases []struct {
			Name, Verdict string
			Functions     struct{ Added, Removed, Changed int }
			Types         struct{ Added, Removed, Changed int }
		}
		ByRelease []struct {
			Key     string
			Commits int
		} `json:"by_release"`
	}
	b, err := os.ReadFile(filepath.Join(outDir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Analysed != 6 || rep.Meta.Repository != fileURL(src) || len(rep.Meta.Head) != 40 || rep.Meta.Range != "HEAD" || !strings.Contains(rep.Meta.Command, "--by-release") {
		t.Errorf("report meta/analysed: %+v", rep)
	}
	if rep.Tiers["T0"].Of != 6 {
		t.Errorf("T0 denominator %d, want 6", rep.Tiers["T0"].Of)
	}
	kinds := map[string]int{}
	for _, k := range rep.ByKind {
		kinds[k.Key] = k.Commits
	}
	if kinds["fix"] != 1 || kinds["perf"] != 1 || kinds["feature"] != 1 || kinds["other"] != 3 {
		t.Errorf("kinds: %v", kinds)
	}
	if len(rep.Releases) != 2 || rep.Releases[0].Name != "v1.0..v1.1" || rep.Releases[1].Name != "v1.1..v1.2" {
		t.Fatalf("releases: %+v", rep.Releases)
	}
	if r := rep.Releases[0]; r.Verdict != "live-patchable" || r.Functions.Changed != 1 {
		t.Errorf("v1.0..v1.1: %+v", r)
	}
	if r := rep.Releases[1]; r.Verdict != "state-transfer" || r.Functions.Added != 1 || r.Types.Changed != 1 {
		t.Errorf("v1.1..v1.2: %+v", r)
	}
	var groups []string
	for _, g := range rep.ByRelease {
		groups = append(groups, g.Key+"="+strconv.Itoa(g.Commits))
	}
	if strings.Join(groups, " ") != "..v1.0=1 v1.0..v1.1=2 v1.1..v1.2=2 v1.2..HEAD=1" {
		t.Errorf("commits by release: %v", groups)
	}
	md, _ := os.ReadFile(filepath.Join(outDir, "report.md"))
	for _, want := range []string{"## Reproducibility", "## Headline", "| analysed | 6 |", "## By change kind", "## By release", "v1.0..v1.1", "![", "tiers-over-time.svg"} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	recs := readCSV(t, filepath.Join(outDir, "commits.csv"))
	if len(recs) != 7 || recs[0][4] != "kind" {
		t.Errorf("commits.csv: %v", recs)
	}
	frecs := readCSV(t, filepath.Join(outDir, "findings.csv"))
	if len(frecs) < 4 || frecs[0][3] != "rule" {
		t.Errorf("findings.csv: %v", frecs)
	}
	jl, _ := os.ReadFile(filepath.Join(outDir, "results.jsonl"))
	if n := strings.Count(string(jl), "\n"); n != 7 {
		t.Errorf("results.jsonl: %d lines, want 6 commits and the summary", n)
	}

	// Nothing new: everything is reused, and the report is the same.
	out, stderr, code = run(t, args...)
	if code != 0 {
		t.Fatalf("second run: exit %d: %s", code, stderr)
	}
	if a, r := analysedReused(t, out); a != 0 || r != 6 {
		t.Errorf("second run: analysed %d, reused %d; want 0, 6", a, r)
	}
	b2, _ := os.ReadFile(filepath.Join(outDir, "report.json"))
	if stripDate(b) != stripDate(b2) {
		t.Errorf("report.json differs after a run that reused everything:\n%s\n---\n%s", b, b2)
	}

	// One new commit upstream: fetched, analysed alone.
	if _, err := testrepo.Append(src, testrepo.Commit{Files: map[string]string{"src/net.c": strings.Replace(mustRead(t, filepath.Join(src, "src/net.c")), "return 7", "return 8", 1), "README": "hello world\n"}, Message: "Fix added's value"}); err != nil {
		t.Fatal(err)
	}
	out, stderr, code = run(t, args...)
	if code != 0 {
		t.Fatalf("third run: exit %d: %s", code, stderr)
	}
	if a, r := analysedReused(t, out); a != 1 || r != 6 {
		t.Errorf("third run: analysed %d, reused %d; want 1, 6", a, r)
	}

	// report re-renders the last run from the database alone: the same
	// report, even with the repository gone.
	if err := os.RemoveAll(src); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(outDir, "cache")); err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(t.TempDir(), "again")
	out, stderr, code = run(t, "report", "--db", filepath.Join(outDir, "study.db"), "--out", again)
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	for _, name := range []string{"report.json", "report.md", "commits.csv", "findings.csv", "results.jsonl"} {
		want, _ := os.ReadFile(filepath.Join(outDir, name))
		got, err := os.ReadFile(filepath.Join(again, name))
		if err != nil || !bytes.Equal(want, got) {
			t.Errorf("report --db: %s differs from the study's (%v)", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(again, "verdict-by-kind.pdf")); err != nil {
		t.Errorf("report --db: figures: %v", err)
	}
	out, _, code = run(t, "report", "--db", filepath.Join(outDir, "study.db"), "--format", "md")
	if code != 0 || !strings.Contains(out, "| analysed | 7 |") {
		t.Errorf("report --format md (exit %d):\n%s", code, out)
	}
	out, _, code = run(t, "report", "--db", filepath.Join(outDir, "study.db"))
	if code != 0 || !strings.Contains(out, "T2 + state transfer") || !strings.Contains(out, "v1.0..v1.1") {
		t.Errorf("report table (exit %d):\n%s", code, out)
	}
	// An earlier run by its ID: the first study saw 6 commits.
	out, _, code = run(t, "report", "--db", filepath.Join(outDir, "study.db"), "--run", "1", "--format", "json")
	if code != 0 || !strings.Contains(out, `"analysed": 6,`) {
		t.Errorf("report --run 1 (exit %d):\n%.300s", code, out)
	}
	if _, stderr, code := run(t, "report", "--db", filepath.Join(outDir, "study.db"), "--run", "99"); code != 2 || !strings.Contains(stderr, "run 99") {
		t.Errorf("report --run 99: exit %d %q", code, stderr)
	}
	if _, stderr, code := run(t, "report", "--db", filepath.Join(t.TempDir(), "none.db")); code != 2 || !strings.Contains(stderr, "results database") {
		t.Errorf("missing db: exit %d %q", code, stderr)
	}
}

// TestStudyKindsOverride decides kinds with a rule file, in study and
// again in report.
func TestStudyKindsOverride(t *testing.T) {
	src := releaseRepo(t)
	outDir := t.TempDir()
	rules := filepath.Join(t.TempDir(), "kinds.yaml")
	if err := os.WriteFile(rules, []byte("rules:\n  - kind: perf\n    words: [widen]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := run(t, "study", "--repo", src, "--out", outDir, "--kinds", rules)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	recs := readCSV(t, filepath.Join(outDir, "commits.csv"))
	kinds := map[string]string{}
	for _, r := range recs[1:] {
		kinds[r[3]] = r[4]
	}
	if kinds["Widen run's result"] != "perf" {
		t.Errorf("kinds with override: %v", kinds)
	}
	out, _, code := run(t, "report", "--db", filepath.Join(outDir, "study.db"), "--format", "csv")
	if code != 0 || !strings.Contains(out, "Widen run's result,perf") {
		t.Errorf("report keeps the study's kinds (exit %d):\n%s", code, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("rules:\n  - kind: bugfix\n    words: [x]\n"), 0o644)
	if _, stderr, code := run(t, "study", "--repo", src, "--kinds", bad); code != 2 || !strings.Contains(stderr, "bad.yaml:2:") {
		t.Errorf("bad kinds file: exit %d %q", code, stderr)
	}
}

// TestStudyHTMLInChromium opens the HTML report in headless Chromium and
// checks that the tables and figures render and that the filter in the URL
// fragment selects the right commits.
func TestStudyHTMLInChromium(t *testing.T) {
	browser := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		if os.Getenv("DYNUPD_REQUIRE_BROWSER") != "" {
			t.Fatal("no chromium on PATH, and DYNUPD_REQUIRE_BROWSER is set")
		}
		t.Skip("no chromium on PATH (.ci/run installs it)")
	}
	src := releaseRepo(t)
	outDir := t.TempDir()
	if _, stderr, code := run(t, "study", "--repo", src, "--out", outDir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	page := (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(outDir, "report.html"))}).String()
	dump := func(fragment string) string {
		cmd := exec.Command(browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
			"--user-data-dir="+t.TempDir(), "--dump-dom", page+fragment)
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("chromium: %v\n%s", err, errb.String())
		}
		return out.String()
	}
	dom := dump("")
	for _, want := range []string{`id="verdicts"`, `id="tiers"`, `id="rules"`, `class="breakdown"`, "<svg", `data-shown="6"`, "6 of 6 commits match", `<tr class="commit"`} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered DOM lacks %s", want)
		}
	}
	if n := strings.Count(dom, `<figure class="figure"><svg`); n < 3 {
		t.Errorf("%d inline SVG figures rendered, want ≥ 3", n)
	}
	// The filter runs in the browser: one interface-internal commit, one fix.
	recs := readCSV(t, filepath.Join(outDir, "commits.csv"))
	want := 0
	for _, r := range recs[1:] {
		if r[5] == "interface-internal" {
			want++
		}
	}
	dom = dump("#verdict=interface-internal")
	if !strings.Contains(dom, `data-shown="`+strconv.Itoa(want)+`"`) || want == 0 {
		t.Errorf("verdict filter: want %d shown; DOM has %q", want, regexp.MustCompile(`data-shown="\d+"`).FindString(dom))
	}
	// Opening a commit (here through the fragment) draws its findings.
	var widen string
	for _, r := range recs[1:] {
		if r[3] == "Widen run's result" {
			widen = r[0]
		}
	}
	dom = dump("#open=" + widen)
	if !strings.Contains(dom, `<table class="findings">`) || !strings.Contains(dom, "<td>C-SIG-INTERNAL</td>") {
		t.Errorf("opening commit %s does not show its findings", widen)
	}
	dom = dump("#kind=fix&q=cve")
	if !strings.Contains(dom, `data-shown="1"`) {
		t.Errorf("kind+text filter: DOM has %q", regexp.MustCompile(`data-shown="\d+"`).FindString(dom))
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var dateRE = regexp.MustCompile(`"date": "[^"]*"`)

// stripDate removes the report's own date (the run's time) for comparison.
func stripDate(b []byte) string { return dateRE.ReplaceAllString(string(b), "") }
