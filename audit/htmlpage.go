package audit

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/leakguard/leakguard/internal/english"
)

// page writes the HTML report. It is written out by hand, not with
// html/template: executing any text/template keeps every exported method
// of every type in the binary (the linker cannot tell which one a
// template calls), and that made each leakguard process, a pre-commit
// hook's included, start about 5 ms slower. Every value from the report
// goes through text (element content and quoted attribute values) or
// url (href), which escape as html/template did; the markup around them
// is constant.
type page struct{ b bytes.Buffer }

func (p *page) raw(ss ...string) {
	for _, s := range ss {
		p.b.WriteString(s)
	}
}

// text writes s escaped for element content or a double-quoted attribute
// value, as html/template escapes them: & < > " ' + and NUL.
func (p *page) text(s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var r string
		switch s[i] {
		case 0:
			r = "\uFFFD"
		case '"':
			r = "&#34;"
		case '&':
			r = "&amp;"
		case '\'':
			r = "&#39;"
		case '+':
			r = "&#43;"
		case '<':
			r = "&lt;"
		case '>':
			r = "&gt;"
		default:
			continue
		}
		p.b.WriteString(s[last:i])
		p.b.WriteString(r)
		last = i + 1
	}
	p.b.WriteString(s[last:])
}

func (p *page) int(n int) { p.b.WriteString(strconv.Itoa(n)) }

func (p *page) f1(f float64) { p.b.WriteString(strconv.FormatFloat(f, 'f', 1, 64)) }

// url writes s as an href's value, as html/template did: a URL whose
// scheme is not http, https or mailto becomes "#ZgotmplZ" (its sign of a
// value it refused: no javascript: link from a config's rotate URL),
// bytes outside a URL's are percent-encoded (a valid %XX escape is
// kept), and the result is escaped as an attribute.
func (p *page) url(s string) {
	if !safeURL(s) {
		p.b.WriteString("#ZgotmplZ")
		return
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$&*+,/:;=?@[]-._~", c) >= 0:
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
		default:
			fmt.Fprintf(&b, "%%%02x", c)
			continue
		}
		b.WriteByte(c)
	}
	p.text(b.String())
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// safeURL reports whether s is relative or has a scheme a link may
// have: whatever comes before its first colon, unless that holds a
// slash, is a scheme.
func safeURL(s string) bool {
	scheme, _, ok := strings.Cut(s, ":")
	if !ok || strings.Contains(scheme, "/") {
		return true
	}
	return strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https") || strings.EqualFold(scheme, "mailto")
}

// commit writes a commit's short name, a link to its page when the
// report knows the repository's GitHub page.
func (p *page) commit(r *Report, c string) {
	if u := r.CommitURL(c); u != "" {
		p.raw(`<a href="`)
		p.url(u)
		p.raw(`"><code>`)
		p.text(short(c))
		p.raw(`</code></a>`)
		return
	}
	p.raw(`<code>`)
	p.text(short(c))
	p.raw(`</code>`)
}

// event writes a commit that introduced or removed a secret: the
// commit, its day and its author.
func (p *page) event(r *Report, ev *Event) {
	p.commit(r, ev.Commit)
	p.raw(" ")
	p.text(day(ev.Date))
	p.raw(" by ")
	p.text(ev.Author)
}

// render writes the whole page for v.
func (p *page) render(v *htmlView) {
	r := v.R
	p.raw(pageHead)
	p.text(r.Generated.Format("2006-01-02"))
	p.raw(pageStyle)
	p.text(r.Root)
	p.raw(" · ")
	if r.Head != "" {
		p.text(r.Head)
	} else {
		p.raw("no HEAD")
	}
	p.raw(" · ")
	p.text(r.Generated.Format("2006-01-02 15:04 UTC"))
	p.raw(" · leakguard ")
	p.text(r.Version)
	p.raw("</p>\n</header>\n<main>\n")
	p.summary(r)
	p.timeline(v)
	p.exposures(v)
	p.keys(v)
	p.checks(r)
	p.raw(pageEnd)
}

