// Package typed loads the Go packages of an exported tree with full type
// information (golang.org/x/tools/go/packages) and answers two questions
// the syntactic frontend can only approximate: which functions use an
// object (callers resolved through types, methods through their receiver
// type, not their name), and whether a package's exported API changed
// compatibly (golang.org/x/exp/apidiff).
//
// Loading runs `go list` and the compiler on the tree's packages and their
// dependencies; it never runs their code. The environment is the caller's
// choice (the analyzer passes GOTOOLCHAIN=local, GOFLAGS=-mod=mod and an
// offline GOPROXY).
package typed

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dynupd/dynupd-analyze/analyzer/gofront"
	"golang.org/x/exp/apidiff"
	"golang.org/x/tools/go/packages"
)

// Ref is a top-level entity that uses an object, named as the syntactic
// frontend names entities ("F", "T.M", "init", a variable's name).
type Ref struct {
	Path string // file, relative to the tree's root
	Dir  string // package directory, relative to the tree's root
	Pkg  string // import path
	Kind gofront.Kind
	Name string
	Line int
	// Escapes: the user (an init function or variable initializer) does
	// not only call the object on the spot (see gofront.Entity.Escapes).
	Escapes bool
}

// Package is one loaded package.
type Package struct {
	Dir   string
	Path  string
	Types *types.Package
	// Err is the first load or type error ("" when it type-checked).
	Err    string
	module int // index of the load (module) that produced it
}

// Program is the type-checked packages of one tree.
type Program struct {
	pkgs   map[string]*Package // by directory
	byPath map[string]*Package
	uses   map[string][]Ref // object key → users
	iface  []ifaceUse
	// Errors lists modules that could not be loaded at all.
	Errors []string
}

type ifaceUse struct {
	method string
	iface  *types.Interface
	module int
	ref    Ref
}

// Mode is what the loader asks of go/packages.
const Mode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles | packages.NeedImports |
	packages.NeedTypes | packages.NeedTypesInfo | packages.NeedSyntax | packages.NeedModule

// Load type-checks the non-test packages of every module of the tree
// exported at root (moduleDirs: the directories, relative to root, that
// hold a go.mod; "" or "." for the root). env is the go command's whole
// environment. A module that fails to load is recorded in Errors; a
// package with errors is kept with Err set.
func Load(ctx context.Context, root string, moduleDirs []string, env []string) (*Program, error) {
	p := &Program{pkgs: map[string]*Package{}, byPath: map[string]*Package{}, uses: map[string][]Ref{}}
	for i, md := range moduleDirs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		cfg := &packages.Config{Context: ctx, Mode: Mode, Dir: filepath.Join(root, filepath.FromSlash(md)), Env: env, Tests: false}
		pkgs, err := packages.Load(cfg, "./...")
		if err != nil {
			p.Errors = append(p.Errors, fmt.Sprintf("module %s: %v", modName(md), err))
			continue
		}
		for _, lp := range pkgs {
			p.add(root, lp, i)
		}
	}
	if len(p.pkgs) == 0 && len(p.Errors) > 0 {
		return p, fmt.Errorf("typed loading: %s", p.Errors[0])
	}
	return p, nil
}

func modName(md string) string {
	if md == "" || md == "." {
		return "(root)"
	}
	return md
}

func (p *Program) add(root string, lp *packages.Package, module int) {
	files := lp.CompiledGoFiles
	if len(files) == 0 {
		files = lp.GoFiles
	}
	if len(files) == 0 || lp.Types == nil {
		return
	}
	rel, ok := relTo(root, filepath.Dir(files[0]))
	if !ok {
		return // a file outside the tree (cgo output): not ours
	}
	pk := &Package{Dir: rel, Path: lp.PkgPath, Types: lp.Types, module: module}
	if len(lp.Errors) > 0 {
		pk.Err = lp.Errors[0].Msg
	}
	p.pkgs[rel] = pk
	p.byPath[lp.PkgPath] = pk
	if lp.TypesInfo == nil {
		return
	}
	for _, f := range lp.Syntax {
		name, ok := relTo(root, lp.Fset.File(f.Pos()).Name())
		if !ok {
			continue
		}
		p.index(lp, pk, f, name, module)
	}
}

// relTo returns p relative to root with slashes, or false when p is
// outside root.
func relTo(root, p string) (string, bool) {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return "", false
	}
	r = filepath.ToSlash(r)
	if r == ".." || strings.HasPrefix(r, "../") {
		return "", false
	}
	return r, true
}

