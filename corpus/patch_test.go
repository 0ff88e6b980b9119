package corpus

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/patchgen"
	"github.com/dynupd/dynupd-analyze/patchgen/cpatch"
	"github.com/dynupd/dynupd-analyze/patchgen/gopatch"
)

// patchOutcome generates the candidate module of a case and says what its
// check did: "compiles", "fails VERDICT", "not-attempted" or "no module".
func patchOutcome(t *testing.T, c *Case, tmp string) string {
	t.Helper()
	a, r, err := c.Analyze(context.Background(), tmp)
	if err != nil {
		t.Fatal(err)
	}
	funcs, left := patchgen.Select(r, r.Verdict == classifiers.InterfaceInternal)
	if len(funcs) == 0 {
		return "no module"
	}
	var gen patchgen.Generator = cpatch.NewULP(cpatch.Options{})
	if strings.HasPrefix(c.Name, "go/") {
		gen = gopatch.New(gopatch.Options{})
	}
	dir := filepath.Join(tmp, "module-"+strings.ReplaceAll(c.Name, "/", "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	m, err := gen.Generate(context.Background(), patchgen.Input{Result: r, Source: a, Funcs: funcs, LeftOut: left}, dir)
	if err != nil {
		t.Fatal(err)
	}
	passed, failed := false, false
	var detail string
	for _, ch := range m.Checks {
		switch ch.Status {
		case patchgen.CheckPassed:
			passed = true
		case patchgen.CheckFailed:
			failed, detail = true, ch.Detail
		}
	}
	switch {
	case failed && m.Finding != nil:
		if m.Finding.Rule != classifiers.PatchCompile {
			t.Errorf("failed check raises %s, want PATCH-COMPILE", m.Finding.Rule)
		}
		t.Logf("%s: %s", c.Name, detail)
		return "fails " + m.Finding.Verdict.String()
	case failed:
		return "fails without a finding"
	case passed:
		return "compiles"
	}
	return "not-attempted"
}

// TestPatchCases generates the candidate module of every case that says
// what it must do, and checks it against the old tree.
func TestPatchCases(t *testing.T) {
	cases, err := Load(".")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	n := 0
	for _, c := range cases {
		if c.Patch == "" {
			continue
		}
		n++
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			if got := patchOutcome(t, c, tmp); got != c.Patch {
				t.Errorf("patch module: %s, want %s", got, c.Patch)
			}
		})
	}
	if n == 0 {
		t.Fatal("no case says what its patch module does")
	}
}

// TestPatchCoverage: at least 20 C and 20 Go cases whose module compiles
// against the old tree, and 5 of each whose module must not although the
// classifiers call the change live-patchable: a hidden dependency the
// check catches, and the verdict is raised.
func TestPatchCoverage(t *testing.T) {
	for _, lang := range []string{"c", "go"} {
		cases, err := Load(lang)
		if err != nil {
			t.Fatal(err)
		}
		compiles, raised := 0, 0
		for _, c := range cases {
			switch {
			case c.Patch == "compiles":
				compiles++
			case strings.HasPrefix(c.Patch, "fails ") && c.Verdict == classifiers.LivePatchable && c.Patch != "fails live-patchable":
				raised++
			}
		}
		if compiles < 20 || raised < 5 {
			t.Errorf("%s: %d cases whose module compiles, %d live-patchable ones whose module fails and raises the verdict (want ≥20 and ≥5)", lang, compiles, raised)
		}
	}
}

// TestPatchSurvey prints what the module of every live-patchable and
// interface-internal case does (DYNUPD_PATCH_SURVEY=1), to label cases.
func TestPatchSurvey(t *testing.T) {
	if os.Getenv("DYNUPD_PATCH_SURVEY") == "" {
		t.Skip("set DYNUPD_PATCH_SURVEY=1 to survey")
	}
	cases, err := Load(".")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	for _, c := range cases {
		if c.Verdict != classifiers.LivePatchable && c.Verdict != classifiers.InterfaceInternal {
			continue
		}
		fmt.Printf("SURVEY %s %s %s\n", c.Verdict, c.Name, patchOutcome(t, c, tmp))
	}
}
