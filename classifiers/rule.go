package classifiers

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Loc is a place in a file of one side of a change.
type Loc struct {
	File    string
	Line    int
	EndLine int
}

// String renders "file:line".
func (l *Loc) String() string {
	if l == nil {
		return ""
	}
	return l.File + ":" + strconv.Itoa(l.Line)
}

// Where renders the location for a reader: "file:line", "file" when it
// has no line, "" for none.
func (l *Loc) Where() string {
	if l == nil || l.Line > 0 {
		return l.String()
	}
	return l.File
}

// MarshalText renders "file:line", as the JSON contract says.
func (l Loc) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText parses "file:line".
func (l *Loc) UnmarshalText(b []byte) error {
	s := string(b)
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		l.File = s
		return nil
	}
	n, err := strconv.Atoi(s[i+1:])
	if err != nil {
		l.File = s
		return nil
	}
	l.File, l.Line, l.EndLine = s[:i], n, n
	return nil
}

// Finding is one reason for a verdict: a rule that fired on an entity.
type Finding struct {
	Rule    string   `json:"rule"`
	Verdict Verdict  `json:"verdict"`
	Entity  string   `json:"entity"`
	Old     *Loc     `json:"old,omitempty"`
	New     *Loc     `json:"new,omitempty"`
	Message string   `json:"message"`
	Closure []string `json:"closure,omitempty"`
}

// Rule is one classifier: an ID, the verdict its findings carry, a doc
// paragraph, a reference, and the function that finds its cases.
type Rule struct {
	ID        string
	Verdict   Verdict
	Lang      string // "c", "go" or "any"
	Summary   string // one line: when it fires
	Doc       string // the rationale
	Reference string
	run       func(*Pass)
}

// Pass is what a rule sees of one change: the entity changes and file
// facts of one language, and the tree context; rules report findings
// through it.
type Pass struct {
	C *CChanges
	// Go holds the Go changes (nil when the commit has none).
	Go        *GoChanges
	Ctx       Context
	findings  []Finding
	rule      *Rule
	override  map[string]Verdict
	expanders *[]expander // memoised macroExpanders
}

// Report records a finding of the running rule with the rule's verdict.
func (p *Pass) Report(f Finding) {
	p.ReportAs(p.rule.Verdict, f)
}

// ReportAs records a finding of the running rule with another verdict (a
// rule whose doc says it may decide a milder verdict).
func (p *Pass) ReportAs(v Verdict, f Finding) {
	f.Rule = p.rule.ID
	f.Verdict = v
	if o, ok := p.override[p.rule.ID]; ok {
		f.Verdict = o
	}
	p.findings = append(p.findings, f)
}

// Reportf records a finding with a formatted message.
func (p *Pass) Reportf(entity string, old, new *Loc, format string, args ...any) {
	p.Report(Finding{Entity: entity, Old: old, New: new, Message: fmt.Sprintf(format, args...)})
}

// Run runs every rule of the language on the pass's changes and returns
// their findings in a deterministic order.
func Run(rules []*Rule, p *Pass) []Finding {
	for _, r := range rules {
		p.rule = r
		r.run(p)
	}
	p.rule = nil
	SortFindings(p.findings)
	return p.findings
}

// SortFindings orders findings by file, line, rule and entity.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if fa, fb := locFile(a), locFile(b); fa != fb {
			return fa < fb
		}
		if la, lb := locLine(a), locLine(b); la != lb {
			return la < lb
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Entity != b.Entity {
			return a.Entity < b.Entity
		}
		return a.Message < b.Message
	})
}

func locFile(f Finding) string {
	if f.New != nil {
		return f.New.File
	}
	if f.Old != nil {
		return f.Old.File
	}
	return ""
}

func locLine(f Finding) int {
	if f.New != nil {
		return f.New.Line
	}
	if f.Old != nil {
		return f.Old.Line
	}
	return 0
}

// NewPass returns a pass over a commit's C and Go changes with per-rule
// verdict overrides.
func NewPass(c *CChanges, g *GoChanges, ctx Context, overrides map[string]Verdict) *Pass {
	return &Pass{C: c, Go: g, Ctx: ctx, override: overrides}
}

// VerdictOf returns the most severe verdict of the findings (no-op when
// there are none).
func VerdictOf(fs []Finding) Verdict {
	v := NoOp
	for _, f := range fs {
		v = Max(v, f.Verdict)
	}
	return v
}