func (p *page) summary(r *Report) {
	s := r.Summary
	good := func(bad bool, class string) string {
		if bad {
			return class
		}
		return "good"
	}
	p.raw("<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"cards\">\n")
	p.raw(`<div class="card `, good(s.Live != 0, "bad"), `"><b id="n-live">`)
	p.int(s.Live)
	p.raw("</b>live exposures</div>\n")
	p.raw(`<div class="card `, good(s.Removed != 0, "warn"), `"><b id="n-removed">`)
	p.int(s.Removed)
	p.raw("</b>removed, still in history</div>\n")
	p.raw(`<div class="card `, good(s.ChecksFailed != 0, "bad"), `"><b id="n-failed">`)
	p.int(s.ChecksFailed)
	p.raw("</b>failed checks")
	if s.ChecksWarned != 0 {
		p.raw(" (")
		p.int(s.ChecksWarned)
		p.raw(" warnings)")
	}
	p.raw("</div>\n<div class=\"card\"><b>")
	p.int(s.Commits)
	p.raw("</b>commits on ")
	p.int(s.Refs)
	p.raw(" refs</div>\n</div>\n")
	if s.Missing != 0 {
		p.raw(`<p class="due">`)
		p.int(s.Missing)
		p.raw(` objects are missing (partial or shallow clone): the history is incomplete.</p>`)
	}
	p.raw("\n</section>\n\n")
}

func (p *page) timeline(v *htmlView) {
	p.raw("<section id=\"timeline-section\">\n<h2>Timeline of exposures</h2>\n")
	p.raw(`<svg id="timeline" viewBox="0 0 960 `)
	p.f1(v.Height)
	p.raw("\" role=\"img\" aria-label=\"Exposures over time: from introduction to removal; live ones run to now\">\n<g class=\"axis\">\n")
	for _, t := range v.Ticks {
		p.raw(`<line class="grid" x1="`)
		p.f1(t.X)
		p.raw(`" x2="`)
		p.f1(t.X)
		p.raw(`" y1="20" y2="`)
		p.f1(v.AxisY)
		p.raw(`"></line><text x="`)
		p.f1(t.X)
		p.raw(`" y="`)
		p.f1(v.AxisY)
		p.raw(`" dy="14" text-anchor="middle">`)
		p.text(t.Label)
		p.raw("</text>\n")
	}
	p.raw(`<line class="now" x1="`)
	p.f1(v.NowX)
	p.raw(`" x2="`)
	p.f1(v.NowX)
	p.raw(`" y1="14" y2="`)
	p.f1(v.AxisY)
	p.raw(`"></line><text x="`)
	p.f1(v.NowX)
	p.raw("\" y=\"12\" text-anchor=\"end\">now</text>\n</g>\n")
	for _, row := range v.Rows {
		p.raw(`<g class="mark `)
		p.text(row.Class)
		p.raw(`" data-id="`)
		p.text(row.ID)
		p.raw(`" tabindex="0"><title>`)
		p.text(row.Title)
		p.raw("</title>\n<text x=\"8\" y=\"")
		p.f1(row.Y)
		p.raw(`" dy="4">`)
		p.text(row.Label)
		p.raw("</text>\n<line class=\"bar\" x1=\"")
		p.f1(row.X1)
		p.raw(`" x2="`)
		p.f1(row.X2)
		p.raw(`" y1="`)
		p.f1(row.Y)
		p.raw(`" y2="`)
		p.f1(row.Y)
		p.raw("\"></line>\n<circle cx=\"")
		p.f1(row.X1)
		p.raw(`" cy="`)
		p.f1(row.Y)
		p.raw("\" r=\"5\" fill=\"#101828\"></circle>\n")
		switch {
		case row.Live:
			p.raw(`<path d="M`)
			p.f1(row.X2)
			p.raw(" ")
			p.f1(row.Y)
			p.raw(` m-2 -7 l9 7 l-9 7 z" fill="#c62828"></path>`)
		case row.Removed:
			p.raw(`<path d="M`)
			p.f1(row.X2)
			p.raw(" ")
			p.f1(row.Y)
			p.raw(` m-5 -5 l10 10 m0 -10 l-10 10" stroke="#101828" stroke-width="2"></path>`)
		}
		p.raw("\n</g>\n")
	}
	if len(v.Rows) == 0 {
		p.raw("<text x=\"480\" y=\"50\" text-anchor=\"middle\">No exposures: nothing leaked in the history, the refs or the working tree.</text>\n")
	}
	p.raw("</svg>\n")
	p.raw(`<div class="legend">● introduced<i style="background:var(--live)"></i>still live (runs to now)<i style="background:#7a2cbf"></i>working tree only (never committed)<i style="background:var(--gone)"></i>removed (✕), still in history</div>`)
	p.raw("\n</section>\n\n")
}

