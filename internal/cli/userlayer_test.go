package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

// The seed's keys serve every project: they live in the user-level file
// ($XDG_CONFIG_HOME/leakguard/leakguard.toml), under the repository's;
// keys fingerprint and rotate write to the file that defines the key, and
// keys list shows the merged inventory (issue 11 item 8).
func TestUserLevelInventory(t *testing.T) {
	xdg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", xdg)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	secrets := filepath.Join(t.TempDir(), "secrets.env")
	old := "tvly-" + rules.RandString(32, "alnum")
	if err := os.WriteFile(secrets, []byte("TAVILY_API_KEY="+old+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	userFile := filepath.Join(xdg, "leakguard", "leakguard.toml")
	if err := os.MkdirAll(filepath.Dir(userFile), 0o700); err != nil {
		t.Fatal(err)
	}
	writeT(t, filepath.Dir(userFile), "leakguard.toml", `[[keys]]
name = "TAVILY_API_KEY"
source = "dotenv:`+secrets+`#TAVILY_API_KEY"
targets = ["local"]

[targets.local]
type = "dotenv"
path = ".env.local"
`)
	repo := gitRepo(t)
	writeT(t, repo, "leakguard.toml", `[[keys]]
name = "REPO_KEY"
source = "env:LG_TEST_REPO_KEY"
`)
	repoVal := rules.RandString(40, "alnum")
	t.Setenv("LG_TEST_REPO_KEY", repoVal)

	code, out, errs := runCLI(t, "", "keys", "fingerprint", "-C", repo, "TAVILY_API_KEY", "REPO_KEY")
	if code != ExitClean {
		t.Fatalf("keys fingerprint: exit %d\n%s%s", code, out, errs)
	}
	userText := readT(t, userFile)
	repoText := readT(t, filepath.Join(repo, "leakguard.toml"))
	if !strings.Contains(userText, secret.Fingerprint(old)) || strings.Contains(repoText, secret.Fingerprint(old)) {
		t.Fatalf("TAVILY_API_KEY's fingerprint belongs in the user file only:\nuser:\n%s\nrepo:\n%s", userText, repoText)
	}
	if !strings.Contains(repoText, secret.Fingerprint(repoVal)) || strings.Contains(userText, secret.Fingerprint(repoVal)) {
		t.Fatalf("REPO_KEY's fingerprint belongs in the repository's file only:\nuser:\n%s\nrepo:\n%s", userText, repoText)
	}

	// rotate records the new fingerprint and the date in the user file;
	// the user's relative target path is the repository's.
	next := "tvly-" + rules.RandString(32, "alnum")
	t.Setenv("LG_TEST_CANDIDATE", next)
	code, out, errs = runCLI(t, "", "rotate", "-C", repo, "TAVILY_API_KEY", "--from-env", "LG_TEST_CANDIDATE", "--yes", "--no-issue")
	if code != ExitClean {
		t.Fatalf("rotate: exit %d\n%s%s", code, out, errs)
	}
	noLeakOf(t, []string{old, next}, out, errs)
	userText = readT(t, userFile)
	today := time.Now().UTC().Format("2006-01-02")
	if !strings.Contains(userText, secret.Fingerprint(next)) || !strings.Contains(userText, "rotated = "+today) {
		t.Fatalf("rotate did not write the user file:\n%s", userText)
	}
	if repoText2 := readT(t, filepath.Join(repo, "leakguard.toml")); repoText2 != repoText {
		t.Fatalf("rotate of a user-level key changed the repository's file:\n%s", repoText2)
	}
	if !strings.Contains(readT(t, filepath.Join(repo, ".env.local")), next) {
		t.Fatal("the target was not synced")
	}

	code, out, errs = runCLI(t, "", "keys", "list", "-C", repo, "-f", "json")
	if code != ExitClean {
		t.Fatalf("keys list: exit %d\n%s%s", code, out, errs)
	}
	var list []remediate.KeyStatus
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := map[string]remediate.KeyStatus{}
	for _, k := range list {
		got[k.Name] = k
	}
	tv := got["TAVILY_API_KEY"]
	if tv.File != userFile || tv.Provider != "tavily" || tv.Fingerprints != 2 || tv.Rotated != today ||
		tv.AgeDays != 0 || tv.Due || tv.RotateAfter != "90d" || len(tv.Targets) != 1 {
		t.Errorf("TAVILY_API_KEY: %+v", tv)
	}
	if len(tv.Targets) == 1 && (tv.Targets[0].Name != "local" || tv.Targets[0].LastVerified == "") {
		t.Errorf("TAVILY_API_KEY's target: %+v, want local with its last verified sync", tv.Targets[0])
	}
	if r := got["REPO_KEY"]; r.File != filepath.Join(repo, "leakguard.toml") || r.Fingerprints != 1 || r.Rotated != "" || r.AgeDays != -1 {
		t.Errorf("REPO_KEY: %+v", r)
	}
	if d := got["OPENCODE_API_KEY"]; d.Name == "" || d.File != "" {
		t.Errorf("a default key: %+v", d)
	}

	code, out, errs = runCLI(t, "", "keys", "list", "-C", repo)
	if code != ExitClean {
		t.Fatalf("keys list: exit %d\n%s", code, errs)
	}
	for _, want := range []string{"NAME", "TAVILY_API_KEY", "tavily", today, "0/90d", "local (" + today, "REPO_KEY", "unknown", "user", "repository"} {
		if !strings.Contains(out, want) {
			t.Errorf("keys list lacks %q:\n%s", want, out)
		}
	}
	noLeakOf(t, []string{old, next, repoVal}, out, errs)
}

// A key past the policy is due in keys list.
func TestKeysListDue(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	repo := gitRepo(t)
	writeT(t, repo, "leakguard.toml", "[policy]\nrotate_after = \"30d\"\n[[keys]]\nname = \"OLD_KEY\"\nrotated = 2020-01-01\n")
	code, out, errs := runCLI(t, "", "keys", "list", "-C", repo, "-f", "json")
	if code != ExitClean {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	var list []remediate.KeyStatus
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	for _, k := range list {
		if k.Name == "OLD_KEY" && (!k.Due || k.AgeDays < 365 || k.RotateAfter != "30d") {
			t.Errorf("OLD_KEY: %+v", k)
		}
	}
	_, out, _ = runCLI(t, "", "keys", "list", "-C", repo)
	if !strings.Contains(out, "due") {
		t.Errorf("text list does not say due:\n%s", out)
	}
}

func noLeakOf(t *testing.T, secrets []string, outs ...string) {
	t.Helper()
	for _, o := range outs {
		for _, s := range secrets {
			if strings.Contains(o, s) || strings.Contains(o, s[len(s)-16:]) {
				t.Fatalf("secret printed:\n%s", o)
			}
		}
	}
}

// A key both files define is written to the repository's file, with the
// repository's own fingerprints and the new one: the user file's
// fingerprints (of values that serve every project) are not copied into a
// file that is committed.
func TestKeyInBothLayersWritesItsOwnFingerprints(t *testing.T) {
	xdg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", xdg)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	userOnly := secret.Fingerprint(rules.RandString(40, "alnum"))
	if err := os.MkdirAll(filepath.Join(xdg, "leakguard"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeT(t, filepath.Join(xdg, "leakguard"), "leakguard.toml", "[[keys]]\nname = \"SHARED_KEY\"\nsource = \"env:LG_TEST_SHARED\"\nfingerprints = [\""+userOnly+"\"]\n")
	repo := gitRepo(t)
	writeT(t, repo, "leakguard.toml", "[[keys]]\nname = \"SHARED_KEY\"\nprovider = \"acme\"\n")
	v := rules.RandString(40, "alnum")
	t.Setenv("LG_TEST_SHARED", v)
	code, out, errs := runCLI(t, "", "keys", "fingerprint", "-C", repo, "SHARED_KEY")
	if code != ExitClean {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	repoText := readT(t, filepath.Join(repo, "leakguard.toml"))
	if !strings.Contains(repoText, secret.Fingerprint(v)) || strings.Contains(repoText, userOnly) {
		t.Fatalf("the repository's file:\n%s", repoText)
	}
}
