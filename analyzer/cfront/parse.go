package cfront

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/cespare/xxhash/v2"
	sitter "github.com/smacker/go-tree-sitter"
	"github.com/smacker/go-tree-sitter/c"
)

// Parser parses changed chunks with tree-sitter. A Parser is not safe for
// concurrent use; give each worker its own.
type Parser struct {
	ts      *sitter.Parser
	locals  *sitter.Query // names declared inside a body
	statics *sitter.Query // static declarations inside a body
	qc      *sitter.QueryCursor
}

// localsQuery finds the identifiers a declaration inside a body declares,
// through the common declarator shapes; a name it misses is only not
// renamed, which is the conservative side.
const localsQuery = `
(declaration declarator: (identifier) @id)
(declaration declarator: (init_declarator declarator: (identifier) @id))
(declaration declarator: (pointer_declarator declarator: (identifier) @id))
(declaration declarator: (init_declarator declarator: (pointer_declarator declarator: (identifier) @id)))
(declaration declarator: (array_declarator declarator: (identifier) @id))
(declaration declarator: (init_declarator declarator: (array_declarator declarator: (identifier) @id)))
(declaration declarator: (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @id)))
(declaration declarator: (init_declarator declarator: (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @id))))
`

const staticsQuery = `(declaration (storage_class_specifier) @sc) @decl`

// queries are compiled once per process: compiling costs milliseconds,
// and a compiled query is immutable, safe to share between parsers (each
// parser runs it with a cursor of its own).
var queries = sync.OnceValues(func() (*sitter.Query, *sitter.Query) {
	lq, err := sitter.NewQuery([]byte(localsQuery), c.GetLanguage())
	if err != nil {
		panic("cfront: bad locals query: " + err.Error()) // a programming error, caught by every test
	}
	sq, err := sitter.NewQuery([]byte(staticsQuery), c.GetLanguage())
	if err != nil {
		panic("cfront: bad statics query: " + err.Error())
	}
	return lq, sq
})

// NewParser returns a parser for the C grammar.
func NewParser() *Parser {
	p := sitter.NewParser()
	p.SetLanguage(c.GetLanguage())
	lq, sq := queries()
	return &Parser{ts: p, locals: lq, statics: sq, qc: sitter.NewQueryCursor()}
}

// Close frees the parser's native memory (the shared queries stay).
func (p *Parser) Close() {
	p.qc.Close()
	p.ts.Close()
}

// maxVariants bounds how many #if branch selections a straddling chunk is
// parsed under.
const maxVariants = 8

// ParseChunk parses chunk c of src into entities. It never fails: a chunk
// that cannot be parsed yields one entity of kind KUnparsed (or the
// scanner's guess) whose ParseErr says why.
func (p *Parser) ParseChunk(ctx context.Context, src []byte, c *Chunk) []*Entity {
	return decorate(p.parseRelative(ctx, src, c), c)
}

// parseRelative parses chunk c with line numbers relative to the chunk's
// first line (1 = that line), so that the result depends only on the
// chunk's bytes and can be cached by them.
func (p *Parser) parseRelative(ctx context.Context, src []byte, c *Chunk) []*Entity {
	rel := *c
	rel.EndLine = c.EndLine - c.Line + 1
	rel.Line = 1
	rel.Cond, rel.Bad = "", ""
	rel.Exported = false
	var ents []*Entity
	c = &rel
	switch c.Kind {
	case ChunkDirective:
		ents = parseDirective(src, c)
	case ChunkMacroCall, ChunkAsm:
		// Their arguments are compared as tokens, which must still be C's.
		if prob := lexProblem(src[c.Off:c.End], int(c.Line)-1); prob != "" {
			ents = []*Entity{unparsed(c, prob)}
		} else if c.Kind == ChunkMacroCall {
			ents = parseMacroCall(src, c)
		} else {
			ents = []*Entity{{Kind: KAsm, Name: "asm", Text: normText(src[c.Off:c.End])}}
		}
	default:
		ents = p.parseDecl(ctx, src, c)
		ents = append(ents, innerMacros(src[c.Off:c.End], int(c.Line)-1)...)
	}
	for _, e := range ents {
		if e.Line == 0 {
			e.Line, e.EndLine = int(c.Line), int(c.EndLine)
		}
	}
	return ents
}

// decorate copies entities parsed relative to their chunk and places them
// in the file: absolute lines, the chunk's condition, hash, export marker
// and structural problem.
func decorate(rel []*Entity, c *Chunk) []*Entity {
	shift := int(c.Line) - 1
	out := make([]*Entity, len(rel))
	for i, r := range rel {
		e := r.shifted(shift)
		e.Cond = joinCond(c.Cond, e.Cond)
		e.ChunkHash = c.Hash
		if c.Exported {
			e.Exported = true
		}
		if c.Bad != "" && e.ParseErr == "" {
			e.ParseErr = c.Bad
		}
		out[i] = e
	}
	if len(out) == 0 && c.Bad != "" {
		// The problem must reach the diff even when nothing parsed.
		out = append(out, unparsed(c, c.Bad))
	}
	return out
}

// shifted returns a copy of e moved down by n lines.
func (e *Entity) shifted(n int) *Entity {
	c := *e
	c.Line += n
	c.EndLine += n
	if c.BodyLine > 0 {
		c.BodyLine += n
	}
	if c.NeverReturns > 0 {
		c.NeverReturns += n
	}
	if len(e.BodyErrs) > 0 {
		c.BodyErrs = make([]BodyErr, len(e.BodyErrs))
		for i, be := range e.BodyErrs {
			be.Line += n
			c.BodyErrs[i] = be
		}
	}
	if line, rest, ok := errLine(e.ParseErr); ok {
		c.ParseErr = fmt.Sprintf("line %d: %s", line+n, rest)
	}
	if len(e.Statics) > 0 {
		c.Statics = make([]*Entity, len(e.Statics))
		for i, s := range e.Statics {
			c.Statics[i] = s.shifted(n)
		}
	}
	return &c
}

// errLine splits a parse error spelled "line N: what" into N and what.
func errLine(err string) (int, string, bool) {
	num, rest, ok := strings.Cut(strings.TrimPrefix(err, "line "), ": ")
	if !ok || !strings.HasPrefix(err, "line ") {
		return 0, "", false
	}
	n, perr := strconv.Atoi(num)
	if perr != nil {
		return 0, "", false
	}
	return n, rest, true
}

func joinCond(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " && " + b
}

// normText returns the tokens of b joined by single spaces.
func normText(b []byte) string {
	toks := Lex(b)
	var sb strings.Builder
	for i, t := range toks {
		if t.Kind == TokEOL {
			continue
		}
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.Write(t.Bytes(b))
	}
	return sb.String()
}

