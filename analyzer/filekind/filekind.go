// Package filekind decides what a repository path is to the analysis: C
// source, assembly, a build file, a version script, Go, source of another
// compiled language, or a file that is not compiled into the program.
package filekind

import (
	"path"
	"strings"

	"github.com/dynupd/dynupd-analyze/config"
)

// Kind is what a file is to the analysis.
type Kind uint8

// File kinds.
const (
	Other     Kind = iota // not compiled: scripts, data, samples
	C                     // .c, .h, or a file a C file #includes
	Asm                   // .S, .s, .asm
	Build                 // Makefile, CMakeLists.txt, configure.ac, …
	Symver                // a linker version script
	Go                    // .go, go.mod, go.sum
	OtherLang             // source of a compiled language the tool does not analyse
	NonCode               // tests, docs, examples, CI
	GoTest                // Go the go tool does not build into the program: _test.go, testdata/, _dir/, examples/
	GoMod                 // go.mod, go.work
	GoSum                 // go.sum, go.work.sum
	GoVendor              // vendored dependency code (vendor/)
)

var names = [...]string{"other", "c", "asm", "build", "symver", "go", "other-lang", "noncode", "go-test", "go-mod", "go-sum", "go-vendor"}

// String returns the kind's name as reports spell it.
func (k Kind) String() string { return names[k] }

// MarshalText encodes the kind by name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

var nonCodeDirs = map[string]bool{
	"test": true, "tests": true, "testes": true, "testing": true, "regress": true, "fuzz": true,
	"example": true, "examples": true, "doc": true, "docs": true, "man": true,
	"testdata": true, ".github": true, ".circleci": true,
}

var ciFiles = map[string]bool{
	".gitlab-ci.yml": true, ".travis.yml": true, "appveyor.yml": true, ".appveyor.yml": true,
	".cirrus.yml": true, "azure-pipelines.yml": true, "Jenkinsfile": true, ".gitignore": true,
	".gitattributes": true, ".mailmap": true, ".dynupd.yaml": true, ".editorconfig": true,
	".clang-format": true, "codecov.yml": true, ".codecov.yml": true,
}

var otherLang = map[string]bool{
	".cc": true, ".cpp": true, ".cxx": true, ".c++": true, ".hpp": true, ".hh": true, ".hxx": true,
	".m": true, ".mm": true, ".rs": true, ".zig": true, ".swift": true, ".java": true, ".kt": true,
	".f": true, ".f90": true, ".d": true, ".cu": true, ".cs": true, ".ml": true, ".hs": true,
}

// Of classifies a path. The config's code globs make a matching file code
// by its extension even under a non-code directory; its noncode globs add
// to the defaults. Whether a file is #included by C code is a tree fact the
// caller adds (IncludedByC).
func Of(p string, cfg *config.Config) Kind {
	base := path.Base(p)
	if k, ok := goKind(p, base); ok {
		if k == Go && cfg != nil && config.Match(cfg.NonCode, p) && !config.Match(cfg.Code, p) {
			return GoTest
		}
		return k
	}
	forced := cfg != nil && config.Match(cfg.Code, p)
	if !forced {
		if cfg != nil && config.Match(cfg.NonCode, p) {
			return NonCode
		}
		if isNonCodePath(p, base) {
			return NonCode
		}
	}
	ext := strings.ToLower(path.Ext(base))
	switch {
	case isBuild(base):
		return Build
	case ext == ".c" || ext == ".h":
		return C
	case path.Ext(base) == ".S" || ext == ".s" || ext == ".asm":
		return Asm
	case isSymverName(base):
		return Symver
	case otherLang[ext]:
		return OtherLang
	}
	if isDoc(base, ext) {
		return NonCode
	}
	return Other
}

func isNonCodePath(p, base string) bool {
	dirs := strings.Split(p, "/")
	for _, d := range dirs[:len(dirs)-1] {
		if nonCodeDirs[d] || strings.HasPrefix(d, "_") && strings.HasSuffix(p, ".go") {
			return true
		}
	}
	if ciFiles[base] {
		return true
	}
	ext := path.Ext(base)
	if ext == ".c" || ext == ".h" {
		stem := strings.TrimSuffix(base, ext)
		if strings.HasSuffix(stem, "_test") || strings.HasPrefix(stem, "test_") || strings.HasSuffix(stem, "tests") {
			return true
		}
	}
	if strings.HasSuffix(base, "_test.go") {
		return true
	}
	return false
}

