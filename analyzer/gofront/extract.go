package gofront

import (
	"go/ast"
	"go/constant"
	"go/scanner"
	"go/token"
	"sort"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"
)

type extractor struct {
	fset *token.FileSet
	src  []byte
	file *File
	af   *ast.File
	// consts holds the folded values of the file's constants so far.
	consts map[string]constant.Value
	// varTypes maps the current function's receiver and parameters to
	// their package type names.
	varTypes map[string]string
	// blanks counts the file's blank constants and variables so far.
	blanks map[Kind]int
}

// blankName names the next blank ('_') constant or variable of the file by
// its position among the file's blank ones of its kind ("_#1", "_#2"), so
// that an edit elsewhere in the file, which moves its line, leaves it the
// same entity.
func (x *extractor) blankName(k Kind) string {
	if x.blanks == nil {
		x.blanks = map[Kind]int{}
	}
	x.blanks[k]++
	return "_#" + strconv.Itoa(x.blanks[k])
}

func hashString(s string) uint64 { return xxhash.Sum64String(s) }

func (x *extractor) line(p token.Pos) int { return x.fset.Position(p).Line }

func (x *extractor) off(p token.Pos) int { return x.fset.Position(p).Offset }

// span returns the byte range of [lo, hi) clamped to the source; ok is
// false when the positions are invalid (a declaration cut short by a
// syntax error).
func (x *extractor) span(lo, hi token.Pos) (int, int, bool) {
	if !lo.IsValid() || !hi.IsValid() {
		return 0, 0, false
	}
	a, b := x.off(lo), x.off(hi)
	if b > len(x.src) {
		b = len(x.src)
	}
	if a < 0 || a > b {
		return 0, 0, false
	}
	return a, b, true
}

// pragmas returns the //go: directives in a doc comment: //go:NAME with
// NAME starting with a lower-case letter or digit, as go/ast and gofmt
// read directives (gc ignores the rest, and gofmt rewrites them as text).
func pragmas(doc *ast.CommentGroup) []string {
	if doc == nil {
		return nil
	}
	var out []string
	for _, c := range doc.List {
		if t, ok := strings.CutPrefix(c.Text, "//go:"); ok && t != "" && ('a' <= t[0] && t[0] <= 'z' || '0' <= t[0] && t[0] <= '9') {
			out = append(out, strings.Join(strings.Fields(c.Text), " "))
		}
	}
	sort.Strings(out)
	return out
}

func (x *extractor) funcDecl(d *ast.FuncDecl) *Entity {
	e := &Entity{Kind: KFunc, Name: d.Name.Name, Line: x.line(d.Pos()), EndLine: x.line(d.End()), Exported: d.Name.IsExported(), Pragmas: pragmas(d.Doc)}
	tp := typeParams(d.Type.TypeParams)
	var recvTP []string
	if d.Recv != nil && len(d.Recv.List) > 0 {
		e.Kind = KMethod
		base, ptr, params := recvBase(d.Recv.List[0].Type)
		e.Recv, e.PtrRecv = base, ptr
		e.Name = base + "." + d.Name.Name
		recvTP = params
		e.RecvParams = len(params) > 0
	} else if d.Name.Name == "init" && d.Type.Params.NumFields() == 0 && d.Type.Results.NumFields() == 0 {
		e.Kind = KInit
	}
	// Type parameter names are renamed by position, in the signature and
	// the body alike.
	tpNames := map[string]string{}
	for i, n := range append(tp.names, recvTP...) {
		tpNames[n] = "T" + strconv.Itoa(i)
	}
	p := &typePrinter{rename: tpNames, imports: x.file.Imports}
	e.TypeParams = tp.render(p)
	recv := ""
	if e.Kind == KMethod {
		if e.PtrRecv {
			recv = "(*" + e.Recv + ") "
		} else {
			recv = "(" + e.Recv + ") "
		}
	}
	e.Sig = recv + "func" + e.TypeParams + p.signature(d.Type)
	params := paramNames(d.Recv, d.Type)
	if d.Body != nil {
		locals := localNames(d)
		e.BodyHash = x.bodyHash(d.Body, locals, params, tpNames)
		e.Cost = x.cost(d, locals)
		e.NeverReturns = x.neverReturns(d.Body)
		e.Uses = x.uses(d, locals)
		if e.Kind == KInit {
			e.Escapes = x.escapes(d.Body, locals)
		}
	} else {
		e.Cost.Forbid = "no body (assembly or linkname)"
	}
	return e
}

