package reports

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/dynupd/dynupd-analyze/analyzer"
)

// jsonWriter writes one object {"commits": [...], "summary": {...}},
// streaming the commits as they come.
type jsonWriter struct {
	w     io.Writer
	n     int
	err   error
	begun bool
}

func (j *jsonWriter) write(s string) {
	if j.err == nil {
		_, j.err = io.WriteString(j.w, s)
	}
}

func (j *jsonWriter) Commit(r *analyzer.Result) error {
	if !j.begun {
		j.write("{\"commits\": [\n")
		j.begun = true
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode commit %s: %w", r.Commit, err)
	}
	if j.n > 0 {
		j.write(",\n")
	}
	j.n++
	j.write(string(b))
	return j.err
}

func (j *jsonWriter) Close(s *analyzer.Summary) error {
	if !j.begun {
		j.write("{\"commits\": [\n")
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode summary: %w", err)
	}
	j.write("\n],\n\"summary\": " + string(b) + "}\n")
	return j.err
}

// jsonlWriter writes one commit per line, then {"summary": {...}}.
type jsonlWriter struct {
	w io.Writer
}

func (j *jsonlWriter) Commit(r *analyzer.Result) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode commit %s: %w", r.Commit, err)
	}
	_, err = fmt.Fprintf(j.w, "%s\n", b)
	return err
}

func (j *jsonlWriter) Close(s *analyzer.Summary) error {
	b, err := json.Marshal(map[string]any{"summary": s})
	if err != nil {
		return fmt.Errorf("encode summary: %w", err)
	}
	_, err = fmt.Fprintf(j.w, "%s\n", b)
	return err
}
