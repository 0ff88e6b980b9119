package analyzer

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dynupd/dynupd-analyze/analyzer/gofront"
	"github.com/dynupd/dynupd-analyze/internal/gotool"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// gcOracle asks the local Go compiler which functions of a package it
// inlines, for the functions the syntactic estimate cannot decide. The
// package's module is exported from the tree into a temporary directory
// and compiled with `go build -gcflags=-m=2`: nothing is run, nothing is
// downloaded (GOTOOLCHAIN=local, GOFLAGS=-mod=mod, CGO_ENABLED=0,
// GOENV=off, and GOPROXY is the local module cache or off), and a package
// that cannot be built offline simply keeps its estimate. A tree without
// go.mod (GOPATH-era history) gets one naming the import path its own
// imports imply.
type gcOracle struct {
	mu      sync.Mutex
	results map[string]map[string]gofront.Estimate // "tree:dir" → function → decision
	// depFailed remembers the go.mod contents (or GOPATH roots) whose
	// dependencies are not in the module cache: later trees with the same
	// requirements are not compiled again.
	depFailed map[string]bool
	failures  map[string]int // consecutive failed builds per requirement set
	// wholeModule compiles every package of a module at once (Diff).
	wholeModule bool
	cache       string // GOCACHE shared by the runs
	goBin       string
	off         bool
}

func newGCOracle(enabled bool) *gcOracle {
	o := &gcOracle{results: map[string]map[string]gofront.Estimate{}, depFailed: map[string]bool{}, failures: map[string]int{}, off: !enabled}
	if bin, err := exec.LookPath("go"); err == nil {
		o.goBin = bin
	} else {
		o.off = true
	}
	return o
}

// oracleLimits bound what is exported for one compile.
const (
	oracleMaxFiles = 4000
	oracleMaxBytes = 64 << 20
	oracleTimeout  = 90 * time.Second
	// oracleMaxFailures consecutive failed builds with one set of
	// requirements stop the oracle for that set.
	oracleMaxFailures = 3
)

var (
	gcCanInline  = regexp.MustCompile(`: can inline (\S+) with cost (\d+)`)
	gcCannotCost = regexp.MustCompile(`: cannot inline (\S+): function too complex: cost (\d+) exceeds budget`)
	gcCannot     = regexp.MustCompile(`: cannot inline (\S+): (.+)$`)
)

// decide returns gc's decision for a function of the package in dir of the
// tree, compiling the package once; ok is false when it cannot be had.
func (o *gcOracle) decide(ctx context.Context, w *worker, g *goIndex, dir, name string) (gofront.Estimate, bool) {
	if o.off {
		return gofront.Estimate{}, false
	}
	key := g.root.String() + ":" + dir
	o.mu.Lock()
	res, done := o.results[key]
	o.mu.Unlock()
	if !done {
		all := o.compile(ctx, w, g, dir)
		res = all[dir]
		if res == nil {
			res = map[string]gofront.Estimate{}
		}
		o.mu.Lock()
		for d, r := range all {
			if k := g.root.String() + ":" + d; o.results[k] == nil {
				o.results[k] = r
			}
		}
		o.results[key] = res
		o.mu.Unlock()
	}
	e, ok := res[name]
	return e, ok
}

