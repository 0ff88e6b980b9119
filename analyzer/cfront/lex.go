// Package cfront is the C frontend: it turns one C blob into an inventory of
// its top-level entities, cheaply (a lexer and a chunk scanner that hash
// top-level declarations), and parses the chunks that changed with
// tree-sitter into entities with normalised signatures, types and bodies.
package cfront

// TokKind classifies a token.
type TokKind uint8

// Token kinds. Preprocessor directives are delimited by TokHash (the '#' that
// starts the line) and TokEOL (the end of the logical line).
const (
	TokIdent TokKind = iota
	TokNumber
	TokString
	TokChar
	TokPunct
	TokHash
	TokEOL
)

// Token is one lexical token of a C blob: a byte range and its line.
type Token struct {
	Off, End int32
	Line     int32
	Kind     TokKind
}

// Text returns the token's bytes in src.
func (t Token) Text(src []byte) string { return string(src[t.Off:t.End]) }

// Bytes returns the token's bytes in src without copying.
func (t Token) Bytes(src []byte) []byte { return src[t.Off:t.End] }

// Lex splits src into tokens. Comments and whitespace are dropped; string and
// character literals are single tokens; a preprocessor directive is TokHash,
// its tokens, then TokEOL. Lex never fails: malformed input (an unterminated
// comment or literal) ends at the end of the line or of the file.
func Lex(src []byte) []Token {
	toks := make([]Token, 0, len(src)/5+16)
	n := len(src)
	i := 0
	line := int32(1)
	atLineStart := true
	inDirective := false
	for i < n {
		c := src[i]
		switch {
		case lineBreak(src, i):
			if inDirective {
				toks = append(toks, Token{Off: int32(i), End: int32(i), Line: line, Kind: TokEOL})
				inDirective = false
			}
			line++
			i++
			atLineStart = true
			continue
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v': // '\r' of "\r\n"
			i++
			continue
		case continuation(src, i) > 0:
			// Line continuation: the logical line goes on.
			i += continuation(src, i)
			line++
			continue
		case c == '/' && i+1 < n && src[i+1] == '/':
			// Line comment, which a backslash-newline continues.
			i += 2
			for i < n && !lineBreak(src, i) {
				if k := continuation(src, i); k > 0 {
					i += k
					line++
					continue
				}
				i++
			}
			continue
		case c == '/' && i+1 < n && src[i+1] == '*':
			i += 2
			for i < n && !(src[i] == '*' && i+1 < n && src[i+1] == '/') {
				if lineBreak(src, i) {
					line++
				}
				i++
			}
			i += 2
			if i > n {
				i = n
			}
			continue
		}
		start := i
		startLine := line
		kind := TokPunct
		switch {
		case c == '#' && atLineStart && !inDirective:
			toks = append(toks, Token{Off: int32(i), End: int32(i + 1), Line: line, Kind: TokHash})
			inDirective = true
			atLineStart = false
			i++
			continue
		case isIdentStart(c):
			i++
			for i < n && isIdentChar(src[i]) {
				i++
			}
			// Encoding prefixes: L"", u8"", u'', U"".
			if i < n && (src[i] == '"' || src[i] == '\'') && isLiteralPrefix(src[start:i]) {
				q := src[i]
				i = skipQuoted(src, i, q, &line, inDirective)
				if q == '"' {
					kind = TokString
				} else {
					kind = TokChar
				}
				break
			}
			kind = TokIdent
		case c >= '0' && c <= '9' || c == '.' && i+1 < n && src[i+1] >= '0' && src[i+1] <= '9':
			i++
			for i < n {
				d := src[i]
				if isIdentChar(d) || d == '.' {
					i++
					continue
				}
				if (d == '+' || d == '-') && (src[i-1] == 'e' || src[i-1] == 'E' || src[i-1] == 'p' || src[i-1] == 'P') {
					i++
					continue
				}
				if d == '\'' && i+1 < n && isIdentChar(src[i+1]) { // C23 digit separator
					i += 2
					continue
				}
				break
			}
			kind = TokNumber
		case c == '"':
			i = skipQuoted(src, i, '"', &line, inDirective)
			kind = TokString
		case c == '\'':
			i = skipQuoted(src, i, '\'', &line, inDirective)
			kind = TokChar
		default:
			i += punctLen(src[i:])
		}
		atLineStart = false
		toks = append(toks, Token{Off: int32(start), End: int32(i), Line: startLine, Kind: kind})
	}
	if inDirective {
		toks = append(toks, Token{Off: int32(n), End: int32(n), Line: line, Kind: TokEOL})
	}
	return toks
}

