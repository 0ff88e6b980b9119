package gofront

import (
	"strings"
	"testing"
)

func entity(t *testing.T, f *File, name string) *Entity {
	t.Helper()
	for _, e := range f.Entities {
		if e.Name == name {
			return e
		}
	}
	t.Fatalf("no entity %s in %+v", name, f.Entities)
	return nil
}

func TestParseEntities(t *testing.T) {
	src := `//go:build linux && !cgo

package p

import (
	"io"
	str "strings"
)

const (
	A = iota * 2
	B
	C = "x" + "y"
)

var V, W = split()

type T struct {
	io.Reader
	Name string ` + "`json:\"name\"`" + `
	n    int
}

type G[K comparable, V any] map[K]V

func (t *T) M(x int) (int, error) { return x, nil }

func (G[K, V]) Len() int { return 0 }

func init() {}
func init() { _ = str.ToUpper("") }

func split() (int, int) { return 1, 2 }
`
	f := Parse([]byte(src), "p_amd64.go")
	if f.ParseErr != "" {
		t.Fatal(f.ParseErr)
	}
	if !strings.Contains(f.Build, "linux") || !strings.Contains(f.Build, "amd64") {
		t.Errorf("build constraint %q must hold the //go:build line and the _amd64 file suffix", f.Build)
	}
	if b := entity(t, f, "B"); b.Value != "2" {
		t.Errorf("B folds to %q, want 2 (iota continues the expression)", b.Value)
	}
	if c := entity(t, f, "C"); c.Value != `"xy"` {
		t.Errorf("C folds to %q", c.Value)
	}
	m := entity(t, f, "T.M")
	if m.Kind != KMethod || m.Recv != "T" || !m.PtrRecv || m.Sig == "" {
		t.Errorf("method T.M: %+v", m)
	}
	if !strings.Contains(m.Key(), "[") {
		t.Errorf("key %q must carry the build constraint", m.Key())
	}
	typ := entity(t, f, "T")
	if len(typ.Fields) != 3 || !typ.Fields[0].Embedded || typ.Fields[0].Type != "io.Reader" || typ.Fields[1].Tag == "" {
		t.Errorf("struct fields: %+v", typ.Fields)
	}
	if g := entity(t, f, "G"); g.TypeParams == "" {
		t.Errorf("G has type parameters: %+v", g)
	}
	if l := entity(t, f, "G.Len"); !l.RecvParams {
		t.Errorf("G.Len's receiver has type parameters: %+v", l)
	}
	inits := 0
	for _, e := range f.Entities {
		if e.Kind == KInit {
			inits++
		}
	}
	if inits != 2 {
		t.Errorf("%d init functions, want 2", inits)
	}
	v, w := entity(t, f, "V"), entity(t, f, "W")
	if v.Init == w.Init {
		t.Error("V and W take different results of one call: their initializers must differ")
	}
}

// TestBodyHashModuloFormatting: gofmt's reformatting and consistent
// renaming leave the body hash alone; a real change does not.
func TestBodyHashModuloFormatting(t *testing.T) {
	a := "package p\n\nfunc f(xs []int) int {\n\ts := 0\n\tfor _, x := range xs { s += x }\n\treturn g(s,\n\t\t1,\n\t)\n}\n"
	b := "package p\n\nfunc f(values []int) int {\n\ttotal := 0\n\tfor _, v := range values {\n\t\ttotal += v\n\t}\n\treturn g(total, 1)\n}\n"
	c := "package p\n\nfunc f(values []int) int {\n\ttotal := 1\n\tfor _, v := range values {\n\t\ttotal += v\n\t}\n\treturn g(total, 1)\n}\n"
	ha := entity(t, Parse([]byte(a), "p.go"), "f").BodyHash
	hb := entity(t, Parse([]byte(b), "p.go"), "f").BodyHash
	hc := entity(t, Parse([]byte(c), "p.go"), "f").BodyHash
	if ha != hb {
		t.Error("reformatting and consistent renaming changed the body hash")
	}
	if hb == hc {
		t.Error("a changed constant left the body hash unchanged")
	}
}

func TestLiteralVarTypes(t *testing.T) {
	f := Parse([]byte("package p\n\nvar (\n\ta = 8\n\tb = 1 << 20\n\tc = 2.5 * 2\n\td = \"s\"\n\te = 'r'\n\tf = &T{}\n\tg = h()\n)\n\ntype T struct{}\n\nfunc h() int { return 0 }\n"), "p.go")
	for name, want := range map[string]string{"a": "int", "b": "int", "c": "float64", "d": "string", "e": "rune", "f": "*T", "g": ""} {
		if got := entity(t, f, name).Type; got != want {
			t.Errorf("var %s: type %q, want %q", name, got, want)
		}
	}
}

