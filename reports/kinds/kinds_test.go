package kinds

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
)

// kindCase is a commit message and the kind the built-in rule must give it.
type kindCase struct {
	name, msg, want string
}

// builtinCases are commit messages in the style of C and Go projects (Lua,
// Redis, curl, cobra, the Go tree), written for this test.
var builtinCases = []kindCase{
	// Conventional Commits.
	{"conv fix with scope", "fix(parser): handle empty flag names\n\nAn empty name indexed past the end of the table.", Fix},
	{"conv feat", "feat: add completion for nested subcommands", Feature},
	{"conv perf", "perf(ht): skip the rehash step on every insert", Perf},
	{"conv docs beats keyword", "docs: fix typo in README", Other},
	{"conv chore", "chore(deps): bump golang.org/x/sys to v0.20.0", Other},
	{"conv refactor breaking", "refactor!: split command tree into its own package", Other},
	{"conv ci", "ci: add arm64 runner", Other},
	{"conv test", "test: add a test for the crash in ltable.c", Other},
	{"conv build", "build(cmake): enable LTO by default", Other},
	{"conv capitalised type", "Fix: crash when argv is empty", Fix},
	{"conv feat breaking with body", "feat(api)!: drop deprecated flags\n\nBREAKING CHANGE: --old-flag is gone.", Feature},
	{"conv style", "style: gofmt", Other},
	{"conv revert", "revert: feat: add --json flag", Other},
	{"conv bugfix", "bugfix: wrong exit status", Fix},
	{"conv tests", "tests: speed up the suite", Other},
	{"conv unknown type falls through", "wip: faster table walk", Perf},
	{"conv no space after colon", "fix:crash", Fix}, // keyword "fix" still decides
	{"conv feat over fix keyword", "feat: fix-free config reloads", Feature},

	// CVE ids.
	{"cve in body", "http2: reject oversized header blocks\n\nThis closes CVE-2023-12345.", Fix},
	{"cve in subject", "lib: tighten cookie path matching (CVE-2022-32205)", Fix},
	{"cve beats conventional feat", "feat: new TLS backend\n\nSee cve-2021-22901 for the background.", Fix},
	{"cve beats conventional docs", "docs: add CVE-2023-38545 advisory", Fix},
	{"cve in url", "Tidy the mime code\n\nhttps://curl.se/docs/CVE-2023-38546.html", Fix},
	{"not a cve id", "Mention CVE-21-1234 in the release notes", Other},

	// Git-generated subjects.
	{"merge branch", "Merge branch 'fix-crash' into unstable", Other},
	{"merge pull request", "Merge pull request #1234 from someone/fix-leak\n\nFix memory leak in SCAN", Other},
	{"merge remote-tracking", "Merge remote-tracking branch 'origin/perf-work'", Other},
	{"git revert of a fix", "Revert \"Fix crash in lua_settop\"\n\nThis reverts commit 0123abcd0123abcd0123abcd0123abcd0123abcd.", Other},
	{"git reapply", "Reapply \"Add OBJECT FREQ command\"", Other},
	{"revert body only", "Undo the faster path\n\nThis reverts commit 4f8cdc2a1ea53e42955af758aabffee67cb455dd.\nIt broke the build on 32-bit.", Other},
	{"revert of a cve fix", "Revert \"Fix CVE-2020-8169 handling\"", Other},
	{"merge word is not a git merge", "Merge adjacent free blocks to reduce memory fragmentation", Perf},

	// Fix keywords.
	{"fix subject", "Fix crash in ZRANGESTORE when the source key is empty", Fix},
	{"use-after-free", "lua_resume: avoid use-after-free of the coroutine stack", Fix},
	{"use after free spaced", "Possible use after free in the reply list", Fix},
	{"overflow", "ldo.c: stack overflow with deeply nested pcall", Fix},
	{"go style panic", "cmd/go: don't panic on empty GOFLAGS", Fix},
	{"go style data race", "net/http: data race on Transport.idleConn", Fix},
	{"null deref phrase", "Possible NULL deref in curl_easy_reset", Fix},
	{"null-pointer hyphen", "sds: null-pointer access with empty strings", Fix},
	{"double free", "double free when the easy handle is reused", Fix},
	{"off-by-one", "sds: off-by-one in sdsrange()", Fix},
	{"fix beats perf", "Fix performance regression in EVALSHA", Fix},
	{"fix beats feature", "Add fix for hang on EINTR", Fix},
	{"wrong", "Return the right error on wrong number of arguments", Fix},
	{"deadlock", "Resolve deadlock between flush and close", Fix},
	{"infinite loop", "Avoid infinite loop in the string scanner", Fix},
	{"security unknown type", "security: harden realpath use", Fix},
	{"null check", "Add missing NULL check in redisFork", Fix},
	{"fixes trailer style", "go/types: report unused labels consistently\n\nFixes #1234", Fix},
	{"leak in body", "runtime: rework timer heap\n\nThe old code could leak timers when a goroutine exited.", Fix},
	{"wrong in body", "lstrlib.c: gsub with anchored patterns\n\nThe result was wrong when the pattern began with '^'.", Fix},
	{"phrase across a line break", "Rework buffer ownership\n\nThis avoids a double\nfree in the error path.", Fix},
	{"crlf", "ldebug.c: tidy\r\n\r\nCrash on a bad upvalue index.", Fix},
	{"old style one paragraph", "Tidy ltm.c\nsegfault with __gc on a dead object", Fix},

	// Perf keywords.
	{"speed up", "Speed up HGETALL on large hashes", Perf},
	{"faster", "lvm.c: faster OP_CONCAT for short strings", Perf},
	{"optimise", "Optimise the listpack iterator", Perf},
	{"reduce allocations", "strings: reduce allocations in Builder.Grow", Perf},
	{"big O", "Make dictFind O(1) for small dicts", Perf},
	{"big O squared", "Replace O(n^2) scan in SUNION", Perf},
	{"perf beats feature", "Add a fast path for integer keys", Perf},
	{"avoid copying", "bytes: avoid copying in Buffer.WriteTo", Perf},
	{"speed-up hyphen", "Huge speed-up for LRANGE", Perf},
	{"leading blank lines", "\n\n  Speed up sdscatlen\n", Perf},
	{"latency in body", "ltable.c: rework rehash\n\nThis cuts the latency of large inserts.", Perf},

	// Feature keywords.
	{"add command", "Add CLIENT NO-TOUCH command", Feature},
	{"implement", "Implement string.pack and string.unpack", Feature},
	{"support", "cobra: support persistent pre-run hooks on subcommands", Feature},
	{"new option", "New option --retry-all-errors", Feature},
	{"introduce", "Introduce a flag to turn off SIGPIPE handling", Feature},
	{"allow", "Allow negative timeouts in BLPOP", Feature},
	{"subject beats body", "net/http: add Server.DisableGeneralOptionsHandler\n\nFixes #1234", Feature},
	{"regression test is neutral", "Add regression test for issue 1234", Feature},

	// Near misses and nothing at all.
	{"prefix", "Use a prefix tree for command lookup", Other},
	{"suffix", "Trim the suffix of the path", Other},
	{"fixture", "Move test fixtures into testdata", Other},
	{"fixup", "fixup! lmem.c: rework", Other},
	{"address", "Store the peer address in the client struct", Other},
	{"addr", "Rename addr to peer in anetFormat", Other},
	{"newline", "Print a newline after the banner", Other},
	{"new line neutral", "Drop the trailing new line from the help text", Other},
	{"renew", "Renew the lease in the background", Other},
	{"debug", "Debug output for the cluster bus", Other},
	{"debugging word", "More debugging hooks in ldebug.c", Other},
	{"identifiers", "lua_newstate: take the allocator from luaL_newstate", Other},
	{"identifier fix_", "fix_overflow_check: rename to check_size", Other},
	{"camel identifier", "Rename FixBuffer to ResetBuffer", Other},
	{"race detector neutral", "Run the race detector on CI", Other},
	{"bug report neutral", "Update the bug report template", Other},
	{"punctuation breaks phrases", "Double. Free the buffer later", Other},
	{"not big O", "Call foo(n) once per loop", Other},
	{"copyright", "Update copyright year", Other},
	{"tidy", "Tidy up comments in ldo.c", Other},
	{"trailers ignored", "Refactor the option parser\n\nSigned-off-by: Ada Newfix <ada@example.org>\nReported-by: Bug Hunter <bh@example.org>", Other},
	{"urls ignored", "Update links\n\nSee https://github.com/acme/tool/issues/12-fix-crash", Other},
	{"slow alone", "Keep a slow log per database", Other},
	{"empty", "", Other},
	{"blank", " \n\t\n", Other},
	{"unicode", "Ünïcödé : prise en charge étendue", Other},
}

