package cli

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/internal/markdown"
	"github.com/leakguard/leakguard/internal/testkit/fakeapi"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner/report"
)

func TestCIEvents(t *testing.T) {
	r := newCIRepo(t)
	pr := map[string]string{"base": "c3", "head": "f1"}
	cases := []struct {
		name string
		env  map[string]string
		want []string
		what string
		note string
	}{
		{"push", r.eventFile("push", "push.json", map[string]string{"before": "c1", "after": "c3"}), []string{"k1"}, "push to main", ""},
		{"new branch", r.eventFile("push", "push-new-branch.json", map[string]string{"after": "f1"}), []string{"k2"}, "new branch feature (the commits not on main)", ""},
		{"force push", r.eventFile("push", "push-force.json", map[string]string{"before": "f1", "after": "g1"}), []string{"k3"}, "force push to feature", ""},
		{"force push, old tip gone", r.eventFile("push", "push-force.json", map[string]string{"before": strings.Repeat("ab", 20), "after": "g1"}), []string{"k3"},
			"new branch feature (the commits not on main)", "is not in the clone"},
		{"pull request", r.eventFile("pull_request", "pull_request.json", pr), []string{"k2"}, "pull request #7", ""},
		{"pull request target", r.eventFile("pull_request_target", "pull_request.json", pr), []string{"k2"}, "pull request #7", ""},
		{"schedule", r.eventFile("schedule", "schedule.json", nil), []string{"k0", "k1", "k2", "k3"}, "schedule: the full history", ""},
		{"workflow_dispatch", r.event("workflow_dispatch", map[string]any{}), []string{"k0", "k1", "k2", "k3"}, "workflow_dispatch: the full history", ""},
		{"new branch, no default branch in the clone", func() map[string]string {
			e := r.event("push", map[string]any{"ref": "refs/heads/feature", "before": zeros(), "after": r.sha["f1"]})
			return e
		}(), []string{"k2"}, "new branch feature (the commits not on main)", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cr := r.run(tc.env)
			if cr.code != ExitFindings {
				t.Fatalf("exit %d\n%s\n%s", cr.code, cr.stdout, cr.stderr)
			}
			if got := r.found(cr); strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("found %v, want %v\n%s", got, tc.want, cr.stdout)
			}
			if !strings.Contains(cr.stderr, tc.what) || !strings.Contains(cr.summary, markdown.Text(tc.what)) {
				t.Fatalf("want %q in the log and summary:\n%s\n%s", tc.what, cr.stderr, cr.summary)
			}
			if tc.note != "" && !regexp.MustCompile(`(?m)^::notice title=leakguard::.*`+tc.note).MatchString(cr.stdout) {
				t.Fatalf("want a notice %q:\n%s", tc.note, cr.stdout)
			}
			if cr.outs["findings"] != fmt.Sprint(len(tc.want)) {
				t.Fatalf("findings output %q, want %d\n%s", cr.outs["findings"], len(tc.want), cr.outputs)
			}
			r.secretsOnlyMasked(cr)
			checkSARIF(t, cr.sarif, len(tc.want))
		})
	}
}

func TestCIDeletedBranchAndClean(t *testing.T) {
	r := newCIRepo(t)
	cr := r.run(r.event("push", pushPayload("refs/heads/feature", r.sha["f1"], zeros(), false)))
	if cr.code != ExitClean || cr.outs["findings"] != "0" || !strings.Contains(cr.stdout, "feature was deleted") {
		t.Fatalf("deleted branch: exit %d\n%s\n%s\n%s", cr.code, cr.stdout, cr.stderr, cr.outputs)
	}
	if !strings.Contains(cr.summary, "no secrets found") {
		t.Fatalf("summary:\n%s", cr.summary)
	}
	// A push of clean commits only.
	cr = r.run(r.event("push", pushPayload("refs/heads/main", r.sha["c2"], r.sha["c3"], false)))
	if cr.code != ExitClean || cr.outs["findings"] != "0" || strings.Contains(cr.stdout, "::error") {
		t.Fatalf("clean push: exit %d\n%s\n%s", cr.code, cr.stdout, cr.stderr)
	}
	checkSARIF(t, cr.sarif, 0)
}

