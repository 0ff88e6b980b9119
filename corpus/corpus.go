// Package corpus turns labelled cases (txtar files: an old tree, a new tree,
// the expected verdict and rules) into real git repositories and checks
// the whole pipeline against them. It is the project's ground truth.
package corpus

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/config"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"golang.org/x/tools/txtar"
)

// Case is one labelled change.
type Case struct {
	Name    string // path relative to the corpus root, without .txtar
	Dir     string // the rule directory it lives in
	Verdict classifiers.Verdict
	Rules   []string
	Not     []string
	Closure map[string][]string // rule → expected closure (bare function names)
	// Patch is what the candidate patch module of the change must do when
	// compiled against the old tree: "compiles", "fails VERDICT" (the
	// PATCH-COMPILE finding raises the verdict to VERDICT) or
	// "not-attempted"; "" when the case says nothing about it.
	Patch  string
	Old    map[string][]byte
	New    map[string][]byte
	Config []byte
	HasOld bool
}

// Load reads every case under root.
func Load(root string) ([]*Case, error) {
	var out []*Case
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".txtar") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		c, err := Parse(strings.TrimSuffix(filepath.ToSlash(rel), ".txtar"), b)
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		out = append(out, c)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// Parse reads one case.
func Parse(name string, b []byte) (*Case, error) {
	ar := txtar.Parse(b)
	c := &Case{Name: name, Old: map[string][]byte{}, New: map[string][]byte{}, Closure: map[string][]string{}}
	if i := strings.Index(name, "/"); i >= 0 {
		parts := strings.Split(name, "/")
		c.Dir = parts[len(parts)-2]
	}
	haveVerdict := false
	for _, line := range strings.Split(string(ar.Comment), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "verdict":
			vv, err := classifiers.ParseVerdict(v)
			if err != nil {
				return nil, err
			}
			c.Verdict, haveVerdict = vv, true
		case "rules":
			c.Rules = append(c.Rules, strings.Fields(v)...)
		case "not":
			c.Not = append(c.Not, strings.Fields(v)...)
		case "patch":
			f := strings.Fields(v)
			switch {
			case len(f) == 1 && (f[0] == "compiles" || f[0] == "not-attempted"):
			case len(f) == 2 && f[0] == "fails":
				if _, err := classifiers.ParseVerdict(f[1]); err != nil {
					return nil, fmt.Errorf("patch: %w", err)
				}
			default:
				return nil, fmt.Errorf("patch: want compiles, fails VERDICT or not-attempted (got %q)", v)
			}
			c.Patch = strings.Join(f, " ")
		case "closure":
			f := strings.Fields(v)
			if len(f) == 0 {
				return nil, fmt.Errorf("closure: want RULE-ID names")
			}
			c.Closure[f[0]] = f[1:]
		}
	}
	if !haveVerdict {
		return nil, fmt.Errorf("no verdict: line")
	}
	for _, f := range ar.Files {
		switch {
		case strings.HasPrefix(f.Name, "old/"):
			c.Old[strings.TrimPrefix(f.Name, "old/")] = f.Data
			c.HasOld = true
		case strings.HasPrefix(f.Name, "new/"):
			c.New[strings.TrimPrefix(f.Name, "new/")] = f.Data
		case f.Name == "config.yaml":
			c.Config = f.Data
		default:
			return nil, fmt.Errorf("file %q: want old/PATH, new/PATH or config.yaml", f.Name)
		}
	}
	return c, nil
}

var sig = &object.Signature{Name: "Corpus", Email: "corpus@dynupd.invalid", When: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)}

