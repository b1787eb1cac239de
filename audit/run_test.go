package audit

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/internal/english"
	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/internal/testkit/gitrepo"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/scanner"
)

// Run reads a real repository's history and work tree, lets the caller
// annotate every finding before the report is built, and refuses what it
// cannot audit as usage errors; WriteStatus closes with the counts.
func TestRun(t *testing.T) {
	dir := gitrepo.New(t)
	key := anthropicKey()
	gitrepo.Write(t, dir, "app.env", "ANTHROPIC_API_KEY="+key+"\n")
	gitrepo.Git(t, dir, "add", "-A")
	gitrepo.Git(t, dir, "commit", "-q", "-m", "add the key")
	gitrepo.Write(t, dir, "notes.txt", "tavily "+tavilyKey()+"\n")

	cfg := loadConfig(t, "")
	det := scanner.NewDetector(scanner.Options{Rules: cfg.Rules, Allowlist: cfg.Allowlist, Keys: cfg.Keys, DecodeDepth: cfg.DecodeDepth})
	var annotated int
	cached := false
	var log bytes.Buffer
	o := RunOptions{
		Git:     gitscan.Options{Detector: det, MaxSize: 1 << 20},
		Cache:   func() *gitscan.Cache { cached = true; return nil },
		Sources: Sources{Config: cfg, StateDir: t.TempDir(), Getenv: func(string) string { return "" }},
		Now:     func() time.Time { return now },
		Version: "v9", Log: &log,
		Annotate: func(all []scanner.Finding) error {
			annotated = len(all)
			for i := range all {
				all[i].Validity = "live"
			}
			return nil
		},
	}
	res, err := Run(context.Background(), filepath.Join(dir, "."), o)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := filepath.EvalSymlinks(dir)
	rep := res.Report
	if rep.Root != root && rep.Root != dir || rep.Version != "v9" || !rep.Generated.Equal(now) || !cached {
		t.Fatalf("report root %q version %q generated %v, cache asked %v", rep.Root, rep.Version, rep.Generated, cached)
	}
	if annotated != 3 || len(res.Findings) != 3 || rep.Summary.Exposures != 2 || rep.Summary.Live != 2 {
		t.Fatalf("annotated %d, findings %d, summary %+v", annotated, len(res.Findings), rep.Summary)
	}
	for _, f := range append(res.Scan.History.Findings, res.Scan.WorkTree...) {
		if f.Validity != "live" {
			t.Fatalf("annotation not kept: %s %s", f.File, f.Validity)
		}
	}
	if log.Len() != 0 {
		t.Fatalf("log: %s", log.String())
	}
	// On a terminal, the progress line is cleared once the history is
	// read.
	o.Progress = true
	if _, err := Run(context.Background(), dir, o); err != nil || !strings.HasSuffix(log.String(), "\r\x1b[K") {
		t.Fatalf("progress: %v %q", err, log.String())
	}
	log.Reset()
	res.WriteStatus(&log, 1234567*time.Microsecond)
	if want := "leakguard: 2 exposures (2 live), " + english.Count(rep.Summary.ChecksFailed, "check") + " failed, in " + rep.Root +
		" (1 commit, 2 files in the working tree) in 1.235s\n"; log.String() != want {
		t.Fatalf("status %q, want %q", log.String(), want)
	}

	// An error of the annotation stops the run.
	o.Annotate = func([]scanner.Finding) error { return os.ErrDeadlineExceeded }
	if _, err := Run(context.Background(), dir, o); err != os.ErrDeadlineExceeded {
		t.Fatalf("annotation error: %v", err)
	}
	// No repository, or a bare one: usage errors with their hints.
	if _, err := Run(context.Background(), t.TempDir(), o); !hint.IsUsage(err) || hint.Of(err) != gitscan.HintNoRepo {
		t.Fatalf("no repository: %v", err)
	}
	bare := filepath.Join(t.TempDir(), "bare.git")
	gitrepo.Git(t, dir, "clone", "-q", "--bare", dir, bare)
	if _, err := Run(context.Background(), bare, o); !hint.IsUsage(err) || !strings.HasSuffix(err.Error(), "is a bare repository") {
		t.Fatalf("bare repository: %v", err)
	}
}

