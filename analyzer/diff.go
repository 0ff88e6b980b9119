package analyzer

import (
	"context"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/dynupd/dynupd-analyze/analyzer/filekind"
	"github.com/dynupd/dynupd-analyze/analyzer/history"
	"github.com/dynupd/dynupd-analyze/analyzer/typed"
	"github.com/go-git/go-git/v5/plumbing"
)

// DiffOptions say what Diff compares and how.
type DiffOptions struct {
	// Base is a revision; Head a revision, or "" for the work tree (the
	// state `git add -A` would commit).
	Base, Head string
	// Typed loads the Go packages of both sides with type information
	// (go/packages) for callers and API compatibility; when loading fails
	// the result is the syntactic one and says so.
	Typed bool
}

// typedLimits bound the export of a tree for typed loading.
var typedLimits = exportLimits{files: 200_000, bytes: 2 << 30, perFile: 16 << 20}

// Diff analyses the net change from Base to Head as one change: the
// findings, verdict and tier a live patch taking the program from Base to
// Head would get. Diff must not run concurrently with other calls on the
// same Analyzer.
func (a *Analyzer) Diff(ctx context.Context, o DiffOptions) (*Result, error) {
	repo, err := history.Open(a.path, history.OpenOptions{})
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	base, err := repo.Resolve(o.Base)
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	if _, err := repo.Commit(base); err != nil {
		return nil, fmt.Errorf("base %s: %w", o.Base, err)
	}
	c := &history.Commit{Parents: []plumbing.Hash{base}, Date: time.Now().UTC()}
	if o.Head == "" {
		ov, tree, err := history.SnapshotWorktree(ctx, a.path)
		if err != nil {
			return nil, err
		}
		a.treeMu.Lock()
		a.overlay = ov
		a.treeMu.Unlock()
		c.Tree = tree
		c.Message = o.Base + "..(work tree)"
	} else {
		head, err := repo.Resolve(o.Head)
		if err != nil {
			return nil, fmt.Errorf("head: %w", err)
		}
		hc, err := repo.Commit(head)
		if err != nil {
			return nil, fmt.Errorf("head %s: %w", o.Head, err)
		}
		c.Hash, c.Tree, c.Date = head, hc.TreeHash, hc.Author.When
		c.Author = fmt.Sprintf("%s <%s>", hc.Author.Name, hc.Author.Email)
		c.Message = o.Base + ".." + o.Head
	}
	// A diff touches many packages of two trees: the compiler oracle
	// builds whole modules at once.
	a.oracle.mu.Lock()
	a.oracle.wholeModule = true
	a.oracle.mu.Unlock()
	w, err := a.newWorker()
	if err != nil {
		return nil, err
	}
	defer w.close()
	bc, err := w.repo.Commit(base)
	if err != nil {
		return nil, fmt.Errorf("base %s: %w", o.Base, err)
	}
	analysis, note := "", ""
	if goTouched, err := a.touchesGo(w, bc.TreeHash, c.Tree); err != nil {
		return nil, err
	} else if goTouched {
		analysis = "syntactic"
		if o.Typed {
			analysis, note = a.loadTyped(ctx, w, bc.TreeHash, c.Tree)
		} else {
			note = "typed mode not asked for"
		}
	}
	res, err := w.analyze(ctx, c)
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, fmt.Errorf("%s: no file matches the path filter", c.Message)
	}
	if c.Hash.IsZero() {
		res.Commit = ""
	}
	res.Analysis, res.AnalysisNote = analysis, note
	return res, nil
}

// touchesGo reports whether a diff changes Go code or a go.mod.
func (a *Analyzer) touchesGo(w *worker, oldTree, newTree plumbing.Hash) (bool, error) {
	changes, err := w.repo.DiffTrees(oldTree, newTree, func(p string) bool {
		return strings.HasSuffix(p, ".go") || path.Base(p) == "go.mod"
	})
	if err != nil {
		return false, err
	}
	for _, fc := range changes {
		switch filekind.Of(fc.Path(), a.cfg) {
		case filekind.Go, filekind.GoMod:
			return true, nil
		}
	}
	return false, nil
}

