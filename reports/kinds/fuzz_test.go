package kinds

import (
	"testing"
)

// FuzzKind checks that Parse never panics, and that Kind never panics and
// always returns one of the four kinds, deterministically, for the built-in
// rule and for any override file that parses.
func FuzzKind(f *testing.F) {
	f.Add("0123456789abcdef0123456789abcdef01234567", "Fix crash in lua_settop", []byte(""))
	f.Add("abcdef0", "feat(api)!: add --json\n\nBREAKING CHANGE: output changed", []byte(validFile))
	f.Add("", "Revert \"Speed up O(n^2) scan\"\n\nThis reverts commit abcdef0123.", []byte("replace: true\ncve: false\nrules:\n  - kind: perf\n    pattern: '(?m)^zoom$'\n    where: body\n"))
	f.Add("ABCDEF0", "net/http: data race\r\n\r\nSigned-off-by: A <a@b>\nhttps://x/fix", []byte("commits:\n  abcdef0: other\n"))
	f.Add("", "double\n-free \u00e9t\u00e9 CVE-2024-0001", []byte("rules:\n  - kind: fix\n    words: [hot fix]\n    where: subject\n"))
	f.Add("", "", []byte("a: &x [1]\nb: *x\n"))
	f.Add("", "\xff\xfe fix", []byte("\t\tfoo: ["))
	d := Default()
	f.Fuzz(func(t *testing.T, commit, msg string, file []byte) {
		if k := d.Kind(commit, msg); !IsKind(k) {
			t.Fatalf("Default().Kind(%q, %q) = %q", commit, msg, k)
		} else if k2 := d.Kind(commit, msg); k2 != k {
			t.Fatalf("Kind not deterministic: %q then %q", k, k2)
		}
		c, err := Parse(file, "fuzz.yaml")
		if err != nil {
			if c != nil {
				t.Fatalf("Parse returned a classifier and an error %v", err)
			}
			return
		}
		if k := c.Kind(commit, msg); !IsKind(k) {
			t.Fatalf("Kind(%q, %q) with file %q = %q", commit, msg, file, k)
		}
		if h := c.Hash(); len(h) != 16 {
			t.Fatalf("Hash = %q", h)
		}
		if c.Describe() == "" {
			t.Fatal("empty Describe")
		}
	})
}
