// Package cpatch writes candidate live-patch modules for changes to C
// programs, and checks that their replacement functions compile against
// the old program.
//
// Two targets share the work:
//
//   - klp (NewKLP): a Linux kernel livepatch module in the shape of the
//     kernel's samples/livepatch: livepatch-<short>.c with the replacement
//     functions, the klp_func/klp_object/klp_patch tables and module
//     init/exit, a Kbuild file, and <short>.patch, the unified diff of the
//     hunks that touch the carried code only, for kpatch-build.
//   - ulp (NewULP): a user-space live patch for SUSE's libpulp:
//     livepatch_<short>.c with the replacement functions,
//     livepatch_<short>.dsc (libpulp's description: the patch object, the
//     target, old:new function pairs), and a Makefile that builds
//     livepatch_<short>.so. Nothing here runs make.
//
// A replaced function keeps its new text with the declarator renamed to
// livepatch_<name>; calls inside keep the original names, since the live
// patch core redirects the originals (a call to a function whose
// signature changed, in an interface-internal closure, uses the
// replacement's name: the old declaration does not fit it). A function the
// change adds keeps its name and storage class. The declarations the new
// file adds (new globals, types, macros, prototypes and includes) travel
// with the functions; changed ones do not, since changing them is not a
// function replacement.
//
// The compile check appends the carried code to a copy of each changed
// file of the old tree and runs gcc -fsyntax-only on it, with the flags of
// compile_commands.json when the old tree has one and include paths found
// in the tree otherwise. An error in the appended code fails the check and
// yields a PATCH-COMPILE finding; a file that does not compile on this
// machine at all (a system or configure-generated header is missing) is
// not attempted, with the reason.
package cpatch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/patchgen"
)

// Options configure the C generators.
type Options struct {
	// CC is the compiler of the compile check, looked up on PATH; "" means
	// gcc. Its diagnostics are read as gcc writes them.
	CC string
	// Timeout bounds one compiler run; 0 means one minute.
	Timeout time.Duration
}

// Generator writes C live-patch modules for one target; it implements
// patchgen.Generator.
type Generator struct {
	target string
	opts   Options
}

// NewKLP returns the generator of Linux kernel livepatch modules (target
// "klp").
func NewKLP(opts Options) *Generator { return &Generator{target: "klp", opts: opts} }

// NewULP returns the generator of user-space libpulp live patches (target
// "ulp").
func NewULP(opts Options) *Generator { return &Generator{target: "ulp", opts: opts} }

// Target returns "klp" or "ulp".
func (g *Generator) Target() string { return g.target }

var _ patchgen.Generator = (*Generator)(nil)

// IsKernelTree reports whether a tree's files (slash paths relative to its
// root) are a Linux kernel source tree: a Kbuild or Kconfig file at the
// root, a header under include/linux/ and a C file under kernel/. Each of
// these alone is common (Zephyr has kernel/ and Kconfig, U-Boot has
// include/linux/ and Kbuild); together they are the kernel's layout. An
// out-of-tree module repository is not a kernel tree.
func IsKernelTree(files []string) bool {
	var kbuild, linux, kernel bool
	for _, f := range files {
		switch {
		case f == "Kbuild" || f == "Kconfig":
			kbuild = true
		case strings.HasPrefix(f, "include/linux/") && strings.HasSuffix(f, ".h"):
			linux = true
		case strings.HasPrefix(f, "kernel/") && strings.HasSuffix(f, ".c"):
			kernel = true
		}
	}
	return kbuild && linux && kernel
}

// Generate writes the module of one change into dir (which exists and is
// empty) and runs the compile check. It returns an error only when the
// module cannot be written or ctx ends; what it cannot carry or check is
// recorded in the manifest.
func (g *Generator) Generate(ctx context.Context, in patchgen.Input, dir string) (*patchgen.Manifest, error) {
	if in.Result == nil || in.Source == nil {
		return nil, errors.New("cpatch: the input has no result or no source")
	}
	r := in.Result
	m := &patchgen.Manifest{
		Commit: r.Commit, Subject: r.Subject, Verdict: r.Verdict.String(), Target: g.target,
		Functions: []patchgen.Func{}, Closure: []string{}, Files: []string{}, Checks: []patchgen.Check{},
		LeftOut: append([]patchgen.LeftOut{}, in.LeftOut...),
	}
	units, left, err := g.units(ctx, in)
	if err != nil {
		return nil, err
	}
	m.LeftOut = append(m.LeftOut, left...)
	if len(units) == 0 {
		m.Checks = append(m.Checks, patchgen.Check{Name: "compile against the old tree", Status: patchgen.CheckNotAttempted, Detail: "the change has no C function to replace or carry"})
		return m, nil
	}
	for _, u := range units {
		for _, p := range u.funcs() {
			m.Functions = append(m.Functions, *p.fn)
			if p.fn.Closure {
				m.Closure = append(m.Closure, p.fn.File+":"+p.fn.Name)
			}
		}
	}
	short := shortCommit(r.Commit)
	var files map[string]string
	if g.target == "klp" {
		files = renderKLP(units, short, r.Subject)
	} else {
		files = renderULP(units, short, r.Subject)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := patchgen.WriteNew(dir, n, []byte(files[n])); err != nil {
			return nil, fmt.Errorf("cpatch: %w", err)
		}
	}
	m.Files = names
	checks, finding, err := g.check(ctx, in, units)
	if err != nil {
		return nil, err
	}
	m.Checks = append(m.Checks, checks...)
	m.Finding = finding
	return m, nil
}

