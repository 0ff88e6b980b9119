package cpatch

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/analyzer/cfront"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/internal/testrepo"
	"github.com/dynupd/dynupd-analyze/patchgen"
)

// netBase is a small user-space program in the style of the command
// tests' repositories.
const netBase = `#include <stdio.h>
struct conn { int fd; };
static int limit = 4;

static int
step(int x)
{
	return x + 1;
}

int run(struct conn *c)
{
	return step(c->fd) + limit;
}
`

// change builds a repository with two commits, the old and the new tree,
// and analyses the second against the first.
func change(t *testing.T, old, new map[string]string) (*analyzer.Analyzer, *analyzer.Result) {
	t.Helper()
	dir := t.TempDir()
	if _, err := testrepo.Build(dir, []testrepo.Commit{{Files: old, Message: "base"}, {Files: new, Message: "Fix step"}}); err != nil {
		t.Fatal(err)
	}
	a, err := analyzer.New(dir, analyzer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := a.Diff(context.Background(), analyzer.DiffOptions{Base: "HEAD~1", Head: "HEAD"})
	if err != nil {
		t.Fatal(err)
	}
	return a, r
}

// with returns files with some replaced.
func with(files map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range files {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func generate(t *testing.T, g patchgen.Generator, a *analyzer.Analyzer, r *analyzer.Result, closures bool) (*patchgen.Manifest, string) {
	t.Helper()
	funcs, left := patchgen.Select(r, closures)
	dir := t.TempDir()
	m, err := g.Generate(context.Background(), patchgen.Input{Result: r, Source: a, Funcs: funcs, LeftOut: left}, dir)
	if err != nil {
		t.Fatal(err)
	}
	// Only the files the manifest names, nothing else.
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != strings.Join(m.Files, ",") {
		t.Errorf("output directory holds %v, manifest lists %v", names, m.Files)
	}
	return m, dir
}

func read(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func haveGCC(t *testing.T) bool {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Log("gcc is not on PATH: compile check assertions skipped")
		return false
	}
	return true
}

// oneCheck returns the manifest's only check.
func oneCheck(t *testing.T, m *patchgen.Manifest) patchgen.Check {
	t.Helper()
	if len(m.Checks) != 1 {
		t.Fatalf("checks = %+v, want one", m.Checks)
	}
	return m.Checks[0]
}

func short(r *analyzer.Result) string { return r.Commit[:12] }

func TestULPStaticBodyChange(t *testing.T) {
	old := map[string]string{"src/net.c": netBase, "README": "hi\n"}
	a, r := change(t, old, with(old, "src/net.c", strings.Replace(netBase, "x + 1", "x + 2", 1)))
	m, dir := generate(t, NewULP(Options{}), a, r, false)
	s := short(r)
	want := []string{"Makefile", "livepatch_" + s + ".c", "livepatch_" + s + ".dsc"}
	if strings.Join(m.Files, ",") != strings.Join(want, ",") {
		t.Fatalf("files = %v, want %v", m.Files, want)
	}
	src := read(t, dir, "livepatch_"+s+".c")
	if !strings.Contains(src, "livepatch_step(int x)\n{\n\treturn x + 2;\n}") {
		t.Errorf("the replacement is not the renamed new step:\n%s", src)
	}
	if regexp.MustCompile(`static\s+int\s+livepatch_step`).MatchString(src) {
		t.Errorf("a ulp replacement must be exported for libpulp, not static:\n%s", src)
	}
	if !strings.Contains(src, "#include <stdio.h>") {
		t.Errorf("the source file's includes are not carried:\n%s", src)
	}
	dsc := read(t, dir, "livepatch_"+s+".dsc")
	lines := strings.Split(strings.TrimSuffix(dsc, "\n"), "\n")
	if len(lines) != 3 || lines[0] != "livepatch_"+s+".so" || !strings.HasPrefix(lines[1], "@") || !strings.Contains(lines[1], "src/net.o") || lines[2] != "step:livepatch_step" {
		t.Errorf("dsc =\n%s", dsc)
	}
	mk := read(t, dir, "Makefile")
	if !strings.Contains(mk, "livepatch_"+s+".so: livepatch_"+s+".c") || !strings.Contains(mk, "$(CC) $(CFLAGS) -fPIC -shared") || !strings.Contains(mk, "-I$(SRCDIR)/src") {
		t.Errorf("Makefile does not build the shared object:\n%s", mk)
	}
	if len(m.Functions) != 1 {
		t.Fatalf("functions = %+v", m.Functions)
	}
	f := m.Functions[0]
	if f.Name != "step" || f.Replacement != "livepatch_step" || f.File != "src/net.c" || f.Line != 5 || f.EndLine != 9 ||
		f.OldHash == "" || f.NewHash == "" || f.OldHash == f.NewHash {
		t.Errorf("function = %+v", f)
	}
	if f.NewHash != patchgen.Hash([]byte("static int\nstep(int x)\n{\n\treturn x + 2;\n}")) {
		t.Errorf("new hash is not the hash of the new definition's text")
	}
	if m.Target != "ulp" || m.Verdict != "live-patchable" || m.Commit != r.Commit || m.Finding != nil {
		t.Errorf("manifest = %+v", m)
	}
	if !haveGCC(t) {
		return
	}
	c := oneCheck(t, m)
	if c.Status != patchgen.CheckPassed || !strings.Contains(c.Command, "-fsyntax-only") {
		t.Errorf("check = %+v, want passed", c)
	}
}

func TestCompileFailsOnMemberTheOldStructLacks(t *testing.T) {
	if !haveGCC(t) {
		t.Skip("needs gcc")
	}
	old := map[string]string{"src/net.c": netBase}
	nw := strings.Replace(netBase, "struct conn { int fd; };", "struct conn { int fd; int flags; };", 1)
	nw = strings.Replace(nw, "return step(c->fd) + limit;", "return step(c->fd) + c->flags;", 1)
	a, r := change(t, old, with(old, "src/net.c", nw))
	for _, g := range []*Generator{NewULP(Options{}), NewKLP(Options{})} {
		m, _ := generate(t, g, a, r, false)
		c := oneCheck(t, m)
		if c.Status != patchgen.CheckFailed {
			t.Fatalf("%s: check = %+v, want failed", g.Target(), c)
		}
		// The error is quoted at its place in the new file: line 13.
		if !strings.HasPrefix(c.Detail, "src/net.c:13:") || !strings.Contains(c.Detail, "error:") || !strings.Contains(c.Detail, "has no member named 'flags'") {
			t.Errorf("%s: detail = %q", g.Target(), c.Detail)
		}
		f := m.Finding
		if f == nil {
			t.Fatalf("%s: no finding", g.Target())
		}
		if f.Rule != "PATCH-COMPILE" || f.Verdict != classifiers.StateTransfer || f.Entity != "func run" ||
			f.New == nil || f.New.File != "src/net.c" || f.New.Line != 11 ||
			f.Message != "the candidate does not compile against the old program: "+c.Detail {
			t.Errorf("%s: finding = %+v", g.Target(), f)
		}
	}
}

func TestCompileFailsOnMacroTheOldTreeLacks(t *testing.T) {
	if !haveGCC(t) {
		t.Skip("needs gcc")
	}
	hdr := "#ifndef LIMITS_H\n#define LIMITS_H\n#define LIMIT_MIN 1\n#endif\n"
	src := strings.Replace(netBase, "#include <stdio.h>", "#include <stdio.h>\n#include \"limits.h\"", 1)
	old := map[string]string{"src/net.c": src, "src/limits.h": hdr}
	for _, tc := range []struct {
		name, macro, use, msg string
	}{
		{"object-like", "#define LIMIT_MAX 9\n", "x + LIMIT_MAX", "'LIMIT_MAX' undeclared"},
		{"function-like", "#define CLAMP(v) ((v) > 9 ? 9 : (v))\n", "CLAMP(x + 1)", "implicit declaration of function 'CLAMP'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			newHdr := strings.Replace(hdr, "#endif", tc.macro+"#endif", 1)
			a, r := change(t, old, with(old, "src/limits.h", newHdr, "src/net.c", strings.Replace(src, "x + 1", tc.use, 1)))
			m, _ := generate(t, NewULP(Options{}), a, r, false)
			c := oneCheck(t, m)
			if c.Status != patchgen.CheckFailed || !strings.HasPrefix(c.Detail, "src/net.c:9:") || !strings.Contains(c.Detail, tc.msg) {
				t.Fatalf("check = %+v, want failed at src/net.c:9 with %q", c, tc.msg)
			}
			if !strings.Contains(c.Command, "-Isrc") {
				t.Errorf("command %q lacks the file's directory", c.Command)
			}
			if f := m.Finding; f == nil || f.Verdict != classifiers.InterfaceInternal || f.Entity != "func step" || f.Rule != "PATCH-COMPILE" {
				t.Errorf("finding = %+v, want PATCH-COMPILE interface-internal on func step", f)
			}
		})
	}
}

// TestBrokenCommitIsUnknown: a change whose file does not compile in its
// own tree fails the check, but the error says nothing of the old
// program: the verdict is raised to unknown, not to what the message reads
// like (here an undeclared identifier, interface-internal).
func TestBrokenCommitIsUnknown(t *testing.T) {
	if !haveGCC(t) {
		t.Skip("needs gcc")
	}
	old := map[string]string{"src/net.c": netBase}
	a, r := change(t, old, with(old, "src/net.c", strings.Replace(netBase, "return step(c->fd) + limit;", "return step(c->fd) + notDeclaredAnywhere;", 1)))
	m, _ := generate(t, NewULP(Options{}), a, r, false)
	c := oneCheck(t, m)
	if c.Status != patchgen.CheckFailed || !strings.Contains(c.Detail, "the new tree does not compile either") || !strings.Contains(c.Detail, "notDeclaredAnywhere") {
		t.Fatalf("check = %+v", c)
	}
	if f := m.Finding; f == nil || f.Verdict != classifiers.Unknown || !strings.Contains(f.Message, "does not compile in its own tree") {
		t.Fatalf("finding = %+v", f)
	}
}

func TestNewDeclarationsOfTheFileAreCarried(t *testing.T) {
	old := map[string]string{"src/net.c": netBase}
	nw := strings.Replace(netBase, "static int limit = 4;\n", "static int limit = 4;\n#define STEP 2\nstatic int bias = 3;\nstatic int twice(int y) { return y * STEP; }\n", 1)
	nw = strings.Replace(nw, "x + 1", "twice(x) + bias", 1)
	a, r := change(t, old, with(old, "src/net.c", nw))
	m, dir := generate(t, NewKLP(Options{}), a, r, false)
	src := read(t, dir, "livepatch-"+short(r)+".c")
	for _, want := range []string{"#define STEP 2", "static int bias = 3;", "static int twice(int y) { return y * STEP; }", "static int\nlivepatch_step(int x)"} {
		if !strings.Contains(src, want) {
			t.Errorf("module lacks %q:\n%s", want, src)
		}
	}
	if strings.Contains(src, "static int limit") {
		t.Errorf("module carries a declaration the change did not add:\n%s", src)
	}
	if strings.Index(src, "#define STEP") > strings.Index(src, "static int\nlivepatch_step") {
		t.Errorf("declarations are not in the new file's order")
	}
	var added, replaced int
	for _, f := range m.Functions {
		if f.Added && f.Name == "twice" && f.Replacement == "twice" && f.OldHash == "" {
			added++
		}
		if !f.Added && f.Name == "step" {
			replaced++
		}
	}
	if added != 1 || replaced != 1 {
		t.Errorf("functions = %+v", m.Functions)
	}
	if strings.Count(src, ".old_name") != 1 {
		t.Errorf("an added function is not redirected, only replaced ones are:\n%s", src)
	}
	if haveGCC(t) {
		if c := oneCheck(t, m); c.Status != patchgen.CheckPassed {
			t.Errorf("check = %+v, want passed", c)
		}
	}
}

func TestConfigureGeneratedHeaderIsNotAttempted(t *testing.T) {
	if !haveGCC(t) {
		t.Skip("needs gcc")
	}
	src := "#include \"config.h\"\n" + netBase
	old := map[string]string{"src/net.c": src, "config.h.in": "#undef HAVE_FOO\n"}
	a, r := change(t, old, with(old, "src/net.c", strings.Replace(src, "x + 1", "x + 2", 1)))
	m, _ := generate(t, NewULP(Options{}), a, r, false)
	c := oneCheck(t, m)
	if c.Status != patchgen.CheckNotAttempted || !strings.Contains(c.Detail, "config.h.in") || !strings.Contains(c.Detail, "config.h: No such file or directory") {
		t.Errorf("check = %+v, want not-attempted quoting the missing config.h", c)
	}
	if m.Finding != nil {
		t.Errorf("a check that was not attempted raised %+v", m.Finding)
	}
}

func TestMissingSystemHeaderIsNotAttempted(t *testing.T) {
	if !haveGCC(t) {
		t.Skip("needs gcc")
	}
	src := "#include <dynupd-no-such-header.h>\n" + netBase
	old := map[string]string{"src/net.c": src}
	a, r := change(t, old, with(old, "src/net.c", strings.Replace(src, "x + 1", "x + 2", 1)))
	m, _ := generate(t, NewULP(Options{}), a, r, false)
	c := oneCheck(t, m)
	if c.Status != patchgen.CheckNotAttempted || !strings.Contains(c.Detail, "not in the tree") || m.Finding != nil {
		t.Errorf("check = %+v, finding %+v", c, m.Finding)
	}
}

func TestHeaderElsewhereInTheTreeIsFound(t *testing.T) {
	if !haveGCC(t) {
		t.Skip("needs gcc")
	}
	// util.h includes "deep.h", which lives in another directory: the
	// check finds it in the tree and adds its directory.
	src := "#include \"util.h\"\n" + strings.Replace(netBase, "x + 1", "x + DEEP", 1)
	old := map[string]string{"src/net.c": src, "lib/util/util.h": "#include \"deep.h\"\n", "third/deep/deep.h": "#define DEEP 1\n"}
	a, r := change(t, old, with(old, "src/net.c", strings.Replace(src, "x + DEEP", "x + DEEP + 1", 1)))
	m, _ := generate(t, NewULP(Options{}), a, r, false)
	c := oneCheck(t, m)
	if c.Status != patchgen.CheckPassed || !strings.Contains(c.Command, "-Ilib/util") || !strings.Contains(c.Command, "-Ithird/deep") {
		t.Errorf("check = %+v", c)
	}
}

func TestCompileCommandsFlagsAreUsed(t *testing.T) {
	if !haveGCC(t) {
		t.Skip("needs gcc")
	}
	src := "#include \"api.h\"\n#ifndef FOO\n#error FOO is required\n#endif\n" + netBase
	db := `[
  {"directory": "/home/dev/proj/build", "file": "/home/dev/proj/src/net.c",
   "command": "cc -DFOO=1 -I/home/dev/proj/include -Wall -fplugin=evil.so -O2 -c ../src/net.c -o net.o"},
  {"directory": "/home/dev/proj", "file": "src/other.c", "arguments": ["cc", "-DBAR", "-c", "src/other.c"]}
]`
	old := map[string]string{"src/net.c": src, "include/api.h": "#define API 1\n", "compile_commands.json": db}
	a, r := change(t, old, with(old, "src/net.c", strings.Replace(src, "x + 1", "x + API", 1)))
	m, _ := generate(t, NewULP(Options{}), a, r, false)
	c := oneCheck(t, m)
	if c.Status != patchgen.CheckPassed {
		t.Fatalf("check = %+v, want passed with the database's -DFOO", c)
	}
	if !strings.Contains(c.Command, " -DFOO=1 ") || !strings.Contains(c.Command, " -Iinclude ") {
		t.Errorf("command %q lacks the database's flags", c.Command)
	}
	for _, bad := range []string{"-Wall", "-fplugin", "-O2", "-DBAR", "-o "} {
		if strings.Contains(c.Command, bad) {
			t.Errorf("command %q carries %s from the database", c.Command, bad)
		}
	}
}

// kernelOld is a kernel-shaped tree.
var kernelOld = map[string]string{
	"Kbuild":                "obj-y += kernel/\n",
	"include/linux/foo.h":   "#ifndef _LINUX_FOO_H\n#define _LINUX_FOO_H\nstruct foo { int count; };\nint foo_step(struct foo *f, int x);\n#endif\n",
	"kernel/Makefile":       "obj-y += foo.o\n",
	"kernel/foo.c":          kernelFoo,
	"Documentation/foo.rst": "foo\n",
}

const kernelFoo = `// SPDX-License-Identifier: GPL-2.0
#include <linux/foo.h>

static int foo_limit = 16;

static int foo_clamp(int x)
{
	return x > foo_limit ? foo_limit : x;
}

int foo_step(struct foo *f, int x)
{
	f->count++;
	return foo_clamp(x + 1);
}

int foo_reset(struct foo *f)
{
	f->count = 0;
	return 0;
}
`

func TestKLPKernelTree(t *testing.T) {
	nw := strings.Replace(kernelFoo, "return foo_clamp(x + 1);", "return foo_clamp(x + 2);", 1)
	// A change the module cannot carry, far from the function: a global's
	// initializer (state transfer).
	nw = strings.Replace(nw, "static int foo_limit = 16;", "static int foo_limit = 32;", 1)
	a, r := change(t, kernelOld, with(kernelOld, "kernel/foo.c", nw))
	var files []string
	for f := range kernelOld {
		files = append(files, f)
	}
	if !IsKernelTree(files) {
		t.Fatalf("IsKernelTree(%v) = false", files)
	}
	m, dir := generate(t, NewKLP(Options{}), a, r, false)
	s := short(r)
	want := []string{s + ".patch", "Kbuild", "livepatch-" + s + ".c"}
	if strings.Join(m.Files, ",") != strings.Join(want, ",") {
		t.Fatalf("files = %v, want %v", m.Files, want)
	}
	src := read(t, dir, "livepatch-"+s+".c")
	for _, want := range []string{
		"#include <linux/module.h>\n#include <linux/kernel.h>\n#include <linux/livepatch.h>\n",
		"#include <linux/foo.h>",
		"static int livepatch_foo_step(struct foo *f, int x)\n{\n\tf->count++;\n\treturn foo_clamp(x + 2);\n}",
		"static struct klp_func funcs[] = {\n\t{\n\t\t.old_name = \"foo_step\",\n\t\t.new_func = livepatch_foo_step,\n\t},\n\t{ }\n};",
		"static struct klp_object objs[] = {",
		".funcs = funcs,",
		"static struct klp_patch patch = {\n\t.mod = THIS_MODULE,\n\t.objs = objs,\n};",
		"return klp_enable_patch(&patch);",
		"module_init(livepatch_init);",
		"module_exit(livepatch_exit);",
		`MODULE_LICENSE("GPL");`,
		`MODULE_INFO(livepatch, "Y");`,
	} {
		if !strings.Contains(src, want) {
			t.Errorf("module lacks %q:\n%s", want, src)
		}
	}
	if strings.Contains(src, "foo_limit = 32") {
		t.Errorf("module carries the changed global:\n%s", src)
	}
	if kb := read(t, dir, "Kbuild"); !strings.Contains(kb, "obj-m += livepatch-"+s+".o\n") {
		t.Errorf("Kbuild = %q", kb)
	}
	patch := read(t, dir, s+".patch")
	wantPatch := `diff --git a/kernel/foo.c b/kernel/foo.c
--- a/kernel/foo.c
+++ b/kernel/foo.c
@@ -11,7 +11,7 @@
 int foo_step(struct foo *f, int x)
 {
 	f->count++;
-	return foo_clamp(x + 1);
+	return foo_clamp(x + 2);
 }
 
 int foo_reset(struct foo *f)
`
	if patch != wantPatch {
		t.Errorf("patch =\n%s\nwant\n%s", patch, wantPatch)
	}
	if len(m.LeftOut) == 0 || !strings.Contains(m.LeftOut[0].Entity, "foo_limit") {
		t.Errorf("left out = %+v, want the global", m.LeftOut)
	}
	if !haveGCC(t) {
		return
	}
	c := oneCheck(t, m)
	if c.Status != patchgen.CheckPassed || !strings.Contains(c.Command, "-Iinclude") || !strings.Contains(c.Command, "-D__KERNEL__") {
		t.Errorf("check = %+v", c)
	}
}

func TestKLPGeneratedKernelHeadersAreNotAttempted(t *testing.T) {
	if !haveGCC(t) {
		t.Skip("needs gcc")
	}
	foo := "#include <generated/autoconf.h>\n" + kernelFoo
	old := with(kernelOld, "kernel/foo.c", foo)
	a, r := change(t, old, with(old, "kernel/foo.c", strings.Replace(foo, "x + 1", "x + 2", 1)))
	m, _ := generate(t, NewKLP(Options{}), a, r, false)
	c := oneCheck(t, m)
	if c.Status != patchgen.CheckNotAttempted || !strings.Contains(c.Detail, "generated headers") || !strings.Contains(c.Detail, "generated/autoconf.h") {
		t.Errorf("check = %+v", c)
	}
}

func TestIsKernelTree(t *testing.T) {
	for _, tc := range []struct {
		files []string
		want  bool
	}{
		{[]string{"Kbuild", "Kconfig", "Makefile", "include/linux/sched.h", "kernel/sched/core.c"}, true},
		{[]string{"Kbuild", "include/linux/foo.h", "kernel/foo.c"}, true},
		{[]string{"Kconfig", "include/zephyr/kernel.h", "kernel/sched.c"}, false},       // Zephyr
		{[]string{"Kbuild", "Kconfig", "include/linux/list.h", "common/main.c"}, false}, // U-Boot
		{[]string{"Kbuild", "foo.c", "include/linux/foo.h"}, false},                     // an out-of-tree module
		{[]string{"src/net.c", "Makefile"}, false},
		{nil, false},
	} {
		if got := IsKernelTree(tc.files); got != tc.want {
			t.Errorf("IsKernelTree(%v) = %v, want %v", tc.files, got, tc.want)
		}
	}
}

// TestCallAcrossUnits: a function the change adds to one file (its
// prototype added to a header) and calls from another file is carried by
// the first unit and declared in the second: the old translation unit of
// the caller does not see the new prototype, and without the module's own
// declaration the check would fail on an implicit declaration.
func TestCallAcrossUnits(t *testing.T) {
	if !haveGCC(t) {
		t.Skip("needs gcc")
	}
	hdr := "#ifndef UTIL_H\n#define UTIL_H\nint util_base(int x);\n#endif\n"
	util := "#include \"util.h\"\n\nint util_base(int x)\n{\n\treturn x * 2;\n}\n"
	mainOld := "#include <stdio.h>\n#include \"util.h\"\n\nint report(int x)\n{\n\tprintf(\"%d\\n\", util_base(x));\n\treturn 0;\n}\n"
	old := map[string]string{"src/util.h": hdr, "src/util.c": util, "src/main.c": mainOld}
	nw := with(old,
		"src/util.h", strings.Replace(hdr, "#endif", "long util_scaled(int x, long k);\n#endif", 1),
		"src/util.c", util+"\nlong util_scaled(int x, long k)\n{\n\treturn (long)util_base(x) * k;\n}\n",
		"src/main.c", strings.Replace(mainOld, "util_base(x));", "(int)util_scaled(x, 3));", 1))
	a, r := change(t, old, nw)
	m, out := generate(t, NewULP(Options{}), a, r, false)
	if len(m.Checks) != 2 {
		t.Fatalf("checks %+v", m.Checks)
	}
	for _, c := range m.Checks {
		if c.Status != patchgen.CheckPassed {
			t.Errorf("check %+v, want passed", c)
		}
	}
	if m.Finding != nil {
		t.Errorf("finding %+v", m.Finding)
	}
	src := read(t, out, "livepatch_"+short(r)+".c")
	proto, def := strings.Index(src, "long util_scaled(int x, long k);"), strings.Index(src, "long util_scaled(int x, long k)\n{")
	if proto < 0 || def < 0 {
		t.Fatalf("module lacks the prototype or the definition:\n%s", src)
	}
}

func TestSignatureChangeInAClosure(t *testing.T) {
	old := map[string]string{"src/net.c": netBase}
	nw := strings.Replace(netBase, "step(int x)", "step(int x, int y)", 1)
	nw = strings.Replace(nw, "x + 1", "x + y", 1)
	nw = strings.Replace(nw, "step(c->fd)", "step(c->fd, 1)", 1)
	a, r := change(t, old, with(old, "src/net.c", nw))
	m, dir := generate(t, NewULP(Options{}), a, r, true)
	if len(m.Closure) != 2 {
		t.Errorf("closure = %v", m.Closure)
	}
	src := read(t, dir, "livepatch_"+short(r)+".c")
	// run calls the new step through its replacement: the old step's
	// declaration does not fit the new call.
	if !strings.Contains(src, "return livepatch_step(c->fd, 1) + limit;") || !strings.Contains(src, "livepatch_step(int x, int y);") {
		t.Errorf("module:\n%s", src)
	}
	if haveGCC(t) {
		if c := oneCheck(t, m); c.Status != patchgen.CheckPassed {
			t.Errorf("check = %+v", c)
		}
	}
}

func TestNoCompiler(t *testing.T) {
	old := map[string]string{"src/net.c": netBase}
	a, r := change(t, old, with(old, "src/net.c", strings.Replace(netBase, "x + 1", "x + 2", 1)))
	m, _ := generate(t, NewULP(Options{CC: "dynupd-no-such-compiler"}), a, r, false)
	c := oneCheck(t, m)
	if c.Status != patchgen.CheckNotAttempted || !strings.Contains(c.Detail, "not found on PATH") {
		t.Errorf("check = %+v", c)
	}
}

func TestNothingToCarry(t *testing.T) {
	old := map[string]string{"src/net.c": netBase}
	a, r := change(t, old, with(old, "src/net.c", strings.Replace(netBase, "limit = 4", "limit = 5", 1)))
	m, _ := generate(t, NewKLP(Options{}), a, r, false)
	if len(m.Files) != 0 || len(m.Functions) != 0 || len(m.LeftOut) == 0 {
		t.Errorf("manifest = %+v", m)
	}
	if c := oneCheck(t, m); c.Status != patchgen.CheckNotAttempted {
		t.Errorf("check = %+v", c)
	}
}

func TestGenerateNeverOverwrites(t *testing.T) {
	old := map[string]string{"src/net.c": netBase}
	a, r := change(t, old, with(old, "src/net.c", strings.Replace(netBase, "x + 1", "x + 2", 1)))
	funcs, left := patchgen.Select(r, false)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Makefile"), []byte("keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := NewULP(Options{}).Generate(context.Background(), patchgen.Input{Result: r, Source: a, Funcs: funcs, LeftOut: left}, dir); err == nil {
		t.Error("Generate wrote over an existing file")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "Makefile")); string(b) != "keep\n" {
		t.Errorf("Makefile = %q", b)
	}
	if _, err := NewULP(Options{}).Generate(context.Background(), patchgen.Input{}, dir); err == nil {
		t.Error("Generate accepted an input without a result")
	}
}

func TestFilteredDiff(t *testing.T) {
	old := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n"
	// Line 2 changes (outside the range) and lines 9-10 change (inside).
	nw := "a\nB\nc\nd\ne\nf\ng\nh\nI\nJ\nk\nl\n"
	got := filteredDiff("x.c", "x.c", old, nw, []lineRange{{8, 11}})
	want := "diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -6,7 +6,7 @@\n f\n g\n h\n-i\n-j\n+I\n+J\n k\n l\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// Both edits kept, and the second hunk's new line numbers follow the
	// first's insertion.
	nw2 := "a\nb\nb2\nc\nd\ne\nf\ng\nh\ni\nJ\nk\nl\n"
	got = filteredDiff("x.c", "x.c", old, nw2, []lineRange{{1, 13}})
	want = "diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1,5 +1,6 @@\n a\n b\n+b2\n c\n d\n e\n@@ -7,6 +8,6 @@\n g\n h\n i\n-j\n+J\n k\n l\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := filteredDiff("x.c", "x.c", old, nw, []lineRange{{20, 30}}); got != "" {
		t.Errorf("no edit in range, got\n%s", got)
	}
	// A missing newline at the end is marked.
	got = filteredDiff("x.c", "x.c", "a\nb", "a\nc", []lineRange{{1, 2}})
	if !strings.HasSuffix(got, "-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n") {
		t.Errorf("got\n%s", got)
	}
}

