package classifiers

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dynupd/dynupd-analyze/analyzer/cfront"
	"github.com/dynupd/dynupd-analyze/config"
)

func oldLoc(c *cfront.Change) *Loc {
	if c.Old == nil {
		return nil
	}
	return &Loc{File: c.OldPath, Line: c.Old.Line, EndLine: c.Old.EndLine}
}

func newLoc(c *cfront.Change) *Loc {
	if c.New == nil {
		return nil
	}
	return &Loc{File: c.NewPath, Line: c.New.Line, EndLine: c.New.EndLine}
}

// isHeader reports whether a C path is a header (anything but a .c file:
// .h files and included fragments such as commands.def).
func isHeader(path string) bool { return !strings.HasSuffix(path, ".c") }

// privateGuarded reports whether a condition puts a declaration under one
// of the config's private guards (#ifdef LUA_CORE, #if defined(LUA_CORE)).
func privateGuarded(cond string, guards []string) bool {
	if cond == "" || len(guards) == 0 {
		return false
	}
	c := strings.ReplaceAll(cond, " ", "")
	for _, g := range guards {
		for _, pat := range []string{"defined(" + g + ")", "defined" + g} {
			for i := 0; ; {
				k := strings.Index(c[i:], pat)
				if k < 0 {
					break
				}
				k += i
				if k == 0 || c[k-1] != '!' {
					return true
				}
				i = k + len(pat)
			}
		}
	}
	return false
}

// exportMarked reports whether an entity carries an export marker.
func exportMarked(e *cfront.Entity, cfg *config.Config) bool {
	if e.Exported {
		return true
	}
	var extra []string
	if cfg != nil {
		extra = cfg.ExportMacros
	}
	for _, a := range e.Attrs {
		if strings.HasPrefix(a, "macro:") && cfront.IsExportMarkerName(strings.TrimPrefix(a, "macro:"), extra) {
			return true
		}
		if a == `visibility("default")` || a == "visibility(default)" || strings.HasPrefix(a, "declspec(dllexport") {
			return true
		}
	}
	return false
}

// publicEntity reports whether one side of an entity is public: declared
// in a public header outside a private guard, export-marked, or (for a
// non-static function or variable) declared in a public header elsewhere.
func (p *Pass) publicEntity(s Side, e *cfront.Entity, path string) bool {
	if e == nil {
		return false
	}
	cfg := p.Ctx.Config()
	var guards []string
	if cfg != nil {
		guards = cfg.PrivateGuards
	}
	if privateGuarded(e.Cond, guards) {
		return false
	}
	if isHeader(path) && p.Ctx.PublicHeader(s, path) {
		return true
	}
	switch e.Kind {
	case cfront.KFunc, cfront.KProto, cfront.KGlobal:
		if exportMarked(e, cfg) {
			return true
		}
		if e.Storage != "static" && p.Ctx.DeclaredPublic(s, e.Name) {
			return true
		}
	}
	return false
}

// public reports whether either side of a change is public.
func (p *Pass) public(c *cfront.Change) bool {
	return p.publicEntity(Old, c.Old, c.OldPath) || p.publicEntity(New, c.New, c.NewPath)
}

// scopeOf returns the file an entity's users must be in: its own file for
// file-local entities of a .c file, none (the whole tree) otherwise.
func scopeOf(e *cfront.Entity, path string) string {
	if isHeader(path) {
		return ""
	}
	switch e.Kind {
	case cfront.KMacro, cfront.KUndef, cfront.KStruct, cfront.KUnion, cfront.KEnum, cfront.KTypedef:
		return path
	}
	if e.Storage == "static" {
		return path
	}
	return ""
}

// users returns the new tree's users of name, minus the entity itself.
// The users of something a header declares are sought only in the files
// that include that header: nowhere else does the compiler see it.
func (p *Pass) users(name, scope, selfPath, selfName string) []Ref {
	var reach map[string]bool
	if scope == "" && selfPath != "" && isHeader(selfPath) {
		reach = p.Ctx.Includers(New, selfPath)
	}
	var out []Ref
	for _, r := range p.Ctx.Users(New, name, scope) {
		if r.Path == selfPath && r.Name == selfName {
			continue
		}
		if reach != nil && !reach[r.Path] {
			continue
		}
		out = append(out, r)
	}
	return out
}

func refKey(r Ref) string { return r.Path + ":" + r.Name }

// useName is the name to look a macro's users up by: a function-like
// macro expands only where its name is followed by '('.
func useName(e *cfront.Entity) string {
	if e.Kind == cfront.KMacro && e.FuncLike {
		return e.Name + "("
	}
	return e.Name
}

