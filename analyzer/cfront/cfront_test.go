package cfront

import (
	"context"
	"strings"
	"testing"
)

func chunkNames(inv *Inventory) []string {
	var out []string
	for _, c := range inv.Chunks {
		if c.Dead {
			continue
		}
		out = append(out, c.Kind.String()+":"+c.Name)
	}
	return out
}

func TestScanSurvivesLexicalTraps(t *testing.T) {
	src := `/* a comment with { braces } and "quotes" */
static const char *s = "not a brace { // nor a comment /* here";
static char c = '{';
#define CONT(x) \
	do { x; } while (0)
int f(void) {
	// } a brace in a comment
	return s[0] == '}' ? 1 : 0;
}
#if 0
int g( { unbalanced but dead
#endif
struct s { int a; };
`
	inv := Scan([]byte(src), ScanOptions{})
	got := strings.Join(chunkNames(inv), " ")
	want := "decl:s decl:c directive:CONT func:f decl:s"
	if got != want {
		t.Fatalf("chunks %q, want %q", got, want)
	}
	for _, c := range inv.Chunks {
		if c.Bad != "" {
			t.Errorf("chunk %s: %s", c.Name, c.Bad)
		}
	}
}

func TestScanConditionsAndGuard(t *testing.T) {
	src := `#ifndef FOO_H
#define FOO_H
#ifdef USE_X
int x;
#else
long x;
#endif
#if defined(A) && B > 1
int y;
#endif
#endif
`
	inv := Scan([]byte(src), ScanOptions{})
	conds := map[string][]string{}
	for _, c := range inv.Chunks {
		conds[c.Name] = append(conds[c.Name], c.Cond)
	}
	if got := conds["x"]; len(got) != 2 || got[0] != "defined(USE_X)" || got[1] != "!((defined(USE_X)))" {
		t.Errorf("x conditions %q", got)
	}
	if got := conds["y"]; len(got) != 1 || got[0] != "defined ( A ) && B > 1" {
		t.Errorf("y condition %q (the include guard must not be part of it)", got)
	}
	// With the build's defines, a false branch is dead.
	inv = Scan([]byte(src), ScanOptions{Defines: Defines{"USE_X": "1"}})
	live := 0
	for _, c := range inv.Chunks {
		if c.Name == "x" && !c.Dead {
			live++
		}
	}
	if live != 1 {
		t.Errorf("with USE_X defined, %d live definitions of x, want 1", live)
	}
}

func TestScanStraddlingConditional(t *testing.T) {
	src := `#ifdef _UNICODE
int wmain(int argc, wchar_t *argv[])
#else
int main(int argc, char *argv[])
#endif
{
  return 0;
}
int after(void) { return 1; }
`
	inv := Scan([]byte(src), ScanOptions{})
	if got := strings.Join(chunkNames(inv), " "); got != "func:main func:after" {
		t.Fatalf("chunks %q", got)
	}
	p := NewParser()
	defer p.Close()
	var names []string
	for _, e := range p.ParseChunk(context.Background(), []byte(src), &inv.Chunks[0]) {
		names = append(names, e.Label()+" "+e.Sig)
	}
	want := "func wmain func(int, * * wchar_t) int|func main func(int, * * char) int"
	if strings.Join(names, "|") != want {
		t.Errorf("variants %q, want %q", strings.Join(names, "|"), want)
	}
}

func parseOne(t *testing.T, src string) []*Entity {
	t.Helper()
	inv := Scan([]byte(src), ScanOptions{})
	p := NewParser()
	defer p.Close()
	var out []*Entity
	for i := range inv.Chunks {
		out = append(out, p.ParseChunk(context.Background(), []byte(src), &inv.Chunks[i])...)
	}
	return out
}

func TestParseSpecifierMacros(t *testing.T) {
	ents := parseOne(t, `LUA_API int lua_gettop (lua_State *L) { return 0; }
static int __init setup(void) { return 0; }
UNITTEST CURLcode Curl_x(struct Curl_easy *data) { return 0; }
JEMALLOC_ATTR(malloc) void *je_malloc(size_t n) { return 0; }
MODULE_API int (*Module_Log)(const char *fmt, ...) MODULE_ATTR MODULE_PRINTF(1,2);
`)
	want := []string{
		"func lua_gettop|func(* lua_State) int|macro:LUA_API",
		"func setup|func() int|init",
		"func Curl_x|func(* struct Curl_easy) CURLcode|macro:UNITTEST",
		"func je_malloc|func(size_t) * void|macro:JEMALLOC_ATTR(malloc)",
		"var Module_Log||macro:MODULE_API,macro:MODULE_ATTR,macro:MODULE_PRINTF(1,2)",
	}
	if len(ents) != len(want) {
		t.Fatalf("%d entities, want %d", len(ents), len(want))
	}
	for i, e := range ents {
		got := e.Label() + "|" + e.Sig + "|" + strings.Join(e.Attrs, ",")
		if got != want[i] || e.ParseErr != "" {
			t.Errorf("entity %d: %q (err %q), want %q", i, got, e.ParseErr, want[i])
		}
	}
}

func TestParseRenamingIsNoChange(t *testing.T) {
	a := parseOne(t, "static int sum(int *v, int n) { int s = 0; for (int i = 0; i < n; i++) s += v[i]; return s; }\n")
	b := parseOne(t, "static int sum(int *vals, int count)\n{\n  int total = 0; /* reformatted */\n  for (int j = 0; j < count; j++) total += vals[j];\n  return total;\n}\n")
	if a[0].Digest() != b[0].Digest() {
		t.Errorf("consistent renaming changed the digest:\n%s\n%s", a[0].Digest(), b[0].Digest())
	}
	c := parseOne(t, "static int sum(int *v, int n) { int s = 1; for (int i = 0; i < n; i++) s += v[i]; return s; }\n")
	if a[0].Digest() == c[0].Digest() {
		t.Error("a changed constant left the digest unchanged")
	}
}

