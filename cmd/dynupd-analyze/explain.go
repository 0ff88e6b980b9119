package main

import (
	"fmt"
	"github.com/dynupd/dynupd-analyze/analyzer/history"
	"io"
	"strings"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/reports"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"
)

func newExplainCmd(g *globals) *cobra.Command {
	var context int
	cmd := &cobra.Command{
		Use:   "explain COMMIT",
		Short: "Show why a commit got its verdict: every finding with the old and new code",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			a, err := analyzer.New(g.repo, analyzer.Options{Range: args[0] + "^!", Jobs: 1, Merges: true, Config: cfg, Logger: g.logger(), NoCompiler: g.noCompiler, Backend: history.Backend(g.backend)})
			if err != nil {
				return err
			}
			var res *analyzer.Result
			if _, err := a.Run(cmd.Context(), func(r *analyzer.Result) error { res = r; return nil }); err != nil {
				return err
			}
			if res == nil {
				return fmt.Errorf("commit %s: nothing to analyse", args[0])
			}
			return explain(cmd.OutOrStdout(), a, res, context)
		},
	}
	cmd.Flags().IntVar(&context, "max-lines", 25, "show at most this many lines of each side of an entity")
	return cmd
}

// explain prints a result with every finding and the old and new code of
// its entity, read from the trees the result compared.
func explain(w io.Writer, a *analyzer.Analyzer, r *analyzer.Result, maxLines int) error {
	if r.Commit != "" {
		fmt.Fprintf(w, "commit %s\n", r.Commit)
	}
	fmt.Fprintf(w, "%s\n%s\n\nverdict: %s (tier %s)", r.Author, r.Subject, r.Verdict, r.Tier)
	if d := reports.DecidingRules(r); len(d) > 0 {
		fmt.Fprintf(w, ", decided by %s", strings.Join(d, ", "))
	}
	fmt.Fprintf(w, "\n%d findings, %d files changed\n", len(r.Findings), len(r.Files))
	for _, s := range r.Skipped {
		fmt.Fprintf(w, "skipped %s: %s\n", s.Path, s.Reason)
	}
	if r.Analysis != "" {
		fmt.Fprintf(w, "Go analysis: %s", r.Analysis)
		if r.AnalysisNote != "" {
			fmt.Fprintf(w, " (%s)", r.AnalysisNote)
		}
		fmt.Fprintln(w)
	}
	cache := map[string][]string{}
	lines := func(tree plumbing.Hash, path string) []string {
		k := tree.String() + ":" + path
		if l, ok := cache[k]; ok {
			return l
		}
		b, err := a.FileAt(tree, path)
		if err != nil {
			return nil
		}
		l := strings.Split(string(b), "\n")
		cache[k] = l
		return l
	}
	for i, f := range r.Findings {
		fmt.Fprintf(w, "\n[%d] %s %s — %s\n    %s\n", i+1, f.Verdict, f.Rule, f.Entity, f.Message)
		if len(f.Closure) > 0 {
			fmt.Fprintf(w, "    patch closure: %s\n", strings.Join(f.Closure, ", "))
		}
		show := func(prefix string, tree plumbing.Hash, l *classifiers.Loc) {
			if l == nil || l.Line == 0 || tree.IsZero() {
				if l != nil {
					fmt.Fprintf(w, "    %s %s\n", prefix, l.File)
				}
				return
			}
			src := lines(tree, l.File)
			end := l.EndLine
			if end < l.Line {
				end = l.Line
			}
			fmt.Fprintf(w, "    %s %s:%d\n", prefix, l.File, l.Line)
			for n := l.Line; n <= end && n <= len(src); n++ {
				if n-l.Line >= maxLines {
					fmt.Fprintf(w, "      %s …%d more lines\n", prefix, end-n+1)
					break
				}
				fmt.Fprintf(w, "      %s %5d  %s\n", prefix, n, src[n-1])
			}
		}
		show("-", r.OldTree, f.Old)
		show("+", r.NewTree, f.New)
	}
	return nil
}
