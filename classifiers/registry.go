package classifiers

import "sort"

// RulesVersion changes whenever a rule's behaviour changes, so that stored
// results of older rules are not reused.
const RulesVersion = "2026.11.3"

const (
	refKpatch    = "kpatch patch author guide (github.com/dynup/kpatch, doc/patch-author-guide.md)"
	refLivepatch = "Linux livepatch documentation (Documentation/livepatch/livepatch.rst)"
	refKsplice   = "Arnold & Kaashoek, Ksplice: Automatic Rebootless Kernel Updates, EuroSys 2009"
	refK42       = "Baumann et al., Improving Dynamic Update for Operating Systems, USENIX ATC 2007 (K42)"
	refC11       = "ISO/IEC 9899:2011 (C11)"
	refTaxonomy  = "TAXONOMY.md"
)

// cRules lists every C rule in the order they run. C-MAIN and
// C-NEVER-RETURNS run last: they read the closures other rules reported.
func cRules() []*Rule {
	return []*Rule{
		{ID: "C-NOOP-FORMAT", Verdict: NoOp, Lang: "c", run: runNoopFormat,
			Summary:   "token stream unchanged (comments, whitespace, line shifts, order), or a function respelled by consistent renaming of parameters and locals",
			Doc:       "Comments, whitespace, moved declarations and consistent renaming of a function's parameters and locals leave the compiled code as it was; nothing in the running program changes. Entities are compared after normalisation (primitive type spellings, attribute order, parameter positions), so a respelling is no change.",
			Reference: refTaxonomy},
		{ID: "C-NOOP-NONCODE", Verdict: NoOp, Lang: "c", run: runNoopNonCode,
			Summary:   "file not compiled into the program: docs, tests, examples, CI, scripts and data",
			Doc:       "Files under test/, tests/, testes/, regress/, fuzz/, examples/, doc/, docs/, man/, test sources (*_test.c, test_*.c), documentation (*.md, *.txt, man pages), CI configuration, and every file that is not C, assembly, a build file, a version script or source of another compiled language are not part of the running program. Globs are configurable (noncode, code).",
			Reference: refTaxonomy},
		{ID: "C-FUNC-BODY", Verdict: LivePatchable, Lang: "c", run: runFuncBody,
			Summary:   "a function's body changed; its signature did not",
			Doc:       "The classic live patch: the new function is loaded beside the old one and the old entry is redirected to it (ftrace on Linux, a trampoline in user space). Attribute and inline changes are judged by their own rules, which fire beside this one when they apply.",
			Reference: refLivepatch},
		{ID: "C-FUNC-ADDED", Verdict: LivePatchable, Lang: "c", run: runFuncAdded,
			Summary:   "a new function",
			Doc:       "A new function is carried by the patch module; nothing in the running program refers to it until the replaced functions call it.",
			Reference: refKpatch},
		{ID: "C-FUNC-REMOVED", Verdict: LivePatchable, Lang: "c", run: runFuncRemoved,
			Summary:   "a function removed (not public)",
			Doc:       "A removed function's callers changed too (or the tree would not compile); the running copy stays in memory, unused.",
			Reference: refKpatch},
		{ID: "C-DATA-ADDED", Verdict: LivePatchable, Lang: "c", run: runDataAdded,
			Summary:   "a new global or static variable, a new function-scope static, or new data declared by a top-level macro",
			Doc:       "New data is allocated and initialised by the patch module when it loads (kpatch supports new globals and, with shadow variables, new per-object state); nothing already in memory moves.",
			Reference: refKpatch},
		{ID: "C-TYPE-ADDED", Verdict: LivePatchable, Lang: "c", run: runTypeAdded,
			Summary:   "a new struct, union, enum or typedef",
			Doc:       "A new type describes no object the running program holds.",
			Reference: refTaxonomy},
		{ID: "C-ENUM-APPENDED", Verdict: LivePatchable, Lang: "c", run: runEnumAppended,
			Summary:   "enum members added; no existing member's value moved",
			Doc:       "Values already compiled into code and stored in memory keep their meaning when members are only added (at the end, or with explicit values that move nothing).",
			Reference: refTaxonomy},
		{ID: "C-DECL-ONLY", Verdict: NoOp, Lang: "c", run: runDeclOnly,
			Summary:   "prototype or extern declaration added/removed or respelled, #include added/removed, a new macro name, linkage-only or diagnostic-only changes",
			Doc:       "Declarations generate no code. A prototype that changes only in parameter names, redundant parentheses or diagnostic attributes, an #include line, a macro name nothing used before, a forward declaration, a compile-time assertion or directive, and `static` added to or dropped from a definition (nothing in memory moves) leave the running program's code as it was.",
			Reference: refC11},
		{ID: "C-RODATA", Verdict: InterfaceInternal, Lang: "c", run: runRodata,
			Summary:   "the initializer of an existing read-only global changed (or a macro it expands): its users are re-pointed at a new copy",
			Doc:       "A const object lives in read-only memory; the patch module carries the new copy and every function that reads the constant must be replaced to read it (the closure). The finding is live-patchable when only functions the commit changes anyway use it, and no-op when nothing uses it (RCSID(\"$Id$\")-style string data).",
			Reference: refKpatch},
		{ID: "C-ATTR-CALLER", Verdict: InterfaceInternal, Lang: "c", run: runAttrCaller,
			Summary:   "a function attribute that changes how callers are compiled was added or removed",
			Doc:       "Callers are compiled against the attributes they see: noreturn drops the code after the call, const/pure let calls be merged, always_inline/noinline decide inlining, weak/alias/section/visibility change linkage. Such a change needs the callers replaced too (the closure). Attributes that only affect diagnostics or the function's own code (format, nonnull, warn_unused_result, deprecated, unused, cold, hot) are judged C-DECL-ONLY. Unknown attribute macros count as caller-affecting.",
			Reference: "GCC manual, Common Function Attributes; " + refKpatch},
		{ID: "C-SIG-INTERNAL", Verdict: InterfaceInternal, Lang: "c", run: runSigInternal,
			Summary:   "signature of a static or non-public function changed",
			Doc:       "A function's type is an interface to its callers. When every caller is in the tree (a static function, or one no public header declares), the callers are recompiled and replaced in the same patch: the closure is the function and the functions that call or use it (within its file when static).",
			Reference: refK42},
		{ID: "C-MACRO-INTERNAL", Verdict: InterfaceInternal, Lang: "c", run: runMacroInternal,
			Summary:   "a macro of a .c file or private header changed, was removed, or was (re)defined over a name in use",
			Doc:       "A macro is expanded into the code that uses it, so changing it changes those functions' compiled code without changing their text: they join the patch (the closure, followed through macros and inline functions that use it). Structs, enums and globals that expand it are judged by their own rules.",
			Reference: refK42},
		{ID: "C-INLINE-INTERNAL", Verdict: InterfaceInternal, Lang: "c", run: runInlineInternal,
			Summary:   "an inline function of a .c file or private header changed",
			Doc:       "Callers may have inlined the old body, so replacing the function alone would leave old copies running inside them: the callers (and their inline callers) join the patch. A function is inline when its old definition says inline/__inline__ or always_inline.",
			Reference: refKpatch},
		{ID: "C-CONST-INTERNAL", Verdict: InterfaceInternal, Lang: "c", run: runConstInternal,
			Summary:   "an existing enum member's value changed (private), and no value of the enum type is stored in a struct member or global",
			Doc:       "Enum values are compiled into the code that names them; those functions (the closure) are replaced together. When values of the type sit in memory, C-ENUM-STORED applies instead.",
			Reference: refK42},
		{ID: "C-ENUM-STORED", Verdict: StateTransfer, Lang: "c", run: runEnumStored,
			Summary:   "as C-CONST-INTERNAL, but the enum type (or a typedef of it) types a struct member or global",
			Doc:       "Values already in memory were written with the old numbering and now mean something else: they must be translated by hand.",
			Reference: refKsplice},
		{ID: "C-STRUCT-LAYOUT", Verdict: StateTransfer, Lang: "c", run: runStructLayout,
			Summary:   "fields of an existing private struct/union added, removed, reordered or retyped (after resolving typedefs); bitfields; array bounds or macros in the definition",
			Doc:       "Objects already in memory have the old layout; new code would read them wrongly. Types are compared after resolving the tree's typedefs and C's spelling variants, so `lu_byte` for `unsigned char` is no change, and a member renamed in place keeps the layout. A struct whose member's typedef changed, or whose definition expands a changed macro, changes too; so does a #pragma pack.",
			Reference: refKsplice},
		{ID: "C-TYPEDEF-CHANGED", Verdict: StateTransfer, Lang: "c", run: runTypedefChanged,
			Summary:   "an existing private typedef now names another type",
			Doc:       "Data of the type already in memory has the old representation.",
			Reference: refKsplice},
		{ID: "C-GLOBAL-INIT", Verdict: StateTransfer, Lang: "c", run: runGlobalInit,
			Summary:   "the initializer of an existing writable global changed (or a macro it expands)",
			Doc:       "The running program initialised the variable long ago and may have changed it since; the new initial value reaches memory only through hand-written state transfer (kpatch refuses changed data).",
			Reference: refKpatch},
		{ID: "C-GLOBAL-TYPE", Verdict: StateTransfer, Lang: "c", run: runGlobalType,
			Summary:   "type, size or constness of an existing global changed",
			Doc:       "The object in memory has the old size and representation. A linkage-only change (static added or dropped) moves nothing and is C-DECL-ONLY. A changed macro in an array bound, or a changed typedef in the type, changes the size.",
			Reference: refKsplice},
		{ID: "C-STATIC-LOCAL", Verdict: StateTransfer, Lang: "c", run: runStaticLocal,
			Summary:   "a function-scope static variable removed, retyped or re-initialised",
			Doc:       "A function-scope static is global data that already holds its running value; kpatch requires such variables to keep their name and type, and correlates them between versions.",
			Reference: refKpatch},
		{ID: "C-INIT-CODE", Verdict: StateTransfer, Lang: "c", run: runInitCode,
			Summary:   "a function that runs once at start-up changed (__init, constructor, module_init, init-functions), or one only start-up code calls",
			Doc:       "Start-up code already ran in the running program; replacing it changes nothing unless its effects are redone by hand (kpatch cannot patch __init functions). A function whose callers in the tree are all (transitively) such functions is start-up code too; a function with no caller is not.",
			Reference: refKpatch},
		{ID: "C-SIG-PUBLIC", Verdict: InterfaceExternal, Lang: "c", run: runSigPublic,
			Summary:   "prototype of a public function changed or removed (also the type of a public variable, and an EXPORT_SYMBOL removed)",
			Doc:       "Clients outside the repository compiled against the old type; they cannot be replaced by a patch of this program. Parameter names and top-level qualifiers the language drops are no change.",
			Reference: refK42},
		{ID: "C-RODATA-PUBLIC", Verdict: InterfaceExternal, Lang: "c", run: runRodataPublic,
			Summary:   "a read-only global whose definition and value sit in a public header changed value",
			Doc:       "Clients compiled the old value in.",
			Reference: refTaxonomy},
		{ID: "C-SYMVER", Verdict: InterfaceExternal, Lang: "c", run: runSymver,
			Summary:   "exported symbol versions changed: a .symver directive or a linker version script",
			Doc:       "Symbol versions are resolved when clients are linked; they cannot change under a running client.",
			Reference: "GNU ld manual, VERSION command"},
		{ID: "C-MACRO-PUBLIC", Verdict: InterfaceExternal, Lang: "c", run: runMacroPublic,
			Summary:   "a macro in a public header changed or was removed",
			Doc:       "Clients expanded the old definition into their own code.",
			Reference: refTaxonomy},
		{ID: "C-INLINE-PUBLIC", Verdict: InterfaceExternal, Lang: "c", run: runInlinePublic,
			Summary:   "an inline function in a public header changed",
			Doc:       "Clients compiled the old body into their own code.",
			Reference: refTaxonomy},
		{ID: "C-TYPE-PUBLIC", Verdict: InterfaceExternal, Lang: "c", run: runTypePublic,
			Summary:   "a struct/union/enum/typedef in a public header changed its layout or values, or was removed",
			Doc:       "Clients compiled against the old layout and values. Appending enum members (no value moves) is C-ENUM-APPENDED.",
			Reference: refTaxonomy},
		{ID: "C-NOTRACE", Verdict: NotPatchable, Lang: "c", run: runNotrace,
			Summary:   "a changed function is marked notrace / no_instrument_function",
			Doc:       "Function redirection hooks the function's entry through the tracing machinery, which such functions lack.",
			Reference: refLivepatch},
		{ID: "C-ASM-FILE", Verdict: NotPatchable, Lang: "c", run: runAsmFile,
			Summary:   "a .S/.s/.asm file changed, or a top-level asm statement other than .symver",
			Doc:       "Assembly has no function boundaries a live patcher can rely on.",
			Reference: refKpatch},
		{ID: "C-BUILD-FLAGS", Verdict: NotPatchable, Lang: "c", run: runBuildFlags,
			Summary:   "a build file changed beyond adding/removing source file names (flags, defines, targets); a code-generation pragma",
			Doc:       "Compiler flags and defines change the code of every function they apply to, and how the binary is linked; no function-level patch reproduces that.",
			Reference: refKpatch},
		{ID: "C-BUILD-DIAG", Verdict: NoOp, Lang: "c", run: runBuildDiag,
			Summary:   "a build file changed only in comments, warning flags (-W…) or test/doc targets",
			Doc:       "Warnings and test or documentation targets do not change the program's code.",
			Reference: refTaxonomy},
		{ID: "C-BUILD-SOURCES", Verdict: LivePatchable, Lang: "c", run: runBuildSources,
			Summary:   "a build file changed only by adding/removing source file names",
			Doc:       "The sources' own changes are judged file by file; listing them in the build adds or drops their functions.",
			Reference: refTaxonomy},
		{ID: "C-PARSE", Verdict: Unknown, Lang: "c", run: runParse,
			Summary:   "a changed region could not be parsed into declarations",
			Doc:       "The tool never says live-patchable about code it did not understand. Parse errors inside function bodies and initializers are tolerated (those are compared as tokens); errors in declaration structure are not.",
			Reference: refTaxonomy},
		{ID: "FILE-MISSING", Verdict: Unknown, Lang: "any", run: runFileMissing,
			Summary:   "a changed file's blob is not in the repository (a partial or damaged clone)",
			Doc:       "What the file holds is unknown; the rest of the commit is still analysed.",
			Reference: refTaxonomy},
		{ID: "FILE-SKIPPED", Verdict: Unknown, Lang: "any", run: runFileSkipped,
			Summary:   "a changed source or build file was not analysed: over the size limit or binary",
			Doc:       "Skipped code is reported, not hidden; its verdict is unknown.",
			Reference: refTaxonomy},
		{ID: "FILE-LANG", Verdict: Unknown, Lang: "any", run: runFileLang,
			Summary:   "a changed file is source of a compiled language the tool does not analyse (C++, Rust, …), a submodule, or a symlink at a code path",
			Doc:       "Code the tool cannot read is never called live-patchable: sources of other compiled languages, a submodule (gitlink) added, bumped or removed (the code it points at is not analysed), and a symlink added, retargeted or removed outside tests and documentation (what it points at is not analysed).",
			Reference: refTaxonomy},
		{ID: "C-MAIN", Verdict: NotPatchable, Lang: "c", run: runMain,
			Summary:   "main changed, or main is in the patch closure",
			Doc:       "main's frame never returns, so a replaced main would never run; a closure that needs main replaced cannot be applied.",
			Reference: refKsplice},
		{ID: "C-NEVER-RETURNS", Verdict: NotPatchable, Lang: "c", run: runNeverReturns,
			Summary:   "a changed function contains an unconditional loop with no return/break/goto out of it; or the config names it long-running",
			Doc:       "A thread inside the loop keeps running the old code forever (Ksplice aborts when a patched function is always on some stack). Service loops that exit only on shutdown cannot be told from ordinary loops by syntax; name them in the config's long-running list.",
			Reference: refKsplice},
	}
}

