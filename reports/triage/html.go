package triage

import (
	"bytes"
	"fmt"
	"github.com/dynupd/dynupd-analyze/reports/htmlstyle"
	"html/template"
	"io"
	"strings"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
)

// The HTML triage is one self-contained file: inline CSS, no script,
// nothing fetched when it is viewed. Each group is a section; each commit
// a <details> element whose summary is the commit's line and whose body
// is its findings.

type htmlData struct {
	R        *Report
	Title    string
	Shipping string
	Analysis string
	Blocking []*Commit
	Groups   []htmlGroup
}

type htmlGroup struct {
	Group
	Commits []*Commit
}

// WriteHTML renders the report as one self-contained HTML page.
func WriteHTML(w io.Writer, r *Report) error {
	d := htmlData{R: r, Title: "Live-patch triage: " + r.Range.Spec, Shipping: r.Net.Shipping(), Analysis: r.Net.analysisLine()}
	idx := r.commitIndex()
	for _, h := range r.Net.Blocking {
		if c := idx[h]; c != nil {
			d.Blocking = append(d.Blocking, c)
		}
	}
	for _, g := range r.Groups {
		hg := htmlGroup{Group: g}
		for _, h := range g.Commits {
			if c := idx[h]; c != nil {
				hg.Commits = append(hg.Commits, c)
			}
		}
		d.Groups = append(d.Groups, hg)
	}
	var buf bytes.Buffer
	if err := htmlTmpl.Execute(&buf, d); err != nil {
		return fmt.Errorf("html triage: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

var htmlTmpl = template.Must(template.New("triage").Funcs(template.FuncMap{
	"short":   short,
	"date":    dateOf,
	"loc":     (*classifiers.Loc).Where,
	"join":    func(s []string) string { return orNone(s) },
	"closure": func(s []string) string { return strings.Join(s, ", ") },
	"notAnc":  func() string { return notAncestorNote },
	"findings": func(fs []classifiers.Finding, sk []analyzer.SkippedFile) findingsBlock {
		return findingsBlock{fs, sk}
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
` + htmlstyle.CSS + `.verdict{font-size:1.2em;font-weight:bold}
.note{background:#fff6e0;border-left:4px solid #a15c00;padding:.5em 1em}
details.commit{margin:.3em 0}
details summary{cursor:pointer}
details summary .meta{color:#555;font-size:.9em}
.findings td{font-size:.85em}
code{font-size:.9em}
</style>
</head>
<body>
<h1>{{.Title}}</h1>

<table id="range">
<tr><th>repository</th><td>{{.R.Range.Repository}}</td></tr>
<tr><th>base</th><td>{{.R.Range.Base}} <code>{{.R.Range.BaseCommit}}</code></td></tr>
<tr><th>tip</th><td>{{.R.Range.Tip}} <code>{{.R.Range.TipCommit}}</code></td></tr>
<tr><th>commits</th><td>{{len .R.Commits}} (merges skipped: {{.R.Range.MergesSkipped}}{{if .R.Range.FilteredOut}}; left out by the path filter: {{.R.Range.FilteredOut}}{{end}})</td></tr>
<tr><th>tool / rules version</th><td>{{.R.Tool}} / {{.R.Rules}}</td></tr>
</table>
{{if .R.Range.BaseNotAncestor}}<p class="note">Note: {{notAnc}}.</p>{{end}}

<section id="net">
<h2>Net change as one live patch</h2>
<p><span class="verdict v-{{.R.Net.Verdict}}">{{.R.Net.Verdict}}</span> ({{.R.Net.Tier}}): {{.Shipping}}.</p>
<table>
<tr><th>deciding rules</th><td>{{join .R.Net.Deciding}}</td></tr>
<tr><th>analysis</th><td>{{.Analysis}}</td></tr>
<tr><th>blocking commits</th><td>{{if .Blocking}}{{len .Blocking}} with a verdict above live-patchable{{else}}none{{end}}</td></tr>
</table>
{{if .Blocking}}<table id="blocking">
<tr><th>commit</th><th>verdict</th><th>subject</th></tr>
{{range .Blocking}}<tr><td><a href="#c-{{short .Commit}}"><code>{{short .Commit}}</code></a></td><td class="v-{{.Verdict}}">{{.Verdict}}</td><td>{{.Subject}}</td></tr>
{{end}}</table>{{end}}
{{if or .R.Net.Findings .R.Net.Skipped}}<details><summary>Findings of the net change ({{len .R.Net.Findings}})</summary>
{{template "findings" findings .R.Net.Findings .R.Net.Skipped}}
</details>{{end}}
</section>

<section id="groups">
<h2>Groups</h2>
<table>
<tr><th>group</th><th>verdict</th><th>commits</th></tr>
{{range .Groups}}<tr><td><a href="#g-{{.Key}}">{{.Title}}</a></td><td class="v-{{.Verdict}}">{{.Verdict}}</td><td class="n">{{.Count}}</td></tr>
{{end}}</table>
</section>

{{range .Groups}}
<section class="group" id="g-{{.Key}}" data-count="{{.Count}}">
<h2>{{.Title}} ({{.Count}})</h2>
{{range .Commits}}<details class="commit" id="c-{{short .Commit}}" data-verdict="{{.Verdict}}">
<summary><code title="{{.Commit}}">{{short .Commit}}</code> <span class="meta">{{date .Date}}</span> <span class="v-{{.Verdict}}">{{.Verdict}}</span> {{.Tier}} <span class="meta">{{join .Deciding}}</span> — {{.Subject}}</summary>
<p class="meta">{{.Author}}</p>
{{template "findings" findings .Findings .Skipped}}
</details>
{{else}}<p>None.</p>
{{end}}</section>
{{end}}

<h2>Method</h2>
<p>Every commit of the range is diffed against its first parent; merges are skipped and counted. A commit's verdict is the most severe of its findings (TAXONOMY.md, rules version {{.R.Rules}}); <code>unknown</code> is never folded into another group. Commits that change nothing in the running program (<code>no-op</code>) are listed apart and do not count as ready. The net change is the difference between the base and the tip analysed as one change: what a single live patch taking the running program from the base to the tip would meet.</p>
</body>
</html>
{{define "findings"}}<table class="findings">
<tr><th>rule</th><th>verdict</th><th>entity</th><th>old</th><th>new</th><th>message</th><th>closure</th></tr>
{{range .Findings}}<tr><td>{{.Rule}}</td><td class="v-{{.Verdict}}">{{.Verdict}}</td><td>{{.Entity}}</td><td>{{loc .Old}}</td><td>{{loc .New}}</td><td>{{.Message}}</td><td>{{closure .Closure}}</td></tr>
{{else}}<tr><td colspan="7">no findings</td></tr>
{{end}}{{range .Skipped}}<tr><td colspan="7">not analysed: {{.Path}}: {{.Reason}}</td></tr>
{{end}}</table>{{end}}`))

// findingsBlock is what the findings template renders.
type findingsBlock struct {
	Findings []classifiers.Finding
	Skipped  []analyzer.SkippedFile
}
