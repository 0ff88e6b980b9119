package gate

import (
	"strings"
	"testing"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/config"
)

func at(file string, line int) *classifiers.Loc {
	return &classifiers.Loc{File: file, Line: line, EndLine: line}
}

func finding(rule string, v classifiers.Verdict, entity string, old, new *classifiers.Loc) classifiers.Finding {
	return classifiers.Finding{Rule: rule, Verdict: v, Entity: entity, Old: old, New: new, Message: "changed"}
}

func result(fs ...classifiers.Finding) *analyzer.Result {
	return &analyzer.Result{Commit: "0123456789abcdef0123456789abcdef01234567", Subject: "a change", Verdict: classifiers.VerdictOf(fs), Findings: fs}
}

// ruleOf returns a rule of the registry whose verdict is v.
func ruleOf(t *testing.T, v classifiers.Verdict) string {
	t.Helper()
	for _, r := range classifiers.NewRegistry().All() {
		if r.Verdict == v {
			return r.ID
		}
	}
	t.Fatalf("no rule with verdict %s", v)
	return ""
}

func TestFailOnThresholds(t *testing.T) {
	for _, failOn := range classifiers.Verdicts {
		p, err := PolicyFrom(config.Policy{FailOn: failOn.String()})
		if err != nil {
			t.Fatal(err)
		}
		if p.FailOn != failOn {
			t.Fatalf("fail-on %s parsed as %s", failOn, p.FailOn)
		}
		for _, v := range classifiers.Verdicts {
			o := p.Evaluate("net change", result(finding(ruleOf(t, v), v, "func f", nil, at("a.c", 1))))
			want := v >= failOn || v == classifiers.Unknown
			if o.Fails != want {
				t.Errorf("fail-on %s, finding %s: fails = %v, want %v (%s)", failOn, v, o.Fails, want, o.Reason)
			}
			if o.Verdict != v || o.Tier != classifiers.TierOf(v) {
				t.Errorf("fail-on %s, finding %s: verdict %s tier %s", failOn, v, o.Verdict, o.Tier)
			}
			if want && !strings.HasPrefix(o.Reason, "It fails") || !want && !strings.HasPrefix(o.Reason, "It passes") {
				t.Errorf("fail-on %s, finding %s: reason %q", failOn, v, o.Reason)
			}
		}
	}
}

func TestDefaultFailOnIsInterfaceExternal(t *testing.T) {
	p, err := PolicyFrom(config.Policy{})
	if err != nil {
		t.Fatal(err)
	}
	if p.FailOn != classifiers.InterfaceExternal || p.AllowUnknown {
		t.Fatalf("default policy = %+v", p)
	}
	if p.Evaluate("x", result(finding("C-STRUCT-LAYOUT", classifiers.StateTransfer, "struct s", nil, at("a.c", 1)))).Fails {
		t.Error("state-transfer fails the default policy")
	}
	if !p.Evaluate("x", result(finding("C-SIG-PUBLIC", classifiers.InterfaceExternal, "func f", nil, at("a.h", 1)))).Fails {
		t.Error("interface-external passes the default policy")
	}
}

func TestUnknownFailsUnlessAllowed(t *testing.T) {
	unknown := finding("C-PARSE", classifiers.Unknown, "src/a.c", nil, at("src/a.c", 3))
	strict, err := PolicyFrom(config.Policy{FailOn: "not-patchable"})
	if err != nil {
		t.Fatal(err)
	}
	o := strict.Evaluate("net change", result(unknown))
	if !o.Fails || o.Verdict != classifiers.Unknown || !strings.Contains(o.Reason, "allow-unknown") {
		t.Errorf("unknown under fail-on not-patchable: %+v", o)
	}
	lenient, err := PolicyFrom(config.Policy{FailOn: "not-patchable"}, WithAllowUnknown(true))
	if err != nil {
		t.Fatal(err)
	}
	if !lenient.AllowUnknown {
		t.Fatal("WithAllowUnknown(true) not applied")
	}
	o = lenient.Evaluate("net change", result(unknown))
	if o.Fails || o.Verdict != classifiers.Unknown || o.Tier != classifiers.TierNone {
		t.Errorf("allowed unknown: fails %v verdict %s tier %s", o.Fails, o.Verdict, o.Tier)
	}
	// allow-unknown does not let a not-patchable finding through.
	o = lenient.Evaluate("net change", result(unknown, finding("C-MAIN", classifiers.NotPatchable, "func main", nil, at("main.c", 1))))
	if !o.Fails || !strings.Contains(o.Reason, "C-MAIN") {
		t.Errorf("not-patchable beside an allowed unknown: fails %v, %s", o.Fails, o.Reason)
	}
	// fail-on unknown with allow-unknown: nothing fails.
	none, _ := PolicyFrom(config.Policy{FailOn: "unknown"}, WithAllowUnknown(true))
	if none.Evaluate("x", result(unknown)).Fails {
		t.Error("fail-on unknown + allow-unknown failed on unknown")
	}
}

