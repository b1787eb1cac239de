package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

// Issue 12 item 6: a passing hook prints nothing; -v opts in to the
// summary; --quiet keeps stderr for errors; --exit-code N replaces the
// findings' exit code, as in gitleaks.
func TestHookSilentOnSuccess(t *testing.T) {
	dir := gitRepo(t)
	writeT(t, dir, "ok.txt", "hello\n")
	gitT(t, dir, "add", ".")
	for _, hook := range [][]string{{"scan", "--staged"}, {"scan", "--pre-push"}} {
		code, out, errb := runCLI(t, "", append(hook, "-C", dir)...)
		if code != ExitClean || out != "" || errb != "" {
			t.Errorf("%v: a passing hook must print nothing: exit %d\nstdout: %q\nstderr: %q", hook, code, out, errb)
		}
	}
	code, out, errb := runCLI(t, "", "scan", "--staged", "-v", "-C", dir)
	if code != ExitClean || out != "" || !strings.Contains(errb, "0 findings in staged changes") {
		t.Errorf("-v: exit %d\nstdout: %q\nstderr: %q", code, out, errb)
	}
	// An explicit scan of files still says what it did.
	if code, _, errb := runCLI(t, "", "scan", "-C", dir, "."); code != ExitClean || !strings.Contains(errb, "0 findings in 1 file ") {
		t.Errorf("scan .: exit %d, stderr %q", code, errb)
	}
}

func TestQuietAndExitCode(t *testing.T) {
	dir := gitRepo(t)
	k := testKey()
	writeT(t, dir, "cfg.txt", "api = \""+k+"\"\n")
	gitT(t, dir, "add", ".")

	code, out, errb := runCLI(t, "", "scan", "--staged", "--quiet", "-C", dir)
	if code != ExitFindings || !strings.Contains(out, "cfg.txt") || errb != "" {
		t.Errorf("--quiet: exit %d, want 1, the report on stdout and nothing on stderr\nstdout: %q\nstderr: %q", code, out, errb)
	}
	noLeak(t, k, out, errb)

	code, _, errb = runCLI(t, "", "scan", "--staged", "--exit-code", "42", "-C", dir)
	if code != 42 {
		t.Errorf("--exit-code 42 with a finding: exit %d\n%s", code, errb)
	}
	code, _, errb = runCLI(t, "", "scan", "--exit-code", "0", "-C", dir, ".")
	if code != ExitClean || !strings.Contains(errb, "cfg.txt") && !strings.Contains(errb, "1 finding") {
		t.Errorf("--exit-code 0: exit %d, want 0 with the finding reported\n%s", code, errb)
	}
	// The codes of usage errors and incomplete scans keep their meaning.
	for _, n := range []string{"2", "3", "-1", "256", "x"} {
		if code, _, errb := runCLI(t, "", "scan", "--exit-code", n, "-C", dir, "."); code != ExitUsage || !strings.Contains(errb, "--exit-code") {
			t.Errorf("--exit-code %s: exit %d, want 2\n%s", n, code, errb)
		}
	}
	// A clean scan exits 0 whatever --exit-code says.
	clean := gitRepo(t)
	writeT(t, clean, "ok.txt", "hello\n")
	if code, _, errb := runCLI(t, "", "scan", "--exit-code", "42", "-C", clean, "."); code != ExitClean {
		t.Errorf("clean scan with --exit-code 42: exit %d\n%s", code, errb)
	}
}

