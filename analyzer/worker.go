package analyzer

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"
	"github.com/dynupd/dynupd-analyze/analyzer/cfront"
	"github.com/dynupd/dynupd-analyze/analyzer/filekind"
	"github.com/dynupd/dynupd-analyze/analyzer/gofront"
	"github.com/dynupd/dynupd-analyze/analyzer/history"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// worker analyses commits with its own repository handle and parser; the
// caches it reads through are shared.
type worker struct {
	a      *Analyzer
	repo   *history.Repo
	differ *cfront.Differ
	ctx    context.Context
}

func (a *Analyzer) newWorker() (*worker, error) {
	a.treeMu.Lock()
	ov := a.overlay
	a.treeMu.Unlock()
	r, err := history.Open(a.path, history.OpenOptions{ObjectCacheBytes: 32 << 20, Overlay: ov, Backend: a.opts.Backend})
	if err != nil {
		return nil, err
	}
	return &worker{a: a, repo: r, differ: &cfront.Differ{Parser: cfront.NewParser(), Cache: a.parses}, ctx: context.Background()}, nil
}

func (w *worker) close() {
	w.differ.Parser.Close()
	_ = w.repo.Close()
}

func (w *worker) blob(h plumbing.Hash) ([]byte, error) {
	if b, ok := w.a.blobs.Get(h); ok {
		return b, nil
	}
	b, err := w.repo.ReadBlob(h)
	if err != nil {
		return nil, err
	}
	w.a.blobs.Add(h, b, int64(len(b))+64)
	return b, nil
}

func (w *worker) scanOptions() cfront.ScanOptions {
	o := cfront.ScanOptions{Memo: w.a.memo}
	if cfg := w.a.cfg; cfg != nil {
		if cfg.Defines != nil {
			o.Defines = cfront.Defines(cfg.Defines)
		}
		o.ExportMarkers = cfg.ExportMacros
	}
	return o
}

// inventory returns a blob's inventory (built once per blob) and content.
// Blobs over the size limit have no inventory.
func (w *worker) inventory(h plumbing.Hash) (*cfront.Inventory, []byte, error) {
	if inv, ok := w.a.invs.Get(h); ok {
		src, err := w.blob(h)
		return inv, src, err
	}
	size, err := w.repo.BlobSize(h)
	if err != nil {
		return nil, nil, err
	}
	if size > w.a.opts.MaxFileSize {
		return nil, nil, fmt.Errorf("blob %s: %d bytes, over the limit", h, size)
	}
	src, err := w.blob(h)
	if err != nil {
		return nil, nil, err
	}
	inv := cfront.Scan(src, w.scanOptions())
	w.a.invs.Add(h, inv, inv.Cost())
	return inv, src, nil
}

// inventoryOnly returns a blob's inventory, reading the blob only when the
// inventory is not cached.
func (w *worker) inventoryOnly(h plumbing.Hash) (*cfront.Inventory, error) {
	if inv, ok := w.a.invs.Get(h); ok {
		return inv, nil
	}
	inv, _, err := w.inventory(h)
	return inv, err
}

// goFile returns a Go file's inventory, built once per content and name
// suffix.
func (w *worker) goFile(h plumbing.Hash, name string) (*gofront.File, error) {
	k := goKey{hash: h, name: gofront.NameSuffix(name)}
	if f, ok := w.a.goInvs.Get(k); ok {
		return f, nil
	}
	size, err := w.repo.BlobSize(h)
	if err != nil {
		return nil, err
	}
	if size > w.a.opts.MaxFileSize {
		return nil, fmt.Errorf("blob %s: %d bytes, over the limit", h, size)
	}
	src, err := w.blob(h)
	if err != nil {
		return nil, err
	}
	f := gofront.Parse(src, name)
	w.a.goInvs.Add(k, f, int64(len(src))*3+512)
	return f, nil
}

