package audit

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// Timeline geometry (SVG user units).
const (
	tlWidth  = 960.0
	tlLeft   = 190.0 // room for labels
	tlRight  = 20.0
	tlTop    = 34.0
	tlRowH   = 26.0
	tlBottom = 30.0
)

type tlRow struct {
	ID, Label, Title, Class string
	Y, X1, X2, Mid          float64
	Live, Removed           bool
}

type tlTick struct {
	X     float64
	Label string
}

type htmlView struct {
	R         *Report
	Rows      []tlRow
	Ticks     []tlTick
	Height    float64
	AxisY     float64
	NowX      float64
	Live      []Exposure
	Gone      []Exposure
	ExpIndex  map[string]int
	KeysInUse []Key
	KeysIdle  []string
	// FilterKeys are the managed keys the exposures name (the key filter).
	FilterKeys []string
}

// WriteHTML renders the report as one self-contained page: inline CSS,
// JavaScript and SVG, no network access (a Content-Security-Policy
// forbids any), secrets redacted like every other format.
func WriteHTML(w io.Writer, r *Report) error {
	var p page
	p.render(newHTMLView(r))
	_, err := w.Write(p.b.Bytes())
	return err
}

// newHTMLView lays out the page's parts: the timeline's geometry, the
// exposures by state and the keys by use.
func newHTMLView(r *Report) *htmlView {
	v := &htmlView{R: r, ExpIndex: map[string]int{}}
	span := r.End.Sub(r.Start)
	if span <= 0 {
		span = 24 * time.Hour
	}
	// A margin so that marks at the ends stay visible.
	start := r.Start.Add(-span / 40)
	end := r.End.Add(span / 40)
	span = end.Sub(start)
	x := func(t time.Time) float64 {
		if t.IsZero() {
			t = start
		}
		return tlLeft + (tlWidth-tlLeft-tlRight)*float64(t.Sub(start))/float64(span)
	}
	for i, e := range r.Exposures {
		v.ExpIndex[e.ID] = i + 1
		if e.Live {
			v.Live = append(v.Live, e)
		} else {
			v.Gone = append(v.Gone, e)
		}
		row := tlRow{ID: e.ID, Y: tlTop + float64(i)*tlRowH + tlRowH/2, Live: e.Live}
		row.Label = fmt.Sprintf("%d. %s", i+1, cut(e.labelShort(), 24))
		x1 := x(introTime(e))
		x2 := x(r.End)
		switch {
		case e.WorkTreeOnly():
			// Never committed: a mark at now, not a bar from the
			// timeline's start.
			row.Class = "live worktree"
			x1 = x2 - 6
		case e.Live:
			row.Class = "live"
		case e.Removed != nil:
			row.Removed = true
			x2 = x(e.Removed.Date)
			row.Class = "removed"
		default:
			row.Class = "removed"
			x2 = x1
		}
		if x2 < x1+2 {
			x2 = x1 + 2
		}
		row.X1, row.X2, row.Mid = x1, x2, (x1+x2)/2
		intro := "?"
		if e.WorkTreeOnly() {
			intro = "never (working tree only)"
		}
		if e.Key != "" && !slices.Contains(v.FilterKeys, e.Key) {
			v.FilterKeys = append(v.FilterKeys, e.Key)
		}
		if e.Introduced != nil {
			intro = day(e.Introduced.Date) + " by " + e.Introduced.Author
		}
		row.Title = fmt.Sprintf("%s — introduced %s — %s", e.title(), intro, e.status())
		v.Rows = append(v.Rows, row)
	}
	v.Height = tlTop + float64(max(len(r.Exposures), 1))*tlRowH + tlBottom
	v.AxisY = v.Height - tlBottom + 6
	v.NowX = x(r.End)
	v.Ticks = ticks(start, end, x)
	for _, k := range r.Keys {
		if k.InUse {
			v.KeysInUse = append(v.KeysInUse, k)
		} else {
			v.KeysIdle = append(v.KeysIdle, k.Name)
		}
	}
	return v
}

// exposureState is an exposure's state for the report's filter: live,
// worktree (live, never committed) or removed.
func exposureState(e Exposure) string {
	switch {
	case e.WorkTreeOnly():
		return "worktree"
	case e.Live:
		return "live"
	}
	return "removed"
}

func (e *Exposure) labelShort() string {
	if e.Key != "" {
		return e.Key
	}
	if len(e.Rules) > 0 {
		return e.Rules[0]
	}
	return e.Preview
}

func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// ticks places about six date labels on the axis.
func ticks(start, end time.Time, x func(time.Time) float64) []tlTick {
	span := end.Sub(start)
	steps := []struct {
		d      time.Duration
		layout string
	}{
		{time.Hour, "15:04"}, {6 * time.Hour, "Jan 2 15:04"}, {24 * time.Hour, "Jan 2"}, {7 * 24 * time.Hour, "Jan 2"},
		{30 * 24 * time.Hour, "Jan 2006"}, {91 * 24 * time.Hour, "Jan 2006"}, {365 * 24 * time.Hour, "2006"},
		{5 * 365 * 24 * time.Hour, "2006"},
	}
	st := steps[len(steps)-1]
	for _, s := range steps {
		if span/s.d <= 7 {
			st = s
			break
		}
	}
	var out []tlTick
	t := start.Truncate(st.d).Add(st.d)
	for i := 0; t.Before(end) && i < 12; i++ {
		out = append(out, tlTick{X: x(t), Label: t.UTC().Format(st.layout)})
		t = t.Add(st.d)
	}
	return out
}

