package gofront

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
)

// Mod is what the rules compare of a go.mod file.
type Mod struct {
	Module    string
	Go        string
	Toolchain string
	Requires  map[string]string // path → version (indirect ones too)
	Replaces  map[string]string // "path@version" → "path@version"
	Err       string
}

// ParseMod reads a go.mod file leniently (unknown directives are kept out
// of the comparison); Err is set when it does not parse.
func ParseMod(b []byte) *Mod {
	m := &Mod{Requires: map[string]string{}, Replaces: map[string]string{}}
	// The strict parser reads main-module directives (toolchain) that the
	// lax one skips; the lax one accepts directives this version does not
	// know yet.
	f, err := modfile.Parse("go.mod", b, nil)
	if err != nil {
		var lerr error
		if !onlyUnknownDirectives(err) {
			m.Err = err.Error()
			return m
		}
		if f, lerr = modfile.ParseLax("go.mod", b, nil); lerr != nil {
			m.Err = err.Error()
			return m
		}
	}
	if f.Module != nil {
		m.Module = f.Module.Mod.Path
	}
	if f.Go != nil {
		m.Go = f.Go.Version
	}
	if f.Toolchain != nil {
		m.Toolchain = f.Toolchain.Name
	}
	for _, r := range f.Require {
		m.Requires[r.Mod.Path] = r.Mod.Version
	}
	for _, r := range f.Replace {
		m.Replaces[r.Old.String()] = r.New.String()
	}
	return m
}

// ModDelta says how two go.mod files differ, in the rules' terms.
type ModDelta struct {
	Toolchain []string // go, toolchain and module lines that changed
	Deps      []string // requires and replaces that changed
}

// DiffMod compares two go.mod files (nil for an absent one).
func DiffMod(a, b *Mod) ModDelta {
	var d ModDelta
	if a == nil {
		a = &Mod{Requires: map[string]string{}, Replaces: map[string]string{}}
	}
	if b == nil {
		b = &Mod{Requires: map[string]string{}, Replaces: map[string]string{}}
	}
	if a.Module != b.Module {
		d.Toolchain = append(d.Toolchain, fmt.Sprintf("module %s → %s", orNone(a.Module), orNone(b.Module)))
	}
	if a.Go != b.Go {
		d.Toolchain = append(d.Toolchain, fmt.Sprintf("go %s → %s", orNone(a.Go), orNone(b.Go)))
	}
	if a.Toolchain != b.Toolchain {
		d.Toolchain = append(d.Toolchain, fmt.Sprintf("toolchain %s → %s", orNone(a.Toolchain), orNone(b.Toolchain)))
	}
	d.Deps = append(d.Deps, mapDelta("require", a.Requires, b.Requires)...)
	d.Deps = append(d.Deps, mapDelta("replace", a.Replaces, b.Replaces)...)
	return d
}

func mapDelta(what string, a, b map[string]string) []string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok {
			out = append(out, fmt.Sprintf("%s %s %s removed", what, k, v))
		} else if w != v {
			out = append(out, fmt.Sprintf("%s %s %s → %s", what, k, v, w))
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			out = append(out, fmt.Sprintf("%s %s %s added", what, k, v))
		}
	}
	sort.Strings(out)
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// onlyUnknownDirectives reports whether every error of a strict parse is a
// directive this version of the parser does not know (a word, as a newer
// go.mod may hold); anything else — a conflict marker, a bad version — is
// a go.mod that does not parse.
func onlyUnknownDirectives(err error) bool {
	var list modfile.ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		return false
	}
	for _, e := range list {
		msg := e.Err.Error()
		d, ok := strings.CutPrefix(msg, "unknown directive: ")
		if !ok || d == "" {
			return false
		}
		for _, c := range d {
			if c < 'a' || c > 'z' {
				return false
			}
		}
	}
	return true
}
