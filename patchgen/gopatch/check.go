package gopatch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/internal/gotool"
	"github.com/dynupd/dynupd-analyze/patchgen"
	"golang.org/x/tools/go/packages"
)

// CheckName is the name of the compile check in the manifest.
const CheckName = "go-typecheck-old"

// RuleID is the rule of the finding a failed check adds to the change.
const RuleID = "PATCH-COMPILE"

// loadMode is what the check asks of go/packages: the files (to find the
// generated one) and full type information.
const loadMode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles | packages.NeedImports |
	packages.NeedTypes | packages.NeedSyntax | packages.NeedTypesInfo

// env is the whole environment of the check's go command: no toolchain
// switch, no cgo, no user go.env or go.work, a build cache of our own.
// Dependencies come from the caller's proxy when it gave one; otherwise
// from the user's module cache served read-only as a local proxy
// (gotool.LocalProxy), extracted into a module cache of our own beside the
// build cache, so that the user's is never written and a go.mod without a
// requirement (or synthesised for GOPATH-era code) still resolves offline.
// modFlag is the -mod mode: "mod", or "vendor" for a tree that vendors.
func (g *Generator) env(modFlag string) []string {
	cache := g.opts.GoCache
	if cache == "" {
		cache = filepath.Join(os.TempDir(), "dynupd-gocache")
	}
	proxy := g.opts.GoProxy
	local := proxy == "off"
	if local {
		proxy = gotool.LocalProxy()
	}
	env := []string{
		"GOTOOLCHAIN=local", "GOPROXY=" + proxy, "GOFLAGS=-mod=" + modFlag + " -modcacherw", "CGO_ENABLED=0", "GOENV=off",
		"GOWORK=off", "GOCACHE=" + cache, "GO111MODULE=on",
	}
	keep := []string{"PATH", "HOME", "GOROOT", "GOPATH", "TMPDIR"}
	if local {
		env = append(env, "GONOSUMDB=*", "GONOSUMCHECK=1", "GOSUMDB=off",
			"GOMODCACHE="+filepath.Join(filepath.Dir(cache), "dynupd-gomodcache"))
	} else {
		keep = append(keep, "GOMODCACHE")
	}
	for _, k := range keep {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return append(env, g.opts.Env...)
}

// outcome is the check's result for one generated file.
type outcome struct {
	status  string
	detail  string
	finding *classifiers.Finding
	file    *genFile // the generated file judged
}

// check type-checks the generated files against the builder's export of
// the old tree. It returns an error only when the context ends or the
// temporary directory cannot be made; everything else is the check's
// result.
func (g *Generator) check(ctx context.Context, b *builder, files []*genFile) (patchgen.Check, *classifiers.Finding, error) {
	in := b.in
	chk := patchgen.Check{Name: CheckName, Status: patchgen.CheckNotAttempted}
	notAttempted := func(reason string) (patchgen.Check, *classifiers.Finding, error) {
		chk.Detail = reason
		return chk, nil, nil
	}
	if len(files) == 0 {
		return notAttempted("no Go function to check")
	}
	chk.Command = g.command(in, files)
	if in.Result.OldTree.IsZero() {
		return notAttempted("the change has no old tree (a root commit): there is no old program to compile against")
	}
	for _, f := range files {
		if f.cgo {
			return notAttempted(f.rel + " uses cgo (import \"C\"), which the check does not build (CGO_ENABLED=0)")
		}
	}
	if _, err := exec.LookPath("go"); err != nil {
		return notAttempted("no go command: " + err.Error())
	}
	root, err := b.exportOld(ctx)
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return chk, nil, ctx.Err()
		case errors.Is(err, errTempDir):
			return chk, nil, fmt.Errorf("gopatch: check: %w", err)
		}
		return notAttempted("exporting the old tree: " + err.Error())
	}
	for _, f := range files {
		if !hasGoFiles(root, f.dir) {
			return notAttempted(dirName(f.dir) + " is a new package (no Go files there in the old tree): a live patch replaces code of the packages the running program has and cannot add one, so the module is not overlaid")
		}
		if name := cgoFile(root, f.dir); name != "" {
			return notAttempted(dirName(f.dir) + " uses cgo in the old tree (" + name + " imports \"C\"), and the check builds without it (CGO_ENABLED=0): the package's cgo files would be left out")
		}
	}
	// GOPATH-era code: give the export the go.mod its imports imply, as
	// the analyzer does, so that its packages find one another.
	gopath := ""
	if _, ok := moduleRoot(root, files[0].dir); !ok {
		dirs, imports := goDirs(root)
		gopath = gotool.InferRoot(dirs, imports)
		if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte(gotool.SynthGoMod(gopath, imports)), 0o644); err != nil {
			return chk, nil, fmt.Errorf("gopatch: check: %w", err)
		}
		chk.Command += "; no go.mod in the old tree (GOPATH era): checked as module " + modulePathOr(gopath)
	}
	mods := map[string][]*genFile{}
	for _, f := range files {
		full := filepath.Join(root, filepath.FromSlash(f.rel))
		if _, err := os.Lstat(full); err == nil {
			return notAttempted("the old tree already has a file " + f.rel)
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return chk, nil, fmt.Errorf("gopatch: check: %w", err)
		}
		if err := os.WriteFile(full, f.src, 0o644); err != nil {
			return chk, nil, fmt.Errorf("gopatch: check: %w", err)
		}
		mod, ok := moduleRoot(root, f.dir)
		if !ok {
			return notAttempted("no go.mod above " + dirName(f.dir) + " in the old tree")
		}
		mods[mod] = append(mods[mod], f)
	}
	var results []outcome
	for _, mod := range sortedKeys(mods) {
		fs := mods[mod]
		var patterns []string
		seen := map[string]bool{}
		for _, f := range fs {
			p := pattern(mod, f.dir)
			if !seen[p] {
				seen[p] = true
				patterns = append(patterns, p)
			}
		}
		pkgs, err := g.load(ctx, filepath.Join(root, filepath.FromSlash(mod)), patterns)
		if err != nil {
			if ctx.Err() != nil {
				return chk, nil, ctx.Err()
			}
			results = append(results, outcome{status: patchgen.CheckNotAttempted, detail: "the old module does not load: " + clean(root, err.Error())})
			continue
		}
		for _, f := range fs {
			o := judge(root, f, pkgs)
			o.file = f
			results = append(results, o)
		}
	}
	out := outcome{status: patchgen.CheckPassed}
	for _, st := range []string{patchgen.CheckFailed, patchgen.CheckNotAttempted} {
		if i := indexStatus(results, st); i >= 0 {
			out = results[i]
			break
		}
	}
	if out.status == patchgen.CheckFailed && out.finding != nil {
		// A change that does not compile in its own tree says nothing
		// about the old program: its verdict is unknown, whatever the
		// error reads like.
		if e := g.newTreeError(ctx, b, out.file); e != "" {
			out.detail += "; the new tree does not compile either: " + e
			out.finding.Verdict = classifiers.Unknown
			out.finding.Message = "the change does not compile in its own tree, so it cannot be judged against the old program: " + e
		}
	}
	chk.Status, chk.Detail = out.status, out.detail
	return chk, out.finding, nil
}