// The page's fixed parts. Only text between them is the report's: it
// goes through [page]'s escaping, never into these.
const (
	pageHead = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>leakguard audit — `

	pageStyle = `</title>
<style>
:root { --live:#c62828; --gone:#ef8f00; --ok:#2e7d32; --warn:#b26a00; --ink:#1d2330; --muted:#667085; --line:#e4e7ec; --bg:#f8f9fb; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--ink); background:var(--bg); }
header { background:#101828; color:#fff; padding:20px 32px; }
header h1 { margin:0 0 4px; font-size:20px; }
header p { margin:0; color:#c9d1e0; }
main { max-width:1040px; margin:0 auto; padding:20px 32px 60px; }
section { background:#fff; border:1px solid var(--line); border-radius:10px; padding:16px 20px; margin:16px 0; }
h2 { font-size:16px; margin:0 0 12px; }
.cards { display:flex; gap:12px; flex-wrap:wrap; }
.card { flex:1 1 150px; border:1px solid var(--line); border-radius:8px; padding:10px 14px; }
.card b { display:block; font-size:24px; }
.card.bad b { color:var(--live); } .card.warn b { color:var(--gone); } .card.good b { color:var(--ok); }
svg { width:100%; height:auto; display:block; }
svg text { font:11px system-ui,sans-serif; fill:var(--ink); }
svg .axis text { fill:var(--muted); }
svg .grid { stroke:var(--line); }
svg .mark { cursor:pointer; }
svg .mark .bar { stroke-width:8; stroke-linecap:round; }
svg .mark.live .bar { stroke:var(--live); }
svg .mark.removed .bar { stroke:var(--gone); }
svg .mark:hover .bar, svg .mark.sel .bar { stroke-width:12; }
svg .now { stroke:var(--live); stroke-dasharray:3 3; }
.legend { color:var(--muted); font-size:12px; margin-top:6px; }
.legend i { display:inline-block; width:18px; height:6px; border-radius:3px; margin:0 4px 1px 12px; vertical-align:middle; }
.exp { border-left:4px solid var(--gone); padding:8px 12px; margin:10px 0; background:#fffaf2; border-radius:4px; }
.exp.live { border-color:var(--live); background:#fff5f5; }
.exp.sel { outline:2px solid #101828; }
.exp h3 { margin:0 0 4px; font-size:14px; }
.exp dl { display:grid; grid-template-columns:110px 1fr; margin:0; gap:2px 8px; }
.exp dt { color:var(--muted); } .exp dd { margin:0; }
code { font:12px ui-monospace,SFMono-Regular,Menlo,monospace; background:#f2f4f7; padding:1px 4px; border-radius:3px; word-break:break-all; }
.badge { display:inline-block; font-size:11px; font-weight:600; padding:1px 7px; border-radius:10px; color:#fff; background:var(--gone); }
.badge.live { background:var(--live); }
table { width:100%; border-collapse:collapse; }
th,td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:600; font-size:12px; }
.due { color:var(--live); font-weight:600; }
ul.checks { list-style:none; padding:0; margin:0; }
ul.checks > li { padding:8px 0; border-bottom:1px solid var(--line); }
ul.checks ul li { padding:1px 0; }
ul.checks .st { display:inline-block; width:1.4em; font-weight:700; }
.pass .st { color:var(--ok); } .fail .st { color:var(--live); } .warn .st { color:var(--warn); } .skip .st { color:var(--muted); }
ul.checks ul { margin:4px 0 0 1.4em; padding-left:1em; color:#344054; }
.fix { color:#344054; } .fix b { color:var(--ink); }
.muted { color:var(--muted); }
.filters { float:right; font-size:12px; color:var(--muted); font-weight:400; display:flex; gap:8px; flex-wrap:wrap; }
.filters select { font-size:12px; }
svg .mark.worktree .bar { stroke:#7a2cbf; }
.exp.worktree { border-color:#7a2cbf; background:#faf5ff; }
.exp summary { cursor:pointer; }
.scroll { overflow-x:auto; }
@media (max-width: 640px) {
  header { padding:14px 16px; }
  main { padding:12px 10px 40px; }
  section { padding:12px; }
  .filters { float:none; margin-top:8px; }
  .exp dl { grid-template-columns:1fr; }
  .exp dt { margin-top:4px; }
}
</style>
</head>
<body>
<header>
<h1>leakguard audit</h1>
<p>`

	pageEnd = `<p class="muted">Secrets are redacted: previews show at most four characters and the length. A removed secret stays in every clone and fork — rotate it.</p>
</main>
<script>
(function () {
  "use strict";
  var marks = document.querySelectorAll("#timeline .mark");
  function select(id) {
    document.querySelectorAll(".sel").forEach(function (el) { el.classList.remove("sel"); });
    var card = document.getElementById("exp-" + id);
    if (card) { card.classList.add("sel"); card.scrollIntoView({ block: "center" }); }
    marks.forEach(function (m) { if (m.getAttribute("data-id") === id) { m.classList.add("sel"); } });
  }
  marks.forEach(function (m) {
    m.addEventListener("click", function () { select(m.getAttribute("data-id")); });
    m.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { select(m.getAttribute("data-id")); } });
  });
  var filters = ["state", "confidence", "key"].map(function (n) { return [n, document.getElementById("f-" + n)]; });
  function apply() {
    document.querySelectorAll("#exposures .exp").forEach(function (el) {
      var shown = filters.every(function (f) { return !f[1] || !f[1].value || el.getAttribute("data-" + f[0]) === f[1].value; });
      el.style.display = shown ? "" : "none";
      var id = el.id.slice(4);
      marks.forEach(function (m) { if (m.getAttribute("data-id") === id) { m.style.opacity = shown ? "" : "0.15"; } });
    });
  }
  filters.forEach(function (f) { if (f[1]) { f[1].addEventListener("change", apply); } });
}());
</script>
</body>
</html>
`
)
