package gofront

import (
	"go/ast"
	"go/token"
	"sort"
	"strings"
)

// Cost is what decides whether gc may inline a function: the node count of
// its body (without what calls add), the calls it makes, and a reason it
// can never be inlined ("" when there is none).
type Cost struct {
	Nodes int
	// MinNodes leaves out branches that a constant condition may remove
	// (if runtime.GOOS == "windows"): gc counts only the branch it keeps.
	MinNodes int
	Forbid   string
	Calls    []Call
}

// CallKind classifies a call for the inliner.
type CallKind uint8

// Call kinds.
const (
	CallLocal     CallKind = iota // a function of the same package, by name
	CallQualified                 // pkg.F: a function of an imported package
	CallMethod                    // x.M(): a method, or a function value in a field
	CallParam                     // a call of a parameter or local variable
	CallFuncLit                   // func(){…}()
)

// Call is one call site.
type Call struct {
	Kind CallKind
	Name string // local name, "import/path.F", or the method name
	// MaybeDead marks a call in a branch a constant condition may remove.
	MaybeDead bool
}

// builtins cost like any other node (gc treats them as operators).
var builtins = map[string]bool{
	"append": true, "cap": true, "clear": true, "close": true, "complex": true, "copy": true, "delete": true,
	"imag": true, "len": true, "make": true, "max": true, "min": true, "new": true, "print": true,
	"println": true, "real": true, "unsafe.Sizeof": true, "unsafe.Offsetof": true, "unsafe.Alignof": true,
	"unsafe.Pointer": true, "unsafe.Add": true, "unsafe.Slice": true, "unsafe.String": true, "unsafe.StringData": true, "unsafe.SliceData": true,
}

// neverInline are the //go: pragmas that keep gc from inlining a function.
var neverInline = map[string]bool{
	"//go:noinline": true, "//go:norace": false, "//go:cgo_unsafe_args": true, "//go:uintptrkeepalive": true,
	"//go:uintptrescapes": true, "//go:yeswritebarrierrec": true, "//go:nocheckptr": false,
}

