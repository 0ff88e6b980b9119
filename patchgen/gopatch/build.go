package gopatch

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/format"
	"go/parser"
	"go/token"
	"go/types"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/dynupd/dynupd-analyze/analyzer/gofront"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/patchgen"
	"github.com/go-git/go-git/v5/plumbing"
)

// builder turns the functions of a change, and the declarations the
// change adds that they use, into generated files.
type builder struct {
	in    patchgen.Input
	files map[string]parsed // by tree side and path
	// carried are the added declarations the module carries (carry).
	carried []*decl
	// The export of the old tree (exportOld): its root, or why there is
	// none, once done; tmp is the directory to remove.
	oldRoot, tmp string
	oldErr       error
	oldDone      bool
	// direct are the replacements the generated code calls by their new
	// names (directName): functions of an interface-internal closure
	// whose signature changed, and methods new to an existing type.
	direct map[string]string
	// paths caches importPath by directory.
	paths map[string]string
}

// importPathCached is importPath, remembered.
func (b *builder) importPathCached(dir string) string {
	if b.paths == nil {
		b.paths = map[string]string{}
	}
	p, ok := b.paths[dir]
	if !ok {
		p = b.importPath(dir)
		b.paths[dir] = p
	}
	return p
}

// directName keys a function of a package for builder.direct: its
// directory, receiver base type ("" for a function) and name.
func directName(dir, recv, name string) string { return dir + "\x00" + recv + "\x00" + name }

// parsed is a file read and parsed, or why it could not be.
type parsed struct {
	f   *srcFile
	err error
}

func newBuilder(in patchgen.Input) *builder {
	return &builder{in: in, files: map[string]parsed{}}
}

// srcFile is one parsed file of a tree.
type srcFile struct {
	path    string
	src     []byte
	fset    *token.FileSet
	ast     *ast.File
	imports map[string]importSpec // by local name ("C" for cgo)
	// dots are the file's dot imports; preamble the doc comment of its
	// import "C" (the cgo preamble).
	dots     []string
	preamble string
	// constraint is the file's build constraint (its //go:build line and
	// its name's GOOS/GOARCH), "" when it has none.
	constraint string
}

// importSpec is one import of a file.
type importSpec struct {
	path  string
	alias bool // the file names it explicitly
}

// item is one function of the module.
type item struct {
	fn       patchgen.Func
	dir      string // package directory, "." for the root
	file     *srcFile
	decl     *ast.FuncDecl
	pkgName  string
	recvText string // "*T", "T" or ""
	label    string // the entity as findings name it
	newLoc   classifiers.Loc
	oldLoc   *classifiers.Loc
	// out is the generated file (relative to the module directory) and
	// outStart, outEnd the lines the function takes there, its comment
	// included.
	out              string
	outStart, outEnd int
	// hasOld says the old tree has the function, oldSig its signature
	// there (signature); direct that the generated code calls the
	// replacement by its own name, since the original cannot stand for
	// it (its signature changed, or the method is new to its type).
	hasOld bool
	oldSig string
	direct bool
}

// genFile is one generated file.
type genFile struct {
	rel        string // relative to the module directory and to the repository's root
	dir        string
	src        []byte
	items      []*item
	decls      []*decl
	cgo        bool
	constraint string
}

// file reads and parses a file of one side of the change (cached).
func (b *builder) file(tree plumbing.Hash, side, p string) (*srcFile, error) {
	key := side + ":" + p
	if c, ok := b.files[key]; ok {
		return c.f, c.err
	}
	f, err := parseFile(b.in.Source, tree, side, p)
	b.files[key] = parsed{f, err}
	return f, err
}

