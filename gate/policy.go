// Package gate holds the policy of the CI gate (`dynupd-analyze check`) and
// every output format of a check: text for the terminal, Markdown for a pull
// request comment or step summary, JSON, SARIF 2.1.0 for code scanning,
// GitHub Actions workflow commands and GitLab Code Quality.
//
// A check judges a pull request's net change (merge-base..head as one
// change) by a Policy; the net change alone decides whether the check
// passes. Each commit of the pull request is judged by the same policy and
// reported for information.
package gate

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/config"
)

// DefaultFailOn is the verdict a policy fails on when the configuration
// names none: a change that breaks an interface outside the repository, or
// anything more severe, fails.
const DefaultFailOn = classifiers.InterfaceExternal

// Policy is what the gate enforces.
type Policy struct {
	// FailOn is the mildest verdict that fails: a change fails when the
	// verdict of one of its kept findings is FailOn or more severe.
	FailOn classifiers.Verdict
	// AllowRules are rule IDs whose findings are ignored.
	AllowRules []string
	// AllowPaths are globs (** allowed; a glob without '/' also matches a
	// base name); a finding whose every location is in a matching file is
	// ignored. A finding with no location is never ignored by path.
	AllowPaths []string
	// AllowUnknown lets unknown findings pass. Without it an unknown
	// finding always fails, whatever FailOn says (fail closed).
	AllowUnknown bool
}

// Option adjusts the policy PolicyFrom builds.
type Option func(*Policy)

// WithAllowUnknown sets the policy's AllowUnknown (the `allow-unknown` key
// of the configuration's policy).
func WithAllowUnknown(allow bool) Option {
	return func(p *Policy) { p.AllowUnknown = allow }
}

// PolicyFrom validates the configuration's policy and returns it: fail-on
// must be a verdict name (empty means DefaultFailOn), every allowed rule ID
// must exist in the rule registry, and every allowed path must be a valid
// glob. Options set what config.Policy does not carry.
func PolicyFrom(p config.Policy, opts ...Option) (Policy, error) {
	pol := Policy{FailOn: DefaultFailOn}
	if s := strings.TrimSpace(p.FailOn); s != "" {
		v, err := classifiers.ParseVerdict(s)
		if err != nil {
			return Policy{}, fmt.Errorf("fail-on: %w", err)
		}
		pol.FailOn = v
	}
	reg := classifiers.NewRegistry()
	var errs []error
	for _, id := range p.AllowRules {
		id = strings.TrimSpace(id)
		if _, ok := reg.Lookup(id); !ok {
			errs = append(errs, fmt.Errorf("allow-rules: unknown rule ID %q (dynupd-analyze rules lists them)", id))
			continue
		}
		pol.AllowRules = append(pol.AllowRules, id)
	}
	for _, g := range p.AllowPaths {
		if g == "" || !doublestar.ValidatePattern(g) {
			errs = append(errs, fmt.Errorf("allow-paths: bad glob %q", g))
			continue
		}
		pol.AllowPaths = append(pol.AllowPaths, g)
	}
	if err := errors.Join(errs...); err != nil {
		return Policy{}, err
	}
	for _, o := range opts {
		o(&pol)
	}
	return pol, nil
}

// Fails reports whether a finding of verdict v fails the policy: unknown
// fails unless AllowUnknown; any other verdict fails when it is FailOn or
// more severe.
func (p Policy) Fails(v classifiers.Verdict) bool {
	if v >= classifiers.Unknown {
		return !p.AllowUnknown
	}
	return v >= p.FailOn
}

// Allows reports whether the allow-lists ignore the finding: its rule is
// allowed, or it has a location and every location (old and new) is in a
// file matching an allowed path.
func (p Policy) Allows(f classifiers.Finding) bool {
	for _, id := range p.AllowRules {
		if f.Rule == id {
			return true
		}
	}
	if len(p.AllowPaths) == 0 {
		return false
	}
	n := 0
	for _, l := range []*classifiers.Loc{f.Old, f.New} {
		if l == nil || l.File == "" {
			continue
		}
		if !config.Match(p.AllowPaths, l.File) {
			return false
		}
		n++
	}
	return n > 0
}

