package classifiers

import (
	"fmt"
	"strings"

	"github.com/dynupd/dynupd-analyze/analyzer/cfront"
	"github.com/dynupd/dynupd-analyze/config"
)

// funcChanges returns the function definition changes that are real
// (not mere respellings), with both sides present.
func (p *Pass) funcChanges() []*cfront.Change {
	var out []*cfront.Change
	for _, c := range p.C.Changes {
		if c.Kind() == cfront.KFunc && c.Old != nil && c.New != nil && !c.Same() && c.Old.ParseErr == "" && c.New.ParseErr == "" {
			out = append(out, c)
		}
	}
	return out
}

// bodyChanged reports whether the compiled body of a function changed.
func bodyChanged(c *cfront.Change) bool {
	o, n := c.Old, c.New
	return o.BodyHash != n.BodyHash || o.Cond != n.Cond || staticsDigest(o) != staticsDigest(n)
}

func staticsDigest(e *cfront.Entity) string {
	var b strings.Builder
	for _, s := range e.Statics {
		b.WriteString(s.Digest())
	}
	return b.String()
}

func runFuncBody(p *Pass) {
	for _, c := range p.funcChanges() {
		if c.Old.Sig != c.New.Sig {
			continue
		}
		msg := "body changed"
		switch {
		case c.Old.Cond != c.New.Cond:
			msg = fmt.Sprintf("guarding condition changed: %q → %q", c.Old.Cond, c.New.Cond)
		case c.Old.BodyHash == c.New.BodyHash && staticsDigest(c.Old) == staticsDigest(c.New):
			if c.Old.Inline != c.New.Inline || c.Old.Storage != c.New.Storage || strings.Join(c.Old.Attrs, ",") != strings.Join(c.New.Attrs, ",") {
				continue // only specifiers: other rules speak
			}
		}
		p.Report(Finding{Entity: c.New.Label(), Old: oldLoc(c), New: newLoc(c), Message: msg + ": replace the function"})
	}
}

func runFuncAdded(p *Pass) {
	for _, c := range p.C.Changes {
		if c.Kind() == cfront.KFunc && c.Added() && c.New.ParseErr == "" {
			p.Reportf(c.New.Label(), nil, newLoc(c), "new function: the patch module carries it")
		}
	}
}

func runFuncRemoved(p *Pass) {
	for _, c := range p.C.Changes {
		if c.Kind() == cfront.KFunc && c.Removed() && c.Old.ParseErr == "" && !p.publicEntity(Old, c.Old, c.OldPath) {
			p.Reportf(c.Old.Label(), oldLoc(c), nil, "function removed: the running copy stays, unused")
		}
	}
}

func runSigInternal(p *Pass) {
	for _, c := range p.C.Changes {
		if c.Old == nil || c.New == nil || c.Old.ParseErr != "" || c.New.ParseErr != "" {
			continue
		}
		if c.Kind() != cfront.KFunc && c.Kind() != cfront.KProto {
			continue
		}
		if c.Old.Sig == c.New.Sig || p.public(c) {
			continue
		}
		var closure []string
		users := p.funcClosure(c.New.Name, scopeOf(c.New, c.NewPath), c.NewPath, true)
		if c.Kind() == cfront.KFunc {
			closure = closureWith(c, users)
		} else {
			closure = users
		}
		p.Report(Finding{Entity: c.New.Label(), Old: oldLoc(c), New: newLoc(c), Closure: closure,
			Message: fmt.Sprintf("signature %s → %s: callers are recompiled and replaced with it", c.Old.Sig, c.New.Sig)})
	}
}