type tparams struct {
	names       []string
	constraints []ast.Expr
}

func typeParams(fl *ast.FieldList) tparams {
	var t tparams
	if fl == nil {
		return t
	}
	for _, f := range fl.List {
		for _, n := range f.Names {
			t.names = append(t.names, n.Name)
			t.constraints = append(t.constraints, f.Type)
		}
	}
	return t
}

func (t tparams) render(p *typePrinter) string {
	if len(t.names) == 0 {
		return ""
	}
	var parts []string
	for i, c := range t.constraints {
		parts = append(parts, "T"+strconv.Itoa(i)+" "+p.expr(c))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// ReceiverBase is the base type name of a receiver type expression: *T,
// (T), T[K] and (*T[K]) all give T; "" when the expression names no type.
func ReceiverBase(e ast.Expr) string {
	for {
		switch t := e.(type) {
		case *ast.StarExpr:
			e = t.X
		case *ast.ParenExpr:
			e = t.X
		case *ast.IndexExpr:
			e = t.X
		case *ast.IndexListExpr:
			e = t.X
		case *ast.Ident:
			return t.Name
		default:
			return ""
		}
	}
}

// recvBase returns the base type name of a receiver, whether it is a
// pointer, and the receiver's type parameter names.
func recvBase(t ast.Expr) (string, bool, []string) {
	ptr := false
	if s, ok := t.(*ast.StarExpr); ok {
		ptr = true
		t = s.X
	}
	if p, ok := t.(*ast.ParenExpr); ok {
		t = p.X
	}
	var params []string
	switch v := t.(type) {
	case *ast.IndexExpr:
		if id, ok := v.Index.(*ast.Ident); ok {
			params = append(params, id.Name)
		}
		t = v.X
	case *ast.IndexListExpr:
		for _, ix := range v.Indices {
			if id, ok := ix.(*ast.Ident); ok {
				params = append(params, id.Name)
			}
		}
		t = v.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name, ptr, params
	}
	return "?", ptr, params
}

// paramNames lists receiver, parameter and result names in order.
func paramNames(recv *ast.FieldList, ft *ast.FuncType) []string {
	var out []string
	for _, fl := range []*ast.FieldList{recv, ft.Params, ft.Results} {
		if fl == nil {
			continue
		}
		for _, f := range fl.List {
			for _, n := range f.Names {
				out = append(out, n.Name)
			}
		}
	}
	return out
}

// localNames collects every name a function declares: receiver,
// parameters, results, and what its body defines.
func localNames(d *ast.FuncDecl) map[string]bool {
	m := map[string]bool{}
	for _, n := range paramNames(d.Recv, d.Type) {
		m[n] = true
	}
	if d.Body == nil {
		return m
	}
	ast.Inspect(d.Body, func(n ast.Node) bool {
		switch v := n.(type) {
		case *ast.AssignStmt:
			if v.Tok == token.DEFINE {
				for _, l := range v.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						m[id.Name] = true
					}
				}
			}
		case *ast.ValueSpec:
			for _, id := range v.Names {
				m[id.Name] = true
			}
		case *ast.RangeStmt:
			if v.Tok == token.DEFINE {
				for _, l := range []ast.Expr{v.Key, v.Value} {
					if id, ok := l.(*ast.Ident); ok {
						m[id.Name] = true
					}
				}
			}
		case *ast.FuncLit:
			for _, fl := range []*ast.FieldList{v.Type.Params, v.Type.Results} {
				if fl == nil {
					continue
				}
				for _, f := range fl.List {
					for _, id := range f.Names {
						m[id.Name] = true
					}
				}
			}
		case *ast.TypeSwitchStmt:
			if a, ok := v.Assign.(*ast.AssignStmt); ok {
				for _, l := range a.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						m[id.Name] = true
					}
				}
			}
		case *ast.LabeledStmt:
			m[v.Label.Name] = true
		case *ast.TypeSpec:
			m[v.Name.Name] = true
		}
		return true
	})
	delete(m, "_")
	return m
}

