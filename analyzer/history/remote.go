package history

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
)

// IsURL reports whether a repository argument names a remote repository
// (a URL with a scheme, or scp-like user@host:path) rather than a path.
func IsURL(s string) bool {
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && len(u.Scheme) > 1 {
		switch u.Scheme {
		case "http", "https", "git", "ssh", "file":
			return true
		}
	}
	if i := strings.IndexByte(s, ':'); i > 0 && strings.Contains(s[:i], "@") && !strings.Contains(s[:i], "/") {
		return true
	}
	return false
}

// CacheName is the directory name a URL is cloned under: readable and
// safe (only letters, digits, '.', '-' and '_'), with a hash that keeps
// different URLs apart.
func CacheName(rawURL string) string {
	sum := sha256.Sum256([]byte(rawURL))
	var b strings.Builder
	for _, r := range rawURL {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	name := strings.Trim(b.String(), "._")
	if len(name) > 80 {
		name = name[len(name)-80:]
	}
	return name + "-" + hex.EncodeToString(sum[:6])
}

// Clone makes a bare clone of a remote repository in cacheDir, or fetches
// into the clone made before, and returns its path. Only objects and refs
// are written (go-git, no hooks, no checkout).
func Clone(ctx context.Context, rawURL, cacheDir string) (string, error) {
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", fmt.Errorf("clone cache %s: %w", cacheDir, err)
	}
	dir := filepath.Join(cacheDir, CacheName(rawURL))
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err == nil {
		r, err := git.PlainOpen(dir)
		if err != nil {
			return "", fmt.Errorf("cached clone %s: %w", dir, err)
		}
		err = r.FetchContext(ctx, &git.FetchOptions{RemoteName: "origin", Force: true, Tags: git.AllTags,
			RefSpecs: []config.RefSpec{"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"}})
		if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
			return "", fmt.Errorf("fetch %s: %w", rawURL, err)
		}
		return dir, nil
	}
	tmp, err := os.MkdirTemp(cacheDir, ".clone-")
	if err != nil {
		return "", fmt.Errorf("clone %s: %w", rawURL, err)
	}
	_, err = git.PlainCloneContext(ctx, tmp, true, &git.CloneOptions{URL: rawURL, Mirror: true, Tags: git.AllTags})
	if err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("clone %s: %w", rawURL, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("clone %s: %w", rawURL, err)
	}
	return dir, nil
}
