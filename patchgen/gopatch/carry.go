package gopatch

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/patchgen"
)

// decl is a package-level const, var or type declaration the change adds
// and the module carries, because a carried function (or another carried
// declaration) uses one of its names.
type decl struct {
	kind    string // "const", "var" or "type"
	names   []string
	dir     string
	pkgName string
	file    *srcFile
	gd      *ast.GenDecl
	// spec is the one spec carried out of gd; nil when gd is carried
	// whole (a const block whose specs depend on each other: iota or
	// implicit repetition).
	spec   ast.Spec
	newLoc classifiers.Loc
	// out is the generated file holding it and outStart, outEnd the
	// lines it takes there, its comment included.
	out              string
	outStart, outEnd int
}

// node is the syntax the declaration is copied from.
func (d *decl) node() ast.Node {
	if d.spec != nil {
		return d.spec
	}
	return d.gd
}

// label names the declaration as the analyzer's findings do (by its first
// name).
func (d *decl) label() string { return d.kind + " " + d.names[0] }

// declaring returns the identifiers a node declares at package level (the
// names of its specs), which are no references.
func declaring(n ast.Node) map[*ast.Ident]bool {
	ids := map[*ast.Ident]bool{}
	var specs []ast.Spec
	switch x := n.(type) {
	case *ast.GenDecl:
		specs = x.Specs
	case ast.Spec:
		specs = []ast.Spec{x}
	case *ast.FuncDecl:
		ids[x.Name] = true
	}
	for _, s := range specs {
		switch s := s.(type) {
		case *ast.ValueSpec:
			for _, id := range s.Names {
				ids[id] = true
			}
		case *ast.TypeSpec:
			ids[s.Name] = true
		}
	}
	return ids
}

// refs returns the names a node may use from its package scope: every
// identifier that the parser left unresolved or resolved to a declaration
// of the file's scope, except selectors' right-hand sides, imported
// packages' names and the names the node itself declares. It errs on the
// side of too many (a composite literal's field keys are included):
// a name that no added declaration bears is simply not carried.
func refs(f *srcFile, n ast.Node) []string {
	self := declaring(n)
	seen := map[string]bool{}
	var out []string
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok && id.Obj == nil {
				if _, imported := f.imports[id.Name]; imported {
					return false
				}
			}
			ast.Inspect(x.X, visit)
			return false
		case *ast.Ident:
			if self[x] || x.Name == "_" || seen[x.Name] {
				return true
			}
			if x.Obj == nil || f.ast.Scope.Lookup(x.Name) == x.Obj {
				seen[x.Name] = true
				out = append(out, x.Name)
			}
		}
		return true
	}
	ast.Inspect(n, visit)
	return out
}

// units splits a file's package-level const, var and type declarations
// into what can be carried on its own: one spec, or a whole const block
// whose specs depend on each other.
func units(f *srcFile, dir string) []*decl {
	var out []*decl
	for _, d := range f.ast.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || (gd.Tok != token.CONST && gd.Tok != token.VAR && gd.Tok != token.TYPE) {
			continue
		}
		mk := func(spec ast.Spec, from, to token.Pos) *decl {
			u := &decl{kind: gd.Tok.String(), dir: dir, pkgName: f.ast.Name.Name, file: f, gd: gd, spec: spec,
				newLoc: classifiers.Loc{File: f.path, Line: f.line(from), EndLine: f.line(to)}}
			for id := range declaring(u.node()) {
				if id.Name != "_" {
					u.names = append(u.names, id.Name)
				}
			}
			sort.Strings(u.names)
			return u
		}
		if gd.Tok == token.CONST && coherent(gd) {
			if u := mk(nil, gd.Pos(), gd.End()); len(u.names) > 0 {
				out = append(out, u)
			}
			continue
		}
		for _, s := range gd.Specs {
			if u := mk(s, s.Pos(), s.End()); len(u.names) > 0 {
				out = append(out, u)
			}
		}
	}
	return out
}