// goMod returns a go.mod's parse, once per content.
func (w *worker) goMod(h plumbing.Hash) (*gofront.Mod, error) {
	if m, ok := w.a.goMods.Get(h); ok {
		return m, nil
	}
	src, err := w.blob(h)
	if err != nil {
		return nil, err
	}
	m := gofront.ParseMod(src)
	w.a.goMods.Add(h, m, int64(len(src))+256)
	return m, nil
}

// listTree returns the files of a tree, memoised by tree hash.
func (w *worker) listTree(h plumbing.Hash) ([]history.TreeFile, error) {
	if l, ok := w.a.lists.Get(h); ok {
		return l, nil
	}
	l, err := w.repo.ListTree(h)
	if err != nil {
		return nil, err
	}
	w.a.lists.Add(h, l, int64(len(l))*80)
	return l, nil
}

func (w *worker) entities(src []byte, c *cfront.Chunk) []*cfront.Entity {
	return w.differ.Entities(w.ctx, src, c)
}

// analyze analyses one commit against its first parent. It returns nil
// when a path filter leaves no file of the commit.
func (w *worker) analyze(ctx context.Context, c *history.Commit) (*Result, error) {
	w.ctx = ctx
	a := w.a
	res := &Result{
		Commit: c.Hash.String(), Author: c.Author, Date: c.Date, Subject: c.Subject(), Message: c.Message,
		Findings: []classifiers.Finding{}, Files: []FileResult{}, Skipped: []SkippedFile{},
	}
	for _, p := range c.Parents {
		res.Parents = append(res.Parents, p.String())
	}
	var parentTree plumbing.Hash
	if len(c.Parents) > 0 {
		pc, err := w.repo.Commit(c.Parents[0])
		if err != nil {
			if !errors.Is(err, plumbing.ErrObjectNotFound) {
				return nil, fmt.Errorf("commit %s: %w", c.Hash, err) // a corrupt object
			}
			// The parent is not here (a shallow clone's boundary, or a
			// damaged repository): what the commit changed is unknown.
			msg := "parent commit not in the repository (a damaged repository?): not diffed"
			if w.repo.IsShallow(c.Hash) {
				msg = "parent commit not in the repository (shallow clone boundary): not diffed"
			}
			res.Findings = append(res.Findings, classifiers.Finding{Rule: "FILE-MISSING", Verdict: classifiers.Unknown,
				Entity: "commit " + c.Parents[0].String()[:12], Message: msg})
			res.Verdict, res.Tier = classifiers.Unknown, classifiers.TierNone
			return res, nil
		}
		parentTree = pc.TreeHash
	}
	var keep history.Filter
	if len(a.opts.Paths) > 0 {
		keep = func(p string) bool { return config.Match(a.opts.Paths, p) }
	}
	changes, err := w.repo.DiffTrees(parentTree, c.Tree, keep)
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", c.Hash, err)
	}
	if len(changes) == 0 && keep != nil {
		return nil, nil
	}
	changes = history.DetectRenames(changes, func(h plumbing.Hash) []byte {
		if sz, err := w.repo.BlobSize(h); err != nil || sz > a.opts.MaxFileSize {
			return nil
		}
		b, _ := w.blob(h)
		return b
	})
	res.OldTree, res.NewTree = parentTree, c.Tree
	cctx := &commitContext{ctx: ctx, r: w, old: a.tree(parentTree), new: a.tree(c.Tree), goOld: a.goTree(parentTree), goNew: a.goTree(c.Tree), cfg: a.cfg}
	files, cchanges, skipped, err := w.files(ctx, changes, cctx)
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", c.Hash, err)
	}
	gchanges, err := w.goChanges(changes, files, cctx)
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", c.Hash, err)
	}
	res.Skipped = append(res.Skipped, skipped...)
	cchanges = matchMoves(cchanges)
	changed := map[string]bool{}
	for _, ch := range cchanges {
		if ch.Kind() == cfront.KFunc && ch.New != nil && !ch.Same() {
			changed[ch.NewPath+":"+ch.New.Name] = true
		}
	}
	pass := classifiers.NewPass(&classifiers.CChanges{Files: files, Changes: cchanges, ChangedFuncs: changed}, gchanges, cctx, a.over)
	res.Findings = append(res.Findings, classifiers.Run(a.reg.Run(), pass)...)
	res.Verdict = classifiers.VerdictOf(res.Findings)
	res.Tier = classifiers.TierOf(res.Verdict)
	res.Files = fileResults(files, changes, res.Findings)
	res.Entities = countEntities(cchanges)
	countGoEntities(gchanges, res.Entities)
	return res, nil
}

