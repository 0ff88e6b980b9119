package cfront

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"unique"

	"github.com/cespare/xxhash/v2"
)

// ChunkKind classifies a top-level chunk of a C file.
type ChunkKind uint8

// Chunk kinds.
const (
	ChunkDecl      ChunkKind = iota // a declaration ending with ';'
	ChunkFunc                       // a function definition
	ChunkDirective                  // a preprocessor directive other than a conditional
	ChunkMacroCall                  // a top-level macro invocation: NAME(args);
	ChunkAsm                        // a top-level asm statement
)

var chunkKindNames = [...]string{"decl", "func", "directive", "macro-call", "asm"}

func (k ChunkKind) String() string { return chunkKindNames[k] }

// Chunk is one top-level declaration or directive of a C file, with the
// cheap facts the scanner finds without a parser.
type Chunk struct {
	Kind          ChunkKind
	Off, End      int32  // byte range in the blob
	Line, EndLine int32  // first and last line
	Hash          uint64 // hash of the chunk's token texts
	Cond          string // the #if conditions that guard it, "" when none
	Dead          bool   // in a branch that is never compiled
	Name          string // the main declared name (best guess)
	Sub           string // directive name, "typedef", "struct"/"union"/"enum", "proto", "var"
	Idents        []string
	Bad           string // a structural problem: unterminated, unmatched brace
	Straddle      bool   // absorbed #if groups whose branches split the declaration
	Exported      bool   // carries an export marker
}

// Inventory is the cheap view of one blob: its top-level chunks and
// file-level facts. It depends only on the blob's bytes and the scan options.
type Inventory struct {
	Chunks   []Chunk
	Includes []string // #include targets, as written without quotes or brackets
	Lines    int
	Size     int
	// Exports lists names given to EXPORT_SYMBOL*-style macro calls.
	Exports []string
	// Included lists the base names of every file this one #includes,
	// at top level or inside a declaration.
	Included []string
	// InitFuncs lists functions this file marks as start-up code: defined
	// with an init marker, or registered with module_init/*_initcall.
	InitFuncs []string

	refsOnce   sync.Once
	refs       refIndex // identifier → chunks that use it, built lazily
	filterOnce sync.Once
	filter     []uint64 // a Bloom filter of the live chunks' identifiers
}

// NameHash is the hash by which MayUse tests an identifier; compute it once
// per name to ask many inventories.
func NameHash(name string) uint64 { return xxhash.Sum64String(name) }

// MayUse reports whether a live chunk may use the identifier whose NameHash
// is h: false means none does, true that Users must be asked. It is cheap,
// so that a question about one name over a whole tree reads only the files
// that mention it.
func (inv *Inventory) MayUse(h uint64) bool {
	inv.filterOnce.Do(inv.buildFilter)
	if len(inv.filter) == 0 {
		return false
	}
	mask := uint64(len(inv.filter)*64 - 1)
	a, b := h&mask, (h>>32|h<<32)&mask
	return inv.filter[a/64]&(1<<(a%64)) != 0 && inv.filter[b/64]&(1<<(b%64)) != 0
}

func (inv *Inventory) buildFilter() {
	n := 0
	for i := range inv.Chunks {
		if !inv.Chunks[i].Dead {
			n += len(inv.Chunks[i].Idents)
		}
	}
	if n == 0 {
		return
	}
	// About 16 bits per identifier and two probes: under 2% false
	// positives, for a file's distinct identifiers are fewer than its uses.
	bits := 64
	for bits < 16*n {
		bits <<= 1
	}
	f := make([]uint64, bits/64)
	mask := uint64(bits - 1)
	for i := range inv.Chunks {
		c := &inv.Chunks[i]
		if c.Dead {
			continue
		}
		for _, id := range c.Idents {
			h := xxhash.Sum64String(id)
			a, b := h&mask, (h>>32|h<<32)&mask
			f[a/64] |= 1 << (a % 64)
			f[b/64] |= 1 << (b % 64)
		}
	}
	inv.filter = f
}

// refIndex maps identifiers to the chunks that use them, compactly: pairs
// of an identifier's NameHash and a chunk index, sorted; a hash collision
// is resolved against the chunk's own identifiers.
type refIndex []ref

type ref struct {
	hash  uint64
	chunk int32
}

// Users returns the indexes of the live chunks that use identifier name.
// Include directives are indexed as "#include:BASENAME" so that the users
// of an included fragment can be found.
func (inv *Inventory) Users(name string) []int32 {
	h := NameHash(name)
	if !inv.MayUse(h) {
		return nil
	}
	inv.refsOnce.Do(inv.buildRefs)
	r := inv.refs
	i, _ := slices.BinarySearchFunc(r, h, func(x ref, h uint64) int { return cmp.Compare(x.hash, h) })
	var out []int32
	for ; i < len(r) && r[i].hash == h; i++ {
		if _, ok := slices.BinarySearch(inv.Chunks[r[i].chunk].Idents, name); ok {
			out = append(out, r[i].chunk)
		}
	}
	return out
}

func (inv *Inventory) buildRefs() {
	n := 0
	for i := range inv.Chunks {
		if !inv.Chunks[i].Dead {
			n += len(inv.Chunks[i].Idents)
		}
	}
	r := make(refIndex, 0, n)
	for i := range inv.Chunks {
		c := &inv.Chunks[i]
		if c.Dead {
			continue
		}
		for _, id := range c.Idents {
			r = append(r, ref{NameHash(id), int32(i)})
		}
	}
	slices.SortFunc(r, func(a, b ref) int {
		if c := cmp.Compare(a.hash, b.hash); c != 0 {
			return c
		}
		return cmp.Compare(a.chunk, b.chunk)
	})
	inv.refs = r
}

