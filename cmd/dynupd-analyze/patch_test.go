package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynupd/dynupd-analyze/internal/testrepo"
)

// TestPatchWritesCheckedModules: a live-patchable C commit gets a ulp
// module that compiles against the old tree; one whose new body uses a
// macro only its header's new version defines gets a module that does
// not, and its verdict is raised; the output directory is not reused
// without --force.
func TestPatchWritesCheckedModules(t *testing.T) {
	dir := t.TempDir()
	hdr := "#define LIMIT 4\n"
	src := "#include \"net.h\"\nstatic int step(int x) { return x + 1; }\nint run(int x) { return step(x) + LIMIT; }\n"
	_, err := testrepo.Build(dir, []testrepo.Commit{
		{Files: map[string]string{"src/net.c": src, "src/net.h": hdr}, Message: "base"},
		{Files: map[string]string{"src/net.c": strings.Replace(src, "x + 1", "x + 2", 1), "src/net.h": hdr}, Message: "step by two"},
		{Files: map[string]string{"src/net.c": strings.Replace(src, "x + 1", "x + STEP", 1), "src/net.h": hdr + "#define STEP 3\n"}, Message: "step by STEP"},
	})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "mods")
	stdout, stderr, code := run(t, "patch", "--repo", dir, "HEAD~2..HEAD", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
	}
	var sum patchSummary
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil || json.Unmarshal(b, &sum) != nil || len(sum.Modules) != 2 {
		t.Fatalf("summary: %v\n%s", err, b)
	}
	checks := map[string]patchEntry{}
	for _, m := range sum.Modules {
		checks[m.Subject] = m
	}
	if m := checks["step by two"]; m.Check != "passed" || m.Target != "ulp" || m.Raised != "" {
		t.Errorf("step by two: %+v", m)
	}
	if m := checks["step by STEP"]; m.Check != "failed" || m.Raised != "interface-internal" || !strings.Contains(m.Detail, "STEP") {
		t.Errorf("step by STEP: %+v", m)
	}
	mod := filepath.Join(out, checks["step by two"].Dir)
	var man struct {
		Commit    string
		Functions []struct {
			Name, Replacement string
			OldHash           string `json:"old_hash"`
			NewHash           string `json:"new_hash"`
		}
		Checks []struct{ Name, Status string }
	}
	b, err = os.ReadFile(filepath.Join(mod, "manifest.json"))
	if err != nil || json.Unmarshal(b, &man) != nil {
		t.Fatalf("manifest: %v", err)
	}
	if len(man.Functions) != 1 || man.Functions[0].Replacement != "livepatch_step" || man.Functions[0].OldHash == "" || man.Functions[0].OldHash == man.Functions[0].NewHash {
		t.Errorf("manifest functions: %+v", man.Functions)
	}
	if !strings.Contains(stdout, "verdict raised to interface-internal by PATCH-COMPILE") {
		t.Errorf("stdout:\n%s", stdout)
	}
	if _, stderr, code := run(t, "patch", "--repo", dir, "HEAD", "-o", out); code != 2 || !strings.Contains(stderr, "not empty") {
		t.Errorf("non-empty output: exit %d %q", code, stderr)
	}
	if _, stderr, code := run(t, "patch", "--repo", dir, "HEAD~1", "-o", out, "--force"); code != 0 {
		t.Errorf("--force: exit %d %q", code, stderr)
	}
	// Nothing is written outside the output directory.
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 1 {
		t.Errorf("files beside the output directory: %v", entries)
	}
}

// TestPatchGoModule: a Go body change gets a go module whose file lives in
// its package and type-checks against the old tree.
func TestPatchGoModule(t *testing.T) {
	dir := t.TempDir()
	mod := "module example.com/svc\n\ngo 1.21\n"
	src := "package svc\n\n//go:noinline\nfunc step(x int) int { return x + 1 }\n\n// Run runs.\nfunc Run(x int) int { return step(x) }\n"
	_, err := testrepo.Build(dir, []testrepo.Commit{
		{Files: map[string]string{"go.mod": mod, "svc/svc.go": src}, Message: "base"},
		{Files: map[string]string{"go.mod": mod, "svc/svc.go": strings.Replace(src, "x + 1", "x + 2", 1)}, Message: "change step"},
	})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "mods")
	stdout, stderr, code := run(t, "patch", "--repo", dir, "--no-compiler", "HEAD", "-o", out, "--target", "go")
	if code != 0 || !strings.Contains(stdout, "check passed") {
		t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*-go", "svc", "zz_livepatch.go"))
	if len(files) != 1 {
		t.Fatalf("generated files: %v", files)
	}
	b, _ := os.ReadFile(files[0])
	if !strings.Contains(string(b), "package svc") || !strings.Contains(string(b), "func livepatch_step(") {
		t.Errorf("generated file:\n%s", b)
	}
	if _, stderr, code := run(t, "patch", "--repo", dir, "HEAD", "-o", t.TempDir(), "--target", "elf"); code != 2 || !strings.Contains(stderr, "--target") {
		t.Errorf("bad target: exit %d %q", code, stderr)
	}
}
