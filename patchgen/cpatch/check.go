package cpatch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dynupd/dynupd-analyze/analyzer/cfront"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/patchgen"
)

// maxIncludeRetries bounds how often a check adds the directory of a
// header the compiler did not find but the tree holds, and tries again.
const maxIncludeRetries = 8

// maxHeaderDirs bounds the directories added for one header name: a name
// held in more places (config.h in every subproject) is ambiguous.
const maxHeaderDirs = 4

// maxCompileDB bounds the compile_commands.json a check reads.
const maxCompileDB = 64 << 20

// baseFlags are the flags of every compile check: syntax only, no colour,
// and a call to an undeclared function is an error (as in C99 and in
// GCC 14), since a replacement calling a function the old program lacks is
// exactly what the check is for. Warnings are not silenced with -w: that
// would silence the promoted warning too; they are simply ignored.
var baseFlags = []string{"-fsyntax-only", "-std=gnu11", "-fdiagnostics-color=never", "-Werror=implicit-function-declaration"}

// tree is an export of the old tree for compile checks.
type tree struct {
	root  string          // absolute directory
	files map[string]bool // slash paths of its regular files
	list  []string        // the same, sorted
	ccdb  []byte          // compile_commands.json at the root, nil when absent
}

func loadTree(root string) (*tree, error) {
	t := &tree{root: root, files: map[string]bool{}}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			t.files[rel] = true
			t.list = append(t.list, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list the old tree: %w", err)
	}
	sort.Strings(t.list)
	if st, err := os.Stat(filepath.Join(root, "compile_commands.json")); err == nil && st.Mode().IsRegular() && st.Size() <= maxCompileDB {
		if b, err := os.ReadFile(filepath.Join(root, "compile_commands.json")); err == nil {
			t.ccdb = b
		}
	}
	return t, nil
}

// dirsHolding returns the directories d of the tree such that d/name is
// a file of the tree, sorted; "." for the root.
func (t *tree) dirsHolding(name string) []string {
	name = path.Clean(name)
	if name == "." || strings.HasPrefix(name, "../") || path.IsAbs(name) {
		return nil
	}
	var out []string
	if t.files[name] {
		out = append(out, ".")
	}
	for _, f := range t.list {
		if d, ok := strings.CutSuffix(f, "/"+name); ok {
			out = append(out, d)
		}
	}
	return out
}

func (t *tree) isDir(rel string) bool {
	prefix := rel + "/"
	i := sort.SearchStrings(t.list, prefix)
	return i < len(t.list) && strings.HasPrefix(t.list[i], prefix)
}

// checker runs the compile checks of one module.
type checker struct {
	cc      string // the compiler found on PATH
	timeout time.Duration
	kernel  bool
	tree    *tree
}

// lineOwner says which carried piece an appended line of a check file
// belongs to.
type lineOwner struct {
	piece   *piece
	newLine int
	col     int // of the diagnostic that pointed there, 0 when none did
}

// diag is one diagnostic of gcc.
type diag struct {
	file      string
	line, col int
	kind      string // "error", "fatal error", "warning", "note"
	msg       string
	function  string // the function gcc named before it, "" when none
	raw       string
}

var (
	diagRE     = regexp.MustCompile(`^(.+?):(\d+):(?:(\d+):)? (fatal error|error|warning|note): (.*)$`)
	inFuncRE   = regexp.MustCompile(`^(.+?): In function ['‘](.+?)['’]:$`)
	topLevelRE = regexp.MustCompile(`^(.+?): At top level:$`)
	noHeaderRE = regexp.MustCompile(`^(.+?): No such file or directory$`)
)