// Cost estimates the inventory's memory in bytes, for cache budgets. The
// identifier strings are interned and, with a ChunkMemo, their slices are
// shared between versions of a file, so an identifier counts as its slot
// in the chunk's slice and in the reference index.
func (inv *Inventory) Cost() int64 {
	n := int64(256 + 160*len(inv.Chunks))
	for i := range inv.Chunks {
		n += int64(26*len(inv.Chunks[i].Idents) + 24)
		n += int64(len(inv.Chunks[i].Cond) + len(inv.Chunks[i].Name))
	}
	return n
}

// ScanOptions are the config facts the scanner needs.
type ScanOptions struct {
	Defines       Defines  // the build's defines, nil when unknown
	ExportMarkers []string // extra export marker macros
	// Memo, when set, shares chunk identifier sets across scans; it must
	// serve these options only.
	Memo *ChunkMemo
}

// Scan lexes src and splits it into top-level chunks.
func Scan(src []byte, opts ScanOptions) *Inventory {
	s := &scanner{src: src, toks: Lex(src), opts: opts, seen: map[string]bool{}}
	s.detectGuard()
	s.run()
	inv := &Inventory{Chunks: s.chunks, Size: len(src)}
	inv.Lines = 1 + countLines(src)
	if c, ok := unterminatedComment(src, s.toks, inv.Lines); ok {
		if n := len(inv.Chunks); n > 0 && inv.Chunks[n-1].End > c.Off {
			// In a directive: the directive's chunk runs to the end.
			if inv.Chunks[n-1].Bad == "" {
				inv.Chunks[n-1].Bad = c.Bad
			}
		} else {
			inv.Chunks = append(inv.Chunks, c)
		}
	}
	inc := map[string]bool{}
	for i := range inv.Chunks {
		c := &inv.Chunks[i]
		for _, id := range c.Idents {
			if strings.HasPrefix(id, "#include:") && !inc[id] {
				inc[id] = true
				inv.Included = append(inv.Included, strings.TrimPrefix(id, "#include:"))
			}
		}
		if c.Kind == ChunkDirective && c.Sub == "include" && !c.Dead {
			inv.Includes = append(inv.Includes, c.Name)
		}
		if c.Kind == ChunkMacroCall && strings.HasPrefix(c.Sub, "EXPORT_SYMBOL") {
			inv.Exports = append(inv.Exports, macroArg(c.Name))
		}
		if c.Kind == ChunkMacroCall && !c.Dead && (c.Sub == "module_init" || strings.HasSuffix(c.Sub, "initcall") || c.Sub == "__initcall") {
			inv.InitFuncs = append(inv.InitFuncs, macroArg(c.Name))
		}
		if c.Kind == ChunkFunc && c.Sub == "init" && !c.Dead {
			inv.InitFuncs = append(inv.InitFuncs, c.Name)
		}
	}
	return inv
}

// unterminatedComment returns a bad chunk for a block comment that the
// file never closes, which hides all that follows it from the lexer (a
// compiler rejects the file): it runs from the comment to the end of the
// file. Only comments and whitespace follow the last token (but for the
// end of a directive the comment is in).
func unterminatedComment(src []byte, toks []Token, lines int) (Chunk, bool) {
	i, line := 0, int32(1)
	k := len(toks) - 1
	for k >= 0 && toks[k].Kind == TokEOL {
		k--
	}
	if k >= 0 {
		last := toks[k]
		i, line = int(last.End), last.Line+int32(countLines(src[last.Off:last.End]))
	}
	for i < len(src) {
		switch {
		case lineBreak(src, i):
			line++
		case src[i] == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && !lineBreak(src, i) {
				if k := continuation(src, i); k > 0 {
					line++ // a backslash-newline continues the comment
					i += k
					continue
				}
				i++
			}
			continue
		case src[i] == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(string(src[i+2:]), "*/")
			if end < 0 {
				return Chunk{Kind: ChunkDecl, Off: int32(i), End: int32(len(src)), Line: line, EndLine: int32(lines),
					Hash: xxhash.Sum64(src[i:]), Bad: fmt.Sprintf("line %d: unterminated comment", line)}, true
			}
			line += int32(countLines(src[i : i+2+end]))
			i += 2 + end + 2
			continue
		}
		i++
	}
	return Chunk{}, false
}

type frame struct {
	conds        []string // the conditions of the branches so far
	guard        bool     // an include guard: not part of any condition
	inChunk      bool     // opened inside a chunk: part of its text
	ifTok        int      // token index of the '#' of #if
	depthAtIf    int
	liveEnd      int  // brace depth at the end of the first live branch
	haveLiveEnd  bool // liveEnd is set
	dead         bool // the current branch is never compiled
	taken        bool // an earlier branch is always compiled
	branchIsDead bool
}

type scanner struct {
	hashBuf []byte          // reused: the chunk's tokens, for hashing
	callBuf []byte          // reused: "NAME("
	seen    map[string]bool // reused: identifiers of the chunk
	src     []byte
	toks    []Token
	opts    ScanOptions
	chunks  []Chunk
	frames  []frame

	linkage  []int // token index of the 'extern' of each open extern "C" block
	guardTok int   // token index of the guard's '#ifndef', -1 when none
	guardEnd int   // token index of the guard's '#endif'

	// the open chunk
	start    int  // token index, -1 when none
	isFunc   bool // the open chunk is a function definition
	depth    int
	paren    int
	cond     string
	dead     bool
	straddle bool
	bad      string
}

