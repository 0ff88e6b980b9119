package config

import (
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	c, err := Parse([]byte(`
public-headers: ["lib/api/*.h"]
private-guards: [LUA_CORE]
defines: {HAVE_EPOLL: "1"}
long-running: [aeMain]
overrides: {C-GLOBAL-INIT: interface-internal}
max-file-size: 512KiB
policy: {fail-on: state-transfer}
`))
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxSize() != 512<<10 || c.Defines["HAVE_EPOLL"] != "1" || c.Overrides["C-GLOBAL-INIT"] != "interface-internal" {
		t.Errorf("parsed %+v", c)
	}
	if !Match(c.PublicHeaders, "lib/api/x.h") || Match(c.PublicHeaders, "lib/x.h") {
		t.Error("glob matching")
	}
	if (&Config{}).MaxSize() != DefaultMaxFileSize {
		t.Error("default size")
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	cases := map[string]string{
		"public-headers: [a]\nbogus-key: 1\n": "line 2",
		"overrides:\n  C-MAIN: maybe\n":       "line 2",
		"max-file-size: lots\n":               "line 1",
		"noncode: ['[']\n":                    "line 1",
		"defines: [a, b]\n":                   "line 1",
		"policy:\n  fail-on: sometimes\n":     "line 2",
	}
	for src, want := range cases {
		_, err := Parse([]byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err %v, want it to name %s", src, err, want)
		}
	}
}

func TestHashFollowsContent(t *testing.T) {
	a, _ := Parse([]byte("noncode: [x]\n"))
	b, _ := Parse([]byte("noncode: [y]\n"))
	if a.Hash() == b.Hash() || a.Hash() == "" {
		t.Error("config hash must change with the content")
	}
}
