// Package triage renders the pre-release triage of a commit range: every
// commit of the range grouped by what shipping it as a live patch would
// need, and the verdict of the range's net change taken as one patch.
//
// A Report is built once from analysis results and rendered as text,
// Markdown, a self-contained HTML page or JSON. The JSON is a stable
// contract (docs/triage.md).
package triage

import (
	"time"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/reports"
)

// Range says which range was triaged and how it was read.
type Range struct {
	// Repository is where the range was read (a path).
	Repository string `json:"repository"`
	// Spec is the range as given, e.g. "v7.2.0..v7.2.5".
	Spec string `json:"spec"`
	// Base and Tip are the two revisions of Spec as given; the net change
	// goes from Base to Tip.
	Base string `json:"base"`
	Tip  string `json:"tip"`
	// BaseCommit and TipCommit are the commits they resolve to.
	BaseCommit string `json:"base_commit"`
	TipCommit  string `json:"tip_commit"`
	// BaseNotAncestor is true when Base is not an ancestor of Tip: the net
	// change then also takes back what Base has and Tip lacks, which no
	// commit of the list shows.
	BaseNotAncestor bool `json:"base_not_ancestor"`
	// MergesSkipped counts the merge commits left out of the list (their
	// changes are in the commits they merge).
	MergesSkipped int `json:"merges_skipped"`
	// FilteredOut counts the commits a path filter left without files.
	FilteredOut int `json:"filtered_out"`
}

// Commit is one commit of the range with its verdict and the findings
// behind it.
type Commit struct {
	Commit  string              `json:"commit"`
	Author  string              `json:"author"`
	Date    time.Time           `json:"date"`
	Subject string              `json:"subject"`
	Verdict classifiers.Verdict `json:"verdict"`
	// Tier is "T0", "T1", "T2" or "-" (TAXONOMY.md).
	Tier string `json:"tier"`
	// Deciding lists the rules whose findings carry the commit's verdict.
	Deciding []string              `json:"deciding_rules"`
	Findings []classifiers.Finding `json:"findings"`
	// Skipped lists the changed files whose content was not analysed.
	Skipped []analyzer.SkippedFile `json:"skipped"`
}

// Group is one group of the triage: the commits of one verdict.
type Group struct {
	// Key names the group in the JSON and in HTML anchors.
	Key     string              `json:"key"`
	Title   string              `json:"title"`
	Verdict classifiers.Verdict `json:"verdict"`
	Count   int                 `json:"count"`
	// Commits are the hashes of the group's commits, in list order.
	Commits []string `json:"commits"`
}

// Net is the range's net change, from its base to its tip, analysed as
// one change: what a single live patch taking the running program from
// the base to the tip would meet.
type Net struct {
	Verdict  classifiers.Verdict    `json:"verdict"`
	Tier     string                 `json:"tier"`
	Deciding []string               `json:"deciding_rules"`
	Findings []classifiers.Finding  `json:"findings"`
	Skipped  []analyzer.SkippedFile `json:"skipped"`
	// Analysis is "typed" or "syntactic": how Go code was analysed (C is
	// always syntactic); AnalysisNote says why when it is not typed.
	Analysis     string `json:"analysis"`
	AnalysisNote string `json:"analysis_note,omitempty"`
	// OneLivePatch is true when the net change is no-op or
	// live-patchable: the range can ship as one live patch with no new
	// code.
	OneLivePatch bool `json:"one_live_patch"`
	// Blocking lists the commits whose own verdict is above
	// live-patchable, in list order.
	Blocking []string `json:"blocking"`
}

// Report is the triage of one range.
type Report struct {
	Tool  string `json:"tool_version"`
	Rules string `json:"rules_version"`
	Range Range  `json:"range"`
	// Commits are the analysed commits in the order given to Build
	// (triage gives them oldest first).
	Commits []Commit `json:"commits"`
	// Groups are always all present, in the order of GroupOrder.
	Groups []Group `json:"groups"`
	Net    Net     `json:"net"`
}

// Group keys, in the order the groups are reported.
const (
	GroupReady             = "ready"
	GroupInterfaceSupport  = "need-interface-support"
	GroupStateTransfer     = "need-state-transfer"
	GroupInterfaceExternal = "interface-external"
	GroupNotPatchable      = "not-patchable"
	GroupUnknown           = "unknown"
	GroupNoChange          = "no-change"
)

type groupDef struct {
	key, title string
	verdict    classifiers.Verdict
}

// groupDefs are the groups in report order: the ready ones first, then by
// severity, and the commits that change nothing in the running program
// last, apart, so they do not inflate the ready count.
var groupDefs = [...]groupDef{
	{GroupReady, "Ready as live patches", classifiers.LivePatchable},
	{GroupInterfaceSupport, "Need interface support", classifiers.InterfaceInternal},
	{GroupStateTransfer, "Need state transfer", classifiers.StateTransfer},
	{GroupInterfaceExternal, "Interface-external", classifiers.InterfaceExternal},
	{GroupNotPatchable, "Not patchable", classifiers.NotPatchable},
	{GroupUnknown, "Unknown", classifiers.Unknown},
	{GroupNoChange, "No change to the running program", classifiers.NoOp},
}

