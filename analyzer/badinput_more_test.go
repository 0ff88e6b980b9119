package analyzer_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/internal/testrepo"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// gitCmd runs the git binary in dir, isolated from the user's and the
// system's configuration, with fixed identities and dates so hashes are
// stable. It is used only for shapes go-git cannot build (shallow clones,
// gitlinks); nothing touches the network.
func gitCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git binary not found")
	}
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull, "HOME="+t.TempDir(),
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@dynupd.invalid", "GIT_AUTHOR_DATE=2021-03-04T05:06:07Z",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@dynupd.invalid", "GIT_COMMITTER_DATE=2021-03-04T05:06:07Z",
		"GIT_TERMINAL_PROMPT=0", "GIT_ALLOW_PROTOCOL=file")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// rules returns the rule IDs of a result's findings, each with its entity.
func rules(r *analyzer.Result) map[string][]string {
	out := map[string][]string{}
	for _, f := range r.Findings {
		out[f.Rule] = append(out[f.Rule], f.Entity)
	}
	return out
}

// byCommit indexes results by commit hash.
func byCommit(rs []*analyzer.Result) map[string]*analyzer.Result {
	out := map[string]*analyzer.Result{}
	for _, r := range rs {
		out[r.Commit] = r
	}
	return out
}

// skipReason returns why a path was skipped in a result, "" if it was not.
func skipReason(r *analyzer.Result, p string) string {
	for _, s := range r.Skipped {
		if s.Path == p {
			return s.Reason
		}
	}
	return ""
}

