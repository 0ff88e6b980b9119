package figures

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/reports/study"
)

// Figure base names, fixed so that reports can link to the files.
const (
	BaseTiers       = "tiers-over-time"
	BaseVerdictKind = "verdict-by-kind"
	BaseTopRules    = "top-rules"
	BaseDirectories = "directory-hotspots"
)

// topN is how many rules and directories the ranked figures show.
const topN = 15

// Label lengths (runes) before a name is shortened.
const (
	maxCategory = 28
	maxRelease  = 22
	maxRotated  = 16
)

// specs returns the figures that have data for r, in report order.
func specs(r *study.Report, o Options) []spec {
	var out []spec
	for _, f := range []func(*study.Report, Options) (spec, bool){tiersSpec, kindSpec, rulesSpec, dirSpec} {
		if s, ok := f(r, o); ok {
			out = append(out, s)
		}
	}
	return out
}

// tierStyle is how one cumulative tier is drawn: legend name, colour,
// dashes and marker shape (the tiers are distinct without colour too).
type tierStyle struct {
	key, name, colour string
	dashes            []vg.Length
	glyph             draw.GlyphDrawer
}

// tiers returns the cumulative tiers in order, with their styles.
func tiers() [3]tierStyle {
	return [3]tierStyle{
		{"T0", "T0: no-op + live-patchable", "#009E73", nil, draw.CircleGlyph{}},
		{"T1", "T1: T0 + interface-internal", "#0072B2", []vg.Length{vg.Points(5), vg.Points(2)}, draw.BoxGlyph{}},
		{"T2", "T2: T1 + state-transfer", "#E69F00", []vg.Length{vg.Points(1.5), vg.Points(1.5)}, draw.TriangleGlyph{}},
	}
}

// tierPoint is one year or release of the tiers figure.
type tierPoint struct {
	x     float64
	key   string
	n     int
	share [3]float64 // percent; NaN where the tier has no value
}

// percent is a share of a group as a percentage in [0, 100], from its
// count and denominator; ok is false when there is no denominator.
func percent(s study.Share) (float64, bool) {
	if s.Of > 0 {
		return math.Min(100, math.Max(0, 100*float64(s.Count)/float64(s.Of))), true
	}
	return 0, false
}

// tierPoints gives the points of the breakdowns that have commits, with
// x their index or, when byYear and every key is a year, the year.
func tierPoints(bs []*study.Breakdown, skip string, byYear bool) (pts []tierPoint, years bool) {
	for _, b := range bs {
		if b == nil || b.Key == skip || b.Commits <= 0 {
			continue
		}
		p := tierPoint{key: b.Key, n: b.Commits, x: float64(len(pts))}
		has := false
		for i, t := range tiers() {
			p.share[i] = math.NaN()
			if v, ok := percent(b.Tiers[t.key]); ok {
				p.share[i], has = v, true
			}
		}
		if has {
			pts = append(pts, p)
		}
	}
	years = byYear && len(pts) > 0
	for _, p := range pts {
		if y, err := strconv.Atoi(p.key); err != nil || y < -1e6 || y > 1e6 {
			years = false
		}
	}
	if years {
		for i := range pts {
			y, _ := strconv.Atoi(pts[i].key)
			pts[i].x = float64(y)
		}
		sort.SliceStable(pts, func(i, j int) bool { return pts[i].x < pts[j].x })
	}
	return pts, years
}

