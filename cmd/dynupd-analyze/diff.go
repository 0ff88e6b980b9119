package main

import (
	"encoding/json"
	"fmt"
	"github.com/dynupd/dynupd-analyze/analyzer/history"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/spf13/cobra"
)

func newDiffCmd(g *globals) *cobra.Command {
	var (
		maxLines int
		typed    bool
		format   string
		goproxy  string
	)
	cmd := &cobra.Command{
		Use:   "diff BASE [HEAD]",
		Short: "Classify the net change from BASE to HEAD (default: the work tree) as one live patch",
		Long: `diff analyses the net change from BASE to HEAD as one change: what a live
patch taking the running program from BASE to HEAD would meet. Without HEAD
it compares BASE with the work tree (tracked changes and untracked files that
are not ignored, as "git add -A" would stage them).

Go code is analysed in typed mode by default: both sides are loaded with
go/packages (GOTOOLCHAIN=local, GOFLAGS=-mod=mod, GOPROXY=off unless --goproxy
says otherwise: dependencies come from the module cache), so callers are resolved through types and the
exported API is compared with apidiff. When loading fails the result is the
syntactic one and says why.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			a, err := analyzer.New(g.repo, analyzer.Options{Jobs: 1, Config: cfg, Logger: g.logger(), NoCompiler: g.noCompiler, Backend: history.Backend(g.backend), GoProxy: goproxy})
			if err != nil {
				return err
			}
			o := analyzer.DiffOptions{Base: args[0], Typed: typed}
			if len(args) == 2 {
				o.Head = args[1]
			}
			res, err := a.Diff(cmd.Context(), o)
			if err != nil {
				return err
			}
			switch format {
			case "json":
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			case "text":
				return explain(cmd.OutOrStdout(), a, res, maxLines)
			}
			return fmt.Errorf("--format %q: want text or json", format)
		},
	}
	cmd.Flags().IntVar(&maxLines, "max-lines", 25, "show at most this many lines of each side of an entity")
	cmd.Flags().BoolVar(&typed, "typed", true, "load Go code with type information (falls back to the syntactic analysis when loading fails)")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	cmd.Flags().StringVar(&goproxy, "goproxy", "off", "GOPROXY for typed loading (off: dependencies come only from the module cache)")
	return cmd
}
