package history

import (
	"container/heap"
	"context"
	"errors"
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
	var out []*Commit
	keep := func(c *object.Commit) {
		if !o.Since.IsZero() && c.Committer.When.Before(o.Since) {
			return
		}
		if !o.Until.IsZero() && c.Committer.When.After(o.Until) {
			return
		}
		out = append(out, fromObject(c))
	}
	if len(stops) > 0 {
		in, err := r.limit(ctx, tips, stops, o.FirstParent)
		if err != nil {
			return nil, err
		}
		for _, c := range in {
			keep(c)
		}
	} else if err := r.reach(ctx, tips, o.FirstParent, nil, keep); err != nil {
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
			if len(seen) > 1 && errors.Is(err, plumbing.ErrObjectNotFound) {
				// A shallow clone's boundary: its parents are not here.
				continue
			}
			return fmt.Errorf("read commit %s: %w", h, err) // a corrupt object
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
		} else if len(gen) == 0 && len(parents) == 0 || !errors.Is(err, plumbing.ErrObjectNotFound) {
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

// slop is how many more uninteresting commits the range walk reads after
// it believes it is done, against clock skew (git uses the same number).
const slop = 5

// limit returns the commits reachable from tips and not from stops
// without walking the whole history behind the stops: the commits are read
// newest first (by committer date) from both sides at once, reachability
// from a stop is painted down as "uninteresting", and the walk ends when
// only uninteresting commits are left and none of them is newer than the
// oldest commit kept — git's own limit_list. A range like
// merge-base..HEAD therefore costs the commits between the two, not the
// history below them.
func (r *Repo) limit(ctx context.Context, tips, stops []plumbing.Hash, firstParent bool) ([]*object.Commit, error) {
	const (
		seen          = 1
		uninteresting = 2
	)
	flags := map[plumbing.Hash]uint8{}
	parsed := map[plumbing.Hash]*object.Commit{}
	q := &dateQueue{}
	push := func(h plumbing.Hash, must bool) error {
		if flags[h]&seen != 0 {
			return nil
		}
		flags[h] |= seen
		c, err := r.r.CommitObject(h)
		if err != nil {
			if must || !errors.Is(err, plumbing.ErrObjectNotFound) {
				return fmt.Errorf("read commit %s: %w", h, err)
			}
			return nil // a shallow clone's boundary: the parent is not here
		}
		parsed[h] = c
		heap.Push(q, c)
		return nil
	}
	for _, h := range stops {
		flags[h] |= uninteresting
		if err := push(h, true); err != nil {
			return nil, err
		}
	}
	for _, h := range tips {
		if err := push(h, true); err != nil {
			return nil, err
		}
	}
	// markParents paints everything below an uninteresting commit that has
	// been read already; what has not been read carries the flag and
	// passes it on when it is.
	markParents := func(c *object.Commit) {
		stack := append([]plumbing.Hash(nil), c.ParentHashes...)
		for len(stack) > 0 {
			h := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if flags[h]&uninteresting != 0 {
				continue
			}
			flags[h] |= uninteresting
			if p := parsed[h]; p != nil {
				stack = append(stack, p.ParentHashes...)
			}
		}
	}
	var kept []*object.Commit
	var oldest time.Time
	left := slop
	n := 0
	for q.Len() > 0 {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		c := heap.Pop(q).(*object.Commit)
		unint := flags[c.Hash]&uninteresting != 0
		parents := c.ParentHashes
		if unint {
			markParents(c)
		} else if firstParent && len(parents) > 1 {
			parents = parents[:1]
		}
		for _, p := range parents {
			if err := push(p, false); err != nil {
				return nil, err
			}
		}
		if !unint {
			kept = append(kept, c)
			oldest = c.Committer.When
			continue
		}
		if left = q.stillInteresting(flags, uninteresting, oldest, left, len(kept) > 0); left <= 0 {
			break
		}
	}
	out := kept[:0]
	for _, c := range kept {
		if flags[c.Hash]&uninteresting == 0 {
			out = append(out, c)
		}
	}
	return out, nil
}

// dateQueue is a max-heap of commits by committer date (ties by hash, so
// the walk is the same on every run).
type dateQueue []*object.Commit

func (q dateQueue) Len() int { return len(q) }
func (q dateQueue) Less(i, j int) bool {
	if !q[i].Committer.When.Equal(q[j].Committer.When) {
		return q[i].Committer.When.After(q[j].Committer.When)
	}
	return q[i].Hash.String() < q[j].Hash.String()
}
func (q dateQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *dateQueue) Push(x any)   { *q = append(*q, x.(*object.Commit)) }
func (q *dateQueue) Pop() any {
	old := *q
	c := old[len(old)-1]
	*q = old[:len(old)-1]
	return c
}

// stillInteresting says how many more steps the walk must take: all of
// slop while an interesting commit is queued or a queued commit is not
// older than the oldest kept one, one fewer otherwise.
func (q dateQueue) stillInteresting(flags map[plumbing.Hash]uint8, uninteresting uint8, oldest time.Time, left int, anyKept bool) int {
	if len(q) == 0 {
		return 0
	}
	if anyKept && !oldest.After(q[0].Committer.When) {
		return slop
	}
	for _, c := range q {
		if flags[c.Hash]&uninteresting == 0 {
			return slop
		}
	}
	return left - 1
}