// files turns a commit's changed paths into classifier inputs: it decides
// each file's kind, reads what the rules need, and diffs C files.
func (w *worker) files(ctx context.Context, changes []*history.FileChange, cctx *commitContext) ([]*classifiers.FileChange, []*cfront.Change, []SkippedFile, error) {
	a := w.a
	var out []*classifiers.FileChange
	var ents []*cfront.Change
	var skipped []SkippedFile
	budget := a.opts.MaxCommitBytes
	for _, fc := range changes {
		f := &classifiers.FileChange{Path: fc.NewPath, OldPath: fc.OldPath}
		p := fc.Path()
		f.Kind = filekind.Of(p, a.cfg)
		switch {
		case fc.OldMode == filemode.Submodule || fc.NewMode == filemode.Submodule:
			f.Kind = filekind.OtherLang
			f.Skipped = "submodule: the code it points at is not analysed"
			skipped = append(skipped, SkippedFile{Path: p, Reason: f.Skipped})
			out = append(out, f)
			continue
		case (fc.OldMode == filemode.Symlink || fc.NewMode == filemode.Symlink) && f.Kind != filekind.NonCode && f.Kind != filekind.GoTest:
			// A link's blob is a path, yet where it points decides what is
			// compiled (a header, a directory of sources), and that is not
			// analysed: only links among tests and docs are known not to
			// matter.
			f.Kind = filekind.OtherLang
			f.Skipped = w.symlinkChange(fc) + ": what it points at is not analysed"
			skipped = append(skipped, SkippedFile{Path: p, Reason: f.Skipped})
			out = append(out, f)
			continue
		case f.Kind == filekind.Other && filekind.MayBeIncluded(p):
			base := path.Base(p)
			if cctx.new.includes(w, base) || cctx.old.includes(w, base) {
				f.Kind = filekind.C
			}
		}
		switch f.Kind {
		case filekind.C, filekind.Build, filekind.Symver:
		case filekind.Go, filekind.GoMod:
			// read by goChanges; a missing blob is still a finding
			for _, h := range []plumbing.Hash{fc.OldHash, fc.NewHash} {
				if h.IsZero() {
					continue
				}
				size, err := w.repo.BlobSize(h)
				if err != nil {
					if !errors.Is(err, history.ErrMissing) {
						return nil, nil, nil, fmt.Errorf("%s: %w", p, err)
					}
					f.Missing = true
					f.Skipped = fmt.Sprintf("blob %s is missing from the repository (partial clone?)", h.String()[:12])
					break
				}
				if size > a.opts.MaxFileSize {
					f.Skipped = fmt.Sprintf("%d bytes, over the %d-byte limit", size, a.opts.MaxFileSize)
					break
				}
			}
			if f.Skipped != "" {
				skipped = append(skipped, SkippedFile{Path: p, Reason: f.Skipped})
			}
			out = append(out, f)
			continue
		default:
			out = append(out, f)
			continue
		}
		var sides [2][]byte
		for i, h := range []plumbing.Hash{fc.OldHash, fc.NewHash} {
			if h.IsZero() {
				continue
			}
			size, err := w.repo.BlobSize(h)
			if err != nil {
				if !errors.Is(err, history.ErrMissing) {
					return nil, nil, nil, fmt.Errorf("%s: %w", p, err) // a corrupt repository
				}
				f.Missing = true
				f.Skipped = fmt.Sprintf("blob %s is missing from the repository (partial clone?)", h.String()[:12])
				break
			}
			if size > a.opts.MaxFileSize {
				f.Skipped = fmt.Sprintf("%d bytes, over the %d-byte limit", size, a.opts.MaxFileSize)
				break
			}
			if f.Kind == filekind.C {
				if budget -= size; budget < 0 {
					f.Skipped = "the commit's C source is over the per-commit budget"
					break
				}
			}
			b, err := w.blob(h)
			if err != nil {
				if !errors.Is(err, history.ErrMissing) {
					return nil, nil, nil, fmt.Errorf("%s: %w", p, err)
				}
				f.Missing = true
				f.Skipped = fmt.Sprintf("blob %s is missing from the repository (partial clone?)", h.String()[:12])
				break
			}
			if filekind.IsBinary(b) {
				f.Skipped = "binary content"
				break
			}
			sides[i] = b
		}
		if f.Skipped != "" {
			skipped = append(skipped, SkippedFile{Path: p, Reason: f.Skipped})
			out = append(out, f)
			continue
		}
		f.Old, f.New = sides[0], sides[1]
		if f.Kind == filekind.C && !strings.HasSuffix(p, ".c") {
			if chs, ok := w.fragmentChanges(cctx, fc, sides); ok {
				ents = append(ents, chs...)
				f.Diff = &cfront.FileDiff{Changes: chs} // the includers' changes, for the file's verdict
				f.Old, f.New = nil, nil
				out = append(out, f)
				continue
			}
		}
		if f.Kind == filekind.C {
			var ov, nv cfront.Version
			ov.Path, nv.Path = fc.OldPath, fc.NewPath
			if !fc.OldHash.IsZero() {
				ov.Inv, ov.Src, _ = w.inventory(fc.OldHash)
			}
			if !fc.NewHash.IsZero() {
				nv.Inv, nv.Src, _ = w.inventory(fc.NewHash)
			}
			f.Diff = w.differ.Diff(ctx, ov, nv)
			ents = append(ents, f.Diff.Changes...)
			f.Old, f.New = nil, nil // the diff holds what the rules need
		}
		out = append(out, f)
	}
	return out, ents, skipped, nil
}

