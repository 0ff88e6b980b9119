package classifiers

import (
	"fmt"
	"strings"

	"github.com/dynupd/dynupd-analyze/analyzer/cfront"
)

func isAggregate(k cfront.Kind) bool { return k == cfront.KStruct || k == cfront.KUnion }

func runTypeAdded(p *Pass) {
	for _, c := range p.C.Changes {
		if !c.Added() || c.New.ParseErr != "" {
			continue
		}
		switch c.Kind() {
		case cfront.KStruct, cfront.KUnion, cfront.KEnum, cfront.KTypedef:
			p.Reportf(c.New.Label(), nil, newLoc(c), "new type: nothing in memory has it yet")
		}
	}
}

// enumChanges returns the enum changes with both sides parsed.
func (p *Pass) enumChanges() []*cfront.Change {
	var out []*cfront.Change
	for _, c := range p.C.Changes {
		if c.Kind() == cfront.KEnum && c.Old != nil && c.New != nil && !c.Same() && c.Old.ParseErr == "" && c.New.ParseErr == "" {
			out = append(out, c)
		}
	}
	return out
}

func runEnumAppended(p *Pass) {
	for _, c := range p.enumChanges() {
		d := diffEnum(c.Old, c.New)
		if len(d.moved) == 0 && len(d.added) > 0 && (len(d.removed) == 0 || !p.public(c)) {
			p.Reportf(c.New.Label(), oldLoc(c), newLoc(c), "members %s added; no existing value moved", strings.Join(d.added, ", "))
		}
	}
}

// enumStored reports whether values of an enum type live in memory: a
// struct member or global of that type or of a typedef of it.
func (p *Pass) enumStored(e *cfront.Entity, path string) (string, bool) {
	var names []string
	if !e.Anon {
		names = append(names, e.Name)
	}
	if e.TypedefName != "" {
		names = append(names, e.TypedefName)
	}
	scope := scopeOf(e, path)
	for _, r := range p.users(e.Name, scope, path, e.Name) {
		if r.Sub == "typedef" {
			for _, t := range p.Ctx.Entities(New, r) {
				if t.Kind == cfront.KTypedef && (typeUses(t.Type, e.Name) || t.Type == "enum "+e.Name) {
					names = append(names, t.Name)
				}
			}
		}
	}
	for _, n := range names {
		for _, r := range p.users(n, scope, path, n) {
			switch r.Sub {
			case "struct", "union", "var", "typedef":
			default:
				continue
			}
			for _, u := range p.Ctx.Entities(New, r) {
				switch u.Kind {
				case cfront.KStruct, cfront.KUnion:
					for _, f := range u.Fields {
						if storesType(f.Type, n) {
							return fmt.Sprintf("%s member %s", u.Label(), f.Name), true
						}
					}
				case cfront.KGlobal:
					if storesType(u.Type, n) && !u.Extern {
						return u.Label(), true
					}
				case cfront.KTypedef:
					if u.Name != n && storesType(u.Type, n) && strings.Contains(u.Type, "{") {
						return u.Label(), true
					}
				}
			}
		}
	}
	return "", false
}

// storesType reports whether a normalised type holds a value of the named
// enum (or typedef) by value: "enum color", "color_t", "[4] color_t", or
// inside an anonymous aggregate's layout.
func storesType(t, name string) bool {
	ct := cfront.ParseType(t)
	for _, op := range ct.Ops {
		if strings.HasPrefix(op, "*") || strings.HasPrefix(op, "func(") {
			return false
		}
	}
	base := ct.Base
	if base == name || base == "enum "+name {
		return true
	}
	return strings.Contains(base, "{") && (strings.Contains(base, "enum "+name+" ") || strings.Contains(base, " "+name+" "))
}

// enumValueChanges returns the enum changes where an existing member's
// value moved, and the names of the moved members.
func (p *Pass) enumValueChanges() map[*cfront.Change][]string {
	out := map[*cfront.Change][]string{}
	for _, c := range p.enumChanges() {
		if d := diffEnum(c.Old, c.New); len(d.moved) > 0 {
			out[c] = d.moved
		}
	}
	return out
}

