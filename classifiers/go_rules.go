package classifiers

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/dynupd/dynupd-analyze/analyzer/filekind"
	"github.com/dynupd/dynupd-analyze/analyzer/gofront"
	"github.com/dynupd/dynupd-analyze/config"
)

func goOldLoc(c *gofront.Change) *Loc {
	if c.Old == nil {
		return nil
	}
	return &Loc{File: c.OldPath, Line: c.Old.Line, EndLine: c.Old.EndLine}
}

func goNewLoc(c *gofront.Change) *Loc {
	if c.New == nil {
		return nil
	}
	return &Loc{File: c.NewPath, Line: c.New.Line, EndLine: c.New.EndLine}
}

// goChange is a change with its package.
type goChange struct {
	*gofront.Change
	pkg *GoPkgChange
}

// goChanges lists the entity changes of every package (moves and
// respellings included).
func (p *Pass) goChanges() []goChange {
	if p.Go == nil {
		return nil
	}
	var out []goChange
	for _, pc := range p.Go.Packages {
		for _, c := range pc.Changes {
			out = append(out, goChange{c, pc})
		}
	}
	return out
}

// pkgOf returns the package description for the side a change speaks of.
func (g goChange) pkgInfo() *GoPkg {
	if g.New != nil && g.pkg.New != nil {
		return g.pkg.New
	}
	if g.pkg.Old != nil {
		return g.pkg.Old
	}
	return g.pkg.New
}

// exportedAPI reports whether an entity is part of a public package's
// exported API: an exported name (for a method, of an exported type) in a
// public package.
func (g goChange) exportedAPI() bool {
	pkg := g.pkgInfo()
	if pkg == nil || !pkg.Public {
		return false
	}
	e := g.Entity()
	if !e.Exported {
		return false
	}
	if e.Kind == gofront.KMethod {
		return isExportedName(e.Recv)
	}
	return true
}

func isExportedName(s string) bool {
	return s != "" && s[0] >= 'A' && s[0] <= 'Z'
}

func isFuncKind(k gofront.Kind) bool {
	return k == gofront.KFunc || k == gofront.KMethod
}

// goRefKey names a user for closures: "file:Name".
func goRefKey(r GoRef) string { return r.Path + ":" + r.Name }

// goClosure returns the functions of the new tree that use an entity
// ("file:Name"), following callers that are themselves inlinable when
// transitive is set (their callers hold copies too).
func (p *Pass) goClosure(g goChange, transitive bool) []string {
	pkg := g.pkg.New
	if pkg == nil {
		pkg = g.pkg.Old
	}
	e := g.Entity()
	seen := map[string]bool{}
	var out []string
	var visit func(pkg *GoPkg, name string, method bool, depth int)
	visit = func(pkg *GoPkg, name string, method bool, depth int) {
		if pkg == nil || depth > 6 {
			return
		}
		for _, r := range p.Ctx.GoUsers(New, pkg, name, method) {
			if r.Name == name && r.Dir == pkg.Dir || !isFuncKind(r.Kind) && r.Kind != gofront.KInit {
				continue
			}
			k := goRefKey(r)
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, k)
			if transitive {
				if est, ok := p.Ctx.GoInline(New, r.Dir, r.Name); ok && est.Inlinable() != "no" {
					visit(p.Ctx.GoPackage(New, r.Dir), r.Name, r.Kind == gofront.KMethod, depth+1)
				}
			}
		}
	}
	visit(pkg, e.Name, e.Kind == gofront.KMethod, 0)
	sort.Strings(out)
	return out
}

// goSelf names a changed function for its own closure.
func goSelf(g goChange) string { return g.Path() + ":" + g.Entity().Name }

func withSelf(g goChange, users []string) []string {
	self := goSelf(g)
	out := []string{self}
	for _, u := range users {
		if u != self {
			out = append(out, u)
		}
	}
	return out
}

// funcChanged reports a real change of a function or method with both
// sides present.
func funcChanged(g goChange) bool {
	return g.Old != nil && g.New != nil && !g.Same() && isFuncKind(g.New.Kind)
}

