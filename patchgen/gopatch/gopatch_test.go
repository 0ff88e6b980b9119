package gopatch

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/internal/testrepo"
	"github.com/dynupd/dynupd-analyze/patchgen"
	"github.com/go-git/go-git/v5/plumbing"
)

const goMod = "module example.com/svc\n\ngo 1.21\n"

// calcOld is a package whose functions defer, so that the syntactic
// inlining estimate calls them not inlinable and a body change is
// GO-FUNC-BODY.
const calcOld = `package calc

import (
	"fmt"
	"os"
	str "strconv"
	"strings"
)

// Acc accumulates.
type Acc struct{ n int }

// Step steps.
func Step(x int) (r int) {
	defer func() { r++ }()
	return x + 1
}

// Add adds.
func (a *Acc) Add(x int) {
	defer func() { a.n++ }()
	a.n += x
}

// Name names.
func Name(s string) string {
	defer fmt.Sprint()
	return strings.ToUpper(s) + os.Getenv("X") + str.Quote("")
}
`

// calcNew changes Step (now calling a new helper that uses fmt) and Add
// (now using the aliased strconv); Name is unchanged.
const calcNew = `package calc

import (
	"fmt"
	"os"
	str "strconv"
	"strings"
)

// Acc accumulates.
type Acc struct{ n int }

// Step steps.
func Step(x int) (r int) {
	defer func() { r++ }()
	return double(x) + len(strings.Repeat("a", 2))
}

// Add adds.
func (a *Acc) Add(x int) {
	defer func() { a.n++ }()
	a.n += x + len(str.Itoa(x))
}

func double(x int) int {
	defer fmt.Sprint()
	return 2 * x
}

// Name names.
func Name(s string) string {
	defer fmt.Sprint()
	return strings.ToUpper(s) + os.Getenv("X") + str.Quote("")
}
`

const mainSrc = `package main

import "example.com/svc/calc"

func main() { println(calc.Step(1)) }
`

// gen builds a repository with the two commits, analyses the second
// against the first, and generates its module into a fresh directory.
func gen(t *testing.T, old, cur map[string]string) (*patchgen.Manifest, string) {
	t.Helper()
	return genWith(t, old, cur, false)
}

// genWith is gen; with closures the module also replaces the closures of
// interface-internal findings (--include interface-internal).
func genWith(t *testing.T, old, cur map[string]string, closures bool) (*patchgen.Manifest, string) {
	t.Helper()
	repo := t.TempDir()
	if _, err := testrepo.Build(repo, []testrepo.Commit{{Files: old, Message: "base"}, {Files: cur, Message: "change"}}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := analyzer.New(repo, analyzer.Options{NoCompiler: true})
	if err != nil {
		t.Fatal(err)
	}
	r, err := a.Diff(ctx, analyzer.DiffOptions{Base: "HEAD~1", Head: "HEAD"})
	if err != nil {
		t.Fatal(err)
	}
	funcs, left := patchgen.Select(r, closures)
	if len(funcs) == 0 {
		t.Fatalf("nothing selected; findings %+v", r.Findings)
	}
	out := t.TempDir()
	m, err := New(Options{}).Generate(ctx, patchgen.Input{Result: r, Source: a, Funcs: funcs, LeftOut: left}, out)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Checks) != 1 || m.Checks[0].Name != CheckName {
		t.Fatalf("checks %+v", m.Checks)
	}
	return m, out
}

