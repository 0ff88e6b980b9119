package study

import (
	"bytes"
	"fmt"
	"github.com/dynupd/dynupd-analyze/reports/htmlstyle"
	"html/template"
	"io"
	"regexp"
	"strings"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/dynupd/dynupd-analyze/reports"
)

// The HTML report is one self-contained file: inline CSS and script, the
// figures as inline SVG, and every commit with its findings. Nothing is
// fetched when it is viewed. The commit table is filtered by verdict, kind
// and text; the filter state lives in the URL fragment
// (#verdict=unknown&kind=fix&q=redis), so a filtered view can be linked.

// htmlCommitData is one commit of the page's data (short keys: the data
// of a long history is most of the page): hash, date, kind, verdict, tier,
// deciding rules, subject, findings as [rule, verdict, entity, message,
// old, new, closure], and the number of findings left out (findings.csv
// has them all).
type htmlCommitData struct {
	H string      `json:"h"`
	D string      `json:"d"`
	K string      `json:"k"`
	V string      `json:"v"`
	T string      `json:"t"`
	R string      `json:"r"`
	J string      `json:"j"`
	F [][7]string `json:"f,omitempty"`
	M int         `json:"m,omitempty"`
}

// The page keeps the first findings of a commit and the first members of
// a closure, so a history of tens of thousands of commits stays a file a
// browser opens; findings.csv and results.jsonl have everything.
const (
	htmlMaxFindings = 25
	htmlMaxClosure  = 12
)

func clipList(s []string, n int) string {
	if len(s) <= n {
		return strings.Join(s, ", ")
	}
	return strings.Join(s[:n], ", ") + fmt.Sprintf(", … (%d more)", len(s)-n)
}

type htmlData struct {
	R        *Report
	Title    string
	Verdicts []string
	Kinds    []string
	Tiers    []htmlTier
	Rows     []htmlRow
	Figures  []htmlFigure
	// CommitData is the commit table's data, in the results' order.
	CommitData []htmlCommitData
	Sections   []htmlSection
}

type htmlTier struct {
	Name, Share, Changing  string
	Count, Of, CCount, COf int
}

type htmlRow struct {
	Verdict string
	Count   int
	Share   string
}

type htmlFigure struct {
	Title, Caption string
	SVG            template.HTML
}

type htmlSection struct {
	Title, Intro, Key string
	Rows              []*Breakdown
}

var xmlProlog = regexp.MustCompile(`(?s)^\s*<\?xml[^>]*\?>\s*(<!DOCTYPE[^>]*>\s*)?`)

// inlineSVG prepares an SVG document for inlining: no XML prolog, and
// nothing but an <svg> element (anything else is dropped).
func inlineSVG(b []byte) template.HTML {
	s := xmlProlog.ReplaceAllString(string(b), "")
	if !strings.HasPrefix(strings.TrimSpace(s), "<svg") || strings.Contains(strings.ToLower(s), "<script") {
		return ""
	}
	return template.HTML(s) // our own plotting output, checked above
}

