// Package gopatch writes candidate live patches for Go changes (the "go"
// target of patchgen): one file per changed package, in that package,
// holding the new versions of the changed functions under generated names
// (livepatch_<Name>; a function the change adds keeps its own name), and
// livepatch.json, which maps each original symbol (package path, receiver,
// name) to its replacement. Calls inside the new bodies keep calling the
// original names: the live patcher redirects the originals to the
// replacements, as kpatch does.
//
// A package-level const, var or type that the change adds (declared in
// the new package, not in the old) and that the copied functions use,
// directly or through another such declaration, is copied as written into
// the same file, and listed under "carried" in livepatch.json: the old
// program lacks it, and the module brings it. A const block whose specs
// depend on each other (iota) is carried whole when all its names are new;
// when the old package has the block and the change only appends to it,
// the block is a changed declaration, which is not carried, and the check
// fails on it.
//
// The check that makes a candidate believable overlays the generated files
// onto an export of the OLD tree and type-checks those packages with
// go/packages: the new code must compile against the old program's types
// and data. Loading runs `go list` and the type checker only, never the
// repository's code, with GOTOOLCHAIN=local, dependencies from the module
// cache only (unless the caller gives a proxy), GOFLAGS=-mod=mod (or
// -mod=vendor for a tree that vendors), CGO_ENABLED=0 and GOWORK=off. A
// GOPATH-era tree gets the go.mod its imports imply. A package the old
// tree does not have cannot be overlaid (a live patch cannot add a
// package), nor can a cgo package be checked without cgo: the check is
// then not attempted, and says so.
package gopatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/token"
	"path"
	"sort"
	"strings"

	"github.com/dynupd/dynupd-analyze/patchgen"
	"github.com/go-git/go-git/v5/plumbing"
	"golang.org/x/mod/modfile"
)

// Prefix is put before a replaced unexported function's name to name its
// replacement; ExportedPrefix before an exported one's, so that the
// replacement stays exported and the replacements in other packages can
// call it by name (a closure across packages).
const (
	Prefix         = "livepatch_"
	ExportedPrefix = "Livepatch_"
)

// ReplacementName is the name of the replacement of the function name.
func ReplacementName(name string) string {
	if token.IsExported(name) {
		return ExportedPrefix + name
	}
	return Prefix + name
}

// FileName is the name of the generated file of a package (further files
// of the same package, for functions under other build constraints, are
// zz_livepatch_2.go, zz_livepatch_3.go, …).
const FileName = "zz_livepatch.go"

// SymbolMap is the name of the symbol map written next to the generated
// files.
const SymbolMap = "livepatch.json"

// Options configure a Generator.
type Options struct {
	// GoProxy is the GOPROXY of the compile check: "" or "off" (the
	// default) reads dependencies only from the module cache.
	GoProxy string
	// GoCache is the build cache of the check (GOCACHE); by default the
	// analyzer's, dynupd-gocache under the temporary directory.
	GoCache string
	// Env is appended to the check's environment and overrides what the
	// generator sets there (tests).
	Env []string
}

// Generator writes Go live-patch candidates. It implements
// patchgen.Generator; it holds no state between calls.
type Generator struct {
	opts Options
}

var _ patchgen.Generator = (*Generator)(nil)

// New returns a Generator with the options.
func New(opts Options) *Generator {
	if opts.GoProxy == "" {
		opts.GoProxy = "off"
	}
	opts.Env = append([]string(nil), opts.Env...)
	return &Generator{opts: opts}
}

// Target returns "go".
func (g *Generator) Target() string { return "go" }

// Symbol is one entry of livepatch.json: an original function of the old
// program and its replacement.
type Symbol struct {
	// Package is the import path ("" when the tree has no go.mod); Dir the
	// package's directory in the repository.
	Package string `json:"package"`
	Dir     string `json:"dir"`
	// Receiver is the method's receiver type as declared ("*T", "T"), ""
	// for a function.
	Receiver string `json:"receiver,omitempty"`
	Name     string `json:"name"`
	// Replacement is the generated name; File the generated file holding
	// it, relative to the module directory.
	Replacement string `json:"replacement"`
	File        string `json:"file"`
	// Symbol and ReplacementSymbol are the linker's names of the two
	// ("example.com/m/p.(*T).M"; "main.F" in package main).
	Symbol            string `json:"symbol,omitempty"`
	ReplacementSymbol string `json:"replacement_symbol,omitempty"`
	// Direct says the generated code calls the replacement by its own
	// name and the original must not be redirected to it: its signature
	// changed (every caller is in the module, as an interface-internal
	// closure), or it is a method new to an existing type.
	Direct bool `json:"direct,omitempty"`
}

// SymbolFile is livepatch.json.
type SymbolFile struct {
	Commit string `json:"commit"`
	// Replace maps original functions to their replacements.
	Replace []Symbol `json:"replace"`
	// Added lists the functions the change adds, carried under their own
	// names (Replacement is the name itself).
	Added []Symbol `json:"added"`
	// Carried lists the package-level consts, vars and types the change
	// adds that the module's functions use, copied as written.
	Carried []Carried `json:"carried"`
}

// Carried is one declaration the change adds that the module carries:
// one spec, or a whole const block whose specs depend on each other.
type Carried struct {
	// Package is the import path ("" when the tree has no go.mod); Dir the
	// package's directory in the repository.
	Package string `json:"package"`
	Dir     string `json:"dir"`
	// Kind is "const", "var" or "type"; Names the names it declares.
	Kind  string   `json:"kind"`
	Names []string `json:"names"`
	// From and Line locate it in the new tree; File is the generated file
	// holding it, relative to the module directory.
	From string `json:"from"`
	Line int    `json:"line"`
	File string `json:"file"`
}

