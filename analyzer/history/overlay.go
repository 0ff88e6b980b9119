package history

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// Overlay holds trees that are not stored in the repository (a work
// tree's current state) with the blobs they add, hashed as git hashes
// them. It is immutable once built and may be shared by handles.
type Overlay struct {
	trees map[plumbing.Hash][]TreeFile
	blobs map[plumbing.Hash][]byte
}

// MaxWorktreeBytes bounds what a work tree snapshot reads from disk.
const MaxWorktreeBytes = 512 << 20

// SnapshotWorktree reads the work tree of the repository at repoPath as
// one tree: HEAD's tree with every modified, added, deleted and untracked
// (not ignored) file applied, as `git add -A` would stage it. Symlinks are
// read as links and never followed; nothing is written. It returns the
// overlay holding that tree and the tree's hash.
func SnapshotWorktree(ctx context.Context, repoPath string) (*Overlay, plumbing.Hash, error) {
	gitDir, bare, err := FindGitDir(repoPath)
	if err != nil {
		return nil, plumbing.ZeroHash, err
	}
	if bare {
		return nil, plumbing.ZeroHash, fmt.Errorf("work tree of %s: a bare repository has none", repoPath)
	}
	root := filepath.Dir(gitDir)
	gr, err := git.PlainOpenWithOptions(root, &git.PlainOpenOptions{DetectDotGit: false, EnableDotGitCommonDir: true})
	if err != nil {
		return nil, plumbing.ZeroHash, fmt.Errorf("work tree of %s: %w", repoPath, err)
	}
	wt, err := gr.Worktree()
	if err != nil {
		return nil, plumbing.ZeroHash, fmt.Errorf("work tree of %s: %w", repoPath, err)
	}
	st, err := wt.Status()
	if err != nil {
		return nil, plumbing.ZeroHash, fmt.Errorf("status of %s: %w", repoPath, err)
	}
	files := map[string]TreeFile{}
	if head, err := gr.Head(); err == nil {
		c, err := gr.CommitObject(head.Hash())
		if err != nil {
			return nil, plumbing.ZeroHash, fmt.Errorf("HEAD of %s: %w", repoPath, err)
		}
		r, err := Open(repoPath, OpenOptions{})
		if err != nil {
			return nil, plumbing.ZeroHash, err
		}
		list, err := r.ListTree(c.TreeHash)
		_ = r.Close()
		if err != nil {
			return nil, plumbing.ZeroHash, err
		}
		for _, f := range list {
			files[f.Path] = f
		}
	}
	o := &Overlay{trees: map[plumbing.Hash][]TreeFile{}, blobs: map[plumbing.Hash][]byte{}}
	var paths []string
	for p := range st {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var total int64
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, plumbing.ZeroHash, err
		}
		fs := st[p]
		if fs.Worktree == git.Unmodified && fs.Staging == git.Unmodified {
			continue
		}
		rel := filepath.ToSlash(p)
		if !cleanRel(rel) {
			return nil, plumbing.ZeroHash, fmt.Errorf("work tree path %q leaves the work tree", p)
		}
		full := filepath.Join(root, filepath.FromSlash(rel))
		fi, err := os.Lstat(full)
		if os.IsNotExist(err) {
			delete(files, rel)
			continue
		}
		if err != nil {
			return nil, plumbing.ZeroHash, fmt.Errorf("work tree file %s: %w", rel, err)
		}
		var content []byte
		mode := filemode.Regular
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(full)
			if err != nil {
				return nil, plumbing.ZeroHash, fmt.Errorf("work tree link %s: %w", rel, err)
			}
			content, mode = []byte(filepath.ToSlash(target)), filemode.Symlink
		case fi.Mode().IsRegular():
			if total += fi.Size(); total > MaxWorktreeBytes {
				return nil, plumbing.ZeroHash, fmt.Errorf("work tree changes over %d bytes", MaxWorktreeBytes)
			}
			content, err = readRegular(full, fi.Size())
			if err != nil {
				return nil, plumbing.ZeroHash, fmt.Errorf("work tree file %s: %w", rel, err)
			}
			if fi.Mode()&0o111 != 0 {
				mode = filemode.Executable
			}
		default:
			continue // a directory (nested repository) or a device: not content
		}
		h := plumbing.ComputeHash(plumbing.BlobObject, content)
		o.blobs[h] = content
		files[rel] = TreeFile{Path: rel, Hash: h, Mode: mode}
	}
	list := make([]TreeFile, 0, len(files))
	for _, f := range files {
		list = append(list, f)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Path < list[j].Path })
	var sb strings.Builder
	sb.WriteString("dynupd work tree\n")
	for _, f := range list {
		fmt.Fprintf(&sb, "%o %s %s\n", uint32(f.Mode), f.Hash, f.Path)
	}
	th := plumbing.ComputeHash(plumbing.TreeObject, []byte(sb.String()))
	o.trees[th] = list
	return o, th, nil
}

// readRegular reads at most size bytes of a regular file (it may grow
// while we read; what was there at Lstat time is what counts).
func readRegular(name string, size int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, size))
}

// cleanRel reports whether p is a clean relative slash path inside its
// root.
func cleanRel(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") || path.Clean(p) != p {
		return false
	}
	return p != ".." && !strings.HasPrefix(p, "../")
}

// tree returns an overlay tree's listing.
func (o *Overlay) tree(h plumbing.Hash) ([]TreeFile, bool) {
	if o == nil {
		return nil, false
	}
	l, ok := o.trees[h]
	return l, ok
}

// blob returns an overlay blob.
func (o *Overlay) blob(h plumbing.Hash) ([]byte, bool) {
	if o == nil {
		return nil, false
	}
	b, ok := o.blobs[h]
	return b, ok
}

// flatDiff diffs two listings by path (for trees an overlay holds).
func flatDiff(ol, nl []TreeFile, keep Filter) []*FileChange {
	om := make(map[string]TreeFile, len(ol))
	for _, f := range ol {
		om[f.Path] = f
	}
	nm := make(map[string]TreeFile, len(nl))
	for _, f := range nl {
		nm[f.Path] = f
	}
	var out []*FileChange
	for _, f := range ol {
		if keep != nil && !keep(f.Path) {
			continue
		}
		n, ok := nm[f.Path]
		switch {
		case !ok:
			out = append(out, &FileChange{Status: Deleted, OldPath: f.Path, OldHash: f.Hash, OldMode: f.Mode})
		case n.Hash != f.Hash || n.Mode != f.Mode:
			out = append(out, &FileChange{Status: Modified, OldPath: f.Path, NewPath: f.Path, OldHash: f.Hash, NewHash: n.Hash, OldMode: f.Mode, NewMode: n.Mode})
		}
	}
	for _, f := range nl {
		if keep != nil && !keep(f.Path) {
			continue
		}
		if _, ok := om[f.Path]; !ok {
			out = append(out, &FileChange{Status: Added, NewPath: f.Path, NewHash: f.Hash, NewMode: f.Mode})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path() < out[j].Path() })
	return out
}