// units groups the functions to carry by file and locates them.
func (g *Generator) units(ctx context.Context, in patchgen.Input) ([]*unit, []patchgen.LeftOut, error) {
	r := in.Result
	st := exportStorage
	if g.target == "klp" {
		st = makeStatic
	}
	byFile := map[string][]patchgen.Func{}
	var left []patchgen.LeftOut
	for _, f := range in.Funcs {
		entity := "func " + f.Name
		switch {
		case f.Recv != "" || strings.HasSuffix(f.File, ".go"):
			left = append(left, patchgen.LeftOut{Entity: entity, Rule: f.Rule, Reason: "not a C function"})
		case !validPath(f.File):
			left = append(left, patchgen.LeftOut{Entity: entity, Rule: f.Rule, Reason: "the file's name is not a plain relative path"})
		case !strings.HasSuffix(f.File, ".c"):
			left = append(left, patchgen.LeftOut{Entity: entity, Rule: f.Rule, Reason: "defined outside a .c file: every file that includes it compiles its own copy, which one function replacement does not reach"})
		default:
			byFile[f.File] = append(byFile[f.File], f)
		}
	}
	files := make([]string, 0, len(byFile))
	for f := range byFile {
		files = append(files, f)
	}
	sort.Strings(files)
	var units []*unit
	for _, file := range files {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		fns := byFile[file]
		newSrc, err := in.Source.FileAt(r.NewTree, file)
		if err != nil {
			for _, f := range fns {
				left = append(left, patchgen.LeftOut{Entity: "func " + f.Name, Rule: f.Rule, Reason: fmt.Sprintf("the new file could not be read: %v", err)})
			}
			continue
		}
		oldFile := file
		for _, f := range fns {
			if f.OldFile != "" && validPath(f.OldFile) {
				oldFile = f.OldFile
				break
			}
		}
		var oldSrc []byte
		if !r.OldTree.IsZero() {
			if b, err := in.Source.FileAt(r.OldTree, oldFile); err == nil {
				oldSrc = b
			}
		}
		if oldSrc == nil {
			oldFile = ""
		}
		u, l := buildUnit(file, oldFile, newSrc, oldSrc, fns, st)
		left = append(left, l...)
		if u != nil {
			units = append(units, u)
		}
	}
	linkUnits(units)
	return units, left, nil
}

// linkUnits lets each unit call what the module carries in the others:
// an added function with external linkage (its prototype is in a header
// the change edited, which the old translation unit does not see) and a
// replacement whose signature changed (called by its replacement's name,
// as within its own unit). Each gets a prototype in every other unit.
func linkUnits(units []*unit) {
	if len(units) < 2 {
		return
	}
	type shared struct {
		proto proto
		from  *unit
	}
	var all []shared
	renames := map[*unit]map[string]string{}
	for _, u := range units {
		for _, pr := range u.protos {
			all = append(all, shared{pr, u})
			if pr.of.fn != nil {
				if renames[u] == nil {
					renames[u] = map[string]string{}
				}
				renames[u][pr.of.fn.Name] = pr.of.replacement
			}
		}
		for _, p := range u.funcs() {
			if !p.fn.Added {
				continue
			}
			d := &def{text: p.text}
			if d.locate(p.fn.Name) && !d.static {
				all = append(all, shared{proto{text: strings.TrimSpace(p.text[:d.bodyOff]) + ";", of: p}, u})
			}
		}
	}
	for _, u := range units {
		seen := map[string]bool{}
		for _, pr := range u.protos {
			seen[pr.text] = true
		}
		others := map[string]string{}
		for _, sh := range all {
			if sh.from == u || seen[sh.proto.text] {
				continue
			}
			seen[sh.proto.text] = true
			u.protos = append(u.protos, sh.proto)
			for k, v := range renames[sh.from] {
				others[k] = v
			}
		}
		if len(others) > 0 {
			for _, p := range u.pieces {
				if !p.include {
					p.text = renameUses(p.text, others)
				}
			}
		}
	}
}

