package report

import (
	"bytes"
	"strings"
	"testing"
)

// On Actions the masks come before anything else, and the report sits in
// a group where workflow commands are stopped, with what runs during it.
func TestGitHubPreludeAndLog(t *testing.T) {
	fs := sample()
	var b bytes.Buffer
	if err := WriteGitHubPrelude(&b, fs, []string{GitHubChangedAnnotation("leakguard.toml")}, []string{"a note"}, []string{"a warning"}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if !strings.HasPrefix(lines[0], "::add-mask::") || !strings.HasPrefix(lines[len(lines)-1], "::warning title=leakguard::a warning") ||
		!strings.Contains(b.String(), "::warning file=leakguard.toml,") || !strings.Contains(b.String(), "::notice title=leakguard::a note") {
		t.Fatalf("prelude:\n%s", b.String())
	}
	b.Reset()
	ran := false
	if err := WriteGitHubLog(&b, fs, Options{Format: "text"}, func() { ran = true }); err != nil || !ran {
		t.Fatalf("log: %v, during ran %v", err, ran)
	}
	out := b.String()
	i := strings.Index(out, "::stop-commands::")
	token := strings.Fields(out[i+len("::stop-commands::"):])[0]
	if !strings.HasPrefix(out, "::group::leakguard: 1 finding\n") || !strings.HasSuffix(out, "::"+token+"::\n::endgroup::\n") ||
		strings.Contains(out, fs[0].Secret.Reveal()) {
		t.Fatalf("log:\n%s", out)
	}
	if got := GitHubOutputs("findings", "1", "sarif", "/x.sarif"); got != "findings=1\nsarif=/x.sarif\n" {
		t.Fatalf("outputs %q", got)
	}
}