// macroUseName is useName for a macro change; an #undef takes the form of
// the definition of the same name in its file (#undef X before #define X(a)
// only matters where X( is used).
func (p *Pass) macroUseName(c *cfront.Change) string {
	e := c.Entity()
	if e.Kind != cfront.KUndef {
		return useName(e)
	}
	for _, o := range p.C.Changes {
		for _, x := range []struct {
			e    *cfront.Entity
			path string
		}{{o.Old, o.OldPath}, {o.New, o.NewPath}} {
			if x.e != nil && x.e.Kind == cfront.KMacro && x.e.Name == e.Name && x.path == c.Path() {
				return useName(x.e)
			}
		}
	}
	return e.Name
}

// funcClosure returns the functions of the new tree that use name
// ("path:func"), following users that are themselves inline functions or
// macros when transitive is set.
func (p *Pass) funcClosure(name, scope, selfPath string, transitive bool) []string {
	seen := map[string]bool{}
	var out []string
	var visit func(name, scope, selfPath string, depth int)
	visit = func(name, scope, selfPath string, depth int) {
		if depth > 8 {
			return
		}
		for _, r := range p.users(name, scope, selfPath, strings.TrimSuffix(name, "(")) {
			k := refKey(r)
			if seen[k] {
				continue
			}
			seen[k] = true
			switch {
			case r.Kind == cfront.ChunkFunc:
				out = append(out, k)
				if transitive && p.inlineFunc(r) {
					visit(r.Name, usersScope(r), r.Path, depth+1)
				}
			case r.Kind == cfront.ChunkDirective && r.Sub == "define" && transitive:
				visit(r.Name, usersScope(r), r.Path, depth+1)
			}
		}
	}
	visit(name, scope, selfPath, 0)
	sort.Strings(out)
	return out
}

// usersScope is the scope of a reference's own users.
func usersScope(r Ref) string {
	if isHeader(r.Path) {
		return ""
	}
	if r.Kind == cfront.ChunkDirective {
		return r.Path
	}
	return ""
}

// inlineFunc reports whether a referenced function is inline; the scanner
// does not know, so it is decided by the function's own text through the
// reference's Sub field ("inline" when the chunk has an inline specifier).
func (p *Pass) inlineFunc(r Ref) bool { return r.Sub == "inline" }

// closureWith returns the changed function itself ("path:name") followed
// by the given users.
func closureWith(c *cfront.Change, users []string) []string {
	self := c.Path() + ":" + c.Entity().Name
	out := []string{self}
	for _, u := range users {
		if u != self {
			out = append(out, u)
		}
	}
	return out
}

// allChanged reports whether every function of a closure changed in the
// commit anyway.
func (p *Pass) allChanged(closure []string) bool {
	for _, f := range closure {
		if !p.C.ChangedFuncs[f] {
			return false
		}
	}
	return true
}

// macroUsers returns the non-function users of a macro (and, transitively,
// of the macros that use it): the structs, typedefs, enums and globals
// whose definitions expand it.
func (p *Pass) macroUsers(name, scope, selfPath string) []Ref {
	seen := map[string]bool{}
	var out []Ref
	var visit func(name, scope, selfPath string, depth int)
	visit = func(name, scope, selfPath string, depth int) {
		if depth > 8 {
			return
		}
		for _, r := range p.users(name, scope, selfPath, strings.TrimSuffix(name, "(")) {
			k := refKey(r) + "|" + r.Sub
			if seen[k] {
				continue
			}
			seen[k] = true
			if r.Kind == cfront.ChunkDirective {
				if r.Sub == "define" {
					visit(r.Name, usersScope(r), r.Path, depth+1)
				}
				continue
			}
			if r.Kind == cfront.ChunkDecl || r.Kind == cfront.ChunkMacroCall {
				out = append(out, r)
			}
		}
	}
	visit(name, scope, selfPath, 0)
	return out
}

