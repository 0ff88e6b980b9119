package cfront

import (
	"bytes"
	"context"
	"testing"

	"github.com/dynupd/dynupd-analyze/internal/badsrc"
)

// fuzzSeeds are small C files that reach the scanner's and the parser's
// corners: guards, #if groups (live, dead, straddling), K&R definitions,
// extern "C" blocks, macro calls, literals with brackets.
var fuzzSeeds = []string{
	"int f(void) { return 0; }\n",
	"#ifndef A_H\n#define A_H\nstruct s { int a; };\nextern int g(int);\n#endif\n",
	"#define F(x) ((x) + 1)\n#define G (x)\nstatic const char *s = \"{\";\nchar c = '}';\n",
	"#if 0\nint g( {\n#endif\nint h(a, b)\nint a; char *b;\n{\n\treturn a;\n}\n",
	"extern \"C\" {\nint x;\n}\nEXPORT_SYMBOL(x);\nLUAI_DDEC(int y)\nmodule_init(start);\n",
	"int sock(int fd)\n{\n#ifdef A\n\tif (fd) {\n#else\n\tif (!fd) {\n#endif\n\t\treturn 1;\n\t}\n\treturn 0;\n}\n",
	"typedef struct { int a : 3; } t;\nenum { X = 1, Y = X << 2, Z };\n_Static_assert(1, \"ok\");\n__asm__(\".symver a,b@V1\");\n",
	"static int __init setup(void) { for (;;) {} }\n_Pragma(\"once\")\n#pragma pack(1)\n",
	"/* unterminated\nint f(void) { return 0; }\n",
	"int f(void) { return \"x; }\n",
	"}\nint f(void) { return 0; }\n",
	"int x\nextern \"C\" {\n}\n",
}

// FuzzScan checks the chunk scanner and the entity extraction on any
// bytes: Scan never panics; a file that no compiler accepts (by the badsrc
// oracle) has a chunk or an entity that says what is wrong; its chunks are in order, within the input,
// do not overlap, and leave out only what the scanner may skip (comments,
// whitespace, stray ';', conditional directives, dead branches, the
// braces of extern "C" blocks); the scan is deterministic. Every chunk
// parses (the parser never fails, it reports) into entities whose lines lie
// within the chunk and whose names are set when they parsed. A file diffed
// against itself is unchanged, and so is a file with a space inserted
// before a token, except between a #define's name and its '(', where the
// space turns a function-like macro into an object-like one.
func FuzzScan(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add([]byte(s), uint16(i*7))
	}
	p := NewParser()
	defer p.Close()
	f.Fuzz(func(t *testing.T, src []byte, at uint16) { scanProperties(t, p, src, at) })
}

// scanProperties checks FuzzScan's properties on one input.
func scanProperties(t *testing.T, p *Parser, src []byte, at uint16) {
	ctx := context.Background()
	if len(src) > 4<<10 {
		return // keep each execution fast; size limits are the analyzer's
	}
	inv := Scan(src, ScanOptions{})
	checkChunks(t, src, inv)
	if again := Scan(src, ScanOptions{}); !sameChunks(inv.Chunks, again.Chunks) {
		t.Fatalf("Scan is not deterministic")
	}
	reported := false // a live chunk or entity says something is wrong
	for i := range inv.Chunks {
		c := &inv.Chunks[i]
		ents := p.ParseChunk(ctx, src, c)
		if len(ents) == 0 && c.Kind != ChunkDecl {
			t.Fatalf("chunk %d (%s %q): no entity", i, c.Kind, src[c.Off:c.End])
		}
		for _, e := range ents {
			checkEntity(t, c, e)
			reported = reported || !c.Dead && (e.ParseErr != "" || len(e.BodyErrs) > 0)
		}
		again := p.ParseChunk(ctx, src, c)
		if digests(ents) != digests(again) {
			t.Fatalf("chunk %d (%q): parse not deterministic", i, src[c.Off:c.End])
		}
	}
	if why := badsrc.C(src); why != "" && !reported {
		t.Fatalf("no compiler accepts the file (%s), but no chunk or entity says so", why)
	}
	d := &Differ{Parser: p}
	v := Version{Path: "a.c", Src: src, Inv: inv}
	if fd := d.Diff(ctx, v, v); !fd.TokensSame || len(fd.Changes) > 0 || len(fd.Moved) > 0 {
		t.Fatalf("a file diffed against itself changed: %+v", fd)
	}
	if spaced, changes, ok := insertSpace(src, at); ok {
		nv := Version{Path: "a.c", Src: spaced, Inv: Scan(spaced, ScanOptions{})}
		fd := d.Diff(ctx, v, nv)
		if same := fd.TokensSame && len(fd.Changes) == 0; same == changes {
			t.Fatalf("a space before a token: want changed=%v, got TokensSame=%v changes %v:\n%q\n%q", changes, fd.TokensSame, fd.Changes, src, spaced)
		}
	}
}