// pattern is the go list pattern of package directory dir in the module
// at mod (both relative to the export's root).
func pattern(mod, dir string) string {
	switch {
	case dir == mod:
		return "."
	case mod == ".":
		return "./" + dir
	}
	return "./" + strings.TrimPrefix(dir, mod+"/")
}

// load loads packages of the module in dir with full types: from its
// vendored copies when it vendors (as it was built), falling back to the
// module cache when the go command no longer accepts an old
// vendor/modules.txt.
func (g *Generator) load(ctx context.Context, dir string, patterns []string) ([]*packages.Package, error) {
	modFlag := "mod"
	if st, err := os.Stat(filepath.Join(dir, "vendor", "modules.txt")); err == nil && st.Mode().IsRegular() {
		modFlag = "vendor"
	}
	cfg := &packages.Config{Context: ctx, Mode: loadMode, Dir: dir, Env: g.env(modFlag), Tests: false}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil && modFlag == "vendor" && ctx.Err() == nil {
		cfg.Env = g.env("mod")
		pkgs, err = packages.Load(cfg, patterns...)
	}
	return pkgs, err
}

// newTreeError type-checks the package of f in an export of the NEW tree,
// as the commit left it, and returns its first type or compile error: ""
// when it compiles, or when it cannot be loaded at all (then nothing is
// known against the change).
func (g *Generator) newTreeError(ctx context.Context, b *builder, f *genFile) string {
	if f == nil || b.in.Result.NewTree.IsZero() {
		return ""
	}
	tmp, err := os.MkdirTemp("", "dynupd-gopatch-new-")
	if err != nil {
		return ""
	}
	defer os.RemoveAll(tmp)
	root, err := filepath.EvalSymlinks(tmp)
	if err != nil {
		return ""
	}
	if err := b.in.Source.Export(ctx, b.in.Result.NewTree, root, nil); err != nil {
		return ""
	}
	mod, ok := moduleRoot(root, f.dir)
	if !ok {
		dirs, imports := goDirs(root)
		if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte(gotool.SynthGoMod(gotool.InferRoot(dirs, imports), imports)), 0o644); err != nil {
			return ""
		}
		mod = "."
	}
	pkgs, err := g.load(ctx, filepath.Join(root, filepath.FromSlash(mod)), []string{pattern(mod, f.dir)})
	if err != nil {
		return ""
	}
	for _, p := range pkgs {
		for _, e := range p.Errors {
			if e.Kind == packages.TypeError || e.Kind == packages.ListError && strings.HasPrefix(e.Msg, "# ") {
				if e.Kind == packages.ListError {
					if lines := strings.Split(e.Msg, "\n"); len(lines) > 1 {
						return clean(root, strings.TrimSpace(lines[1]))
					}
				}
				return errText(root, e)
			}
		}
	}
	return ""
}