// cost counts a function body roughly as gc's inliner does: one per node
// (identifiers, literals, operators, statements; not types, parentheses,
// blocks or the names after a selector's dot), with calls recorded for the
// package-level pass that adds their costs.
func (x *extractor) cost(d *ast.FuncDecl, locals map[string]bool) Cost {
	var c Cost
	x.varTypes = paramTypes(d)
	for _, p := range pragmas(d.Doc) {
		if neverInline[strings.Fields(p)[0]] {
			c.Forbid = "marked " + strings.TrimPrefix(strings.Fields(p)[0], "//")
		}
	}
	if d.Body == nil {
		return c
	}
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch v := n.(type) {
		case nil:
			return false
		case *ast.IfStmt:
			if v.Init == nil && mayBeConst(v.Cond, locals) {
				// Both branches may be the one gc drops: they count toward
				// the maximum only.
				c.Nodes++
				ast.Inspect(v.Cond, visit)
				before, calls := c.Nodes, len(c.Calls)
				ast.Inspect(v.Body, visit)
				if v.Else != nil {
					ast.Inspect(v.Else, visit)
				}
				c.MinNodes -= c.Nodes - before
				for i := calls; i < len(c.Calls); i++ {
					c.Calls[i].MaybeDead = true
				}
				return false
			}
			c.Nodes++
		case *ast.SwitchStmt:
			if v.Init == nil && switchMayBeConst(v, locals) {
				// gc keeps one case of a switch on a constant: every case
				// counts toward the maximum only.
				c.Nodes++
				if v.Tag != nil {
					ast.Inspect(v.Tag, visit)
				}
				before, calls := c.Nodes, len(c.Calls)
				ast.Inspect(v.Body, visit)
				c.MinNodes -= c.Nodes - before
				for i := calls; i < len(c.Calls); i++ {
					c.Calls[i].MaybeDead = true
				}
				return false
			}
			c.Nodes++
		case *ast.DeclStmt:
			if gd, ok := v.Decl.(*ast.GenDecl); ok && (gd.Tok == token.CONST || gd.Tok == token.TYPE) {
				return false // folded at compile time
			}
		case *ast.BinaryExpr, *ast.UnaryExpr:
			if constLit(v.(ast.Expr)) {
				c.Nodes++ // one literal after folding
				return false
			}
			c.Nodes++
		case *ast.GoStmt:
			c.Forbid = "go statement"
		case *ast.DeferStmt:
			c.Forbid = "defer statement"
		case *ast.BlockStmt:
			// After `if <maybe constant> { return }` the rest of the block
			// may be dead code too: it counts toward the maximum only.
			for i, st := range v.List {
				if i > 0 && maybeDeadAfter(v.List[i-1], locals) {
					before, calls := c.Nodes, len(c.Calls)
					for _, rest := range v.List[i:] {
						ast.Inspect(rest, visit)
					}
					c.MinNodes -= c.Nodes - before
					for j := calls; j < len(c.Calls); j++ {
						c.Calls[j].MaybeDead = true
					}
					break
				}
				ast.Inspect(st, visit)
			}
			return false
		case *ast.ExprStmt, *ast.ParenExpr, *ast.EmptyStmt:
			// no node of their own
		case *ast.FuncLit:
			// A closure is compiled as its own function: gc charges 15 for
			// it and does not count its body here.
			c.Nodes += 15
			return false
		case *ast.CompositeLit:
			c.Nodes++
			for _, el := range v.Elts {
				ast.Inspect(el, visit)
			}
			return false
		case *ast.KeyValueExpr:
			c.Nodes++
			if _, isIdent := v.Key.(*ast.Ident); !isIdent {
				ast.Inspect(v.Key, visit)
			}
			ast.Inspect(v.Value, visit)
			return false
		case *ast.SelectorExpr:
			c.Nodes++
			if id, ok := v.X.(*ast.Ident); ok && x.file.Imports[id.Name] != "" && !locals[id.Name] {
				return false // a qualified name: one node
			}
			ast.Inspect(v.X, visit)
			return false
		case *ast.TypeAssertExpr:
			c.Nodes++
			ast.Inspect(v.X, visit)
			return false
		case *ast.CallExpr:
			x.callCost(&c, v, locals, visit)
			return false
		case *ast.Ident:
			if v.Name != "_" {
				c.Nodes++
			}
		case *ast.IncDecStmt:
			c.Nodes += 2 // x += 1
		case ast.Stmt, ast.Expr:
			c.Nodes++
		}
		return true
	}
	ast.Inspect(d.Body, visit)
	c.MinNodes += c.Nodes
	return c
}

// switchMayBeConst reports whether a switch may be decided at compile
// time: its tag may be constant, or (tagless) every case may be.
func switchMayBeConst(sw *ast.SwitchStmt, locals map[string]bool) bool {
	if sw.Tag != nil {
		return mayBeConst(sw.Tag, locals)
	}
	for _, cl := range sw.Body.List {
		for _, e := range cl.(*ast.CaseClause).List {
			if !mayBeConst(e, locals) {
				return false
			}
		}
	}
	return len(sw.Body.List) > 0
}

// maybeDeadAfter reports whether a statement is an if on a condition that
// may be constant whose branch always returns: what follows may be dead.
func maybeDeadAfter(st ast.Stmt, locals map[string]bool) bool {
	ifs, ok := st.(*ast.IfStmt)
	if !ok || ifs.Init != nil || !mayBeConst(ifs.Cond, locals) || len(ifs.Body.List) == 0 {
		return false
	}
	switch last := ifs.Body.List[len(ifs.Body.List)-1].(type) {
	case *ast.ReturnStmt:
		return true
	case *ast.ExprStmt:
		if call, ok := last.X.(*ast.CallExpr); ok {
			if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "panic" {
				return true
			}
		}
	}
	return false
}