// symlinkChange describes a changed symbolic link by its targets, old and
// new ("symlink to cfg.h", "symlink retargeted from a.h to b.h", "symlink
// to a.h removed"); a target that cannot be read is left out.
func (w *worker) symlinkChange(fc *history.FileChange) string {
	target := func(h plumbing.Hash, m filemode.FileMode) string {
		if h.IsZero() || m != filemode.Symlink {
			return ""
		}
		if size, err := w.repo.BlobSize(h); err != nil || size > 4096 {
			return ""
		}
		b, err := w.blob(h)
		if err != nil {
			return ""
		}
		return strconv.Quote(string(b))
	}
	old, new := target(fc.OldHash, fc.OldMode), target(fc.NewHash, fc.NewMode)
	switch {
	case old != "" && new != "" && old != new:
		return "symlink retargeted from " + old + " to " + new
	case new != "" && old == "" && fc.OldMode == filemode.Regular:
		return "file replaced by a symlink to " + new
	case new != "":
		return "symlink to " + new
	case old != "" && fc.NewHash.IsZero():
		return "symlink to " + old + " removed"
	case old != "":
		return "symlink to " + old + " replaced by a file"
	}
	return "symlink"
}

// matchMoves pairs an entity removed from one file with the same entity
// added to another: identical ones are moves (no change), and entities
// with external linkage or in headers are compared as one changed entity.
func matchMoves(changes []*cfront.Change) []*cfront.Change {
	removed := map[string][]*cfront.Change{}
	for _, c := range changes {
		if c.Removed() {
			removed[c.Old.Key()] = append(removed[c.Old.Key()], c)
		}
	}
	if len(removed) == 0 {
		return changes
	}
	drop := map[*cfront.Change]bool{}
	var out []*cfront.Change
	for _, c := range changes {
		if !c.Added() {
			continue
		}
		cands := removed[c.New.Key()]
		best := -1
		for i, r := range cands {
			if drop[r] || r.OldPath == c.NewPath {
				continue
			}
			if r.Old.Digest() == c.New.Digest() {
				best = i
				break
			}
			if best < 0 && globalLinkage(r.Old, r.OldPath) && globalLinkage(c.New, c.NewPath) {
				best = i
			}
		}
		if best >= 0 {
			r := cands[best]
			drop[r] = true
			drop[c] = true
			out = append(out, &cfront.Change{Old: r.Old, New: c.New, OldPath: r.OldPath, NewPath: c.NewPath})
		}
	}
	for _, c := range changes {
		if !drop[c] {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Path() != out[j].Path() {
			return out[i].Path() < out[j].Path()
		}
		return out[i].Entity().Line < out[j].Entity().Line
	})
	return out
}