// Describe renders the policy in one line, for reports.
func (p Policy) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fail on %s or more severe", p.FailOn)
	if p.AllowUnknown {
		b.WriteString("; unknown allowed")
	} else {
		b.WriteString("; unknown always fails")
	}
	if len(p.AllowRules) > 0 {
		b.WriteString("; allowed rules: " + strings.Join(p.AllowRules, ", "))
	}
	if len(p.AllowPaths) > 0 {
		b.WriteString("; allowed paths: " + strings.Join(p.AllowPaths, ", "))
	}
	return b.String()
}

// NetName is the name of the net change's outcome. Evaluate leaves Commit
// and Subject empty for it: the net change is not one commit.
const NetName = "net change"

// Outcome is one change judged by the policy.
type Outcome struct {
	// Name is NetName or the commit's short hash.
	Name string
	// Commit is the full hash; "" for the net change.
	Commit  string
	Subject string
	// Result is the analysis as it came, before the policy (nil when the
	// change could not be analysed).
	Result *analyzer.Result
	// Verdict is the most severe verdict of the kept findings (no-op when
	// there are none), and Tier its tier.
	Verdict classifiers.Verdict
	Tier    classifiers.Tier
	// Findings are the findings the policy keeps; Allowed those the
	// allow-lists ignore. Both keep the result's order.
	Findings []classifiers.Finding
	Allowed  []classifiers.Finding
	// Fails says whether the change fails the policy, and Reason why it
	// fails or passes, in one sentence.
	Fails  bool
	Reason string
}

// Evaluate judges one analysed change, named NetName for the net change or
// by the commit's short hash. The change fails when a kept finding fails
// the policy (see Fails). A nil result, or a result whose verdict is
// more severe than any of its findings explains, is judged by that verdict
// and cannot be allowed: the gate fails closed.
func (p Policy) Evaluate(name string, r *analyzer.Result) Outcome {
	o := Outcome{Name: name, Result: r, Findings: []classifiers.Finding{}, Allowed: []classifiers.Finding{}}
	if r == nil {
		o.Verdict, o.Tier = classifiers.Unknown, classifiers.TierOf(classifiers.Unknown)
		o.Fails = p.Fails(classifiers.Unknown)
		if o.Fails {
			o.Reason = "The change was not analysed, so its verdict is unknown, and unknown always fails unless allow-unknown is set."
		} else {
			o.Reason = "The change was not analysed, so its verdict is unknown, which this policy allows."
		}
		return o
	}
	if name != NetName {
		o.Commit, o.Subject = r.Commit, r.Subject
	}
	for _, f := range r.Findings {
		if p.Allows(f) {
			o.Allowed = append(o.Allowed, f)
		} else {
			o.Findings = append(o.Findings, f)
		}
	}
	o.Verdict = classifiers.VerdictOf(o.Findings)
	// A verdict no finding explains (the analyser decided it without a
	// finding) is kept as it is: the allow-lists cannot ignore it.
	unexplained := r.Verdict > classifiers.VerdictOf(r.Findings)
	if unexplained {
		o.Verdict = classifiers.Max(o.Verdict, r.Verdict)
	}
	o.Tier = classifiers.TierOf(o.Verdict)
	var failing []classifiers.Finding
	for _, f := range o.Findings {
		if p.Fails(f.Verdict) {
			failing = append(failing, f)
		}
	}
	o.Fails = len(failing) > 0 || (unexplained && p.Fails(r.Verdict))
	o.Reason = p.reason(o, failing, unexplained)
	return o
}

