package corpus

import (
	"context"
	"path"
	"sort"
	"strings"
	"testing"

	"github.com/dynupd/dynupd-analyze/classifiers"
)

// TestCorpus runs every case through the whole pipeline on a real git
// repository and checks its verdict, rules and closures.
func TestCorpus(t *testing.T) {
	cases, err := Load(".")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no cases")
	}
	tmp := t.TempDir()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			r, err := c.Run(context.Background(), tmp)
			if err != nil {
				t.Fatal(err)
			}
			if bad := c.Check(r); len(bad) > 0 {
				t.Errorf("%s\ngot %s", strings.Join(bad, "\n"), Describe(r))
			}
		})
	}
}

// TestCoverage requires every C rule to have at least 3 firing cases and 2
// near-misses.
func TestCoverage(t *testing.T) {
	reg := classifiers.NewRegistry()
	for _, lang := range []struct {
		dir   string
		rules []*classifiers.Rule
		min   int
	}{{"c", reg.C(), 180}, {"go", reg.Go(), 150}} {
		cases, err := Load(lang.dir)
		if err != nil {
			t.Fatal(err)
		}
		fire, miss := map[string]int{}, map[string]int{}
		api := 0
		for _, c := range cases {
			for _, r := range c.Rules {
				fire[r]++
			}
			for _, r := range c.Not {
				miss[r]++
			}
			if strings.HasPrefix(path.Base(c.Name), "api-") {
				api++
			}
		}
		var ids []string
		for _, r := range lang.rules {
			if r.Lang == lang.dir {
				ids = append(ids, r.ID)
			}
		}
		sort.Strings(ids)
		for _, id := range ids {
			if fire[id] < 3 || miss[id] < 2 {
				t.Errorf("%s: %d firing cases, %d near-misses (want ≥3 and ≥2)", id, fire[id], miss[id])
			}
		}
		if len(cases) < lang.min {
			t.Errorf("%d %s cases, want at least %d", len(cases), lang.dir, lang.min)
		}
		if lang.dir == "go" && api < 30 {
			t.Errorf("%d Go cases on exported-API compatibility (api-*), want at least 30", api)
		}
	}
}

// TestCheckCatchesMistakes makes sure the harness fails a wrong result.
func TestCheckCatchesMistakes(t *testing.T) {
	c, err := Parse("c/X/x", []byte("verdict: live-patchable\nrules: C-FUNC-BODY\nnot: C-MAIN\n-- new/a.c --\nint f(void){return 0;}\n"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Run(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// A root commit adding a function is C-FUNC-ADDED, so this case is wrong
	// in two ways and Check must say so.
	bad := c.Check(r)
	if len(bad) < 2 {
		t.Fatalf("Check found %v, want the missing C-FUNC-BODY and the unlisted C-FUNC-ADDED", bad)
	}
}
