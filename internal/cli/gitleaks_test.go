package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/rules"
)

// Issue 13 item 3: an imported gitleaks config never suppresses more
// than gitleaks does.

// acmeRule is a gitleaks rule of the config's own, with a value built at
// run time.
const acmeRule = `
[[rules]]
id = "acme-token"
description = "ACME token"
regex = '''acme_[a-z0-9]{32}'''
keywords = ["acme_"]
`

func acmeToken() string { return "acme_" + rules.RandString(32, "alnumlower") }

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// scanFiles runs scan . -f json in a repository holding files and returns
// the exit code and the rule ids reported per file.
func scanFiles(t *testing.T, files map[string]string, args ...string) (int, map[string][]string, string) {
	t.Helper()
	dir := gitRepo(t)
	writeTree(t, dir, files)
	code, out, errs := runCLI(t, "", append([]string{"scan", "-C", dir, "-f", "json", "."}, args...)...)
	return code, findingsByFile(t, out), errs
}

func findingsByFile(t *testing.T, out string) map[string][]string {
	t.Helper()
	got := map[string][]string{}
	for _, f := range decodeFindings(t, out) {
		got[f.File] = append(got[f.File], f.RuleID)
	}
	return got
}

func TestGitleaksTargetRulesAllowlistStaysScoped(t *testing.T) {
	k := testKey()
	code, got, errs := scanFiles(t, map[string]string{
		".gitleaks.toml": `
[extend]
useDefault = true

[[allowlists]]
description = "generic findings are reviewed elsewhere"
targetRules = ["generic-api-key"]
paths = ['''.*''']
`,
		"app/config.py": "ANTHROPIC = \"" + k + "\"\nservice_password = \"" + rules.RandString(18, "alnum") + "\"\n",
	})
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d (a targeted allowlist silenced every rule)\n%s", code, ExitFindings, errs)
	}
	ids := strings.Join(got["app/config.py"], ",")
	if !strings.Contains(ids, "anthropic-api-key") {
		t.Errorf("findings %v: the Anthropic key must be reported", got)
	}
	// generic-api-key names leakguard's generic assignment rules: the
	// password is allowlisted as gitleaks would.
	if strings.Contains(ids, "generic-secret-assignment") {
		t.Errorf("findings %v: generic-api-key's allowlist must cover generic-secret-assignment", got)
	}
	noLeak(t, k, errs)
}