func TestNilOrUnexplainedResultFailsClosed(t *testing.T) {
	p, _ := PolicyFrom(config.Policy{FailOn: "not-patchable", AllowRules: []string{"C-PARSE"}})
	o := p.Evaluate("net change", nil)
	if !o.Fails || o.Verdict != classifiers.Unknown || o.Reason == "" {
		t.Errorf("nil result: %+v", o)
	}
	// A verdict with no finding to explain it cannot be allowed away.
	r := &analyzer.Result{Verdict: classifiers.Unknown}
	if o := p.Evaluate("net change", r); !o.Fails || o.Verdict != classifiers.Unknown {
		t.Errorf("unexplained unknown: %+v", o)
	}
	r = result(finding("C-PARSE", classifiers.Unknown, "a.c", nil, at("a.c", 1)))
	if o := p.Evaluate("net change", r); o.Fails || len(o.Allowed) != 1 {
		t.Errorf("allowed C-PARSE: %+v", o)
	}
}

func TestAllowRuleRemovesFindingAndLowersVerdict(t *testing.T) {
	layout := finding("C-STRUCT-LAYOUT", classifiers.StateTransfer, "struct conn", at("src/net.c", 1), at("src/net.c", 1))
	body := finding("C-FUNC-BODY", classifiers.LivePatchable, "func step", at("src/net.c", 2), at("src/net.c", 3))
	r := result(layout, body)

	p, _ := PolicyFrom(config.Policy{FailOn: "state-transfer"})
	o := p.Evaluate("net change", r)
	if !o.Fails || o.Verdict != classifiers.StateTransfer || o.Tier != classifiers.T2 || len(o.Findings) != 2 {
		t.Fatalf("without allow-rules: %+v", o)
	}

	p, err := PolicyFrom(config.Policy{FailOn: "state-transfer", AllowRules: []string{"C-STRUCT-LAYOUT"}})
	if err != nil {
		t.Fatal(err)
	}
	o = p.Evaluate("net change", r)
	if o.Fails || o.Verdict != classifiers.LivePatchable || o.Tier != classifiers.T0 {
		t.Errorf("allowed C-STRUCT-LAYOUT: fails %v verdict %s tier %s", o.Fails, o.Verdict, o.Tier)
	}
	if len(o.Findings) != 1 || o.Findings[0].Rule != "C-FUNC-BODY" || len(o.Allowed) != 1 || o.Allowed[0].Rule != "C-STRUCT-LAYOUT" {
		t.Errorf("kept %v, allowed %v", o.Findings, o.Allowed)
	}
	if !strings.Contains(o.Reason, "1 finding ignored") {
		t.Errorf("reason does not count the allowed finding: %s", o.Reason)
	}
	// The result itself is not changed.
	if r.Verdict != classifiers.StateTransfer || len(r.Findings) != 2 {
		t.Errorf("Evaluate changed the result: %+v", r)
	}
	// A commit's outcome carries its hash and subject; the net change's
	// does not (it is not one commit).
	if c := p.Evaluate("0123456789ab", r); c.Commit != r.Commit || c.Subject != r.Subject || c.Name != "0123456789ab" {
		t.Errorf("commit outcome %q %q %q", c.Name, c.Commit, c.Subject)
	}
	if o.Commit != "" || o.Subject != "" || o.Name != NetName {
		t.Errorf("net outcome %q %q %q", o.Name, o.Commit, o.Subject)
	}
	// Allowing every finding leaves a no-op change.
	p, _ = PolicyFrom(config.Policy{FailOn: "live-patchable", AllowRules: []string{"C-STRUCT-LAYOUT", "C-FUNC-BODY"}})
	if o := p.Evaluate("x", r); o.Fails || o.Verdict != classifiers.NoOp || len(o.Findings) != 0 {
		t.Errorf("everything allowed: %+v", o)
	}
}