// checkChunks checks the chunks' order, bounds and coverage.
func checkChunks(t *testing.T, src []byte, inv *Inventory) {
	t.Helper()
	prevEnd := int32(0)
	for i, c := range inv.Chunks {
		if c.Off < prevEnd || c.End <= c.Off || int(c.End) > len(src) {
			t.Fatalf("chunk %d [%d,%d) out of order or bounds (previous end %d, input %d bytes)", i, c.Off, c.End, prevEnd, len(src))
		}
		if c.Line < 1 || c.EndLine < c.Line || int(c.EndLine) > inv.Lines {
			t.Fatalf("chunk %d: lines %d-%d of %d", i, c.Line, c.EndLine, inv.Lines)
		}
		prevEnd = c.End
	}
	// Coverage: the tokens between chunks. Inside an #if group they may
	// be in a dead branch; outside, they may only be stray ';', and the
	// heads and closing braces of extern "C" blocks.
	toks := Lex(src)
	depth := make([]int, len(toks)) // #if nesting at each token
	d := 0
	for i := range toks {
		if toks[i].Kind == TokHash && i+1 < len(toks) {
			switch toks[i+1].Text(src) {
			case "if", "ifdef", "ifndef":
				d++
			case "endif":
				d = max(d-1, 0)
			}
		}
		depth[i] = d
	}
	linkage := 0
	check := func(from, to int) {
		for j := from; j < to; j++ {
			s := toks[j].Text(src)
			switch {
			case toks[j].Kind == TokHash:
				switch d := toks[j+1].Text(src); d {
				case "if", "ifdef", "ifndef", "elif", "elifdef", "elifndef", "else", "endif":
				default:
					t.Fatalf("directive #%s at line %d is in no chunk", d, toks[j].Line)
				}
				for j < to && toks[j].Kind != TokEOL {
					j++
				}
			case s == ";":
			case s == "extern" && j+2 < to && toks[j+1].Kind == TokString && toks[j+2].Text(src) == "{":
				linkage++
				j += 2
			case s == "}" && linkage > 0:
				linkage--
			case depth[j] > 0:
			default:
				t.Fatalf("token %q at line %d is in no chunk", s, toks[j].Line)
			}
		}
	}
	k, gapStart := 0, 0
	for _, c := range inv.Chunks {
		for k < len(toks) && toks[k].Off < c.Off {
			k++
		}
		check(gapStart, k)
		for k < len(toks) && toks[k].End <= c.End {
			k++
		}
		gapStart = k
	}
	check(gapStart, len(toks))
	if d > 0 {
		bad := false
		for _, c := range inv.Chunks {
			bad = bad || c.Bad != "" && !c.Dead
		}
		if !bad {
			t.Fatalf("an unterminated #if is reported by no live chunk")
		}
	}
}

func sameChunks(a, b []Chunk) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Off != b[i].Off || a[i].End != b[i].End || a[i].Hash != b[i].Hash || a[i].Name != b[i].Name || a[i].Cond != b[i].Cond || a[i].Bad != b[i].Bad {
			return false
		}
	}
	return true
}

func checkEntity(t *testing.T, c *Chunk, e *Entity) {
	t.Helper()
	if e.Line < int(c.Line) || e.EndLine < e.Line || e.EndLine > int(c.EndLine) {
		t.Fatalf("entity %s: lines %d-%d outside chunk lines %d-%d", e, e.Line, e.EndLine, c.Line, c.EndLine)
	}
	if e.ParseErr == "" && e.Name == "" {
		t.Fatalf("entity of kind %s parsed without a name from %q", e.Kind, c.Name)
	}
	if c.Bad != "" && e.ParseErr == "" {
		t.Fatalf("entity %s of a bad chunk (%s) has no parse error", e, c.Bad)
	}
	for _, s := range e.Statics {
		if s.Line < e.Line || s.EndLine > e.EndLine {
			t.Fatalf("static %s outside its function %s", s, e)
		}
	}
}

func digests(ents []*Entity) string {
	var b bytes.Buffer
	for _, e := range ents {
		b.WriteString(e.Key())
		b.WriteByte('|')
		b.WriteString(e.Digest())
		b.WriteByte('|')
		b.WriteString(e.ParseErr)
		b.WriteByte('\n')
	}
	return b.String()
}

