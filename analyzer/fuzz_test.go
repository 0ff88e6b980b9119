package analyzer

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dynupd/dynupd-analyze/analyzer/history"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/config"
	"github.com/dynupd/dynupd-analyze/internal/badsrc"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// fuzzPaths are the files a fuzzed change is made to: a C source, a C
// header and a Go file (of a module whose go.mod both trees hold).
var fuzzPaths = []string{"src/a.c", "include/a.h", "a.go"}

const fuzzGoMod = "module example.com/m\n\ngo 1.22\n"

// Variants of a fuzzed change, from the mode byte.
const (
	variantAsGiven = iota // old → new
	variantFormat         // old → old with a trailing newline or a leading comment (a line in Go)
	variantSplice         // old → old with new's tail spliced in at an offset new's head names
	variants
)

// FuzzAnalyzeChange drives the diff/classify step on two versions of one
// file: it writes them as two commits of a real repository and analyses
// the second with the worker the analyzer uses for every commit. It
// checks that the analysis never fails or panics; that the verdict is the
// most severe finding's, the tier the verdict's, every finding's rule a
// registered one, and no file's verdict more severe than the commit's; that
// a change of formatting only (a trailing newline, a leading comment) of a
// file that parses is no-op; that a change which leaves a compiled file
// unable to compile (by the badsrc oracle, when the old side could) is
// neither live-patchable nor no-op, for the commit and for the file; and
// that analysing the same change twice gives the same JSON.
func FuzzAnalyzeChange(f *testing.F) {
	add := func(old, new string, path, variant int) {
		f.Add([]byte(old), []byte(new), uint8(path+len(fuzzPaths)*variant))
	}
	cOld := "#include <stdio.h>\n\nstatic int n;\n\nint f(int a)\n{\n\treturn a + n;\n}\n"
	add(cOld, "#include <stdio.h>\n\nstatic int n;\n\nint f(int a)\n{\n\treturn a - n;\n}\n", 0, variantAsGiven)
	add(cOld, "", 0, variantFormat)
	add(cOld, "\x00\x40/* ", 0, variantSplice)
	add("struct s { int a; };\nenum e { A, B };\n#define M(x) ((x) + 1)\n", "struct s { int a; long b; };\nenum e { B, A };\n#define M (x) ((x) + 1)\n", 1, variantAsGiven)
	add("int g(void) { return 0; }\n", "\x00\x10}", 1, variantSplice)
	goOld := "package m\n\n// F adds one.\nfunc F(x int) int { return x + 1 }\n\ntype T struct{ a int }\n"
	add(goOld, "package m\n\n// F adds two.\nfunc F(x int) int { return x + 2 }\n\ntype T struct{ a, b int }\n", 2, variantAsGiven)
	add(goOld, "", 2, variantFormat)
	add(goOld, "\x00\x20{", 2, variantSplice)
	add("package m\n\nfunc init() {}\n", "package m\n\nfunc init() { go func() { for {} }() }\n", 2, variantAsGiven)

	dir := f.TempDir()
	r, err := git.PlainInit(dir, true)
	if err != nil {
		f.Fatal(err)
	}
	a, err := New(dir, Options{Jobs: 1, Config: &config.Config{}, NoCompiler: true})
	if err != nil {
		f.Fatal(err)
	}
	w, err := a.newWorker()
	if err != nil {
		f.Fatal(err)
	}
	defer w.close()
	reg := classifiers.NewRegistry()
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, old, new []byte, mode uint8) {
		if len(old) > 4<<10 || len(new) > 4<<10 {
			return
		}
		p := fuzzPaths[int(mode)%len(fuzzPaths)]
		variant := int(mode) / len(fuzzPaths) % variants
		new = variantOf(variant, p, old, new, mode&0x80 != 0)
		if bytes.Equal(old, new) {
			return
		}
		ow := &objWriter{st: r.Storer}
		defer ow.remove(dir)
		c, err := ow.change(p, old, new)
		if err != nil {
			t.Fatal(err)
		}
		res, err := w.analyze(ctx, c)
		if err != nil {
			t.Fatalf("analyze: %v", err)
		}
		checkResult(t, reg, res)
		fr := fileResult(res, p)
		if fr == nil {
			t.Fatalf("no file result for %s in %+v", p, res.Files)
		}
		safe := func(v classifiers.Verdict) bool { return v != classifiers.LivePatchable && v != classifiers.NoOp }
		if variant == variantFormat && len(res.Skipped) == 0 && parses(p, old) && res.Verdict != classifiers.NoOp {
			t.Fatalf("formatting only (%q → %q) is %s:\n%s", old, new, res.Verdict, describe(res))
		}
		if why := brokenBy(p, old, new); why != "" && (fr.Kind == "c" || fr.Kind == "go") {
			if !safe(res.Verdict) || !safe(fr.Verdict) {
				t.Fatalf("%s cannot compile (%s), but the commit is %s and the file %s:\n%q\n%s", p, why, res.Verdict, fr.Verdict, new, describe(res))
			}
		}
		again, err := w.analyze(ctx, c)
		if err != nil {
			t.Fatalf("analyze again: %v", err)
		}
		j1, _ := json.Marshal(res)
		j2, _ := json.Marshal(again)
		if !bytes.Equal(j1, j2) {
			t.Fatalf("two analyses of one change differ:\n%s\n%s", j1, j2)
		}
	})
}

// variantOf returns the new side of a change of the given variant.
func variantOf(variant int, p string, old, new []byte, comment bool) []byte {
	switch variant {
	case variantFormat:
		switch {
		case comment && p != "a.go":
			return append([]byte("/* fuzz */"), old...)
		case comment && !bytes.HasPrefix(old, []byte("\xef\xbb\xbf")): // a byte order mark must stay first
			return append([]byte("// fuzz\n"), old...)
		}
		return append(append([]byte(nil), old...), '\n')
	case variantSplice:
		if len(new) < 2 {
			return old
		}
		at := (int(new[0])<<8 | int(new[1])) % (len(old) + 1)
		return append(append(append([]byte(nil), old[:at]...), new[2:]...), old[at:]...)
	}
	return new
}

