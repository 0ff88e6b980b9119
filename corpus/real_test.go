package corpus

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestRealHistory prints the agreement between the tool and the hand
// labels of real commits when the repositories are present under
// $DYNUPD_REPOS (OWNER+NAME/repo); it is skipped otherwise. It measures,
// it does not judge: disagreements are studied, not asserted away.
func TestRealHistory(t *testing.T) {
	dir := os.Getenv("DYNUPD_REPOS")
	if dir == "" {
		t.Skip("set DYNUPD_REPOS to a directory of OWNER+NAME/repo git directories")
	}
	labels, err := LoadLabels("real")
	if err != nil {
		t.Fatal(err)
	}
	outs, err := RunLabels(context.Background(), labels, dir, "real")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	PrintAgreement(&b, outs)
	t.Log("\n" + b.String())
}

// TestLabelsParse keeps the label files well-formed.
func TestLabelsParse(t *testing.T) {
	labels, err := LoadLabels("real")
	if err != nil {
		t.Fatal(err)
	}
	repos := map[string]int{}
	for _, l := range labels {
		if len(l.Commit) != 40 {
			t.Errorf("%s: commit %q is not a full hash", l.Repo, l.Commit)
		}
		repos[l.Repo]++
	}
	if len(labels) < 40 || len(repos) < 3 {
		t.Errorf("%d labels from %d repositories, want ≥40 from ≥3", len(labels), len(repos))
	}
}