func read(t *testing.T, dir, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func fn(m *patchgen.Manifest, name string) *patchgen.Func {
	for i := range m.Functions {
		if m.Functions[i].Name == name {
			return &m.Functions[i]
		}
	}
	return nil
}

// TestGenerateBodyChange: the changed function and method are copied into
// their package under livepatch_ names, the method keeps its receiver,
// the added helper keeps its name, the file imports exactly what the
// copies use (aliases kept), and it compiles against the old program.
func TestGenerateBodyChange(t *testing.T) {
	m, out := gen(t,
		map[string]string{"go.mod": goMod, "main.go": mainSrc, "calc/calc.go": calcOld},
		map[string]string{"go.mod": goMod, "main.go": mainSrc, "calc/calc.go": calcNew})
	if c := m.Checks[0]; c.Status != patchgen.CheckPassed {
		t.Fatalf("check %+v", c)
	}
	if m.Finding != nil {
		t.Errorf("finding on a passing check: %+v", m.Finding)
	}
	if strings.Join(m.Files, ",") != "calc/zz_livepatch.go,livepatch.json" {
		t.Errorf("files %q", m.Files)
	}
	src := read(t, out, "calc/zz_livepatch.go")
	for _, want := range []string{
		"package calc\n",
		"func Livepatch_Step(x int) (r int) {",
		"return double(x) + len(strings.Repeat(\"a\", 2))", // calls keep the original names
		"func (a *Acc) Livepatch_Add(x int) {",
		"func double(x int) int {",
		"\"fmt\"", "\"strings\"", "str \"strconv\"",
		m.Commit,
	} {
		if !strings.Contains(src, want) {
			t.Errorf("generated file lacks %q:\n%s", want, src)
		}
	}
	for _, not := range []string{"\"os\"", "func Livepatch_Name", "func Name"} {
		if strings.Contains(src, not) {
			t.Errorf("generated file has %q:\n%s", not, src)
		}
	}
	if len(m.Functions) != 3 {
		t.Fatalf("functions %+v", m.Functions)
	}
	for _, f := range m.Functions {
		if f.NewHash == "" || len(f.NewHash) != 64 {
			t.Errorf("%s: new hash %q", f.Name, f.NewHash)
		}
		switch {
		case f.Added && (f.OldHash != "" || f.Replacement != f.Name):
			t.Errorf("added %s: %+v", f.Name, f)
		case !f.Added && (f.OldHash == "" || f.OldHash == f.NewHash || f.Replacement != ReplacementName(f.Name)):
			t.Errorf("replaced %s: %+v", f.Name, f)
		}
	}
	if f := fn(m, "double"); f == nil || !f.Added {
		t.Errorf("double: %+v", f)
	}
	var sf SymbolFile
	if err := json.Unmarshal([]byte(read(t, out, "livepatch.json")), &sf); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"example.com/svc/calc.Step":       "example.com/svc/calc.Livepatch_Step",
		"example.com/svc/calc.(*Acc).Add": "example.com/svc/calc.(*Acc).Livepatch_Add",
	}
	if len(sf.Replace) != len(want) {
		t.Fatalf("symbols %+v", sf.Replace)
	}
	for _, s := range sf.Replace {
		if want[s.Symbol] != s.ReplacementSymbol || s.Package != "example.com/svc/calc" || s.File != "calc/zz_livepatch.go" {
			t.Errorf("symbol %+v", s)
		}
		if s.Name == "Add" && s.Receiver != "*Acc" {
			t.Errorf("receiver %+v", s)
		}
	}
	if len(sf.Added) != 1 || sf.Added[0].Name != "double" {
		t.Errorf("added %+v", sf.Added)
	}
}

const connOld = `package svc

// Conn is a connection.
type Conn struct{ n int }

// Bump bumps.
func (c *Conn) Bump() {
	defer func() { c.n++ }()
	c.n++
}
`

const connNew = `package svc

// Conn is a connection.
type Conn struct {
	n       int
	retries int
}

// Bump bumps.
func (c *Conn) Bump() {
	defer func() { c.n++ }()
	c.n++
	c.retries++
}
`

// TestGenerateNewFieldFails: a new body that uses a field the old struct
// lacks does not compile against the old program: the check fails and the
// PATCH-COMPILE finding says state-transfer, on the method.
func TestGenerateNewFieldFails(t *testing.T) {
	m, _ := gen(t,
		map[string]string{"go.mod": goMod, "conn.go": connOld},
		map[string]string{"go.mod": goMod, "conn.go": connNew})
	c := m.Checks[0]
	if c.Status != patchgen.CheckFailed || !strings.HasPrefix(c.Detail, "zz_livepatch.go:") || !strings.Contains(c.Detail, "retries") {
		t.Fatalf("check %+v", c)
	}
	f := m.Finding
	if f == nil || f.Rule != "PATCH-COMPILE" || f.Verdict != classifiers.StateTransfer || f.Entity != "method (*Conn).Bump" {
		t.Fatalf("finding %+v", f)
	}
	if f.New == nil || f.New.File != "conn.go" || f.New.Line != 10 || !strings.Contains(f.Message, c.Detail) {
		t.Errorf("finding %+v %+v", f, f.New)
	}
}

