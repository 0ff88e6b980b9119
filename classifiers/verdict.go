// Package classifiers holds the verdict lattice, the rule registry and the
// rules themselves: small functions from entity changes to findings, each with
// an ID, a verdict, a doc paragraph and a reference (see TAXONOMY.md).
package classifiers

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Verdict says whether a change could be applied to a running program without
// a restart, and if not, why. Verdicts are ordered from mild to severe;
// Unknown is the most severe wherever a decision is made.
type Verdict uint8

// The verdicts of TAXONOMY.md, from mild to severe.
const (
	NoOp Verdict = iota
	LivePatchable
	InterfaceInternal
	StateTransfer
	InterfaceExternal
	NotPatchable
	Unknown
)

// Verdicts lists every verdict from mild to severe.
var Verdicts = []Verdict{NoOp, LivePatchable, InterfaceInternal, StateTransfer, InterfaceExternal, NotPatchable, Unknown}

var verdictNames = [...]string{"no-op", "live-patchable", "interface-internal", "state-transfer", "interface-external", "not-patchable", "unknown"}

// String returns the verdict's name as TAXONOMY.md spells it.
func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return fmt.Sprintf("verdict(%d)", uint8(v))
}

// ParseVerdict parses a verdict name as TAXONOMY.md spells it.
func ParseVerdict(s string) (Verdict, error) {
	s = strings.TrimSpace(s)
	for i, n := range verdictNames {
		if n == s {
			return Verdict(i), nil
		}
	}
	return Unknown, fmt.Errorf("unknown verdict %q (want one of %s)", s, strings.Join(verdictNames[:], ", "))
}

// MarshalText encodes the verdict by name.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText decodes a verdict name.
func (v *Verdict) UnmarshalText(b []byte) error {
	p, err := ParseVerdict(string(b))
	if err != nil {
		return err
	}
	*v = p
	return nil
}

var _ json.Marshaler = (*jsonVerdict)(nil)

type jsonVerdict Verdict

func (v jsonVerdict) MarshalJSON() ([]byte, error) { return json.Marshal(Verdict(v).String()) }

// Max returns the more severe of two verdicts.
func Max(a, b Verdict) Verdict {
	if b > a {
		return b
	}
	return a
}

// Tier is a cumulative share of TAXONOMY.md: T0 needs no new code, T1 adds
// interface-change support, T2 adds hand-written state transfer.
type Tier uint8

// The tiers; TierNone is a verdict outside every tier.
const (
	T0 Tier = iota
	T1
	T2
	TierNone
)

// String returns "T0", "T1", "T2" or "-".
func (t Tier) String() string {
	switch t {
	case T0:
		return "T0"
	case T1:
		return "T1"
	case T2:
		return "T2"
	}
	return "-"
}

// MarshalText encodes the tier by name.
func (t Tier) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// TierOf returns the lowest tier that contains the verdict.
func TierOf(v Verdict) Tier {
	switch v {
	case NoOp, LivePatchable:
		return T0
	case InterfaceInternal:
		return T1
	case StateTransfer:
		return T2
	}
	return TierNone
}