func TestNeverReturns(t *testing.T) {
	src := `package p

func loop(ch chan int) {
	for {
		v := <-ch
		go func() { return }()
		_ = v
	}
}

func exits(ch chan int) {
	for {
		if <-ch == 0 {
			return
		}
	}
}

func breaks(ch chan int) {
	for {
		select {
		case <-ch:
			break
		}
	}
}

func labelled(ch chan int) {
outer:
	for {
		select {
		case <-ch:
			break outer
		}
	}
}
`
	f := Parse([]byte(src), "p.go")
	for name, want := range map[string]bool{"loop": true, "exits": false, "breaks": true, "labelled": false} {
		if got := entity(t, f, name).NeverReturns > 0; got != want {
			t.Errorf("%s: never returns = %v, want %v", name, got, want)
		}
	}
}

func TestEmbedPatterns(t *testing.T) {
	f := Parse([]byte("package p\n\nimport \"embed\"\n\n//go:embed static/*.html all:assets\nvar files embed.FS\n"), "p.go")
	if e := entity(t, f, "files"); strings.Join(e.Embed, " ") != "static/*.html all:assets" {
		t.Errorf("embed patterns %q", e.Embed)
	}
}

func TestParseMod(t *testing.T) {
	old := ParseMod([]byte("module example.com/m\n\ngo 1.21\n\nrequire (\n\tgolang.org/x/sys v0.1.0\n\tgithub.com/a/b v1.0.0 // indirect\n)\n"))
	new := ParseMod([]byte("module example.com/m\n\ngo 1.22\n\ntoolchain go1.22.3\n\nrequire golang.org/x/sys v0.2.0\n\nreplace github.com/a/b => ../b\n"))
	if old.Err != "" || new.Err != "" {
		t.Fatal(old.Err, new.Err)
	}
	d := DiffMod(old, new)
	if len(d.Toolchain) != 2 {
		t.Errorf("toolchain delta %v: want the go line and the new toolchain line", d.Toolchain)
	}
	if len(d.Deps) != 3 {
		t.Errorf("deps delta %v: want x/sys bumped, a/b removed, a replace added", d.Deps)
	}
	if bad := ParseMod([]byte("module\n\ngo one.two\n")); bad.Err == "" {
		t.Error("a go.mod that does not parse must say so")
	}
	if m := ParseMod([]byte("module example.com/m\n\ngo 1.22\n\nfrobnicate example.com/x v1.0.0\n")); m.Err != "" || m.Go != "1.22" {
		t.Errorf("a directive from a newer Go must be skipped, not fail the file: %+v", m)
	}
	if m := ParseMod([]byte("module example.com/m\n\n<<<<<<< HEAD\ngo 1.22\n=======\ngo 1.23\n>>>>>>> b\n")); m.Err == "" {
		t.Error("conflict markers must make the go.mod unparsable")
	}
	if d := DiffMod(old, old); len(d.Toolchain)+len(d.Deps) != 0 {
		t.Errorf("identical go.mod files differ: %+v", d)
	}
}

func TestParseErrorIsReported(t *testing.T) {
	f := Parse([]byte("package p\n\nfunc f( {\n"), "p.go")
	if f.ParseErr == "" {
		t.Error("a file that does not parse must carry its error")
	}
}

func TestStdTables(t *testing.T) {
	if c, ok := StdCallee("strings.HasPrefix"); !ok || c > InlineBudget {
		t.Errorf("strings.HasPrefix is inlined by gc: %d %v", c, ok)
	}
	if _, ok := StdCallee("example.com/x.F"); ok {
		t.Error("a function outside the standard library is unknown")
	}
	if c, ok := StdComparable("bytes.Buffer"); !ok || c {
		t.Error("bytes.Buffer holds a slice: not comparable")
	}
	if c, ok := StdComparable("time.Time"); !ok || !c {
		t.Error("time.Time is comparable")
	}
	if _, ok := StdComparable("github.com/google/uuid.UUID"); ok {
		t.Error("another module's type is unknown")
	}
}

func TestEscapes(t *testing.T) {
	src := `package p

import "net/http"

var table = map[string]func(){"a": stored}
var once = compute()

func init() {
	setup()
	register(handler)
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { later() })
	go background()
	func() { immediate() }()
}
`
	f := Parse([]byte(src), "p.go")
	var ini *Entity
	for _, e := range f.Entities {
		if e.Kind == KInit {
			ini = e
		}
	}
	esc := map[string]bool{}
	for _, n := range ini.Escapes {
		esc[n] = true
	}
	for name, want := range map[string]bool{"setup": false, "register": false, "handler": true, "later": true, "background": true, "immediate": false} {
		if esc[name] != want {
			t.Errorf("init: %s escapes = %v, want %v (escapes %v)", name, esc[name], want, ini.Escapes)
		}
	}
	if e := entity(t, f, "table"); strings.Join(e.Escapes, ",") != "stored" {
		t.Errorf("table escapes %v, want [stored]", e.Escapes)
	}
	if e := entity(t, f, "once"); len(e.Escapes) != 0 {
		t.Errorf("once only calls compute: escapes %v", e.Escapes)
	}
}
