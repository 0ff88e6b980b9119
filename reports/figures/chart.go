package figures

import (
	"image/color"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/dynupd/dynupd-analyze/classifiers"
)

// Font sizes (points). One typeface, one weight: a PDF with a single font
// is written in a deterministic order.
const (
	titleSize  = 11
	labelSize  = 10
	tickSize   = 9
	legendSize = 9
)

// sans is the typeface of every text of a figure.
func sans(size vg.Length) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
}

// hex parses a "#RRGGBB" colour of the palettes below.
func hex(s string) color.Color {
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "#"), 16, 32)
	if err != nil {
		return color.Black
	}
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

// verdictHex is the colour of a verdict, from the Okabe–Ito
// colour-blind-safe palette (no-op in neutral grey), the same in every
// figure.
func verdictHex(v classifiers.Verdict) string {
	switch v {
	case classifiers.NoOp:
		return "#999999"
	case classifiers.LivePatchable:
		return "#009E73"
	case classifiers.InterfaceInternal:
		return "#56B4E9"
	case classifiers.StateTransfer:
		return "#E69F00"
	case classifiers.InterfaceExternal:
		return "#CC79A7"
	case classifiers.NotPatchable:
		return "#D55E00"
	}
	return "#000000"
}

// verdictColour is the colour of a verdict, by name; a name that is no
// verdict is drawn as unknown.
func verdictColour(name string) color.Color {
	for _, v := range classifiers.Verdicts {
		if v.String() == name {
			return hex(verdictHex(v))
		}
	}
	return hex(verdictHex(classifiers.Unknown))
}

// knownVerdict returns name if it is a verdict's name, else "unknown".
func knownVerdict(name string) string {
	for _, v := range classifiers.Verdicts {
		if v.String() == name {
			return name
		}
	}
	return classifiers.Unknown.String()
}

// chart is a plot with its legend, which is drawn to the right of the
// plot rather than over the data.
type chart struct {
	p       *plot.Plot
	legend  plot.Legend
	entries int
}

// newChart returns a chart with the house fonts and the given title and
// axis labels.
func newChart(title, xLabel, yLabel string) *chart {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(titleSize)
	p.Title.Padding = vg.Points(6)
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = sans(labelSize)
		ax.Tick.Label.Font = sans(tickSize)
		ax.Label.Padding = vg.Points(3)
	}
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	l := plot.NewLegend()
	l.TextStyle.Font = sans(legendSize)
	l.Top, l.Left = true, true
	l.YPosition = draw.PosCenter
	l.ThumbnailWidth = vg.Points(18)
	l.Padding = vg.Points(2)
	return &chart{p: p, legend: l}
}

// add adds a legend entry.
func (ch *chart) add(name string, thumbs ...plot.Thumbnailer) {
	ch.legend.Add(name, thumbs...)
	ch.entries++
}

const (
	margin    = 6   // points around the figure
	legendGap = 10  // points between the plot and its legend
	legendMax = 0.4 // largest share of the width the legend may take
)

// draw draws the chart on c: the plot on the left, the legend on the
// right, aligned with the top of the data area.
func (ch *chart) draw(c draw.Canvas) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	c = draw.Crop(c, margin, -margin, margin, -margin)
	pc := c
	if ch.entries > 0 {
		lw := ch.legend.Rectangle(c).Size().X
		if lw > c.Size().X*legendMax {
			lw = c.Size().X * legendMax
		}
		pc = draw.Crop(c, 0, -(lw + legendGap), 0, 0)
		lc := c
		lc.Min.X = c.Max.X - lw
		lc.Max.Y = ch.p.DataCanvas(pc).Max.Y
		ch.legend.Draw(lc)
	}
	ch.p.Draw(pc)
}

// dataWidth estimates the width of the data area of a chart drawn with
// options o, before it is drawn: the figure less margins, legend and a
// vertical axis of yAxis points.
func (ch *chart) dataWidth(o Options, yAxis vg.Length) vg.Length {
	w := o.Width - 2*margin - yAxis
	if ch.entries > 0 {
		c := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: o.Width, Y: o.Height}}}
		lw := ch.legend.Rectangle(c).Size().X
		if lw > o.Width*legendMax {
			lw = o.Width * legendMax
		}
		w -= lw + legendGap
	}
	if w < vg.Points(10) {
		w = vg.Points(10)
	}
	return w
}

// swatch is a legend thumbnail: a filled square of one colour.
type swatch struct{ color.Color }

// Thumbnail implements plot.Thumbnailer.
func (s swatch) Thumbnail(c *draw.Canvas) {
	h := c.Max.Y - c.Min.Y
	x0 := c.Min.X + (c.Max.X-c.Min.X-h)/2
	pts := []vg.Point{{X: x0, Y: c.Min.Y}, {X: x0, Y: c.Max.Y}, {X: x0 + h, Y: c.Max.Y}, {X: x0 + h, Y: c.Min.Y}}
	c.FillPolygon(s.Color, pts)
}

// textOn is black or white, whichever reads better on background bg.
func textOn(bg color.Color) color.Color {
	r, g, b, _ := bg.RGBA()
	lum := (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)) / 0xffff
	if lum < 0.45 {
		return color.White
	}
	return color.Black
}

// segment is one part of a horizontal bar: at category position pos, the
// span [from, to] of the value axis.
type segment struct {
	pos, from, to float64
	color         color.Color
	// text, if any, is drawn inside the segment when it fits.
	text string
}

