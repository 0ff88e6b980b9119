package cfront

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"
)

// bodyHash hashes a function body's tokens with its parameters and locals
// renamed by order of first appearance (parameters by position), so that a
// consistent renaming does not change the hash. Member names after '.' and
// '->' are never renamed.
func bodyHash(b []byte, toks []Token, locals map[string]bool, params []string) uint64 {
	h := xxhash.New()
	canon := map[string]string{}
	for i, p := range params {
		canon[p] = "$" + strconv.Itoa(i)
	}
	next := len(params)
	for i, t := range toks {
		w := t.Bytes(b)
		if t.Kind == TokIdent && locals[string(w)] {
			member := false
			if i > 0 {
				p := toks[i-1].Text(b)
				member = p == "." || p == "->"
			}
			if !member {
				c, ok := canon[string(w)]
				if !ok {
					c = "$" + strconv.Itoa(next)
					next++
					canon[string(w)] = c
				}
				w = []byte(c)
			}
		}
		_, _ = h.Write(w)
		_, _ = h.Write([]byte{0})
	}
	return h.Sum64()
}

// neverReturns finds an unconditional loop (for(;;), while(1), do … while(1))
// with no return, goto, or break that leaves it, and returns the line of its
// head relative to the body (1-based), or 0.
func neverReturns(b []byte, toks []Token) int {
	txt := func(i int) string {
		if i < 0 || i >= len(toks) {
			return ""
		}
		return toks[i].Text(b)
	}
	doTails := map[int]bool{}
	for i := 0; i < len(toks); i++ {
		if toks[i].Kind != TokIdent {
			continue
		}
		switch txt(i) {
		case "for":
			if txt(i+1) != "(" {
				continue
			}
			closeP := matchParen(b, toks, i+1)
			if closeP < 0 {
				continue
			}
			// The condition is between the first and second ';' at depth 1.
			semis := []int{}
			d := 0
			for k := i + 1; k <= closeP; k++ {
				switch txt(k) {
				case "(":
					d++
				case ")":
					d--
				case ";":
					if d == 1 {
						semis = append(semis, k)
					}
				}
			}
			if len(semis) != 2 || semis[1] != semis[0]+1 && !constTrue(b, toks[semis[0]+1:semis[1]]) {
				continue
			}
			s, e := stmtRange(b, toks, closeP+1)
			if !exits(b, toks, s, e) {
				return int(toks[i].Line)
			}
		case "while":
			if doTails[i] || txt(i+1) != "(" {
				continue
			}
			closeP := matchParen(b, toks, i+1)
			if closeP < 0 || !constTrue(b, toks[i+2:closeP]) {
				continue
			}
			s, e := stmtRange(b, toks, closeP+1)
			if !exits(b, toks, s, e) {
				return int(toks[i].Line)
			}
		case "do":
			s, e := stmtRange(b, toks, i+1)
			if e < 0 || txt(e) != "while" {
				continue
			}
			doTails[e] = true
			closeP := matchParen(b, toks, e+1)
			if closeP < 0 || !constTrue(b, toks[e+2:closeP]) {
				continue
			}
			if !exits(b, toks, s, e) {
				return int(toks[i].Line)
			}
		}
	}
	return 0
}

func constTrue(b []byte, toks []Token) bool {
	if len(toks) == 0 {
		return false
	}
	v := evalCond(b, toks, nil)
	return v.known && v.v != 0
}

// matchParen returns the index of the ')' matching the '(' at i, or -1.
func matchParen(b []byte, toks []Token, i int) int { return matchClose(b, toks, i, "(", ")") }

// matchClose returns the index of the close token matching the open token
// at i, or -1.
func matchClose(b []byte, toks []Token, i int, open, close string) int {
	d := 0
	for k := i; k < len(toks); k++ {
		switch toks[k].Text(b) {
		case open:
			d++
		case close:
			d--
			if d == 0 {
				return k
			}
		}
	}
	return -1
}

