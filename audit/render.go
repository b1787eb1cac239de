package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/leakguard/leakguard/internal/atomicfile"
	"github.com/leakguard/leakguard/internal/english"
	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/internal/markdown"
	"github.com/leakguard/leakguard/scanner/report"
)

// Formats are the report formats.
var Formats = []string{"text", "json", "markdown", "html"}

// Options control rendering.
type Options struct {
	Format string
	Color  bool // text only
}

// Write renders the report.
func Write(w io.Writer, r *Report, o Options) error {
	switch o.Format {
	case "", "text":
		return writeText(w, r, o.Color)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "markdown", "md":
		_, err := io.WriteString(w, Markdown(r))
		return err
	case "html":
		return WriteHTML(w, r)
	}
	return fmt.Errorf("unknown format %q (use %s)", o.Format, strings.Join(Formats, ", "))
}

// WriteOut writes the report to the file at path (atomicfile.WriteReport:
// atomically, never through a link), or to w when path is "". Nothing is
// written when rendering fails.
func WriteOut(w io.Writer, path string, r *Report, o Options) error {
	var buf bytes.Buffer
	if err := Write(&buf, r, o); err != nil {
		return err
	}
	if path != "" {
		return atomicfile.WriteReport(path, buf.Bytes(), false)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// CheckFormat refuses a report format [Write] does not know, before the
// audit runs (a usage error).
func CheckFormat(format string) error {
	switch format {
	case "", "text", "json", "markdown", "md", "html":
		return nil
	}
	return hint.Usagef("use text, json, markdown or html", "--format: unknown format %q", format)
}

// WriteChecks renders doctor's checklist as text, or as JSON (the checks
// and whether one failed) when asJSON.
func WriteChecks(w io.Writer, cs []Check, asJSON, color bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Checks []Check `json:"checks"`
			Failed bool    `json:"failed"`
		}{cs, Failed(cs) > 0})
	}
	p := &printer{w: w, color: color}
	for _, c := range cs {
		p.check(c)
	}
	return p.err
}

type printer struct {
	w     io.Writer
	color bool
	err   error
}

func (p *printer) f(format string, a ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, a...)
	}
}

func (p *printer) paint(code, s string) string {
	if !p.color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p *printer) check(c Check) {
	mark := map[string]string{Pass: p.paint("32", "✓"), Fail: p.paint("31", "✗"), Warn: p.paint("33", "!"), Skip: p.paint("2", "-")}[c.Status]
	p.f("%s %s\n", mark, c.Title)
	if c.Waived != "" {
		p.f("    waived: %s\n", c.Waived)
		return
	}
	for _, d := range c.Details {
		if c.Status == Pass && len(c.Details) > 3 {
			break
		}
		p.f("    %s\n", d)
	}
	if c.Fix != "" && c.Status != Pass {
		p.f("    %s %s\n", p.paint("1", "fix:"), c.Fix)
	}
}

func short(h string) string {
	if len(h) > 10 {
		return h[:10]
	}
	return h
}

func day(t time.Time) string {
	if t.IsZero() {
		return "?"
	}
	return t.UTC().Format("2006-01-02")
}

// refName shortens a ref for people: refs/heads/main → main.
func refName(r string) string {
	for _, p := range []string{"refs/heads/", "refs/remotes/", "refs/"} {
		if strings.HasPrefix(r, p) {
			return strings.TrimPrefix(r, p)
		}
	}
	return r
}

func refList(rs []string) string {
	var out []string
	for _, r := range rs {
		out = append(out, refName(r))
	}
	return strings.Join(out, ", ")
}

// title names an exposure in a few words: the managed key, else the
// rules (never a rule's paragraph of description), and the preview.
func (e *Exposure) title() string {
	what := strings.Join(e.Rules, ", ")
	if e.Key != "" {
		what = e.Key
		if e.MappedBy == "provider" {
			what += " (probably: the only " + e.Provider + " key)"
		}
	}
	return what + "  " + e.Preview
}