// directiveEnd returns the index of the TokEOL that ends the directive
// starting at toks[i] (a TokHash).
func (s *scanner) directiveEnd(i int) int {
	for j := i + 1; j < len(s.toks); j++ {
		if s.toks[j].Kind == TokEOL {
			return j
		}
	}
	return len(s.toks) - 1
}

func (s *scanner) text(i int) string {
	if i < 0 || i >= len(s.toks) {
		return ""
	}
	return s.toks[i].Text(s.src)
}

// detectGuard finds an include guard: the file's first directive is
// #ifndef X (or #if !defined X), the next is #define X, and the file ends with
// the matching #endif.
func (s *scanner) detectGuard() {
	s.guardTok, s.guardEnd = -1, -1
	n := len(s.toks)
	if n < 6 || s.toks[0].Kind != TokHash {
		return
	}
	e := s.directiveEnd(0)
	var name string
	switch d := s.text(1); {
	case d == "ifndef" && e == 3:
		name = s.text(2)
	case d == "if" && s.text(2) == "!" && s.text(3) == "defined":
		k := 4
		if s.text(k) == "(" {
			k++
		}
		name = s.text(k)
	default:
		return
	}
	if e+3 >= n || s.toks[e+1].Kind != TokHash || s.text(e+2) != "define" || s.text(e+3) != name {
		return
	}
	// The last directive must be #endif and nothing may follow it.
	last := n - 1
	if s.toks[last].Kind != TokEOL {
		return
	}
	k := last - 1
	for k >= 0 && s.toks[k].Kind != TokHash {
		k--
	}
	if k < 0 || s.text(k+1) != "endif" {
		return
	}
	s.guardTok, s.guardEnd = 0, k
}

func (s *scanner) run() {
	s.start = -1
	for i := 0; i < len(s.toks); {
		t := s.toks[i]
		if t.Kind == TokHash {
			i = s.directive(i)
			continue
		}
		if s.inDeadBranch() {
			// The preprocessor never sees a branch known to be false: its
			// tokens open no chunk and move no bracket depth.
			i++
			continue
		}
		if s.start < 0 {
			if t.Kind == TokPunct && s.text(i) == ";" { // stray ';' between declarations
				i++
				continue
			}
			if t.Kind == TokPunct && s.text(i) == "}" {
				if len(s.linkage) > 0 { // closes an extern "C" block
					s.linkage = s.linkage[:len(s.linkage)-1]
					i++
					continue
				}
				// A stray '}': a chunk of its own, so that a diff sees it.
				s.open(i)
				s.bad = "unmatched '}'"
				s.close(i + 1)
				i++
				continue
			}
			if t.Kind == TokIdent && s.text(i) == "_Pragma" && s.text(i+1) == "(" {
				i = s.pragmaOperator(i)
				continue
			}
			s.open(i)
		}
		if t.Kind == TokPunct {
			switch s.text(i) {
			case "#":
				if s.depth == 0 && s.paren == 0 {
					// Not at the start of a line, so not a directive
					// (a chunk's text cannot tell).
					s.noteBad("stray '#' in program")
				}
			case "{":
				if s.depth == 0 && s.paren == 0 {
					switch s.braceKind(i) {
					case braceLinkage:
						ext := s.prevSig(s.prevSig(i))
						if ext > s.start {
							// Tokens before extern "C" {: a declaration
							// that never ended.
							s.bad = "unterminated declaration before extern block"
							s.close(ext)
						}
						s.start = -1
						s.linkage = append(s.linkage, ext)
						i++
						continue
					case braceFunc:
						s.isFunc = true
					case braceKR:
						s.mergeKR(i)
						s.isFunc = true
					}
				}
				s.depth++
			case "}":
				if s.depth == 0 {
					s.bad = "unmatched '}'"
					s.close(i + 1)
					i++
					continue
				}
				s.depth--
				if s.depth == 0 && s.isFunc {
					s.close(i + 1)
					i++
					continue
				}
			case "(":
				if s.depth == 0 {
					s.paren++
				}
			case ")":
				if s.depth == 0 && s.paren > 0 {
					s.paren--
					if s.paren == 0 && s.bareMacroCallEnds(i) {
						s.close(i + 1)
						i++
						continue
					}
				}
			case ";":
				if s.depth == 0 && s.paren == 0 {
					s.close(i + 1)
					i++
					continue
				}
			}
		}
		i++
	}
	if s.start >= 0 {
		s.bad = "unterminated declaration at end of file"
		s.close(len(s.toks))
	}
	if len(s.frames) > 0 {
		f := s.frames[0]
		s.badAt(f.ifTok, s.directiveEnd(f.ifTok)+1, ChunkDirective, s.text(f.ifTok+1), "#"+s.text(f.ifTok+1), "unterminated #if")
	}
	if len(s.linkage) > 0 {
		ext := s.linkage[0]
		s.badAt(ext, ext+3, ChunkDecl, "", "extern", "unterminated extern block")
	}
}