// index records, for every top-level declaration of a file, the objects
// it uses.
func (p *Program) index(lp *packages.Package, pk *Package, f *ast.File, file string, module int) {
	info := lp.TypesInfo
	line := func(pos token.Pos) int { return lp.Fset.Position(pos).Line }
	record := func(ref Ref, n ast.Node) {
		var calledNow map[*ast.Ident]bool
		if ref.Kind == gofront.KInit || ref.Kind == gofront.KVar {
			calledNow = callsNow(n)
		}
		seen := map[string]bool{}
		ast.Inspect(n, func(x ast.Node) bool {
			id, ok := x.(*ast.Ident)
			if !ok {
				return true
			}
			obj := info.Uses[id]
			if obj == nil {
				return true
			}
			if fn, ok := obj.(*types.Func); ok {
				if sig, ok := fn.Type().(*types.Signature); ok && sig.Recv() != nil {
					if it, ok := sig.Recv().Type().Underlying().(*types.Interface); ok {
						p.iface = append(p.iface, ifaceUse{method: fn.Name(), iface: it, module: module, ref: ref})
						return true
					}
				}
			}
			k := objectKey(obj)
			if k == "" {
				return true
			}
			esc := calledNow != nil && !calledNow[id]
			if seen[k] {
				if esc {
					l := p.uses[k]
					l[len(l)-1].Escapes = true
				}
				return true
			}
			seen[k] = true
			r := ref
			r.Escapes = esc
			p.uses[k] = append(p.uses[k], r)
			return true
		})
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			ref := Ref{Path: file, Dir: pk.Dir, Pkg: pk.Path, Kind: gofront.KFunc, Name: d.Name.Name, Line: line(d.Pos())}
			switch {
			case d.Recv != nil && len(d.Recv.List) > 0:
				ref.Kind = gofront.KMethod
				ref.Name = gofront.ReceiverBase(d.Recv.List[0].Type) + "." + d.Name.Name
			case d.Name.Name == "init" && d.Type.Params.NumFields() == 0 && d.Type.Results.NumFields() == 0:
				ref.Kind = gofront.KInit
			}
			record(ref, d)
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.ValueSpec:
					kind := gofront.KVar
					if d.Tok == token.CONST {
						kind = gofront.KConst
					}
					for _, n := range s.Names {
						ref := Ref{Path: file, Dir: pk.Dir, Pkg: pk.Path, Kind: kind, Name: n.Name, Line: line(s.Pos())}
						for _, v := range s.Values {
							record(ref, v)
						}
						if s.Type != nil {
							record(ref, s.Type)
						}
					}
				case *ast.TypeSpec:
					record(Ref{Path: file, Dir: pk.Dir, Pkg: pk.Path, Kind: gofront.KType, Name: s.Name.Name, Line: line(s.Pos())}, s.Type)
				}
			}
		}
	}
}

// objectKey names a package-level object or a method of a named type:
// "import/path.Name" or "import/path.T.M"; "" for anything else.
func objectKey(obj types.Object) string {
	if obj.Pkg() == nil {
		return ""
	}
	if fn, ok := obj.(*types.Func); ok {
		fn = fn.Origin()
		sig, _ := fn.Type().(*types.Signature)
		if sig != nil && sig.Recv() != nil {
			t := sig.Recv().Type()
			if ptr, ok := t.(*types.Pointer); ok {
				t = ptr.Elem()
			}
			named, ok := t.(*types.Named)
			if !ok {
				return ""
			}
			return fn.Pkg().Path() + "." + named.Origin().Obj().Name() + "." + fn.Name()
		}
		return fn.Pkg().Path() + "." + fn.Name()
	}
	if obj.Parent() != obj.Pkg().Scope() {
		return "" // a local, a field, a label
	}
	return obj.Pkg().Path() + "." + obj.Name()
}

// Package returns the package loaded from a directory of the tree.
func (p *Program) Package(dir string) (*Package, bool) {
	if p == nil {
		return nil, false
	}
	pk, ok := p.pkgs[dir]
	return pk, ok
}

