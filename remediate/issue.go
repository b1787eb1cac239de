package remediate

import (
	"fmt"
	"strings"

	"github.com/leakguard/leakguard/internal/markdown"
)

// issueBody renders an incident's audit issue: what leaked, where, and
// the checklist. Everything in it comes from the ledger, which holds no
// secret; previews are redacted.
func (p *Playbook) issueBody(in *Incident) string {
	var b strings.Builder
	what := markdown.Code(in.RuleID)
	if in.Key != "" {
		what = "managed key " + markdown.Code(in.Key) + " (rule " + markdown.Code(in.RuleID) + ")"
	}
	fmt.Fprintf(&b, "## Leaked credential: %s\n\n", markdown.Text(in.Subject()))
	fmt.Fprintf(&b, "leakguard found %s", what)
	if in.Provider != "" {
		fmt.Fprintf(&b, ", provider **%s**", markdown.Text(in.Provider))
	}
	if in.Description != "" {
		fmt.Fprintf(&b, " — %s", markdown.Text(in.Description))
	}
	b.WriteString(".\n\n")
	if in.MappedBy != "" && in.MappedBy != "name" {
		fmt.Fprintf(&b, "Tied to the key by: %s.\n\n", markdown.Text(in.MappedBy))
	}
	status := "open"
	if in.Status == "closed" {
		status = "closed"
		if in.CloseReason != "" {
			status += " — " + markdown.Text(in.CloseReason)
		}
	}
	fmt.Fprintf(&b, "Incident %s, opened %s, %s.\n\n", markdown.Code(in.ID), in.Opened.Format("2006-01-02 15:04 UTC"), status)

	b.WriteString("### Where\n\n| location | commit | author | date | preview |\n|---|---|---|---|---|\n")
	for i, l := range in.Locations {
		if i == 50 {
			fmt.Fprintf(&b, "| … %d more | | | | |\n", len(in.Locations)-50)
			break
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", p.locationLink(l), short(l.Commit), markdown.Text(l.Author), markdown.Text(l.Date), markdown.Code(l.Preview))
	}
	b.WriteString("\n### Checklist\n\n")
	for _, s := range in.Steps {
		if s.ID == "issue" {
			continue
		}
		box := "[ ]"
		if s.Status == StepDone || s.Status == StepSkipped {
			box = "[x]"
		}
		line := "- " + box + " " + markdown.Text(s.Title)
		switch s.Status {
		case StepFailed:
			line += " — **failed**: " + markdown.Text(s.Detail)
		case StepRunning:
			line += " — in progress"
		case StepSkipped:
			line += " — skipped: " + markdown.Text(s.Detail)
		case StepDone:
			if s.Detail != "" && !strings.HasPrefix(s.Detail, "http") {
				line += " — " + markdown.Text(s.Detail)
			}
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("\n<details><summary>Purging the secret from history (optional)</summary>\n\n")
	b.WriteString("Rotating the key is what protects you: a pushed secret must be treated as public. ")
	b.WriteString("Rewriting history (`git filter-repo --replace-text`, BFG) only hides it from new clones; ")
	b.WriteString("forks, caches and existing clones keep it. If you rewrite, coordinate a force-push and ask collaborators to re-clone.\n\n</details>\n\n")
	b.WriteString("Progress is posted here by `leakguard rotate`, `leakguard sync` and `leakguard incidents`.\n\n")
	b.WriteString(Marker(in.ID) + "\n")
	return b.String()
}

func short(c string) string {
	if c == "" {
		return ""
	}
	return "`" + c[:min(12, len(c))] + "`"
}

// locationLink links a location to its blob at the commit when the
// repository is known.
func (p *Playbook) locationLink(l Location) string {
	text := l.File
	if text == "" {
		text = "(commit message)"
	}
	if l.Line > 0 {
		text += fmt.Sprintf(":%d", l.Line)
	}
	if p.Repo == "" || l.Commit == "" || l.File == "" {
		return markdown.Text(text)
	}
	return markdown.Link(text, markdown.BlobURL(p.Server, p.Repo, l.Commit, l.File, l.Line, 0))
}
