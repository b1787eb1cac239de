package gitscan

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"testing"

	"github.com/leakguard/leakguard/config"
	"github.com/leakguard/leakguard/internal/testkit/gitrepo"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
)

// key returns a format-valid fake Anthropic key, built at run time.
func key() string { return "sk-ant-api03-" + rules.RandString(93, "urlsafe") + "AA" }

// ada is the identity and clock of this package's commits.
var ada = []string{
	"GIT_AUTHOR_NAME=Ada Lovelace", "GIT_AUTHOR_EMAIL=ada@example.com",
	"GIT_COMMITTER_NAME=Ada Lovelace", "GIT_COMMITTER_EMAIL=ada@example.com",
	"GIT_AUTHOR_DATE=2024-01-02T03:04:05+01:00", "GIT_COMMITTER_DATE=2024-01-02T03:04:05+01:00",
}

// run runs git as Ada (internal/testkit/gitrepo).
func run(t *testing.T, dir string, args ...string) string {
	t.Helper()
	return gitrepo.GitEnv(t, dir, ada, args...)
}

// runOK runs git and ignores failure (merge conflicts).
func runOK(t *testing.T, dir string, args ...string) {
	_ = gitCmd(dir, args...).Run()
}

var (
	newRepo = gitrepo.New
	write   = gitrepo.Write
)

func commitAll(t *testing.T, dir, msg string) string {
	t.Helper()
	run(t, dir, "add", "-A")
	run(t, dir, "commit", "-q", "--allow-empty", "-m", msg)
	return run(t, dir, "rev-parse", "HEAD")
}

var testDetector *scanner.Detector

func detector(t *testing.T) *scanner.Detector {
	t.Helper()
	if testDetector == nil {
		cfg, err := config.Load("")
		if err != nil {
			t.Fatal(err)
		}
		testDetector = scanner.NewDetector(scanner.Options{Rules: cfg.Rules, Allowlist: cfg.Allowlist, Keys: cfg.Keys, DecodeDepth: cfg.DecodeDepth})
	}
	return testDetector
}

func open(t *testing.T, dir string) *Repo {
	t.Helper()
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// hookBackends are the readers a staged scan can use.
var hookBackends = []string{"go-git", "git"}

// bothBackends runs fn once per backend.
func bothBackends(t *testing.T, fn func(t *testing.T, backend string)) {
	t.Helper()
	for _, be := range hookBackends {
		t.Run(be, func(t *testing.T) { fn(t, be) })
	}
	// git reading the index itself, as it does what diffIndex leaves.
	t.Run("git diff-index", func(t *testing.T) {
		inProcessIndex = false
		defer func() { inProcessIndex = true }()
		fn(t, "git")
	})
}

func staged(t *testing.T, dir, backend string) ([]scanner.Finding, Stats) {
	t.Helper()
	fs, st, err := open(t, dir).Staged(context.Background(), Options{Detector: detector(t), Backend: backend})
	if err != nil {
		t.Fatal(err)
	}
	if backend != "" && st.Backend != backend {
		t.Fatalf("backend = %q, want %q", st.Backend, backend)
	}
	return fs, st
}

func history(t *testing.T, dir, backend string, h HistoryOptions) ([]scanner.Finding, Stats) {
	t.Helper()
	fs, st, err := open(t, dir).History(context.Background(), Options{Detector: detector(t), Backend: backend}, h)
	if err != nil {
		t.Fatal(err)
	}
	return fs, st
}

// where summarises findings as "commit-prefix file:line" (or "file:line").
func where(fs []scanner.Finding) []string {
	var out []string
	for _, f := range fs {
		s := fmt.Sprintf("%s:%d", f.File, f.StartLine)
		if f.Commit != "" {
			s = f.Commit[:7] + " " + s
		}
		out = append(out, s)
	}
	return out
}

func gitCmd(dir string, args ...string) *exec.Cmd { return gitrepo.Cmd(dir, ada, args...) }

func itoaTest(n int) string { return strconv.Itoa(n) }