// WriteStatus names what was not read before the closing line.
func TestWriteStatusWarnings(t *testing.T) {
	r := &Result{Report: &Report{Root: "/r", Summary: Summary{Exposures: 1, Live: 0, ChecksFailed: 1}},
		Scan: &Scan{Stats: gitscan.Stats{Commits: 3, Missing: 2}, WorkTreeStats: gitscan.WorkTreeStats{Warnings: []string{"big.bin: too big"}}}}
	r.Scan.WorkTreeStats.Errors = []error{os.ErrPermission}
	r.Scan.WorkTreeStats.Files, r.Scan.WorkTreeStats.Known = 1, 1
	var b bytes.Buffer
	r.WriteStatus(&b, time.Second)
	want := "leakguard: warning: big.bin: too big\n" +
		"leakguard: warning: not scanned: permission denied\n" +
		"leakguard: warning: 2 objects missing (partial or shallow clone): the history is incomplete\n" +
		"leakguard: 1 exposure (0 live), 1 check failed, in /r (3 commits, 2 files in the working tree) in 1s\n"
	if b.String() != want {
		t.Fatalf("status:\n%s\nwant:\n%s", b.String(), want)
	}
}

// The report formats are checked before the run.
func TestCheckFormat(t *testing.T) {
	for _, f := range []string{"", "text", "json", "markdown", "md", "html"} {
		if err := CheckFormat(f); err != nil {
			t.Errorf("%q: %v", f, err)
		}
	}
	if err := CheckFormat("pdf"); !hint.IsUsage(err) || err.Error() != `--format: unknown format "pdf"` {
		t.Fatalf("pdf: %v", err)
	}
}

// LoadDoctor finds the work tree and the config (-c relative to -C),
// keeps a broken config as the check's input, and refuses a -C that is
// not a directory; WriteDoctor says the verdict.
func TestLoadAndWriteDoctor(t *testing.T) {
	dir := gitrepo.New(t)
	gitrepo.Write(t, dir, "lg.toml", "[[keys]]\nname = \"X\"\nsource = \"env:X\"\n")
	gitrepo.Write(t, dir, "bad.toml", "[[keys]\n")
	gitrepo.Write(t, dir, "state.toml", "[state]\ndir = \"/var/lib/lg\"\n")
	getenv := func(k string) string { return map[string]string{"XDG_STATE_HOME": "/xdg"}[k] }
	in, err := LoadDoctor(dir, "lg.toml", getenv)
	if err != nil || in.ConfigPath != filepath.Join(dir, "lg.toml") || in.ConfigErr != nil || in.Config == nil || len(in.Config.Keys) == 0 || in.Root == "" ||
		in.StateDir != filepath.Join("/xdg", "leakguard") {
		t.Fatalf("load: %v %+v", err, in)
	}
	if in, _ = LoadDoctor(dir, "state.toml", getenv); in.StateDir != "/var/lib/lg" {
		t.Fatalf("[state] dir: %q", in.StateDir)
	}
	if in, _ = LoadDoctor(dir, "bad.toml", getenv); in.ConfigErr == nil || in.Config != nil {
		t.Fatalf("a broken config: %+v", in)
	}
	if in, _ = LoadDoctor(dir, "", getenv); in.ConfigPath != "" || in.Config == nil {
		t.Fatalf("no config: %+v", in)
	}
	if _, err := LoadDoctor(filepath.Join(dir, "lg.toml"), "", getenv); !hint.IsUsage(err) || !strings.HasSuffix(err.Error(), "lg.toml: not a directory") {
		t.Fatalf("-C a file: %v", err)
	}
	var out, log bytes.Buffer
	n, err := WriteDoctor(&out, &log, []Check{{ID: "a", Title: "A", Status: Pass}, {ID: "b", Title: "B", Status: Fail, Fix: "fix b"}, {ID: "c", Title: "C", Status: Fail}}, false, false)
	if err != nil || n != 2 || !strings.Contains(out.String(), "fix b") || log.String() != "leakguard: 2 checks failed; fix them as shown and run leakguard doctor again\n" {
		t.Fatalf("%d %v\n%s%s", n, err, out.String(), log.String())
	}
	log.Reset()
	if n, err := WriteDoctor(&out, &log, []Check{{ID: "a", Status: Pass}}, true, false); err != nil || n != 0 || log.String() != "leakguard: all checks passed\n" {
		t.Fatalf("%d %v %s", n, err, log.String())
	}
}