func hashTokens(b []byte) uint64 {
	h := xxhash.New()
	for _, t := range Lex(b) {
		_, _ = h.Write(t.Bytes(b))
		_, _ = h.Write([]byte{0})
	}
	return h.Sum64()
}

func parseDirective(src []byte, c *Chunk) []*Entity {
	toks := Lex(src[c.Off:c.End])
	b := src[c.Off:c.End]
	text := func(i int) string {
		if i < len(toks) && toks[i].Kind != TokEOL {
			return toks[i].Text(b)
		}
		return ""
	}
	e := &Entity{Name: c.Name, Text: normText(b)}
	switch c.Sub {
	case "define":
		e.Kind = KMacro
		// Function-like when '(' follows the name with no space between.
		if len(toks) > 3 && text(3) == "(" && toks[3].Off == toks[2].End {
			e.FuncLike = true
			i := 4
			for ; i < len(toks) && text(i) != ")"; i++ {
				if w := text(i); w != "," {
					e.Params = append(e.Params, w)
				}
			}
			e.Body = joinToks(b, toks, i+1)
			e.Body = renameParams(e.Body, e.Params)
		} else {
			e.Body = joinToks(b, toks, 3)
		}
		for _, t := range toks[3:] {
			if t.Kind == TokIdent && !cKeywords[t.Text(b)] && !contains(e.Params, t.Text(b)) {
				e.Uses = append(e.Uses, t.Text(b))
			}
		}
		e.Uses = sortedSet(e.Uses)
	case "undef":
		e.Kind = KUndef
	case "include":
		e.Kind = KInclude
	case "pragma":
		e.Kind = KPragma
	default:
		e.Kind = KDirective
	}
	return []*Entity{e}
}

// renameParams replaces a function-like macro's parameter names in its body
// by their positions, so that renaming a parameter is no change.
func renameParams(body string, params []string) string {
	if len(params) == 0 {
		return body
	}
	idx := map[string]string{}
	for i, p := range params {
		idx[p] = fmt.Sprintf("$%d", i)
	}
	words := strings.Split(body, " ")
	for i, w := range words {
		if r, ok := idx[w]; ok {
			words[i] = r
		}
	}
	return strings.Join(words, " ")
}

// innerMacros extracts the #define and #undef lines inside a declaration
// (X-macro definitions inside a function body): a macro is visible to the
// rest of the file, not just to the declaration around it.
func innerMacros(b []byte, lineBase int) []*Entity {
	toks := Lex(b)
	var out []*Entity
	for i := 0; i < len(toks); i++ {
		if toks[i].Kind != TokHash || i+2 >= len(toks) {
			continue
		}
		e := i
		for e < len(toks) && toks[e].Kind != TokEOL {
			e++
		}
		if d := toks[i+1].Text(b); (d == "define" || d == "undef") && toks[i+2].Kind != TokIdent {
			out = append(out, &Entity{Kind: KDirective, Name: "#" + d, Text: joinToks(b, toks, i),
				Line: int(toks[i].Line) + lineBase, EndLine: int(toks[e-1].Line) + lineBase, ParseErr: "#" + d + " without a macro name"})
		} else if d == "define" || d == "undef" {
			c := &Chunk{Kind: ChunkDirective, Off: toks[i].Off, End: toks[max0(e-1, i)].End, Line: toks[i].Line + int32(lineBase),
				EndLine: toks[max0(e-1, i)].Line + int32(lineBase), Sub: d, Name: toks[i+2].Text(b)}
			for _, m := range parseDirective(b, c) {
				m.Line, m.EndLine = int(c.Line), int(c.EndLine)
				out = append(out, m)
			}
		}
		i = e
	}
	return out
}

