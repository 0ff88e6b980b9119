// Package kinds decides the change kind of a commit — fix, perf, feature or
// other — from its commit message, so that a study can say what share of the
// bug-fix and performance changes of a history could have shipped as live
// patches (K42's question).
//
// The built-in rule is documented in docs/kinds.md; in order, the first step
// that decides wins:
//
//  1. per-commit overrides of an override file (hash prefix → kind);
//  2. git-generated subjects (Merge …, Revert "…", Reapply "…", or a body
//     saying "This reverts commit …") → other;
//  3. a CVE id anywhere in the message → fix;
//  4. a Conventional-Commits type on the subject (fix:, perf:, feat:, docs:, …);
//  5. the override file's own rules, in order;
//  6. the built-in keyword lists on the subject, then on the body, with the
//     precedence fix > perf > feature;
//  7. otherwise other.
//
// An override file (see Load) can add rules and per-commit kinds, replace the
// keyword lists, and switch the CVE and Conventional-Commits steps off.
package kinds

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// The four change kinds.
const (
	// Fix is a bug fix, including security fixes.
	Fix = "fix"
	// Perf is a performance improvement.
	Perf = "perf"
	// Feature is new functionality.
	Feature = "feature"
	// Other is everything else: refactoring, documentation, tests, build,
	// merges, reverts, and messages that say nothing the rule recognises.
	Other = "other"
)

// RuleVersion names the version of the built-in algorithm. It is part of
// every Hash; bump it when the matching logic (not just a word list) changes.
const RuleVersion = "1"

// maxScan bounds the bytes of a subject or body given to the keyword rule;
// a longer text is cut there (the CVE step and override patterns see all).
const maxScan = 64 << 10

// maxFile bounds the size of an override file.
const maxFile = 4 << 20

// IsKind reports whether k is one of the four change kinds.
func IsKind(k string) bool {
	return k == Fix || k == Perf || k == Feature || k == Other
}

// Classifier decides change kinds. It is immutable once built and safe for
// concurrent use. A nil *Classifier behaves as Default().
type Classifier struct {
	source       string // override file name; "" for the built-in rule
	replace      bool
	conventional bool
	cve          bool
	rules        []rule
	commits      []commitKind // longest prefix first
	keywords     *matcher     // built-in keyword lists; nil when replaced
	hash         string
}

// rule is one entry of an override file's rules list.
type rule struct {
	kind    string
	where   string   // subject, body or message
	words   []string // normalised (lower case, single spaces), sorted
	match   *matcher // built from words
	pattern *regexp.Regexp
}

// commitKind is a per-commit override.
type commitKind struct {
	prefix string // lower-case hex
	kind   string
}

// Default returns the built-in rule documented in docs/kinds.md.
func Default() *Classifier {
	c := &Classifier{conventional: true, cve: true, keywords: builtinMatcher()}
	c.hash = c.computeHash()
	return c
}

// Kind returns the change kind of a commit: Fix, Perf, Feature or Other.
// commit is the commit's full hex hash (used only for per-commit overrides)
// and message its full message: subject, blank line, body.
func (c *Classifier) Kind(commit, message string) string {
	if c == nil {
		c = Default()
	}
	if k, ok := c.commitOverride(commit); ok {
		return k
	}
	m := splitMessage(message)
	if gitGenerated(m) {
		return Other
	}
	if c.cve && cveRE.MatchString(m.full) {
		return Fix
	}
	if c.conventional {
		if k, ok := conventionalKind(m.subject); ok {
			return k
		}
	}
	if len(c.rules) == 0 && c.keywords == nil {
		return Other
	}
	subj := scanText(m.subject)
	body := scanText(cleanBody(m.body))
	st, bt := tokenize(subj), tokenize(body)
	for i := range c.rules {
		if c.rules[i].matches(m, st, bt) {
			return c.rules[i].kind
		}
	}
	if c.keywords != nil {
		if k := c.keywords.kindOf(subj, st); k != "" {
			return k
		}
		if k := c.keywords.kindOf(body, bt); k != "" {
			return k
		}
	}
	return Other
}

