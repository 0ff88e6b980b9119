package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/patchgen"
	"github.com/spf13/cobra"
)

type patchFlags struct {
	out     string
	target  string
	include []string
	force   bool
	// goproxy is the GOPROXY of the Go check ("": the module cache only).
	goproxy string
}

func newPatchCmd(g *globals) *cobra.Command {
	f := &patchFlags{}
	cmd := &cobra.Command{
		Use:   "patch REV|RANGE -o DIR",
		Short: "Write candidate live-patch modules for the patchable commits, checked against the old program",
		Long: `patch writes, for every live-patchable commit of REV (one commit) or RANGE
(A..B), a candidate live-patch module into DIR/<commit>-<target>/ and checks
that its new code compiles against the OLD program, which is what it will run
against: Go packages are type-checked with the module overlaid on the old
tree; C replacements are compiled with gcc in the context of the old
translation unit. A candidate that does not compile raises the commit's
verdict with a PATCH-COMPILE finding quoting the first error; a check that
cannot be attempted (missing system or generated headers, dependencies not in
the module cache) is recorded in manifest.json and is not held against the
change.

Targets (--target; default chosen per commit from the tree): klp (Linux kernel
livepatch module + Kbuild + the filtered diff), ulp (user space, libpulp
description + Makefile), go (one file per package + a symbol map).
--include interface-internal also writes modules for interface-internal
commits, replacing their patch closure too. Nothing outside DIR is written;
an existing non-empty DIR needs --force.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runPatch(cmd, g, f, args[0]) },
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.out, "out", "o", "", "directory for the modules (required)")
	fl.StringVar(&f.target, "target", "", "klp, ulp or go (default: from the tree)")
	fl.StringSliceVar(&f.include, "include", nil, "also make modules for these verdicts (interface-internal)")
	fl.BoolVar(&f.force, "force", false, "write into a non-empty output directory, replacing modules of the same name")
	fl.StringVar(&f.goproxy, "goproxy", "", "GOPROXY of the Go compile check (default: dependencies only from the module cache, read-only)")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

// patchRange turns the argument into a range: "A..B" as it is, a single
// revision as that one commit.
func patchRange(arg string) string {
	if strings.Contains(arg, "..") || strings.HasSuffix(arg, "^!") {
		return arg
	}
	return arg + "^!"
}

// patchSummary is DIR/summary.json: one entry per module written.
type patchSummary struct {
	Modules []patchEntry `json:"modules"`
}

type patchEntry struct {
	Commit   string `json:"commit"`
	Subject  string `json:"subject"`
	Target   string `json:"target"`
	Dir      string `json:"dir"`
	Verdict  string `json:"verdict"`
	Raised   string `json:"raised_to,omitempty"`
	Check    string `json:"check"`
	Detail   string `json:"detail,omitempty"`
	Replaced int    `json:"functions"`
}

func runPatch(cmd *cobra.Command, g *globals, f *patchFlags, arg string) error {
	ctx := cmd.Context()
	include := map[classifiers.Verdict]bool{classifiers.LivePatchable: true}
	for _, v := range f.include {
		vv, err := classifiers.ParseVerdict(v)
		if err != nil || vv != classifiers.InterfaceInternal {
			return fmt.Errorf("--include: only interface-internal can be included (got %q)", v)
		}
		include[vv] = true
	}
	switch f.target {
	case "", "klp", "ulp", "go":
	default:
		return fmt.Errorf("--target: want klp, ulp or go (got %q)", f.target)
	}
	if err := prepareOut(f.out, f.force); err != nil {
		return err
	}
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	a, err := analyzer.New(g.repo, analyzer.Options{Range: patchRange(arg), Jobs: g.jobs, Config: cfg, Logger: g.logger(), NoCompiler: g.noCompiler})
	if err != nil {
		return err
	}
	var results []*analyzer.Result
	if _, err := a.Run(ctx, func(r *analyzer.Result) error {
		if include[r.Verdict] {
			results = append(results, r)
		}
		return nil
	}); err != nil {
		return err
	}
	entries, err := patchAll(ctx, a, results, f, include[classifiers.InterfaceInternal], g.jobs)
	if err != nil {
		return err
	}
	sum := patchSummary{Modules: entries}
	if err := writeJSON(filepath.Join(f.out, "summary.json"), sum); err != nil {
		return err
	}
	return printPatchSummary(cmd.OutOrStdout(), sum, len(results))
}

// patchAll writes the modules of every result with jobs workers (each
// module has its own directory and temporary export, so they do not
// share files), and returns their entries in the order of the results.
// The first error stops the others.
func patchAll(ctx context.Context, a *analyzer.Analyzer, results []*analyzer.Result, f *patchFlags, closures bool, jobs int) ([]patchEntry, error) {
	if jobs <= 0 {
		jobs = runtime.NumCPU()
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	per := make([][]patchEntry, len(results))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(jobs, len(results)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				entries, err := patchOne(ctx, a, results[i], f, closures)
				if err != nil {
					cancel(fmt.Errorf("commit %s: %w", short(results[i].Commit), err))
					continue
				}
				per[i] = entries
			}
		}()
	}
feed:
	for i := range results {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	var out []patchEntry
	for _, e := range per {
		out = append(out, e...)
	}
	return out, nil
}

// prepareOut makes the output directory, refusing a non-empty one without
// --force.
func prepareOut(dir string, force bool) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return os.MkdirAll(dir, 0o755)
	case err != nil:
		return fmt.Errorf("output directory: %w", err)
	case len(entries) > 0 && !force:
		return fmt.Errorf("output directory %s is not empty (--force to write into it)", dir)
	}
	return nil
}

// patchOne writes the modules of one commit: one per target its functions
// need (C and Go functions of one commit go to separate modules).
func patchOne(ctx context.Context, a *analyzer.Analyzer, r *analyzer.Result, f *patchFlags, closures bool) ([]patchEntry, error) {
	funcs, left := patchgen.Select(r, closures)
	kernel := sync.OnceValue(func() bool { return kernelTree(a, r) })
	byTarget := map[string][]patchgen.Func{}
	var order []string
	for _, fn := range funcs {
		t := targetOf(fn.File, f.target, kernel)
		if t == "" {
			left = append(left, patchgen.LeftOut{Entity: "func " + fn.Name, Rule: fn.Rule, Reason: "not a C or Go file of the chosen target"})
			continue
		}
		if byTarget[t] == nil {
			order = append(order, t)
		}
		byTarget[t] = append(byTarget[t], fn)
	}
	var out []patchEntry
	for _, t := range order {
		gen, err := generatorFor(t, f.goproxy)
		if err != nil {
			return nil, err
		}
		name := r.Commit[:12] + "-" + t
		dir := filepath.Join(f.out, name)
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("module %s: %w", name, err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("module %s: %w", name, err)
		}
		m, err := gen.Generate(ctx, patchgen.Input{Result: r, Source: a, Funcs: byTarget[t], LeftOut: left}, dir)
		if err != nil {
			return nil, fmt.Errorf("module %s: %w", name, err)
		}
		m.Commit, m.Subject, m.Verdict, m.Target = r.Commit, r.Subject, r.Verdict.String(), t
		if m.LeftOut == nil {
			m.LeftOut = left
		}
		e := patchEntry{Commit: r.Commit, Subject: r.Subject, Target: t, Dir: name, Verdict: r.Verdict.String(), Replaced: len(m.Functions), Check: patchgen.CheckNotAttempted}
		for _, c := range m.Checks {
			e.Check, e.Detail = c.Status, c.Detail
			if c.Status == patchgen.CheckFailed {
				break
			}
		}
		if m.Finding != nil && m.Finding.Verdict > r.Verdict {
			e.Raised = m.Finding.Verdict.String()
		}
		if err := writeJSON(filepath.Join(dir, "manifest.json"), m); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func writeJSON(path string, v any) error {
	return writeFileAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

func printPatchSummary(w io.Writer, sum patchSummary, commits int) error {
	passed, failed, na := 0, 0, 0
	for _, e := range sum.Modules {
		line := fmt.Sprintf("%s  %-3s  %-18s  %2d functions  check %s", short(e.Commit), e.Target, e.Verdict, e.Replaced, e.Check)
		switch e.Check {
		case patchgen.CheckPassed:
			passed++
		case patchgen.CheckFailed:
			failed++
			line += fmt.Sprintf(" → verdict raised to %s by PATCH-COMPILE: %s", orDash(e.Raised), e.Detail)
		default:
			na++
			if e.Detail != "" {
				line += " (" + e.Detail + ")"
			}
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%d patchable commits, %d modules: %d compile against the old program, %d do not, %d could not be checked\n",
		commits, len(sum.Modules), passed, failed, na)
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// targetOf chooses the module target of a function's file: go for Go,
// klp for C in a Linux kernel tree, ulp for other C; "" when the file is
// neither or --target names the other language.
func targetOf(file, flag string, kernel func() bool) string {
	var t string
	switch strings.ToLower(filepath.Ext(file)) {
	case ".go":
		t = "go"
	case ".c", ".h":
		if flag == "klp" || flag == "ulp" {
			return flag
		}
		t = "ulp"
		if kernel() {
			t = "klp"
		}
	}
	if flag != "" && flag != t {
		return ""
	}
	return t
}

// kernelTree reports whether the new tree of a result is a Linux kernel
// tree: its top-level Kbuild and Kconfig and include/linux/module.h.
func kernelTree(a *analyzer.Analyzer, r *analyzer.Result) bool {
	for _, p := range []string{"Kbuild", "Kconfig", "include/linux/module.h"} {
		if _, err := a.FileAt(r.NewTree, p); err != nil {
			return false
		}
	}
	return true
}
