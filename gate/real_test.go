package gate

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/config"
	"github.com/dynupd/dynupd-analyze/internal/sariftest"
	"github.com/dynupd/dynupd-analyze/internal/testrepo"
)

// TestRealDiffThroughEveryWriter judges a net change the analyser computed
// from a real repository, and checks every writer on it.
func TestRealDiffThroughEveryWriter(t *testing.T) {
	const base = `struct conn { int fd; };
static int step(int x) { return x + 1; }
int run(struct conn *c) { return step(c->fd); }
`
	head := strings.Replace(strings.Replace(base, "int fd; };", "int fd; int flags; };", 1), "x + 1", "x + 2", 1)
	dir := t.TempDir()
	hs, err := testrepo.Build(dir, []testrepo.Commit{
		{Files: map[string]string{"src/net.c": base}, Message: "base"},
		{Files: map[string]string{"src/net.c": head}, Message: "grow conn"},
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := analyzer.New(dir, analyzer.Options{NoCompiler: true, Config: &config.Config{}})
	if err != nil {
		t.Fatal(err)
	}
	net, err := a.Diff(context.Background(), analyzer.DiffOptions{Base: hs[0].String(), Head: hs[1].String()})
	if err != nil {
		t.Fatal(err)
	}
	p, err := PolicyFrom(config.Policy{FailOn: "state-transfer"})
	if err != nil {
		t.Fatal(err)
	}
	r := &Report{Repository: dir, Base: hs[0].String(), Head: hs[1].String(), MergeBase: hs[0].String(),
		Policy: p, Net: p.Evaluate("net change", net), ToolVersion: analyzer.Version, RulesVersion: classifiers.RulesVersion}
	r.Pass = !r.Net.Fails
	if r.Pass || r.Net.Verdict != classifiers.StateTransfer {
		t.Fatalf("net change: pass %v, verdict %s, findings %v", r.Pass, r.Net.Verdict, r.Net.Findings)
	}
	var text, md, js, sr, gh, cq bytes.Buffer
	for name, err := range map[string]error{
		"text": WriteText(&text, r), "markdown": WriteMarkdown(&md, r), "json": WriteJSON(&js, r),
		"sarif": WriteSARIF(&sr, r, classifiers.NewRegistry()), "github": WriteGitHubAnnotations(&gh, r), "codequality": WriteCodeQuality(&cq, r),
	} {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	contains(t, "text", text.String(), "FAIL", "C-STRUCT-LAYOUT", "src/net.c:1")
	contains(t, "markdown", md.String(), "C-STRUCT-LAYOUT", "src/net.c:1")
	contains(t, "json", js.String(), `"rule": "C-STRUCT-LAYOUT"`, `"new": "src/net.c:1"`)
	contains(t, "github", gh.String(), "::error file=src/net.c,line=1")
	contains(t, "codequality", cq.String(), `"check_name": "C-STRUCT-LAYOUT"`)
	if err := sariftest.Validate(sr.Bytes()); err != nil {
		t.Errorf("SARIF of a real diff does not validate: %v", err)
	}
}
