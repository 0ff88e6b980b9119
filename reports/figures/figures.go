// Package figures draws the figures of a study report (package
// reports/study) with gonum.org/v1/plot: the cumulative tiers per year or
// per release, the verdict mix per change kind, the rules that decide the
// most commits and the directories touched by the most commits. Each
// figure is written as SVG, PNG and PDF under a fixed base name so that
// reports can link to it, and its SVG source is returned for embedding.
//
// The output depends only on the report and the options: the same report
// gives byte-identical files (the PDF creation and modification dates are
// set from the report's date, not the clock).
package figures

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"golang.org/x/text/encoding/charmap"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/dynupd/dynupd-analyze/reports/study"
)

// Figure file formats (the file extensions written).
const (
	SVG = "svg"
	PNG = "png"
	PDF = "pdf"
)

// Default sizes: a figure fits the width of a paper's text block.
const (
	DefaultWidth  = 16 * vg.Centimeter
	DefaultHeight = 9 * vg.Centimeter
	// DefaultDPI is the resolution of PNG files.
	DefaultDPI = 150
)

// Limits on the options, so that a mistyped size cannot allocate an
// enormous raster.
const (
	minSide   = 4 * vg.Centimeter
	maxSide   = 100 * vg.Centimeter
	maxDPI    = 1200
	maxPixels = 100_000_000
)

// Options select formats and size.
type Options struct {
	// Formats is a subset of "svg", "png", "pdf"; default all three. The
	// SVG source is returned in every Figure whatever the formats.
	Formats []string
	// Width and Height of every figure; default 16cm × 9cm (paper
	// column-friendly). Each must lie between 4cm and 100cm.
	Width, Height vg.Length
	// DPI is the resolution of PNG files; default 150.
	DPI int
}

// normalise fills in the defaults and checks the options.
func (o Options) normalise() (Options, error) {
	out := Options{Width: o.Width, Height: o.Height, DPI: o.DPI}
	if out.Width == 0 {
		out.Width = DefaultWidth
	}
	if out.Height == 0 {
		out.Height = DefaultHeight
	}
	if out.DPI == 0 {
		out.DPI = DefaultDPI
	}
	for _, side := range []struct {
		name string
		v    vg.Length
	}{{"width", out.Width}, {"height", out.Height}} {
		if math.IsNaN(float64(side.v)) || side.v < minSide || side.v > maxSide {
			return out, fmt.Errorf("figure %s %.1fcm: must be between %.0fcm and %.0fcm",
				side.name, float64(side.v/vg.Centimeter), float64(minSide/vg.Centimeter), float64(maxSide/vg.Centimeter))
		}
	}
	if out.DPI < 0 || out.DPI > maxDPI {
		return out, fmt.Errorf("figure resolution %d dpi: must be between 1 and %d", out.DPI, maxDPI)
	}
	if w, h := pixels(out.Width, out.DPI), pixels(out.Height, out.DPI); w*h > maxPixels {
		return out, fmt.Errorf("figure of %d×%d pixels at %d dpi: more than %d pixels", w, h, out.DPI, maxPixels)
	}
	formats := o.Formats
	if len(formats) == 0 {
		formats = []string{SVG, PNG, PDF}
	}
	seen := map[string]bool{}
	for _, f := range formats {
		f = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(f), "."))
		switch f {
		case SVG, PNG, PDF:
		default:
			return out, fmt.Errorf("figure format %q: want svg, png or pdf", f)
		}
		if !seen[f] {
			seen[f] = true
			out.Formats = append(out.Formats, f)
		}
	}
	return out, nil
}

// pixels is the size in pixels of a PNG side, as vgimg rounds it.
func pixels(l vg.Length, dpi int) int {
	return int(float64(l/vg.Inch)*float64(dpi) + 0.5)
}

// PNGSize returns the size in pixels of the PNG files Render writes with
// these options (after defaults are applied), or an error for invalid
// options.
func PNGSize(o Options) (width, height int, err error) {
	n, err := o.normalise()
	if err != nil {
		return 0, 0, err
	}
	return pixels(n.Width, n.DPI), pixels(n.Height, n.DPI), nil
}

