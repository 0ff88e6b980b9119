package triage

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/dynupd/dynupd-analyze/classifiers"
)

// clean keeps text from the repository on one line and drops control
// characters, so a commit subject cannot move a terminal's cursor.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
}

// orNone renders an empty list as "-".
func orNone(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, " ")
}

// rangeLine summarises the range in one line.
func rangeLine(r *Report) string {
	rg := r.Range
	s := fmt.Sprintf("%s (base %s, tip %s): %d commits", rg.Spec, short(rg.BaseCommit), short(rg.TipCommit), len(r.Commits))
	if rg.MergesSkipped > 0 {
		s += fmt.Sprintf(", merges skipped: %d", rg.MergesSkipped)
	}
	if rg.FilteredOut > 0 {
		s += fmt.Sprintf(", left out by the path filter: %d", rg.FilteredOut)
	}
	return s
}

const notAncestorNote = "the base is not an ancestor of the tip: the net change also takes back what the base has and the tip lacks, which no listed commit shows"

// WriteText renders the report for a terminal: the net change, then every
// group with its count and its commits with their findings.
func WriteText(w io.Writer, r *Report) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "Triage of %s\n", clean(rangeLine(r)))
	if r.Range.BaseNotAncestor {
		fmt.Fprintf(b, "Note: %s.\n", notAncestorNote)
	}
	n := &r.Net
	fmt.Fprintf(b, "\nNet change %s..%s as one change: %s (%s), deciding rules %s\n", clean(r.Range.Base), clean(r.Range.Tip), n.Verdict, n.Tier, orNone(n.Deciding))
	fmt.Fprintf(b, "  analysis: %s\n", clean(n.analysisLine()))
	fmt.Fprintf(b, "  ships as one live patch: %s\n", n.Shipping())
	idx := r.commitIndex()
	if len(n.Blocking) == 0 {
		fmt.Fprintf(b, "  blocking commits (verdict above live-patchable): none\n")
	} else {
		fmt.Fprintf(b, "  blocking commits (verdict above live-patchable): %d\n", len(n.Blocking))
		for _, h := range n.Blocking {
			if c := idx[h]; c != nil {
				fmt.Fprintf(b, "    %s  %-18s  %s\n", short(c.Commit), c.Verdict, clean(c.Subject))
			}
		}
	}
	if len(n.Findings) > 0 || len(n.Skipped) > 0 {
		fmt.Fprintf(b, "  findings of the net change: %d\n", len(n.Findings))
	}
	for _, f := range n.Findings {
		fmt.Fprintf(b, "    %s\n", findingText(f))
	}
	for _, s := range n.Skipped {
		fmt.Fprintf(b, "    not analysed: %s: %s\n", clean(s.Path), clean(s.Reason))
	}
	fmt.Fprintf(b, "\nGroups:\n")
	for _, g := range r.Groups {
		fmt.Fprintf(b, "  %-34s %-20s %d\n", g.Title, g.Verdict, g.Count)
	}
	for _, g := range r.Groups {
		fmt.Fprintf(b, "\n%s (%s): %d\n", g.Title, g.Verdict, g.Count)
		if g.Count == 0 {
			fmt.Fprintf(b, "  (none)\n")
			continue
		}
		for _, h := range g.Commits {
			c := idx[h]
			if c == nil {
				continue
			}
			fmt.Fprintf(b, "  %s  %s  %s  %s  %s\n", short(c.Commit), dateOf(c.Date), c.Tier, orNone(c.Deciding), clean(c.Subject))
			for _, f := range c.Findings {
				fmt.Fprintf(b, "      %s\n", findingText(f))
			}
			for _, s := range c.Skipped {
				fmt.Fprintf(b, "      not analysed: %s: %s\n", clean(s.Path), clean(s.Reason))
			}
		}
	}
	return b.Flush()
}

// findingText renders one finding on one line.
func findingText(f classifiers.Finding) string {
	s := f.Rule + " " + f.Verdict.String() + " " + clean(f.Entity)
	if w := where(f); w != "" {
		s += " [" + clean(w) + "]"
	}
	if f.Message != "" {
		s += ": " + clean(f.Message)
	}
	if len(f.Closure) > 0 {
		s += " (closure: " + clean(strings.Join(f.Closure, ", ")) + ")"
	}
	return s
}

// WriteJSON writes the report as one indented JSON object (docs/triage.md).
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("encode triage: %w", err)
	}
	return nil
}