// Dirs lists the directories of the packages that type-checked.
func (p *Program) Dirs() []string {
	var out []string
	for d, pk := range p.pkgs {
		if pk.Err == "" {
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out
}

// Failed lists the directories of the packages that did not type-check.
func (p *Program) Failed() []string {
	var out []string
	for d, pk := range p.pkgs {
		if pk.Err != "" {
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out
}

// Users returns the top-level entities of the tree that use an object of
// the package at dir: name is "F", "v", "T" or, for a method, "T.M". A
// method's users include calls through an interface that the type (or a
// pointer to it) implements, since the compiler may devirtualize them.
func (p *Program) Users(dir, name string, method bool) []Ref {
	pk, ok := p.Package(dir)
	if !ok {
		return nil
	}
	out := append([]Ref(nil), p.uses[pk.Path+"."+name]...)
	if method {
		i := strings.LastIndexByte(name, '.')
		tname, mname := name[:i], name[i+1:]
		var t types.Type
		if tn, ok := pk.Types.Scope().Lookup(tname).(*types.TypeName); ok {
			t = tn.Type()
		}
		for _, u := range p.iface {
			if u.method != mname {
				continue
			}
			if t != nil && u.module == pk.module && !implements(t, u.iface) {
				continue
			}
			out = append(out, u.ref) // another module's interface: by name
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Name < out[j].Name
	})
	uniq := out[:0]
	for i, r := range out {
		if i == 0 || r.Path != out[i-1].Path || r.Name != out[i-1].Name {
			uniq = append(uniq, r)
		}
	}
	return uniq
}

func implements(t types.Type, it *types.Interface) bool {
	if named, ok := t.(*types.Named); ok && named.TypeParams().Len() > 0 {
		return true // a generic type: any instantiation may
	}
	return types.Implements(t, it) || types.Implements(types.NewPointer(t), it)
}

// APIChange is one incompatible change of a package's exported API, as
// apidiff reports it.
type APIChange struct {
	// Object is the package-level name the change is about ("F", "T");
	// Member the method or field after it ("M"), if any.
	Object, Member string
	// Kind of the old object: "func", "type", "const", "var" (or of the
	// new one when the old is gone).
	Kind string
	// Method is set when Member is a method of Object.
	Method bool
	// Removed is set when apidiff says the object or member was removed.
	Removed bool
	Message string
}

// APIChanges compares the exported API of the package at dir on two
// sides. ok is false when either side did not type-check there (the
// caller keeps its syntactic answer).
func APIChanges(old, new *Program, dir string) (changes []APIChange, ok bool) {
	op, ok1 := old.Package(dir)
	np, ok2 := new.Package(dir)
	if !ok1 || !ok2 || op.Err != "" || np.Err != "" {
		return nil, false
	}
	defer func() {
		if r := recover(); r != nil {
			changes, ok = nil, false // apidiff met something it does not model
		}
	}()
	rep := apidiff.Changes(op.Types, np.Types)
	for _, c := range rep.Changes {
		if c.Compatible {
			continue
		}
		changes = append(changes, describe(op.Types, np.Types, c.Message))
	}
	return changes, true
}

// describe splits an apidiff message ("(*T).M: removed", "F: changed
// from func() to func(int)", "T.F: changed from int to string") into the
// object and member it is about.
func describe(op, np *types.Package, msg string) APIChange {
	c := APIChange{Message: msg}
	subject, rest, _ := strings.Cut(msg, ": ")
	c.Removed = strings.TrimSpace(rest) == "removed"
	subject = strings.TrimPrefix(subject, "(*")
	subject = strings.Replace(subject, ")", "", 1)
	if strings.HasPrefix(subject, "./") {
		subject = path.Base(subject) // another package of the module: keep the name
		if _, after, ok := strings.Cut(subject, "."); ok {
			subject = after
		}
	}
	c.Object, c.Member, _ = strings.Cut(subject, ".")
	if i := strings.IndexAny(c.Member, ".,"); i >= 0 {
		c.Member = c.Member[:i]
	}
	obj := op.Scope().Lookup(c.Object)
	if obj == nil {
		obj = np.Scope().Lookup(c.Object)
	}
	switch o := obj.(type) {
	case *types.Func:
		c.Kind = "func"
	case *types.Const:
		c.Kind = "const"
	case *types.Var:
		c.Kind = "var"
	case *types.TypeName:
		c.Kind = "type"
		if c.Member != "" {
			ms := types.NewMethodSet(types.NewPointer(o.Type()))
			c.Method = ms.Lookup(o.Pkg(), c.Member) != nil
			if !c.Method {
				if t := np.Scope().Lookup(c.Object); t != nil {
					ms := types.NewMethodSet(types.NewPointer(t.Type()))
					c.Method = ms.Lookup(t.Pkg(), c.Member) != nil
				}
			}
		}
	}
	return c
}

// callsNow returns the identifiers of n that name a function called on
// the spot: the callee of a call (a name, or a selector's name) that is not
// inside a func literal (unless invoked at once) or a go statement.
func callsNow(n ast.Node) map[*ast.Ident]bool {
	out := map[*ast.Ident]bool{}
	var now func(m ast.Node) bool
	now = func(m ast.Node) bool {
		switch v := m.(type) {
		case *ast.CallExpr:
			switch f := v.Fun.(type) {
			case *ast.Ident:
				out[f] = true
			case *ast.SelectorExpr:
				out[f.Sel] = true
				ast.Inspect(f.X, now)
			case *ast.FuncLit:
				ast.Inspect(f.Body, now)
			case *ast.IndexExpr: // a generic instantiation F[T](…)
				if id, ok := f.X.(*ast.Ident); ok {
					out[id] = true
				}
			default:
				ast.Inspect(f, now)
			}
			for _, a := range v.Args {
				ast.Inspect(a, now)
			}
			return false
		case *ast.GoStmt, *ast.FuncLit:
			return false
		}
		return true
	}
	ast.Inspect(n, now)
	return out
}
