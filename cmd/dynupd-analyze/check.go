package main

import (
	"bytes"
	"fmt"
	"github.com/dynupd/dynupd-analyze/analyzer/history"
	"io"
	"os"
	"strings"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/gate"
	"github.com/spf13/cobra"
)

type checkFlags struct {
	base, head string
	formats    []string
	outputs    map[string]*string
	typed      bool
	goproxy    string
}

// checkFormats are the formats check writes, in the order they are
// written to stdout.
var checkFormats = []string{"text", "markdown", "json", "sarif", "github", "codequality"}

func newCheckCmd(g *globals) *cobra.Command {
	f := &checkFlags{outputs: map[string]*string{}}
	cmd := &cobra.Command{
		Use:   "check --base REF [--head REF]",
		Short: "CI gate: is this pull request still live-patchable?",
		Long: `check analyses a pull request's net change — from the merge-base of --base and
--head (default HEAD) to --head — as one change, and each of its commits, and
judges the net change by the policy of .dynupd.yaml as it is on --base, so
a pull request cannot relax its own gate (--config FILE to give another):
policy: fail-on, allow-rules, allow-paths, allow-unknown; docs/ci.md.

Exit codes: 0 the change meets the policy, 1 it does not, 2 the tool failed
(bad ref, unreadable repository, bad configuration).

Formats (--format, comma-separated; each to stdout or to --output-FORMAT FILE):
text, markdown (a PR comment; also appended to $GITHUB_STEP_SUMMARY when it is
set), json, sarif (SARIF 2.1.0 for code scanning), github (workflow commands;
written to stdout by default when GITHUB_ACTIONS=true), codequality (GitLab).
Go code is loaded with types when the module loads (GOPROXY=off unless
--goproxy), syntactically otherwise; the report says which.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runCheck(cmd, g, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.base, "base", "", "the branch the pull request goes into (required)")
	fl.StringVar(&f.head, "head", "HEAD", "the pull request's tip")
	fl.StringSliceVar(&f.formats, "format", nil, "formats on stdout, comma-separated: "+strings.Join(checkFormats, ", ")+" (default text)")
	for _, name := range checkFormats {
		f.outputs[name] = fl.String("output-"+name, "", "write the "+name+" output to this file")
	}
	fl.BoolVar(&f.typed, "typed", true, "load Go packages with types when they load (false: syntax only)")
	fl.StringVar(&f.goproxy, "goproxy", "", "GOPROXY for typed loading (default off: the module cache only)")
	_ = cmd.MarkFlagRequired("base")
	return cmd
}

func runCheck(cmd *cobra.Command, g *globals, f *checkFlags) error {
	ctx := cmd.Context()
	for _, fm := range f.formats {
		if _, ok := f.outputs[fm]; !ok {
			return fmt.Errorf("unknown format %q (want %s)", fm, strings.Join(checkFormats, ", "))
		}
	}
	// The configuration, and so the policy, is the base branch's: a pull
	// request cannot relax its own gate. --config overrides it.
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	if cfg == nil {
		if cfg, err = analyzer.ConfigAt(g.repo, f.base); err != nil {
			return fmt.Errorf("--base: %w", err)
		}
	}
	a, err := analyzer.New(g.repo, analyzer.Options{Jobs: g.jobs, Config: cfg, Logger: g.logger(), NoCompiler: g.noCompiler, Backend: history.Backend(g.backend), GoProxy: f.goproxy})
	if err != nil {
		return err
	}
	pol, err := gate.PolicyFrom(a.Config().Policy, gate.WithAllowUnknown(a.Config().Policy.AllowUnknown))
	if err != nil {
		return fmt.Errorf("config: policy: %w", err)
	}
	head, err := a.Resolve(f.head)
	if err != nil {
		return fmt.Errorf("--head: %w", err)
	}
	if _, err := a.Resolve(f.base); err != nil {
		return fmt.Errorf("--base: %w", err)
	}
	mb, err := a.MergeBase(f.base, head)
	if err != nil {
		return err
	}
	commits, _, err := a.CommitsIn(ctx, mb+".."+head)
	if err != nil {
		return err
	}
	var results []*analyzer.Result
	if err := a.RunCommits(ctx, commits, func(r *analyzer.Result) error {
		if r != nil {
			results = append(results, r)
		}
		return nil
	}); err != nil {
		return err
	}
	net, err := a.Diff(ctx, analyzer.DiffOptions{Base: mb, Head: head, Typed: f.typed})
	if err != nil {
		return err
	}
	rep := &gate.Report{
		Repository: g.repo, Base: f.base, Head: f.head, MergeBase: mb,
		Analysis: net.Analysis, AnalysisNote: net.AnalysisNote, Policy: pol,
		Net:         pol.Evaluate("net change", net),
		ToolVersion: analyzer.Version, RulesVersion: classifiers.RulesVersion,
	}
	for _, r := range results {
		rep.Commits = append(rep.Commits, pol.Evaluate(short(r.Commit), r))
	}
	rep.Pass = !rep.Net.Fails
	if err := writeCheck(cmd.OutOrStdout(), f, rep); err != nil {
		return err
	}
	if !rep.Pass {
		return &exitError{code: 1}
	}
	return nil
}

// writeCheck writes every format asked for: to its --output-FORMAT file
// when given, else to stdout; text when nothing is asked for; the GitHub
// workflow commands on stdout under GitHub Actions; the Markdown summary
// appended to $GITHUB_STEP_SUMMARY when it is set.
func writeCheck(stdout io.Writer, f *checkFlags, rep *gate.Report) error {
	toStdout := map[string]bool{}
	for _, fm := range f.formats {
		toStdout[fm] = true
	}
	anyFile := false
	for _, p := range f.outputs {
		anyFile = anyFile || *p != ""
	}
	if len(f.formats) == 0 && !anyFile {
		toStdout["text"] = true
	}
	if os.Getenv("GITHUB_ACTIONS") == "true" {
		toStdout["github"] = true
	}
	for _, fm := range checkFormats {
		if !toStdout[fm] && *f.outputs[fm] == "" {
			continue
		}
		var buf bytes.Buffer
		if err := renderCheck(&buf, fm, rep); err != nil {
			return err
		}
		if p := *f.outputs[fm]; p != "" {
			if err := writeFileAtomic(p, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err }); err != nil {
				return err
			}
		}
		if toStdout[fm] && *f.outputs[fm] == "" {
			if _, err := stdout.Write(buf.Bytes()); err != nil {
				return err
			}
		}
	}
	if p := os.Getenv("GITHUB_STEP_SUMMARY"); p != "" {
		file, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return fmt.Errorf("GITHUB_STEP_SUMMARY: %w", err)
		}
		werr := gate.WriteMarkdown(file, rep)
		if err := file.Close(); werr == nil {
			werr = err
		}
		if werr != nil {
			return fmt.Errorf("GITHUB_STEP_SUMMARY: %w", werr)
		}
	}
	return nil
}

func renderCheck(w io.Writer, format string, rep *gate.Report) error {
	switch format {
	case "text":
		return gate.WriteText(w, rep)
	case "markdown":
		return gate.WriteMarkdown(w, rep)
	case "json":
		return gate.WriteJSON(w, rep)
	case "sarif":
		return gate.WriteSARIF(w, rep, classifiers.NewRegistry())
	case "github":
		return gate.WriteGitHubAnnotations(w, rep)
	case "codequality":
		return gate.WriteCodeQuality(w, rep)
	}
	return fmt.Errorf("unknown format %q", format)
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