func sigChanged(g goChange) bool {
	return g.Old.Sig != g.New.Sig || g.Old.PtrRecv != g.New.PtrRecv || g.Old.TypeParams != g.New.TypeParams
}

// apiSigChanged reports a signature change of an exported function or
// method: its type, its type parameters, or its receiver's kind.
func apiSigChanged(g goChange) bool {
	strip := func(sig string) string {
		if i := strings.Index(sig, ") func"); i >= 0 && strings.HasPrefix(sig, "(") {
			return sig[i+2:]
		}
		return sig
	}
	// Any receiver change counts: the corpus contract treats T ↔ *T as a
	// signature change (stricter than apidiff, which accepts *T → T).
	return strip(g.Old.Sig) != strip(g.New.Sig) || g.Old.TypeParams != g.New.TypeParams || g.Old.PtrRecv != g.New.PtrRecv
}

func generic(e *gofront.Entity) bool { return e.TypeParams != "" || e.RecvParams }

// isGoMain reports whether the entity is func main of package main.
func isGoMain(g goChange) bool {
	pkg := g.pkgInfo()
	return pkg != nil && pkg.Main && g.Entity().Kind == gofront.KFunc && g.Entity().Name == "main"
}

// bodyKind decides which of GO-GENERIC, GO-INLINABLE and GO-FUNC-BODY a
// changed function's body falls under, with the old inlining estimate.
func (p *Pass) bodyKind(g goChange) (string, gofront.Estimate) {
	if generic(g.Old) || generic(g.New) {
		return "GO-GENERIC", gofront.Estimate{}
	}
	est, ok := p.Ctx.GoInline(Old, path.Dir(g.OldPath), g.Old.Name)
	if !ok {
		est = gofront.Estimate{Min: g.Old.Cost.MinNodes, Max: g.Old.Cost.Nodes + 57*len(g.Old.Cost.Calls), Forbid: g.Old.Cost.Forbid}
	}
	if est.Inlinable() != "no" {
		return "GO-INLINABLE", est
	}
	return "GO-FUNC-BODY", est
}

func bodyOnly(g goChange) bool {
	return funcChanged(g) && !sigChanged(g) && g.Old.Kind != gofront.KInit && !isGoMain(g)
}

func runGoFuncBody(p *Pass) {
	for _, g := range p.goChanges() {
		if !bodyOnly(g) {
			continue
		}
		if k, _ := p.bodyKind(g); k == "GO-FUNC-BODY" {
			p.Report(Finding{Entity: g.New.Label(), Old: goOldLoc(g.Change), New: goNewLoc(g.Change), Message: "body changed: replace the function"})
		}
	}
}

func runGoInlinable(p *Pass) {
	for _, g := range p.goChanges() {
		if !bodyOnly(g) {
			continue
		}
		k, est := p.bodyKind(g)
		if k != "GO-INLINABLE" {
			continue
		}
		how := fmt.Sprintf("cost %d within gc's budget of %d", est.Max, gofront.InlineBudget)
		if est.Min == est.Max && est.Forbid == "" && strings.HasPrefix(est.Source, "gc") {
			how = fmt.Sprintf("gc inlines it at cost %d", est.Max)
		}
		if est.Inlinable() == "maybe" {
			how = fmt.Sprintf("cost %d–%d depending on callees the tool cannot see; gc may inline it", est.Min, est.Max)
		}
		if est.Widened != "" {
			how = fmt.Sprintf("cost %d–%d, and %s", est.Min, est.Max, est.Widened)
		}
		p.Report(Finding{Entity: g.New.Label(), Old: goOldLoc(g.Change), New: goNewLoc(g.Change), Closure: withSelf(g, p.goClosure(g, true)),
			Message: "the old body was inlinable (" + how + "): callers that inlined it are replaced too"})
	}
}

func runGoGeneric(p *Pass) {
	for _, g := range p.goChanges() {
		if !bodyOnly(g) {
			continue
		}
		if k, _ := p.bodyKind(g); k == "GO-GENERIC" {
			p.Report(Finding{Entity: g.New.Label(), Old: goOldLoc(g.Change), New: goNewLoc(g.Change), Closure: withSelf(g, p.goClosure(g, true)),
				Message: "generic body changed: every instantiation (in its callers' packages) is replaced"})
		}
	}
}