func isDoc(base, ext string) bool {
	switch ext {
	case ".md", ".txt", ".rst", ".adoc", ".asciidoc", ".html", ".htm", ".pdf", ".png", ".jpg", ".svg", ".gif", ".texi", ".pod", ".1", ".2", ".3", ".4", ".5", ".6", ".7", ".8", ".9":
		return true
	}
	switch strings.ToUpper(strings.TrimSuffix(base, path.Ext(base))) {
	case "README", "CHANGES", "CHANGELOG", "NEWS", "COPYING", "LICENSE", "AUTHORS", "THANKS", "TODO", "INSTALL", "HISTORY", "CONTRIBUTING", "RELEASE-NOTES":
		return true
	}
	return false
}

// isBuild reports whether a base name is a build file.
func isBuild(base string) bool {
	lower := strings.ToLower(base)
	switch {
	case strings.HasPrefix(base, "Makefile"), base == "makefile", base == "GNUmakefile", base == "Kbuild",
		strings.HasPrefix(base, "Kconfig"), base == "CMakeLists.txt", base == "configure.ac", base == "configure.in",
		base == "meson.build", base == "meson_options.txt", base == "meson.options", base == "SConstruct", base == "SConscript",
		base == "BUILD", base == "BUILD.bazel", base == "WORKSPACE", base == "build.zig":
		return true
	}
	for _, suf := range []string{".mk", ".mak", ".am", ".cmake", ".h.in", ".vcxproj", ".vcproj", ".sln", ".dsp", ".bzl", ".m4"} {
		if strings.HasSuffix(lower, suf) {
			return true
		}
	}
	return false
}

func isSymverName(base string) bool {
	for _, suf := range []string{".map", ".vers", ".ver", ".version", ".sym", ".symbols", ".lds"} {
		if strings.HasSuffix(base, suf) {
			return true
		}
	}
	return false
}

// IsSymverContent reports whether a file named like a version script holds
// one (global:/local: blocks), or a module-definition EXPORTS list.
func IsSymverContent(b []byte) bool {
	s := string(b)
	return strings.Contains(s, "global:") || strings.Contains(s, "local:") || strings.HasPrefix(strings.TrimSpace(s), "EXPORTS")
}

// IsBinary reports whether content looks binary (a NUL byte in its first
// 8000 bytes, as git decides).
func IsBinary(b []byte) bool {
	n := len(b)
	if n > 8000 {
		n = 8000
	}
	for _, c := range b[:n] {
		if c == 0 {
			return true
		}
	}
	return false
}

// notIncluded are extensions of scripts and data that C code does not
// #include, so a change to one needs no look at the tree.
var notIncluded = map[string]bool{
	".py": true, ".rb": true, ".sh": true, ".bash": true, ".tcl": true, ".pl": true, ".pm": true, ".lua": true,
	".js": true, ".ts": true, ".json": true, ".yml": true, ".yaml": true, ".toml": true, ".conf": true,
	".cfg": true, ".ini": true, ".xml": true, ".css": true, ".awk": true, ".sed": true, ".bat": true,
	".ps1": true, ".cmd": true, ".csv": true, ".patch": true, ".diff": true, ".gz": true, ".zip": true,
	".tar": true, ".jpg": true, ".png": true, ".gif": true, ".ico": true, ".svg": true, ".pdf": true,
}

// MayBeIncluded reports whether a file of kind Other could be #included by
// C code (X-macro lists, generated tables), so that its kind depends on the
// tree.
func MayBeIncluded(p string) bool {
	return !notIncluded[strings.ToLower(path.Ext(p))]
}

// goKind classifies Go files as the go tool sees them (TAXONOMY's
// GO-NOOP-TEST list), before the generic non-code directories apply.
func goKind(p, base string) (Kind, bool) {
	dirs := strings.Split(p, "/")
	dirs = dirs[:len(dirs)-1]
	goFile := strings.HasSuffix(base, ".go") || base == "go.mod" || base == "go.sum"
	for _, d := range dirs {
		if d == "testdata" {
			return GoTest, true // fixtures of Go tests, whatever the file
		}
		if (strings.HasPrefix(d, "_") || strings.HasPrefix(d, ".")) && (strings.HasSuffix(base, ".s") || goFile) {
			return GoTest, true // the go tool ignores these directories
		}
		if (d == "example" || d == "examples") && goFile {
			return GoTest, true // example programs, not part of the product
		}
	}
	for _, d := range dirs {
		if d == "vendor" && (strings.HasSuffix(base, ".go") || base == "modules.txt") {
			return GoVendor, true
		}
	}
	switch base {
	case "go.mod", "go.work":
		return GoMod, true
	case "go.sum", "go.work.sum":
		return GoSum, true
	}
	if !strings.HasSuffix(base, ".go") {
		return 0, false
	}
	if strings.HasSuffix(base, "_test.go") {
		return GoTest, true
	}
	for _, d := range dirs {
		if d == "testdata" || d == "example" || d == "examples" || strings.HasPrefix(d, "_") || strings.HasPrefix(d, ".") {
			return GoTest, true
		}
	}
	return Go, true
}