// badAt reports a construct at toks[from:to] that the file never closes
// (an #if group, an extern "C" block): the chunk that holds it becomes
// bad, or, when none does, it becomes a bad chunk of its own at its place.
func (s *scanner) badAt(from, to int, kind ChunkKind, sub, name, msg string) {
	off := s.toks[from].Off
	k := sort.Search(len(s.chunks), func(k int) bool { return s.chunks[k].End > off })
	if k < len(s.chunks) && s.chunks[k].Off <= off {
		if s.chunks[k].Bad == "" {
			s.chunks[k].Bad = msg
		}
		return
	}
	s.open(from)
	s.cond, s.dead = "", false
	s.bad = msg
	s.closeAs(to, kind, sub, name)
	c := s.chunks[len(s.chunks)-1]
	copy(s.chunks[k+1:], s.chunks[k:len(s.chunks)-1])
	s.chunks[k] = c
}

// bareMacroCallEnds reports whether the open chunk is exactly NAME(...)
// closed at toks[i] and the next token starts a new line that cannot continue
// a declaration: a macro invocation used as a declaration without ';'
// (LUAI_DDEC(...), DEFINE_THING(x)).
func (s *scanner) bareMacroCallEnds(i int) bool {
	st := s.start
	if s.toks[st].Kind != TokIdent || cKeywords[s.text(st)] || s.text(st+1) != "(" || s.skipGroup(st+1) != i+1 {
		return false
	}
	if i+1 >= len(s.toks) {
		return true
	}
	nt := s.toks[i+1]
	if nt.Line == s.toks[i].Line {
		return false
	}
	switch s.text(i + 1) {
	case "{", ";", ",", "=", "(", "[", ":", ")", "__attribute__", "__attribute", "asm", "__asm__", "__asm":
		return false
	}
	return true
}

// inDeadBranch reports whether the scanner is inside a branch that is
// never compiled.
func (s *scanner) inDeadBranch() bool {
	for i := range s.frames {
		if s.frames[i].dead {
			return true
		}
	}
	return false
}

func (s *scanner) open(i int) {
	s.start = i
	s.isFunc = false
	s.depth, s.paren = 0, 0
	s.cond, s.dead = s.condition(len(s.frames))
	s.straddle = false
	s.bad = ""
}

// condition returns the joined conditions of frames[:n] that are not guards
// and not inside a chunk, and whether any of them is dead.
func (s *scanner) condition(n int) (string, bool) {
	var parts []string
	dead := false
	for _, f := range s.frames[:n] {
		if f.guard || f.inChunk {
			continue
		}
		if f.dead {
			dead = true
		}
		parts = append(parts, branchCond(f.conds))
	}
	return strings.Join(parts, " && "), dead
}

// branchCond spells the condition of the last branch of conds.
func branchCond(conds []string) string {
	last := conds[len(conds)-1]
	if len(conds) == 1 {
		return last
	}
	var prev []string
	for _, c := range conds[:len(conds)-1] {
		prev = append(prev, "("+c+")")
	}
	neg := "!(" + strings.Join(prev, " || ") + ")"
	if last == "1" { // #else
		return neg
	}
	return neg + " && (" + last + ")"
}

type braceKind uint8

const (
	braceAggregate braceKind = iota
	braceFunc
	braceLinkage
	braceKR
)

// braceKind decides what a '{' at depth 0 opens, from the tokens of the open
// chunk before it.
func (s *scanner) braceKind(i int) braceKind {
	if i == s.start {
		// A chunk that starts with '{' is the body of a K&R definition whose
		// parameter declarations were closed as chunks.
		return braceKR
	}
	pi := s.prevSig(i)
	prev := s.text(pi)
	if pi >= 0 && s.toks[pi].Kind == TokString && s.text(s.prevSig(pi)) == "extern" {
		return braceLinkage
	}
	hasParen, hasAssign := false, false
	first := ""
	for j := s.start; j < i; j++ {
		if s.toks[j].Kind == TokHash {
			j = s.directiveEnd(j)
			continue
		}
		t := s.text(j)
		if first == "" && t != "static" && t != "extern" && t != "const" && t != "volatile" && t != "__extension__" {
			first = t
		}
		switch t {
		case "(":
			hasParen = true
		case "=":
			hasAssign = true
		}
	}
	if hasAssign {
		return braceAggregate
	}
	if first == "typedef" {
		return braceAggregate
	}
	if (first == "struct" || first == "union" || first == "enum") && s.aggregateHead(i) {
		return braceAggregate
	}
	switch prev {
	case ")":
		if first == "struct" || first == "union" || first == "enum" {
			// struct __attribute__((packed)) name { … } or
			// struct s *f(void) { … }: decide by what follows the tag.
			if s.aggregateHead(i) {
				return braceAggregate
			}
		}
		return braceFunc
	case "struct", "union", "enum":
		return braceAggregate
	}
	if pi >= 0 && s.toks[pi].Kind == TokIdent {
		p2 := s.text(s.prevSig(pi))
		if p2 == "struct" || p2 == "union" || p2 == "enum" {
			return braceAggregate
		}
		if hasParen {
			return braceFunc // void f(void) ATTR {
		}
	}
	return braceAggregate
}

// prevSig returns the index of the last token before i that is not part of
// a directive, or -1.
func (s *scanner) prevSig(i int) int {
	j := i - 1
	for j >= 0 {
		if s.toks[j].Kind == TokEOL {
			for j >= 0 && s.toks[j].Kind != TokHash {
				j--
			}
			j--
			continue
		}
		return j
	}
	return -1
}

