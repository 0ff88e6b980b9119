// Package history reads a git repository with go-git: it opens work trees
// and bare repositories, resolves revision ranges as git spells them, walks
// commits in a deterministic order, diffs trees, and reads blobs. It never
// runs anything the repository names (hooks, filters, toolchains).
package history

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// Repo is one handle on a repository. A Repo is not safe for concurrent
// use; open one per worker.
type Repo struct {
	// Path is the directory given to Open; GitDir the git directory.
	Path, GitDir string
	// Bare is true when there is no work tree.
	Bare bool
	r    *git.Repository
	st   *filesystem.Storage
	ov   *Overlay
	// useGit reads blobs with git cat-file (started on first use) instead
	// of go-git.
	useGit bool
	cat    *catFile
}

// ErrNotRepository is returned when a path holds no git repository.
var ErrNotRepository = errors.New("not a git repository")

// FindGitDir locates the git directory for path: path itself when it is a
// bare repository or a git directory, path/.git (a directory, or a file
// naming one), searching parent directories like git does.
func FindGitDir(path string) (gitDir string, bare bool, err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", false, fmt.Errorf("open %s: %w", path, err)
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return "", false, fmt.Errorf("open %s: %w", path, ErrNotRepository)
	}
	for dir := abs; ; {
		if isGitDir(dir) {
			return dir, !strings.HasSuffix(dir, string(filepath.Separator)+".git"), nil
		}
		dot := filepath.Join(dir, ".git")
		if fi, err := os.Stat(dot); err == nil {
			if fi.IsDir() && isGitDir(dot) {
				return dot, false, nil
			}
			if !fi.IsDir() {
				if g, ok := readGitFile(dot); ok {
					return g, false, nil
				}
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false, fmt.Errorf("open %s: %w", path, ErrNotRepository)
		}
		dir = parent
	}
}

func isGitDir(dir string) bool {
	for _, n := range []string{"HEAD", "objects"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			return false
		}
	}
	return true
}

// readGitFile reads a ".git" file ("gitdir: PATH") as worktrees and
// submodules have.
func readGitFile(file string) (string, bool) {
	f, err := os.Open(file)
	if err != nil {
		return "", false
	}
	defer f.Close()
	line, _ := bufio.NewReader(io.LimitReader(f, 4096)).ReadString('\n')
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "gitdir:") {
		return "", false
	}
	g := strings.TrimSpace(strings.TrimPrefix(line, "gitdir:"))
	if !filepath.IsAbs(g) {
		g = filepath.Join(filepath.Dir(file), g)
	}
	if !isGitDir(g) {
		// A linked worktree: its objects live in the common directory.
		if c, err := os.ReadFile(filepath.Join(g, "commondir")); err == nil {
			common := strings.TrimSpace(string(c))
			if !filepath.IsAbs(common) {
				common = filepath.Join(g, common)
			}
			if isGitDir(common) {
				return common, true
			}
		}
		return "", false
	}
	return g, true
}

// OpenOptions tune the go-git storage of a handle.
type OpenOptions struct {
	// ObjectCacheBytes is go-git's own object cache (decoded objects and
	// delta bases).
	ObjectCacheBytes int64
	// Overlay adds trees and blobs the repository does not store (a work
	// tree snapshot).
	Overlay *Overlay
	// Backend chooses how blobs are read; "" is BackendAuto.
	Backend Backend
}

// Open opens the repository at path (a work tree, any directory inside
// one, or a bare repository).
func Open(path string, o OpenOptions) (*Repo, error) {
	gitDir, bare, err := FindGitDir(path)
	if err != nil {
		return nil, err
	}
	useGit := false
	switch o.Backend {
	case BackendGit:
		if err := GitUsable(gitDir); err != nil {
			return nil, fmt.Errorf("open %s with the git backend: %w", path, err)
		}
		useGit = true
	case "", BackendAuto:
		useGit = GitUsable(gitDir) == nil
	case BackendGoGit:
	default:
		return nil, fmt.Errorf("open %s: unknown backend %q", path, o.Backend)
	}
	size := o.ObjectCacheBytes
	if size <= 0 {
		size = 64 << 20
	}
	if useGit {
		size = min(size, 8<<20) // trees and commits only
	}
	fs := osfs.New(gitDir)
	st := filesystem.NewStorageWithOptions(fs, cache.NewObjectLRU(cache.FileSize(size)), filesystem.Options{KeepDescriptors: true})
	r, err := git.Open(st, nil)
	if err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &Repo{Path: path, GitDir: gitDir, Bare: bare, r: r, st: st, ov: o.Overlay, useGit: useGit}, nil
}

// Close releases the handle's file descriptors and ends its git process.
func (r *Repo) Close() error {
	if r.cat != nil {
		_ = r.cat.close()
		r.cat = nil
	}
	return r.st.Close()
}

