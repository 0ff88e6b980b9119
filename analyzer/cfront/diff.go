package cfront

import (
	"context"
	"sort"

	"github.com/cespare/xxhash/v2"
	"github.com/dynupd/dynupd-analyze/internal/lru"
)

// Version is one side of a changed C file: its path, bytes and inventory.
// A side that does not exist (an added or deleted file) has a nil Inv.
type Version struct {
	Path string
	Src  []byte
	Inv  *Inventory
}

// Change is one entity matched across the old and new versions of a file
// (or of two files, when it moved). Old is nil for an added entity, New for
// a removed one.
type Change struct {
	Old, New         *Entity
	OldPath, NewPath string
}

// Kind returns the entity's kind (the new one when both exist).
func (c *Change) Kind() Kind {
	if c.New != nil {
		return c.New.Kind
	}
	return c.Old.Kind
}

// Entity returns the new entity, or the old one when it was removed.
func (c *Change) Entity() *Entity {
	if c.New != nil {
		return c.New
	}
	return c.Old
}

// Path returns the new path, or the old one when the entity was removed.
func (c *Change) Path() string {
	if c.New != nil {
		return c.NewPath
	}
	return c.OldPath
}

// Added reports whether the entity is new.
func (c *Change) Added() bool { return c.Old == nil }

// Removed reports whether the entity is gone.
func (c *Change) Removed() bool { return c.New == nil }

// Same reports whether both versions are the same declaration, spelled
// differently (formatting, consistent renaming) or moved.
func (c *Change) Same() bool {
	return c.Old != nil && c.New != nil && c.Old.Digest() == c.New.Digest()
}

// FileDiff is what changed between two versions of a C file.
type FileDiff struct {
	Changes []*Change
	// Moved lists unchanged declarations that moved within the file.
	Moved []Moved
	// TokensSame is true when every compiled chunk is unchanged: the file
	// differs only in comments, whitespace, dead code or declaration order.
	TokensSame bool
}

// Moved is an unchanged declaration at a new place in its file.
type Moved struct {
	Label            string
	OldLine, NewLine int
}

// chunkLabel names a chunk as findings name entities.
func chunkLabel(c *Chunk) string {
	switch {
	case c.Kind == ChunkFunc:
		return "func " + c.Name
	case c.Kind == ChunkMacroCall:
		return "macro-call " + c.Name
	case c.Sub == "proto":
		return "prototype " + c.Name
	case c.Sub == "struct" || c.Sub == "union" || c.Sub == "enum" || c.Sub == "typedef":
		return c.Sub + " " + c.Name
	}
	return "var " + c.Name
}

// moved returns the matched declarations that changed place: those outside
// a longest increasing run of old positions in new order.
func moved(pairs [][2]int, oc, nc []*Chunk) []Moved {
	// pairs are (old index, new index) in new order.
	n := len(pairs)
	if n < 2 {
		return nil
	}
	tails := []int{}       // indexes into pairs
	prev := make([]int, n) // predecessor in the run
	for i, p := range pairs {
		lo, hi := 0, len(tails)
		for lo < hi {
			m := (lo + hi) / 2
			if pairs[tails[m]][0] < p[0] {
				lo = m + 1
			} else {
				hi = m
			}
		}
		if lo > 0 {
			prev[i] = tails[lo-1]
		} else {
			prev[i] = -1
		}
		if lo == len(tails) {
			tails = append(tails, i)
		} else {
			tails[lo] = i
		}
	}
	inRun := make([]bool, n)
	for i := tails[len(tails)-1]; i >= 0; i = prev[i] {
		inRun[i] = true
	}
	var out []Moved
	for i, p := range pairs {
		o, nw := oc[p[0]], nc[p[1]]
		if inRun[i] || nw.Kind == ChunkDirective || nw.Name == "" {
			continue
		}
		out = append(out, Moved{Label: chunkLabel(nw), OldLine: int(o.Line), NewLine: int(nw.Line)})
	}
	return out
}

// Differ diffs C files; it parses changed chunks through a cache keyed by
// the chunk's bytes. A Differ is not safe for concurrent use (its parser
// is not), but its cache may be shared.
type Differ struct {
	Parser *Parser
	Cache  *lru.Cache[uint64, []*Entity]
}

// Entities returns the entities of chunk c of src, parsed once per distinct
// chunk text.
func (d *Differ) Entities(ctx context.Context, src []byte, c *Chunk) []*Entity {
	key := xxhash.Sum64(src[c.Off:c.End]) ^ uint64(c.Kind)<<56
	if d.Cache != nil {
		if rel, ok := d.Cache.Get(key); ok {
			return decorate(rel, c)
		}
	}
	rel := d.Parser.parseRelative(ctx, src, c)
	if d.Cache != nil {
		d.Cache.Add(key, rel, int64(c.End-c.Off)+256)
	}
	return decorate(rel, c)
}

