package main

import (
	"bufio"
	"fmt"
	"github.com/dynupd/dynupd-analyze/analyzer/history"
	"io"
	"os"
	"time"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/config"
	"github.com/dynupd/dynupd-analyze/reports"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

type scanFlags struct {
	format      string
	output      string
	since       string
	until       string
	firstParent bool
	paths       []string
	maxCommits  int
	merges      bool
	maxFileSize string
}

func newScanCmd(g *globals) *cobra.Command {
	f := &scanFlags{}
	cmd := &cobra.Command{
		Use:   "scan [RANGE]",
		Short: "Classify every commit of a range (default: HEAD and its history)",
		Long: `scan analyses every commit of RANGE against its first parent and prints one
record per commit and a summary. RANGE is spelled as git spells it: REV (all
commits reachable from it), A..B, REV^! (that one commit). Merges are skipped
and counted unless --merges is given.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rng := ""
			if len(args) == 1 {
				rng = args[0]
			}
			return runScan(cmd, g, f, rng)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "table", "output format: table, json, jsonl or csv")
	fl.StringVarP(&f.output, "output", "o", "", "write the report to this file instead of stdout")
	addScanFilterFlags(cmd, f)
	return cmd
}

func runScan(cmd *cobra.Command, g *globals, f *scanFlags, rng string) error {
	opts, err := analyzerOptions(g, f, rng)
	if err != nil {
		return err
	}
	if f.output == "" {
		return scan(cmd, g, f.format, opts, cmd.OutOrStdout())
	}
	// The report appears whole or not at all: a failed scan leaves no
	// half-written file.
	var scanErr error
	err = writeFileAtomic(f.output, func(w io.Writer) error {
		scanErr = scan(cmd, g, f.format, opts, w)
		return scanErr
	})
	if scanErr != nil {
		return scanErr
	}
	return err
}

// scan analyses the range and writes the report to out; on failure what
// is still buffered is dropped.
func scan(cmd *cobra.Command, g *globals, format string, opts analyzer.Options, out io.Writer) error {
	bw := bufio.NewWriterSize(out, 1<<16)
	w, err := reports.New(format, bw)
	if err != nil {
		return err
	}
	a, err := analyzer.New(g.repo, opts)
	if err != nil {
		return err
	}
	bar := newProgress(cmd.ErrOrStderr())
	a.SetProgress(bar.update)
	sum, err := a.Run(cmd.Context(), w.Commit)
	bar.finish()
	if err != nil {
		return err
	}
	if err := w.Close(sum); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return bw.Flush()
}

func analyzerOptions(g *globals, f *scanFlags, rng string) (analyzer.Options, error) {
	now := time.Now()
	since, err := parseDate(f.since, now)
	if err != nil {
		return analyzer.Options{}, err
	}
	until, err := parseDate(f.until, now)
	if err != nil {
		return analyzer.Options{}, err
	}
	cfg, err := g.loadConfig()
	if err != nil {
		return analyzer.Options{}, err
	}
	opts := analyzer.Options{
		Range: rng, Since: since, Until: until, FirstParent: f.firstParent, Paths: f.paths,
		MaxCommits: f.maxCommits, Merges: f.merges, Jobs: g.jobs, Config: cfg, Logger: g.logger(), NoCompiler: g.noCompiler,
		Backend: history.Backend(g.backend),
	}
	if f.maxFileSize != "" {
		n, err := config.ParseSize(f.maxFileSize)
		if err != nil {
			return opts, fmt.Errorf("--max-file-size: %w", err)
		}
		opts.MaxFileSize = n
	}
	return opts, nil
}

// progress draws a bar on stderr when stderr is a terminal, nothing
// otherwise.
type progress struct {
	w     io.Writer
	on    bool
	last  time.Time
	drawn bool
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.on = true
	}
	return p
}

func (p *progress) update(done, total int) {
	if !p.on || total == 0 {
		return
	}
	if time.Since(p.last) < 100*time.Millisecond && done < total {
		return
	}
	p.last = time.Now()
	const width = 30
	filled := width * done / total
	bar := make([]byte, width)
	for i := range bar {
		if i < filled {
			bar[i] = '#'
		} else {
			bar[i] = ' '
		}
	}
	fmt.Fprintf(p.w, "\r[%s] %d/%d commits", bar, done, total)
	p.drawn = true
}

func (p *progress) finish() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