// --quiet's help promises no warnings on stderr: not the ignore file's
// (entries holding an unkeyed hash; keyed entries not applied because the
// repository key cannot be derived), not SARIF's (fingerprints without a
// key), not a hook's (blocked findings not recorded). Without --quiet
// each is said.
func TestQuietDropsWarnings(t *testing.T) {
	pw := weakPassword()
	rules := []string{"generic-secret-assignment", "dotenv-password"}
	var unkeyed, keyed []string
	for _, r := range rules {
		unkeyed = append(unkeyed, r+":"+secret.Hash(pw))
		keyed = append(keyed, r+":"+secret.KeyedHash([]byte(strings.Repeat("k", 32)), pw))
	}
	legacy := keyedRepo(t, pw) // a root commit: the entries apply
	writeT(t, legacy, ".leakguardignore", strings.Join(unkeyed, "\n")+"\n")
	noKey := gitRepo(t) // no root commit: no repository key
	writeT(t, noKey, "db.env", "DB_PASSWORD="+pw+"\n")
	writeT(t, noKey, ".leakguardignore", strings.Join(keyed, "\n")+"\n")
	sarif := gitRepo(t) // no root commit: SARIF fingerprints without a key
	writeT(t, sarif, "db.env", "DB_PASSWORD="+pw+"\n")
	hook := gitRepo(t) // a state directory that is a file: nothing recorded
	k := testKey()
	writeT(t, hook, "cfg.txt", "api = \""+k+"\"\n")
	writeT(t, hook, "state", "not a directory\n")
	writeT(t, hook, "leakguard.toml", "[state]\ndir = \""+filepath.ToSlash(filepath.Join(hook, "state"))+"\"\n")
	gitT(t, hook, "add", "cfg.txt", "leakguard.toml")
	for _, c := range []struct {
		name, warning string
		code          int
		args          []string
	}{
		{"unkeyed entries", "hold an unkeyed hash", ExitClean, []string{"scan", "-C", legacy, "."}},
		{"no repository key", "keyed entries are not applied", ExitFindings, []string{"scan", "-C", noKey, "."}},
		{"SARIF without a key", "SARIF fingerprints hold no secret hash", ExitFindings, []string{"scan", "-f", "sarif", "-C", sarif, "."}},
		{"blocked findings not recorded", "the blocked findings are not recorded", ExitFindings, []string{"scan", "--staged", "-C", hook}},
	} {
		code, out, errs := runCLI(t, "", c.args...)
		if code != c.code || !strings.Contains(errs, "leakguard: warning: ") || !strings.Contains(errs, c.warning) {
			t.Errorf("%s: exit %d, want %d with the warning %q\n%s", c.name, code, c.code, c.warning, errs)
		}
		code, qout, qerrs := runCLI(t, "", append(c.args, "--quiet")...)
		if code != c.code || qerrs != "" {
			t.Errorf("%s, --quiet: exit %d, want %d and nothing on stderr\n%s", c.name, code, c.code, qerrs)
		}
		if strings.Contains(out+errs+qout+qerrs, pw) {
			t.Errorf("%s: the password printed", c.name)
		}
		noLeak(t, k, out, errs, qout, qerrs)
	}
}

// An incident id the ledger does not hold is one usage error, with one
// hint (remediate.NoIncidentError's), whichever command was given it.
func TestUnknownIncident(t *testing.T) {
	dir := gitRepo(t)
	writeT(t, dir, "leakguard.toml", "[state]\ndir = \""+filepath.ToSlash(filepath.Join(dir, "st"))+"\"\n")
	want := "leakguard: error: no incident LG-NONE; hint: " + (&remediate.NoIncidentError{ID: "LG-NONE"}).Hint() + "\n"
	for _, args := range [][]string{
		{"incidents", "show", "LG-NONE"},
		{"revoke", "LG-NONE"},
		{"incidents", "done", "LG-NONE", "audit-usage"},
		{"incidents", "close", "LG-NONE"},
	} {
		code, out, errs := runCLI(t, "", append(args, "-C", dir)...)
		if code != ExitUsage || out != "" || errs != want {
			t.Errorf("%v: exit %d, want %d\nstdout: %q\nstderr: %q\nwant:   %q", args, code, ExitUsage, out, errs, want)
		}
	}
}