func joinToks(b []byte, toks []Token, from int) string {
	var parts []string
	for _, t := range toks[min(from, len(toks)):] {
		if t.Kind == TokEOL {
			break
		}
		parts = append(parts, t.Text(b))
	}
	return strings.Join(parts, " ")
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

func sortedSet(s []string) []string {
	sort.Strings(s)
	return dedup(s)
}

func parseMacroCall(src []byte, c *Chunk) []*Entity {
	b := src[c.Off:c.End]
	toks := Lex(b)
	e := &Entity{Kind: KMacroCall, Name: c.Name, Text: normText(b), InitHash: hashTokens(b), HasInit: true}
	e.OnlyStrings = true
	d := 0
	for i, t := range toks {
		s := t.Text(b)
		switch {
		case s == "(":
			d++
			if d == 1 {
				continue
			}
		case s == ")":
			d--
		}
		if i < 2 || d < 1 || d == 1 && (s == "," || s == ")") {
			continue
		}
		if t.Kind != TokString {
			e.OnlyStrings = false
		}
		if t.Kind == TokIdent && !cKeywords[s] {
			e.Uses = append(e.Uses, s)
		}
	}
	e.Uses = sortedSet(e.Uses)
	return []*Entity{e}
}

// parseDecl parses a declaration or function chunk with tree-sitter. A chunk
// whose #if branches split its declaration is parsed once per branch
// selection; entities of later variants that differ from the first are kept
// as further entities of the same name.
func (p *Parser) parseDecl(ctx context.Context, src []byte, c *Chunk) []*Entity {
	text := src[c.Off:c.End]
	lineBase := int(c.Line) - 1
	if prob := lexProblem(text, lineBase); prob != "" {
		return []*Entity{unparsed(c, prob)}
	}
	if prob := bracketProblem(text, lineBase); prob != "" {
		return []*Entity{unparsed(c, prob)}
	}
	ents, err := p.parseSpecified(ctx, text, lineBase)
	if err == "" && !c.Straddle {
		p.bodyVariants(ctx, text, lineBase, ents)
		return ents
	}
	vars := variants(text, maxVariants)
	if len(vars) == 0 {
		if err != "" {
			return []*Entity{unparsed(c, err)}
		}
		return ents
	}
	var all []*Entity
	seen := map[string]bool{}
	for _, v := range vars {
		ve, verr := p.parseSpecified(ctx, v, lineBase)
		if verr != "" {
			return []*Entity{unparsed(c, verr)}
		}
		for _, e := range ve {
			k := e.Key() + "\x00" + entityDigest(e)
			if seen[k] {
				continue
			}
			seen[k] = true
			all = append(all, e)
		}
	}
	return all
}

// bodyVariants re-reads the body errors of entities whose chunk has #if
// groups: the compiler sees one branch selection at a time, so an error
// that only the mix of branches causes is no error. The errors kept are
// those of the branch selections, together.
func (p *Parser) bodyVariants(ctx context.Context, text []byte, lineBase int, ents []*Entity) {
	has := false
	for _, e := range ents {
		if len(e.BodyErrs) > 0 {
			has = true
		}
	}
	if !has || !hasConditional(text) {
		return
	}
	vars := variants(text, maxVariants)
	if len(vars) == 0 {
		return
	}
	errs := map[string][]BodyErr{}
	for _, v := range vars {
		ve, verr := p.parseSpecified(ctx, v, lineBase)
		if verr != "" {
			return // keep the errors of the whole text
		}
		for _, e := range ve {
			errs[e.Key()] = append(errs[e.Key()], e.BodyErrs...)
		}
	}
	for _, e := range ents {
		seen := map[string]bool{}
		var kept []BodyErr
		for _, be := range errs[e.Key()] {
			k := fmt.Sprint(be.Line, be.Text)
			if !seen[k] {
				seen[k] = true
				kept = append(kept, be)
			}
		}
		e.BodyErrs = kept
	}
}

func hasConditional(b []byte) bool {
	toks := Lex(b)
	for i, t := range toks {
		if t.Kind == TokHash && i+1 < len(toks) {
			switch toks[i+1].Text(b) {
			case "if", "ifdef", "ifndef", "else", "elif":
				return true
			}
		}
	}
	return false
}

// parseSpecified blanks the attribute macros among the leading declaration
// specifiers, parses, and gives the macros to the declared entities as
// attributes.
func (p *Parser) parseSpecified(ctx context.Context, text []byte, lineBase int) ([]*Entity, string) {
	clean, attrs := stripSpecMacros(text)
	ents, err := p.parseText(ctx, clean, lineBase)
	if err != "" || len(attrs) == 0 {
		return ents, err
	}
	for _, e := range ents {
		switch e.Kind {
		case KFunc, KProto, KGlobal, KTypedef:
			e.Attrs = sortedSet(append(e.Attrs, attrs...))
			for _, a := range attrs {
				if a == "always_inline" {
					e.Inline = true
				}
			}
		}
	}
	return ents, ""
}

func unparsed(c *Chunk, err string) *Entity {
	k := KUnparsed
	switch {
	case c.Kind == ChunkFunc:
		k = KFunc
	case c.Sub == "struct":
		k = KStruct
	case c.Sub == "union":
		k = KUnion
	case c.Sub == "enum":
		k = KEnum
	case c.Sub == "typedef":
		k = KTypedef
	case c.Sub == "proto":
		k = KProto
	case c.Sub == "var":
		k = KGlobal
	}
	return &Entity{Kind: k, Name: c.Name, Line: int(c.Line), EndLine: int(c.EndLine), ParseErr: err}
}

// variants returns copies of b in which, for every #if group, one branch is
// kept and the others and all conditional directive lines are blanked
// (bytes replaced by spaces, newlines kept, so offsets and lines stay).
// Variant k keeps branch min(k, branches-1) of every group.
func variants(b []byte, max int) [][]byte {
	toks := Lex(b)
	type group struct {
		branches [][2]int // token index ranges of each branch's body
		lines    []int    // token index of each directive's '#'
		ends     []int    // token index of each directive's EOL
	}
	var stack []*group
	var groups []*group
	for i := 0; i < len(toks); i++ {
		if toks[i].Kind != TokHash {
			continue
		}
		e := i
		for e < len(toks) && toks[e].Kind != TokEOL {
			e++
		}
		name := ""
		if i+1 < len(toks) && i+1 < e {
			name = toks[i+1].Text(b)
		}
		switch name {
		case "if", "ifdef", "ifndef":
			g := &group{}
			g.lines = append(g.lines, i)
			g.ends = append(g.ends, e)
			stack = append(stack, g)
			groups = append(groups, g)
		case "elif", "else", "elifdef", "elifndef", "endif":
			if len(stack) == 0 {
				return nil
			}
			g := stack[len(stack)-1]
			g.branches = append(g.branches, [2]int{g.ends[len(g.ends)-1] + 1, i})
			g.lines = append(g.lines, i)
			g.ends = append(g.ends, e)
			if name == "endif" {
				stack = stack[:len(stack)-1]
			}
		}
		i = e
	}
	if len(stack) != 0 || len(groups) == 0 {
		return nil
	}
	most := 0
	for _, g := range groups {
		most = max0(most, len(g.branches))
	}
	if most > max {
		most = max
	}
	var out [][]byte
	for k := 0; k < most; k++ {
		v := append([]byte(nil), b...)
		blank := func(from, to int) { // token index range [from, to]
			if from > to || from >= len(toks) {
				return
			}
			lo, hi := int(toks[from].Off), int(toks[min(to, len(toks)-1)].End)
			for x := lo; x < hi && x < len(v); x++ {
				if v[x] != '\n' {
					v[x] = ' '
				}
			}
		}
		for _, g := range groups {
			for j := range g.lines {
				blank(g.lines[j], g.ends[j])
			}
			keep := min(k, len(g.branches)-1)
			for j, br := range g.branches {
				if j != keep {
					blank(br[0], br[1]-1)
				}
			}
		}
		out = append(out, v)
	}
	return out
}

func max0(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// parseText parses b (a chunk's text) and extracts its entities; it returns
// a non-empty error when the declaration structure has a syntax error.
func (p *Parser) parseText(ctx context.Context, b []byte, lineBase int) ([]*Entity, string) {
	tree, err := p.ts.ParseCtx(ctx, nil, b)
	if err != nil {
		return nil, "parser: " + err.Error()
	}
	defer tree.Close()
	root := tree.RootNode()
	x := &extractor{src: b, lineBase: lineBase, p: p}
	if bad := x.firstBad(root); bad != "" {
		return nil, bad
	}
	for i := 0; i < int(root.NamedChildCount()); i++ {
		x.topLevel(root.NamedChild(i), "")
	}
	if x.err != "" {
		return nil, x.err
	}
	return x.ents, ""
}

type extractor struct {
	src      []byte
	lineBase int
	ents     []*Entity
	err      string
	p        *Parser
}

func (x *extractor) text(n *sitter.Node) string {
	if n == nil {
		return ""
	}
	return string(x.src[n.StartByte():n.EndByte()])
}

func (x *extractor) norm(n *sitter.Node) string {
	if n == nil {
		return ""
	}
	return normText(x.src[n.StartByte():n.EndByte()])
}

func (x *extractor) line(n *sitter.Node) int    { return int(n.StartPoint().Row) + 1 + x.lineBase }
func (x *extractor) endLine(n *sitter.Node) int { return int(n.EndPoint().Row) + 1 + x.lineBase }

func (x *extractor) fail(n *sitter.Node, msg string) {
	if x.err == "" {
		x.err = fmt.Sprintf("line %d: %s", x.line(n), msg)
	}
}

// firstBad finds a syntax error outside the regions compared as tokens
// (function bodies, initializer values, attribute arguments). Lone
// identifiers that tree-sitter could not place among declaration specifiers
// are attribute macros, not errors.
func (x *extractor) firstBad(n *sitter.Node) string {
	if n.IsMissing() {
		return fmt.Sprintf("line %d: missing %q", x.line(n), n.Type())
	}
	switch n.Type() {
	case "ERROR":
		if x.isSpecifierMacro(n) {
			return ""
		}
		return fmt.Sprintf("line %d: syntax error at %q", x.line(n), clip(x.text(n), 40))
	case "compound_statement", "initializer_list", "argument_list", "enumerator_list":
		return ""
	}
	if p := n.Parent(); p != nil && p.Type() == "init_declarator" && n == p.ChildByFieldName("value") {
		return ""
	}
	if !n.HasError() { // MISSING nodes count as errors too
		return ""
	}
	for i := 0; i < int(n.ChildCount()); i++ {
		if b := x.firstBad(n.Child(i)); b != "" {
			return b
		}
	}
	return ""
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// isSpecifierMacro reports whether ERROR node n holds only identifiers (or
// one macro call) among the specifiers of a declaration.
func (x *extractor) isSpecifierMacro(n *sitter.Node) bool {
	p := n.Parent()
	if p == nil {
		return false
	}
	switch p.Type() {
	case "declaration", "function_definition", "type_definition", "field_declaration", "parameter_declaration":
	default:
		return false
	}
	if d := p.ChildByFieldName("declarator"); d != nil && n.StartByte() >= d.StartByte() {
		return false
	}
	for i := 0; i < int(n.ChildCount()); i++ {
		switch n.Child(i).Type() {
		case "identifier", "primitive_type", "type_identifier", "sized_type_specifier":
		default:
			return false
		}
	}
	return n.ChildCount() > 0
}

// topLevel extracts the entities of one top-level node.
func (x *extractor) topLevel(n *sitter.Node, cond string) {
	switch n.Type() {
	case "function_definition":
		x.function(n, cond)
	case "declaration":
		x.declaration(n, cond)
	case "type_definition":
		x.typedef(n, cond)
	case "struct_specifier", "union_specifier", "enum_specifier":
		if e := x.aggregate(n, cond, ""); e != nil && e.Name == "" {
			// An anonymous struct or union that defines no instance (or an
			// empty anonymous enum): named after its first member, like an
			// anonymous enum, so that it still matches across versions.
			first := ""
			if len(e.Fields) > 0 {
				first = e.Fields[0].Name
			}
			e.Name = "{" + first + "}"
		}
	case "linkage_specification":
		if b := n.ChildByFieldName("body"); b != nil {
			if b.Type() == "declaration_list" {
				for i := 0; i < int(b.NamedChildCount()); i++ {
					x.topLevel(b.NamedChild(i), cond)
				}
			} else {
				x.topLevel(b, cond)
			}
		}
	case "expression_statement":
		// A macro call the scanner did not recognise (NAME(args) with
		// trailing tokens): data of unknown shape. Without a name to
		// call, it is an expression, which file scope cannot hold.
		if x.firstIdent(n) == "" {
			x.fail(n, "expression at file scope")
			return
		}
		e := &Entity{Kind: KMacroCall, Name: x.firstIdent(n), Text: x.norm(n), HasInit: true,
			InitHash: hashTokens(x.src[n.StartByte():n.EndByte()]), Line: x.line(n), EndLine: x.endLine(n), Cond: cond}
		e.Uses = x.idents(n, nil)
		x.ents = append(x.ents, e)
	case "preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif", "preproc_elifdef":
		for i := 0; i < int(n.ChildCount()); i++ {
			ch := n.Child(i)
			if !ch.IsNamed() || n.FieldNameForChild(i) == "condition" || n.FieldNameForChild(i) == "name" {
				continue
			}
			x.topLevel(ch, cond)
		}
	case "comment", ";":
	case "static_assert_declaration":
		x.ents = append(x.ents, &Entity{Kind: KAssert, Name: "_Static_assert", Text: x.norm(n), Line: x.line(n), EndLine: x.endLine(n), Cond: cond})
	case "preproc_call", "preproc_def", "preproc_function_def", "preproc_include":
		// directives inside a merged chunk: compared through the chunk text
	default:
		x.fail(n, "unexpected "+n.Type())
	}
}

// fieldChildren returns the children of n under field name f (tree-sitter's
// field names index all children, named or not).
func fieldChildren(n *sitter.Node, f string) []*sitter.Node {
	var out []*sitter.Node
	for i := 0; i < int(n.ChildCount()); i++ {
		if n.FieldNameForChild(i) == f {
			out = append(out, n.Child(i))
		}
	}
	return out
}

func (x *extractor) firstIdent(n *sitter.Node) string {
	for _, t := range Lex(x.src[n.StartByte():n.EndByte()]) {
		if t.Kind == TokIdent {
			return string(x.src[int(n.StartByte())+int(t.Off) : int(n.StartByte())+int(t.End)])
		}
	}
	return ""
}

// specs is what the declaration specifiers of a declaration say.
type specs struct {
	storage  string
	inline   bool
	attrs    []string
	base     string // normalised base type
	baseNode *sitter.Node
	typedef  bool
	uses     []string
}

// attribute-like macro names with a known meaning.
var knownAttrMacros = map[string]string{
	"_Noreturn": "noreturn", "noreturn": "noreturn", "__noreturn": "noreturn",
	"__always_inline": "always_inline", "noinline": "noinline", "__noinline": "noinline",
	"notrace": "notrace", "__notrace": "notrace", "__init": "init", "__exit": "exit",
	"__cold": "cold", "__hot": "hot", "__weak": "weak", "__maybe_unused": "unused",
	"__must_check": "warn_unused_result", "__used": "used", "__pure": "pure",
	"__attribute_const__": "const", "__malloc": "malloc", "__visible": "externally_visible",
	"asmlinkage": "macro:asmlinkage", "__sched": "section", "__cpuinit": "init", "__devinit": "init",
}

// specifiers reads the specifier children of a declaration-like node.
func (x *extractor) specifiers(n *sitter.Node) specs {
	var s specs
	var words []string
	var cands []*sitter.Node // identifiers standing where the type goes
	declStart := uint32(1 << 31)
	if d := n.ChildByFieldName("declarator"); d != nil {
		declStart = d.StartByte()
	}
	for i := 0; i < int(n.ChildCount()); i++ {
		ch := n.Child(i)
		if ch.StartByte() >= declStart && n.FieldNameForChild(i) != "type" {
			continue
		}
		switch ch.Type() {
		case "storage_class_specifier":
			switch t := x.text(ch); t {
			case "inline", "__inline", "__inline__", "__forceinline":
				s.inline = true
			case "static", "extern":
				s.storage = t
			}
		case "type_qualifier":
			words = append(words, x.text(ch))
		case "attribute_specifier":
			s.attrs = append(s.attrs, x.gnuAttrs(ch)...)
		case "attribute_declaration":
			s.attrs = append(s.attrs, x.stdAttrs(ch)...)
		case "ms_declspec_modifier":
			s.attrs = append(s.attrs, "declspec("+strings.ReplaceAll(x.norm(ch.NamedChild(0)), " ", "")+")")
		case "typedef":
			s.typedef = true
		case "ERROR":
			for j := 0; j < int(ch.NamedChildCount()); j++ {
				cands = append(cands, ch.NamedChild(j))
			}
		case "primitive_type", "sized_type_specifier", "type_identifier", "struct_specifier", "union_specifier", "enum_specifier", "macro_type_specifier":
			if n.FieldNameForChild(i) == "type" || ch.StartByte() < declStart {
				cands = append(cands, ch)
			}
		}
	}
	// Exactly one candidate is the type; the others are attribute macros.
	typeIdx := -1
	for i := len(cands) - 1; i >= 0; i-- {
		t := cands[i].Type()
		if t == "primitive_type" || t == "sized_type_specifier" || t == "struct_specifier" || t == "union_specifier" || t == "enum_specifier" || isPrimitiveWord(x.text(cands[i])) {
			typeIdx = i
			break
		}
	}
	if typeIdx < 0 {
		for i := len(cands) - 1; i >= 0; i-- {
			if cands[i].Type() == "macro_type_specifier" {
				continue
			}
			if !isAttrMacroLike(x.text(cands[i])) {
				typeIdx = i
				break
			}
		}
	}
	if typeIdx < 0 {
		for i := len(cands) - 1; i >= 0; i-- {
			if cands[i].Type() != "macro_type_specifier" {
				typeIdx = i
				break
			}
		}
	}
	for i, c := range cands {
		if i == typeIdx {
			continue
		}
		name := x.norm(c)
		name = strings.ReplaceAll(name, " ", "")
		if a, ok := knownAttrMacros[name]; ok {
			if a == "always_inline" {
				s.inline = true
			}
			s.attrs = append(s.attrs, a)
			continue
		}
		if c.Type() == "sized_type_specifier" || isPrimitiveWord(name) {
			words = append(words, strings.Fields(x.norm(c))...)
			continue
		}
		s.attrs = append(s.attrs, "macro:"+name)
	}
	if typeIdx >= 0 {
		t := cands[typeIdx]
		s.baseNode = t
		switch t.Type() {
		case "struct_specifier", "union_specifier", "enum_specifier":
			words = append(words, x.aggregateTypeName(t))
		default:
			words = append(words, strings.Fields(x.norm(t))...)
		}
		s.uses = append(s.uses, x.idents(t, nil)...)
	}
	for _, a := range s.attrs {
		if a == "always_inline" {
			s.inline = true
		}
	}
	s.base = normBase(words)
	s.attrs = sortedSet(s.attrs)
	return s
}

func isPrimitiveWord(w string) bool {
	switch w {
	case "void", "char", "short", "int", "long", "float", "double", "signed", "unsigned", "_Bool", "bool", "__int128", "__int64":
		return true
	}
	return false
}

// isAttrMacroLike reports whether a name in type position is more likely an
// attribute macro than a type: all upper case, or __lower.
func isAttrMacroLike(w string) bool {
	if _, ok := knownAttrMacros[w]; ok {
		return true
	}
	if strings.HasPrefix(w, "__") {
		return true
	}
	return isMacroLike(w)
}

// aggregateTypeName names the type of a struct/union/enum specifier; an
// inline definition is also extracted as an entity.
func (x *extractor) aggregateTypeName(n *sitter.Node) string {
	kw := strings.TrimSuffix(n.Type(), "_specifier")
	name := n.ChildByFieldName("name")
	body := n.ChildByFieldName("body")
	if body != nil {
		if name == nil {
			// Anonymous: the type is its layout.
			if kw == "enum" {
				return "enum {" + membersString(enumMembersTok(x.src[body.StartByte():body.EndByte()])) + "}"
			}
			return kw + " {" + fieldsString(x.fields(body, "")) + "}"
		}
		x.aggregate(n, "", "")
	}
	if name == nil {
		return kw
	}
	return kw + " " + x.text(name)
}

func membersString(ms []EnumMember) string {
	var parts []string
	for _, m := range ms {
		if m.Known {
			parts = append(parts, fmt.Sprintf("%s=%d", m.Name, m.Value))
		} else {
			parts = append(parts, fmt.Sprintf("%s=%s+%d", m.Name, m.Expr, m.Off))
		}
	}
	return strings.Join(parts, ",")
}

var diagAttrAliases = map[string]string{}

// gnuAttrs reads __attribute__((a, b(c))) into normalised names.
func (x *extractor) gnuAttrs(n *sitter.Node) []string {
	var out []string
	var walk func(*sitter.Node)
	walk = func(m *sitter.Node) {
		switch m.Type() {
		case "argument_list":
			for i := 0; i < int(m.NamedChildCount()); i++ {
				a := m.NamedChild(i)
				switch a.Type() {
				case "identifier":
					out = append(out, normAttrName(x.text(a)))
				case "call_expression":
					fn := normAttrName(x.text(a.ChildByFieldName("function")))
					args := strings.ReplaceAll(x.norm(a.ChildByFieldName("arguments")), " ", "")
					out = append(out, fn+args)
				case "argument_list", "parenthesized_expression":
					walk(a)
				default:
					out = append(out, strings.ReplaceAll(x.norm(a), " ", ""))
				}
			}
			return
		}
		for i := 0; i < int(m.NamedChildCount()); i++ {
			walk(m.NamedChild(i))
		}
	}
	walk(n)
	if len(out) == 0 {
		out = append(out, strings.ReplaceAll(x.norm(n), " ", ""))
	}
	return out
}

func (x *extractor) stdAttrs(n *sitter.Node) []string {
	var out []string
	for i := 0; i < int(n.NamedChildCount()); i++ {
		a := n.NamedChild(i)
		t := strings.ReplaceAll(x.norm(a), " ", "")
		if k := strings.LastIndex(t, "::"); k >= 0 {
			t = t[k+2:]
		}
		out = append(out, normAttrName(t))
	}
	return out
}

// normAttrName strips the __x__ spelling of a GNU attribute name.
func normAttrName(s string) string {
	if strings.HasPrefix(s, "__") && strings.HasSuffix(s, "__") && len(s) > 4 {
		return s[2 : len(s)-2]
	}
	return s
}

// AttrName returns the name part of a normalised attribute ("format" for
// "format(printf,1,2)").
func AttrName(a string) string {
	if i := strings.IndexByte(a, '('); i >= 0 {
		return a[:i]
	}
	return a
}

// declarator is what a declarator says: the declared name and the type
// operators from the name outward.
type declarator struct {
	name   string
	node   *sitter.Node // the identifier
	ops    []string
	params *sitter.Node // the parameter list when the name is a function
	attrs  []string
	value  *sitter.Node
	bits   string
}

func (x *extractor) declarator(n *sitter.Node) declarator {
	var d declarator
	x.walkDecl(n, &d)
	return d
}

func (x *extractor) walkDecl(n *sitter.Node, d *declarator) {
	if n == nil {
		return
	}
	switch n.Type() {
	case "identifier", "field_identifier", "type_identifier", "primitive_type":
		d.name = x.text(n)
		d.node = n
	case "init_declarator":
		x.walkDecl(n.ChildByFieldName("declarator"), d)
		d.value = n.ChildByFieldName("value")
	case "parenthesized_declarator", "abstract_parenthesized_declarator":
		for i := 0; i < int(n.NamedChildCount()); i++ {
			ch := n.NamedChild(i)
			if strings.HasSuffix(ch.Type(), "declarator") || ch.Type() == "identifier" || ch.Type() == "field_identifier" || ch.Type() == "type_identifier" {
				x.walkDecl(ch, d)
			} else if ch.Type() == "attribute_specifier" {
				d.attrs = append(d.attrs, x.gnuAttrs(ch)...)
			}
		}
	case "pointer_declarator", "abstract_pointer_declarator":
		inner := n.ChildByFieldName("declarator")
		x.walkDecl(inner, d)
		op := "*"
		for i := 0; i < int(n.NamedChildCount()); i++ {
			ch := n.NamedChild(i)
			if ch.Type() == "type_qualifier" && (inner == nil || ch.StartByte() < inner.StartByte()) {
				op += x.text(ch)
			}
			if ch.Type() == "attribute_specifier" {
				d.attrs = append(d.attrs, x.gnuAttrs(ch)...)
			}
		}
		d.ops = append(d.ops, op)
	case "array_declarator", "abstract_array_declarator":
		x.walkDecl(n.ChildByFieldName("declarator"), d)
		d.ops = append(d.ops, "["+strings.ReplaceAll(x.norm(n.ChildByFieldName("size")), " ", "")+"]")
	case "function_declarator", "abstract_function_declarator":
		inner := n.ChildByFieldName("declarator")
		x.walkDecl(inner, d)
		params := n.ChildByFieldName("parameters")
		if len(d.ops) == 0 && d.params == nil {
			d.params = params
		}
		d.ops = append(d.ops, "func("+strings.Join(x.paramTypes(params, nil), ", ")+")")
		for i := 0; i < int(n.NamedChildCount()); i++ {
			ch := n.NamedChild(i)
			switch ch.Type() {
			case "attribute_specifier":
				d.attrs = append(d.attrs, x.gnuAttrs(ch)...)
			case "attribute_declaration":
				d.attrs = append(d.attrs, x.stdAttrs(ch)...)
			case "gnu_asm_expression":
				d.attrs = append(d.attrs, "asm("+x.norm(ch)+")")
			case "identifier":
				if ch != inner { // an attribute macro after the parameters
					d.attrs = append(d.attrs, "macro:"+x.text(ch))
				}
			case "call_expression":
				d.attrs = append(d.attrs, "macro:"+strings.ReplaceAll(x.norm(ch), " ", ""))
			}
		}
	case "attributed_declarator":
		for i := 0; i < int(n.NamedChildCount()); i++ {
			ch := n.NamedChild(i)
			if ch.Type() == "attribute_declaration" {
				d.attrs = append(d.attrs, x.stdAttrs(ch)...)
			} else {
				x.walkDecl(ch, d)
			}
		}
	case "bitfield_clause", "comment":
	default:
		if n.Type() != "ERROR" {
			x.fail(n, "unexpected declarator "+n.Type())
		}
	}
}

// paramTypes returns the normalised types of a parameter list as a
// function's type sees them: top-level qualifiers dropped, arrays and
// functions decayed to pointers; (void) is no parameter. krDecls gives the
// types of a K&R identifier list.
func (x *extractor) paramTypes(n *sitter.Node, krDecls map[string]string) []string {
	if n == nil {
		return nil
	}
	var out []string
	for i := 0; i < int(n.NamedChildCount()); i++ {
		p := n.NamedChild(i)
		switch p.Type() {
		case "parameter_declaration":
			s := x.specifiers(p)
			d := x.declarator(p.ChildByFieldName("declarator"))
			t := paramType(d.ops, s.base)
			if t == "void" && d.name == "" && n.NamedChildCount() == 1 {
				return nil
			}
			out = append(out, t)
		case "variadic_parameter":
			out = append(out, "...")
		case "identifier": // K&R
			t, ok := krDecls[x.text(p)]
			if !ok {
				t = "int"
			}
			out = append(out, t)
		case "comment":
		default:
			out = append(out, strings.ReplaceAll(x.norm(p), " ", "_"))
		}
	}
	if len(out) == 0 && strings.TrimSpace(x.norm(n)) == "( )" {
		return []string{"unspecified"}
	}
	return out
}

// paramType applies the adjustments C makes to a parameter's type.
func paramType(ops []string, base string) string {
	ops = append([]string(nil), ops...)
	if len(ops) == 0 {
		return stripQuals(base)
	}
	switch {
	case strings.HasPrefix(ops[0], "["):
		ops[0] = "*"
	case strings.HasPrefix(ops[0], "*"):
		ops[0] = "*"
	case strings.HasPrefix(ops[0], "func("):
		ops = append([]string{"*"}, ops...)
	}
	return CType{Ops: ops, Base: base}.String()
}

func stripQuals(base string) string {
	t := ParseType(base)
	t.Quals = nil
	return t.String()
}

func typeString(ops []string, base string) string {
	return strings.TrimSpace(strings.Join(append(append([]string{}, ops...), base), " "))
}

// isConstObject reports whether the object of a type is itself read-only.
func isConstObject(ops []string, base string) bool {
	i := 0
	for i < len(ops) && strings.HasPrefix(ops[i], "[") {
		i++
	}
	if i < len(ops) {
		return strings.HasPrefix(ops[i], "*") && strings.Contains(ops[i], "const")
	}
	return strings.HasPrefix(base, "const ") || strings.Contains(base, " const ")
}

// idents returns the identifiers used in node n, minus those in skip.
func (x *extractor) idents(n *sitter.Node, skip map[string]bool) []string {
	if n == nil {
		return nil
	}
	b := x.src[n.StartByte():n.EndByte()]
	toks := Lex(b)
	var out []string
	for i, t := range toks {
		if t.Kind != TokIdent {
			continue
		}
		w := t.Text(b)
		if cKeywords[w] || skip[w] {
			continue
		}
		if i > 0 {
			if p := toks[i-1].Text(b); p == "." || p == "->" {
				continue
			}
		}
		out = append(out, w)
	}
	return sortedSet(out)
}

func (x *extractor) function(n *sitter.Node, cond string) {
	s := x.specifiers(n)
	d := x.declarator(n.ChildByFieldName("declarator"))
	body := n.ChildByFieldName("body")
	if d.name == "" || len(d.ops) == 0 || !strings.HasPrefix(d.ops[0], "func(") {
		x.fail(n, "function definition without a function declarator")
		return
	}
	// K&R parameter declarations sit between the declarator and the body.
	kr := map[string]string{}
	for i := 0; i < int(n.NamedChildCount()); i++ {
		ch := n.NamedChild(i)
		if ch.Type() == "declaration" && (body == nil || ch.StartByte() < body.StartByte()) {
			ks := x.specifiers(ch)
			for _, dn := range fieldChildren(ch, "declarator") {
				kd := x.declarator(dn)
				kr[kd.name] = paramType(kd.ops, ks.base)
			}
		}
	}
	params := x.paramTypes(d.params, kr)
	ops := append([]string{"func(" + strings.Join(params, ", ") + ")"}, d.ops[1:]...)
	name := d.name
	if len(params) > 0 && isMacroLike(name) && d.params != nil && d.params.NamedChildCount() > 0 {
		if a := d.params.NamedChild(0); a.Type() == "identifier" || a.Type() == "parameter_declaration" {
			name = funcKey(name, firstWord(x.norm(a)))
		}
	}
	e := &Entity{
		Kind: KFunc, Name: name, Line: x.line(n), EndLine: x.endLine(n), Cond: cond,
		Storage: s.storage, Inline: s.inline, Attrs: sortedSet(append(s.attrs, d.attrs...)),
		Sig: typeString(ops, s.base),
	}
	for _, a := range e.Attrs {
		if a == "always_inline" {
			e.Inline = true
		}
	}
	locals := map[string]bool{}
	e.ParamNames = x.paramNames(d.params)
	for _, p := range e.ParamNames {
		locals[p] = true
	}
	if body != nil {
		e.BodyLine = x.line(body)
		x.collectLocals(body, locals)
		bodyBytes := x.src[body.StartByte():body.EndByte()]
		toks := Lex(bodyBytes)
		order := append([]string(nil), e.ParamNames...)
		e.BodyHash = bodyHash(bodyBytes, toks, locals, order)
		e.NeverReturns = neverReturns(bodyBytes, toks)
		if e.NeverReturns > 0 {
			e.NeverReturns += x.line(body) - 1
		}
		e.Statics = x.staticLocals(body, name, cond)
		e.BodyErrs = x.bodyErrors(body)
		if bad := x.checkStatics(bodyBytes, toks, len(e.Statics)); bad != "" {
			e.ParseErr = bad
		}
	}
	e.Uses = sortedSet(append(append(x.idents(n.ChildByFieldName("declarator"), locals), s.uses...), x.idents(body, locals)...))
	x.ents = append(x.ents, e)
}

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

func (x *extractor) paramNames(params *sitter.Node) []string {
	if params == nil {
		return nil
	}
	var out []string
	for i := 0; i < int(params.NamedChildCount()); i++ {
		p := params.NamedChild(i)
		switch p.Type() {
		case "parameter_declaration":
			d := x.declarator(p.ChildByFieldName("declarator"))
			if d.name != "" {
				out = append(out, d.name)
			}
		case "identifier":
			out = append(out, x.text(p))
		}
	}
	return out
}

// collectLocals adds the names declared inside a function body.
func (x *extractor) collectLocals(n *sitter.Node, locals map[string]bool) {
	qc := x.p.qc
	qc.Exec(x.p.locals, n)
	for {
		m, ok := qc.NextMatch()
		if !ok {
			break
		}
		for _, c := range m.Captures {
			locals[x.text(c.Node)] = true
		}
	}
}

// staticLocals extracts the function-scope static variables of a body.
func (x *extractor) staticLocals(body *sitter.Node, fn, cond string) []*Entity {
	var out []*Entity
	if !bytes.Contains(x.src[body.StartByte():body.EndByte()], []byte("static")) {
		return nil // the query matches the keyword's text only: no need to run it
	}
	var decls []*sitter.Node
	qc := x.p.qc
	qc.Exec(x.p.statics, body)
	for {
		m, ok := qc.NextMatch()
		if !ok {
			break
		}
		var decl, sc *sitter.Node
		for _, c := range m.Captures {
			if x.p.statics.CaptureNameForId(c.Index) == "decl" {
				decl = c.Node
			} else {
				sc = c.Node
			}
		}
		if decl != nil && sc != nil && x.text(sc) == "static" {
			decls = append(decls, decl)
		}
	}
	for _, ch := range decls {
		{
			{
				s := x.specifiers(ch)
				if s.storage == "static" {
					for _, dn := range fieldChildren(ch, "declarator") {
						sub := &extractor{src: x.src, lineBase: x.lineBase}
						var d declarator
						sub.walkDecl(dn, &d)
						if d.name == "" || len(d.ops) > 0 && strings.HasPrefix(d.ops[0], "func(") {
							continue
						}
						e := &Entity{Kind: KStaticLocal, Name: fn + "." + d.name, Line: x.line(ch), EndLine: x.endLine(ch),
							Cond: cond, Storage: "static", Type: typeString(d.ops, s.base), Const: isConstObject(d.ops, s.base)}
						if d.value != nil {
							e.HasInit = true
							e.InitHash = hashTokens(x.src[d.value.StartByte():d.value.EndByte()])
						}
						out = append(out, e)
					}
				}
			}
		}
	}
	return out
}

// checkStatics fails closed when the body has more 'static' declarations
// than the parser understood (a static hidden in a region tree-sitter could
// not parse).
func (x *extractor) checkStatics(b []byte, toks []Token, parsed int) string {
	n := 0
	for i, t := range toks {
		if t.Kind == TokIdent && t.Text(b) == "static" && i > 0 {
			switch toks[i-1].Text(b) {
			case "{", "}", ";", ":":
				n++
			}
		}
	}
	if n > parsed {
		return "a function-scope static variable could not be parsed"
	}
	return ""
}

func (x *extractor) declaration(n *sitter.Node, cond string) {
	s := x.specifiers(n)
	found := false
	for _, dn := range fieldChildren(n, "declarator") {
		found = true
		d := x.declarator(dn)
		if d.name == "" {
			x.fail(n, "declarator without a name")
			return
		}
		if len(d.ops) > 0 && strings.HasPrefix(d.ops[0], "func(") {
			e := &Entity{Kind: KProto, Name: d.name, Line: x.line(n), EndLine: x.endLine(n), Cond: cond,
				Storage: s.storage, Inline: s.inline, Attrs: sortedSet(append(append([]string{}, s.attrs...), d.attrs...)),
				Sig: typeString(d.ops, s.base), ParamNames: x.paramNames(d.params)}
			e.Uses = sortedSet(append(x.idents(dn, nil), s.uses...))
			x.ents = append(x.ents, e)
			continue
		}
		e := &Entity{Kind: KGlobal, Name: d.name, Line: x.line(n), EndLine: x.endLine(n), Cond: cond,
			Storage: s.storage, Attrs: sortedSet(append(append([]string{}, s.attrs...), d.attrs...)),
			Type: typeString(d.ops, s.base), Const: isConstObject(d.ops, s.base)}
		e.Extern = s.storage == "extern" && d.value == nil
		if d.value != nil {
			e.HasInit = true
			e.InitHash = hashTokens(x.src[d.value.StartByte():d.value.EndByte()])
			e.BodyErrs = x.bodyErrors(d.value)
		}
		e.Uses = sortedSet(append(x.idents(dn, nil), s.uses...))
		x.ents = append(x.ents, e)
	}
	if !found && s.baseNode == nil {
		x.fail(n, "declaration without declarator")
	}
}

func (x *extractor) typedef(n *sitter.Node, cond string) {
	s := x.specifiers(n)
	var anon *Entity
	if s.baseNode != nil {
		switch s.baseNode.Type() {
		case "struct_specifier", "union_specifier", "enum_specifier":
			if s.baseNode.ChildByFieldName("name") == nil && s.baseNode.ChildByFieldName("body") != nil {
				anon = x.aggregate(s.baseNode, cond, "")
			}
		}
	}
	for _, dn := range fieldChildren(n, "declarator") {
		d := x.declarator(dn)
		if d.name == "" {
			x.fail(n, "typedef without a name")
			return
		}
		base := s.base
		if anon != nil {
			if anon.Name == "" {
				anon.Name = "{" + d.name + "}"
			}
			if anon.TypedefName == "" {
				anon.TypedefName = d.name
			}
			base = strings.TrimSuffix(s.baseNode.Type(), "_specifier") + " " + anon.Name
		}
		e := &Entity{Kind: KTypedef, Name: d.name, Line: x.line(n), EndLine: x.endLine(n), Cond: cond,
			Type: typeString(d.ops, base), Attrs: sortedSet(append(append([]string{}, s.attrs...), d.attrs...))}
		e.Uses = sortedSet(append(x.idents(dn, nil), s.uses...))
		x.ents = append(x.ents, e)
	}
}

// aggregate extracts a struct, union or enum definition; it returns nil for
// a specifier without a body (a forward declaration, which declares nothing
// the running program holds).
func (x *extractor) aggregate(n *sitter.Node, cond, name string) *Entity {
	body := n.ChildByFieldName("body")
	nameNode := n.ChildByFieldName("name")
	if nameNode != nil {
		name = x.text(nameNode)
	}
	if body == nil {
		if cond != "" || n.Parent() != nil && n.Parent().Type() == "translation_unit" {
			// A forward declaration at top level: declares nothing in memory.
			x.ents = append(x.ents, &Entity{Kind: KForward, Name: strings.TrimSuffix(n.Type(), "_specifier") + " " + name, Line: x.line(n), EndLine: x.endLine(n), Cond: cond})
		}
		return nil
	}
	e := &Entity{Name: name, Line: x.line(n), EndLine: x.endLine(n), Cond: cond, Anon: nameNode == nil}
	for i := 0; i < int(n.NamedChildCount()); i++ {
		if ch := n.NamedChild(i); ch.Type() == "attribute_specifier" {
			e.Attrs = append(e.Attrs, x.gnuAttrs(ch)...)
		}
	}
	e.Attrs = sortedSet(e.Attrs)
	switch n.Type() {
	case "struct_specifier":
		e.Kind = KStruct
		e.Fields = x.fields(body, "")
	case "union_specifier":
		e.Kind = KUnion
		e.Fields = x.fields(body, "")
	case "enum_specifier":
		e.Kind = KEnum
		e.Members = enumMembersTok(x.src[body.StartByte():body.EndByte()])
		// Members are read as tokens; where the grammar fails among them,
		// only a macro (an X-macro list) may explain it.
		e.BodyErrs = x.bodyErrors(body)
		if e.Anon && len(e.Members) > 0 {
			e.Name = "{" + e.Members[0].Name + "}"
		}
	}
	e.Uses = x.idents(body, nil)
	x.ents = append(x.ents, e)
	return e
}

// fields reads a struct or union body; #if groups inside it give their
// members a condition.
func (x *extractor) fields(body *sitter.Node, cond string) []Field {
	var out []Field
	for i := 0; i < int(body.NamedChildCount()); i++ {
		ch := body.NamedChild(i)
		switch ch.Type() {
		case "field_declaration":
			s := x.specifiers(ch)
			n := 0
			for j := 0; j < int(ch.ChildCount()); j++ {
				sub := ch.Child(j)
				if !sub.IsNamed() {
					continue
				}
				if ch.FieldNameForChild(j) != "declarator" {
					if sub.Type() == "bitfield_clause" && n == 0 {
						// unnamed bitfield: padding that still shapes the layout
						out = append(out, Field{Type: s.base, Bits: x.norm(sub.NamedChild(0)), Cond: cond})
					}
					continue
				}
				n++
				d := x.declarator(sub)
				f := Field{Name: d.name, Type: typeString(d.ops, s.base), Cond: cond}
				for k := j + 1; k < int(ch.ChildCount()); k++ {
					nx := ch.Child(k)
					if nx.Type() == "bitfield_clause" {
						f.Bits = x.norm(nx.NamedChild(0))
						break
					}
					if nx.IsNamed() && nx.Type() != "comment" {
						break
					}
				}
				out = append(out, f)
			}
			if n == 0 && !hasBitfield(ch) {
				out = append(out, Field{Type: s.base, Cond: cond}) // anonymous struct/union member
			}
		case "preproc_if", "preproc_ifdef", "preproc_elif", "preproc_else", "preproc_elifdef":
			out = append(out, x.fields(ch, joinCond(cond, x.preprocCond(ch)))...)
		case "comment":
		default:
			if ch.Type() != "ERROR" {
				out = append(out, Field{Type: "?" + x.norm(ch), Cond: cond})
			}
		}
	}
	return out
}

func hasBitfield(n *sitter.Node) bool {
	for i := 0; i < int(n.NamedChildCount()); i++ {
		if n.NamedChild(i).Type() == "bitfield_clause" {
			return true
		}
	}
	return false
}

func (x *extractor) preprocCond(n *sitter.Node) string {
	switch n.Type() {
	case "preproc_ifdef":
		name := x.text(n.ChildByFieldName("name"))
		if strings.HasPrefix(x.text(n), "#ifndef") {
			return "!defined(" + name + ")"
		}
		return "defined(" + name + ")"
	case "preproc_if", "preproc_elif":
		return x.norm(n.ChildByFieldName("condition"))
	case "preproc_else":
		return "else"
	}
	return x.norm(n)
}