func TestKindBuiltin(t *testing.T) {
	if len(builtinCases) < 60 {
		t.Fatalf("only %d cases", len(builtinCases))
	}
	c := Default()
	seen := map[string]bool{}
	for _, tc := range builtinCases {
		if seen[tc.name] {
			t.Errorf("duplicate case name %q", tc.name)
		}
		seen[tc.name] = true
		if got := c.Kind("0123456789abcdef0123456789abcdef01234567", tc.msg); got != tc.want {
			t.Errorf("%s: Kind(%q) = %q, want %q", tc.name, tc.msg, got, tc.want)
		}
	}
}

// TestEveryWordDecides checks that every entry of the built-in lists, alone
// in a subject, gives its list's kind (neutral phrases give other).
func TestEveryWordDecides(t *testing.T) {
	c := Default()
	for _, l := range builtinLists() {
		want := l.kind
		if want == "" {
			want = Other
		}
		for _, w := range l.words {
			for _, msg := range []string{"Something " + w, strings.ToUpper(w) + " somewhere", "ltable.c: tidy\n\nThe " + w + " here."} {
				if got := c.Kind("", msg); got != want {
					t.Errorf("%q: Kind = %q, want %q", msg, got, want)
				}
			}
		}
	}
	for _, e := range complexityExamples() {
		if got := c.Kind("", "Make lookup "+e); got != Perf {
			t.Errorf("%q: Kind = %q, want perf", e, got)
		}
	}
	for _, ct := range conventionalTypes() {
		if got := c.Kind("", ct.name+"(x): something"); got != ct.kind {
			t.Errorf("type %s: Kind = %q, want %q", ct.name, got, ct.kind)
		}
	}
}