// Issue 12 item 7: an unknown subcommand under a group exits 2 with a
// suggestion, like an unknown command at the top.
func TestUnknownSubcommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"hooks", "instal"}, "leakguard hooks install"},
		{[]string{"keys", "fingerprnt"}, "leakguard keys fingerprint"},
		{[]string{"incidents", "lst"}, "leakguard incidents list"},
		{[]string{"rules", "lis"}, "leakguard rules list"},
		{[]string{"scna"}, "leakguard scan"},
	} {
		code, out, errb := runCLI(t, "", tc.args...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want 2\nstdout: %s\nstderr: %s", tc.args, code, out, errb)
			continue
		}
		if !strings.Contains(errb, "unknown command") || !strings.Contains(errb, tc.want) {
			t.Errorf("%v: want an unknown-command error suggesting %q, got:\n%s", tc.args, tc.want, errb)
		}
		if strings.Count(strings.TrimSpace(errb), "\n") > 0 {
			t.Errorf("%v: want one line, got:\n%s", tc.args, errb)
		}
	}
	code, _, errb := runCLI(t, "", "keys", "zzzzzz")
	if code != ExitUsage || !strings.Contains(errb, "leakguard keys --help") {
		t.Errorf("no suggestion: exit %d, want 2 and a pointer to help\n%s", code, errb)
	}
	// A group alone prints its help and succeeds.
	if code, out, _ := runCLI(t, "", "hooks"); code != ExitClean || !strings.Contains(out, "install") {
		t.Errorf("hooks: exit %d\n%s", code, out)
	}
}

// --range, --since-commit, --branch and --all-refs choose commits of a
// history scan: anywhere else they are errors, not ignored.
func TestRangeNeedsHistory(t *testing.T) {
	dir := gitRepo(t)
	writeT(t, dir, "ok.txt", "hello\n")
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-q", "-m", "one")
	for _, args := range [][]string{
		{"scan", "--range", "HEAD~1..HEAD"},
		{"scan", "--staged", "--range", "HEAD~1..HEAD"},
		{"scan", "--pre-push", "--since-commit", "HEAD"},
		{"scan", "--branch", "main", "."},
	} {
		code, _, errb := runCLI(t, "", append(args, "-C", dir)...)
		if code != ExitUsage || !strings.Contains(errb, "--history") {
			t.Errorf("%v: exit %d, want 2 naming --history\n%s", args, code, errb)
		}
	}
}

