package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/dynupd/dynupd-analyze/internal/sariftest"
	"github.com/dynupd/dynupd-analyze/internal/testrepo"
)

const checkBase = `struct conn { int fd; };
static int step(int x) { return x + 1; }
int run(struct conn *c) { return step(c->fd); }
`

// prRepo builds a repository whose first commit, tagged "main", holds
// checkBase and the policy, and whose later commits (the pull request)
// hold the given versions of src/net.c. It returns the directory.
func prRepo(t *testing.T, policy string, pr ...map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	base := map[string]string{"src/net.c": checkBase}
	if policy != "" {
		base[".dynupd.yaml"] = policy
	}
	commits := []testrepo.Commit{{Files: base, Message: "base", Tag: "main"}}
	for i, files := range pr {
		all := map[string]string{}
		for k, v := range base {
			all[k] = v
		}
		for k, v := range files {
			all[k] = v
		}
		commits = append(commits, testrepo.Commit{Files: all, Message: "pr commit " + string(rune('1'+i))})
	}
	if _, err := testrepo.Build(dir, commits); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestCheckPassingPR(t *testing.T) {
	dir := prRepo(t, "", map[string]string{"src/net.c": strings.Replace(checkBase, "x + 1", "x + 2", 1)})
	sarif := filepath.Join(t.TempDir(), "out.sarif")
	js := filepath.Join(t.TempDir(), "out.json")
	out, stderr, code := run(t, "check", "--repo", dir, "--base", "main", "--format", "text,markdown", "--output-sarif", sarif, "--output-json", js)
	if code != 0 {
		t.Fatalf("exit %d, want 0: %s\n%s", code, stderr, out)
	}
	if !strings.Contains(out, "live-patchable") || !strings.Contains(out, "C-FUNC-BODY") || !strings.Contains(out, "src/net.c") {
		t.Errorf("text/markdown output lacks the verdict or finding:\n%s", out)
	}
	var doc map[string]any
	b, err := os.ReadFile(js)
	if err != nil || json.Unmarshal(b, &doc) != nil {
		t.Fatalf("json output: %v\n%s", err, b)
	}
	if doc["pass"] != true {
		t.Errorf("json pass = %v", doc["pass"])
	}
	b, err = os.ReadFile(sarif)
	if err != nil || !strings.Contains(string(b), `"2.1.0"`) || !strings.Contains(string(b), "C-FUNC-BODY") {
		t.Errorf("sarif output: %v\n%s", err, b)
	}
	validateSARIF(t, b)
}

// validateSARIF checks a SARIF log against the OASIS SARIF 2.1.0 schema.
func validateSARIF(t *testing.T, b []byte) {
	t.Helper()
	if err := sariftest.Validate(b); err != nil {
		t.Errorf("sarif does not validate against SARIF 2.1.0: %v", err)
	}
}

func TestCheckFailingPR(t *testing.T) {
	// The struct every connection holds grows: state transfer, which this
	// policy does not accept.
	grown := strings.Replace(checkBase, "int fd; };", "int fd; int flags; };", 1)
	dir := prRepo(t, "policy:\n  fail-on: state-transfer\n",
		map[string]string{"src/net.c": strings.Replace(checkBase, "x + 1", "x + 2", 1)},
		map[string]string{"src/net.c": strings.Replace(grown, "x + 1", "x + 2", 1), ".dynupd.yaml": "policy:\n  fail-on: unknown\n  allow-unknown: true\n"})
	gh := filepath.Join(t.TempDir(), "summary.md")
	cmd := []string{"check", "--repo", dir, "--base", "main", "--format", "text"}
	out, stderr, code := runEnv(t, []string{"GITHUB_ACTIONS=true", "GITHUB_STEP_SUMMARY=" + gh}, cmd...)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (the PR's own .dynupd.yaml must not relax the base's policy): %s\n%s", code, stderr, out)
	}
	if !strings.Contains(out, "C-STRUCT-LAYOUT") || !strings.Contains(out, "::error") {
		t.Errorf("output lacks the failing finding or its annotation:\n%s", out)
	}
	// Both commits are reported, the first on its own passes.
	if !strings.Contains(out, "pr commit 1") || !strings.Contains(out, "pr commit 2") {
		t.Errorf("per-commit lines missing:\n%s", out)
	}
	sarifOut, _, _ := run(t, "check", "--repo", dir, "--base", "main", "--format", "sarif")
	validateSARIF(t, []byte(sarifOut))
	if !strings.Contains(sarifOut, `"level": "error"`) || !strings.Contains(sarifOut, "partialFingerprints") {
		t.Errorf("failing SARIF lacks an error-level result or fingerprints:\n%s", sarifOut)
	}
	summary, err := os.ReadFile(gh)
	if err != nil || !strings.Contains(string(summary), "C-STRUCT-LAYOUT") {
		t.Errorf("step summary: %v\n%s", err, summary)
	}
	// --config replaces the base's configuration.
	cfg := filepath.Join(t.TempDir(), "lenient.yaml")
	os.WriteFile(cfg, []byte("policy:\n  fail-on: not-patchable\n"), 0o644)
	if _, stderr, code := run(t, "check", "--repo", dir, "--base", "main", "--config", cfg); code != 0 {
		t.Errorf("with a lenient --config: exit %d, want 0: %s", code, stderr)
	}
}

