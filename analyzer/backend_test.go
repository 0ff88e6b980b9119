package analyzer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/dynupd/dynupd-analyze/analyzer"
	githist "github.com/dynupd/dynupd-analyze/analyzer/history"
	"github.com/dynupd/dynupd-analyze/config"
	"github.com/dynupd/dynupd-analyze/internal/testrepo"
)

// TestBackendsSameResults: the git cat-file backend and go-git give
// byte-identical results for a whole history, loose objects and packed.
func TestBackendsSameResults(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	for _, packed := range []bool{false, true} {
		dir := t.TempDir()
		build := testrepo.Build
		if packed {
			build = testrepo.BuildPacked
		}
		if _, err := build(dir, history(30)); err != nil {
			t.Fatal(err)
		}
		run := func(b githist.Backend) []byte {
			a, err := analyzer.New(dir, analyzer.Options{Jobs: 2, Config: &config.Config{}, Backend: b})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			sum, err := a.Run(context.Background(), func(r *analyzer.Result) error { return enc.Encode(r) })
			if err != nil {
				t.Fatalf("%s: %v", b, err)
			}
			if err := enc.Encode(sum); err != nil {
				t.Fatal(err)
			}
			return buf.Bytes()
		}
		viaGit, viaGoGit := run(githist.BackendGit), run(githist.BackendGoGit)
		if !bytes.Equal(viaGit, viaGoGit) {
			t.Fatalf("packed=%v: the backends disagree", packed)
		}
		if !bytes.Contains(viaGit, []byte(`"C-STRUCT-LAYOUT"`)) {
			t.Fatalf("the history should reach the classifiers:\n%s", viaGit)
		}
	}
}