func runGoFuncAdded(p *Pass) {
	for _, g := range p.goChanges() {
		if !g.Added() || !isFuncKind(g.New.Kind) {
			continue
		}
		if g.New.Kind == gofront.KMethod && p.Ctx.GoTypeExists(Old, g.pkg.Dir, g.New.Recv) {
			continue // a method on an existing type: GO-METHOD-SET
		}
		p.Reportf(g.New.Label(), nil, goNewLoc(g.Change), "new function: the patch module carries it")
	}
}

func runGoFuncRemoved(p *Pass) {
	for _, g := range p.goChanges() {
		if !g.Removed() || !isFuncKind(g.Old.Kind) || g.exportedAPI() {
			continue
		}
		if g.Old.Kind == gofront.KMethod && p.Ctx.GoTypeExists(New, g.pkg.Dir, g.Old.Recv) {
			continue // a method removed from a type that stays: GO-METHOD-SET
		}
		p.Reportf(g.Old.Label(), goOldLoc(g.Change), nil, "function removed: the running copy stays, unused")
	}
}

func runGoVarAdded(p *Pass) {
	for _, g := range p.goChanges() {
		if g.Added() && g.New.Kind == gofront.KVar {
			p.Reportf(g.New.Label(), nil, goNewLoc(g.Change), "new variable: the patch module initialises its own new variables")
		}
	}
}

func runGoConstAdded(p *Pass) {
	for _, g := range p.goChanges() {
		if g.Added() && g.New.Kind == gofront.KConst {
			p.Reportf(g.New.Label(), nil, goNewLoc(g.Change), "new constant")
		}
	}
}

func runGoTypeAdded(p *Pass) {
	for _, g := range p.goChanges() {
		if g.Added() && g.New.Kind == gofront.KType {
			p.Reportf(g.New.Label(), nil, goNewLoc(g.Change), "new type: no value of it exists yet")
		}
	}
}

func runGoTypeRemoved(p *Pass) {
	for _, g := range p.goChanges() {
		if g.Removed() && g.Old.Kind == gofront.KType && !g.exportedAPI() {
			p.Reportf(g.Old.Label(), goOldLoc(g.Change), nil, "type removed: its users changed with it")
		}
	}
}

func runGoSigInternal(p *Pass) {
	for _, g := range p.goChanges() {
		if !funcChanged(g) || !sigChanged(g) || g.exportedAPI() {
			continue
		}
		p.Report(Finding{Entity: g.New.Label(), Old: goOldLoc(g.Change), New: goNewLoc(g.Change), Closure: withSelf(g, p.goClosure(g, true)),
			Message: fmt.Sprintf("signature %s → %s: callers are recompiled and replaced with it", g.Old.Sig, g.New.Sig)})
	}
}

func runGoSigExported(p *Pass) {
	typed := p.reportTypedAPI()
	for _, g := range p.goChanges() {
		if !g.exportedAPI() || typed[g.pkg.Dir] {
			continue
		}
		e := g.Entity()
		switch {
		case g.Removed() && isFuncKind(e.Kind):
			p.Reportf(e.Label(), goOldLoc(g.Change), nil, "exported %s removed from a public package: importers break", e.Kind)
		case g.Removed() && e.Kind == gofront.KVar:
			p.Reportf(e.Label(), goOldLoc(g.Change), nil, "exported variable removed from a public package: importers break")
		case funcChanged(g) && apiSigChanged(g):
			p.Reportf(e.Label(), goOldLoc(g.Change), goNewLoc(g.Change), "exported signature %s → %s: importers compiled against the old one", g.Old.Sig, g.New.Sig)
		}
	}
}

// constChanged reports a changed value or type of an existing constant.
func constChanged(g goChange) bool {
	return g.Old != nil && g.New != nil && g.New.Kind == gofront.KConst && !g.Same() && (g.Old.Value != g.New.Value || g.Old.Type != g.New.Type)
}

