package main

import (
	"fmt"
	"github.com/dynupd/dynupd-analyze/analyzer/history"
	"log/slog"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/config"
	"github.com/spf13/cobra"
)

// globals are the flags every command shares.
type globals struct {
	repo       string
	config     string
	jobs       int
	verbose    bool
	noCompiler bool
	backend    string
	cpuProfile string
	memProfile string
	stopProf   func()
}

func newRootCmd() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "dynupd-analyze",
		Short: "Could this change have been applied to the running program without a restart?",
		Long: `dynupd-analyze walks the git history of C codebases, classifies every change
(live-patchable, interface-changing, needs state transfer, ...) and reports
what share of the history could have shipped as a live patch.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       analyzer.Version,
	}
	root.PersistentFlags().StringVar(&g.repo, "repo", ".", "repository to analyse (a work tree, a directory inside one, or a bare repository)")
	root.PersistentFlags().StringVar(&g.config, "config", "", "configuration file (default: .dynupd.yaml of the repository)")
	root.PersistentFlags().IntVar(&g.jobs, "jobs", 0, "parallel workers (default: the number of CPUs)")
	root.PersistentFlags().BoolVarP(&g.verbose, "verbose", "v", false, "log progress details to stderr")
	root.PersistentFlags().BoolVar(&g.noCompiler, "no-compiler", false, "never ask the local Go compiler which functions it inlines (the syntactic estimate decides, erring on the inlinable side)")
	root.PersistentFlags().StringVar(&g.backend, "backend", "auto", "how blobs are read: git (cat-file, needs git ≥ 2.36; not for partial clones), go-git, or auto (git when usable)")
	root.PersistentFlags().StringVar(&g.cpuProfile, "cpuprofile", "", "write a CPU profile to this file")
	root.PersistentFlags().StringVar(&g.memProfile, "memprofile", "", "write a heap profile to this file at exit")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	_ = root.PersistentFlags().MarkHidden("memprofile")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if _, err := history.ParseBackend(g.backend); err != nil {
			return fmt.Errorf("--backend: %w", err)
		}
		return g.startProfile()
	}
	root.PersistentPostRunE = func(*cobra.Command, []string) error { g.stopProfile(); return nil }
	root.AddCommand(newScanCmd(g), newStudyCmd(g), newReportCmd(), newExplainCmd(g), newDiffCmd(g), newRulesCmd(), newTriageCmd(g), newCheckCmd(g), newPatchCmd(g))
	return root
}

func (g *globals) startProfile() error {
	if g.cpuProfile == "" {
		return nil
	}
	f, err := os.Create(g.cpuProfile)
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("cpu profile: %w", err)
	}
	g.stopProf = func() { pprof.StopCPUProfile(); f.Close() }
	return nil
}

func (g *globals) stopProfile() {
	if g.stopProf != nil {
		g.stopProf()
	}
	if g.memProfile != "" {
		if f, err := os.Create(g.memProfile); err == nil {
			_ = pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
}

func (g *globals) logger() *slog.Logger {
	level := slog.LevelWarn
	if g.verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// loadConfig reads --config when given; nil means the repository's own.
func (g *globals) loadConfig() (*config.Config, error) {
	if g.config == "" {
		return nil, nil
	}
	return config.Load(g.config)
}

// parseDate accepts 2006-01-02, RFC 3339, and "N days|weeks|months|years ago".
func parseDate(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	f := strings.Fields(s)
	if len(f) == 3 && f[2] == "ago" {
		n, err := strconv.Atoi(f[0])
		if err == nil {
			switch strings.TrimSuffix(f[1], "s") {
			case "day":
				return now.AddDate(0, 0, -n), nil
			case "week":
				return now.AddDate(0, 0, -7*n), nil
			case "month":
				return now.AddDate(0, -n, 0), nil
			case "year":
				return now.AddDate(-n, 0, 0), nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("bad date %q (want YYYY-MM-DD, RFC 3339, or \"N days ago\")", s)
}
