package gotool

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInferRoot(t *testing.T) {
	tests := []struct {
		name    string
		dirs    []string
		imports []string
		want    string
	}{
		{"sub-package import", []string{".", "cmd", "internal/util"}, []string{"fmt", "github.com/x/tool/internal/util", "github.com/x/tool"}, "github.com/x/tool"},
		{"directory named like the repository", []string{".", "repo", "repo/sub"}, []string{"github.com/x/repo/repo", "github.com/x/repo/repo/sub"}, "github.com/x/repo"},
		{"nothing votes", []string{".", "a"}, []string{"fmt", "os"}, ""},
		{"a root without a dot or slash is not a module path", []string{".", "a"}, []string{"x/a"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			imps := map[string]bool{}
			for _, i := range tt.imports {
				imps[i] = true
			}
			if got := InferRoot(tt.dirs, imps); got != tt.want {
				t.Errorf("InferRoot = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSynthGoMod(t *testing.T) {
	if got := SynthGoMod("github.com/x/y", nil); !strings.HasPrefix(got, "module github.com/x/y\n") || !strings.Contains(got, "go "+GopathGoVersion) {
		t.Errorf("SynthGoMod = %q", got)
	}
	if got := SynthGoMod("", nil); !strings.HasPrefix(got, "module example.invalid/gopath\n") {
		t.Errorf("SynthGoMod(\"\") = %q", got)
	}
}

func TestLocalProxy(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("GOMODCACHE", dir)
	if got := LocalProxy(); got != "off" {
		t.Errorf("without a download cache LocalProxy = %q, want off", got)
	}
	if err := os.MkdirAll(filepath.Join(dir, "cache", "download"), 0o755); err != nil {
		t.Fatal(err)
	}
	want := "file://" + filepath.ToSlash(filepath.Join(dir, "cache", "download"))
	if got := LocalProxy(); got != want {
		t.Errorf("LocalProxy = %q, want %q", got, want)
	}
}

// TestCachedRequires: each outside import is required at the newest
// version of its module whose source archive is in the cache (a release
// over a newer pre-release; a version with only a go.mod is not taken);
// the tree's own imports and the standard library's are not required.
func TestCachedRequires(t *testing.T) {
	mc := t.TempDir()
	touch := func(rel string) {
		p := filepath.Join(mc, "cache", "download", filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	touch("github.com/acme/flag/@v/v1.0.3.zip")
	touch("github.com/acme/flag/@v/v1.0.9.zip")
	touch("github.com/acme/flag/@v/v1.0.10.mod") // read for a graph, never downloaded
	touch("github.com/acme/flag/@v/v1.1.0-rc.1.zip")
	touch("github.com/!burnt!sushi/toml/@v/v0.3.1.zip") // escaped upper case
	touch("gopkg.in/yaml.v2/@v/v2.2.8.zip")
	imports := map[string]bool{
		"fmt": true, "github.com/me/tool/sub": true,
		"github.com/acme/flag": true, "github.com/BurntSushi/toml": true,
		"gopkg.in/yaml.v2": true, "github.com/nobody/missing/pkg": true,
	}
	got := CachedRequires(mc, "github.com/me/tool", imports)
	want := []string{"github.com/BurntSushi/toml v0.3.1", "github.com/acme/flag v1.0.9", "gopkg.in/yaml.v2 v2.2.8"}
	if len(got) != len(want) {
		t.Fatalf("CachedRequires = %v, want %v", got, want)
	}
	for i, r := range got {
		if s := r.Path + " " + r.Version; s != want[i] {
			t.Errorf("requirement %d = %s, want %s", i, s, want[i])
		}
	}
	t.Setenv("GOMODCACHE", mc)
	if mod := SynthGoMod("github.com/me/tool", imports); !strings.Contains(mod, "\tgithub.com/acme/flag v1.0.9\n") {
		t.Errorf("SynthGoMod does not require the cached version:\n%s", mod)
	}
}