// changedMacros returns the macro changes of the commit that alter what
// existing uses expand to: changed, removed, #undef'd, or newly defined
// over a name already in use.
func (p *Pass) changedMacros() []*cfront.Change {
	var out []*cfront.Change
	for _, c := range p.C.Changes {
		if c.Kind() != cfront.KMacro && c.Kind() != cfront.KUndef {
			continue
		}
		if c.Same() {
			continue
		}
		if c.Added() && c.Kind() == cfront.KMacro && !p.shadows(c) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// reservedMacro reports whether a macro name belongs to the implementation
// or selects system features, so that defining it changes how system
// headers expand.
func reservedMacro(name string) bool {
	if len(name) >= 2 && name[0] == '_' && (name[1] == '_' || name[1] >= 'A' && name[1] <= 'Z') {
		return true
	}
	switch name {
	case "NDEBUG", "DEBUG", "errno", "assert", "malloc", "free", "calloc", "realloc", "strdup", "printf", "fprintf", "snprintf", "memcpy", "memset", "strcpy", "strlen":
		return true
	}
	return false
}

// shadows reports whether a new macro takes over a name already in use: a
// reserved or system name, or an identifier that functions the commit did
// not change already use.
func (p *Pass) shadows(c *cfront.Change) bool {
	e := c.New
	if reservedMacro(e.Name) {
		return true
	}
	for _, f := range p.funcClosure(p.macroUseName(c), scopeOf(e, c.NewPath), c.NewPath, true) {
		if !p.C.ChangedFuncs[f] {
			return true
		}
	}
	return false
}

// resolver returns a typedef lookup for one side of the tree.
func (p *Pass) resolver(s Side) func(string) (string, bool) {
	return func(name string) (string, bool) { return p.Ctx.Typedef(s, name) }
}

// layoutDiff compares two struct/union definitions with typedefs resolved
// in their own trees and says how the layout changed ("" when it did not).
func (p *Pass) layoutDiff(o, n *cfront.Entity) string {
	ro, rn := p.resolver(Old), p.resolver(New)
	if strings.Join(o.Attrs, ",") != strings.Join(n.Attrs, ",") {
		return fmt.Sprintf("attributes %v → %v", o.Attrs, n.Attrs)
	}
	if o.Kind != n.Kind {
		return fmt.Sprintf("%s became %s", o.Kind, n.Kind)
	}
	if o.Cond != n.Cond {
		return fmt.Sprintf("guarding condition %q → %q", o.Cond, n.Cond)
	}
	type ft struct{ t, bits, cond string }
	res := func(fs []cfront.Field, r func(string) (string, bool)) []ft {
		out := make([]ft, len(fs))
		for i, f := range fs {
			out[i] = ft{cfront.ResolveType(f.Type, r), f.Bits, f.Cond}
		}
		return out
	}
	of, nf := res(o.Fields, ro), res(n.Fields, rn)
	oldPos := map[string]int{}
	for i, f := range o.Fields {
		if f.Name != "" {
			oldPos[f.Name] = i
		}
	}
	newNames := map[string]bool{}
	for _, f := range n.Fields {
		newNames[f.Name] = true
	}
	for i, f := range n.Fields {
		if j, ok := oldPos[f.Name]; ok && f.Name != "" {
			if of[j] != nf[i] {
				return fmt.Sprintf("member %s: %s → %s", f.Name, describe(of[j].t, of[j].bits, of[j].cond), describe(nf[i].t, nf[i].bits, nf[i].cond))
			}
		}
	}
	for _, f := range o.Fields {
		if f.Name != "" && !newNames[f.Name] && len(o.Fields) > len(n.Fields) {
			return fmt.Sprintf("member %s removed", f.Name)
		}
	}
	for _, f := range n.Fields {
		if _, ok := oldPos[f.Name]; !ok && f.Name != "" && len(n.Fields) > len(o.Fields) {
			return fmt.Sprintf("member %s added", f.Name)
		}
	}
	if len(of) != len(nf) {
		return fmt.Sprintf("%d members → %d", len(of), len(nf))
	}
	for i := range of {
		if of[i] != nf[i] {
			return fmt.Sprintf("member %d: %s → %s", i+1, describe(of[i].t, of[i].bits, of[i].cond), describe(nf[i].t, nf[i].bits, nf[i].cond))
		}
	}
	// Same types in the same order: a member that kept its name but moved
	// is a reorder; a new name in an old slot is a rename.
	for i, f := range n.Fields {
		if j, ok := oldPos[f.Name]; ok && f.Name != "" && j != i {
			return fmt.Sprintf("member %s moved from position %d to %d", f.Name, j+1, i+1)
		}
	}
	return ""
}

func describe(t, bits, cond string) string {
	s := t
	if bits != "" {
		s += ":" + bits
	}
	if cond != "" {
		s += " [#if " + cond + "]"
	}
	return s
}

// memberRenames lists struct members renamed in place, for messages.
func memberRenames(o, n *cfront.Entity) []string {
	var out []string
	for i := range o.Fields {
		if i < len(n.Fields) && o.Fields[i].Name != n.Fields[i].Name {
			out = append(out, o.Fields[i].Name+"→"+n.Fields[i].Name)
		}
	}
	return out
}

// enumDiff classifies an enum change: values of existing members that moved,
// members added, members removed.
type enumDelta struct {
	moved   []string
	added   []string
	removed []string
}

func diffEnum(o, n *cfront.Entity) enumDelta {
	var d enumDelta
	om := map[string]cfront.EnumMember{}
	for _, m := range o.Members {
		om[m.Name] = m
	}
	nm := map[string]bool{}
	for _, m := range n.Members {
		nm[m.Name] = true
		if old, ok := om[m.Name]; ok {
			if !old.Same(m) || old.Cond != m.Cond {
				d.moved = append(d.moved, m.Name)
			}
		} else {
			d.added = append(d.added, m.Name)
		}
	}
	for _, m := range o.Members {
		if !nm[m.Name] {
			d.removed = append(d.removed, m.Name)
		}
	}
	return d
}

// attrSplit separates changed attributes into those that change how
// callers are compiled and those that only affect diagnostics.
func attrSplit(o, n []string) (caller, diag []string) {
	om := map[string]bool{}
	for _, a := range o {
		om[a] = true
	}
	nm := map[string]bool{}
	for _, a := range n {
		nm[a] = true
	}
	var changed []string
	for _, a := range o {
		if !nm[a] {
			changed = append(changed, "-"+a)
		}
	}
	for _, a := range n {
		if !om[a] {
			changed = append(changed, "+"+a)
		}
	}
	for _, a := range changed {
		if diagnosticAttr(a[1:]) {
			diag = append(diag, a)
		} else {
			caller = append(caller, a)
		}
	}
	return caller, diag
}

// diagnosticAttr reports whether an attribute only affects diagnostics or
// the function's own code generation, never its callers.
func diagnosticAttr(a string) bool {
	switch cfront.AttrName(a) {
	case "format", "format_arg", "nonnull", "warn_unused_result", "deprecated", "unused", "maybe_unused",
		"nodiscard", "used", "cold", "hot", "unavailable", "access", "fallthrough", "no_sanitize",
		"no_sanitize_address", "no_sanitize_undefined", "no_stack_protector", "optimize", "target",
		"warning", "error", "externally_visible", "flatten", "no_reorder", "sentinel":
		return true
	}
	switch a {
	case "macro:WARN_UNUSED_RESULT", "macro:UNUSED", "macro:__unused", "macro:DEPRECATED":
		return true
	}
	return false
}

// initByDecl reports whether a function runs once at start-up by its own
// declaration or the tree's registration of it.
func (p *Pass) initByDecl(e *cfront.Entity) bool {
	for _, a := range e.Attrs {
		switch cfront.AttrName(a) {
		case "init", "constructor", "macro:__init", "macro:__devinit", "macro:__cpuinit", "macro:__meminit":
			return true
		}
	}
	return p.Ctx.InitFunc(e.Name)
}

// initOnly reports whether every caller of a function in the new tree is
// (transitively) init code; a function with no caller is not.
func (p *Pass) initOnly(name, scope, selfPath string) bool {
	if !p.Ctx.AnyInit() {
		return false // no start-up code: nothing can be called only from it
	}
	seen := map[string]bool{}
	var check func(name, scope, selfPath string, depth int) (bool, bool) // (onlyInit, hasCaller)
	check = func(name, scope, selfPath string, depth int) (bool, bool) {
		if depth > 6 {
			return false, true
		}
		refs := p.users(name, scope, selfPath, name)
		if len(refs) == 0 {
			return false, false
		}
		for _, r := range refs {
			if r.Kind == cfront.ChunkMacroCall {
				if strings.HasSuffix(r.Sub, "initcall") || r.Sub == "module_init" || r.Sub == "__initcall" || r.Sub == "core_initcall" {
					continue
				}
				return false, true
			}
			if r.Kind != cfront.ChunkFunc {
				return false, true // referenced from data: may be called any time
			}
			k := refKey(r)
			if seen[k] {
				continue
			}
			seen[k] = true
			if p.Ctx.InitFunc(r.Name) || r.Sub == "init" {
				continue
			}
			only, has := check(r.Name, usersScope(r), r.Path, depth+1)
			if !only || !has {
				return false, true
			}
		}
		return true, true
	}
	only, has := check(name, scope, selfPath, 0)
	return only && has
}

// expander is a declaration of the new tree, itself unchanged, whose
// definition expands a macro the commit changed.
type expander struct {
	macro *cfront.Change
	path  string
	ref   Ref
	e     *cfront.Entity
}

// macroExpanders lists the unchanged declarations (structs, enums,
// globals, typedefs) that expand a changed macro, directly or through other
// macros: their meaning changes although their text does not.
func (p *Pass) macroExpanders() []expander {
	if p.expanders != nil {
		return *p.expanders
	}
	out := []expander{}
	defer func() { p.expanders = &out }()
	for _, m := range p.changedMacros() {
		me := m.Entity()
		for _, r := range p.macroUsers(p.macroUseName(m), scopeOf(me, m.Path()), m.Path()) {
			for _, e := range p.Ctx.Entities(New, r) {
				if p.unchangedIn(r.Path, e) {
					out = append(out, expander{macro: m, path: r.Path, ref: r, e: e})
				}
			}
		}
	}
	return out
}