// Hash returns a stable digest (16 hex digits) of the effective rules: the
// built-in lists in force, the switches, the override rules and the
// per-commit kinds. Two classifiers that decide alike by construction have
// the same hash (an empty override file hashes as Default); any change to
// what an override file says changes it.
func (c *Classifier) Hash() string {
	if c == nil {
		return Default().Hash()
	}
	return c.hash
}

// Describe returns one sentence, without a final period, describing the rule
// in force, for a report's method section.
func (c *Classifier) Describe() string {
	if c == nil {
		c = Default()
	}
	var b strings.Builder
	if c.replace {
		fmt.Fprintf(&b, "keyword rules of %s (%s, %s; built-in keywords replaced)", c.source, plural(len(c.rules), "rule"), plural(len(c.commits), "commit"))
	} else {
		b.WriteString("built-in keyword rule (docs/kinds.md)")
	}
	switch {
	case c.conventional && c.cve:
		b.WriteString(" with Conventional-Commit prefixes and CVE ids")
	case c.conventional:
		b.WriteString(" with Conventional-Commit prefixes, without CVE ids")
	case c.cve:
		b.WriteString(" with CVE ids, without Conventional-Commit prefixes")
	default:
		b.WriteString(" without Conventional-Commit prefixes or CVE ids")
	}
	if c.source != "" && !c.replace {
		fmt.Fprintf(&b, ", overridden by %s (%s, %s)", c.source, plural(len(c.rules), "rule"), plural(len(c.commits), "commit"))
	}
	return b.String()
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

func (c *Classifier) commitOverride(commit string) (string, bool) {
	if len(c.commits) == 0 || commit == "" {
		return "", false
	}
	commit = strings.ToLower(strings.TrimSpace(commit))
	for _, o := range c.commits {
		if strings.HasPrefix(commit, o.prefix) {
			return o.kind, true
		}
	}
	return "", false
}

func (r *rule) matches(m message, subj, body text) bool {
	if r.pattern != nil {
		switch r.where {
		case "subject":
			return r.pattern.MatchString(m.subject)
		case "body":
			return r.pattern.MatchString(m.body)
		default:
			return r.pattern.MatchString(m.full)
		}
	}
	switch r.where {
	case "subject":
		return r.match.match(subj) != 0
	case "body":
		return r.match.match(body) != 0
	default:
		return r.match.match(subj) != 0 || r.match.match(body) != 0
	}
}

// computeHash digests a canonical text of the effective rules.
func (c *Classifier) computeHash() string {
	h := sha256.New()
	fmt.Fprintf(h, "dynupd kinds rule v%s\n", RuleVersion)
	fmt.Fprintf(h, "conventional=%t cve=%t keywords=%t\n", c.conventional, c.cve, c.keywords != nil)
	if c.conventional {
		for _, t := range conventionalTypes() {
			fmt.Fprintf(h, "type %s %s\n", t.name, t.kind)
		}
	}
	if c.keywords != nil {
		for _, l := range builtinLists() {
			fmt.Fprintf(h, "list %s %q\n", l.kind, l.words)
		}
		fmt.Fprintf(h, "complexity %q\n", complexityRE.String())
	}
	for _, r := range c.rules {
		if r.pattern != nil {
			fmt.Fprintf(h, "rule %s %s pattern %q\n", r.kind, r.where, r.pattern.String())
		} else {
			fmt.Fprintf(h, "rule %s %s words %q\n", r.kind, r.where, r.words)
		}
	}
	for _, o := range c.commits {
		fmt.Fprintf(h, "commit %s %s\n", o.prefix, o.kind)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// ---- the built-in tables ----

// wordList is one row of the built-in keyword table. kind "" marks neutral
// phrases: their words are ignored by the other lists.
type wordList struct {
	kind  string
	words []string
}

// builtinLists returns the built-in keyword table, in precedence order. Words
// and phrases are matched whole and case-insensitively; a space or a hyphen
// inside a phrase matches any run of spaces, line breaks and hyphens.
// docs/kinds.md lists the same words (a test keeps them in step).
func builtinLists() []wordList {
	return []wordList{
		{Fix, []string{
			"fix", "fixes", "fixed", "fixing", "bug", "bugs", "bugfix", "bugfixes", "hotfix",
			"crash", "crashes", "crashed", "crashing", "segfault", "segfaults", "segmentation fault", "sigsegv",
			"leak", "leaks", "leaked", "leaking",
			"overflow", "overflows", "overflowed", "underflow", "underflows", "overrun", "overruns",
			"use-after-free", "double free", "null pointer", "null deref", "null dereference",
			"nil pointer", "nil deref", "nil dereference", "null check", "nil check", "bounds check",
			"out-of-bounds", "off-by-one", "invalid read", "invalid write",
			"uninitialized", "uninitialised", "undefined behavior", "undefined behaviour",
			"race", "races", "racy", "deadlock", "deadlocks", "livelock",
			"regression", "regressions", "vulnerability", "vulnerabilities", "security",
			"incorrect", "incorrectly", "wrong", "wrongly", "broken", "breakage",
			"hang", "hangs", "hanging", "infinite loop",
			"assert failure", "assertion failure", "assertion failed",
			"corrupt", "corrupted", "corruption", "panic", "panics", "erroneous",
		}},
		{Perf, []string{
			"performance", "perf", "faster", "speedup", "speedups", "speed up", "speeds up", "speeding up", "sped up",
			"optimize", "optimizes", "optimized", "optimizing", "optimization", "optimizations",
			"optimise", "optimises", "optimised", "optimising", "optimisation", "optimisations",
			"latency", "throughput", "efficient", "efficiently", "efficiency", "inefficient", "inefficiency",
			"scalability", "cheaper", "quadratic", "too slow", "slowness",
			"fast path", "fastpath", "hot path",
			"reduce allocations", "fewer allocations", "avoid allocations", "avoid allocating", "avoid an allocation",
			"reduce memory", "memory usage", "avoid copying", "avoid a copy", "avoid copies", "zero-copy",
			"vectorize", "vectorise", "vectorized", "vectorised", "simd",
		}},
		{Feature, []string{
			"add", "adds", "added", "adding", "new", "support", "supports",
			"implement", "implements", "implemented", "implementing",
			"introduce", "introduces", "introduced", "introducing",
			"feature", "features", "allow", "allows", "allowing", "enable", "enables",
			"expose", "exposes", "provide", "provides", "extend", "extends", "configurable",
		}},
		{"", []string{
			"regression test", "regression tests", "race detector", "bug report", "bug reports",
			"bug tracker", "security policy", "new line", "new lines",
		}},
	}
}

// complexityExamples are the forms of complexityRE that docs/kinds.md shows.
func complexityExamples() []string {
	return []string{"O(1)", "O(log n)", "O(n)", "O(n log n)", "O(n^2)"}
}

// complexityRE matches big-O notation, which marks a perf change.
var complexityRE = regexp.MustCompile(`(?i)\bO\(\s*(?:1|log\s*[a-z]|[a-z](?:\s*log\s*[a-z]|\s*\^\s*[0-9a-z]|²|\s*\*\s*[a-z])?)\s*\)`)

// convType is a Conventional-Commits type and the kind it gives.
type convType struct{ name, kind string }

// conventionalTypes returns the Conventional-Commits types the rule knows.
func conventionalTypes() []convType {
	return []convType{
		{"fix", Fix}, {"bugfix", Fix}, {"hotfix", Fix},
		{"perf", Perf},
		{"feat", Feature}, {"feature", Feature},
		{"revert", Other}, {"docs", Other}, {"doc", Other}, {"style", Other}, {"test", Other}, {"tests", Other},
		{"chore", Other}, {"ci", Other}, {"build", Other}, {"refactor", Other},
	}
}

var (
	// cveRE matches a CVE id.
	cveRE = regexp.MustCompile(`(?i)\bCVE-[0-9]{4}-[0-9]{4,}\b`)
	// conventionalRE matches a Conventional-Commits header: type, optional
	// (scope), optional breaking-change mark, colon and a space (or the end).
	conventionalRE = regexp.MustCompile(`^([A-Za-z]+)(?:\([^()\n]*\))?!?:(?:\s|$)`)
	// mergeRE matches the subjects git and forges write for merges.
	mergeRE = regexp.MustCompile(`^(?:Merge (?:branch|branches|remote-tracking branch|remote branch|tag|tags|pull request|commit|changes|'|")|Merged (?:in|PR) )`)
	// revertRE matches the subjects git writes for reverts.
	revertRE = regexp.MustCompile(`^(?:Revert|Reapply) "`)
	// revertBodyRE matches the line git writes into a revert's body.
	revertBodyRE = regexp.MustCompile(`(?m)^\s*This reverts commit [0-9a-fA-F]{7,}`)
	// trailerRE matches trailer lines that carry names and ids, not prose.
	trailerRE = regexp.MustCompile(`(?i)^\s*(?:[a-z][a-z0-9-]*-by|cc|change-id|reviewed-on|git-svn-id|run-trybot|trybot-result|trybot-bypass|auto-submit|commit-queue):`)
	// urlRE matches URLs, whose path words are not prose.
	urlRE = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s<>()"]*`)
	// wordRE is what a word of an override rule may be.
	wordRE = regexp.MustCompile(`^[\pL\p{Nd}_]+(?:[\s-]+[\pL\p{Nd}_]+)*$`)
	// hashRE is a per-commit override's hash prefix.
	hashRE = regexp.MustCompile(`^[0-9a-fA-F]{7,64}$`)
)

func conventionalKind(subject string) (string, bool) {
	m := conventionalRE.FindStringSubmatch(subject)
	if m == nil {
		return "", false
	}
	t := strings.ToLower(m[1])
	for _, ct := range conventionalTypes() {
		if ct.name == t {
			return ct.kind, true
		}
	}
	return "", false
}

// ---- messages ----

// message is a commit message split as git log shows it.
type message struct {
	full    string // the whole message, line ends normalised to \n
	subject string // the first non-blank line, trimmed
	body    string // the lines after the subject, trimmed
}

func splitMessage(s string) message {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	rest := strings.TrimLeft(s, " \t\n")
	subj, body, _ := strings.Cut(rest, "\n")
	return message{full: s, subject: strings.TrimSpace(subj), body: strings.TrimSpace(body)}
}

func gitGenerated(m message) bool {
	return mergeRE.MatchString(m.subject) || revertRE.MatchString(m.subject) || revertBodyRE.MatchString(m.body)
}

// cleanBody drops trailer lines that carry names or ids (Signed-off-by,
// Reviewed-on, Change-Id, …) and URLs from a body before keyword matching.
func cleanBody(body string) string {
	body = scanText(body)
	if body == "" {
		return ""
	}
	lines := strings.Split(body, "\n")
	kept := lines[:0]
	for _, l := range lines {
		if !trailerRE.MatchString(l) {
			kept = append(kept, l)
		}
	}
	return urlRE.ReplaceAllString(strings.Join(kept, "\n"), " ")
}

// scanText cuts s to maxScan bytes.
func scanText(s string) string {
	if len(s) > maxScan {
		return s[:maxScan]
	}
	return s
}

// ---- words ----

// text is a tokenised string: its words in lower case, and for each word
// whether only spaces, line breaks and hyphens separate it from the one
// before (so that it continues a phrase).
type text struct {
	toks   []string
	joined []bool
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// tokenize splits s into words: maximal runs of letters, digits and
// underscores. "fix_overflow" and "lua_newstate" are one word each.
func tokenize(s string) text {
	var t text
	joinable := false // whether only spaces and hyphens follow the last word
	start := -1
	for i := 0; i <= len(s); {
		r, size := utf8.RuneError, 1
		if i < len(s) {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if i < len(s) && isWordRune(r) {
			if start < 0 {
				start = i
			}
			i += size
			continue
		}
		if start >= 0 {
			t.toks = append(t.toks, strings.ToLower(s[start:i]))
			t.joined = append(t.joined, len(t.toks) > 1 && joinable)
			start = -1
			joinable = true
		}
		if i < len(s) && !(r == '-' || unicode.IsSpace(r)) {
			joinable = false
		}
		i += size
	}
	return t
}

// entry is a word or phrase of a matcher.
type entry struct {
	toks []string
	kind string // "" for a neutral phrase
}

// matcher finds whole words and phrases in a text.
type matcher struct {
	byFirst map[string][]entry
	neutral bool // has neutral phrases
}

func newMatcher(lists []wordList) *matcher {
	m := &matcher{byFirst: map[string][]entry{}}
	for _, l := range lists {
		for _, w := range l.words {
			t := tokenize(w)
			if len(t.toks) == 0 {
				continue
			}
			m.byFirst[t.toks[0]] = append(m.byFirst[t.toks[0]], entry{toks: t.toks, kind: l.kind})
			if l.kind == "" {
				m.neutral = true
			}
		}
	}
	return m
}

func builtinMatcher() *matcher { return newMatcher(builtinLists()) }

// kindSet is a set of kinds, one bit each in precedence order.
type kindSet uint8

var precedence = [...]string{Fix, Perf, Feature, Other}

func bit(kind string) kindSet {
	for i, k := range precedence {
		if k == kind {
			return 1 << i
		}
	}
	return 0
}

// top returns the kind of highest precedence in s, or "".
func (s kindSet) top() string {
	for i, k := range precedence {
		if s&(1<<i) != 0 {
			return k
		}
	}
	return ""
}

// at reports whether toks occur in t from word i on, as a phrase.
func (t text) at(i int, toks []string) bool {
	if i+len(toks) > len(t.toks) {
		return false
	}
	for j, w := range toks {
		if t.toks[i+j] != w || (j > 0 && !t.joined[i+j]) {
			return false
		}
	}
	return true
}

// match returns the kinds of the entries found in t. Words covered by a
// neutral phrase count for no entry.
func (m *matcher) match(t text) kindSet {
	var covered []bool
	if m.neutral {
		for i, w := range t.toks {
			for _, e := range m.byFirst[w] {
				if e.kind == "" && t.at(i, e.toks) {
					if covered == nil {
						covered = make([]bool, len(t.toks))
					}
					for j := range e.toks {
						covered[i+j] = true
					}
				}
			}
		}
	}
	var set kindSet
	for i, w := range t.toks {
		for _, e := range m.byFirst[w] {
			if e.kind == "" || !t.at(i, e.toks) {
				continue
			}
			hit := true
			for j := range e.toks {
				if covered != nil && covered[i+j] {
					hit = false
				}
			}
			if hit {
				set |= bit(e.kind)
			}
		}
	}
	return set
}

// kindOf applies the built-in lists and big-O notation to one text.
func (m *matcher) kindOf(raw string, t text) string {
	set := m.match(t)
	if complexityRE.MatchString(raw) {
		set |= bit(Perf)
	}
	return set.top()
}

// ---- override files ----

// fileSpec is the YAML override file.
type fileSpec struct {
	Replace      bool              `yaml:"replace"`
	Conventional *bool             `yaml:"conventional"`
	CVE          *bool             `yaml:"cve"`
	Rules        []fileRule        `yaml:"rules"`
	Commits      map[string]string `yaml:"commits"`
}

// fileRule is one entry of the override file's rules list.
type fileRule struct {
	Kind    string   `yaml:"kind"`
	Words   []string `yaml:"words"`
	Pattern string   `yaml:"pattern"`
	Where   string   `yaml:"where"`
}

// Load reads a YAML override file (the --kinds FILE of the study and report
// commands); see Parse and docs/kinds.md.
func Load(path string) (*Classifier, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read kinds file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, fmt.Errorf("read kinds file %s: %w", path, err)
	}
	if len(data) > maxFile {
		return nil, fmt.Errorf("%s: kinds file larger than %d bytes", path, maxFile)
	}
	return Parse(data, path)
}

// Parse builds a classifier from the bytes of a YAML override file; name (the
// file's name) prefixes error messages as name:line and appears in Describe.
// Unknown keys, invalid kinds, bad regexps, words with punctuation, short or
// non-hex hashes are errors. An empty file gives the built-in rule.
func Parse(data []byte, name string) (c *Classifier, err error) {
	if name == "" {
		name = "kinds file"
	}
	defer func() {
		// The YAML decoder is third-party code; never let bad input panic.
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("%s: cannot parse: %v", name, r)
		}
	}()
	var spec fileSpec
	var root yaml.Node
	if len(bytes.TrimSpace(data)) > 0 {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		switch err := dec.Decode(&spec); {
		case errors.Is(err, io.EOF):
		case err != nil:
			return nil, yamlError(name, err)
		default:
			var extra yaml.Node
			switch err := dec.Decode(&extra); {
			case errors.Is(err, io.EOF):
			case err != nil:
				return nil, yamlError(name, err)
			default:
				return nil, fmt.Errorf("%s:%d: more than one YAML document", name, extra.Line)
			}
			if err := yaml.Unmarshal(data, &root); err != nil {
				return nil, yamlError(name, err)
			}
		}
	}
	return build(&spec, mappingOf(&root), name)
}

// yamlLineRE picks the line number out of a yaml.v3 error.
var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// unknownFieldRE matches yaml.v3's unknown-key error.
var unknownFieldRE = regexp.MustCompile(`^field (.*) not found in type .*$`)

// yamlError rewrites a yaml.v3 error as name:line: message lines.
func yamlError(name string, err error) error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	errs := make([]error, 0, len(msgs))
	for _, msg := range msgs {
		msg = strings.TrimPrefix(msg, "yaml: ")
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			text := m[2]
			if u := unknownFieldRE.FindStringSubmatch(text); u != nil {
				text = fmt.Sprintf("unknown key %q", u[1])
			}
			text = strings.ReplaceAll(text, " into kinds.fileSpec", " into the kinds file")
			text = strings.ReplaceAll(text, " into kinds.fileRule", " into a rule")
			errs = append(errs, fmt.Errorf("%s:%s: %s", name, m[1], text))
			continue
		}
		errs = append(errs, fmt.Errorf("%s: %s", name, msg))
	}
	return errors.Join(errs...)
}

// mappingOf returns the top-level mapping of a parsed document, or nil.
func mappingOf(doc *yaml.Node) *yaml.Node {
	n := deref(doc)
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = deref(n.Content[0])
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	return n
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// lookup returns the key and value nodes of key in mapping m (either may
// be nil).
func lookup(m *yaml.Node, key string) (k, v *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], deref(m.Content[i+1])
		}
	}
	return nil, nil
}