func TestCheckUnknownFailsUnlessAllowed(t *testing.T) {
	broken := strings.Replace(checkBase, "return x + 1; }", "return x + 1; } }} )) int (( {", 1)
	dir := prRepo(t, "policy:\n  fail-on: not-patchable\n", map[string]string{"src/net.c": broken})
	out, stderr, code := run(t, "check", "--repo", dir, "--base", "main", "--format", "json")
	if code != 1 {
		t.Fatalf("unknown: exit %d, want 1: %s\n%s", code, stderr, out)
	}
	if !strings.Contains(out, `"unknown"`) {
		t.Errorf("json does not say unknown:\n%s", out)
	}
	allow := filepath.Join(t.TempDir(), "allow.yaml")
	os.WriteFile(allow, []byte("policy:\n  fail-on: not-patchable\n  allow-unknown: true\n"), 0o644)
	if _, stderr, code := run(t, "check", "--repo", dir, "--base", "main", "--config", allow); code != 0 {
		t.Errorf("allow-unknown: exit %d, want 0: %s", code, stderr)
	}
}

func TestCheckToolFailureExitsTwo(t *testing.T) {
	dir := prRepo(t, "", map[string]string{"src/net.c": checkBase + "\n"})
	for _, args := range [][]string{
		{"check", "--repo", dir, "--base", "no-such-branch"},
		{"check", "--repo", dir, "--base", "main", "--head", "deadbeef"},
		{"check", "--repo", t.TempDir(), "--base", "main"},
		{"check", "--repo", dir, "--base", "main", "--format", "xml"},
		{"check", "--repo", dir},
	} {
		_, stderr, code := run(t, args...)
		if code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line", args, code, stderr)
		}
	}
	bad := prRepo(t, "policy:\n  fail-on: sometimes\n", map[string]string{"src/net.c": checkBase + "\n"})
	if _, stderr, code := run(t, "check", "--repo", bad, "--base", "main"); code != 2 || !strings.Contains(stderr, "sometimes") {
		t.Errorf("bad policy: exit %d %q", code, stderr)
	}
}

// TestCIIntegrationsUseRealFlags keeps the GitHub Action, the example
// workflow and the GitLab snippet in step with the check command: they
// parse as YAML and every flag they pass to check exists.
func TestCIIntegrationsUseRealFlags(t *testing.T) {
	help, _, code := run(t, "check", "--help")
	if code != 0 {
		t.Fatal("check --help failed")
	}
	flagRE := regexp.MustCompile(`--[a-z][a-z-]+`)
	for _, p := range []string{"../../action.yml", "../../docs/ci/github-workflow.yml", "../../docs/ci/gitlab-ci.yml"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := yaml.Unmarshal(b, &doc); err != nil || len(doc) == 0 {
			t.Errorf("%s: not YAML: %v", p, err)
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			i := strings.Index(line, "dynupd-analyze\" check")
			if i < 0 {
				i = strings.Index(line, "dynupd-analyze check")
			}
			if i < 0 {
				continue
			}
			for _, fl := range flagRE.FindAllString(line[i:], -1) {
				if !strings.Contains(help, fl+" ") && !strings.Contains(help, fl+"=") {
					t.Errorf("%s passes %s, which check does not have", p, fl)
				}
			}
		}
	}
}

// TestCheckSaysHowGoWasAnalysed: a Go module that loads is analysed with
// types; --typed=false, or a module that does not load, syntactically,
// and the output says which.
func TestCheckSaysHowGoWasAnalysed(t *testing.T) {
	dir := t.TempDir()
	mod := "module example.com/svc\n\ngo 1.21\n"
	src := "package svc\n\nfunc step(x int) int { return x + 1 }\n\n// Run runs.\nfunc Run(x int) int { return step(x) }\n"
	_, err := testrepo.Build(dir, []testrepo.Commit{
		{Files: map[string]string{"go.mod": mod, "svc.go": src}, Message: "base", Tag: "main"},
		{Files: map[string]string{"go.mod": mod, "svc.go": strings.Replace(src, "x + 1", "x + 2", 1)}, Message: "change step"},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, stderr, code := run(t, "check", "--repo", dir, "--base", "main", "--no-compiler", "--format", "json")
	if code != 0 || !strings.Contains(out, `"analysis": "typed"`) {
		t.Errorf("typed: exit %d %s\n%s", code, stderr, out)
	}
	out, _, code = run(t, "check", "--repo", dir, "--base", "main", "--no-compiler", "--typed=false")
	if code != 0 || !strings.Contains(out, "syntactic") {
		t.Errorf("--typed=false: exit %d\n%s", code, out)
	}
}