// WriteHTML renders the study as one self-contained HTML file. results
// give the commit table; they may be nil for a report without it.
func WriteHTML(w io.Writer, r *Report, figs []Figure, results []*analyzer.Result) error {
	d := htmlData{R: r, Title: "Live-patchability study: " + r.Meta.Repository}
	for _, v := range classifiers.Verdicts {
		d.Verdicts = append(d.Verdicts, v.String())
		s := r.VerdictShares[v.String()]
		d.Rows = append(d.Rows, htmlRow{Verdict: v.String(), Count: s.Count, Share: s.Percent()})
	}
	d.Kinds = append(d.Kinds, Kinds...)
	for _, t := range []string{"T0", "T1", "T2"} {
		a, c := r.Tiers[t], r.Changing[t]
		d.Tiers = append(d.Tiers, htmlTier{Name: tierNames[t], Count: a.Count, Of: a.Of, Share: a.Percent(), CCount: c.Count, COf: c.Of, Changing: c.Percent()})
	}
	for _, f := range figs {
		d.Figures = append(d.Figures, htmlFigure{Title: f.Title, Caption: f.Caption, SVG: inlineSVG(f.SVG)})
	}
	d.Sections = []htmlSection{
		{Title: "By change kind", Intro: "What share of bug-fix and performance changes could have shipped as live patches (K42's question).", Key: "kind", Rows: r.ByKind},
		{Title: "By year", Key: "year", Rows: r.ByYear},
		{Title: "By top-level directory", Intro: "A commit counts in every top-level directory it touches, with the most severe verdict of its files there.", Key: "directory", Rows: firstBreakdowns(r.ByDir, 30)},
	}
	if len(r.ByRelease) > 0 {
		d.Sections = append(d.Sections, htmlSection{Title: "Commits by release", Intro: "Each commit counts in the release that first contains it.", Key: "release", Rows: r.ByRelease})
	}
	if r.Functions != nil && r.Functions.Commits > 0 {
		d.Sections = append([]htmlSection{{Title: "Per changed function", Intro: "Each function or method a commit's findings name counts once per commit, with the most severe verdict of those findings.", Key: "unit", Rows: []*Breakdown{r.Functions}}}, d.Sections...)
	}
	for _, res := range results {
		c := htmlCommitData{H: res.Commit, K: res.Kind, V: res.Verdict.String(), T: res.Tier.String(), J: res.Subject, R: strings.Join(reports.DecidingRules(res), " ")}
		if !res.Date.IsZero() {
			c.D = res.Date.UTC().Format("2006-01-02")
		}
		if c.K == "" {
			c.K = "other"
		}
		for i, f := range res.Findings {
			if i == htmlMaxFindings {
				c.M = len(res.Findings) - i
				break
			}
			c.F = append(c.F, [7]string{f.Rule, f.Verdict.String(), f.Entity, f.Message, f.Old.Where(), f.New.Where(), clipList(f.Closure, htmlMaxClosure)})
		}
		d.CommitData = append(d.CommitData, c)
	}
	var buf bytes.Buffer
	if err := htmlTmpl.Execute(&buf, d); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

var htmlTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"verdictCount": func(b *Breakdown, v string) int { return b.Verdicts[v] },
	"tier":         func(b *Breakdown, t string) string { s := b.Tiers[t]; return s.Percent() },
	"ctier":        func(b *Breakdown, t string) string { s := b.Changing[t]; return s.Percent() },
	"date":         func(r *Report) string { return r.Meta.Date.UTC().Format("2006-01-02 15:04:05 UTC") },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
` + htmlstyle.CSS + `figure{margin:1em 0}figure svg{max-width:100%;height:auto}figcaption{font-size:.9em;color:#555}
#filters{position:sticky;top:0;background:#fff;padding:.5em 0;border-bottom:1px solid #ddd}
#filters label{margin-right:1em}
details summary{cursor:pointer}
.findings td{font-size:.85em}
code{font-size:.9em}
</style>
</head>
<body>
<h1>{{.Title}}</h1>

<h2 id="reproducibility">Reproducibility</h2>
<table id="meta">
<tr><th>tool version</th><td>{{.R.Meta.Tool}}</td></tr>
<tr><th>rules version</th><td>{{.R.Meta.Rules}}</td></tr>
<tr><th>config hash</th><td>{{.R.Meta.ConfigHash}}</td></tr>
<tr><th>kinds rule hash</th><td>{{.R.Meta.KindsHash}}</td></tr>
<tr><th>repository</th><td>{{.R.Meta.Repository}}</td></tr>
<tr><th>HEAD</th><td><code>{{.R.Meta.Head}}</code></td></tr>
<tr><th>range</th><td>{{.R.Meta.Range}}</td></tr>
<tr><th>command line</th><td><code>{{.R.Meta.CommandLine}}</code></td></tr>
<tr><th>date</th><td>{{date .R}}</td></tr>
</table>

<h2 id="headline">Headline</h2>
<table id="exclusions">
<tr><th>commits</th><th>count</th></tr>
<tr><td>analysed</td><td class="n">{{.R.Analysed}}</td></tr>
<tr><td>excluded: merges (skipped; their changes are in the commits merged)</td><td class="n">{{.R.Exclusions.Merges}}</td></tr>
<tr><td>excluded: no file kept by the path filter</td><td class="n">{{.R.Exclusions.Filtered}}</td></tr>
<tr><td>of the analysed, no-op only (left out of the program-changing denominator)</td><td class="n">{{.R.Exclusions.NoOpOnly}}</td></tr>
<tr><td>of the analysed, with files not analysed (size, binary, missing blob, submodule)</td><td class="n">{{.R.Exclusions.Skipped}}</td></tr>
</table>
<table id="verdicts">
<tr><th>verdict</th><th>commits</th><th>share of analysed</th></tr>
{{range .Rows}}<tr><td class="v-{{.Verdict}}">{{.Verdict}}</td><td class="n">{{.Count}}</td><td class="n">{{.Share}}</td></tr>
{{end}}</table>
<table id="tiers">
<tr><th>tier</th><th>numerator</th><th>denominator</th><th>share</th><th>program-changing numerator</th><th>denominator</th><th>share</th></tr>
{{range .Tiers}}<tr><td>{{.Name}}</td><td class="n">{{.Count}}</td><td class="n">{{.Of}}</td><td class="n">{{.Share}}</td><td class="n">{{.CCount}}</td><td class="n">{{.COf}}</td><td class="n">{{.Changing}}</td></tr>
{{end}}</table>

{{$verdicts := .Verdicts}}
{{range .Sections}}
<h2>{{.Title}}</h2>
{{if .Intro}}<p>{{.Intro}}</p>{{end}}
<table class="breakdown">
<tr><th>{{.Key}}</th><th>changes</th>{{range $verdicts}}<th class="v-{{.}}">{{.}}</th>{{end}}<th>T0</th><th>T1</th><th>T2</th><th>T0 / T1 / T2 program-changing</th></tr>
{{range $b := .Rows}}<tr><td>{{$b.Key}}</td><td class="n">{{$b.Commits}}</td>{{range $verdicts}}<td class="n">{{verdictCount $b .}}</td>{{end}}<td class="n">{{tier $b "T0"}}</td><td class="n">{{tier $b "T1"}}</td><td class="n">{{tier $b "T2"}}</td><td class="n">{{ctier $b "T0"}} / {{ctier $b "T1"}} / {{ctier $b "T2"}}</td></tr>
{{end}}</table>
{{end}}

<h2>By rule</h2>
<table id="rules">
<tr><th>rule</th><th>verdict</th><th>decides</th><th>share of analysed</th><th>fires</th></tr>
{{range .R.ByRule}}<tr><td>{{.Rule}}</td><td class="v-{{.Verdict}}">{{.Verdict}}</td><td class="n">{{.Decides}}</td><td class="n">{{.Share.Percent}}</td><td class="n">{{.Fires}}</td></tr>
{{end}}</table>

{{if .R.Releases}}
<h2>By release</h2>
<table id="releases">
<tr><th>release</th><th>verdict</th><th>tier</th><th>deciding rules</th><th>functions + / − / ~</th><th>types + / − / ~</th><th>globals + / − / ~</th><th>findings</th></tr>
{{range .R.Releases}}<tr><td>{{.Name}}</td><td class="v-{{.Verdict}}">{{.Verdict}}</td><td>{{.Tier}}</td><td>{{range .Deciding}}{{.}} {{end}}</td><td>{{.Functions.Added}} / {{.Functions.Removed}} / {{.Functions.Changed}}</td><td>{{.Types.Added}} / {{.Types.Removed}} / {{.Types.Changed}}</td><td>{{.Globals.Added}} / {{.Globals.Removed}} / {{.Globals.Changed}}</td><td class="n">{{.Findings}}</td></tr>
{{end}}</table>
{{end}}

{{if .Figures}}
<h2 id="figures">Figures</h2>
{{range .Figures}}<figure class="figure">{{.SVG}}<figcaption><b>{{.Title}}.</b> {{.Caption}}</figcaption></figure>
{{end}}
{{end}}

{{if .CommitData}}
<h2 id="commits">Commits</h2>
<div id="filters">
<label>verdict <select id="f-verdict"><option value="">all</option>{{range .Verdicts}}<option value="{{.}}">{{.}}</option>{{end}}</select></label>
<label>kind <select id="f-kind"><option value="">all</option>{{range .Kinds}}<option value="{{.}}">{{.}}</option>{{end}}</select></label>
<label>text <input id="f-q" type="search" placeholder="hash, subject or rule"></label>
<span id="shown"></span>
</div>
<table id="commit-table">
<thead><tr><th>commit</th><th>date</th><th>kind</th><th>verdict</th><th>tier</th><th>deciding rules</th><th>subject and findings</th></tr></thead>
<tbody id="commit-rows"></tbody>
</table>
<p><button id="more" type="button" hidden>show more</button></p>
<noscript><p>The commit table needs JavaScript; every commit is also in commits.csv and findings.csv.</p></noscript>
<script id="commit-data" type="application/json">{{.CommitData}}</script>
<script>
(function () {
  // The commits are data, drawn a page at a time and their findings only
  // when opened, so a history of tens of thousands of commits stays a
  // page a browser loads quickly. All text goes through textContent.
  var data = JSON.parse(document.getElementById('commit-data').textContent);
  var v = document.getElementById('f-verdict'), k = document.getElementById('f-kind'), q = document.getElementById('f-q');
  var body = document.getElementById('commit-rows'), more = document.getElementById('more');
  var shown = document.getElementById('shown');
  var cols = ['rule', 'verdict', 'entity', 'message', 'old', 'new', 'closure'];
  var page = 500, limit = page, matches = [], opened = '';
  data.forEach(function (c) { c.s = [c.h, c.j, c.r, c.k, c.v].join(' ').toLowerCase(); });
  function cell(tr, text, cls) {
    var td = tr.insertCell();
    td.textContent = text;
    if (cls) { td.className = cls; }
    return td;
  }
  function fill(d, c) {
    if (d.getAttribute('data-filled')) { return; }
    d.setAttribute('data-filled', '1');
    var t = document.createElement('table');
    t.className = 'findings';
    var head = t.insertRow();
    cols.forEach(function (name) { var th = document.createElement('th'); th.textContent = name; head.appendChild(th); });
    (c.f || []).forEach(function (f) {
      var tr = t.insertRow();
      f.forEach(function (val, j) { cell(tr, val, j === 1 ? 'v-' + val : ''); });
    });
    if (c.m) {
      var td = cell(t.insertRow(), '\u2026 ' + c.m + ' more findings (all are in findings.csv)');
      td.colSpan = cols.length;
    }
    d.appendChild(t);
  }
  function row(c) {
    var tr = document.createElement('tr');
    tr.className = 'commit';
    tr.setAttribute('data-verdict', c.v);
    tr.setAttribute('data-kind', c.k);
    var code = document.createElement('code');
    code.textContent = c.h.slice(0, 12);
    code.title = c.h;
    tr.insertCell().appendChild(code);
    cell(tr, c.d); cell(tr, c.k); cell(tr, c.v, 'v-' + c.v); cell(tr, c.t); cell(tr, c.r);
    var d = document.createElement('details');
    d.id = 'c-' + c.h.slice(0, 12);
    var sum = document.createElement('summary');
    sum.textContent = c.j;
    d.appendChild(sum);
    d.addEventListener('toggle', function () { if (d.open) { fill(d, c); } });
    if (opened && c.h.indexOf(opened) === 0) { fill(d, c); d.open = true; }
    tr.insertCell().appendChild(d);
    return tr;
  }
  function render() {
    body.textContent = '';
    var frag = document.createDocumentFragment();
    matches.slice(0, limit).forEach(function (c) { frag.appendChild(row(c)); });
    body.appendChild(frag);
    more.hidden = matches.length <= limit;
    more.textContent = 'show ' + Math.min(page, matches.length - limit) + ' more';
  }
  function fromHash() {
    var h = {};
    location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
      var i = kv.indexOf('=');
      if (i > 0) { h[decodeURIComponent(kv.slice(0, i))] = decodeURIComponent(kv.slice(i + 1)); }
    });
    v.value = h.verdict || '';
    k.value = h.kind || '';
    q.value = h.q || '';
    opened = (h.open || '').toLowerCase();
  }
  function apply() {
    var want = v.value, kind = k.value, text = q.value.toLowerCase();
    matches = data.filter(function (c) {
      return (!want || c.v === want) && (!kind || c.k === kind) && (!text || c.s.indexOf(text) >= 0);
    });
    limit = page;
    if (opened) {
      for (var i = 0; i < matches.length; i++) {
        if (matches[i].h.indexOf(opened) === 0) { limit = Math.max(limit, i + 1); break; }
      }
    }
    var n = matches.length;
    shown.textContent = n + ' of ' + data.length + ' commits match' + (n > limit ? ' (the first ' + limit + ' are shown)' : '');
    shown.setAttribute('data-shown', String(n));
    render();
  }
  function toHash() {
    var parts = [];
    if (v.value) { parts.push('verdict=' + encodeURIComponent(v.value)); }
    if (k.value) { parts.push('kind=' + encodeURIComponent(k.value)); }
    if (q.value) { parts.push('q=' + encodeURIComponent(q.value)); }
    history.replaceState(null, '', parts.length ? '#' + parts.join('&') : location.pathname);
  }
  [v, k].forEach(function (e) { e.addEventListener('change', function () { opened = ''; apply(); toHash(); }); });
  q.addEventListener('input', function () { opened = ''; apply(); toHash(); });
  more.addEventListener('click', function () { limit += page; render(); });
  window.addEventListener('hashchange', function () { fromHash(); apply(); });
  fromHash();
  apply();
})();
</script>
{{end}}

<h2>Method</h2>
<p>Verdicts, rules and tiers are those of TAXONOMY.md (rules version {{.R.Meta.Rules}}). A commit is diffed against its first parent; its verdict is the most severe of its findings; <code>unknown</code> is never folded into another row. Tiers are cumulative: T0 = no-op + live-patchable (Ksplice's "no new code"), T1 = T0 + interface-internal (K42's figure with interface-change support), T2 = T1 + state-transfer; they are given over all analysed commits and over the commits that change the program. Change kinds: {{.R.Meta.KindsRule}}.</p>
</body>
</html>
`))
