package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/leakguard/leakguard/internal/english"
	"github.com/leakguard/leakguard/internal/markdown"
	"github.com/leakguard/leakguard/scanner"
)

// JobSummary is what a GitHub Actions job summary reports: what was
// scanned, the findings (redacted) and the playbook.
type JobSummary struct {
	What, Summary   string // what was scanned; the scan's closing line
	Notes, Warnings []string
	Findings        []scanner.Finding
	Repo, Server    string // GITHUB_REPOSITORY, GITHUB_SERVER_URL: links
	SHA             string // GITHUB_SHA: links of findings without a commit
	Remediate       bool
	RemediateErr    error
	Incidents       []SummaryIncident
	FailOnNone      bool
}

// SummaryIncident is an incident opened by --remediate.
type SummaryIncident struct {
	ID       string
	Name     string // the managed key, else the rule
	IssueURL string
}

func plural(n int, word string) string { return english.Count(n, word) }

func (in *JobSummary) server() string {
	if in.Server != "" {
		return strings.TrimRight(in.Server, "/")
	}
	return "https://github.com"
}

// findingLink is the finding's location, linked to the blob at its commit.
func (in *JobSummary) findingLink(f *scanner.Finding) string {
	text := f.File
	if text == "" {
		return "(commit message)"
	}
	if f.StartLine > 0 {
		text += ":" + strconv.Itoa(f.StartLine)
	}
	repo := in.Repo
	commit := f.Commit
	if commit == "" {
		commit = in.SHA
	}
	if repo == "" || commit == "" {
		return markdown.Text(text)
	}
	return markdown.Link(text, markdown.BlobURL(in.Server, repo, commit, f.File, f.StartLine, f.EndLine))
}

func (in *JobSummary) commitLink(c string) string {
	if c == "" {
		return ""
	}
	if repo := in.Repo; repo != "" {
		return fmt.Sprintf("[`%s`](%s/%s/commit/%s)", shortSHA(c), in.server(), repo, c)
	}
	return "`" + shortSHA(c) + "`"
}

// GitHubJobSummary is the Markdown for $GITHUB_STEP_SUMMARY: what was scanned,
// a table of findings and the playbook.
func GitHubJobSummary(in JobSummary) string {
	var b strings.Builder
	n := len(in.Findings)
	if n == 0 {
		b.WriteString("## leakguard: no secrets found\n\n")
	} else {
		fmt.Fprintf(&b, "## leakguard: %s\n\n", plural(n, "leaked secret"))
	}
	fmt.Fprintf(&b, "Scanned %s: %s.\n\n", markdown.Text(in.What), markdown.Text(in.Summary))
	for _, note := range in.Notes {
		fmt.Fprintf(&b, "> [!NOTE]\n> %s\n\n", markdown.Text(note))
	}
	for _, w := range in.Warnings {
		fmt.Fprintf(&b, "> [!WARNING]\n> %s\n\n", markdown.Text(w))
	}
	if n == 0 {
		return b.String()
	}
	b.WriteString("| # | Secret | Where | Commit | Confidence |\n|---|---|---|---|---|\n")
	for i := range in.Findings {
		fd := &in.Findings[i]
		author := ""
		if fd.Author != "" {
			author = " by " + markdown.Text(fd.Author)
		}
		fmt.Fprintf(&b, "| %d | **%s** %s — %s | %s | %s%s | %s |\n", i+1,
			markdown.Text(Title(fd)), markdown.Text(fd.Description), markdown.Text(fd.Secret.Redacted()),
			in.findingLink(fd), in.commitLink(fd.Commit), author, fd.Confidence)
	}
	b.WriteString("\n### What to do now\n\n")
	b.WriteString("Deleting the line does not help: the secret is in the history and may have been copied already. For each key below:\n\n")
	b.WriteString(remediationMarkdown("the provider", "", "or `remediate: true` on this action to open the audit issue"))
	b.WriteString("\n")
	b.WriteString("| Key | Regenerate at | Findings |\n|---|---|---|\n")
	type keyRow struct {
		title, url string
		n          int
	}
	var rows []*keyRow
	byKey := map[string]*keyRow{}
	for i := range in.Findings {
		fd := &in.Findings[i]
		k := fd.KeyName
		if k == "" {
			k = fd.ContentFingerprint()
		}
		r := byKey[k]
		if r == nil {
			r = &keyRow{title: Title(fd), url: fd.RotateURL}
			byKey[k] = r
			rows = append(rows, r)
		}
		r.n++
	}
	for _, r := range rows {
		u := "the provider's dashboard"
		if r.url != "" {
			u = "<" + r.url + ">"
		}
		fmt.Fprintf(&b, "| %s | %s | %d |\n", markdown.Text(r.title), u, r.n)
	}
	b.WriteString("\n")
	switch {
	case in.Remediate && in.RemediateErr != nil:
		fmt.Fprintf(&b, "> [!CAUTION]\n> Remediation is incomplete: %s\n\n", markdown.Text(in.RemediateErr.Error()))
	case in.Remediate:
		b.WriteString("### Incidents\n\n")
		for _, inc := range in.Incidents {
			line := "- " + markdown.Code(inc.ID) + " " + markdown.Text(inc.Name)
			if inc.IssueURL != "" {
				line += ": audit issue <" + inc.IssueURL + ">"
			}
			b.WriteString(line + "\n")
		}
		b.WriteString("\n")
	}
	if in.FailOnNone {
		b.WriteString("_`fail-on: none`: this step does not fail on findings._\n")
	}
	return b.String()
}