func TestGitleaksAndConditionIsAnd(t *testing.T) {
	plain, stop := acmeToken(), "acme_example"+rules.RandString(25, "alnumlower")
	code, got, errs := scanFiles(t, map[string]string{
		".gitleaks.toml": acmeRule + `
[[rules.allowlists]]
condition = "AND"
paths = ['''^docs/''']
stopwords = ["example"]
`,
		"docs/a.md": "token: " + plain + "\n",
		"docs/b.md": "token: " + stop + "\n",
		"src/c.txt": "token: " + stop + "\n",
	})
	if code != ExitFindings {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if len(got["docs/a.md"]) != 1 || len(got["src/c.txt"]) != 1 || len(got["docs/b.md"]) != 0 {
		t.Fatalf("findings %v: want docs/a.md and src/c.txt reported (one criterion each), docs/b.md allowed (both)", got)
	}
}

func TestGitleaksAllowlistsKeepTheirRegexTarget(t *testing.T) {
	code, got, errs := scanFiles(t, map[string]string{
		".gitleaks.toml": acmeRule + `
[[allowlists]]
regexTarget = "line"
regexes = ['''fixture''']

[[allowlists]]
regexes = ['''=''']
`,
		"a.txt": "token = " + acmeToken() + "\n",
		"b.txt": "token = " + acmeToken() + " # fixture\n",
	})
	if code != ExitFindings || len(got["a.txt"]) != 1 || len(got["b.txt"]) != 0 {
		t.Fatalf("exit %d, findings %v: the secret-target regex '=' must not be run on the line\n%s", code, got, errs)
	}
}

func TestGitleaksExtendPathIsRead(t *testing.T) {
	code, got, errs := scanFiles(t, map[string]string{
		".gitleaks.toml":   "[extend]\npath = \"config/base.toml\"\n\n[[rules]]\nid = \"other\"\nregex = '''other_[0-9]{20}'''\n",
		"config/base.toml": acmeRule,
		"a.txt":            "token = " + acmeToken() + "\n",
	})
	if code != ExitFindings || len(got["a.txt"]) != 1 || got["a.txt"][0] != "acme-token" {
		t.Fatalf("exit %d, findings %v: the extended file's rule must run\n%s", code, got, errs)
	}
}

func TestGitleaksCommitsAllowlist(t *testing.T) {
	dir := gitRepo(t)
	writeTree(t, dir, map[string]string{"a.txt": "token = " + acmeToken() + "\n"})
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-qm", "first")
	first := gitT(t, dir, "rev-parse", "HEAD")
	writeTree(t, dir, map[string]string{
		"b.txt":          "token = " + acmeToken() + "\n",
		".gitleaks.toml": acmeRule + "\n[[allowlists]]\ncommits = [\"" + strings.ToUpper(first) + "\"]\n",
	})
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-qm", "second")
	code, out, errs := runCLI(t, "", "scan", "--history", "-C", dir, "-f", "json")
	got := findingsByFile(t, out)
	if code != ExitFindings || len(got["a.txt"]) != 0 || len(got["b.txt"]) != 1 {
		t.Fatalf("exit %d, findings %v: the allowlisted commit's finding is hidden, the other one's reported\n%s", code, got, errs)
	}
	// Outside git there is no commit: nothing is allowed by commit.
	code, out, _ = runCLI(t, "", "scan", "-C", dir, "-f", "json", ".")
	if got := findingsByFile(t, out); code != ExitFindings || len(got["a.txt"]) != 1 {
		t.Fatalf("work tree: exit %d, findings %v", code, got)
	}
}

func TestGitleaksDisabledRulesMapToLeakguardIDs(t *testing.T) {
	id := "AKIA" + rules.RandString(16, "base32")
	code, got, errs := scanFiles(t, map[string]string{
		".gitleaks.toml": "[extend]\nuseDefault = true\ndisabledRules = [\"aws-access-token\"]\n",
		"a.txt":          "key_id: " + id + "\n",
	})
	if code != ExitClean {
		t.Fatalf("exit %d, findings %v: gitleaks's aws-access-token is leakguard's aws-access-key-id\n%s", code, got, errs)
	}
}

func TestGitleaksRefusesWhatItCannotImport(t *testing.T) {
	for name, cfg := range map[string]string{
		"url":                "[extend]\nurl = \"https://example.com/gitleaks.toml\"\n",
		"path and default":   "[extend]\nuseDefault = true\npath = \"other.toml\"\n",
		"unknown condition":  acmeRule + "[[rules.allowlists]]\ncondition = \"XOR\"\npaths = ['''x''']\n",
		"unknown key":        acmeRule + "[[allowlists]]\nonlyIf = \"x\"\npaths = ['''x''']\n",
		"missing path":       "[extend]\npath = \"nowhere.toml\"\n",
		"unknown target":     acmeRule + "[[allowlists]]\ntargetRules = [\"acme-tokn\"]\npaths = ['''x''']\n",
		"empty allowlist":    acmeRule + "[[allowlists]]\ndescription = \"nothing\"\n",
		"deprecated and new": acmeRule + "[allowlist]\npaths = ['''x''']\n\n[[allowlists]]\npaths = ['''y''']\n",
	} {
		t.Run(name, func(t *testing.T) {
			code, _, errs := scanFiles(t, map[string]string{".gitleaks.toml": cfg, "a.txt": "hello\n"})
			if code != ExitUsage || !strings.Contains(errs, ".gitleaks.toml") {
				t.Fatalf("exit %d, want %d naming the file\n%s", code, ExitUsage, errs)
			}
		})
	}
}

type jsonFinding struct {
	RuleID, File, Commit, Fingerprint string
}

func decodeFindings(t *testing.T, out string) []jsonFinding {
	t.Helper()
	var fs []jsonFinding
	if strings.TrimSpace(out) == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(out), &fs); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	return fs
}
