package classifiers

import (
	"fmt"
	"strings"

	"github.com/dynupd/dynupd-analyze/analyzer/gofront"
)

// apiTypeDelta decides, as golang.org/x/exp/apidiff does, whether a change
// of an exported type of a public package breaks importers, and says how
// ("" when it is compatible).
func apiTypeDelta(o, n *gofront.Entity, lookup func(string) *gofront.Entity) string {
	switch {
	case o.Alias != n.Alias:
		return "changed between a defined type and an alias"
	case o.TypeParams != n.TypeParams:
		return fmt.Sprintf("type parameters %q → %q", o.TypeParams, n.TypeParams)
	}
	os, ns := strings.HasPrefix(o.Underlying, "struct{"), strings.HasPrefix(n.Underlying, "struct{")
	oi, ni := strings.HasPrefix(o.Underlying, "interface{"), strings.HasPrefix(n.Underlying, "interface{")
	switch {
	case o.Underlying == n.Underlying:
		return ""
	case os && ns && !o.Alias:
		return structAPIDelta(o, n, lookup)
	case oi && ni && !o.Alias:
		return interfaceAPIDelta(o, n)
	case !o.Alias && compatibleBasic(o.Underlying, n.Underlying):
		return "" // every old value fits and every old expression compiles
	case !o.Alias && compatibleChan(o.Underlying, n.Underlying):
		return ""
	}
	return fmt.Sprintf("underlying type %s → %s", o.Underlying, n.Underlying)
}

// widerBasic lists, for a basic type, the basic types that hold all its
// values with the same kind of arithmetic (apidiff's compatible changes).
var widerBasic = map[string][]string{
	"uint8":     {"uint16", "uint32", "uint", "uint64"},
	"byte":      {"uint16", "uint32", "uint", "uint64"},
	"uint16":    {"uint32", "uint", "uint64"},
	"uint32":    {"uint", "uint64"},
	"uint":      {"uint64"},
	"int8":      {"int16", "int32", "int", "int64"},
	"int16":     {"int32", "int", "int64"},
	"int32":     {"int", "int64"},
	"rune":      {"int", "int64"},
	"int":       {"int64"},
	"float32":   {"float64"},
	"complex64": {"complex128"},
}

func compatibleBasic(o, n string) bool {
	for _, w := range widerBasic[o] {
		if w == n {
			return true
		}
	}
	return false
}

// compatibleChan: only dropping a channel's direction is compatible.
func compatibleChan(o, n string) bool {
	for _, pre := range []string{"<-chan ", "chan<- "} {
		if strings.HasPrefix(o, pre) && n == "chan "+strings.TrimPrefix(o, pre) {
			return true
		}
	}
	return false
}

func structAPIDelta(o, n *gofront.Entity, lookup func(string) *gofront.Entity) string {
	key := func(f gofront.Field) string {
		if f.Embedded {
			return "embedded " + strings.TrimPrefix(f.Type, "*")
		}
		return f.Name
	}
	visible := func(f gofront.Field) bool {
		if f.Embedded {
			t := f.Type[strings.LastIndexByte(f.Type, '.')+1:]
			return isExportedName(strings.TrimPrefix(t, "*"))
		}
		return isExportedName(f.Name)
	}
	nm := map[string]gofront.Field{}
	for _, f := range n.Fields {
		nm[key(f)] = f
	}
	for _, f := range o.Fields {
		if !visible(f) {
			continue
		}
		g, ok := nm[key(f)]
		switch {
		case !ok:
			return fmt.Sprintf("field %s removed", key(f))
		case g.Type != f.Type:
			return fmt.Sprintf("field %s: %s → %s", key(f), f.Type, g.Type)
		}
		// Tags have no compile-time meaning for importers: ignored here
		// (GO-STRUCT-LAYOUT still sees them).
	}
	// Adding a field is compatible unless the struct stops being
	// comparable (importers may compare its values or use it as a key).
	if comparability(o.Fields, lookup, 0) == cmpNo {
		return ""
	}
	om := map[string]gofront.Field{}
	for _, f := range o.Fields {
		om[key(f)] = f
	}
	for _, f := range n.Fields {
		if g, ok := om[key(f)]; ok && g.Type == f.Type {
			continue
		}
		switch comparabilityOf(f.Type, lookup, 0) {
		case cmpNo:
			return fmt.Sprintf("no longer comparable: field %s now has type %s", key(f), f.Type)
		case cmpUnknown:
			return fmt.Sprintf("may no longer be comparable: field %s has type %s, which the syntax-only walk cannot see (typed mode can)", key(f), f.Type)
		}
	}
	return ""
}