// status is a one-line state.
func (e *Exposure) status() string {
	where := ""
	switch {
	case e.AtHead:
		where = " (still at HEAD)"
	case len(e.Refs) > 0:
		where = " (still on " + refList(e.Refs) + ")"
	case e.InWorkTree:
		where = " (still in the working tree)"
	}
	switch {
	case e.Remediated != "":
		return e.Remediated + where
	case e.Validity == "invalid":
		return "invalid at its provider" + where
	}
	switch {
	case e.Live && e.AtHead:
		return "LIVE at HEAD"
	case e.Live && len(e.Refs) > 0:
		return "LIVE on " + refList(e.Refs)
	case e.Live && e.WorkTreeOnly():
		return "LIVE in the working tree only (never committed)"
	case e.Live:
		return "LIVE in the working tree"
	case e.Removed != nil:
		return "removed " + day(e.Removed.Date) + " (still in history)"
	case e.InMessage:
		return "in a commit message (in history)"
	}
	return "removed (still in history)"
}

// places lists the files holding a live exposure now.
func (e *Exposure) places() []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, l := range e.Locations {
		switch l.Kind {
		case "worktree":
			add(fmt.Sprintf("working tree %s:%d", l.Path, l.Line))
		case "ref":
			add(refName(l.Ref) + ":" + l.Path)
		}
	}
	return out
}

func (e *Exposure) next() string {
	var open []Incident
	for _, in := range e.Incidents {
		if in.Status != "closed" {
			open = append(open, in)
		}
	}
	switch {
	case len(open) > 0:
		s := "incident " + open[0].ID + " is open"
		if len(open[0].Pending) > 0 {
			s += ": " + strings.Join(open[0].Pending, ", ") + " left (leakguard incidents show " + open[0].ID + ")"
		}
		return s
	case len(e.Incidents) > 0:
		if e.Live {
			return "incident " + e.Incidents[0].ID + " is closed but the secret is still here: remove it from the files above"
		}
		return "incident " + e.Incidents[0].ID + " closed"
	case e.Live:
		return "rotate it now and remove it: leakguard remediate (opens an incident with the playbook)"
	}
	return "rotate it (a removed secret is still in every clone): leakguard remediate --history"
}

