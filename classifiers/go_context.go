package classifiers

import (
	"github.com/dynupd/dynupd-analyze/analyzer/gofront"
)

// GoPkg describes one Go package of a tree.
type GoPkg struct {
	Dir        string
	ImportPath string
	Name       string
	// Public: an importable package whose exported names other modules
	// may use (no internal element, not main, not declared internal by
	// the config).
	Public bool
	Main   bool
	// GoVersion is the go directive of the module that holds the package.
	GoVersion string
}

// GoRef is an entity of a tree that uses a Go name.
type GoRef struct {
	Path string // file
	Pkg  string // import path of its package
	Dir  string
	Kind gofront.Kind
	Name string // entity name ("F", "T.M", "v")
	Line int
	// Escapes is set when the user, an init function or a variable
	// initializer, does not just call the entity on the spot: it stores
	// or passes it on as a value, or a func literal or go statement calls
	// it later.
	Escapes bool
}

// GoContext answers whole-tree questions about Go code.
type GoContext interface {
	// GoPackage describes the package in a directory, or nil.
	GoPackage(s Side, dir string) *GoPkg
	// GoUsers returns the functions and package-level variables that use
	// an entity of package pkg (name "F", or "T.M" for a method): through
	// type information in typed mode; else by name within the package, by
	// import path and name elsewhere, and a method by its name after a dot
	// anywhere.
	GoUsers(s Side, pkg *GoPkg, name string, method bool) []GoRef
	// GoAPI returns the incompatible changes of the exported API of the
	// package in dir, from type information (apidiff), when typed mode
	// loaded the package on both sides; ok is false otherwise.
	GoAPI(dir string) (changes []GoAPIChange, ok bool)
	// GoEstimate returns the inlining cost estimate of a function of the
	// package in dir.
	GoEstimate(s Side, dir, name string) (gofront.Estimate, bool)
	// GoInline decides whether gc inlines a function: the estimate, or
	// the compiler's own answer where the estimate is unsure and the
	// package can be compiled offline.
	GoInline(s Side, dir, name string) (gofront.Estimate, bool)
	// GoEmbedder reports the package and variable whose //go:embed pattern
	// matches a file.
	GoEmbedder(s Side, path string) (dir, variable string, ok bool)
	// GoTypeExists reports whether a package declares a type of that name.
	GoTypeExists(s Side, dir, name string) bool
	// GoType returns a package's declaration of a type, or nil.
	GoType(s Side, dir, name string) *gofront.Entity
}

// GoAPIChange is an incompatible change of a package's exported API found
// with type information.
type GoAPIChange struct {
	// Object is the package-level name ("F", "T"); Member a method or
	// field of it, if any.
	Object, Member string
	// Kind is "func", "type", "const" or "var".
	Kind    string
	Method  bool // Member is a method
	Removed bool
	Message string // apidiff's words
}

// GoPkgChange is the change of one Go package in a commit.
type GoPkgChange struct {
	Dir      string
	Old, New *GoPkg // nil on the side where the package does not exist
	Changes  []*gofront.Change
	// Parse lists the changed files that do not parse.
	Parse []GoParseError
	// Directives lists file-level directive changes: build constraints,
	// cgo preambles, //go:linkname lines.
	Directives []GoDirective
	// Files are the package's changed .go files.
	Files []string
}

// GoParseError is a changed .go file that does not parse.
type GoParseError struct {
	Path string
	Err  string
	Old  bool
}

// GoDirective is a directive of a file that changed.
type GoDirective struct {
	Path    string
	What    string
	OldLine int
}

// GoModChange is a changed go.mod.
type GoModChange struct {
	Path     string
	Old, New *gofront.Mod
	Delta    gofront.ModDelta
}

// GoChanges is everything a Go pass looks at.
type GoChanges struct {
	Packages []*GoPkgChange
	Mods     []*GoModChange
	// ChangedFuncs names the functions changed in the commit ("dir:Name").
	ChangedFuncs map[string]bool
}