func runGoConstInternal(p *Pass) {
	for _, g := range p.goChanges() {
		if !constChanged(g) || g.exportedAPI() {
			continue
		}
		p.Report(Finding{Entity: g.New.Label(), Old: goOldLoc(g.Change), New: goNewLoc(g.Change), Closure: p.goClosure(g, true),
			Message: fmt.Sprintf("value %s → %s: the code that uses it is compiled with the value", g.Old.Value, g.New.Value)})
	}
}

func runGoConstExported(p *Pass) {
	typed := p.reportTypedAPI()
	for _, g := range p.goChanges() {
		if !g.exportedAPI() || g.Entity().Kind != gofront.KConst || typed[g.pkg.Dir] {
			continue
		}
		switch {
		case g.Removed():
			p.Reportf(g.Old.Label(), goOldLoc(g.Change), nil, "exported constant removed from a public package")
		case constChanged(g):
			p.Reportf(g.New.Label(), goOldLoc(g.Change), goNewLoc(g.Change), "exported constant %s → %s: importers compiled the old value in", g.Old.Value, g.New.Value)
		}
	}
}

func runGoMethodSet(p *Pass) {
	for _, g := range p.goChanges() {
		e := g.Entity()
		if e.Kind != gofront.KMethod || !(g.Added() || g.Removed()) {
			continue
		}
		// The type must exist on both sides: a method of a new type is new
		// code, a method of a removed type goes with it.
		if !p.Ctx.GoTypeExists(Old, g.pkg.Dir, e.Recv) || !p.Ctx.GoTypeExists(New, g.pkg.Dir, e.Recv) {
			continue
		}
		what := "added to"
		if g.Removed() {
			what = "removed from"
		}
		p.Report(Finding{Entity: e.Label(), Old: goOldLoc(g.Change), New: goNewLoc(g.Change), Closure: withSelf(g, p.goClosure(g, false)),
			Message: fmt.Sprintf("method %s %s: the running binary's type descriptor and itabs keep the old method set", what, e.Recv)})
	}
}

func runGoStructLayout(p *Pass) {
	for _, g := range p.goChanges() {
		if g.Old == nil || g.New == nil || g.New.Kind != gofront.KType || g.Same() {
			continue
		}
		o, n := g.Old.Underlying, g.New.Underlying
		if o == n || !strings.HasPrefix(o, "struct{") || !strings.HasPrefix(n, "struct{") || g.Old.Alias || g.New.Alias {
			continue
		}
		p.Reportf(g.New.Label(), goOldLoc(g.Change), goNewLoc(g.Change), "struct fields changed (%s): values in memory have the old layout", fieldDelta(g.Old, g.New))
	}
}

// fieldDelta describes how a struct's fields changed.
func fieldDelta(o, n *gofront.Entity) string {
	key := func(f gofront.Field) string {
		if f.Embedded {
			return "embedded " + f.Type
		}
		return f.Name
	}
	om := map[string]gofront.Field{}
	for _, f := range o.Fields {
		om[key(f)] = f
	}
	nm := map[string]bool{}
	for _, f := range n.Fields {
		nm[key(f)] = true
		of, ok := om[key(f)]
		switch {
		case !ok:
			return key(f) + " added"
		case of.Type != f.Type:
			return fmt.Sprintf("%s: %s → %s", key(f), of.Type, f.Type)
		case of.Tag != f.Tag:
			return fmt.Sprintf("%s: tag %s → %s", key(f), of.Tag, f.Tag)
		}
	}
	for _, f := range o.Fields {
		if !nm[key(f)] {
			return key(f) + " removed"
		}
	}
	return "reordered"
}

func runGoTypeChanged(p *Pass) {
	for _, g := range p.goChanges() {
		if g.Old == nil || g.New == nil || g.New.Kind != gofront.KType || g.Same() {
			continue
		}
		o, n := g.Old, g.New
		isStruct := strings.HasPrefix(o.Underlying, "struct{") && strings.HasPrefix(n.Underlying, "struct{") && !o.Alias && !n.Alias
		if isStruct && o.TypeParams == n.TypeParams {
			continue // GO-STRUCT-LAYOUT
		}
		what := fmt.Sprintf("%s → %s", typeText(o), typeText(n))
		p.Reportf(n.Label(), goOldLoc(g.Change), goNewLoc(g.Change), "type changed (%s): values in memory and the type's metadata are the old ones", what)
	}
}