func TestShellSplitAndDatabaseFlags(t *testing.T) {
	got := shellSplit(`cc -DMSG="hello world" -I'/a b/inc' -DX=\"y\" -c f.c`)
	want := []string{"cc", "-DMSG=hello world", "-I/a b/inc", `-DX="y"`, "-c", "f.c"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("shellSplit = %q, want %q", got, want)
	}
	db := `[{"directory": "/w/p", "file": "src/a.c", "arguments": ["gcc", "-I", "inc", "-I/usr/include/glib-2.0", "-iquote", "src", "-include", "/etc/passwd", "-include", "cfg.h", "-std=gnu99", "-std=$(evil)", "-D", "A=1", "-UB", "-I-fplugin=x.so", "-c", "src/a.c"]}]`
	fl, ok := ccFlags([]byte(db), "src/a.c")
	wantFl := []string{"-Iinc", "-I/usr/include/glib-2.0", "-iquotesrc", "-include", "cfg.h", "-std=gnu99", "-DA=1", "-UB"}
	if !ok || strings.Join(fl, "|") != strings.Join(wantFl, "|") {
		t.Errorf("ccFlags = %q, %v; want %q", fl, ok, wantFl)
	}
	if _, ok := ccFlags([]byte(db), "src/b.c"); ok {
		t.Error("ccFlags found an entry for a file the database lacks")
	}
	if _, ok := ccFlags([]byte("not json"), "src/a.c"); ok {
		t.Error("ccFlags accepted a broken database")
	}
}

