package cpatch

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/dynupd/dynupd-analyze/analyzer/cfront"
	"github.com/dynupd/dynupd-analyze/patchgen"
)

// replacementPrefix is prepended to the name of every replaced function.
const replacementPrefix = "livepatch_"

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// unit is one changed .c file of a module: the functions it carries and
// the new declarations they need, in the order of the new file.
type unit struct {
	file    string // path in the new tree
	oldFile string // path in the old tree, "" when the file is new
	newSrc  []byte
	oldSrc  []byte // nil when the file is new
	// pieces are the carried functions and declarations, in the order of
	// the new file.
	pieces []*piece
	// includes are the unconditional #include directives of the new file.
	includes []string
	// protos are prototypes of replacements whose signature changed, which
	// the other carried functions call by their replacement name.
	protos []proto
}

// proto is a prototype the module writes before its first function.
type proto struct {
	text string
	of   *piece
}

// piece is one carried top-level chunk of the new file: a function or a
// declaration the change adds.
type piece struct {
	text          string // as emitted: renamed, storage class adjusted
	label         string // entity label: "func step", "var c2"
	line, endLine int    // in the new file
	fn            *patchgen.Func
	replacement   string // the replacement name of a replaced function
	// include marks a new #include directive: the module carries all the
	// file's includes in its preamble, the compile check only the new ones.
	include bool
}

// funcs returns the carried functions of the unit.
func (u *unit) funcs() []*piece {
	var out []*piece
	for _, p := range u.pieces {
		if p.fn != nil {
			out = append(out, p)
		}
	}
	return out
}

// def is a function definition located in a file.
type def struct {
	chunk     *cfront.Chunk
	text      string
	nameOff   int // byte offset of the declarator name in text
	bodyOff   int // byte offset of the body's '{' in text
	static    bool
	externOff int // byte offset of an extern specifier, -1 when none
}

// findDef locates the definition of function name in a scanned file: the
// function chunk of that name starting at line when line > 0, else the
// first live one. It reports false when there is none or the chunk's
// tokens do not declare name before a body.
func findDef(src []byte, inv *cfront.Inventory, name string, line int) (*def, bool) {
	var cands []*cfront.Chunk
	for i := range inv.Chunks {
		c := &inv.Chunks[i]
		if c.Kind == cfront.ChunkFunc && c.Name == name && c.Bad == "" {
			cands = append(cands, c)
		}
	}
	var pick *cfront.Chunk
	if line > 0 {
		for _, c := range cands {
			if int(c.Line) == line {
				pick = c
				break
			}
		}
		if pick == nil {
			for _, c := range cands {
				if int(c.Line) <= line && line <= int(c.EndLine) {
					pick = c
					break
				}
			}
		}
	} else {
		for _, c := range cands {
			if !c.Dead {
				pick = c
				break
			}
		}
	}
	if pick == nil {
		return nil, false
	}
	d := &def{chunk: pick, text: string(src[pick.Off:pick.End])}
	if !d.locate(name) {
		return nil, false
	}
	return d, true
}

// locate finds the declarator name and the body's brace in the definition's
// tokens: the first identifier spelled name, and the first '{' after it at
// parenthesis depth zero.
func (d *def) locate(name string) bool {
	src := []byte(d.text)
	toks := cfront.Lex(src)
	d.nameOff, d.bodyOff, d.externOff = -1, -1, -1
	depth := 0
	for _, t := range toks {
		txt := t.Text(src)
		if d.nameOff < 0 {
			if t.Kind == cfront.TokIdent && txt == name {
				d.nameOff = int(t.Off)
			} else if t.Kind == cfront.TokIdent && txt == "static" {
				d.static = true
			} else if t.Kind == cfront.TokIdent && txt == "extern" {
				d.externOff = int(t.Off)
			}
			continue
		}
		switch txt {
		case "(":
			depth++
		case ")":
			depth--
		case "{":
			if depth == 0 {
				d.bodyOff = int(t.Off)
				return true
			}
		}
	}
	return false
}

// head returns the definition's text before the body, for comparing
// signatures: its tokens with the name left out.
func (d *def) head() string {
	src := []byte(d.text[:d.bodyOff])
	var b strings.Builder
	for _, t := range cfront.Lex(src) {
		if int(t.Off) == d.nameOff {
			continue
		}
		b.WriteString(t.Text(src))
		b.WriteByte(' ')
	}
	return b.String()
}

// storage says how a generator adjusts the storage class of a replacement.
type storage int

const (
	keepStorage   storage = iota
	makeStatic            // klp: replacements are static, as in the kernel's samples
	exportStorage         // ulp: libpulp looks replacements up in the patch's dynamic symbols
)

