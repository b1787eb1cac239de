package report

import (
	"fmt"
	"io"
	"strconv"

	"github.com/leakguard/leakguard/scanner"
)

// # What leakguard ci reports
//
// A [CI] run reports its findings in one of two ways: outside GitHub
// Actions, the scan command's text report and the report files asked
// for ([CI.WriteText]); on Actions, masks and annotations first, the
// report in a log group, both report files, the job summary and the step
// outputs ([CI.WriteActions]). Both say on the log what was noted,
// warned and written, and close with the scan's line.

// CI is a ci run's result and where its reports go.
type CI struct {
	Findings        []scanner.Finding // their messages are redacted first (RedactMessages)
	What, Summary   string            // the plan; the scan's closing line
	Notes, Warnings []string
	// Changed are the trusted files a pull request changes: each gets a
	// warning annotation on Actions (GitHubChangedAnnotation).
	Changed []string
	// Files are the report files' options (Rules, Version; the key of
	// SARIF fingerprints); Color the text report's.
	Files Options
	Color bool
	// SARIF and JSON are the report files' absolute paths; outside
	// Actions only those set are written.
	SARIF, JSON string
	// Remediate, when set, opens the incidents of the findings (it runs
	// after the report, within the log group on Actions); RemediateErr
	// is its error.
	Remediate    func() ([]SummaryIncident, error)
	RemediateErr error
	FailOnNone   bool // fail-on: none, said in the job summary
}

// writeFiles writes the report files whose paths are set.
func (c *CI) writeFiles() (written []string, err error) {
	for _, f := range []struct{ path, format string }{{c.SARIF, "sarif"}, {c.JSON, "json"}} {
		if f.path == "" {
			continue
		}
		o := c.Files
		o.Format = f.format
		if f.format != "sarif" {
			o.FingerprintKey = nil
		}
		if err := WriteFile(f.path, c.Findings, o); err != nil {
			return nil, err
		}
		written = append(written, f.path)
	}
	return written, nil
}

// WriteText reports outside Actions: the text report to w, the report
// files, the remediation, then the notes, the warnings, the files
// written and the closing line to log.
func (c *CI) WriteText(w, log io.Writer) error {
	RedactMessages(c.Findings)
	if err := Write(w, c.Findings, Options{Format: "text", Color: c.Color, Version: c.Files.Version}); err != nil {
		return err
	}
	files, err := c.writeFiles()
	if err != nil {
		return err
	}
	if c.Remediate != nil {
		_, c.RemediateErr = c.Remediate()
	}
	for _, n := range c.Notes {
		fmt.Fprintln(log, "leakguard: note: "+n)
	}
	for _, m := range c.Warnings {
		fmt.Fprintln(log, "leakguard: warning: "+m)
	}
	for _, p := range files {
		fmt.Fprintln(log, "leakguard: wrote "+p)
	}
	fmt.Fprintf(log, "leakguard: %s (%s)\n", c.Summary, c.What)
	return nil
}

// WriteActions reports on GitHub Actions: the prelude (masks first) and
// the report in a log group to w, with the remediation inside it; both
// report files; the job summary and the step outputs (findings, sarif,
// report) to the runner's files a; the warnings and the closing line to
// log.
func (c *CI) WriteActions(w, log io.Writer, a Actions) error {
	RedactMessages(c.Findings)
	var changed []string
	for _, p := range c.Changed {
		changed = append(changed, GitHubChangedAnnotation(p))
	}
	if err := WriteGitHubPrelude(w, c.Findings, changed, c.Notes, c.Warnings); err != nil {
		return err
	}
	sum := JobSummary{What: c.What, Summary: c.Summary, Notes: c.Notes, Warnings: c.Warnings, Findings: c.Findings,
		Remediate: c.Remediate != nil, FailOnNone: c.FailOnNone}
	if err := WriteGitHubLog(w, c.Findings, Options{Format: "text", Version: c.Files.Version}, func() {
		if c.Remediate != nil {
			sum.Incidents, c.RemediateErr = c.Remediate()
			sum.RemediateErr = c.RemediateErr
		}
	}); err != nil {
		return err
	}
	if _, err := c.writeFiles(); err != nil {
		return err
	}
	if err := a.Finish(sum, "findings", strconv.Itoa(len(c.Findings)), "sarif", c.SARIF, "report", c.JSON); err != nil {
		return err
	}
	for _, m := range c.Warnings {
		fmt.Fprintln(log, "leakguard: warning: "+m)
	}
	fmt.Fprintf(log, "leakguard: %s (%s)\n", c.Summary, c.What)
	return nil
}
