package classifiers

import (
	"github.com/dynupd/dynupd-analyze/analyzer/cfront"
	"github.com/dynupd/dynupd-analyze/analyzer/filekind"
	"github.com/dynupd/dynupd-analyze/config"
)

// Side selects the old or the new tree of a change.
type Side uint8

// The two sides of a change.
const (
	Old Side = iota
	New
)

// Ref is an entity of a tree that uses an identifier.
type Ref struct {
	Path string
	Kind cfront.ChunkKind
	Sub  string // "struct", "typedef", "var", … (as the scanner guesses)
	Name string
	Line int
}

// Context answers questions about a whole tree that no single change can:
// who uses a name, which headers are public, what a typedef stands for.
// The analyzer implements it lazily over a commit's trees.
type Context interface {
	GoContext
	// Config returns the repository's configuration.
	Config() *config.Config
	// PublicHeader reports whether path is a public header in the tree.
	PublicHeader(s Side, path string) bool
	// DeclaredPublic reports whether a function or variable of that name is
	// declared (outside a private guard) in a public header of the tree.
	DeclaredPublic(s Side, name string) bool
	// Users returns the entities of the tree that use identifier name;
	// with scope set, only those in that file.
	Users(s Side, name, scope string) []Ref
	// Typedef returns the normalised type a typedef name stands for.
	Typedef(s Side, name string) (string, bool)
	// Entities parses the chunk a reference points to.
	Entities(s Side, r Ref) []*cfront.Entity
	// Includers returns the files that #include a header, directly or
	// through other headers, and the header itself.
	Includers(s Side, path string) map[string]bool
	// MacroDefined reports whether the tree #defines a macro of that name.
	MacroDefined(s Side, name string) bool
	// AnyInit reports whether the new tree has any start-up function at all.
	AnyInit() bool
	// InitFunc reports whether a function of the new tree runs once at
	// start-up by declaration (init attribute, constructor, module_init, or
	// the config's init-functions).
	InitFunc(name string) bool
}

// FileChange is one changed file of a commit as the classifiers see it.
type FileChange struct {
	Path    string // new path ("" when deleted)
	OldPath string // old path ("" when added)
	Kind    filekind.Kind
	// Skipped says why the file's content was not analysed ("" when it
	// was): over the size limit, binary, a missing blob.
	Skipped string
	Missing bool // the blob is not in the repository (partial clone)
	// Old and New hold the content of build files and version scripts.
	Old, New []byte
	// Diff is the entity diff of a C file.
	Diff *cfront.FileDiff
}

// Display returns the path to show for the file.
func (f *FileChange) Display() string {
	if f.Path != "" {
		return f.Path
	}
	return f.OldPath
}

// CChanges is everything a C pass looks at: the changed files, and the
// entity changes of the C files (matched across files when an entity moved).
type CChanges struct {
	Files   []*FileChange
	Changes []*cfront.Change
	// ChangedFuncs names the functions whose body or signature changed in
	// the commit (new-side names), for closures that are already replaced.
	ChangedFuncs map[string]bool
}
