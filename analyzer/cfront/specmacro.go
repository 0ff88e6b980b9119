package cfront

// stripSpecMacros finds the attribute macros of a declaration chunk and
// returns a copy of b with them blanked (offsets and lines kept) and the
// normalised attribute names of the top-level declaration's macros.
//
// Attribute macros are identifiers that stand among the declaration
// specifiers besides the real type (LUA_API int, UNITTEST CURLcode,
// int __init) — C allows at most one type name there, so every other
// identifier is a macro —, macro calls followed by more specifiers
// (JEMALLOC_ATTR(malloc) void *), and macros after a declarator
// (int (*fp)(int) MODULE_ATTR;). Struct and union members are cleaned the
// same way; their macros are not recorded.
func stripSpecMacros(b []byte) ([]byte, []string) {
	s := &specStripper{b: b, toks: Lex(b)}
	s.topLevel()
	if s.out == nil {
		return b, nil
	}
	return s.out, s.attrs
}

type specStripper struct {
	b     []byte
	toks  []Token
	out   []byte
	attrs []string
}

func (s *specStripper) txt(i int) string {
	if i < 0 || i >= len(s.toks) || s.toks[i].Kind == TokEOL {
		return ""
	}
	return s.toks[i].Text(s.b)
}

func (s *specStripper) blank(from, to int, record bool, attr string) {
	if s.out == nil {
		s.out = append([]byte(nil), s.b...)
	}
	for x := int(s.toks[from].Off); x < int(s.toks[to].End); x++ {
		if s.out[x] != '\n' {
			s.out[x] = ' '
		}
	}
	if record {
		s.attrs = append(s.attrs, attr)
	}
}

func (s *specStripper) skipDirective(i int) int {
	for i < len(s.toks) && s.toks[i].Kind != TokEOL {
		i++
	}
	return i + 1
}

// topLevel cleans each top-level declaration of the chunk.
func (s *specStripper) topLevel() {
	i := 0
	first := true
	for i < len(s.toks) {
		if s.toks[i].Kind == TokHash {
			i = s.skipDirective(i)
			continue
		}
		i = s.specifiers(i, first)
		first = false
		declStart := i
		chainEnd := -1 // the last token of the previous trailing macro
		// The declarators, up to ';' or through a function body.
		d := 0
		for i < len(s.toks) {
			t := s.txt(i)
			if s.toks[i].Kind == TokHash {
				i = s.skipDirective(i)
				continue
			}
			switch t {
			case "(", "[":
				d++
			case ")", "]":
				d--
			case "{":
				if d == 0 {
					i = skipBraces(s.b, s.toks, i)
					if i < len(s.toks) && s.txt(i) != ";" && s.txt(i) != "," {
						goto next // a function body ends the declaration
					}
					continue
				}
			case ";":
				if d == 0 {
					i++
					goto next
				}
			}
			if d > 0 && (t == "__attribute__" || t == "__attribute") {
				// an attribute after a parameter's declarator
				j := skipParenGroup(s.b, s.toks, i+1) - 1
				if n := s.txt(j + 1); n == "," || n == ")" {
					s.blank(i, j, false, "")
					i = j + 1
					continue
				}
			}
			if d == 0 && (t == "__attribute__" || t == "__attribute") && s.txt(i-1) == "," {
				// an attribute before a later declarator, which tree-sitter
				// does not accept
				j := skipParenGroup(s.b, s.toks, i+1) - 1
				s.blank(i, j, true, compact(normText(s.b[s.toks[i].Off:s.toks[j].End])))
				i = j + 1
				continue
			}
			if d == 0 && i > declStart && s.toks[i].Kind == TokIdent && !cKeywords[t] && (s.txt(i-1) == ")" || s.txt(i-1) == "]" || chainEnd == i-1) {
				if j, ok := s.trailingMacro(i); ok {
					s.blank(i, j, true, "macro:"+compact(normText(s.b[s.toks[i].Off:s.toks[j].End])))
					chainEnd = j
					i = j + 1
					continue
				}
			}
			i++
		}
	next:
	}
}

// trailingMacro reports whether the identifier at i, after a declarator's
// ')' or ']', is an attribute macro (optionally with arguments), and returns
// the index of its last token.
func (s *specStripper) trailingMacro(i int) (int, bool) {
	j := i
	if s.txt(i+1) == "(" {
		j = matchParen(s.b, s.toks, i+1)
		if j < 0 {
			return 0, false
		}
	}
	switch s.txt(j + 1) {
	case ";", ",", "=", "{", "__attribute__", "__attribute", "":
		return j, true
	}
	if j+1 < len(s.toks) && s.toks[j+1].Kind == TokIdent && isMacroLike(s.txt(j+1)) {
		return j, true
	}
	return 0, false
}