// mayBeConst reports whether a condition could fold to a constant: made
// only of literals, package-level and qualified names (no calls, no
// locals), or a && / || whose first operand is such (false && x, true || x).
func mayBeConst(e ast.Expr, locals map[string]bool) bool {
	if p, ok := e.(*ast.ParenExpr); ok {
		return mayBeConst(p.X, locals)
	}
	if b, ok := e.(*ast.BinaryExpr); ok && (b.Op == token.LAND || b.Op == token.LOR) {
		if mayBeConst(b.X, locals) || mayBeConst(b.Y, locals) {
			return true
		}
	}
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.NOT {
		return mayBeConst(u.X, locals)
	}
	ok := true
	ast.Inspect(e, func(n ast.Node) bool {
		switch v := n.(type) {
		case *ast.CallExpr, *ast.IndexExpr, *ast.StarExpr, *ast.FuncLit, *ast.CompositeLit, *ast.TypeAssertExpr:
			ok = false
		case *ast.SelectorExpr:
			if _, isIdent := v.X.(*ast.Ident); !isIdent {
				ok = false
			}
		case *ast.Ident:
			if locals[v.Name] {
				ok = false
			}
		}
		return ok
	})
	return ok
}

// paramTypes maps the receiver's and parameters' names to their base type
// when it is a type of this package (T or *T), so that calls of their
// methods resolve to the package's own methods.
func paramTypes(d *ast.FuncDecl) map[string]string {
	m := map[string]string{}
	for _, fl := range []*ast.FieldList{d.Recv, d.Type.Params} {
		if fl == nil {
			continue
		}
		for _, f := range fl.List {
			t := f.Type
			if st, ok := t.(*ast.StarExpr); ok {
				t = st.X
			}
			switch v := t.(type) {
			case *ast.IndexExpr:
				t = v.X
			case *ast.IndexListExpr:
				t = v.X
			}
			id, ok := t.(*ast.Ident)
			if !ok || basicTypes[id.Name] || id.Name == "error" || id.Name == "any" {
				continue
			}
			for _, n := range f.Names {
				m[n.Name] = id.Name
			}
		}
	}
	return m
}

// constLit reports whether an expression is made only of literals and
// operators, so the compiler folds it into one constant.
func constLit(e ast.Expr) bool {
	switch v := e.(type) {
	case *ast.BasicLit:
		return true
	case *ast.ParenExpr:
		return constLit(v.X)
	case *ast.UnaryExpr:
		return constLit(v.X)
	case *ast.BinaryExpr:
		return constLit(v.X) && constLit(v.Y)
	}
	return false
}

// callCost counts one call: builtins and conversions as operators, the
// rest recorded for the package pass; recover forbids inlining.
func (x *extractor) callCost(c *Cost, v *ast.CallExpr, locals map[string]bool, visit func(ast.Node) bool) {
	c.Nodes++
	for _, a := range v.Args {
		ast.Inspect(a, visit)
	}
	fun := v.Fun
	for {
		if p, ok := fun.(*ast.ParenExpr); ok {
			fun = p.X
			continue
		}
		break
	}
	switch f := fun.(type) {
	case *ast.Ident:
		switch {
		case f.Name == "recover" && !locals[f.Name]:
			c.Forbid = "call to recover"
		case f.Name == "panic" && !locals[f.Name]:
			c.Nodes++ // gc: inlineExtraPanicCost
		case builtins[f.Name] && !locals[f.Name]:
		case basicTypes[f.Name] && !locals[f.Name]:
			// a conversion
		case locals[f.Name]:
			c.Calls = append(c.Calls, Call{Kind: CallParam, Name: f.Name})
			c.Nodes++
		default:
			c.Calls = append(c.Calls, Call{Kind: CallLocal, Name: f.Name})
			c.Nodes++
		}
	case *ast.SelectorExpr:
		if id, ok := f.X.(*ast.Ident); ok && !locals[id.Name] {
			if path := x.file.Imports[id.Name]; path != "" {
				if builtins[path+"."+f.Sel.Name] {
					return
				}
				c.Calls = append(c.Calls, Call{Kind: CallQualified, Name: path + "." + f.Sel.Name})
				c.Nodes++
				return
			}
		}
		c.Nodes++
		ast.Inspect(f.X, visit)
		if id, ok := f.X.(*ast.Ident); ok && x.varTypes[id.Name] != "" {
			// A method of a package type on the receiver or a parameter.
			c.Calls = append(c.Calls, Call{Kind: CallLocal, Name: x.varTypes[id.Name] + "." + f.Sel.Name})
			return
		}
		c.Calls = append(c.Calls, Call{Kind: CallMethod, Name: f.Sel.Name})
	case *ast.FuncLit:
		c.Nodes += 15
		c.Calls = append(c.Calls, Call{Kind: CallFuncLit})
	case *ast.ArrayType, *ast.MapType, *ast.ChanType, *ast.FuncType, *ast.InterfaceType, *ast.StarExpr, *ast.IndexExpr, *ast.IndexListExpr:
		// a conversion to a composite type, or a generic instantiation call
		if ix, ok := f.(*ast.IndexExpr); ok {
			if id, ok := ix.X.(*ast.Ident); ok {
				c.Calls = append(c.Calls, Call{Kind: CallLocal, Name: id.Name})
			}
		}
	default:
		ast.Inspect(fun, visit)
		c.Calls = append(c.Calls, Call{Kind: CallMethod, Name: "?"})
	}
}