// insertSpace inserts a space before the token nearest at. It reports
// whether the space changes the program: only between a #define's name and
// its '(' (#define F(x) is function-like, #define F (x) is not); ok is false
// when there is no token, or the token is in an #include line (whose
// <header name> a space would change).
func insertSpace(src []byte, at uint16) (out []byte, changes, ok bool) {
	toks := Lex(src)
	if len(toks) == 0 {
		return nil, false, false
	}
	i := int(at) % len(toks)
	if toks[i].Kind == TokEOL {
		return nil, false, false
	}
	hash := -1 // the '#' of the directive toks[i] is in
	for j := i; j >= 0; j-- {
		if toks[j].Kind == TokEOL && j < i {
			break
		}
		if toks[j].Kind == TokHash {
			hash = j
			break
		}
	}
	if hash >= 0 && hash+1 < len(toks) {
		switch toks[hash+1].Text(src) {
		case "include", "include_next", "import":
			return nil, false, false
		case "define":
			changes = i == hash+3 && toks[i].Text(src) == "(" && toks[i].Off == toks[i-1].End
		}
	}
	off := toks[i].Off
	out = make([]byte, 0, len(src)+1)
	out = append(append(append(out, src[:off]...), ' '), src[off:]...)
	return out, changes, true
}

// FuzzParse checks the tree-sitter extraction on any bytes taken as one
// declaration or function chunk (whatever the scanner would make of them):
// it never panics; every entity lies within the chunk's lines and has a
// name when it parsed; text with a lexical problem no compiler accepts
// (an unterminated comment or literal, unbalanced brackets) yields only
// entities that carry a parse error; parsing is deterministic; and a space
// inserted before a token outside directives changes no entity (nor
// whether the text has a syntax error).
func FuzzParse(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add([]byte(s), i%2 == 0, uint16(i*5))
	}
	f.Add([]byte("static struct s { int a; } v = { 1 };"), false, uint16(3))
	f.Add([]byte("int (*const tab[2])(int, char **) = { f, g };"), false, uint16(9))
	f.Add([]byte("void f(int a)\n{\n\tstatic int n = 0;\n\tTAILQ_FOREACH(x, &q, e) { n++; }\n}\n"), true, uint16(11))
	f.Add([]byte("__attribute__((noreturn)) LUAI_FUNC void luaD_throw (lua_State *L, int errcode);"), false, uint16(2))
	p := NewParser()
	defer p.Close()
	f.Fuzz(func(t *testing.T, src []byte, fn bool, at uint16) {
		if len(src) > 4<<10 || len(src) == 0 {
			return
		}
		ctx := context.Background()
		c := chunkOf(src, fn)
		ents := p.ParseChunk(ctx, src, c)
		broken := lexProblem(src, 0) != "" || bracketProblem(src, 0) != ""
		for _, e := range ents {
			checkEntity(t, c, e)
			if broken && e.ParseErr == "" && e.Kind != KMacro && e.Kind != KUndef {
				t.Fatalf("entity %s parsed from text with a lexical problem", e)
			}
		}
		if again := p.ParseChunk(ctx, src, c); digests(ents) != digests(again) {
			t.Fatalf("parse not deterministic:\n%s\n%s", digests(ents), digests(again))
		}
		spaced, changes, ok := insertSpace(src, at)
		if !ok || changes || hasDirective(src) {
			return
		}
		if d1, d2 := parsedDigests(ents), parsedDigests(p.ParseChunk(ctx, spaced, chunkOf(spaced, fn))); d1 != d2 {
			t.Fatalf("a space before a token changed the entities:\n%q\n%s\n%q\n%s", src, d1, spaced, d2)
		}
	})
}

// parsedDigests is digests when every entity parsed without error, and
// "broken" when one did not (a parse error's message quotes the text, and
// the grammar may fail on a respelled error in another place).
func parsedDigests(ents []*Entity) string {
	for _, e := range ents {
		if e.ParseErr != "" || len(e.BodyErrs) > 0 {
			return "broken"
		}
	}
	return digests(ents)
}

// chunkOf returns a chunk that spans all of src.
func chunkOf(src []byte, fn bool) *Chunk {
	c := &Chunk{Kind: ChunkDecl, Off: 0, End: int32(len(src)), Line: 1, EndLine: int32(1 + countLines(src))}
	if fn {
		c.Kind = ChunkFunc
	}
	return c
}

func hasDirective(src []byte) bool {
	for _, t := range Lex(src) {
		if t.Kind == TokHash {
			return true
		}
	}
	return false
}