// bodyHash hashes the body's tokens with locals renamed by order of first
// appearance (parameters by position), so consistent renaming is no change.
func (x *extractor) bodyHash(body *ast.BlockStmt, locals map[string]bool, params []string, tpNames map[string]string) uint64 {
	canon := map[string]string{}
	for i, p := range params {
		canon[p] = "$" + strconv.Itoa(i)
	}
	for k, v := range tpNames {
		canon[k] = v
	}
	next := len(params)
	rename := func(lit string) string {
		if !locals[lit] && tpNames[lit] == "" {
			return lit
		}
		c, ok := canon[lit]
		if !ok {
			c = "$" + strconv.Itoa(next)
			next++
			canon[lit] = c
		}
		return c
	}
	return x.hashTokens(body.Lbrace, body.End(), rename)
}

// hashRange hashes the tokens of src[lo:hi], ignoring comments and layout.
func (x *extractor) hashRange(lo, hi token.Pos) uint64 {
	return x.hashTokens(lo, hi, nil)
}

// hashTokens hashes the tokens of src[lo:hi] modulo what gofmt may change:
// comments, layout, automatic versus written semicolons, and the optional
// separator before a closing bracket (which gofmt adds or drops when it
// splits or joins lines). rename, if set, maps each identifier that is not
// a selector; an identifier it leaves alone that names an import of the
// file is hashed as that import's path.
func (x *extractor) hashTokens(lo, hi token.Pos, rename func(string) string) uint64 {
	a, b, ok := x.span(lo, hi)
	if !ok {
		return 0
	}
	h := xxhash.New()
	var s scanner.Scanner
	file := token.NewFileSet().AddFile("", -1, b-a)
	s.Init(file, x.src[a:b], nil, 0)
	write := func(w string) {
		_, _ = h.WriteString(w)
		_, _ = h.Write([]byte{0})
	}
	prevDot := false
	pending := "" // separators held until the next token
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		w := lit
		if w == "" {
			w = tok.String()
		}
		if tok == token.IDENT && !prevDot {
			if rename != nil {
				w = rename(lit)
			}
			// A package name stands for its import path: the same
			// text in a file that imports another package under that
			// name (math/rand → crypto/rand) is other code, and an
			// import renamed consistently is no change.
			if path, ok := x.file.Imports[lit]; ok && w == lit && lit != "_" && lit != "." {
				w = "\x00pkg:" + path
			}
		}
		prevDot = tok == token.PERIOD
		switch tok {
		case token.SEMICOLON:
			pending += ";"
			continue
		case token.COMMA:
			pending += ","
			continue
		case token.RBRACE, token.RPAREN, token.RBRACK:
			pending = ""
		}
		if pending != "" {
			write(pending)
			pending = ""
		}
		write(w)
	}
	return h.Sum64()
}

func (x *extractor) genDecl(d *ast.GenDecl) []*Entity {
	var out []*Entity
	switch d.Tok {
	case token.TYPE:
		for _, s := range d.Specs {
			ts := s.(*ast.TypeSpec)
			out = append(out, x.typeSpec(ts, d))
		}
	case token.CONST:
		var lastType ast.Expr
		var lastValues []ast.Expr
		for i, s := range d.Specs {
			vs := s.(*ast.ValueSpec)
			if vs.Type != nil || len(vs.Values) > 0 {
				lastType, lastValues = vs.Type, vs.Values
			}
			for j, n := range vs.Names {
				e := &Entity{Kind: KConst, Name: n.Name, Line: x.line(vs.Pos()), EndLine: x.line(vs.End()), Exported: n.IsExported(), Iota: i}
				if lastType != nil {
					e.Type = (&typePrinter{imports: x.file.Imports}).expr(lastType)
				}
				if j < len(lastValues) {
					e.Value = x.constValue(lastValues[j], i)
					if v, ok := x.fold(lastValues[j], i); ok && n.Name != "_" {
						if x.consts == nil {
							x.consts = map[string]constant.Value{}
						}
						x.consts[n.Name] = v
					}
				}
				if n.Name == "_" {
					e.Name = x.blankName(e.Kind)
				}
				out = append(out, e)
			}
		}
	case token.VAR:
		for _, s := range d.Specs {
			vs := s.(*ast.ValueSpec)
			embed := embedPatterns(d.Doc, vs.Doc, len(d.Specs) == 1)
			for j, n := range vs.Names {
				e := &Entity{Kind: KVar, Name: n.Name, Line: x.line(vs.Pos()), EndLine: x.line(vs.End()), Exported: n.IsExported(), Embed: embed}
				if vs.Type != nil {
					e.Type = (&typePrinter{imports: x.file.Imports}).expr(vs.Type)
				}
				if len(vs.Values) > 0 {
					e.HasInit = true
					v := vs.Values[0]
					if j < len(vs.Values) {
						v = vs.Values[j]
					}
					e.Init = x.hashRange(v.Pos(), v.End())
					if e.Type == "" && len(vs.Values) == len(vs.Names) {
						e.Type = literalType(v, &typePrinter{imports: x.file.Imports})
					}
					if len(vs.Values) == 1 && len(vs.Names) > 1 {
						e.Init ^= uint64(j) // a, b = f(): which result
					}
					e.Uses = x.exprUses(v)
					e.Escapes = x.escapes(v, nil)
				}
				if n.Name == "_" {
					e.Name = x.blankName(e.Kind)
				}
				out = append(out, e)
			}
		}
	}
	return out
}