// Backend returns the backend that reads the handle's blobs.
func (r *Repo) Backend() Backend {
	if r.useGit {
		return BackendGit
	}
	return BackendGoGit
}

// catFile returns the handle's git process, starting it on first use.
func (r *Repo) catFile() (*catFile, error) {
	if r.cat == nil {
		c, err := startCatFile(r.GitDir)
		if err != nil {
			return nil, err
		}
		r.cat = c
	}
	return r.cat, nil
}

// Resolve resolves a revision (a ref, tag, hash prefix, HEAD~2, …) to a
// commit hash; annotated tags are peeled.
func (r *Repo) Resolve(rev string) (plumbing.Hash, error) {
	h, err := r.r.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		if branch, ok := r.unbornHead(); ok && (strings.HasPrefix(rev, "HEAD") || rev == branch) {
			return plumbing.ZeroHash, fmt.Errorf("revision %q: branch %s has no commits yet (an unborn HEAD)", rev, branch)
		}
		return plumbing.ZeroHash, fmt.Errorf("unknown revision %q: %w", rev, err)
	}
	// Peel tags to commits.
	for i := 0; i < 8; i++ {
		if _, err := r.r.CommitObject(*h); err == nil {
			return *h, nil
		}
		t, err := r.r.TagObject(*h)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("revision %q is not a commit", rev)
		}
		x := t.Target
		h = &x
	}
	return plumbing.ZeroHash, fmt.Errorf("revision %q: tag chain too long", rev)
}

// unbornHead reports whether HEAD names a branch that does not exist yet
// (a repository with no commits, or an orphan branch before its first
// commit), and that branch's short name.
func (r *Repo) unbornHead() (string, bool) {
	head, err := r.r.Storer.Reference(plumbing.HEAD)
	if err != nil || head.Type() != plumbing.SymbolicReference {
		return "", false
	}
	if _, err := r.r.Storer.Reference(head.Target()); !errors.Is(err, plumbing.ErrReferenceNotFound) {
		return "", false
	}
	return head.Target().Short(), true
}

// IsShallow reports whether a commit is a boundary of a shallow clone: the
// repository lists it in .git/shallow, its parents deliberately absent.
func (r *Repo) IsShallow(h plumbing.Hash) bool {
	hs, err := r.st.Shallow()
	if err != nil {
		return false
	}
	for _, s := range hs {
		if s == h {
			return true
		}
	}
	return false
}

// Commit returns a commit object.
func (r *Repo) Commit(h plumbing.Hash) (*object.Commit, error) {
	c, err := r.r.CommitObject(h)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", h, err)
	}
	return c, nil
}

// Head returns the commit HEAD points at.
func (r *Repo) Head() (plumbing.Hash, error) {
	ref, err := r.r.Head()
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("resolve HEAD: %w", err)
	}
	return ref.Hash(), nil
}

// Tags returns the repository's tags as name → commit, peeled.
func (r *Repo) Tags() (map[string]plumbing.Hash, error) {
	iter, err := r.r.Tags()
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	out := map[string]plumbing.Hash{}
	err = iter.ForEach(func(ref *plumbing.Reference) error {
		h, err := r.Resolve(ref.Name().String())
		if err == nil {
			out[ref.Name().Short()] = h
		}
		return nil
	})
	return out, err
}

// FileAt returns the content of a file at a commit.
func (r *Repo) FileAt(commit plumbing.Hash, p string) ([]byte, error) {
	c, err := r.Commit(commit)
	if err != nil {
		return nil, err
	}
	files, err := r.DiffTrees(plumbing.ZeroHash, c.TreeHash, func(x string) bool { return x == p })
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no file %s", commit.String()[:12], p)
	}
	return r.ReadBlob(files[0].NewHash)
}

// MergeBase resolves two revisions and returns their best common
// ancestor: of several merge-bases, the most recently committed (then the
// smallest hash, so the choice is stable). Unrelated histories are an
// error.
func (r *Repo) MergeBase(a, b string) (plumbing.Hash, error) {
	ha, err := r.Resolve(a)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	hb, err := r.Resolve(b)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	ca, err := r.Commit(ha)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	cb, err := r.Commit(hb)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	bases, err := ca.MergeBase(cb)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("merge-base of %s and %s: %w", a, b, err)
	}
	if len(bases) == 0 {
		return plumbing.ZeroHash, fmt.Errorf("%s and %s have no common ancestor", a, b)
	}
	best := bases[0]
	for _, c := range bases[1:] {
		if c.Committer.When.After(best.Committer.When) || (c.Committer.When.Equal(best.Committer.When) && c.Hash.String() < best.Hash.String()) {
			best = c
		}
	}
	return best.Hash, nil
}