func parseFile(src patchgen.Source, tree plumbing.Hash, side, p string) (*srcFile, error) {
	if tree.IsZero() {
		return nil, fmt.Errorf("%s: no %s tree", p, side)
	}
	data, err := src.FileAt(tree, p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	fset := token.NewFileSet()
	af, err := parser.ParseFile(fset, p, data, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", p, err)
	}
	f := &srcFile{path: p, src: data, fset: fset, ast: af, imports: map[string]importSpec{}}
	f.readImports()
	f.constraint = fileConstraint(af, path.Base(p))
	return f, nil
}

// readImports fills the import table, naming unaliased imports by their
// path (with the usual conventions) and, for the one import that does
// not follow them, by elimination against the names the file uses.
func (f *srcFile) readImports() {
	var unnamed []importSpec
	for _, d := range f.ast.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		for _, s := range gd.Specs {
			is := s.(*ast.ImportSpec)
			p, err := strconv.Unquote(is.Path.Value)
			if err != nil {
				continue
			}
			switch {
			case p == "C":
				f.imports["C"] = importSpec{path: "C"}
				if gd.Doc != nil {
					f.preamble = f.text(gd.Doc.Pos(), gd.Doc.End())
				}
			case is.Name == nil:
				unnamed = append(unnamed, importSpec{path: p})
			case is.Name.Name == ".":
				f.dots = append(f.dots, p)
			case is.Name.Name == "_":
			default:
				f.imports[is.Name.Name] = importSpec{path: p, alias: true}
			}
		}
	}
	used := map[string]bool{}
	ast.Inspect(f.ast, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if x, ok := sel.X.(*ast.Ident); ok && x.Obj == nil {
				used[x.Name] = true
			}
		}
		return true
	})
	var missed []importSpec
	for _, is := range unnamed {
		n := guessName(is.path)
		if _, taken := f.imports[n]; !taken && used[n] {
			f.imports[n] = is
			continue
		}
		missed = append(missed, is)
	}
	if len(missed) != 1 {
		return
	}
	var left []string
	for n := range used {
		if _, ok := f.imports[n]; !ok && f.ast.Scope.Lookup(n) == nil {
			left = append(left, n)
		}
	}
	if len(left) == 1 {
		f.imports[left[0]] = missed[0]
	}
}

// text returns the source between two positions of the file.
func (f *srcFile) text(from, to token.Pos) string {
	return string(f.src[f.offset(from):f.offset(to)])
}

func (f *srcFile) offset(p token.Pos) int { return f.fset.Position(p).Offset }

func (f *srcFile) line(p token.Pos) int { return f.fset.Position(p).Line }

// declText is the source text of a function declaration, from its func
// keyword to its closing brace: what its hash covers.
func (f *srcFile) declText(d *ast.FuncDecl) []byte {
	return f.src[f.offset(d.Pos()):f.offset(d.End())]
}

// guessName is the package name an import path conventionally declares:
// its last element without a major-version element or suffix (…/v2,
// yaml.v3) and without a go-/golang- prefix or -go suffix.
func guessName(p string) string {
	elems := strings.Split(p, "/")
	last := elems[len(elems)-1]
	if len(elems) > 1 && isMajor(last) {
		last = elems[len(elems)-2]
	}
	if i := strings.LastIndex(last, ".v"); i > 0 && isMajor(last[i+1:]) {
		last = last[:i]
	}
	last = strings.TrimPrefix(strings.TrimPrefix(last, "golang-"), "go-")
	last = strings.TrimSuffix(strings.TrimSuffix(last, "-go"), ".go")
	if i := strings.LastIndexAny(last, "-."); i >= 0 {
		last = last[i+1:]
	}
	return last
}

func isMajor(s string) bool {
	if len(s) < 2 || s[0] != 'v' {
		return false
	}
	_, err := strconv.Atoi(s[1:])
	return err == nil
}

