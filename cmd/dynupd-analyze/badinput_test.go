package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynupd/dynupd-analyze/internal/testrepo"
	"github.com/dynupd/dynupd-analyze/store"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// oneLineError checks a tool failure as the CLI must report it: exit 2,
// nothing on stdout, one line on stderr that starts with the tool's name,
// says what, and is no Go panic.
func oneLineError(t *testing.T, args []string, stdout, stderr string, code int, want string) {
	t.Helper()
	if code != 2 || stdout != "" || strings.Count(strings.TrimSpace(stderr), "\n") != 0 ||
		!strings.HasPrefix(stderr, "dynupd-analyze: ") || !strings.Contains(stderr, want) || strings.Contains(stderr, "goroutine") {
		t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line saying %q", args, code, stdout, stderr, want)
	}
}

// noFile fails when a path exists: what a failed command must not leave.
func noFile(t *testing.T, p string) {
	t.Helper()
	if _, err := os.Stat(p); err == nil {
		t.Errorf("%s was left behind by a failed command", p)
	}
}

// TestUnbornHEADExitsTwo: a repository with no commits is a tool failure
// for every command that needs a revision: exit 2 and one line saying the
// branch has no commits yet, and no report or database file written.
func TestUnbornHEADExitsTwo(t *testing.T) {
	dir := t.TempDir()
	if _, err := git.PlainInit(dir, false); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	for _, args := range [][]string{
		{"scan", "--repo", dir},
		{"scan", "--repo", dir, "--format", "json", "-o", filepath.Join(out, "scan.json")},
		{"study", "--repo", dir, "--out", filepath.Join(out, "study")},
		{"check", "--repo", dir, "--base", "HEAD"},
		{"triage", "--repo", dir, "HEAD~1..HEAD"},
		{"explain", "--repo", dir, "HEAD"},
	} {
		stdout, stderr, code := run(t, args...)
		oneLineError(t, args, stdout, stderr, code, "has no commits yet")
	}
	noFile(t, filepath.Join(out, "scan.json"))
	noFile(t, filepath.Join(out, "study", "study.db"))
	noFile(t, filepath.Join(out, "study", "report.md"))
}

