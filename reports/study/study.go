// Package study aggregates the results of a whole-history analysis into the
// tables of a K42/Ksplice-style study: commits analysed and excluded, the
// count and share of each verdict, the cumulative tiers T0–T2 with their
// numerators and denominators, and the same broken down by change kind, by
// year, by top-level directory and by deciding rule; shares per changed
// function as well as per commit; and, for release studies, one row per
// consecutive pair of tags.
package study

import (
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/reports"
)

// Meta is the reproducibility block every report prints.
type Meta struct {
	Tool        string    `json:"tool_version"`
	Rules       string    `json:"rules_version"`
	ConfigHash  string    `json:"config_hash"`
	KindsHash   string    `json:"kinds_hash"`
	Repository  string    `json:"repository"`
	Head        string    `json:"head"`
	Range       string    `json:"range"`
	CommandLine string    `json:"command_line"`
	Date        time.Time `json:"date"`
	// KindsRule describes how change kinds were decided.
	KindsRule string `json:"kinds_rule,omitempty"`
}

// Exclusions are the commits of the range that are not in the verdict
// counts, or not in the program-changing denominator, and why.
type Exclusions struct {
	// Merges were skipped (their changes are counted in the commits
	// that made them).
	Merges int `json:"merges"`
	// Filtered commits touched no file the path filter kept.
	Filtered int `json:"filtered"`
	// NoOpOnly commits were analysed and change nothing in the running
	// program; they are in the verdict counts but not in the
	// program-changing denominator.
	NoOpOnly int `json:"no_op_only"`
	// Skipped commits had at least one changed file whose content was
	// not analysed (size limit, binary, missing blob, submodule): they
	// are counted with the verdict their other files and the skip rules
	// give.
	Skipped int `json:"with_skipped_files"`
}

// Share is a count with its denominator.
type Share struct {
	Count int     `json:"count"`
	Of    int     `json:"of"`
	Share float64 `json:"share"`
}

func share(n, of int) Share {
	s := Share{Count: n, Of: of}
	if of > 0 {
		s.Share = float64(n) / float64(of)
	}
	return s
}

// Percent renders a share as "12.3%".
func (s Share) Percent() string {
	if s.Of == 0 {
		return "–"
	}
	return strconv.FormatFloat(100*s.Share, 'f', 1, 64) + "%"
}

// Breakdown is the verdict mix and tiers of one group of changes.
type Breakdown struct {
	Key      string         `json:"key"`
	Commits  int            `json:"commits"`
	Verdicts map[string]int `json:"verdicts"`
	// Tiers over all the group's changes (TAXONOMY: T0 counts no-op).
	Tiers map[string]Share `json:"tiers"`
	// Changing: the tiers among changes that alter the program (no-op
	// left out of numerator and denominator).
	Changing map[string]Share `json:"tiers_program_changing"`
}

func newBreakdown(key string) *Breakdown {
	b := &Breakdown{Key: key, Verdicts: map[string]int{}}
	for _, v := range classifiers.Verdicts {
		b.Verdicts[v.String()] = 0
	}
	return b
}

func (b *Breakdown) add(v classifiers.Verdict) {
	b.Commits++
	b.Verdicts[v.String()]++
}

func (b *Breakdown) finish() {
	b.Tiers, b.Changing = map[string]Share{}, map[string]Share{}
	noop := b.Verdicts[classifiers.NoOp.String()]
	cum := 0
	for _, v := range classifiers.Verdicts[:4] {
		cum += b.Verdicts[v.String()]
		if v == classifiers.NoOp {
			continue
		}
		t := classifiers.TierOf(v).String()
		b.Tiers[t] = share(cum, b.Commits)
		b.Changing[t] = share(cum-noop, b.Commits-noop)
	}
}

// RuleStat says how often a rule fired and how often it decided a commit
// (its verdict was the commit's).
type RuleStat struct {
	Rule    string `json:"rule"`
	Verdict string `json:"verdict"`
	Decides int    `json:"decides"`
	Fires   int    `json:"fires"`
	// Share of the analysed commits the rule decides.
	Share Share `json:"share"`
}

// Release is one update between consecutive tags.
type Release struct {
	From, To string   `json:"-"`
	Name     string   `json:"name"`
	Verdict  string   `json:"verdict"`
	Tier     string   `json:"tier"`
	Deciding []string `json:"deciding_rules"`
	// Added, Removed, Changed count functions, types and globals.
	Functions analyzer.EntityCount `json:"functions"`
	Types     analyzer.EntityCount `json:"types"`
	Globals   analyzer.EntityCount `json:"globals"`
	Findings  int                  `json:"findings"`
}

