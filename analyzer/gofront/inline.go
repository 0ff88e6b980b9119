package gofront

import "strings"

// Inlining budget parameters of gc (cmd/compile/internal/inline, Go 1.26).
const (
	InlineBudget   = 80 // inlineMaxBudget
	extraCallCost  = 57 // a call that is not inlined
	paramCallCost  = 17 // calling a parameter or closure variable
	unknownMinCost = 0  // the least an unknown callee adds (a conversion, an intrinsic)
	// noMargin is how far over budget the estimate must be before the tool
	// says "certainly not inlinable": estimates are off by a few nodes near
	// the budget, and calling an inlined function "not inlinable" would be
	// a false safe (its callers keep the old copy).
	noMargin      = 20
	recursionCost = extraCallCost
)

// Estimate is the range of gc's inlining cost for a function, and whether
// it can never be inlined.
type Estimate struct {
	Min, Max int
	Forbid   string
	// Source says where the decision comes from: "" for the syntactic
	// estimate, "gc" for the compiler's own answer.
	Source string
	// Widened is set when no budget of 80 can be relied on: the module is
	// built with profile-guided optimisation (hot call sites inline up to
	// a cost of 2,000) or needs a Go newer than the inliner the tool
	// knows. Only a hard forbid then says "no".
	Widened string
}

// PGOBudget is gc's inlining budget for hot call sites under PGO.
const PGOBudget = 2000

// Inlinable says whether gc may inline the function: "yes" (certainly
// within budget), "no" (certainly not), or "maybe" (the range straddles the
// budget because some callee's cost is unknown).
func (e Estimate) Inlinable() string {
	if e.Widened != "" {
		switch {
		case e.Forbid != "" && !strings.HasPrefix(e.Forbid, "gc: cost"), e.Min > PGOBudget:
			return "no"
		}
		return "maybe"
	}
	switch {
	case e.Forbid != "" || e.Min > InlineBudget+noMargin:
		return "no"
	case e.Max <= InlineBudget:
		return "yes"
	}
	return "maybe"
}

// CalleeCost tells the cost a qualified call adds (another package's
// function): its inline cost when it is known to be inlined, 57 when it is
// known not to be, and ok=false when nothing is known.
type CalleeCost func(qualified string) (cost int, ok bool)

// EstimateCosts computes the inlining cost range of every function and
// method of a package (all its files), resolving calls to functions of the
// same package by name. A name defined for several platforms gets the
// union of their ranges.
func EstimateCosts(files []*File, external CalleeCost) map[string]Estimate {
	funcs := map[string]*Entity{}
	var variants []*Entity // further per-platform definitions
	typeNames := map[string]bool{}
	for _, f := range files {
		for _, e := range f.Entities {
			switch e.Kind {
			case KFunc, KMethod:
				if funcs[e.Name] != nil {
					variants = append(variants, e)
				} else {
					funcs[e.Name] = e
				}
			case KType:
				typeNames[e.Name] = true
			}
		}
	}
	// Fold the variants into the first definition's cost: the least nodes
	// and forbid only when every variant forbids, calls of all.
	for _, v := range variants {
		e := funcs[v.Name]
		merged := *e
		merged.Cost = Cost{Nodes: max(e.Cost.Nodes, v.Cost.Nodes), MinNodes: min(e.Cost.MinNodes, v.Cost.MinNodes), Calls: append(append([]Call(nil), e.Cost.Calls...), v.Cost.Calls...)}
		for i := range merged.Cost.Calls {
			merged.Cost.Calls[i].MaybeDead = true // each variant's calls may be absent
		}
		if e.Cost.Forbid != "" && v.Cost.Forbid != "" {
			merged.Cost.Forbid = e.Cost.Forbid
		}
		funcs[v.Name] = &merged
	}
	memo := map[string]Estimate{}
	onStack := map[string]bool{}
	var est func(name string, depth int) Estimate
	est = func(name string, depth int) Estimate {
		if r, ok := memo[name]; ok {
			return r
		}
		e := funcs[name]
		if e == nil {
			return Estimate{Min: unknownMinCost, Max: extraCallCost}
		}
		onStack[name] = true
		r := Estimate{Min: e.Cost.MinNodes, Max: e.Cost.Nodes, Forbid: e.Cost.Forbid}
		for _, c := range e.Cost.Calls {
			if c.Kind == CallLocal && typeNames[c.Name] {
				continue // a conversion to a type of the package
			}
			lo, hi := callRange(c, name, funcs, onStack, depth, est, external)
			if !c.MaybeDead {
				r.Min += lo
			}
			r.Max += hi
		}
		onStack[name] = false
		memo[name] = r
		return r
	}
	out := map[string]Estimate{}
	for name := range funcs {
		out[name] = est(name, 0)
	}
	return out
}

func callRange(c Call, caller string, funcs map[string]*Entity, onStack map[string]bool, depth int,
	est func(string, int) Estimate, external CalleeCost) (int, int) {
	switch c.Kind {
	case CallLocal:
		if funcs[c.Name] == nil {
			if strings.Contains(c.Name, ".") {
				// A method we cannot see here (promoted from an embedded
				// field, or of an interface type): unknown.
				return unknownMinCost, extraCallCost
			}
			return extraCallCost, extraCallCost // a function value or a type conversion we cannot see
		}
		if onStack[c.Name] {
			return recursionCost, recursionCost // recursion: gc charges the call
		}
		sub := est(c.Name, depth+1)
		switch sub.Inlinable() {
		case "yes":
			return sub.Min, sub.Max
		case "no":
			return extraCallCost, extraCallCost
		}
		// Either inlined (its own cost, within budget) or called (57).
		return min(sub.Min, extraCallCost), max(min(sub.Max, InlineBudget), extraCallCost)
	case CallParam:
		return paramCallCost, paramCallCost
	case CallQualified:
		if external != nil {
			if cost, ok := external(c.Name); ok {
				return cost, cost
			}
		}
		return unknownMinCost, extraCallCost
	case CallMethod:
		// The receiver's type is unknown syntactically: an inlined method
		// may add little, any other call 57.
		return unknownMinCost, extraCallCost
	case CallFuncLit:
		return 0, 0
	}
	return extraCallCost, extraCallCost
}
