package cpatch

import (
	"fmt"
	"strings"
)

// maxEditDistance bounds the line diff: past it the differing middle of
// two files is treated as one replaced block.
const maxEditDistance = 4000

// contextLines is the context of a unified diff hunk.
const contextLines = 3

// lineRange is an inclusive range of 1-based lines.
type lineRange struct{ from, to int }

// edit is one maximal run of changed lines: old lines [oldAt, oldAt+del)
// are replaced by new lines [newAt, newAt+ins) (0-based).
type edit struct {
	oldAt, del int
	newAt, ins int
}

// splitLines splits a file into lines without their newlines, and reports
// whether the last line ends with one.
func splitLines(s string) ([]string, bool) {
	if s == "" {
		return nil, true
	}
	eol := strings.HasSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\n")
	return strings.Split(s, "\n"), eol
}

// diffLines returns the edits turning a into b: Myers' greedy algorithm
// over the lines between the common prefix and suffix.
func diffLines(a, b []string) []edit {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	am, bm := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if len(am) == 0 && len(bm) == 0 {
		return nil
	}
	ops, ok := myers(am, bm)
	if !ok {
		return []edit{{oldAt: pre, del: len(am), newAt: pre, ins: len(bm)}}
	}
	// ops: 0 keep, 1 delete (from a), 2 insert (from b); group into edits.
	var out []edit
	i, j := 0, 0
	var cur *edit
	for _, op := range ops {
		switch op {
		case 0:
			if cur != nil {
				out = append(out, *cur)
				cur = nil
			}
			i++
			j++
		case 1:
			if cur == nil {
				cur = &edit{oldAt: pre + i, newAt: pre + j}
			}
			cur.del++
			i++
		case 2:
			if cur == nil {
				cur = &edit{oldAt: pre + i, newAt: pre + j}
			}
			cur.ins++
			j++
		}
	}
	if cur != nil {
		out = append(out, *cur)
	}
	return out
}

// myers returns a shortest edit script from a to b, or false when it is
// longer than maxEditDistance.
func myers(a, b []string) ([]byte, bool) {
	n, m := len(a), len(b)
	maxD := n + m
	if maxD > maxEditDistance {
		maxD = maxEditDistance
	}
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	var trace [][]int
	for d := 0; d <= maxD; d++ {
		snap := make([]int, 2*d+1)
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || k != d && v[off+k-1] < v[off+k+1] {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				for kk := -d; kk <= d; kk++ {
					snap[kk+d] = v[off+kk]
				}
				trace = append(trace, snap)
				return backtrack(trace, n, m), true
			}
		}
		for kk := -d; kk <= d; kk++ {
			snap[kk+d] = v[off+kk]
		}
		trace = append(trace, snap)
	}
	return nil, false
}

// backtrack walks the saved frontiers back from (n, m) to the origin.
func backtrack(trace [][]int, n, m int) []byte {
	var rev []byte
	x, y := n, m
	for d := len(trace) - 1; d > 0; d-- {
		prev := trace[d-1]
		at := func(k int) int { return prev[k+d-1] }
		k := x - y
		var pk int
		if k == -d || k != d && at(k-1) < at(k+1) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := at(pk)
		py := px - pk
		for x > px && y > py {
			rev = append(rev, 0)
			x--
			y--
		}
		if x == px {
			rev = append(rev, 2)
		} else {
			rev = append(rev, 1)
		}
		x, y = px, py
	}
	for x > 0 && y > 0 {
		rev = append(rev, 0)
		x--
		y--
	}
	ops := make([]byte, len(rev))
	for i, op := range rev {
		ops[len(rev)-1-i] = op
	}
	return ops
}

// touches reports whether an edit changes a line of one of the new-file
// ranges: an inserted line inside it, or lines removed at a point inside
// it (or right at its end).
func (e edit) touches(rs []lineRange) bool {
	for _, r := range rs {
		if e.ins > 0 {
			if e.newAt+1 <= r.to && e.newAt+e.ins >= r.from {
				return true
			}
			continue
		}
		// A pure deletion sits between new lines newAt and newAt+1.
		if e.newAt >= r.from && e.newAt <= r.to {
			return true
		}
	}
	return false
}

// filteredDiff renders the unified diff from old to new of the edits that
// touch the given new-file ranges only. The new side of the result is the
// old file with only those edits applied, so it applies cleanly to the old
// file; "" when no edit touches a range.
func filteredDiff(oldPath, newPath, oldText, newText string, ranges []lineRange) string {
	a, aEOL := splitLines(oldText)
	b, bEOL := splitLines(newText)
	var kept []edit
	for _, e := range diffLines(a, b) {
		if e.touches(ranges) {
			kept = append(kept, e)
		}
	}
	if len(kept) == 0 {
		return ""
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n", oldPath, newPath, oldPath, newPath)
	delta := 0 // lines the kept edits before the current hunk added
	for i := 0; i < len(kept); {
		// Group edits whose contexts overlap into one hunk.
		j := i + 1
		for j < len(kept) && kept[j].oldAt-(kept[j-1].oldAt+kept[j-1].del) <= 2*contextLines {
			j++
		}
		start := max(kept[i].oldAt-contextLines, 0)
		last := kept[j-1]
		end := min(last.oldAt+last.del+contextLines, len(a))
		var body strings.Builder
		oldCount, newCount := 0, 0
		hunkDelta := 0
		pos := start
		line := func(prefix string, s string, noEOL bool) {
			body.WriteString(prefix)
			body.WriteString(s)
			body.WriteByte('\n')
			if noEOL {
				body.WriteString("\\ No newline at end of file\n")
			}
		}
		for _, e := range kept[i:j] {
			for ; pos < e.oldAt; pos++ {
				line(" ", a[pos], pos == len(a)-1 && !aEOL)
				oldCount++
				newCount++
			}
			for k := 0; k < e.del; k++ {
				line("-", a[e.oldAt+k], e.oldAt+k == len(a)-1 && !aEOL)
				oldCount++
			}
			for k := 0; k < e.ins; k++ {
				// The new file's last line keeps its missing newline only
				// when nothing of the old file follows it.
				noEOL := e.newAt+k == len(b)-1 && !bEOL && e.oldAt+e.del == len(a)
				line("+", b[e.newAt+k], noEOL)
				newCount++
			}
			pos = e.oldAt + e.del
			hunkDelta += e.ins - e.del
		}
		for ; pos < end; pos++ {
			line(" ", a[pos], pos == len(a)-1 && !aEOL)
			oldCount++
			newCount++
		}
		fmt.Fprintf(&sb, "@@ -%s +%s @@\n", hunkRange(start, oldCount), hunkRange(start+delta, newCount))
		sb.WriteString(body.String())
		delta += hunkDelta
		i = j
	}
	return sb.String()
}

// hunkRange renders one side of a hunk header: the first line (1-based;
// the line before for an empty side) and the count.
func hunkRange(start0, count int) string {
	if count == 0 {
		return fmt.Sprintf("%d,0", start0)
	}
	if count == 1 {
		return fmt.Sprintf("%d", start0+1)
	}
	return fmt.Sprintf("%d,%d", start0+1, count)
}
