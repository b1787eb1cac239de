package report

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Outside Actions: the text report, only the files asked for, the
// remediation after them, then notes, warnings, files and the closing
// line on the log.
func TestCIWriteText(t *testing.T) {
	dir := t.TempDir()
	fs := sample()
	fs[0].Message = "add " + fs[0].Secret.Reveal()
	var order []string
	c := &CI{Findings: fs, What: "origin/HEAD..HEAD", Summary: "1 finding", Notes: []string{"a note"}, Warnings: []string{"a warning"},
		Files: Options{Version: "v1"}, JSON: filepath.Join(dir, "r.json"),
		Remediate: func() ([]SummaryIncident, error) {
			if _, err := os.Stat(filepath.Join(dir, "r.json")); err != nil {
				t.Error("remediation ran before the report file was written")
			}
			order = append(order, "remediate")
			return nil, errors.New("no token")
		}}
	var out, log bytes.Buffer
	if err := c.WriteText(&out, &log); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "anthropic-api-key") || strings.Contains(out.String(), fs[0].Secret.Reveal()) || strings.Contains(fs[0].Message, fs[0].Secret.Reveal()) {
		t.Fatalf("text report:\n%s", out.String())
	}
	want := "leakguard: note: a note\nleakguard: warning: a warning\nleakguard: wrote " + filepath.Join(dir, "r.json") + "\nleakguard: 1 finding (origin/HEAD..HEAD)\n"
	if log.String() != want || len(order) != 1 || c.RemediateErr == nil || c.RemediateErr.Error() != "no token" {
		t.Fatalf("log %q, remediation %v %v", log.String(), order, c.RemediateErr)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "r.json")); err != nil || !strings.HasPrefix(string(b), "[") {
		t.Fatalf("json report %v: %s", err, b)
	}
	if _, err := os.Stat(filepath.Join(dir, "leakguard.sarif")); err == nil {
		t.Fatal("a SARIF file nobody asked for")
	}
	// A file that cannot be written stops the run before the remediation.
	c.JSON, c.RemediateErr, order = dir, nil, nil
	if err := c.WriteText(&out, &log); err == nil || len(order) != 0 {
		t.Fatalf("a directory as the report: %v, remediation %v", err, order)
	}
}

// On Actions: masks first, the remediation inside the log group, both
// files, the job summary with the incidents and the outputs, then the
// warnings and the closing line on the log.
func TestCIWriteActions(t *testing.T) {
	dir := t.TempDir()
	fs := sample()
	fs[0].Message = "add " + fs[0].Secret.Reveal()
	a := Actions{Repo: "acme/w", SHA: "abc", StepSummary: filepath.Join(dir, "summary"), Output: filepath.Join(dir, "output")}
	var out, log bytes.Buffer
	c := &CI{Findings: fs, What: "push to main", Summary: "1 finding", Warnings: []string{"a warning"}, Changed: []string{"leakguard.toml"},
		Files: Options{Version: "v1", FingerprintKey: []byte("k")}, SARIF: filepath.Join(dir, "l.sarif"), JSON: filepath.Join(dir, "r.json"),
		Remediate: func() ([]SummaryIncident, error) {
			out.WriteString("REMEDIATED\n")
			return []SummaryIncident{{ID: "LG-1", Name: "ANTHROPIC_API_KEY", IssueURL: "https://github.com/acme/w/issues/1"}}, nil
		}}
	if err := c.WriteActions(&out, &log, a); err != nil {
		t.Fatal(err)
	}
	o := out.String()
	if !strings.HasPrefix(o, "::add-mask::") || !strings.Contains(o, "::warning file=leakguard.toml,") ||
		strings.Index(o, "REMEDIATED") < strings.Index(o, "::group::") || strings.Index(o, "REMEDIATED") > strings.Index(o, "::endgroup::") {
		t.Fatalf("stdout:\n%s", o)
	}
	if strings.Contains(fs[0].Message, fs[0].Secret.Reveal()) {
		t.Fatal("the commit message holds the secret")
	}
	if log.String() != "leakguard: warning: a warning\nleakguard: 1 finding (push to main)\n" {
		t.Fatalf("log %q", log.String())
	}
	sum, _ := os.ReadFile(a.StepSummary)
	outs, _ := os.ReadFile(a.Output)
	if !strings.Contains(string(sum), "`LG-1` ANTHROPIC\\_API\\_KEY: audit issue <https://github.com/acme/w/issues/1>") {
		t.Fatalf("summary without the incident:\n%s", sum)
	}
	if string(outs) != "findings=1\nsarif="+c.SARIF+"\nreport="+c.JSON+"\n" {
		t.Fatalf("outputs %q", outs)
	}
	for _, p := range []string{c.SARIF, c.JSON} {
		if _, err := os.Stat(p); err != nil {
			t.Fatal(err)
		}
	}
	// The remediation's error reaches the summary and the caller.
	c.Remediate = func() ([]SummaryIncident, error) { return nil, errors.New("no token") }
	if err := c.WriteActions(&out, &log, a); err != nil || c.RemediateErr == nil {
		t.Fatalf("%v %v", err, c.RemediateErr)
	}
	if sum, _ = os.ReadFile(a.StepSummary); !strings.Contains(string(sum), "Remediation is incomplete: no token") {
		t.Fatalf("summary without the remediation's error:\n%s", sum)
	}
}
