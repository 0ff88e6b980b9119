package cfront

import (
	"sort"
	"strings"
)

// normBase canonicalises the words of a base type: primitive spellings
// ("unsigned" = "unsigned int", "long int" = "long"), qualifiers sorted in
// front, and tag or typedef names kept.
func normBase(words []string) string {
	var quals []string
	prim := map[string]int{}
	var rest []string
	for _, w := range words {
		switch w {
		case "const", "__const":
			quals = append(quals, "const")
		case "volatile", "__volatile__":
			quals = append(quals, "volatile")
		case "restrict", "__restrict", "__restrict__":
			quals = append(quals, "restrict")
		case "_Atomic":
			quals = append(quals, "_Atomic")
		case "signed", "__signed__", "unsigned", "short", "long", "int", "char", "float", "double", "_Bool", "bool", "void", "_Complex", "__int128", "__int64":
			if w == "__signed__" {
				w = "signed"
			}
			prim[w]++
		default:
			rest = append(rest, w)
		}
	}
	sort.Strings(quals)
	quals = dedup(quals)
	var base string
	if len(prim) > 0 {
		base = primName(prim)
	}
	if len(rest) > 0 {
		if base != "" {
			base += " "
		}
		base += strings.Join(rest, " ")
	}
	if len(quals) > 0 {
		return strings.Join(quals, " ") + " " + base
	}
	return base
}

func dedup(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func primName(p map[string]int) string {
	unsigned := p["unsigned"] > 0
	signed := p["signed"] > 0
	switch {
	case p["void"] > 0:
		return "void"
	case p["_Bool"] > 0 || p["bool"] > 0:
		return "_Bool"
	case p["float"] > 0:
		return complexOf(p, "float")
	case p["double"] > 0:
		if p["long"] > 0 {
			return complexOf(p, "long double")
		}
		return complexOf(p, "double")
	case p["char"] > 0:
		switch {
		case unsigned:
			return "unsigned char"
		case signed:
			return "signed char"
		}
		return "char"
	case p["__int128"] > 0:
		if unsigned {
			return "unsigned __int128"
		}
		return "__int128"
	case p["short"] > 0:
		if unsigned {
			return "unsigned short"
		}
		return "short"
	case p["long"] >= 2 || p["__int64"] > 0:
		if unsigned {
			return "unsigned long long"
		}
		return "long long"
	case p["long"] == 1:
		if unsigned {
			return "unsigned long"
		}
		return "long"
	}
	if unsigned {
		return "unsigned int"
	}
	return "int"
}

func complexOf(p map[string]int, t string) string {
	if p["_Complex"] > 0 {
		return "_Complex " + t
	}
	return t
}

// FixedWidth maps the exact-width integer types of <stdint.h> to the
// primitive types that have their size on every common ABI.
var FixedWidth = map[string]string{
	"uint8_t": "unsigned char", "int8_t": "signed char",
	"uint16_t": "unsigned short", "int16_t": "short",
	"uint32_t": "unsigned int", "int32_t": "int",
	"uint64_t": "unsigned long long", "int64_t": "long long",
	"u_int8_t": "unsigned char", "u_int16_t": "unsigned short", "u_int32_t": "unsigned int", "u_int64_t": "unsigned long long",
	"u_char": "unsigned char", "u_short": "unsigned short", "u_int": "unsigned int", "u_long": "unsigned long",
	"bool": "_Bool",
}

// CType is a normalised C type: declarator operators from the declared name
// outward ("*", "*const", "[N]", "func(params) "), then the base type's
// qualifiers and name.
type CType struct {
	Ops   []string
	Quals []string
	Base  string
}

// String renders the type as the frontend spells normalised types.
func (t CType) String() string {
	var parts []string
	parts = append(parts, t.Ops...)
	parts = append(parts, t.Quals...)
	if t.Base != "" {
		parts = append(parts, t.Base)
	}
	return strings.Join(parts, " ")
}

// ParseType splits a normalised type string back into its parts.
func ParseType(s string) CType {
	var t CType
	words := splitTypeWords(s)
	i := 0
	for i < len(words) && isOpWord(words[i]) {
		t.Ops = append(t.Ops, words[i])
		i++
	}
	for i < len(words) {
		switch words[i] {
		case "const", "volatile", "restrict", "_Atomic":
			t.Quals = append(t.Quals, words[i])
			i++
			continue
		}
		break
	}
	t.Base = strings.Join(words[i:], " ")
	return t
}

func isOpWord(w string) bool {
	return strings.HasPrefix(w, "*") || strings.HasPrefix(w, "[") || strings.HasPrefix(w, "func(")
}

// splitTypeWords splits on spaces outside parentheses and brackets.
func splitTypeWords(s string) []string {
	var out []string
	d := 0
	start := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '(', '[', '{':
			d++
		case ')', ']', '}':
			d--
		}
		if c == ' ' && d == 0 {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// ResolveType rewrites the typedef names of a normalised type with lookup
// (which returns the normalised type a typedef name stands for), and the
// exact-width integer names of <stdint.h>, so that two spellings of one type
// compare equal: "lu_byte" with "typedef unsigned char lu_byte" is
// "unsigned char". Names lookup does not know stay as they are.
func ResolveType(s string, lookup func(string) (string, bool)) string {
	return resolveType(s, lookup, 0)
}

func resolveType(s string, lookup func(string) (string, bool), depth int) string {
	if depth > 16 {
		return s
	}
	t := ParseType(s)
	for i, op := range t.Ops {
		if strings.HasPrefix(op, "func(") {
			t.Ops[i] = resolveFuncOp(op, lookup, depth)
		}
	}
	name := t.Base
	if name == "" || strings.ContainsAny(name, " {(") || IsKeyword(name) && name != "bool" {
		return t.String()
	}
	r, ok := lookup(name)
	if !ok || r == name {
		r, ok = FixedWidth[name]
	}
	if !ok {
		return t.String()
	}
	rt := ParseType(resolveType(r, lookup, depth+1))
	out := CType{Ops: append(append([]string{}, t.Ops...), rt.Ops...), Base: rt.Base}
	if len(rt.Ops) > 0 && len(t.Quals) > 0 {
		// const applied to a pointer typedef qualifies the pointer.
		k := len(t.Ops)
		out.Ops[k] = "*" + strings.Join(t.Quals, "")
		out.Quals = rt.Quals
	} else {
		q := append(append([]string{}, t.Quals...), rt.Quals...)
		sort.Strings(q)
		out.Quals = dedup(q)
	}
	return out.String()
}

func resolveFuncOp(op string, lookup func(string) (string, bool), depth int) string {
	inner := strings.TrimSuffix(strings.TrimPrefix(op, "func("), ")")
	if inner == "" {
		return op
	}
	params := splitTopLevel(inner, ',')
	for i, p := range params {
		params[i] = resolveType(strings.TrimSpace(p), lookup, depth+1)
	}
	return "func(" + strings.Join(params, ", ") + ")"
}

// splitTopLevel splits s on sep outside parentheses and brackets.
func splitTopLevel(s string, sep byte) []string {
	var out []string
	d, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '[', '{':
			d++
		case ')', ']', '}':
			d--
		case sep:
			if d == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}
