package cpatch

import (
	"encoding/json"
	"path"
	"regexp"
	"strings"
)

// ccEntry is one entry of a compile_commands.json (the JSON compilation
// database format clang tools read).
type ccEntry struct {
	Directory string   `json:"directory"`
	File      string   `json:"file"`
	Command   string   `json:"command"`
	Arguments []string `json:"arguments"`
}

var stdRE = regexp.MustCompile(`^[a-z0-9+]+$`)

// ccFlags returns the preprocessor and language flags of the entry for
// file (a slash path relative to the tree root) in a compilation database:
// -I, -iquote, -isystem, -D, -U, -include and -std only. Nothing else of
// the command is used, and the command is never run. Paths under the root
// the database was written on are made relative to the tree; -include of
// a file outside the tree is dropped. It reports false when the database
// does not parse or has no entry for file.
func ccFlags(data []byte, file string) ([]string, bool) {
	var entries []ccEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, false
	}
	for _, e := range entries {
		f := e.File
		if !path.IsAbs(f) {
			f = path.Join(e.Directory, f)
		}
		f = path.Clean(f)
		var root string
		switch {
		case f == file:
			root = ""
		case strings.HasSuffix(f, "/"+file):
			root = strings.TrimSuffix(f, file)
		default:
			continue
		}
		args := e.Arguments
		if len(args) == 0 {
			args = shellSplit(e.Command)
		}
		return entryFlags(args, e.Directory, root), true
	}
	return nil, false
}

// entryFlags picks the flags of one command; dir is the command's working
// directory and root the tree root's path where the database was written
// ("" or ending with '/').
func entryFlags(args []string, dir, root string) []string {
	// mapPath turns a path argument into one relative to the tree root
	// (the compiler's working directory here), or reports false for a
	// path outside the tree.
	mapPath := func(p string) (string, bool) {
		if !path.IsAbs(p) {
			p = path.Join(dir, p)
		}
		p = path.Clean(p)
		if root == "" {
			if path.IsAbs(p) || p == ".." || strings.HasPrefix(p, "../") {
				return p, false
			}
			return p, true
		}
		if p+"/" == root {
			return ".", true
		}
		if rel, ok := strings.CutPrefix(p, root); ok {
			return rel, true
		}
		return p, false
	}
	var out []string
	if len(args) > 0 {
		args = args[1:] // the compiler
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		// value returns the flag's argument, joined or separate.
		value := func(flag string) (string, bool) {
			if a == flag {
				if i+1 < len(args) {
					i++
					return args[i], true
				}
				return "", false
			}
			if v, ok := strings.CutPrefix(a, flag); ok && v != "" && flag != "-include" {
				return v, true
			}
			return "", false
		}
		switch {
		case strings.HasPrefix(a, "-std="):
			if stdRE.MatchString(strings.TrimPrefix(a, "-std=")) {
				out = append(out, a)
			}
			continue
		case a == "-include":
			if v, ok := value("-include"); ok && !strings.HasPrefix(v, "-") {
				if p, in := mapPath(v); in && !strings.HasPrefix(p, "-") {
					out = append(out, "-include", p)
				}
			}
			continue
		}
		for _, flag := range []string{"-isystem", "-iquote", "-I"} {
			if !strings.HasPrefix(a, flag) {
				continue
			}
			if v, ok := value(flag); ok && !strings.HasPrefix(v, "-") {
				if p, _ := mapPath(v); !strings.HasPrefix(p, "-") {
					out = append(out, flag+p)
				}
			}
			break
		}
		for _, flag := range []string{"-D", "-U"} {
			if !strings.HasPrefix(a, flag) {
				continue
			}
			if v, ok := value(flag); ok && !strings.HasPrefix(v, "-") && !strings.ContainsAny(v, "\x00\n") {
				out = append(out, flag+v)
			}
			break
		}
	}
	return out
}

// shellSplit splits a command line the way a POSIX shell splits words:
// single and double quotes and backslash escapes; nothing is expanded.
func shellSplit(s string) []string {
	var out []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'':
			inWord = true
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				cur.WriteString(s[i+1:])
				i = len(s)
				break
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case c == '"':
			inWord = true
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\\\"$`\n", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
		case c == '\\' && i+1 < len(s):
			inWord = true
			i++
			cur.WriteByte(s[i])
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			inWord = true
			cur.WriteByte(c)
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out
}