// aggregateHead reports whether the tokens before the '{' at i are
// "struct|union|enum [attrs] [tag] [attrs]" with no declarator in between.
func (s *scanner) aggregateHead(i int) bool {
	j := s.start
	for j < i && (s.text(j) == "static" || s.text(j) == "extern" || s.text(j) == "const" || s.text(j) == "volatile" || s.text(j) == "typedef") {
		j++
	}
	j++ // the keyword
	for j < i {
		t := s.text(j)
		if t == "__attribute__" || t == "__attribute" || t == "__declspec" || t == "alignas" || t == "_Alignas" {
			j = s.skipGroup(j + 1)
			continue
		}
		if s.toks[j].Kind == TokIdent {
			j++
			continue
		}
		return false
	}
	return true
}

// skipGroup returns the index after the balanced parenthesised group that
// starts at j (or j itself when toks[j] is not '(').
func (s *scanner) skipGroup(j int) int {
	if s.text(j) != "(" {
		return j
	}
	d := 0
	for ; j < len(s.toks); j++ {
		switch s.text(j) {
		case "(":
			d++
		case ")":
			d--
			if d == 0 {
				return j + 1
			}
		}
	}
	return j
}

// mergeKR merges the chunks closed just before a body-only '{' back into the
// open chunk, up to the one that holds the function's parameter list.
func (s *scanner) mergeKR(i int) {
	for k := len(s.chunks) - 1; k >= 0 && k >= len(s.chunks)-32; k-- {
		c := s.chunks[k]
		if c.Kind != ChunkDecl {
			return
		}
		if strings.Contains(string(s.src[c.Off:c.End]), "(") {
			s.start = s.tokIndexAt(c.Off)
			s.cond, s.dead = c.Cond, c.Dead
			s.chunks = s.chunks[:k]
			return
		}
	}
}

// tokIndexAt returns the index of the token that starts at byte off.
func (s *scanner) tokIndexAt(off int32) int {
	return sort.Search(len(s.toks), func(i int) bool { return s.toks[i].Off >= off })
}

func (s *scanner) pragmaOperator(i int) int {
	j := s.skipGroup(i + 1)
	s.open(i)
	d := 0
	for k := i + 1; k < j; k++ {
		switch s.text(k) {
		case "(":
			d++
		case ")":
			d--
		}
	}
	if d != 0 {
		s.bad = "unterminated _Pragma"
	} else if p := lexProblem(s.src[s.toks[i].Off:s.toks[j-1].End], int(s.toks[i].Line)-1); p != "" {
		s.bad = p
	}
	s.closeAs(j, ChunkDirective, "pragma", "_Pragma")
	return j
}