func (p *Pass) enumClosure(c *cfront.Change, members []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range members {
		for _, f := range p.funcClosure(m, scopeOf(c.New, c.NewPath), c.NewPath, true) {
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	return sortedStrings(out)
}

func runConstInternal(p *Pass) {
	for _, c := range p.enumChanges() {
		moved := diffEnum(c.Old, c.New).moved
		if len(moved) == 0 || p.public(c) {
			continue
		}
		if _, stored := p.enumStored(c.New, c.NewPath); stored {
			continue
		}
		p.Report(Finding{Entity: c.New.Label(), Old: oldLoc(c), New: newLoc(c), Closure: p.enumClosure(c, moved),
			Message: fmt.Sprintf("values of %s moved: the code that uses them is compiled with the values", strings.Join(moved, ", "))})
	}
	p.macroEnumFindings(false)
}

func runEnumStored(p *Pass) {
	for _, c := range p.enumChanges() {
		moved := diffEnum(c.Old, c.New).moved
		if len(moved) == 0 || p.public(c) {
			continue
		}
		if where, stored := p.enumStored(c.New, c.NewPath); stored {
			p.Report(Finding{Entity: c.New.Label(), Old: oldLoc(c), New: newLoc(c), Closure: p.enumClosure(c, moved),
				Message: fmt.Sprintf("values of %s moved and values of this type are stored (%s): data in memory changes meaning", strings.Join(moved, ", "), where)})
		}
	}
	p.macroEnumFindings(true)
}

// macroEnumFindings reports enums whose members' values expand a changed
// macro (stored or not, as asked).
func (p *Pass) macroEnumFindings(stored bool) {
	for _, x := range p.macroExpanders() {
		en, name := x.e, x.macro.Entity().Name
		if en.Kind != cfront.KEnum || p.public(x.macro) || !enumUsesMacro(en, name) {
			continue
		}
		if _, isStored := p.enumStored(en, x.path); isStored == stored {
			p.Report(Finding{Entity: en.Label(), New: &Loc{File: x.path, Line: en.Line},
				Message: fmt.Sprintf("member values expand macro %s, which changed", name)})
		}
	}
}

func enumUsesMacro(e *cfront.Entity, name string) bool {
	for _, m := range e.Members {
		if typeUses(m.Expr, name) || strings.Contains(m.Name, name) {
			return true
		}
	}
	return false
}

func sortedStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

func runStructLayout(p *Pass) {
	for _, c := range p.C.Changes {
		if !isAggregate(c.Kind()) || c.Old == nil || c.New == nil || c.Same() || c.Old.ParseErr != "" || c.New.ParseErr != "" {
			continue
		}
		if p.public(c) {
			continue
		}
		if d := p.layoutDiff(c.Old, c.New); d != "" {
			p.Reportf(c.New.Label(), oldLoc(c), newLoc(c), "layout changed (%s): objects in memory have the old layout", d)
		}
	}
	// Structs whose definition expands a changed macro (an array bound).
	for _, x := range p.macroExpanders() {
		s, name := x.e, x.macro.Entity().Name
		if isAggregate(s.Kind) && aggregateUses(s, name) && !(isHeader(x.path) && p.publicEntity(New, s, x.path)) {
			p.Report(Finding{Entity: s.Label(), New: &Loc{File: x.path, Line: s.Line},
				Message: fmt.Sprintf("its definition expands macro %s, which changed: the layout may change", name)})
		}
	}
	// Structs with a member whose typedef changed.
	for _, t := range p.changedTypedefs() {
		te := t.Entity()
		for _, r := range p.users(te.Name, scopeOf(te, t.Path()), t.Path(), te.Name) {
			for _, s := range p.Ctx.Entities(New, r) {
				if isAggregate(s.Kind) && p.unchangedIn(r.Path, s) && storesAny(s, te.Name) && !(isHeader(r.Path) && p.publicEntity(New, s, r.Path)) {
					p.Report(Finding{Entity: s.Label(), New: &Loc{File: r.Path, Line: s.Line},
						Message: fmt.Sprintf("a member's type %s changed: the layout changes", te.Name)})
				}
			}
		}
	}
	for _, c := range p.C.Changes {
		if c.Kind() == cfront.KPragma && !c.Same() && strings.HasPrefix(c.Entity().Name, "pack") {
			p.Reportf(c.Entity().Label(), oldLoc(c), newLoc(c), "packing of the structs that follow changed")
		}
	}
}

func aggregateUses(s *cfront.Entity, name string) bool {
	for _, f := range s.Fields {
		if typeUses(f.Type, name) || typeUses(f.Bits, name) {
			return true
		}
	}
	return false
}

func storesAny(s *cfront.Entity, name string) bool {
	for _, f := range s.Fields {
		if typeUses(f.Type, name) {
			return true
		}
	}
	return false
}

// changedTypedefs returns the typedef changes whose resolved target moved.
func (p *Pass) changedTypedefs() []*cfront.Change {
	var out []*cfront.Change
	for _, c := range p.C.Changes {
		if c.Kind() != cfront.KTypedef || c.Old == nil || c.New == nil || c.Same() || c.Old.ParseErr != "" || c.New.ParseErr != "" {
			continue
		}
		if p.typedefMoved(c) {
			out = append(out, c)
		}
	}
	return out
}

func (p *Pass) typedefMoved(c *cfront.Change) bool {
	ot := cfront.ResolveType(c.Old.Type, p.resolver(Old))
	nt := cfront.ResolveType(c.New.Type, p.resolver(New))
	if ot == nt {
		return false
	}
	// An anonymous aggregate's typedef names it by "{name}": its layout is
	// the struct's own change, not the typedef's.
	return !(strings.Contains(c.Old.Type, "{"+c.Old.Name+"}") && strings.Contains(c.New.Type, "{"+c.New.Name+"}"))
}

func runTypedefChanged(p *Pass) {
	for _, c := range p.changedTypedefs() {
		if p.public(c) {
			continue
		}
		p.Reportf(c.New.Label(), oldLoc(c), newLoc(c), "now names %s (was %s): data of this type in memory has the old representation", c.New.Type, c.Old.Type)
	}
}

func runTypePublic(p *Pass) {
	for _, c := range p.C.Changes {
		if (c.Old != nil && c.Old.ParseErr != "") || (c.New != nil && c.New.ParseErr != "") || c.Same() || c.Added() {
			continue
		}
		k := c.Kind()
		if !isAggregate(k) && k != cfront.KEnum && k != cfront.KTypedef {
			continue
		}
		if !p.public(c) || !(isHeader(c.OldPath) || isHeader(c.NewPath)) {
			continue
		}
		e := c.Entity()
		switch {
		case c.Removed():
			p.Reportf(e.Label(), oldLoc(c), nil, "public type removed: clients compiled against it")
		case isAggregate(k):
			if d := p.layoutDiff(c.Old, c.New); d != "" {
				p.Reportf(e.Label(), oldLoc(c), newLoc(c), "public layout changed (%s): clients compiled the old layout in", d)
			}
		case k == cfront.KEnum:
			d := diffEnum(c.Old, c.New)
			if len(d.moved) > 0 {
				p.Reportf(e.Label(), oldLoc(c), newLoc(c), "public enum values of %s moved: clients compiled the old values in", strings.Join(d.moved, ", "))
			} else if len(d.removed) > 0 {
				p.Reportf(e.Label(), oldLoc(c), newLoc(c), "public enum members %s removed", strings.Join(d.removed, ", "))
			}
		case k == cfront.KTypedef:
			if p.typedefMoved(c) {
				p.Reportf(e.Label(), oldLoc(c), newLoc(c), "public typedef now names %s (was %s)", c.New.Type, c.Old.Type)
			}
		}
	}
	for _, x := range p.macroExpanders() {
		s, name := x.e, x.macro.Entity().Name
		if isHeader(x.path) && isAggregate(s.Kind) && aggregateUses(s, name) && p.publicEntity(New, s, x.path) {
			p.Report(Finding{Entity: s.Label(), New: &Loc{File: x.path, Line: s.Line},
				Message: fmt.Sprintf("public layout expands macro %s, which changed", name)})
		}
	}
}
