package gate

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/dynupd/dynupd-analyze/classifiers"
)

// FingerprintKey is the key of the SARIF partialFingerprints entry (and the
// scheme of the GitLab fingerprint) that identifies a finding across runs.
const FingerprintKey = "dynupdFinding/v1"

// Fingerprints returns one stable fingerprint per finding, in order: the hex
// SHA-256 of "rule|entity|file" (file of the new side, else the old side).
// Line numbers are left out, so a finding keeps its fingerprint when
// unrelated edits move it. The n-th repeat (n ≥ 1) of the same triple in
// one list hashes "rule|entity|file|n", so fingerprints stay unique.
func Fingerprints(fs []classifiers.Finding) []string {
	out := make([]string, len(fs))
	seen := map[string]int{}
	for i, f := range fs {
		file := ""
		if l := loc(f); l != nil {
			file = l.File
		}
		key := f.Rule + "|" + f.Entity + "|" + file
		n := seen[key]
		seen[key] = n + 1
		if n > 0 {
			key += "|" + strconv.Itoa(n)
		}
		sum := sha256.Sum256([]byte(key))
		out[i] = hex.EncodeToString(sum[:])
	}
	return out
}

// errWriter writes formatted text and keeps the first error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err != nil {
		return
	}
	if _, err := fmt.Fprintf(e.w, format, args...); err != nil {
		e.err = err
	}
}

func (e *errWriter) write(b []byte) {
	if e.err != nil {
		return
	}
	if _, err := e.w.Write(b); err != nil {
		e.err = err
	}
}

// passWord renders a pass/fail flag.
func passWord(fails bool) string {
	if fails {
		return "FAIL"
	}
	return "PASS"
}

// short abbreviates a commit hash to 12 characters.
func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// tierPhrase renders a tier for a sentence: "tier T1", or "outside the
// tiers" for a verdict no tier holds.
func tierPhrase(t classifiers.Tier) string {
	if t == classifiers.TierNone {
		return "outside the tiers"
	}
	return "tier " + t.String()
}

// analysisLine says how the Go code was analysed.
func analysisLine(r *Report) string {
	a := r.Analysis
	if a == "" {
		a = "syntactic"
	}
	if r.AnalysisNote != "" {
		return a + " (" + r.AnalysisNote + ")"
	}
	return a
}

// errNilReport is returned by every writer given no report.
var errNilReport = errors.New("gate: no report to write")
