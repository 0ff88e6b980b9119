package triage

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
)

// mdReplacer keeps text from the repository literal in Markdown: on one
// line, with no table breaks, emphasis, code spans, links or raw HTML.
var mdReplacer = strings.NewReplacer(
	"\\", "\\\\", "|", "\\|", "`", "\\`", "*", "\\*", "_", "\\_",
	"[", "\\[", "]", "\\]", "<", "&lt;", ">", "&gt;", "&", "&amp;",
)

func md(s string) string { return mdReplacer.Replace(clean(s)) }

// WriteMarkdown renders the report as Markdown (a release issue or a pull
// request comment): the range, the net change, the groups with their
// counts, and every commit with its findings.
func WriteMarkdown(w io.Writer, r *Report) error {
	b := bufio.NewWriter(w)
	rg := r.Range
	fmt.Fprintf(b, "# Live-patch triage: %s\n\n", md(rg.Spec))
	fmt.Fprintf(b, "| | |\n|---|---|\n")
	fmt.Fprintf(b, "| repository | %s |\n", md(rg.Repository))
	fmt.Fprintf(b, "| base | %s `%s` |\n", md(rg.Base), rg.BaseCommit)
	fmt.Fprintf(b, "| tip | %s `%s` |\n", md(rg.Tip), rg.TipCommit)
	fmt.Fprintf(b, "| commits | %d (merges skipped: %d", len(r.Commits), rg.MergesSkipped)
	if rg.FilteredOut > 0 {
		fmt.Fprintf(b, "; left out by the path filter: %d", rg.FilteredOut)
	}
	fmt.Fprintf(b, ") |\n")
	fmt.Fprintf(b, "| tool / rules version | %s / %s |\n", md(r.Tool), md(r.Rules))
	if rg.BaseNotAncestor {
		fmt.Fprintf(b, "\n> **Note:** %s.\n", notAncestorNote)
	}

	n := &r.Net
	fmt.Fprintf(b, "\n## Net change as one live patch\n\n")
	fmt.Fprintf(b, "**%s** (%s): %s.\n\n", n.Verdict, n.Tier, n.Shipping())
	fmt.Fprintf(b, "- deciding rules: %s\n", md(orNone(n.Deciding)))
	fmt.Fprintf(b, "- analysis: %s\n", md(n.analysisLine()))
	idx := r.commitIndex()
	if len(n.Blocking) == 0 {
		fmt.Fprintf(b, "- blocking commits (verdict above live-patchable): none\n")
	} else {
		fmt.Fprintf(b, "- blocking commits (verdict above live-patchable): %d\n", len(n.Blocking))
		for _, h := range n.Blocking {
			if c := idx[h]; c != nil {
				fmt.Fprintf(b, "  - `%s` %s: %s\n", short(c.Commit), c.Verdict, md(c.Subject))
			}
		}
	}
	if len(n.Findings) > 0 || len(n.Skipped) > 0 {
		fmt.Fprintf(b, "- findings of the net change:\n")
		writeMDFindings(b, "  ", n.Findings, n.Skipped)
	}

	fmt.Fprintf(b, "\n## Groups\n\n| group | verdict | commits |\n|---|---|---|\n")
	for _, g := range r.Groups {
		fmt.Fprintf(b, "| %s | %s | %d |\n", g.Title, g.Verdict, g.Count)
	}
	for _, g := range r.Groups {
		fmt.Fprintf(b, "\n## %s (%d)\n\n", g.Title, g.Count)
		if g.Count == 0 {
			fmt.Fprintf(b, "None.\n")
			continue
		}
		for _, h := range g.Commits {
			c := idx[h]
			if c == nil {
				continue
			}
			fmt.Fprintf(b, "- `%s` %s **%s** %s, deciding rules %s: %s\n", short(c.Commit), dateOf(c.Date), c.Verdict, c.Tier, md(orNone(c.Deciding)), md(c.Subject))
			writeMDFindings(b, "  ", c.Findings, c.Skipped)
		}
	}
	return b.Flush()
}

func writeMDFindings(b *bufio.Writer, indent string, fs []classifiers.Finding, skipped []analyzer.SkippedFile) {
	for _, f := range fs {
		fmt.Fprintf(b, "%s- %s (%s) %s", indent, f.Rule, f.Verdict, md(f.Entity))
		if w := where(f); w != "" {
			fmt.Fprintf(b, " at %s", md(w))
		}
		if f.Message != "" {
			fmt.Fprintf(b, ": %s", md(f.Message))
		}
		if len(f.Closure) > 0 {
			fmt.Fprintf(b, " (closure: %s)", md(strings.Join(f.Closure, ", ")))
		}
		fmt.Fprintln(b)
	}
	for _, s := range skipped {
		fmt.Fprintf(b, "%s- not analysed: %s: %s\n", indent, md(s.Path), md(s.Reason))
	}
}