func typeText(e *gofront.Entity) string {
	s := e.Underlying
	if e.Alias {
		s = "= " + s
	}
	return e.TypeParams + " " + s
}

func runGoVarInit(p *Pass) {
	for _, g := range p.goChanges() {
		if g.Old == nil || g.New == nil || g.New.Kind != gofront.KVar || g.Same() {
			continue
		}
		o, n := g.Old, g.New
		if o.Init == n.Init && o.HasInit == n.HasInit && o.Type == n.Type {
			continue // embed patterns: GO-EMBED
		}
		msg := "initializer changed: the running program holds the value computed at start-up"
		if o.Type != n.Type {
			msg = fmt.Sprintf("type %s → %s: the variable in memory has the old type", orDash(o.Type), orDash(n.Type))
		}
		p.Reportf(n.Label(), goOldLoc(g.Change), goNewLoc(g.Change), "%s", msg)
	}
}

func orDash(s string) string {
	if s == "" {
		return "(inferred)"
	}
	return s
}

func runGoInitFunc(p *Pass) {
	for _, g := range p.goChanges() {
		e := g.Entity()
		if g.Same() {
			continue
		}
		if e.Kind == gofront.KInit {
			what := "changed"
			switch {
			case g.Added():
				what = "added"
			case g.Removed():
				what = "removed"
			}
			p.Reportf(e.Label(), goOldLoc(g.Change), goNewLoc(g.Change), "package init %s: it ran when the program started", what)
			continue
		}
		// A method may run through an interface (or a method value) that
		// no syntax shows: only plain functions can be init-only.
		if funcChanged(g) && g.New.Kind == gofront.KFunc && p.goInitOnly(g) {
			p.Reportf(e.Label(), goOldLoc(g.Change), goNewLoc(g.Change), "called only from init functions or package-level variable initializers: it already ran")
		}
	}
}

// goInitOnly reports whether every user of a function (transitively) is an
// init function or a package-level variable's initializer.
func (p *Pass) goInitOnly(g goChange) bool {
	pkg := g.pkg.New
	seen := map[string]bool{}
	var check func(pkg *GoPkg, name string, method bool, depth int) (bool, bool)
	check = func(pkg *GoPkg, name string, method bool, depth int) (bool, bool) {
		if pkg == nil || depth > 6 {
			return false, true
		}
		refs := p.Ctx.GoUsers(New, pkg, name, method)
		has := false
		for _, r := range refs {
			if r.Name == name && r.Dir == pkg.Dir {
				continue
			}
			has = true
			switch r.Kind {
			case gofront.KInit, gofront.KVar:
				if r.Escapes {
					return false, true // registered or stored: it may run at any time
				}
				continue
			case gofront.KFunc:
				k := goRefKey(r)
				if seen[k] {
					continue
				}
				seen[k] = true
				only, callers := check(p.Ctx.GoPackage(New, r.Dir), r.Name, false, depth+1)
				if !only || !callers {
					return false, true
				}
			default:
				return false, true
			}
		}
		return has, has
	}
	only, has := check(pkg, g.New.Name, g.New.Kind == gofront.KMethod, 0)
	return only && has
}

func runGoEmbed(p *Pass) {
	for _, g := range p.goChanges() {
		if g.Old != nil && g.New != nil && g.New.Kind == gofront.KVar && strings.Join(g.Old.Embed, " ") != strings.Join(g.New.Embed, " ") {
			p.Reportf(g.New.Label(), goOldLoc(g.Change), goNewLoc(g.Change), "//go:embed patterns changed: the embedded data is in the binary")
		}
	}
	for _, f := range p.C.Files {
		if dir, v, ok := p.embeddedBy(f); ok {
			p.Reportf("file "+f.Display(), fileLoc(f, true), fileLoc(f, false), "embedded by //go:embed in var %s of %s: its content is data in the running binary", v, dir)
		}
	}
}

