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

func checkByID(t *testing.T, r *Report, id string) Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no check %q", id)
	return Check{}
}

// Hooks live on developers' machines: in CI the check is skipped, not
// failed.
func TestHooksCheckSkippedInCI(t *testing.T) {
	cfg := loadConfig(t, "")
	in := Input{Now: now, Root: t.TempDir(), Config: cfg, Hooks: []HookState{{Hook: "pre-commit", State: "missing"}, {Hook: "pre-push", State: "missing"}}}
	if c := checkByID(t, Build(in), "hooks"); c.Status != Fail {
		t.Fatalf("outside CI: %+v", c)
	}
	in.CI = true
	if c := checkByID(t, Build(in), "hooks"); c.Status != Skip || !strings.Contains(strings.Join(c.Details, " "), "CI") {
		t.Fatalf("in CI: %+v", c)
	}
}

// A check waived in the config is skipped, its reason shown in every
// format (config/waiver_test.go: a waiver needs a reason).
func TestWaivedCheck(t *testing.T) {
	reason := "the pre-commit framework runs leakguard on every laptop"
	cfg := loadConfig(t, "[[policy.waivers]]\ncheck = \"hooks\"\nreason = \""+reason+"\"\n")
	r := Build(Input{Now: now, Root: t.TempDir(), Config: cfg, Hooks: []HookState{{Hook: "pre-commit", State: "missing"}}})
	c := checkByID(t, r, "hooks")
	if c.Status != Skip || c.Waived != reason || r.Summary.ChecksFailed != 0 && checkFailed(r, "hooks") {
		t.Fatalf("waived check: %+v", c)
	}
	var h, txt bytes.Buffer
	if err := WriteHTML(&h, r); err != nil {
		t.Fatal(err)
	}
	if err := Write(&txt, r, Options{Format: "text"}); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"html": h.String(), "markdown": Markdown(r), "text": txt.String()} {
		if !strings.Contains(out, "waived") || !strings.Contains(out, reason) {
			t.Errorf("%s does not show the waiver and its reason", name)
		}
	}
}

func checkFailed(r *Report, id string) bool {
	for _, c := range r.Checks {
		if c.ID == id && c.Status == Fail {
			return true
		}
	}
	return false
}

// With the repository on GitHub, commits, files and rotate pages link.
func TestGitHubLinks(t *testing.T) {
	r, _ := sampleReport(t)
	r.GitHub = "https://github.com/acme/app"
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	e := r.Exposures[0]
	commit := "https://github.com/acme/app/commit/" + e.Introduced.Commit
	blob := "https://github.com/acme/app/blob/" + e.Introduced.Commit + "/" + e.Introduced.Path
	for name, out := range map[string]string{"html": b.String(), "markdown": Markdown(r)} {
		for _, want := range []string{commit, blob, e.RotateURL} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: no link %s", name, want)
			}
		}
	}
	if !strings.Contains(b.String(), `<a href="`+commit+`">`) {
		t.Error("html: the introducing commit is not a link")
	}
	// Not on GitHub: no links.
	r.GitHub = ""
	b.Reset()
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "/commit/") {
		t.Error("links without a GitHub repository")
	}
}
