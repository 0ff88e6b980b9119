package testrepo

import (
	"testing"
)

// TestBuildPackedMatchesBuild: the packed builder makes the same history,
// hash for hash, as the one that stages a work tree.
func TestBuildPackedMatchesBuild(t *testing.T) {
	commits := []Commit{
		{Files: map[string]string{"a.c": "int a;\n", "src/x/y.h": "int y;\n", "src/x.c": "int x;\n", "src-z.c": "int z;\n"}},
		{Files: map[string]string{"a.c": "int a = 1;\n", "src/x/y.h": "int y;\n"}, Symlinks: map[string]string{"src/link.h": "x/y.h"}, Message: "second"},
		{Files: map[string]string{"a.c": "int a = 1;\n"}, Parents: []int{0}, Tag: "side"},
		{Files: map[string]string{"a.c": "int a = 2;\n"}, Merge: []int{1}},
	}
	staged, err := Build(t.TempDir(), commits)
	if err != nil {
		t.Fatal(err)
	}
	packed, err := BuildPacked(t.TempDir(), commits)
	if err != nil {
		t.Fatal(err)
	}
	for i := range staged {
		if staged[i] != packed[i] {
			t.Errorf("commit %d: staged %s, packed %s", i, staged[i], packed[i])
		}
	}
}