// collect finds every function of the module in the new tree.
func (b *builder) collect(funcs []patchgen.Func) ([]*item, []patchgen.LeftOut, error) {
	var items []*item
	var left []patchgen.LeftOut
	seen := map[string]bool{}
	for _, fn := range funcs {
		entity := "func " + fn.Name
		if fn.Recv != "" {
			entity = "method " + fn.Recv + "." + fn.Name
		}
		leave := func(reason string) {
			left = append(left, patchgen.LeftOut{Entity: entity, Rule: fn.Rule, Reason: reason})
		}
		switch {
		case !strings.HasSuffix(fn.File, ".go"):
			leave("not in a Go file")
			continue
		case strings.HasSuffix(fn.File, "_test.go"):
			leave("in a test file, which the program does not contain")
			continue
		}
		dir, err := pkgDir(fn.File)
		if err != nil {
			return nil, nil, err
		}
		sf, err := b.file(b.in.Result.NewTree, "new", fn.File)
		if err != nil {
			leave("the new file cannot be read: " + err.Error())
			continue
		}
		d := findDecl(sf, fn.Name, fn.Recv, fn.Line)
		if d == nil {
			leave("no such function in " + fn.File + " of the new tree")
			continue
		}
		key := fn.File + ":" + strconv.Itoa(sf.offset(d.Pos()))
		if seen[key] {
			continue
		}
		seen[key] = true
		it := &item{fn: fn, dir: dir, file: sf, decl: d, pkgName: sf.ast.Name.Name, recvText: recvText(d)}
		it.label = label(d, it.recvText)
		it.newLoc = classifiers.Loc{File: fn.File, Line: sf.line(d.Pos()), EndLine: sf.line(d.End())}
		it.fn.Line, it.fn.EndLine = it.newLoc.Line, it.newLoc.EndLine
		it.fn.NewHash = patchgen.Hash(sf.declText(d))
		if fn.Added {
			it.fn.Replacement = fn.Name
			it.fn.OldHash = ""
		} else {
			it.fn.Replacement = ReplacementName(fn.Name)
			b.findOld(it)
		}
		items = append(items, it)
	}
	return items, left, nil
}

// markDirect decides which replacements the generated code calls by
// their own names: a replaced function whose signature changed (the
// callers of an interface-internal closure call the new one, which the
// old declaration does not fit) or that the old tree does not have (a
// method added to an existing type: it is not in the running type's
// method set). Calls to the others keep the original names, which the
// live patcher redirects.
func (b *builder) markDirect(items []*item) {
	b.direct = map[string]string{}
	for _, it := range items {
		if it.fn.Added {
			continue
		}
		if !it.hasOld || it.oldSig != signature(it.decl) {
			it.direct = true
			b.direct[directName(it.dir, recvBase(it.decl), it.fn.Name)] = it.fn.Replacement
		}
	}
}

// signature renders a function's receiver type, type parameters,
// parameter and result types, without the names.
func signature(d *ast.FuncDecl) string {
	var sb strings.Builder
	fields := func(fl *ast.FieldList) {
		sb.WriteByte('(')
		if fl != nil {
			for _, f := range fl.List {
				n := len(f.Names)
				if n == 0 {
					n = 1
				}
				for i := 0; i < n; i++ {
					sb.WriteString(types.ExprString(f.Type))
					sb.WriteByte(',')
				}
			}
		}
		sb.WriteByte(')')
	}
	fields(d.Recv)
	fields(d.Type.TypeParams)
	fields(d.Type.Params)
	fields(d.Type.Results)
	return sb.String()
}

// findOld locates a replaced function in the old tree and hashes it.
func (b *builder) findOld(it *item) {
	p := it.fn.OldFile
	if p == "" {
		p = it.fn.File
	}
	of, err := b.file(b.in.Result.OldTree, "old", p)
	if err != nil {
		return
	}
	d := findDecl(of, it.fn.Name, it.fn.Recv, it.fn.OldLine)
	if d == nil {
		return
	}
	it.fn.OldFile, it.fn.OldLine = p, of.line(d.Pos())
	it.fn.OldHash = patchgen.Hash(of.declText(d))
	it.hasOld, it.oldSig = true, signature(d)
	it.oldLoc = &classifiers.Loc{File: p, Line: it.fn.OldLine, EndLine: of.line(d.End())}
}