// BuildRepo writes the case as a git repository in dir: a first commit with
// the old tree (when there is one) and a second with the new tree.
func (c *Case) BuildRepo(dir string) error {
	r, err := git.PlainInit(dir, false)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	wt, err := r.Worktree()
	if err != nil {
		return err
	}
	commit := func(files map[string][]byte, msg string, when time.Time) error {
		// Replace the work tree's content with files.
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if e.Name() != ".git" {
				_ = os.RemoveAll(filepath.Join(dir, e.Name()))
			}
		}
		for p, b := range files {
			full := filepath.Join(dir, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(full, b, 0o644); err != nil {
				return err
			}
		}
		if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
			return fmt.Errorf("add: %w", err)
		}
		s := *sig
		s.When = when
		_, err := wt.Commit(msg, &git.CommitOptions{Author: &s, Committer: &s, AllowEmptyCommits: true})
		return err
	}
	if c.HasOld {
		if err := commit(c.Old, "old", sig.When); err != nil {
			return err
		}
	}
	return commit(c.New, "new", sig.When.Add(time.Hour))
}

// Run builds the case's repository under tmp and analyses its last commit.
func (c *Case) Run(ctx context.Context, tmp string) (*analyzer.Result, error) {
	_, res, err := c.Analyze(ctx, tmp)
	return res, err
}

// Analyze is Run that also returns the analyzer, whose FileAt and Export
// read the case's trees (patch module checks need them).
func (c *Case) Analyze(ctx context.Context, tmp string) (*analyzer.Analyzer, *analyzer.Result, error) {
	dir := filepath.Join(tmp, strings.ReplaceAll(c.Name, "/", "_"))
	if err := c.BuildRepo(dir); err != nil {
		return nil, nil, err
	}
	cfg, err := config.Parse(c.Config)
	if err != nil {
		return nil, nil, fmt.Errorf("config: %w", err)
	}
	a, err := analyzer.New(dir, analyzer.Options{Range: "HEAD^!", Jobs: 1, Config: cfg})
	if err != nil {
		return nil, nil, err
	}
	var res *analyzer.Result
	if _, err := a.Run(ctx, func(r *analyzer.Result) error { res = r; return nil }); err != nil {
		return nil, nil, err
	}
	if res == nil {
		return nil, nil, fmt.Errorf("no result")
	}
	return a, res, nil
}

// Check compares a result with the case's expectations and returns what
// disagrees (nothing when the case passes).
func (c *Case) Check(r *analyzer.Result) []string {
	var bad []string
	if r.Verdict != c.Verdict {
		bad = append(bad, fmt.Sprintf("verdict %s, want %s", r.Verdict, c.Verdict))
	}
	fired := map[string]bool{}
	for _, f := range r.Findings {
		fired[f.Rule] = true
	}
	listed := map[string]bool{}
	for _, id := range c.Rules {
		listed[id] = true
		if !fired[id] {
			bad = append(bad, fmt.Sprintf("rule %s did not fire", id))
		}
	}
	for _, id := range c.Not {
		if fired[id] {
			bad = append(bad, fmt.Sprintf("rule %s fired but must not", id))
		}
	}
	for _, f := range r.Findings {
		if f.Verdict == r.Verdict && !listed[f.Rule] {
			bad = append(bad, fmt.Sprintf("deciding rule %s not listed", f.Rule))
			listed[f.Rule] = true
		}
	}
	for rule, want := range c.Closure {
		found := false
		var got []string
		for _, f := range r.Findings {
			if f.Rule != rule {
				continue
			}
			got = bareNames(f.Closure)
			if sameSet(got, want) {
				found = true
				break
			}
		}
		if !found {
			bad = append(bad, fmt.Sprintf("closure of %s is %v, want %v", rule, got, want))
		}
	}
	return bad
}

func bareNames(cl []string) []string {
	var out []string
	for _, x := range cl {
		out = append(out, x[strings.LastIndexByte(x, ':')+1:])
	}
	return out
}

func sameSet(a, b []string) bool {
	as := append([]string(nil), a...)
	bs := append([]string(nil), b...)
	sort.Strings(as)
	sort.Strings(bs)
	return strings.Join(as, " ") == strings.Join(bs, " ")
}

// Describe renders a result's findings for a failure message.
func Describe(r *analyzer.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "verdict %s\n", r.Verdict)
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "  %s %s %s: %s", f.Verdict, f.Rule, f.Entity, f.Message)
		if len(f.Closure) > 0 {
			fmt.Fprintf(&b, " closure=%v", f.Closure)
		}
		b.WriteString("\n")
	}
	return b.String()
}