// directive handles the directive starting at toks[i] and returns the index
// after it.
func (s *scanner) directive(i int) int {
	e := s.directiveEnd(i)
	name := ""
	if i+1 < e {
		name = s.text(i + 1)
	}
	switch name {
	case "if", "ifdef", "ifndef", "elif", "elifdef", "elifndef", "else", "endif":
		s.conditional(name, i, e)
		return e + 1
	}
	if s.start >= 0 {
		return e + 1 // part of the open chunk
	}
	s.open(i)
	sub, nm := name, ""
	switch name {
	case "define", "undef":
		nm = s.text(i + 2)
		if i+2 >= e || s.toks[i+2].Kind != TokIdent {
			s.bad = "#" + name + " without a macro name"
		}
	case "include", "include_next", "import":
		nm = includeTarget(s.src, s.toks[i+2:e])
		sub = "include"
		if nm == "" {
			s.bad = "#" + name + " without a file name"
		}
	case "":
		nm = "#" // the null directive
	case "pragma":
		var parts []string
		for k := i + 2; k < e && k < i+4; k++ {
			parts = append(parts, s.text(k))
		}
		nm = strings.Join(parts, " ")
		if nm == "" {
			nm = "(empty)" // the null pragma, which compilers ignore
		}
	default:
		nm = name
	}
	s.closeAs(e+1, ChunkDirective, sub, nm)
	return e + 1
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

func includeTarget(src []byte, toks []Token) string {
	if len(toks) == 0 {
		return ""
	}
	if toks[0].Kind == TokString {
		t := toks[0].Text(src)
		return strings.Trim(t, "\"")
	}
	var b strings.Builder
	for _, t := range toks {
		x := t.Text(src)
		if x == "<" {
			continue
		}
		if x == ">" {
			break
		}
		b.WriteString(x)
	}
	return b.String()
}

func (s *scanner) condTokens(i, e int) []Token {
	return s.toks[i+2 : e]
}

func (s *scanner) condText(i, e int) string {
	var parts []string
	for _, t := range s.condTokens(i, e) {
		parts = append(parts, t.Text(s.src))
	}
	return strings.Join(parts, " ")
}

// conditional updates the #if stack for the directive at toks[i..e].
func (s *scanner) conditional(name string, i, e int) {
	inChunk := s.start >= 0
	var text string
	var val condValue
	switch name {
	case "if", "elif":
		text = s.condText(i, e)
		val = evalCond(s.src, s.condTokens(i, e), s.opts.Defines)
	case "ifdef", "elifdef":
		text = "defined(" + s.text(i+2) + ")"
		val = evalCond(s.src, nil, nil)
		if s.opts.Defines != nil {
			_, ok := s.opts.Defines[s.text(i+2)]
			val = known(b2i(ok))
		}
	case "ifndef", "elifndef":
		text = "!defined(" + s.text(i+2) + ")"
		val = unknownValue
		if s.opts.Defines != nil {
			_, ok := s.opts.Defines[s.text(i+2)]
			val = known(b2i(!ok))
		}
	case "else":
		text = "1"
	}
	switch name {
	case "if", "ifdef", "ifndef":
		f := frame{conds: []string{text}, inChunk: inChunk, ifTok: i, depthAtIf: s.depth}
		f.guard = i == s.guardTok
		f.branchIsDead = val.known && val.v == 0
		f.taken = val.known && val.v != 0
		f.dead = f.branchIsDead
		s.frames = append(s.frames, f)
	case "elif", "elifdef", "elifndef", "else":
		if len(s.frames) == 0 {
			s.strayConditional(name, i, e)
			return
		}
		f := &s.frames[len(s.frames)-1]
		if inChunk && !f.inChunk {
			s.absorb(len(s.frames) - 1)
		}
		s.endBranch(f)
		f.conds = append(f.conds, text)
		if name == "else" {
			f.branchIsDead = f.taken
		} else {
			f.branchIsDead = f.taken || val.known && val.v == 0
			if val.known && val.v != 0 {
				f.taken = true
			}
		}
		f.dead = f.branchIsDead
		s.depth = f.depthAtIf
	case "endif":
		if len(s.frames) == 0 {
			s.strayConditional(name, i, e)
			return
		}
		f := &s.frames[len(s.frames)-1]
		if inChunk && !f.inChunk {
			s.absorb(len(s.frames) - 1)
		}
		s.endBranch(f)
		if f.haveLiveEnd {
			s.depth = f.liveEnd
		} else {
			s.depth = f.depthAtIf
		}
		s.frames = s.frames[:len(s.frames)-1]
	}
	if s.start < 0 {
		return
	}
	if s.depth < 0 {
		s.depth = 0
	}
}

// strayConditional reports an #elif, #else or #endif without #if at
// toks[i..e]: the open chunk becomes bad, or, when none is open, the
// directive is a bad chunk of its own.
func (s *scanner) strayConditional(name string, i, e int) {
	msg := "#" + name + " without #if"
	if s.start >= 0 {
		s.noteBad(msg)
		return
	}
	s.open(i)
	s.bad = msg
	s.closeAs(e+1, ChunkDirective, name, "#"+name)
}

func (s *scanner) endBranch(f *frame) {
	if !f.branchIsDead && !f.haveLiveEnd {
		f.liveEnd = s.depth
		f.haveLiveEnd = true
	}
}

func (s *scanner) noteBad(msg string) {
	if s.start >= 0 && s.bad == "" {
		s.bad = msg
	}
}

// absorb merges the #if group of frames[k], opened before the open chunk,
// into the chunk: its branches split the declaration.
func (s *scanner) absorb(k int) {
	f := &s.frames[k]
	f.inChunk = true
	s.straddle = true
	if f.ifTok < s.start {
		off := s.toks[f.ifTok].Off
		for len(s.chunks) > 0 && s.chunks[len(s.chunks)-1].Off >= off {
			s.chunks = s.chunks[:len(s.chunks)-1]
		}
		s.start = f.ifTok
	}
	s.cond, s.dead = s.condition(k)
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// close ends the open chunk before token index end.
func (s *scanner) close(end int) {
	kind, sub, name := s.classify(s.start, end)
	s.closeAs(end, kind, sub, name)
}

func (s *scanner) closeAs(end int, kind ChunkKind, sub, name string) {
	if s.start < 0 || end <= s.start {
		s.start = -1
		return
	}
	first, last := s.toks[s.start], s.toks[end-1]
	c := Chunk{
		Kind: kind, Off: first.Off, End: last.End, Line: first.Line, EndLine: last.Line,
		Cond: s.cond, Dead: s.dead, Name: name, Sub: sub, Bad: s.bad, Straddle: s.straddle,
	}
	if kind == ChunkFunc && c.Name != "" {
		c.Name = funcKey(c.Name, s.firstArg(s.start, end, name))
	}
	// The hash first: a chunk met before (the same tokens in another
	// version of the file) takes its identifiers from the memo.
	s.hashBuf = s.hashBuf[:0]
	var kinds uint64 = uint64(end - s.start)
	funcLike := -1 // the '(' of a function-like #define: its spacing matters
	for j := s.start; j < end; j++ {
		t := s.toks[j]
		if t.Kind == TokHash && j+3 < end && s.text(j+1) == "define" && s.text(j+3) == "(" && s.toks[j+3].Off == s.toks[j+2].End {
			funcLike = j + 3
		}
		if j == funcLike {
			s.hashBuf = append(s.hashBuf, 1)
		}
		s.hashBuf = append(append(s.hashBuf, t.Bytes(s.src)...), 0)
		kinds = kinds*31 + uint64(t.Kind)
	}
	c.Hash = xxhash.Sum64(s.hashBuf)
	key := memoKey{hash: c.Hash, kinds: kinds, kind: kind}
	if m, ok := s.opts.Memo.get(key); ok {
		c.Idents, c.Exported = m.idents, m.exported
	} else {
		memoable := s.identify(&c, end, kind)
		if memoable {
			s.opts.Memo.add(key, memoEntry{idents: c.Idents, exported: c.Exported})
		}
	}
	s.chunks = append(s.chunks, c)
	s.start = -1
}

// identify fills c's identifier set and export mark from the chunk's
// tokens s.toks[s.start:end]. It reports false when they depend on tokens
// past the chunk (an #include whose line runs on), so cannot be memoised.
func (s *scanner) identify(c *Chunk, end int, kind ChunkKind) bool {
	memoable := true
	seen := s.seen
	clear(seen)
	prevMember := false
	for j := s.start; j < end; j++ {
		t := s.toks[j]
		b := t.Bytes(s.src)
		if t.Kind == TokHash && j+2 < end && s.text(j+1) == "include" {
			de := s.directiveEnd(j)
			if de > end {
				memoable = false
			}
			if tgt := includeTarget(s.src, s.toks[j+2:de]); tgt != "" {
				w := "#include:" + baseName(tgt)
				if !seen[w] {
					seen[w] = true
					c.Idents = append(c.Idents, w)
				}
			}
		}
		if t.Kind == TokIdent {
			if !prevMember && !cKeywords[string(b)] {
				if !seen[string(b)] {
					// Interned: the same names recur in every version of
					// every file, and inventories live in a shared cache.
					w := unique.Make(string(b)).Value()
					seen[w] = true
					c.Idents = append(c.Idents, w)
				}
				// A call site also indexes as "NAME(": only there does a
				// function-like macro expand.
				if j+1 < end && s.toks[j+1].Kind == TokPunct && s.src[s.toks[j+1].Off] == '(' {
					s.callBuf = append(append(s.callBuf[:0], b...), '(')
					if !seen[string(s.callBuf)] {
						k := unique.Make(string(s.callBuf)).Value()
						seen[k] = true
						c.Idents = append(c.Idents, k)
					}
				}
			}
			if kind != ChunkDirective && !c.Exported && s.isExportMarker(string(b), j, end) {
				c.Exported = true
			}
		}
		prevMember = t.Kind == TokPunct && (len(b) == 1 && b[0] == '.' || len(b) == 2 && b[0] == '-' && b[1] == '>')
	}
	sort.Strings(c.Idents)
	return memoable
}

// isExportMarker reports whether identifier w at toks[j] marks an exported
// declaration.
func (s *scanner) isExportMarker(w string, j, end int) bool {
	if IsExportMarkerName(w, s.opts.ExportMarkers) {
		return true
	}
	if w == "visibility" {
		for k := j + 1; k < end && k < j+4; k++ {
			if s.text(k) == `"default"` {
				return true
			}
		}
	}
	return false
}

// IsExportMarkerName reports whether a macro name marks exported API:
// *_API, *_EXTERN (upper case), EXPORT_SYMBOL*, or one of extra.
func IsExportMarkerName(w string, extra []string) bool {
	for _, m := range extra {
		if w == m {
			return true
		}
	}
	if strings.HasPrefix(w, "EXPORT_SYMBOL") {
		return true
	}
	if !(strings.HasSuffix(w, "_API") || strings.HasSuffix(w, "_EXTERN")) {
		return false
	}
	return strings.ToUpper(w) == w
}

// firstArg returns the first argument token of the call-like declarator
// name(...) within toks[start:end], for macro-generated definitions.
func (s *scanner) firstArg(start, end int, name string) string {
	for j := start; j+2 < end; j++ {
		if s.text(j) == name && s.text(j+1) == "(" {
			if s.toks[j+2].Kind == TokIdent {
				return s.text(j + 2)
			}
			return ""
		}
	}
	return ""
}

// funcKey names a function definition; a definition generated by an
// upper-case macro (DEFINE_HANDLER(foo) { … }) is named by the macro and its
// first argument so that sibling definitions keep distinct names.
func funcKey(name, arg string) string {
	if arg != "" && isMacroLike(name) {
		return name + "(" + arg + ")"
	}
	return name
}

// isMacroLike reports whether an identifier is spelled like a macro: upper
// case letters, digits and underscores, with at least two characters.
func isMacroLike(w string) bool {
	if len(w) < 2 {
		return false
	}
	hasUpper := false
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c >= 'A' && c <= 'Z':
			hasUpper = true
		case c >= '0' && c <= '9', c == '_':
		default:
			return false
		}
	}
	return hasUpper
}