// findDecl finds a function by name and receiver base type; among several
// (init functions) the one whose lines hold line.
func findDecl(f *srcFile, name, recv string, line int) *ast.FuncDecl {
	want := baseType(recv)
	var cands []*ast.FuncDecl
	for _, d := range f.ast.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if ok && fd.Name.Name == name && recvBase(fd) == want {
			cands = append(cands, fd)
		}
	}
	if len(cands) == 1 {
		return cands[0]
	}
	for _, c := range cands {
		from := c.Pos()
		if c.Doc != nil {
			from = c.Doc.Pos()
		}
		if line > 0 && f.line(from) <= line && line <= f.line(c.End()) {
			return c
		}
	}
	return nil
}

// baseType strips pointers, parentheses and type arguments from a
// receiver as the analyzer names it.
func baseType(recv string) string {
	recv = strings.Trim(recv, "()* ")
	if i := strings.IndexByte(recv, '['); i >= 0 {
		recv = recv[:i]
	}
	return recv
}

// recvBase is the base type name of a method's receiver, "" for a
// function, "?" for a receiver that names no type.
func recvBase(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return ""
	}
	if b := gofront.ReceiverBase(d.Recv.List[0].Type); b != "" {
		return b
	}
	return "?"
}

// recvText is "*T" for a pointer receiver, "T" for a value receiver.
func recvText(d *ast.FuncDecl) string {
	base := recvBase(d)
	if base == "" {
		return ""
	}
	t := d.Recv.List[0].Type
	for {
		if p, ok := t.(*ast.ParenExpr); ok {
			t = p.X
			continue
		}
		break
	}
	if _, ok := t.(*ast.StarExpr); ok {
		return "*" + base
	}
	return base
}

// label names a function as the analyzer's findings do.
func label(d *ast.FuncDecl, recv string) string {
	if recv == "" {
		return "func " + d.Name.Name
	}
	return "method (" + recv + ")." + d.Name.Name
}

// groupKey orders generated files: by package directory, then
// constraint ("" first), then package name.
type groupKey struct{ dir, constraint, pkg string }

// assemble groups the items and the carried declarations by package and
// build constraint (a declaration keeps the constraint of the file that
// declares it) and writes each group's file.
func (b *builder) assemble(items []*item) ([]*genFile, error) {
	groups := map[groupKey][]*item{}
	decls := map[groupKey][]*decl{}
	seen := map[groupKey]bool{}
	var keys []groupKey
	key := func(k groupKey) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for _, it := range items {
		k := groupKey{it.dir, it.file.constraint, it.pkgName}
		key(k)
		groups[k] = append(groups[k], it)
	}
	for _, d := range b.carried {
		k := groupKey{d.dir, d.file.constraint, d.pkgName}
		key(k)
		decls[k] = append(decls[k], d)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, c := keys[i], keys[j]
		if a.dir != c.dir {
			return a.dir < c.dir
		}
		if a.constraint != c.constraint {
			return a.constraint < c.constraint
		}
		return a.pkg < c.pkg
	})
	var files []*genFile
	n := 0
	for i, k := range keys {
		if i > 0 && keys[i-1].dir == k.dir {
			n++
		} else {
			n = 0
		}
		name := FileName
		if n > 0 {
			name = fmt.Sprintf("zz_livepatch_%d.go", n+1)
		}
		rel := name
		if k.dir != "." {
			rel = k.dir + "/" + name
		}
		gf, err := b.render(rel, k, groups[k], decls[k])
		if err != nil {
			return nil, err
		}
		files = append(files, gf)
	}
	return files, nil
}

// imports0 is the import a selector's left-hand identifier names, if it
// names one (an identifier the parser resolved is a local, not a package).
func imports0(f *srcFile, id *ast.Ident, ok bool) (importSpec, bool) {
	if !ok || id.Obj != nil {
		return importSpec{}, false
	}
	is, found := f.imports[id.Name]
	return is, found
}

