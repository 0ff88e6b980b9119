package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/reports/triage"
	"github.com/spf13/cobra"
)

type triageFlags struct {
	scan        scanFlags
	format      string
	output      string
	out         string
	emitPatches string
	typed       bool
	goproxy     string
}

// triageFormats are the formats of --format.
var triageFormats = []string{"text", "markdown", "html", "json"}

// triageFiles are the files --out writes, by format.
var triageFiles = []struct{ format, name string }{
	{"markdown", "triage.md"}, {"html", "triage.html"}, {"json", "triage.json"},
}

func newTriageCmd(g *globals) *cobra.Command {
	f := &triageFlags{}
	cmd := &cobra.Command{
		Use:   "triage [--repo PATH] BASE..TIP",
		Short: "Which commits of a release can go out as live patches",
		Long: `triage analyses every commit of BASE..TIP (for example v7.2.0..v7.2.5)
against its first parent and groups them: ready as live patches
(live-patchable), need interface support (interface-internal), need state
transfer (state-transfer), interface-external, not patchable, unknown, and,
apart, the commits that change nothing in the running program (no-op).
Merges are skipped and counted unless --merges is given. Commits are listed
oldest first.

It also analyses the net change from BASE to TIP as one change and says
whether the range as a whole could ship as one live patch, and which commits
block it (those whose own verdict is above live-patchable). Go code of the
net change is loaded with types when it loads (GOPROXY=off unless --goproxy),
syntactically otherwise; the report says which.

RANGE must be BASE..TIP; an empty side is HEAD, as in git (v7.2.0.. is
v7.2.0..HEAD). A single revision is refused: the net change needs a base.

--format text|markdown|html|json writes to stdout (or -o FILE); --out DIR
also writes triage.md, triage.html and triage.json there. docs/triage.md
describes the JSON.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runTriage(cmd, g, f, args) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "text", "output format: "+strings.Join(triageFormats, ", "))
	fl.StringVarP(&f.output, "output", "o", "", "write the report to this file instead of stdout")
	fl.StringVar(&f.out, "out", "", "also write triage.md, triage.html and triage.json to this directory")
	fl.StringVar(&f.emitPatches, "emit-patches", "", "write the candidate patch modules of the ready commits into this (new or empty) directory, as patch does")
	fl.BoolVar(&f.typed, "typed", true, "load the Go code of the net change with types when it loads (false: syntax only)")
	fl.StringVar(&f.goproxy, "goproxy", "", "GOPROXY for typed loading (default off: the module cache only)")
	fl.BoolVar(&f.scan.firstParent, "first-parent", false, "follow only the first parent of merges")
	fl.StringArrayVar(&f.scan.paths, "paths", nil, "only files matching this glob (repeatable; ** crosses directories)")
	fl.BoolVar(&f.scan.merges, "merges", false, "analyse merge commits against their first parent instead of skipping them")
	fl.StringVar(&f.scan.maxFileSize, "max-file-size", "", "skip files larger than this (default 2MiB, or the config's max-file-size)")
	return cmd
}

// parseTriageRange splits RANGE into its base and tip. Only BASE..TIP is
// accepted (an empty side is HEAD): the net change needs a base, and a
// single revision or a list of revisions has none that is unambiguous.
func parseTriageRange(spec string) (base, tip string, err error) {
	s := strings.TrimSpace(spec)
	i := strings.Index(s, "..")
	if i < 0 || strings.Contains(s, "...") || strings.ContainsAny(s, " \t") || strings.Count(s, "..") != 1 ||
		strings.HasPrefix(s, "^") || strings.HasSuffix(s, "^!") {
		return "", "", fmt.Errorf("triage: RANGE must be BASE..TIP, the release's base and tip (e.g. v7.2.0..v7.2.5); got %q", spec)
	}
	base, tip = s[:i], s[i+2:]
	if base == "" {
		base = "HEAD"
	}
	if tip == "" {
		tip = "HEAD"
	}
	return base, tip, nil
}

func runTriage(cmd *cobra.Command, g *globals, f *triageFlags, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("triage: want one RANGE, BASE..TIP (e.g. v7.2.0..v7.2.5); got %d arguments", len(args))
	}
	if !slices.Contains(triageFormats, f.format) {
		return fmt.Errorf("--format %q: want one of %s", f.format, strings.Join(triageFormats, ", "))
	}
	spec := args[0]
	base, tip, err := parseTriageRange(spec)
	if err != nil {
		return err
	}
	opts, err := analyzerOptions(g, &f.scan, spec)
	if err != nil {
		return err
	}
	opts.GoProxy = f.goproxy
	a, err := analyzer.New(g.repo, opts)
	if err != nil {
		return err
	}
	rng, err := triageRange(a, g.repo, spec, base, tip)
	if err != nil {
		return err
	}
	if f.emitPatches != "" {
		if err := prepareOut(f.emitPatches, false); err != nil {
			return fmt.Errorf("--emit-patches: %w", err)
		}
	}
	rep, results, err := analyseTriage(cmd.Context(), a, rng, f.typed, newProgress(cmd.ErrOrStderr()))
	if err != nil {
		return err
	}
	if f.emitPatches != "" {
		if err := emitPatches(cmd.Context(), a, results, f.emitPatches, f.goproxy, cmd.ErrOrStderr()); err != nil {
			return err
		}
	}
	if f.out != "" {
		if err := os.MkdirAll(f.out, 0o755); err != nil {
			return fmt.Errorf("output directory: %w", err)
		}
		for _, o := range triageFiles {
			err := writeFileAtomic(filepath.Join(f.out, o.name), func(w io.Writer) error {
				return renderTriage(w, o.format, rep)
			})
			if err != nil {
				return err
			}
		}
	}
	if f.output != "" {
		return writeFileAtomic(f.output, func(w io.Writer) error { return renderTriage(w, f.format, rep) })
	}
	bw := bufio.NewWriter(cmd.OutOrStdout())
	if err := renderTriage(bw, f.format, rep); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// triageRange resolves the base and tip of the range and says whether the
// base is an ancestor of the tip.
func triageRange(a *analyzer.Analyzer, repo, spec, base, tip string) (triage.Range, error) {
	rng := triage.Range{Spec: spec, Base: base, Tip: tip, Repository: repo}
	if abs, err := filepath.Abs(repo); err == nil {
		rng.Repository = abs
	}
	var err error
	if rng.BaseCommit, err = a.Resolve(base); err != nil {
		return rng, fmt.Errorf("triage base: %w", err)
	}
	if rng.TipCommit, err = a.Resolve(tip); err != nil {
		return rng, fmt.Errorf("triage tip: %w", err)
	}
	// Unrelated histories have no merge-base: the base is no ancestor.
	mb, err := a.MergeBase(rng.BaseCommit, rng.TipCommit)
	rng.BaseNotAncestor = err != nil || mb != rng.BaseCommit
	return rng, nil
}

// analyseTriage analyses the commits of the range, oldest first, then its
// net change (after the commits: typed loading of the net change's trees
// must not leak into the per-commit analysis, and Diff must not run
// concurrently with it).
func analyseTriage(ctx context.Context, a *analyzer.Analyzer, rng triage.Range, typed bool, bar *progress) (*triage.Report, []*analyzer.Result, error) {
	commits, merges, err := a.Commits(ctx)
	if err != nil {
		return nil, nil, err
	}
	rng.MergesSkipped = merges
	var results []*analyzer.Result
	a.SetProgress(bar.update)
	err = a.RunCommits(ctx, commits, func(r *analyzer.Result) error {
		if r == nil {
			rng.FilteredOut++
			return nil
		}
		results = append(results, r)
		return nil
	})
	bar.finish()
	if err != nil {
		return nil, nil, err
	}
	slices.Reverse(results) // the analyzer lists newest first
	net, err := a.Diff(ctx, analyzer.DiffOptions{Base: rng.BaseCommit, Head: rng.TipCommit, Typed: typed})
	if err != nil {
		return nil, nil, fmt.Errorf("net change %s: %w", rng.Spec, err)
	}
	return triage.Build(rng, results, net), results, nil
}

// emitPatches writes the candidate modules of the ready (live-patchable)
// commits into dir, as the patch command does (goproxy for the Go check),
// and says on stderr how their checks went.
func emitPatches(ctx context.Context, a *analyzer.Analyzer, results []*analyzer.Result, dir, goproxy string, stderr io.Writer) error {
	f := &patchFlags{out: dir, goproxy: goproxy}
	var sum patchSummary
	n := 0
	for _, r := range results {
		if r.Verdict != classifiers.LivePatchable {
			continue
		}
		n++
		entries, err := patchOne(ctx, a, r, f, false)
		if err != nil {
			return fmt.Errorf("--emit-patches: commit %s: %w", short(r.Commit), err)
		}
		sum.Modules = append(sum.Modules, entries...)
	}
	if err := writeJSON(filepath.Join(dir, "summary.json"), sum); err != nil {
		return err
	}
	return printPatchSummary(stderr, sum, n)
}

// renderTriage renders the report in one format.
func renderTriage(w io.Writer, format string, rep *triage.Report) error {
	switch format {
	case "text":
		return triage.WriteText(w, rep)
	case "markdown":
		return triage.WriteMarkdown(w, rep)
	case "html":
		return triage.WriteHTML(w, rep)
	case "json":
		return triage.WriteJSON(w, rep)
	}
	return fmt.Errorf("--format %q: want one of %s", format, strings.Join(triageFormats, ", "))
}