const limitOld = `package svc

const (
	floor = 1
)

// Clamp clamps.
func Clamp(x int) (r int) {
	defer func() {}()
	return x
}
`

// limitNew adds limit (used by Clamp), which uses step, a new const of
// another new file, and ceiling to an existing block without iota; and
// unused, which nothing carried uses.
const limitNew = `package svc

const (
	floor   = 1
	ceiling = 100
)

const limit = 10 * step

const unused = "x"

// Clamp clamps.
func Clamp(x int) (r int) {
	defer func() {}()
	return min(max(x, floor), limit, ceiling)
}
`

const stepNew = `package svc

import "time"

// step is a new const of its own file, used by the carried limit.
const step = int(time.Microsecond)
`

// symbolFile reads livepatch.json.
func symbolFile(t *testing.T, out string) SymbolFile {
	t.Helper()
	var sf SymbolFile
	if err := json.Unmarshal([]byte(read(t, out, SymbolMap)), &sf); err != nil {
		t.Fatal(err)
	}
	return sf
}

// carriedNames lists livepatch.json's carried declarations as
// "kind names@from:line→file".
func carriedNames(sf SymbolFile) []string {
	var out []string
	for _, c := range sf.Carried {
		out = append(out, fmt.Sprintf("%s %s@%s:%d→%s", c.Kind, strings.Join(c.Names, ","), c.From, c.Line, c.File))
	}
	return out
}

// TestGenerateCarriesNewConst: a new body that uses new package-level
// consts gets them in the generated file, copied as written, with the
// consts they use in turn (from another new file, with its import), and
// a member added to an existing block without iota on its own; a new
// const nothing carried uses stays out. The module compiles against the
// old program and livepatch.json lists what it carries.
func TestGenerateCarriesNewConst(t *testing.T) {
	m, out := gen(t,
		map[string]string{"go.mod": goMod, "clamp.go": limitOld},
		map[string]string{"go.mod": goMod, "clamp.go": limitNew, "step.go": stepNew})
	if c := m.Checks[0]; c.Status != patchgen.CheckPassed || m.Finding != nil {
		t.Fatalf("check %+v finding %+v", c, m.Finding)
	}
	src := read(t, out, FileName)
	for _, want := range []string{"const ceiling = 100\n", "const limit = 10 * step\n", "const step = int(time.Microsecond)\n", "\"time\"", "func Livepatch_Clamp(x int) (r int) {"} {
		if !strings.Contains(src, want) {
			t.Errorf("generated file lacks %q:\n%s", want, src)
		}
	}
	for _, not := range []string{"unused", "floor ="} {
		if strings.Contains(src, not) {
			t.Errorf("generated file has %q:\n%s", not, src)
		}
	}
	got := strings.Join(carriedNames(symbolFile(t, out)), " ")
	if want := "const ceiling@clamp.go:5→zz_livepatch.go const limit@clamp.go:8→zz_livepatch.go const step@step.go:6→zz_livepatch.go"; got != want {
		t.Errorf("carried %s, want %s", got, want)
	}
	if strings.Join(m.Files, ",") != "zz_livepatch.go,livepatch.json" {
		t.Errorf("files %q", m.Files)
	}
}

const storeOld = `package store

// Store keeps values.
type Store interface{ Get(k string) string }

// Open opens the default store.
func Open() Store {
	defer func() {}()
	return nil
}
`

const storeNew = `package store

// Store keeps values.
type Store interface{ Get(k string) string }

type mem struct {
	m map[string]string
	l limits
}

type (
	limits struct{ max int }
	other  int
)

func (s *mem) Get(k string) string { return s.m[k] }

// Open opens the default store.
func Open() Store {
	defer func() {}()
	return &mem{m: map[string]string{}}
}
`