func TestRenameDefinition(t *testing.T) {
	for _, tc := range []struct {
		src  string
		st   storage
		want string
	}{
		{"static int\nstep(int x)\n{\n\treturn step(x - 1);\n}", keepStorage, "static int\nlivepatch_step(int x)\n{\n\treturn step(x - 1);\n}"},
		{"int step(int x) { return x; }", makeStatic, "static int livepatch_step(int x) { return x; }"},
		{"extern int step(int x) { return x; }", makeStatic, "static int livepatch_step(int x) { return x; }"},
		{"static inline int step(int x) { return x; }", exportStorage, "int livepatch_step(int x) { return x; }"},
		{"static const char *step(void) { static int n; return \"step\"; }", exportStorage, "const char *livepatch_step(void) { static int n; return \"step\"; }"},
	} {
		inv := cfront.Scan([]byte(tc.src), cfront.ScanOptions{})
		d, ok := findDef([]byte(tc.src), inv, "step", 0)
		if !ok {
			t.Errorf("no definition of step in %q", tc.src)
			continue
		}
		if got := d.rename("livepatch_step", tc.st); got != tc.want {
			t.Errorf("rename(%q) = %q, want %q", tc.src, got, tc.want)
		}
	}
	// A line that does not start the definition is not taken for it.
	src := []byte("int other(void) { return 0; }\nint step(int x) { return x; }\n")
	if _, ok := findDef(src, cfront.Scan(src, cfront.ScanOptions{}), "step", 1); ok {
		t.Error("findDef took line 1 for step")
	}
}

