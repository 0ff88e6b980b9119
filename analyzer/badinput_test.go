package analyzer_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/config"
	"github.com/dynupd/dynupd-analyze/internal/testrepo"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

func runAll(t *testing.T, dir string, o analyzer.Options) ([]*analyzer.Result, error) {
	t.Helper()
	if o.Config == nil {
		o.Config = &config.Config{}
	}
	a, err := analyzer.New(dir, o)
	if err != nil {
		return nil, err
	}
	var rs []*analyzer.Result
	_, err = a.Run(context.Background(), func(r *analyzer.Result) error { rs = append(rs, r); return nil })
	return rs, err
}

// objectPath returns the loose object file of a hash.
func objectPath(dir string, h plumbing.Hash) string {
	s := h.String()
	return filepath.Join(dir, ".git", "objects", s[:2], s[2:])
}

func blobOf(t *testing.T, dir string, commit plumbing.Hash, path string) plumbing.Hash {
	t.Helper()
	r, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.CommitObject(commit)
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.File(path)
	if err != nil {
		t.Fatal(err)
	}
	return f.Hash
}

// TestMissingBlob: a partial clone lacks a blob; that file is unknown with
// the reason, and the rest of the commit is still analysed.
func TestMissingBlob(t *testing.T) {
	dir := t.TempDir()
	hs, err := testrepo.Build(dir, []testrepo.Commit{
		{Files: map[string]string{"a.c": "int a(void) { return 1; }\n", "b.c": "int b(void) { return 1; }\n"}},
		{Files: map[string]string{"a.c": "int a(void) { return 2; }\n", "b.c": "int b(void) { return 2; }\n"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(objectPath(dir, blobOf(t, dir, hs[1], "a.c"))); err != nil {
		t.Fatal(err)
	}
	rs, err := runAll(t, dir, analyzer.Options{Range: "HEAD^!"})
	if err != nil {
		t.Fatal(err)
	}
	r := rs[0]
	var missing, body bool
	for _, f := range r.Findings {
		missing = missing || f.Rule == "FILE-MISSING" && strings.Contains(f.Entity, "a.c")
		body = body || f.Rule == "C-FUNC-BODY" && f.Entity == "func b"
	}
	if r.Verdict != classifiers.Unknown || !missing || !body || len(r.Skipped) != 1 {
		t.Errorf("verdict %s, missing %v, b analysed %v, skipped %v", r.Verdict, missing, body, r.Skipped)
	}
}

// TestSkippedFiles: binary and oversized files are reported as skipped;
// skipped C source is unknown, a skipped image is not.
func TestSkippedFiles(t *testing.T) {
	dir := t.TempDir()
	big := "int big(void) { return 0; }\n" + strings.Repeat("/* padding */\n", 200)
	_, err := testrepo.Build(dir, []testrepo.Commit{
		{Files: map[string]string{"big.c": big, "logo.png": "\x89PNG\x00\x01", "ok.c": "int ok;\n"}},
		{Files: map[string]string{"big.c": big + "int more;\n", "logo.png": "\x89PNG\x00\x02", "ok.c": "int ok;\n", "bin.c": "int\x00x;\n"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := runAll(t, dir, analyzer.Options{Range: "HEAD^!", MaxFileSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, s := range rs[0].Skipped {
		reasons[s.Path] = s.Reason
	}
	if !strings.Contains(reasons["big.c"], "over the 1000-byte limit") || reasons["bin.c"] != "binary content" {
		t.Errorf("skipped: %v", rs[0].Skipped)
	}
	if rs[0].Verdict != classifiers.Unknown {
		t.Errorf("verdict %s, want unknown for skipped C source", rs[0].Verdict)
	}
	for _, f := range rs[0].Files {
		if f.Path == "logo.png" && f.Verdict != classifiers.NoOp {
			t.Errorf("an image is not compiled: %s", f.Verdict)
		}
	}
}

// TestCorruptObject: a damaged object is an error naming it, not a verdict.
func TestCorruptObject(t *testing.T) {
	dir := t.TempDir()
	hs, err := testrepo.Build(dir, []testrepo.Commit{
		{Files: map[string]string{"a.c": "int a;\n"}},
		{Files: map[string]string{"a.c": "int a = 1;\n"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := objectPath(dir, blobOf(t, dir, hs[1], "a.c"))
	os.Chmod(p, 0o644)
	if err := os.WriteFile(p, []byte("this is not zlib"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = runAll(t, dir, analyzer.Options{Range: "HEAD^!"})
	if err == nil || !strings.Contains(err.Error(), "a.c") {
		t.Errorf("err = %v, want an error naming a.c", err)
	}
}

// TestDateAndFirstParentFilters checks --since/--until and --first-parent.
func TestDateAndFirstParentFilters(t *testing.T) {
	dir := t.TempDir()
	base := map[string]string{"a.c": "int a;\n"}
	side := map[string]string{"a.c": "int a;\n", "side.c": "int s;\n"}
	// c0 ← c1 (side branch), c0 ← c2, c3 merges c2 (first parent) and c1.
	hs, err := testrepo.Build(dir, []testrepo.Commit{
		{Files: base}, {Files: side}, {Files: base, Parents: []int{0}}, {Files: side, Parents: []int{2, 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Commits are an hour apart from 2021-03-04 05:06:07 UTC.
	rs, err := runAll(t, dir, analyzer.Options{Since: time.Date(2021, 3, 4, 6, 0, 0, 0, time.UTC), Until: time.Date(2021, 3, 4, 7, 30, 0, 0, time.UTC)})
	if err != nil || len(rs) != 2 {
		t.Fatalf("--since/--until: %d commits, %v", len(rs), err)
	}
	rs, err = runAll(t, dir, analyzer.Options{FirstParent: true, Merges: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 {
		t.Errorf("--first-parent: %d commits, want 3", len(rs))
	}
	for _, r := range rs {
		if r.Commit == hs[1].String() {
			t.Errorf("--first-parent walked into the merged branch")
		}
	}
	all, _ := runAll(t, dir, analyzer.Options{Merges: true})
	if len(all) != 4 {
		t.Errorf("without --first-parent: %d commits, want 4", len(all))
	}
}

// TestRepositoryConfig: .dynupd.yaml at the root of the analysed tree is
// read (its overrides apply), and a bad one is an error naming its line.
func TestRepositoryConfig(t *testing.T) {
	dir := t.TempDir()
	_, err := testrepo.Build(dir, []testrepo.Commit{
		{Files: map[string]string{"a.c": "int a = 1;\n", ".dynupd.yaml": "overrides:\n  C-GLOBAL-INIT: interface-internal\n"}},
		{Files: map[string]string{"a.c": "int a = 2;\n", ".dynupd.yaml": "overrides:\n  C-GLOBAL-INIT: interface-internal\n"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := analyzer.New(dir, analyzer.Options{Range: "HEAD^!"})
	if err != nil {
		t.Fatal(err)
	}
	var got classifiers.Verdict
	if _, err := a.Run(context.Background(), func(r *analyzer.Result) error { got = r.Verdict; return nil }); err != nil {
		t.Fatal(err)
	}
	if got != classifiers.InterfaceInternal {
		t.Errorf("verdict %s: the repository's override was not applied", got)
	}
	if err := os.WriteFile(filepath.Join(dir, ".dynupd.yaml"), []byte("overrides:\n  C-GLOBAL-INIT: sometimes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := analyzer.New(dir, analyzer.Options{}); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad work-tree config: %v", err)
	}
}
