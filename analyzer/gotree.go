package analyzer

import (
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/dynupd/dynupd-analyze/analyzer/filekind"
	"github.com/dynupd/dynupd-analyze/analyzer/gofront"
	"github.com/dynupd/dynupd-analyze/analyzer/history"
	"github.com/dynupd/dynupd-analyze/analyzer/typed"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/internal/gotool"
	"github.com/go-git/go-git/v5/plumbing"
)

// goReader is what the Go index needs from a worker.
type goReader interface {
	listTree(h plumbing.Hash) ([]history.TreeFile, error)
	goFile(h plumbing.Hash, name string) (*gofront.File, error)
	goMod(h plumbing.Hash) (*gofront.Mod, error)
}

// goModule is a go.mod of the tree.
type goModule struct {
	dir  string // "" for the root
	path string
	goV  string
	hash plumbing.Hash // of the go.mod blob
}

// goIndex answers whole-tree questions about the Go packages of one tree.
type goIndex struct {
	a    *Analyzer
	root plumbing.Hash

	once    sync.Once
	err     error
	pkgs    map[string][]history.TreeFile // dir → non-test .go files
	dirs    []string                      // sorted
	modules []goModule                    // longest dir first
	pgo     bool                          // a default.pgo file is in the tree

	mu     sync.Mutex
	infos  map[string]*classifiers.GoPkg
	files  map[string][]*gofront.File // dir → parsed files
	paths  map[string][]string        // dir → file paths, parallel to files
	est    map[string]map[string]gofront.Estimate
	embeds []embedPattern
	embOK  bool

	rootOnce sync.Once
	rootPath string // inferred import path of a tree without go.mod
	// rootImports are the import paths its files name (set with rootPath).
	rootImports map[string]bool

	// typed is the tree's type-checked program in typed mode, else nil.
	typed *typed.Program
	// userMemo caches users() answers (guarded by mu).
	userMemo map[string][]classifiers.GoRef
}

type embedPattern struct {
	dir, variable, pattern string
}

func (g *goIndex) load(r goReader) error {
	g.once.Do(func() {
		g.pkgs = map[string][]history.TreeFile{}
		g.infos = map[string]*classifiers.GoPkg{}
		g.files = map[string][]*gofront.File{}
		g.paths = map[string][]string{}
		g.est = map[string]map[string]gofront.Estimate{}
		if g.root.IsZero() {
			return
		}
		all, err := r.listTree(g.root)
		if err != nil {
			g.err = err
			return
		}
		for _, f := range all {
			if path.Base(f.Path) == "default.pgo" {
				g.pgo = true
			}
			switch filekind.Of(f.Path, g.a.cfg) {
			case filekind.Go:
				d := path.Dir(f.Path)
				g.pkgs[d] = append(g.pkgs[d], f)
			case filekind.GoMod:
				if path.Base(f.Path) != "go.mod" {
					continue
				}
				if m, err := r.goMod(f.Hash); err == nil && m.Err == "" {
					d := path.Dir(f.Path)
					if d == "." {
						d = ""
					}
					g.modules = append(g.modules, goModule{dir: d, path: m.Module, goV: m.Go, hash: f.Hash})
				}
			}
		}
		for d := range g.pkgs {
			g.dirs = append(g.dirs, d)
		}
		sort.Strings(g.dirs)
		sort.Slice(g.modules, func(i, j int) bool { return len(g.modules[i].dir) > len(g.modules[j].dir) })
	})
	return g.err
}

// typedProgram returns the tree's type-checked program, or nil.
func (g *goIndex) typedProgram() *typed.Program {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.typed
}

// setTyped attaches the tree's type-checked program.
func (g *goIndex) setTyped(p *typed.Program) {
	g.mu.Lock()
	g.typed = p
	g.userMemo = nil // answers without types are stale now
	g.mu.Unlock()
}

// parsed returns the parsed files of the package in dir.
func (g *goIndex) parsed(r goReader, dir string) ([]*gofront.File, []string) {
	if g.load(r) != nil {
		return nil, nil
	}
	g.mu.Lock()
	if fs, ok := g.files[dir]; ok {
		g.mu.Unlock()
		return fs, g.paths[dir]
	}
	g.mu.Unlock()
	var fs []*gofront.File
	var ps []string
	for _, tf := range g.pkgs[dir] {
		f, err := r.goFile(tf.Hash, path.Base(tf.Path))
		if err != nil {
			continue
		}
		fs = append(fs, f)
		ps = append(ps, tf.Path)
	}
	g.mu.Lock()
	g.files[dir], g.paths[dir] = fs, ps
	g.mu.Unlock()
	return fs, ps
}