// directMethod is the replacement name of a method named name that the
// generated code of the package in dir calls directly: one of that
// package, or, when exported, of any package.
func (b *builder) directMethod(dir, name string) (string, bool) {
	for _, k := range sortedKeys(b.direct) {
		d, rest, _ := strings.Cut(k, "\x00")
		recv, n, _ := strings.Cut(rest, "\x00")
		if recv != "" && n == name && (d == dir || token.IsExported(name)) {
			return b.direct[k], true
		}
	}
	return "", false
}

// directQualified is the replacement name of the function pkg.name that
// the generated code calls directly, pkg being the import path of the
// package in another directory (or, for a tree without go.mod, ending in
// it).
func (b *builder) directQualified(pkg, name string) (string, bool) {
	if !token.IsExported(name) {
		return "", false
	}
	for _, k := range sortedKeys(b.direct) {
		d, rest, _ := strings.Cut(k, "\x00")
		recv, n, _ := strings.Cut(rest, "\x00")
		if recv != "" || n != name {
			continue
		}
		if ip := b.importPathCached(d); ip == pkg || ip == "" && d != "." && strings.HasSuffix(pkg, "/"+d) {
			return b.direct[k], true
		}
	}
	return "", false
}

// genImport is one import of a generated file.
type genImport struct {
	name, path string
	alias      bool
}

