package audit

import (
	"bytes"
	"html/template"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/gitscan"
)

// TestTextEscapesHostileNames: a file name or author with terminal
// escapes or a newline is printed escaped in the text report (issue 13
// item 15).
func TestTextEscapesHostileNames(t *testing.T) {
	cfg := loadConfig(t, "")
	c1, c2 := strings.Repeat("a", 40), strings.Repeat("b", 40)
	bad := "x\x1b]0;pwned\x07\n1. fake.env"
	fs := detect(t, cfg, bad, "ANTHROPIC_API_KEY="+anthropicKey()+"\n", c1, "2025-06-01T10:00:00Z", "eve\x1b[2J")
	removals := [][]gitscan.Removal{{{Commit: gitscan.CommitRef{Hash: c2, Author: "eve\x1b[2J", Date: "2025-07-01T10:00:00Z"}, Path: bad, OnHead: true}}}
	ex := &gitscan.Exposure{Findings: fs, Removals: removals, HeadRef: "refs/heads/main",
		Refs: []gitscan.RefTip{{Name: "HEAD", Commit: c2}}, Present: map[string][]gitscan.Place{}}
	r := Build(Input{Now: now, Version: "test", Root: t.TempDir(), Head: "main", Config: cfg, History: ex,
		Stats: gitscan.Stats{Commits: 2, Blobs: 1}, WorkTree: fs})
	var b bytes.Buffer
	if err := Write(&b, r, Options{Format: "text"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"\x1b", "\x07", "\n1. fake.env"} {
		if strings.Contains(b.String(), c) {
			t.Fatalf("text report holds %q:\n%s", c, b.String())
		}
	}
}

// TestHTMLEscapesReportValues: the HTML report is written by hand (no
// html/template, see page), so every value a repository or a config
// controls must come out escaped: element text, attribute values, and
// links, where only http, https and mailto may lead anywhere.
func TestHTMLEscapesReportValues(t *testing.T) {
	r, _ := sampleReport(t)
	r.GitHub = "https://github.com/acme/it's app"
	r.Root = `<script>alert("root")</script>`
	r.Head = `main" onmouseover="alert(1)`
	if len(r.Exposures) == 0 || r.Exposures[0].Introduced == nil || len(r.Exposures[0].Locations) == 0 {
		t.Fatal("the sample report has no exposure with an introduction and a location")
	}
	e := &r.Exposures[0]
	e.RotateURL = "JavaScript:alert(2)"
	e.Key = `K"><img src=x onerror=alert(3)>`
	e.Introduced.Path = "dir with space/it's (1).env"
	e.Introduced.Message = "fix <b>it</b> & go"
	e.Locations[0].Preview = "<svg onload=alert(4)>"
	r.Checks = append(r.Checks, Check{ID: `c"1`, Title: "<t>", Status: "warn", Details: []string{"<d>"}, Fix: "<f>"})
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Contains(strings.ToLower(page), `href="javascript:`) {
		t.Error("the page links to a javascript: URL")
	}
	for _, bad := range []string{"<script>alert", `main" onmouseover`, "<img src=x", "<b>it</b>", "<svg onload", "<t>", "<d>", "<f>", `c"1`} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q unescaped", bad)
		}
	}
	for _, want := range []string{
		"&lt;script&gt;alert(&#34;root&#34;)&lt;/script&gt;",
		`main&#34; onmouseover=&#34;alert(1)`,
		`<a href="#ZgotmplZ" rel="noreferrer">`, // the refused link
		`K&#34;&gt;&lt;img src=x onerror=alert(3)&gt;`,
		"fix &lt;b&gt;it&lt;/b&gt; &amp; go",
		"&lt;svg onload=alert(4)&gt;",
		// A link is percent-encoded: no quote or space ends the
		// attribute or the URL early.
		`<a href="https://github.com/acme/it%27s%20app/commit/`,
		"/dir%20with%20space/it%27s%20%281%29.env",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	// The page's own markup is intact around the values.
	if strings.Count(page, "<div class=\"exp") != len(r.Exposures) || !strings.HasSuffix(page, "</html>\n") {
		t.Error("the page's structure is broken")
	}
}

// TestHTMLURLsAsTemplate: the page writes links as html/template wrote
// them (the tests may use it; the binary does not): the same refusals,
// percent-encoding and escaping, on URLs a config or a repository
// could hold.
func TestHTMLURLsAsTemplate(t *testing.T) {
	tmpl := template.Must(template.New("a").Parse(`<a href="{{.}}">`))
	for _, u := range []string{
		"https://console.example.com/keys?a=1&b=2#frag", "HTTP://x", "mailto:a@b.c", "javascript:alert(1)",
		" javascript:alert(1)", "java\tscript:x", "data:text/html,x", "#x:y", "?x:y", "/a:b", "a/b:c", "x:",
		"https://example.com/ключ", "https://e.com/%41%zz%4", "https://e.com/%", "https://e.com/it's (1)",
		"https://e.com/<b>\"q\"", "https://e.com/a+b%20c", "", ":", "//host/p",
	} {
		var want bytes.Buffer
		if err := tmpl.Execute(&want, u); err != nil {
			t.Fatal(err)
		}
		var p page
		p.raw(`<a href="`)
		p.url(u)
		p.raw(`">`)
		if got := p.b.String(); got != want.String() {
			t.Errorf("%q: %s, html/template wrote %s", u, got, want.String())
		}
	}
}
