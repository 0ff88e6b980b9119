package analyzer

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/dynupd/dynupd-analyze/analyzer/history"
	"github.com/dynupd/dynupd-analyze/config"
	"github.com/go-git/go-git/v5/plumbing"
)

// Tag is a tag and the commit it names.
type Tag struct {
	Name   string
	Commit plumbing.Hash
	When   time.Time // the commit's committer date
}

// Tags lists the repository's tags whose names match one of the globs
// (every tag when there is none), in release order: an ancestor before its
// descendants (by generation number), then by the author and committer
// dates of the commits they name, then by version-aware name order.
func (a *Analyzer) Tags(globs []string) ([]Tag, error) {
	r, err := history.Open(a.path, history.OpenOptions{})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	all, err := r.Tags()
	if err != nil {
		return nil, err
	}
	var out []Tag
	var tips []plumbing.Hash
	authored := map[plumbing.Hash]time.Time{}
	for name, h := range all {
		if len(globs) > 0 && !config.Match(globs, name) {
			continue
		}
		c, err := r.Commit(h)
		if err != nil {
			return nil, fmt.Errorf("tag %s: %w", name, err)
		}
		out = append(out, Tag{Name: name, Commit: h, When: c.Committer.When})
		tips = append(tips, h)
		authored[h] = c.Author.When
	}
	gen, err := r.Generations(context.Background(), tips)
	if err != nil {
		return nil, fmt.Errorf("order tags: %w", err)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if ga, gb := gen[a.Commit], gen[b.Commit]; ga != gb {
			return ga < gb
		}
		if ta, tb := authored[a.Commit], authored[b.Commit]; !ta.Equal(tb) {
			return ta.Before(tb)
		}
		if !a.When.Equal(b.When) {
			return a.When.Before(b.When)
		}
		return versionLess(a.Name, b.Name)
	})
	return out, nil
}

// versionLess orders names with numbers compared as numbers ("v1.10" after
// "v1.9") and pre-releases before their release ("2.0rc1", "2.0-beta" and
// "2.0pre1" before "2.0"; "2.0.1" after it).
func versionLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		if da > 0 && db > 0 {
			na, _ := strconv.ParseUint(trimZeros(a[:da]), 10, 64)
			nb, _ := strconv.ParseUint(trimZeros(b[:db]), 10, 64)
			if na != nb {
				return na < nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			if pa, pb := preRelease(a), preRelease(b); pa != pb {
				return pa
			}
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	switch {
	case a == "" && b == "":
		return false
	case a == "":
		return !preRelease(b)
	default:
		return preRelease(a)
	}
}

// preRelease reports whether what follows a version marks a pre-release:
// a letter, or '-', '~' or '_' followed by a letter.
func preRelease(rest string) bool {
	if rest[0] == '~' {
		return true
	}
	if (rest[0] == '-' || rest[0] == '_') && len(rest) > 1 {
		rest = rest[1:]
	}
	c := rest[0] | 0x20
	return c >= 'a' && c <= 'z'
}

func digits(s string) int {
	n := 0
	for n < len(s) && n < 18 && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}

// ReleaseGroups names, for every commit reachable from HEAD or from one of
// the tags, the release that first contains it: "PREV..TAG" for the
// consecutive pair it lands in, "..TAG" before the first tag, and
// "TAG..HEAD" after the last one (unreleased).
func (a *Analyzer) ReleaseGroups(ctx context.Context, tags []Tag) (map[string]string, []string, error) {
	r, err := history.Open(a.path, history.OpenOptions{})
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	var tips []plumbing.Hash
	var names []string
	prev := ""
	for _, t := range tags {
		tips = append(tips, t.Commit)
		names = append(names, prev+".."+t.Name)
		prev = t.Name
	}
	if head, err := r.Head(); err == nil {
		tips = append(tips, head)
		if prev == "" {
			names = append(names, "HEAD")
		} else {
			names = append(names, prev+"..HEAD")
		}
	}
	part, err := r.Partition(ctx, tips)
	if err != nil {
		return nil, nil, fmt.Errorf("group commits by release: %w", err)
	}
	out := make(map[string]string, len(part))
	for h, i := range part {
		out[h.String()] = names[i]
	}
	return out, names, nil
}

// Resolve names the commit a revision resolves to.
func (a *Analyzer) Resolve(rev string) (string, error) {
	r, err := history.Open(a.path, history.OpenOptions{})
	if err != nil {
		return "", err
	}
	defer r.Close()
	h, err := r.Resolve(rev)
	if err != nil {
		return "", err
	}
	return h.String(), nil
}

// MergeBase returns the best common ancestor of two revisions (the
// merge-base git would choose for a pull request: of several, the one
// with the most recent committer date).
func (a *Analyzer) MergeBase(base, head string) (string, error) {
	r, err := history.Open(a.path, history.OpenOptions{})
	if err != nil {
		return "", err
	}
	defer r.Close()
	h, err := r.MergeBase(base, head)
	if err != nil {
		return "", err
	}
	return h.String(), nil
}

// CommitsIn lists the commits of a range other than the configured one,
// oldest first, leaving out merges unless the options keep them; it
// returns the number of merges left out.
func (a *Analyzer) CommitsIn(ctx context.Context, rng string) ([]*history.Commit, int, error) {
	out, merges, err := a.list(ctx, rng, history.WalkOptions{FirstParent: a.opts.FirstParent})
	slices.Reverse(out)
	return out, merges, err
}

// ConfigAt reads the configuration file (.dynupd.yaml) as it is at a
// revision; a revision without one gets the defaults.
func ConfigAt(repoPath, rev string) (*config.Config, error) {
	r, err := history.Open(repoPath, history.OpenOptions{})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	h, err := r.Resolve(rev)
	if err != nil {
		return nil, err
	}
	b, err := configBlob(r, h)
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", config.FileName, rev, err)
	}
	if b == nil {
		return &config.Config{}, nil
	}
	cfg, err := config.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", config.FileName, rev, err)
	}
	return cfg, nil
}
