package history

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"

	"github.com/cespare/xxhash/v2"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Status of a changed file.
type Status uint8

// File statuses, as git's name-status letters.
const (
	Added Status = iota
	Modified
	Deleted
	Renamed
)

var statusNames = [...]string{"added", "modified", "deleted", "renamed"}

// String returns "added", "modified", "deleted" or "renamed".
func (s Status) String() string { return statusNames[s] }

// MarshalText encodes the status by name.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// FileChange is one changed path between two trees. The hash of a missing
// side is the zero hash.
type FileChange struct {
	Status           Status
	OldPath, NewPath string
	OldHash, NewHash plumbing.Hash
	OldMode, NewMode filemode.FileMode
	Similarity       int // percent, for renames
}

// Path returns the new path, or the old one when the file was deleted.
func (f *FileChange) Path() string {
	if f.NewPath != "" {
		return f.NewPath
	}
	return f.OldPath
}

// Filter selects paths to diff; nil selects every path.
type Filter func(path string) bool

// DiffTrees lists the files that differ between two trees (a zero hash is
// the empty tree), recursing only into subtrees whose hashes differ.
func (r *Repo) DiffTrees(oldTree, newTree plumbing.Hash, keep Filter) ([]*FileChange, error) {
	_, ov1 := r.ov.tree(oldTree)
	_, ov2 := r.ov.tree(newTree)
	if ov1 || ov2 {
		ol, err := r.ListTree(oldTree)
		if err != nil {
			return nil, err
		}
		nl, err := r.ListTree(newTree)
		if err != nil {
			return nil, err
		}
		return flatDiff(ol, nl, keep), nil
	}
	var out []*FileChange
	if err := r.diffTree(oldTree, newTree, "", keep, &out); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path() < out[j].Path() })
	return out, nil
}

func (r *Repo) tree(h plumbing.Hash) (*object.Tree, error) {
	if h.IsZero() {
		return &object.Tree{}, nil
	}
	t, err := r.r.TreeObject(h)
	if err != nil {
		return nil, fmt.Errorf("read tree %s: %w", h, err)
	}
	return t, nil
}