// rename returns the definition's text with its declarator renamed to
// newName and its storage class adjusted.
func (d *def) rename(newName string, st storage) string {
	name := d.text[d.nameOff:]
	name = name[:identLen(name)]
	text := d.text[:d.nameOff] + newName + d.text[d.nameOff+len(name):]
	switch st {
	case makeStatic:
		switch {
		case d.static:
		case d.externOff >= 0:
			text = text[:d.externOff] + "static" + text[d.externOff+len("extern"):]
		default:
			text = "static " + text
		}
	case exportStorage:
		if d.static {
			text = dropSpecifiers(text, d.nameOff)
		}
	}
	return text
}

// dropSpecifiers removes static and inline specifiers before offset end
// (the declarator name): an exported replacement must be an external
// definition.
func dropSpecifiers(text string, end int) string {
	src := []byte(text)
	var b strings.Builder
	last := 0
	for _, t := range cfront.Lex(src) {
		if int(t.Off) >= end {
			break
		}
		switch t.Text(src) {
		case "static", "inline", "__inline", "__inline__":
			b.WriteString(text[last:t.Off])
			last = int(t.End)
			for last < len(text) && (text[last] == ' ' || text[last] == '\t') {
				last++
			}
		}
	}
	b.WriteString(text[last:])
	return b.String()
}

func identLen(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return i
		}
	}
	return len(s)
}

// renameUses replaces the identifier tokens spelled like a key of names in
// text by their values.
func renameUses(text string, names map[string]string) string {
	if len(names) == 0 {
		return text
	}
	src := []byte(text)
	var b strings.Builder
	last := 0
	prevMember := false
	for _, t := range cfront.Lex(src) {
		txt := t.Text(src)
		if nn, ok := names[txt]; ok && t.Kind == cfront.TokIdent && !prevMember {
			b.WriteString(text[last:t.Off])
			b.WriteString(nn)
			last = int(t.End)
		}
		prevMember = t.Kind == cfront.TokPunct && (txt == "." || txt == "->")
	}
	b.WriteString(text[last:])
	return b.String()
}

// skippedMacroCalls are top-level macro calls a module must not repeat:
// they register or export the program's own symbols.
func skippedMacroCall(sub string) bool {
	switch {
	case strings.HasPrefix(sub, "EXPORT_SYMBOL"), strings.HasPrefix(sub, "MODULE_"),
		strings.HasPrefix(sub, "module_"), strings.HasSuffix(sub, "initcall"),
		sub == "__initcall", sub == "__exitcall":
		return true
	}
	return false
}

func chunkKey(c *cfront.Chunk) string {
	return fmt.Sprintf("%d|%s|%s", c.Kind, c.Sub, c.Name)
}

// newDecls returns the chunks of the new file the old file lacks and a
// module must carry for its functions to compile: declarations, #define
// and #include directives, and macro calls that define data; functions
// are chosen by the findings, not here. A chunk whose kind and name exist
// in the old file changed instead, and changing it is not a function
// replacement: it is not carried, so that the compile check catches a
// carried function that depends on it.
func newDecls(newInv, oldInv *cfront.Inventory) []*cfront.Chunk {
	keys := map[string]bool{}
	hashes := map[uint64]bool{}
	if oldInv != nil {
		for i := range oldInv.Chunks {
			c := &oldInv.Chunks[i]
			if c.Name != "" {
				keys[chunkKey(c)] = true
			}
			hashes[c.Hash] = true
		}
	}
	var out []*cfront.Chunk
	for i := range newInv.Chunks {
		c := &newInv.Chunks[i]
		if c.Dead || c.Bad != "" {
			continue
		}
		switch c.Kind {
		case cfront.ChunkDecl:
		case cfront.ChunkDirective:
			if c.Sub != "define" && c.Sub != "include" {
				continue
			}
		case cfront.ChunkMacroCall:
			if skippedMacroCall(c.Sub) {
				continue
			}
		default:
			continue
		}
		if c.Name != "" && keys[chunkKey(c)] || c.Name == "" && hashes[c.Hash] {
			continue
		}
		out = append(out, c)
	}
	return out
}

// declLabel names a carried declaration as findings name entities.
func declLabel(c *cfront.Chunk) string {
	switch {
	case c.Kind == cfront.ChunkDirective && c.Sub == "define":
		return "macro " + c.Name
	case c.Kind == cfront.ChunkDirective:
		return "#" + c.Sub + " " + c.Name
	case c.Sub == "var":
		return "var " + c.Name
	case c.Sub == "proto":
		return "func " + c.Name
	case c.Sub == "struct", c.Sub == "union", c.Sub == "enum", c.Sub == "typedef":
		return c.Sub + " " + c.Name
	case c.Name == "":
		return "declaration"
	}
	return "declaration " + c.Name
}