func writeText(w io.Writer, r *Report, color bool) error {
	p := &printer{w: w, color: color}
	head := r.Head
	if head == "" {
		head = "no HEAD"
	}
	p.f("%s %s (%s), %s\n", p.paint("1", "leakguard audit of"), r.Root, head, r.Generated.Format("2006-01-02 15:04 UTC"))
	s := r.Summary
	p.f("%d commits and %d refs scanned; %d exposures (%d live, %d removed); checks: %d failed, %d warnings, %d passed\n",
		s.Commits, s.Refs, s.Exposures, s.Live, s.Removed, s.ChecksFailed, s.ChecksWarned, s.ChecksPassed)
	if s.Missing > 0 {
		p.f("%s %d objects missing (partial or shallow clone): the history is incomplete\n", p.paint("33", "warning:"), s.Missing)
	}
	section := func(t string) { p.f("\n%s\n", p.paint("1", t)) }
	var live, gone []Exposure
	for _, e := range r.Exposures {
		if e.Live {
			live = append(live, e)
		} else {
			gone = append(gone, e)
		}
	}
	n := 0
	exposure := func(e Exposure) {
		n++
		p.f("%2d. %s\n", n, e.title())
		p.f("    status      %s\n", p.paint(map[bool]string{true: "31;1", false: "33"}[e.Live], e.status()))
		if e.Validity != "" {
			p.f("    validity    %s — %s\n", e.Validity, e.ValidityDetail)
		}
		if in := e.Introduced; in != nil {
			where := report.Printable(in.Path)
			if where == "" {
				where = "the commit message"
			}
			p.f("    introduced  %s %s by %s in %s", short(in.Commit), day(in.Date), report.Printable(in.Author), where)
			if in.Message != "" {
				p.f(" (%q)", in.Message)
			}
			p.f("\n")
		}
		if places := e.places(); len(places) > 0 {
			max := 6
			for i, pl := range places {
				if i == max {
					p.f("                … %d more\n", len(places)-max)
					break
				}
				label := "still in   "
				if i > 0 {
					label = "           "
				}
				p.f("    %s %s\n", label, report.Printable(pl))
			}
		}
		if rm := e.Removed; rm != nil {
			how := "changed"
			if rm.Deleted {
				how = "deleted"
			}
			p.f("    removed     %s %s by %s (%s %s)\n", short(rm.Commit), day(rm.Date), report.Printable(rm.Author), report.Printable(rm.Path), how)
		}
		hist := 0
		for _, l := range e.Locations {
			if l.Kind == "history" || l.Kind == "message" {
				hist++
			}
		}
		if hist > 1 {
			p.f("    history     %d introductions\n", hist)
		}
		for _, l := range e.Locations {
			if l.Preview != "" {
				p.f("    line        %s\n", l.Preview)
				break
			}
		}
		if e.RotateURL != "" {
			p.f("    rotate at   %s\n", e.RotateURL)
		}
		p.f("    next        %s\n", e.next())
	}
	if len(live) > 0 {
		section(fmt.Sprintf("LIVE EXPOSURES (%d): rotate these keys first, then remove them", len(live)))
		for _, e := range live {
			exposure(e)
		}
	}
	if len(gone) > 0 {
		section(fmt.Sprintf("REMOVED, STILL IN HISTORY (%d): anyone with a clone has them", len(gone)))
		for _, e := range gone {
			exposure(e)
		}
	}
	if len(r.Exposures) == 0 {
		section("EXPOSURES")
		p.f("none: no secret found in the history, the refs or the working tree\n")
	}
	section("HYGIENE")
	for _, c := range r.Checks {
		p.check(c)
	}
	if len(r.Keys) > 0 {
		section("MANAGED KEYS")
		for _, k := range r.Keys {
			rot := "rotation unknown"
			if k.Rotated != nil {
				rot = fmt.Sprintf("rotated %s (%d days ago)", day(*k.Rotated), k.AgeDays)
				if k.Due {
					rot = p.paint("31", rot+", due")
				}
			}
			use := ""
			if !k.InUse {
				use = ", not used here"
			}
			inc := ""
			if len(k.Incidents) > 0 {
				open := 0
				for _, i := range k.Incidents {
					if i.Status != "closed" {
						open++
					}
				}
				inc = fmt.Sprintf(", %d incidents (%d open)", len(k.Incidents), open)
			}
			exp := ""
			if k.Exposures > 0 {
				exp = fmt.Sprintf(", %s", p.paint("31", fmt.Sprintf("%d exposures", k.Exposures)))
			}
			p.f("  %-20s %s%s%s%s\n", k.Name, rot, exp, inc, use)
		}
	}
	return p.err
}

// CommitURL is the commit's page on GitHub, or "".
func (r *Report) CommitURL(commit string) string {
	if r.GitHub == "" || commit == "" {
		return ""
	}
	return r.GitHub + "/commit/" + url.PathEscape(commit)
}

// BlobURL is the file's page at commit on GitHub (at line when > 0), or "".
func (r *Report) BlobURL(commit, path string, line int) string {
	if r.GitHub == "" || commit == "" || path == "" {
		return ""
	}
	var parts []string
	for _, seg := range strings.Split(path, "/") {
		parts = append(parts, url.PathEscape(seg))
	}
	u := r.GitHub + "/blob/" + url.PathEscape(commit) + "/" + strings.Join(parts, "/")
	if line > 0 {
		u += "#L" + strconv.Itoa(line)
	}
	return u
}

func (r *Report) mdCommit(c string) string {
	if u := r.CommitURL(c); u != "" {
		return "[" + markdown.Code(short(c)) + "](" + mdURL(u) + ")"
	}
	return markdown.Code(short(c))
}

func (r *Report) mdBlob(commit, path, text string) string {
	if u := r.BlobURL(commit, path, 0); u != "" {
		return "[" + markdown.Code(text) + "](" + mdURL(u) + ")"
	}
	return markdown.Code(text)
}

// mdURL keeps a URL from ending the Markdown link it is in.
func mdURL(u string) string {
	return strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E", "|", "%7C").Replace(u)
}

