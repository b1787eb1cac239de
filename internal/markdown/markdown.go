// Package markdown keeps untrusted text (file names, commit authors,
// messages, previews, errors) inert inside the GitHub-flavoured Markdown
// leakguard writes: the audit report, the incident issue body and the
// Actions job summary. One escaper for all three, so a fix reaches every
// report.
//
// Escaped text cannot start a table cell, a link, an image, emphasis,
// code, a heading, a list, a quote or raw HTML, cannot span lines, and
// cannot notify anyone (@mentions).
package markdown

import (
	"net/url"
	"strconv"
	"strings"
)

// punct is the ASCII punctuation GitHub-flavoured Markdown gives a
// meaning to; each is backslash-escaped, which CommonMark renders as the
// character itself.
const punct = "\\`*_[]<>#!|~&"

// zwsp after @ stops GitHub from reading @name as a mention (a backslash
// does not: mentions are found in the rendered text).
const zwsp = "\u200b"

// Text returns s as inline Markdown text: whitespace (newlines included)
// collapsed to single spaces, punctuation backslash-escaped (and a
// leading list marker), mentions broken. Safe in a paragraph, a list
// item, a quote and a table cell.
func Text(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	var b strings.Builder
	if i := listMarker(s); i >= 0 {
		b.WriteString(s[:i] + "\\")
		s = s[i:]
	}
	for _, r := range s {
		switch {
		case r == '@':
			b.WriteString("@" + zwsp)
			continue
		case r < 0x80 && strings.ContainsRune(punct, r):
			b.WriteByte('\\')
		case r < 0x20 || r == 0x7f:
			continue // control characters (Fields keeps some)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Code returns s as an inline code span for a table cell or a line of
// text: whitespace collapsed, backticks (which would end the span)
// replaced by ', pipes escaped as \| (GitHub tables split cells on a pipe
// even inside code; in a cell the backslash does not show). Mentions and
// Markdown do not work inside code.
func Code(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.NewReplacer("`", "'", "|", `\|`).Replace(s)
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if s == "" {
		return ""
	}
	return "`" + s + "`"
}

// Link returns a Markdown link with text escaped by Text. The URL is the
// caller's (built from escaped parts); characters that would end the
// link destination are percent-encoded.
func Link(text, url string) string {
	return "[" + Text(text) + "](" + linkDest.Replace(url) + ")"
}

var linkDest = strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E", "\n", "%0A", "\r", "%0D", "`", "%60", "|", "%7C")

// listMarker returns where a backslash keeps s from starting a list
// item ("- ", "+ ", "1. ", "2) "): before its marker's punctuation; -1
// when s does not start like one.
func listMarker(s string) int {
	if strings.HasPrefix(s, "- ") || strings.HasPrefix(s, "+ ") {
		return 0
	}
	i := 0
	for i < len(s) && i < 9 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 && i+1 < len(s) && (s[i] == '.' || s[i] == ')') && s[i+1] == ' ' {
		return i
	}
	return -1
}

// BlobURL is the address of a file at a commit on GitHub (server
// "https://github.com" when empty; repo "owner/name"), each path segment
// escaped, with #Lstart or #Lstart-Lend when start > 0.
func BlobURL(server, repo, commit, file string, start, end int) string {
	if server == "" {
		server = "https://github.com"
	}
	segs := strings.Split(file, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	u := strings.TrimRight(server, "/") + "/" + repo + "/blob/" + commit + "/" + strings.Join(segs, "/")
	if start > 0 {
		u += "#L" + strconv.Itoa(start)
		if end > start {
			u += "-L" + strconv.Itoa(end)
		}
	}
	return u
}