func (p *page) exposures(v *htmlView) {
	r := v.R
	p.raw("<section id=\"exposures\">\n<h2>Exposures <span class=\"filters\">\n")
	p.raw(`<label>state <select id="f-state"><option value="">all</option><option value="live">live</option><option value="worktree">working tree only</option><option value="removed">removed</option></select></label>`, "\n")
	p.raw(`<label>confidence <select id="f-confidence"><option value="">all</option><option value="high">high</option><option value="medium">medium</option><option value="low">low</option></select></label>`, "\n")
	p.raw(`<label>key <select id="f-key"><option value="">all</option>`)
	for _, k := range v.FilterKeys {
		p.raw(`<option value="`)
		p.text(k)
		p.raw(`">`)
		p.text(k)
		p.raw(`</option>`)
	}
	p.raw("<option value=\"-\">no managed key</option></select></label>\n</span></h2>\n")
	if len(r.Exposures) == 0 {
		p.raw(`<p class="muted">None.</p>`)
	}
	p.raw("\n")
	for i := range r.Exposures {
		p.exposure(r, i, r.Exposures[i])
	}
	p.raw("\n</section>\n\n")
}

func (p *page) exposure(r *Report, i int, e Exposure) {
	live, state := "", exposureState(e)
	if e.Live {
		live = " live"
	}
	p.raw(`<div class="exp`, live, ` `)
	p.text(state)
	p.raw(`" id="exp-`)
	p.text(e.ID)
	p.raw(`" data-live="`, strconv.FormatBool(e.Live), `" data-state="`)
	p.text(state)
	p.raw(`" data-confidence="`)
	p.text(e.Confidence)
	p.raw(`" data-key="`)
	if e.Key != "" {
		p.text(e.Key)
	} else {
		p.raw("-")
	}
	p.raw("\">\n<h3>")
	p.int(i + 1)
	p.raw(". ")
	p.text(e.title())
	p.raw(` <span class="badge`, live, `">`)
	p.text(e.status())
	p.raw("</span></h3>\n<dl>\n")
	if in := e.Introduced; in != nil {
		p.raw("<dt>introduced</dt><dd>")
		p.event(r, in)
		p.raw(" in ")
		switch u := r.BlobURL(in.Commit, in.Path, 0); {
		case in.Path == "":
			p.raw("the commit message")
		case u != "":
			p.raw(`<a href="`)
			p.url(u)
			p.raw(`"><code>`)
			p.text(in.Path)
			p.raw(`</code></a>`)
		default:
			p.raw(`<code>`)
			p.text(in.Path)
			p.raw(`</code>`)
		}
		if in.Message != "" {
			p.raw(" — “")
			p.text(in.Message)
			p.raw("”")
		}
		p.raw("</dd>")
	}
	p.raw("\n")
	if e.WorkTreeOnly() {
		p.raw("<dt>introduced</dt><dd>never committed: only the working tree holds it</dd>")
	}
	p.raw("\n")
	if places := e.places(); len(places) > 0 {
		p.raw("<dt>still in</dt><dd><details><summary>")
		p.text(english.Count(len(places), "place"))
		p.raw("</summary>")
		for _, pl := range places {
			p.raw("<code>")
			p.text(pl)
			p.raw("</code> ")
		}
		p.raw("</details></dd>")
	}
	p.raw("\n")
	if rm := e.Removed; rm != nil {
		p.raw("<dt>removed</dt><dd>")
		p.event(r, rm)
		p.raw(" (")
		p.text(rm.Path)
		if rm.Deleted {
			p.raw(" deleted)</dd>")
		} else {
			p.raw(" changed)</dd>")
		}
	}
	p.raw("\n<dt>rules</dt><dd>")
	p.text(strings.Join(e.Rules, ", "))
	if e.Confidence != "" {
		p.raw(" · ")
		p.text(e.Confidence)
		p.raw(" confidence")
	}
	if e.Key != "" {
		p.raw(" · key ")
		p.text(e.Key)
		p.raw(" (")
		p.text(e.MappedBy)
		p.raw(")")
	}
	p.raw("</dd>\n")
	for _, l := range e.Locations {
		if l.Preview == "" {
			continue
		}
		p.raw("<dt>")
		p.text(l.Kind)
		p.raw("</dt><dd>")
		if l.Path != "" {
			u := r.BlobURL(l.Commit, l.Path, l.Line)
			if u != "" {
				p.raw(`<a href="`)
				p.url(u)
				p.raw(`">`)
			}
			p.raw("<code>")
			p.text(l.Path)
			if l.Line != 0 {
				p.raw(":")
				p.int(l.Line)
			}
			p.raw("</code>")
			if u != "" {
				p.raw("</a>")
			}
		} else {
			p.raw("commit message")
		}
		if l.Commit != "" {
			p.raw(` <span class="muted">`)
			p.commit(r, l.Commit)
			p.raw("</span>")
		}
		p.raw(" <code>")
		p.text(l.Preview)
		p.raw("</code></dd>")
	}
	p.raw("\n")
	if e.RotateURL != "" {
		p.raw(`<dt>rotate at</dt><dd><a href="`)
		p.url(e.RotateURL)
		p.raw(`" rel="noreferrer">`)
		p.text(e.RotateURL)
		p.raw("</a></dd>")
	}
	p.raw("\n<dt>next</dt><dd>")
	p.text(e.next())
	p.raw("</dd>\n<dt>id</dt><dd><code>")
	p.text(e.ID)
	p.raw("</code></dd>\n</dl>\n</div>\n")
}

