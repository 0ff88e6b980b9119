package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/analyzer/history"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/reports"
	"github.com/dynupd/dynupd-analyze/reports/figures"
	"github.com/dynupd/dynupd-analyze/reports/kinds"
	"github.com/dynupd/dynupd-analyze/reports/study"
	"github.com/dynupd/dynupd-analyze/store"
	"github.com/spf13/cobra"
)

type studyFlags struct {
	scan      scanFlags
	out       string
	db        string
	kinds     string
	cache     string
	byRelease bool
	tags      []string
}

func newStudyCmd(g *globals) *cobra.Command {
	f := &studyFlags{}
	cmd := &cobra.Command{
		Use:   "study [RANGE]",
		Short: "Study a whole history: what share could have shipped as live patches",
		Long: `study analyses every commit of RANGE (default: HEAD and its history) and
reports the K42/Ksplice-style result: commits analysed and excluded, the count
and share of each verdict, the tiers T0-T2 with numerators and denominators,
and the same by change kind, year, top-level directory and rule.

--repo may be a URL: it is cloned bare into the cache directory (--cache;
default OUT/cache with --out, else the user cache directory) and fetched
into on the next run.

With --out DIR it writes report.md, report.html, report.json,
results.jsonl, commits.csv, findings.csv, the figures (SVG, PNG, PDF) and
the results database DIR/study.db (or --db FILE). A second study with the
same database analyses only the commits it has not seen under the same
tool, rules and configuration, and says how many it reused.

--by-release treats each consecutive pair of tags (--tags GLOB to choose)
as one update and reports, per release, the functions, types and globals
added, removed and changed, and the verdict of the net change.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rng := ""
			if len(args) == 1 {
				rng = args[0]
			}
			return runStudy(cmd, g, f, rng)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.out, "out", "o", "", "write the reports, figures and database to this directory")
	fl.StringVar(&f.db, "db", "", "results database (default: OUT/study.db with --out, none otherwise)")
	fl.StringVar(&f.kinds, "kinds", "", "YAML file overriding how change kinds are decided (docs/kinds.md)")
	fl.StringVar(&f.cache, "cache", "", "directory for clones of remote repositories")
	fl.BoolVar(&f.byRelease, "by-release", false, "also treat each consecutive pair of tags as one update")
	fl.StringArrayVar(&f.tags, "tags", nil, "only tags matching this glob (repeatable) for --by-release")
	addScanFilterFlags(cmd, &f.scan)
	return cmd
}

// addScanFilterFlags declares the range filters scan and study share.
func addScanFilterFlags(cmd *cobra.Command, f *scanFlags) {
	fl := cmd.Flags()
	fl.StringVar(&f.since, "since", "", "only commits committed on or after this date")
	fl.StringVar(&f.until, "until", "", "only commits committed on or before this date")
	fl.BoolVar(&f.firstParent, "first-parent", false, "follow only the first parent of merges")
	fl.StringArrayVar(&f.paths, "paths", nil, "only files matching this glob (repeatable; ** crosses directories)")
	fl.IntVar(&f.maxCommits, "max-commits", 0, "stop after this many commits (0: all)")
	fl.BoolVar(&f.merges, "merges", false, "analyse merge commits against their first parent instead of skipping them")
	fl.StringVar(&f.maxFileSize, "max-file-size", "", "skip files larger than this (default 2MiB, or the config's max-file-size)")
}

// runInfo is what a study keeps in its run record so that `report` can
// render it again without git.
type runInfo struct {
	Meta         study.Meta        `json:"meta"`
	Exclusions   study.Exclusions  `json:"excluded"`
	Releases     []study.Release   `json:"releases,omitempty"`
	ReleaseOf    map[string]string `json:"release_of,omitempty"`
	ReleaseOrder []string          `json:"release_order,omitempty"`
	Kinds        map[string]string `json:"kinds"`
}

func runStudy(cmd *cobra.Command, g *globals, f *studyFlags, rng string) error {
	ctx := cmd.Context()
	stderr := cmd.ErrOrStderr()
	location, path, err := studyRepo(ctx, g.repo, f)
	if err != nil {
		return err
	}
	kc := kinds.Default()
	if f.kinds != "" {
		if kc, err = kinds.Load(f.kinds); err != nil {
			return err
		}
	}
	opts, err := analyzerOptions(g, &f.scan, rng)
	if err != nil {
		return err
	}
	a, err := analyzer.New(path, opts)
	if err != nil {
		return err
	}
	commits, merges, err := a.Commits(ctx)
	if err != nil {
		return err
	}
	meta := study.Meta{
		Tool: analyzer.Version, Rules: classifiers.RulesVersion, ConfigHash: analysisKey(a, opts),
		KindsHash: kc.Hash(), KindsRule: kc.Describe(), Repository: location, Range: orHEAD(rng),
		CommandLine: commandLine(os.Args), Date: time.Now().UTC(),
	}
	if h, err := a.Resolve("HEAD"); err == nil {
		meta.Head = h
	}
	if f.out != "" {
		if err := os.MkdirAll(f.out, 0o755); err != nil {
			return fmt.Errorf("output directory: %w", err)
		}
	}
	dbPath := f.db
	if dbPath == "" && f.out != "" {
		dbPath = filepath.Join(f.out, "study.db")
	}
	var run *store.Run
	if dbPath != "" {
		db, err := store.Open(ctx, dbPath)
		if err != nil {
			return err
		}
		defer db.Close()
		run, err = db.BeginRun(ctx, store.RunInfo{Repository: location, Head: meta.Head, Range: meta.Range, CommandLine: meta.CommandLine,
			ToolVersion: meta.Tool, RulesVersion: meta.Rules, ConfigHash: meta.ConfigHash, KindsHash: meta.KindsHash, Started: meta.Date})
		if err != nil {
			return err
		}
	}
	results, filtered, reused, err := analyseWithStore(ctx, a, commits, run, f.scan.maxCommits, newProgress(stderr))
	if err != nil {
		if run != nil {
			status := "failed"
			if errors.Is(err, context.Canceled) {
				status = "interrupted"
			}
			// Keep what was analysed: the next study resumes from it.
			finErr := run.Finish(context.WithoutCancel(ctx), status, nil)
			if finErr != nil {
				err = errors.Join(err, finErr)
			}
		}
		return err
	}
	kindOf := map[string]string{}
	for _, r := range results {
		r.Kind = kc.Kind(r.Commit, r.Message)
		kindOf[r.Commit] = r.Kind
	}
	ex := study.Exclusions{Merges: merges, Filtered: filtered}
	rep := study.Build(meta, results, ex)
	info := runInfo{Meta: meta, Exclusions: ex, Kinds: kindOf}
	if f.byRelease {
		if err := studyReleases(ctx, a, f.tags, rep, results, &info); err != nil {
			if run != nil {
				_ = run.Finish(context.WithoutCancel(ctx), "failed", nil)
			}
			return err
		}
	}
	if f.out != "" {
		if err := writeStudy(f.out, allOutputs, rep, results); err != nil {
			if run != nil {
				_ = run.Finish(context.WithoutCancel(ctx), "failed", nil)
			}
			return err
		}
	}
	if run != nil {
		b, err := json.Marshal(info)
		if err != nil {
			return fmt.Errorf("encode run record: %w", err)
		}
		if err := run.Finish(ctx, "complete", b); err != nil {
			return err
		}
	}
	out := cmd.OutOrStdout()
	if err := study.WriteTable(out, rep); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d commits analysed now, %d reused from the results database", len(results)-reused, reused)
	if f.out != "" {
		fmt.Fprintf(out, "; reports in %s", f.out)
	}
	fmt.Fprintln(out)
	return nil
}

// studyRepo resolves --repo: a path is used as it is, a URL is cloned into
// the cache (or fetched into the clone made before).
func studyRepo(ctx context.Context, repo string, f *studyFlags) (location, path string, err error) {
	if !history.IsURL(repo) {
		abs, err := filepath.Abs(repo)
		if err != nil {
			return "", "", fmt.Errorf("repository path: %w", err)
		}
		return abs, repo, nil
	}
	cache := f.cache
	if cache == "" && f.out != "" {
		cache = filepath.Join(f.out, "cache")
	}
	if cache == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return "", "", fmt.Errorf("no clone cache directory (give --cache or --out): %w", err)
		}
		cache = filepath.Join(dir, "dynupd-analyze", "repos")
	}
	p, err := history.Clone(ctx, repo, cache)
	if err != nil {
		return "", "", err
	}
	return repo, p, nil
}

// analyseWithStore analyses the commits the database does not hold under
// this run's key, reuses the others, and records everything in the run. It
// returns the non-filtered results in commit list order, the number of
// commits the path filter left out, and how many results were reused.
func analyseWithStore(ctx context.Context, a *analyzer.Analyzer, commits []*history.Commit, run *store.Run, maxCommits int, bar *progress) ([]*analyzer.Result, int, int, error) {
	slots := make([]*analyzer.Result, len(commits))
	isFiltered := make([]bool, len(commits))
	var todo []*history.Commit
	var todoIdx []int
	reused := 0
	if run != nil {
		hashes := make([]string, len(commits))
		for i, c := range commits {
			hashes[i] = c.Hash.String()
		}
		stored, storedFiltered, err := run.Stored(ctx, hashes)
		if err != nil {
			return nil, 0, 0, err
		}
		for i, h := range hashes {
			res, ok := stored[h]
			if !ok && !storedFiltered[h] {
				todo, todoIdx = append(todo, commits[i]), append(todoIdx, i)
				continue
			}
			if err := run.Reuse(ctx, i, h); err != nil {
				return nil, 0, 0, err
			}
			slots[i], isFiltered[i] = res, storedFiltered[h]
			reused++
		}
	} else {
		todo = commits
		todoIdx = make([]int, len(commits))
		for i := range commits {
			todoIdx[i] = i
		}
	}
	a.SetProgress(func(done, total int) { bar.update(reused+done, reused+total) })
	k := 0
	err := a.RunCommits(ctx, todo, func(r *analyzer.Result) error {
		i := todoIdx[k]
		k++
		if r == nil {
			isFiltered[i] = true
			if run != nil {
				return run.PutFiltered(ctx, i, commits[i].Hash.String())
			}
			return nil
		}
		slots[i] = r
		if run != nil {
			return run.Put(ctx, i, r)
		}
		return nil
	})
	bar.finish()
	if run != nil {
		if ferr := run.Flush(context.WithoutCancel(ctx)); ferr != nil {
			err = errors.Join(err, ferr)
		}
	}
	if err != nil {
		return nil, 0, 0, err
	}
	var results []*analyzer.Result
	filtered := 0
	for i := range commits {
		switch {
		case isFiltered[i]:
			filtered++
		case slots[i] != nil:
			if maxCommits > 0 && len(results) >= maxCommits {
				continue
			}
			results = append(results, slots[i])
		}
	}
	return results, filtered, reused, nil
}

// studyReleases adds the release rows: the net change between each
// consecutive pair of tags, and the commits grouped by release.
func studyReleases(ctx context.Context, a *analyzer.Analyzer, globs []string, rep *study.Report, results []*analyzer.Result, info *runInfo) error {
	tags, err := a.Tags(globs)
	if err != nil {
		return err
	}
	if len(tags) < 2 {
		return fmt.Errorf("--by-release needs at least two tags (found %d matching %s)", len(tags), strings.Join(orAll(globs), " "))
	}
	for i := 1; i < len(tags); i++ {
		res, err := a.Diff(ctx, analyzer.DiffOptions{Base: tags[i-1].Commit.String(), Head: tags[i].Commit.String()})
		if err != nil {
			return fmt.Errorf("release %s..%s: %w", tags[i-1].Name, tags[i].Name, err)
		}
		rep.Releases = append(rep.Releases, study.ReleaseOf(tags[i-1].Name, tags[i].Name, res))
	}
	of, order, err := a.ReleaseGroups(ctx, tags)
	if err != nil {
		return err
	}
	rep.GroupByRelease(results, of, order)
	info.Releases, info.ReleaseOrder = rep.Releases, order
	info.ReleaseOf = map[string]string{}
	for _, r := range results {
		if name, ok := of[r.Commit]; ok {
			info.ReleaseOf[r.Commit] = name
		}
	}
	return nil
}

func orAll(globs []string) []string {
	if len(globs) == 0 {
		return []string{"*"}
	}
	return globs
}

func orHEAD(rng string) string {
	if rng == "" {
		return "HEAD"
	}
	return rng
}

// analysisKey is the configuration part of the results database's reuse
// key: the repository configuration and every option that changes what a
// commit's analysis finds.
func analysisKey(a *analyzer.Analyzer, o analyzer.Options) string {
	h := sha256.New()
	fmt.Fprintf(h, "config=%s\n", a.Config().Hash())
	fmt.Fprintf(h, "paths=%q\nmax-file-size=%d\nno-compiler=%t\n", o.Paths, o.MaxFileSize, o.NoCompiler)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// commandLine renders argv with shell quoting where needed.
func commandLine(args []string) string {
	out := make([]string, len(args))
	for i, s := range args {
		if i == 0 {
			s = filepath.Base(s)
		}
		if s == "" || strings.ContainsAny(s, " \t\n'\"\\$`*?[]{}()<>|&;#~") {
			s = "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
		out[i] = s
	}
	return strings.Join(out, " ")
}