// TestCIOutput checks the order of everything printed, the annotations'
// escaping, the summary, the outputs and the exit codes.
func TestCIOutput(t *testing.T) {
	r := newCIRepo(t)
	gitT(t, r.dir, "checkout", "-q", "main")
	// A multi-line secret (a private key), an awkward file name, and a
	// medium-confidence finding.
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	odd := "dir/we,ird:na%me.txt"
	r.commit("h1", odd, "api = \""+r.key("k4")+"\"\n")
	r.commit("h2", "keys/server.pem", pemKey)
	hex := rules.RandString(32, "0123456789abcdef")
	r.commit("h3", "assembly.env", "ASSEMBLYAI_API_KEY = \""+hex+"\"\n")
	env := r.event("push", pushPayload("refs/heads/main", r.sha["c3"], r.sha["h3"], false))

	code, out, _ := runWithEnv(t, env, true, "ci")
	if code != ExitFindings {
		t.Fatalf("exit %d\n%s", code, out)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	// Masks first, nothing before them.
	nmask := 0
	for nmask < len(lines) && strings.HasPrefix(lines[nmask], "::add-mask::") {
		nmask++
	}
	if nmask == 0 || strings.Contains(strings.Join(lines[nmask:], "\n"), "::add-mask::") {
		t.Fatalf("masks must come first:\n%s", out)
	}
	masks := strings.Join(lines[:nmask], "\n")
	for _, pl := range strings.Split(strings.TrimSpace(pemKey), "\n") {
		if strings.HasPrefix(pl, "-----") {
			if strings.Contains(masks, pl) {
				t.Fatalf("armour line masked: %s", pl)
			}
			continue
		}
		if !strings.Contains(masks, "::add-mask::"+pl+"\n") && !strings.HasSuffix(masks, "::add-mask::"+pl) {
			t.Fatalf("private key line %q not masked:\n%s", pl, masks)
		}
	}
	for _, v := range []string{r.keys["k4"], hex} {
		if !strings.Contains(masks, "::add-mask::"+v) {
			t.Fatalf("%s… not masked", v[:6])
		}
	}
	rest := strings.Join(lines[nmask:], "\n")
	for _, pl := range strings.Split(strings.TrimSpace(pemKey), "\n") {
		if !strings.HasPrefix(pl, "-----") && strings.Contains(rest, pl) {
			t.Fatalf("private key line printed:\n%s", rest)
		}
	}
	if strings.Contains(rest, hex) || strings.Contains(rest, r.keys["k4"]) {
		t.Fatalf("secret printed:\n%s", rest)
	}
	// Annotations: properties escape % : , and the title too.
	wantAnn := "::error file=dir/we%2Cird%3Ana%25me.txt,line=1,col=8,endColumn=116,title=leakguard%3A anthropic-api-key::Anthropic API key: sk-a…(108 chars) [high confidence] (commit "
	if !strings.Contains(out, wantAnn) {
		t.Fatalf("want annotation %q in\n%s", wantAnn, out)
	}
	if !regexp.MustCompile(`(?m)^::error file=keys/server.pem,line=1,endLine=\d+,title=leakguard%3A private-key-pkcs8::`).MatchString(out) {
		t.Fatalf("private key annotation:\n%s", out)
	}
	// The report is fenced off from workflow commands.
	m := regexp.MustCompile(`(?m)^::stop-commands::(\S+)$`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "\n::"+m[1]+"::\n") {
		t.Fatalf("report not inside stop-commands:\n%s", out)
	}

	cr := &ciRun{outs: map[string]string{}}
	cr.summary = readT(t, env["GITHUB_STEP_SUMMARY"])
	cr.outputs = readT(t, env["GITHUB_OUTPUT"])
	for _, want := range []string{"findings=3\n", "sarif=" + filepath.Join(r.dir, "leakguard.sarif") + "\n", "report=" + filepath.Join(env["RUNNER_TEMP"], "leakguard-report.json") + "\n"} {
		if !strings.Contains(cr.outputs, want) {
			t.Fatalf("outputs: want %q in\n%s", want, cr.outputs)
		}
	}
	cr.sarif = readT(t, filepath.Join(r.dir, "leakguard.sarif"))
	cr.report = readT(t, filepath.Join(env["RUNNER_TEMP"], "leakguard-report.json"))
	cr.stdout = masks + "\n" + strings.ReplaceAll(rest, "::add-mask::", "")
	r.keys["k5-hex"] = hex
	r.secretsOnlyMasked(cr)
	for _, pl := range strings.Split(strings.TrimSpace(pemKey), "\n") {
		if strings.HasPrefix(pl, "-----") {
			continue
		}
		for _, o := range []string{cr.summary, cr.outputs, cr.sarif, cr.report} {
			if strings.Contains(o, pl) {
				t.Fatalf("private key line written:\n%s", o)
			}
		}
	}
	// Summary: the table with links, and the playbook.
	for _, want := range []string{
		"## leakguard: 3 leaked secrets",
		"| # | Secret | Where | Commit | Confidence |",
		"[dir/we,ird:na%me.txt:1](https://github.com/acme/widgets/blob/" + r.sha["h1"] + "/dir/we%2Cird:na%25me.txt#L1)",
		"[`" + r.sha["h2"][:12] + "`](https://github.com/acme/widgets/commit/" + r.sha["h2"] + ")",
		"### What to do now",
		"**Regenerate it**",
		"<https://console.anthropic.com/settings/keys>",
	} {
		if !strings.Contains(cr.summary, want) {
			t.Fatalf("summary: want %q in\n%s", want, cr.summary)
		}
	}
	checkSARIF(t, cr.sarif, 3)

	// Exit codes by --fail-on.
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"--fail-on", "none"}, ExitClean},
		{[]string{"--fail-on", "any"}, ExitFindings},
		{[]string{"--fail-on", "high"}, ExitFindings},
		{[]string{"--fail-on", "sometimes"}, ExitUsage},
	} {
		if cr := r.run(env, tc.args...); cr.code != tc.code {
			t.Fatalf("%v: exit %d, want %d\n%s", tc.args, cr.code, tc.code, cr.stderr)
		}
	}
	// Only the medium-confidence finding: --fail-on high passes.
	medium := r.event("push", pushPayload("refs/heads/main", r.sha["h2"], r.sha["h3"], false))
	if cr := r.run(medium, "--fail-on", "high"); cr.code != ExitClean || cr.outs["findings"] != "1" {
		t.Fatalf("--fail-on high with a medium finding: exit %d\n%s\n%s", cr.code, cr.stdout, cr.stderr)
	}
	if cr := r.run(medium); cr.code != ExitFindings {
		t.Fatalf("--fail-on any with a medium finding: exit %d", cr.code)
	}
}