func TestListsWellFormed(t *testing.T) {
	where := map[string]string{}
	for _, l := range builtinLists() {
		if l.kind != "" && !IsKind(l.kind) {
			t.Errorf("list kind %q", l.kind)
		}
		for _, w := range l.words {
			if !wordRE.MatchString(w) {
				t.Errorf("%q is not a valid word", w)
			}
			norm := strings.Join(tokenize(w).toks, " ")
			if norm != strings.ReplaceAll(strings.ToLower(w), "-", " ") {
				t.Errorf("%q normalises to %q", w, norm)
			}
			if prev, ok := where[norm]; ok {
				t.Errorf("%q is in list %q and list %q", w, prev, l.kind)
			}
			where[norm] = l.kind
		}
	}
}

// docSections returns, for each "## " section of docs/kinds.md, the
// backticked items of each table row keyed by the row's first cell.
func docSections(t *testing.T) map[string]map[string][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "kinds.md"))
	if err != nil {
		t.Fatal(err)
	}
	tick := regexp.MustCompile("`([^`]+)`")
	out := map[string]map[string][]string{}
	section := ""
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "## ") {
			section = strings.TrimPrefix(line, "## ")
			continue
		}
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			continue
		}
		if out[section] == nil {
			out[section] = map[string][]string{}
		}
		key := strings.TrimSpace(cells[1])
		for _, m := range tick.FindAllStringSubmatch(cells[2], -1) {
			out[section][key] = append(out[section][key], m[1])
		}
	}
	return out
}