// endLabel is a text drawn just right of value at category position pos.
type endLabel struct {
	pos, value float64
	text       string
}

// hbars draws horizontal (stacked) bars; the category axis is Y.
type hbars struct {
	segs   []segment
	labels []endLabel
	style  text.Style
}

// barHalf is half the thickness of a bar, in category units.
const barHalf = 0.36

// Plot implements plot.Plotter.
func (b *hbars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	// Centre digits, not the text box (which counts the descent).
	lift := b.style.FontExtents().Descent / 2
	for _, s := range b.segs {
		if !(s.to > s.from) {
			continue
		}
		x0, x1 := trX(s.from), trX(s.to)
		y0, y1 := trY(s.pos-barHalf), trY(s.pos+barHalf)
		pts := []vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}}
		c.FillPolygon(s.color, c.ClipPolygonXY(pts))
		if s.text != "" && b.style.Width(s.text)+vg.Points(4) <= x1-x0 {
			sty := b.style
			sty.XAlign = draw.XCenter
			sty.Color = textOn(s.color)
			c.FillText(sty, vg.Point{X: (x0 + x1) / 2, Y: trY(s.pos) + lift}, s.text)
		}
	}
	for _, l := range b.labels {
		c.FillText(b.style, vg.Point{X: trX(l.value) + vg.Points(3), Y: trY(l.pos) + lift}, l.text)
	}
}

// newHBars returns an empty bar plotter whose labels use the tick font.
func newHBars() *hbars {
	return &hbars{style: text.Style{
		Color:   color.Black,
		Font:    sans(tickSize),
		XAlign:  draw.XLeft,
		YAlign:  draw.YCenter,
		Handler: plot.DefaultTextHandler,
	}}
}

// minSlots is the fewest bar positions a category axis is laid out for.
const minSlots = 5

// categoryAxis makes the Y axis of a horizontal bar chart show names at
// positions 0…n-1 (the first name at the top).
func categoryAxis(p *plot.Plot, names []string) {
	n := len(names)
	ticks := make([]plot.Tick, n)
	for i, name := range names {
		ticks[i] = plot.Tick{Value: float64(n - 1 - i), Label: name}
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Tick.Length = 0
	// Bars keep a modest thickness when there are few of them.
	extra := float64(max(n, minSlots)-n) / 2
	p.Y.Min, p.Y.Max = -0.5-extra, float64(n)-0.5+extra
	p.Y.Padding = 0
	p.X.Padding = 0
}

// valueGrid is a light grid along the value (X) axis.
func valueGrid() *plotter.Grid {
	g := plotter.NewGrid()
	g.Horizontal.Color = nil
	g.Vertical.Color = color.Gray{Y: 0xdd}
	g.Vertical.Width = vg.Points(0.5)
	g.Vertical.Dashes = nil
	return g
}

// percentTicks marks 0–100 every 20, with minor ticks every 10.
func percentTicks() plot.Ticker {
	var ts []plot.Tick
	for v := 0; v <= 100; v += 10 {
		t := plot.Tick{Value: float64(v)}
		if v%20 == 0 {
			t.Label = strconv.Itoa(v)
		}
		ts = append(ts, t)
	}
	return plot.ConstantTicks(ts)
}

// niceStep returns a step of 1, 2 or 5 times a power of ten (at least
// min) that divides span into at most about n intervals.
func niceStep(span float64, n int, min float64) float64 {
	if !(span > 0) || math.IsInf(span, 0) || n < 1 {
		return min
	}
	raw := span / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	return math.Max(step, min)
}

// intTicks returns a ticker with labelled ticks at whole multiples of a
// nice step, about n of them over the axis range, labelled by format.
func intTicks(n int, format func(float64) string) plot.Ticker {
	return plot.TickerFunc(func(min, max float64) []plot.Tick {
		step := niceStep(max-min, n, 1)
		var ts []plot.Tick
		for v := math.Ceil(min/step) * step; v <= max && len(ts) <= 4*n; v += step {
			ts = append(ts, plot.Tick{Value: v, Label: format(v)})
		}
		return ts
	})
}

// whole formats a whole number as is (a year).
func whole(v float64) string {
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// compact formats a count shortly: 950, 9500, 12k, 1.5M, 2G.
func compact(v float64) string {
	a := math.Abs(v)
	for _, u := range []struct {
		div    float64
		suffix string
	}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e4, "k"}} {
		if a >= u.div {
			d := u.div
			if u.suffix == "k" {
				d = 1e3
			}
			return strconv.FormatFloat(v/d, 'f', -1, 64) + u.suffix
		}
	}
	return whole(v)
}

// label makes a name safe and short enough to draw: invalid UTF-8,
// control and formatting characters (which XML or a reader could trip
// over) become U+FFFD, and a name longer than max runes keeps its start
// and end around an ellipsis. Markup characters are left to the SVG
// writer, which escapes them.
func label(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == 0xFFFE || r == 0xFFFF {
			return '\uFFFD'
		}
		return r
	}, s)
	if s == "" {
		return "(empty)"
	}
	if max < 3 {
		max = 3
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	rs := []rune(s)
	head := (max - 1) / 2
	tail := max - 1 - head
	return string(rs[:head]) + "…" + string(rs[len(rs)-tail:])
}
