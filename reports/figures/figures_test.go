package figures

import (
	"bytes"
	"compress/zlib"
	"encoding/xml"
	"errors"
	"fmt"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot/vg"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/reports/study"
)

var allBases = []string{BaseTiers, BaseVerdictKind, BaseTopRules, BaseDirectories}

var studyDate = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// synthetic returns n commit results spread over years 2015–2022, the
// four change kinds, twenty directories (dirs, then "dirNN") and
// twenty rules, with verdicts following a fixed pattern.
func synthetic(n int, dirs ...string) []*analyzer.Result {
	kinds := []string{"fix", "perf", "feature", "other", "fix", "fix"}
	var out []*analyzer.Result
	for i := range n {
		v := classifiers.Verdicts[(i*i+i/3)%len(classifiers.Verdicts)]
		d := "dir" + strconv.Itoa(i%20)
		if i%20 < len(dirs) {
			d = dirs[i%20]
		}
		rule := fmt.Sprintf("C-RULE-%02d-%s", (i*7)%20, v)
		res := &analyzer.Result{
			Commit:  fmt.Sprintf("%040x", i+1),
			Date:    time.Date(2015+i%8, time.Month(1+i%12), 1, 0, 0, 0, 0, time.UTC),
			Kind:    kinds[i%len(kinds)],
			Verdict: v,
			Files: []analyzer.FileResult{
				{Path: d + "/file.c", Verdict: v},
				{Path: "common/util.c", Verdict: classifiers.NoOp},
			},
			Findings: []classifiers.Finding{
				{Rule: rule, Verdict: v, Entity: "func f"},
				{Rule: "C-NOOP-FORMAT", Verdict: classifiers.NoOp, Entity: "func g"},
			},
		}
		out = append(out, res)
	}
	return out
}

func syntheticReport(n int, dirs ...string) *study.Report {
	return study.Build(study.Meta{Repository: "example", Date: studyDate}, synthetic(n, dirs...), study.Exclusions{})
}

// svgTexts parses an SVG document as XML and returns the text of its
// <text> elements.
func svgTexts(t *testing.T, b []byte) []string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	var texts []string
	inText, root := false, ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = e.Name.Local
			}
			inText = e.Name.Local == "text"
		case xml.EndElement:
			inText = false
		case xml.CharData:
			if inText {
				texts = append(texts, string(e))
			}
		}
	}
	if root != "svg" {
		t.Fatalf("root element %q, want svg", root)
	}
	return texts
}

func bases(figs []study.Figure) []string {
	var out []string
	for _, f := range figs {
		out = append(out, f.Base)
	}
	return out
}

