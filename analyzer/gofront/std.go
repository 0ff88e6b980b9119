package gofront

import (
	_ "embed"
	"strconv"
	"strings"
	"sync"
)

//go:embed data/stdinline.txt
var stdInlineData string

//go:embed data/stdpkgs.txt
var stdPkgsData string

//go:embed data/stdnoncomparable.txt
var stdNonComparableData string

type stdTables struct {
	cost map[string]int // exported function → inline cost; -1 for generic (unknown)
	pkgs map[string]bool
	// noncmp lists the exported types that are not comparable.
	noncmp map[string]bool
}

var loadStd = sync.OnceValue(func() *stdTables {
	t := &stdTables{cost: map[string]int{}, pkgs: map[string]bool{}, noncmp: map[string]bool{}}
	for _, l := range strings.Split(stdNonComparableData, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			t.noncmp[l] = true
		}
	}
	for _, l := range strings.Split(stdInlineData, "\n") {
		f := strings.Fields(l)
		if len(f) != 2 || strings.HasPrefix(l, "#") {
			continue
		}
		switch f[1] {
		case "?":
			t.cost[f[0]] = -1
			continue
		case "-":
			t.cost[f[0]] = extraCallCost
			continue
		}
		if n, err := strconv.Atoi(f[1]); err == nil {
			t.cost[f[0]] = n
		}
	}
	for _, l := range strings.Split(stdPkgsData, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			t.pkgs[l] = true
		}
	}
	return t
})

// StdCallee tells what a call to an exported standard-library function
// adds to an inlining cost, from gc's own decisions (Go 1.26): the
// function's cost when gc inlines it, 57 when it does not. It knows
// nothing (ok false) of generic functions, of names that are not functions
// (a conversion to time.Duration), and of packages outside the library.
func StdCallee(qualified string) (int, bool) {
	if intrinsic(qualified) {
		return 0, true
	}
	t := loadStd()
	c, ok := t.cost[qualified]
	if !ok || c < 0 {
		return 0, false
	}
	return c, true
}

// intrinsic reports whether gc replaces a call with machine instructions
// (it then costs like any other node): sync/atomic, math/bits, and some of
// math, on the 64-bit platforms the tool assumes.
func intrinsic(q string) bool {
	switch {
	case strings.HasPrefix(q, "sync/atomic."), strings.HasPrefix(q, "math/bits."):
		return true
	}
	switch q {
	case "math.Sqrt", "math.Floor", "math.Ceil", "math.Trunc", "math.Round", "math.RoundToEven", "math.Abs",
		"math.Copysign", "math.FMA", "math.Float64bits", "math.Float64frombits", "math.Float32bits", "math.Float32frombits",
		"runtime.KeepAlive", "unsafe.Pointer":
		return true
	}
	return false
}

// StdComparable tells whether an exported type of the standard library
// ("time.Duration", "bytes.Buffer") is comparable; known is false for a
// package outside the library.
func StdComparable(qualified string) (comparable, known bool) {
	i := strings.LastIndexByte(qualified, '.')
	if i < 0 {
		return false, false
	}
	t := loadStd()
	if !t.pkgs[qualified[:i]] {
		return false, false
	}
	return !t.noncmp[qualified], true
}
