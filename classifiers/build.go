package classifiers

import (
	"path"
	"regexp"
	"strings"
	"unicode"
)

// buildClass is what a build-file change does, from mild to severe.
type buildClass uint8

const (
	buildSame    buildClass = iota // nothing but whitespace
	buildDiag                      // comments, warning flags, test/doc targets
	buildSources                   // source file names added or removed
	buildFlags                     // anything else
)

// classifyBuild compares two versions of a build file line by line and
// says what kind of change it is, with the first line that decided it.
func classifyBuild(name string, old, new []byte) (buildClass, string) {
	if old == nil || new == nil {
		return buildFlags, "build file added or removed"
	}
	ol := buildLines(name, string(old))
	nl := buildLines(name, string(new))
	del, add := lineDiff(ol, nl)
	if len(del) == 0 && len(add) == 0 {
		if string(old) != string(new) {
			return buildDiag, "comments or layout only"
		}
		return buildSame, ""
	}
	worst, why := buildSame, ""
	bump := func(c buildClass, w string) {
		if c > worst {
			worst, why = c, w
		}
	}
	// Lines of test/doc targets and variables count as diagnostics.
	var dtoks, atoks []string
	for _, l := range del {
		if testDocLine(l) {
			bump(buildDiag, "test/doc line: "+strings.TrimSpace(l.text))
			continue
		}
		dtoks = append(dtoks, buildTokens(l.text)...)
	}
	for _, l := range add {
		if testDocLine(l) {
			bump(buildDiag, "test/doc line: "+strings.TrimSpace(l.text))
			continue
		}
		atoks = append(atoks, buildTokens(l.text)...)
	}
	gone, came := multisetDiff(dtoks, atoks)
	for _, t := range append(gone, came...) {
		switch {
		case warningFlag(t):
			bump(buildDiag, "warning flag "+t)
		case sourceName(t):
			bump(buildSources, "source "+t)
		default:
			bump(buildFlags, "changed: "+t+firstLineWith(del, add, t))
		}
	}
	if worst == buildSame {
		worst, why = buildDiag, "lines rearranged, same words"
	}
	return worst, why
}

func firstLineWith(del, add []buildLine, t string) string {
	for _, l := range append(add, del...) {
		if strings.Contains(l.text, t) {
			return " (line " + itoa(l.n) + ": " + clipText(strings.TrimSpace(l.text)) + ")"
		}
	}
	return ""
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

type buildLine struct {
	text    string
	n       int    // 1-based line of the logical line's start
	context string // the Makefile rule target or variable the line belongs to
}

// buildLines joins continuations, drops comments and blank lines, and
// notes each line's rule or variable context.
func buildLines(name string, s string) []buildLine {
	base := path.Base(name)
	hashComments := !strings.HasSuffix(base, ".h.in")
	dnl := base == "configure.ac" || base == "configure.in" || strings.HasSuffix(base, ".m4")
	kconfig := strings.HasPrefix(base, "Kconfig")
	raw := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	var out []buildLine
	ctx := ""
	inHelp := false
	helpIndent := 0
	for i := 0; i < len(raw); i++ {
		start := i + 1
		line := raw[i]
		for strings.HasSuffix(line, "\\") && i+1 < len(raw) {
			i++
			line = strings.TrimSuffix(line, "\\") + " " + raw[i]
		}
		if kconfig {
			// Help text: the lines indented deeper than the "help" keyword.
			t := strings.TrimSpace(line)
			ind := indentWidth(line)
			if inHelp && (t == "" || ind > helpIndent) {
				continue
			}
			inHelp = false
			if t == "help" || t == "---help---" {
				inHelp, helpIndent = true, ind
				continue
			}
		}
		if hashComments {
			line = stripHashComment(line)
		} else {
			line = stripCComments(line)
		}
		if dnl {
			if k := strings.Index(line, "dnl"); k >= 0 && (k == 0 || line[k-1] == ' ' || line[k-1] == '\t') && (k+3 == len(line) || line[k+3] == ' ' || line[k+3] == '\t') {
				line = line[:k]
			}
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		if m := makeRule.FindStringSubmatch(line); m != nil && !strings.HasPrefix(line, "\t") {
			ctx = m[1]
		} else if m := makeVar.FindStringSubmatch(line); m != nil {
			ctx = m[1]
		} else if m := cmakeCall.FindStringSubmatch(line); m != nil && !strings.HasPrefix(m[1], "AC_") && !strings.HasPrefix(m[1], "AM_") && !strings.HasPrefix(m[1], "m4_") {
			// A CMake/Meson call: its first argument names the target.
			ctx = m[2]
		}
		out = append(out, buildLine{text: strings.Join(strings.Fields(line), " "), n: start, context: ctx})
	}
	return out
}

var (
	makeRule  = regexp.MustCompile(`^([A-Za-z0-9_./$(){}%-][A-Za-z0-9_./$(){}% -]*?)\s*::?(?:[^=]|$)`)
	makeVar   = regexp.MustCompile(`^\s*(?:export\s+|override\s+)?([A-Za-z0-9_.-]+)\s*(?:\+|\?|:|::|!)?=`)
	cmakeCall = regexp.MustCompile(`^\s*([A-Za-z_]+)\s*\(\s*([A-Za-z0-9_.${}-]*)`)
)

// indentWidth measures leading whitespace, a tab counting as 8 columns.
func indentWidth(s string) int {
	n := 0
	for _, c := range s {
		switch c {
		case ' ':
			n++
		case '\t':
			n += 8 - n%8
		default:
			return n
		}
	}
	return n
}

func stripHashComment(s string) string {
	inQ := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQ != 0:
			if c == inQ {
				inQ = 0
			}
		case c == '"' || c == '\'':
			inQ = c
		case c == '#':
			if i > 0 && s[i-1] == '\\' {
				continue
			}
			return s[:i]
		}
	}
	return s
}

