package study

import (
	"fmt"
	"io"
	"strings"

	"github.com/dynupd/dynupd-analyze/classifiers"
)

// Figure is a rendered figure a report links to or embeds.
type Figure struct {
	Title   string
	Caption string
	// Base is the file name without extension (base.svg, base.png, …).
	Base string
	// SVG is the figure's SVG source, embedded by the HTML report.
	SVG []byte
}

var tierNames = map[string]string{
	"T0": "T0 no new code (no-op + live-patchable)",
	"T1": "T1 + interface support (+ interface-internal)",
	"T2": "T2 + state transfer (+ state-transfer)",
}

// mdEscape keeps a cell on one line and its pipes literal.
func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "|", `\|`)
}

// WriteMarkdown renders the study as Markdown: the reproducibility block,
// the headline tables, the breakdowns, the figures (linked) and releases.
func WriteMarkdown(w io.Writer, r *Report, figs []Figure) error {
	b := &strings.Builder{}
	name := r.Meta.Repository
	fmt.Fprintf(b, "# Live-patchability study: %s\n\n", mdEscape(name))
	writeMeta(b, r)
	fmt.Fprintf(b, "\n## Headline\n\n")
	fmt.Fprintf(b, "| commits | count |\n|---|---|\n")
	fmt.Fprintf(b, "| analysed | %d |\n", r.Analysed)
	fmt.Fprintf(b, "| excluded: merges (skipped; their changes are in the commits merged) | %d |\n", r.Exclusions.Merges)
	if r.Exclusions.Filtered > 0 {
		fmt.Fprintf(b, "| excluded: no file kept by the path filter | %d |\n", r.Exclusions.Filtered)
	}
	fmt.Fprintf(b, "| of the analysed, no-op only (left out of the program-changing denominator) | %d |\n", r.Exclusions.NoOpOnly)
	fmt.Fprintf(b, "| of the analysed, with files not analysed (size, binary, missing blob, submodule) | %d |\n", r.Exclusions.Skipped)
	fmt.Fprintf(b, "\n| verdict | commits | share of analysed |\n|---|---|---|\n")
	for _, v := range classifiers.Verdicts {
		s := r.VerdictShares[v.String()]
		fmt.Fprintf(b, "| %s | %d | %s |\n", v, s.Count, s.Percent())
	}
	writeTiers(b, "Tiers", r.Tiers, r.Changing)
	if r.Functions != nil && r.Functions.Commits > 0 {
		fmt.Fprintf(b, "\n## Per changed function\n\nEach function or method a commit's findings name counts once per commit, with the most severe verdict of those findings (%d function changes).\n\n", r.Functions.Commits)
		writeVerdictRow(b, []*Breakdown{r.Functions}, "unit")
		writeTiers(b, "Tiers per function change", r.Functions.Tiers, r.Functions.Changing)
	}
	fmt.Fprintf(b, "\n## By change kind\n\nK42's question: what share of bug-fix and performance changes could have shipped as live patches. Kinds come from the commit message (%s).\n\n", mdEscape(orDefault(r.Meta.KindsRule, "the built-in keyword rule")))
	writeBreakdowns(b, "kind", r.ByKind)
	fmt.Fprintf(b, "\n## By year\n\n")
	writeBreakdowns(b, "year", r.ByYear)
	if len(r.ByRelease) > 0 {
		fmt.Fprintf(b, "\n## Commits by release\n\nEach commit counts in the release that first contains it.\n\n")
		writeBreakdowns(b, "release", r.ByRelease)
	}
	fmt.Fprintf(b, "\n## By top-level directory\n\nA commit counts in every top-level directory it touches, with the most severe verdict of its files there.\n\n")
	writeBreakdowns(b, "directory", firstBreakdowns(r.ByDir, 30))
	fmt.Fprintf(b, "\n## By rule\n\nHow often each rule decides a commit (its verdict is the commit's) and how often it fires at all.\n\n| rule | verdict | decides | share of analysed | fires |\n|---|---|---|---|---|\n")
	for _, st := range r.ByRule {
		fmt.Fprintf(b, "| %s | %s | %d | %s | %d |\n", st.Rule, st.Verdict, st.Decides, st.Share.Percent(), st.Fires)
	}
	if len(r.Releases) > 0 {
		fmt.Fprintf(b, "\n## By release\n\nEach consecutive pair of tags is one update (the net change between them).\n\n| release | verdict | tier | deciding rules | functions +/−/~ | types +/−/~ | globals +/−/~ | findings |\n|---|---|---|---|---|---|---|---|\n")
		for _, rel := range r.Releases {
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %d |\n", mdEscape(rel.Name), rel.Verdict, rel.Tier, strings.Join(rel.Deciding, " "),
				counts(rel.Functions.Added, rel.Functions.Removed, rel.Functions.Changed), counts(rel.Types.Added, rel.Types.Removed, rel.Types.Changed),
				counts(rel.Globals.Added, rel.Globals.Removed, rel.Globals.Changed), rel.Findings)
		}
	}
	if len(figs) > 0 {
		fmt.Fprintf(b, "\n## Figures\n\n")
		for _, f := range figs {
			fmt.Fprintf(b, "### %s\n\n![%s](%s.svg)\n\n%s (also [PNG](%s.png), [PDF](%s.pdf))\n\n", f.Title, f.Title, f.Base, f.Caption, f.Base, f.Base)
		}
	}
	fmt.Fprintf(b, "\n## Method\n\nVerdicts, rules and tiers are those of TAXONOMY.md (rules version %s). A commit is diffed against its first parent; its verdict is the most severe of its findings; `unknown` is never folded into another row. Tiers are cumulative: T0 = no-op + live-patchable (Ksplice's \"no new code\"), T1 = T0 + interface-internal (K42's figure with interface-change support), T2 = T1 + state-transfer. They are given over all analysed commits and over the commits that change the program (no-op-only commits left out of numerator and denominator).\n", r.Meta.Rules)
	_, err := io.WriteString(w, b.String())
	return err
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func counts(a, r, c int) string { return fmt.Sprintf("%d / %d / %d", a, r, c) }

