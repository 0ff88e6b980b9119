package analyzer

import (
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/dynupd/dynupd-analyze/classifiers"
)

// Version is the tool's version, reported in every summary.
const Version = "0.1.0"

// Result is the analysis of one commit: the JSON contract of scan, one
// object per commit.
type Result struct {
	Commit   string                `json:"commit"`
	Parents  []string              `json:"parents"`
	Author   string                `json:"author"`
	Date     time.Time             `json:"date"`
	Subject  string                `json:"subject"`
	Kind     string                `json:"kind,omitempty"`
	Verdict  classifiers.Verdict   `json:"verdict"`
	Tier     classifiers.Tier      `json:"tier"`
	Findings []classifiers.Finding `json:"findings"`
	Files    []FileResult          `json:"files"`
	Skipped  []SkippedFile         `json:"skipped"`
	// Analysis says how Go code was analysed in a Diff: "typed" or
	// "syntactic" ("" for a history walk, which is always syntactic),
	// and AnalysisNote why, when typed mode was asked for and not had.
	Analysis     string                 `json:"analysis,omitempty"`
	AnalysisNote string                 `json:"analysis_note,omitempty"`
	Message      string                 `json:"-"`
	Stats        Stats                  `json:"-"`
	Entities     map[string]EntityCount `json:"-"`
	// OldTree and NewTree are the trees compared (OldTree zero for a root
	// commit; NewTree may be a work tree snapshot): see Analyzer.FileAt.
	OldTree, NewTree plumbing.Hash `json:"-"`
}

// FileResult is one changed file of a commit.
type FileResult struct {
	Path    string              `json:"path"`
	OldPath string              `json:"old_path,omitempty"`
	Status  string              `json:"status"`
	Kind    string              `json:"kind"`
	Verdict classifiers.Verdict `json:"verdict"`
}

// SkippedFile is a changed file whose content was not analysed, and why.
type SkippedFile struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// EntityCount counts entities of one kind added, removed and changed.
type EntityCount struct {
	Added, Removed, Changed int
}

// Stats are internal counters of one commit's analysis.
type Stats struct {
	BlobBytes     int64
	ChunksParsed  int
	FilesAnalysed int
}

// Summary totals a run.
type Summary struct {
	Repository   string          `json:"repository"`
	Range        string          `json:"range"`
	Head         string          `json:"head,omitempty"`
	Commits      int             `json:"commits"`
	Merges       int             `json:"merges_skipped"`
	Filtered     int             `json:"filtered_out,omitempty"`
	Verdicts     map[string]int  `json:"verdicts"`
	Tiers        map[string]Tier `json:"tiers"`
	ToolVersion  string          `json:"tool_version"`
	RulesVersion string          `json:"rules_version"`
	ConfigHash   string          `json:"config_hash"`
}

// Tier is one cumulative share with its numerator and denominator.
type Tier struct {
	Count int     `json:"count"`
	Of    int     `json:"of"`
	Share float64 `json:"share"`
}

// NewSummary returns an empty summary with every verdict present.
func NewSummary() *Summary {
	s := &Summary{Verdicts: map[string]int{}, Tiers: map[string]Tier{}, ToolVersion: Version, RulesVersion: classifiers.RulesVersion}
	for _, v := range classifiers.Verdicts {
		s.Verdicts[v.String()] = 0
	}
	return s
}

// Add counts one commit result.
func (s *Summary) Add(r *Result) {
	s.Commits++
	s.Verdicts[r.Verdict.String()]++
}

// Finish computes the tier shares.
func (s *Summary) Finish() {
	cum := 0
	for _, v := range classifiers.Verdicts[:4] {
		cum += s.Verdicts[v.String()]
		t := classifiers.TierOf(v)
		if v == classifiers.NoOp {
			continue
		}
		share := 0.0
		if s.Commits > 0 {
			share = float64(cum) / float64(s.Commits)
		}
		s.Tiers[t.String()] = Tier{Count: cum, Of: s.Commits, Share: share}
	}
}
