package gate

import (
	"io"
	"strings"
	"unicode"
)

// markdownRowLimit is how many findings of one rule the Markdown report
// lists before it says how many more there are (a PR comment holds at most
// 65536 characters).
const markdownRowLimit = 50

// WriteMarkdown writes the report as GitHub-flavoured Markdown, for a pull
// request comment or $GITHUB_STEP_SUMMARY: the result and the net change's
// verdict and tier, the reason and the policy, the kept findings grouped by
// rule with file:line, the patch closure (clipped), a table of the commits,
// the allowed findings collapsed in <details>, and the analysis mode. Text
// from the analysed repository (refs, entity names, messages, paths,
// subjects) is escaped, so it cannot change the layout.
func WriteMarkdown(w io.Writer, r *Report) error {
	if r == nil {
		return errNilReport
	}
	e := &errWriter{w: w}
	n := r.Net
	e.printf("## Live-patch gate: %s\n\n", passWord(!r.Pass))
	e.printf("The net change %s (merge-base `%s`) is **%s**, %s. %s\n\n",
		mdEscape(rangeOf(r)), mdEscape(short(r.MergeBase)), n.Verdict, tierPhrase(n.Tier), mdEscape(n.Reason))
	e.printf("Policy: %s.\n\n", mdEscape(r.Policy.Describe()))

	e.printf("### Findings\n\n")
	if len(n.Findings) == 0 {
		e.printf("None.\n\n")
	}
	for _, g := range GroupByRule(n.Findings) {
		flag := ""
		if r.Policy.Fails(g.Verdict) {
			flag = ", fails the policy"
		}
		e.printf("#### %s — %s (%s%s)\n\n", mdEscape(g.Rule), g.Verdict, plural(len(g.Findings), "finding"), flag)
		e.printf("| location | entity | message |\n|---|---|---|\n")
		for i, f := range g.Findings {
			if i == markdownRowLimit {
				e.printf("| … | %s more | see the JSON or SARIF output |\n", plural(len(g.Findings)-i, "finding"))
				break
			}
			e.printf("| %s | %s | %s |\n", mdCell(where(f)), mdCell(f.Entity), mdCell(f.Message))
		}
		e.printf("\n")
	}

	if c := Closure(n.Findings); len(c) > 0 {
		esc := make([]string, len(c))
		for i, x := range c {
			esc[i] = mdEscape(x)
		}
		e.printf("### Patch closure\n\n%s must be replaced together: %s\n\n", plural(len(c), "function"), clip(esc, closureLimit))
	}

	if len(r.Commits) > 0 {
		e.printf("### Commits\n\nThe net change decides; each commit is judged for information.\n\n")
		e.printf("| commit | result | verdict | tier | subject |\n|---|---|---|---|---|\n")
		for _, c := range r.Commits {
			e.printf("| `%s` | %s | %s | %s | %s |\n", mdEscape(c.Name), passWord(c.Fails), c.Verdict, c.Tier, mdCell(c.Subject))
		}
		e.printf("\n")
	}

	if len(n.Allowed) > 0 {
		e.printf("<details>\n<summary>%s ignored by the allow-lists</summary>\n\n", plural(len(n.Allowed), "finding"))
		e.printf("| rule | verdict | location | entity | message |\n|---|---|---|---|---|\n")
		for i, f := range n.Allowed {
			if i == markdownRowLimit {
				e.printf("| … | | | %s more | |\n", plural(len(n.Allowed)-i, "finding"))
				break
			}
			e.printf("| %s | %s | %s | %s | %s |\n", mdEscape(f.Rule), f.Verdict, mdCell(where(f)), mdCell(f.Entity), mdCell(f.Message))
		}
		e.printf("\n</details>\n\n")
	}

	e.printf("Analysis: %s. dynupd-analyze %s, rules %s.\n", mdEscape(analysisLine(r)), mdEscape(r.ToolVersion), mdEscape(r.RulesVersion))
	return e.err
}

// mdCell escapes a table cell's text; an empty cell shows a dash.
func mdCell(s string) string {
	if s == "" {
		return "-"
	}
	return mdEscape(s)
}

// mdEscape escapes text so that Markdown renders it literally on one line:
// punctuation that starts emphasis, code, links, tables, headings, math or
// strikethrough is backslash-escaped; <, > and & become entities (no raw
// HTML); line breaks become spaces and other control characters U+FFFD.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '{', '}', '|', '~', '#', '!', '$':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		default:
			if unicode.IsControl(r) {
				r = '\uFFFD'
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}
