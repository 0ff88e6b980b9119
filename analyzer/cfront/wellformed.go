package cfront

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	sitter "github.com/smacker/go-tree-sitter"
)

// BodyErr is a place inside a function body or an initializer where the
// grammar failed. Such a place is acceptable only when a macro explains it
// (the compiler sees the macro's expansion, not this text): Cands are the
// macro-like names around it, for the caller to check against the tree's
// definitions.
type BodyErr struct {
	Line  int
	Text  string
	Cands []string
}

// Malformed returns what no compiler accepts in b whatever the macros (an
// unterminated comment, string or character literal, a merge conflict
// marker, a stray character, brackets that do not nest in some #if branch
// selection), or "" when there is none of these.
func Malformed(b []byte) string {
	if p := lexProblem(b, 0); p != "" {
		return p
	}
	return bracketProblem(b, 0)
}

// lexProblem finds what no compiler accepts whatever the macros: an
// unterminated string, character literal or comment, a merge conflict
// marker, or a stray character outside directives and parentheses (where
// it may be a macro argument the macro turns into a string). It returns ""
// when there is none.
func lexProblem(b []byte, lineBase int) string {
	line := 1 + lineBase
	n := len(b)
	atLineStart := true
	skipLine := false  // #error and #warning lines hold free text
	directive := false // a directive line: a stray character there may never be expanded
	parens := 0        // '(' open: a stray character there may be a macro argument
	for i := 0; i < n; {
		c := b[i]
		if atLineStart {
			rest := b[i:]
			for _, m := range []string{"<<<<<<< ", ">>>>>>> ", "=======\n", "||||||| "} {
				if bytes.HasPrefix(rest, []byte(m)) || bytes.Equal(rest, []byte(strings.TrimSpace(m))) {
					return fmt.Sprintf("line %d: merge conflict marker", line)
				}
			}
			t := bytes.TrimLeft(rest, " \t")
			directive = len(t) > 0 && t[0] == '#'
			if directive {
				d := bytes.TrimLeft(t[1:], " \t")
				skipLine = bytes.HasPrefix(d, []byte("error")) || bytes.HasPrefix(d, []byte("warning"))
			}
			atLineStart = false
		}
		switch {
		case lineBreak(b, i):
			line++
			atLineStart = true
			skipLine, directive = false, false
			i++
		case skipLine:
			i++
		case continuation(b, i) > 0:
			line++
			i += continuation(b, i)
		case c == '/' && i+1 < n && b[i+1] == '/':
			for i < n && !lineBreak(b, i) {
				if k := continuation(b, i); k > 0 {
					line++
					i += k
					continue
				}
				i++
			}
		case c == '/' && i+1 < n && b[i+1] == '*':
			start := line
			i += 2
			for i < n && !(b[i] == '*' && i+1 < n && b[i+1] == '/') {
				if lineBreak(b, i) {
					line++
				}
				i++
			}
			if i >= n {
				return fmt.Sprintf("line %d: unterminated comment", start)
			}
			i += 2
		case c == '"' || c == '\'':
			if c == '\'' && i > 0 && isIdentChar(b[i-1]) && i+1 < n && isIdentChar(b[i+1]) && b[i-1] >= '0' && b[i-1] <= '9' {
				i++ // C23 digit separator
				continue
			}
			j := i + 1
			for j < n && b[j] != c && !lineBreak(b, j) {
				if k := continuation(b, j); k > 0 {
					line++
					j += k
					continue
				}
				if b[j] == '\\' && j+1 < n {
					j++
				}
				j++
			}
			if j >= n || b[j] != c {
				what := "string"
				if c == '\'' {
					what = "character literal"
				}
				return fmt.Sprintf("line %d: unterminated %s", line, what)
			}
			i = j + 1
		case c == '(' && !directive:
			parens++
			i++
		case c == ')' && !directive:
			parens--
			i++
		default:
			if k := stray(b[i:]); k > 0 && !directive && parens <= 0 {
				return fmt.Sprintf("line %d: stray %q in program", line, b[i:i+k])
			}
			i++
		}
	}
	return ""
}

// stray returns the length of the character at the start of b when no C
// compiler accepts it outside literals, comments, directives and macro
// arguments ('@', '`', '#', a '\' that continues no line, a control
// character, a byte that is not UTF-8), or 0.
func stray(b []byte) int {
	switch c := b[0]; {
	case c == '@' || c == '`' || c == '\\' || c == '#':
		return 1
	case c < 0x20 && c != 0 && c != '\t' && c != '\n' && c != '\v' && c != '\f' && c != '\r', c == 0x7f:
		return 1 // gcc ignores NUL, with a warning
	case c >= 0x80:
		if r, size := utf8.DecodeRune(b); r == utf8.RuneError && size <= 1 {
			return 1
		}
	}
	return 0
}

