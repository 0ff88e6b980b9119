package classifiers

import (
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
	for _, c := range p.C.Changes {
		if !c.Same() {
			continue
		}
		msg := "respelled (formatting, consistent renaming of parameters and locals): the compiled code is the same"
		if c.OldPath != c.NewPath {
			msg = "moved from " + c.OldPath + " unchanged"
		}
		p.Reportf(c.New.Label(), oldLoc(c), newLoc(c), "%s", msg)
	}
}

func runNoopNonCode(p *Pass) {
	for _, f := range p.C.Files {
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
		if f.Kind == filekind.Asm {
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

func runParse(p *Pass) {
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
		if f.Kind == filekind.OtherLang {
			p.Reportf("file "+f.Display(), fileLoc(f, true), fileLoc(f, false), "source of a language the tool does not analyse")
		}
	}
}