// coherent reports whether a const block's specs depend on their place in
// it: one uses iota, or repeats the previous spec's expression by having
// none. Such a block is carried whole or not at all.
func coherent(gd *ast.GenDecl) bool {
	for _, s := range gd.Specs {
		vs, ok := s.(*ast.ValueSpec)
		if !ok {
			continue
		}
		if len(vs.Values) == 0 {
			return true
		}
		uses := false
		for _, v := range vs.Values {
			ast.Inspect(v, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok && id.Name == "iota" && id.Obj == nil {
					uses = true
				}
				return !uses
			})
		}
		if uses {
			return true
		}
	}
	return false
}

// pkgKey is one package of the module: its directory and name.
type pkgKey struct{ dir, pkg string }

// carry finds the package-level declarations the change adds that the
// module's functions use, transitively, and records them in b.carried. A
// declaration is added when none of its names is declared in the old
// package (its files in an export of the old tree); a const block with
// iota that exists in the old package and gained members is a changed
// declaration, not an added one, and is not carried: the check then
// fails on it, as it must. It returns an error only when the context
// ends; when the old tree cannot be exported nothing is carried (the
// check says why it was not attempted).
func (b *builder) carry(ctx context.Context, items []*item) error {
	byPkg := map[pkgKey][]*item{}
	var keys []pkgKey
	for _, it := range items {
		k := pkgKey{it.dir, it.pkgName}
		if byPkg[k] == nil {
			keys = append(keys, k)
		}
		byPkg[k] = append(byPkg[k], it)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].dir != keys[j].dir {
			return keys[i].dir < keys[j].dir
		}
		return keys[i].pkg < keys[j].pkg
	})
	for _, k := range keys {
		if err := b.carryPkg(ctx, k, byPkg[k]); err != nil {
			return err
		}
	}
	sort.SliceStable(b.carried, func(i, j int) bool {
		a, c := b.carried[i], b.carried[j]
		if a.dir != c.dir {
			return a.dir < c.dir
		}
		if a.file.path != c.file.path {
			return a.file.path < c.file.path
		}
		return a.node().Pos() < c.node().Pos()
	})
	return nil
}

// carryPkg carries the added declarations of one package.
func (b *builder) carryPkg(ctx context.Context, k pkgKey, items []*item) error {
	byName := map[string][]*decl{}
	for _, p := range b.changedFiles(k.dir, items) {
		sf, err := b.file(b.in.Result.NewTree, "new", p)
		if err != nil || sf.ast.Name.Name != k.pkg {
			continue
		}
		for _, u := range units(sf, k.dir) {
			for _, n := range u.names {
				byName[n] = append(byName[n], u)
			}
		}
	}
	var queue []string
	for _, it := range items {
		queue = append(queue, refs(it.file, it.decl)...)
	}
	wanted := false
	for _, n := range queue {
		if len(byName[n]) > 0 {
			wanted = true
			break
		}
	}
	if !wanted {
		return nil
	}
	old, err := b.oldNames(ctx, k)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return nil
	}
	done := map[string]bool{}
	taken := map[*decl]bool{}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if done[n] {
			continue
		}
		done[n] = true
		for _, u := range byName[n] {
			if taken[u] || declaredIn(old, u.names) {
				continue
			}
			taken[u] = true
			b.carried = append(b.carried, u)
			queue = append(queue, refs(u.file, u.node())...)
		}
	}
	return nil
}

// declaredIn reports whether any of the names is in the set.
func declaredIn(set map[string]bool, names []string) bool {
	for _, n := range names {
		if set[n] {
			return true
		}
	}
	return false
}

// changedFiles lists the Go files of a package directory in the new tree
// that can hold declarations the change adds: the changed files of the
// result (a file the change does not touch adds nothing) and the files of
// the module's functions, tests excluded, in order.
func (b *builder) changedFiles(dir string, items []*item) []string {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if seen[p] || path.Dir(p) != dir || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || patchgen.SafeRel(p) != nil {
			return
		}
		seen[p] = true
		out = append(out, p)
	}
	for _, f := range b.in.Result.Files {
		if f.Status != "deleted" {
			add(f.Path)
		}
	}
	for _, s := range b.in.Result.Skipped {
		add(s.Path)
	}
	for _, it := range items {
		add(it.fn.File)
	}
	sort.Strings(out)
	return out
}

// errTempDir marks the failures of exportOld that are the machine's, not
// the old tree's: the temporary directory cannot be made.
var errTempDir = errors.New("gopatch: temporary directory for the old tree")

