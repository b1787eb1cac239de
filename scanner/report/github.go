package report

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/secret"
)

// # GitHub Actions workflow commands
//
// leakguard ci speaks to the runner through workflow commands: masks for
// every secret it found (before anything else is printed), one error
// annotation per finding (redacted), step outputs and a stop-commands
// token around text that comes from the repository.

// MaxErrorAnnotations is how many error annotations GitHub shows for one
// step; the findings past it are summed up in one warning annotation
// (warnings have their own limit, so the summary stays visible).
const MaxErrorAnnotations = 10

// GitHubToken is a random token for ::stop-commands:: and multi-line
// output delimiters.
func GitHubToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "leakguard-" + hex.EncodeToString(b)
}

// WriteGitHubOutput writes one step output, in the multi-line form when the
// value needs it.
func WriteGitHubOutput(w io.Writer, name, value string) {
	if !strings.ContainsAny(value, "\r\n") {
		fmt.Fprintf(w, "%s=%s\n", name, value)
		return
	}
	d := "ghadelimiter_" + GitHubToken()
	fmt.Fprintf(w, "%s<<%s\n%s\n%s\n", name, d, value, d)
}

// # Workflow commands

// GitHubEscapeData escapes a workflow command's message.
func GitHubEscapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// GitHubEscapeProperty escapes a workflow command's property value.
func GitHubEscapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// MaskValues are the strings to mask for findings: each secret, and each
// line of a multi-line secret (the runner masks single lines). Armour
// lines (-----BEGIN …) and fragments under 4 bytes are not secret enough
// to blank out of the whole log.
func MaskValues(fs []scanner.Finding) []string {
	seen := map[string]bool{}
	var out []string
	add := func(v string) {
		v = strings.TrimSpace(v)
		if len(v) < 4 || seen[v] || strings.HasPrefix(v, "-----") {
			return
		}
		seen[v] = true
		out = append(out, v)
	}
	for i := range fs {
		for _, l := range strings.Split(strings.ReplaceAll(fs[i].Secret.Reveal(), "\r", "\n"), "\n") {
			add(l)
		}
	}
	return out
}

// RedactMessages redacts the secrets found in the findings' commit
// messages, which the JSON report carries as they are.
func RedactMessages(fs []scanner.Finding) {
	vals := MaskValues(fs)
	sort.Slice(vals, func(i, j int) bool { return len(vals[i]) > len(vals[j]) })
	for i := range fs {
		for _, v := range vals {
			if strings.Contains(fs[i].Message, v) {
				fs[i].Message = strings.ReplaceAll(fs[i].Message, v, secret.Redact(v))
			}
		}
	}
}

// WriteGitHubMasks prints ::add-mask:: for every secret value: the only place
// leakguard ci prints a secret.
func WriteGitHubMasks(w io.Writer, fs []scanner.Finding) {
	for _, v := range MaskValues(fs) {
		fmt.Fprintf(w, "::add-mask::%s\n", GitHubEscapeData(v))
	}
}

// WriteGitHubAnnotations prints an error annotation per finding, up to the
// number GitHub shows, then one warning with the count of the rest.
func WriteGitHubAnnotations(w io.Writer, fs []scanner.Finding) {
	for i := range fs {
		if i == MaxErrorAnnotations {
			rest := len(fs) - MaxErrorAnnotations
			fmt.Fprintf(w, "::warning title=%s::%s\n", GitHubEscapeProperty("leakguard: more findings"),
				GitHubEscapeData(fmt.Sprintf("%s more not annotated (GitHub shows %d error annotations per step): see the job summary, the log or the SARIF report", plural(rest, "finding"), MaxErrorAnnotations)))
			return
		}
		f := &fs[i]
		var props []string
		if f.File != "" {
			props = append(props, "file="+GitHubEscapeProperty(f.File))
			if f.StartLine > 0 {
				props = append(props, "line="+strconv.Itoa(f.StartLine))
				if f.EndLine > f.StartLine {
					props = append(props, "endLine="+strconv.Itoa(f.EndLine))
				}
				if f.StartColumn > 0 && f.EndLine <= f.StartLine {
					props = append(props, "col="+strconv.Itoa(f.StartColumn))
					if f.EndColumn >= f.StartColumn {
						props = append(props, "endColumn="+strconv.Itoa(f.EndColumn+1))
					}
				}
			}
		}
		props = append(props, "title="+GitHubEscapeProperty("leakguard: "+Title(f)))
		fmt.Fprintf(w, "::error %s::%s\n", strings.Join(props, ","), GitHubEscapeData(annotationText(f)))
	}
}

// annotationText is a finding's redacted one-paragraph description.
func annotationText(f *scanner.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s [%s confidence]", f.Description, f.Secret.Redacted(), f.Confidence)
	if f.File == "" {
		b.WriteString(" in a commit message")
	}
	if f.Commit != "" {
		fmt.Fprintf(&b, " (commit %s", shortSHA(f.Commit))
		if f.Author != "" {
			fmt.Fprintf(&b, " by %s", f.Author)
		}
		b.WriteString(")")
	}
	b.WriteString(". Rotate it")
	if f.RotateURL != "" {
		b.WriteString(" at " + f.RotateURL)
	}
	b.WriteString(": removing it from the code does not revoke it.")
	return b.String()
}