// lineOf returns the line of the first non-nil node, or fallback.
func lineOf(fallback int, nodes ...*yaml.Node) int {
	for _, n := range nodes {
		if n != nil && n.Line > 0 {
			return n.Line
		}
	}
	return fallback
}

// build checks a decoded file against its node tree (for line numbers) and
// makes the classifier.
func build(spec *fileSpec, top *yaml.Node, name string) (*Classifier, error) {
	c := &Classifier{source: name, replace: spec.Replace, conventional: true, cve: true}
	if spec.Conventional != nil {
		c.conventional = *spec.Conventional
	}
	if spec.CVE != nil {
		c.cve = *spec.CVE
	}
	if !c.replace {
		c.keywords = builtinMatcher()
	}
	topLine := lineOf(1, top)

	rulesKey, rulesNode := lookup(top, "rules")
	for i, fr := range spec.Rules {
		var item *yaml.Node
		if rulesNode != nil && rulesNode.Kind == yaml.SequenceNode && i < len(rulesNode.Content) {
			item = deref(rulesNode.Content[i])
		}
		itemLine := lineOf(lineOf(topLine, rulesKey), item)
		at := func(key string) int {
			k, v := lookup(item, key)
			return lineOf(itemLine, v, k)
		}
		label := fmt.Sprintf("rules[%d]", i+1)
		r := rule{kind: fr.Kind, where: fr.Where}
		if !IsKind(fr.Kind) {
			return nil, fmt.Errorf("%s:%d: %s: kind %q is not one of fix, perf, feature, other", name, at("kind"), label, fr.Kind)
		}
		switch fr.Where {
		case "":
			r.where = "message"
		case "subject", "body", "message":
		default:
			return nil, fmt.Errorf("%s:%d: %s: where %q is not one of subject, body, message", name, at("where"), label, fr.Where)
		}
		switch {
		case len(fr.Words) > 0 && fr.Pattern != "":
			return nil, fmt.Errorf("%s:%d: %s: give words or pattern, not both (write two rules)", name, itemLine, label)
		case fr.Pattern != "":
			re, err := regexp.Compile(fr.Pattern)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %s: bad pattern: %w", name, at("pattern"), label, err)
			}
			r.pattern = re
		case len(fr.Words) > 0:
			seen := map[string]bool{}
			for _, w := range fr.Words {
				w = strings.TrimSpace(w)
				if !wordRE.MatchString(w) {
					return nil, fmt.Errorf("%s:%d: %s: word %q must be letters, digits and _, with spaces or hyphens between words (use pattern for anything else)", name, at("words"), label, w)
				}
				norm := strings.Join(tokenize(w).toks, " ")
				if !seen[norm] {
					seen[norm] = true
					r.words = append(r.words, norm)
				}
			}
			sort.Strings(r.words)
			r.match = newMatcher([]wordList{{kind: r.kind, words: r.words}})
		default:
			return nil, fmt.Errorf("%s:%d: %s: a rule needs words or a pattern", name, itemLine, label)
		}
		c.rules = append(c.rules, r)
	}

	commitsKey, commitsNode := lookup(top, "commits")
	prefixes := make([]string, 0, len(spec.Commits))
	for p := range spec.Commits {
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes)
	seen := map[string]string{}
	for _, p := range prefixes {
		k, v := lookup(commitsNode, p)
		keyLine := lineOf(lineOf(topLine, commitsKey), k)
		kind := spec.Commits[p]
		if !hashRE.MatchString(p) {
			return nil, fmt.Errorf("%s:%d: commits: %q is not a hash prefix of 7 to 64 hex digits", name, keyLine, p)
		}
		if !IsKind(kind) {
			return nil, fmt.Errorf("%s:%d: commits: %s: kind %q is not one of fix, perf, feature, other", name, lineOf(keyLine, v), p, kind)
		}
		lp := strings.ToLower(p)
		if prev, dup := seen[lp]; dup {
			return nil, fmt.Errorf("%s:%d: commits: %s is the same hash as %s", name, keyLine, p, prev)
		}
		seen[lp] = p
		c.commits = append(c.commits, commitKind{prefix: lp, kind: kind})
	}
	sort.Slice(c.commits, func(i, j int) bool {
		a, b := c.commits[i].prefix, c.commits[j].prefix
		if len(a) != len(b) {
			return len(a) > len(b)
		}
		return a < b
	})
	c.hash = c.computeHash()
	return c, nil
}