func embedPatterns(groupDoc, specDoc *ast.CommentGroup, single bool) []string {
	var out []string
	for _, cg := range []*ast.CommentGroup{specDoc, groupDoc} {
		if cg == nil || cg == groupDoc && !single {
			continue
		}
		for _, c := range cg.List {
			if strings.HasPrefix(c.Text, "//go:embed ") {
				out = append(out, strings.Fields(strings.TrimPrefix(c.Text, "//go:embed "))...)
			}
		}
	}
	return out
}

func (x *extractor) typeSpec(ts *ast.TypeSpec, d *ast.GenDecl) *Entity {
	e := &Entity{Kind: KType, Name: ts.Name.Name, Line: x.line(ts.Pos()), EndLine: x.line(ts.End()), Exported: ts.Name.IsExported(), Alias: ts.Assign.IsValid()}
	tp := typeParams(ts.TypeParams)
	rename := map[string]string{}
	for i, n := range tp.names {
		rename[n] = "T" + strconv.Itoa(i)
	}
	p := &typePrinter{rename: rename, imports: x.file.Imports}
	e.TypeParams = tp.render(p)
	e.Underlying = p.expr(ts.Type)
	switch t := ts.Type.(type) {
	case *ast.StructType:
		for _, f := range t.Fields.List {
			tag := ""
			if f.Tag != nil {
				tag = f.Tag.Value
			}
			if len(f.Names) == 0 {
				e.Fields = append(e.Fields, Field{Type: p.expr(f.Type), Tag: tag, Embedded: true})
			}
			for _, n := range f.Names {
				e.Fields = append(e.Fields, Field{Name: n.Name, Type: p.expr(f.Type), Tag: tag})
			}
		}
	case *ast.InterfaceType:
		for _, m := range t.Methods.List {
			if len(m.Names) == 0 {
				e.Methods = append(e.Methods, "embed "+p.expr(m.Type))
				continue
			}
			for _, n := range m.Names {
				if ft, ok := m.Type.(*ast.FuncType); ok {
					e.Methods = append(e.Methods, n.Name+" "+p.signature(ft))
				}
			}
		}
		sort.Strings(e.Methods)
	}
	e.Uses = x.exprUses(ts.Type)
	return e
}

// constValue renders a constant's value: folded when it can be, else its
// expression with iota's value.
func (x *extractor) constValue(v ast.Expr, iota int) string {
	if c, ok := x.fold(v, iota); ok {
		return c.ExactString()
	}
	text := (&typePrinter{imports: x.file.Imports}).expr(v)
	usesIota := false
	ast.Inspect(v, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == "iota" {
			usesIota = true
		}
		return !usesIota
	})
	if usesIota {
		return text + " |iota=" + strconv.Itoa(iota)
	}
	return text
}

// fold evaluates a constant expression of the file: literals, iota,
// earlier constants, unary, binary and shift operators, and conversions to
// basic types.
func (x *extractor) fold(e ast.Expr, iota int) (constant.Value, bool) {
	switch v := e.(type) {
	case *ast.BasicLit:
		c := constant.MakeFromLiteral(v.Value, v.Kind, 0)
		return c, c.Kind() != constant.Unknown
	case *ast.Ident:
		switch v.Name {
		case "iota":
			return constant.MakeInt64(int64(iota)), true
		case "true":
			return constant.MakeBool(true), true
		case "false":
			return constant.MakeBool(false), true
		}
		c, ok := x.consts[v.Name]
		return c, ok
	case *ast.ParenExpr:
		return x.fold(v.X, iota)
	case *ast.UnaryExpr:
		a, ok := x.fold(v.X, iota)
		if !ok {
			return nil, false
		}
		defer func() { _ = recover() }() // constant ops panic on mismatched kinds
		return constant.UnaryOp(v.Op, a, 0), true
	case *ast.BinaryExpr:
		a, ok1 := x.fold(v.X, iota)
		b, ok2 := x.fold(v.Y, iota)
		if !ok1 || !ok2 {
			return nil, false
		}
		return safeBinary(v.Op, a, b)
	case *ast.CallExpr:
		// A conversion to a basic type keeps the value.
		if id, ok := v.Fun.(*ast.Ident); ok && len(v.Args) == 1 && basicTypes[id.Name] {
			return x.fold(v.Args[0], iota)
		}
	}
	return nil, false
}

