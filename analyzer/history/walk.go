package history

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Commit is what the analysis needs of one commit.
type Commit struct {
	Hash      plumbing.Hash
	Parents   []plumbing.Hash
	Tree      plumbing.Hash
	Author    string // "Name <email>"
	Date      time.Time
	Committed time.Time
	Message   string
}

// Subject returns the first line of the message.
func (c *Commit) Subject() string {
	s := strings.TrimSpace(c.Message)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// IsMerge reports whether the commit has more than one parent.
func (c *Commit) IsMerge() bool { return len(c.Parents) > 1 }

func fromObject(o *object.Commit) *Commit {
	return &Commit{
		Hash: o.Hash, Parents: append([]plumbing.Hash(nil), o.ParentHashes...), Tree: o.TreeHash,
		Author: fmt.Sprintf("%s <%s>", o.Author.Name, o.Author.Email), Date: o.Author.When,
		Committed: o.Committer.When, Message: o.Message,
	}
}

// Range is a parsed revision range: commits reachable from Include and not
// from Exclude; Single selects exactly one commit (REV^!).
type Range struct {
	Include []string
	Exclude []string
	Single  bool
	Spec    string
}

// ParseRange parses the revision syntax git accepts for logs: "REV"
// (everything reachable from it), "A..B", "REV^!" (that one commit), "^A B".
// An empty spec is HEAD.
func ParseRange(spec string) (Range, error) {
	rg := Range{Spec: spec}
	spec = strings.TrimSpace(spec)
	if spec == "" {
		rg.Include = []string{"HEAD"}
		return rg, nil
	}
	if strings.Contains(spec, "...") {
		return rg, fmt.Errorf("range %q: symmetric differences (A...B) are not supported; use A..B", spec)
	}
	for _, f := range strings.Fields(spec) {
		switch {
		case strings.HasSuffix(f, "^!"):
			if len(strings.Fields(spec)) != 1 {
				return rg, fmt.Errorf("range %q: REV^! stands alone", spec)
			}
			rg.Include = []string{strings.TrimSuffix(f, "^!")}
			rg.Single = true
		case strings.Contains(f, ".."):
			i := strings.Index(f, "..")
			a, b := f[:i], f[i+2:]
			if a == "" {
				a = "HEAD"
			}
			if b == "" {
				b = "HEAD"
			}
			rg.Exclude = append(rg.Exclude, a)
			rg.Include = append(rg.Include, b)
		case strings.HasPrefix(f, "^"):
			rg.Exclude = append(rg.Exclude, f[1:])
		default:
			rg.Include = append(rg.Include, f)
		}
	}
	if len(rg.Include) == 0 {
		rg.Include = []string{"HEAD"}
	}
	return rg, nil
}

// WalkOptions filter the commits of a range.
type WalkOptions struct {
	FirstParent  bool
	Since, Until time.Time // committer date bounds (zero: none)
}

// List returns the commits of a range, newest first: by committer date,
// then author date, then hash, so the order is the same on every run.
// Merge commits are included; the caller decides what to do with them.
func (r *Repo) List(ctx context.Context, rg Range, o WalkOptions) ([]*Commit, error) {
	var tips, stops []plumbing.Hash
	for _, rev := range rg.Include {
		h, err := r.Resolve(rev)
		if err != nil {
			return nil, err
		}
		tips = append(tips, h)
	}
	for _, rev := range rg.Exclude {
		h, err := r.Resolve(rev)
		if err != nil {
			return nil, err
		}
		stops = append(stops, h)
	}
	if rg.Single {
		c, err := r.Commit(tips[0])
		if err != nil {
			return nil, err
		}
		return []*Commit{fromObject(c)}, nil
	}
	excluded := map[plumbing.Hash]bool{}
	if len(stops) > 0 {
		if err := r.reach(ctx, stops, o.FirstParent, nil, func(c *object.Commit) { excluded[c.Hash] = true }); err != nil {
			return nil, err
		}
	}
	var out []*Commit
	err := r.reach(ctx, tips, o.FirstParent, excluded, func(c *object.Commit) {
		if !o.Since.IsZero() && c.Committer.When.Before(o.Since) {
			return
		}
		if !o.Until.IsZero() && c.Committer.When.After(o.Until) {
			return
		}
		out = append(out, fromObject(c))
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.Committed.Equal(b.Committed) {
			return a.Committed.After(b.Committed)
		}
		if !a.Date.Equal(b.Date) {
			return a.Date.After(b.Date)
		}
		return a.Hash.String() < b.Hash.String()
	})
	return out, nil
}

// reach visits every commit reachable from tips (first parents only when
// asked), skipping those in stop.
func (r *Repo) reach(ctx context.Context, tips []plumbing.Hash, firstParent bool, stop map[plumbing.Hash]bool, visit func(*object.Commit)) error {
	seen := map[plumbing.Hash]bool{}
	stack := append([]plumbing.Hash(nil), tips...)
	n := 0
	for len(stack) > 0 {
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[h] || stop[h] {
			continue
		}
		seen[h] = true
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		c, err := r.r.CommitObject(h)
		if err != nil {
			if len(seen) > 1 {
				// A shallow clone's boundary: its parents are not here.
				continue
			}
			return fmt.Errorf("read commit %s: %w", h, err)
		}
		visit(c)
		parents := c.ParentHashes
		if firstParent && len(parents) > 1 {
			parents = parents[:1]
		}
		for i := len(parents) - 1; i >= 0; i-- {
			stack = append(stack, parents[i])
		}
	}
	return nil
}

// HasObject reports whether the repository holds an object.
func (r *Repo) HasObject(h plumbing.Hash) bool {
	return r.st.HasEncodedObject(h) == nil
}

// Partition assigns every commit reachable from the tips to the first tip
// (in the order given) that reaches it: the release that first contains
// it. The result maps a commit to the index of its tip.
func (r *Repo) Partition(ctx context.Context, tips []plumbing.Hash) (map[plumbing.Hash]int, error) {
	out := map[plumbing.Hash]int{}
	stop := map[plumbing.Hash]bool{}
	for i, tip := range tips {
		var got []plumbing.Hash
		err := r.reach(ctx, []plumbing.Hash{tip}, false, stop, func(c *object.Commit) { got = append(got, c.Hash) })
		if err != nil {
			return nil, err
		}
		for _, h := range got {
			stop[h] = true
			out[h] = i
		}
	}
	return out, nil
}

// Generations gives every commit reachable from the tips its generation
// number: 1 for a root commit, else one more than its highest parent. An
// ancestor always has a lower generation than its descendants, so sorting
// by it orders releases along the history even when their dates do not
// (imported histories often share one committer date).
func (r *Repo) Generations(ctx context.Context, tips []plumbing.Hash) (map[plumbing.Hash]int, error) {
	gen := map[plumbing.Hash]int{}
	parents := map[plumbing.Hash][]plumbing.Hash{}
	type frame struct {
		h        plumbing.Hash
		expanded bool
	}
	stack := make([]frame, 0, len(tips))
	for _, t := range tips {
		stack = append(stack, frame{h: t})
	}
	n := 0
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if _, done := gen[f.h]; done {
			continue
		}
		if f.expanded {
			g := 0
			for _, p := range parents[f.h] {
				g = max(g, gen[p])
			}
			gen[f.h] = g + 1
			delete(parents, f.h)
			continue
		}
		if _, pending := parents[f.h]; pending {
			continue // on the stack already (reached twice before finishing)
		}
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		c, err := r.r.CommitObject(f.h)
		var ps []plumbing.Hash
		if err == nil {
			ps = c.ParentHashes
		} else if len(gen) == 0 && len(parents) == 0 {
			return nil, fmt.Errorf("read commit %s: %w", f.h, err)
		}
		// A commit we cannot read (a shallow boundary's parent) is a root.
		parents[f.h] = ps
		stack = append(stack, frame{h: f.h, expanded: true})
		for _, p := range ps {
			if _, done := gen[p]; !done {
				stack = append(stack, frame{h: p})
			}
		}
	}
	return gen, nil
}