func parseDiags(out string) []diag {
	var ds []diag
	fn := ""
	for _, l := range strings.Split(out, "\n") {
		if m := inFuncRE.FindStringSubmatch(l); m != nil {
			fn = m[2]
			continue
		}
		if topLevelRE.MatchString(l) {
			fn = ""
			continue
		}
		if strings.HasPrefix(l, "In file included from") || strings.HasPrefix(l, "                 from") {
			continue
		}
		m := diagRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		line, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		ds = append(ds, diag{file: m[1], line: line, col: col, kind: m[4], msg: m[5], function: fn, raw: l})
	}
	return ds
}

func isError(d diag) bool { return d.kind == "error" || d.kind == "fatal error" }

// result of one unit's check.
type checkResult struct {
	check   patchgen.Check
	finding *classifiers.Finding
}

// checkUnit compiles the replacement functions of u in the context of the
// old translation unit.
func (c *checker) checkUnit(ctx context.Context, u *unit, idx int) (checkResult, error) {
	chk := patchgen.Check{Name: "compile " + u.file + " against the old tree"}
	notAttempted := func(reason string) (checkResult, error) {
		chk.Status, chk.Detail = patchgen.CheckNotAttempted, reason
		return checkResult{check: chk}, nil
	}
	if u.oldSrc == nil {
		return notAttempted(fmt.Sprintf("%s is new in this change: there is no old translation unit to compile against", u.file))
	}
	// The check file sits next to the old file so that its quoted
	// includes resolve as the original's do; its name is ours.
	dir := path.Dir(u.oldFile)
	var rel string
	for n := idx; ; n++ {
		rel = path.Join(dir, fmt.Sprintf("dynupd-check-%d.c", n))
		if !c.tree.files[rel] {
			break
		}
	}
	text, owners := appended(u)
	if err := os.WriteFile(filepath.Join(c.tree.root, filepath.FromSlash(rel)), []byte(text), 0o600); err != nil {
		return checkResult{}, fmt.Errorf("write the check file for %s: %w", u.file, err)
	}
	baseLines := strings.Count(string(u.oldSrc), "\n")
	if !bytes.HasSuffix(u.oldSrc, []byte("\n")) {
		baseLines++
	}
	flags := c.flags(u)
	tried := map[string]bool{}
	var out string
	var ok bool
	for attempt := 0; ; attempt++ {
		var err error
		out, ok, err = c.run(ctx, flags, rel)
		chk.Command = commandLine(c.ccName(), append(append([]string{}, flags...), rel))
		if err != nil {
			if ctx.Err() != nil {
				return checkResult{}, ctx.Err()
			}
			return notAttempted(err.Error())
		}
		if ok {
			chk.Status = patchgen.CheckPassed
			return checkResult{check: chk}, nil
		}
		// A header of the tree the include paths missed: add its
		// directory and try again.
		hdr := missingHeader(parseDiags(out))
		if hdr == "" || attempt >= maxIncludeRetries {
			break
		}
		added := false
		dirs := c.tree.dirsHolding(hdr)
		if len(dirs) > maxHeaderDirs {
			dirs = dirs[:maxHeaderDirs]
		}
		for _, d := range dirs {
			if !tried[d] {
				tried[d] = true
				flags = append(flags, "-I"+d)
				added = true
			}
		}
		if !added {
			break
		}
	}
	// Does the old file compile here at all, without the replacements?
	base, baseOK, err := c.run(ctx, flags, u.oldFile)
	if err != nil {
		if ctx.Err() != nil {
			return checkResult{}, ctx.Err()
		}
		return notAttempted(err.Error())
	}
	if !baseOK {
		return notAttempted(c.whyNot(parseDiags(base)))
	}
	ds := parseDiags(out)
	first, owner := firstOwnedError(ds, rel, baseLines, owners, u)
	if first == nil {
		return notAttempted("gcc failed without an error message: " + firstLine(out))
	}
	// The error is quoted where the user can find it: a line of a carried
	// piece at its place in the new file; any other line of the check
	// file under the old file's name (the old lines come first, unmoved).
	detail := strings.Replace(first.raw, rel+":", u.oldFile+":", 1)
	if owner != nil {
		loc := fmt.Sprintf("%s:%d", u.file, owner.newLine)
		if owner.col > 0 {
			loc += fmt.Sprintf(":%d", owner.col)
		}
		detail = fmt.Sprintf("%s: %s: %s", loc, first.kind, first.msg)
	}
	chk.Status, chk.Detail = patchgen.CheckFailed, detail
	p := u.funcs()[0]
	if owner != nil {
		p = owner.piece
	}
	f := &classifiers.Finding{
		Rule:    "PATCH-COMPILE",
		Verdict: compileVerdict(first.msg),
		Entity:  p.label,
		New:     &classifiers.Loc{File: u.file, Line: p.line, EndLine: p.endLine},
		Message: "the candidate does not compile against the old program: " + detail,
	}
	if p.fn != nil && p.fn.OldFile != "" {
		f.Old = &classifiers.Loc{File: p.fn.OldFile, Line: p.fn.OldLine}
	}
	return checkResult{check: chk, finding: f}, nil
}

