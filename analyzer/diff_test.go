package analyzer_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/internal/testrepo"
)

const goMod = "module example.com/cluster\n\ngo 1.22\n"

// raftLike has two types with a method named Leader: syntax cannot tell
// their callers apart, types can.
var raftLike = map[string]string{
	"go.mod": goMod,
	"node/node.go": `package node

// Node is a member.
type Node struct{ leader string }

// Leader names the leader as this node sees it.
func (n *Node) Leader() string { return n.leader }

// Describe reports the leader.
func Describe(n *Node) string { return "leader " + n.Leader() }
`,
	"harness/harness.go": `package harness

// Cluster is a test harness of nodes.
type Cluster struct{ names []string }

// Leader returns the first node.
func (c *Cluster) Leader() string { return c.names[0] }

// Check asks the cluster for its leader.
func Check(c *Cluster) bool { return c.Leader() != "" }
`,
	"ids/ids.go": `package ids

// ID is a 16-byte identifier (comparable).
type ID [16]byte
`,
	"api/api.go": `package api

// Key identifies a record.
type Key struct {
	Bucket string
}
`,
}

func clone(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func needGo(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command: typed mode needs it")
	}
}

func buildTyped(t *testing.T) (string, *analyzer.Analyzer) {
	t.Helper()
	needGo(t)
	dir := t.TempDir()
	next := clone(raftLike)
	next["harness/harness.go"] = strings.Replace(next["harness/harness.go"], "return c.names[0]", "return c.names[len(c.names)-1]", 1)
	next["api/api.go"] = strings.Replace(next["api/api.go"], "\tBucket string\n", "\tBucket string\n\tOwner  ids.ID\n", 1)
	next["api/api.go"] = strings.Replace(next["api/api.go"], "package api\n", "package api\n\nimport \"example.com/cluster/ids\"\n", 1)
	if _, err := testrepo.Build(dir, []testrepo.Commit{{Files: raftLike}, {Files: next}}); err != nil {
		t.Fatal(err)
	}
	a, err := analyzer.New(dir, analyzer.Options{Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	return dir, a
}

func finding(r *analyzer.Result, rule, entity string) *classifiers.Finding {
	for i, f := range r.Findings {
		if f.Rule == rule && strings.Contains(f.Entity, entity) {
			return &r.Findings[i]
		}
	}
	return nil
}

// TestDiffTypedCallers: the closure of an inlinable method follows the
// receiver type in typed mode, its name in syntactic mode.
func TestDiffTypedCallers(t *testing.T) {
	_, a := buildTyped(t)
	ctx := context.Background()
	syn, err := a.Diff(ctx, analyzer.DiffOptions{Base: "HEAD~1", Head: "HEAD"})
	if err != nil {
		t.Fatal(err)
	}
	if syn.Analysis != "syntactic" {
		t.Errorf("analysis %q, want syntactic", syn.Analysis)
	}
	f := finding(syn, "GO-INLINABLE", "Cluster).Leader")
	if f == nil {
		t.Fatalf("no GO-INLINABLE for Cluster.Leader: %+v", syn.Findings)
	}
	if !slices.Contains(f.Closure, "node/node.go:Describe") {
		t.Errorf("syntactic closure %v should over-approximate by name (node.Describe calls a Leader)", f.Closure)
	}
	_, a2 := buildTyped(t)
	typ, err := a2.Diff(ctx, analyzer.DiffOptions{Base: "HEAD~1", Head: "HEAD", Typed: true})
	if err != nil {
		t.Fatal(err)
	}
	if typ.Analysis != "typed" {
		t.Fatalf("analysis %q (%s), want typed", typ.Analysis, typ.AnalysisNote)
	}
	f = finding(typ, "GO-INLINABLE", "Cluster).Leader")
	if f == nil {
		t.Fatalf("no GO-INLINABLE for Cluster.Leader in typed mode: %+v", typ.Findings)
	}
	if slices.Contains(f.Closure, "node/node.go:Describe") || !slices.Contains(f.Closure, "harness/harness.go:Check") {
		t.Errorf("typed closure %v: want harness.Check and not node.Describe", f.Closure)
	}
}

// TestDiffTypedAPI: a struct gains a field of a type of another package;
// syntax cannot tell whether the struct stays comparable (not lenient:
// GO-API-TYPE), types can (it does: no API break).
func TestDiffTypedAPI(t *testing.T) {
	ctx := context.Background()
	_, a := buildTyped(t)
	syn, err := a.Diff(ctx, analyzer.DiffOptions{Base: "HEAD~1", Head: "HEAD"})
	if err != nil {
		t.Fatal(err)
	}
	if finding(syn, "GO-API-TYPE", "Key") == nil {
		t.Errorf("syntactic: want an undecided GO-API-TYPE on Key, got %+v", syn.Findings)
	}
	_, a2 := buildTyped(t)
	typ, err := a2.Diff(ctx, analyzer.DiffOptions{Base: "HEAD~1", Head: "HEAD", Typed: true})
	if err != nil {
		t.Fatal(err)
	}
	if f := finding(typ, "GO-API-TYPE", "Key"); f != nil {
		t.Errorf("typed: Key stays comparable, want no GO-API-TYPE, got %+v", *f)
	}
	if finding(typ, "GO-STRUCT-LAYOUT", "Key") == nil {
		t.Errorf("typed: the layout still changed: want GO-STRUCT-LAYOUT, got %+v", typ.Findings)
	}
}

// TestDiffTypedAPIBreak: apidiff's incompatible changes decide in typed
// mode: a removed method and a changed signature.
func TestDiffTypedAPIBreak(t *testing.T) {
	needGo(t)
	dir := t.TempDir()
	next := clone(raftLike)
	next["node/node.go"] = strings.Replace(next["node/node.go"], "func Describe(n *Node) string", "func Describe(n *Node, verbose bool) string", 1)
	next["harness/harness.go"] = strings.Replace(next["harness/harness.go"], "// Leader returns the first node.\nfunc (c *Cluster) Leader() string { return c.names[0] }\n", "", 1)
	next["harness/harness.go"] = strings.Replace(next["harness/harness.go"], "c.Leader() != \"\"", "len(c.names) > 0", 1)
	if _, err := testrepo.Build(dir, []testrepo.Commit{{Files: raftLike}, {Files: next}}); err != nil {
		t.Fatal(err)
	}
	a, err := analyzer.New(dir, analyzer.Options{Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := a.Diff(context.Background(), analyzer.DiffOptions{Base: "HEAD~1", Head: "HEAD", Typed: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.Analysis != "typed" {
		t.Fatalf("analysis %q (%s), want typed", r.Analysis, r.AnalysisNote)
	}
	if r.Verdict != classifiers.InterfaceExternal {
		t.Errorf("verdict %s, want interface-external", r.Verdict)
	}
	if f := finding(r, "GO-SIG-EXPORTED", "Describe"); f == nil || !strings.Contains(f.Message, "apidiff") {
		t.Errorf("want apidiff's GO-SIG-EXPORTED on Describe, got %+v", r.Findings)
	}
	if f := finding(r, "GO-API-TYPE", "Cluster"); f == nil || !strings.Contains(f.Message, "removed") {
		t.Errorf("want apidiff's GO-API-TYPE on the removed method Cluster.Leader, got %+v", r.Findings)
	}
}

// TestDiffWorktree: uncommitted and untracked changes are the head side.
func TestDiffWorktree(t *testing.T) {
	dir := t.TempDir()
	if _, err := testrepo.Build(dir, []testrepo.Commit{{Files: raftLike}}); err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(raftLike["node/node.go"], `"leader " +`, `"leader: " +`, 1)
	if err := os.WriteFile(filepath.Join(dir, "node/node.go"), []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "node/extra.go"), []byte("package node\n\n// Extra is new.\nfunc Extra() int { return 1 }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := analyzer.New(dir, analyzer.Options{Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := a.Diff(context.Background(), analyzer.DiffOptions{Base: "HEAD"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Commit != "" {
		t.Errorf("a work tree has no commit hash, got %q", r.Commit)
	}
	if finding(r, "GO-INLINABLE", "Describe") == nil || finding(r, "GO-FUNC-ADDED", "Extra") == nil {
		t.Errorf("want Describe's body change and the untracked Extra, got %+v", r.Findings)
	}
	b, err := a.FileAt(r.NewTree, "node/extra.go")
	if err != nil || !strings.Contains(string(b), "func Extra") {
		t.Errorf("FileAt on the work tree snapshot: %q, %v", b, err)
	}
}

// TestDiffTypedFallback: a module that cannot be loaded offline leaves the
// syntactic result, and the result says so.
func TestDiffTypedFallback(t *testing.T) {
	needGo(t)
	dir := t.TempDir()
	broken := clone(raftLike)
	broken["go.mod"] = goMod + "\nrequire example.invalid/missing v1.2.3\n"
	broken["node/dep.go"] = "package node\n\nimport \"example.invalid/missing\"\n\nvar _ = missing.X\n"
	next := clone(broken)
	next["node/node.go"] = strings.Replace(next["node/node.go"], `"leader " +`, `"leader: " +`, 1)
	if _, err := testrepo.Build(dir, []testrepo.Commit{{Files: broken}, {Files: next}}); err != nil {
		t.Fatal(err)
	}
	a, err := analyzer.New(dir, analyzer.Options{Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := a.Diff(context.Background(), analyzer.DiffOptions{Base: "HEAD~1", Head: "HEAD", Typed: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("analysis %s: %s", r.Analysis, r.AnalysisNote)
	if r.AnalysisNote == "" {
		t.Errorf("analysis %q with no note: the failed load must be reported", r.Analysis)
	}
	if finding(r, "GO-INLINABLE", "Describe") == nil {
		t.Errorf("the syntactic findings must remain, got %+v", r.Findings)
	}
}