// globalLinkage reports whether an entity is one program-wide thing
// wherever it is defined: a non-static function or variable, or anything
// declared in a header.
func globalLinkage(e *cfront.Entity, p string) bool {
	if !strings.HasSuffix(p, ".c") {
		return true
	}
	switch e.Kind {
	case cfront.KFunc, cfront.KProto, cfront.KGlobal:
		return e.Storage != "static"
	}
	return false
}

// fileResults lists the changed files with the verdict of the findings
// located in each (for a file #included inside declarations, also those
// located in the entities that include it).
func fileResults(files []*classifiers.FileChange, changes []*history.FileChange, fs []classifiers.Finding) []FileResult {
	verdict := map[string]classifiers.Verdict{}
	for _, f := range fs {
		for _, l := range []*classifiers.Loc{f.Old, f.New} {
			if l != nil {
				verdict[l.File] = classifiers.Max(verdict[l.File], f.Verdict)
			}
		}
	}
	out := make([]FileResult, 0, len(files))
	for i, f := range files {
		fr := FileResult{Path: f.Display(), Status: changes[i].Status.String(), Kind: f.Kind.String()}
		if changes[i].Status == history.Renamed {
			fr.OldPath = f.OldPath
		}
		fr.Verdict = classifiers.Max(verdict[f.Path], verdict[f.OldPath])
		if f.Diff != nil {
			for _, c := range f.Diff.Changes {
				if c.NewPath != f.Path { // a change of an entity that includes the file
					fr.Verdict = classifiers.Max(fr.Verdict, entityVerdict(c, fs))
				}
			}
		}
		out = append(out, fr)
	}
	return out
}

// entityVerdict returns the most severe verdict of the findings located
// within a change's entity.
func entityVerdict(c *cfront.Change, fs []classifiers.Finding) classifiers.Verdict {
	within := func(l *classifiers.Loc, e *cfront.Entity, p string) bool {
		return l != nil && e != nil && l.File == p && e.Line <= l.Line && l.Line <= e.EndLine
	}
	v := classifiers.NoOp
	for _, f := range fs {
		if within(f.New, c.New, c.NewPath) || within(f.Old, c.Old, c.OldPath) {
			v = classifiers.Max(v, f.Verdict)
		}
	}
	return v
}

// countEntities counts entity changes by kind, for release reports.
func countEntities(changes []*cfront.Change) map[string]EntityCount {
	out := map[string]EntityCount{}
	for _, c := range changes {
		k := c.Kind().String()
		n := out[k]
		switch {
		case c.Added():
			n.Added++
		case c.Removed():
			n.Removed++
		case !c.Same():
			n.Changed++
		}
		out[k] = n
	}
	return out
}

// countGoEntities adds the Go entities added, removed and changed, under
// "go func", "go method", "go init", "go type", "go const", "go var".
func countGoEntities(g *classifiers.GoChanges, out map[string]EntityCount) {
	if g == nil {
		return
	}
	for _, p := range g.Packages {
		for _, c := range p.Changes {
			k := "go " + c.Entity().Kind.String()
			n := out[k]
			switch {
			case c.Added():
				n.Added++
			case c.Removed():
				n.Removed++
			case !c.Same():
				n.Changed++
			default:
				continue
			}
			out[k] = n
		}
	}
}