// newFileError compiles u's file as the change left it, in an export of
// the NEW tree with the same include search as the check, and returns
// gcc's first error: "" when it compiles, or when it cannot be told (the
// export fails, a header stays missing), since then nothing is known
// against the change.
func (c *checker) newFileError(ctx context.Context, in patchgen.Input, u *unit) string {
	if in.Result.NewTree.IsZero() {
		return ""
	}
	tmp, err := os.MkdirTemp("", "dynupd-cpatch-new-")
	if err != nil {
		return ""
	}
	defer os.RemoveAll(tmp)
	if err := in.Source.Export(ctx, in.Result.NewTree, tmp, exportable); err != nil {
		return ""
	}
	t, err := loadTree(tmp)
	if err != nil || !t.files[u.file] {
		return ""
	}
	nc := &checker{cc: c.cc, timeout: c.timeout, kernel: c.kernel, tree: t}
	nu := &unit{file: u.file, oldFile: u.file, newSrc: u.newSrc, oldSrc: u.newSrc}
	flags := nc.flags(nu)
	tried := map[string]bool{}
	for attempt := 0; ; attempt++ {
		out, ok, err := nc.run(ctx, flags, u.file)
		if err != nil || ok {
			return ""
		}
		ds := parseDiags(out)
		hdr := missingHeader(ds)
		if hdr == "" {
			for _, d := range ds {
				if isError(d) {
					return d.raw
				}
			}
			return ""
		}
		if attempt >= maxIncludeRetries {
			return ""
		}
		added := false
		for i, d := range nc.tree.dirsHolding(hdr) {
			if i >= maxHeaderDirs {
				break
			}
			if !tried[d] {
				tried[d] = true
				flags = append(flags, "-I"+d)
				added = true
			}
		}
		if !added {
			return ""
		}
	}
}

// compileVerdict maps the compiler's complaint to the verdict it reveals:
// a struct member the old program's struct lacks needs its data migrated;
// an identifier or function the old program lacks is an interface the
// classifiers missed; anything else is not understood.
func compileVerdict(msg string) classifiers.Verdict {
	switch {
	case strings.Contains(msg, "has no member named"):
		return classifiers.StateTransfer
	case strings.Contains(msg, "undeclared"), strings.Contains(msg, "implicit declaration"):
		return classifiers.InterfaceInternal
	}
	return classifiers.Unknown
}