func TestCIAnnotationLimitAndEscaping(t *testing.T) {
	r := newCIRepo(t)
	gitT(t, r.dir, "checkout", "-q", "main")
	var b strings.Builder
	for i := 0; i < 12; i++ {
		fmt.Fprintf(&b, "k%d = \"%s\"\n", i, r.key(fmt.Sprintf("many%02d", i)))
	}
	r.commit("m1", "many.txt", b.String())
	nl := "new\nline.txt"
	r.commit("m2", nl, "x = \""+r.key("nl")+"\"\n")
	cr := r.run(r.event("push", pushPayload("refs/heads/main", r.sha["c3"], r.sha["m2"], false)))
	if cr.code != ExitFindings {
		t.Fatalf("exit %d\n%s", cr.code, cr.stderr)
	}
	errs := regexp.MustCompile(`(?m)^::error `).FindAllString(cr.stdout, -1)
	if len(errs) != report.MaxErrorAnnotations {
		t.Fatalf("%d error annotations, want %d\n%s", len(errs), report.MaxErrorAnnotations, cr.stdout)
	}
	if !strings.Contains(cr.stdout, "::warning title=leakguard%3A more findings::3 findings more not annotated") {
		t.Fatalf("no summary annotation:\n%s", cr.stdout)
	}
	if cr.outs["findings"] != "13" {
		t.Fatalf("findings=%s", cr.outs["findings"])
	}
	// The file name with a newline is in the summary on one line and in
	// the SARIF, never a workflow command of its own.
	if strings.Contains(cr.stdout, "\nline.txt,") {
		t.Fatalf("newline not escaped")
	}
	if !strings.Contains(cr.summary, "new line.txt:1") {
		t.Fatalf("summary:\n%s", cr.summary)
	}
	r.secretsOnlyMasked(cr)
	checkSARIF(t, cr.sarif, 13)
	// The escaping rules themselves.
	if got := report.GitHubEscapeData("a%b\r\nc:d,e"); got != "a%25b%0D%0Ac:d,e" {
		t.Fatalf("data: %q", got)
	}
	if got := report.GitHubEscapeProperty("a%b\r\nc:d,e"); got != "a%25b%0D%0Ac%3Ad%2Ce" {
		t.Fatalf("property: %q", got)
	}
	var ann bytes.Buffer
	report.WriteGitHubAnnotations(&ann, nil)
	if ann.Len() != 0 {
		t.Fatalf("annotations without findings: %q", ann.String())
	}
}