// check runs the compile check of every unit in an export of the old tree
// (a temporary directory, removed afterwards). The first failure gives the
// finding.
func (g *Generator) check(ctx context.Context, in patchgen.Input, units []*unit) ([]patchgen.Check, *classifiers.Finding, error) {
	var checks []patchgen.Check
	notAttempted := func(reason string) []patchgen.Check {
		for _, u := range units {
			checks = append(checks, patchgen.Check{Name: "compile " + u.file + " against the old tree", Status: patchgen.CheckNotAttempted, Detail: reason})
		}
		return checks
	}
	if in.Result.OldTree.IsZero() {
		return notAttempted("the change has no old program (a root commit)"), nil, nil
	}
	cc := lookCC(g.opts.CC)
	if cc == "" {
		name := g.opts.CC
		if name == "" {
			name = "gcc"
		}
		return notAttempted(name + " was not found on PATH"), nil, nil
	}
	tmp, err := os.MkdirTemp("", "dynupd-cpatch-")
	if err != nil {
		return nil, nil, fmt.Errorf("cpatch: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := in.Source.Export(ctx, in.Result.OldTree, tmp, exportable); err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return notAttempted(fmt.Sprintf("the old tree could not be exported: %v", err)), nil, nil
	}
	t, err := loadTree(tmp)
	if err != nil {
		return notAttempted(err.Error()), nil, nil
	}
	timeout := g.opts.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	c := &checker{cc: cc, timeout: timeout, kernel: g.target == "klp", tree: t}
	var finding *classifiers.Finding
	for i, u := range units {
		res, err := c.checkUnit(ctx, u, i)
		if err != nil {
			return nil, nil, err
		}
		if res.finding != nil {
			// A change that does not compile in its own tree says
			// nothing about the old program: its verdict is unknown,
			// whatever the error reads like.
			if e := c.newFileError(ctx, in, u); e != "" {
				res.check.Detail += "; the new tree does not compile either: " + e
				res.finding.Verdict = classifiers.Unknown
				res.finding.Message = "the change does not compile in its own tree, so it cannot be judged against the old program: " + e
			}
		}
		checks = append(checks, res.check)
		if finding == nil && res.finding != nil {
			finding = res.finding
		}
	}
	return checks, finding, nil
}

// validPath reports whether p is a clean relative slash path without
// control characters that no command would read as an option.
func validPath(p string) bool {
	if p == "" || path.Clean(p) != p || !filepath.IsLocal(filepath.FromSlash(p)) || strings.HasPrefix(p, "-") {
		return false
	}
	for _, r := range p {
		if unicode.IsControl(r) || r == '\\' {
			return false
		}
	}
	return true
}

var hexRE = regexp.MustCompile(`^[0-9a-f]+$`)

// shortCommit returns the 12-digit short hash of a commit, or "worktree"
// for a result without one: output names never take anything else from
// the repository.
func shortCommit(c string) string {
	c = strings.ToLower(c)
	if len(c) < 7 || !hexRE.MatchString(c) {
		return "worktree"
	}
	return c[:min(12, len(c))]
}

// exportable selects the files of the old tree a C compile check can
// need: C and C++ sources and headers, files commonly #included (.inc,
// .def, .tbl, .x), the templates of generated headers (.in, .cmake,
// .meson: they say why a check cannot be attempted) and
// compile_commands.json. Documentation, scripts, test data and images are
// left out; writing them was most of a check's time. A header left out
// can only make the old file fail alone, which is "not attempted", never
// a pass.
func exportable(p string) bool {
	if path.Base(p) == "compile_commands.json" {
		return true
	}
	switch strings.ToLower(path.Ext(p)) {
	case ".c", ".h", ".cc", ".cpp", ".cxx", ".hh", ".hpp", ".hxx", ".inc", ".def", ".tbl", ".x", ".in", ".cmake", ".meson", ".s":
		return true
	}
	return false
}

// lookCC finds the compiler on PATH, "" when it is not there.
func lookCC(name string) string {
	if name == "" {
		name = "gcc"
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return ""
	}
	return p
}