var basicTypes = map[string]bool{
	"int": true, "int8": true, "int16": true, "int32": true, "int64": true, "uint": true, "uint8": true,
	"uint16": true, "uint32": true, "uint64": true, "uintptr": true, "float32": true, "float64": true,
	"byte": true, "rune": true, "string": true, "bool": true, "complex64": true, "complex128": true,
}

func safeBinary(op token.Token, a, b constant.Value) (v constant.Value, ok bool) {
	defer func() {
		if recover() != nil {
			v, ok = nil, false
		}
	}()
	switch op {
	case token.SHL, token.SHR:
		s, exact := constant.Uint64Val(b)
		if !exact || s > 1024 {
			return nil, false
		}
		return constant.Shift(a, op, uint(s)), true
	case token.EQL, token.NEQ, token.LSS, token.LEQ, token.GTR, token.GEQ:
		return constant.MakeBool(constant.Compare(a, op, b)), true
	case token.QUO:
		if constant.Sign(b) == 0 {
			return nil, false
		}
		if a.Kind() == constant.Int && b.Kind() == constant.Int {
			return constant.BinaryOp(a, token.QUO_ASSIGN, b), true
		}
	}
	return constant.BinaryOp(a, op, b), true
}

// literalType is the type a var declared without one gets from its
// initializer, when syntax alone decides it: an untyped constant made of
// literals takes its default type, and a composite literal (or its address)
// its written type. It returns "" when the type needs type checking.
func literalType(v ast.Expr, p *typePrinter) string {
	switch t := v.(type) {
	case *ast.ParenExpr:
		return literalType(t.X, p)
	case *ast.CompositeLit:
		if t.Type != nil {
			return p.expr(t.Type)
		}
	case *ast.UnaryExpr:
		if c, ok := t.X.(*ast.CompositeLit); ok && t.Op == token.AND && c.Type != nil {
			return "*" + p.expr(c.Type)
		}
	}
	kind := untypedKind(v)
	switch kind {
	case token.INT:
		return "int"
	case token.FLOAT:
		return "float64"
	case token.IMAG:
		return "complex128"
	case token.CHAR:
		return "rune"
	case token.STRING:
		return "string"
	}
	return ""
}

// untypedKind is the kind of an untyped constant expression built only
// from literals, or token.ILLEGAL. Mixed numeric kinds take the later
// kind in the order int, rune, float, complex, as the spec says.
func untypedKind(v ast.Expr) token.Token {
	rank := map[token.Token]int{token.INT: 1, token.CHAR: 2, token.FLOAT: 3, token.IMAG: 4}
	switch t := v.(type) {
	case *ast.BasicLit:
		return t.Kind
	case *ast.ParenExpr:
		return untypedKind(t.X)
	case *ast.UnaryExpr:
		if t.Op == token.SUB || t.Op == token.ADD || t.Op == token.XOR {
			return untypedKind(t.X)
		}
	case *ast.BinaryExpr:
		a, b := untypedKind(t.X), untypedKind(t.Y)
		if a == token.ILLEGAL || b == token.ILLEGAL {
			return token.ILLEGAL
		}
		switch t.Op {
		case token.SHL, token.SHR:
			return a
		case token.EQL, token.NEQ, token.LSS, token.LEQ, token.GTR, token.GEQ, token.LAND, token.LOR:
			return token.ILLEGAL // bool, which a shadowed name could also be
		}
		if a == token.STRING || b == token.STRING {
			if a == b && t.Op == token.ADD {
				return token.STRING
			}
			return token.ILLEGAL
		}
		if rank[b] > rank[a] {
			return b
		}
		return a
	}
	return token.ILLEGAL
}
