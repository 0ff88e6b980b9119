// Package patchgen turns a patchable change into a candidate live-patch
// module and checks it against the old program: the replacement functions
// of a live patch run against the old program's data and next to its
// code, so they must compile in the context of the old tree. The target
// formats live in sub-packages (C: kernel livepatch and user-space libpulp;
// Go); this package holds what they share: the selection of the functions
// to replace from a result's findings, the manifest, and the rules for
// writing output inside one directory.
package patchgen

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/go-git/go-git/v5/plumbing"
)

// Source gives a generator the two trees of a change.
type Source interface {
	// FileAt returns a file of a tree (a result's OldTree or NewTree).
	FileAt(tree plumbing.Hash, path string) ([]byte, error)
	// Export writes a tree's regular files into dir: those keep selects,
	// or all when keep is nil.
	Export(ctx context.Context, tree plumbing.Hash, dir string, keep func(path string) bool) error
}

// Input is one change to turn into a module.
type Input struct {
	Result *analyzer.Result
	Source Source
	// Funcs are the functions to replace and carry (Select).
	Funcs []Func
	// LeftOut are the entities the module does not carry, and why.
	LeftOut []LeftOut
}

// Func is one function of a module.
type Func struct {
	// Name is the function's name; Recv the receiver's base type of a Go
	// method ("" otherwise).
	Name string `json:"name"`
	Recv string `json:"receiver,omitempty"`
	// File and Line, EndLine locate it in the new tree; OldFile, OldLine
	// in the old (empty for a function the change adds).
	File    string `json:"file"`
	Line    int    `json:"line"`
	EndLine int    `json:"end_line"`
	OldFile string `json:"old_file,omitempty"`
	OldLine int    `json:"old_line,omitempty"`
	// Added: new in this change (a helper the module carries under its
	// own name); otherwise it replaces the old function.
	Added bool `json:"added,omitempty"`
	// Closure: replaced because a replaced function's interface changed
	// (interface-internal with --include interface-internal).
	Closure bool `json:"closure,omitempty"`
	// Rule is the finding that selected it.
	Rule string `json:"rule"`
	// OldHash and NewHash are sha256 digests of the old and new source
	// text (empty when there is none); Replacement the generated name.
	OldHash     string `json:"old_hash,omitempty"`
	NewHash     string `json:"new_hash,omitempty"`
	Replacement string `json:"replacement,omitempty"`
}

// Key names a function uniquely within a module.
func (f Func) Key() string {
	if f.Recv != "" {
		return f.File + ":" + f.Recv + "." + f.Name
	}
	return f.File + ":" + f.Name
}

// LeftOut is an entity of the change the module does not carry.
type LeftOut struct {
	Entity string `json:"entity"`
	Rule   string `json:"rule"`
	Reason string `json:"reason"`
}

// Check statuses.
const (
	CheckPassed       = "passed"
	CheckFailed       = "failed"
	CheckNotAttempted = "not-attempted"
)

// Check is one check run on a module.
type Check struct {
	Name    string `json:"name"`
	Status  string `json:"status"`
	Command string `json:"command,omitempty"`
	// Detail is the first error when it failed, or why it was not
	// attempted.
	Detail string `json:"detail,omitempty"`
}

// Manifest describes one module: manifest.json.
type Manifest struct {
	Commit    string    `json:"commit"`
	Subject   string    `json:"subject"`
	Verdict   string    `json:"verdict"`
	Target    string    `json:"target"`
	Functions []Func    `json:"functions"`
	Closure   []string  `json:"closure"`
	LeftOut   []LeftOut `json:"left_out"`
	Files     []string  `json:"files"`
	Checks    []Check   `json:"checks"`
	// Finding is the PATCH-COMPILE finding when the compile check failed.
	Finding *classifiers.Finding `json:"finding,omitempty"`
}

// Generator writes a module for a change into dir (which exists and is
// empty) and runs its checks.
type Generator interface {
	// Target is the generator's name: klp, ulp or go.
	Target() string
	Generate(ctx context.Context, in Input, dir string) (*Manifest, error)
}

// Hash is the digest recorded for a function's source text.
func Hash(src []byte) string {
	if len(src) == 0 {
		return ""
	}
	s := sha256.Sum256(src)
	return hex.EncodeToString(s[:])
}

// Select picks, from a result's findings, the functions a module replaces
// (a changed body), carries (a function the change adds), and, with
// closures, the callers an interface-internal change drags in; every other
// finding that is not a no-op is left out with its reason. A function
// named by several findings appears once.
func Select(r *analyzer.Result, closures bool) ([]Func, []LeftOut) {
	seen := map[string]bool{}
	var funcs []Func
	var left []LeftOut
	add := func(f Func) {
		if !seen[f.Key()] {
			seen[f.Key()] = true
			funcs = append(funcs, f)
		}
	}
	for _, f := range r.Findings {
		kind, name, recv := entityParts(f.Entity)
		switch {
		case (f.Rule == "C-FUNC-BODY" || f.Rule == "GO-FUNC-BODY") && f.New != nil && isFunc(kind):
			fn := Func{Name: name, Recv: recv, File: f.New.File, Line: f.New.Line, EndLine: f.New.EndLine, Rule: f.Rule}
			if f.Old != nil {
				fn.OldFile, fn.OldLine = f.Old.File, f.Old.Line
			}
			add(fn)
		case (f.Rule == "C-FUNC-ADDED" || f.Rule == "GO-FUNC-ADDED") && f.New != nil && isFunc(kind):
			add(Func{Name: name, Recv: recv, File: f.New.File, Line: f.New.Line, EndLine: f.New.EndLine, Rule: f.Rule, Added: true})
		case f.Verdict == classifiers.NoOp:
			// Nothing to carry.
		case f.Verdict == classifiers.InterfaceInternal && closures:
			for _, m := range f.Closure {
				file, fn, ok := strings.Cut(m, ":")
				if !ok {
					left = append(left, LeftOut{Entity: m, Rule: f.Rule, Reason: "closure member without a file"})
					continue
				}
				recv, name := "", fn
				if i := strings.LastIndexByte(fn, '.'); i > 0 {
					recv, name = fn[:i], fn[i+1:]
				}
				add(Func{Name: name, Recv: recv, File: file, Rule: f.Rule, Closure: true})
			}
		case f.Verdict == classifiers.LivePatchable:
			left = append(left, LeftOut{Entity: f.Entity, Rule: f.Rule, Reason: "carried by the functions that use it, not a function of its own"})
		default:
			left = append(left, LeftOut{Entity: f.Entity, Rule: f.Rule, Reason: fmt.Sprintf("%s: a function-replacing live patch cannot deliver it", f.Verdict)})
		}
	}
	sort.SliceStable(funcs, func(i, j int) bool { return funcs[i].Key() < funcs[j].Key() })
	return funcs, left
}

func isFunc(kind string) bool { return kind == "func" || kind == "method" }

// entityParts splits a finding's entity ("func f", "method T.M",
// "func (*T).M") into its kind, name and receiver.
func entityParts(e string) (kind, name, recv string) {
	kind, rest, _ := strings.Cut(e, " ")
	rest = strings.TrimSpace(rest)
	if kind != "method" && kind != "func" {
		return kind, rest, ""
	}
	rest = strings.TrimPrefix(rest, "(")
	if i := strings.LastIndexByte(rest, '.'); i > 0 {
		recv = strings.Trim(rest[:i], "()*")
		return kind, rest[i+1:], recv
	}
	return kind, rest, ""
}
