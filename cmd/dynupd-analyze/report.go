package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/dynupd/dynupd-analyze/reports/kinds"
	"github.com/dynupd/dynupd-analyze/reports/study"
	"github.com/dynupd/dynupd-analyze/store"
	"github.com/spf13/cobra"
)

type reportFlags struct {
	db      string
	run     int64
	formats []string
	out     string
	kinds   string
}

func newReportCmd() *cobra.Command {
	f := &reportFlags{}
	cmd := &cobra.Command{
		Use:   "report --db FILE",
		Short: "Render a stored study again, without reading git",
		Long: `report renders a study kept in a results database (written by study --out or
--db) in any of its formats, without touching the repository: the last
complete run by default, or --run ID.

Formats: table, md, html, json (the report), jsonl (one record per commit),
csv (one row per commit), findings-csv, figures (SVG, PNG and PDF; needs
--out). Without --out one format goes to stdout; with --out every format
asked for (all by default) is written into the directory under the names
study uses. --kinds FILE decides change kinds again with another rule.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runReport(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.db, "db", "", "results database (required)")
	fl.Int64Var(&f.run, "run", 0, "run to render (default: the last complete run)")
	fl.StringSliceVar(&f.formats, "format", nil, "formats, comma-separated (default: table on stdout, or all with --out)")
	fl.StringVarP(&f.out, "out", "o", "", "write the outputs into this directory")
	fl.StringVar(&f.kinds, "kinds", "", "decide change kinds with this YAML rule file instead of the study's")
	_ = cmd.MarkFlagRequired("db")
	return cmd
}

func runReport(cmd *cobra.Command, f *reportFlags) error {
	ctx := cmd.Context()
	if _, err := os.Stat(f.db); err != nil {
		return fmt.Errorf("results database: %w", err)
	}
	db, err := store.Open(ctx, f.db)
	if err != nil {
		return err
	}
	defer db.Close()
	var rec store.RunRecord
	if f.run > 0 {
		if rec, err = db.Run(ctx, f.run); err != nil {
			return err
		}
	} else if rec, err = db.LastRun(ctx, store.StatusComplete); err != nil {
		return err
	}
	if rec.Status != store.StatusComplete || len(rec.Info) == 0 {
		return fmt.Errorf("run %d is %s: only a complete run can be rendered", rec.ID, rec.Status)
	}
	var info runInfo
	if err := json.Unmarshal(rec.Info, &info); err != nil {
		return fmt.Errorf("run %d: record: %w", rec.ID, err)
	}
	results, err := db.Results(ctx, rec.ID)
	if err != nil {
		return err
	}
	meta := info.Meta
	if f.kinds != "" {
		kc, err := kinds.Load(f.kinds)
		if err != nil {
			return err
		}
		meta.KindsHash, meta.KindsRule = kc.Hash(), kc.Describe()
		for _, r := range results {
			r.Kind = kc.Kind(r.Commit, r.Message)
		}
	} else {
		for _, r := range results {
			r.Kind = info.Kinds[r.Commit]
		}
	}
	rep := study.Build(meta, results, info.Exclusions)
	if len(info.Releases) > 0 || len(info.ReleaseOrder) > 0 {
		rep.Releases = info.Releases
		rep.GroupByRelease(results, info.ReleaseOf, info.ReleaseOrder)
	}
	formats := f.formats
	if f.out == "" {
		if len(formats) == 0 {
			formats = []string{"table"}
		}
		if len(formats) != 1 {
			return fmt.Errorf("without --out, give one format (got %s)", strings.Join(formats, ","))
		}
		if formats[0] == outFigures {
			return fmt.Errorf("figures are files: give --out DIR")
		}
		var figs []study.Figure
		if formats[0] == outMarkdown || formats[0] == outHTML {
			if figs, err = renderFigures(rep, ""); err != nil {
				return err
			}
		}
		return renderOutput(cmd.OutOrStdout(), formats[0], rep, results, figs)
	}
	if len(formats) == 0 {
		formats = allOutputs
	}
	for _, fm := range formats {
		if _, ok := outputFile[fm]; !ok && fm != outFigures {
			return fmt.Errorf("unknown format %q for --out (want %s)", fm, strings.Join(allOutputs, ", "))
		}
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	if err := writeStudy(f.out, formats, rep, results); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "run %d (%d commits) rendered into %s\n", rec.ID, len(results), f.out)
	return nil
}
