// Package gofront is the Go frontend: it turns one .go blob into an
// inventory of its top-level declarations (functions, methods, types,
// constants, variables, init functions, directives), each with a stable key,
// a canonical signature or type, a body hash that ignores consistent
// renaming, and the facts the Go rules need (inlining cost, calls, loops).
// An inventory depends only on the blob's bytes.
package gofront

import (
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/parser"
	"go/scanner"
	"go/token"
	"sort"
	"strconv"
	"strings"
)

// Kind is the kind of a Go entity.
type Kind uint8

// Entity kinds.
const (
	KFunc   Kind = iota // function without receiver
	KMethod             // method
	KInit               // func init()
	KType               // type declaration (alias or defined)
	KConst              // constant
	KVar                // package-level variable
)

var kindNames = [...]string{"func", "method", "init", "type", "const", "var"}

// String returns the kind's name.
func (k Kind) String() string { return kindNames[k] }

// Field is one field of a struct type.
type Field struct {
	Name     string // "" for an embedded field (then Type names it)
	Type     string
	Tag      string
	Embedded bool
}

// Entity is one top-level declaration of a Go file.
type Entity struct {
	Kind          Kind
	Name          string // "F", "T", or "T.M" for a method of T
	Recv          string // receiver base type, for methods
	PtrRecv       bool
	Line, EndLine int
	Exported      bool
	Build         string // the file's build constraint, part of every entity

	// Functions and methods.
	Sig        string // canonical signature, parameter names dropped
	TypeParams string // canonical type parameter list ("" when not generic)
	RecvParams bool   // the receiver type has type parameters
	BodyHash   uint64
	Cost       Cost
	Calls      []Call   // calls in the body (for inlining costs)
	Uses       []string // identifiers and qualified names ("path.Name") used
	// Escapes lists, for init functions and variable initializers, the
	// names of Uses that are not simply called now: function values
	// stored or passed on, and anything a func literal or a go statement
	// runs later.
	Escapes []string
	Pragmas []string // //go: directives above the declaration
	// NeverReturns is the line of a `for {}` with no way out, 0 when none.
	NeverReturns int

	// Types.
	Alias      bool
	Underlying string // canonical type expression
	Fields     []Field
	Methods    []string // interface methods: "Name sig", sorted; embedded interfaces as "embed T"

	// Constants and variables.
	Type    string // declared type ("" when none)
	Value   string // a constant's folded value, or its expression
	Iota    int    // a constant's index in its group
	HasInit bool
	Init    uint64 // a variable's initializer, hashed
	Embed   []string
	// Order is an init function's position among the file's init functions.
	Order int

	digest string // Digest, computed once by Parse
}

// Key identifies an entity within its package: per-platform definitions
// of one name (in files with different build constraints) are different
// entities.
func (e *Entity) Key() string {
	k := e.Kind.KeyClass() + " " + e.Name
	if e.Kind == KInit {
		k = "init#" + strconv.Itoa(e.Order)
	}
	if e.Build != "" {
		k += " [" + e.Build + "]"
	}
	return k
}

// KeyClass groups kinds that match across versions.
func (k Kind) KeyClass() string {
	switch k {
	case KFunc, KMethod:
		return "func"
	}
	return k.String()
}

// Label names the entity as findings show it.
func (e *Entity) Label() string {
	switch e.Kind {
	case KMethod:
		if e.PtrRecv {
			return "method (*" + e.Recv + ")." + strings.TrimPrefix(e.Name, e.Recv+".")
		}
		return "method (" + e.Recv + ")." + strings.TrimPrefix(e.Name, e.Recv+".")
	case KInit:
		return "func init"
	}
	return e.Kind.String() + " " + e.Name
}

// File is the inventory of one .go file.
type File struct {
	Package   string
	Build     string            // //go:build expression, normalised
	Imports   map[string]string // local name → import path ("_" and "." included)
	Cgo       bool
	CgoHash   uint64 // hash of the cgo preamble
	Linknames []string
	Entities  []*Entity
	ParseErr  string
	Size      int
	// uses is the union of the entities' Uses, to skip a file that never
	// names what is looked for.
	uses map[string]struct{}
}

// MayUse reports whether some entity of the file uses a name (as Entity.Uses
// spells it).
func (f *File) MayUse(name string) bool {
	if f.uses == nil {
		return true // built by hand, not by Parse
	}
	_, ok := f.uses[name]
	return ok
}

