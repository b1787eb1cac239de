package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/secret"
)

// Issue 13 item 10: hashes of secrets in files that are committed or
// published (ignore entries, SARIF fingerprints) are keyed per
// repository, so no dictionary computed once serves every repository.

// weakPassword is the password the dictionary recovered from its
// unkeyed hash (built from parts: the repository scans itself clean).
func weakPassword() string { return strings.Join([]string{"Winter", "2025", "!db"}, "") }

// keyedRepo is a repository with its own root commit holding a weak
// password the generic rules report.
func keyedRepo(t *testing.T, pw string) string {
	t.Helper()
	dir := gitRepo(t)
	writeT(t, dir, "README", "root of "+filepath.Base(dir)+"\n")
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-qm", "root")
	writeT(t, dir, "db.env", "DB_PASSWORD="+pw+"\n")
	return dir
}

func TestIgnoreEntriesAreKeyedPerRepository(t *testing.T) {
	pw := weakPassword()
	a, b := keyedRepo(t, pw), keyedRepo(t, pw)
	for _, d := range []string{a, b} {
		if code, _, errs := runCLI(t, "", "baseline", "-C", d); code != ExitClean {
			t.Fatalf("baseline: exit %d\n%s", code, errs)
		}
	}
	ea, eb := ignoreEntries(t, a), ignoreEntries(t, b)
	if len(ea) != 1 || len(eb) != 1 {
		t.Fatalf("entries %v, %v", ea, eb)
	}
	if ea[0] == eb[0] {
		t.Errorf("two repositories wrote the same entry %q for the same secret: a dictionary computed once would serve both", ea[0])
	}
	for _, e := range append(ea, eb...) {
		if strings.Contains(e, secret.Hash(pw)) {
			t.Errorf("entry %q holds the unkeyed hash", e)
		}
	}
	// Each entry hides the secret in its own repository only.
	if code, _, errs := runCLI(t, "", "scan", "-C", a, "."); code != ExitClean {
		t.Fatalf("own entry: exit %d\n%s", code, errs)
	}
	ign := filepath.Join(b, ".leakguardignore")
	body, _ := os.ReadFile(filepath.Join(a, ".leakguardignore"))
	if err := os.WriteFile(ign, body, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI(t, "", "scan", "-C", b, "."); code != ExitFindings {
		t.Fatalf("another repository's entry: exit %d, want 1\n%s", code, errs)
	}
	// Old entries (unkeyed) are still read, with a warning saying how to
	// rewrite them.
	legacy := "generic-secret-assignment:" + secret.Hash(pw) + "\ndotenv-password:" + secret.Hash(pw) + "\n"
	if err := os.WriteFile(ign, []byte(legacy), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "", "scan", "-C", b, ".")
	if code != ExitClean || !strings.Contains(errs, "leakguard baseline") {
		t.Fatalf("old entries: exit %d, want 0 with a migration warning\n%s", code, errs)
	}
}

func ignoreEntries(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, ".leakguardignore"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, strings.Fields(l)[0])
		}
	}
	return out
}

func TestSARIFFingerprintsAreKeyed(t *testing.T) {
	pw := weakPassword()
	var fps []string
	for range 2 {
		dir := keyedRepo(t, pw)
		code, out, errs := runCLI(t, "", "scan", "-C", dir, "-f", "sarif", ".")
		if code != ExitFindings {
			t.Fatalf("exit %d\n%s", code, errs)
		}
		var log struct {
			Runs []struct {
				Results []struct {
					PartialFingerprints map[string]string `json:"partialFingerprints"`
				} `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal([]byte(out), &log); err != nil {
			t.Fatal(err)
		}
		if len(log.Runs) != 1 || len(log.Runs[0].Results) != 1 {
			t.Fatalf("sarif: %s", out)
		}
		for _, v := range log.Runs[0].Results[0].PartialFingerprints {
			if strings.Contains(v, secret.Hash(pw)) {
				t.Errorf("partialFingerprints %q hold the unkeyed hash", v)
			}
			fps = append(fps, v)
		}
		// The same run twice gives the same fingerprint (alerts are tracked).
		_, again, _ := runCLI(t, "", "scan", "-C", dir, "-f", "sarif", ".")
		if again != out {
			t.Errorf("SARIF differs between two runs")
		}
	}
	if len(fps) != 2 || fps[0] == fps[1] {
		t.Errorf("fingerprints %v: two repositories must not share them", fps)
	}
}

func TestKeysFingerprintRefusesWeakValues(t *testing.T) {
	dir := t.TempDir()
	writeT(t, dir, "leakguard.toml", "[[keys]]\nname = \"DB_PASSWORD\"\n")
	t.Setenv("DB_PASSWORD", weakPassword())
	code, _, errs := runCLI(t, "", "keys", "fingerprint", "-C", dir, "DB_PASSWORD")
	if code != ExitUsage || !strings.Contains(errs, "--weak") || !strings.Contains(errs, "16 bytes") {
		t.Fatalf("exit %d, want %d explaining --weak\n%s", code, ExitUsage, errs)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "leakguard.toml")); strings.Contains(string(b), "sha256:") {
		t.Fatal("a weak value's fingerprint was written without --weak")
	}
	code, _, errs = runCLI(t, "", "keys", "fingerprint", "-C", dir, "--weak", "DB_PASSWORD")
	if code != ExitClean || !strings.Contains(errs, "warning") {
		t.Fatalf("--weak: exit %d, want 0 with a warning\n%s", code, errs)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "leakguard.toml")); !strings.Contains(string(b), secret.Fingerprint(weakPassword())) {
		t.Fatal("--weak did not write the fingerprint")
	}
}
