package gate

import (
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/dynupd/dynupd-analyze/classifiers"
)

// WriteGitHubAnnotations writes GitHub Actions workflow commands that
// annotate the pull request: first one line for the check as a whole
// (::error when it fails, ::notice when it passes), then one per kept
// finding of the net change that is not no-op: ::error for a finding that
// fails the policy, ::warning for interface-internal or more severe,
// ::notice for the rest, most severe first (GitHub shows only the first few
// annotations of each level per step). Each finding's command is
//
//	::error file=F,line=L,endLine=E,title=RULE::entity: message [verdict]
//
// with file and lines left out when the finding has none, and values
// escaped as GitHub's toolkit does: % \r \n in the message, and also : and ,
// in property values.
func WriteGitHubAnnotations(w io.Writer, r *Report) error {
	if r == nil {
		return errNilReport
	}
	e := &errWriter{w: w}
	head := "notice"
	if !r.Pass {
		head = "error"
	}
	e.printf("::%s title=%s::%s\n", head, ghProperty("dynupd-analyze "+passWord(!r.Pass)),
		ghData("The net change "+rangeOf(r)+" is "+r.Net.Verdict.String()+", "+tierPhrase(r.Net.Tier)+". "+r.Net.Reason))

	type annotation struct {
		rank int
		f    classifiers.Finding
	}
	var as []annotation
	for _, f := range r.Net.Findings {
		if f.Verdict == classifiers.NoOp {
			continue
		}
		as = append(as, annotation{rank: ghRank(r.Policy, f.Verdict), f: f})
	}
	sort.SliceStable(as, func(i, j int) bool {
		if as[i].rank != as[j].rank {
			return as[i].rank > as[j].rank
		}
		return as[i].f.Verdict > as[j].f.Verdict
	})
	for _, a := range as {
		f := a.f
		var props []string
		if l := loc(f); l != nil {
			props = append(props, "file="+ghProperty(l.File))
			if start, end := lines(f); start > 0 {
				props = append(props, "line="+strconv.Itoa(start), "endLine="+strconv.Itoa(end))
			}
		}
		props = append(props, "title="+ghProperty(f.Rule))
		e.printf("::%s %s::%s\n", ghLevel(a.rank), strings.Join(props, ","), ghData(sarifMessage(f)))
	}
	return e.err
}

// ghLevel is the workflow command of a rank.
func ghLevel(rank int) string {
	switch rank {
	case 2:
		return "error"
	case 1:
		return "warning"
	}
	return "notice"
}

// ghRank is 2 for a finding that fails the policy, 1 for a passing one of
// interface-internal or more severe, 0 otherwise.
func ghRank(p Policy, v classifiers.Verdict) int {
	switch {
	case p.Fails(v):
		return 2
	case v >= classifiers.InterfaceInternal:
		return 1
	}
	return 0
}

// ghData escapes a workflow command's message.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a workflow command's property value.
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
