package classifiers

import (
	"fmt"
	"strings"

	"github.com/dynupd/dynupd-analyze/analyzer/cfront"
	"github.com/dynupd/dynupd-analyze/analyzer/filekind"
)

func fileLoc(f *FileChange, old bool) *Loc {
	if old {
		if f.OldPath == "" {
			return nil
		}
		return &Loc{File: f.OldPath}
	}
	if f.Path == "" {
		return nil
	}
	return &Loc{File: f.Path}
}

func runNoopFormat(p *Pass) {
	for _, f := range p.C.Files {
		if f.Kind == filekind.C && f.Diff != nil && f.Diff.TokensSame {
			p.Reportf("file "+f.Display(), fileLoc(f, true), fileLoc(f, false), "comments, whitespace or declaration order only: the compiled code is the same")
		}
	}
	for _, f := range p.C.Files {
		if f.Diff == nil {
			continue
		}
		for _, m := range f.Diff.Moved {
			p.Reportf(m.Label, &Loc{File: f.OldPath, Line: m.OldLine}, &Loc{File: f.Path, Line: m.NewLine}, "moved within the file unchanged")
		}
	}
	for _, c := range p.C.Changes {
		if !c.Same() || declarationOnly(c.Entity()) {
			continue // a respelled or moved declaration is C-DECL-ONLY
		}
		msg := "respelled (formatting, consistent renaming of parameters and locals): the compiled code is the same"
		if c.OldPath != c.NewPath {
			msg = "moved from " + c.OldPath + " unchanged"
		}
		p.Reportf(c.New.Label(), oldLoc(c), newLoc(c), "%s", msg)
	}
}

// declarationOnly reports whether an entity declares without defining: a
// prototype or an extern variable declaration.
func declarationOnly(e *cfront.Entity) bool {
	return e.Kind == cfront.KProto || e.Kind == cfront.KGlobal && e.Extern
}

func runNoopNonCode(p *Pass) {
	for _, f := range p.C.Files {
		if p.goEmbedded(f) {
			continue // data in the binary: GO-EMBED speaks
		}
		switch f.Kind {
		case filekind.NonCode:
			p.Reportf("file "+f.Display(), fileLoc(f, true), fileLoc(f, false), "not compiled into the program (tests, docs, examples, CI)")
		case filekind.Other:
			p.Reportf("file "+f.Display(), fileLoc(f, true), fileLoc(f, false), "not compiled into the program")
		case filekind.Symver:
			if !isVersionScript(f) {
				p.Reportf("file "+f.Display(), fileLoc(f, true), fileLoc(f, false), "not a version script: not part of the program")
			}
		}
	}
}

func isVersionScript(f *FileChange) bool {
	return filekind.IsSymverContent(f.Old) || filekind.IsSymverContent(f.New)
}

func runAsmFile(p *Pass) {
	for _, f := range p.C.Files {
		if f.Kind == filekind.Asm && !p.goAsm(f) {
			p.Reportf("file "+f.Display(), fileLoc(f, true), fileLoc(f, false), "assembly changed: no function replacement covers it")
		}
	}
	for _, c := range p.C.Changes {
		if c.Kind() == cfront.KAsm && !c.Same() && !symverAsm(c) {
			p.Reportf("asm", oldLoc(c), newLoc(c), "top-level asm changed")
		}
	}
}

func symverAsm(c *cfront.Change) bool {
	for _, e := range []*cfront.Entity{c.Old, c.New} {
		if e != nil && strings.Contains(e.Text, ".symver") {
			return true
		}
	}
	return false
}

func runSymver(p *Pass) {
	for _, f := range p.C.Files {
		if f.Kind == filekind.Symver && isVersionScript(f) && string(f.Old) != string(f.New) {
			p.Reportf("file "+f.Display(), fileLoc(f, true), fileLoc(f, false), "linker version script changed: exported symbol versions change")
		}
	}
	for _, c := range p.C.Changes {
		if c.Kind() == cfront.KAsm && !c.Same() && symverAsm(c) {
			p.Reportf("asm .symver", oldLoc(c), newLoc(c), "symbol version directive changed")
		}
	}
}

func buildFindings(p *Pass, want buildClass) {
	for _, f := range p.C.Files {
		if f.Kind != filekind.Build || f.Skipped != "" {
			continue
		}
		class, why := classifyBuild(f.Display(), f.Old, f.New)
		if class == want {
			p.Reportf("file "+f.Display(), fileLoc(f, true), fileLoc(f, false), "%s", why)
		}
	}
}

func runBuildFlags(p *Pass) {
	buildFindings(p, buildFlags)
	for _, c := range p.C.Changes {
		if c.Kind() == cfront.KPragma && !c.Same() && !pragmaDiag(c.Entity().Name) && !strings.HasPrefix(c.Entity().Name, "pack") {
			p.Reportf(c.Entity().Label(), oldLoc(c), newLoc(c), "pragma changes how the file is compiled")
		}
	}
}

func runBuildDiag(p *Pass)    { buildFindings(p, buildDiag) }
func runBuildSources(p *Pass) { buildFindings(p, buildSources) }