// firstOwnedError returns the first error of the appended lines: located
// in them, in a function gcc names as a carried one, or expanded from them
// (a note of the error points into them). Without one, the first error.
func firstOwnedError(ds []diag, rel string, baseLines int, owners map[int]lineOwner, u *unit) (*diag, *lineOwner) {
	names := map[string]*piece{}
	for _, p := range u.funcs() {
		names[p.replacement] = p
	}
	ownerAt := func(d diag) *lineOwner {
		if d.file == rel && d.line > baseLines {
			if o, ok := owners[d.line]; ok {
				o.col = d.col
				return &o
			}
		}
		return nil
	}
	var first *diag
	for i := range ds {
		d := &ds[i]
		if !isError(*d) {
			continue
		}
		if first == nil {
			first = d
		}
		if o := ownerAt(*d); o != nil {
			return d, o
		}
		for j := i + 1; j < len(ds) && ds[j].kind == "note"; j++ {
			if o := ownerAt(ds[j]); o != nil {
				return d, o
			}
		}
		if p, ok := names[d.function]; ok {
			return d, &lineOwner{piece: p, newLine: p.line}
		}
	}
	return first, nil
}

// missingHeader returns the header of the first "No such file" fatal
// error, "" when there is none.
func missingHeader(ds []diag) string {
	for _, d := range ds {
		if d.kind == "fatal error" {
			if m := noHeaderRE.FindStringSubmatch(d.msg); m != nil {
				return m[1]
			}
		}
	}
	return ""
}

// whyNot explains why the old file itself does not compile here.
func (c *checker) whyNot(ds []diag) string {
	if hdr := missingHeader(ds); hdr != "" {
		var line string
		for _, d := range ds {
			if d.kind == "fatal error" {
				line = d.raw
				break
			}
		}
		base := path.Base(hdr)
		for _, f := range c.tree.list {
			if path.Base(f) == base+".in" || path.Base(f) == base+".cmake" || path.Base(f) == base+".meson" {
				return fmt.Sprintf("the old file needs the configure-generated header %s (the tree has only %s; configure is never run): %s", hdr, f, line)
			}
		}
		if c.kernel && (strings.HasPrefix(hdr, "generated/") || strings.HasPrefix(hdr, "asm/") || strings.Contains(hdr, "/generated/")) {
			return fmt.Sprintf("the old file needs the kernel's generated headers (a configured build tree): %s", line)
		}
		if len(c.tree.dirsHolding(hdr)) > 0 {
			return fmt.Sprintf("a header of the tree was not found on the include paths: %s", line)
		}
		return fmt.Sprintf("the old file needs a header that is not in the tree (a system or generated header): %s", line)
	}
	for _, d := range ds {
		if isError(d) {
			return fmt.Sprintf("the old file does not compile on this machine: %s", d.raw)
		}
	}
	return "the old file does not compile on this machine"
}

// flags returns the compiler flags for a unit's file: the compilation
// database's when it has an entry for the file, include paths found in
// the tree otherwise.
func (c *checker) flags(u *unit) []string {
	flags := append([]string{}, baseFlags...)
	if c.tree.ccdb != nil {
		if fl, ok := ccFlags(c.tree.ccdb, u.oldFile); ok {
			return append(flags, fl...)
		}
	}
	seen := map[string]bool{}
	add := func(d string) {
		if !seen[d] {
			seen[d] = true
			flags = append(flags, "-I"+d)
		}
	}
	add(path.Dir(u.oldFile))
	add(".")
	if c.kernel {
		for _, d := range []string{"include", "include/uapi", "arch/x86/include", "arch/x86/include/uapi"} {
			if c.tree.isDir(d) {
				add(d)
			}
		}
		flags = append(flags, "-D__KERNEL__")
	} else if c.tree.isDir("include") {
		add("include")
	}
	// Directories are added up front only for quoted includes: an
	// angle-bracket include names a system header first, and a tree
	// header of the same name (a bundled library's stdbool.h or test.h)
	// must not shadow it. A bracketed header the system lacks is reported
	// missing, and the retry loop adds its directory then.
	inv := cfront.Scan(u.oldSrc, cfront.ScanOptions{})
	var incs []string
	for _, ch := range inv.Chunks {
		if ch.Kind == cfront.ChunkDirective && ch.Sub == "include" && !ch.Dead {
			if text := string(u.oldSrc[ch.Off:ch.End]); quotedInclude(text) {
				incs = append(incs, includeName(text))
			}
		}
	}
	for _, p := range u.pieces {
		if p.include && quotedInclude(p.text) {
			incs = append(incs, includeName(p.text))
		}
	}
	for _, inc := range incs {
		if path.Base(inc) == inc && c.tree.files[path.Join(path.Dir(u.oldFile), inc)] {
			continue // next to the file
		}
		if dirs := c.tree.dirsHolding(inc); len(dirs) > 0 && len(dirs) <= maxHeaderDirs {
			for _, d := range dirs {
				add(d)
			}
		}
	}
	return flags
}