func TestErrorInsideAMacroOfTheOldFile(t *testing.T) {
	if !haveGCC(t) {
		t.Skip("needs gcc")
	}
	// gcc places the error at the macro's definition in the old lines;
	// the note on its expansion points at the carried function.
	src := strings.Replace(netBase, "static int limit = 4;", "static int limit = 4;\n#define CONN_FLAGS(c) ((c)->flags)", 1)
	old := map[string]string{"src/net.c": src}
	nw := strings.Replace(src, "struct conn { int fd; };", "struct conn { int fd; int flags; };", 1)
	nw = strings.Replace(nw, "return step(c->fd) + limit;", "return step(c->fd) + CONN_FLAGS(c);", 1)
	a, r := change(t, old, with(old, "src/net.c", nw))
	m, _ := generate(t, NewULP(Options{}), a, r, false)
	c := oneCheck(t, m)
	if c.Status != patchgen.CheckFailed || !strings.HasPrefix(c.Detail, "src/net.c:14:") || !strings.Contains(c.Detail, "has no member named 'flags'") {
		t.Fatalf("check = %+v, want failed at the use on line 14", c)
	}
	if f := m.Finding; f == nil || f.Entity != "func run" || f.Verdict != classifiers.StateTransfer {
		t.Errorf("finding = %+v", f)
	}
}