// systemMacroPrefixes and systemMacros are macros of the C library and
// common system headers, which a tree uses without defining.
var systemMacroPrefixes = []string{"__builtin_", "TAILQ_", "LIST_", "SLIST_", "STAILQ_", "SIMPLEQ_", "CIRCLEQ_", "RB_", "SPLAY_", "FD_", "__glibc_", "W", "S_IS", "PRI", "SCN", "_IO"}

var systemMacros = map[string]bool{
	"va_arg": true, "va_start": true, "va_end": true, "va_copy": true, "offsetof": true, "container_of": true,
	"assert": true, "static_assert": true, "_Static_assert": true, "typeof": true, "__typeof__": true, "__typeof": true,
	"__alignof__": true, "_Alignof": true, "alignof": true, "__extension__": true, "_Generic": true, "likely": true,
	"unlikely": true, "__attribute__": true, "__asm__": true, "asm": true, "__volatile__": true, "setjmp": true,
	"sigsetjmp": true, "alloca": true, "errno": true, "NULL": true, "EOF": true, "__func__": true, "__FUNCTION__": true,
	"__LINE__": true, "__FILE__": true, "__DATE__": true, "__TIME__": true, "bool": true, "true": true, "false": true,
	"htons": true, "htonl": true, "ntohs": true, "ntohl": true, "isdigit": true, "isspace": true, "isalpha": true,
	"isalnum": true, "isxdigit": true, "isupper": true, "islower": true, "toupper": true, "tolower": true,
	"INT8_C": true, "INT16_C": true, "INT32_C": true, "INT64_C": true, "UINT8_C": true, "UINT16_C": true, "UINT32_C": true, "UINT64_C": true,
	"getc": true, "putc": true, "stdin": true, "stdout": true, "stderr": true, "timercmp": true, "timeradd": true, "timersub": true,
}

// macroKnown reports whether a name is a macro the compiler will expand:
// one the tree defines, or one of the system's.
func (p *Pass) macroKnown(s Side, name string) bool {
	if systemMacros[name] || name == cfront.GNUExtension {
		return true
	}
	for _, pre := range systemMacroPrefixes {
		if strings.HasPrefix(name, pre) && len(name) > len(pre) && (pre != "W" || strings.ToUpper(name) == name) {
			return true
		}
	}
	return p.Ctx.MacroDefined(s, name)
}

// unexplained returns the first grammar failure inside an entity's body
// or initializer that no known macro explains.
func (p *Pass) unexplained(s Side, e *cfront.Entity) *cfront.BodyErr {
	for i := range e.BodyErrs {
		be := &e.BodyErrs[i]
		ok := false
		for _, c := range be.Cands {
			if p.macroKnown(s, c) {
				ok = true
				break
			}
		}
		if !ok {
			return be
		}
	}
	return nil
}

func runParse(p *Pass) {
	for _, c := range p.C.Changes {
		if c.Same() {
			continue
		}
		for _, side := range []struct {
			e    *cfront.Entity
			path string
			s    Side
		}{{c.New, c.NewPath, New}, {c.Old, c.OldPath, Old}} {
			if side.e == nil || side.e.ParseErr != "" {
				continue
			}
			if be := p.unexplained(side.s, side.e); be != nil {
				loc := &Loc{File: side.path, Line: be.Line, EndLine: be.Line}
				f := Finding{Entity: side.e.Label(), Message: fmt.Sprintf("syntax error at line %d (%q) that no macro of the tree explains", be.Line, be.Text)}
				if side.s == Old {
					f.Old = loc
				} else {
					f.New = loc
				}
				p.Report(f)
				break
			}
		}
	}
	for _, c := range p.C.Changes {
		if c.Same() {
			continue
		}
		for _, side := range []struct {
			e    *cfront.Entity
			path string
			old  bool
		}{{c.Old, c.OldPath, true}, {c.New, c.NewPath, false}} {
			if side.e == nil || side.e.ParseErr == "" {
				continue
			}
			loc := &Loc{File: side.path, Line: side.e.Line, EndLine: side.e.EndLine}
			f := Finding{Entity: side.e.Label(), Message: "could not parse: " + side.e.ParseErr}
			if side.old {
				f.Old = loc
			} else {
				f.New = loc
			}
			p.Report(f)
			break
		}
	}
}

func runFileMissing(p *Pass) {
	for _, f := range p.C.Files {
		if f.Missing {
			p.Reportf("file "+f.Display(), fileLoc(f, true), fileLoc(f, false), "%s", f.Skipped)
		}
	}
}

func runFileSkipped(p *Pass) {
	for _, f := range p.C.Files {
		if f.Missing || f.Skipped == "" {
			continue
		}
		switch f.Kind {
		case filekind.NonCode, filekind.Other, filekind.Asm:
			continue // their verdict does not depend on their content
		}
		p.Reportf("file "+f.Display(), fileLoc(f, true), fileLoc(f, false), "not analysed: %s", f.Skipped)
	}
}

func runFileLang(p *Pass) {
	for _, f := range p.C.Files {
		switch {
		case f.Kind == filekind.OtherLang && f.Skipped != "":
			p.Reportf("file "+f.Display(), fileLoc(f, true), fileLoc(f, false), "%s", f.Skipped)
		case f.Kind == filekind.OtherLang:
			p.Reportf("file "+f.Display(), fileLoc(f, true), fileLoc(f, false), "source of a language the tool does not analyse")
		}
	}
}