// fragmentChanges handles a changed file that C code #includes inside a
// declaration (an X-macro list included in a function, an initializer, a
// struct or an enum): the change is a change of each including entity,
// whose expansion differs. It reports false when every includer is a
// top-level #include, so that the file is diffed as a header.
func (w *worker) fragmentChanges(cctx *commitContext, fc *history.FileChange, sides [2][]byte) ([]*cfront.Change, bool) {
	key := "#include:" + path.Base(fc.Path())
	var refs []classifiers.Ref
	for _, r := range cctx.new.users(w, key, "") {
		if r.Kind != cfront.ChunkDirective {
			refs = append(refs, r)
		}
	}
	if len(refs) == 0 {
		return nil, false
	}
	oldRefs := map[string]classifiers.Ref{}
	for _, r := range cctx.old.users(w, key, "") {
		oldRefs[r.Path+"\x00"+r.Name] = r
	}
	hOld, hNew := xxhash.Sum64(sides[0]), xxhash.Sum64(sides[1])
	tag := "<" + path.Base(fc.Path()) + ">"
	// A fragment the change leaves malformed (an unclosed '(' in an
	// X-macro list) breaks every includer: their entities did not parse.
	broken := ""
	if cfront.Malformed(sides[0]) == "" {
		if p := cfront.Malformed(sides[1]); p != "" {
			broken = fc.Path() + ", included here: " + p
		}
	}
	var out []*cfront.Change
	for _, r := range refs {
		or, ok := oldRefs[r.Path+"\x00"+r.Name]
		if !ok {
			continue // a new includer: its own file's diff speaks
		}
		olds := map[string]*cfront.Entity{}
		for _, e := range cctx.old.entitiesAt(w, or) {
			olds[e.Key()] = e
		}
		for _, ne := range cctx.new.entitiesAt(w, r) {
			oe, ok := olds[ne.Key()]
			if !ok {
				continue
			}
			o, n := *oe, *ne
			if broken != "" && n.ParseErr == "" {
				n.ParseErr = broken
			}
			switch n.Kind {
			case cfront.KFunc:
				o.BodyHash ^= hOld
				n.BodyHash ^= hNew
			case cfront.KGlobal, cfront.KMacroCall:
				o.InitHash ^= hOld
				n.InitHash ^= hNew
			case cfront.KStruct, cfront.KUnion:
				o.Fields = append(append([]cfront.Field(nil), o.Fields...), cfront.Field{Name: tag, Type: fmt.Sprintf("%x", hOld)})
				n.Fields = append(append([]cfront.Field(nil), n.Fields...), cfront.Field{Name: tag, Type: fmt.Sprintf("%x", hNew)})
			case cfront.KEnum:
				o.Members = append(append([]cfront.EnumMember(nil), o.Members...), cfront.EnumMember{Name: tag, Expr: fmt.Sprintf("%x", hOld)})
				n.Members = append(append([]cfront.EnumMember(nil), n.Members...), cfront.EnumMember{Name: tag, Expr: fmt.Sprintf("%x", hNew)})
			default:
				continue
			}
			out = append(out, &cfront.Change{Old: &o, New: &n, OldPath: or.Path, NewPath: r.Path})
		}
	}
	return out, true
}

func isCExt(p string) bool { return strings.HasSuffix(p, ".c") || strings.HasSuffix(p, ".h") }