// includesOf returns the unconditional #include directives of a file, as
// written.
func includesOf(src []byte, inv *cfront.Inventory) []string {
	var out []string
	for i := range inv.Chunks {
		c := &inv.Chunks[i]
		if c.Kind == cfront.ChunkDirective && c.Sub == "include" && c.Cond == "" && !c.Dead {
			out = append(out, strings.TrimSpace(string(src[c.Off:c.End])))
		}
	}
	return out
}

// buildUnit turns the functions of one new file into a unit. It returns
// the entities it could not carry, with the reason.
func buildUnit(file, oldFile string, newSrc, oldSrc []byte, fns []patchgen.Func, st storage) (*unit, []patchgen.LeftOut) {
	u := &unit{file: file, oldFile: oldFile, newSrc: newSrc, oldSrc: oldSrc}
	newInv := cfront.Scan(newSrc, cfront.ScanOptions{})
	var oldInv *cfront.Inventory
	if oldSrc != nil {
		oldInv = cfront.Scan(oldSrc, cfront.ScanOptions{})
	}
	var left []patchgen.LeftOut
	type located struct {
		fn  patchgen.Func
		def *def
	}
	var defs []located
	taken := map[*cfront.Chunk]bool{}
	for _, f := range fns {
		if !identRE.MatchString(f.Name) {
			left = append(left, patchgen.LeftOut{Entity: "func " + f.Name, Rule: f.Rule, Reason: "not a C identifier"})
			continue
		}
		d, ok := findDef(newSrc, newInv, f.Name, f.Line)
		if !ok || taken[d.chunk] {
			left = append(left, patchgen.LeftOut{Entity: "func " + f.Name, Rule: f.Rule, Reason: fmt.Sprintf("no definition of %s found in %s", f.Name, file)})
			continue
		}
		taken[d.chunk] = true
		f.Line, f.EndLine = int(d.chunk.Line), int(d.chunk.EndLine)
		f.NewHash = patchgen.Hash([]byte(d.text))
		if oldInv != nil && !f.Added {
			if od, ok := findDef(oldSrc, oldInv, f.Name, f.OldLine); ok {
				f.OldHash = patchgen.Hash([]byte(od.text))
				if f.OldLine == 0 && f.Closure {
					f.OldFile, f.OldLine = oldFile, int(od.chunk.Line)
				}
			}
		}
		defs = append(defs, located{fn: f, def: d})
	}
	// A replacement whose signature changed is called by its new name: the
	// old declaration does not fit the new calls.
	sigChanged := map[string]string{}
	if oldInv != nil {
		for _, l := range defs {
			if l.fn.Added {
				continue
			}
			if od, ok := findDef(oldSrc, oldInv, l.fn.Name, l.fn.OldLine); ok && od.head() != l.def.head() {
				sigChanged[l.fn.Name] = replacementPrefix + l.fn.Name
			}
		}
	}
	for _, l := range defs {
		f := l.fn
		p := &piece{line: f.Line, endLine: f.EndLine, label: "func " + f.Name}
		if f.Added {
			f.Replacement = f.Name
			p.text = l.def.text
		} else {
			f.Replacement = replacementPrefix + f.Name
			p.text = l.def.rename(f.Replacement, st)
			if _, ok := sigChanged[f.Name]; ok {
				d2 := &def{text: p.text}
				if d2.locate(f.Replacement) {
					u.protos = append(u.protos, proto{text: strings.TrimSpace(p.text[:d2.bodyOff]) + ";", of: p})
				}
			}
		}
		// Calls inside keep the original names (the live patch core
		// redirects them), except calls to a function whose signature
		// changed.
		p.text = renameUses(p.text, sigChanged)
		p.replacement = f.Replacement
		fn := f
		p.fn = &fn
		u.pieces = append(u.pieces, p)
	}
	if len(u.pieces) == 0 {
		return nil, left
	}
	for _, c := range newDecls(newInv, oldInv) {
		p := &piece{text: string(newSrc[c.Off:c.End]), label: declLabel(c), line: int(c.Line), endLine: int(c.EndLine)}
		if c.Kind == cfront.ChunkDirective && c.Sub == "include" {
			p.include = true
		} else {
			p.text = renameUses(p.text, sigChanged)
		}
		u.pieces = append(u.pieces, p)
	}
	sort.SliceStable(u.pieces, func(i, j int) bool { return u.pieces[i].line < u.pieces[j].line })
	u.includes = includesOf(newSrc, newInv)
	return u, left
}