func runSigPublic(p *Pass) {
	for _, c := range p.C.Changes {
		switch c.Kind() {
		case cfront.KFunc, cfront.KProto, cfront.KGlobal:
		default:
			continue
		}
		if c.Kind() == cfront.KGlobal && (c.Entity().Storage == "static") {
			continue
		}
		if (c.Old != nil && c.Old.ParseErr != "") || (c.New != nil && c.New.ParseErr != "") || !p.public(c) {
			continue
		}
		e := c.Entity()
		switch {
		case c.Removed():
			if c.Kind() == cfront.KGlobal && !c.Old.Extern && !p.Ctx.DeclaredPublic(Old, c.Old.Name) {
				continue
			}
			p.Reportf(e.Label(), oldLoc(c), nil, "public %s removed: clients compiled against it break", kindWord(c.Kind()))
		case c.Added():
		case c.Kind() == cfront.KGlobal:
			if c.Old.Type != c.New.Type {
				p.Reportf(e.Label(), oldLoc(c), newLoc(c), "type of public variable %s → %s: clients compiled the old type in", c.Old.Type, c.New.Type)
			}
		case c.Old.Sig != c.New.Sig:
			p.Reportf(e.Label(), oldLoc(c), newLoc(c), "public signature %s → %s: clients compiled against the old one", c.Old.Sig, c.New.Sig)
		}
	}
	// A function no longer exported.
	for _, c := range p.C.Changes {
		if c.Kind() == cfront.KMacroCall && c.Removed() && strings.HasPrefix(c.Old.Name, "EXPORT_SYMBOL") {
			p.Reportf("export "+c.Old.Name, oldLoc(c), nil, "symbol no longer exported: modules linked against it break")
		}
	}
}

func kindWord(k cfront.Kind) string {
	switch k {
	case cfront.KFunc:
		return "function"
	case cfront.KProto:
		return "function declaration"
	case cfront.KGlobal:
		return "variable"
	}
	return k.String()
}

func runAttrCaller(p *Pass) {
	for _, c := range p.C.Changes {
		if c.Old == nil || c.New == nil || c.Old.ParseErr != "" || c.New.ParseErr != "" {
			continue
		}
		if c.Kind() != cfront.KFunc && c.Kind() != cfront.KProto {
			continue
		}
		caller, _ := attrSplit(c.Old.Attrs, c.New.Attrs)
		if len(caller) == 0 {
			continue
		}
		users := p.funcClosure(c.New.Name, scopeOf(c.New, c.NewPath), c.NewPath, true)
		closure := users
		if c.Kind() == cfront.KFunc {
			closure = closureWith(c, users)
		}
		p.Report(Finding{Entity: c.New.Label(), Old: oldLoc(c), New: newLoc(c), Closure: closure,
			Message: fmt.Sprintf("attributes %s change how callers are compiled", strings.Join(caller, " "))})
	}
}

func runInlineInternal(p *Pass) {
	for _, c := range p.funcChanges() {
		if !c.Old.Inline || p.public(c) {
			continue
		}
		users := p.funcClosure(c.New.Name, scopeOf(c.New, c.NewPath), c.NewPath, true)
		p.Report(Finding{Entity: c.New.Label(), Old: oldLoc(c), New: newLoc(c), Closure: closureWith(c, users),
			Message: "inline function changed: callers that inlined the old body are replaced too"})
	}
}

func runInlinePublic(p *Pass) {
	for _, c := range p.C.Changes {
		if c.Kind() != cfront.KFunc || c.Old == nil || !c.Old.Inline || c.Same() || c.Old.ParseErr != "" {
			continue
		}
		if !isHeader(c.OldPath) || !p.public(c) {
			continue
		}
		if c.New == nil {
			p.Reportf(c.Old.Label(), oldLoc(c), nil, "inline function removed from a public header: clients compiled it in")
			continue
		}
		p.Reportf(c.New.Label(), oldLoc(c), newLoc(c), "inline function in a public header changed: clients compiled the old body in")
	}
}

func runMain(p *Pass) {
	for _, c := range p.funcChanges() {
		if c.New.Name == "main" {
			p.Reportf(c.New.Label(), oldLoc(c), newLoc(c), "main changed: its frame never returns, so the new code would never run")
		}
	}
	seen := map[string]bool{}
	for _, f := range p.findings {
		for _, m := range f.Closure {
			if strings.HasSuffix(m, ":main") && !seen[m+f.Entity] {
				seen[m+f.Entity] = true
				p.Reportf("func main", nil, &Loc{File: strings.TrimSuffix(m, ":main")}, "main is in the patch closure of %s (%s): its frame never returns", f.Entity, f.Rule)
			}
		}
	}
}

func longRunning(cfg *config.Config, name string) bool {
	return cfg != nil && config.MatchName(cfg.LongRunning, name)
}