func TestParseTypesAndData(t *testing.T) {
	ents := parseOne(t, `static const char *const names[] = { "a", "b" };
const char *words[] = { "x" };
unsigned long int counter;
typedef struct { unsigned a:3; char buf[SIZE]; } rec_t;
enum color { RED, GREEN = 5, BLUE, WHITE = BLUE << 1 };
`)
	got := map[string]*Entity{}
	for _, e := range ents {
		got[e.Label()] = e
	}
	if e := got["var names"]; e == nil || !e.Const || e.Type != "[] *const const char" {
		t.Errorf("names: %+v", e)
	}
	if e := got["var words"]; e == nil || e.Const {
		t.Errorf("words is a writable array of pointers: %+v", e)
	}
	if e := got["var counter"]; e == nil || e.Type != "unsigned long" {
		t.Errorf("counter: %+v", e)
	}
	if e := got["struct {rec_t}"]; e == nil || fieldsString(e.Fields) != "unsigned int a:3; [SIZE] char buf" {
		t.Errorf("anonymous struct: %+v", e)
	}
	if e := got["enum color"]; e == nil || membersString(e.Members) != "RED=0,GREEN=5,BLUE=6,WHITE=12" {
		t.Errorf("enum values: %+v", e)
	}
}

func TestNeverReturns(t *testing.T) {
	cases := map[string]bool{
		"void f(void) { for (;;) { work(); } }":                                    true,
		"void f(void) { for (;;) { if (x) break; } }":                              false,
		"void f(void) { while (1) { switch (x) { case 1: break; } } }":             true,
		"void f(void) { while (1) { for (;;) { break; } if (y) return; } }":        false,
		"void f(void) { do { step(); } while (1); }":                               true,
		"void f(void) { while (running) { step(); } }":                             false,
		"void f(void) { for (i = 0;; i++) { if (i > 3) goto out; } out: return; }": false,
	}
	for src, want := range cases {
		e := parseOne(t, src)[0]
		if got := e.NeverReturns > 0; got != want {
			t.Errorf("%s: never returns = %v, want %v", src, got, want)
		}
	}
}

func TestLexicalProblemsFailClosed(t *testing.T) {
	for _, src := range []string{
		"int f(void) { return puts(\"unterminated); }\n",
		"int f(void) { return (1 + 2; }\n",
		"int f(void) {\n<<<<<<< HEAD\n  return 1;\n=======\n  return 2;\n>>>>>>> b\n}\n",
	} {
		e := parseOne(t, src)[0]
		if e.ParseErr == "" {
			t.Errorf("%q parsed without error", src)
		}
	}
}

func TestBodyErrorsCarryMacroCandidates(t *testing.T) {
	e := parseOne(t, "void f(struct list *l) { struct node *n; LIST_FOREACH(n, l, link) { use(n); } }\n")[0]
	if len(e.BodyErrs) == 0 {
		t.Skip("the grammar accepted the iterator macro")
	}
	found := false
	for _, be := range e.BodyErrs {
		for _, c := range be.Cands {
			if c == "LIST_FOREACH" {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("body errors %+v do not name LIST_FOREACH", e.BodyErrs)
	}
}

func TestEvalCond(t *testing.T) {
	cases := []struct {
		expr  string
		defs  Defines
		known bool
		v     int64
	}{
		{"0", nil, true, 0},
		{"1 && defined(X)", nil, false, 0},
		{"0 && defined(X)", nil, true, 0},
		{"defined(X) || VERSION >= 3", Defines{"VERSION": "4"}, true, 1},
		{"X", Defines{}, true, 0},
		{"(1 << 4) | 0x10", nil, true, 16},
		{"__has_include(<x.h>)", Defines{}, false, 0},
	}
	for _, c := range cases {
		b := []byte(c.expr)
		got := evalCond(b, Lex(b), c.defs)
		if got.known != c.known || c.known && got.v != c.v {
			t.Errorf("%s: %+v, want known=%v v=%d", c.expr, got, c.known, c.v)
		}
	}
}

func TestResolveType(t *testing.T) {
	defs := map[string]string{"lu_byte": "unsigned char", "str": "* char", "node_t": "struct node"}
	look := func(n string) (string, bool) { v, ok := defs[n]; return v, ok }
	cases := map[string]string{
		"lu_byte":           "unsigned char",
		"uint8_t":           "unsigned char",
		"[4] lu_byte":       "[4] unsigned char",
		"const str":         "*const char",
		"* node_t":          "* struct node",
		"func(lu_byte) int": "func(unsigned char) int",
	}
	for in, want := range cases {
		if got := ResolveType(in, look); got != want {
			t.Errorf("ResolveType(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDiffMatchesMovesAndChanges(t *testing.T) {
	old := []byte("int a(void) { return 1; }\nint b(void) { return 2; }\nstatic int c;\n")
	nw := []byte("int b(void) { return 2; }\nint a(void) { return 1; }\nstatic int c = 3;\n")
	p := NewParser()
	defer p.Close()
	d := &Differ{Parser: p}
	fd := d.Diff(context.Background(), Version{Path: "x.c", Src: old, Inv: Scan(old, ScanOptions{})}, Version{Path: "x.c", Src: nw, Inv: Scan(nw, ScanOptions{})})
	if len(fd.Changes) != 1 || fd.Changes[0].New.Name != "c" || fd.Changes[0].Same() {
		t.Fatalf("changes %+v, want only var c changed", fd.Changes)
	}
	if len(fd.Moved) != 1 {
		t.Errorf("moved %+v, want one function moved", fd.Moved)
	}
}
