// Package gotool holds what the analyzer and the Go patch generator both
// need to run the go command on an untrusted, possibly GOPATH-era tree
// without the network: the user's module cache served as a read-only
// local proxy, and the import path a tree without go.mod must have had.
package gotool

import (
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// GopathGoVersion is the go directive of the go.mod synthesised for a
// GOPATH-era tree: the language before the per-iteration loop variables
// of Go 1.22 (which pre-module code was written for), with generics.
const GopathGoVersion = "1.21"

// ModCache is the Go module cache directory as the go command finds it
// (GOMODCACHE, else the first GOPATH entry's pkg/mod, else ~/go/pkg/mod),
// or "" when it has no download cache.
func ModCache() string {
	dir := os.Getenv("GOMODCACHE")
	if dir == "" {
		gp := filepath.SplitList(os.Getenv("GOPATH"))
		if len(gp) > 0 && gp[0] != "" {
			dir = filepath.Join(gp[0], "pkg", "mod")
		} else if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, "go", "pkg", "mod")
		}
	}
	if dir == "" {
		return ""
	}
	if st, err := os.Stat(filepath.Join(dir, "cache", "download")); err != nil || !st.IsDir() {
		return ""
	}
	return dir
}

// LocalProxy is a GOPROXY that serves only what the user's module cache
// already holds (its download directory as a file:// proxy), or "off"
// when there is no cache. Through it a go.mod that lacks a requirement —
// or one synthesised for a GOPATH-era tree — resolves each import to a
// cached version without touching the network.
func LocalProxy() string {
	if mc := ModCache(); mc != "" {
		return "file://" + filepath.ToSlash(filepath.Join(mc, "cache", "download"))
	}
	return "off"
}

// SynthGoMod is the go.mod given to a tree without one, declaring root
// (a placeholder path when root is "") and requiring, for each import
// outside the tree and the standard library, the newest version of its
// module whose source the module cache holds (CachedRequires). Without
// the requirements the go command would resolve each import to the
// newest version the cache has heard of, which is often one whose go.mod
// was read but whose source was never downloaded.
func SynthGoMod(root string, imports map[string]bool) string {
	if root == "" {
		root = "example.invalid/gopath"
	}
	var sb strings.Builder
	sb.WriteString("module " + root + "\n\ngo " + GopathGoVersion + "\n")
	reqs := CachedRequires(ModCache(), root, imports)
	if len(reqs) > 0 {
		sb.WriteString("\nrequire (\n")
		for _, r := range reqs {
			sb.WriteString("\t" + r.Path + " " + r.Version + "\n")
		}
		sb.WriteString(")\n")
	}
	return sb.String()
}

// CachedRequires maps the imports of a tree whose own path is root to
// modules of the module cache mc: for each import that is neither the
// tree's nor the standard library's, the longest module path prefix the
// cache has a source archive for, at its newest such version (releases
// before pre-releases, as the go command prefers). Imports it cannot
// place are left to the go command. The result is sorted by path.
func CachedRequires(mc, root string, imports map[string]bool) []module.Version {
	if mc == "" {
		return nil
	}
	found := map[string]string{}
	for imp := range imports {
		if imp == root || strings.HasPrefix(imp, root+"/") || !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
			continue // the tree's own, or the standard library's
		}
		for p := imp; p != "." && p != "/" && p != ""; p = path.Dir(p) {
			if _, ok := found[p]; ok {
				break
			}
			if v := newestZip(mc, p); v != "" {
				found[p] = v
				break
			}
		}
	}
	out := make([]module.Version, 0, len(found))
	for p, v := range found {
		out = append(out, module.Version{Path: p, Version: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// newestZip is the newest version of module p whose source archive the
// cache mc holds ("" when none): the newest release, else the newest
// pre-release.
func newestZip(mc, p string) string {
	esc, err := module.EscapePath(p)
	if err != nil {
		return ""
	}
	entries, err := os.ReadDir(filepath.Join(mc, "cache", "download", filepath.FromSlash(esc), "@v"))
	if err != nil {
		return ""
	}
	best, bestPre := "", ""
	for _, e := range entries {
		ev, ok := strings.CutSuffix(e.Name(), ".zip")
		if !ok {
			continue
		}
		v, err := module.UnescapeVersion(ev)
		if err != nil || !semver.IsValid(v) {
			continue
		}
		if semver.Prerelease(v) == "" {
			if best == "" || semver.Compare(v, best) > 0 {
				best = v
			}
		} else if bestPre == "" || semver.Compare(v, bestPre) > 0 {
			bestPre = v
		}
	}
	if best != "" {
		return best
	}
	return bestPre
}

// InferRoot infers the import path of the root of a tree that has no
// go.mod (GOPATH-era history), so that its packages find one another:
// dirs are the tree's package directories ("." for the root) and imports
// every import path its files name. An import "github.com/x/y/sub", where
// "sub" is a package directory, makes "github.com/x/y" a candidate; the
// candidate that resolves the most imports to package directories wins
// (the longer, then the smaller, on a tie), so that a directory named like
// the repository cannot make "github.com/x" the root of github.com/x/repo.
// It returns "" when nothing votes.
func InferRoot(dirs []string, imports map[string]bool) string {
	isDir := map[string]bool{}
	for _, d := range dirs {
		isDir[d] = true
	}
	cands := map[string]bool{}
	for imp := range imports {
		for _, sub := range dirs {
			if sub == "." || !strings.HasSuffix(imp, "/"+sub) {
				continue
			}
			if root := strings.TrimSuffix(imp, "/"+sub); strings.Contains(root, ".") || strings.Contains(root, "/") {
				cands[root] = true
			}
		}
	}
	best, bestScore := "", 0
	for root := range cands {
		score := 0
		for imp := range imports {
			switch {
			case imp == root:
				if isDir["."] {
					score++
				}
			case strings.HasPrefix(imp, root+"/"):
				if isDir[strings.TrimPrefix(imp, root+"/")] {
					score++
				}
			}
		}
		if score > bestScore || score == bestScore && (len(root) > len(best) || len(root) == len(best) && root < best) {
			best, bestScore = root, score
		}
	}
	return best
}