func sameSet(t *testing.T, what string, doc, code []string) {
	t.Helper()
	d, c := append([]string(nil), doc...), append([]string(nil), code...)
	sort.Strings(d)
	sort.Strings(c)
	if strings.Join(d, "\x00") != strings.Join(c, "\x00") {
		t.Errorf("%s: docs/kinds.md lists %q, the code %q", what, d, c)
	}
}

// TestDocMatchesCode keeps docs/kinds.md's tables equal to the code's.
func TestDocMatchesCode(t *testing.T) {
	doc := docSections(t)
	kw := doc["Keyword lists"]
	if kw == nil {
		t.Fatal("docs/kinds.md has no keyword table under ## Keyword lists")
	}
	for _, l := range builtinLists() {
		key, words := l.kind, l.words
		if key == "" {
			key = "neutral"
		}
		if key == Perf {
			words = append(append([]string(nil), words...), complexityExamples()...)
		}
		sameSet(t, "list "+key, kw[key], words)
	}
	conv := doc["The rule"]
	byKind := map[string][]string{}
	for _, ct := range conventionalTypes() {
		byKind[ct.kind] = append(byKind[ct.kind], ct.name)
	}
	for _, k := range []string{Fix, Perf, Feature, Other} {
		sameSet(t, "conventional types "+k, conv[k], byKind[k])
	}
	// The examples table must hold.
	b, _ := os.ReadFile(filepath.Join("..", "..", "docs", "kinds.md"))
	ex := regexp.MustCompile("(?m)^\\| `([^`]+)` \\| (\\w+) \\|")
	n := 0
	for _, m := range ex.FindAllStringSubmatch(string(b), -1) {
		n++
		if got := Default().Kind("", m[1]); got != m[2] {
			t.Errorf("docs example %q: Kind = %q, doc says %q", m[1], got, m[2])
		}
	}
	if n < 8 {
		t.Errorf("found only %d examples in docs/kinds.md", n)
	}
}

func TestTokenize(t *testing.T) {
	got := tokenize("Fix use-after-free, in lua_settop()\nDouble -\tfree. ÉTÉ")
	wantToks := []string{"fix", "use", "after", "free", "in", "lua_settop", "double", "free", "été"}
	wantJoined := []bool{false, true, true, true, false, true, false, true, false}
	if strings.Join(got.toks, ",") != strings.Join(wantToks, ",") {
		t.Fatalf("toks = %q, want %q", got.toks, wantToks)
	}
	for i := range wantJoined {
		if got.joined[i] != wantJoined[i] {
			t.Errorf("joined[%d] (%s) = %v, want %v", i, got.toks[i], got.joined[i], wantJoined[i])
		}
	}
}

const validFile = `# kinds for the study of 2024
replace: false
rules:
  - kind: fix
    words: [oops, hot fix]
  - kind: perf
    pattern: '(?i)\bzoom\b'
    where: subject
  - kind: other
    words: [wip]
    where: body
commits:
  0123456789abcdef: feature
  ABCDEF0: perf
  abcdef0123: other
`

