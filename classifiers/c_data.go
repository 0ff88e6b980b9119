package classifiers

import (
	"fmt"
	"strings"

	"github.com/dynupd/dynupd-analyze/analyzer/cfront"
)

func runDataAdded(p *Pass) {
	for _, c := range p.C.Changes {
		if c.New == nil || c.New.ParseErr != "" {
			continue
		}
		switch {
		case c.Kind() == cfront.KGlobal && c.Added() && !c.New.Extern:
			p.Reportf(c.New.Label(), nil, newLoc(c), "new variable: the patch module carries and initialises it")
		case c.Kind() == cfront.KMacroCall && c.Added() && !strings.HasPrefix(c.New.Name, "EXPORT_SYMBOL") && !isInitRegistration(c.New.Name):
			p.Reportf(c.New.Label(), nil, newLoc(c), "new top-level data declared through a macro")
		case c.Kind() == cfront.KFunc:
			old := map[string]bool{}
			if c.Old != nil {
				for _, s := range c.Old.Statics {
					old[s.Name] = true
				}
			}
			for _, s := range c.New.Statics {
				if !old[s.Name] {
					p.Report(Finding{Entity: "static " + s.Name, New: &Loc{File: c.NewPath, Line: s.Line}, Message: "new function-scope static: the patch module carries it"})
				}
			}
		}
	}
}

// constChange reports whether a change is to the value of an existing
// read-only global (type unchanged).
func constChange(c *cfront.Change) bool {
	if c.Kind() != cfront.KGlobal || c.Old == nil || c.New == nil || c.Same() || c.Old.ParseErr != "" || c.New.ParseErr != "" {
		return false
	}
	return c.Old.Const && c.New.Const && c.Old.Type == c.New.Type && c.Old.Extern == c.New.Extern && !c.Old.Extern &&
		(c.Old.InitHash != c.New.InitHash || c.Old.HasInit != c.New.HasInit)
}

// roPublic reports whether a read-only global's definition and value sit in
// a public header.
func (p *Pass) roPublic(c *cfront.Change) bool {
	return isHeader(c.NewPath) && p.publicEntity(New, c.New, c.NewPath) || isHeader(c.OldPath) && p.publicEntity(Old, c.Old, c.OldPath)
}

func runRodata(p *Pass) {
	for _, c := range p.C.Changes {
		if constChange(c) && !p.roPublic(c) {
			p.rodataFinding(c, c.New.Label(), c.New.Name, scopeOf(c.New, c.NewPath), c.NewPath, "value of read-only")
		}
		// RCSID("$Id$")-style macro calls with only strings: read-only data.
		if c.Kind() == cfront.KMacroCall && c.Old != nil && c.New != nil && !c.Same() && c.Old.OnlyStrings && c.New.OnlyStrings {
			p.ReportAs(NoOp, Finding{Entity: c.New.Label(), Old: oldLoc(c), New: newLoc(c), Message: "read-only string data that nothing uses"})
		}
	}
	// Macros expanded in a read-only global's initializer.
	for _, x := range p.macroExpanders() {
		g, name := x.e, x.macro.Entity().Name
		if g.Kind != cfront.KGlobal || !g.Const || g.Extern || typeUses(g.Type, name) {
			continue
		}
		if p.publicEntity(New, g, x.path) && isHeader(x.path) {
			continue // C-RODATA-PUBLIC speaks
		}
		c := &cfront.Change{Old: g, New: g, OldPath: x.path, NewPath: x.path}
		p.rodataFinding(c, g.Label(), g.Name, scopeOf(g, x.path), x.path, fmt.Sprintf("macro %s changes the value of read-only", name))
	}
}

// unchangedIn reports whether an entity is not itself part of the commit's
// changes (so a propagated finding is not reported twice).
func (p *Pass) unchangedIn(path string, e *cfront.Entity) bool {
	for _, c := range p.C.Changes {
		if c.NewPath == path && c.New != nil && c.New.Name == e.Name && c.New.Kind == e.Kind {
			return false
		}
	}
	return true
}

// typeUses reports whether identifier name occurs in a normalised type
// (an array bound, a typedef name).
func typeUses(t, name string) bool {
	for _, w := range strings.FieldsFunc(t, func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		if w == name {
			return true
		}
	}
	return false
}