// GroupOrder returns the group keys in report order.
func GroupOrder() []string {
	out := make([]string, len(groupDefs))
	for i, d := range groupDefs {
		out[i] = d.key
	}
	return out
}

// clampVerdict fails closed: a verdict outside the lattice is unknown.
func clampVerdict(v classifiers.Verdict) classifiers.Verdict {
	if v > classifiers.Unknown {
		return classifiers.Unknown
	}
	return v
}

// Build makes the report of a range from the results of its commits (in
// list order; nil entries, commits a path filter left out, are ignored)
// and the result of its net change. A nil net change is reported as
// unknown: nothing is claimed about a change that was not analysed.
func Build(rng Range, results []*analyzer.Result, net *analyzer.Result) *Report {
	rep := &Report{
		Tool: analyzer.Version, Rules: classifiers.RulesVersion, Range: rng,
		Commits: []Commit{},
	}
	for _, r := range results {
		if r == nil {
			continue
		}
		v := clampVerdict(r.Verdict)
		rep.Commits = append(rep.Commits, Commit{
			Commit: r.Commit, Author: r.Author, Date: r.Date, Subject: r.Subject,
			Verdict: v, Tier: classifiers.TierOf(v).String(),
			Deciding: nonNil(reports.DecidingRules(r)), Findings: nonNil(r.Findings), Skipped: nonNil(r.Skipped),
		})
	}
	byVerdict := map[classifiers.Verdict]*Group{}
	rep.Groups = make([]Group, len(groupDefs))
	for i, d := range groupDefs {
		rep.Groups[i] = Group{Key: d.key, Title: d.title, Verdict: d.verdict, Commits: []string{}}
		byVerdict[d.verdict] = &rep.Groups[i]
	}
	rep.Net.Blocking = []string{}
	for _, c := range rep.Commits {
		g := byVerdict[c.Verdict]
		g.Commits = append(g.Commits, c.Commit)
		g.Count++
		if c.Verdict > classifiers.LivePatchable {
			rep.Net.Blocking = append(rep.Net.Blocking, c.Commit)
		}
	}
	rep.Net.fill(net)
	return rep
}

// fill sets the net change's verdict and findings from its result.
func (n *Net) fill(r *analyzer.Result) {
	if r == nil {
		n.Verdict, n.Tier = classifiers.Unknown, classifiers.TierNone.String()
		n.Deciding, n.Findings, n.Skipped = []string{}, []classifiers.Finding{}, []analyzer.SkippedFile{}
		n.Analysis, n.AnalysisNote = "none", "the net change was not analysed"
		return
	}
	n.Verdict = clampVerdict(r.Verdict)
	n.Tier = classifiers.TierOf(n.Verdict).String()
	n.Deciding = nonNil(reports.DecidingRules(r))
	n.Findings, n.Skipped = nonNil(r.Findings), nonNil(r.Skipped)
	n.Analysis, n.AnalysisNote = r.Analysis, r.AnalysisNote
	if n.Analysis == "" {
		n.Analysis, n.AnalysisNote = "syntactic", "no Go code in the net change"
	}
	n.OneLivePatch = n.Verdict <= classifiers.LivePatchable
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Group returns the group with the key, or nil.
func (r *Report) Group(key string) *Group {
	for i := range r.Groups {
		if r.Groups[i].Key == key {
			return &r.Groups[i]
		}
	}
	return nil
}

// commitIndex maps a commit hash to its entry.
func (r *Report) commitIndex() map[string]*Commit {
	m := make(map[string]*Commit, len(r.Commits))
	for i := range r.Commits {
		m[r.Commits[i].Commit] = &r.Commits[i]
	}
	return m
}

// Shipping says in one sentence how the net change could ship.
func (n *Net) Shipping() string {
	switch n.Verdict {
	case classifiers.NoOp:
		return "yes: the net change does not change the running program"
	case classifiers.LivePatchable:
		return "yes: one live patch with no new code"
	case classifiers.InterfaceInternal:
		return "only with interface-change support: callers are replaced in the same patch"
	case classifiers.StateTransfer:
		return "only with hand-written state transfer"
	case classifiers.InterfaceExternal:
		return "no: an interface that code outside the repository compiles against changed"
	case classifiers.NotPatchable:
		return "no: no function replacement can deliver it"
	}
	return "undecided: the tool could not decide (unknown fails closed)"
}

// analysisLine renders how Go code was analysed, with the reason.
func (n *Net) analysisLine() string {
	if n.AnalysisNote == "" {
		return n.Analysis
	}
	return n.Analysis + " (" + n.AnalysisNote + ")"
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func dateOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

// where renders a finding's old → new places.
func where(f classifiers.Finding) string {
	o, n := f.Old.Where(), f.New.Where()
	switch {
	case o == "" && n == "":
		return ""
	case o == "":
		return n + " (new)"
	case n == "":
		return o + " (removed)"
	case o == n:
		return o
	}
	return o + " → " + n
}