// render writes one generated file: the carried declarations first, in
// the order of their source, then the functions.
func (b *builder) render(rel string, k groupKey, items []*item, decls []*decl) (*genFile, error) {
	gf := &genFile{rel: rel, dir: k.dir, items: items, decls: decls, constraint: k.constraint}
	byName := map[string]string{}     // name in the generated file → path
	imports := map[string]genImport{} // by name
	renames := map[string]string{}    // source file + name → name in the generated file
	dots := map[string]bool{}
	var preamble string
	// copyNode returns the source of n (from..to of its file) with its
	// imports renamed as the generated file names them, plus the edits,
	// and records the imports, dot imports and cgo it needs. self are the
	// identifiers n declares.
	copyNode := func(f *srcFile, n ast.Node, self map[*ast.Ident]bool, from, to int, edits []edit) string {
		bare := false
		var visit func(n ast.Node) bool
		visit = func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.SelectorExpr:
				id, ok := x.X.(*ast.Ident)
				is, isImport := imports0(f, id, ok)
				if isImport {
					if r, ok := b.directQualified(is.path, x.Sel.Name); ok {
						edits = append(edits, edit{f.offset(x.Sel.Pos()), f.offset(x.Sel.End()), r})
					}
				} else {
					// x.M or T.M: a method the generated code calls
					// by its replacement's name (any receiver type
					// with a direct method of that name: the check
					// finds a wrong guess).
					if r, ok := b.directMethod(k.dir, x.Sel.Name); ok && !self[x.Sel] {
						edits = append(edits, edit{f.offset(x.Sel.Pos()), f.offset(x.Sel.End()), r})
					}
					ast.Inspect(x.X, visit)
					return false
				}
				if is.path == "C" {
					gf.cgo, preamble = true, f.preamble
					return false
				}
				rk := f.path + "\x00" + id.Name
				name, done := renames[rk]
				if !done {
					name = id.Name
					for i := 2; byName[name] != "" && byName[name] != is.path; i++ {
						name = id.Name + "_" + strconv.Itoa(i)
					}
					renames[rk] = name
					byName[name] = is.path
					imports[name] = genImport{name: name, path: is.path, alias: is.alias || name != id.Name}
				}
				if name != id.Name {
					edits = append(edits, edit{f.offset(id.Pos()), f.offset(id.End()), name})
				}
				return false
			case *ast.Ident:
				if self[x] {
					return true
				}
				if r, ok := b.direct[directName(k.dir, "", x.Name)]; ok && (x.Obj == nil || x.Obj.Kind == ast.Fun) {
					edits = append(edits, edit{f.offset(x.Pos()), f.offset(x.End()), r})
					return true
				}
				if x.Obj == nil && types.Universe.Lookup(x.Name) == nil && x.Name != "_" {
					bare = true
				}
			}
			return true
		}
		ast.Inspect(n, visit)
		if bare {
			for _, p := range f.dots {
				dots[p] = true
			}
		}
		return rewrite(f.src, from, to, edits)
	}
	var bodies []string
	for _, d := range decls {
		f := d.file
		what := strings.Join(d.names, ", ")
		var text string
		if d.spec == nil {
			text = fmt.Sprintf("// The %s block of %s is new in this change (%s:%d); the module carries it whole.\n", d.kind, what, d.newLoc.File, d.newLoc.Line) +
				copyNode(f, d.gd, declaring(d.gd), f.offset(d.gd.Pos()), f.offset(d.gd.End()), nil)
		} else {
			text = fmt.Sprintf("// %s is new in this change (%s:%d); the module carries it.\n", what, d.newLoc.File, d.newLoc.Line) +
				d.kind + " " + copyNode(f, d.spec, declaring(d.spec), f.offset(d.spec.Pos()), f.offset(d.spec.End()), nil)
		}
		bodies = append(bodies, text)
	}
	for _, it := range items {
		f := it.file
		var edits []edit
		if !it.fn.Added {
			edits = append(edits, edit{f.offset(it.decl.Name.Pos()), f.offset(it.decl.Name.End()), it.fn.Replacement})
		}
		var doc strings.Builder
		what := it.fn.Name
		if it.recvText != "" {
			what = "(" + it.recvText + ")." + it.fn.Name
		}
		if it.fn.Added {
			fmt.Fprintf(&doc, "// %s is new in this change (%s:%d); the module carries it.\n", it.fn.Name, it.fn.File, it.newLoc.Line)
		} else {
			fmt.Fprintf(&doc, "// %s replaces %s (new version from %s:%d).\n", it.fn.Replacement, what, it.fn.File, it.newLoc.Line)
		}
		if it.decl.Doc != nil {
			for _, c := range it.decl.Doc.List {
				if keepDirective(c.Text) {
					doc.WriteString(c.Text + "\n")
				}
			}
		}
		self := map[*ast.Ident]bool{it.decl.Name: true}
		bodies = append(bodies, doc.String()+copyNode(f, it.decl, self, f.offset(it.decl.Pos()), f.offset(it.decl.End()), edits))
	}
	var buf bytes.Buffer
	commit := b.in.Result.Commit
	if commit == "" {
		commit = "(work tree)"
	}
	fmt.Fprintf(&buf, "// Code generated by dynupd-analyze; DO NOT EDIT.\n\n")
	fmt.Fprintf(&buf, "// Live-patch candidate for commit %s.\n", commit)
	fmt.Fprintf(&buf, "// Each %sname (%sName) replaces name (Name) of the running program: the live patcher\n", Prefix, ExportedPrefix)
	fmt.Fprintf(&buf, "// redirects the original to it (see %s). Calls inside keep the\n// original names, except to a replacement marked direct there.\n", SymbolMap)
	if k.constraint != "" {
		fmt.Fprintf(&buf, "\n//go:build %s\n", k.constraint)
	}
	fmt.Fprintf(&buf, "\npackage %s\n", k.pkg)
	if gf.cgo {
		if preamble != "" {
			fmt.Fprintf(&buf, "\n%s", preamble)
		}
		buf.WriteString("\nimport \"C\"\n")
	}
	if len(imports)+len(dots) > 0 {
		buf.WriteString("\nimport (\n")
		for _, p := range sortedKeys(dots) {
			fmt.Fprintf(&buf, "\t. %s\n", strconv.Quote(p))
		}
		for _, n := range sortedKeys(imports) {
			im := imports[n]
			if im.alias {
				fmt.Fprintf(&buf, "\t%s %s\n", im.name, strconv.Quote(im.path))
			} else {
				fmt.Fprintf(&buf, "\t%s\n", strconv.Quote(im.path))
			}
		}
		buf.WriteString(")\n")
	}
	for _, body := range bodies {
		buf.WriteString("\n" + body + "\n")
	}
	src, err := format.Source(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("gopatch: format %s: %w", rel, err)
	}
	gf.src = src
	// Where each declaration and function landed, for the check's errors.
	fset := token.NewFileSet()
	af, err := parser.ParseFile(fset, rel, src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("gopatch: parse generated %s: %w", rel, err)
	}
	i, j := 0, 0
	for _, d := range af.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			if d.Tok == token.IMPORT || j >= len(decls) {
				continue
			}
			from := d.Pos()
			if d.Doc != nil {
				from = d.Doc.Pos()
			}
			decls[j].out, decls[j].outStart, decls[j].outEnd = rel, fset.Position(from).Line, fset.Position(d.End()).Line
			j++
		case *ast.FuncDecl:
			if i >= len(items) {
				continue
			}
			from := d.Pos()
			if d.Doc != nil {
				from = d.Doc.Pos()
			}
			items[i].out, items[i].outStart, items[i].outEnd = rel, fset.Position(from).Line, fset.Position(d.End()).Line
			i++
		}
	}
	return gf, nil
}