// compile builds the package in dir (or, with wholeModule, every package
// of its module, which costs one go invocation for the many packages a
// diff touches) and returns gc's decisions by package directory.
func (o *gcOracle) compile(ctx context.Context, w *worker, g *goIndex, dir string) map[string]map[string]gofront.Estimate {
	out := map[string]map[string]gofront.Estimate{}
	if g.load(w) != nil {
		return out
	}
	mod, depKey := "", ""
	found := false
	for _, m := range g.modules {
		if m.dir == "" || dir == m.dir || strings.HasPrefix(dir, m.dir+"/") {
			mod, found, depKey = m.dir, true, m.hash.String()
			break
		}
	}
	synthetic := ""
	if !found {
		// GOPATH-era code: give the tree the module path its imports
		// imply; dependencies then resolve to versions in the module cache.
		root := g.gopathRoot(w)
		synthetic = gotool.SynthGoMod(root, g.rootImports)
		depKey = "gopath:" + root
	}
	o.mu.Lock()
	failed := o.depFailed[depKey]
	o.mu.Unlock()
	if failed {
		return out
	}
	tmp, err := os.MkdirTemp("", "dynupd-gc-")
	if err != nil {
		return out
	}
	defer os.RemoveAll(tmp)
	if err := w.exportTree(g.root, mod, tmp, exportLimits{files: oracleMaxFiles, bytes: oracleMaxBytes}); err != nil {
		w.a.log.Debug("gc inlining oracle could not export the tree", "dir", dir, "err", err)
		return out
	}
	if synthetic != "" {
		if err := os.WriteFile(filepath.Join(tmp, "go.mod"), []byte(synthetic), 0o644); err != nil {
			return out
		}
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(dir, mod), "/")
	target := "./" + rel
	if rel == "" || rel == "." {
		target = "."
	}
	o.mu.Lock()
	whole := o.wholeModule
	o.mu.Unlock()
	if whole {
		target = "./..."
	}
	cctx, cancel := context.WithTimeout(ctx, oracleTimeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, o.goBin, "build", "-gcflags=-m=2", "-o", os.DevNull, target)
	cmd.Dir = tmp
	cmd.Env = oracleEnv(o.cacheDir())
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	start := time.Now()
	runErr := cmd.Run()
	output := buf.String()
	w.a.log.Debug("gc inlining oracle ran", "dir", dir, "target", target, "took", time.Since(start).Round(time.Millisecond), "ok", runErr == nil, "key", depKey, "first", firstLineOf(output))
	sc := bufio.NewScanner(strings.NewReader(output))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	// gc names files relative to the module root: "dir/file.go:…", or
	// "file.go:…" for the root package.
	for sc.Scan() {
		l := strings.TrimPrefix(sc.Text(), "./")
		colon := strings.IndexByte(l, ':')
		if colon < 0 || !strings.HasSuffix(l[:colon], ".go") || strings.HasPrefix(l[:colon], "/") || strings.HasPrefix(l[:colon], "..") {
			continue // not a file of the module (the cache, GOROOT)
		}
		d := path.Join(mod, path.Dir(l[:colon]))
		if mod == "" {
			d = path.Dir(l[:colon])
		}
		if !whole && d != dir {
			continue // another package's line
		}
		if !gcCanInline.MatchString(l) && !gcCannot.MatchString(l) {
			continue // a diagnostic
		}
		m := out[d]
		if m == nil {
			m = map[string]gofront.Estimate{}
			out[d] = m
		}
		switch {
		case gcCanInline.MatchString(l):
			sm := gcCanInline.FindStringSubmatch(l)
			c, _ := strconv.Atoi(sm[2])
			m[plainName(sm[1])] = gofront.Estimate{Min: c, Max: c, Source: "gc"}
		case gcCannotCost.MatchString(l):
			sm := gcCannotCost.FindStringSubmatch(l)
			c, _ := strconv.Atoi(sm[2])
			m[plainName(sm[1])] = gofront.Estimate{Min: c, Max: c, Forbid: "gc: cost " + sm[2], Source: "gc"}
		case gcCannot.MatchString(l):
			sm := gcCannot.FindStringSubmatch(l)
			m[plainName(sm[1])] = gofront.Estimate{Min: 1, Max: 1, Forbid: "gc: " + sm[2], Source: "gc"}
		}
	}
	o.mu.Lock()
	switch {
	case runErr == nil || len(out) > 0:
		o.failures[depKey] = 0
	case missingDeps(output):
		o.depFailed[depKey] = true
	default:
		// GOPATH-era trees built against today's cached dependencies
		// tend to fail the same way commit after commit: stop trying
		// after a few.
		if o.failures[depKey]++; o.failures[depKey] >= oracleMaxFailures {
			o.depFailed[depKey] = true
		}
	}
	o.mu.Unlock()
	if runErr != nil && len(out) == 0 {
		w.a.log.Debug("gc inlining oracle could not build", "dir", dir, "err", runErr, "output", firstLineOf(output))
	}
	return out
}

// plainName turns gc's "(*T).M" or "T.M" into the frontend's "T.M".
func plainName(s string) string {
	s = strings.TrimPrefix(s, "(*")
	s = strings.Replace(s, ").", ".", 1)
	if i := strings.IndexByte(s, '['); i >= 0 { // generic instantiation
		j := strings.IndexByte(s[i:], ']')
		if j > 0 {
			s = s[:i] + s[i+j+1:]
		}
	}
	return s
}

func firstLineOf(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// safeRel reports whether a repository path stays inside the export
// directory (no absolute paths, no "..").
func safeRel(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, "\\") {
		return false
	}
	for _, el := range strings.Split(p, "/") {
		if el == ".." {
			return false
		}
	}
	return path.Clean(p) == p
}

func (o *gcOracle) cacheDir() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.cache == "" {
		o.cache = filepath.Join(os.TempDir(), "dynupd-gocache")
	}
	return o.cache
}