// pkg describes the package in dir, or nil when there is none.
func (g *goIndex) pkg(r goReader, dir string) *classifiers.GoPkg {
	if g.load(r) != nil || len(g.pkgs[dir]) == 0 {
		return nil
	}
	g.mu.Lock()
	if p, ok := g.infos[dir]; ok {
		g.mu.Unlock()
		return p
	}
	g.mu.Unlock()
	files, _ := g.parsed(r, dir)
	names := map[string]int{}
	for _, f := range files {
		if f.Package != "" && !strings.HasSuffix(f.Package, "_test") {
			names[f.Package]++
		}
	}
	name := ""
	for n, c := range names {
		if c > names[name] || c == names[name] && n < name {
			name = n
		}
	}
	p := &classifiers.GoPkg{Dir: dir, Name: name, ImportPath: dir}
	for _, m := range g.modules {
		if m.dir == "" || dir == m.dir || strings.HasPrefix(dir, m.dir+"/") {
			rel := strings.TrimPrefix(strings.TrimPrefix(dir, m.dir), "/")
			if m.dir == "" {
				rel = dir
			}
			p.ImportPath = m.path
			if rel != "" && rel != "." {
				p.ImportPath = m.path + "/" + rel
			}
			p.GoVersion = m.goV
			break
		}
	}
	if len(g.modules) == 0 {
		if root := g.gopathRoot(r); root != "" {
			p.ImportPath = root
			if dir != "." && dir != "" {
				p.ImportPath = root + "/" + dir
			}
		}
	}
	p.Main = name == "main"
	internal := false
	for _, el := range strings.Split(p.ImportPath, "/") {
		if el == "internal" {
			internal = true
		}
	}
	p.Public = !internal && !p.Main && !(g.a.cfg != nil && g.a.cfg.GoExportedInternal)
	g.mu.Lock()
	g.infos[dir] = p
	g.mu.Unlock()
	return p
}

// users finds the functions, init functions and package-level variables
// that refer to a name of package pkg.
func (g *goIndex) users(r goReader, pkg *classifiers.GoPkg, name string, method bool) []classifiers.GoRef {
	if g.load(r) != nil || pkg == nil {
		return nil
	}
	key := pkg.Dir + "\x00" + name
	if method {
		key += "\x00m"
	}
	g.mu.Lock()
	if refs, ok := g.userMemo[key]; ok {
		g.mu.Unlock()
		return refs
	}
	g.mu.Unlock()
	refs := g.findUsers(r, pkg, name, method)
	g.mu.Lock()
	if g.userMemo == nil {
		g.userMemo = map[string][]classifiers.GoRef{}
	}
	g.userMemo[key] = refs
	g.mu.Unlock()
	return refs
}

func (g *goIndex) findUsers(r goReader, pkg *classifiers.GoPkg, name string, method bool) []classifiers.GoRef {
	var typedDirs map[string]bool
	var out []classifiers.GoRef
	if tprog := g.typedProgram(); tprog != nil {
		if tp, ok := tprog.Package(pkg.Dir); ok && tp.Err == "" {
			// Callers from type information in the packages that
			// type-checked; the rest are still found by name below.
			typedDirs = map[string]bool{}
			for _, d := range tprog.Dirs() {
				typedDirs[d] = true
			}
			for _, u := range tprog.Users(pkg.Dir, name, method) {
				out = append(out, classifiers.GoRef{Path: u.Path, Pkg: u.Pkg, Dir: u.Dir, Kind: u.Kind, Name: u.Name, Line: u.Line, Escapes: u.Escapes})
			}
		}
	}
	short := name
	if method {
		short = name[strings.LastIndexByte(name, '.')+1:]
	}
	local, qualified := short, pkg.ImportPath+"."+short
	if method {
		local, qualified = "."+short, "."+short
	}
	for _, d := range g.dirs {
		if typedDirs[d] {
			continue
		}
		files, paths := g.parsed(r, d)
		want := qualified
		if d == pkg.Dir {
			want = local
		}
		for i, f := range files {
			if !f.MayUse(want) {
				continue
			}
			for _, e := range f.Entities {
				if containsSorted(e.Uses, want) {
					out = append(out, classifiers.GoRef{Path: paths[i], Pkg: g.pkg(r, d).ImportPath, Dir: d, Kind: e.Kind, Name: e.Name, Line: e.Line,
						Escapes: containsSorted(e.Escapes, want)})
				}
			}
		}
	}
	return out
}

func containsSorted(s []string, x string) bool {
	i := sort.SearchStrings(s, x)
	return i < len(s) && s[i] == x
}

// estimate returns gc's inlining estimate for a function of the package.
func (g *goIndex) estimate(r goReader, dir, name string) (gofront.Estimate, bool) {
	g.mu.Lock()
	m, ok := g.est[dir]
	g.mu.Unlock()
	if !ok {
		files, _ := g.parsed(r, dir)
		m = gofront.EstimateCosts(files, gofront.StdCallee)
		g.mu.Lock()
		g.est[dir] = m
		g.mu.Unlock()
	}
	e, ok := m[name]
	return e, ok
}