// tiersSpec is the figure of the tiers per release (when the report has
// releases) or per year.
func tiersSpec(r *study.Report, o Options) (spec, bool) {
	pts, years := tierPoints(r.ByRelease, "", false)
	what, per := "release", "each release (the commits the release first contains)"
	if len(pts) == 0 {
		pts, years = tierPoints(r.ByYear, "unknown date", true)
		what, per = "year", "each year"
	}
	if len(pts) == 0 {
		return spec{}, false
	}
	total, lo, hi := 0, pts[0].n, pts[0].n
	for _, p := range pts {
		total += p.n
		lo, hi = min(lo, p.n), max(hi, p.n)
	}
	nRange := strconv.Itoa(lo)
	if hi != lo {
		nRange += "–" + strconv.Itoa(hi)
	}
	title := "Cumulative tiers by " + what
	caption := fmt.Sprintf("Cumulative tiers T0 (no-op + live-patchable), T1 (T0 + interface-internal) and T2 (T1 + state-transfer) as a percentage of the commits analysed in %s; the denominator of each point is that %s's commit count n (%s %s per %s, %d in all).",
		per, what, nRange, plural(hi, "commit"), what, total)
	if what == "year" {
		for _, b := range r.ByYear {
			if b != nil && b.Key == "unknown date" && b.Commits > 0 {
				verb := "are"
				if b.Commits == 1 {
					verb = "is"
				}
				caption += fmt.Sprintf(" %d %s without a date %s left out.", b.Commits, plural(b.Commits, "commit"), verb)
			}
		}
	}
	build := func() *chart {
		ch := newChart(title, what, "share of analysed commits (%)")
		p := ch.p
		p.Y.Min, p.Y.Max = 0, 100
		p.Y.Tick.Marker = percentTicks()
		g := plotter.NewGrid()
		g.Vertical.Color = nil
		g.Horizontal.Color = color.Gray{Y: 0xdd}
		g.Horizontal.Width = vg.Points(0.5)
		g.Horizontal.Dashes = nil
		p.Add(g)
		markers := len(pts) <= 60
		for i, t := range tiers() {
			var xys plotter.XYs
			for _, pt := range pts {
				if !math.IsNaN(pt.share[i]) {
					xys = append(xys, plotter.XY{X: pt.x, Y: pt.share[i]})
				}
			}
			if len(xys) == 0 {
				continue
			}
			col := hex(t.colour)
			line, err := plotter.NewLine(xys)
			if err != nil {
				continue
			}
			line.Color, line.Width, line.Dashes = col, vg.Points(1.5), t.dashes
			thumbs := []plot.Thumbnailer{line}
			p.Add(line)
			if markers {
				sc, err := plotter.NewScatter(xys)
				if err == nil {
					sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(2.5), Shape: t.glyph}
					p.Add(sc)
					thumbs = append(thumbs, sc)
				}
			}
			ch.add(t.name, thumbs...)
		}
		xAxis(ch, pts, years, o)
		return ch
	}
	return spec{base: BaseTiers, title: title, caption: caption, build: build}, true
}

// xAxis sets the range and ticks of the tiers figure's X axis: one
// labelled tick per point, with its n, when the labels fit; else nice
// whole years, or release names rotated and thinned out.
func xAxis(ch *chart, pts []tierPoint, years bool, o Options) {
	p := ch.p
	first, last := pts[0].x, pts[len(pts)-1].x
	pad := math.Max(0.5, (last-first)*0.02)
	p.X.Min, p.X.Max = first-pad, last+pad
	width := ch.dataWidth(o, vg.Points(45))
	sty := p.X.Tick.Label
	perPoint := make([]plot.Tick, len(pts))
	for i, pt := range pts {
		name := pt.key
		if !years {
			name = label(name, maxRelease)
		}
		perPoint[i] = plot.Tick{Value: pt.x, Label: name + "\nn=" + strconv.Itoa(pt.n)}
	}
	if fits(perPoint, sty, width, p.X.Max-p.X.Min) {
		p.X.Tick.Marker = plot.ConstantTicks(perPoint)
		return
	}
	if years {
		lw := sty.Width(whole(p.X.Max)) + vg.Points(16)
		p.X.Tick.Marker = intTicks(max(2, min(12, int(width/lw))), whole)
		return
	}
	// Release names, rotated, as many as there is room for: at 45° when
	// they are short, else upright.
	sty.XAlign, sty.YAlign = draw.XRight, draw.YCenter
	every := int(math.Ceil(float64(len(pts)) * float64(sty.Height("0")+vg.Points(3)) / float64(width)))
	every = max(1, every)
	names := make([]string, len(pts))
	longest := vg.Length(0)
	for i, pt := range pts {
		if i%every != 0 {
			continue
		}
		names[i] = label(pt.key, maxRotated)
		if every == 1 {
			names[i] += " (n=" + strconv.Itoa(pt.n) + ")"
		}
		longest = max(longest, sty.Width(names[i]))
	}
	sty.Rotation = math.Pi / 2
	if longest <= vg.Points(60) {
		sty.Rotation = math.Pi / 4
	}
	p.X.Tick.Label = sty
	var ts []plot.Tick
	for i, pt := range pts {
		if names[i] != "" {
			ts = append(ts, plot.Tick{Value: pt.x, Label: names[i]})
		}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ts)
}