// TestGenerateCarriesNewTypeAndMethod: a new type, its method (a function
// the change adds) and the new type its fields use are carried; a new
// type of the same group that nothing uses is not.
func TestGenerateCarriesNewTypeAndMethod(t *testing.T) {
	m, out := gen(t,
		map[string]string{"go.mod": goMod, "store/store.go": storeOld},
		map[string]string{"go.mod": goMod, "store/store.go": storeNew})
	if c := m.Checks[0]; c.Status != patchgen.CheckPassed || m.Finding != nil {
		t.Fatalf("check %+v finding %+v", c, m.Finding)
	}
	src := read(t, out, "store/zz_livepatch.go")
	for _, want := range []string{"type mem struct {\n\tm map[string]string\n\tl limits\n}", "type limits struct{ max int }", "func (s *mem) Get(k string) string", "func Livepatch_Open() Store {"} {
		if !strings.Contains(src, want) {
			t.Errorf("generated file lacks %q:\n%s", want, src)
		}
	}
	if strings.Contains(src, "other") {
		t.Errorf("generated file carries an unused type:\n%s", src)
	}
	sf := symbolFile(t, out)
	if got := strings.Join(carriedNames(sf), " "); got != "type mem@store/store.go:6→store/zz_livepatch.go type limits@store/store.go:12→store/zz_livepatch.go" {
		t.Errorf("carried %s", got)
	}
	if len(sf.Added) != 1 || sf.Added[0].Name != "Get" || sf.Added[0].Receiver != "*mem" {
		t.Errorf("added %+v", sf.Added)
	}
}

const levelOld = `package logx

type level int

const (
	levelDebug level = iota
	levelInfo
)

func name(l level) (s string) {
	defer func() {}()
	switch l {
	case levelDebug:
		return "debug"
	}
	return "info"
}
`

// TestGenerateGrownIotaBlockFails: an iota block of the old package that
// gains a member is a changed declaration, not an added one: it is not
// carried (neither whole nor in part), and the check fails on the new
// member, interface-internal.
func TestGenerateGrownIotaBlockFails(t *testing.T) {
	levelNew := strings.Replace(strings.Replace(levelOld, "\tlevelInfo\n", "\tlevelInfo\n\tlevelFatal\n", 1),
		"return \"debug\"\n", "return \"debug\"\n\tcase levelFatal:\n\t\treturn \"fatal\"\n", 1)
	m, out := gen(t,
		map[string]string{"go.mod": goMod, "logx/level.go": levelOld},
		map[string]string{"go.mod": goMod, "logx/level.go": levelNew})
	c := m.Checks[0]
	if c.Status != patchgen.CheckFailed || !strings.Contains(c.Detail, "undefined: levelFatal") {
		t.Fatalf("check %+v", c)
	}
	if f := m.Finding; f == nil || f.Verdict != classifiers.InterfaceInternal || f.Entity != "func name" {
		t.Fatalf("finding %+v", f)
	}
	if src := read(t, out, "logx/zz_livepatch.go"); strings.Contains(src, "const") {
		t.Errorf("generated file carries part of the block:\n%s", src)
	}
	if sf := symbolFile(t, out); len(sf.Carried) != 0 {
		t.Errorf("carried %+v", sf.Carried)
	}
}

// TestGenerateCarriedDeclFails: a carried declaration that does not
// compile against the old program makes the finding name it.
func TestGenerateCarriedDeclFails(t *testing.T) {
	m, _ := gen(t,
		map[string]string{"go.mod": goMod, "conn.go": connOld},
		map[string]string{"go.mod": goMod, "conn.go": strings.Replace(connNew, "\tc.retries++\n", "\tc.n += seed.retries\n", 1) +
			"\nvar seed = Conn{retries: 3}\n"})
	c := m.Checks[0]
	if c.Status != patchgen.CheckFailed || !strings.Contains(c.Detail, "retries") {
		t.Fatalf("check %+v", c)
	}
	f := m.Finding
	if f == nil || f.Verdict != classifiers.StateTransfer || f.Entity != "var seed" || f.New == nil || f.New.File != "conn.go" || f.Old != nil {
		t.Fatalf("finding %+v", f)
	}
}

