package classifiers

import (
	"fmt"

	"github.com/dynupd/dynupd-analyze/analyzer/cfront"
)

func macroWhat(c *cfront.Change) string {
	switch {
	case c.Kind() == cfront.KUndef:
		return "#undef changed what later uses expand to"
	case c.Removed():
		return "macro removed"
	case c.Added():
		return "macro (re)defines a name already in use"
	case c.Old.Cond != c.New.Cond && c.Old.Body == c.New.Body:
		return fmt.Sprintf("guarding condition changed (%q → %q)", c.Old.Cond, c.New.Cond)
	}
	return fmt.Sprintf("macro changed: %s → %s", clipText(c.Old.Body), clipText(c.New.Body))
}

func clipText(s string) string {
	if s == "" {
		return "(empty)"
	}
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

func runMacroInternal(p *Pass) {
	for _, c := range p.changedMacros() {
		if p.public(c) {
			continue
		}
		e := c.Entity()
		closure := p.funcClosure(p.macroUseName(c), scopeOf(e, c.Path()), c.Path(), true)
		p.Report(Finding{Entity: "macro " + e.Name, Old: oldLoc(c), New: newLoc(c), Closure: closure,
			Message: macroWhat(c) + ": the code that expands it is recompiled and replaced"})
	}
}

func runMacroPublic(p *Pass) {
	for _, c := range p.changedMacros() {
		if !p.public(c) {
			continue
		}
		e := c.Entity()
		p.Reportf("macro "+e.Name, oldLoc(c), newLoc(c), "%s in a public header: clients compiled the old expansion in", macroWhat(c))
	}
}