// cmp is a tri-state comparability.
type cmp uint8

const (
	cmpYes cmp = iota
	cmpNo
	cmpUnknown
)

// comparability of a struct with these fields: no if any field is not
// comparable, unknown if some field's type cannot be seen.
func comparability(fs []gofront.Field, lookup func(string) *gofront.Entity, depth int) cmp {
	out := cmpYes
	for _, f := range fs {
		switch comparabilityOf(f.Type, lookup, depth) {
		case cmpNo:
			return cmpNo
		case cmpUnknown:
			out = cmpUnknown
		}
	}
	return out
}

var comparableBasic = map[string]bool{
	"bool": true, "string": true, "int": true, "int8": true, "int16": true, "int32": true, "int64": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true,
	"byte": true, "rune": true, "float32": true, "float64": true, "complex64": true, "complex128": true,
	"error": true, "any": true, "unsafe.Pointer": true,
}

// comparabilityOf a type as the frontend prints it: basic types, pointers,
// channels and interfaces are comparable; slices, maps and funcs are not;
// arrays as their element; types of the same package by their
// declaration (lookup); standard-library types from gc's own answer;
// anything else (another module's type, a type parameter) is unknown.
func comparabilityOf(t string, lookup func(string) *gofront.Entity, depth int) cmp {
	switch {
	case depth > 8:
		return cmpUnknown
	case comparableBasic[t], strings.HasPrefix(t, "*"), strings.HasPrefix(t, "chan "), strings.HasPrefix(t, "<-chan "),
		strings.HasPrefix(t, "chan<- "), strings.HasPrefix(t, "interface{"):
		return cmpYes
	case strings.HasPrefix(t, "[]"), strings.HasPrefix(t, "map["), strings.HasPrefix(t, "func("):
		return cmpNo
	case strings.HasPrefix(t, "["):
		if i := strings.IndexByte(t, ']'); i > 0 {
			return comparabilityOf(t[i+1:], lookup, depth+1)
		}
		return cmpUnknown
	case strings.Contains(t, "["), strings.HasPrefix(t, "struct{"):
		return cmpUnknown // an instantiated generic type, an inline struct
	case strings.Contains(t, "."):
		if c, known := gofront.StdComparable(t); known {
			if c {
				return cmpYes
			}
			return cmpNo
		}
		return cmpUnknown
	}
	if lookup == nil {
		return cmpUnknown
	}
	e := lookup(t)
	if e == nil || e.TypeParams != "" {
		return cmpUnknown
	}
	switch u := e.Underlying; {
	case strings.HasPrefix(u, "struct{"):
		return comparability(e.Fields, lookup, depth+1)
	case u == t:
		return cmpUnknown
	default:
		return comparabilityOf(u, lookup, depth+1)
	}
}

// interfaceAPIDelta: removing a method breaks callers; adding one breaks
// implementations outside the package — unless the old interface already
// had an unexported method, so that nobody outside could implement it.
// Adding an unexported method makes it unimplementable outside: a break.
func interfaceAPIDelta(o, n *gofront.Entity) string {
	om := map[string]bool{}
	sealed := false
	for _, m := range o.Methods {
		om[m] = true
		if !strings.HasPrefix(m, "embed ") && !isExportedName(m) {
			sealed = true
		}
	}
	nm := map[string]bool{}
	for _, m := range n.Methods {
		nm[m] = true
	}
	for _, m := range o.Methods {
		if !nm[m] {
			return "method " + m + " removed from (or changed in) the interface: importers' calls of it break"
		}
	}
	for _, m := range n.Methods {
		if om[m] {
			continue
		}
		if !strings.HasPrefix(m, "embed ") && !isExportedName(m) {
			return "unexported method " + m + " added: the interface can no longer be implemented outside its package"
		}
		if !sealed {
			return "method " + m + " added to the interface: importers' implementations no longer satisfy it"
		}
	}
	return ""
}