// 'scan a b' tells the roots apart: paths are the roots as given (relative
// to the working directory, or -C DIR) joined with the file's path, as
// gitleaks prints them.
func TestScanRootsPaths(t *testing.T) {
	dir := t.TempDir()
	k1, k2 := testKey(), testKey()
	for _, d := range []string{"a", "b", "a/sub"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeT(t, dir, "a/sub/.env", "ANTHROPIC_API_KEY="+k1+"\n")
	writeT(t, dir, "b/.env", "ANTHROPIC_API_KEY="+k2+"\n")
	files := func(out string) []string {
		t.Helper()
		var fs []struct{ File string }
		if err := json.Unmarshal([]byte(out), &fs); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		var names []string
		for _, f := range fs {
			names = append(names, f.File)
		}
		sort.Strings(names)
		return names
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-C", dir, "a", "b"}, "a/sub/.env b/.env"},
		{[]string{"-C", dir, "./a/", "b"}, "a/sub/.env b/.env"},
		{[]string{"-C", dir, "a/sub", "b/.env"}, "a/sub/.env b/.env"},
		{[]string{"-C", filepath.Join(dir, "a")}, "sub/.env"},
		{[]string{"-C", filepath.Join(dir, "a"), "."}, "sub/.env"},
		{[]string{"-C", filepath.Join(dir, "a"), "../b"}, "../b/.env"},
		{[]string{"-C", filepath.Join(dir, "a"), filepath.Join(dir, "b")}, filepath.ToSlash(filepath.Join(dir, "b", ".env"))},
		{[]string{"-C", filepath.Join(dir, "a"), filepath.Join(dir, "a", "sub")}, "sub/.env"},
	} {
		code, out, errb := runCLI(t, "", append([]string{"scan", "-f", "json"}, tc.args...)...)
		if code != ExitFindings {
			t.Fatalf("%v: exit %d\n%s", tc.args, code, errb)
		}
		if got := strings.Join(files(out), " "); got != tc.want {
			t.Errorf("%v: files %q, want %q", tc.args, got, tc.want)
		}
		noLeak(t, k1, out, errb)
		noLeak(t, k2, out, errb)
	}
	code, out, _ := runCLI(t, "", "scan", "-C", dir, "a", "b")
	if code != ExitFindings || !strings.Contains(out, "a/sub/.env:1:") || !strings.Contains(out, "b/.env:1:") {
		t.Errorf("text report: exit %d\n%s", code, out)
	}
}

// Counts read as English: 1 file, 2 entries.
func TestGrammar(t *testing.T) {
	dir := gitRepo(t)
	writeT(t, dir, "a.txt", "x = \""+testKey()+"\"\n")
	writeT(t, dir, "b.txt", "y = \""+testKey()+"\"\n")
	_, _, errb := runCLI(t, "", "baseline", "--include-high", "-C", dir)
	if !strings.Contains(errb, "wrote 2 entries") {
		t.Errorf("baseline: %q", errb)
	}
	one := gitRepo(t)
	writeT(t, one, "ok.txt", "hello\n")
	_, _, errb = runCLI(t, "", "scan", "-C", one, ".")
	if !strings.Contains(errb, "0 findings in 1 file (") {
		t.Errorf("scan: %q", errb)
	}
}

// complete runs cobra's hidden completion command and returns the values
// offered (descriptions cut).
func complete(t *testing.T, args ...string) []string {
	t.Helper()
	code, out, errb := runCLI(t, "", append([]string{"__complete"}, args...)...)
	if code != ExitClean {
		t.Fatalf("__complete %v: exit %d\n%s", args, code, errb)
	}
	var vals []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(l, ":") || l == "" {
			continue
		}
		v, _, _ := strings.Cut(l, "\t")
		vals = append(vals, v)
	}
	return vals
}