func stripCComments(s string) string {
	for {
		i := strings.Index(s, "/*")
		if i < 0 {
			break
		}
		j := strings.Index(s[i+2:], "*/")
		if j < 0 {
			return s[:i]
		}
		s = s[:i] + " " + s[i+2+j+2:]
	}
	return s
}

// testDocLine reports whether a build line belongs to a test or
// documentation target or variable, or is a test declaration.
func testDocLine(l buildLine) bool {
	t := strings.TrimSpace(l.text)
	if strings.HasPrefix(t, "add_test") || strings.HasPrefix(t, "enable_testing") || strings.HasPrefix(t, "test(") {
		return true
	}
	for _, w := range nameWords(l.context) {
		switch w {
		case "test", "tests", "testing", "check", "checks", "doc", "docs", "man", "manpage", "manpages", "unittest", "unittests", "html":
			return true
		}
	}
	return false
}

// nameWords splits an identifier into lower-case words at non-letters and
// case changes: TEST_OBJS → test objs; checkPROGRAMS → check programs.
func nameWords(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = nil
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if i > 0 && unicode.IsUpper(r) && unicode.IsLower(rs[i-1]) {
			flush()
		}
		cur = append(cur, r)
	}
	flush()
	return out
}

func buildTokens(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case ' ', '\t', '(', ')', ',', '"', '\'', '[', ']', '{', '}', ';':
			return true
		}
		return false
	})
}

// warningFlag reports whether a token is a compiler warning option (not a
// -Wl, -Wa, -Wp pass-through).
func warningFlag(t string) bool {
	t = strings.TrimPrefix(strings.TrimPrefix(t, "+="), "=")
	if len(t) > 3 && strings.HasPrefix(t, "-W") && t[3] == ',' {
		return false
	}
	switch {
	case strings.HasPrefix(t, "-W"), t == "-w", t == "-pedantic", t == "-pedantic-errors",
		strings.HasPrefix(t, "-fdiagnostics"), strings.HasPrefix(t, "/W"), t == "/WX":
		return true
	}
	return false
}

var sourceExts = []string{".c", ".h", ".o", ".S", ".s", ".lo", ".obj", ".asm", ".def", ".inc"}

// sourceName reports whether a token names a source or object file.
func sourceName(t string) bool {
	t = strings.TrimPrefix(strings.TrimPrefix(t, "+="), "=")
	for _, e := range sourceExts {
		if strings.HasSuffix(t, e) && len(t) > len(e) {
			return true
		}
	}
	return false
}

func multisetDiff(a, b []string) (onlyA, onlyB []string) {
	cnt := map[string]int{}
	for _, x := range a {
		cnt[x]++
	}
	for _, x := range b {
		if cnt[x] > 0 {
			cnt[x]--
			continue
		}
		onlyB = append(onlyB, x)
	}
	for _, x := range a {
		if cnt[x] > 0 {
			cnt[x]--
			onlyA = append(onlyA, x)
		}
	}
	return onlyA, onlyB
}

// lineDiff returns the lines only in a and only in b, by a longest common
// subsequence over the part between the common prefix and suffix.
func lineDiff(a, b []buildLine) (del, add []buildLine) {
	i := 0
	for i < len(a) && i < len(b) && a[i].text == b[i].text {
		i++
	}
	ja, jb := len(a), len(b)
	for ja > i && jb > i && a[ja-1].text == b[jb-1].text {
		ja--
		jb--
	}
	ma, mb := a[i:ja], b[i:jb]
	if len(ma)*len(mb) > 4_000_000 {
		return ma, mb
	}
	// LCS table.
	n, m := len(ma), len(mb)
	t := make([][]int32, n+1)
	for x := range t {
		t[x] = make([]int32, m+1)
	}
	for x := n - 1; x >= 0; x-- {
		for y := m - 1; y >= 0; y-- {
			if ma[x].text == mb[y].text {
				t[x][y] = t[x+1][y+1] + 1
			} else if t[x+1][y] >= t[x][y+1] {
				t[x][y] = t[x+1][y]
			} else {
				t[x][y] = t[x][y+1]
			}
		}
	}
	x, y := 0, 0
	for x < n && y < m {
		switch {
		case ma[x].text == mb[y].text:
			x++
			y++
		case t[x+1][y] >= t[x][y+1]:
			del = append(del, ma[x])
			x++
		default:
			add = append(add, mb[y])
			y++
		}
	}
	del = append(del, ma[x:]...)
	add = append(add, mb[y:]...)
	return del, add
}
