package audit

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
)

// Issue 12 item 11: the report a security lead reads.

// severityReport has, in this order: a medium-confidence generic
// assignment, a high-confidence key, and a managed key, all in the
// working tree only, beside an old committed exposure.
func severityReport(t *testing.T) *Report {
	t.Helper()
	cfg := loadConfig(t, "[[keys]]\nname = \"ACME_TOKEN\"\nprovider = \"acme\"\n")
	var wt []scanner.Finding
	wt = append(wt, detect(t, cfg, "config.yaml", "service_password = \""+rules.RandString(9, "alnum")+"7"+rules.RandString(8, "alnum")+"\"\n", "0000", "", "")...)
	wt = append(wt, detect(t, cfg, "keys.txt", "k = \""+anthropicKey()+"\"\n", "0000", "", "")...)
	wt = append(wt, detect(t, cfg, "deploy.sh", "export ACME_TOKEN=\""+rules.RandString(40, "alnum")+"\"\n", "0000", "", "")...)
	for i := range wt { // the working tree: no commit
		wt[i].Commit, wt[i].Date, wt[i].Author, wt[i].Email, wt[i].Message = "", "", "", "", ""
	}
	old := detect(t, cfg, "old.txt", "t = \""+tavilyKey()+"\"\n", strings.Repeat("a", 40), "2019-05-01T10:00:00Z", "ada")
	return Build(Input{Now: now, Version: "test", Root: t.TempDir(), Head: "main", Config: cfg,
		History: &gitscan.Exposure{Findings: old, Removals: make([][]gitscan.Removal, len(old))}, WorkTree: wt})
}

func TestExposuresOrderedBySeverity(t *testing.T) {
	r := severityReport(t)
	var got []string
	for _, e := range r.Exposures {
		got = append(got, e.labelShort()+"/"+e.Confidence)
	}
	if len(got) != 4 || !strings.HasPrefix(got[0], "ACME_TOKEN/") || !strings.HasSuffix(got[1], "/high") || !strings.HasSuffix(got[2], "/medium") || r.Exposures[3].Live {
		t.Fatalf("order %v: want the managed key, then high, then medium confidence, then what is removed", got)
	}
}

func TestShortTitles(t *testing.T) {
	r := severityReport(t)
	for _, e := range r.Exposures {
		if e.Description != "" && strings.Contains(e.title(), e.Description) {
			t.Errorf("title %q holds the rule's description", e.title())
		}
		if n := len([]rune(e.title())); n > 80 {
			t.Errorf("title of %d characters: %q", n, e.title())
		}
	}
}

func TestWorkTreeOnlyExposures(t *testing.T) {
	r := severityReport(t)
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	// The timeline starts in 2019; never-committed exposures are marks at
	// now, not bars from 2019.
	re := regexp.MustCompile(`<g class="mark live worktree"[^>]*>(?s:.*?)<line class="bar" x1="([0-9.]+)" x2="([0-9.]+)"`)
	ms := re.FindAllStringSubmatch(page, -1)
	if len(ms) != 3 {
		t.Fatalf("%d working-tree-only marks, want 3", len(ms))
	}
	for _, m := range ms {
		if x1, _ := strconv.ParseFloat(m[1], 64); x1 < 900 { // width 960: now is near the right edge
			t.Errorf("working-tree-only mark from x=%s to %s: drawn as live since the timeline's start", m[1], m[2])
		}
	}
	if !strings.Contains(page, "never committed") {
		t.Error("the HTML page does not say the exposure was never committed")
	}
	if md := Markdown(r); !strings.Contains(md, "never committed (working tree only)") {
		t.Errorf("Markdown does not say the exposure was never committed:\n%s", md)
	}
}

func TestStillInIsACount(t *testing.T) {
	r, _ := sampleReport(t)
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	n := len(r.Exposures[0].places())
	if n < 2 {
		t.Fatalf("sample's first exposure is in %d places", n)
	}
	want := fmt.Sprintf("<details><summary>%d places</summary>", n)
	if !strings.Contains(b.String(), want) {
		t.Errorf("HTML: no %q", want)
	}
	if md := Markdown(r); !strings.Contains(md, want) {
		t.Errorf("Markdown: no %q:\n%s", want, md)
	}
}

func TestHTMLFilters(t *testing.T) {
	r := severityReport(t)
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{`id="f-state"`, `id="f-confidence"`, `id="f-key"`, `<option value="ACME_TOKEN">`,
		`data-state="worktree"`, `data-state="removed"`, `data-confidence="high"`, `data-key="ACME_TOKEN"`, `data-key="-"`} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML lacks %s", want)
		}
	}
}