// bracketProblem checks that (), [] and {} nest in every branch selection
// of the text's #if groups.
func bracketProblem(b []byte, lineBase int) string {
	texts := [][]byte{b}
	if v := variants(b, maxVariants); len(v) > 0 {
		texts = v
	}
	for _, t := range texts {
		if p := brackets(t, lineBase); p != "" {
			return p
		}
	}
	return ""
}

// MaxNesting is the deepest nesting of brackets the C frontend reads: far
// deeper than hand-written or generated code nests (clang refuses more
// than 256 by default), while a file nested deeper is a parser's stress
// test that no change of it can be trusted to. A chunk nested deeper is
// unparsed, so its change is unknown.
const MaxNesting = 1000

func brackets(b []byte, lineBase int) string {
	var stack []Token
	for _, t := range Lex(b) {
		if t.Kind != TokPunct {
			continue
		}
		s := t.Text(b)
		switch s {
		case "(", "[", "{":
			if len(stack) == MaxNesting {
				return fmt.Sprintf("line %d: brackets nested more than %d deep", int(t.Line)+lineBase, MaxNesting)
			}
			stack = append(stack, t)
		case ")", "]", "}":
			want := map[string]string{")": "(", "]": "[", "}": "{"}[s]
			if len(stack) == 0 || stack[len(stack)-1].Text(b) != want {
				return fmt.Sprintf("line %d: unbalanced %q", int(t.Line)+lineBase, s)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		t := stack[len(stack)-1]
		return fmt.Sprintf("line %d: unclosed %q", int(t.Line)+lineBase, t.Text(b))
	}
	return ""
}

// bodyErrors lists the syntax errors inside n (a function body or an
// initializer) with the macro-like names of the statement around each.
func (x *extractor) bodyErrors(n *sitter.Node) []BodyErr {
	if n == nil || !n.HasError() {
		return nil
	}
	var out []BodyErr
	var walk func(m *sitter.Node)
	walk = func(m *sitter.Node) {
		if !m.HasError() {
			return // a subtree's error cost counts its ERROR and MISSING nodes
		}
		if m.IsMissing() || m.Type() == "ERROR" {
			st := m
			for p := m.Parent(); p != nil && p != n; p = p.Parent() {
				st = p
				if strings.HasSuffix(p.Type(), "_statement") || p.Type() == "declaration" || p.Type() == "init_declarator" {
					break
				}
			}
			// The previous statement may be the macro (FOREACH(x) without ';').
			from := st
			if prev := st.PrevNamedSibling(); prev != nil && prev.EndPoint().Row+1 >= st.StartPoint().Row {
				from = prev
			}
			stmt := x.src[from.StartByte():st.EndByte()]
			cands := x.macroCands(stmt)
			if gnuExtension(stmt) {
				cands = append(cands, GNUExtension)
			}
			out = append(out, BodyErr{Line: x.line(m), Text: clip(x.text(m), 40), Cands: cands})
			return
		}
		for i := 0; i < int(m.ChildCount()); i++ {
			walk(m.Child(i))
		}
	}
	walk(n)
	return out
}

// GNUExtension is the candidate that explains a grammar failure by a GNU C
// extension the grammar lacks but compilers accept.
const GNUExtension = "<gnu-extension>"

// gnuExtension reports whether a statement uses a GNU C extension the
// tree-sitter grammar does not know: statement expressions ({ … }), case
// ranges (case 1 ... 3), asm volatile/goto, labels as values (&&label) and
// computed goto (goto *p).
func gnuExtension(b []byte) bool {
	toks := Lex(b)
	for i, t := range toks {
		s := t.Text(b)
		next := ""
		if i+1 < len(toks) {
			next = toks[i+1].Text(b)
		}
		prev := ""
		if i > 0 {
			prev = toks[i-1].Text(b)
		}
		switch {
		case s == "(" && next == "{", s == "}" && next == ")":
			return true
		case s == "..." && prev != "(" && prev != ",":
			return true // not a variadic parameter list: a case range
		case s == "__asm__" || s == "__asm" || s == "asm":
			return true
		case s == "&&" && i+1 < len(toks) && toks[i+1].Kind == TokIdent && (prev == "=" || prev == "(" || prev == "," || prev == "{" || prev == "return" || prev == ""):
			return true
		case s == "goto" && next == "*":
			return true
		}
	}
	return false
}

// macroCands returns the identifiers of b that may be macros: those called
// like functions and those spelled like macros.
func (x *extractor) macroCands(b []byte) []string {
	toks := Lex(b)
	var out []string
	for i, t := range toks {
		if t.Kind != TokIdent {
			continue
		}
		w := t.Text(b)
		if cKeywords[w] && w != "typeof" && w != "__typeof__" {
			continue
		}
		if i+1 < len(toks) && toks[i+1].Text(b) == "(" || isMacroLike(w) {
			out = append(out, w)
		}
	}
	return sortedSet(out)
}
