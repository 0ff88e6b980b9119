package study

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/olekukonko/tablewriter"
)

// WriteTable prints the headline of a study for a terminal: the verdict
// counts and shares, the tiers with their numerators and denominators, and
// the tiers per change kind.
func WriteTable(w io.Writer, r *Report) error {
	tw := tablewriter.NewTable(w)
	tw.Header("verdict", "commits", "share")
	for _, v := range classifiers.Verdicts {
		s := r.VerdictShares[v.String()]
		if err := tw.Append([]string{v.String(), strconv.Itoa(s.Count), s.Percent()}); err != nil {
			return err
		}
	}
	if err := tw.Render(); err != nil {
		return err
	}
	tw = tablewriter.NewTable(w)
	tw.Header("tier", "all commits", "share", "program-changing", "share")
	for _, t := range []string{"T0", "T1", "T2"} {
		a, c := r.Tiers[t], r.Changing[t]
		if err := tw.Append([]string{tierNames[t], fmt.Sprintf("%d / %d", a.Count, a.Of), a.Percent(), fmt.Sprintf("%d / %d", c.Count, c.Of), c.Percent()}); err != nil {
			return err
		}
	}
	if err := tw.Render(); err != nil {
		return err
	}
	tw = tablewriter.NewTable(w)
	tw.Header("kind", "commits", "T0", "T1", "T2", "T0 / T1 / T2 program-changing")
	for _, b := range r.ByKind {
		if b.Commits == 0 {
			continue
		}
		row := []string{b.Key, strconv.Itoa(b.Commits), b.Tiers["T0"].Percent(), b.Tiers["T1"].Percent(), b.Tiers["T2"].Percent(),
			b.Changing["T0"].Percent() + " / " + b.Changing["T1"].Percent() + " / " + b.Changing["T2"].Percent()}
		if err := tw.Append(row); err != nil {
			return err
		}
	}
	if err := tw.Render(); err != nil {
		return err
	}
	if len(r.Releases) > 0 {
		tw = tablewriter.NewTable(w)
		tw.Header("release", "verdict", "functions +/-/~", "types +/-/~", "globals +/-/~")
		for _, rel := range r.Releases {
			row := []string{rel.Name, rel.Verdict, counts(rel.Functions.Added, rel.Functions.Removed, rel.Functions.Changed),
				counts(rel.Types.Added, rel.Types.Removed, rel.Types.Changed), counts(rel.Globals.Added, rel.Globals.Removed, rel.Globals.Changed)}
			if err := tw.Append(row); err != nil {
				return err
			}
		}
		if err := tw.Render(); err != nil {
			return err
		}
	}
	ex := r.Exclusions
	_, err := fmt.Fprintf(w, "%d commits analysed in %s (%s); excluded: %d merges, %d outside the path filter; %d no-op only; %d with files not analysed\n",
		r.Analysed, r.Meta.Repository, orDefault(r.Meta.Range, "HEAD"), ex.Merges, ex.Filtered, ex.NoOpOnly, ex.Skipped)
	return err
}

// WriteFindingsCSV writes one row per finding of the results: the commit,
// its verdict, and the finding's rule, verdict, entity, locations, message
// and closure.
func WriteFindingsCSV(w io.Writer, results []*analyzer.Result) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"commit", "date", "commit_verdict", "rule", "verdict", "entity", "old_file", "old_line", "new_file", "new_line", "message", "closure"})
	for _, res := range results {
		for _, f := range res.Findings {
			of, ol := locParts(f.Old)
			nf, nl := locParts(f.New)
			closure := ""
			for i, c := range f.Closure {
				if i > 0 {
					closure += " "
				}
				closure += c
			}
			_ = cw.Write([]string{res.Commit, res.Date.UTC().Format(time.RFC3339), res.Verdict.String(), f.Rule, f.Verdict.String(), f.Entity, of, ol, nf, nl, f.Message, closure})
		}
	}
	cw.Flush()
	return cw.Error()
}

func locParts(l *classifiers.Loc) (string, string) {
	if l == nil {
		return "", ""
	}
	if l.Line > 0 {
		return l.File, strconv.Itoa(l.Line)
	}
	return l.File, ""
}
