package analyzer

import (
	"context"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/dynupd/dynupd-analyze/analyzer/cfront"
	"github.com/dynupd/dynupd-analyze/analyzer/filekind"
	"github.com/dynupd/dynupd-analyze/analyzer/gofront"
	"github.com/dynupd/dynupd-analyze/analyzer/history"
	"github.com/dynupd/dynupd-analyze/analyzer/typed"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// treeIndex answers whole-tree questions about one tree (by root hash): its
// C files and, built lazily from their inventories, which headers are
// public, what typedefs stand for, which functions are start-up code. It is
// shared by the workers; what it builds it builds once.
type treeIndex struct {
	root plumbing.Hash
	a    *Analyzer

	filesOnce sync.Once
	files     []history.TreeFile // C files (.c, .h), sorted by path
	byPath    map[string]int
	byBase    map[string][]int
	allPaths  map[string]bool // every file of the tree
	filesErr  error

	mu        sync.Mutex
	public    map[string]bool // public headers, built once
	pubNames  map[string]bool // names declared in public headers
	typedefs  map[string]string
	tdLocs    map[string][]tdLoc // typedef name → where defined
	initFuncs map[string]bool
	included  map[string]bool // base names #included by some C file
	macros    map[string]bool // names #defined by some C file
	invsOnce  sync.Once
	tdOnce    sync.Once
	rinclOnce sync.Once
	invs      []*cfront.Inventory // every C file's inventory, loaded once
	rincl     [][]int             // file → files that #include it directly
	incOf     map[string]map[string]bool
}

type tdLoc struct {
	file  int
	chunk int
}

// reader is what a tree index needs from a worker: blob content and
// inventories through the shared caches, and tree listings.
type reader interface {
	inventory(h plumbing.Hash) (*cfront.Inventory, []byte, error)
	inventoryOnly(h plumbing.Hash) (*cfront.Inventory, error)
	listTree(h plumbing.Hash) ([]history.TreeFile, error)
	entities(src []byte, c *cfront.Chunk) []*cfront.Entity
}

func (t *treeIndex) load(r reader) error {
	t.filesOnce.Do(func() {
		if t.root.IsZero() {
			t.byPath = map[string]int{}
			t.allPaths = map[string]bool{}
			return
		}
		all, err := r.listTree(t.root)
		if err != nil {
			t.filesErr = err
			return
		}
		t.allPaths = map[string]bool{}
		for _, f := range all {
			t.allPaths[f.Path] = true
			if f.Mode == filemode.Submodule || f.Mode == filemode.Symlink {
				continue
			}
			k := filekind.Of(f.Path, t.a.cfg)
			if k == filekind.C || k != filekind.NonCode && (isCExt(f.Path) || isFragmentExt(f.Path)) {
				t.files = append(t.files, f)
			}
		}
		sort.Slice(t.files, func(i, j int) bool { return t.files[i].Path < t.files[j].Path })
		t.byPath = make(map[string]int, len(t.files))
		t.byBase = map[string][]int{}
		for i, f := range t.files {
			t.byPath[f.Path] = i
			t.byBase[path.Base(f.Path)] = append(t.byBase[path.Base(f.Path)], i)
		}
	})
	return t.filesErr
}

// isFragmentExt reports extensions commonly used for files that C code
// #includes (X-macro lists, generated tables), which index with C files.
func isFragmentExt(p string) bool {
	switch path.Ext(p) {
	case ".def", ".inc", ".x", ".tab", ".tbl", ".inl", ".ipp":
		return true
	}
	return false
}

// inv returns the inventory and source of the i-th C file, or nil.
func (t *treeIndex) inv(r reader, i int) (*cfront.Inventory, []byte) {
	inv, src, err := r.inventory(t.files[i].Hash)
	if err != nil {
		return nil, nil
	}
	return inv, src
}

// allInvs returns the inventories of every C file (nil for a file that
// cannot be read), loaded once per tree.
func (t *treeIndex) allInvs(r reader) []*cfront.Inventory {
	if err := t.load(r); err != nil {
		return nil
	}
	t.invsOnce.Do(func() {
		t.invs = make([]*cfront.Inventory, len(t.files))
		for i, f := range t.files {
			if inv, err := r.inventoryOnly(f.Hash); err == nil {
				t.invs[i] = inv
			}
		}
	})
	return t.invs
}

// users returns the references to name in the tree (or in one file).
func (t *treeIndex) users(r reader, name, scope string) []classifiers.Ref {
	if err := t.load(r); err != nil {
		return nil
	}
	invs := t.allInvs(r)
	var out []classifiers.Ref
	h := cfront.NameHash(name)
	visit := func(i int) {
		inv := invs[i]
		if inv == nil || !inv.MayUse(h) {
			return
		}
		for _, ci := range inv.Users(name) {
			c := &inv.Chunks[ci]
			out = append(out, classifiers.Ref{Path: t.files[i].Path, Kind: c.Kind, Sub: c.Sub, Name: c.Name, Line: int(c.Line)})
		}
	}
	if scope != "" {
		if i, ok := t.byPath[scope]; ok {
			visit(i)
		}
		return out
	}
	for i := range t.files {
		visit(i)
	}
	return out
}

// includedFragments reports whether some C file includes a file with this
// base name (so that a file with an unusual extension is C).
func (t *treeIndex) includes(r reader, base string) bool {
	if err := t.load(r); err != nil {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.included == nil {
		t.included = map[string]bool{}
		for _, inv := range t.allInvs(r) {
			if inv == nil {
				continue
			}
			for _, b := range inv.Included {
				t.included[b] = true
			}
		}
	}
	return t.included[base]
}

// publicSet computes the tree's public headers: under an include/
// directory, configured, declaring an export-marked function, or included by
// a public header.
func (t *treeIndex) publicSet(r reader) map[string]bool {
	if err := t.load(r); err != nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.public != nil {
		return t.public
	}
	cfg := t.a.cfg
	pub := map[string]bool{}
	var queue []int
	private := func(p string) bool { return cfg != nil && config.Match(cfg.PrivateHeaders, p) }
	for i, f := range t.files {
		if !isHeaderPath(f.Path) || private(f.Path) {
			continue
		}
		marked := false
		if underInclude(f.Path) || cfg != nil && config.Match(cfg.PublicHeaders, f.Path) {
			marked = true
		} else if inv, _ := t.inv(r, i); inv != nil {
			for ci := range inv.Chunks {
				c := &inv.Chunks[ci]
				if c.Exported && !c.Dead && (c.Sub == "proto" || c.Kind == cfront.ChunkFunc || c.Sub == "var") {
					marked = true
					break
				}
			}
		}
		if marked {
			pub[f.Path] = true
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		inv, _ := t.inv(r, i)
		if inv == nil {
			continue
		}
		for _, inc := range inv.Includes {
			for _, j := range t.resolveInclude(t.files[i].Path, inc) {
				p := t.files[j].Path
				if !pub[p] && !private(p) {
					pub[p] = true
					queue = append(queue, j)
				}
			}
		}
	}
	t.public = pub
	t.pubNames = map[string]bool{}
	var guards []string
	if cfg != nil {
		guards = cfg.PrivateGuards
	}
	for p := range pub {
		i := t.byPath[p]
		inv, _ := t.inv(r, i)
		if inv == nil {
			continue
		}
		for ci := range inv.Chunks {
			c := &inv.Chunks[ci]
			if c.Dead || c.Name == "" || guarded(c.Cond, guards) {
				continue
			}
			if c.Sub == "proto" || c.Sub == "var" || c.Kind == cfront.ChunkFunc {
				t.pubNames[c.Name] = true
			}
		}
	}
	for i := range t.files {
		inv, _ := t.inv(r, i)
		if inv == nil {
			continue
		}
		for _, n := range inv.Exports {
			t.pubNames[n] = true
		}
	}
	return t.public
}

func guarded(cond string, guards []string) bool {
	c := strings.ReplaceAll(cond, " ", "")
	for _, g := range guards {
		for _, pat := range []string{"defined(" + g + ")", "defined" + g} {
			if k := strings.Index(c, pat); k >= 0 && (k == 0 || c[k-1] != '!') {
				return true
			}
		}
	}
	return false
}

func isHeaderPath(p string) bool { return !strings.HasSuffix(p, ".c") }

func underInclude(p string) bool {
	for _, d := range strings.Split(path.Dir(p), "/") {
		if d == "include" {
			return true
		}
	}
	return false
}

// resolveInclude finds the tree files an #include target may name: the
// path relative to the including file, else every file whose path ends
// with the target.
func (t *treeIndex) resolveInclude(from, target string) []int {
	if i, ok := t.byPath[path.Join(path.Dir(from), target)]; ok {
		return []int{i}
	}
	if i, ok := t.byPath[target]; ok {
		return []int{i}
	}
	var out []int
	suffix := "/" + strings.TrimPrefix(target, "./")
	for _, i := range t.byBase[path.Base(target)] {
		if strings.HasSuffix(t.files[i].Path, suffix) {
			out = append(out, i)
		}
	}
	return out
}

// includers returns the files that #include p, directly or through other
// headers, with p itself: the translation units a header's macros,
// inline functions and types reach.
func (t *treeIndex) includers(r reader, p string) map[string]bool {
	if err := t.load(r); err != nil {
		return nil
	}
	t.rinclOnce.Do(func() {
		rincl := make([][]int, len(t.files))
		for i, inv := range t.allInvs(r) {
			if inv == nil {
				continue
			}
			var incs []string
			incs = append(incs, inv.Includes...)
			for ci := range inv.Chunks { // includes inside declarations
				for _, id := range inv.Chunks[ci].Idents {
					if strings.HasPrefix(id, "#include:") && inv.Chunks[ci].Kind != cfront.ChunkDirective {
						incs = append(incs, strings.TrimPrefix(id, "#include:"))
					}
				}
			}
			for _, inc := range incs {
				for _, j := range t.resolveInclude(t.files[i].Path, inc) {
					rincl[j] = append(rincl[j], i)
				}
			}
		}
		t.mu.Lock()
		t.rincl = rincl
		t.incOf = map[string]map[string]bool{}
		t.mu.Unlock()
	})
	t.mu.Lock()
	defer t.mu.Unlock()
	if m, ok := t.incOf[p]; ok {
		return m
	}
	m := map[string]bool{p: true}
	start, ok := t.byPath[p]
	if ok {
		queue := []int{start}
		for len(queue) > 0 {
			i := queue[0]
			queue = queue[1:]
			for _, j := range t.rincl[i] {
				if fp := t.files[j].Path; !m[fp] {
					m[fp] = true
					queue = append(queue, j)
				}
			}
		}
	}
	t.incOf[p] = m
	return m
}

func (t *treeIndex) publicHeader(r reader, p string) bool { return t.publicSet(r)[p] }

func (t *treeIndex) declaredPublic(r reader, name string) bool {
	t.publicSet(r)
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pubNames[name]
}

// typedef resolves a typedef name of the tree to its normalised type.
func (t *treeIndex) typedef(r reader, name string) (string, bool) {
	if err := t.load(r); err != nil {
		return "", false
	}
	t.tdOnce.Do(func() {
		locs := map[string][]tdLoc{}
		for i, inv := range t.allInvs(r) {
			if inv == nil {
				continue
			}
			for ci := range inv.Chunks {
				c := &inv.Chunks[ci]
				if c.Sub == "typedef" && !c.Dead && c.Name != "" {
					locs[c.Name] = append(locs[c.Name], tdLoc{i, ci})
				}
			}
		}
		t.mu.Lock()
		t.tdLocs = locs
		t.typedefs = map[string]string{}
		t.mu.Unlock()
	})
	t.mu.Lock()
	if v, ok := t.typedefs[name]; ok {
		t.mu.Unlock()
		return v, v != ""
	}
	locs := t.tdLocs[name]
	t.mu.Unlock()
	res := ""
	for _, l := range locs {
		inv, src := t.inv(r, l.file)
		if inv == nil {
			continue
		}
		for _, e := range r.entities(src, &inv.Chunks[l.chunk]) {
			if e.Kind == cfront.KTypedef && e.Name == name && e.ParseErr == "" {
				res = e.Type
				break
			}
		}
		if res != "" {
			break
		}
	}
	t.mu.Lock()
	t.typedefs[name] = res
	t.mu.Unlock()
	return res, res != ""
}

func (t *treeIndex) initFunc(r reader, name string) bool {
	if cfg := t.a.cfg; cfg != nil && config.MatchName(cfg.InitFunctions, name) {
		return true
	}
	if err := t.load(r); err != nil {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.initFuncs == nil {
		t.initFuncs = map[string]bool{}
		for _, inv := range t.allInvs(r) {
			if inv == nil {
				continue
			}
			for _, n := range inv.InitFuncs {
				t.initFuncs[n] = true
			}
		}
	}
	return t.initFuncs[name]
}

func (t *treeIndex) entitiesAt(r reader, ref classifiers.Ref) []*cfront.Entity {
	if err := t.load(r); err != nil {
		return nil
	}
	i, ok := t.byPath[ref.Path]
	if !ok {
		return nil
	}
	inv, src := t.inv(r, i)
	if inv == nil {
		return nil
	}
	for ci := range inv.Chunks {
		c := &inv.Chunks[ci]
		if int(c.Line) == ref.Line && c.Name == ref.Name && !c.Dead {
			return r.entities(src, c)
		}
	}
	return nil
}

// commitContext implements classifiers.Context for one commit, over its old
// and new trees, with the worker that reads for it.
type commitContext struct {
	ctx          context.Context
	r            *worker
	old, new     *treeIndex
	goOld, goNew *goIndex
	cfg          *config.Config
}

func (c *commitContext) goSide(s classifiers.Side) *goIndex {
	if s == classifiers.Old {
		return c.goOld
	}
	return c.goNew
}

func (c *commitContext) GoPackage(s classifiers.Side, dir string) *classifiers.GoPkg {
	return c.goSide(s).pkg(c.r, dir)
}

func (c *commitContext) GoUsers(s classifiers.Side, pkg *classifiers.GoPkg, name string, method bool) []classifiers.GoRef {
	return c.goSide(s).users(c.r, pkg, name, method)
}

func (c *commitContext) GoEstimate(s classifiers.Side, dir, name string) (gofront.Estimate, bool) {
	return c.goSide(s).estimate(c.r, dir, name)
}

func (c *commitContext) GoInline(s classifiers.Side, dir, name string) (gofront.Estimate, bool) {
	g := c.goSide(s)
	est, ok := g.estimate(c.r, dir, name)
	widen := g.widened(c.r, dir)
	if ok && est.Inlinable() != "maybe" || !ok {
		est.Widened = widen
		return est, ok
	}
	if d, ok2 := c.r.a.oracle.decide(c.ctx, c.r, g, dir, name); ok2 {
		d.Widened = widen
		return d, true
	}
	est.Widened = widen
	return est, ok
}

func (c *commitContext) GoEmbedder(s classifiers.Side, p string) (string, string, bool) {
	return c.goSide(s).embedder(c.r, p)
}

func (c *commitContext) GoTypeExists(s classifiers.Side, dir, name string) bool {
	return c.goSide(s).typeExists(c.r, dir, name)
}

func (c *commitContext) GoAPI(dir string) ([]classifiers.GoAPIChange, bool) {
	if c.goOld == nil || c.goNew == nil {
		return nil, false
	}
	op, np := c.goOld.typedProgram(), c.goNew.typedProgram()
	if op == nil || np == nil {
		return nil, false
	}
	chs, ok := typed.APIChanges(op, np, dir)
	if !ok {
		return nil, false
	}
	out := make([]classifiers.GoAPIChange, 0, len(chs))
	for _, ch := range chs {
		out = append(out, classifiers.GoAPIChange{Object: ch.Object, Member: ch.Member, Kind: ch.Kind, Method: ch.Method, Removed: ch.Removed, Message: ch.Message})
	}
	return out, true
}

func (c *commitContext) GoType(s classifiers.Side, dir, name string) *gofront.Entity {
	return c.goSide(s).typeDecl(c.r, dir, name)
}

func (c *commitContext) side(s classifiers.Side) *treeIndex {
	if s == classifiers.Old {
		return c.old
	}
	return c.new
}

func (c *commitContext) Config() *config.Config { return c.cfg }

func (c *commitContext) PublicHeader(s classifiers.Side, p string) bool {
	return c.side(s).publicHeader(c.r, p)
}

func (c *commitContext) DeclaredPublic(s classifiers.Side, name string) bool {
	return c.side(s).declaredPublic(c.r, name)
}

func (c *commitContext) Users(s classifiers.Side, name, scope string) []classifiers.Ref {
	return c.side(s).users(c.r, name, scope)
}

func (c *commitContext) Typedef(s classifiers.Side, name string) (string, bool) {
	return c.side(s).typedef(c.r, name)
}

func (c *commitContext) Entities(s classifiers.Side, ref classifiers.Ref) []*cfront.Entity {
	return c.side(s).entitiesAt(c.r, ref)
}

func (c *commitContext) InitFunc(name string) bool { return c.new.initFunc(c.r, name) }

func (c *commitContext) AnyInit() bool {
	if cfg := c.cfg; cfg != nil && len(cfg.InitFunctions) > 0 {
		return true
	}
	c.new.initFunc(c.r, "")
	c.new.mu.Lock()
	defer c.new.mu.Unlock()
	return len(c.new.initFuncs) > 0
}

func (c *commitContext) Includers(s classifiers.Side, p string) map[string]bool {
	return c.side(s).includers(c.r, p)
}

func (c *commitContext) MacroDefined(s classifiers.Side, name string) bool {
	return c.side(s).macroDefined(c.r, name)
}

// macroDefined reports whether some C file of the tree #defines name.
func (t *treeIndex) macroDefined(r reader, name string) bool {
	if err := t.load(r); err != nil {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.macros == nil {
		t.macros = map[string]bool{}
		for i := range t.files {
			inv, _ := t.inv(r, i)
			if inv == nil {
				continue
			}
			for ci := range inv.Chunks {
				if c := &inv.Chunks[ci]; c.Kind == cfront.ChunkDirective && c.Sub == "define" && !c.Dead {
					t.macros[c.Name] = true
				}
			}
		}
	}
	return t.macros[name]
}
