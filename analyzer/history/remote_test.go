package history_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynupd/dynupd-analyze/analyzer/history"
	"github.com/dynupd/dynupd-analyze/internal/testrepo"
)

func TestIsURL(t *testing.T) {
	for s, want := range map[string]bool{
		"https://github.com/lua/lua": true, "file:///tmp/x": true, "git@github.com:lua/lua.git": true,
		"../lua": false, "/tmp/x": false, "C:/repo": false, ".": false,
	} {
		if got := history.IsURL(s); got != want {
			t.Errorf("IsURL(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestCloneAndFetch(t *testing.T) {
	src := t.TempDir()
	hs, err := testrepo.Build(src, []testrepo.Commit{{Files: map[string]string{"a.c": "int a;\n"}}})
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	url := "file://" + filepath.ToSlash(src)
	dir, err := history.Clone(context.Background(), url, cache)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(dir, cache) || strings.Contains(filepath.Base(dir), "/") {
		t.Fatalf("clone %s not inside the cache %s", dir, cache)
	}
	r, err := history.Open(dir, history.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Commit(hs[0]); err != nil {
		t.Fatalf("the clone lacks the commit: %v", err)
	}
	r.Close()
	// A new commit upstream arrives with the next call, in the same place.
	hs2, err := testrepo.Append(src, testrepo.Commit{Files: map[string]string{"a.c": "int a = 1;\n"}})
	if err != nil {
		t.Fatal(err)
	}
	dir2, err := history.Clone(context.Background(), url, cache)
	if err != nil || dir2 != dir {
		t.Fatalf("second clone: %s, %v (want the cached %s)", dir2, err, dir)
	}
	r, err = history.Open(dir, history.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Commit(hs2); err != nil {
		t.Fatalf("the fetch did not bring the new commit: %v", err)
	}
}
