// Package reports renders analysis results: a terminal table, JSON, JSON
// Lines and CSV, each as a streaming writer that receives commit results in
// order and the summary at the end.
package reports

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
)

// Writer renders a stream of commit results and a summary.
type Writer interface {
	Commit(r *analyzer.Result) error
	Close(s *analyzer.Summary) error
}

// Formats lists the formats New accepts.
var Formats = []string{"table", "json", "jsonl", "csv"}

// New returns a writer for a format.
func New(format string, w io.Writer) (Writer, error) {
	switch format {
	case "table":
		return &tableWriter{w: w}, nil
	case "json":
		return &jsonWriter{w: w}, nil
	case "jsonl":
		return &jsonlWriter{w: w}, nil
	case "csv":
		return newCSVWriter(w), nil
	}
	return nil, fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

// DecidingRules returns the distinct rules of the findings whose verdict is
// the commit's, sorted.
func DecidingRules(r *analyzer.Result) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range r.Findings {
		if f.Verdict == r.Verdict && !seen[f.Rule] {
			seen[f.Rule] = true
			out = append(out, f.Rule)
		}
	}
	sort.Strings(out)
	return out
}

// VerdictOrder lists verdict names from mild to severe.
func VerdictOrder() []string {
	var out []string
	for _, v := range classifiers.Verdicts {
		out = append(out, v.String())
	}
	return out
}