// Generate writes the module of a change into dir (which exists and is
// empty) and type-checks it against the old tree. It returns the manifest
// for the caller to write; a function it cannot carry (not in a Go file,
// not found in the new tree) is listed in the manifest's LeftOut.
func (g *Generator) Generate(ctx context.Context, in patchgen.Input, dir string) (*patchgen.Manifest, error) {
	if in.Result == nil || in.Source == nil {
		return nil, errors.New("gopatch: input without a result or a source")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := in.Result
	m := &patchgen.Manifest{
		Commit:    r.Commit,
		Subject:   r.Subject,
		Verdict:   r.Verdict.String(),
		Target:    g.Target(),
		Functions: []patchgen.Func{},
		Closure:   []string{},
		LeftOut:   append([]patchgen.LeftOut{}, in.LeftOut...),
		Files:     []string{},
	}
	b := newBuilder(in)
	defer b.close()
	items, left, err := b.collect(in.Funcs)
	b.markDirect(items)
	if err != nil {
		return nil, err
	}
	m.LeftOut = append(m.LeftOut, left...)
	if err := b.carry(ctx, items); err != nil {
		return nil, err
	}
	files, err := b.assemble(items)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := patchgen.WriteNew(dir, f.rel, f.src); err != nil {
			return nil, fmt.Errorf("gopatch: %w", err)
		}
		m.Files = append(m.Files, f.rel)
	}
	for _, it := range items {
		m.Functions = append(m.Functions, it.fn)
		if it.fn.Closure {
			m.Closure = append(m.Closure, it.fn.Key())
		}
	}
	if len(items) > 0 {
		syms := b.symbols(items)
		data, err := json.MarshalIndent(syms, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("gopatch: %s: %w", SymbolMap, err)
		}
		if err := patchgen.WriteNew(dir, SymbolMap, append(data, '\n')); err != nil {
			return nil, fmt.Errorf("gopatch: %w", err)
		}
		m.Files = append(m.Files, SymbolMap)
	}
	chk, finding, err := g.check(ctx, b, files)
	if err != nil {
		return nil, err
	}
	m.Checks = append(m.Checks, chk)
	m.Finding = finding
	return m, nil
}

// pkgDir is the package directory of a repository file ("." for the
// root), refusing paths that could leave the output directory.
func pkgDir(file string) (string, error) {
	if err := patchgen.SafeRel(file); err != nil {
		return "", fmt.Errorf("gopatch: %w", err)
	}
	return path.Dir(file), nil
}

// symbols builds livepatch.json.
func (b *builder) symbols(items []*item) SymbolFile {
	sf := SymbolFile{Commit: b.in.Result.Commit, Replace: []Symbol{}, Added: []Symbol{}, Carried: []Carried{}}
	paths := map[string]string{}
	pathOf := func(dir string) string {
		p, ok := paths[dir]
		if !ok {
			p = b.importPath(dir)
			paths[dir] = p
		}
		return p
	}
	for _, d := range b.carried {
		sf.Carried = append(sf.Carried, Carried{Package: pathOf(d.dir), Dir: d.dir, Kind: d.kind, Names: d.names,
			From: d.newLoc.File, Line: d.newLoc.Line, File: d.out})
	}
	for _, it := range items {
		p := pathOf(it.dir)
		s := Symbol{Package: p, Dir: it.dir, Receiver: it.recvText, Name: it.fn.Name, Replacement: it.fn.Replacement, File: it.out}
		prefix := p
		if it.pkgName == "main" {
			prefix = "main"
		}
		if prefix != "" {
			s.Symbol = linkName(prefix, it.recvText, it.fn.Name)
			s.ReplacementSymbol = linkName(prefix, it.recvText, it.fn.Replacement)
		}
		s.Direct = it.direct
		if it.fn.Added || !it.hasOld {
			sf.Added = append(sf.Added, s)
		} else {
			sf.Replace = append(sf.Replace, s)
		}
	}
	return sf
}

// linkName is the linker's name of a function or method.
func linkName(pkg, recv, name string) string {
	switch {
	case recv == "":
		return pkg + "." + name
	case strings.HasPrefix(recv, "*"):
		return pkg + ".(" + recv + ")." + name
	}
	return pkg + "." + recv + "." + name
}

// importPath is the import path of a package directory, from the nearest
// go.mod above it in the old tree (the new tree when the old has none), or
// "" when neither has one.
func (b *builder) importPath(dir string) string {
	for _, tree := range []plumbing.Hash{b.in.Result.OldTree, b.in.Result.NewTree} {
		if tree.IsZero() {
			continue
		}
		for d := dir; ; d = path.Dir(d) {
			gm := "go.mod"
			if d != "." {
				gm = d + "/go.mod"
			}
			if data, err := b.in.Source.FileAt(tree, gm); err == nil {
				mp := modfile.ModulePath(data)
				if mp == "" {
					return ""
				}
				if d == dir {
					return mp
				}
				rel := strings.TrimPrefix(dir, d+"/")
				if d == "." {
					rel = dir
				}
				return mp + "/" + rel
			}
			if d == "." {
				break
			}
		}
	}
	return ""
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
