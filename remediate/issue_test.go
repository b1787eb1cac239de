package remediate

import (
	"regexp"
	"strings"
	"testing"
)

// Repository text in the issue body stays text: an author, file name,
// preview or step detail cannot break the table, add HTML or a link, or
// notify anyone.
func TestIssueBodyEscapes(t *testing.T) {
	p := &Playbook{Repo: "acme/app"}
	in := &Incident{
		ID: "LG-1", RuleID: "generic|rule", Description: "see <b>this</b>",
		Locations: []Location{{File: "a|b.env", Line: 2, Commit: "0123456789abcdef", Author: "@octocat | <img src=x>", Date: "2026-01-01", Preview: "k=`x|y`"}},
		Steps:     []*Step{{ID: "regenerate", Title: "Regenerate [now](https://evil.example)", Status: StepFailed, Detail: "boom\n| x | y |"}},
	}
	body := p.issueBody(in)
	unescaped := regexp.MustCompile(`\\.`).ReplaceAllString(body, "")
	for _, bad := range []string{"@octocat", "<img", "<b>", "[now](", "\n| x |", "generic|rule"} {
		if strings.Contains(unescaped, bad) {
			t.Errorf("body holds %q:\n%s", bad, body)
		}
	}
	for _, row := range strings.Split(body, "\n") {
		if strings.HasPrefix(row, "| [") && strings.Count(strings.ReplaceAll(row, `\|`, ""), "|") != 6 {
			t.Errorf("location row has %d cells: %s", strings.Count(row, "|")-1, row)
		}
	}
	if !strings.Contains(body, "https://github.com/acme/app/blob/0123456789abcdef/a%7Cb.env#L2") {
		t.Errorf("no blob link:\n%s", body)
	}
}

// A progress comment's detail (key names, target errors) stays text too.
func TestEventCommentEscapes(t *testing.T) {
	c := eventComment("sync-1|sync failed: vercel said <b>@octocat</b> | retry")
	if strings.Contains(c, "<b>") || strings.Contains(c, "@octocat") || strings.Contains(c, " | ") {
		t.Fatalf("comment %q", c)
	}
	if !strings.HasSuffix(c, "\n\n"+EventMarker("sync-1")) {
		t.Fatalf("comment %q lost its marker", c)
	}
}
