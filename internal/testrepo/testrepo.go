// Package testrepo builds real git repositories for tests: a sequence of
// commits, each a full tree of files, with fixed authors and dates so that
// hashes are the same on every run.
package testrepo

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/memory"
)

// Commit is one commit to make: the whole tree after it, and its message.
type Commit struct {
	Files map[string]string
	// Symlinks are symbolic links in the tree: path → target.
	Symlinks map[string]string
	Message  string
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
		if err := writeSymlinks(dir, c.Symlinks); err != nil {
			return nil, err
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
	if err := writeSymlinks(dir, c.Symlinks); err != nil {
		return plumbing.ZeroHash, err
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

// writeSymlinks creates the symbolic links of a commit in the work tree.
func writeSymlinks(dir string, links map[string]string) error {
	for p, target := range links {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.Symlink(target, full); err != nil {
			return err
		}
	}
	return nil
}

// BuildPacked creates a repository in dir with the commits, like Build,
// but writes their objects straight into one pack, without a work tree or
// an index: it takes a second for trees of ten thousand files, or for a
// blob of a hundred megabytes, that Build would stage one by one. Files
// with the same content share one blob. The work tree stays empty; the
// history is what Build would make (same trees, authors and dates).
func BuildPacked(dir string, commits []Commit) ([]plumbing.Hash, error) {
	r, err := git.PlainInit(dir, false)
	if err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	mem := memory.NewStorage()
	var hashes []plumbing.Hash
	when := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	for i, c := range commits {
		entries := map[string]object.TreeEntry{}
		for p, content := range c.Files {
			h, err := putBlob(mem, content)
			if err != nil {
				return nil, err
			}
			entries[p] = object.TreeEntry{Mode: filemode.Regular, Hash: h}
		}
		for p, target := range c.Symlinks {
			h, err := putBlob(mem, target)
			if err != nil {
				return nil, err
			}
			entries[p] = object.TreeEntry{Mode: filemode.Symlink, Hash: h}
		}
		tree, err := putTree(mem, entries)
		if err != nil {
			return nil, fmt.Errorf("commit %d: %w", i, err)
		}
		sig := object.Signature{Name: "Test", Email: "test@dynupd.invalid", When: when.Add(time.Duration(i) * time.Hour)}
		msg := c.Message
		if msg == "" {
			msg = fmt.Sprintf("commit %d", i)
		}
		co := &object.Commit{Author: sig, Committer: sig, Message: msg, TreeHash: tree}
		switch {
		case len(c.Parents) > 0:
			for _, p := range c.Parents {
				co.ParentHashes = append(co.ParentHashes, hashes[p])
			}
		case len(hashes) > 0:
			co.ParentHashes = []plumbing.Hash{hashes[len(hashes)-1]}
			for _, m := range c.Merge {
				co.ParentHashes = append(co.ParentHashes, hashes[m])
			}
		}
		h, err := putObject(mem, co)
		if err != nil {
			return nil, fmt.Errorf("commit %d: %w", i, err)
		}
		hashes = append(hashes, h)
		if c.Tag != "" {
			if err := r.Storer.SetReference(plumbing.NewHashReference(plumbing.NewTagReferenceName(c.Tag), h)); err != nil {
				return nil, fmt.Errorf("tag %s: %w", c.Tag, err)
			}
		}
	}
	all := make([]plumbing.Hash, 0, len(mem.ObjectStorage.Objects))
	for h := range mem.ObjectStorage.Objects {
		all = append(all, h)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].String() < all[j].String() })
	pw, err := r.Storer.(storer.PackfileWriter).PackfileWriter()
	if err != nil {
		return nil, fmt.Errorf("pack: %w", err)
	}
	if _, err := packfile.NewEncoder(pw, mem, false).Encode(all, 0); err != nil {
		pw.Close()
		return nil, fmt.Errorf("pack: %w", err)
	}
	if err := pw.Close(); err != nil {
		return nil, fmt.Errorf("pack: %w", err)
	}
	if len(hashes) > 0 {
		head, err := r.Storer.Reference(plumbing.HEAD)
		if err != nil {
			return nil, err
		}
		if err := r.Storer.SetReference(plumbing.NewHashReference(head.Target(), hashes[len(hashes)-1])); err != nil {
			return nil, err
		}
	}
	return hashes, nil
}

func putObject(st storer.EncodedObjectStorer, o interface {
	Encode(plumbing.EncodedObject) error
}) (plumbing.Hash, error) {
	obj := st.NewEncodedObject()
	if err := o.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return st.SetEncodedObject(obj)
}

func putBlob(st storer.EncodedObjectStorer, content string) (plumbing.Hash, error) {
	obj := st.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	w, err := obj.Writer()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, err := w.Write([]byte(content)); err != nil {
		return plumbing.ZeroHash, err
	}
	if err := w.Close(); err != nil {
		return plumbing.ZeroHash, err
	}
	return st.SetEncodedObject(obj)
}

// putTree stores the tree of entries keyed by slash-separated path (and
// its subtrees), entries in git's order: by name, a directory's name as if
// it ended in '/'.
func putTree(st storer.EncodedObjectStorer, entries map[string]object.TreeEntry) (plumbing.Hash, error) {
	t := &object.Tree{}
	subs := map[string]map[string]object.TreeEntry{}
	for p, e := range entries {
		if dir, rest, ok := strings.Cut(p, "/"); ok {
			if subs[dir] == nil {
				subs[dir] = map[string]object.TreeEntry{}
			}
			subs[dir][rest] = e
			continue
		}
		e.Name = p
		t.Entries = append(t.Entries, e)
	}
	for dir, sub := range subs {
		h, err := putTree(st, sub)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		t.Entries = append(t.Entries, object.TreeEntry{Name: dir, Mode: filemode.Dir, Hash: h})
	}
	key := func(e object.TreeEntry) string {
		if e.Mode == filemode.Dir {
			return e.Name + "/"
		}
		return e.Name
	}
	sort.Slice(t.Entries, func(i, j int) bool { return key(t.Entries[i]) < key(t.Entries[j]) })
	return putObject(st, t)
}
