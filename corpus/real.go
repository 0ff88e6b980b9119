package corpus

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/config"
	"github.com/dynupd/dynupd-analyze/reports"
)

// Label is one hand-labelled commit of a public repository.
type Label struct {
	Repo    string // OWNER+NAME
	Commit  string
	Verdict classifiers.Verdict
	Rules   []string
	Note    string
	// Syntactic is, for a commit whose truth no syntactic rule can see,
	// the verdict the rules give ("beyond-syntax (syntactic: V): …").
	Syntactic *classifiers.Verdict
}

// LoadLabels reads every OWNER+NAME.tsv under dir.
func LoadLabels(dir string) ([]Label, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.tsv"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []Label
	for _, f := range files {
		repo := strings.TrimSuffix(filepath.Base(f), ".tsv")
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for n, line := range strings.Split(string(b), "\n") {
			if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "commit\t") {
				continue
			}
			p := strings.Split(line, "\t")
			if len(p) != 4 {
				return nil, fmt.Errorf("%s:%d: want 4 tab-separated fields", f, n+1)
			}
			v, err := classifiers.ParseVerdict(p[1])
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", f, n+1, err)
			}
			l := Label{Repo: repo, Commit: p[0], Verdict: v, Rules: strings.Fields(p[2]), Note: p[3]}
			if strings.HasPrefix(p[3], "beyond-syntax (syntactic: ") {
				s := strings.TrimPrefix(p[3], "beyond-syntax (syntactic: ")
				if i := strings.IndexByte(s, ')'); i > 0 {
					if sv, err := classifiers.ParseVerdict(s[:i]); err == nil {
						l.Syntactic = &sv
					}
				}
			}
			out = append(out, l)
		}
	}
	return out, nil
}

// Outcome is the tool's answer on one labelled commit.
type Outcome struct {
	Label
	Got      classifiers.Verdict
	GotRules []string
	Err      error
}

// VerdictAgrees reports whether the tool gave the labelled verdict.
func (o Outcome) VerdictAgrees() bool { return o.Err == nil && o.Got == o.Verdict }

// RulesAgree reports whether the deciding rules are the labelled ones.
func (o Outcome) RulesAgree() bool {
	return o.Err == nil && strings.Join(sortedCopy(o.GotRules), " ") == strings.Join(sortedCopy(o.Rules), " ")
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

// RunLabels analyses every labelled commit whose repository is present
// under reposDir (as OWNER+NAME/repo), with the repository's config from
// labelDir/OWNER+NAME.yaml when there is one.
func RunLabels(ctx context.Context, labels []Label, reposDir, labelDir string) ([]Outcome, error) {
	var out []Outcome
	for _, l := range labels {
		dir := filepath.Join(reposDir, l.Repo, "repo")
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		cfg := &config.Config{}
		if c, err := config.Load(filepath.Join(labelDir, l.Repo+".yaml")); err == nil {
			cfg = c
		} else if !os.IsNotExist(unwrapAll(err)) {
			return nil, err
		}
		o := Outcome{Label: l}
		a, err := analyzer.New(dir, analyzer.Options{Range: l.Commit + "^!", Jobs: 1, Config: cfg, Merges: true})
		if err != nil {
			o.Err = err
			out = append(out, o)
			continue
		}
		_, err = a.Run(ctx, func(r *analyzer.Result) error {
			o.Got, o.GotRules = r.Verdict, reports.DecidingRules(r)
			return nil
		})
		o.Err = err
		out = append(out, o)
	}
	return out, nil
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

// PrintAgreement writes the per-commit comparison and the agreement rates,
// with and without the commits whose truth is beyond syntax.
func PrintAgreement(w io.Writer, outs []Outcome) {
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	byRepo := map[string][2]int{}
	var repos []string
	agree, rules, known, knownAgree, syn := 0, 0, 0, 0, 0
	for _, o := range outs {
		mark := "  "
		if !o.VerdictAgrees() {
			mark = "✗ "
		}
		got := o.Got.String()
		if o.Err != nil {
			got = "error: " + o.Err.Error()
		}
		fmt.Fprintf(bw, "%s%-26s %s  label %-18s tool %-18s  label rules %-28s tool rules %s\n", mark, o.Repo, o.Commit[:12], o.Verdict, got, strings.Join(o.Rules, " "), strings.Join(o.GotRules, " "))
		if _, ok := byRepo[o.Repo]; !ok {
			repos = append(repos, o.Repo)
		}
		r := byRepo[o.Repo]
		r[1]++
		if o.VerdictAgrees() {
			agree++
			r[0]++
		}
		if o.RulesAgree() {
			rules++
		}
		byRepo[o.Repo] = r
		if o.Syntactic == nil {
			known++
			if o.VerdictAgrees() {
				knownAgree++
			}
		} else if o.Err == nil && o.Got == *o.Syntactic {
			syn++
		}
	}
	n := len(outs)
	if n == 0 {
		fmt.Fprintln(bw, "no labelled repository is present")
		return
	}
	fmt.Fprintf(bw, "\nverdict agreement: %d/%d (%.0f%%); deciding rules identical: %d/%d\n", agree, n, 100*float64(agree)/float64(n), rules, n)
	fmt.Fprintf(bw, "excluding %d beyond-syntax commits (known misses): %d/%d; on those the tool gives the syntactic label %d/%d\n", n-known, knownAgree, known, syn, n-known)
	for _, r := range repos {
		fmt.Fprintf(bw, "  %-30s %d/%d\n", r, byRepo[r][0], byRepo[r][1])
	}
}
