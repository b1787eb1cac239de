package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/audit"
)

func TestAuditCLI(t *testing.T) {
	t.Setenv("CI", "") // the hooks check runs outside CI
	t.Setenv("GITHUB_ACTIONS", "")
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Setenv("NO_COLOR", "1")
	dir := gitRepo(t)
	live, gone, untracked := testKey(), testKey(), testKey()
	writeT(t, dir, ".env", "ANTHROPIC_API_KEY="+live+"\n")
	writeT(t, dir, "app.py", "api_key = \""+gone+"\"\n")
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-q", "-m", "add keys")
	writeT(t, dir, "app.py", "api_key = os.environ[\"ANTHROPIC_API_KEY\"]\n")
	gitT(t, dir, "commit", "-q", "-am", "no key in code")
	writeT(t, dir, "notes.txt", "try "+untracked+"\n") // untracked, not ignored

	code, out, errs := runCLI(t, "", "audit", "-C", dir)
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errs)
	}
	noLeak(t, live, out, errs)
	noLeak(t, gone, out, errs)
	noLeak(t, untracked, out, errs)
	if i, j := strings.Index(out, "LIVE EXPOSURES (2)"), strings.Index(out, "REMOVED, STILL IN HISTORY (1)"); i < 0 || j < i {
		t.Fatalf("live exposures must come first:\n%s", out)
	}
	if !strings.Contains(out, "working tree notes.txt:1") || !strings.Contains(out, "HEAD:.env") {
		t.Errorf("locations missing:\n%s", out)
	}

	code, out, errs = runCLI(t, "", "audit", "-C", dir, "-f", "json")
	if code != ExitFindings {
		t.Fatalf("json: exit %d\n%s", code, errs)
	}
	var r audit.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Summary.Exposures != 3 || r.Summary.Live != 2 || r.Summary.Commits != 2 {
		t.Errorf("summary %+v", r.Summary)
	}
	for _, e := range r.Exposures {
		switch {
		case e.AtHead:
			if e.Introduced == nil || e.Introduced.Path != ".env" || !e.InWorkTree {
				t.Errorf("at HEAD: %+v", e)
			}
		case e.Live:
			if !e.InWorkTree || e.Introduced != nil {
				t.Errorf("work tree only: %+v", e)
			}
		default:
			if e.Removed == nil || e.Removed.Path != "app.py" || e.Removed.Message != "no key in code" {
				t.Errorf("removed: %+v", e.Removed)
			}
		}
	}
	noLeak(t, live, out)

	html := filepath.Join(t.TempDir(), "r.html")
	if code, _, errs := runCLI(t, "", "audit", "-C", dir, "-f", "html", "-o", html); code != ExitFindings {
		t.Fatalf("html: exit %d\n%s", code, errs)
	}
	b, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), `<g class="mark `); n != 3 {
		t.Errorf("timeline marks %d, want 3", n)
	}
	noLeak(t, live, string(b))
	noLeak(t, gone, string(b))
	noLeak(t, untracked, string(b))

	if code, _, errs := runCLI(t, "", "audit", "-C", dir, "-f", "sarif"); code != ExitUsage || !strings.Contains(errs, "hint: use text, json, markdown or html") {
		t.Errorf("bad format: exit %d\n%s", code, errs)
	}
	if code, _, errs := runCLI(t, "", "audit", "-C", t.TempDir()); code != ExitUsage || !strings.Contains(errs, "hint: run inside a repository") {
		t.Errorf("not a repository: exit %d\n%s", code, errs)
	}
	if code, _, errs := runCLI(t, "", "audit", "-C", dir, "--open-issue"); code != ExitUsage || !strings.Contains(errs, "no GitHub repository") {
		t.Errorf("--open-issue without a repository: exit %d\n%s", code, errs)
	}
}

// TestAuditCLIClean: a repository with its hygiene in order audits clean.
func TestAuditCLIClean(t *testing.T) {
	t.Setenv("CI", "") // the hooks check runs outside CI
	t.Setenv("GITHUB_ACTIONS", "")
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Setenv("GITHUB_REPOSITORY", "")
	dir := gitRepo(t)
	writeT(t, dir, ".gitignore", ".env\n.env.*\n!.env.example\n*.pem\nid_rsa*\nid_dsa*\nid_ecdsa*\nid_ed25519*\n.claude/settings.local.json\n.claude.json\ncredentials.json\n*credentials\n")
	writeT(t, dir, ".env.example", "ANTHROPIC_API_KEY=\n")
	writeT(t, dir, "main.go", "package main\n")
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-q", "-m", "init")
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("ANTHROPIC_API_KEY="+testKey()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"hooks", "install", "-C", dir}, {"hooks", "install", "--pre-push", "-C", dir}} {
		if code, _, errs := runCLI(t, "", args...); code != 0 {
			t.Fatalf("%v: %d %s", args, code, errs)
		}
	}
	code, out, errs := runCLI(t, "", "audit", "-C", dir)
	if code != ExitClean {
		t.Fatalf("exit %d, want 0\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "none: no secret found") || !strings.Contains(errs, "0 exposures (0 live), 0 checks failed") {
		t.Errorf("clean report:\n%s\n%s", out, errs)
	}

	code, out, errs = runCLI(t, "", "doctor", "-C", dir)
	if code != ExitClean {
		t.Fatalf("doctor: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "✓ Configuration is valid") || !strings.Contains(out, "✓ leakguard's git hooks are installed") {
		t.Errorf("doctor:\n%s", out)
	}
	// A broken config is a failed check (exit 1), with the place named.
	writeT(t, dir, "leakguard.toml", "[scan]\nmax_size = \"big\"\n")
	code, out, _ = runCLI(t, "", "doctor", "-C", dir, "-f", "json")
	if code != ExitFindings {
		t.Fatalf("doctor with a broken config: exit %d\n%s", code, out)
	}
	var d struct {
		Checks []audit.Check `json:"checks"`
		Failed bool          `json:"failed"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil || !d.Failed || d.Checks[0].ID != "config" || d.Checks[0].Status != audit.Fail {
		t.Fatalf("doctor json: %v\n%s", err, out)
	}
}