// Report is the whole study.
type Report struct {
	Meta       Meta       `json:"meta"`
	Analysed   int        `json:"analysed"`
	Exclusions Exclusions `json:"excluded"`
	// Verdicts counts commits per verdict; VerdictShares gives each as a
	// share of the analysed commits.
	Verdicts      map[string]int   `json:"verdicts"`
	VerdictShares map[string]Share `json:"verdict_shares"`
	// Tiers over all analysed commits (TAXONOMY); Changing among the
	// commits that change the program (no-op-only left out).
	Tiers    map[string]Share `json:"tiers"`
	Changing map[string]Share `json:"tiers_program_changing"`
	// Functions: the same per changed function (a function changed in a
	// commit counts once, with the most severe verdict of the findings
	// about it).
	Functions *Breakdown   `json:"functions"`
	ByKind    []*Breakdown `json:"by_kind"`
	ByYear    []*Breakdown `json:"by_year"`
	ByDir     []*Breakdown `json:"by_directory"`
	ByRule    []RuleStat   `json:"by_rule"`
	// Releases (with --by-release) are the net changes between
	// consecutive tags; ByRelease groups the analysed commits by the
	// release that first contains them, in release order.
	Releases  []Release    `json:"releases,omitempty"`
	ByRelease []*Breakdown `json:"by_release,omitempty"`
}

// Kinds lists the change kinds in report order.
var Kinds = []string{"fix", "perf", "feature", "other"}

// Build aggregates results (in any order; each must have Kind set when
// kinds are wanted).
func Build(meta Meta, results []*analyzer.Result, ex Exclusions) *Report {
	r := &Report{Meta: meta, Exclusions: ex, Verdicts: map[string]int{}, VerdictShares: map[string]Share{}}
	all := newBreakdown("all")
	funcs := newBreakdown("functions")
	kinds := map[string]*Breakdown{}
	for _, k := range Kinds {
		kinds[k] = newBreakdown(k)
	}
	years := map[string]*Breakdown{}
	dirs := map[string]*Breakdown{}
	rules := map[string]*RuleStat{}
	for _, res := range results {
		all.add(res.Verdict)
		if len(res.Skipped) > 0 {
			r.Exclusions.Skipped++
		}
		k := res.Kind
		if k == "" {
			k = "other"
		}
		if kinds[k] == nil {
			kinds[k] = newBreakdown(k)
		}
		kinds[k].add(res.Verdict)
		y := "unknown date"
		if !res.Date.IsZero() {
			y = strconv.Itoa(res.Date.UTC().Year())
		}
		if years[y] == nil {
			years[y] = newBreakdown(y)
		}
		years[y].add(res.Verdict)
		for d, v := range dirVerdicts(res) {
			if dirs[d] == nil {
				dirs[d] = newBreakdown(d)
			}
			dirs[d].add(v)
		}
		for _, v := range funcVerdicts(res) {
			funcs.add(v)
		}
		fired := map[string]bool{}
		for _, f := range res.Findings {
			if fired[f.Rule] {
				continue
			}
			fired[f.Rule] = true
			st := rules[f.Rule]
			if st == nil {
				st = &RuleStat{Rule: f.Rule, Verdict: f.Verdict.String()}
				rules[f.Rule] = st
			}
			st.Fires++
			if f.Verdict == res.Verdict {
				st.Decides++
			}
		}
	}
	r.Exclusions.NoOpOnly = all.Verdicts[classifiers.NoOp.String()]
	all.finish()
	funcs.finish()
	r.Analysed = all.Commits
	r.Verdicts = all.Verdicts
	for v, n := range all.Verdicts {
		r.VerdictShares[v] = share(n, all.Commits)
	}
	r.Tiers, r.Changing = all.Tiers, all.Changing
	r.Functions = funcs
	for _, k := range Kinds {
		kinds[k].finish()
		r.ByKind = append(r.ByKind, kinds[k])
	}
	var extra []string
	for k := range kinds {
		if !contains(Kinds, k) {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		kinds[k].finish()
		r.ByKind = append(r.ByKind, kinds[k])
	}
	r.ByYear = sorted(years, func(a, b *Breakdown) bool { return a.Key < b.Key })
	r.ByDir = sorted(dirs, func(a, b *Breakdown) bool {
		if a.Commits != b.Commits {
			return a.Commits > b.Commits
		}
		return a.Key < b.Key
	})
	for _, st := range rules {
		st.Share = share(st.Decides, r.Analysed)
		r.ByRule = append(r.ByRule, *st)
	}
	sort.Slice(r.ByRule, func(i, j int) bool {
		a, b := r.ByRule[i], r.ByRule[j]
		if a.Decides != b.Decides {
			return a.Decides > b.Decides
		}
		if a.Fires != b.Fires {
			return a.Fires > b.Fires
		}
		return a.Rule < b.Rule
	})
	return r
}

func contains(s []string, x string) bool {
	for _, e := range s {
		if e == x {
			return true
		}
	}
	return false
}

func sorted(m map[string]*Breakdown, less func(a, b *Breakdown) bool) []*Breakdown {
	out := make([]*Breakdown, 0, len(m))
	for _, b := range m {
		b.finish()
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return less(out[i], out[j]) })
	return out
}