// reason writes the one sentence that explains an outcome.
func (p Policy) reason(o Outcome, failing []classifiers.Finding, unexplained bool) string {
	allowed := ""
	if n := len(o.Allowed); n > 0 {
		allowed = fmt.Sprintf(" (%s ignored by the allow-lists)", plural(n, "finding"))
	}
	if len(failing) > 0 {
		worst := failing[0]
		for _, f := range failing[1:] {
			if f.Verdict > worst.Verdict {
				worst = f
			}
		}
		what := fmt.Sprintf("%s %s on %s", worst.Rule, worst.Verdict, entityOr(worst.Entity))
		if n := len(failing); n > 1 {
			what += fmt.Sprintf(" and %s", plural(n-1, "more failing finding"))
		}
		if worst.Verdict == classifiers.Unknown {
			return fmt.Sprintf("It fails: %s; unknown always fails unless allow-unknown is set%s.", what, allowed)
		}
		return fmt.Sprintf("It fails: %s, at or above fail-on %s%s.", what, p.FailOn, allowed)
	}
	if unexplained && o.Fails {
		return fmt.Sprintf("It fails: the analysis decided %s without a finding to explain it, and the gate fails closed%s.", o.Verdict, allowed)
	}
	switch {
	case len(o.Findings) == 0 && !unexplained:
		return fmt.Sprintf("It passes: no finding is left%s.", allowed)
	case o.Verdict == classifiers.Unknown:
		return fmt.Sprintf("It passes: its verdict is unknown, which allow-unknown lets through, and nothing else reaches fail-on %s%s.", p.FailOn, allowed)
	}
	return fmt.Sprintf("It passes: the most severe finding is %s, below fail-on %s%s.", o.Verdict, p.FailOn, allowed)
}

func entityOr(e string) string {
	if e == "" {
		return "the change"
	}
	return e
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// Report is one check: the net change of a pull request, which decides,
// and each of its commits, for information.
type Report struct {
	// Repository is the repository as given; Base and Head the refs as
	// given; MergeBase the hash of their merge-base.
	Repository, Base, Head, MergeBase string
	// Analysis is "typed" or "syntactic"; AnalysisNote says why typed
	// analysis was not had, when it was asked for.
	Analysis, AnalysisNote string
	Policy                 Policy
	// Net is the outcome of the net change; it decides Pass.
	Net Outcome
	// Commits are the outcomes of each commit of merge-base..head, oldest
	// first.
	Commits []Outcome
	// Pass is !Net.Fails.
	Pass                      bool
	ToolVersion, RulesVersion string
}

// Closure returns the union of the patch closures of the findings, sorted.
func Closure(fs []classifiers.Finding) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, f := range fs {
		for _, c := range f.Closure {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	sort.Strings(out)
	return out
}

// RuleGroup is the findings of one rule.
type RuleGroup struct {
	Rule     string
	Verdict  classifiers.Verdict // the most severe of the group's findings
	Findings []classifiers.Finding
}

// GroupByRule groups findings by rule, the most severe group first, then
// by rule ID; each group keeps the findings' order.
func GroupByRule(fs []classifiers.Finding) []RuleGroup {
	idx := map[string]int{}
	var gs []RuleGroup
	for _, f := range fs {
		i, ok := idx[f.Rule]
		if !ok {
			i = len(gs)
			idx[f.Rule] = i
			gs = append(gs, RuleGroup{Rule: f.Rule, Verdict: f.Verdict})
		}
		gs[i].Verdict = classifiers.Max(gs[i].Verdict, f.Verdict)
		gs[i].Findings = append(gs[i].Findings, f)
	}
	sort.SliceStable(gs, func(i, j int) bool {
		if gs[i].Verdict != gs[j].Verdict {
			return gs[i].Verdict > gs[j].Verdict
		}
		return gs[i].Rule < gs[j].Rule
	})
	return gs
}

// loc returns the finding's primary location: the new side, else the old
// side (nil when it has neither).
func loc(f classifiers.Finding) *classifiers.Loc {
	if f.New != nil && f.New.File != "" {
		return f.New
	}
	if f.Old != nil && f.Old.File != "" {
		return f.Old
	}
	return nil
}

// where renders the finding's primary location as file:line (file alone
// for a whole-file finding, "" when it has none).
func where(f classifiers.Finding) string {
	l := loc(f)
	switch {
	case l == nil:
		return ""
	case l.Line <= 0:
		return l.File
	}
	return fmt.Sprintf("%s:%d", l.File, l.Line)
}

// lines returns the finding's primary line range, 0 when it has none.
func lines(f classifiers.Finding) (start, end int) {
	l := loc(f)
	if l == nil || l.Line <= 0 {
		return 0, 0
	}
	end = l.EndLine
	if end < l.Line {
		end = l.Line
	}
	return l.Line, end
}