func runNeverReturns(p *Pass) {
	cfg := p.Ctx.Config()
	for _, c := range p.funcChanges() {
		if !bodyChanged(c) && c.Old.Sig == c.New.Sig {
			continue
		}
		switch {
		case c.New.NeverReturns > 0 || c.Old.NeverReturns > 0:
			line := c.New.NeverReturns
			if line == 0 {
				line = c.Old.NeverReturns
			}
			p.Reportf(c.New.Label(), oldLoc(c), newLoc(c), "an unconditional loop at line %d has no way out: a thread inside it never runs the new code", line)
		case longRunning(cfg, c.New.Name):
			p.Reportf(c.New.Label(), oldLoc(c), newLoc(c), "configured as long-running: it is always on some stack")
		}
	}
	if cfg == nil || len(cfg.LongRunning) == 0 {
		return
	}
	seen := map[string]bool{}
	for _, f := range p.findings {
		for _, m := range f.Closure {
			name := m[strings.LastIndexByte(m, ':')+1:]
			if longRunning(cfg, name) && !seen[m] {
				seen[m] = true
				p.Reportf("func "+name, nil, &Loc{File: m[:strings.LastIndexByte(m, ':')]}, "long-running function in the patch closure of %s", f.Entity)
			}
		}
	}
}

func runNotrace(p *Pass) {
	for _, c := range p.C.Changes {
		if c.Kind() != cfront.KFunc || c.Old == nil || c.New == nil || c.Same() {
			continue
		}
		for _, e := range []*cfront.Entity{c.Old, c.New} {
			if e.HasAttr("notrace") || e.HasAttr("no_instrument_function") || e.HasAttr("macro:notrace") {
				p.Reportf(c.New.Label(), oldLoc(c), newLoc(c), "notrace: the live patcher cannot hook its entry")
				break
			}
		}
	}
}

func runInitCode(p *Pass) {
	for _, c := range p.funcChanges() {
		switch {
		case p.initByDecl(c.Old) || p.initByDecl(c.New):
			p.Reportf(c.New.Label(), oldLoc(c), newLoc(c), "runs once at start-up: the running program already ran the old version")
		case p.initOnly(c.New.Name, scopeOf(c.New, c.NewPath), c.NewPath):
			p.Reportf(c.New.Label(), oldLoc(c), newLoc(c), "called only from start-up code: the running program already ran the old version")
		}
	}
	for _, c := range p.C.Changes {
		if c.Kind() == cfront.KMacroCall && !c.Same() && c.Old != nil && (c.New == nil || c.Old.Text != c.New.Text) && isInitRegistration(c.Old.Name) {
			p.Reportf("registration "+c.Old.Name, oldLoc(c), newLoc(c), "start-up registration changed")
		}
	}
}

func isInitRegistration(name string) bool {
	return strings.HasPrefix(name, "module_init(") || strings.Contains(name, "initcall(")
}

func runStaticLocal(p *Pass) {
	for _, c := range p.funcChanges() {
		old := map[string]*cfront.Entity{}
		for _, s := range c.Old.Statics {
			old[s.Name] = s
		}
		seen := map[string]bool{}
		for _, s := range c.New.Statics {
			seen[s.Name] = true
			o, ok := old[s.Name]
			if !ok || o.Digest() == s.Digest() {
				continue
			}
			if o.Const && s.Const && o.Type == s.Type {
				continue // a read-only copy: the replaced function carries the new one
			}
			what := "initializer changed"
			if o.Type != s.Type {
				what = fmt.Sprintf("type %s → %s", o.Type, s.Type)
			}
			p.Report(Finding{Entity: "static " + s.Name, Old: &Loc{File: c.OldPath, Line: o.Line}, New: &Loc{File: c.NewPath, Line: s.Line},
				Message: "function-scope static " + what + ": its value lives in the running program"})
		}
		for _, o := range c.Old.Statics {
			if !seen[o.Name] && !o.Const {
				p.Report(Finding{Entity: "static " + o.Name, Old: &Loc{File: c.OldPath, Line: o.Line}, New: newLoc(c),
					Message: "function-scope static removed: the state it held is dropped"})
			}
		}
	}
}