func indexStatus(rs []outcome, status string) int {
	for i, r := range rs {
		if r.status == status {
			return i
		}
	}
	return -1
}

// command describes the check for the manifest.
func (g *Generator) command(in patchgen.Input, files []*genFile) string {
	var dirs []string
	seen := map[string]bool{}
	for _, f := range files {
		if !seen[f.dir] {
			seen[f.dir] = true
			dirs = append(dirs, dirName(f.dir))
		}
	}
	sort.Strings(dirs)
	old := in.Result.OldTree.String()
	proxy := g.opts.GoProxy
	if proxy == "off" {
		proxy = "(the module cache, read-only)"
	}
	return fmt.Sprintf("go/packages type-check (go list + go/types, no tests) of %s in an export of the old tree %s with the generated files added; GOTOOLCHAIN=local GOPROXY=%s GOFLAGS=-mod=mod (-mod=vendor when it vendors) CGO_ENABLED=0 GOWORK=off",
		strings.Join(dirs, " "), old[:12], proxy)
}

// dirName names a package directory for people.
func dirName(dir string) string {
	if dir == "." {
		return "the root package"
	}
	return dir + "/"
}

// moduleRoot is the directory (relative to root, "." for root itself) of
// the nearest go.mod at or above dir, without leaving root.
func moduleRoot(root, dir string) (string, bool) {
	for d := dir; ; d = path.Dir(d) {
		if st, err := os.Stat(filepath.Join(root, filepath.FromSlash(d), "go.mod")); err == nil && st.Mode().IsRegular() {
			return d, true
		}
		if d == "." {
			return "", false
		}
	}
}

// judge decides one generated file's outcome from the loaded packages.
func judge(root string, f *genFile, pkgs []*packages.Package) outcome {
	target := filepath.Join(root, filepath.FromSlash(f.rel))
	var pkg *packages.Package
	for _, p := range pkgs {
		if containsFile(p.CompiledGoFiles, target) || containsFile(p.GoFiles, target) {
			pkg = p
			break
		}
	}
	if pkg == nil {
		for _, p := range pkgs {
			if containsFile(p.IgnoredFiles, target) {
				why := "its build constraint"
				if f.constraint != "" {
					why += " (" + f.constraint + ")"
				}
				return outcome{status: patchgen.CheckNotAttempted, detail: f.rel + " is excluded by " + why + " on this platform"}
			}
		}
		for _, p := range pkgs {
			if len(p.Errors) > 0 {
				return outcome{status: patchgen.CheckNotAttempted, detail: "the old package does not load: " + errText(root, p.Errors[0])}
			}
		}
		return outcome{status: patchgen.CheckNotAttempted, detail: f.rel + " was not loaded with its package"}
	}
	// go list compiles the package for its export data and reports the
	// compiler's output ("# pkg\nfile:line:col: msg") as a list error;
	// the type checker reports the same errors with their positions.
	var errs []packages.Error
	var compiler []string
	for _, e := range pkg.Errors {
		if e.Kind == packages.ListError && strings.HasPrefix(e.Msg, "# ") {
			compiler = append(compiler, strings.Split(e.Msg, "\n")[1:]...)
			continue
		}
		errs = append(errs, e)
	}
	if len(errs) == 0 {
		errs = compilerErrors(root, pkg, compiler)
	}
	for _, e := range errs {
		if e.Kind == packages.ListError || strings.Contains(e.Msg, "could not import") {
			return outcome{status: patchgen.CheckNotAttempted, detail: "the old package does not load: " + errText(root, e) + depReason(root, pkg)}
		}
	}
	for _, e := range errs {
		file, line := errPos(e.Pos)
		if file == "" || filepath.Clean(file) != target {
			continue
		}
		detail := errText(root, e)
		return outcome{status: patchgen.CheckFailed, detail: detail, finding: compileFinding(f, line, detail, e.Msg)}
	}
	if len(errs) > 0 {
		return outcome{status: patchgen.CheckNotAttempted, detail: "the old package does not type-check by itself: " + errText(root, errs[0])}
	}
	return outcome{status: patchgen.CheckPassed}
}

