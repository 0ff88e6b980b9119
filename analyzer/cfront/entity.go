package cfront

import (
	"fmt"
	"strings"
)

// Kind is the kind of a C entity.
type Kind uint8

// Entity kinds.
const (
	KFunc        Kind = iota // function definition
	KProto                   // function declaration (prototype)
	KGlobal                  // variable definition or extern declaration
	KStruct                  // struct definition
	KUnion                   // union definition
	KEnum                    // enum definition
	KTypedef                 // typedef
	KMacro                   // #define
	KUndef                   // #undef
	KInclude                 // #include
	KPragma                  // #pragma or _Pragma
	KDirective               // another directive (#error, #line, …)
	KMacroCall               // top-level macro invocation NAME(args);
	KAsm                     // top-level asm statement
	KStaticLocal             // function-scope static variable
	KAssert                  // _Static_assert
	KUnparsed                // a chunk that could not be parsed
	KForward                 // forward declaration: struct s;
)

var kindNames = [...]string{"func", "prototype", "global", "struct", "union", "enum", "typedef",
	"macro", "undef", "include", "pragma", "directive", "macro-call", "asm", "static", "static-assert", "declaration", "forward"}

// String returns the kind's name as findings spell it.
func (k Kind) String() string { return kindNames[k] }

// Field is one member of a struct or union.
type Field struct {
	Name string
	Type string // normalised type, typedef names unresolved
	Bits string // bitfield width, "" when none
	Cond string // #if condition inside the body, "" when none
}

// EnumMember is one enumerator with its value.
type EnumMember struct {
	Name  string
	Expr  string // the last explicit value expression at or before it ("" = 0)
	Off   int64  // how far past Expr it is
	Value int64  // evaluated value when Known
	Known bool
	Cond  string
}

// Same reports whether two members have the same value.
func (m EnumMember) Same(o EnumMember) bool {
	if m.Known && o.Known {
		return m.Value == o.Value
	}
	return m.Expr == o.Expr && m.Off == o.Off
}

// Entity is one top-level declaration of a C file (or a static local of a
// function), with what the classifiers compare.
type Entity struct {
	Kind          Kind
	Name          string
	Line, EndLine int
	Cond          string // guarding #if condition
	ChunkHash     uint64 // hash of the chunk it came from
	Exported      bool   // carries an export marker

	// Functions and prototypes.
	Storage    string   // "static", "extern" or ""
	Inline     bool     // inline, __inline__, always_inline
	Attrs      []string // sorted, normalised attribute names; "macro:NAME" for attribute macros
	Sig        string   // normalised signature: return and parameter types
	ParamNames []string
	BodyHash   uint64 // body tokens with parameters and locals renamed
	BodyLine   int    // line of the body's '{'
	Statics    []*Entity
	// NeverReturns is the line of an unconditional loop with no exit, 0 when none.
	NeverReturns int
	Uses         []string // identifiers the entity uses (outside its locals)

	// Globals, typedefs and static locals.
	Type     string // normalised type
	Const    bool   // the object itself is read-only
	Extern   bool   // a declaration without a definition
	HasInit  bool
	InitHash uint64
	// OnlyStrings marks a macro call whose arguments are all string literals.
	OnlyStrings bool

	// Structs, unions and enums.
	Fields  []Field
	Members []EnumMember
	Anon    bool // no tag: named after its typedef or first member
	// TypedefName is the typedef that names an anonymous aggregate.
	TypedefName string

	// Macros.
	FuncLike bool
	Params   []string
	Body     string // normalised replacement list

	// Text is the normalised token text for kinds compared as text
	// (directives, asm, static assertions).
	Text string

	// ParseErr says why the chunk could not be parsed; the other fields are
	// then a best guess from the scanner.
	ParseErr string
	// BodyErrs are grammar failures inside the body or initializer, each
	// acceptable only if a macro of the tree explains it.
	BodyErrs []BodyErr
}

// Key identifies an entity within a file for matching old and new versions.
func (e *Entity) Key() string {
	return e.Kind.KeyClass() + " " + e.Name
}

// KeyClass groups kinds that match each other across versions: a function
// and its prototype do not, a struct and a union do.
func (k Kind) KeyClass() string {
	switch k {
	case KStruct, KUnion:
		return "aggregate"
	}
	return k.String()
}

// Label names the entity as findings show it: "func main", "struct client".
func (e *Entity) Label() string {
	switch e.Kind {
	case KGlobal:
		return "var " + e.Name
	case KStaticLocal:
		return "static " + e.Name
	case KUnparsed:
		if e.Name == "" {
			return "declaration"
		}
		return "declaration " + e.Name
	}
	return e.Kind.String() + " " + e.Name
}

// HasAttr reports whether the entity carries attribute a.
func (e *Entity) HasAttr(a string) bool {
	for _, x := range e.Attrs {
		if x == a {
			return true
		}
	}
	return false
}

// IsStatic reports whether the entity has internal linkage.
func (e *Entity) IsStatic() bool { return e.Storage == "static" }

func (e *Entity) String() string {
	return fmt.Sprintf("%s@%d", e.Label(), e.Line)
}

// fieldsString renders fields compactly for messages and hashing.
func fieldsString(fs []Field) string {
	var b strings.Builder
	for i, f := range fs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Type)
		b.WriteString(" ")
		b.WriteString(f.Name)
		if f.Bits != "" {
			b.WriteString(":" + f.Bits)
		}
		if f.Cond != "" {
			b.WriteString(" [#if " + f.Cond + "]")
		}
	}
	return b.String()
}
