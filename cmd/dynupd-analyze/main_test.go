package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynupd/dynupd-analyze/internal/testrepo"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dynupd-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "dynupd-analyze")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		panic(string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return runEnv(t, nil, args...)
}

// runEnv runs the binary with extra environment variables, and without
// the CI variables of the machine running the tests (they change outputs).
func runEnv(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GITHUB_") && !strings.HasPrefix(kv, "GITLAB_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func repo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	_, err := testrepo.Build(dir, []testrepo.Commit{
		{Files: map[string]string{"src/a.c": "static int f(int x) { return x; }\nint g(void) { return f(1); }\n", "README.md": "x\n"}},
		{Files: map[string]string{"src/a.c": "static int f(int x) { return x + 1; }\nint g(void) { return f(1); }\n", "README.md": "x\n"}, Message: "Fix f"},
		{Files: map[string]string{"src/a.c": "static long f(long x) { return x + 1; }\nint g(void) { return f(1); }\n", "README.md": "y\n"}, Message: "Widen f"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestScanFormats(t *testing.T) {
	dir := repo(t)
	out, stderr, code := run(t, "scan", "--repo", dir, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Commits []struct {
			Commit, Verdict, Subject string
			Findings                 []struct{ Rule, Entity string }
		}
		Summary struct {
			Commits  int
			Verdicts map[string]int
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if len(doc.Commits) != 3 || doc.Summary.Commits != 3 || doc.Commits[0].Verdict != "interface-internal" || doc.Commits[1].Verdict != "live-patchable" {
		t.Errorf("unexpected report: %+v", doc)
	}
	if len(doc.Commits[0].Commit) != 40 || doc.Commits[0].Subject != "Widen f" {
		t.Errorf("commit fields: %+v", doc.Commits[0])
	}
	out, _, _ = run(t, "scan", "--repo", dir, "--format", "jsonl")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[3], `{"summary":`) {
		t.Errorf("jsonl: %d lines, last %q", len(lines), lines[len(lines)-1])
	}
	out, _, _ = run(t, "scan", "--repo", dir, "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != 4 || recs[0][0] != "commit" {
		t.Errorf("csv: %v %v", recs, err)
	}
	out, _, _ = run(t, "scan", "--repo", dir)
	if !strings.Contains(out, "T1 + interface support") || !strings.Contains(out, "C-SIG-INTERNAL") {
		t.Errorf("table:\n%s", out)
	}
	// Piped stderr gets no progress bar.
	if _, stderr, _ := run(t, "scan", "--repo", dir, "--format", "json"); stderr != "" {
		t.Errorf("stderr not empty when piped: %q", stderr)
	}
}

func TestExplainAndRules(t *testing.T) {
	dir := repo(t)
	out, stderr, code := run(t, "explain", "--repo", dir, "HEAD")
	if code != 0 || !strings.Contains(out, "C-SIG-INTERNAL") || !strings.Contains(out, "- src/a.c:1") || !strings.Contains(out, "+ src/a.c:1") || !strings.Contains(out, "static long f(long x)") {
		t.Errorf("explain (exit %d, %s):\n%s", code, stderr, out)
	}
	out, _, code = run(t, "rules", "--short")
	if code != 0 || !strings.Contains(out, "C-STRUCT-LAYOUT") || !strings.Contains(out, "state-transfer") {
		t.Errorf("rules:\n%s", out)
	}
}

func TestBadInputExitsTwo(t *testing.T) {
	dir := repo(t)
	for _, args := range [][]string{
		{"scan", "--repo", t.TempDir()},
		{"scan", "--repo", dir, "no-such-rev"},
		{"scan", "--repo", dir, "--format", "xml"},
		{"explain", "--repo", dir, "deadbeef"},
		{"scan", "--repo", dir, "--config", filepath.Join(dir, "missing.yaml")},
	} {
		_, stderr, code := run(t, args...)
		if code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.HasPrefix(stderr, "dynupd-analyze: ") || strings.Contains(stderr, "goroutine") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line", args, code, stderr)
		}
	}
}

func TestConfigLineErrors(t *testing.T) {
	dir := repo(t)
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(cfg, []byte("noncode: [x]\nunknown-key: 1\n"), 0o644)
	_, stderr, code := run(t, "scan", "--repo", dir, "--config", cfg)
	if code != 2 || !strings.Contains(stderr, "line 2") {
		t.Errorf("exit %d, %q", code, stderr)
	}
}

// TestRulesDocIsCurrent keeps docs/rules.md equal to the registry.
func TestRulesDocIsCurrent(t *testing.T) {
	out, _, code := run(t, "rules", "--markdown")
	if code != 0 {
		t.Fatal("rules --markdown failed")
	}
	doc, err := os.ReadFile("../../docs/rules.md")
	if err != nil || string(doc) != out {
		t.Fatal("docs/rules.md is stale: run `go run ./cmd/dynupd-analyze rules --markdown > docs/rules.md`")
	}
}