// Registry holds every rule, by language; it is built once and not changed.
type Registry struct {
	c, g []*Rule
	// p are the rules of the patch module check: they never run on a
	// change, patchgen reports them.
	p    []*Rule
	byID map[string]*Rule
}

// NewRegistry returns the registry of every rule.
func NewRegistry() *Registry {
	r := &Registry{c: cRules(), g: goRules(), p: patchRules(), byID: map[string]*Rule{}}
	for _, x := range append(append(append([]*Rule{}, r.c...), r.g...), r.p...) {
		r.byID[x.ID] = x
	}
	return r
}

// C returns the C rules (and the language-neutral file rules) in the order
// they run.
func (r *Registry) C() []*Rule { return r.c }

// Go returns the Go rules in the order they run.
func (r *Registry) Go() []*Rule { return r.g }

// Run returns every rule in run order: C, then Go.
func (r *Registry) Run() []*Rule { return append(append([]*Rule{}, r.c...), r.g...) }

// Lookup returns a rule by ID.
func (r *Registry) Lookup(id string) (*Rule, bool) {
	x, ok := r.byID[id]
	return x, ok
}

// PatchCompile is the rule of a candidate patch module that does not
// compile against the old program.
const PatchCompile = "PATCH-COMPILE"

// patchRules are reported by patchgen's checks, not run by the analysis.
func patchRules() []*Rule {
	return []*Rule{
		{ID: PatchCompile, Verdict: Unknown, Lang: "patch",
			Summary:   "the candidate patch module does not compile against the old program (dynupd-analyze patch)",
			Doc:       "A live patch's new code runs against the old program's data and beside its code, so `patch` compiles each candidate in the context of the old tree: Go packages type-checked with the module overlaid on the old tree, C replacements appended to the old translation unit and compiled with gcc. When that fails the change needed something the classifiers did not see, and its verdict is raised: to state-transfer when the compiler says a field or member is missing (a type's layout changed), to interface-internal when an identifier is undefined (a new macro, constant or function the closure must bring), to unknown otherwise — and to unknown whatever the error says when the changed file or package does not compile in the new tree either (a broken commit tells nothing about the old program). The finding quotes the compiler's first error. A check that cannot be attempted (missing system or generated headers, dependencies not in the module cache) raises nothing and is recorded in the module's manifest.",
			Reference: "kpatch-build and the kernel's livepatch documentation: a patch module is built against the running kernel's tree"},
	}
}