// parses reports whether a file's old side is one a formatting change
// cannot turn into a change: a Go file that parses, a C file that does not
// end in a backslash (which a newline would make a line continuation).
func parses(p string, b []byte) bool {
	if p == "a.go" {
		return badsrc.Go(b) == ""
	}
	t := bytes.TrimRight(b, "\r")
	return !bytes.HasSuffix(t, []byte("\\"))
}

// brokenBy returns why the new side cannot compile when the old side could
// (for Go: when the new side does not parse), or "".
func brokenBy(p string, old, new []byte) string {
	if p == "a.go" {
		return badsrc.Go(new)
	}
	if badsrc.C(old) != "" {
		return ""
	}
	return badsrc.C(new)
}

func checkResult(t *testing.T, reg *classifiers.Registry, res *Result) {
	t.Helper()
	if v := classifiers.VerdictOf(res.Findings); res.Verdict != v {
		t.Fatalf("verdict %s, but the findings say %s", res.Verdict, v)
	}
	if tier := classifiers.TierOf(res.Verdict); res.Tier != tier {
		t.Fatalf("tier %s for verdict %s, want %s", res.Tier, res.Verdict, tier)
	}
	for _, f := range res.Findings {
		if _, ok := reg.Lookup(f.Rule); !ok {
			t.Fatalf("finding of unknown rule %q", f.Rule)
		}
		if f.Entity == "" {
			t.Fatalf("finding of %s names no entity", f.Rule)
		}
	}
	for _, fr := range res.Files {
		if classifiers.Max(fr.Verdict, res.Verdict) != res.Verdict {
			t.Fatalf("file %s is %s, more severe than the commit's %s", fr.Path, fr.Verdict, res.Verdict)
		}
	}
}

func fileResult(res *Result, p string) *FileResult {
	for i := range res.Files {
		if res.Files[i].Path == p {
			return &res.Files[i]
		}
	}
	return nil
}

func describe(res *Result) string {
	var b bytes.Buffer
	for _, f := range res.Findings {
		b.WriteString("  " + f.Verdict.String() + " " + f.Rule + " " + f.Entity + ": " + f.Message + "\n")
	}
	for _, s := range res.Skipped {
		b.WriteString("  skipped " + s.Path + ": " + s.Reason + "\n")
	}
	return b.String()
}

// objWriter writes the objects of a change into a repository's store,
// and removes the ones it created once the change is analysed, so that a
// long fuzzing run does not fill the disk with loose objects.
type objWriter struct {
	st      storer.EncodedObjectStorer
	created []plumbing.Hash
}

func (w *objWriter) store(o plumbing.EncodedObject) (plumbing.Hash, error) {
	if w.st.HasEncodedObject(o.Hash()) == nil {
		return o.Hash(), nil
	}
	w.created = append(w.created, o.Hash())
	return w.st.SetEncodedObject(o)
}

// remove deletes the loose objects the writer created in gitDir.
func (w *objWriter) remove(gitDir string) {
	for _, h := range w.created {
		s := h.String()
		_ = os.Remove(filepath.Join(gitDir, "objects", s[:2], s[2:]))
	}
}

// change writes the old and new trees (the file at p, and a go.mod) and
// the old side's commit, and returns the new commit as the analysis sees
// it (its object is not needed).
func (w *objWriter) change(p string, old, new []byte) (*history.Commit, error) {
	mod, err := w.blob([]byte(fuzzGoMod))
	if err != nil {
		return nil, err
	}
	oldTree, err := w.tree(p, old, mod)
	if err != nil {
		return nil, err
	}
	newTree, err := w.tree(p, new, mod)
	if err != nil {
		return nil, err
	}
	when := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	sig := object.Signature{Name: "Fuzz", Email: "fuzz@dynupd.invalid", When: when}
	o := w.st.NewEncodedObject()
	if err := (&object.Commit{Author: sig, Committer: sig, Message: "old", TreeHash: oldTree}).Encode(o); err != nil {
		return nil, err
	}
	parent, err := w.store(o)
	if err != nil {
		return nil, err
	}
	return &history.Commit{Hash: plumbing.ComputeHash(plumbing.CommitObject, []byte(p)), Parents: []plumbing.Hash{parent},
		Tree: newTree, Author: "Fuzz <fuzz@dynupd.invalid>", Date: when, Committed: when, Message: "new"}, nil
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

// tree writes a tree holding go.mod and the file at p (one directory deep
// at most).
func (w *objWriter) tree(p string, content []byte, mod plumbing.Hash) (plumbing.Hash, error) {
	h, err := w.blob(content)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	entries := []object.TreeEntry{{Name: "go.mod", Mode: filemode.Regular, Hash: mod}}
	if dir, name, nested := strings.Cut(p, "/"); nested {
		sub, err := w.entries([]object.TreeEntry{{Name: name, Mode: filemode.Regular, Hash: h}})
		if err != nil {
			return plumbing.ZeroHash, err
		}
		entries = append(entries, object.TreeEntry{Name: dir, Mode: filemode.Dir, Hash: sub})
	} else {
		entries = append(entries, object.TreeEntry{Name: p, Mode: filemode.Regular, Hash: h})
	}
	return w.entries(entries)
}

func (w *objWriter) entries(entries []object.TreeEntry) (plumbing.Hash, error) {
	key := func(e object.TreeEntry) string { // git sorts a directory as NAME/
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