// depReason is why the first dependency that failed to load did
// ("; example.com/dep: module lookup disabled by GOPROXY=off"), or "".
func depReason(root string, pkg *packages.Package) string {
	for _, ip := range sortedKeys(pkg.Imports) {
		if d := pkg.Imports[ip]; d != nil && len(d.Errors) > 0 {
			return "; " + ip + ": " + clean(root, d.Errors[0].Msg)
		}
	}
	return ""
}

// compilerErrors turns the compiler's output lines, when the type checker
// reported nothing, into errors with absolute positions (the compiler
// names files relative to the module's directory).
func compilerErrors(root string, pkg *packages.Package, lines []string) []packages.Error {
	var errs []packages.Error
	base := root
	if len(pkg.GoFiles) > 0 {
		base = filepath.Dir(pkg.GoFiles[0])
	}
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		i := strings.Index(l, ".go:")
		if i < 0 {
			errs = append(errs, packages.Error{Msg: l, Kind: packages.TypeError})
			continue
		}
		j := strings.Index(l[i+4:], ": ")
		if j < 0 {
			errs = append(errs, packages.Error{Msg: l, Kind: packages.TypeError})
			continue
		}
		pos, msg := l[:i+4+j], l[i+4+j+2:]
		file, _ := errPos(pos)
		// The compiler's paths are relative to the module root; the
		// package's own files sit in its directory.
		name := filepath.Join(base, filepath.Base(filepath.FromSlash(file)))
		errs = append(errs, packages.Error{Pos: name + pos[len(file):], Msg: msg, Kind: packages.TypeError})
	}
	return errs
}

// compileFinding is the PATCH-COMPILE finding of an error at a line of a
// generated file, on the function or carried declaration there.
func compileFinding(f *genFile, line int, detail, msg string) *classifiers.Finding {
	fd := &classifiers.Finding{Rule: RuleID, Verdict: errVerdict(msg), Entity: "file " + f.rel,
		Message: "the candidate does not compile against the old program: " + detail}
	for _, it := range f.items {
		if it.outStart <= line && line <= it.outEnd {
			loc := it.newLoc
			fd.Entity, fd.New, fd.Old = it.label, &loc, it.oldLoc
			return fd
		}
	}
	for _, d := range f.decls {
		if d.outStart <= line && line <= d.outEnd {
			loc := d.newLoc
			fd.Entity, fd.New = d.label(), &loc
			return fd
		}
	}
	return fd
}

// errVerdict reads what a type error says the old program lacks: a field
// or method (the data changed: state-transfer), a package-level name (the
// change needs more than its functions: interface-internal), or something
// the tool cannot judge (unknown).
func errVerdict(msg string) classifiers.Verdict {
	switch {
	case strings.Contains(msg, "has no field or method"), strings.Contains(msg, "unknown field"):
		return classifiers.StateTransfer
	case strings.Contains(msg, "undefined:"):
		return classifiers.InterfaceInternal
	}
	return classifiers.Unknown
}

// containsFile reports whether a list of absolute paths holds p.
func containsFile(list []string, p string) bool {
	for _, f := range list {
		if filepath.Clean(f) == p {
			return true
		}
	}
	return false
}

// errPos splits "file:line:col" (or "file:line") into the file and line.
func errPos(pos string) (string, int) {
	file, line := pos, 0
	var nums []int
	for i := 0; i < 2; i++ {
		j := strings.LastIndexByte(file, ':')
		if j < 0 {
			break
		}
		n, err := strconv.Atoi(file[j+1:])
		if err != nil {
			break
		}
		nums = append(nums, n)
		file = file[:j]
	}
	switch len(nums) {
	case 0:
		return "", 0
	case 1:
		line = nums[0]
	default:
		line = nums[1]
	}
	return file, line
}

// errText renders an error as "file:line:col: msg" with paths relative to
// the export's root.
func errText(root string, e packages.Error) string {
	msg := clean(root, e.Msg)
	if e.Pos == "" || e.Pos == "-" {
		return msg
	}
	return clean(root, e.Pos) + ": " + msg
}

// clean makes the paths of the export in a message relative to its root
// and trims it.
func clean(root, s string) string {
	s = strings.ReplaceAll(s, root+string(filepath.Separator), "")
	s = strings.ReplaceAll(s, root, ".")
	return strings.TrimSpace(s)
}