// TestGenerateNewPackageNotAttempted: functions of a package the old tree
// does not have cannot be overlaid onto the old program: the check is not
// attempted, and says why, and raises nothing.
func TestGenerateNewPackageNotAttempted(t *testing.T) {
	m, out := gen(t,
		map[string]string{"go.mod": goMod, "main.go": "package main\n\nfunc main() {}\n"},
		map[string]string{"go.mod": goMod, "main.go": "package main\n\nfunc main() {}\n",
			"calc/calc.go": "package calc\n\ntype unit int\n\nconst one unit = 1\n\n// One is one.\nfunc One() unit { return one }\n"})
	c := m.Checks[0]
	if c.Status != patchgen.CheckNotAttempted || !strings.Contains(c.Detail, "calc/ is a new package") || m.Finding != nil {
		t.Fatalf("check %+v finding %+v", c, m.Finding)
	}
	src := read(t, out, "calc/zz_livepatch.go")
	for _, want := range []string{"type unit int", "const one unit = 1", "func One() unit"} {
		if !strings.Contains(src, want) {
			t.Errorf("generated file lacks %q:\n%s", want, src)
		}
	}
}

// TestGenerateNotAttempted: when the old package cannot be loaded for
// reasons that are not the candidate's, the check says so and raises
// nothing.
func TestGenerateNotAttempted(t *testing.T) {
	dep := "module example.com/svc\n\ngo 1.21\n\nrequire example.invalid/dep v1.0.0\n"
	depSrc := func(s string) string {
		return strings.Replace(s, "package svc\n", "package svc\n\nimport \"example.invalid/dep\"\n\nvar _ = dep.X\n", 1)
	}
	for _, tc := range []struct {
		name     string
		old, cur map[string]string
		want     string
	}{
		{"cgo in the old package", map[string]string{"go.mod": goMod, "clamp.go": limitOld, "one.go": cgoOne},
			map[string]string{"go.mod": goMod, "clamp.go": strings.Replace(limitOld, "return x", "return x + 1", 1), "one.go": cgoOne}, "one.go imports \"C\""},
		{"dependency not in the cache", map[string]string{"go.mod": dep, "clamp.go": depSrc(limitOld)},
			map[string]string{"go.mod": dep, "clamp.go": depSrc(strings.Replace(limitOld, "return x", "return x + 1", 1))}, "example.invalid/dep"},
		{"go too new", map[string]string{"go.mod": "module example.com/svc\n\ngo 1.999\n", "clamp.go": limitOld},
			map[string]string{"go.mod": "module example.com/svc\n\ngo 1.999\n", "clamp.go": strings.Replace(limitOld, "return x", "return x + 1", 1)}, "1.999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, out := gen(t, tc.old, tc.cur)
			c := m.Checks[0]
			if c.Status != patchgen.CheckNotAttempted || !strings.Contains(c.Detail, tc.want) || m.Finding != nil {
				t.Fatalf("check %+v finding %+v", c, m.Finding)
			}
			if !strings.Contains(read(t, out, "zz_livepatch.go"), "func Livepatch_Clamp(") {
				t.Error("no module written")
			}
		})
	}
}