func runGoAPIType(p *Pass) {
	typed := p.reportTypedAPI()
	for _, g := range p.goChanges() {
		if !g.exportedAPI() || g.Same() || typed[g.pkg.Dir] {
			continue
		}
		e := g.Entity()
		switch e.Kind {
		case gofront.KType:
			switch {
			case g.Removed():
				p.Reportf(e.Label(), goOldLoc(g.Change), nil, "exported type removed from a public package: importers break")
			case g.Added():
			default:
				dir := g.pkg.Dir
				lookup := func(name string) *gofront.Entity { return p.Ctx.GoType(New, dir, name) }
				if d := apiTypeDelta(g.Old, g.New, lookup); d != "" {
					p.Reportf(e.Label(), goOldLoc(g.Change), goNewLoc(g.Change), "incompatible change of an exported type (%s): importers compiled against the old one", d)
				}
			}
		case gofront.KVar:
			if g.Old != nil && g.New != nil && g.Old.Type != g.New.Type {
				p.Reportf(e.Label(), goOldLoc(g.Change), goNewLoc(g.Change), "exported variable's type %s → %s: importers break", orDash(g.Old.Type), orDash(g.New.Type))
			}
		case gofront.KMethod:
			switch {
			case g.Removed() && p.Ctx.GoTypeExists(New, g.pkg.Dir, e.Recv):
				p.Reportf(e.Label(), goOldLoc(g.Change), nil, "method removed from the method set of %s: importers calling it or relying on an interface break", e.Recv)
			case funcChanged(g) && !g.Old.PtrRecv && g.New.PtrRecv:
				p.Reportf(e.Label(), goOldLoc(g.Change), goNewLoc(g.Change), "method moved to a pointer receiver: it left the method set of %s (values no longer have it)", e.Recv)
			}
		}
	}
}

// typedAPIRule is the rule that owns an incompatible API change found with
// type information: a func's (or a method's) signature is GO-SIG-EXPORTED,
// a constant GO-CONST-EXPORTED, a removed variable GO-SIG-EXPORTED, and
// everything about types (removed methods and fields, changed underlying
// types, interfaces, comparability, a variable's type) GO-API-TYPE.
func typedAPIRule(c GoAPIChange) string {
	switch c.Kind {
	case "func":
		return "GO-SIG-EXPORTED"
	case "const":
		return "GO-CONST-EXPORTED"
	case "var":
		if c.Removed && c.Member == "" {
			return "GO-SIG-EXPORTED"
		}
	case "type":
		if c.Method && !c.Removed {
			return "GO-SIG-EXPORTED"
		}
	}
	return "GO-API-TYPE"
}

// reportTypedAPI reports, for the changed public packages that typed mode
// loaded on both sides, apidiff's incompatible changes owned by the
// running rule. It returns the directories it decided, which the
// syntactic check then leaves alone.
func (p *Pass) reportTypedAPI() map[string]bool {
	handled := map[string]bool{}
	if p.Go == nil || p.rule == nil {
		return handled
	}
	for _, pc := range p.Go.Packages {
		if pc.Old == nil || !pc.Old.Public {
			continue
		}
		chs, ok := p.Ctx.GoAPI(pc.Dir)
		if !ok {
			continue
		}
		handled[pc.Dir] = true
		for _, c := range chs {
			if typedAPIRule(c) != p.rule.ID {
				continue
			}
			f := Finding{Entity: c.Kind + " " + c.Object, Message: "apidiff (typed mode): " + c.Message + ": importers break"}
			name := c.Object
			if c.Member != "" {
				name += "." + c.Member
				if c.Method {
					f.Entity = "method " + name
				}
			}
			for _, ch := range pc.Changes {
				e := ch.New
				if e == nil {
					e = ch.Old
				}
				if e.Name == name || e.Name == c.Object && f.Old == nil {
					f.Old, f.New = goOldLoc(ch), goNewLoc(ch)
				}
			}
			if f.Old == nil && f.New == nil {
				f.New = &Loc{File: pc.Dir}
			}
			p.Report(f)
		}
	}
	return handled
}
