// Package htmlstyle holds the style sheet the HTML reports share, so a
// study and a triage look alike.
package htmlstyle

// CSS is the shared part of the reports' inline style sheet: page, tables
// and one colour per verdict (class v-VERDICT).
const CSS = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
.v-no-op{color:#555}.v-live-patchable{color:#007a33}.v-interface-internal{color:#0063a5}
.v-state-transfer{color:#a15c00}.v-interface-external{color:#b0006a}.v-not-patchable{color:#b00020}.v-unknown{color:#6b3fa0;font-weight:bold}
`