func firstBreakdowns(bs []*Breakdown, n int) []*Breakdown {
	if len(bs) > n {
		return bs[:n]
	}
	return bs
}

func writeMeta(b *strings.Builder, r *Report) {
	m := r.Meta
	fmt.Fprintf(b, "## Reproducibility\n\n| | |\n|---|---|\n")
	fmt.Fprintf(b, "| tool version | %s |\n| rules version | %s |\n| config hash | %s |\n| kinds rule hash | %s |\n", m.Tool, m.Rules, orDefault(m.ConfigHash, "–"), orDefault(m.KindsHash, "–"))
	fmt.Fprintf(b, "| repository | %s |\n| HEAD | %s |\n| range | %s |\n", mdEscape(m.Repository), orDefault(m.Head, "–"), mdEscape(orDefault(m.Range, "HEAD")))
	fmt.Fprintf(b, "| command line | `%s` |\n| date | %s |\n", strings.ReplaceAll(m.CommandLine, "`", "'"), m.Date.UTC().Format("2006-01-02 15:04:05 UTC"))
}

func writeTiers(b *strings.Builder, title string, all, changing map[string]Share) {
	fmt.Fprintf(b, "\n| %s | numerator | denominator | share | program-changing numerator | denominator | share |\n|---|---|---|---|---|---|---|\n", title)
	for _, t := range []string{"T0", "T1", "T2"} {
		a, c := all[t], changing[t]
		fmt.Fprintf(b, "| %s | %d | %d | %s | %d | %d | %s |\n", tierNames[t], a.Count, a.Of, a.Percent(), c.Count, c.Of, c.Percent())
	}
}

func writeVerdictRow(b *strings.Builder, bs []*Breakdown, keyName string) {
	fmt.Fprintf(b, "| %s | changes |", keyName)
	for _, v := range classifiers.Verdicts {
		fmt.Fprintf(b, " %s |", v)
	}
	fmt.Fprintf(b, "\n|---|---|")
	for range classifiers.Verdicts {
		fmt.Fprintf(b, "---|")
	}
	fmt.Fprintln(b)
	for _, x := range bs {
		fmt.Fprintf(b, "| %s | %d |", mdEscape(x.Key), x.Commits)
		for _, v := range classifiers.Verdicts {
			fmt.Fprintf(b, " %d |", x.Verdicts[v.String()])
		}
		fmt.Fprintln(b)
	}
}

func writeBreakdowns(b *strings.Builder, keyName string, bs []*Breakdown) {
	if len(bs) == 0 {
		fmt.Fprintf(b, "(none)\n")
		return
	}
	fmt.Fprintf(b, "| %s | commits |", keyName)
	for _, v := range classifiers.Verdicts {
		fmt.Fprintf(b, " %s |", v)
	}
	fmt.Fprintf(b, " T0 | T1 | T2 | T0 / T1 / T2 program-changing |\n|---|---|")
	for range classifiers.Verdicts {
		fmt.Fprintf(b, "---|")
	}
	fmt.Fprintf(b, "---|---|---|---|\n")
	for _, x := range bs {
		fmt.Fprintf(b, "| %s | %d |", mdEscape(x.Key), x.Commits)
		for _, v := range classifiers.Verdicts {
			fmt.Fprintf(b, " %d |", x.Verdicts[v.String()])
		}
		fmt.Fprintf(b, " %s | %s | %s | %s / %s / %s |\n", x.Tiers["T0"].Percent(), x.Tiers["T1"].Percent(), x.Tiers["T2"].Percent(),
			x.Changing["T0"].Percent(), x.Changing["T1"].Percent(), x.Changing["T2"].Percent())
	}
}