// TestGenerateClosureCallsDirect: in an interface-internal closure the
// callers call a replacement whose signature changed, or a method new to
// an existing type, by the replacement's name (exported when the original
// is, so that another package can), and livepatch.json marks them direct:
// the originals must not be redirected to them.
func TestGenerateClosureCallsDirect(t *testing.T) {
	mod := "module example.com/gw\n\ngo 1.22\n"
	authOld := "package auth\n\nimport \"strings\"\n\n// CheckToken checks a token.\nfunc CheckToken(tok string) bool {\n\tdefer func() {}()\n\treturn strings.HasPrefix(tok, \"t-\")\n}\n\ntype store struct{ keys []string }\n\n// Report describes the store.\nfunc (s *store) Report() string {\n\tdefer func() {}()\n\treturn strings.Join(s.keys, \",\")\n}\n"
	authNew := strings.NewReplacer(
		"func CheckToken(tok string) bool", "func CheckToken(tok, realm string) bool",
		"strings.HasPrefix(tok, \"t-\")", "strings.HasPrefix(tok, realm+\"-\")",
		"return strings.Join(s.keys, \",\")\n}\n", "return strings.Join(s.keys, \",\") + \" \" + s.size()\n}\n\nfunc (s *store) size() string {\n\tdefer func() {}()\n\treturn strings.Repeat(\"#\", len(s.keys))\n}\n",
	).Replace(authOld)
	webOld := "package web\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/gw/internal/auth\"\n)\n\nfunc allow(tok string) string {\n\tdefer func() {}()\n\treturn fmt.Sprint(auth.CheckToken(tok))\n}\n"
	webNew := strings.Replace(webOld, "auth.CheckToken(tok)", "auth.CheckToken(tok, \"api\")", 1)
	m, out := genWith(t,
		map[string]string{"go.mod": mod, "internal/auth/auth.go": authOld, "internal/web/web.go": webOld},
		map[string]string{"go.mod": mod, "internal/auth/auth.go": authNew, "internal/web/web.go": webNew}, true)
	if c := m.Checks[0]; c.Status != patchgen.CheckPassed || m.Finding != nil {
		t.Fatalf("check %+v finding %+v", c, m.Finding)
	}
	if src := read(t, out, "internal/web/zz_livepatch.go"); !strings.Contains(src, "auth.Livepatch_CheckToken(tok, \"api\")") {
		t.Errorf("the caller does not call the replacement:\n%s", src)
	}
	authSrc := read(t, out, "internal/auth/zz_livepatch.go")
	for _, want := range []string{"func Livepatch_CheckToken(tok, realm string) bool", "func (s *store) livepatch_size() string", "s.livepatch_size()"} {
		if !strings.Contains(authSrc, want) {
			t.Errorf("auth's file lacks %q:\n%s", want, authSrc)
		}
	}
	sf := symbolFile(t, out)
	direct := map[string]bool{}
	for _, s := range append(sf.Replace, sf.Added...) {
		direct[s.Name] = s.Direct
	}
	if !direct["CheckToken"] || !direct["size"] || direct["Report"] || direct["allow"] {
		t.Errorf("direct = %v, want CheckToken and size only", direct)
	}
	for _, s := range sf.Replace {
		if s.Name == "size" {
			t.Errorf("size, new to its type, is listed as replacing an original: %+v", s)
		}
	}
}

// TestGenerateBrokenCommit: a change that does not compile in its own tree
// (history has such commits) fails the check, but what the error says of
// the old program means nothing: the verdict is raised to unknown, and the
// detail says the new tree does not compile either.
func TestGenerateBrokenCommit(t *testing.T) {
	m, _ := gen(t,
		map[string]string{"go.mod": goMod, "clamp.go": limitOld},
		map[string]string{"go.mod": goMod, "clamp.go": strings.Replace(limitOld, "return x", "return x + notDeclaredAnywhere", 1)})
	c := m.Checks[0]
	if c.Status != patchgen.CheckFailed || !strings.Contains(c.Detail, "the new tree does not compile either") || !strings.Contains(c.Detail, "undefined: notDeclaredAnywhere") {
		t.Fatalf("check %+v", c)
	}
	if f := m.Finding; f == nil || f.Verdict != classifiers.Unknown || !strings.Contains(f.Message, "does not compile in its own tree") {
		t.Fatalf("finding %+v", f)
	}
}

// cgoOne is a cgo file: the check, built without cgo, would leave it out
// of its package.
const cgoOne = "package svc\n\n// static int one(void) { return 1; }\nimport \"C\"\n\nfunc one() int { return int(C.one()) }\n"

// TestGenerateGopathTree: a tree without go.mod (GOPATH era) is checked as
// the module its imports imply, so that a package importing another of
// the tree by its full path type-checks (without the go.mod, the import
// would not resolve and the check could not be attempted).
func TestGenerateGopathTree(t *testing.T) {
	util := "package util\n\n// Double doubles.\nfunc Double(x int) int { return 2 * x }\n"
	svcOld := "package svc\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/acme/tool/util\"\n)\n\nfunc report(x int) string {\n\tdefer func() {}()\n\treturn fmt.Sprintf(\"%d\", util.Double(x))\n}\n"
	svcNew := strings.Replace(svcOld, "util.Double(x))", "util.Double(x)+1)", 1)
	m, out := gen(t,
		map[string]string{"util/util.go": util, "svc/svc.go": svcOld},
		map[string]string{"util/util.go": util, "svc/svc.go": svcNew})
	c := m.Checks[0]
	if c.Status != patchgen.CheckPassed || !strings.Contains(c.Command, "checked as module github.com/acme/tool") || m.Finding != nil {
		t.Fatalf("check %+v finding %+v", c, m.Finding)
	}
	if !strings.Contains(read(t, out, "svc/zz_livepatch.go"), "util.Double(x)+1") {
		t.Error("the replacement is not the new body")
	}
}