// Render draws every figure that has data for r, writes DIR/BASE.EXT for
// each format (creating dir if needed), and returns the figures (with SVG
// bytes filled, for embedding in HTML) in a stable order. dir == "" writes
// nothing but still returns SVG bytes. A report without data for any figure gives no
// figures and no error.
func Render(r *study.Report, dir string, o Options) ([]study.Figure, error) {
	if r == nil {
		return nil, errors.New("render figures: no report")
	}
	o, err := o.normalise()
	if err != nil {
		return nil, fmt.Errorf("render figures: %w", err)
	}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("render figures: %w", err)
		}
	}
	date := pdfDate(r.Meta.Date)
	var figs []study.Figure
	for _, s := range specs(r, o) {
		svg, err := encode(s, SVG, o, date)
		if err != nil {
			return nil, err
		}
		for _, f := range o.Formats {
			if dir == "" {
				break
			}
			data := svg
			if f != SVG {
				if data, err = encode(s, f, o, date); err != nil {
					return nil, err
				}
			}
			p := filepath.Join(dir, s.base+"."+f)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				return nil, fmt.Errorf("write figure %s: %w", s.base, err)
			}
		}
		figs = append(figs, study.Figure{Title: s.title, Caption: s.caption, Base: s.base, SVG: svg})
	}
	return figs, nil
}

// spec is one figure: its names, and a function that builds its chart
// afresh (a chart is drawn once per format).
type spec struct {
	base, title, caption string
	build                func() *chart
}

// encode draws the figure of s in one format.
func encode(s spec, format string, o Options, date string) (out []byte, err error) {
	// gonum/plot panics on a few degenerate inputs; the data are checked
	// before they reach it, and this turns anything missed into an error.
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("draw figure %s as %s: %v", s.base, format, p)
		}
	}()
	ch := s.build()
	var buf bytes.Buffer
	switch format {
	case SVG:
		c := vgsvg.New(o.Width, o.Height)
		ch.draw(draw.New(c))
		if _, err := c.WriteTo(&buf); err != nil {
			return nil, fmt.Errorf("draw figure %s as svg: %w", s.base, err)
		}
		// The generator comment would stand between the prolog and the
		// <svg> element of an inlined figure; a reader without the
		// Liberation fonts should fall back to a metric-compatible sans.
		out := bytes.Replace(buf.Bytes(), []byte(svgComment), nil, 1)
		return bytes.ReplaceAll(out, []byte(svgFamily), []byte(svgFallback)), nil
	case PNG:
		c := vgimg.NewWith(vgimg.UseWH(o.Width, o.Height), vgimg.UseDPI(o.DPI))
		ch.draw(draw.New(c))
		if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
			return nil, fmt.Errorf("draw figure %s as png: %w", s.base, err)
		}
		return buf.Bytes(), nil
	case PDF:
		c := vgpdf.New(o.Width, o.Height)
		ch.draw(draw.New(cp1252Canvas{c}))
		if _, err := c.WriteTo(&buf); err != nil {
			return nil, fmt.Errorf("draw figure %s as pdf: %w", s.base, err)
		}
		return fixPDFDates(buf.Bytes(), date), nil
	}
	return nil, fmt.Errorf("draw figure %s: unknown format %q", s.base, format)
}

const (
	svgComment  = "<!-- Generated by SVGo and Plotinum VG -->\n"
	svgFamily   = "font-family:Liberation Sans;"
	svgFallback = "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"
)

// pdfDates matches the dates the PDF writer takes from the clock.
var pdfDates = regexp.MustCompile(`/(CreationDate|ModDate) \(D:[0-9]{14}\)`)

// pdfDate is the report's date in the PDF date format (14 digits, UTC),
// or the Unix epoch for a report without a usable date.
func pdfDate(t time.Time) string {
	t = t.UTC()
	if t.Year() < 1000 || t.Year() > 9999 {
		t = time.Unix(0, 0).UTC()
	}
	return t.Format("20060102150405")
}

// fixPDFDates replaces the creation and modification dates of a PDF by
// date. The replacement has the same length, so the cross-reference
// offsets stay valid.
func fixPDFDates(b []byte, date string) []byte {
	return pdfDates.ReplaceAllFunc(b, func(m []byte) []byte {
		key := m[1:bytes.IndexByte(m, ' ')]
		return []byte("/" + string(key) + " (D:" + date + ")")
	})
}

// cp1252Canvas is a PDF canvas that converts text to the code page of
// the PDF writer's fonts (Windows-1252), so that non-ASCII names are not
// drawn as their UTF-8 bytes; what the code page lacks is drawn as "?".
type cp1252Canvas struct {
	*vgpdf.Canvas
}

// FillString draws str converted to Windows-1252.
func (c cp1252Canvas) FillString(f font.Face, pt vg.Point, str string) {
	b := make([]byte, 0, len(str))
	for _, r := range str {
		if e, ok := charmap.Windows1252.EncodeRune(r); ok {
			b = append(b, e)
		} else {
			b = append(b, '?')
		}
	}
	c.Canvas.FillString(f, pt, string(b))
}