// neverReturns finds a `for {}` (no condition) whose body has no return,
// no goto, no panic-free exit: no break that leaves it (an unlabelled break
// inside a nested for, switch or select leaves only that statement).
func (x *extractor) neverReturns(body *ast.BlockStmt) int {
	line := 0
	ast.Inspect(body, func(n ast.Node) bool {
		if line != 0 {
			return false
		}
		if _, ok := n.(*ast.FuncLit); ok {
			return false // a goroutine's loop is its own function's business
		}
		f, ok := n.(*ast.ForStmt)
		if !ok || f.Cond != nil {
			return true
		}
		label := ""
		if ls := x.labelOf(body, f); ls != "" {
			label = ls
		}
		if !loopExits(f.Body, label, 0) {
			line = x.line(f.Pos())
			return false
		}
		return true
	})
	return line
}

// labelOf returns the label of a labelled for statement.
func (x *extractor) labelOf(body *ast.BlockStmt, f *ast.ForStmt) string {
	label := ""
	ast.Inspect(body, func(n ast.Node) bool {
		if ls, ok := n.(*ast.LabeledStmt); ok && ls.Stmt == f {
			label = ls.Label.Name
			return false
		}
		return label == ""
	})
	return label
}

// loopExits reports whether a loop body can leave the loop: return, goto,
// a break of this loop (unlabelled at depth 0, or labelled with its label).
func loopExits(n ast.Node, label string, depth int) bool {
	exits := false
	ast.Inspect(n, func(m ast.Node) bool {
		if exits {
			return false
		}
		switch v := m.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			exits = true
		case *ast.BranchStmt:
			switch v.Tok {
			case token.GOTO:
				exits = true
			case token.BREAK:
				if v.Label == nil && depth == 0 || v.Label != nil && v.Label.Name == label {
					exits = true
				}
			}
		case *ast.ForStmt, *ast.RangeStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
			if m != n {
				var inner ast.Node
				switch w := v.(type) {
				case *ast.ForStmt:
					inner = w.Body
				case *ast.RangeStmt:
					inner = w.Body
				case *ast.SwitchStmt:
					inner = w.Body
				case *ast.TypeSwitchStmt:
					inner = w.Body
				case *ast.SelectStmt:
					inner = w.Body
				}
				if loopExits(inner, label, depth+1) {
					exits = true
				}
				return false
			}
		case *ast.CallExpr:
			// os.Exit, log.Fatal and panic end the program, not the loop.
		}
		return true
	})
	return exits
}