func (p *page) keys(v *htmlView) {
	p.raw("<section id=\"keys\">\n<h2>Managed keys</h2>\n")
	if len(v.KeysInUse) > 0 {
		p.raw("<div class=\"scroll\"><table>\n<tr><th>key</th><th>provider</th><th>last rotated</th><th>age</th><th>exposures</th><th>incidents</th></tr>\n")
		for _, k := range v.KeysInUse {
			p.raw("<tr><td><code>")
			p.text(k.Name)
			p.raw("</code></td><td>")
			p.text(k.Provider)
			p.raw("</td><td>")
			if k.Rotated != nil {
				p.text(day(*k.Rotated))
			} else {
				p.raw(`<span class="muted">unknown</span>`)
			}
			p.raw("</td><td")
			if k.Due {
				p.raw(` class="due"`)
			}
			p.raw(">")
			if k.AgeDays >= 0 {
				p.int(k.AgeDays)
				p.raw(" days")
				if k.Due {
					p.raw(" — due")
				}
			} else {
				p.raw("?")
			}
			p.raw("</td><td>")
			p.int(k.Exposures)
			p.raw("</td><td>")
			for _, in := range k.Incidents {
				p.raw("<code>")
				p.text(in.ID)
				p.raw("</code> ")
				p.text(in.Status)
				if len(in.Pending) > 0 {
					p.raw(" (")
					p.text(strings.Join(in.Pending, ", "))
					p.raw(" left)")
				}
				p.raw("<br>")
			}
			if len(k.Incidents) == 0 {
				p.raw(`<span class="muted">none</span>`)
			}
			p.raw("</td></tr>\n")
		}
		p.raw("</table></div>")
	} else {
		p.raw(`<p class="muted">No managed key is in use here (none has a source, fingerprints or exposures).</p>`)
	}
	p.raw("\n")
	if len(v.KeysIdle) > 0 {
		p.raw(`<p class="muted">Not used here: `)
		p.text(strings.Join(v.KeysIdle, ", "))
		p.raw(".</p>")
	}
	p.raw("\n</section>\n\n")
}

func (p *page) checks(r *Report) {
	p.raw("<section id=\"hygiene\">\n<h2>Hygiene checklist</h2>\n<ul class=\"checks\">\n")
	for _, c := range r.Checks {
		p.raw(`<li class="`)
		p.text(c.Status)
		p.raw(`" data-check="`)
		p.text(c.ID)
		p.raw(`"><span class="st">`)
		switch c.Status {
		case "pass":
			p.raw("✓")
		case "fail":
			p.raw("✗")
		case "warn":
			p.raw("!")
		default:
			p.raw("–")
		}
		p.raw("</span>")
		p.text(c.Title)
		p.raw("\n")
		switch {
		case c.Waived != "":
			p.raw(`<ul><li class="waived"><b>waived:</b> `)
			p.text(c.Waived)
			p.raw("</li></ul>")
		case c.Status != "pass" && (len(c.Details) > 0 || c.Fix != ""):
			p.raw("<ul>")
			for _, d := range c.Details {
				p.raw("<li>")
				p.text(d)
				p.raw("</li>")
			}
			if c.Fix != "" {
				p.raw(`<li class="fix"><b>fix:</b> `)
				p.text(c.Fix)
				p.raw("</li>")
			}
			p.raw("</ul>")
		}
		p.raw("</li>\n")
	}
	p.raw("</ul>\n</section>\n")
}