// TestEmptyRangeExitsZero: a range with no commits (A..A) is no failure:
// exit 0, an empty list of commits (not null) and a summary of zero
// commits whose shares are zero.
func TestEmptyRangeExitsZero(t *testing.T) {
	dir := repo(t)
	stdout, stderr, code := run(t, "scan", "--repo", dir, "--format", "json", "HEAD..HEAD")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Commits []json.RawMessage `json:"commits"`
		Summary struct {
			Commits int
			Tiers   map[string]struct {
				Count, Of int
				Share     float64
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("json: %v\n%s", err, stdout)
	}
	if doc.Commits == nil || len(doc.Commits) != 0 || doc.Summary.Commits != 0 || !strings.Contains(stdout, `"commits": [`) {
		t.Errorf("empty range:\n%s", stdout)
	}
	for name, tier := range doc.Summary.Tiers {
		if tier.Of != 0 || tier.Share != 0 {
			t.Errorf("tier %s: %+v", name, tier)
		}
	}
	if _, stderr, code := run(t, "scan", "--repo", dir, "HEAD..HEAD"); code != 0 {
		t.Errorf("table of an empty range: exit %d, %s", code, stderr)
	}
}

// TestCorruptObjectExitsTwo: a damaged object is a tool failure (exit 2,
// one line naming the file), not a verdict. Nothing is half-written: scan
// leaves no report file; study writes no reports, records the run as
// failed and keeps only the results of the commits analysed before the
// damaged one, each whole, so that once the object is repaired the next
// study reuses them and analyses the rest.
func TestCorruptObjectExitsTwo(t *testing.T) {
	dir := t.TempDir()
	hs, err := testrepo.Build(dir, []testrepo.Commit{
		{Files: map[string]string{"a.c": "int a(void) { return 0; }\n", "b.c": "int b(void) { return 0; }\n"}},
		{Files: map[string]string{"a.c": "int a(void) { return 1; }\n", "b.c": "int b(void) { return 0; }\n"}, Message: "damaged"},
		{Files: map[string]string{"a.c": "int a(void) { return 1; }\n", "b.c": "int b(void) { return 1; }\n"}, Message: "fine"},
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.CommitObject(hs[1])
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.File("a.c")
	if err != nil {
		t.Fatal(err)
	}
	obj := looseObject(dir, f.Hash)
	good, err := os.ReadFile(obj)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(obj, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(obj, []byte("this is not zlib"), 0o644); err != nil {
		t.Fatal(err)
	}

	out := t.TempDir()
	report := filepath.Join(out, "scan.json")
	args := []string{"scan", "--repo", dir, "--jobs", "1", "--format", "json", "-o", report}
	stdout, stderr, code := run(t, args...)
	oneLineError(t, args, stdout, stderr, code, "a.c")
	noFile(t, report)

	studyDir := filepath.Join(out, "study")
	args = []string{"study", "--repo", dir, "--jobs", "1", "--out", studyDir}
	stdout, stderr, code = run(t, args...)
	oneLineError(t, args, stdout, stderr, code, "a.c")
	for _, name := range []string{"report.md", "report.json", "results.jsonl", "commits.csv"} {
		noFile(t, filepath.Join(studyDir, name))
	}
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(studyDir, "study.db"))
	if err != nil {
		t.Fatal(err)
	}
	runs, err := db.Runs(ctx)
	if err != nil || len(runs) != 1 || runs[0].Status != store.StatusFailed {
		t.Fatalf("runs %+v, %v; want one failed run", runs, err)
	}
	kept, err := db.Results(ctx, runs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 1 || kept[0].Commit != hs[2].String() || kept[0].Verdict.String() != "live-patchable" || len(kept[0].Findings) == 0 {
		t.Errorf("kept results %+v; want only the commit above the damaged one, whole", kept)
	}
	db.Close()

	// Repaired, the next study reuses what was kept.
	if err := os.WriteFile(obj, good, 0o444); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code = run(t, "study", "--repo", dir, "--jobs", "1", "--out", studyDir)
	if code != 0 || !strings.Contains(stdout, "2 commits analysed now, 1 reused") {
		t.Errorf("study after repair: exit %d, %s%s", code, stdout, stderr)
	}
}

// looseObject returns the file of a loose object.
func looseObject(dir string, h plumbing.Hash) string {
	s := h.String()
	return filepath.Join(dir, ".git", "objects", s[:2], s[2:])
}

// TestShallowCloneScan: scanning a shallow clone succeeds (exit 0); the
// boundary commit, whose parent the clone lacks, is reported unknown with
// a FILE-MISSING finding instead of being diffed.
func TestShallowCloneScan(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git binary not found")
	}
	dir := repo(t)
	clone := filepath.Join(t.TempDir(), "clone")
	cmd := exec.Command("git", "clone", "--quiet", "--depth", "2", "file://"+dir, clone)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_TERMINAL_PROMPT=0", "GIT_ALLOW_PROTOCOL=file")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, b)
	}
	stdout, stderr, code := run(t, "scan", "--repo", clone, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Commits []struct {
			Subject, Verdict string
			Findings         []struct{ Rule, Message string }
			Files            []json.RawMessage
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Commits) != 2 {
		t.Fatalf("%d commits, want the clone's 2", len(doc.Commits))
	}
	b := doc.Commits[1]
	if b.Subject != "Fix f" || b.Verdict != "unknown" || len(b.Findings) != 1 || b.Findings[0].Rule != "FILE-MISSING" ||
		!strings.Contains(b.Findings[0].Message, "shallow") || len(b.Files) != 0 {
		t.Errorf("boundary commit: %+v", b)
	}
}