// Parse builds the inventory of a .go file whose base name is name (its
// _GOOS/_GOARCH suffix is a build constraint too). It never fails: a file
// that does not parse has ParseErr set and whatever declarations were read.
func Parse(src []byte, name string) (f *File) {
	f = &File{Imports: map[string]string{}, Size: len(src)}
	defer func() {
		// Declarations cut short by syntax errors can carry positions the
		// extraction does not expect: whatever goes wrong, the file is one
		// the tool did not understand, never a crash.
		if r := recover(); r != nil {
			f = &File{Imports: map[string]string{}, Size: len(src), ParseErr: fmt.Sprintf("could not read the declarations: %v", r)}
		}
	}()
	fset := token.NewFileSet()
	af, err := parser.ParseFile(fset, "x.go", src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		f.ParseErr = firstLine(err.Error())
	} else {
		f.ParseErr = nestingProblem(src)
	}
	if af == nil || af.Name == nil {
		if f.ParseErr == "" {
			f.ParseErr = "no package clause"
		}
		return f
	}
	f.Package = af.Name.Name
	build, berr := buildConstraint(af)
	if berr != "" && f.ParseErr == "" {
		f.ParseErr = berr // the go command refuses the file
	}
	f.Build = joinConstraints(fileNameConstraint(name), build)
	for _, is := range af.Imports {
		p, _ := strconv.Unquote(is.Path.Value)
		name := p[strings.LastIndexByte(p, '/')+1:]
		if is.Name != nil {
			name = is.Name.Name
		}
		f.Imports[name] = p
		if p == "C" {
			f.Cgo = true
			if is.Doc != nil {
				f.CgoHash = hashString(is.Doc.Text())
			} else if len(af.Decls) > 0 {
				for _, d := range af.Decls {
					if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT && gd.Doc != nil {
						for _, s := range gd.Specs {
							if s == is {
								f.CgoHash = hashString(gd.Doc.Text())
							}
						}
					}
				}
			}
		}
	}
	x := &extractor{fset: fset, src: src, file: f, af: af}
	for _, cg := range af.Comments {
		for _, c := range cg.List {
			if strings.HasPrefix(c.Text, "//go:linkname ") {
				f.Linknames = append(f.Linknames, strings.Join(strings.Fields(c.Text), " "))
			}
		}
	}
	sort.Strings(f.Linknames)
	inits := 0
	for _, d := range af.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			e := x.funcDecl(d)
			if e.Kind == KInit {
				e.Order = inits
				inits++
			}
			f.Entities = append(f.Entities, e)
		case *ast.GenDecl:
			f.Entities = append(f.Entities, x.genDecl(d)...)
		}
	}
	f.uses = map[string]struct{}{}
	for _, e := range f.Entities {
		e.Build = f.Build
		e.digest = e.computeDigest()
		for _, u := range e.Uses {
			f.uses[u] = struct{}{}
		}
	}
	return f
}

// MaxNesting is the deepest nesting of brackets the Go frontend reads, as
// the C frontend's: far deeper than hand-written or generated code nests,
// while a file nested deeper (go/parser gives up near 100,000 levels, and
// not for every kind of bracket) is a parser's stress test that no change
// of it can be trusted to. A file nested deeper does not parse.
const MaxNesting = 1000

// nestingProblem returns where src nests brackets deeper than MaxNesting,
// or "" when it does not.
func nestingProblem(src []byte) string {
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(src))
	var s scanner.Scanner
	s.Init(file, src, nil, 0)
	depth := 0
	for {
		pos, tok, _ := s.Scan()
		switch tok {
		case token.EOF:
			return ""
		case token.LPAREN, token.LBRACK, token.LBRACE:
			if depth++; depth > MaxNesting {
				return fmt.Sprintf("line %d: brackets nested more than %d deep", file.Line(pos), MaxNesting)
			}
		case token.RPAREN, token.RBRACK, token.RBRACE:
			depth--
		}
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimPrefix(s, "x.go:")
}

// buildConstraint returns the file's //go:build expression (or the +build
// lines it replaces), normalised; "" when there is none. A //go:build line
// that does not parse is returned as written, with the error.
func buildConstraint(af *ast.File) (string, string) {
	var plus []string
	for _, cg := range af.Comments {
		if cg.Pos() >= af.Package {
			break
		}
		for _, c := range cg.List {
			if constraint.IsGoBuild(c.Text) {
				e, err := constraint.Parse(c.Text)
				if err != nil {
					return strings.TrimSpace(strings.TrimPrefix(c.Text, "//go:build")), "invalid //go:build line: " + err.Error()
				}
				return e.String(), ""
			}
			if constraint.IsPlusBuild(c.Text) {
				plus = append(plus, strings.TrimSpace(c.Text))
			}
		}
	}
	return strings.Join(plus, " && "), ""
}

// knownOS and knownArch are the GOOS and GOARCH values a file name suffix
// may carry (go/build's lists).
var knownOS = map[string]bool{
	"aix": true, "android": true, "darwin": true, "dragonfly": true, "freebsd": true, "hurd": true, "illumos": true,
	"ios": true, "js": true, "linux": true, "nacl": true, "netbsd": true, "openbsd": true, "plan9": true,
	"solaris": true, "wasip1": true, "windows": true, "zos": true,
}

var knownArch = map[string]bool{
	"386": true, "amd64": true, "amd64p32": true, "arm": true, "armbe": true, "arm64": true, "arm64be": true,
	"loong64": true, "mips": true, "mipsle": true, "mips64": true, "mips64le": true, "mips64p32": true,
	"mips64p32le": true, "ppc": true, "ppc64": true, "ppc64le": true, "riscv": true, "riscv64": true,
	"s390": true, "s390x": true, "sparc": true, "sparc64": true, "wasm": true,
}

// NameSuffix returns the part of a file name that affects its inventory
// (its implied build constraint), for caching by content and name.
func NameSuffix(name string) string { return fileNameConstraint(name) }

// fileNameConstraint returns the constraint a file name implies:
// name_GOOS.go, name_GOARCH.go, name_GOOS_GOARCH.go.
func fileNameConstraint(name string) string {
	name = strings.TrimSuffix(name, ".go")
	parts := strings.Split(name, "_")
	if len(parts) < 2 {
		return ""
	}
	last := parts[len(parts)-1]
	if len(parts) >= 3 && knownOS[parts[len(parts)-2]] && knownArch[last] {
		return parts[len(parts)-2] + " && " + last
	}
	if knownOS[last] || knownArch[last] {
		return last
	}
	return ""
}

func joinConstraints(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return "(" + a + ") && (" + b + ")"
}
