package cfront

import (
	"strconv"
	"strings"
)

// Defines is the build's macro definitions, as the config gives them. A nil
// Defines means "unknown build": every branch counts, and only conditions
// that fold without any macro (#if 0) decide deadness.
type Defines map[string]string

// condValue is a three-valued integer: known, or unknown.
type condValue struct {
	v     int64
	known bool
}

func known(v int64) condValue { return condValue{v: v, known: true} }

var unknownValue = condValue{}

// evalCond evaluates a #if expression given as tokens over src. With nil
// defines, macros are unknown; with defines, an undefined macro is 0 as the
// preprocessor says.
func evalCond(src []byte, toks []Token, defs Defines) condValue {
	p := condParser{src: src, toks: toks, defs: defs}
	v := p.ternary(0)
	if p.pos != len(p.toks) || p.bad {
		return unknownValue
	}
	return v
}

type condParser struct {
	src   []byte
	toks  []Token
	pos   int
	defs  Defines
	bad   bool
	depth int
}

func (p *condParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos].Text(p.src)
	}
	return ""
}

func (p *condParser) next() string {
	s := p.peek()
	if p.pos < len(p.toks) {
		p.pos++
	}
	return s
}

var binPrec = map[string]int{
	"||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6,
	"<": 7, ">": 7, "<=": 7, ">=": 7, "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
}

func (p *condParser) ternary(minPrec int) condValue {
	c := p.binary(minPrec)
	if p.peek() == "?" {
		p.next()
		a := p.ternary(0)
		if p.next() != ":" {
			p.bad = true
			return unknownValue
		}
		b := p.ternary(0)
		if !c.known {
			if a.known && b.known && a.v == b.v {
				return a
			}
			return unknownValue
		}
		if c.v != 0 {
			return a
		}
		return b
	}
	return c
}

func (p *condParser) binary(minPrec int) condValue {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > 200 {
		p.bad = true
		return unknownValue
	}
	lhs := p.unary()
	for {
		op := p.peek()
		prec, ok := binPrec[op]
		if !ok || prec <= minPrec {
			return lhs
		}
		p.next()
		rhs := p.binary(prec)
		lhs = applyBin(op, lhs, rhs)
	}
}

func applyBin(op string, a, b condValue) condValue {
	switch op {
	case "&&":
		if a.known && a.v == 0 || b.known && b.v == 0 {
			return known(0)
		}
		if a.known && b.known {
			return known(1)
		}
		return unknownValue
	case "||":
		if a.known && a.v != 0 || b.known && b.v != 0 {
			return known(1)
		}
		if a.known && b.known {
			return known(0)
		}
		return unknownValue
	}
	if !a.known || !b.known {
		return unknownValue
	}
	x, y := a.v, b.v
	b2i := func(c bool) condValue {
		if c {
			return known(1)
		}
		return known(0)
	}
	switch op {
	case "|":
		return known(x | y)
	case "^":
		return known(x ^ y)
	case "&":
		return known(x & y)
	case "==":
		return b2i(x == y)
	case "!=":
		return b2i(x != y)
	case "<":
		return b2i(x < y)
	case ">":
		return b2i(x > y)
	case "<=":
		return b2i(x <= y)
	case ">=":
		return b2i(x >= y)
	case "<<":
		if y < 0 || y > 63 {
			return unknownValue
		}
		return known(x << uint(y))
	case ">>":
		if y < 0 || y > 63 {
			return unknownValue
		}
		return known(x >> uint(y))
	case "+":
		return known(x + y)
	case "-":
		return known(x - y)
	case "*":
		return known(x * y)
	case "/", "%":
		if y == 0 {
			return unknownValue
		}
		if op == "/" {
			return known(x / y)
		}
		return known(x % y)
	}
	return unknownValue
}

func (p *condParser) unary() condValue {
	if p.pos >= len(p.toks) {
		p.bad = true
		return unknownValue
	}
	t := p.toks[p.pos]
	s := t.Text(p.src)
	switch s {
	case "!":
		p.next()
		v := p.unary()
		if !v.known {
			return v
		}
		if v.v == 0 {
			return known(1)
		}
		return known(0)
	case "~":
		p.next()
		v := p.unary()
		if v.known {
			v.v = ^v.v
		}
		return v
	case "-":
		p.next()
		v := p.unary()
		if v.known {
			v.v = -v.v
		}
		return v
	case "+":
		p.next()
		return p.unary()
	case "(":
		p.next()
		v := p.ternary(0)
		if p.next() != ")" {
			p.bad = true
		}
		return v
	case "defined":
		p.next()
		paren := p.peek() == "("
		if paren {
			p.next()
		}
		name := p.next()
		if paren && p.next() != ")" {
			p.bad = true
		}
		if p.defs == nil {
			return unknownValue
		}
		_, ok := p.defs[name]
		if ok {
			return known(1)
		}
		return known(0)
	}
	p.next()
	switch t.Kind {
	case TokNumber:
		v, ok := parseCInt(s)
		if !ok {
			return unknownValue
		}
		return known(v)
	case TokChar:
		if len(s) == 3 {
			return known(int64(s[1]))
		}
		return unknownValue
	case TokIdent:
		if p.peek() == "(" { // function-like macro or __has_include: unknown
			p.skipParens()
			return unknownValue
		}
		switch s {
		case "true":
			return known(1)
		case "false":
			return known(0)
		}
		if p.defs == nil {
			return unknownValue
		}
		val, ok := p.defs[s]
		if !ok {
			return known(0)
		}
		if strings.TrimSpace(val) == "" {
			return known(1)
		}
		if v, ok := parseCInt(strings.TrimSpace(val)); ok {
			return known(v)
		}
		return unknownValue
	}
	p.bad = true
	return unknownValue
}

func (p *condParser) skipParens() {
	d := 0
	for p.pos < len(p.toks) {
		s := p.next()
		if s == "(" {
			d++
		} else if s == ")" {
			d--
			if d == 0 {
				return
			}
		}
	}
}

// parseCInt parses a C integer literal with its suffixes.
func parseCInt(s string) (int64, bool) {
	s = strings.ReplaceAll(s, "'", "")
	s = strings.TrimRight(s, "uUlL")
	if s == "" {
		return 0, false
	}
	if len(s) > 1 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B') {
		v, err := strconv.ParseUint(s[2:], 2, 64)
		return int64(v), err == nil
	}
	v, err := strconv.ParseUint(s, 0, 64)
	if err != nil {
		return 0, false
	}
	return int64(v), true
}
