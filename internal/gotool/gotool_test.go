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
	if got := SynthGoMod("github.com/x/y"); !strings.HasPrefix(got, "module github.com/x/y\n") || !strings.Contains(got, "go "+GopathGoVersion) {
		t.Errorf("SynthGoMod = %q", got)
	}
	if got := SynthGoMod(""); !strings.HasPrefix(got, "module example.invalid/gopath\n") {
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
