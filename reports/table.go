package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/olekukonko/tablewriter"
)

// tableWriter prints one row per commit, then the summary, as terminal
// tables.
type tableWriter struct {
	w    io.Writer
	rows [][]string
}

// maxTableRows bounds the commit rows kept for the table; the summary
// always covers every commit.
const maxTableRows = 200

func (t *tableWriter) Commit(r *analyzer.Result) error {
	if len(t.rows) < maxTableRows {
		t.rows = append(t.rows, []string{r.Commit[:12], r.Date.UTC().Format("2006-01-02"), r.Verdict.String(), strings.Join(DecidingRules(r), " "), clip(r.Subject, 50)})
	}
	return nil
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func (t *tableWriter) Close(s *analyzer.Summary) error {
	if len(t.rows) > 0 {
		tw := tablewriter.NewTable(t.w)
		tw.Header("commit", "date", "verdict", "deciding rules", "subject")
		if err := tw.Bulk(t.rows); err != nil {
			return err
		}
		if err := tw.Render(); err != nil {
			return err
		}
		if s.Commits > len(t.rows) {
			fmt.Fprintf(t.w, "(%d more commits; use --format json, jsonl or csv for all)\n", s.Commits-len(t.rows))
		}
	}
	return SummaryTable(t.w, s)
}

// SummaryTable prints the verdict counts and the tiers with their
// denominators.
func SummaryTable(w io.Writer, s *analyzer.Summary) error {
	tw := tablewriter.NewTable(w)
	tw.Header("verdict", "commits", "share")
	for _, v := range VerdictOrder() {
		n := s.Verdicts[v]
		if err := tw.Append([]string{v, fmt.Sprint(n), pct(n, s.Commits)}); err != nil {
			return err
		}
	}
	for _, t := range []string{"T0", "T1", "T2"} {
		x := s.Tiers[t]
		if err := tw.Append([]string{tierName(t), fmt.Sprintf("%d / %d", x.Count, x.Of), pct(x.Count, x.Of)}); err != nil {
			return err
		}
	}
	if err := tw.Render(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d commits analysed in %s (%s); %d merges skipped", s.Commits, s.Repository, s.Range, s.Merges)
	if s.Filtered > 0 {
		fmt.Fprintf(w, "; %d commits touch no selected path", s.Filtered)
	}
	fmt.Fprintf(w, "; rules %s, tool %s\n", s.RulesVersion, s.ToolVersion)
	return err
}

func tierName(t string) string {
	switch t {
	case "T0":
		return "T0 no new code"
	case "T1":
		return "T1 + interface support"
	}
	return "T2 + state transfer"
}

func pct(n, of int) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(of))
}