// Shell completion offers key names, incident ids and --format values.
func TestCompletion(t *testing.T) {
	dir := gitRepo(t)
	state := filepath.Join(dir, "state")
	writeT(t, dir, "leakguard.toml", "[state]\ndir = \""+filepath.ToSlash(state)+"\"\n\n[[keys]]\nname = \"ACME_TOKEN\"\nprovider = \"acme\"\n")
	has := func(got []string, want ...string) {
		t.Helper()
		for _, w := range want {
			found := false
			for _, g := range got {
				found = found || g == w
			}
			if !found {
				t.Errorf("want %q among %q", w, got)
			}
		}
	}
	has(complete(t, "rotate", "-C", dir, ""), "ACME_TOKEN", "ANTHROPIC_API_KEY")
	has(complete(t, "sync", "-C", dir, "ACME_TOKEN", ""), "ANTHROPIC_API_KEY")
	has(complete(t, "keys", "fingerprint", "-C", dir, ""), "ACME_TOKEN")
	if got := complete(t, "rotate", "-C", dir, "ACME_TOKEN", ""); len(got) != 0 {
		t.Errorf("rotate takes one NAME: offered %q", got)
	}

	if got := strings.Join(complete(t, "scan", "--format", ""), " "); got != "text json sarif" {
		t.Errorf("scan --format: %q", got)
	}
	if got := strings.Join(complete(t, "audit", "-f", ""), " "); got != "text json markdown html" {
		t.Errorf("audit -f: %q", got)
	}
	has(complete(t, "scan", "--fail-on", ""), "none", "low", "medium", "high")
	// Every --format flag in the tree lists its values.
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if fl := c.LocalFlags().Lookup("format"); fl != nil && len(flagValues(fl)) < 2 {
			t.Errorf("%s --format: usage %q does not list its values", c.CommandPath(), fl.Usage)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRoot(&IO{Getenv: os.Getenv}))

	// Incident ids from the ledger: open first; a step after an id.
	l, err := remediate.OpenLedger(state)
	if err != nil {
		t.Fatal(err)
	}
	err = l.Update(func(st *remediate.State) error {
		st.Incidents = append(st.Incidents,
			&remediate.Incident{ID: "inc-old", Key: "ACME_TOKEN", Status: "closed"},
			&remediate.Incident{ID: "inc-new", Key: "ACME_TOKEN", Status: "open", Steps: []*remediate.Step{
				{ID: "rotate", Title: "rotate", Status: remediate.StepDone}, {ID: "audit-usage", Title: "audit", Status: remediate.StepPending}}})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(complete(t, "incidents", "show", "-C", dir, ""), " "); got != "inc-new inc-old" {
		t.Errorf("incidents show: %q", got)
	}
	if got := strings.Join(complete(t, "incidents", "done", "-C", dir, "inc-new", ""), " "); got != "audit-usage" {
		t.Errorf("incidents done inc-new: %q", got)
	}
	// Completion never creates the state directory.
	empty := gitRepo(t)
	writeT(t, empty, "leakguard.toml", "[state]\ndir = \""+filepath.ToSlash(filepath.Join(empty, "st"))+"\"\n")
	if got := complete(t, "incidents", "close", "-C", empty, ""); len(got) != 0 {
		t.Errorf("no ledger: %q", got)
	}
	if _, err := os.Stat(filepath.Join(empty, "st")); err == nil {
		t.Error("completion created the state directory")
	}
}

// Issue 12 item 10, end to end: a Stripe key assigned to SKYVERN_API_KEY
// carries Skyvern's page as the result's, while the Stripe rule's
// metadata (helpUri, help) is Stripe's, from the rule itself.
func TestSARIFRuleFromDefinition(t *testing.T) {
	dir := t.TempDir()
	k := strings.Join([]string{"sk", "live", rules.RandString(32, "alnum")}, "_")
	writeT(t, dir, ".env", "SKYVERN_API_KEY="+k+"\n")
	code, out, errb := runCLI(t, "", "scan", "-f", "sarif", dir)
	if code != ExitFindings {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID      string
						HelpURI string
						Help    struct{ Text string }
					}
				}
			}
			Results []struct {
				RuleID     string
				Properties map[string]any
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if len(run.Results) != 1 || run.Results[0].RuleID != "stripe-live-secret-key" {
		t.Fatalf("results: %+v", run.Results)
	}
	r := run.Tool.Driver.Rules[0]
	if r.HelpURI != "https://dashboard.stripe.com/apikeys" || !strings.Contains(r.Help.Text, "dashboard.stripe.com") || strings.Contains(r.Help.Text, "skyvern") {
		t.Errorf("the Stripe rule's metadata: %+v", r)
	}
	if u, _ := run.Results[0].Properties["rotateUrl"].(string); !strings.Contains(u, "skyvern") {
		t.Errorf("the result's own page: %v", run.Results[0].Properties)
	}
	if strings.Contains(out, k) || strings.Contains(out, k[10:30]) {
		t.Fatal("the SARIF report holds the secret")
	}
}

// A PATH argument completes file names (cobra's default directive, 0);
// an argument with values of its own, or none to offer, does not (4).
func TestCompletionOffersFilesForPaths(t *testing.T) {
	directive := func(args ...string) string {
		t.Helper()
		_, out, _ := runCLI(t, "", append([]string{"__complete"}, args...)...)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		return lines[len(lines)-1]
	}
	for _, args := range [][]string{{"scan", ""}, {"scan", "a.env", ""}, {"remediate", ""}, {"baseline", "x", ""}} {
		if got := directive(args...); got != ":0" {
			t.Errorf("%q: directive %s, want :0 (files)", args, got)
		}
	}
	for _, args := range [][]string{{"ignore", ""}, {"rotate", "-C", t.TempDir(), ""}, {"incidents", "show", "-C", t.TempDir(), ""}} {
		if got := directive(args...); got != ":4" {
			t.Errorf("%q: directive %s, want :4 (no files)", args, got)
		}
	}
}