// keepDirective keeps the compiler directives of a function's doc comment
// that still mean the same on the copy (//go:noinline, //go:nosplit, …),
// not those naming other things (linkname, embed, generate, build).
func keepDirective(c string) bool {
	if !strings.HasPrefix(c, "//go:") {
		return false
	}
	for _, d := range []string{"//go:linkname", "//go:embed", "//go:generate", "//go:build"} {
		if strings.HasPrefix(c, d) {
			return false
		}
	}
	return true
}

// edit replaces src[from:to] with text.
type edit struct {
	from, to int
	text     string
}

// rewrite returns src[start:end] with the edits (inside that range)
// applied.
func rewrite(src []byte, start, end int, edits []edit) string {
	sort.Slice(edits, func(i, j int) bool { return edits[i].from < edits[j].from })
	var sb strings.Builder
	at := start
	for _, e := range edits {
		if e.from < at || e.to > end {
			continue
		}
		sb.Write(src[at:e.from])
		sb.WriteString(e.text)
		at = e.to
	}
	sb.Write(src[at:end])
	return sb.String()
}

// fileConstraint is the build constraint of a file: its //go:build line
// and the GOOS/GOARCH of its name, as one //go:build expression.
func fileConstraint(f *ast.File, name string) string {
	var x constraint.Expr
	and := func(y constraint.Expr) {
		if x == nil {
			x = y
		} else {
			x = &constraint.AndExpr{X: x, Y: y}
		}
	}
	for _, cg := range f.Comments {
		if cg.Pos() >= f.Package {
			break
		}
		for _, c := range cg.List {
			if constraint.IsGoBuild(c.Text) {
				if y, err := constraint.Parse(c.Text); err == nil {
					and(y)
				}
			}
		}
	}
	parts := strings.Split(strings.TrimSuffix(name, ".go"), "_")
	n := len(parts)
	switch {
	case n >= 3 && isOS(parts[n-2]) && isArch(parts[n-1]):
		and(&constraint.AndExpr{X: &constraint.TagExpr{Tag: parts[n-2]}, Y: &constraint.TagExpr{Tag: parts[n-1]}})
	case n >= 2 && (isOS(parts[n-1]) || isArch(parts[n-1])):
		and(&constraint.TagExpr{Tag: parts[n-1]})
	}
	if x == nil {
		return ""
	}
	return x.String()
}

// isOS and isArch report the GOOS and GOARCH values the go command
// recognises in file names (go/build's lists).
func isOS(s string) bool {
	return slices.Contains(strings.Fields("aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 solaris wasip1 windows zos"), s)
}

func isArch(s string) bool {
	return slices.Contains(strings.Fields("386 amd64 amd64p32 arm armbe arm64 arm64be loong64 mips mipsle mips64 mips64le mips64p32 mips64p32le ppc ppc64 ppc64le riscv riscv64 s390 s390x sparc sparc64 wasm"), s)
}
