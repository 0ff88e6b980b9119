package patchgen

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// SafeRel accepts a clean, slash-separated relative path that stays below
// its root: no "..", ".", empty or absolute elements, no backslash, NUL or
// volume name. Paths taken from a repository go through it before they
// name an output file.
func SafeRel(p string) error {
	bad := p == "" || p == "." || strings.ContainsAny(p, "\\\x00") || path.IsAbs(p) || filepath.IsAbs(p) ||
		filepath.VolumeName(filepath.FromSlash(p)) != "" || path.Clean(p) != p
	if !bad {
		for _, el := range strings.Split(p, "/") {
			if el == ".." || el == "." || el == "" {
				bad = true
				break
			}
		}
	}
	if bad {
		return fmt.Errorf("unsafe path %q: want a clean path relative to the repository's root", p)
	}
	return nil
}

// WriteNew writes a new file at rel (checked by SafeRel) under dir,
// making its directories and never replacing a file: the only way a
// generator writes its module.
func WriteNew(dir, rel string, data []byte) error {
	if err := SafeRel(rel); err != nil {
		return err
	}
	full := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", rel, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	return nil
}
