package corpus

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"math/rand"
	"path"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/config"
	"github.com/dynupd/dynupd-analyze/internal/badsrc"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/memory"
)

// mutationsPerCase bounds the work of TestFailClosed: each mutation is one
// commit to analyse (and one to restore the old tree).
const mutationsPerCase = 8

// TestFailClosed mutates the new side of every corpus case at random,
// byte by byte (a seeded math/rand, so the mutations are the same on every
// run), and analyses each mutated change. The tool must never say
// live-patchable or no-op about a file it could not parse:
//
//   - wherever it reports a file as unparsed (C-PARSE, GO-PARSE), that
//     file's verdict and the commit's are neither live-patchable nor no-op;
//   - when the mutation broke a compiled C or Go file (badsrc, an oracle
//     that shares no code with the frontends, says so of the mutated file
//     and not of the original), the commit and the file get neither
//     verdict either.
func TestFailClosed(t *testing.T) {
	if testing.Short() {
		t.Skip("the fail-closed property test analyses thousands of commits")
	}
	cases, err := Load(".")
	if err != nil {
		t.Fatal(err)
	}
	// Every case's history goes into one repository, written as one
	// packfile: loose objects would cost more than the analysis.
	w := &objWriter{st: memory.NewStorage(), when: sig.When}
	type run struct {
		c    *Case
		ms   []mutation
		tip  plumbing.Hash
		want map[plumbing.Hash]int // mutated commit → index in ms
	}
	var runs []*run
	for _, c := range cases {
		targets := mutationTargets(c)
		if len(targets) == 0 {
			continue
		}
		h := fnv.New64a()
		h.Write([]byte(c.Name))
		rng := rand.New(rand.NewSource(int64(h.Sum64())))
		r := &run{c: c}
		for i := 0; i < mutationsPerCase; i++ {
			p := targets[rng.Intn(len(targets))]
			m := mutation{path: p, src: mutate(rng, c.New[p]), what: fmt.Sprintf("seed %d", i)}
			if !bytes.Equal(m.src, c.New[p]) {
				r.ms = append(r.ms, m)
			}
		}
		if r.tip, r.want, err = w.history(c, r.ms); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	dir := t.TempDir()
	if err := w.pack(dir); err != nil {
		t.Fatal(err)
	}
	var mutated, broken int
	for _, r := range runs {
		t.Run(r.c.Name, func(t *testing.T) {
			results, err := analyse(context.Background(), dir, r.c, r.tip, r.want)
			if err != nil {
				t.Fatal(err)
			}
			for i, m := range r.ms {
				mutated++
				why := brokenBy(m.path, r.c.New[m.path], m.src)
				if why != "" {
					broken++
				}
				if bad := failOpen(results[i], m.path, why); bad != "" {
					t.Errorf("mutation %d of %s (%s): %s\nmutated file:\n%s\ngot %s", i, m.path, m.what, bad, clipSrc(m.src), Describe(results[i]))
				}
			}
		})
	}
	t.Logf("%d mutations of %d cases analysed, %d of them broke a compiled file by the oracle", mutated, len(runs), broken)
}

type mutation struct {
	path string
	src  []byte
	what string
}

// mutationTargets lists the case's new C and Go files.
func mutationTargets(c *Case) []string {
	var out []string
	for p := range c.New {
		switch path.Ext(p) {
		case ".c", ".h", ".go":
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// significant are bytes that matter to C and Go syntax; a mutation draws
// from them half of the time.
const significant = "{}()[];,\"'/*#\\\n=<>`.:"

// mutate returns a copy of src with one to three random byte-level edits:
// a byte replaced, inserted or deleted, or a short run deleted.
func mutate(rng *rand.Rand, src []byte) []byte {
	out := append([]byte(nil), src...)
	for n := 1 + rng.Intn(3); n > 0; n-- {
		pick := func() byte {
			if rng.Intn(2) == 0 {
				return significant[rng.Intn(len(significant))]
			}
			return byte(rng.Intn(256))
		}
		pos := 0
		if len(out) > 0 {
			pos = rng.Intn(len(out))
		}
		switch op := rng.Intn(4); {
		case op == 0 && len(out) > 0:
			out[pos] = pick()
		case op == 1:
			out = append(out[:pos], append([]byte{pick()}, out[pos:]...)...)
		case op == 2 && len(out) > 0:
			out = append(out[:pos], out[pos+1:]...)
		case len(out) > 0:
			end := min(len(out), pos+1+rng.Intn(16))
			out = append(out[:pos], out[end:]...)
		}
	}
	return out
}

// brokenBy returns why the mutated file cannot compile when the original
// could (by the badsrc oracle), or "".
func brokenBy(p string, orig, mutated []byte) string {
	check := badsrc.C
	if path.Ext(p) == ".go" {
		check = badsrc.Go
	}
	if check(orig) != "" {
		return ""
	}
	return check(mutated)
}

// failOpen returns what is wrong with a result when the tool said
// live-patchable or no-op about a file it could not parse (why is the
// oracle's reason the mutated file p is broken, "" when it is not).
func failOpen(r *analyzer.Result, p, why string) string {
	safe := func(v classifiers.Verdict) bool { return v != classifiers.LivePatchable && v != classifiers.NoOp }
	files := map[string]analyzer.FileResult{}
	for _, f := range r.Files {
		files[f.Path] = f
	}
	for _, f := range r.Findings {
		if f.Rule != "C-PARSE" && f.Rule != "GO-PARSE" {
			continue
		}
		for _, l := range []*classifiers.Loc{f.Old, f.New} {
			if l == nil {
				continue
			}
			if fr, ok := files[l.File]; ok && !safe(fr.Verdict) {
				return fmt.Sprintf("%s reports %s as unparsed, but the file's verdict is %s", f.Rule, l.File, fr.Verdict)
			}
		}
		if !safe(r.Verdict) {
			return fmt.Sprintf("%s fired, but the commit's verdict is %s", f.Rule, r.Verdict)
		}
	}
	if why == "" {
		return ""
	}
	fr, ok := files[p]
	if !ok || (fr.Kind != "c" && fr.Kind != "go") {
		return "" // not compiled into the program: no-op is right
	}
	if !safe(r.Verdict) {
		return fmt.Sprintf("the mutated file cannot compile (%s), but the commit's verdict is %s", why, r.Verdict)
	}
	if !safe(fr.Verdict) {
		return fmt.Sprintf("the mutated file cannot compile (%s), but its verdict is %s", why, fr.Verdict)
	}
	return ""
}

func clipSrc(b []byte) string {
	const max = 1200
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

// history writes the case's history: the old tree (or the empty one),
// then, for each mutation, the new tree with it and the old tree again,
// so that each mutated commit is diffed against the old tree. It returns
// the last commit and the mutated commits.
func (w *objWriter) history(c *Case, ms []mutation) (plumbing.Hash, map[plumbing.Hash]int, error) {
	oldTree, err := w.tree(c.Old)
	if err != nil {
		return plumbing.ZeroHash, nil, err
	}
	parent, err := w.commit(oldTree, plumbing.ZeroHash)
	if err != nil {
		return plumbing.ZeroHash, nil, err
	}
	want := map[plumbing.Hash]int{}
	for i, m := range ms {
		files := map[string][]byte{}
		for p, b := range c.New {
			files[p] = b
		}
		files[m.path] = m.src
		t, err := w.tree(files)
		if err != nil {
			return plumbing.ZeroHash, nil, err
		}
		h, err := w.commit(t, parent)
		if err != nil {
			return plumbing.ZeroHash, nil, err
		}
		want[h] = i
		if parent, err = w.commit(oldTree, h); err != nil {
			return plumbing.ZeroHash, nil, err
		}
	}
	return parent, want, nil
}

// analyse runs the analyzer over the history that ends at tip with the
// case's config and returns the results of the wanted commits, in order.
func analyse(ctx context.Context, dir string, c *Case, tip plumbing.Hash, want map[plumbing.Hash]int) ([]*analyzer.Result, error) {
	cfg, err := config.Parse(c.Config)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	a, err := analyzer.New(dir, analyzer.Options{Range: tip.String(), Jobs: 1, Config: cfg, NoCompiler: true})
	if err != nil {
		return nil, err
	}
	out := make([]*analyzer.Result, len(want))
	_, err = a.Run(ctx, func(res *analyzer.Result) error {
		if i, ok := want[plumbing.NewHash(res.Commit)]; ok {
			out[i] = res
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, res := range out {
		if res == nil {
			return nil, fmt.Errorf("mutation %d: no result", i)
		}
	}
	return out, nil
}

// objWriter builds git objects in memory, each once, and packs them into
// a repository.
type objWriter struct {
	st     *memory.Storage
	when   time.Time
	hashes []plumbing.Hash
}

// store keeps an object unless it is there already.
func (w *objWriter) store(o plumbing.EncodedObject) (plumbing.Hash, error) {
	if w.st.HasEncodedObject(o.Hash()) == nil {
		return o.Hash(), nil
	}
	w.hashes = append(w.hashes, o.Hash())
	return w.st.SetEncodedObject(o)
}

// pack writes every object as one packfile of a new bare repository in dir.
func (w *objWriter) pack(dir string) error {
	r, err := git.PlainInit(dir, true)
	if err != nil {
		return err
	}
	pw, err := r.Storer.(storer.PackfileWriter).PackfileWriter()
	if err != nil {
		return err
	}
	if _, err := packfile.NewEncoder(pw, w.st, false).Encode(w.hashes, 10); err != nil {
		pw.Close()
		return err
	}
	return pw.Close()
}

func (w *objWriter) blob(b []byte) (plumbing.Hash, error) {
	o := w.st.NewEncodedObject()
	o.SetType(plumbing.BlobObject)
	wr, err := o.Writer()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, err := wr.Write(b); err != nil {
		return plumbing.ZeroHash, err
	}
	if err := wr.Close(); err != nil {
		return plumbing.ZeroHash, err
	}
	return w.store(o)
}

// tree writes the tree of files (paths with '/') and returns its hash.
func (w *objWriter) tree(files map[string][]byte) (plumbing.Hash, error) {
	sub := map[string]map[string][]byte{}
	var entries []object.TreeEntry
	for p, b := range files {
		if dir, rest, ok := strings.Cut(p, "/"); ok {
			if sub[dir] == nil {
				sub[dir] = map[string][]byte{}
			}
			sub[dir][rest] = b
			continue
		}
		h, err := w.blob(b)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		entries = append(entries, object.TreeEntry{Name: p, Mode: filemode.Regular, Hash: h})
	}
	for dir, fs := range sub {
		h, err := w.tree(fs)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		entries = append(entries, object.TreeEntry{Name: dir, Mode: filemode.Dir, Hash: h})
	}
	// git orders a directory as if its name ended with '/'.
	key := func(e object.TreeEntry) string {
		if e.Mode == filemode.Dir {
			return e.Name + "/"
		}
		return e.Name
	}
	sort.Slice(entries, func(i, j int) bool { return key(entries[i]) < key(entries[j]) })
	o := w.st.NewEncodedObject()
	if err := (&object.Tree{Entries: entries}).Encode(o); err != nil {
		return plumbing.ZeroHash, err
	}
	return w.store(o)
}

func (w *objWriter) commit(tree, parent plumbing.Hash) (plumbing.Hash, error) {
	s := *sig
	s.When = w.when
	w.when = w.when.Add(time.Minute)
	c := &object.Commit{Author: s, Committer: s, Message: "mutation", TreeHash: tree}
	if !parent.IsZero() {
		c.ParentHashes = []plumbing.Hash{parent}
	}
	o := w.st.NewEncodedObject()
	if err := c.Encode(o); err != nil {
		return plumbing.ZeroHash, err
	}
	return w.store(o)
}
