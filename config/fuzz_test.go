package config

import (
	"math/big"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"
	"gopkg.in/yaml.v3"
)

// FuzzParse checks the .dynupd.yaml loader on any bytes: Parse never
// panics and returns a config or an error, never both; a config it accepts
// holds only known verdict names and valid globs (and a file of nothing
// but comments is the default one), has a positive size
// limit and a 16-digit hash, parses the same twice, and survives a round
// trip through YAML. ParseSize accepts only sizes that fit in an int64,
// and returns exactly the number times the unit.
func FuzzParse(f *testing.F) {
	f.Add([]byte("public-headers: [\"lib/api/*.h\"]\nprivate-guards: [LUA_CORE]\ndefines: {HAVE_EPOLL: \"1\"}\n"), "512KiB")
	f.Add([]byte("overrides: {C-GLOBAL-INIT: interface-internal}\nmax-file-size: 2MiB\npolicy: {fail-on: state-transfer, allow-unknown: true}\n"), "8589934591G")
	f.Add([]byte("noncode: ['[']\n"), "-1")
	f.Add([]byte("# only a comment\n"), "9223372036854775807")
	f.Add([]byte("---\n...\n"), "  12 K ")
	f.Add([]byte("a: &x [1]\nb: *x\n"), "1B")
	f.Add([]byte("defines: [a, b]\n"), "0x10")
	f.Add([]byte("go-exported-internal: yes\ncode: ['**/*.inc']\n---\nbogus: 1\n"), "")
	f.Fuzz(func(t *testing.T, b []byte, size string) {
		checkSize(t, size)
		c, err := Parse(b)
		if err != nil && onlyComments(b) {
			t.Fatalf("a file of comments is the default config, got %v", err)
		}
		if err != nil {
			if c != nil {
				t.Fatalf("Parse returned a config and the error %v", err)
			}
			return
		}
		checkConfig(t, c)
		again, err := Parse(b)
		if err != nil || again.Hash() != c.Hash() || !sameConfig(c, again) {
			t.Fatalf("Parse is not deterministic: %v", err)
		}
		out, err := yaml.Marshal(c)
		if err != nil {
			t.Fatalf("marshal %+v: %v", c, err)
		}
		rt, err := Parse(out)
		if err != nil {
			t.Fatalf("the config %q does not parse back: %v", out, err)
		}
		if !sameConfig(c, rt) {
			t.Fatalf("round trip changed the config:\n%+v\n%+v", c, rt)
		}
	})
}

func checkSize(t *testing.T, s string) {
	t.Helper()
	v, err := ParseSize(s)
	if err != nil {
		return
	}
	if v < 0 {
		t.Fatalf("ParseSize(%q) = %d", s, v)
	}
	// The exact value: the digits times the unit, which must fit.
	num, mult := strings.TrimSpace(s), int64(1)
	for _, u := range []struct {
		suf string
		m   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(num, u.suf) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suf)), u.m
			break
		}
	}
	n, ok := new(big.Int).SetString(num, 10)
	if !ok {
		t.Fatalf("ParseSize(%q) = %d, but %q is not a number", s, v, num)
	}
	if want := n.Mul(n, big.NewInt(mult)); want.Cmp(big.NewInt(v)) != 0 {
		t.Fatalf("ParseSize(%q) = %d, want %s", s, v, want)
	}
}

func checkConfig(t *testing.T, c *Config) {
	t.Helper()
	known := func(v string) bool {
		for _, n := range verdicts {
			if v == n {
				return true
			}
		}
		return false
	}
	for rule, v := range c.Overrides {
		if !known(v) {
			t.Fatalf("override %s: %q accepted", rule, v)
		}
	}
	if c.Policy.FailOn != "" && !known(c.Policy.FailOn) {
		t.Fatalf("fail-on %q accepted", c.Policy.FailOn)
	}
	for _, l := range [][]string{c.PublicHeaders, c.PrivateHeaders, c.NonCode, c.Code, c.InitFunctions, c.LongRunning} {
		for _, g := range l {
			if !doublestar.ValidatePattern(g) {
				t.Fatalf("bad glob %q accepted", g)
			}
			Match(l, "src/a.c") // must not panic
			MatchName(l, "main")
		}
	}
	if c.MaxSize() <= 0 {
		t.Fatalf("MaxSize %d", c.MaxSize())
	}
	if h := c.Hash(); len(h) != 16 {
		t.Fatalf("Hash %q", h)
	}
}

// sameConfig compares two configs' settings (not their raw bytes).
func sameConfig(a, b *Config) bool {
	x, y := *a, *b
	x.raw, y.raw = nil, nil
	return reflect.DeepEqual(normalize(x), normalize(y))
}

// normalize makes empty lists and maps nil, as a YAML round trip does.
func normalize(c Config) Config {
	for _, l := range []*[]string{&c.PublicHeaders, &c.PrivateHeaders, &c.ExportMacros, &c.PrivateGuards, &c.InitFunctions,
		&c.LongRunning, &c.NonCode, &c.Code, &c.Policy.AllowRules, &c.Policy.AllowPaths} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	if len(c.Defines) == 0 {
		c.Defines = nil
	}
	if len(c.Overrides) == 0 {
		c.Overrides = nil
	}
	return c
}

// onlyComments reports whether b holds nothing but YAML comments and
// blank lines (indented by spaces, not tabs), in characters YAML allows.
func onlyComments(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		printable := r == '\t' || r == '\n' || r == '\r' || r == 0x85 || r >= 0x20 && r <= 0x7e ||
			r >= 0xa0 && r <= 0xd7ff || r >= 0xe000 && r <= 0xfffd || r >= 0x10000
		if !printable {
			return false
		}
	}
	lines := strings.FieldsFunc(string(b), func(r rune) bool { // YAML's line breaks
		return r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029
	})
	for _, l := range lines {
		if l = strings.TrimLeft(l, " "); l != "" && l[0] != '#' {
			return false
		}
	}
	return true
}