// embeddedBy finds the //go:embed pattern (of either side) that matches a
// changed file.
func (p *Pass) embeddedBy(f *FileChange) (string, string, bool) {
	if f.Kind == filekind.Go || f.Kind == filekind.GoTest && !strings.Contains(f.Display(), "testdata/") {
		return "", "", false
	}
	for _, side := range []struct {
		s Side
		p string
	}{{New, f.Path}, {Old, f.OldPath}} {
		if side.p == "" {
			continue
		}
		if dir, v, ok := p.Ctx.GoEmbedder(side.s, side.p); ok {
			return dir, v, true
		}
	}
	return "", "", false
}

func (p *Pass) goEmbedded(f *FileChange) bool {
	_, _, ok := p.embeddedBy(f)
	return ok
}

func runGoNoopFormat(p *Pass) {
	for _, f := range p.C.Files {
		if f.Kind == filekind.GoSum {
			p.Reportf("file "+f.Display(), fileLoc(f, true), fileLoc(f, false), "checksums only: no code changes")
		}
	}
	if p.Go == nil {
		return
	}
	for _, pc := range p.Go.Packages {
		if len(pc.Parse) > 0 || len(pc.Directives) > 0 {
			continue
		}
		same := true
		for _, c := range pc.Changes {
			if !c.Same() {
				same = false
			}
		}
		if same && len(pc.Files) > 0 {
			p.Reportf("package "+pc.Dir, nil, &Loc{File: pc.Files[0]}, "declarations unchanged (comments, layout, order, files, consistent renaming)")
		}
	}
}

func runGoNoopTest(p *Pass) {
	for _, f := range p.C.Files {
		if f.Kind == filekind.GoTest && !p.goEmbedded(f) {
			p.Reportf("file "+f.Display(), fileLoc(f, true), fileLoc(f, false), "not built into the program (tests, testdata, examples, ignored directories)")
		}
	}
}

func runGoAsm(p *Pass) {
	for _, f := range p.C.Files {
		if f.Kind == filekind.Asm && p.goAsm(f) {
			p.Reportf("file "+f.Display(), fileLoc(f, true), fileLoc(f, false), "Go assembly changed: no function replacement covers it")
		}
	}
}

// goAsm reports whether an assembly file belongs to a Go package.
func (p *Pass) goAsm(f *FileChange) bool {
	for _, s := range []struct {
		side Side
		path string
	}{{New, f.Path}, {Old, f.OldPath}} {
		if s.path != "" && p.Ctx.GoPackage(s.side, path.Dir(s.path)) != nil {
			return true
		}
	}
	return false
}

func runGoToolchain(p *Pass) {
	if p.Go == nil {
		return
	}
	for _, m := range p.Go.Mods {
		for _, d := range m.Delta.Toolchain {
			p.Reportf("file "+m.Path, &Loc{File: m.Path}, &Loc{File: m.Path}, "%s: the program is built by another toolchain", d)
		}
	}
}

func runGoModDeps(p *Pass) {
	if p.Go != nil {
		for _, m := range p.Go.Mods {
			for _, d := range m.Delta.Deps {
				p.Reportf("file "+m.Path, &Loc{File: m.Path}, &Loc{File: m.Path}, "%s: the dependency's code is not analysed", d)
			}
		}
	}
	for _, f := range p.C.Files {
		if f.Kind == filekind.GoVendor {
			p.Reportf("file "+f.Display(), fileLoc(f, true), fileLoc(f, false), "vendored dependency code changed")
		}
	}
}

func runGoDirective(p *Pass) {
	for _, g := range p.goChanges() {
		if !funcChanged(g) {
			continue
		}
		if d := directiveDelta(g.Old.Pragmas, g.New.Pragmas); d != "" {
			p.Reportf(g.New.Label(), goOldLoc(g.Change), goNewLoc(g.Change), "%s", d)
		}
	}
	if p.Go == nil {
		return
	}
	for _, pc := range p.Go.Packages {
		for _, d := range pc.Directives {
			p.Reportf("file "+d.Path, &Loc{File: d.Path, Line: d.OldLine}, &Loc{File: d.Path}, "%s", d.What)
		}
	}
}