// fits reports whether the tick labels, drawn horizontally over an axis
// of width points spanning span data units, leave room between them.
func fits(ts []plot.Tick, sty draw.TextStyle, width vg.Length, span float64) bool {
	if !(span > 0) {
		return false
	}
	scale := float64(width) / span
	for i := range ts {
		w := sty.Width(ts[i].Label)
		if w > width {
			return false
		}
		if i == 0 {
			continue
		}
		gap := vg.Length((ts[i].Value - ts[i-1].Value) * scale)
		if (sty.Width(ts[i-1].Label)+w)/2+vg.Points(6) > gap {
			return false
		}
	}
	return true
}

// verdictNames are the verdicts' names, mild to severe.
func verdictNames() []string {
	out := make([]string, len(classifiers.Verdicts))
	for i, v := range classifiers.Verdicts {
		out[i] = v.String()
	}
	return out
}

// count is a non-negative verdict count.
func count(b *study.Breakdown, verdict string) int {
	return max(0, b.Verdicts[verdict])
}

// addVerdictLegend adds the verdicts of used, in lattice order.
func addVerdictLegend(ch *chart, used map[string]bool) {
	for _, v := range verdictNames() {
		if used[v] {
			ch.add(v, swatch{verdictColour(v)})
		}
	}
}

// kindSpec is the figure of the verdict mix per change kind.
func kindSpec(r *study.Report, o Options) (spec, bool) {
	var rows []*study.Breakdown
	for _, b := range r.ByKind {
		if b != nil && b.Commits > 0 {
			rows = append(rows, b)
		}
	}
	if len(rows) == 0 {
		return spec{}, false
	}
	title := "Verdicts by change kind"
	caption := "Share of each verdict among the commits of each change kind; the denominator of each bar is its kind's commit count n. Kinds without commits are left out."
	build := func() *chart {
		ch := newChart(title, "share of the kind's commits (%)", "change kind")
		p := ch.p
		bars := newHBars()
		used := map[string]bool{}
		names := make([]string, len(rows))
		for i, b := range rows {
			names[i] = fmt.Sprintf("%s (n=%d)", label(b.Key, maxCategory), b.Commits)
			pos := float64(len(rows) - 1 - i)
			den := 0
			for _, v := range verdictNames() {
				den += count(b, v)
			}
			den = max(den, b.Commits)
			cum := 0.0
			for _, v := range verdictNames() {
				c := count(b, v)
				if c == 0 {
					continue
				}
				used[v] = true
				w := 100 * float64(c) / float64(den)
				bars.segs = append(bars.segs, segment{pos: pos, from: cum, to: cum + w, color: verdictColour(v), text: strconv.FormatFloat(w, 'f', 0, 64) + "%"})
				cum += w
			}
		}
		categoryAxis(p, names)
		p.X.Min, p.X.Max = 0, 100
		p.X.Tick.Marker = percentTicks()
		p.Add(valueGrid(), bars)
		addVerdictLegend(ch, used)
		return ch
	}
	return spec{base: BaseVerdictKind, title: title, caption: caption, build: build}, true
}

// rulesSpec is the figure of the rules that decide the most commits.
func rulesSpec(r *study.Report, o Options) (spec, bool) {
	var rules []study.RuleStat
	for _, st := range r.ByRule {
		if st.Decides > 0 {
			rules = append(rules, st)
		}
	}
	if len(rules) == 0 {
		return spec{}, false
	}
	sort.SliceStable(rules, func(i, j int) bool {
		a, b := rules[i], rules[j]
		if a.Decides != b.Decides {
			return a.Decides > b.Decides
		}
		if a.Fires != b.Fires {
			return a.Fires > b.Fires
		}
		return a.Rule < b.Rule
	})
	all := len(rules)
	rules = rules[:min(topN, all)]
	title := "Rules deciding the most commits"
	caption := fmt.Sprintf("The %s that decided the most commits, coloured by the rule's verdict; a rule decides a commit when it fires on it and its verdict is the commit's. A commit can be decided by several rules, so the bars can add up to more than the %d analysed commits.",
		ranked(len(rules), all, "rule", " that decided any commit"), r.Analysed)
	build := func() *chart {
		ch := newChart(title, "commits decided", "")
		bars := newHBars()
		used := map[string]bool{}
		names := make([]string, len(rules))
		top := 0
		for i, st := range rules {
			names[i] = label(st.Rule, maxCategory)
			pos := float64(len(rules) - 1 - i)
			v := knownVerdict(st.Verdict)
			used[v] = true
			bars.segs = append(bars.segs, segment{pos: pos, from: 0, to: float64(st.Decides), color: verdictColour(v)})
			bars.labels = append(bars.labels, endLabel{pos: pos, value: float64(st.Decides), text: strconv.Itoa(st.Decides)})
			top = max(top, st.Decides)
		}
		addVerdictLegend(ch, used)
		countAxis(ch, bars, names, top, o)
		return ch
	}
	return spec{base: BaseTopRules, title: title, caption: caption, build: build}, true
}