func (r *Repo) diffTree(oh, nh plumbing.Hash, prefix string, keep Filter, out *[]*FileChange) error {
	if oh == nh {
		return nil
	}
	ot, err := r.tree(oh)
	if err != nil {
		return err
	}
	nt, err := r.tree(nh)
	if err != nil {
		return err
	}
	om := map[string]object.TreeEntry{}
	for _, e := range ot.Entries {
		om[e.Name] = e
	}
	nm := map[string]object.TreeEntry{}
	for _, e := range nt.Entries {
		nm[e.Name] = e
	}
	for _, e := range ot.Entries {
		p := path.Join(prefix, e.Name)
		n, ok := nm[e.Name]
		switch {
		case !ok:
			if err := r.side(e, p, true, keep, out); err != nil {
				return err
			}
		case e.Mode == filemode.Dir && n.Mode == filemode.Dir:
			if err := r.diffTree(e.Hash, n.Hash, p, keep, out); err != nil {
				return err
			}
		case e.Mode == filemode.Dir || n.Mode == filemode.Dir:
			if err := r.side(e, p, true, keep, out); err != nil {
				return err
			}
			if err := r.side(n, p, false, keep, out); err != nil {
				return err
			}
		case e.Hash != n.Hash || e.Mode != n.Mode:
			if keep == nil || keep(p) {
				*out = append(*out, &FileChange{Status: Modified, OldPath: p, NewPath: p, OldHash: e.Hash, NewHash: n.Hash, OldMode: e.Mode, NewMode: n.Mode})
			}
		}
	}
	for _, e := range nt.Entries {
		if _, ok := om[e.Name]; !ok {
			if err := r.side(e, path.Join(prefix, e.Name), false, keep, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// side lists every file under an entry present on one side only.
func (r *Repo) side(e object.TreeEntry, p string, old bool, keep Filter, out *[]*FileChange) error {
	if e.Mode == filemode.Dir {
		t, err := r.tree(e.Hash)
		if err != nil {
			return err
		}
		for _, c := range t.Entries {
			if err := r.side(c, path.Join(p, c.Name), old, keep, out); err != nil {
				return err
			}
		}
		return nil
	}
	if keep != nil && !keep(p) {
		return nil
	}
	if old {
		*out = append(*out, &FileChange{Status: Deleted, OldPath: p, OldHash: e.Hash, OldMode: e.Mode})
	} else {
		*out = append(*out, &FileChange{Status: Added, NewPath: p, NewHash: e.Hash, NewMode: e.Mode})
	}
	return nil
}

// ListTree returns every file of a tree as path → blob hash (submodules and
// symlinks included, with their modes).
func (r *Repo) ListTree(h plumbing.Hash) ([]TreeFile, error) {
	if l, ok := r.ov.tree(h); ok {
		return l, nil
	}
	var out []TreeFile
	var walk func(h plumbing.Hash, prefix string) error
	walk = func(h plumbing.Hash, prefix string) error {
		t, err := r.tree(h)
		if err != nil {
			return err
		}
		for _, e := range t.Entries {
			p := path.Join(prefix, e.Name)
			if e.Mode == filemode.Dir {
				if err := walk(e.Hash, p); err != nil {
					return err
				}
				continue
			}
			out = append(out, TreeFile{Path: p, Hash: e.Hash, Mode: e.Mode})
		}
		return nil
	}
	if err := walk(h, ""); err != nil {
		return nil, err
	}
	return out, nil
}

// TreeFile is one file of a tree listing.
type TreeFile struct {
	Path string
	Hash plumbing.Hash
	Mode filemode.FileMode
}

// SubTree returns the entries of a tree (for memoised listings).
func (r *Repo) SubTree(h plumbing.Hash) ([]object.TreeEntry, error) {
	t, err := r.tree(h)
	if err != nil {
		return nil, err
	}
	return t.Entries, nil
}

// RenameLimit bounds rename detection by content: when deleted × added
// files exceed it, only exact renames (same blob) are found.
const RenameLimit = 400

// DetectRenames pairs deleted and added files into renames: first those
// with the same blob, then (within RenameLimit) those whose lines are at
// least half shared. read returns a blob's content (nil when unreadable).
func DetectRenames(changes []*FileChange, read func(plumbing.Hash) []byte) []*FileChange {
	var dels, adds []*FileChange
	for _, c := range changes {
		switch c.Status {
		case Deleted:
			dels = append(dels, c)
		case Added:
			adds = append(adds, c)
		}
	}
	if len(dels) == 0 || len(adds) == 0 {
		return changes
	}
	paired := map[*FileChange]*FileChange{} // add → del
	usedDel := map[*FileChange]bool{}
	byHash := map[plumbing.Hash][]*FileChange{}
	for _, d := range dels {
		byHash[d.OldHash] = append(byHash[d.OldHash], d)
	}
	for _, a := range adds {
		if l := byHash[a.NewHash]; len(l) > 0 {
			// Prefer the deleted file with the same base name.
			best := 0
			for i, d := range l {
				if path.Base(d.OldPath) == path.Base(a.NewPath) {
					best = i
					break
				}
			}
			d := l[best]
			byHash[a.NewHash] = append(l[:best:best], l[best+1:]...)
			paired[a] = d
			usedDel[d] = true
		}
	}
	var rd, ra []*FileChange
	for _, d := range dels {
		if !usedDel[d] {
			rd = append(rd, d)
		}
	}
	for _, a := range adds {
		if paired[a] == nil {
			ra = append(ra, a)
		}
	}
	sims := map[*FileChange]int{}
	if len(rd) > 0 && len(ra) > 0 && len(rd)*len(ra) <= RenameLimit && read != nil {
		type cand struct {
			a, d *FileChange
			s    int
		}
		lines := map[*FileChange]map[uint64]int{}
		get := func(c *FileChange, h plumbing.Hash) map[uint64]int {
			if m, ok := lines[c]; ok {
				return m
			}
			m := lineSet(read(h))
			lines[c] = m
			return m
		}
		var cands []cand
		for _, a := range ra {
			for _, d := range rd {
				if s := similarity(get(d, d.OldHash), get(a, a.NewHash)); s >= 50 {
					cands = append(cands, cand{a, d, s})
				}
			}
		}
		sort.SliceStable(cands, func(i, j int) bool { return cands[i].s > cands[j].s })
		for _, c := range cands {
			if paired[c.a] != nil || usedDel[c.d] {
				continue
			}
			paired[c.a] = c.d
			usedDel[c.d] = true
			sims[c.a] = c.s
		}
	}
	var out []*FileChange
	for _, c := range changes {
		switch {
		case c.Status == Deleted && usedDel[c]:
			continue
		case c.Status == Added && paired[c] != nil:
			d := paired[c]
			s := 100
			if v, ok := sims[c]; ok {
				s = v
			}
			out = append(out, &FileChange{Status: Renamed, OldPath: d.OldPath, NewPath: c.NewPath, OldHash: d.OldHash, NewHash: c.NewHash,
				OldMode: d.OldMode, NewMode: c.NewMode, Similarity: s})
		default:
			out = append(out, c)
		}
	}
	return out
}

func lineSet(b []byte) map[uint64]int {
	m := map[uint64]int{}
	for _, l := range bytes.Split(b, []byte("\n")) {
		l = bytes.TrimSpace(l)
		if len(l) == 0 {
			continue
		}
		m[xxhash.Sum64(l)]++
	}
	return m
}

// similarity is the percentage of lines the two files share, over the
// larger of the two.
func similarity(a, b map[uint64]int) int {
	na, nb, common := 0, 0, 0
	for _, n := range a {
		na += n
	}
	for k, n := range b {
		nb += n
		if m := a[k]; m > 0 {
			common += min(m, n)
		}
	}
	den := max(na, nb)
	if den == 0 {
		return 100
	}
	return common * 100 / den
}

// ErrMissing is returned for a blob the repository does not hold.
var ErrMissing = errors.New("object not in the repository")

// BlobSize returns a blob's size without reading it.
func (r *Repo) BlobSize(h plumbing.Hash) (int64, error) {
	if b, ok := r.ov.blob(h); ok {
		return int64(len(b)), nil
	}
	if r.useGit {
		c, err := r.catFile()
		if err != nil {
			return 0, err
		}
		n, err := c.size(h)
		if !errors.Is(err, ErrMissing) {
			return n, err
		}
		// git says "missing" for a damaged loose object too: go-git tells
		// a damaged object (an error) from an absent one.
	}
	o, err := r.st.EncodedObject(plumbing.BlobObject, h)
	if err != nil {
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return 0, fmt.Errorf("blob %s: %w", h, ErrMissing)
		}
		return 0, fmt.Errorf("blob %s: %w", h, err)
	}
	return o.Size(), nil
}

// ReadBlob returns a blob's content.
func (r *Repo) ReadBlob(h plumbing.Hash) ([]byte, error) {
	if b, ok := r.ov.blob(h); ok {
		return b, nil
	}
	if r.useGit {
		c, err := r.catFile()
		if err != nil {
			return nil, err
		}
		b, err := c.read(h)
		if !errors.Is(err, ErrMissing) {
			return b, err
		}
		// As in BlobSize: go-git tells damaged from absent.
	}
	o, err := r.st.EncodedObject(plumbing.BlobObject, h)
	if err != nil {
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return nil, fmt.Errorf("blob %s: %w", h, ErrMissing)
		}
		return nil, fmt.Errorf("blob %s: %w", h, err)
	}
	rd, err := o.Reader()
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", h, err)
	}
	defer rd.Close()
	b := make([]byte, 0, o.Size())
	buf := bytes.NewBuffer(b)
	if _, err := io.Copy(buf, rd); err != nil {
		return nil, fmt.Errorf("blob %s: %w", h, err)
	}
	return buf.Bytes(), nil
}
