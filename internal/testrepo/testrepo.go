// Package testrepo builds real git repositories for tests: a sequence of
// commits, each a full tree of files, with fixed authors and dates so that
// hashes are the same on every run.
package testrepo

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Commit is one commit to make: the whole tree after it, and its message.
type Commit struct {
	Files   map[string]string
	Message string
	// Merge lists earlier commits (by index) to merge into the previous
	// commit, which stays the first parent.
	Merge []int
	// Parents, when set, gives all parents explicitly (by index), first
	// parent first; Merge is then ignored. Use it to start a side branch.
	Parents []int
	// Tag, when set, names a lightweight tag on the commit.
	Tag string
}

// Build creates a repository in dir with the commits, in order, and
// returns their hashes.
func Build(dir string, commits []Commit) ([]plumbing.Hash, error) {
	r, err := git.PlainInit(dir, false)
	if err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	wt, err := r.Worktree()
	if err != nil {
		return nil, err
	}
	var hashes []plumbing.Hash
	when := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	for i, c := range commits {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if e.Name() != ".git" {
				_ = os.RemoveAll(filepath.Join(dir, e.Name()))
			}
		}
		names := make([]string, 0, len(c.Files))
		for p := range c.Files {
			names = append(names, p)
		}
		sort.Strings(names)
		for _, p := range names {
			full := filepath.Join(dir, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				return nil, err
			}
			if err := os.WriteFile(full, []byte(c.Files[p]), 0o644); err != nil {
				return nil, err
			}
		}
		if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
			return nil, fmt.Errorf("add: %w", err)
		}
		sig := &object.Signature{Name: "Test", Email: "test@dynupd.invalid", When: when.Add(time.Duration(i) * time.Hour)}
		opts := &git.CommitOptions{Author: sig, Committer: sig, AllowEmptyCommits: true}
		if len(c.Parents) > 0 {
			for _, p := range c.Parents {
				opts.Parents = append(opts.Parents, hashes[p])
			}
		} else if len(c.Merge) > 0 {
			opts.Parents = []plumbing.Hash{hashes[len(hashes)-1]}
			for _, m := range c.Merge {
				opts.Parents = append(opts.Parents, hashes[m])
			}
		}
		msg := c.Message
		if msg == "" {
			msg = fmt.Sprintf("commit %d", i)
		}
		h, err := wt.Commit(msg, opts)
		if err != nil {
			return nil, fmt.Errorf("commit %d: %w", i, err)
		}
		hashes = append(hashes, h)
		if c.Tag != "" {
			if _, err := r.CreateTag(c.Tag, h, nil); err != nil {
				return nil, fmt.Errorf("tag %s: %w", c.Tag, err)
			}
		}
	}
	return hashes, nil
}

// Append adds one commit (the whole tree after it) on top of HEAD of the
// repository Build made in dir, an hour after the previous one.
func Append(dir string, c Commit) (plumbing.Hash, error) {
	r, err := git.PlainOpen(dir)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("open: %w", err)
	}
	head, err := r.Head()
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("head: %w", err)
	}
	prev, err := r.CommitObject(head.Hash())
	if err != nil {
		return plumbing.ZeroHash, err
	}
	wt, err := r.Worktree()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != ".git" {
			_ = os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
	for p, content := range c.Files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return plumbing.ZeroHash, err
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("add: %w", err)
	}
	sig := &object.Signature{Name: "Test", Email: "test@dynupd.invalid", When: prev.Author.When.Add(time.Hour)}
	msg := c.Message
	if msg == "" {
		msg = "appended commit"
	}
	h, err := wt.Commit(msg, &git.CommitOptions{Author: sig, Committer: sig, AllowEmptyCommits: true})
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("commit: %w", err)
	}
	if c.Tag != "" {
		if _, err := r.CreateTag(c.Tag, h, nil); err != nil {
			return plumbing.ZeroHash, fmt.Errorf("tag %s: %w", c.Tag, err)
		}
	}
	return h, nil
}