// specifiers cleans the declaration specifiers starting at i and returns
// the index where the declarator begins.
func (s *specStripper) specifiers(i int, record bool) int {
	type item struct{ from, to int }
	var idents, calls []item
	hasType := false
loop:
	for i < len(s.toks) {
		t := s.toks[i]
		if t.Kind == TokHash {
			i = s.skipDirective(i)
			continue
		}
		w := s.txt(i)
		switch {
		case w == "struct" || w == "union" || w == "enum":
			hasType = true
			i++
			for s.txt(i) == "__attribute__" || s.txt(i) == "__attribute" || s.txt(i) == "__declspec" || s.txt(i) == "alignas" || s.txt(i) == "_Alignas" {
				i = skipParenGroup(s.b, s.toks, i+1)
			}
			if i < len(s.toks) && s.toks[i].Kind == TokIdent && !cKeywords[s.txt(i)] {
				i++
			}
			for s.txt(i) == "__attribute__" || s.txt(i) == "__attribute" {
				i = skipParenGroup(s.b, s.toks, i+1)
			}
			if s.txt(i) == "{" {
				if w == "enum" {
					i = skipBraces(s.b, s.toks, i)
				} else {
					i = s.members(i)
				}
			}
			continue
		case isPrimitiveWord(w):
			hasType = true
			i++
			continue
		case isStorageOrQual(w) || w == "restrict" || w == "_Atomic" || w == "__restrict" || w == "typedef" || w == "auto" || w == "__signed__":
			i++
			continue
		case w == "__attribute__" || w == "__attribute" || w == "__declspec" || w == "alignas" || w == "_Alignas" || w == "typeof" || w == "__typeof__":
			if w == "typeof" || w == "__typeof__" {
				hasType = true
			}
			i = skipParenGroup(s.b, s.toks, i+1)
			continue
		case w == "[" && s.txt(i+1) == "[":
			for i < len(s.toks) && !(s.txt(i) == "]" && s.txt(i+1) == "]") {
				i++
			}
			i += 2
			continue
		case t.Kind == TokIdent && !cKeywords[w]:
			next := s.txt(i + 1)
			switch next {
			case "(":
				if k := s.txt(i + 2); k == "*" || k == "(" || k == "^" {
					// type (*name)(…): the identifier is the type
					idents = append(idents, item{i, i})
					i++
					break loop
				}
				j := matchParen(s.b, s.toks, i+1)
				if j < 0 {
					break loop
				}
				after := s.txt(j + 1)
				if isMacroLike(w) && j+1 < len(s.toks) && s.toks[j+1].Kind == TokIdent && after != "__attribute__" && after != "asm" && after != "__asm__" && after != "__asm" {
					calls = append(calls, item{i, j})
					i = j + 1
					continue
				}
				break loop // the declarator: a function's name
			case ";", ",", "=", "[", ":", ")", "":
				break loop // the declarator's name
			}
			idents = append(idents, item{i, i})
			i++
			if next == "*" {
				break loop
			}
			continue
		}
		break
	}
	if len(idents) == 0 && len(calls) == 0 {
		return i
	}
	if !hasType && len(idents) == 0 {
		// A macro that expands to the type (TAILQ_HEAD(, x) list): it
		// becomes one identifier of the same length, spelled from its text.
		last := calls[len(calls)-1]
		calls = calls[:len(calls)-1]
		s.identifierize(last.from, last.to)
	}
	typeIdx := -1
	if !hasType {
		for k := len(idents) - 1; k >= 0; k-- {
			if !isAttrMacroLike(s.txt(idents[k].from)) {
				typeIdx = k
				break
			}
		}
		if typeIdx < 0 {
			typeIdx = len(idents) - 1
		}
	}
	for k, it := range idents {
		if k == typeIdx {
			continue
		}
		name := s.txt(it.from)
		attr := "macro:" + name
		if a, ok := knownAttrMacros[name]; ok {
			attr = a
		}
		s.blank(it.from, it.to, record, attr)
	}
	for _, it := range calls {
		s.blank(it.from, it.to, record, "macro:"+compact(normText(s.b[s.toks[it.from].Off:s.toks[it.to].End])))
	}
	return i
}

// identifierize rewrites toks[from..to] (a macro call NAME(...)) into
// one identifier spelled from its tokens, whatever their spacing: each
// token with its non-identifier bytes as '_', the closing ')' left out, so
// that the identifier is shorter than the text and is followed by a
// space. A group that spans lines is left alone.
func (s *specStripper) identifierize(from, to int) {
	lo, hi := int(s.toks[from].Off), int(s.toks[to].End)
	for x := lo; x < hi; x++ {
		if s.b[x] == '\n' {
			return
		}
	}
	if s.out == nil {
		s.out = append([]byte(nil), s.b...)
	}
	w := lo
	for k := from; k < to; k++ {
		for x := s.toks[k].Off; x < s.toks[k].End; x++ {
			c := s.b[x]
			if !isIdentChar(c) {
				c = '_'
			}
			s.out[w] = c
			w++
		}
	}
	for ; w < hi; w++ {
		s.out[w] = ' '
	}
}

// members cleans the member declarations of the struct or union body that
// opens at i and returns the index after its '}'.
func (s *specStripper) members(i int) int {
	i++ // '{'
	for i < len(s.toks) {
		if s.toks[i].Kind == TokHash {
			i = s.skipDirective(i)
			continue
		}
		if s.txt(i) == "}" {
			return i + 1
		}
		if s.txt(i) == ";" {
			i++
			continue
		}
		i = s.specifiers(i, false)
		d := 0
		for i < len(s.toks) {
			if s.toks[i].Kind == TokHash {
				i = s.skipDirective(i)
				continue
			}
			t := s.txt(i)
			if t == "(" || t == "[" || t == "{" {
				d++
			} else if t == ")" || t == "]" || t == "}" {
				if d == 0 {
					break // the body's '}'
				}
				d--
			} else if t == ";" && d == 0 {
				i++
				break
			}
			i++
		}
	}
	return i
}

func compact(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' {
			out = append(out, s[i])
		}
	}
	return string(out)
}

func skipParenGroup(b []byte, toks []Token, i int) int {
	if i >= len(toks) || toks[i].Text(b) != "(" {
		return i
	}
	j := matchParen(b, toks, i)
	if j < 0 {
		return len(toks)
	}
	return j + 1
}

func skipBraces(b []byte, toks []Token, i int) int {
	if j := matchClose(b, toks, i, "{", "}"); j >= 0 {
		return j + 1
	}
	return len(toks)
}
