package gofront

import (
	"go/format"
	"go/parser"
	"go/scanner"
	"go/token"
	"sort"
	"strings"
	"testing"
)

// fuzzNames are the file names a fuzzed file is parsed under: their
// suffixes are build constraints.
var fuzzNames = []string{"a.go", "a_linux.go", "a_linux_amd64.go", "a_test.go"}

// FuzzParse checks the Go frontend on any bytes: Parse never panics (its
// recover would hide a crash as a parse error, so a file that go/parser
// reads without error must have no ParseErr but for an invalid //go:build
// line or too deep a nesting, and one it rejects must have one); every entity of a file that parses has a name and lines, a method is named after its
// receiver; cost estimates are ordered (0 ≤ MinNodes ≤ Nodes, Min ≤ Max);
// parsing is deterministic and a file diffed against itself is unchanged;
// and gofmt changes no entity of a file that parses when it changes only
// its layout.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"package p\n\nfunc F(x int) int { return x + 1 }\n",
		"//go:build linux && !cgo\n\npackage p\n\nimport \"C\"\n\ntype T struct{ a, b int }\n\nfunc (t *T) M() {}\n",
		"package p\n\nconst (\n\tA = iota\n\tB\n)\n\nvar V, W = f()\n\nfunc init() {}\nfunc init() {}\n",
		"package p\n\ntype G[K comparable, V any] map[K]V\n\nfunc (G[K, V]) Len() int { return 0 }\n\ntype I interface{ M(); ~int | string }\n",
		"package p\n\n//go:noinline\nfunc loop() { for { select {} } }\n\n//go:linkname x runtime.x\nvar x int\n",
		"package p\n\nimport _ \"embed\"\n\n//go:embed a.txt\nvar s string\n\nfunc f() { defer func() { recover() }(); go g(); panic(1) }\n",
		"package p\n\nfunc f( {\n",
		"package p\n\nfunc (a, b T) M() {}\n",
		"// +build linux\n\npackage p\n",
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint8(i))
	}
	f.Fuzz(func(t *testing.T, src []byte, pick uint8) {
		if len(src) > 8<<10 {
			return
		}
		name := fuzzNames[int(pick)%len(fuzzNames)]
		file := Parse(src, name)
		_, perr := parser.ParseFile(token.NewFileSet(), "x.go", src, parser.ParseComments|parser.SkipObjectResolution)
		if strings.HasPrefix(file.ParseErr, "could not read the declarations") {
			t.Fatalf("Parse panicked: %s", file.ParseErr)
		}
		if perr != nil && file.ParseErr == "" || perr == nil && file.ParseErr != "" && !refused(file.ParseErr) {
			t.Fatalf("go/parser says %v, Parse says %q", perr, file.ParseErr)
		}
		if file.ParseErr == "" {
			// The entities of a file that does not parse are never
			// compared (the analyzer leaves the file out on both sides).
			for _, e := range file.Entities {
				checkGoEntity(t, e)
			}
			est := EstimateCosts([]*File{file}, nil)
			for _, e := range file.Entities {
				if e.Kind != KFunc && e.Kind != KMethod {
					continue
				}
				r, ok := est[e.Name]
				if !ok {
					t.Fatalf("no estimate for %s", e.Name)
				}
				if r.Min < 0 || r.Min > r.Max {
					t.Fatalf("estimate of %s: %+v", e.Name, r)
				}
				switch r.Inlinable() {
				case "yes", "no", "maybe":
				default:
					t.Fatalf("Inlinable of %s = %q", e.Name, r.Inlinable())
				}
			}
		}
		again := Parse(src, name)
		if a, b := goDigests(file), goDigests(again); a != b {
			t.Fatalf("Parse is not deterministic:\n%s\n%s", a, b)
		}
		for _, c := range DiffFiles(map[string]*File{name: file}, map[string]*File{name: again}) {
			if !c.Same() {
				t.Fatalf("a file diffed against itself changed: %s", c.Entity().Label())
			}
		}
		if file.ParseErr != "" || strings.Contains(string(src), "+build") {
			return // gofmt rewrites +build lines into //go:build ones
		}
		formatted, err := format.Source(src)
		if err != nil || goTokens(src) != goTokens(formatted) {
			return // gofmt changed more than layout (it adds parentheses where Go's syntax needs them)
		}
		ff := Parse(formatted, name)
		if ff.ParseErr != "" {
			t.Fatalf("gofmt's output does not parse: %s\n%q", ff.ParseErr, formatted)
		}
		if a, b := goDigests(file), goDigests(ff); a != b {
			t.Fatalf("gofmt changed the entities:\n%q\n%s\n%q\n%s", src, a, formatted, b)
		}
	})
}

// refused reports whether a parse error is one Parse adds to go/parser's:
// a file the go command refuses (an invalid //go:build line), or one
// nested deeper than the frontend reads.
func refused(err string) bool {
	return strings.HasPrefix(err, "invalid //go:build line") || strings.Contains(err, "nested more than")
}

func checkGoEntity(t *testing.T, e *Entity) {
	t.Helper()
	if e.Name == "" {
		t.Fatalf("%s entity without a name at line %d", e.Kind, e.Line)
	}
	if e.Line < 1 || e.EndLine < e.Line {
		t.Fatalf("%s: lines %d-%d", e.Label(), e.Line, e.EndLine)
	}
	if e.Kind == KMethod && (e.Recv == "" || !strings.HasPrefix(e.Name, e.Recv+".")) {
		t.Fatalf("method %q with receiver %q", e.Name, e.Recv)
	}
	if e.Cost.MinNodes < 0 || e.Cost.MinNodes > e.Cost.Nodes {
		t.Fatalf("%s: cost %d..%d nodes", e.Label(), e.Cost.MinNodes, e.Cost.Nodes)
	}
}

// goDigests lists a file's entities by key and digest, in key order.
func goDigests(f *File) string {
	var l []string
	for _, e := range f.Entities {
		l = append(l, e.Key()+" = "+e.Digest())
	}
	sort.Strings(l)
	return f.ParseErr + "\n" + strings.Join(l, "\n")
}

// goTokens spells src's tokens without what gofmt may change in layout:
// comments, semicolons, and the separator before a closing bracket.
func goTokens(src []byte) string {
	var s scanner.Scanner
	fset := token.NewFileSet()
	s.Init(fset.AddFile("", -1, len(src)), src, nil, 0)
	var toks []string
	for {
		_, tok, lit := s.Scan()
		switch tok {
		case token.EOF:
			return strings.Join(toks, " ")
		case token.SEMICOLON, token.COMMENT:
			continue
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if n := len(toks); n > 0 && toks[n-1] == "," {
				toks = toks[:n-1]
			}
		}
		if lit == "" {
			lit = tok.String()
		}
		toks = append(toks, lit)
	}
}
