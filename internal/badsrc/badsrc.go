// Package badsrc decides that a C or Go source file cannot compile, with
// rules of its own (for C) that share no code with the frontends: it is
// the oracle of the fail-closed tests, which require that the tool never
// calls a change to such a file live-patchable or no-op.
//
// For C it says only what no compiler accepts (short of macros that expand
// to brackets, which the tool does not accept either): an unterminated
// comment anywhere; and, in a file without preprocessor directives (where
// no #if can hide text), an unterminated string or character literal,
// unbalanced brackets (inside parentheses, which may hold a macro's
// arguments, only parentheses count), a stray character outside
// parentheses ('@', '`', a '\' that continues no line, a '#' inside a
// line, a control character, a byte that is not UTF-8), or a merge
// conflict marker. Like compilers, it ends a line at a lone carriage
// return. It answers "" when it finds none of these, which does not mean
// that the file compiles.
package badsrc

import (
	"fmt"
	"go/parser"
	"go/token"
	"strings"
	"unicode/utf8"
)

// Go returns why src is not a Go file that parses, or "".
func Go(src []byte) string {
	_, err := parser.ParseFile(token.NewFileSet(), "x.go", src, parser.SkipObjectResolution)
	if err != nil {
		s := err.Error()
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[:i]
		}
		return s
	}
	return ""
}

// C returns why no compiler accepts src, or "" when none of the package's
// rules applies.
func C(src []byte) string {
	s := &scan{src: src, line: 1}
	s.run()
	if s.comment != "" {
		return s.comment
	}
	if s.directives {
		return ""
	}
	if s.code != "" {
		return s.code
	}
	if len(s.stack) > 0 {
		return fmt.Sprintf("line %d: unclosed %q", s.stack[len(s.stack)-1].line, s.stack[len(s.stack)-1].c)
	}
	return ""
}

type open struct {
	c    byte
	line int
}

type scan struct {
	src        []byte
	line       int
	comment    string // an unterminated comment
	code       string // the first problem of code outside directives
	directives bool   // the file has a preprocessor directive
	stack      []open // brackets open outside directives
}

func (s *scan) problem(format string, args ...any) {
	if s.code == "" {
		s.code = fmt.Sprintf("line %d: ", s.line) + fmt.Sprintf(format, args...)
	}
}