func (p *Pass) rodataFinding(c *cfront.Change, label, name, scope, path, what string) {
	users := p.funcClosure(name, scope, path, true)
	switch {
	case len(users) == 0:
		p.ReportAs(NoOp, Finding{Entity: label, Old: oldLoc(c), New: newLoc(c), Message: what + " data changed; nothing uses it"})
	case p.allChanged(users):
		p.ReportAs(LivePatchable, Finding{Entity: label, Old: oldLoc(c), New: newLoc(c), Closure: users,
			Message: what + " data changed; only functions the patch replaces anyway use it"})
	default:
		p.Report(Finding{Entity: label, Old: oldLoc(c), New: newLoc(c), Closure: users,
			Message: what + " data changed: its users are re-pointed at a new copy"})
	}
}

func runRodataPublic(p *Pass) {
	for _, c := range p.C.Changes {
		if constChange(c) && p.roPublic(c) {
			p.Reportf(c.New.Label(), oldLoc(c), newLoc(c), "read-only value in a public header changed: clients compiled the old value in")
		}
	}
}

func runGlobalInit(p *Pass) {
	for _, c := range p.C.Changes {
		if c.Old == nil || c.New == nil || c.Same() || c.Old.ParseErr != "" || c.New.ParseErr != "" {
			continue
		}
		switch c.Kind() {
		case cfront.KGlobal:
			if c.Old.Const && c.New.Const || c.Old.Type != c.New.Type || c.Old.Extern || c.New.Extern {
				continue
			}
			if c.Old.InitHash != c.New.InitHash || c.Old.HasInit != c.New.HasInit || c.Old.Cond != c.New.Cond {
				msg := "initializer changed: the running program holds the old value"
				if c.Old.Cond != c.New.Cond && c.Old.InitHash == c.New.InitHash {
					msg = fmt.Sprintf("guarding condition changed (%q → %q)", c.Old.Cond, c.New.Cond)
				}
				p.Reportf(c.New.Label(), oldLoc(c), newLoc(c), "%s", msg)
			}
		case cfront.KMacroCall:
			if c.Old.OnlyStrings && c.New.OnlyStrings || isInitRegistration(c.Old.Name) || strings.HasPrefix(c.Old.Name, "EXPORT_SYMBOL") {
				continue
			}
			p.Reportf(c.New.Label(), oldLoc(c), newLoc(c), "data declared through a macro changed: the running program holds the old value")
		}
	}
	// Macros expanded in a writable global's initializer.
	for _, x := range p.macroExpanders() {
		g, name := x.e, x.macro.Entity().Name
		if g.Kind == cfront.KGlobal && !g.Const && !g.Extern && g.HasInit && !typeUses(g.Type, name) {
			p.Report(Finding{Entity: g.Label(), New: &Loc{File: x.path, Line: g.Line}, Message: fmt.Sprintf("its initializer expands macro %s, which changed", name)})
		}
	}
}

func runGlobalType(p *Pass) {
	for _, c := range p.C.Changes {
		if c.Kind() != cfront.KGlobal || c.Old == nil || c.New == nil || c.Same() || c.Old.ParseErr != "" || c.New.ParseErr != "" {
			continue
		}
		if c.Old.Extern || c.New.Extern {
			continue
		}
		ot := cfront.ResolveType(c.Old.Type, p.resolver(Old))
		nt := cfront.ResolveType(c.New.Type, p.resolver(New))
		switch {
		case ot != nt:
			p.Reportf(c.New.Label(), oldLoc(c), newLoc(c), "type %s → %s: the object in memory has the old size and layout", c.Old.Type, c.New.Type)
		case c.Old.Const != c.New.Const:
			p.Reportf(c.New.Label(), oldLoc(c), newLoc(c), "constness changed: the object moves between read-only and writable memory")
		}
	}
	// Macros in a global's type (an array bound) change its size; typedefs
	// in its type change what it is.
	for _, x := range p.macroExpanders() {
		g, name := x.e, x.macro.Entity().Name
		if g.Kind == cfront.KGlobal && !g.Extern && typeUses(g.Type, name) {
			p.Report(Finding{Entity: g.Label(), New: &Loc{File: x.path, Line: g.Line}, Message: fmt.Sprintf("its type %s uses macro %s, which changed: the object's size changes", g.Type, name)})
		}
	}
	for _, t := range p.changedTypedefs() {
		for _, r := range p.users(t.Entity().Name, scopeOf(t.Entity(), t.Path()), t.Path(), t.Entity().Name) {
			if r.Sub != "var" {
				continue
			}
			for _, g := range p.Ctx.Entities(New, r) {
				if g.Kind == cfront.KGlobal && !g.Extern && typeUses(g.Type, t.Entity().Name) && p.unchangedIn(r.Path, g) {
					p.Report(Finding{Entity: g.Label(), New: &Loc{File: r.Path, Line: g.Line}, Message: fmt.Sprintf("its type uses typedef %s, which changed", t.Entity().Name)})
				}
			}
		}
	}
}