// stmtRange returns the token range [s, e) of the statement starting at i:
// a braced block, or a simple statement through its ';'. e is the index just
// past it; e is -1 when the statement does not end.
func stmtRange(b []byte, toks []Token, i int) (int, int) {
	if i >= len(toks) {
		return i, -1
	}
	switch toks[i].Text(b) {
	case "{":
		d := 0
		for k := i; k < len(toks); k++ {
			switch toks[k].Text(b) {
			case "{":
				d++
			case "}":
				d--
				if d == 0 {
					return i, k + 1
				}
			}
		}
		return i, -1
	case "if", "for", "while", "switch":
		if i+1 < len(toks) && toks[i+1].Text(b) == "(" {
			c := matchParen(b, toks, i+1)
			if c < 0 {
				return i, -1
			}
			_, e := stmtRange(b, toks, c+1)
			if e > 0 && toks[i].Text(b) == "if" && e < len(toks) && toks[e].Text(b) == "else" {
				_, e = stmtRange(b, toks, e+1)
			}
			return i, e
		}
	case "do":
		_, e := stmtRange(b, toks, i+1)
		if e < 0 || e >= len(toks) || toks[e].Text(b) != "while" {
			return i, -1
		}
		c := matchParen(b, toks, e+1)
		if c < 0 {
			return i, -1
		}
		return i, c + 2
	}
	d := 0
	for k := i; k < len(toks); k++ {
		switch toks[k].Text(b) {
		case "(", "{", "[":
			d++
		case ")", "}", "]":
			d--
		case ";":
			if d == 0 {
				return i, k + 1
			}
		}
	}
	return i, -1
}

// exits reports whether the loop body toks[s:e] can leave the loop: a
// return or goto anywhere, or a break not inside a nested loop or switch.
func exits(b []byte, toks []Token, s, e int) bool {
	if e < 0 {
		return true // could not delimit the body: assume it exits
	}
	for k := s; k < e; k++ {
		if toks[k].Kind != TokIdent {
			continue
		}
		switch toks[k].Text(b) {
		case "return", "goto":
			return true
		case "longjmp", "siglongjmp", "_longjmp", "__builtin_longjmp":
			return true
		}
	}
	for k := s; k < e; k++ {
		if toks[k].Kind != TokIdent {
			continue
		}
		switch toks[k].Text(b) {
		case "break":
			return true
		case "for", "while", "switch":
			if k+1 < e && toks[k+1].Text(b) == "(" {
				c := matchParen(b, toks, k+1)
				if c < 0 {
					return true
				}
				_, ne := stmtRange(b, toks, c+1)
				if ne < 0 {
					return true
				}
				k = ne - 1
			}
		case "do":
			_, ne := stmtRange(b, toks, k)
			if ne < 0 {
				return true
			}
			k = ne - 1
		}
	}
	return false
}

// Digest is a canonical text of everything the classifiers compare about an
// entity, except its position: two entities with equal digests are the same
// declaration however they are spelled.
func (e *Entity) Digest() string { return entityDigest(e) }

func entityDigest(e *Entity) string {
	var b strings.Builder
	perr := e.ParseErr
	if _, what, ok := errLine(perr); ok {
		perr = what // where the error is, is position
	}
	fmt.Fprintf(&b, "%s|%s|cond=%s|err=%s|", e.Kind, e.Name, e.Cond, perr)
	if e.ParseErr != "" {
		// What did not parse is compared by its tokens: two different
		// texts with the same error are not the same declaration.
		fmt.Fprintf(&b, "chunk=%x|", e.ChunkHash)
	}
	switch e.Kind {
	case KFunc, KProto:
		fmt.Fprintf(&b, "st=%s|in=%v|attrs=%s|sig=%s|body=%x|", e.Storage, e.Inline, strings.Join(e.Attrs, ","), e.Sig, e.BodyHash)
		for _, s := range e.Statics {
			b.WriteString(entityDigest(s))
		}
	case KGlobal, KStaticLocal:
		fmt.Fprintf(&b, "st=%s|attrs=%s|type=%s|const=%v|ext=%v|init=%v:%x", e.Storage, strings.Join(e.Attrs, ","), e.Type, e.Const, e.Extern, e.HasInit, e.InitHash)
	case KStruct, KUnion:
		fmt.Fprintf(&b, "attrs=%s|fields=%s", strings.Join(e.Attrs, ","), fieldsString(e.Fields))
		for _, f := range e.Fields {
			b.WriteString("," + f.Name)
		}
	case KEnum:
		fmt.Fprintf(&b, "attrs=%s|members=%s", strings.Join(e.Attrs, ","), membersString(e.Members))
		for _, m := range e.Members {
			b.WriteString("," + m.Cond)
		}
	case KTypedef:
		fmt.Fprintf(&b, "attrs=%s|type=%s", strings.Join(e.Attrs, ","), e.Type)
	case KMacro:
		fmt.Fprintf(&b, "fl=%v|n=%d|body=%s", e.FuncLike, len(e.Params), e.Body)
	case KMacroCall:
		fmt.Fprintf(&b, "init=%x", e.InitHash)
	default:
		b.WriteString(e.Text)
	}
	return b.String()
}
