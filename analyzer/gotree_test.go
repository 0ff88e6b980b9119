package analyzer

import "testing"

func TestGoNewer(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"1.27", "1.26", true}, {"1.26.3", "1.26", false}, {"1.26", "1.26", false}, {"1.9", "1.26", false},
		{"2.0", "1.26", true}, {"1.27rc1", "1.26", true}, {"go1.30", "1.26", true}, {"", "1.26", false},
	} {
		if got := goNewer(c.a, c.b); got != c.want {
			t.Errorf("goNewer(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