func (s *scan) run() {
	b := s.src
	n := len(b)
	lineStart := true  // only whitespace and comments so far on this line
	directive := false // in a preprocessor directive line
	for i := 0; i < n; {
		c := b[i]
		switch {
		case newline(b, i) > 0:
			s.line++
			lineStart, directive = true, false
			i += newline(b, i)
			continue
		case c == '\\' && newline(b, i+1) > 0:
			s.line++
			i += 1 + newline(b, i+1)
			continue
		case c == ' ' || c == '\t' || c == '\f' || c == '\v':
			i++
			continue
		case c == '/' && i+1 < n && b[i+1] == '/':
			for i < n && newline(b, i) == 0 {
				if b[i] == '\\' && newline(b, i+1) > 0 {
					s.line++
					i += newline(b, i+1)
				}
				i++
			}
			continue
		case c == '/' && i+1 < n && b[i+1] == '*':
			start := s.line
			i += 2
			for i < n && !(b[i] == '*' && i+1 < n && b[i+1] == '/') {
				if k := newline(b, i); k > 0 {
					s.line++
					i += k
					continue
				}
				i++
			}
			if i >= n {
				s.comment = fmt.Sprintf("line %d: unterminated comment", start)
				return
			}
			i += 2
			continue
		}
		if lineStart && (c == '#' || c == '%' && i+1 < n && b[i+1] == ':') {
			s.directives, directive = true, true
		}
		if lineStart && !directive {
			for _, m := range []string{"<<<<<<< ", "=======", ">>>>>>> ", "||||||| "} {
				if strings.HasPrefix(string(b[i:min(n, i+len(m))]), m) {
					s.problem("merge conflict marker")
				}
			}
		}
		lineStart = false
		switch {
		case c == '"' || c == '\'':
			i = s.literal(i, directive)
			continue
		case directive:
		case isIdent(c):
			// An identifier (its bytes past ASCII must be UTF-8); a
			// literal may follow at once (L"", u8'').
			for i < n && (isIdent(b[i]) || b[i] >= '0' && b[i] <= '9') {
				if b[i] >= 0x80 {
					r, size := utf8.DecodeRune(b[i:])
					if r == utf8.RuneError && size <= 1 && !s.inParens() {
						s.problem("stray byte %#x", b[i])
					}
					i += size
					continue
				}
				i++
			}
			continue
		case c >= '0' && c <= '9' || c == '.' && i+1 < n && b[i+1] >= '0' && b[i+1] <= '9':
			// A pp-number: digits, letters, '.', exponent signs, and
			// C23 digit separators.
			i++
			for i < n {
				d := b[i]
				switch {
				case isIdent(d) || d >= '0' && d <= '9' || d == '.':
					i++
					continue
				case (d == '+' || d == '-') && strings.ContainsRune("eEpP", rune(b[i-1])):
					i++
					continue
				case d == '\'' && i+1 < n && (isIdent(b[i+1]) || b[i+1] >= '0' && b[i+1] <= '9'):
					i += 2
					continue
				}
				break
			}
			continue
		case c == '<' && i+1 < n && (b[i+1] == '%' || b[i+1] == ':'): // digraphs <% <:
			s.push(map[byte]byte{'%': '{', ':': '['}[b[i+1]])
			i += 2
			continue
		case c == '%' && i+1 < n && b[i+1] == '>', c == ':' && i+1 < n && b[i+1] == '>':
			s.pop(map[byte]byte{'%': '}', ':': ']'}[c])
			i += 2
			continue
		case c == '(' || c == '[' || c == '{':
			s.push(c)
		case c == ')' || c == ']' || c == '}':
			s.pop(c)
		case s.inParens():
			// A macro argument, which the macro may turn into a string.
		case c == '@' || c == '`' || c == '\\' || c == '#':
			s.problem("stray %q", c)
		case c == 0:
			// gcc ignores null characters, with a warning
		case c < 0x20 || c == 0x7f:
			s.problem("stray control character %#x", c)
		}
		i++
	}
}

// isIdent reports whether c may be part of an identifier (or of a
// pp-number): bytes past ASCII are, as compilers read UTF-8 identifiers.
func isIdent(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$' || c >= 0x80
}

// inParens reports whether a '(' is open: what follows may be a macro
// argument.
func (s *scan) inParens() bool {
	for _, o := range s.stack {
		if o.c == '(' {
			return true
		}
	}
	return false
}

// push and pop track brackets; inside parentheses only parentheses, as a
// macro argument may hold any other bracket alone.
func (s *scan) push(c byte) {
	if c != '(' && s.inParens() {
		return
	}
	s.stack = append(s.stack, open{c, s.line})
}

func (s *scan) pop(c byte) {
	if c != ')' && s.inParens() {
		return
	}
	want := map[byte]byte{')': '(', ']': '[', '}': '{'}[c]
	if len(s.stack) == 0 || s.stack[len(s.stack)-1].c != want {
		s.problem("unbalanced %q", c)
		return
	}
	s.stack = s.stack[:len(s.stack)-1]
}

// literal skips the string or character literal that opens at src[i] and
// returns the offset after it; an unterminated one ends at the end of its
// line, and is a problem outside directives (#error don't … is fine).
func (s *scan) literal(i int, directive bool) int {
	b := s.src
	q := b[i]
	for j := i + 1; j < len(b); j++ {
		if k := newline(b, j); k > 0 {
			if !directive {
				s.problem("unterminated %s", map[byte]string{'"': "string", '\'': "character literal"}[q])
			}
			return j
		}
		switch b[j] {
		case '\\':
			if k := newline(b, j+1); k > 0 {
				s.line++
				j += k
				continue
			}
			j++
		case q:
			return j + 1
		}
	}
	if !directive {
		s.problem("unterminated %s", map[byte]string{'"': "string", '\'': "character literal"}[q])
	}
	return len(b)
}

// newline returns the length of the line break at b[i] (\n, \r\n, or a
// lone \r, which compilers take for one), or 0.
func newline(b []byte, i int) int {
	switch {
	case i >= len(b):
		return 0
	case b[i] == '\n':
		return 1
	case b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n':
		return 2
	case b[i] == '\r':
		return 1
	}
	return 0
}