func (g *goIndex) typeExists(r goReader, dir, name string) bool {
	return g.typeDecl(r, dir, name) != nil
}

// typeDecl returns the package's declaration of a type (the first, when
// build constraints give several).
func (g *goIndex) typeDecl(r goReader, dir, name string) *gofront.Entity {
	files, _ := g.parsed(r, dir)
	for _, f := range files {
		for _, e := range f.Entities {
			if e.Kind == gofront.KType && e.Name == name {
				return e
			}
		}
	}
	return nil
}

// embedder finds the //go:embed pattern that matches a file.
func (g *goIndex) embedder(r goReader, p string) (string, string, bool) {
	if g.load(r) != nil {
		return "", "", false
	}
	g.mu.Lock()
	ok := g.embOK
	g.mu.Unlock()
	if !ok {
		var pats []embedPattern
		for _, d := range g.dirs {
			files, _ := g.parsed(r, d)
			for _, f := range files {
				for _, e := range f.Entities {
					for _, pat := range e.Embed {
						pats = append(pats, embedPattern{dir: d, variable: e.Name, pattern: pat})
					}
				}
			}
		}
		g.mu.Lock()
		g.embeds, g.embOK = pats, true
		g.mu.Unlock()
	}
	for _, e := range g.embeds {
		rel := p
		if e.dir != "." {
			if !strings.HasPrefix(p, e.dir+"/") {
				continue
			}
			rel = strings.TrimPrefix(p, e.dir+"/")
		}
		all := strings.HasPrefix(e.pattern, "all:")
		pat := strings.TrimPrefix(e.pattern, "all:")
		if ok, _ := path.Match(pat, rel); ok {
			return e.dir, e.variable, true // a file named by the pattern itself
		}
		if prefix := strings.TrimSuffix(pat, "/") + "/"; strings.HasPrefix(rel, prefix) {
			// A directory: its files are embedded, except (without all:)
			// those whose name below it starts with '.' or '_'.
			hidden := false
			for _, el := range strings.Split(strings.TrimPrefix(rel, prefix), "/") {
				if strings.HasPrefix(el, ".") || strings.HasPrefix(el, "_") {
					hidden = true
				}
			}
			if all || !hidden {
				return e.dir, e.variable, true
			}
		}
	}
	return "", "", false
}

// gopathRoot infers the import path of the root of a tree that has no
// go.mod (GOPATH-era history) from the imports of its files
// (gotool.InferRoot). It returns "" when nothing votes.
func (g *goIndex) gopathRoot(r goReader) string {
	g.rootOnce.Do(func() {
		imports := map[string]bool{}
		for _, d := range g.dirs {
			files, _ := g.parsed(r, d)
			for _, f := range files {
				for _, imp := range f.Imports {
					imports[imp] = true
				}
			}
		}
		g.rootPath = gotool.InferRoot(g.dirs, imports)
		g.rootImports = imports
	})
	return g.rootPath
}

// knownGo is the newest Go release whose inliner the tool models.
const knownGo = "1.26"

// widened says why gc's budget of 80 cannot be relied on for a package:
// the tree builds with profile-guided optimisation (a default.pgo file:
// go build uses it for its main package, and hot call sites then inline
// up to 2,000), or its module needs a newer Go than the tool knows. ""
// when the budget holds.
func (g *goIndex) widened(r goReader, dir string) string {
	if g.load(r) != nil {
		return ""
	}
	if g.pgo {
		return "the tree has a default.pgo profile: hot call sites inline functions up to a cost of 2,000"
	}
	if p := g.pkg(r, dir); p != nil && p.GoVersion != "" && goNewer(p.GoVersion, knownGo) {
		return "the module needs Go " + p.GoVersion + ", newer than the inliner the tool knows (" + knownGo + ")"
	}
	return ""
}

// goNewer compares Go versions ("1.22", "1.22.3", "1.23rc1") by their
// major.minor parts: is a newer than b?
func goNewer(a, b string) bool {
	parse := func(v string) (int, int) {
		v = strings.TrimPrefix(v, "go")
		parts := strings.SplitN(v, ".", 3)
		num := func(s string) int {
			n := 0
			for _, c := range s {
				if c < '0' || c > '9' {
					break
				}
				n = n*10 + int(c-'0')
			}
			return n
		}
		if len(parts) < 2 {
			return num(parts[0]), 0
		}
		return num(parts[0]), num(parts[1])
	}
	am, an := parse(a)
	bm, bn := parse(b)
	return am > bm || am == bm && an > bn
}