type chunkKey struct {
	hash uint64
	cond string
}

// Diff compares two versions of a C file. Chunks whose tokens and
// conditions are unchanged are matched without parsing; the others are
// parsed and their entities paired by kind and name.
func (d *Differ) Diff(ctx context.Context, old, new Version) *FileDiff {
	var oc, nc []*Chunk
	if old.Inv != nil {
		for i := range old.Inv.Chunks {
			if c := &old.Inv.Chunks[i]; !c.Dead {
				oc = append(oc, c)
			}
		}
	}
	if new.Inv != nil {
		for i := range new.Inv.Chunks {
			if c := &new.Inv.Chunks[i]; !c.Dead {
				nc = append(nc, c)
			}
		}
	}
	pool := map[chunkKey][]int{}
	for i, c := range oc {
		k := chunkKey{c.Hash, c.Cond}
		pool[k] = append(pool[k], i)
	}
	oldMatched := make([]bool, len(oc))
	var newUnmatched []*Chunk
	var pairs [][2]int
	for j, c := range nc {
		k := chunkKey{c.Hash, c.Cond}
		if l := pool[k]; len(l) > 0 {
			oldMatched[l[0]] = true
			pairs = append(pairs, [2]int{l[0], j})
			pool[k] = l[1:]
			continue
		}
		newUnmatched = append(newUnmatched, c)
	}
	var oldUnmatched []*Chunk
	for i, c := range oc {
		if !oldMatched[i] {
			oldUnmatched = append(oldUnmatched, c)
		}
	}
	fd := &FileDiff{Moved: moved(pairs, oc, nc)}
	if len(oldUnmatched) == 0 && len(newUnmatched) == 0 {
		fd.TokensSame = old.Inv != nil && new.Inv != nil
		return fd
	}
	var oe, ne []*Entity
	for _, c := range oldUnmatched {
		oe = append(oe, d.Entities(ctx, old.Src, c)...)
	}
	for _, c := range newUnmatched {
		ne = append(ne, d.Entities(ctx, new.Src, c)...)
	}
	fd.Changes = Pair(oe, ne, old.Path, new.Path)
	return fd
}

// Pair matches old and new entities of one file by key (kind and name),
// the n-th of a key with the n-th; anonymous enums by shared members.
func Pair(oe, ne []*Entity, oldPath, newPath string) []*Change {
	byKey := map[string][]*Entity{}
	for _, e := range oe {
		if e.Kind == KEnum && e.Anon {
			continue
		}
		byKey[e.Key()] = append(byKey[e.Key()], e)
	}
	used := map[*Entity]bool{}
	var out []*Change
	var anonNew []*Entity
	for _, e := range ne {
		if e.Kind == KEnum && e.Anon {
			anonNew = append(anonNew, e)
			continue
		}
		if l := byKey[e.Key()]; len(l) > 0 {
			byKey[e.Key()] = l[1:]
			used[l[0]] = true
			out = append(out, &Change{Old: l[0], New: e, OldPath: oldPath, NewPath: newPath})
			continue
		}
		out = append(out, &Change{New: e, NewPath: newPath})
	}
	// Anonymous enums: pair by the largest number of shared member names.
	var anonOld []*Entity
	for _, e := range oe {
		if e.Kind == KEnum && e.Anon {
			anonOld = append(anonOld, e)
		}
	}
	for _, n := range anonNew {
		best, bestN := -1, 0
		for i, o := range anonOld {
			if used[o] {
				continue
			}
			if k := sharedMembers(o, n); k > bestN {
				best, bestN = i, k
			}
		}
		if best >= 0 {
			used[anonOld[best]] = true
			out = append(out, &Change{Old: anonOld[best], New: n, OldPath: oldPath, NewPath: newPath})
		} else {
			out = append(out, &Change{New: n, NewPath: newPath})
		}
	}
	for _, e := range oe {
		if !used[e] {
			out = append(out, &Change{Old: e, OldPath: oldPath})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return changeLine(out[i]) < changeLine(out[j]) })
	return out
}

func sharedMembers(a, b *Entity) int {
	names := map[string]bool{}
	for _, m := range a.Members {
		names[m.Name] = true
	}
	n := 0
	for _, m := range b.Members {
		if names[m.Name] {
			n++
		}
	}
	return n
}

func changeLine(c *Change) int {
	if c.New != nil {
		return c.New.Line
	}
	return c.Old.Line + 1<<30
}