// loadTyped type-checks both trees and attaches the programs to their Go
// indexes. It returns "typed" when both sides loaded (packages that did
// not type-check keep the syntactic answer, and the note counts them),
// else "syntactic" and why.
func (a *Analyzer) loadTyped(ctx context.Context, w *worker, trees ...plumbing.Hash) (string, string) {
	var notes []string
	progs := make([]*typed.Program, len(trees))
	for i, t := range trees {
		side := [...]string{"base", "head"}[min(i, 1)]
		p, err := a.loadTree(ctx, w, t)
		if err != nil {
			a.log.Info("typed loading failed; syntactic analysis", "side", side, "err", err)
			return "syntactic", fmt.Sprintf("typed loading of the %s failed (%v): syntactic analysis", side, err)
		}
		progs[i] = p
		for _, e := range p.Errors {
			notes = append(notes, side+": "+e)
		}
		if bad := p.Failed(); len(bad) > 0 {
			notes = append(notes, fmt.Sprintf("%s: %d package(s) did not type-check and keep the syntactic answer (%s)", side, len(bad), strings.Join(firstN(bad, 3), ", ")))
		}
	}
	a.treeMu.Lock()
	if a.typedProgs == nil {
		a.typedProgs = map[plumbing.Hash]*typed.Program{}
	}
	for i, t := range trees {
		a.typedProgs[t] = progs[i]
	}
	a.treeMu.Unlock()
	for i, t := range trees {
		a.goTree(t).setTyped(progs[i])
	}
	return "typed", strings.Join(notes, "; ")
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], "…")
	}
	return s
}

// loadTree exports a tree to a temporary directory and type-checks its
// modules there.
func (a *Analyzer) loadTree(ctx context.Context, w *worker, tree plumbing.Hash) (*typed.Program, error) {
	g := a.goTree(tree)
	if err := g.load(w); err != nil {
		return nil, err
	}
	var mods []string
	for _, m := range g.modules {
		mods = append(mods, m.dir)
	}
	if len(mods) == 0 {
		return nil, fmt.Errorf("no go.mod in the tree (GOPATH-era code is not loaded)")
	}
	sort.Strings(mods)
	tmp, err := os.MkdirTemp("", "dynupd-typed-")
	if err != nil {
		return nil, fmt.Errorf("typed loading: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := w.exportTree(tree, "", tmp, typedLimits); err != nil {
		return nil, err
	}
	return typed.Load(ctx, tmp, mods, typedEnv(a.oracle.cacheDir(), a.opts.GoProxy))
}

// FileAt returns a file of a tree a result names (OldTree or NewTree),
// work tree snapshots included.
func (a *Analyzer) FileAt(tree plumbing.Hash, p string) ([]byte, error) {
	if tree.IsZero() {
		return nil, fmt.Errorf("%s: not in the empty tree", p)
	}
	w, err := a.newWorker()
	if err != nil {
		return nil, err
	}
	defer w.close()
	files, err := w.listTree(tree)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if f.Path == p {
			return w.blob(f.Hash)
		}
	}
	return nil, fmt.Errorf("%s: no such file in tree %s", p, tree.String()[:12])
}

// Export writes the files of a tree a result names (OldTree or NewTree)
// into dir, for compile checks: regular files only (no submodules or
// symlinks), those keep selects (all when it is nil), every path confined
// to dir, within the same limits as typed loading.
func (a *Analyzer) Export(ctx context.Context, tree plumbing.Hash, dir string, keep func(path string) bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w, err := a.newWorker()
	if err != nil {
		return err
	}
	defer w.close()
	lim := typedLimits
	lim.keep = keep
	return w.exportTree(tree, "", dir, lim)
}