// Output names of a study directory.
const (
	outMarkdown = "md"
	outHTML     = "html"
	outJSON     = "json"
	outJSONL    = "jsonl"
	outCSV      = "csv"
	outFindings = "findings-csv"
	outFigures  = "figures"
)

var allOutputs = []string{outMarkdown, outHTML, outJSON, outJSONL, outCSV, outFindings, outFigures}

var outputFile = map[string]string{
	outMarkdown: "report.md", outHTML: "report.html", outJSON: "report.json", outJSONL: "results.jsonl",
	outCSV: "commits.csv", outFindings: "findings.csv",
}

// writeStudy writes the selected outputs of a study into dir, each file
// first to a temporary name and then renamed, so a reader never sees half a
// report.
func writeStudy(dir string, outputs []string, rep *study.Report, results []*analyzer.Result) error {
	var figs []study.Figure
	want := map[string]bool{}
	for _, o := range outputs {
		want[o] = true
	}
	if want[outFigures] || want[outMarkdown] || want[outHTML] {
		figDir := ""
		if want[outFigures] {
			figDir = dir
		}
		var err error
		if figs, err = renderFigures(rep, figDir); err != nil {
			return err
		}
	}
	for _, o := range outputs {
		name, ok := outputFile[o]
		if !ok {
			continue
		}
		err := writeFileAtomic(filepath.Join(dir, name), func(w io.Writer) error {
			return renderOutput(w, o, rep, results, figs)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// renderOutput renders one output format of a study to w.
func renderOutput(w io.Writer, format string, rep *study.Report, results []*analyzer.Result, figs []study.Figure) error {
	switch format {
	case outMarkdown:
		return study.WriteMarkdown(w, rep, figs)
	case outHTML:
		return study.WriteHTML(w, rep, figs, results)
	case outJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case outJSONL, outCSV:
		f := "jsonl"
		if format == outCSV {
			f = "csv"
		}
		return writeResults(w, f, rep, results)
	case outFindings:
		return study.WriteFindingsCSV(w, results)
	case "table":
		return study.WriteTable(w, rep)
	}
	return fmt.Errorf("unknown output %q (want one of table, %s)", format, strings.Join(allOutputs, ", "))
}

// writeResults streams the per-commit records through the scan writers,
// with a summary built from the report.
func writeResults(w io.Writer, format string, rep *study.Report, results []*analyzer.Result) error {
	rw, err := newResultWriter(format, w)
	if err != nil {
		return err
	}
	sum := analyzer.NewSummary()
	sum.Repository, sum.Range, sum.Head = rep.Meta.Repository, rep.Meta.Range, rep.Meta.Head
	sum.Merges, sum.Filtered, sum.ConfigHash = rep.Exclusions.Merges, rep.Exclusions.Filtered, rep.Meta.ConfigHash
	sum.ToolVersion, sum.RulesVersion = rep.Meta.Tool, rep.Meta.Rules
	for _, r := range results {
		sum.Add(r)
		if err := rw.Commit(r); err != nil {
			return err
		}
	}
	sum.Finish()
	return rw.Close(sum)
}

func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// renderFigures draws the figures (into dir when it is not empty).
func renderFigures(rep *study.Report, dir string) ([]study.Figure, error) {
	figs, err := figures.Render(rep, dir, figures.Options{})
	if err != nil {
		return nil, fmt.Errorf("figures: %w", err)
	}
	return figs, nil
}

func newResultWriter(format string, w io.Writer) (reports.Writer, error) {
	return reports.New(format, w)
}
