package classifiers

import "testing"

func TestClassifyBuild(t *testing.T) {
	cases := []struct {
		name, old, new string
		want           buildClass
	}{
		{"Makefile", "CFLAGS = -O2 -Wall\nSRC = a.c b.c\n", "CFLAGS = -O2 -Wall -Wextra\nSRC = a.c b.c\n", buildDiag},
		{"Makefile", "SRC = a.c b.c\n", "SRC = a.c b.c \\\n\tc.c\n", buildSources},
		{"Makefile", "CFLAGS = -O2\n", "CFLAGS = -O3\n", buildFlags},
		{"Makefile", "# build it\nall: x\n", "# build it all\nall: x\n", buildDiag},
		{"Makefile", "check: x\n\t./run-tests\n", "check: x\n\t./run-tests --verbose\n", buildDiag},
		{"Makefile", "LDFLAGS = -Wl,-z,now\n", "LDFLAGS = -Wl,-z,relro\n", buildFlags},
		{"configure.ac", "AC_CHECK_FUNCS([strlcpy])\n", "AC_CHECK_FUNCS([strlcpy accept4])\n", buildFlags},
		{"configure.ac", "dnl old note\nAC_INIT([x])\n", "dnl new note\nAC_INIT([x])\n", buildDiag},
		{"CMakeLists.txt", "add_executable(tool main.c)\n", "add_executable(tool main.c util.c)\n", buildSources},
		{"CMakeLists.txt", "add_test(NAME a COMMAND t)\n", "add_test(NAME b COMMAND t)\n", buildDiag},
		{"config.h.in", "#undef HAVE_A\n", "#undef HAVE_A\n#undef HAVE_B\n", buildFlags},
		{"Kconfig", "config FOO\n\tbool \"foo\"\n\thelp\n\t  Old text.\n", "config FOO\n\tbool \"foo\"\n\thelp\n\t  New text.\n", buildDiag},
	}
	for _, c := range cases {
		got, why := classifyBuild(c.name, []byte(c.old), []byte(c.new))
		if got != c.want {
			t.Errorf("%s %q → %q: class %d (%s), want %d", c.name, c.old, c.new, got, why, c.want)
		}
	}
	if got, _ := classifyBuild("Makefile", nil, []byte("all:\n")); got != buildFlags {
		t.Error("a new build file changes the build")
	}
}

func TestVerdictLattice(t *testing.T) {
	if Max(StateTransfer, InterfaceInternal) != StateTransfer || Max(Unknown, NotPatchable) != Unknown {
		t.Error("Max")
	}
	for _, v := range Verdicts {
		p, err := ParseVerdict(v.String())
		if err != nil || p != v {
			t.Errorf("round trip %s", v)
		}
	}
	if TierOf(InterfaceInternal) != T1 || TierOf(Unknown) != TierNone {
		t.Error("tiers")
	}
}

func TestRegistryIsComplete(t *testing.T) {
	r := NewRegistry()
	seen := map[string]bool{}
	for _, x := range r.C() {
		if seen[x.ID] || x.Doc == "" || x.Summary == "" || x.Reference == "" || x.run == nil {
			t.Errorf("rule %s is duplicated or incomplete", x.ID)
		}
		seen[x.ID] = true
	}
	if len(seen) < 36 {
		t.Errorf("%d rules, want the 36 C rules of TAXONOMY.md and more", len(seen))
	}
}

func TestLocWhere(t *testing.T) {
	var none *Loc
	for l, want := range map[*Loc]string{none: "", {File: "a.c", Line: 3}: "a.c:3", {File: "README"}: "README"} {
		if got := l.Where(); got != want {
			t.Errorf("%+v: %q, want %q", l, got, want)
		}
	}
}