// oracleEnv is the environment of the compiler runs: no network, no
// toolchain switch, no cgo, no user go.env, its own build cache.
func oracleEnv(cache string) []string {
	// The user's module cache is only read: as a local proxy (its
	// download directory), which also lets a go.mod that lacks a
	// requirement (or a synthesized one) resolve it to a cached version.
	// Modules are extracted into a module cache of our own beside the
	// build cache, so the user's is never written.
	proxy := gotool.LocalProxy()
	env := []string{
		"GOTOOLCHAIN=local", "GOPROXY=" + proxy, "GOFLAGS=-mod=mod -modcacherw", "CGO_ENABLED=0", "GOENV=off",
		"GOWORK=off", "GONOSUMDB=*", "GONOSUMCHECK=1", "GOSUMDB=off", "GOCACHE=" + cache, "GO111MODULE=on",
		"GOMODCACHE=" + filepath.Join(filepath.Dir(cache), "dynupd-gomodcache"),
	}
	for _, k := range []string{"PATH", "HOME", "GOROOT", "GOPATH", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// exportLimits bound a tree export.
type exportLimits struct {
	files   int
	bytes   int64
	perFile int64 // files over this size are left out (0: no limit)
	// keep, when set, selects the paths exported (the others are left
	// out before their size is read).
	keep func(path string) bool
}

// exportTree writes the files of a tree under sub ("" for all) into dst,
// with paths relative to sub. Submodules and symlinks are left out; a path
// that would leave dst, or a tree over the limits, is an error.
func (w *worker) exportTree(root plumbing.Hash, sub, dst string, lim exportLimits) error {
	files, err := w.listTree(root)
	if err != nil {
		return err
	}
	var n int
	var size int64
	made := map[string]bool{}
	for _, f := range files {
		if sub != "" && !strings.HasPrefix(f.Path, sub+"/") {
			continue
		}
		if lim.keep != nil && !lim.keep(f.Path) {
			continue
		}
		if f.Mode == filemode.Submodule || f.Mode == filemode.Symlink {
			continue
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(f.Path, sub), "/")
		if !safeRel(rel) {
			return fmt.Errorf("export: unsafe path %q", f.Path)
		}
		if n++; n > lim.files {
			return fmt.Errorf("export: more than %d files", lim.files)
		}
		sz, err := w.repo.BlobSize(f.Hash)
		if err != nil {
			return fmt.Errorf("export %s: %w", f.Path, err)
		}
		if lim.perFile > 0 && sz > lim.perFile {
			continue
		}
		if size += sz; size > lim.bytes {
			return fmt.Errorf("export: more than %d bytes", lim.bytes)
		}
		b, err := w.blob(f.Hash)
		if err != nil {
			return fmt.Errorf("export %s: %w", f.Path, err)
		}
		full := filepath.Join(dst, filepath.FromSlash(rel))
		if d := filepath.Dir(full); !made[d] {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return fmt.Errorf("export: %w", err)
			}
			made[d] = true
		}
		mode := os.FileMode(0o644)
		if err := os.WriteFile(full, b, mode); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	return nil
}

// missingDeps reports whether go build failed for want of a dependency
// that is not in the module cache (or that needs cgo, which the oracle
// leaves off): every tree with the same requirements fails the same way.
func missingDeps(output string) bool {
	for _, sig := range []string{"cannot find module providing package", "missing go.sum entry", "module lookup disabled",
		"build constraints exclude all Go files", // a cgo dependency, and the oracle builds without cgo
		"no required module provides package", "reading file://", "no matching versions", "unknown revision"} {
		if strings.Contains(output, sig) {
			return true
		}
	}
	return false
}

// typedEnv is the environment of typed loading (go list through
// go/packages): GOTOOLCHAIN=local, GOFLAGS=-mod=mod and GOPROXY=off unless
// the user gave another proxy, the user's module cache, our build cache,
// no cgo.
func typedEnv(cache, proxy string) []string {
	if proxy == "" {
		proxy = "off"
	}
	env := []string{
		"GOTOOLCHAIN=local", "GOPROXY=" + proxy, "GOFLAGS=-mod=mod", "CGO_ENABLED=0", "GOENV=off",
		"GOWORK=off", "GOCACHE=" + cache, "GO111MODULE=on",
	}
	if proxy == "off" {
		env = append(env, "GONOSUMDB=*", "GONOSUMCHECK=1", "GOSUMDB=off")
	}
	for _, k := range []string{"PATH", "HOME", "GOROOT", "GOMODCACHE", "GOPATH", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}