// issues is an IssueTracker that holds the issues by marker id.
type issues struct {
	remediate.IssueTracker // the rest panics: OpenIssue uses Ensure and Update only
	byID                   map[string]string
	updated                int
}

func (f *issues) Ensure(_ context.Context, id, title, body string, labels []string) (int, string, bool, error) {
	_, had := f.byID[id]
	f.byID[id] = title + "|" + strings.Join(labels, ",") + "|" + body
	return 1, "https://github.com/o/r/issues/1", !had, nil
}

func (f *issues) Update(_ context.Context, n int, body string) error { f.updated++; return nil }

// The day's issue is opened once and updated on a re-run, and log says
// which.
func TestOpenIssue(t *testing.T) {
	rep, _ := sampleReport(t)
	tr := &issues{byID: map[string]string{}}
	var log bytes.Buffer
	if err := OpenIssue(context.Background(), &log, tr, rep, nil); err != nil {
		t.Fatal(err)
	}
	day := rep.Generated.Format("2006-01-02")
	got := tr.byID["audit-"+day]
	if !strings.HasPrefix(got, "leakguard audit "+day+": ") || !strings.Contains(got, "|security,leakguard-audit|") || !strings.Contains(got, remediate.Marker("audit-"+day)) ||
		log.String() != "leakguard: opened audit issue https://github.com/o/r/issues/1\n" {
		t.Fatalf("issue %q\nlog %q", got, log.String())
	}
	log.Reset()
	if err := OpenIssue(context.Background(), &log, tr, rep, []string{"audit"}); err != nil || tr.updated != 1 ||
		log.String() != "leakguard: updated audit issue https://github.com/o/r/issues/1\n" {
		t.Fatalf("re-run: %v, %d updates, log %q", err, tr.updated, log.String())
	}
}

// WriteOut renders to the writer, or to a file it never writes through a
// link; a format it cannot render writes nothing.
func TestWriteOut(t *testing.T) {
	rep, _ := sampleReport(t)
	var b bytes.Buffer
	if err := WriteOut(&b, "", rep, Options{Format: "json"}); err != nil || !strings.HasPrefix(b.String(), "{") {
		t.Fatalf("stdout: %v %q", err, b.String()[:min(20, b.Len())])
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "audit.md")
	b.Reset()
	if err := WriteOut(&b, p, rep, Options{Format: "markdown"}); err != nil || b.Len() != 0 {
		t.Fatalf("file: %v, wrote %d bytes to the writer", err, b.Len())
	}
	if got, err := os.ReadFile(p); err != nil || string(got) != Markdown(rep) {
		t.Fatalf("file %v:\n%s", err, got)
	}
	if err := WriteOut(&b, filepath.Join(dir, "x"), rep, Options{Format: "pdf"}); err == nil || b.Len() != 0 {
		t.Fatalf("unknown format: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); err == nil {
		t.Fatal("a file for a format that failed")
	}
	if err := os.Symlink(p, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := WriteOut(&b, filepath.Join(dir, "link"), rep, Options{Format: "json"}); !hint.IsUsage(err) {
		t.Fatalf("through a link: %v", err)
	}
}