// exportOld exports the old tree once into a temporary directory, shared
// by the declarations' comparison and the compile check, and returns its
// root. close removes it.
func (b *builder) exportOld(ctx context.Context) (string, error) {
	if b.oldDone {
		return b.oldRoot, b.oldErr
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	b.oldDone = true
	if b.in.Result.OldTree.IsZero() {
		b.oldErr = errors.New("the change has no old tree")
		return "", b.oldErr
	}
	tmp, err := os.MkdirTemp("", "dynupd-gopatch-")
	if err != nil {
		b.oldErr = fmt.Errorf("%w: %w", errTempDir, err)
		return "", b.oldErr
	}
	b.tmp = tmp
	root, err := filepath.EvalSymlinks(tmp)
	if err != nil {
		b.oldErr = fmt.Errorf("%w: %w", errTempDir, err)
		return "", b.oldErr
	}
	if err := b.in.Source.Export(ctx, b.in.Result.OldTree, root, nil); err != nil {
		b.oldErr = err
		return "", err
	}
	b.oldRoot = root
	return root, nil
}

// close removes the export of the old tree.
func (b *builder) close() {
	if b.tmp != "" {
		os.RemoveAll(b.tmp)
		b.tmp = ""
	}
}

// oldNames returns the package-level names the old package declares
// (functions, consts, vars and types of its non-test files; methods
// excluded), empty when the old tree has no such package.
func (b *builder) oldNames(ctx context.Context, k pkgKey) (map[string]bool, error) {
	root, err := b.exportOld(ctx)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	entries, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(k.dir)))
	if err != nil {
		return names, nil
	}
	for _, e := range entries {
		n := e.Name()
		if !e.Type().IsRegular() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(k.dir), n))
		if err != nil {
			continue
		}
		// A file that parses only in part still declares what it
		// declares: the error is not a reason to ignore its names.
		af, _ := parser.ParseFile(token.NewFileSet(), n, src, parser.SkipObjectResolution)
		if af == nil || af.Name == nil || af.Name.Name != k.pkg {
			continue
		}
		for _, d := range af.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					names[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for id := range declaring(d) {
					names[id.Name] = true
				}
			}
		}
	}
	return names, nil
}

// hasGoFiles reports whether a directory of the export holds a Go file
// that is not a test: whether the old tree has a package there.
func hasGoFiles(root, dir string) bool {
	entries, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(dir)))
	if err != nil {
		return false
	}
	for _, e := range entries {
		n := e.Name()
		if e.Type().IsRegular() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			return true
		}
	}
	return false
}

// cgoFile names a non-test Go file of the old package in dir that imports
// "C", or "" when there is none.
func cgoFile(root, dir string) string {
	entries, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(dir)))
	if err != nil {
		return ""
	}
	for _, e := range entries {
		n := e.Name()
		if !e.Type().IsRegular() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, filepath.FromSlash(dir), n), nil, parser.ImportsOnly)
		if err != nil {
			continue
		}
		for _, imp := range f.Imports {
			if imp.Path != nil && imp.Path.Value == `"C"` {
				return n
			}
		}
	}
	return ""
}

// goDirs lists the package directories of an exported tree (relative,
// "." for its root) and every import path their non-test files name,
// skipping what the go tool ignores (testdata, names starting with "_"
// or ".") and vendored code.
func goDirs(root string) ([]string, map[string]bool) {
	var dirs []string
	seen := map[string]bool{}
	imports := map[string]bool{}
	fset := token.NewFileSet()
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(p))
		if err != nil {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if !seen[rel] {
			seen[rel] = true
			dirs = append(dirs, rel)
		}
		if f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly); err == nil {
			for _, imp := range f.Imports {
				if v, err := strconv.Unquote(imp.Path.Value); err == nil {
					imports[v] = true
				}
			}
		}
		return nil
	})
	return dirs, imports
}

// modulePathOr is the module path a GOPATH-era tree was given, for people.
func modulePathOr(p string) string {
	if p == "" {
		return "example.invalid/gopath (no import of the tree's own packages to infer its path from)"
	}
	return p + " (inferred from the imports of its own packages)"
}