// directiveDelta describes changed //go:linkname and //go:nosplit pragmas
// of a function ("" when none changed).
func directiveDelta(o, n []string) string {
	pick := func(ps []string) string {
		var out []string
		for _, x := range ps {
			if strings.HasPrefix(x, "//go:linkname") || strings.HasPrefix(x, "//go:nosplit") {
				out = append(out, x)
			}
		}
		return strings.Join(out, "; ")
	}
	a, b := pick(o), pick(n)
	if a == b {
		return ""
	}
	return fmt.Sprintf("directives %q → %q: they bind the function below the language", a, b)
}

func runGoParse(p *Pass) {
	if p.Go == nil {
		return
	}
	for _, pc := range p.Go.Packages {
		for _, e := range pc.Parse {
			loc := &Loc{File: e.Path}
			f := Finding{Entity: "file " + e.Path, Message: "does not parse: " + e.Err}
			if e.Old {
				f.Old = loc
			} else {
				f.New = loc
			}
			p.Report(f)
		}
	}
	for _, m := range p.Go.Mods {
		for _, side := range []*gofront.Mod{m.New, m.Old} {
			if side != nil && side.Err != "" {
				p.Reportf("file "+m.Path, nil, &Loc{File: m.Path}, "go.mod does not parse: %s", side.Err)
				break
			}
		}
	}
}

func runGoMain(p *Pass) {
	for _, g := range p.goChanges() {
		if funcChanged(g) && isGoMain(g) {
			p.Reportf(g.New.Label(), goOldLoc(g.Change), goNewLoc(g.Change), "main changed: its frame never returns, so the new code would never run")
		}
	}
	seen := map[string]bool{}
	for _, f := range p.findings {
		if !strings.HasPrefix(f.Rule, "GO-") {
			continue
		}
		for _, m := range f.Closure {
			if strings.HasSuffix(m, ":main") && strings.HasSuffix(m[:len(m)-5], ".go") && !seen[m] {
				if pkg := p.Ctx.GoPackage(New, path.Dir(m[:len(m)-5])); pkg != nil && pkg.Main {
					seen[m] = true
					p.Reportf("func main", nil, &Loc{File: m[:len(m)-5]}, "main is in the patch closure of %s (%s): its frame never returns", f.Entity, f.Rule)
				}
			}
		}
	}
}

func runGoNeverReturns(p *Pass) {
	cfg := p.Ctx.Config()
	for _, g := range p.goChanges() {
		if !funcChanged(g) {
			continue
		}
		switch {
		case g.New.NeverReturns > 0 || g.Old.NeverReturns > 0:
			line := g.New.NeverReturns
			if line == 0 {
				line = g.Old.NeverReturns
			}
			p.Reportf(g.New.Label(), goOldLoc(g.Change), goNewLoc(g.Change), "an endless for loop at line %d has no return, goto or break: a goroutine inside it keeps the old code", line)
		case cfg != nil && (config.MatchName(cfg.LongRunning, g.New.Name) || config.MatchName(cfg.LongRunning, shortName(g.New.Name))):
			p.Reportf(g.New.Label(), goOldLoc(g.Change), goNewLoc(g.Change), "configured as long-running: it is always on some goroutine's stack")
		}
	}
	if cfg == nil || len(cfg.LongRunning) == 0 {
		return
	}
	seen := map[string]bool{}
	for _, f := range p.findings {
		if !strings.HasPrefix(f.Rule, "GO-") {
			continue
		}
		for _, m := range f.Closure {
			name := m[strings.LastIndexByte(m, ':')+1:]
			if (config.MatchName(cfg.LongRunning, name) || config.MatchName(cfg.LongRunning, shortName(name))) && !seen[m] {
				seen[m] = true
				p.Reportf("func "+name, nil, &Loc{File: m[:strings.LastIndexByte(m, ':')]}, "long-running function in the patch closure of %s", f.Entity)
			}
		}
	}
}

// shortName drops a method's receiver: "T.M" → "M".
func shortName(n string) string {
	return n[strings.LastIndexByte(n, '.')+1:]
}
