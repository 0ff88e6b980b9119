// Package config loads .dynupd.yaml: the facts about a repository that the
// classifiers cannot see in the code (public headers, export macros, the
// build's defines, start-up and long-running functions, non-code files,
// per-rule verdict overrides, limits).
package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"gopkg.in/yaml.v3"
)

// DefaultMaxFileSize is the size over which a file is skipped.
const DefaultMaxFileSize = 2 << 20

// FileName is the config file's name at the root of the analysed tree.
const FileName = ".dynupd.yaml"

// Config is the parsed .dynupd.yaml. The zero value is the default.
type Config struct {
	PublicHeaders  []string          `yaml:"public-headers"`
	PrivateHeaders []string          `yaml:"private-headers"`
	ExportMacros   []string          `yaml:"export-macros"`
	PrivateGuards  []string          `yaml:"private-guards"`
	Defines        map[string]string `yaml:"defines"`
	InitFunctions  []string          `yaml:"init-functions"`
	LongRunning    []string          `yaml:"long-running"`
	NonCode        []string          `yaml:"noncode"`
	Code           []string          `yaml:"code"`
	Overrides      map[string]string `yaml:"overrides"`
	MaxFileSize    Size              `yaml:"max-file-size"`
	// GoExportedInternal declares that exported Go identifiers are not an
	// interface to code outside the repository (an application).
	GoExportedInternal bool `yaml:"go-exported-internal"`
	// Policy is read by the check command.
	Policy Policy `yaml:"policy"`

	raw []byte
}

// Policy is what the CI gate enforces.
type Policy struct {
	FailOn     string   `yaml:"fail-on"`
	AllowRules []string `yaml:"allow-rules"`
	AllowPaths []string `yaml:"allow-paths"`
	// AllowUnknown lets an unknown verdict pass the gate.
	AllowUnknown bool `yaml:"allow-unknown"`
}

// Size is a byte count written as a number or with a KiB/MiB/GiB suffix.
type Size int64

// UnmarshalYAML parses "2MiB", "512KiB", "1000000".
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseSize(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: max-file-size: %w", n.Line, err)
	}
	*s = Size(v)
	return nil
}

// ParseSize parses a byte count with an optional KiB/MiB/GiB (or K/M/G) suffix.
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	orig, mult := s, int64(1)
	for _, u := range []struct {
		suf string
		m   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suf) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suf)), u.m
			break
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 || v > math.MaxInt64/mult {
		return 0, fmt.Errorf("bad size %q (want bytes, or a number with KiB, MiB or GiB, at most 8 EiB)", orig)
	}
	return v * mult, nil
}

// Load reads a config file.
func Load(file string) (*Config, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return c, nil
}

// verdicts are the names a verdict override may use (kept here so that the
// config package does not depend on the classifiers).
var verdicts = []string{"no-op", "live-patchable", "interface-internal", "state-transfer", "interface-external", "not-patchable", "unknown"}

// Parse parses config bytes. Unknown keys and values of the wrong shape are
// errors naming the line.
func Parse(b []byte) (*Config, error) {
	c := &Config{}
	if len(bytes.TrimSpace(b)) > 0 {
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(c); errors.Is(err, io.EOF) {
			// Only comments: the default config.
		} else if err != nil {
			return nil, cleanYAMLError(err)
		}
		var root yaml.Node
		if err := yaml.Unmarshal(b, &root); err != nil {
			return nil, cleanYAMLError(err)
		}
		if err := c.validate(&root); err != nil {
			return nil, err
		}
	}
	c.raw = append([]byte(nil), b...)
	return c, nil
}

func cleanYAMLError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.ReplaceAll(msg, "unmarshal errors:\n  ", "")
	msg = strings.ReplaceAll(msg, " in type config.Config", "")
	msg = strings.ReplaceAll(msg, " in type config.Policy", "")
	return errors.New(msg)
}

// validate checks values the YAML types cannot: verdict names, glob syntax.
func (c *Config) validate(root *yaml.Node) error {
	lineOf := func(key, sub string) int {
		if root == nil || len(root.Content) == 0 {
			return 0
		}
		m := root.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value != key {
				continue
			}
			v := m.Content[i+1]
			if sub == "" {
				return m.Content[i].Line
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				if v.Content[j].Value == sub {
					return v.Content[j].Line
				}
			}
			for _, e := range v.Content {
				if e.Value == sub {
					return e.Line
				}
			}
			return m.Content[i].Line
		}
		return 0
	}
	keys := make([]string, 0, len(c.Overrides))
	for k := range c.Overrides {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, rule := range keys {
		v := c.Overrides[rule]
		ok := false
		for _, n := range verdicts {
			if v == n {
				ok = true
			}
		}
		if !ok {
			return fmt.Errorf("line %d: overrides: %s: unknown verdict %q (want one of %s)", lineOf("overrides", rule), rule, v, strings.Join(verdicts, ", "))
		}
	}
	if c.Policy.FailOn != "" {
		ok := false
		for _, n := range verdicts {
			if c.Policy.FailOn == n {
				ok = true
			}
		}
		if !ok {
			return fmt.Errorf("line %d: policy: fail-on: unknown verdict %q", lineOf("policy", "fail-on"), c.Policy.FailOn)
		}
	}
	for _, list := range []struct {
		key   string
		globs []string
	}{{"public-headers", c.PublicHeaders}, {"private-headers", c.PrivateHeaders}, {"noncode", c.NonCode}, {"code", c.Code},
		{"init-functions", c.InitFunctions}, {"long-running", c.LongRunning}} {
		for _, g := range list.globs {
			if !doublestar.ValidatePattern(g) {
				return fmt.Errorf("line %d: %s: bad glob %q", lineOf(list.key, g), list.key, g)
			}
		}
	}
	return nil
}

// Hash identifies the config's content, for keying stored results.
func (c *Config) Hash() string {
	if c == nil {
		return "default"
	}
	s := sha256.Sum256(c.raw)
	return hex.EncodeToString(s[:8])
}

// MaxSize returns the file size limit.
func (c *Config) MaxSize() int64 {
	if c == nil || c.MaxFileSize <= 0 {
		return DefaultMaxFileSize
	}
	return int64(c.MaxFileSize)
}

// Match reports whether a repository path matches any of the globs. A glob
// without a '/' also matches the path's base name.
func Match(globs []string, p string) bool {
	for _, g := range globs {
		if ok, _ := doublestar.Match(g, p); ok {
			return true
		}
		if !strings.Contains(g, "/") {
			if ok, _ := doublestar.Match(g, path.Base(p)); ok {
				return true
			}
		}
	}
	return false
}

// MatchName reports whether a function name matches any of the globs.
func MatchName(globs []string, name string) bool {
	for _, g := range globs {
		if ok, _ := doublestar.Match(g, name); ok {
			return true
		}
	}
	return false
}
