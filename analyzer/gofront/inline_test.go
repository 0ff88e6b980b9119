package gofront

import "testing"

func TestEstimateResolvesLocalCalls(t *testing.T) {
	src := `package p

type Kind int

func small(x Kind) bool { return x > 2 && x < 9 }

func caller(a, b Kind) Kind {
	if small(a) && small(b) {
		return Kind(a)
	}
	return b
}
`
	f := Parse([]byte(src), "p.go")
	est := EstimateCosts([]*File{f}, StdCallee)
	s, c := est["small"], est["caller"]
	if s.Inlinable() != "yes" {
		t.Fatalf("small: %+v", s)
	}
	if c.Min != c.Max || c.Max > InlineBudget || c.Max < 2*s.Max {
		t.Fatalf("caller %+v should add small's cost %+v twice and no call cost", c, s)
	}
}