func runDeclOnly(p *Pass) {
	for _, c := range p.C.Changes {
		if (c.Old != nil && c.Old.ParseErr != "") || (c.New != nil && c.New.ParseErr != "") {
			continue
		}
		if c.Same() {
			if declarationOnly(c.New) {
				msg := "declaration respelled (parameter names, parentheses)"
				if c.OldPath != c.NewPath {
					msg = "declaration moved from " + c.OldPath
				}
				p.Reportf(c.New.Label(), oldLoc(c), newLoc(c), "%s", msg)
			}
			continue
		}
		e := c.Entity()
		switch c.Kind() {
		case cfront.KProto:
			switch {
			case c.Added():
				p.Reportf(e.Label(), nil, newLoc(c), "declaration added")
			case c.Removed():
				if !p.publicEntity(Old, c.Old, c.OldPath) {
					p.Reportf(e.Label(), oldLoc(c), nil, "declaration removed")
				}
			case c.Old.Sig == c.New.Sig:
				if caller, _ := attrSplit(c.Old.Attrs, c.New.Attrs); len(caller) == 0 {
					p.Reportf(e.Label(), oldLoc(c), newLoc(c), "declaration respelled (parameter names, qualifiers, diagnostics)")
				}
			}
		case cfront.KGlobal:
			switch {
			case c.Added() && c.New.Extern:
				p.Reportf(e.Label(), nil, newLoc(c), "extern declaration added")
			case c.Removed() && !p.publicEntity(Old, c.Old, c.OldPath):
				if c.Old.Extern {
					p.Reportf(e.Label(), oldLoc(c), nil, "extern declaration removed")
				} else {
					p.Reportf(e.Label(), oldLoc(c), nil, "variable removed: the running copy stays, unused")
				}
			case c.Old != nil && c.New != nil && c.Old.Type == c.New.Type && c.Old.InitHash == c.New.InitHash && c.Old.HasInit == c.New.HasInit && c.Old.Cond == c.New.Cond:
				p.Reportf(e.Label(), oldLoc(c), newLoc(c), "linkage or declaration only (%s → %s)", storageWord(c.Old), storageWord(c.New))
			}
		case cfront.KFunc:
			if c.Old != nil && c.New != nil && c.Old.Sig == c.New.Sig && !bodyChanged(c) {
				if caller, _ := attrSplit(c.Old.Attrs, c.New.Attrs); len(caller) == 0 && !c.Old.Inline {
					p.Reportf(e.Label(), oldLoc(c), newLoc(c), "specifiers only (%s → %s): the compiled body is the same", storageWord(c.Old), storageWord(c.New))
				}
			}
		case cfront.KInclude:
			if c.Added() {
				p.Reportf("#include "+e.Name, nil, newLoc(c), "include added")
			} else if c.Removed() {
				p.Reportf("#include "+e.Name, oldLoc(c), nil, "include removed")
			}
		case cfront.KMacro:
			if c.Added() && !p.shadows(c) {
				p.Reportf(e.Label(), nil, newLoc(c), "new macro name")
			}
		case cfront.KDirective, cfront.KAssert, cfront.KForward:
			p.Reportf(e.Label(), oldLoc(c), newLoc(c), "compile-time directive only")
		case cfront.KPragma:
			if pragmaDiag(e.Name) {
				p.Reportf(e.Label(), oldLoc(c), newLoc(c), "diagnostic pragma only")
			}
		case cfront.KMacroCall:
			if c.Removed() && !strings.HasPrefix(c.Old.Name, "EXPORT_SYMBOL") && !isInitRegistration(c.Old.Name) {
				p.Reportf(e.Label(), oldLoc(c), nil, "top-level macro use removed: what it declared stays, unused")
			}
			if c.Added() && strings.HasPrefix(c.New.Name, "EXPORT_SYMBOL") {
				p.Reportf(e.Label(), nil, newLoc(c), "new export")
			}
		}
	}
}

func storageWord(e *cfront.Entity) string {
	var parts []string
	if e.Storage != "" {
		parts = append(parts, e.Storage)
	}
	if e.Inline {
		parts = append(parts, "inline")
	}
	parts = append(parts, e.Attrs...)
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

func pragmaDiag(name string) bool {
	switch {
	case name == "once", strings.HasPrefix(name, "GCC diagnostic"), strings.HasPrefix(name, "clang diagnostic"),
		strings.HasPrefix(name, "warning"), strings.HasPrefix(name, "message"), strings.HasPrefix(name, "region"),
		strings.HasPrefix(name, "endregion"), strings.HasPrefix(name, "mark"), strings.HasPrefix(name, "GCC system_header"),
		strings.HasPrefix(name, "ident"), strings.HasPrefix(name, "GCC poison"), strings.HasPrefix(name, "comment"):
		return true
	}
	return false
}