func TestExportableKeepsWhatACompileCanNeed(t *testing.T) {
	for p, want := range map[string]bool{
		"src/server.c": true, "src/server.h": true, "deps/x/tbl.def": true, "config.h.in": true,
		"build/compile_commands.json": true, "src/asm.S": true,
		"tests/unit/type.tcl": false, "README.md": false, "src/commands/get.json": false, "logo.png": false,
	} {
		if exportable(p) != want {
			t.Errorf("%s: exportable %v, want %v", p, !want, want)
		}
	}
}

// TestBundledHeaderDoesNotShadowSystemHeader: a bundled library's copy of
// stdbool.h must not be put on the include path for <stdbool.h> (redis's
// deps/jemalloc has such copies), while a bracketed header only the tree
// has is still found.
func TestBundledHeaderDoesNotShadowSystemHeader(t *testing.T) {
	if !haveGCC(t) {
		t.Skip("needs gcc")
	}
	src := "#include <stdbool.h>\n#include <bundled.h>\n" + strings.Replace(netBase, "x + 1", "x + (int)true + B", 1)
	old := map[string]string{"src/net.c": src, "deps/lib/compat/stdbool.h": "#error the bundled copy was used\n", "deps/lib/inc/bundled.h": "#define B 1\n"}
	a, r := change(t, old, with(old, "src/net.c", strings.Replace(src, "+ B", "+ B + 1", 1)))
	m, _ := generate(t, NewULP(Options{}), a, r, false)
	c := oneCheck(t, m)
	if c.Status != patchgen.CheckPassed || strings.Contains(c.Command, "compat") || !strings.Contains(c.Command, "-Ideps/lib/inc") {
		t.Errorf("check = %+v", c)
	}
}