// TestCISARIFStable runs twice and compares the fingerprints.
func TestCISARIFStable(t *testing.T) {
	r := newCIRepo(t)
	fps := func() []string {
		env := r.event("schedule", map[string]any{})
		cr := r.run(env, "--sarif", filepath.Join(r.tmp, "out.sarif"))
		if cr.code != ExitFindings || cr.outs["sarif"] != filepath.Join(r.tmp, "out.sarif") {
			t.Fatalf("exit %d, sarif=%q", cr.code, cr.outs["sarif"])
		}
		log := checkSARIF(t, cr.sarif, 4)
		var out []string
		for _, res := range log.Runs[0].Results {
			for k, v := range res.PartialFingerprints {
				out = append(out, k+"="+v)
			}
		}
		sort.Strings(out)
		return out
	}
	a, b := fps(), fps()
	if strings.Join(a, "\n") != strings.Join(b, "\n") || len(a) != 4 {
		t.Fatalf("fingerprints differ between runs:\n%v\n%v", a, b)
	}
}

type sarifDoc struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID string `json:"id"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID  string `json:"ruleId"`
			Message struct {
				Text string `json:"text"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
					Region struct {
						StartLine int `json:"startLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
		} `json:"results"`
	} `json:"runs"`
}

// checkSARIF checks the fields GitHub code scanning requires.
func checkSARIF(t *testing.T, s string, n int) *sarifDoc {
	t.Helper()
	var d sarifDoc
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		t.Fatalf("SARIF: %v\n%s", err, s)
	}
	if d.Version != "2.1.0" || d.Schema == "" || len(d.Runs) != 1 || d.Runs[0].Tool.Driver.Name != "leakguard" {
		t.Fatalf("SARIF header:\n%s", s)
	}
	ids := map[string]bool{}
	for _, r := range d.Runs[0].Tool.Driver.Rules {
		ids[r.ID] = true
	}
	if len(d.Runs[0].Results) != n {
		t.Fatalf("SARIF: %d results, want %d", len(d.Runs[0].Results), n)
	}
	for _, r := range d.Runs[0].Results {
		if !ids[r.RuleID] || r.Message.Text == "" || len(r.Locations) != 1 || len(r.PartialFingerprints) == 0 {
			t.Fatalf("SARIF result incomplete: %+v", r)
		}
		l := r.Locations[0].PhysicalLocation
		if l.ArtifactLocation.URI == "" || l.Region.StartLine < 1 {
			t.Fatalf("SARIF location incomplete: %+v", l)
		}
	}
	return &d
}

func TestCIShallowClone(t *testing.T) {
	r := newCIRepo(t)
	gitT(t, r.dir, "checkout", "-q", "main")
	clone := filepath.Join(t.TempDir(), "shallow")
	gitT(t, r.tmp, "clone", "-q", "--depth", "1", "--no-local", "file://"+r.dir, clone)
	env := r.event("push", pushPayload("refs/heads/main", r.sha["c1"], r.sha["c3"], false))
	env["GITHUB_WORKSPACE"] = clone
	for name, env := range map[string]map[string]string{
		"push": env,
		"schedule": func() map[string]string {
			e := r.event("schedule", map[string]any{})
			e["GITHUB_WORKSPACE"] = clone
			return e
		}(),
		"pull request": func() map[string]string {
			e := r.event("pull_request", map[string]any{"pull_request": map[string]any{"number": 1,
				"base": map[string]any{"sha": r.sha["c1"]}, "head": map[string]any{"sha": r.sha["c3"]}}})
			e["GITHUB_WORKSPACE"] = clone
			return e
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			cr := r.run(env)
			if cr.code != ExitUsage || !strings.Contains(cr.stderr, "set fetch-depth: 0 on actions/checkout") {
				t.Fatalf("exit %d\n%s\n%s", cr.code, cr.stdout, cr.stderr)
			}
			if !strings.Contains(cr.stdout, "::error title=leakguard::") || !strings.Contains(cr.stdout, "fetch-depth: 0") {
				t.Fatalf("no error annotation:\n%s", cr.stdout)
			}
		})
	}
	// The new commit alone is in a depth-1 clone: a push that brings only
	// it scans fine.
	gitT(t, clone, "commit", "-q", "--allow-empty", "-m", "next")
	next := gitT(t, clone, "rev-parse", "HEAD")
	env = r.event("push", pushPayload("refs/heads/main", r.sha["c3"], next, false))
	env["GITHUB_WORKSPACE"] = clone
	if cr := r.run(env); cr.code != ExitClean {
		t.Fatalf("depth-1 push of one commit: exit %d\n%s", cr.code, cr.stderr)
	}
}

func TestCIOutsideGitHub(t *testing.T) {
	r := newCIRepo(t)
	// feature2 (checked out) is ahead of origin/HEAD by g1.
	code, out, errs := runWithEnv(t, map[string]string{}, false, "ci", "-C", r.dir)
	if code != ExitFindings || strings.Contains(out, "::") || !strings.Contains(out, "feat.txt:1:") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(errs, "origin/HEAD..HEAD") {
		t.Fatalf("stderr:\n%s", errs)
	}
	noLeak(t, r.keys["k3"], out, errs)
	if _, err := os.Stat(filepath.Join(r.dir, "leakguard.sarif")); err == nil {
		t.Fatal("SARIF written without --sarif outside Actions")
	}
	// --range, and files only when asked for.
	sarif := filepath.Join(r.tmp, "x.sarif")
	code, out, _ = runWithEnv(t, map[string]string{}, false, "ci", "-C", r.dir, "--range", r.sha["c1"]+".."+r.sha["c3"], "--sarif", sarif, "--fail-on", "none")
	if code != ExitClean || !strings.Contains(out, "app/config.txt:1:") {
		t.Fatalf("--range: exit %d\n%s", code, out)
	}
	checkSARIF(t, readT(t, sarif), 1)
	// No origin/HEAD: a clear usage error.
	gitT(t, r.dir, "symbolic-ref", "--delete", "refs/remotes/origin/HEAD")
	code, _, errs = runWithEnv(t, map[string]string{}, false, "ci", "-C", r.dir)
	if code != ExitUsage || !strings.Contains(errs, "--range") {
		t.Fatalf("no origin/HEAD: exit %d\n%s", code, errs)
	}
	code, _, errs = runWithEnv(t, map[string]string{}, false, "ci", "-C", r.dir, "--range", "nope..HEAD")
	if code != ExitUsage || !strings.Contains(errs, "nope") {
		t.Fatalf("bad range: exit %d\n%s", code, errs)
	}
}

func TestCIRemediate(t *testing.T) {
	r := newCIRepo(t)
	// A workflow's GITHUB_TOKEN is an installation token: GitHub refuses
	// it /user, its issues are github-actions[bot]'s, and it may not
	// label them. $GITHUB_API_URL has no /api/v3: the client adds it.
	fake := fakeapi.NewGitHub(t)
	fake.Token, fake.Owner, fake.Repo = "fake-"+rules.RandString(20, "urlsafe"), "acme", "widgets"
	fake.InstallationToken, fake.Login, fake.DropLabels, fake.LagSearch = true, "github-actions[bot]", true, true
	env := r.event("push", pushPayload("refs/heads/main", r.sha["c1"], r.sha["c3"], false))
	env["GITHUB_API_URL"] = fake.URL
	env["GITHUB_TOKEN"] = fake.Token

	cr := r.run(env, "--remediate")
	if cr.code != ExitFindings {
		t.Fatalf("exit %d\n%s\n%s", cr.code, cr.stdout, cr.stderr)
	}
	if fake.Count() != 1 {
		t.Fatalf("%d issues opened, want 1\n%s", fake.Count(), cr.stdout)
	}
	url := "https://github.test/acme/widgets/issues/1"
	if !strings.Contains(cr.stdout, "incident LG-") || !strings.Contains(cr.stdout, url) {
		t.Fatalf("playbook not printed:\n%s", cr.stdout)
	}
	if !strings.Contains(cr.summary, "### Incidents") || !strings.Contains(cr.summary, "audit issue <"+url+">") {
		t.Fatalf("summary:\n%s", cr.summary)
	}
	r.secretsOnlyMasked(cr)
	for _, k := range r.keys {
		for _, req := range fake.Requests() {
			ciNoLeak(t, k, req.String())
		}
	}
	ciNoLeak(t, env["GITHUB_TOKEN"], cr.stdout, cr.stderr, cr.summary)

	// A second run extends the same incident: no second issue.
	if cr := r.run(env, "--remediate"); cr.code != ExitFindings || fake.Count() != 1 {
		t.Fatalf("second run: exit %d, %d issues\n%s", cr.code, fake.Count(), cr.stderr)
	}
	// No token: remediation cannot open the issue, exit 2 with a hint.
	delete(env, "GITHUB_TOKEN")
	if cr := r.run(env, "--remediate"); cr.code != ExitUsage || !strings.Contains(cr.stderr, "GITHUB_TOKEN") {
		t.Fatalf("no token: exit %d\n%s", cr.code, cr.stderr)
	}
	// --no-issue records the incident only.
	if cr := r.run(env, "--remediate", "--no-issue"); cr.code != ExitFindings || !strings.Contains(cr.stdout, "incident LG-") {
		t.Fatalf("--no-issue: exit %d\n%s\n%s", cr.code, cr.stdout, cr.stderr)
	}
}

func TestCIPushEdgeCases(t *testing.T) {
	r := newCIRepo(t)
	// An annotated tag: "after" is the tag object.
	gitT(t, r.dir, "tag", "-a", "-m", "release", "v1", r.sha["f1"])
	tagObj := gitT(t, r.dir, "rev-parse", "v1")
	cr := r.run(r.event("push", map[string]any{"ref": "refs/tags/v1", "before": zeros(), "after": tagObj,
		"repository": map[string]any{"default_branch": "main"}}))
	if cr.code != ExitFindings || strings.Join(r.found(cr), ",") != "k2" || !strings.Contains(cr.stderr, "new tag v1") {
		t.Fatalf("tag push: exit %d, found %v\n%s", cr.code, r.found(cr), cr.stderr)
	}
	// The first push of the default branch: all of its history.
	cr = r.run(r.event("push", pushPayload("refs/heads/main", zeros(), r.sha["c3"], false)))
	if cr.code != ExitFindings || strings.Join(r.found(cr), ",") != "k0,k1" || !strings.Contains(cr.stderr, "new default branch main") {
		t.Fatalf("new default branch: exit %d, found %v\n%s", cr.code, r.found(cr), cr.stderr)
	}
	// No default branch known at all: the commits on no other branch.
	gitT(t, r.dir, "symbolic-ref", "--delete", "refs/remotes/origin/HEAD")
	cr = r.run(r.event("push", map[string]any{"ref": "refs/heads/feature", "before": zeros(), "after": r.sha["f1"]}))
	if cr.code != ExitFindings || strings.Join(r.found(cr), ",") != "k2" || !strings.Contains(cr.stderr, "the commits on no other branch") {
		t.Fatalf("no default branch: exit %d, found %v\n%s", cr.code, r.found(cr), cr.stderr)
	}
	// The pushed commit is not in the clone.
	cr = r.run(r.event("push", pushPayload("refs/heads/main", r.sha["c1"], strings.Repeat("cd", 20), false)))
	if cr.code != ExitUsage || !strings.Contains(cr.stderr, "the clone lacks the pushed commit") {
		t.Fatalf("missing after: exit %d\n%s", cr.code, cr.stderr)
	}
	// pull_request_target without the head: say how to check it out.
	cr = r.run(r.event("pull_request_target", map[string]any{"pull_request": map[string]any{"number": 3,
		"base": map[string]any{"sha": r.sha["c3"]}, "head": map[string]any{"sha": strings.Repeat("ef", 20)}}}))
	if cr.code != ExitUsage || !strings.Contains(cr.stderr, "github.event.pull_request.head.sha") {
		t.Fatalf("pull_request_target: exit %d\n%s", cr.code, cr.stderr)
	}
	// No payload for a push: a usage error.
	env := r.event("push", map[string]any{})
	delete(env, "GITHUB_EVENT_PATH")
	if cr := r.run(env); cr.code != ExitUsage {
		t.Fatalf("no payload: exit %d\n%s", cr.code, cr.stderr)
	}
	// A key in a commit message: an annotation without a file.
	gitT(t, r.dir, "checkout", "-q", "main")
	gitT(t, r.dir, "commit", "-q", "--allow-empty", "-m", "deploy with key "+r.key("msg"))
	r.sha["msg"] = gitT(t, r.dir, "rev-parse", "HEAD")
	cr = r.run(r.event("push", pushPayload("refs/heads/main", r.sha["c3"], r.sha["msg"], false)))
	if cr.code != ExitFindings || strings.Join(r.found(cr), ",") != "msg" ||
		!strings.Contains(cr.stdout, "\n::error title=leakguard%3A anthropic-api-key::Anthropic API key: sk-a…(108 chars) [high confidence] in a commit message (commit ") ||
		!strings.Contains(cr.summary, "| (commit message) |") {
		t.Fatalf("commit message: exit %d, found %v\n%s\n%s", cr.code, r.found(cr), cr.stdout, cr.summary)
	}
	r.secretsOnlyMasked(cr)
	checkSARIF(t, cr.sarif, 1)
	// An event without commits: the full history, with a notice.
	cr = r.run(r.event("release", map[string]any{"action": "published"}))
	if cr.code != ExitFindings || !strings.Contains(cr.stdout, "::notice title=leakguard::event release brings no commit range") {
		t.Fatalf("release: exit %d\n%s", cr.code, cr.stdout)
	}
}

// TestCIStrictMissingObjects: under --strict a blob that cannot be read
// makes the run incomplete (exit 3), unless a leak was found: a leak
// comes first (exit 1), as for scan.
func TestCIStrictMissingObjects(t *testing.T) {
	r := newCIRepo(t)
	gitT(t, r.dir, "checkout", "-q", "-b", "strict", r.sha["c3"])
	r.commit("m1", "gone.txt", "a blob that goes missing\n")
	blob := gitT(t, r.dir, "rev-parse", "HEAD:gone.txt")
	r.commit("m2", "leak.txt", "token = \""+r.key("m2")+"\"\n")
	if err := os.Remove(filepath.Join(r.dir, ".git", "objects", blob[:2], blob[2:])); err != nil {
		t.Fatal(err) // a loose object: the test repository is never packed
	}

	push := func(before, after string) map[string]string {
		return r.event("push", pushPayload("refs/heads/strict", r.sha[before], r.sha[after], false))
	}
	if cr := r.run(push("c3", "m1")); cr.code != ExitClean {
		t.Fatalf("without --strict: exit %d\n%s", cr.code, cr.stderr)
	}
	cr := r.run(push("c3", "m1"), "--strict")
	if cr.code != ExitIncomplete || !strings.Contains(cr.stderr, "scan incomplete: 1 object missing") {
		t.Fatalf("--strict, a missing blob: exit %d\n%s", cr.code, cr.stderr)
	}
	cr = r.run(push("c3", "m2"), "--strict")
	if cr.code != ExitFindings || !strings.Contains(cr.stdout, "leak.txt:1:") {
		t.Fatalf("--strict, a missing blob and a leak: exit %d, want %d\n%s\n%s", cr.code, ExitFindings, cr.stdout, cr.stderr)
	}
}
