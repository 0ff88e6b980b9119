package history

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynupd/dynupd-analyze/internal/testrepo"
	"github.com/go-git/go-git/v5/plumbing"
)

// needGit skips a test when no usable git is installed (the auto backend
// then uses go-git, which the other tests cover).
func needGit(t *testing.T) {
	t.Helper()
	if _, err := gitProbe(); err != nil {
		t.Skipf("no usable git: %v", err)
	}
}

// TestBackendsReadTheSameBlobs: every blob of a repository, loose or
// packed (deltas included), reads and sizes the same through git and
// go-git; a missing object and a non-blob are ErrMissing through both.
func TestBackendsReadTheSameBlobs(t *testing.T) {
	needGit(t)
	big := strings.Repeat("int filler_line(void) { return 1; }\n", 4000)
	commits := []testrepo.Commit{
		{Files: map[string]string{"a.c": "int a;\n", "big.c": big, "empty.c": "", "bin.dat": "\x00\x01\xff\n"}},
		{Files: map[string]string{"a.c": "int a = 2;\n", "big.c": big + "int tail;\n", "crlf.c": "int x;\r\nint y;\r\n", "no-newline.c": "int z;"}},
		{Files: map[string]string{"big.c": "/* head */\n" + big + "int tail;\n", "sub/d.h": "#define D 1\n"}},
	}
	for _, packed := range []bool{false, true} {
		dir := t.TempDir()
		build := testrepo.Build
		if packed {
			build = testrepo.BuildPacked
		}
		hashes, err := build(dir, commits)
		if err != nil {
			t.Fatal(err)
		}
		gr, err := Open(dir, OpenOptions{Backend: BackendGit})
		if err != nil {
			t.Fatal(err)
		}
		defer gr.Close()
		or, err := Open(dir, OpenOptions{Backend: BackendGoGit})
		if err != nil {
			t.Fatal(err)
		}
		defer or.Close()
		if gr.Backend() != BackendGit || or.Backend() != BackendGoGit {
			t.Fatalf("backends: %s, %s", gr.Backend(), or.Backend())
		}
		seen := 0
		for _, h := range hashes {
			c, err := or.Commit(h)
			if err != nil {
				t.Fatal(err)
			}
			files, err := or.ListTree(c.TreeHash)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				want, err := or.ReadBlob(f.Hash)
				if err != nil {
					t.Fatalf("go-git %s: %v", f.Path, err)
				}
				got, err := gr.ReadBlob(f.Hash)
				if err != nil {
					t.Fatalf("git %s: %v", f.Path, err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("packed=%v %s: git read %d bytes, go-git %d", packed, f.Path, len(got), len(want))
				}
				gs, err1 := gr.BlobSize(f.Hash)
				os_, err2 := or.BlobSize(f.Hash)
				if err1 != nil || err2 != nil || gs != os_ || gs != int64(len(want)) {
					t.Fatalf("%s: sizes %d (%v), %d (%v), content %d", f.Path, gs, err1, os_, err2, len(want))
				}
				seen++
			}
			// A commit is not a blob, for either backend.
			for _, r := range []*Repo{gr, or} {
				if _, err := r.ReadBlob(h); !errors.Is(err, ErrMissing) {
					t.Errorf("%s: reading a commit as a blob: %v", r.Backend(), err)
				}
				if _, err := r.BlobSize(c.TreeHash); !errors.Is(err, ErrMissing) {
					t.Errorf("%s: sizing a tree as a blob: %v", r.Backend(), err)
				}
			}
		}
		if seen < 10 {
			t.Fatalf("only %d blobs compared", seen)
		}
		missing := plumbing.NewHash("0123456789abcdef0123456789abcdef01234567")
		for _, r := range []*Repo{gr, or} {
			if _, err := r.ReadBlob(missing); !errors.Is(err, ErrMissing) {
				t.Errorf("%s: missing blob: %v", r.Backend(), err)
			}
			if _, err := r.BlobSize(missing); !errors.Is(err, ErrMissing) {
				t.Errorf("%s: missing blob size: %v", r.Backend(), err)
			}
		}
		// The conversation goes on after a missing object.
		if b, err := gr.ReadBlob(mustBlob(t, or, hashes[0], "a.c")); err != nil || string(b) != "int a;\n" {
			t.Errorf("git after a miss: %q, %v", b, err)
		}
	}
}

func mustBlob(t *testing.T, r *Repo, commit plumbing.Hash, path string) plumbing.Hash {
	t.Helper()
	c, err := r.Commit(commit)
	if err != nil {
		t.Fatal(err)
	}
	files, err := r.ListTree(c.TreeHash)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Path == path {
			return f.Hash
		}
	}
	t.Fatalf("%s not in %s", path, commit)
	return plumbing.ZeroHash
}

// TestAutoBackendAvoidsPartialClones: a repository whose config names a
// promisor remote is read with go-git, never with git (which would fetch
// what it lacks); asking for git explicitly is refused with the reason.
func TestAutoBackendAvoidsPartialClones(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	if _, err := testrepo.Build(dir, []testrepo.Commit{{Files: map[string]string{"a.c": "int a;\n"}}}); err != nil {
		t.Fatal(err)
	}
	r, err := Open(dir, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Backend() != BackendGit {
		t.Errorf("a plain repository should be read with git, got %s", r.Backend())
	}
	r.Close()
	gd, _, err := FindGitDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(gd, "config")
	old, _ := os.ReadFile(cfg)
	if err := os.WriteFile(cfg, append(old, "[remote \"origin\"]\n\turl = ssh://example.invalid/x\n\tpromisor = true\n\tpartialclonefilter = blob:none\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err = Open(dir, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Backend() != BackendGoGit {
		t.Errorf("a partial clone must be read with go-git, got %s", r.Backend())
	}
	r.Close()
	if _, err := Open(dir, OpenOptions{Backend: BackendGit}); err == nil || !strings.Contains(err.Error(), "partial clone") {
		t.Errorf("--backend git on a partial clone: %v", err)
	}
}

func TestParseGitVersion(t *testing.T) {
	for s, want := range map[string][3]int{
		"git version 2.39.5\n":                 {2, 39, 5},
		"git version 2.36.0.windows.1":         {2, 36, 0},
		"git version 2.45.2 (Apple Git-154)\n": {2, 45, 2},
		"git version 3.0":                      {3, 0, 0},
	} {
		got, ok := parseGitVersion(s)
		if !ok || got != want {
			t.Errorf("%q: %v %v, want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "hub version 2", "git version"} {
		if _, ok := parseGitVersion(s); ok {
			t.Errorf("%q accepted", s)
		}
	}
	if _, err := ParseBackend("svn"); err == nil {
		t.Error("unknown backend accepted")
	}
}
