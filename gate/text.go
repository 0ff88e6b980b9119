package gate

import (
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/dynupd/dynupd-analyze/classifiers"
)

// closureLimit is how many closure entries the text and Markdown reports
// list before they say how many more there are.
const closureLimit = 30

// WriteText writes the report for a terminal: a PASS/FAIL line with the net
// change's verdict and tier, the reason, the policy, the kept findings
// grouped by rule with file:line, the patch closure, the allowed findings,
// one line per commit and the analysis mode.
func WriteText(w io.Writer, r *Report) error {
	if r == nil {
		return errNilReport
	}
	e := &errWriter{w: w}
	n := r.Net
	e.printf("%s  %s %s (merge-base %s): %s, %s\n", passWord(!r.Pass), n.Name, clean(rangeOf(r)), short(r.MergeBase), n.Verdict, tierPhrase(n.Tier))
	e.printf("%s\n", clean(n.Reason))
	e.printf("policy: %s\n", clean(r.Policy.Describe()))
	if len(n.Findings) == 0 {
		e.printf("\nfindings: none\n")
	} else {
		e.printf("\nfindings (%d):\n", len(n.Findings))
		writeTextGroups(e, r.Policy, n.Findings)
	}
	if c := Closure(n.Findings); len(c) > 0 {
		e.printf("\npatch closure (%d): %s\n", len(c), clean(clip(c, closureLimit)))
	}
	if len(n.Allowed) > 0 {
		e.printf("\nignored by the allow-lists (%d):\n", len(n.Allowed))
		for _, f := range n.Allowed {
			e.printf("  %s  %s  %s  %s\n", f.Rule, f.Verdict, clean(orDash(where(f))), clean(entityMessage(f)))
		}
	}
	if len(r.Commits) > 0 {
		e.printf("\ncommits (%d; informative, the net change decides):\n", len(r.Commits))
		for _, c := range r.Commits {
			e.printf("  %-12s  %s  %-18s  %-2s  %s\n", clean(c.Name), passWord(c.Fails), c.Verdict, c.Tier, clean(c.Subject))
		}
	}
	e.printf("\nanalysis: %s\n", clean(analysisLine(r)))
	e.printf("dynupd-analyze %s, rules %s\n", clean(r.ToolVersion), clean(r.RulesVersion))
	return e.err
}

func writeTextGroups(e *errWriter, p Policy, fs []classifiers.Finding) {
	for _, g := range GroupByRule(fs) {
		flag := ""
		if p.Fails(g.Verdict) {
			flag = "  fails"
		}
		e.printf("  %s  %s  %s%s\n", g.Rule, g.Verdict, plural(len(g.Findings), "finding"), flag)
		for _, f := range g.Findings {
			e.printf("    %s  %s\n", clean(orDash(where(f))), clean(entityMessage(f)))
		}
	}
}

// rangeOf renders the checked range as base...head.
func rangeOf(r *Report) string {
	head := r.Head
	if head == "" {
		head = "HEAD"
	}
	return r.Base + "..." + head
}

// entityMessage renders "entity: message".
func entityMessage(f classifiers.Finding) string {
	switch {
	case f.Entity == "":
		return f.Message
	case f.Message == "":
		return f.Entity
	}
	return f.Entity + ": " + f.Message
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// clip joins at most n items and says how many more there are.
func clip(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s, … and %d more", strings.Join(items[:n], ", "), len(items)-n)
}

// clean makes text from the analysed repository safe for a terminal: line
// breaks and tabs become spaces, other control characters (escape
// sequences) become U+FFFD.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r):
			return '\uFFFD'
		}
		return r
	}, s)
}
