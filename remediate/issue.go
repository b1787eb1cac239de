package remediate

import (
	"fmt"
	"net/url"
	"strings"
)

// issueBody renders an incident's audit issue: what leaked, where, and
// the checklist. Everything in it comes from the ledger, which holds no
// secret; previews are redacted.
func (p *Playbook) issueBody(in *Incident) string {
	var b strings.Builder
	what := "`" + in.RuleID + "`"
	if in.Key != "" {
		what = "managed key `" + in.Key + "` (rule `" + in.RuleID + "`)"
	}
	fmt.Fprintf(&b, "## Leaked credential: %s\n\n", issueSubject(in))
	fmt.Fprintf(&b, "leakguard found %s", what)
	if in.Provider != "" {
		fmt.Fprintf(&b, ", provider **%s**", in.Provider)
	}
	if in.Description != "" {
		fmt.Fprintf(&b, " — %s", in.Description)
	}
	b.WriteString(".\n\n")
	if in.MappedBy != "" && in.MappedBy != "name" {
		fmt.Fprintf(&b, "Tied to the key by: %s.\n\n", in.MappedBy)
	}
	status := "open"
	if in.Status == "closed" {
		status = "closed"
		if in.CloseReason != "" {
			status += " — " + in.CloseReason
		}
	}
	fmt.Fprintf(&b, "Incident `%s`, opened %s, %s.\n\n", in.ID, in.Opened.Format("2006-01-02 15:04 UTC"), status)

	b.WriteString("### Where\n\n| location | commit | author | date | preview |\n|---|---|---|---|---|\n")
	for i, l := range in.Locations {
		if i == 50 {
			fmt.Fprintf(&b, "| … %d more | | | | |\n", len(in.Locations)-50)
			break
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", p.locationLink(l), short(l.Commit), mdCell(l.Author), mdCell(l.Date), "`"+mdCell(strings.ReplaceAll(l.Preview, "`", "'"))+"`")
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
		line := "- " + box + " " + mdText(s.Title)
		switch s.Status {
		case StepFailed:
			line += " — **failed**: " + mdText(s.Detail)
		case StepRunning:
			line += " — in progress"
		case StepSkipped:
			line += " — skipped: " + mdText(s.Detail)
		case StepDone:
			if s.Detail != "" && !strings.HasPrefix(s.Detail, "http") {
				line += " — " + mdText(s.Detail)
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
	text = mdCell(text)
	if p.Repo == "" || l.Commit == "" || l.File == "" {
		return text
	}
	server := p.Server
	if server == "" {
		server = "https://github.com"
	}
	var parts []string
	for _, seg := range strings.Split(l.File, "/") {
		parts = append(parts, url.PathEscape(seg))
	}
	link := fmt.Sprintf("%s/%s/blob/%s/%s", strings.TrimRight(server, "/"), p.Repo, l.Commit, strings.Join(parts, "/"))
	if l.Line > 0 {
		link += fmt.Sprintf("#L%d", l.Line)
	}
	return "[" + text + "](" + link + ")"
}

// mdCell keeps text inside one Markdown table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.Join(strings.Fields(s), " ")
}

// mdText neutralises Markdown that could break the checklist.
func mdText(s string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(s)), " ")
}