// goChanges groups a commit's changed .go files by package and diffs each
// package's declarations; it also compares changed go.mod files.
func (w *worker) goChanges(changes []*history.FileChange, files []*classifiers.FileChange, cctx *commitContext) (*classifiers.GoChanges, error) {
	type sides struct {
		old, new map[string]*gofront.File
		paths    []string
	}
	byDir := map[string]*sides{}
	var dirs []string
	out := &classifiers.GoChanges{ChangedFuncs: map[string]bool{}}
	for i, fc := range changes {
		f := files[i]
		if f.Missing || f.Skipped != "" {
			continue
		}
		switch f.Kind {
		case filekind.GoMod:
			if path.Base(fc.Path()) != "go.mod" {
				continue
			}
			mc := &classifiers.GoModChange{Path: fc.Path()}
			var err error
			if !fc.OldHash.IsZero() {
				if mc.Old, err = w.goMod(fc.OldHash); err != nil {
					return nil, err
				}
			}
			if !fc.NewHash.IsZero() {
				if mc.New, err = w.goMod(fc.NewHash); err != nil {
					return nil, err
				}
			}
			if (mc.Old == nil || mc.Old.Err == "") && (mc.New == nil || mc.New.Err == "") {
				mc.Delta = gofront.DiffMod(mc.Old, mc.New)
			}
			out.Mods = append(out.Mods, mc)
			continue
		case filekind.Go:
		default:
			continue
		}
		for _, side := range []struct {
			h    plumbing.Hash
			p    string
			isNw bool
		}{{fc.OldHash, fc.OldPath, false}, {fc.NewHash, fc.NewPath, true}} {
			if side.h.IsZero() {
				continue
			}
			gf, err := w.goFile(side.h, path.Base(side.p))
			if err != nil {
				if errors.Is(err, history.ErrMissing) {
					continue
				}
				return nil, fmt.Errorf("%s: %w", side.p, err)
			}
			d := path.Dir(side.p)
			s := byDir[d]
			if s == nil {
				s = &sides{old: map[string]*gofront.File{}, new: map[string]*gofront.File{}}
				byDir[d] = s
				dirs = append(dirs, d)
			}
			if side.isNw {
				s.new[side.p] = gf
			} else {
				s.old[side.p] = gf
			}
			if !containsString(s.paths, side.p) {
				s.paths = append(s.paths, side.p)
			}
		}
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		s := byDir[d]
		pc := &classifiers.GoPkgChange{Dir: d, Old: cctx.goOld.pkg(w, d), New: cctx.goNew.pkg(w, d), Files: s.paths}
		sort.Strings(pc.Files)
		// Files that do not parse are reported and left out of the diff on
		// both sides, so that half-read declarations are not taken for
		// removed ones.
		for _, p := range pc.Files {
			o, n := s.old[p], s.new[p]
			bad := false
			if n != nil && n.ParseErr != "" {
				pc.Parse = append(pc.Parse, classifiers.GoParseError{Path: p, Err: n.ParseErr})
				bad = true
			} else if o != nil && o.ParseErr != "" && n != nil {
				pc.Parse = append(pc.Parse, classifiers.GoParseError{Path: p, Err: o.ParseErr, Old: true})
				bad = true
			}
			if bad {
				delete(s.old, p)
				delete(s.new, p)
				continue
			}
			if o != nil && n != nil {
				if o.Build != n.Build {
					pc.Directives = append(pc.Directives, classifiers.GoDirective{Path: p, What: fmt.Sprintf("build constraint %q → %q: which files are built changes", o.Build, n.Build)})
				}
				if o.CgoHash != n.CgoHash {
					pc.Directives = append(pc.Directives, classifiers.GoDirective{Path: p, What: "cgo preamble changed: C code compiled into the program"})
				}
				if strings.Join(o.Linknames, "\n") != strings.Join(n.Linknames, "\n") {
					pc.Directives = append(pc.Directives, classifiers.GoDirective{Path: p, What: "//go:linkname directives changed"})
				}
			}
		}
		pc.Changes = gofront.DiffFiles(s.old, s.new)
		for _, c := range pc.Changes {
			if c.New != nil && !c.Same() && (c.New.Kind == gofront.KFunc || c.New.Kind == gofront.KMethod) {
				out.ChangedFuncs[c.NewPath+":"+c.New.Name] = true
			}
		}
		out.Packages = append(out.Packages, pc)
	}
	if len(out.Packages) == 0 && len(out.Mods) == 0 {
		return nil, nil
	}
	return out, nil
}

func containsString(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}