// classify guesses the kind and main name of the declaration in toks[start:end].
func (s *scanner) classify(start, end int) (ChunkKind, string, string) {
	// Skip directives inside the chunk when looking at its shape.
	var idx []int
	for j := start; j < end; j++ {
		if s.toks[j].Kind == TokHash {
			j = s.directiveEnd(j)
			continue
		}
		idx = append(idx, j)
	}
	if len(idx) == 0 {
		return ChunkDecl, "", ""
	}
	t0 := s.text(idx[0])
	if s.isFunc {
		return ChunkFunc, s.funcSub(idx), s.funcName(idx)
	}
	if s.toks[idx[0]].Kind == TokIdent && !cKeywords[t0] && len(idx) >= 3 && s.text(idx[1]) == "(" &&
		s.text(idx[len(idx)-1]) == ")" && s.skipGroup(idx[1]) == idx[len(idx)-1]+1 {
		arg := ""
		if s.toks[idx[2]].Kind == TokIdent {
			arg = s.text(idx[2])
		}
		return ChunkMacroCall, t0, macroCallKey(t0, arg) // NAME(...) without ';'
	}
	switch t0 {
	case "asm", "__asm__", "__asm":
		return ChunkAsm, "asm", "asm"
	case "_Static_assert", "static_assert":
		return ChunkDecl, "assert", t0
	}
	// NAME(args); with no type before it: a macro call.
	if s.toks[idx[0]].Kind == TokIdent && !cKeywords[t0] && len(idx) >= 4 && s.text(idx[1]) == "(" &&
		s.text(idx[len(idx)-1]) == ";" && s.text(idx[len(idx)-2]) == ")" && s.skipGroup(idx[1]) == idx[len(idx)-1] {
		arg := ""
		if s.toks[idx[2]].Kind == TokIdent {
			arg = s.text(idx[2])
		}
		return ChunkMacroCall, t0, macroCallKey(t0, arg)
	}
	k := 0
	for k < len(idx) && isStorageOrQual(s.text(idx[k])) {
		k++
	}
	if k < len(idx) && s.text(idx[k]) == "typedef" {
		return ChunkDecl, "typedef", s.typedefName(idx)
	}
	for j := k; j < len(idx); j++ {
		if s.text(idx[j]) == "typedef" {
			return ChunkDecl, "typedef", s.typedefName(idx)
		}
	}
	if k < len(idx) {
		switch kw := s.text(idx[k]); kw {
		case "struct", "union", "enum":
			// struct tag { … } [declarators];
			for j := k + 1; j < len(idx); j++ {
				t := s.text(idx[j])
				if t == "{" {
					tag := ""
					for m := k + 1; m < j; m++ {
						if s.toks[idx[m]].Kind == TokIdent && !cKeywords[s.text(idx[m])] {
							tag = s.text(idx[m])
						}
					}
					return ChunkDecl, kw, tag
				}
				if t == ";" || t == "(" || t == "*" || t == "=" || t == "[" || t == "," {
					break
				}
			}
		}
	}
	name, proto := s.declName(idx)
	if proto {
		return ChunkDecl, "proto", name
	}
	return ChunkDecl, "var", name
}

