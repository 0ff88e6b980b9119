package reports

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/dynupd/dynupd-analyze/analyzer"
)

// csvWriter writes one row per commit with its deciding rules.
type csvWriter struct {
	w     *csv.Writer
	begun bool
}

func newCSVWriter(w io.Writer) *csvWriter { return &csvWriter{w: csv.NewWriter(w)} }

func (c *csvWriter) Commit(r *analyzer.Result) error {
	if !c.begun {
		c.begun = true
		if err := c.w.Write([]string{"commit", "date", "author", "subject", "kind", "verdict", "tier", "deciding_rules", "findings", "files"}); err != nil {
			return err
		}
	}
	err := c.w.Write([]string{r.Commit, r.Date.UTC().Format(time.RFC3339), r.Author, r.Subject, r.Kind, r.Verdict.String(), r.Tier.String(),
		strings.Join(DecidingRules(r), " "), strconv.Itoa(len(r.Findings)), strconv.Itoa(len(r.Files))})
	return err
}

func (c *csvWriter) Close(*analyzer.Summary) error {
	if !c.begun {
		_ = c.w.Write([]string{"commit", "date", "author", "subject", "kind", "verdict", "tier", "deciding_rules", "findings", "files"})
	}
	c.w.Flush()
	return c.w.Error()
}
