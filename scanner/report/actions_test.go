package report

import (
	"bytes"
	"os"
	"path/filepath"
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

// A failed run's annotation carries the message and the hint, escaped.
func TestGitHubError(t *testing.T) {
	if got := GitHubError("bad\nthing 100%", "fix it"); got != "::error title=leakguard::bad%0Athing 100%25; hint: fix it" {
		t.Fatalf("annotation %q", got)
	}
	if got := GitHubError("bad", ""); got != "::error title=leakguard::bad" {
		t.Fatalf("annotation without a hint %q", got)
	}
}

// The runner's environment: where the report goes, and the job summary
// (with the run's links) and step outputs appended to the runner's files
// only when it names them.
func TestActions(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"GITHUB_REPOSITORY": "acme/widgets", "GITHUB_SHA": "abc123",
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary.md"), "GITHUB_OUTPUT": filepath.Join(dir, "out"), "RUNNER_TEMP": "/tmp/r"}
	getenv := func(k string) string { return env[k] }
	if InActions(func(string) string { return "" }) || !InActions(func(k string) string { return map[string]string{"GITHUB_ACTIONS": "true"}[k] }) ||
		!InActions(func(k string) string { return map[string]string{"GITHUB_EVENT_NAME": "push"}[k] }) {
		t.Fatal("InActions")
	}
	a := ActionsFrom(getenv)
	if a.ReportPath("") != "/tmp/r/leakguard-report.json" || a.ReportPath("x.json") != "x.json" || (Actions{}).ReportPath("") != "leakguard-report.json" {
		t.Fatalf("report paths %q %q", a.ReportPath(""), a.ReportPath("x.json"))
	}
	fs := sample()
	fs[0].Commit = ""
	if err := os.WriteFile(a.Output, []byte("before=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := a.Finish(JobSummary{What: "push", Summary: "1 finding", Findings: fs}, "findings", "1", "sarif", "/x.sarif"); err != nil {
		t.Fatal(err)
	}
	sum, _ := os.ReadFile(a.StepSummary)
	out, _ := os.ReadFile(a.Output)
	if !strings.Contains(string(sum), "## leakguard: 1 leaked secret") || !strings.Contains(string(sum), "https://github.com/acme/widgets/blob/abc123/a/b.env#L3") {
		t.Fatalf("summary without the run's links:\n%s", sum)
	}
	if string(out) != "before=1\nfindings=1\nsarif=/x.sarif\n" {
		t.Fatalf("outputs %q", out)
	}
	if err := (Actions{}).Finish(JobSummary{}, "findings", "0"); err != nil {
		t.Fatalf("no runner files: %v", err)
	}
	a.Output = filepath.Join(dir, "missing", "out")
	if err := a.Finish(JobSummary{}, "findings", "0"); err == nil || !strings.HasPrefix(err.Error(), "step outputs: ") {
		t.Fatalf("unwritable outputs: %v", err)
	}
}