// macroArg returns ARG of a "NAME(ARG)" key.
func macroArg(key string) string {
	i := strings.IndexByte(key, '(')
	if i < 0 || !strings.HasSuffix(key, ")") {
		return key
	}
	return key[i+1 : len(key)-1]
}

// macroCallKey names a top-level macro call by the macro and its first
// identifier argument.
func macroCallKey(name, arg string) string {
	if arg == "" {
		return name
	}
	return name + "(" + arg + ")"
}

func isStorageOrQual(t string) bool {
	switch t {
	case "static", "extern", "const", "volatile", "__extension__", "inline", "__inline", "__inline__", "register", "_Thread_local", "__thread", "thread_local":
		return true
	}
	return false
}

// funcSub marks a function chunk "inline" when its specifiers say so, "init"
// when an init marker does, and "func" otherwise.
func (s *scanner) funcSub(idx []int) string {
	for _, j := range idx {
		switch s.text(j) {
		case "{":
			return "func"
		case "inline", "__inline", "__inline__", "__forceinline", "__always_inline", "always_inline":
			return "inline"
		case "__init", "constructor", "__devinit", "__cpuinit":
			return "init"
		}
	}
	return "func"
}

// funcName guesses a function definition's name: the last identifier
// followed by '(' at paren depth 0 before the body that is not spelled like a
// macro, else the first such identifier.
func (s *scanner) funcName(idx []int) string {
	var cands []string
	d := 0
	for n, j := range idx {
		t := s.text(j)
		switch t {
		case "{":
			if d == 0 {
				goto done
			}
		case "(":
			d++
		case ")":
			d--
		}
		if s.toks[j].Kind == TokIdent && n+1 < len(idx) && s.text(idx[n+1]) == "(" && !cKeywords[t] && (d == 0 || d == 1 && n > 0 && s.text(idx[n-1]) == "*" || d == 1 && n > 0 && s.text(idx[n-1]) == "(") {
			cands = append(cands, t)
		}
	}
done:
	for i := len(cands) - 1; i >= 0; i-- {
		if !isMacroLike(cands[i]) {
			return cands[i]
		}
	}
	if len(cands) > 0 {
		return cands[0]
	}
	return ""
}

// typedefName guesses the name a typedef declares.
func (s *scanner) typedefName(idx []int) string {
	d, b := 0, 0
	last := ""
	for n, j := range idx {
		t := s.text(j)
		switch t {
		case "{":
			b++
		case "}":
			b--
		case "(":
			d++
		case ")":
			d--
		}
		if b != 0 {
			continue
		}
		if t == "(" && n+2 < len(idx) && s.text(idx[n+1]) == "*" && s.toks[idx[n+2]].Kind == TokIdent {
			return s.text(idx[n+2]) // typedef int (*name)(…)
		}
		if d == 0 && s.toks[j].Kind == TokIdent && !cKeywords[t] && t != "__attribute__" {
			last = t
		}
		if d == 0 && (t == "[" || t == ";" || t == ",") && last != "" && t != "," {
			return last
		}
		if d == 0 && t == "__attribute__" {
			return last
		}
	}
	return last
}

// declName guesses the first declarator name of a declaration and whether it
// declares a function.
func (s *scanner) declName(idx []int) (string, bool) {
	d, b := 0, 0
	last := ""
	for n, j := range idx {
		t := s.text(j)
		switch t {
		case "{":
			b++
			continue
		case "}":
			b--
			continue
		}
		if b != 0 {
			continue
		}
		switch t {
		case "(":
			if d == 0 && last != "" && n > 0 && s.toks[idx[n-1]].Kind == TokIdent && s.text(idx[n-1]) == last && !isAttrWord(last) {
				return last, true
			}
			d++
			continue
		case ")":
			d--
			continue
		case "=", "[", ";", ",", ":":
			if d == 0 && last != "" {
				return last, false
			}
		}
		if s.toks[j].Kind == TokIdent && !cKeywords[t] && !isAttrWord(t) {
			last = t
		}
	}
	return last, false
}

func isAttrWord(t string) bool {
	switch t {
	case "__attribute__", "__attribute", "__declspec", "__asm__", "__asm", "asm", "alignas", "_Alignas":
		return true
	}
	return false
}