// TopDir is the top-level directory of a repository path ("." for a file
// at the root).
func TopDir(p string) string {
	p = strings.TrimPrefix(path.Clean(p), "/")
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return "."
}

// dirVerdicts gives, for each top-level directory a commit touches, the
// most severe verdict of its files there.
func dirVerdicts(res *analyzer.Result) map[string]classifiers.Verdict {
	out := map[string]classifiers.Verdict{}
	for _, f := range res.Files {
		p := f.Path
		if p == "" {
			p = f.OldPath
		}
		d := TopDir(p)
		if v, ok := out[d]; !ok || f.Verdict > v {
			out[d] = f.Verdict
		}
	}
	return out
}

// funcVerdicts gives, for each function or method a commit's findings
// name, the most severe verdict among those findings.
func funcVerdicts(res *analyzer.Result) []classifiers.Verdict {
	m := map[string]classifiers.Verdict{}
	var order []string
	for _, f := range res.Findings {
		if !isFunction(f.Entity) {
			continue
		}
		key := f.Entity + "@" + locFile(f)
		v, ok := m[key]
		if !ok {
			order = append(order, key)
		}
		if !ok || f.Verdict > v {
			m[key] = f.Verdict
		}
	}
	out := make([]classifiers.Verdict, 0, len(order))
	for _, k := range order {
		out = append(out, m[k])
	}
	return out
}

func isFunction(entity string) bool {
	return strings.HasPrefix(entity, "func ") || strings.HasPrefix(entity, "method ")
}

func locFile(f classifiers.Finding) string {
	if f.New != nil {
		return f.New.File
	}
	if f.Old != nil {
		return f.Old.File
	}
	return ""
}

// ReleaseOf summarises the net change between two tags.
func ReleaseOf(from, to string, r *analyzer.Result) Release {
	rel := Release{From: from, To: to, Name: from + ".." + to, Verdict: r.Verdict.String(), Tier: r.Tier.String(),
		Deciding: reports.DecidingRules(r), Findings: len(r.Findings)}
	for k, c := range r.Entities {
		var dst *analyzer.EntityCount
		switch strings.TrimPrefix(k, "go ") {
		case "func", "method", "init":
			dst = &rel.Functions
		case "struct", "union", "enum", "typedef", "type":
			dst = &rel.Types
		case "global", "static", "var":
			dst = &rel.Globals
		}
		if dst != nil {
			dst.Added += c.Added
			dst.Removed += c.Removed
			dst.Changed += c.Changed
		}
	}
	return rel
}

// GroupByRelease fills ByRelease: the results grouped by the release that
// first contains their commit (of maps a commit to its release name), in
// the release order given; releases without analysed commits are left out,
// and commits of no release are grouped under "other".
func (r *Report) GroupByRelease(results []*analyzer.Result, of map[string]string, order []string) {
	groups := map[string]*Breakdown{}
	for _, res := range results {
		name, ok := of[res.Commit]
		if !ok {
			name = "other"
		}
		if groups[name] == nil {
			groups[name] = newBreakdown(name)
		}
		groups[name].add(res.Verdict)
	}
	r.ByRelease = nil
	for _, name := range append(append([]string(nil), order...), "other") {
		if b := groups[name]; b != nil {
			b.finish()
			r.ByRelease = append(r.ByRelease, b)
			delete(groups, name)
		}
	}
}