func TestOverrideFile(t *testing.T) {
	c, err := Parse([]byte(validFile), "study.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const tail = "0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		name, commit, msg, want string
	}{
		{"commit override beats everything", "0123456789abcdef" + "01234567" + "0123456789abcdef", "Fix crash (CVE-2020-1234)", Feature},
		{"longest prefix wins", "abcdef0123" + tail[:30], "Fix crash", Other},
		{"shorter prefix", "abcdef0999" + tail[:30], "Fix crash", Perf},
		{"upper-case commit", "ABCDEF0999" + tail[:30], "Fix crash", Perf},
		{"no override", "fedcba9876" + tail[:30], "Fix crash", Fix},
		{"user words before built-in", "", "Add header, oops", Fix},
		{"user phrase with hyphen", "", "Hot-fix for the login loop", Fix},
		{"user pattern on subject", "", "ZOOM the map view", Perf},
		{"user pattern not on body", "", "Tidy the map\n\nzoom", Other},
		{"user body rule beats built-in subject keyword", "", "Add foo\n\nwip", Other},
		{"user body rule not on subject", "", "wip: add foo", Feature},
		{"cve before user rules", "", "oops\n\nCVE-2020-1234", Fix},
		{"conventional before user rules", "", "docs: oops", Other},
		{"git revert before user rules", "", "Revert \"oops\"", Other},
		{"built-in still applies", "", "Speed up the parser", Perf},
	} {
		if got := c.Kind(tc.commit, tc.msg); got != tc.want {
			t.Errorf("%s: Kind(%q, %q) = %q, want %q", tc.name, tc.commit, tc.msg, got, tc.want)
		}
	}
	if got, want := c.Describe(), "built-in keyword rule (docs/kinds.md) with Conventional-Commit prefixes and CVE ids, overridden by study.yaml (3 rules, 3 commits)"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}