// fakeSource serves trees from maps, for the cases a commit's findings
// do not produce on their own.
type fakeSource map[plumbing.Hash]map[string]string

func (s fakeSource) FileAt(tree plumbing.Hash, p string) ([]byte, error) {
	if src, ok := s[tree][p]; ok {
		return []byte(src), nil
	}
	return nil, fmt.Errorf("%s: not in tree", p)
}

func (s fakeSource) Export(ctx context.Context, tree plumbing.Hash, dir string, _ func(string) bool) error {
	for p, src := range s[tree] {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, []byte(src), 0o644); err != nil {
			return err
		}
	}
	return ctx.Err()
}

var (
	oldTree = plumbing.NewHash("1111111111111111111111111111111111111111")
	newTree = plumbing.NewHash("2222222222222222222222222222222222222222")
)

func fakeInput(old, cur map[string]string, funcs ...patchgen.Func) patchgen.Input {
	return patchgen.Input{
		Result: &analyzer.Result{Commit: "3333333333333333333333333333333333333333", OldTree: oldTree, NewTree: newTree, Verdict: classifiers.LivePatchable},
		Source: fakeSource{oldTree: old, newTree: cur},
		Funcs:  funcs,
	}
}

// TestGenerateImportsAndConstraints: two files importing different
// packages under one name get distinct names in the generated file; a
// local variable that shadows an import does not pull it in; a function
// found by name only (a closure member) is carried; directives stay; a
// function of a GOOS-specific file goes to a file with that constraint.
func TestGenerateImportsAndConstraints(t *testing.T) {
	old := map[string]string{
		"go.mod":       goMod,
		"p/a.go":       "package p\n\nimport (\n\t\"math/rand\"\n\t\"net/url\"\n)\n\nfunc A() int { return rand.Int() }\n\nfunc U() string { return url.PathEscape(\"a b\") }\n",
		"p/b.go":       "package p\n\nimport \"crypto/rand\"\n\nfunc B() []byte { b := make([]byte, 1); rand.Read(b); return b }\n",
		"p/c_linux.go": "package p\n\nfunc C() int { return 1 }\n",
	}
	cur := map[string]string{
		"go.mod":       goMod,
		"p/a.go":       "package p\n\nimport (\n\t\"math/rand\"\n\t\"net/url\"\n)\n\n// A is random.\n//\n//go:noinline\nfunc A() int {\n\turl := struct{ Host string }{\"h\"}\n\treturn rand.Intn(5) + len(url.Host)\n}\n\nfunc U() string { return url.PathEscape(\"a b\") }\n",
		"p/b.go":       "package p\n\nimport \"crypto/rand\"\n\nfunc B() []byte { b := make([]byte, 2); rand.Read(b); return b }\n",
		"p/c_linux.go": "package p\n\nfunc C() int { return 2 }\n",
	}
	in := fakeInput(old, cur,
		patchgen.Func{Name: "A", File: "p/a.go", Closure: true, Rule: "GO-INLINABLE"},
		patchgen.Func{Name: "B", File: "p/b.go", Line: 5, OldFile: "p/b.go", OldLine: 5, Rule: "GO-FUNC-BODY"},
		patchgen.Func{Name: "C", File: "p/c_linux.go", Line: 3, Rule: "GO-FUNC-BODY"},
		patchgen.Func{Name: "gone", File: "p/a.go", Rule: "GO-FUNC-BODY"},
		patchgen.Func{Name: "T", File: "p/a_test.go", Rule: "GO-FUNC-BODY"},
		patchgen.Func{Name: "c", File: "lib/x.c", Rule: "C-FUNC-BODY"},
	)
	out := t.TempDir()
	m, err := New(Options{}).Generate(context.Background(), in, out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(m.Files, ",") != "p/zz_livepatch.go,p/zz_livepatch_2.go,livepatch.json" {
		t.Fatalf("files %q", m.Files)
	}
	a := read(t, out, "p/zz_livepatch.go")
	for _, want := range []string{"\"math/rand\"", "rand_2 \"crypto/rand\"", "rand_2.Read(b)", "rand.Intn(5)", "//go:noinline\nfunc Livepatch_A() int {", "func Livepatch_B() []byte"} {
		if !strings.Contains(a, want) {
			t.Errorf("p/zz_livepatch.go lacks %q:\n%s", want, a)
		}
	}
	if strings.Contains(a, "net/url") || strings.Contains(a, "//go:build") {
		t.Errorf("p/zz_livepatch.go:\n%s", a)
	}
	c := read(t, out, "p/zz_livepatch_2.go")
	if !strings.Contains(c, "//go:build linux\n") || !strings.Contains(c, "func Livepatch_C() int") {
		t.Errorf("p/zz_livepatch_2.go:\n%s", c)
	}
	if len(m.LeftOut) != 3 || len(m.Closure) != 1 || m.Closure[0] != "p/a.go:A" {
		t.Errorf("left out %+v closure %v", m.LeftOut, m.Closure)
	}
	if f := fn(m, "A"); f == nil || f.OldHash == "" || f.OldLine != 8 || f.Line != 11 {
		t.Errorf("A: %+v", f)
	}
	want := patchgen.CheckPassed
	if runtime.GOOS != "linux" {
		want = patchgen.CheckNotAttempted // zz_livepatch_2.go is excluded here
	}
	if ch := m.Checks[0]; ch.Status != want {
		t.Errorf("check %+v", ch)
	}
}

// TestGenerateRefusesUnsafePaths: a file name that would leave the output
// directory is refused, and nothing is written.
func TestGenerateRefusesUnsafePaths(t *testing.T) {
	for _, p := range []string{"../evil.go", "/etc/evil.go", "a/../../evil.go", "./a.go", "a//b.go", `a\b.go`} {
		out := t.TempDir()
		_, err := New(Options{}).Generate(context.Background(), fakeInput(nil, map[string]string{p: "package a\n\nfunc F() {}\n"},
			patchgen.Func{Name: "F", File: p, Rule: "GO-FUNC-BODY"}), out)
		if err == nil || !strings.Contains(err.Error(), "unsafe path") {
			t.Errorf("%s: err %v", p, err)
		}
		if entries, _ := os.ReadDir(out); len(entries) != 0 {
			t.Errorf("%s: wrote %v", p, entries)
		}
	}
}

// TestGenerateNothingToCheck: a change with no Go function writes no file
// and says the check was not attempted.
func TestGenerateNothingToCheck(t *testing.T) {
	out := t.TempDir()
	m, err := New(Options{}).Generate(context.Background(), fakeInput(nil, nil, patchgen.Func{Name: "c", File: "x.c", Rule: "C-FUNC-BODY"}), out)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != 0 || m.Checks[0].Status != patchgen.CheckNotAttempted || len(m.LeftOut) != 1 {
		t.Errorf("manifest %+v", m)
	}
}

func TestGuessName(t *testing.T) {
	for p, want := range map[string]string{
		"fmt": "fmt", "math/rand/v2": "rand", "gopkg.in/yaml.v3": "yaml", "github.com/go-git/go-git/v5": "git",
		"github.com/mattn/go-isatty": "isatty", "github.com/hashicorp/golang-lru/v2": "lru", "github.com/spf13/cobra": "cobra",
	} {
		if got := guessName(p); got != want {
			t.Errorf("guessName(%q) = %q, want %q", p, got, want)
		}
	}
}

func TestErrVerdict(t *testing.T) {
	for msg, want := range map[string]classifiers.Verdict{
		"c.retries undefined (type *Conn has no field or method retries)": classifiers.StateTransfer,
		"unknown field retries in struct literal of type Conn":            classifiers.StateTransfer,
		"undefined: limit": classifiers.InterfaceInternal,
		"cannot use x (variable of type int) as string value in argument": classifiers.Unknown,
	} {
		if got := errVerdict(msg); got != want {
			t.Errorf("errVerdict(%q) = %v, want %v", msg, got, want)
		}
	}
}
