package analyzer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/config"
	"github.com/dynupd/dynupd-analyze/internal/testrepo"
)

// history generates a repository whose commits exercise the tree index
// (typedefs, public headers, callers) from many workers at once.
func history(n int) []testrepo.Commit {
	var out []testrepo.Commit
	files := map[string]string{
		"include/api.h": "#ifndef API_H\n#define API_H\ntypedef unsigned char byte_t;\nint api_get(int k);\n#endif\n",
		"src/util.h":    "#ifndef UTIL_H\n#define UTIL_H\n#include \"api.h\"\n#define LIMIT 10\nstruct rec { byte_t tag; int n; };\nstatic inline int twice(int x) { return 2 * x; }\n#endif\n",
		"src/main.c":    "#include \"util.h\"\nint main(void) { return api_get(1); }\n",
		"src/api.c":     "#include \"util.h\"\nstatic int helper(int k) { return k + LIMIT; }\nint api_get(int k) { return helper(k); }\n",
		"README.md":     "hello\n",
	}
	clone := func() map[string]string {
		m := map[string]string{}
		for k, v := range files {
			m[k] = v
		}
		return m
	}
	out = append(out, testrepo.Commit{Files: clone()})
	for i := 1; i < n; i++ {
		switch i % 6 {
		case 0:
			files["src/api.c"] = strings.Replace(files["src/api.c"], "k + ", fmt.Sprintf("k + %d + ", i), 1)
		case 1:
			files["src/util.h"] = strings.Replace(files["src/util.h"], "int n;", fmt.Sprintf("int n; int f%d;", i), 1)
		case 2:
			files["src/util.h"] = strings.Replace(files["src/util.h"], "2 * x", fmt.Sprintf("%d * x", i), 1)
		case 3:
			files["include/api.h"] = strings.Replace(files["include/api.h"], "int k", fmt.Sprintf("int k%d", i), 1)
		case 4:
			files[fmt.Sprintf("src/gen%d.c", i)] = fmt.Sprintf("#include \"util.h\"\nint gen%d(void) { return twice(%d); }\n", i, i)
		case 5:
			files["README.md"] += "more\n"
		}
		out = append(out, testrepo.Commit{Files: clone()})
	}
	return out
}

func scanJSON(t *testing.T, dir string, jobs int) []byte {
	t.Helper()
	a, err := analyzer.New(dir, analyzer.Options{Jobs: jobs, Config: &config.Config{}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	sum, err := a.Run(context.Background(), func(r *analyzer.Result) error { return enc.Encode(r) })
	if err != nil {
		t.Fatal(err)
	}
	sum.Repository = ""
	if err := enc.Encode(sum); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDeterministic requires byte-identical results whatever the number of
// workers, and across runs.
func TestDeterministic(t *testing.T) {
	dir := t.TempDir()
	if _, err := testrepo.Build(dir, history(60)); err != nil {
		t.Fatal(err)
	}
	one := scanJSON(t, dir, 1)
	for _, jobs := range []int{1, 4, 8} {
		if got := scanJSON(t, dir, jobs); !bytes.Equal(one, got) {
			t.Fatalf("jobs=%d gives different JSON than jobs=1", jobs)
		}
	}
	if !bytes.Contains(one, []byte(`"C-STRUCT-LAYOUT"`)) || !bytes.Contains(one, []byte(`"C-INLINE-INTERNAL"`)) {
		t.Fatalf("the generated history should exercise the tree index:\n%s", one)
	}
}

// TestRangesAndMerges checks revision ranges, the root commit, and that
// merges are skipped and counted.
func TestRangesAndMerges(t *testing.T) {
	dir := t.TempDir()
	commits := history(5)
	commits = append(commits, testrepo.Commit{Files: commits[4].Files, Merge: []int{2}, Message: "merge"})
	hashes, err := testrepo.Build(dir, commits)
	if err != nil {
		t.Fatal(err)
	}
	run := func(rng string, merges bool) ([]*analyzer.Result, *analyzer.Summary) {
		a, err := analyzer.New(dir, analyzer.Options{Range: rng, Jobs: 2, Merges: merges, Config: &config.Config{}})
		if err != nil {
			t.Fatal(err)
		}
		var rs []*analyzer.Result
		sum, err := a.Run(context.Background(), func(r *analyzer.Result) error { rs = append(rs, r); return nil })
		if err != nil {
			t.Fatal(err)
		}
		return rs, sum
	}
	all, sum := run("", false)
	if len(all) != 5 || sum.Merges != 1 {
		t.Fatalf("HEAD: %d commits, %d merges; want 5 and 1", len(all), sum.Merges)
	}
	if all[0].Commit != hashes[4].String() || all[4].Commit != hashes[0].String() {
		t.Errorf("want newest first: %s … %s", all[0].Commit, all[4].Commit)
	}
	if all[4].Verdict != classifiers.LivePatchable || len(all[4].Parents) != 0 {
		t.Errorf("root commit: verdict %s parents %v; want live-patchable (everything added) and none", all[4].Verdict, all[4].Parents)
	}
	rs, _ := run(hashes[1].String()+".."+hashes[3].String(), false)
	if len(rs) != 2 || rs[0].Commit != hashes[3].String() || rs[1].Commit != hashes[2].String() {
		t.Errorf("A..B: got %d commits", len(rs))
	}
	rs, _ = run(hashes[2].String()+"^!", false)
	if len(rs) != 1 || rs[0].Commit != hashes[2].String() {
		t.Errorf("REV^!: got %d commits", len(rs))
	}
	rs, sum = run("", true)
	if len(rs) != 6 || sum.Merges != 0 {
		t.Errorf("--merges: %d commits", len(rs))
	}
	a, err := analyzer.New(dir, analyzer.Options{Range: "nosuchref", Config: &config.Config{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Run(context.Background(), func(*analyzer.Result) error { return nil }); err == nil || !strings.Contains(err.Error(), "nosuchref") {
		t.Errorf("unknown revision: err = %v", err)
	}
}

// TestPathsAndMaxCommits checks the path filter and the commit limit.
func TestPathsAndMaxCommits(t *testing.T) {
	dir := t.TempDir()
	if _, err := testrepo.Build(dir, history(13)); err != nil {
		t.Fatal(err)
	}
	a, err := analyzer.New(dir, analyzer.Options{Paths: []string{"README.md"}, Jobs: 3, Config: &config.Config{}})
	if err != nil {
		t.Fatal(err)
	}
	var rs []*analyzer.Result
	sum, err := a.Run(context.Background(), func(r *analyzer.Result) error { rs = append(rs, r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		for _, f := range r.Files {
			if f.Path != "README.md" {
				t.Errorf("%s: file %s outside --paths", r.Commit[:8], f.Path)
			}
		}
	}
	if len(rs) != 3 || sum.Filtered != 10 { // the root commit and commits 5 and 11
		t.Errorf("--paths README.md: %d commits, %d filtered out", len(rs), sum.Filtered)
	}
	a, _ = analyzer.New(dir, analyzer.Options{Paths: []string{"README.md"}, MaxCommits: 2, Jobs: 3, Config: &config.Config{}})
	rs = nil
	if _, err := a.Run(context.Background(), func(r *analyzer.Result) error { rs = append(rs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 {
		t.Errorf("--max-commits 2 with --paths: %d commits", len(rs))
	}
}