func TestOverrideReplace(t *testing.T) {
	c, err := Parse([]byte("replace: true\nconventional: false\ncve: false\nrules:\n  - kind: feature\n    words: [shiny]\ncommits:\n  abcdef0: fix\n"), "r.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for msg, want := range map[string]string{
		"Fix crash":                   Other,
		"fix: crash":                  Other,
		"Tidy (CVE-2020-1234)":        Other,
		"Shiny new thing":             Feature,
		"Speed up O(n) loop":          Other,
		"Merge branch 'shiny'":        Other,
		"Revert \"Shiny new thing\"":  Other,
		"lua: tidy\n\nA shiny thing.": Feature,
	} {
		if got := c.Kind("", msg); got != want {
			t.Errorf("Kind(%q) = %q, want %q", msg, got, want)
		}
	}
	if got, want := c.Describe(), "keyword rules of r.yaml (1 rule, 1 commit; built-in keywords replaced) without Conventional-Commit prefixes or CVE ids"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	c2, err := Parse([]byte("conventional: false\n"), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := c2.Kind("", "docs: fix typo"); got != Fix {
		t.Errorf("conventional off: Kind = %q, want fix", got)
	}
	if !strings.Contains(c2.Describe(), "with CVE ids, without Conventional-Commit prefixes") {
		t.Errorf("Describe = %q", c2.Describe())
	}
	c3, err := Parse([]byte("cve: false\n"), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := c3.Kind("", "Tidy (CVE-2020-1234)"); got != Other {
		t.Errorf("cve off: Kind = %q, want other", got)
	}
	if !strings.Contains(c3.Describe(), "with Conventional-Commit prefixes, without CVE ids") {
		t.Errorf("Describe = %q", c3.Describe())
	}
}

func TestEmptyFile(t *testing.T) {
	d := Default()
	for _, data := range []string{"", "\n  \n", "# only a comment\n", "---\n", "~\n"} {
		c, err := Parse([]byte(data), "empty.yaml")
		if err != nil {
			t.Fatalf("%q: %v", data, err)
		}
		if c.Hash() != d.Hash() {
			t.Errorf("%q: Hash = %s, want Default's %s", data, c.Hash(), d.Hash())
		}
		if want := "built-in keyword rule (docs/kinds.md) with Conventional-Commit prefixes and CVE ids, overridden by empty.yaml (0 rules, 0 commits)"; c.Describe() != want {
			t.Errorf("%q: Describe = %q", data, c.Describe())
		}
		for _, tc := range builtinCases {
			if got := c.Kind("", tc.msg); got != tc.want {
				t.Errorf("%q: %s: Kind = %q, want %q", data, tc.name, got, tc.want)
			}
		}
	}
	if want := "built-in keyword rule (docs/kinds.md) with Conventional-Commit prefixes and CVE ids"; d.Describe() != want {
		t.Errorf("Default().Describe() = %q, want %q", d.Describe(), want)
	}
}

func TestHash(t *testing.T) {
	h := Default().Hash()
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(h) {
		t.Fatalf("Hash = %q, want 16 hex digits", h)
	}
	if Default().Hash() != h {
		t.Error("Default().Hash() differs between calls")
	}
	var nilC *Classifier
	if nilC.Hash() != h || nilC.Kind("", "Fix crash") != Fix || nilC.Describe() != Default().Describe() {
		t.Error("a nil *Classifier does not behave as Default()")
	}
	base := "rules:\n  - kind: fix\n    words: [oops, Hot-Fix]\n  - kind: perf\n    pattern: zoom\ncommits:\n  abcdef0: fix\n"
	hashOf := func(s string) string {
		t.Helper()
		c, err := Parse([]byte(s), "h.yaml")
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		return c.Hash()
	}
	hb := hashOf(base)
	if hb == h {
		t.Error("an override file with rules hashes as Default")
	}
	// Same effective rules: comments, word order and case, hash-prefix case,
	// explicit defaults.
	for _, same := range []string{
		"# a comment\n" + base,
		"rules:\n  - kind: fix\n    words: [hot fix, OOPS, oops]\n  - kind: perf\n    pattern: zoom\n    where: message\ncommits:\n  ABCDEF0: fix\n",
		"replace: false\nconventional: true\ncve: true\n" + base,
	} {
		if got := hashOf(same); got != hb {
			t.Errorf("%q: Hash = %s, want %s", same, got, hb)
		}
	}
	// Anything that changes what the file decides changes the hash.
	seen := map[string]string{hb: base}
	for _, diff := range []string{
		"replace: true\n" + base,
		"conventional: false\n" + base,
		"cve: false\n" + base,
		strings.Replace(base, "oops", "oups", 1),
		strings.Replace(base, "kind: fix\n    words", "kind: perf\n    words", 1),
		strings.Replace(base, "pattern: zoom", "pattern: zoom\n    where: body", 1),
		strings.Replace(base, "pattern: zoom", "pattern: '(?i)zoom'", 1),
		strings.Replace(base, "abcdef0: fix", "abcdef0: perf", 1),
		strings.Replace(base, "abcdef0: fix", "abcdef01: fix", 1),
		"rules:\n  - kind: perf\n    pattern: zoom\n  - kind: fix\n    words: [oops, Hot-Fix]\ncommits:\n  abcdef0: fix\n",
	} {
		got := hashOf(diff)
		if prev, dup := seen[got]; dup {
			t.Errorf("%q hashes as %q (%s)", diff, prev, got)
		}
		seen[got] = diff
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		want       []string // substrings of the error
	}{
		{"unknown top key", "replace: false\nreplce: true\n", []string{"bad.yaml:2:", `unknown key "replce"`}},
		{"unknown rule key", "rules:\n  - kind: fix\n    wrds: [a]\n", []string{"bad.yaml:3:", `unknown key "wrds"`}},
		{"invalid rule kind", "rules:\n  - words: [a]\n    kind: bugfix\n", []string{"bad.yaml:3:", "rules[1]", `kind "bugfix"`}},
		{"missing rule kind", "rules:\n  - kind: fix\n    words: [a]\n  - words: [b]\n", []string{"bad.yaml:4:", "rules[2]", `kind ""`}},
		{"invalid commit kind", "commits:\n  abcdef0: fix\n  abcdef1: bug\n", []string{"bad.yaml:3:", `kind "bug"`}},
		{"bad regexp", "rules:\n  - kind: perf\n    where: subject\n    pattern: '(?i)[a-'\n", []string{"bad.yaml:4:", "bad pattern", "missing closing ]"}},
		{"short hash", "commits:\n  0123456789: fix\n  abc12: fix\n", []string{"bad.yaml:3:", `"abc12"`, "7 to 64 hex"}},
		{"non-hex hash", "commits:\n  ghijklmn: fix\n", []string{"bad.yaml:2:", `"ghijklmn"`}},
		{"long hash", "commits:\n  " + strings.Repeat("a", 65) + ": fix\n", []string{"bad.yaml:2:", "7 to 64 hex"}},
		{"duplicate hash in other case", "commits:\n  abcdef0: fix\n  ABCDEF0: perf\n", []string{"bad.yaml:", "same hash"}},
		{"duplicate key", "commits:\n  abcdef0: fix\n  abcdef0: perf\n", []string{"bad.yaml:3:", "already defined at line 2"}},
		{"bad where", "rules:\n  - kind: fix\n    words: [a]\n    where: title\n", []string{"bad.yaml:4:", `where "title"`}},
		{"words and pattern", "rules:\n  - kind: fix\n    words: [a]\n    pattern: b\n", []string{"bad.yaml:2:", "not both"}},
		{"neither", "rules:\n  - kind: fix\n    where: body\n", []string{"bad.yaml:2:", "words or a pattern"}},
		{"punctuation in word", "rules:\n  - kind: fix\n    words: [ok, c++]\n", []string{"bad.yaml:3:", `word "c++"`}},
		{"empty word", "rules:\n  - kind: fix\n    words: ['']\n", []string{"bad.yaml:3:", `word ""`}},
		{"wrong type", "replace: [1]\n", []string{"bad.yaml:1:", "cannot unmarshal"}},
		{"words not a list", "rules:\n  - kind: fix\n    words: oops\n", []string{"bad.yaml:3:", "cannot unmarshal"}},
		{"top-level list", "- kind: fix\n", []string{"bad.yaml:1:", "cannot unmarshal"}},
		{"two documents", "cve: true\n---\ncve: false\n", []string{"bad.yaml:2:", "more than one YAML document"}},
		{"syntax error", "rules:\n  - kind: fix\n   words: [a]\n", []string{"bad.yaml:"}},
		{"tab", "\t\tfoo", []string{"bad.yaml:"}},
	} {
		c, err := Parse([]byte(tc.data), "bad.yaml")
		if err == nil {
			t.Errorf("%s: Parse succeeded (%s)", tc.name, c.Describe())
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", tc.name, err, w)
			}
		}
	}
	if _, err := Parse([]byte("replce: true\n"), ""); err == nil || !strings.HasPrefix(err.Error(), "kinds file:1:") {
		t.Errorf("unnamed Parse error = %v, want a \"kinds file:1:\" prefix", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "kinds.yaml")
	if err := os.WriteFile(good, []byte(validFile), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(good)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Describe(), "overridden by "+good) {
		t.Errorf("Describe = %q", c.Describe())
	}
	p, _ := Parse([]byte(validFile), "other-name.yaml")
	if c.Hash() != p.Hash() {
		t.Error("Load and Parse of the same bytes hash differently")
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("rules:\n  - kind: nope\n    words: [x]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil || !strings.HasPrefix(err.Error(), bad+":2:") {
		t.Errorf("Load(bad) = %v, want an error starting %s:2:", err, bad)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want fs.ErrNotExist", err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("# "+strings.Repeat("x", maxFile)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Load(big) = %v, want a size error", err)
	}
}

func TestKindConcurrent(t *testing.T) {
	c, err := Parse([]byte(validFile), "study.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, len(builtinCases)*4)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, tc := range builtinCases {
				if got := Default().Kind("", tc.msg); got != tc.want {
					errs <- tc.name
				}
				_ = c.Kind("abcdef0123", tc.msg)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for name := range errs {
		t.Errorf("%s: wrong kind under concurrency", name)
	}
}

func TestLongMessage(t *testing.T) {
	// The keyword rule reads only the first maxScan bytes of the body.
	body := strings.Repeat("word ", maxScan/5+10) + "crash"
	if got := Default().Kind("", "ltable.c: tidy\n\n"+body); got != Other {
		t.Errorf("Kind of a body with a keyword past the scan limit = %q, want other", got)
	}
	if got := Default().Kind("", "ltable.c: tidy\n\n"+body+" CVE-2024-0001"); got != Fix {
		t.Errorf("CVE id past the scan limit: Kind = %q, want fix", got)
	}
}