func TestRenderWritesEveryFormat(t *testing.T) {
	dir := t.TempDir()
	figs, err := Render(syntheticReport(400), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := bases(figs); !slices.Equal(got, allBases) {
		t.Fatalf("figures %v, want %v", got, allBases)
	}
	wantW, wantH, err := PNGSize(Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Texts each figure must show: title, axis labels, legend entries.
	want := map[string][]string{
		BaseTiers:       {"Cumulative tiers by year", "year", "share of analysed commits (%)", "T0: no-op + live-patchable", "T1: T0 + interface-internal", "T2: T1 + state-transfer"},
		BaseVerdictKind: {"Verdicts by change kind", "share of the kind's commits (%)", "change kind", "fix (n=", "no-op", "live-patchable", "interface-internal", "state-transfer", "interface-external", "not-patchable", "unknown"},
		BaseTopRules:    {"Rules deciding the most commits", "commits decided", "C-NOOP-FORMAT", "no-op", "state-transfer"},
		BaseDirectories: {"Directory hotspots", "commits", "common", "dir0", "state-transfer"},
	}
	for _, f := range figs {
		if f.Title == "" || f.Caption == "" {
			t.Errorf("%s: title %q, caption %q", f.Base, f.Title, f.Caption)
		}
		svg, err := os.ReadFile(filepath.Join(dir, f.Base+".svg"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(svg, f.SVG) {
			t.Errorf("%s: returned SVG differs from the file", f.Base)
		}
		if !bytes.HasPrefix(svg, []byte("<?xml")) || !bytes.Contains(svg, []byte("?>\n<svg")) {
			t.Errorf("%s: SVG does not start with the prolog and the <svg> element: %.80q", f.Base, svg)
		}
		texts := strings.Join(svgTexts(t, svg), "\n")
		for _, w := range want[f.Base] {
			if !strings.Contains(texts, w) {
				t.Errorf("%s: SVG has no text %q; texts:\n%s", f.Base, w, texts)
			}
		}

		pf, err := os.Open(filepath.Join(dir, f.Base+".png"))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(pf)
		pf.Close()
		if err != nil {
			t.Fatalf("%s.png: %v", f.Base, err)
		}
		if b := img.Bounds(); b.Dx() != wantW || b.Dy() != wantH {
			t.Errorf("%s.png is %dx%d, want %dx%d", f.Base, b.Dx(), b.Dy(), wantW, wantH)
		}

		pdf, err := os.ReadFile(filepath.Join(dir, f.Base+".pdf"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte("%%EOF")) {
			t.Errorf("%s.pdf is not a PDF: %.20q", f.Base, pdf)
		}
		if !bytes.Contains(pdf, []byte("/CreationDate (D:20240102030405)")) || !bytes.Contains(pdf, []byte("/ModDate (D:20240102030405)")) {
			t.Errorf("%s.pdf does not carry the report's date", f.Base)
		}
		checkXref(t, f.Base, pdf)
		content := pdfContent(t, pdf)
		for _, w := range want[f.Base] {
			if !bytes.Contains(content, []byte("("+strings.NewReplacer("(", `\(`, ")", `\)`).Replace(w))) {
				t.Errorf("%s.pdf draws no text %q", f.Base, w)
			}
		}
	}
	// 16cm × 9cm at 150 dpi.
	if wantW != 945 || wantH != 531 {
		t.Errorf("default PNG size %dx%d, want 945x531", wantW, wantH)
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	r := syntheticReport(300)
	a, b := t.TempDir(), t.TempDir()
	figsA, err := Render(r, a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	figsB, err := Render(syntheticReport(300), b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range figsA {
		if !bytes.Equal(figsA[i].SVG, figsB[i].SVG) || figsA[i].Caption != figsB[i].Caption {
			t.Errorf("%s: two renders differ", figsA[i].Base)
		}
	}
	entries, err := os.ReadDir(a)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3*len(allBases) {
		t.Errorf("%d files written, want %d", len(entries), 3*len(allBases))
	}
	for _, e := range entries {
		x, err := os.ReadFile(filepath.Join(a, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s: %d and %d bytes, not byte-identical", e.Name(), len(x), len(y))
		}
	}
}

func TestFigureWithoutDataIsOmitted(t *testing.T) {
	results := synthetic(50)
	for _, r := range results {
		r.Findings = nil
		r.Date = time.Time{}
	}
	rep := study.Build(study.Meta{}, results, study.Exclusions{})
	dir := t.TempDir()
	figs, err := Render(rep, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{BaseVerdictKind, BaseDirectories}
	if got := bases(figs); !slices.Equal(got, want) {
		t.Fatalf("figures %v, want %v (no rule decided, no commit has a date)", got, want)
	}
	for _, b := range []string{BaseTiers, BaseTopRules} {
		if _, err := os.Stat(filepath.Join(dir, b+".svg")); !os.IsNotExist(err) {
			t.Errorf("%s.svg written for a figure without data", b)
		}
	}
}

func TestTiersByRelease(t *testing.T) {
	rep := syntheticReport(120)
	for i, name := range []string{"v1.0..v1.1", "v1.1..v1.2", "v1.2..v2.0"} {
		b := *rep.ByYear[i]
		b.Key = name
		rep.ByRelease = append(rep.ByRelease, &b)
	}
	figs, err := Render(rep, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if figs[0].Base != BaseTiers || figs[0].Title != "Cumulative tiers by release" {
		t.Fatalf("first figure %s %q, want the tiers by release", figs[0].Base, figs[0].Title)
	}
	texts := strings.Join(svgTexts(t, figs[0].SVG), "\n")
	for _, w := range []string{"release", "v1.1..v1.2", "n=" + strconv.Itoa(rep.ByYear[1].Commits)} {
		if !strings.Contains(texts, w) {
			t.Errorf("no text %q in:\n%s", w, texts)
		}
	}
	if strings.Contains(texts, "\nyear\n") {
		t.Error("release figure labelled by year")
	}
	if !strings.Contains(figs[0].Caption, "each release") {
		t.Errorf("caption %q does not give the release denominators", figs[0].Caption)
	}
}

func TestNamesAreEscaped(t *testing.T) {
	long := strings.Repeat("a-very-long-directory-name-", 20)
	rep := syntheticReport(200, "<script>", "a&b", "ctl\x01\x7f\u202e", "bad\xffutf8", long[:len(long)-1], "café", "日本")
	for _, b := range rep.ByDir {
		if !strings.HasPrefix(b.Key, "dir") {
			b.Commits += 100 // among the top 15
		}
	}
	figs, err := Render(rep, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var dirs *study.Figure
	for i := range figs {
		if figs[i].Base == BaseDirectories {
			dirs = &figs[i]
		}
		if bytes.Contains(bytes.ToLower(figs[i].SVG), []byte("<script")) {
			t.Errorf("%s: SVG contains an unescaped <script", figs[i].Base)
		}
	}
	if dirs == nil {
		t.Fatal("no directory figure")
	}
	if !bytes.Contains(dirs.SVG, []byte("&lt;script&gt;")) || !bytes.Contains(dirs.SVG, []byte("a&amp;b")) {
		t.Error("directory names not drawn escaped")
	}
	texts := svgTexts(t, dirs.SVG)
	all := strings.Join(texts, "\n")
	if !strings.Contains(all, "<script>") || !strings.Contains(all, "a&b") {
		t.Errorf("escaped names do not read back; texts:\n%s", all)
	}
	for _, s := range texts {
		if n := len([]rune(s)); n > 40 {
			t.Errorf("label of %d runes not shortened: %q", n, s)
		}
		if strings.ContainsAny(s, "\x01\x7f\u202e") {
			t.Errorf("control character drawn: %q", s)
		}
	}
	if !strings.Contains(all, "a-very-long-d…") {
		t.Errorf("long directory not shortened; texts:\n%s", all)
	}

	// The PDF writer's fonts use Windows-1252: é is drawn as its byte
	// there, and what the code page lacks as "?".
	dir := t.TempDir()
	if _, err := Render(rep, dir, Options{Formats: []string{PDF}}); err != nil {
		t.Fatal(err)
	}
	pdf, err := os.ReadFile(filepath.Join(dir, BaseDirectories+".pdf"))
	if err != nil {
		t.Fatal(err)
	}
	content := pdfContent(t, pdf)
	for _, w := range []string{"(caf\xe9)", "(??)", `(<script>)`} {
		if !bytes.Contains(content, []byte(w)) {
			t.Errorf("PDF draws no %q", w)
		}
	}
}

// pdfContent returns the inflated streams of a PDF, concatenated.
func pdfContent(t *testing.T, pdf []byte) []byte {
	t.Helper()
	var out []byte
	for rest := pdf; ; {
		i := bytes.Index(rest, []byte("stream\n"))
		if i < 0 {
			break
		}
		rest = rest[i+len("stream\n"):]
		j := bytes.Index(rest, []byte("endstream"))
		if j < 0 {
			t.Fatal("PDF stream without its end")
		}
		if zr, err := zlib.NewReader(bytes.NewReader(rest[:j])); err == nil {
			b, _ := io.ReadAll(zr)
			out = append(out, b...)
		}
		rest = rest[j+len("endstream"):]
	}
	return out
}

// checkXref checks that every object the PDF's cross-reference table
// lists starts at its offset.
func checkXref(t *testing.T, name string, pdf []byte) {
	t.Helper()
	i := bytes.LastIndex(pdf, []byte("startxref\n"))
	if i < 0 {
		t.Fatalf("%s.pdf: no startxref", name)
	}
	off, err := strconv.Atoi(string(bytes.Fields(pdf[i+len("startxref\n"):])[0]))
	if err != nil || off >= len(pdf) || !bytes.HasPrefix(pdf[off:], []byte("xref")) {
		t.Fatalf("%s.pdf: startxref %d does not point at the xref table", name, off)
	}
	lines := strings.Split(string(pdf[off:]), "\n")
	var first, n int
	if _, err := fmt.Sscanf(lines[1], "%d %d", &first, &n); err != nil || n < 2 {
		t.Fatalf("%s.pdf: xref header %q", name, lines[1])
	}
	for k := 1; k < n; k++ {
		var at, gen int
		var kind string
		if _, err := fmt.Sscanf(lines[2+k], "%d %d %s", &at, &gen, &kind); err != nil {
			t.Fatalf("%s.pdf: xref entry %q", name, lines[2+k])
		}
		if kind != "n" {
			continue
		}
		if want := fmt.Sprintf("%d 0 obj", first+k); at >= len(pdf) || !bytes.HasPrefix(pdf[at:], []byte(want)) {
			t.Errorf("%s.pdf: object %d is not at offset %d", name, first+k, at)
		}
	}
}

func TestLabelShortensAndCleans(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"net", "net"},
		{"", "(empty)"},
		{"a\x00b", "a\uFFFDb"},
		{"x\xffy", "x\uFFFDy"},
		{"abcdefghijklmnopqrstuvwxyz", "abcd…wxyz"},
	} {
		if got := label(c.in, 9); got != c.want {
			t.Errorf("label(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestEmptyReport(t *testing.T) {
	for name, r := range map[string]*study.Report{
		"built from nothing": study.Build(study.Meta{}, nil, study.Exclusions{}),
		"zero value":         {},
	} {
		dir := t.TempDir()
		figs, err := Render(r, dir, Options{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if len(figs) != 0 {
			t.Errorf("%s: %d figures for an empty report", name, len(figs))
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%s: %d files written for an empty report", name, len(entries))
		}
	}
	if _, err := Render(nil, "", Options{}); err == nil {
		t.Error("nil report: no error")
	}
}

func TestBadInput(t *testing.T) {
	nan := study.Share{Count: 3, Of: 0, Share: math.NaN()}
	rep := &study.Report{
		Analysed: 10,
		ByYear: []*study.Breakdown{
			nil,
			{Key: "2020", Commits: 5, Tiers: map[string]study.Share{"T0": nan, "T1": {Count: 9, Of: 3}, "T2": {Count: -4, Of: 2}}},
			{Key: "2021", Commits: 0, Tiers: map[string]study.Share{"T0": {Count: 1, Of: 0}}},
			{Key: "unknown date", Commits: 7, Tiers: map[string]study.Share{"T0": {Count: 1, Of: 7}}},
		},
		ByKind: []*study.Breakdown{
			{Key: "fix", Commits: 3, Verdicts: map[string]int{"no-op": -5, "live-patchable": 2, "bogus": 99}},
			{Key: "perf", Commits: 0, Verdicts: map[string]int{"no-op": 4}},
			{Key: "feature", Commits: 2, Verdicts: nil},
		},
		ByRule: []study.RuleStat{{Rule: "", Verdict: "no-such-verdict", Decides: 1 << 40}, {Rule: "R", Decides: -3}},
		ByDir: []*study.Breakdown{
			{Key: strings.Repeat("x", 10000), Commits: 1 << 30, Verdicts: map[string]int{"unknown": 1 << 30}},
			{Key: "nil verdicts", Commits: 2},
		},
	}
	for y := 1000; y < 2000; y++ {
		rep.ByYear = append(rep.ByYear, &study.Breakdown{Key: strconv.Itoa(y), Commits: y,
			Tiers: map[string]study.Share{"T0": {Count: y % 7, Of: y}, "T1": {Count: y % 11, Of: y}, "T2": {Count: y % 13, Of: y}}})
	}
	dir := t.TempDir()
	figs, err := Render(rep, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := bases(figs); !slices.Equal(got, allBases) {
		t.Errorf("figures %v, want %v", got, allBases)
	}
	for _, f := range figs {
		svgTexts(t, f.SVG)
	}

	// Many releases with long names: rotated, thinned labels.
	rel := &study.Report{}
	for i := range 300 {
		rel.ByRelease = append(rel.ByRelease, &study.Breakdown{Key: fmt.Sprintf("release-with-a-long-name-%d..next", i), Commits: 1 + i%5,
			Tiers: map[string]study.Share{"T0": {Count: i % 2, Of: 1 + i%5}}})
	}
	figs, err = Render(rel, "", Options{Formats: []string{"png"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != 1 || figs[0].Base != BaseTiers {
		t.Fatalf("figures %v, want the tiers", bases(figs))
	}
	svgTexts(t, figs[0].SVG)
}

func TestOptions(t *testing.T) {
	rep := syntheticReport(60)
	for _, o := range []Options{
		{Formats: []string{"gif"}},
		{Width: -1},
		{Width: vg.Length(math.NaN())},
		{Height: 1000 * DefaultHeight},
		{DPI: -5},
		{DPI: 1200, Width: 100 * DefaultWidth / 16, Height: 100 * DefaultWidth / 16},
	} {
		if _, err := Render(rep, "", o); err == nil {
			t.Errorf("options %+v: no error", o)
		}
	}

	dir := t.TempDir()
	o := Options{Formats: []string{".PNG", "png"}, DPI: 72}
	figs, err := Render(rep, dir, o)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(figs) {
		t.Errorf("%d files for %d figures in one format", len(entries), len(figs))
	}
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".png" {
			t.Errorf("unexpected file %s", e.Name())
		}
	}
	for _, f := range figs {
		if len(f.SVG) == 0 {
			t.Errorf("%s: no SVG returned when SVG files are not written", f.Base)
		}
	}
	w, h, err := PNGSize(o)
	if err != nil || w != 454 || h != 255 {
		t.Errorf("PNGSize at 72 dpi = %d×%d, %v; want 454×255", w, h, err)
	}

	// dir == "" writes nothing.
	wd := t.TempDir()
	t.Chdir(wd)
	if _, err := Render(rep, "", Options{}); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(wd); len(entries) != 0 {
		t.Errorf("dir \"\" wrote %d files", len(entries))
	}
}