// TestShallowCloneBoundary: in a shallow clone the oldest commit's parent
// is not in the repository. The boundary commit is still listed and
// reported, with verdict unknown and a FILE-MISSING finding that names the
// absent parent; it is not diffed at all (in particular not against the
// empty tree, as if it were a root commit, which would call every file
// "added"), so it is never live-patchable or no-op. The commits above the
// boundary are analysed as usual.
func TestShallowCloneBoundary(t *testing.T) {
	src := t.TempDir()
	hs, err := testrepo.Build(src, []testrepo.Commit{
		{Files: map[string]string{"a.c": "int f(void) { return 1; }\n"}},
		{Files: map[string]string{"a.c": "int f(void) { return 2; }\n"}},
		{Files: map[string]string{"a.c": "int f(void) { return 3; }\n"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "shallow")
	gitCmd(t, "", "clone", "--quiet", "--depth", "2", "file://"+src, dst)
	if _, err := os.Stat(filepath.Join(dst, ".git", "shallow")); err != nil {
		t.Fatalf("not a shallow clone: %v", err)
	}
	rs, err := runAll(t, dst, analyzer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 {
		t.Fatalf("%d commits, want the 2 the clone holds", len(rs))
	}
	got := byCommit(rs)
	top, boundary := got[hs[2].String()], got[hs[1].String()]
	if top == nil || boundary == nil {
		t.Fatalf("commits %v", rs)
	}
	if top.Verdict != classifiers.LivePatchable || len(rules(top)["C-FUNC-BODY"]) != 1 {
		t.Errorf("commit above the boundary: %s %v", top.Verdict, rules(top))
	}
	checkBoundary := func(r *analyzer.Result) {
		t.Helper()
		if r.Verdict != classifiers.Unknown || r.Tier != classifiers.TierNone {
			t.Errorf("boundary: verdict %s tier %s, want unknown", r.Verdict, r.Tier)
		}
		if len(r.Findings) != 1 || r.Findings[0].Rule != "FILE-MISSING" || !strings.Contains(r.Findings[0].Message, "shallow") ||
			!strings.Contains(r.Findings[0].Entity, hs[0].String()[:12]) {
			t.Errorf("boundary findings: %+v", r.Findings)
		}
		if len(r.Files) != 0 || len(r.Parents) != 1 || r.Parents[0] != hs[0].String() {
			t.Errorf("boundary diffed (files %+v) or parents lost (%v)", r.Files, r.Parents)
		}
	}
	checkBoundary(boundary)
	// The boundary alone, and a range reaching below it, say the same.
	rs, err = runAll(t, dst, analyzer.Options{Range: hs[1].String() + "^!"})
	if err != nil || len(rs) != 1 {
		t.Fatalf("boundary^!: %d results, %v", len(rs), err)
	}
	checkBoundary(rs[0])
	rs, err = runAll(t, dst, analyzer.Options{Range: "HEAD~1..HEAD"})
	if err != nil || len(rs) != 1 || rs[0].Commit != hs[2].String() {
		t.Errorf("HEAD~1..HEAD: %d results, %v", len(rs), err)
	}
	// A revision below the boundary does not resolve: an error, not a guess.
	if _, err := runAll(t, dst, analyzer.Options{Range: hs[0].String() + "..HEAD"}); err == nil {
		t.Errorf("a range from a commit the clone lacks: no error")
	}
}

// TestDamagedHistory: a commit object that is corrupt is an error naming
// it, whether the walk or the diff meets it, never the quiet end of the
// history (it used to be taken for a shallow boundary, and the commits
// below it vanished from the results). A commit object that is missing
// from a repository that is not shallow is reported as a boundary is, but
// the finding says the repository may be damaged, not that it is shallow.
func TestDamagedHistory(t *testing.T) {
	build := func() (string, []plumbing.Hash) {
		dir := t.TempDir()
		hs, err := testrepo.Build(dir, []testrepo.Commit{
			{Files: map[string]string{"a.c": "int f(void) { return 1; }\n"}},
			{Files: map[string]string{"a.c": "int f(void) { return 2; }\n"}},
			{Files: map[string]string{"a.c": "int f(void) { return 3; }\n"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return dir, hs
	}
	dir, hs := build()
	p := objectPath(dir, hs[1])
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("this is not zlib"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, rng := range []string{"", hs[0].String() + "..HEAD", "HEAD^!"} {
		if _, err := runAll(t, dir, analyzer.Options{Range: rng}); err == nil || !strings.Contains(err.Error(), hs[1].String()) {
			t.Errorf("range %q over a corrupt commit: err = %v, want one naming %s", rng, err, hs[1])
		}
	}

	dir, hs = build()
	if err := os.Remove(objectPath(dir, hs[1])); err != nil {
		t.Fatal(err)
	}
	rs, err := runAll(t, dir, analyzer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Verdict != classifiers.Unknown || len(rs[0].Findings) != 1 ||
		!strings.Contains(rs[0].Findings[0].Message, "damaged") || strings.Contains(rs[0].Findings[0].Message, "shallow") {
		t.Errorf("missing parent: %d results, first %+v", len(rs), rs[0])
	}
}

// TestSubmoduleChanges: a gitlink (a submodule's commit) added, moved to
// another commit and removed. The code it points at is not in the
// repository, so each such change is unknown (FILE-LANG, the path listed
// as skipped with the reason); the other files of the commit are still
// analysed.
func TestSubmoduleChanges(t *testing.T) {
	sub := t.TempDir()
	subs, err := testrepo.Build(sub, []testrepo.Commit{
		{Files: map[string]string{"lib.c": "int lib(void) { return 1; }\n"}},
		{Files: map[string]string{"lib.c": "int lib(void) { return 2; }\n"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gitCmd(t, dir, "init", "--quiet", "--initial-branch=main")
	write("a.c", "int f(void) { return 1; }\n")
	gitCmd(t, dir, "add", "a.c")
	gitCmd(t, dir, "commit", "--quiet", "-m", "base")
	// Add the submodule (a gitlink and .gitmodules) with a body change.
	write("a.c", "int f(void) { return 2; }\n")
	write(".gitmodules", "[submodule \"lib\"]\n\tpath = lib\n\turl = ../lib\n")
	gitCmd(t, dir, "update-index", "--add", "--cacheinfo", "160000,"+subs[0].String()+",lib")
	gitCmd(t, dir, "add", "a.c", ".gitmodules")
	gitCmd(t, dir, "commit", "--quiet", "-m", "add lib")
	added := gitCmd(t, dir, "rev-parse", "HEAD")
	gitCmd(t, dir, "update-index", "--cacheinfo", "160000,"+subs[1].String()+",lib")
	gitCmd(t, dir, "commit", "--quiet", "-m", "bump lib")
	bumped := gitCmd(t, dir, "rev-parse", "HEAD")
	gitCmd(t, dir, "rm", "--quiet", "--cached", "lib")
	gitCmd(t, dir, "commit", "--quiet", "-m", "drop lib")
	dropped := gitCmd(t, dir, "rev-parse", "HEAD")

	rs, err := runAll(t, dir, analyzer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := byCommit(rs)
	for _, h := range []string{added, bumped, dropped} {
		r := got[h]
		if r == nil {
			t.Fatalf("commit %s not reported", h)
		}
		if r.Verdict != classifiers.Unknown || len(rules(r)["FILE-LANG"]) != 1 || !strings.Contains(skipReason(r, "lib"), "submodule") {
			t.Errorf("%s: verdict %s, findings %v, skipped %v", r.Subject, r.Verdict, rules(r), r.Skipped)
		}
	}
	if r := got[added]; len(rules(r)["C-FUNC-BODY"]) != 1 {
		t.Errorf("the other files of the commit were not analysed: %v", rules(r))
	}
}

// TestSymlinks: a symbolic link's blob is a path, not code, yet where it
// points decides what is compiled (a header chosen by a link, a linked
// directory of sources). A link added, retargeted or removed outside
// tests and docs is therefore unknown (FILE-LANG, the path skipped with
// its targets named), never the no-op of a file that is not compiled; a
// link under docs/ is no-op.
func TestSymlinks(t *testing.T) {
	dir := t.TempDir()
	base := map[string]string{
		"a.c":                 "#include \"cfg.h\"\nint f(void) { return CFG; }\n",
		"include/cfg_linux.h": "#define CFG 1\n",
		"include/cfg_bsd.h":   "#define CFG 2\n",
		"README.md":           "read me\n",
		"pkg/impl.go":         "package pkg\n\nfunc F() int { return 1 }\n",
	}
	links := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	hs, err := testrepo.Build(dir, []testrepo.Commit{
		{Files: base},
		{Files: base, Symlinks: links("include/cfg.h", "cfg_linux.h"), Message: "link header"},
		{Files: base, Symlinks: links("include/cfg.h", "cfg_bsd.h"), Message: "retarget header"},
		{Files: base, Symlinks: links("include/cfg.h", "cfg_bsd.h", "platform", "include"), Message: "link directory"},
		{Files: base, Symlinks: links("include/cfg.h", "cfg_bsd.h", "platform", "include", "pkg/alias.go", "impl.go"), Message: "link go"},
		{Files: base, Symlinks: links("platform", "include", "pkg/alias.go", "impl.go"), Message: "unlink header"},
		{Files: base, Symlinks: links("platform", "include", "pkg/alias.go", "impl.go", "docs/README.md", "../README.md"), Message: "link doc"},
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := r.CommitObject(hs[1]); c != nil {
		if f, err := c.File("include/cfg.h"); err != nil || f.Mode.String() != "0120000" {
			t.Fatalf("include/cfg.h is not a symlink in the tree: %v %v", f, err)
		}
	}
	rs, err := runAll(t, dir, analyzer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := byCommit(rs)
	for i, want := range []struct{ path, reason string }{
		{"include/cfg.h", `symlink to "cfg_linux.h"`},
		{"include/cfg.h", `symlink retargeted from "cfg_linux.h" to "cfg_bsd.h"`},
		{"platform", `symlink to "include"`},
		{"pkg/alias.go", `symlink to "impl.go"`},
		{"include/cfg.h", `symlink to "cfg_bsd.h" removed`},
	} {
		res := got[hs[i+1].String()]
		want.reason += ": what it points at is not analysed"
		if res.Verdict != classifiers.Unknown || skipReason(res, want.path) != want.reason || len(rules(res)["FILE-LANG"]) != 1 {
			t.Errorf("%s: verdict %s, findings %v, skipped %v; want unknown with %s skipped: %s", res.Subject, res.Verdict, rules(res), res.Skipped, want.path, want.reason)
		}
	}
	if res := got[hs[6].String()]; res.Verdict != classifiers.NoOp {
		t.Errorf("%s: verdict %s, findings %v; a link under docs/ is not compiled", res.Subject, res.Verdict, rules(res))
	}
}

// TestBinaryFiles: a C file whose content turns binary (a NUL byte in its
// first 8000 bytes) is skipped with the reason "binary content" and is
// unknown, whichever side of the change is binary. A Go file with a NUL
// byte does not compile (gc rejects NUL in source text): it is unknown
// through GO-PARSE. A binary file that is not code (an image, a firmware
// blob) is no-op.
func TestBinaryFiles(t *testing.T) {
	dir := t.TempDir()
	text := map[string]string{"a.c": "int f(void) { return 1; }\n", "b.go": "package b\n\nfunc B() int { return 1 }\n", "logo.png": "\x89PNG\r\n\x1a\n\x00\x01"}
	withC := map[string]string{"a.c": "int f(void) { return 1; }\x00\x01\x02\n", "b.go": text["b.go"], "logo.png": text["logo.png"]}
	backC := map[string]string{"a.c": "int f(void) { return 2; }\n", "b.go": text["b.go"], "logo.png": text["logo.png"]}
	withGo := map[string]string{"a.c": backC["a.c"], "b.go": "package b\n\nfunc B() int { return 1 }\x00\n", "logo.png": text["logo.png"]}
	img := map[string]string{"a.c": backC["a.c"], "b.go": withGo["b.go"], "logo.png": "\x89PNG\r\n\x1a\n\x00\x02", "fw.bin": "\x7fELF\x00\x00"}
	hs, err := testrepo.Build(dir, []testrepo.Commit{{Files: text}, {Files: withC}, {Files: backC}, {Files: withGo}, {Files: img}})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := runAll(t, dir, analyzer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := byCommit(rs)
	for _, i := range []int{1, 2} {
		res := got[hs[i].String()]
		if res.Verdict != classifiers.Unknown || skipReason(res, "a.c") != "binary content" || len(rules(res)["FILE-SKIPPED"]) != 1 {
			t.Errorf("commit %d: verdict %s, findings %v, skipped %v; want a.c skipped as binary, unknown", i, res.Verdict, rules(res), res.Skipped)
		}
	}
	if res := got[hs[3].String()]; res.Verdict != classifiers.Unknown || len(rules(res)["GO-PARSE"]) != 1 {
		t.Errorf("binary Go: verdict %s, findings %+v", res.Verdict, res.Findings)
	}
	if res := got[hs[4].String()]; res.Verdict != classifiers.NoOp {
		t.Errorf("binary data files: verdict %s, findings %v", res.Verdict, rules(res))
	}
}

// TestHundredMegabyteFile: a 100 MB file (generated here, never committed
// to this repository), once as C and once as Go, is over the size limit:
// each is skipped with its size and the limit (FILE-SKIPPED), the commit is
// unknown, neither blob is parsed, and the other files of the commit are
// analysed. (A Go file over the limit used to fail the whole run.)
func TestHundredMegabyteFile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 100 MB blob")
	}
	dir := t.TempDir()
	// The same content under both names is one blob.
	huge := "int huge(void) { return 0; }\n" + strings.Repeat("/* 100 MB of padding, one comment line after another */\n", 100<<20/56+1)
	hs, err := testrepo.BuildPacked(dir, []testrepo.Commit{
		{Files: map[string]string{"a.c": "int f(void) { return 1; }\n"}},
		{Files: map[string]string{"a.c": "int f(void) { return 2; }\n", "huge.c": huge, "huge/huge.go": huge}},
	})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := runAll(t, dir, analyzer.Options{Range: hs[1].String() + "^!"})
	if err != nil {
		t.Fatal(err)
	}
	r := rs[0]
	want := fmt.Sprintf("%d bytes, over the %d-byte limit", len(huge), 2<<20)
	if r.Verdict != classifiers.Unknown || skipReason(r, "huge.c") != want || skipReason(r, "huge/huge.go") != want ||
		len(rules(r)["FILE-SKIPPED"]) != 2 || len(rules(r)["C-FUNC-BODY"]) != 1 {
		t.Errorf("verdict %s, findings %v, skipped %v; want both huge files skipped (%s) and f analysed", r.Verdict, rules(r), r.Skipped, want)
	}
}

// TestTenMegabyteLine: a C source that is one 10 MB line, no newline.
// Under the default 2 MiB limit it is skipped (unknown). With the limit
// raised it is analysed in bounded time: a change of the small function
// beside a 10 MB table on the same line gets the verdict and rule it gets
// when the table has a line per element, and a change of a 10 MB string
// on that line is read as the data change it is (C-RODATA, its user f in
// the closure).
func TestTenMegabyteLine(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 10<<20; i++ {
		fmt.Fprintf(&b, "%d, ", i%1000)
	}
	elems := b.String()
	table := func(ret string, sep string) string {
		return "static const int table[] = {" + strings.ReplaceAll(elems, ", ", ","+sep) + "0};" + sep +
			"int f(void) { return table[" + ret + "]; }"
	}
	text := strings.Repeat("0123456789abcdef", 10<<20/16)
	blob := func(last string) string {
		return "static const char blob[] = \"" + text + last + "\"; int f(void) { return blob[0]; }"
	}
	result := func(old, new string, limit int64) *analyzer.Result {
		t.Helper()
		dir := t.TempDir()
		if _, err := testrepo.BuildPacked(dir, []testrepo.Commit{{Files: map[string]string{"t.c": old}}, {Files: map[string]string{"t.c": new}}}); err != nil {
			t.Fatal(err)
		}
		rs, err := runAll(t, dir, analyzer.Options{Range: "HEAD^!", MaxFileSize: limit})
		if err != nil {
			t.Fatal(err)
		}
		return rs[0]
	}
	if r := result(table("0", " "), table("1", " "), 0); r.Verdict != classifiers.Unknown || !strings.Contains(skipReason(r, "t.c"), "over the") {
		t.Errorf("default limit: verdict %s, skipped %v", r.Verdict, r.Skipped)
	}
	one := result(table("0", " "), table("1", " "), 32<<20)
	many := result(table("0", "\n"), table("1", "\n"), 32<<20)
	if one.Verdict != classifiers.LivePatchable || fmt.Sprint(rules(one)) != fmt.Sprint(rules(many)) || one.Verdict != many.Verdict {
		t.Errorf("function beside the table: one line %s %v; many lines %s %v", one.Verdict, rules(one), many.Verdict, rules(many))
	}
	r := result(blob("0"), blob("1"), 32<<20)
	if len(r.Findings) != 1 || r.Findings[0].Rule != "C-RODATA" || strings.Join(r.Findings[0].Closure, " ") != "t.c:f" {
		t.Errorf("10 MB string: %s %+v", r.Verdict, r.Findings)
	}
}

// TestEncodings: C and Go sources with CRLF line ends, and C with bytes
// that are not UTF-8 (Latin-1 string literals, which C compilers accept).
// A change of line ends alone is no-op in both languages (CR is white
// space to both compilers); a change in a CRLF or Latin-1 file gets the
// verdict, rules and lines the same change gets in an LF, ASCII file. Go
// source that is not UTF-8 does not compile (the Go spec requires UTF-8),
// so it is unknown (GO-PARSE).
func TestEncodings(t *testing.T) {
	crlf := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
	latin1 := func(s string) string { return strings.ReplaceAll(s, "e'", "\xe9") }
	ascii := func(s string) string { return strings.ReplaceAll(s, "e'", "e") }
	c1 := "int g(void);\n\nconst char *f(void)\n{\n\tg();\n\treturn \"cafe'\";\n}\n"
	c2 := "int g(void);\n\nconst char *f(void)\n{\n\tg();\n\treturn \"e'te'\";\n}\n"
	go1 := "package p\n\nfunc G() int { return 1 }\n\nfunc F() int {\n\treturn G()\n}\n"
	go2 := "package p\n\nfunc G() int { return 1 }\n\nfunc F() int {\n\treturn G() + 1\n}\n"
	goLatin := "package p\n\nfunc G() int { return 1 }\n\nfunc F() string {\n\treturn \"caf\xe9\"\n}\n"
	run := func(path string, versions ...string) []*analyzer.Result {
		t.Helper()
		var cs []testrepo.Commit
		for _, v := range versions {
			cs = append(cs, testrepo.Commit{Files: map[string]string{path: v}})
		}
		dir := t.TempDir()
		if _, err := testrepo.Build(dir, cs); err != nil {
			t.Fatal(err)
		}
		rs, err := runAll(t, dir, analyzer.Options{Range: "HEAD~1..HEAD"})
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	same := func(name string, got, want *analyzer.Result) {
		t.Helper()
		g, w := fmt.Sprint(got.Verdict, got.Findings), fmt.Sprint(want.Verdict, want.Findings)
		if g != w || len(got.Findings) == 0 {
			t.Errorf("%s: %s\nwant %s", name, g, w)
		}
	}
	for _, tc := range []struct{ name, path, old, new string }{
		{"C to CRLF", "a.c", ascii(c1), crlf(ascii(c1))},
		{"Go to CRLF", "p/p.go", go1, crlf(go1)},
	} {
		if r := run(tc.path, tc.old, tc.new)[0]; r.Verdict != classifiers.NoOp {
			t.Errorf("%s: verdict %s, findings %+v", tc.name, r.Verdict, r.Findings)
		}
	}
	same("C body in CRLF", run("a.c", crlf(ascii(c1)), crlf(ascii(c2)))[0], run("a.c", ascii(c1), ascii(c2))[0])
	same("Go body in CRLF", run("p/p.go", crlf(go1), crlf(go2))[0], run("p/p.go", go1, go2)[0])
	same("C body in Latin-1", run("a.c", latin1(c1), latin1(c2))[0], run("a.c", ascii(c1), ascii(c2))[0])
	same("C body in Latin-1 and CRLF", run("a.c", crlf(latin1(c1)), crlf(latin1(c2)))[0], run("a.c", ascii(c1), ascii(c2))[0])
	if r := run("p/p.go", go1, goLatin)[0]; r.Verdict != classifiers.Unknown || len(rules(r)["GO-PARSE"]) != 1 {
		t.Errorf("Go in Latin-1: verdict %s, findings %+v", r.Verdict, r.Findings)
	}
}

// TestDeepNesting: parentheses and braces nested 100,000 deep in C (a
// function, a macro, a top-level macro call) and in Go. No compiler need
// accept that (C guarantees 63 levels of parentheses, clang stops at 256
// brackets; go/parser at 100,000 levels, and not for blocks), so the tool
// must neither overflow its stack nor call the change live-patchable: the
// file is unknown, its parse failure (C-PARSE, GO-PARSE) naming the depth.
func TestDeepNesting(t *testing.T) {
	const depth = 100_000
	parens := strings.Repeat("(", depth) + "1" + strings.Repeat(")", depth)
	braces := strings.Repeat("{", depth) + strings.Repeat("}", depth)
	pad := "int pad;\n\n" // the deep line is line 3
	for _, tc := range []struct{ name, path, old, new, rule, msg string }{
		{"C parentheses", "a.c", pad + "int f(void) { return 1; }\n", pad + "int f(void) { return " + parens + "; }\n", "C-PARSE", "line 3: brackets nested more than 1000 deep"},
		{"C braces", "a.c", pad + "void f(void) { }\n", pad + "void f(void) " + braces + "\n", "C-PARSE", "line 3: brackets nested more than 1000 deep"},
		{"C initializer", "a.c", pad + "int x[] = {1};\n", pad + "int x[] = " + braces + ";\n", "C-PARSE", "line 3: brackets nested more than 1000 deep"},
		{"C 1,000,000 deep", "a.c", pad + "int f(void) { return 1; }\n", pad + "int f(void) { return " + strings.Repeat("(", 1_000_000) + "1" + strings.Repeat(")", 1_000_000) + "; }\n", "C-PARSE", "line 3: brackets nested more than 1000 deep"},
		{"Go parentheses", "p/p.go", "package p\n\nfunc F() int { return 1 }\n", "package p\n\nfunc F() int { return " + parens + " }\n", "GO-PARSE", "exceeded max nesting depth"},
		{"Go braces", "p/p.go", "package p\n\nfunc F() {}\n", "package p\n\nfunc F() " + braces + "\n", "GO-PARSE", "line 3: brackets nested more than 1000 deep"},
		{"Go composite literal", "p/p.go", "package p\n\nvar X = []any{1}\n", "package p\n\nvar X = []any" + braces + "\n", "GO-PARSE", "exceeded max nesting depth"},
		{"Go 1,000,000 deep", "p/p.go", "package p\n\nfunc F() {}\n", "package p\n\nfunc F() " + strings.Repeat("{", 1_000_000) + strings.Repeat("}", 1_000_000) + "\n", "GO-PARSE", "exceeded max nesting depth"},
		// Macro bodies are compared as tokens, unbounded: it is their
		// expansion that compilers limit. The change is never safe.
		{"C macro", "a.c", "#define X 1\nint f(void) { return X; }\n", "#define X " + parens + "\nint f(void) { return X; }\n", "C-MACRO-INTERNAL", "recompiled"},
		{"C macro call", "a.c", "DEFINE(1);\n", "DEFINE(" + parens + ");\n", "C-GLOBAL-INIT", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := testrepo.Build(dir, []testrepo.Commit{{Files: map[string]string{tc.path: tc.old}}, {Files: map[string]string{tc.path: tc.new}}}); err != nil {
				t.Fatal(err)
			}
			rs, err := runAll(t, dir, analyzer.Options{Range: "HEAD^!"})
			if err != nil {
				t.Fatal(err)
			}
			r := rs[0]
			if r.Verdict == classifiers.LivePatchable || r.Verdict == classifiers.NoOp {
				t.Fatalf("verdict %s; findings %+v", r.Verdict, r.Findings)
			}
			found := false
			for _, f := range r.Findings {
				found = found || f.Rule == tc.rule && strings.Contains(f.Message, tc.msg)
			}
			if !found || strings.HasSuffix(tc.rule, "-PARSE") && r.Verdict != classifiers.Unknown {
				t.Errorf("verdict %s, want %s saying %q; findings %+v", r.Verdict, tc.rule, tc.msg, r.Findings)
			}
		})
	}
}

// TestParseErrorLines: a parse failure far down a file is reported at its
// own line, in the finding's location and in its message, not at its
// line within the declaration that holds it (declarations are parsed
// apart, and cached, by their text alone).
func TestParseErrorLines(t *testing.T) {
	dir := t.TempDir()
	pad := strings.Repeat("int pad;\n", 10)
	body := "int f(void)\n{\n\tint x;\n\tFOREACH(x) bar baz qux;\n\treturn x;\n}\n"
	if _, err := testrepo.Build(dir, []testrepo.Commit{
		{Files: map[string]string{"a.c": pad + "int f(void)\n{\n\treturn 1;\n}\nint g(void) { return 1; }\n"}},
		{Files: map[string]string{"a.c": pad + body + "int g(void) { return (1; }\n"}},
	}); err != nil {
		t.Fatal(err)
	}
	rs, err := runAll(t, dir, analyzer.Options{Range: "HEAD^!"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"func f": "14 line 14", "func g": "17 line 17:"}
	for _, f := range rs[0].Findings {
		if f.Rule != "C-PARSE" {
			continue
		}
		w := strings.Fields(want[f.Entity])
		if len(w) != 3 || f.New == nil || fmt.Sprint(f.New.Line) != w[0] || !strings.Contains(f.Message, w[1]+" "+w[2]) {
			t.Errorf("%s: at %v, %q; want line %s", f.Entity, f.New, f.Message, want[f.Entity])
		}
		delete(want, f.Entity)
	}
	if len(want) > 0 {
		t.Errorf("no C-PARSE finding for %v: %+v", want, rs[0].Findings)
	}
}

// TestTenThousandFiles: commits that add 10,000 small C files, change a
// function body in each, and move them all to another directory. Every
// file is listed with its status and every change found (each file added,
// changed, renamed unchanged), in a few seconds: nothing is quadratic in
// the number of files (renames of this many are paired by blob alone).
func TestTenThousandFiles(t *testing.T) {
	const n = 10_000
	tree := func(dir string, ret int) map[string]string {
		m := make(map[string]string, n)
		for i := 0; i < n; i++ {
			m[fmt.Sprintf("%s/d%02d/f%05d.c", dir, i%100, i)] = fmt.Sprintf("int f%d(void) { return %d; }\n", i, ret)
		}
		return m
	}
	dir := t.TempDir()
	hs, err := testrepo.BuildPacked(dir, []testrepo.Commit{{Files: tree("src", 0)}, {Files: tree("src", 1)}, {Files: tree("lib", 1)}})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := runAll(t, dir, analyzer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := byCommit(rs)
	for i, want := range []struct {
		status, rule string
		verdict      classifiers.Verdict
	}{
		{"added", "C-FUNC-ADDED", classifiers.LivePatchable},
		{"modified", "C-FUNC-BODY", classifiers.LivePatchable},
		{"renamed", "C-NOOP-FORMAT", classifiers.NoOp},
	} {
		r := got[hs[i].String()]
		statuses := map[string]int{}
		for _, f := range r.Files {
			statuses[f.Status]++
		}
		if r.Verdict != want.verdict || len(r.Files) != n || statuses[want.status] != n || len(rules(r)[want.rule]) != n {
			t.Errorf("%s: verdict %s, %d files %v, %d %s findings", r.Subject, r.Verdict, len(r.Files), statuses, len(rules(r)[want.rule]), want.rule)
		}
	}
}

// TestOctopusMerge: a merge of three branches. By default it is left out
// and counted as a merge; with merges analysed it is diffed against its
// first parent only (so it carries the other branches' changes) and keeps
// all three parents; --first-parent walks past the merged branches.
func TestOctopusMerge(t *testing.T) {
	dir := t.TempDir()
	base := map[string]string{"a.c": "int a(void) { return 0; }\n", "b.c": "int b(void) { return 0; }\n", "c.c": "int c(void) { return 0; }\n"}
	with := func(p, s string, m map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = v
		}
		out[p] = s
		return out
	}
	a := with("a.c", "int a(void) { return 1; }\n", base)
	b := with("b.c", "int b(void) { return 1; }\n", base)
	c := with("c.c", "int c(void) { return 1; }\n", base)
	all := with("b.c", b["b.c"], with("c.c", c["c.c"], a))
	hs, err := testrepo.Build(dir, []testrepo.Commit{
		{Files: base}, {Files: a, Parents: []int{0}}, {Files: b, Parents: []int{0}}, {Files: c, Parents: []int{0}},
		{Files: all, Parents: []int{1, 2, 3}, Message: "octopus"},
	})
	if err != nil {
		t.Fatal(err)
	}
	a0, err := analyzer.New(dir, analyzer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := a0.Run(context.Background(), func(*analyzer.Result) error { return nil })
	if err != nil || sum.Commits != 4 || sum.Merges != 1 {
		t.Fatalf("default: %d commits, %d merges skipped, %v", sum.Commits, sum.Merges, err)
	}
	rs, err := runAll(t, dir, analyzer.Options{Merges: true})
	if err != nil || len(rs) != 5 {
		t.Fatalf("--merges: %d results, %v", len(rs), err)
	}
	m := byCommit(rs)[hs[4].String()]
	bodies := strings.Join(rules(m)["C-FUNC-BODY"], ",")
	if len(m.Parents) != 3 || m.Verdict != classifiers.LivePatchable || bodies != "func b,func c" {
		t.Errorf("octopus: parents %v, verdict %s, bodies %q; want 3 parents and b, c changed against the first", m.Parents, m.Verdict, bodies)
	}
	rs, err = runAll(t, dir, analyzer.Options{Merges: true, FirstParent: true})
	if err != nil || len(rs) != 3 {
		t.Errorf("--first-parent: %d results, %v", len(rs), err)
	}
}

// TestEmptyCommits: commits that change nothing (git commit --allow-empty),
// including an empty root commit, are reported with no files and no
// findings, and are no-op: there is nothing to patch.
func TestEmptyCommits(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{"a.c": "int f(void) { return 1; }\n"}
	hs, err := testrepo.Build(dir, []testrepo.Commit{
		{Files: map[string]string{}, Message: "empty root"},
		{Files: files},
		{Files: files, Message: "empty"},
	})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := runAll(t, dir, analyzer.Options{})
	if err != nil || len(rs) != 3 {
		t.Fatalf("%d results, %v", len(rs), err)
	}
	got := byCommit(rs)
	for _, i := range []int{0, 2} {
		r := got[hs[i].String()]
		if r.Verdict != classifiers.NoOp || len(r.Files) != 0 || len(r.Findings) != 0 || len(r.Skipped) != 0 {
			t.Errorf("%s: verdict %s, files %v, findings %v", r.Subject, r.Verdict, r.Files, r.Findings)
		}
	}
}

// TestUnbornHEAD: a repository with no commits. Opening it works (the
// configuration is the default), but a walk of HEAD is an error that says
// the repository has no commits, not a raw "reference not found".
func TestUnbornHEAD(t *testing.T) {
	dir := t.TempDir()
	if _, err := git.PlainInit(dir, false); err != nil {
		t.Fatal(err)
	}
	for _, rng := range []string{"", "HEAD", "HEAD^!", "HEAD~1..HEAD"} {
		_, err := runAll(t, dir, analyzer.Options{Range: rng})
		if err == nil || !strings.Contains(err.Error(), "no commits") {
			t.Errorf("range %q: err = %v, want one saying the repository has no commits", rng, err)
		}
	}
	a, err := analyzer.New(dir, analyzer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Diff(context.Background(), analyzer.DiffOptions{Base: "HEAD"}); err == nil || !strings.Contains(err.Error(), "no commits") {
		t.Errorf("diff against HEAD: err = %v", err)
	}
}

// TestEmptyRange: a range with no commits (A..A, or B..A with B a
// descendant of A) is no error: zero commits, and a summary whose shares
// are zero over a zero denominator.
func TestEmptyRange(t *testing.T) {
	dir := t.TempDir()
	if _, err := testrepo.Build(dir, []testrepo.Commit{
		{Files: map[string]string{"a.c": "int f(void) { return 1; }\n"}},
		{Files: map[string]string{"a.c": "int f(void) { return 2; }\n"}},
	}); err != nil {
		t.Fatal(err)
	}
	for _, rng := range []string{"HEAD..HEAD", "HEAD~1..HEAD~1", "HEAD..HEAD~1"} {
		a, err := analyzer.New(dir, analyzer.Options{Range: rng})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		sum, err := a.Run(context.Background(), func(*analyzer.Result) error { n++; return nil })
		if err != nil || n != 0 || sum.Commits != 0 {
			t.Errorf("%s: %d results, %v", rng, n, err)
			continue
		}
		for name, tier := range sum.Tiers {
			if tier.Of != 0 || tier.Share != 0 {
				t.Errorf("%s: tier %s = %+v", rng, name, tier)
			}
		}
	}
}
