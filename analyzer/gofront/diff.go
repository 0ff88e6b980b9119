package gofront

import (
	"fmt"
	"sort"
	"strings"
)

// Change is one entity matched across the old and new versions of a
// package. Old is nil for an added entity, New for a removed one.
type Change struct {
	Old, New         *Entity
	OldPath, NewPath string // the files they live in
}

// Entity returns the new entity, or the old one when it was removed.
func (c *Change) Entity() *Entity {
	if c.New != nil {
		return c.New
	}
	return c.Old
}

// Path returns the new file, or the old one when the entity was removed.
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

// Same reports whether both versions are the same declaration, however
// spelled and in whichever file.
func (c *Change) Same() bool {
	return c.Old != nil && c.New != nil && c.Old.Digest() == c.New.Digest()
}

// Digest is a canonical text of everything the rules compare about an
// entity, except its position and file.
func (e *Entity) Digest() string {
	if e.digest != "" {
		return e.digest
	}
	return e.computeDigest()
}

func (e *Entity) computeDigest() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|%s|", e.Kind, e.Name, e.Build)
	switch e.Kind {
	case KFunc, KMethod, KInit:
		fmt.Fprintf(&b, "ptr=%v|sig=%s|tp=%s|body=%x|pragmas=%s", e.PtrRecv, e.Sig, e.TypeParams, e.BodyHash, strings.Join(e.Pragmas, ","))
	case KType:
		fmt.Fprintf(&b, "alias=%v|tp=%s|u=%s", e.Alias, e.TypeParams, e.Underlying)
	case KConst:
		fmt.Fprintf(&b, "type=%s|value=%s", e.Type, e.Value)
	case KVar:
		fmt.Fprintf(&b, "type=%s|init=%v:%x|embed=%s", e.Type, e.HasInit, e.Init, strings.Join(e.Embed, ","))
	}
	return b.String()
}

// DiffFiles pairs the entities of the old and new versions of a package's
// changed files by key. Entities whose digests are equal are returned too
// (Same), so that moves and respellings can be reported.
func DiffFiles(old, new map[string]*File) []*Change {
	type located struct {
		e    *Entity
		path string
	}
	collect := func(files map[string]*File) map[string][]located {
		m := map[string][]located{}
		paths := make([]string, 0, len(files))
		for p := range files {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			for _, e := range files[p].Entities {
				k := e.Key()
				if e.Kind == KInit || strings.HasPrefix(e.Name, "_#") {
					k += " @" + p // init functions and blank names are per file
				}
				m[k] = append(m[k], located{e, p})
			}
		}
		return m
	}
	om, nm := collect(old), collect(new)
	keys := map[string]bool{}
	for k := range om {
		keys[k] = true
	}
	for k := range nm {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var out []*Change
	for _, k := range sorted {
		os, ns := om[k], nm[k]
		for i := 0; i < len(os) || i < len(ns); i++ {
			c := &Change{}
			if i < len(os) {
				c.Old, c.OldPath = os[i].e, os[i].path
			}
			if i < len(ns) {
				c.New, c.NewPath = ns[i].e, ns[i].path
			}
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Path() != b.Path() {
			return a.Path() < b.Path()
		}
		return a.Entity().Line < b.Entity().Line
	})
	return out
}
