package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 13 item 9: a report that holds secrets is written 0600 whatever
// the file was before, and no report is ever written through a symbolic
// link.
func TestReportFilesModeAndLinks(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	dir := gitRepo(t)
	k := testKey()
	writeT(t, dir, "app.py", "api_key = \""+k+"\"\n")
	out := t.TempDir()
	mode := func(p string) os.FileMode {
		t.Helper()
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode()
	}

	// --show-secrets over an existing world-readable file.
	rep := filepath.Join(out, "report.json")
	if err := os.WriteFile(rep, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI(t, "", "scan", "-C", dir, "--show-secrets", "-f", "json", "-o", rep, "."); code != ExitFindings {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if b, _ := os.ReadFile(rep); !strings.Contains(string(b), k) {
		t.Fatal("--show-secrets report lacks the secret")
	}
	if m := mode(rep); m.Perm() != 0o600 {
		t.Errorf("--show-secrets report over a 0644 file is %v, want 0600", m)
	}
	// A redacted report is an ordinary file: 0644, as documented.
	if code, _, errs := runCLI(t, "", "scan", "-C", dir, "-f", "json", "-o", rep, "."); code != ExitFindings {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if m := mode(rep); m.Perm() != 0o644 {
		t.Errorf("redacted report is %v, want 0644", m)
	}
	if b, _ := os.ReadFile(rep); strings.Contains(string(b), k) {
		t.Fatal("redacted report holds the secret")
	}

	// A link at the output path is refused (exit 2); its target is untouched.
	victim := filepath.Join(out, "victim")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(out, "link.json")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	for name, args := range map[string][]string{
		"scan --show-secrets": {"scan", "-C", dir, "--show-secrets", "-o", link, "."},
		"scan":                {"scan", "-C", dir, "-f", "sarif", "-o", link, "."},
		"audit":               {"audit", "-C", dir, "-o", link},
	} {
		code, stdout, errs := runCLI(t, "", args...)
		if code != ExitUsage || !strings.Contains(errs, "symbolic link") {
			t.Errorf("%s -o LINK: exit %d, want %d refusing the link\n%s", name, code, ExitUsage, errs)
		}
		noLeak(t, k, stdout, errs)
		if b, _ := os.ReadFile(victim); string(b) != "precious\n" {
			t.Fatalf("%s wrote through the link (%d bytes)", name, len(b))
		}
		if m := mode(link); m&os.ModeSymlink == 0 {
			t.Fatalf("%s replaced the link", name)
		}
	}
	// No temporary file is left behind.
	ents, _ := os.ReadDir(out)
	for _, e := range ents {
		if strings.Contains(e.Name(), "leakguard") {
			t.Errorf("left %s", e.Name())
		}
	}
}

// A relative -o or --ignore-file given with -C DIR is relative to DIR;
// without -C, to the working directory.
func TestRelativePathsUnderChdir(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	dir := gitRepo(t)
	writeT(t, dir, "ok.txt", "hello\n")
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-qm", "root")
	for _, c := range []struct {
		args []string
		file string
	}{
		{[]string{"scan", "-C", dir, "-f", "json", "-o", "scan.json", "."}, "scan.json"},
		{[]string{"audit", "-C", dir, "-f", "json", "-o", "audit.json"}, "audit.json"},
		{[]string{"ignore", "-C", dir, "--ignore-file", "accepted.txt", "generic-secret-assignment:" + strings.Repeat("ab", 16)}, "accepted.txt"},
	} {
		code, _, errs := runCLI(t, "", c.args...)
		if _, err := os.Stat(filepath.Join(dir, c.file)); err != nil {
			t.Errorf("%v: exit %d, %s not in -C's directory: %v\n%s", c.args, code, c.file, err, errs)
		}
	}
	wd := t.TempDir()
	t.Chdir(wd)
	if code, _, errs := runCLI(t, "", "scan", "-f", "json", "-o", "here.json", dir); code != ExitClean {
		t.Fatalf("scan DIR -o: exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(wd, "here.json")); err != nil {
		t.Errorf("without -C, -o is relative to the working directory: %v", err)
	}
}

// The ignore file a command writes with -C DIR --ignore-file NAME is the
// one a scan with the same flags reads, and baseline -o NAME writes it
// there too: relative to DIR, as -c and -o are.
func TestIgnoreFileUnderChdir(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	pw := weakPassword()
	dir := keyedRepo(t, pw)
	t.Chdir(t.TempDir())
	if code, _, errs := runCLI(t, "", "baseline", "-C", dir, "-o", "accepted.txt"); code != ExitClean {
		t.Fatalf("baseline -o: exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "accepted.txt")); err != nil {
		t.Errorf("baseline -C DIR -o NAME did not write DIR/NAME: %v", err)
		if err := os.Rename("accepted.txt", filepath.Join(dir, "accepted.txt")); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, errs := runCLI(t, "", "scan", "-C", dir, "--ignore-file", "accepted.txt", "."); code != ExitClean {
		t.Errorf("scan -C DIR --ignore-file NAME: exit %d, want 0 (DIR/NAME hides the finding)\n%s", code, errs)
	}
}
