package patchgen

import (
	"strings"
	"testing"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
)

func TestEntityParts(t *testing.T) {
	for in, want := range map[string][3]string{
		"func step":                {"func", "step", ""},
		"method (*Analyzer).Tags":  {"method", "Tags", "Analyzer"},
		"method (Share).Percent":   {"method", "Percent", "Share"},
		"struct conn":              {"struct", "conn", ""},
		"func (*pkg.T).M":          {"func", "M", "pkg.T"},
		"macro ATTRIBUTE_TARGET_X": {"macro", "ATTRIBUTE_TARGET_X", ""},
	} {
		k, n, r := entityParts(in)
		if [3]string{k, n, r} != want {
			t.Errorf("%q: %q %q %q, want %q", in, k, n, r, want)
		}
	}
}

func TestSelect(t *testing.T) {
	loc := func(f string, a, b int) *classifiers.Loc { return &classifiers.Loc{File: f, Line: a, EndLine: b} }
	r := &analyzer.Result{Verdict: classifiers.InterfaceInternal, Findings: []classifiers.Finding{
		{Rule: "C-FUNC-BODY", Verdict: classifiers.LivePatchable, Entity: "func step", Old: loc("a.c", 3, 5), New: loc("a.c", 3, 6)},
		{Rule: "C-FUNC-BODY", Verdict: classifiers.LivePatchable, Entity: "func step", Old: loc("a.c", 3, 5), New: loc("a.c", 3, 6)},
		{Rule: "C-FUNC-ADDED", Verdict: classifiers.LivePatchable, Entity: "func helper", New: loc("a.c", 8, 9)},
		{Rule: "GO-FUNC-BODY", Verdict: classifiers.LivePatchable, Entity: "method (*Srv).Serve", Old: loc("s.go", 10, 20), New: loc("s.go", 10, 22)},
		{Rule: "C-DATA-ADDED", Verdict: classifiers.LivePatchable, Entity: "var table", New: loc("a.c", 1, 1)},
		{Rule: "C-NOOP-FORMAT", Verdict: classifiers.NoOp, Entity: "func other"},
		{Rule: "C-SIG-INTERNAL", Verdict: classifiers.InterfaceInternal, Entity: "func run", Closure: []string{"a.c:run", "b.c:caller"}},
		{Rule: "C-STRUCT-LAYOUT", Verdict: classifiers.StateTransfer, Entity: "struct conn"},
	}}
	funcs, left := Select(r, false)
	var keys []string
	for _, f := range funcs {
		keys = append(keys, f.Key())
	}
	if strings.Join(keys, " ") != "a.c:helper a.c:step s.go:Srv.Serve" {
		t.Errorf("without closures: %v", keys)
	}
	if !funcs[0].Added || funcs[1].OldLine != 3 || funcs[1].EndLine != 6 || funcs[2].Recv != "Srv" {
		t.Errorf("funcs %+v", funcs)
	}
	reasons := map[string]string{}
	for _, l := range left {
		reasons[l.Rule] = l.Reason
	}
	if len(left) != 3 || !strings.Contains(reasons["C-STRUCT-LAYOUT"], "state-transfer") || !strings.Contains(reasons["C-SIG-INTERNAL"], "interface-internal") || reasons["C-DATA-ADDED"] == "" {
		t.Errorf("left out: %+v", left)
	}
	funcs, _ = Select(r, true)
	keys = keys[:0]
	for _, f := range funcs {
		keys = append(keys, f.Key())
	}
	if strings.Join(keys, " ") != "a.c:helper a.c:run a.c:step b.c:caller s.go:Srv.Serve" {
		t.Errorf("with closures: %v", keys)
	}
}

func TestWriteNewStaysInsideAndNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	for _, bad := range []string{"", ".", "../x", "a/../../x", "/etc/passwd", `a\b`, "a//b", "./a", "a/"} {
		if err := WriteNew(dir, bad, []byte("x")); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := WriteNew(dir, "pkg/sub/zz.go", []byte("package sub\n")); err != nil {
		t.Fatal(err)
	}
	if err := WriteNew(dir, "pkg/sub/zz.go", []byte("other")); err == nil {
		t.Error("an existing file was replaced")
	}
}