// skipQuoted returns the offset just past the literal that opens at src[i].
// An unterminated literal ends at the end of its line.
func skipQuoted(src []byte, i int, q byte, line *int32, inDirective bool) int {
	n := len(src)
	i++
	for i < n {
		c := src[i]
		if k := continuation(src, i); k > 0 {
			*line++
			i += k
			continue
		}
		if c == '\\' && i+1 < n {
			i += 2
			continue
		}
		if c == q {
			return i + 1
		}
		if lineBreak(src, i) {
			return i
		}
		i++
	}
	return n
}

// lineBreak reports whether src[i] ends a line: a '\n', or a '\r' not
// followed by one (an old Mac line end, which compilers honour).
func lineBreak(src []byte, i int) bool {
	return src[i] == '\n' || src[i] == '\r' && (i+1 >= len(src) || src[i+1] != '\n')
}

// continuation returns the length of the backslash-newline at src[i]
// (which joins two lines into one), or 0.
func continuation(src []byte, i int) int {
	if src[i] != '\\' || i+1 >= len(src) {
		return 0
	}
	switch {
	case src[i+1] == '\r' && i+2 < len(src) && src[i+2] == '\n':
		return 3
	case lineBreak(src, i+1):
		return 2
	}
	return 0
}

// countLines returns how many line breaks b holds.
func countLines(b []byte) int {
	n := 0
	for i := range b {
		if lineBreak(b, i) {
			n++
		}
	}
	return n
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$' || c >= 0x80
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9'
}

func isLiteralPrefix(b []byte) bool {
	switch string(b) {
	case "L", "u", "U", "u8":
		return true
	}
	return false
}

// punctLen returns the length of the punctuator at the start of b.
func punctLen(b []byte) int {
	if len(b) < 2 {
		return 1
	}
	c, d := b[0], b[1]
	switch c {
	case '<', '>':
		if d == c {
			if len(b) > 2 && b[2] == '=' {
				return 3 // <<= >>=
			}
			return 2
		}
		if d == '=' {
			return 2
		}
	case '.':
		if d == '.' && len(b) > 2 && b[2] == '.' {
			return 3
		}
	case '-':
		if d == '>' {
			if len(b) > 2 && b[2] == '*' {
				return 3
			}
			return 2
		}
		if d == '-' || d == '=' {
			return 2
		}
	case '+', '&', '|':
		if d == c || d == '=' {
			return 2
		}
	case '=', '!', '*', '/', '%', '^':
		if d == '=' {
			return 2
		}
	case '#':
		if d == '#' {
			return 2
		}
	case ':':
		if d == ':' {
			return 2
		}
	}
	return 1
}

// cKeywords are the reserved words of C (C89 to C23) plus common compiler
// spellings; they are never identifiers for reference purposes.
var cKeywords = map[string]bool{
	"auto": true, "break": true, "case": true, "char": true, "const": true, "continue": true,
	"default": true, "do": true, "double": true, "else": true, "enum": true, "extern": true,
	"float": true, "for": true, "goto": true, "if": true, "inline": true, "int": true,
	"long": true, "register": true, "restrict": true, "return": true, "short": true,
	"signed": true, "sizeof": true, "static": true, "struct": true, "switch": true,
	"typedef": true, "union": true, "unsigned": true, "void": true, "volatile": true,
	"while": true, "_Bool": true, "_Complex": true, "_Imaginary": true, "_Alignas": true,
	"_Alignof": true, "_Atomic": true, "_Generic": true, "_Noreturn": true,
	"_Static_assert": true, "_Thread_local": true, "bool": true, "true": true, "false": true,
	"alignas": true, "alignof": true, "static_assert": true, "thread_local": true,
	"typeof": true, "typeof_unqual": true, "nullptr": true, "constexpr": true,
	"__attribute__": true, "__attribute": true, "__inline": true, "__inline__": true,
	"__restrict": true, "__restrict__": true, "__const": true, "__volatile__": true,
	"__typeof__": true, "__typeof": true, "__asm__": true, "__asm": true, "asm": true,
	"__extension__": true, "__signed__": true, "__thread": true, "__declspec": true,
	"__forceinline": true, "__int64": true, "__int128": true,
}

// IsKeyword reports whether s is a C keyword (or a common compiler spelling of one).
func IsKeyword(s string) bool { return cKeywords[s] }
