package report

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/leakguard/leakguard/scanner"
)

// GitHubChangedAnnotation is the warning annotation on a file that decides
// what leakguard reports (its config or an ignore file) when a pull
// request changes it: the scan used the base commit's version.
func GitHubChangedAnnotation(file string) string {
	return fmt.Sprintf("::warning file=%s,title=%s::%s", GitHubEscapeProperty(file), GitHubEscapeProperty("leakguard: "+file+" changed"),
		GitHubEscapeData("this pull request changes "+file+", which decides what leakguard reports; the scan used the base commit's version"))
}

// WriteGitHubPrelude starts a GitHub Actions log: the masks of every
// secret first (nothing is printed before the runner knows them all; an
// error writing them is returned), then an error annotation per finding,
// the given annotations, a notice per note and a warning annotation per
// warning.
func WriteGitHubPrelude(w io.Writer, fs []scanner.Finding, annotations, notes, warnings []string) error {
	var out bytes.Buffer
	WriteGitHubMasks(&out, fs)
	if _, err := w.Write(out.Bytes()); err != nil {
		return err
	}
	out.Reset()
	WriteGitHubAnnotations(&out, fs)
	for _, a := range annotations {
		fmt.Fprintln(&out, a)
	}
	for _, n := range notes {
		fmt.Fprintf(&out, "::notice title=%s::%s\n", GitHubEscapeProperty("leakguard"), GitHubEscapeData(n))
	}
	for _, m := range warnings {
		fmt.Fprintf(&out, "::warning title=%s::%s\n", GitHubEscapeProperty("leakguard"), GitHubEscapeData(m))
	}
	fmt.Fprint(w, out.String())
	return nil
}

// WriteGitHubLog writes the report o describes in a collapsed group of
// the log, with workflow commands stopped: file names and commit
// messages come from the repository, and the runner must not read
// commands in them. during runs inside the group (what it prints is
// protected too).
func WriteGitHubLog(w io.Writer, fs []scanner.Finding, o Options, during func()) error {
	token := GitHubToken()
	fmt.Fprintf(w, "::group::leakguard: %s\n", GitHubEscapeData(plural(len(fs), "finding")))
	fmt.Fprintf(w, "::stop-commands::%s\n", token)
	if err := Write(w, fs, o); err != nil {
		return err
	}
	during()
	fmt.Fprintf(w, "::%s::\n", token)
	fmt.Fprintln(w, "::endgroup::")
	return nil
}

// GitHubOutputs are step outputs (name, value pairs) for $GITHUB_OUTPUT.
func GitHubOutputs(pairs ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		WriteGitHubOutput(&b, pairs[i], pairs[i+1])
	}
	return b.String()
}

// AppendGitHubFile appends s to the file at path, as the runner's files
// ($GITHUB_STEP_SUMMARY, $GITHUB_OUTPUT) are written.
func AppendGitHubFile(path, s string) error {
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := fh.WriteString(s); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

// GitHubError is the error annotation of a failed run: its message and
// hint (when set), so the exit's reason is not a log line that is easy
// to miss.
func GitHubError(msg, hnt string) string {
	if hnt != "" {
		msg += "; hint: " + hnt
	}
	return fmt.Sprintf("::error title=%s::%s", GitHubEscapeProperty("leakguard"), GitHubEscapeData(msg))
}

// Actions is the GitHub Actions runner's environment a ci run reports to.
type Actions struct {
	Repo, Server, SHA   string // GITHUB_REPOSITORY, GITHUB_SERVER_URL, GITHUB_SHA: links
	StepSummary, Output string // GITHUB_STEP_SUMMARY, GITHUB_OUTPUT: files to append to
	Temp                string // RUNNER_TEMP
}

// InActions reports whether the environment getenv reads is a GitHub
// Actions job's.
func InActions(getenv func(string) string) bool {
	return getenv("GITHUB_ACTIONS") == "true" || getenv("GITHUB_EVENT_NAME") != ""
}

// ActionsFrom reads the runner's environment through getenv.
func ActionsFrom(getenv func(string) string) Actions {
	return Actions{Repo: getenv("GITHUB_REPOSITORY"), Server: getenv("GITHUB_SERVER_URL"), SHA: getenv("GITHUB_SHA"),
		StepSummary: getenv("GITHUB_STEP_SUMMARY"), Output: getenv("GITHUB_OUTPUT"), Temp: getenv("RUNNER_TEMP")}
}

// ReportPath is where the JSON report goes: path when set, else
// leakguard-report.json in the runner's temporary directory (else the
// current one).
func (a Actions) ReportPath(path string) string {
	if path != "" {
		return path
	}
	return filepath.Join(a.Temp, "leakguard-report.json")
}

// Finish appends the job summary (with the run's links) and the step
// outputs (name, value pairs) to the runner's files, each when the
// runner names one.
func (a Actions) Finish(sum JobSummary, outputs ...string) error {
	sum.Repo, sum.Server, sum.SHA = a.Repo, a.Server, a.SHA
	if a.StepSummary != "" {
		if err := AppendGitHubFile(a.StepSummary, GitHubJobSummary(sum)); err != nil {
			return fmt.Errorf("job summary: %w", err)
		}
	}
	if a.Output != "" {
		if err := AppendGitHubFile(a.Output, GitHubOutputs(outputs...)); err != nil {
			return fmt.Errorf("step outputs: %w", err)
		}
	}
	return nil
}