// uses lists what a function refers to outside itself: identifiers of the
// package, "import/path.Name" for qualified names, and ".M" for selectors
// whose receiver is not a package (method calls and fields).
func (x *extractor) uses(d *ast.FuncDecl, locals map[string]bool) []string {
	set := map[string]bool{}
	add := func(n ast.Node) {
		ast.Inspect(n, func(m ast.Node) bool {
			switch v := m.(type) {
			case *ast.SelectorExpr:
				if id, ok := v.X.(*ast.Ident); ok && !locals[id.Name] {
					if path := x.file.Imports[id.Name]; path != "" {
						set[path+"."+v.Sel.Name] = true
						return false
					}
				}
				set["."+v.Sel.Name] = true
			case *ast.Ident:
				if !locals[v.Name] && v.Name != "_" {
					set[v.Name] = true
				}
			case *ast.KeyValueExpr:
				ast.Inspect(v.Value, func(w ast.Node) bool { return true })
			}
			return true
		})
	}
	if d.Recv != nil {
		add(d.Recv)
	}
	add(d.Type)
	if d.Body != nil {
		add(d.Body)
	}
	return sortedKeys(set)
}

func (x *extractor) exprUses(e ast.Expr) []string {
	set := map[string]bool{}
	ast.Inspect(e, func(m ast.Node) bool {
		switch v := m.(type) {
		case *ast.FuncLit:
			// a closure in an initializer: its uses count too
		case *ast.SelectorExpr:
			if id, ok := v.X.(*ast.Ident); ok {
				if path := x.file.Imports[id.Name]; path != "" {
					set[path+"."+v.Sel.Name] = true
					return false
				}
			}
			set["."+v.Sel.Name] = true
		case *ast.Ident:
			if v.Name != "_" {
				set[v.Name] = true
			}
		}
		return true
	})
	return sortedKeys(set)
}

// escapes lists the names (spelt as uses spells them) that n refers to
// other than by calling them on the spot: a function named without being
// called (a value registered or stored), and every name inside a func
// literal that is not invoked at once or inside a go statement, which run
// later. An init function or a variable initializer that only calls a
// function runs it once, at start-up; one that lets it escape may have it
// run at any time.
func (x *extractor) escapes(n ast.Node, locals map[string]bool) []string {
	set := map[string]bool{}
	name := func(e ast.Expr) string {
		switch v := e.(type) {
		case *ast.Ident:
			if !locals[v.Name] && v.Name != "_" {
				return v.Name
			}
		case *ast.SelectorExpr:
			if id, ok := v.X.(*ast.Ident); ok && !locals[id.Name] {
				if path := x.file.Imports[id.Name]; path != "" {
					return path + "." + v.Sel.Name
				}
			}
			return "." + v.Sel.Name
		}
		return ""
	}
	var later func(m ast.Node) bool
	later = func(m ast.Node) bool { // everything counts
		switch v := m.(type) {
		case *ast.Ident, *ast.SelectorExpr:
			if k := name(v.(ast.Expr)); k != "" {
				set[k] = true
			}
		}
		return true
	}
	var now func(m ast.Node) bool
	now = func(m ast.Node) bool {
		switch v := m.(type) {
		case *ast.CallExpr:
			switch f := v.Fun.(type) {
			case *ast.FuncLit:
				ast.Inspect(f.Body, now) // invoked at once
			case *ast.SelectorExpr:
				ast.Inspect(f.X, now) // the receiver is evaluated now
			case *ast.Ident:
			default:
				ast.Inspect(f, now)
			}
			for _, a := range v.Args {
				ast.Inspect(a, now)
			}
			return false
		case *ast.GoStmt:
			ast.Inspect(v.Call, later)
			return false
		case *ast.FuncLit:
			ast.Inspect(v.Body, later)
			return false
		case *ast.CompositeLit:
			for _, el := range v.Elts {
				ast.Inspect(el, now)
			}
			return false
		case *ast.FuncType, *ast.MapType, *ast.ArrayType, *ast.ChanType, *ast.StructType, *ast.InterfaceType:
			return false // types name no function
		case *ast.SelectorExpr:
			if k := name(v); k != "" {
				set[k] = true
			}
			if _, ok := v.X.(*ast.Ident); ok {
				return false
			}
			ast.Inspect(v.X, now)
			return false
		case *ast.Ident:
			if k := name(v); k != "" {
				set[k] = true
			}
		}
		return true
	}
	ast.Inspect(n, now)
	return sortedKeys(set)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