// quotedInclude reports whether an #include directive's text names its
// target in quotes rather than angle brackets.
func quotedInclude(text string) bool {
	i := strings.IndexAny(text, `"<`)
	return i >= 0 && text[i] == '"'
}

// includeName returns the target of an #include directive's text.
func includeName(text string) string {
	i := strings.IndexAny(text, `"<`)
	if i < 0 {
		return ""
	}
	j := strings.IndexAny(text[i+1:], `">`)
	if j < 0 {
		return ""
	}
	return text[i+1 : i+1+j]
}

// run runs the compiler on file (relative to the tree root) with a time
// limit, in an empty environment but PATH and LANG=C. It reports the
// combined output and whether it exited with status 0; err is set when the
// compiler could not run or was stopped.
func (c *checker) run(ctx context.Context, flags []string, file string) (string, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.cc, append(append([]string{}, flags...), file)...)
	cmd.Dir = c.tree.root
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LANG=C"}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err == nil {
		return out.String(), true, nil
	}
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return "", false, fmt.Errorf("%s did not finish within %s", c.ccName(), c.timeout)
		}
		return "", false, ctx.Err()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out.String(), false, nil
	}
	return "", false, fmt.Errorf("%s could not run: %w", c.ccName(), err)
}

func (c *checker) ccName() string { return filepath.Base(c.cc) }

// appended returns the check file's text: the old file with the unit's
// carried pieces appended, and the owner of each appended line.
func appended(u *unit) (string, map[int]lineOwner) {
	var b strings.Builder
	b.Write(u.oldSrc)
	if len(u.oldSrc) > 0 && !bytes.HasSuffix(u.oldSrc, []byte("\n")) {
		b.WriteByte('\n')
	}
	line := strings.Count(b.String(), "\n") + 1 // the next line's number
	owners := map[int]lineOwner{}
	write := func(text string, p *piece, newLine int, fixed bool) {
		for i, l := range strings.Split(text, "\n") {
			b.WriteString(l)
			b.WriteByte('\n')
			if p != nil {
				n := newLine + i
				if fixed {
					n = newLine
				}
				owners[line] = lineOwner{piece: p, newLine: n}
			}
			line++
		}
	}
	write("/* dynupd-analyze: the candidate's replacement functions, appended for the compile check */", nil, 0, false)
	for i, p := range u.pieces {
		if p.fn != nil && len(u.protos) > 0 && firstFunc(u.pieces, i) {
			for _, pr := range u.protos {
				write(pr.text, pr.of, pr.of.line, true)
			}
		}
		write(p.text, p, p.line, false)
	}
	return b.String(), owners
}

// firstFunc reports whether pieces[i] is the first function of pieces.
func firstFunc(pieces []*piece, i int) bool {
	for _, p := range pieces[:i] {
		if p.fn != nil {
			return false
		}
	}
	return true
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

var safeArgRE = regexp.MustCompile(`^[A-Za-z0-9_./=+,:@%-]+$`)

// commandLine renders a command for the manifest, quoting what a shell
// would split.
func commandLine(name string, args []string) string {
	parts := []string{name}
	for _, a := range args {
		if safeArgRE.MatchString(a) {
			parts = append(parts, a)
		} else {
			parts = append(parts, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
		}
	}
	return strings.Join(parts, " ")
}