// dirSpec is the figure of the top-level directories touched by the most
// commits.
func dirSpec(r *study.Report, o Options) (spec, bool) {
	var dirs []*study.Breakdown
	for _, b := range r.ByDir {
		if b != nil && b.Commits > 0 {
			dirs = append(dirs, b)
		}
	}
	if len(dirs) == 0 {
		return spec{}, false
	}
	sort.SliceStable(dirs, func(i, j int) bool {
		if dirs[i].Commits != dirs[j].Commits {
			return dirs[i].Commits > dirs[j].Commits
		}
		return dirs[i].Key < dirs[j].Key
	})
	all := len(dirs)
	dirs = dirs[:min(topN, all)]
	title := "Directory hotspots"
	caption := fmt.Sprintf("The %s touched by the most commits, split by verdict; a commit counts once in every top-level directory it touches, with the most severe verdict of its files there, so the bars can add up to more than the %d analysed commits.",
		ranked(len(dirs), all, "top-level directory", ""), r.Analysed)
	build := func() *chart {
		ch := newChart(title, "commits", "")
		bars := newHBars()
		used := map[string]bool{}
		names := make([]string, len(dirs))
		top := 0
		for i, b := range dirs {
			names[i] = label(b.Key, maxCategory)
			pos := float64(len(dirs) - 1 - i)
			cum := 0
			for _, v := range verdictNames() {
				c := count(b, v)
				if c == 0 {
					continue
				}
				used[v] = true
				bars.segs = append(bars.segs, segment{pos: pos, from: float64(cum), to: float64(cum + c), color: verdictColour(v)})
				cum += c
			}
			end := max(cum, b.Commits)
			bars.labels = append(bars.labels, endLabel{pos: pos, value: float64(end), text: strconv.Itoa(b.Commits)})
			top = max(top, end)
		}
		addVerdictLegend(ch, used)
		countAxis(ch, bars, names, top, o)
		return ch
	}
	return spec{base: BaseDirectories, title: title, caption: caption, build: build}, true
}

// ranked says how many of all items a ranked figure shows: "15 rules
// (of 40 …)" or "3 rules".
func ranked(shown, all int, noun, of string) string {
	s := fmt.Sprintf("%d %s", shown, plural(shown, noun))
	if shown < all {
		s += fmt.Sprintf(" (of %d%s)", all, of)
	}
	return s
}

// plural makes a noun plural for n ≠ 1 ("directory" → "directories").
func plural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	if strings.HasSuffix(noun, "y") {
		return strings.TrimSuffix(noun, "y") + "ies"
	}
	return noun + "s"
}

// countAxis lays out a horizontal bar chart of counts up to top: names on
// the Y axis, whole-number ticks on the X axis, and room right of the
// longest bar for its label.
func countAxis(ch *chart, bars *hbars, names []string, top int, o Options) {
	p := ch.p
	categoryAxis(p, names)
	yAxis := vg.Points(12)
	for _, n := range names {
		yAxis = max(yAxis, p.Y.Tick.Label.Width(n)+vg.Points(12))
	}
	width := ch.dataWidth(o, yAxis)
	room := bars.style.Width(strconv.Itoa(top)) + vg.Points(8)
	frac := math.Min(0.5, float64(room/width))
	p.X.Min = 0
	p.X.Max = math.Max(1, float64(top)) / (1 - frac)
	lw := p.X.Tick.Label.Width(compact(p.X.Max)) + vg.Points(16)
	p.X.Tick.Marker = intTicks(max(2, min(8, int(width/lw))), compact)
	p.Add(valueGrid(), bars)
}