// Markdown renders the report as GitHub-flavoured Markdown (the audit
// issue's body).
func Markdown(r *Report) string {
	var b strings.Builder
	s := r.Summary
	fmt.Fprintf(&b, "## leakguard audit — %s\n\n", r.Generated.Format("2006-01-02"))
	verdict := "✅ no exposures"
	if s.Live > 0 {
		verdict = fmt.Sprintf("🔴 **%d live exposure(s)**", s.Live)
	} else if s.Exposures > 0 {
		verdict = fmt.Sprintf("🟠 %d exposure(s) removed but still in history", s.Exposures)
	}
	fmt.Fprintf(&b, "%s · %d removed · checks: %d failed, %d warnings, %d passed · %d commits, %d refs scanned on %s\n\n",
		verdict, s.Removed, s.ChecksFailed, s.ChecksWarned, s.ChecksPassed, s.Commits, s.Refs, markdown.Code(r.Head))
	if len(r.Exposures) > 0 {
		b.WriteString("### Exposures\n\n| | secret | status | introduced | removed | where now | next |\n|---|---|---|---|---|---|---|\n")
		for i, e := range r.Exposures {
			mark := "🟠"
			if e.Live {
				mark = "🔴"
			}
			intro := ""
			if in := e.Introduced; in != nil {
				where := in.Path
				if where == "" {
					where = "commit message"
				}
				intro = fmt.Sprintf("%s %s by %s in %s", r.mdCommit(in.Commit), day(in.Date), markdown.Text(in.Author), r.mdBlob(in.Commit, in.Path, where))
			}
			rm := ""
			if e.Removed != nil {
				rm = fmt.Sprintf("%s %s", r.mdCommit(e.Removed.Commit), day(e.Removed.Date))
			}
			if e.WorkTreeOnly() {
				intro = "never committed (working tree only)"
			}
			where := ""
			if places := e.places(); len(places) > 0 {
				var ps []string
				for _, p := range places {
					ps = append(ps, markdown.Code(p))
				}
				where = fmt.Sprintf("<details><summary>%s</summary>%s</details>", english.Count(len(places), "place"), strings.Join(ps, "<br>"))
			}
			what := e.title()
			next := markdown.Text(e.next())
			if e.RotateURL != "" {
				next += " · [rotate](" + mdURL(e.RotateURL) + ")"
			}
			fmt.Fprintf(&b, "| %s %d | %s | %s | %s | %s | %s | %s |\n", mark, i+1, markdown.Code(what), markdown.Text(e.status()), intro, rm, where, next)
		}
		b.WriteString("\n")
	}
	b.WriteString("### Hygiene\n\n")
	for _, c := range r.Checks {
		box := "- [ ] "
		switch c.Status {
		case Pass:
			box = "- [x] "
		case Skip:
			box = "- [x] ~~"
		}
		line := box + markdown.Text(c.Title)
		switch {
		case c.Waived != "":
			line += "~~ (waived: " + markdown.Text(c.Waived) + ")"
		case c.Status == Skip:
			line += "~~ (skipped)"
		}
		if c.Status == Warn {
			line += " ⚠️"
		}
		b.WriteString(line + "\n")
		if c.Status != Pass {
			for _, d := range c.Details {
				fmt.Fprintf(&b, "  - %s\n", markdown.Text(d))
			}
			if c.Fix != "" {
				fmt.Fprintf(&b, "  - **fix:** %s\n", markdown.Text(c.Fix))
			}
		}
	}
	if len(r.Keys) > 0 {
		b.WriteString("\n### Managed keys\n\n| key | provider | last rotated | age | exposures | incidents |\n|---|---|---|---|---|---|\n")
		for _, k := range r.Keys {
			if !k.InUse {
				continue
			}
			rot, age := "unknown", "?"
			if k.Rotated != nil {
				rot, age = day(*k.Rotated), fmt.Sprintf("%d days", k.AgeDays)
				if k.Due {
					age += " ⚠️ due"
				}
			}
			var incs []string
			for _, i := range k.Incidents {
				incs = append(incs, markdown.Code(i.ID)+" "+i.Status)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %d | %s |\n", markdown.Code(k.Name), markdown.Text(k.Provider), rot, age, k.Exposures, strings.Join(incs, ", "))
		}
	}
	b.WriteString("\nSecrets are redacted. A removed secret stays in every clone and fork: rotate it. Generated by `leakguard audit`.\n")
	return b.String()
}