// All returns every rule sorted by ID.
func (r *Registry) All() []*Rule {
	out := make([]*Rule, 0, len(r.byID))
	for _, x := range r.byID {
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

const (
	refApidiff = "golang.org/x/exp/apidiff (compatibility of exported Go API)"
	refGcInl   = "cmd/compile/internal/inline (gc's inliner: budget 80, 57 per call not inlined)"
	refGoSpec  = "The Go Programming Language Specification"
)

// goRules lists every Go rule in the order they run. GO-MAIN and
// GO-NEVER-RETURNS run last: they read the closures other rules reported.
func goRules() []*Rule {
	return []*Rule{
		{ID: "GO-NOOP-FORMAT", Verdict: NoOp, Lang: "go", run: runGoNoopFormat,
			Summary:   "the package's declarations are unchanged ignoring positions, comments, the file each lives in and consistent renaming of locals and parameters; a go.sum-only change",
			Doc:       "Declarations are compared as canonical text: signatures without parameter names, types with package paths instead of import names, bodies with locals renamed by order of appearance. What is equal compiles to the same code.",
			Reference: refTaxonomy},
		{ID: "GO-NOOP-TEST", Verdict: NoOp, Lang: "go", run: runGoNoopTest,
			Summary:   "_test.go files; directories the go tool ignores (testdata/, names starting with _ or .); example/, examples/",
			Doc:       "The go tool does not build these into the program.",
			Reference: "go help packages"},
		{ID: "GO-FUNC-BODY", Verdict: LivePatchable, Lang: "go", run: runGoFuncBody,
			Summary:   "body of a non-generic func/method changed, signature unchanged, not inlinable",
			Doc:       "The function is replaced; no caller holds a copy of it because gc could not inline it (its old cost exceeds the budget by a margin, or it contains go, defer or recover, or is marked //go:noinline).",
			Reference: refGcInl},
		{ID: "GO-FUNC-ADDED", Verdict: LivePatchable, Lang: "go", run: runGoFuncAdded,
			Summary:   "a new func, or a method on a new type",
			Doc:       "New code carried by the patch; nothing in the running program refers to it yet.",
			Reference: refTaxonomy},
		{ID: "GO-FUNC-REMOVED", Verdict: LivePatchable, Lang: "go", run: runGoFuncRemoved,
			Summary:   "a func removed (unexported, or in an internal/main package)",
			Doc:       "Its callers changed with it; the old copy stays in the binary, unused.",
			Reference: refTaxonomy},
		{ID: "GO-VAR-ADDED", Verdict: LivePatchable, Lang: "go", run: runGoVarAdded,
			Summary:   "a new package-level var, whatever its initializer",
			Doc:       "The patch module initialises its own new variables when it is loaded.",
			Reference: refTaxonomy},
		{ID: "GO-CONST-ADDED", Verdict: LivePatchable, Lang: "go", run: runGoConstAdded,
			Summary:   "a new const",
			Doc:       "A new constant is only compiled into the new code that uses it.",
			Reference: refTaxonomy},
		{ID: "GO-TYPE-ADDED", Verdict: LivePatchable, Lang: "go", run: runGoTypeAdded,
			Summary:   "a new type",
			Doc:       "No value of a new type exists in the running program.",
			Reference: refTaxonomy},
		{ID: "GO-TYPE-REMOVED", Verdict: LivePatchable, Lang: "go", run: runGoTypeRemoved,
			Summary:   "an unexported type, or one in an internal/main package, removed",
			Doc:       "Its users changed with it.",
			Reference: refTaxonomy},
		{ID: "GO-INLINABLE", Verdict: InterfaceInternal, Lang: "go", run: runGoInlinable,
			Summary:   "the old body of a changed function was small enough for gc to inline (cost ≤ 80): its callers join the closure",
			Doc:       "The cost is estimated from the syntax the way Go 1.26's inliner counts (about one per node, 57 per call not inlined, 17 per call of a parameter, 15 per closure, the callee's cost for a call gc inlines; the standard library's own inlining decisions are built in); go, defer, recover() and //go:noinline forbid inlining. Where callees cannot be seen (another module, an interface method) the estimate is a range, and a function that may be inlined is treated as inlinable: an exported inlinable function stays interface-internal, since inlining is not an interface. Measured against gc on 9,708 standard-library functions, the estimate never calls an inlined function non-inlinable. Where the estimate is unsure and the package builds offline (its dependencies in the module cache), the local compiler is asked (go build -gcflags=-m=2, never run, never downloading). Approximations: the rules are Go 1.26's for every module — older compilers forbade more (closures before 1.17, range loops before 1.18), so an older toolchain only inlines less and the verdict errs on the safe side; a module that needs a newer Go than 1.26, or a tree with a default.pgo profile (hot call sites inline up to a cost of 2,000), makes every function without a hard forbid count as inlinable.",
			Reference: refGcInl},
		{ID: "GO-GENERIC", Verdict: InterfaceInternal, Lang: "go", run: runGoGeneric,
			Summary:   "body of a generic func or of a method on a generic type changed",
			Doc:       "Every instantiation (compiled into the packages that use it) is new code: the users join the closure.",
			Reference: refGoSpec},
		{ID: "GO-SIG-INTERNAL", Verdict: InterfaceInternal, Lang: "go", run: runGoSigInternal,
			Summary:   "signature of an unexported func/method, or of any func in an internal/ or main package",
			Doc:       "Every caller is in the module: they are recompiled and replaced together (the closure).",
			Reference: refK42},
		{ID: "GO-CONST-INTERNAL", Verdict: InterfaceInternal, Lang: "go", run: runGoConstInternal,
			Summary:   "value of an unexported const (or one in internal/main) changed",
			Doc:       "Constants are compiled into their users, which are replaced together (the closure). Values are compared after folding.",
			Reference: refGoSpec},
		{ID: "GO-METHOD-SET", Verdict: InterfaceInternal, Lang: "go", run: runGoMethodSet,
			Summary:   "a method added to or removed from an existing type",
			Doc:       "The running binary's type descriptor and interface tables keep the old method set, so interface satisfaction computed at run time does not see the change; the code that relies on it is replaced together.",
			Reference: refTaxonomy},
		{ID: "GO-STRUCT-LAYOUT", Verdict: StateTransfer, Lang: "go", run: runGoStructLayout,
			Summary:   "fields of an existing struct added, removed, reordered or retyped; embedded fields; struct tags",
			Doc:       "Values in memory have the old layout (and reflection reads the old tags).",
			Reference: refKsplice},
		{ID: "GO-TYPE-CHANGED", Verdict: StateTransfer, Lang: "go", run: runGoTypeChanged,
			Summary:   "an existing defined type's underlying type changed (non-struct), or an alias changed",
			Doc:       "Values in memory and the type's run-time metadata are the old ones.",
			Reference: refKsplice},
		{ID: "GO-VAR-INIT", Verdict: StateTransfer, Lang: "go", run: runGoVarInit,
			Summary:   "the initializer (or type) of an existing package-level var changed",
			Doc:       "Its value was computed when the program started and may have changed since.",
			Reference: refTaxonomy},
		{ID: "GO-INIT-FUNC", Verdict: StateTransfer, Lang: "go", run: runGoInitFunc,
			Summary:   "a package init() added, removed or changed, or a function only init() or package-level var initializers call",
			Doc:       "Initialization already ran in the running program.",
			Reference: refGoSpec},
		{ID: "GO-EMBED", Verdict: StateTransfer, Lang: "go", run: runGoEmbed,
			Summary:   "a file matched by a //go:embed pattern changed, or the patterns did",
			Doc:       "Embedded files are data in the binary, referenced by variables already initialised.",
			Reference: "embed package documentation"},
		{ID: "GO-SIG-EXPORTED", Verdict: InterfaceExternal, Lang: "go", run: runGoSigExported,
			Summary:   "signature of an exported func/method of a public package changed, or it (or an exported var) was removed",
			Doc:       "Other modules compiled against it.",
			Reference: refApidiff},
		{ID: "GO-API-TYPE", Verdict: InterfaceExternal, Lang: "go", run: runGoAPIType,
			Summary:   "an exported type of a public package changed incompatibly (removed field or method, changed interface method set, changed underlying type); an exported var retyped",
			Doc:       "Compatibility follows golang.org/x/exp/apidiff: adding a field or a method to a struct type is compatible (unless the struct stops being comparable), adding or removing an interface method is not. Where syntax cannot decide, the finding says so and the verdict stays external.",
			Reference: refApidiff},
		{ID: "GO-CONST-EXPORTED", Verdict: InterfaceExternal, Lang: "go", run: runGoConstExported,
			Summary:   "value of an exported const of a public package changed, or it was removed",
			Doc:       "Other modules compiled the old value in.",
			Reference: refApidiff},
		{ID: "GO-ASM", Verdict: NotPatchable, Lang: "go", run: runGoAsm,
			Summary:   "a .s file of a Go package changed",
			Doc:       "Assembly has no function-level patch.",
			Reference: refTaxonomy},
		{ID: "GO-TOOLCHAIN", Verdict: NotPatchable, Lang: "go", run: runGoToolchain,
			Summary:   "go, toolchain or module directive in go.mod changed",
			Doc:       "Another compiler (or another module path, which renames every symbol) builds a different binary.",
			Reference: "go.mod reference"},
		{ID: "GO-DIRECTIVE", Verdict: NotPatchable, Lang: "go", run: runGoDirective,
			Summary:   "//go:linkname, //go:nosplit, //go:build constraints or a cgo preamble changed",
			Doc:       "These bind code below the language: symbol names, stack checks, which files are built, C code compiled in.",
			Reference: "cmd/compile documentation (directives)"},
		{ID: "GO-MOD-DEPS", Verdict: Unknown, Lang: "go", run: runGoModDeps,
			Summary:   "a required module's version changed (indirect ones and replacements too), or vendored code",
			Doc:       "The dependency's code is in the binary but not in this repository; until its diff is analysed the change is unknown.",
			Reference: refTaxonomy},
		{ID: "GO-PARSE", Verdict: Unknown, Lang: "go", run: runGoParse,
			Summary:   "a changed .go file (or go.mod) does not parse",
			Doc:       "Code the tool did not understand is never called live-patchable; the package's other findings are still listed.",
			Reference: refTaxonomy},
		{ID: "GO-MAIN", Verdict: NotPatchable, Lang: "go", run: runGoMain,
			Summary:   "func main of a main package changed, or is in the patch closure",
			Doc:       "main's frame never returns while the program runs.",
			Reference: refKsplice},
		{ID: "GO-NEVER-RETURNS", Verdict: NotPatchable, Lang: "go", run: runGoNeverReturns,
			Summary:   "a changed function contains an unconditional for {} with no return, break or goto out of it; or the config names it long-running",
			Doc:       "A goroutine inside the loop keeps running the old code. Service loops that exit only on shutdown (for { select { … case <-stop: return } }) cannot be told from ordinary loops by syntax; name them in the config's long-running list.",
			Reference: refKsplice},
	}
}
