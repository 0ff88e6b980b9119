package analyzer

import (
	"context"
	"fmt"
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
// (every tag when there is none), in release order: by the date of the
// commit they name, then by version-aware name order.
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
	for name, h := range all {
		if len(globs) > 0 && !config.Match(globs, name) {
			continue
		}
		c, err := r.Commit(h)
		if err != nil {
			return nil, fmt.Errorf("tag %s: %w", name, err)
		}
		out = append(out, Tag{Name: name, Commit: h, When: c.Committer.When})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].When.Equal(out[j].When) {
			return out[i].When.Before(out[j].When)
		}
		return versionLess(out[i].Name, out[j].Name)
	})
	return out, nil
}

// versionLess orders names with numbers compared as numbers ("v1.10" after
// "v1.9").
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
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
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
