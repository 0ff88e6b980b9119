package history

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/dynupd/dynupd-analyze/internal/testrepo"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

func TestParseRange(t *testing.T) {
	cases := map[string]Range{
		"":       {Include: []string{"HEAD"}},
		"v1..v2": {Include: []string{"v2"}, Exclude: []string{"v1"}},
		"abc^!":  {Include: []string{"abc"}, Single: true},
		"..main": {Include: []string{"main"}, Exclude: []string{"HEAD"}},
		"^a b":   {Include: []string{"b"}, Exclude: []string{"a"}},
	}
	for spec, want := range cases {
		got, err := ParseRange(spec)
		if err != nil {
			t.Fatalf("%q: %v", spec, err)
		}
		if len(got.Include) != len(want.Include) || got.Include[0] != want.Include[0] || got.Single != want.Single || len(got.Exclude) != len(want.Exclude) {
			t.Errorf("%q: %+v, want %+v", spec, got, want)
		}
	}
	if _, err := ParseRange("a...b"); err == nil {
		t.Error("A...B must be refused")
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(t.TempDir(), OpenOptions{}); !errors.Is(err, ErrNotRepository) {
		t.Errorf("plain directory: %v", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing"), OpenOptions{}); err == nil {
		t.Error("missing path must fail")
	}
}

func TestDiffRenamesAndBareRepos(t *testing.T) {
	dir := t.TempDir()
	body := "int helper(int x)\n{\n  return x * 2;\n}\n\nint other(void)\n{\n  return 7;\n}\n"
	hashes, err := testrepo.Build(dir, []testrepo.Commit{
		{Files: map[string]string{"a/old.c": body, "b/same.c": "int s;\n", "c.txt": "x\n"}},
		{Files: map[string]string{"a/new.c": body + "/* one more line */\n", "b/moved.c": "int s;\n", "c.txt": "y\n"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Open through a subdirectory, like git does.
	r, err := Open(filepath.Join(dir, "a"), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c0, _ := r.Commit(hashes[0])
	c1, _ := r.Commit(hashes[1])
	ch, err := r.DiffTrees(c0.TreeHash, c1.TreeHash, nil)
	if err != nil {
		t.Fatal(err)
	}
	ch = DetectRenames(ch, func(h plumbing.Hash) []byte { b, _ := r.ReadBlob(h); return b })
	got := map[string]Status{}
	for _, c := range ch {
		got[c.OldPath+">"+c.NewPath] = c.Status
	}
	want := map[string]Status{"a/old.c>a/new.c": Renamed, "b/same.c>b/moved.c": Renamed, "c.txt>c.txt": Modified}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %v (all: %v)", k, got[k], got)
		}
	}
	// The root commit diffs against the empty tree.
	root, err := r.DiffTrees(plumbing.ZeroHash, c0.TreeHash, nil)
	if err != nil || len(root) != 3 || root[0].Status != Added {
		t.Errorf("root diff: %v %v", root, err)
	}
	// A missing blob is reported as such.
	if _, err := r.ReadBlob(plumbing.NewHash("0123456789012345678901234567890123456789")); !errors.Is(err, ErrMissing) {
		t.Errorf("missing blob: %v", err)
	}
	// The same history read from the git directory itself (bare-style).
	b, err := Open(filepath.Join(dir, ".git"), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	list, err := b.List(context.Background(), Range{Include: []string{"HEAD"}}, WalkOptions{})
	if err != nil || len(list) != 2 || list[0].Hash != hashes[1] {
		t.Errorf("list from the git directory: %v %v", list, err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".git", "hooks")); err == nil {
		t.Log("hooks exist but are never run")
	}
}

// TestGenerationsAndPartition checks release ordering and grouping on a
// history with a side branch merged back:
//
//	0 ─ 1 ─ 2 ─ 4(merge of 3)
//	     └─ 3 ─┘
func TestGenerationsAndPartition(t *testing.T) {
	dir := t.TempDir()
	hs, err := testrepo.Build(dir, []testrepo.Commit{
		{Files: map[string]string{"a": "0"}},
		{Files: map[string]string{"a": "1"}},
		{Files: map[string]string{"a": "2"}},
		{Files: map[string]string{"a": "1", "b": "3"}, Parents: []int{1}},
		{Files: map[string]string{"a": "2", "b": "3"}, Parents: []int{2, 3}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(dir, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	gen, err := r.Generations(context.Background(), []plumbing.Hash{hs[4], hs[3]})
	if err != nil {
		t.Fatal(err)
	}
	want := []int{1, 2, 3, 3, 4}
	for i, h := range hs {
		if gen[h] != want[i] {
			t.Errorf("commit %d: generation %d, want %d", i, gen[h], want[i])
		}
	}
	// Releases at 1, 3 and 4: each commit goes to the first release that
	// reaches it.
	part, err := r.Partition(context.Background(), []plumbing.Hash{hs[1], hs[3], hs[4]})
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range []int{0, 0, 2, 1, 2} {
		if part[hs[i]] != w {
			t.Errorf("commit %d in release %d, want %d", i, part[hs[i]], w)
		}
	}
}

func TestMergeBase(t *testing.T) {
	dir := t.TempDir()
	hs, err := testrepo.Build(dir, []testrepo.Commit{
		{Files: map[string]string{"a": "0"}},
		{Files: map[string]string{"a": "1"}},
		{Files: map[string]string{"a": "2"}},
		{Files: map[string]string{"a": "1", "b": "3"}, Parents: []int{1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(dir, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	mb, err := r.MergeBase(hs[2].String(), hs[3].String())
	if err != nil || mb != hs[1] {
		t.Errorf("merge-base %v %v, want commit 1", mb, err)
	}
	if mb, err := r.MergeBase(hs[1].String(), hs[2].String()); err != nil || mb != hs[1] {
		t.Errorf("ancestor: %v %v", mb, err)
	}
	if _, err := r.MergeBase("nope", hs[2].String()); err == nil {
		t.Error("bad revision: no error")
	}
}

// TestRangeWalkMatchesReachability checks the date-ordered range walk
// against plain set difference of reachability, for every pair of commits
// of a history with branches and merges.
func TestRangeWalkMatchesReachability(t *testing.T) {
	dir := t.TempDir()
	files := func(i int) map[string]string { return map[string]string{"f": string(rune('a' + i))} }
	hs, err := testrepo.Build(dir, []testrepo.Commit{
		{Files: files(0)},
		{Files: files(1)},
		{Files: files(2), Parents: []int{0}},
		{Files: files(3), Parents: []int{1}},
		{Files: files(4), Parents: []int{2}},
		{Files: files(5), Parents: []int{3, 4}},
		{Files: files(6), Parents: []int{4}},
		{Files: files(7), Parents: []int{5}},
		{Files: files(8), Parents: []int{6, 1}},
		{Files: files(9), Parents: []int{7, 8}},
		{Files: files(10), Parents: []int{2}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(dir, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	reachable := func(h plumbing.Hash) map[plumbing.Hash]bool {
		m := map[plumbing.Hash]bool{}
		if err := r.reach(ctx, []plumbing.Hash{h}, false, nil, func(c *object.Commit) { m[c.Hash] = true }); err != nil {
			t.Fatal(err)
		}
		return m
	}
	for _, a := range hs {
		for _, b := range hs {
			got, err := r.List(ctx, Range{Include: []string{b.String()}, Exclude: []string{a.String()}}, WalkOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := reachable(b)
			for h := range reachable(a) {
				delete(want, h)
			}
			gotSet := map[plumbing.Hash]bool{}
			for _, c := range got {
				gotSet[c.Hash] = true
			}
			if len(gotSet) != len(want) {
				t.Errorf("%s..%s: %d commits, want %d", a.String()[:7], b.String()[:7], len(gotSet), len(want))
				continue
			}
			for h := range want {
				if !gotSet[h] {
					t.Errorf("%s..%s: missing %s", a.String()[:7], b.String()[:7], h.String()[:7])
				}
			}
		}
	}
}