func TestAllowPathsNeedsEveryLocation(t *testing.T) {
	p, err := PolicyFrom(config.Policy{FailOn: "live-patchable", AllowPaths: []string{"vendor/**", "*.pb.c"}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		f       classifiers.Finding
		allowed bool
	}{
		{"both sides vendored", finding("C-FUNC-BODY", classifiers.LivePatchable, "func v", at("vendor/lib/x.c", 1), at("vendor/lib/x.c", 2)), true},
		{"new side only, vendored", finding("C-FUNC-ADDED", classifiers.LivePatchable, "func v", nil, at("vendor/x.c", 2)), true},
		{"base-name glob", finding("C-FUNC-BODY", classifiers.LivePatchable, "func m", at("proto/msg.pb.c", 1), at("proto/msg.pb.c", 1)), true},
		{"moved out of vendor", finding("C-FUNC-BODY", classifiers.LivePatchable, "func v", at("vendor/x.c", 1), at("src/x.c", 1)), false},
		{"moved into vendor", finding("C-FUNC-BODY", classifiers.LivePatchable, "func v", at("src/x.c", 1), at("vendor/x.c", 1)), false},
		{"not vendored", finding("C-FUNC-BODY", classifiers.LivePatchable, "func s", at("src/vendor.c", 1), at("src/vendor.c", 1)), false},
		{"no location", finding("C-FUNC-BODY", classifiers.LivePatchable, "func s", nil, nil), false},
	}
	for _, c := range cases {
		o := p.Evaluate("x", result(c.f))
		if got := len(o.Allowed) == 1; got != c.allowed {
			t.Errorf("%s: allowed = %v, want %v", c.name, got, c.allowed)
		}
		if o.Fails == c.allowed {
			t.Errorf("%s: fails = %v with fail-on live-patchable", c.name, o.Fails)
		}
	}
}

func TestPolicyFromErrors(t *testing.T) {
	cases := []struct {
		p    config.Policy
		want []string
	}{
		{config.Policy{FailOn: "sometimes"}, []string{"fail-on", `"sometimes"`, "live-patchable", "not-patchable", "unknown"}},
		{config.Policy{AllowRules: []string{"C-FUNC-BODY", "C-NO-SUCH-RULE"}}, []string{"allow-rules", `"C-NO-SUCH-RULE"`}},
		{config.Policy{AllowPaths: []string{"src/[a-"}}, []string{"allow-paths", `"src/[a-"`}},
		{config.Policy{AllowPaths: []string{""}}, []string{"allow-paths"}},
	}
	for _, c := range cases {
		_, err := PolicyFrom(c.p)
		if err == nil {
			t.Errorf("%+v: no error", c.p)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: error %q lacks %q", c.p, err, w)
			}
		}
	}
	// Every problem is reported at once.
	_, err := PolicyFrom(config.Policy{AllowRules: []string{"NOPE-1", "NOPE-2"}, AllowPaths: []string{"[x"}})
	if err == nil || !strings.Contains(err.Error(), "NOPE-1") || !strings.Contains(err.Error(), "NOPE-2") || !strings.Contains(err.Error(), "[x") {
		t.Errorf("joined errors: %v", err)
	}
	p, err := PolicyFrom(config.Policy{FailOn: " state-transfer ", AllowRules: []string{"GO-MOD-DEPS"}, AllowPaths: []string{"third_party/**"}})
	if err != nil || p.FailOn != classifiers.StateTransfer || p.AllowRules[0] != "GO-MOD-DEPS" || p.AllowPaths[0] != "third_party/**" {
		t.Errorf("valid policy: %+v, %v", p, err)
	}
}

func TestGroupByRuleMostSevereFirst(t *testing.T) {
	gs := GroupByRule([]classifiers.Finding{
		finding("C-FUNC-BODY", classifiers.LivePatchable, "func a", nil, at("a.c", 1)),
		finding("C-SIG-PUBLIC", classifiers.InterfaceExternal, "func b", nil, at("a.h", 1)),
		finding("C-FUNC-BODY", classifiers.LivePatchable, "func c", nil, at("a.c", 9)),
		finding("C-DATA-ADDED", classifiers.LivePatchable, "var d", nil, at("a.c", 5)),
	})
	var got []string
	for _, g := range gs {
		got = append(got, g.Rule+"="+g.Verdict.String())
	}
	want := "C-SIG-PUBLIC=interface-external C-DATA-ADDED=live-patchable C-FUNC-BODY=live-patchable"
	if strings.Join(got, " ") != want {
		t.Errorf("groups %v, want %s", got, want)
	}
	if fb := gs[2].Findings; len(fb) != 2 || fb[0].Entity != "func a" || fb[1].Entity != "func c" {
		t.Errorf("C-FUNC-BODY group %v", fb)
	}
}

func TestClosureUnion(t *testing.T) {
	fs := []classifiers.Finding{
		{Rule: "C-SIG-INTERNAL", Closure: []string{"a.c:h", "a.c:caller"}},
		{Rule: "C-MACRO-INTERNAL", Closure: []string{"b.c:user", "a.c:h"}},
		{Rule: "C-FUNC-BODY"},
	}
	got := strings.Join(Closure(fs), " ")
	if got != "a.c:caller a.c:h b.c:user" {
		t.Errorf("closure %q", got)
	}
	if c := Closure(nil); c == nil || len(c) != 0 {
		t.Errorf("empty closure %#v", c)
	}
}
