package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The simulated GitHub Actions runs of the ci tests.

// runWithEnv runs leakguard in-process with an environment of its own
// (nothing from the test process's). Out and Err share one buffer when
// combined is set, so the order of everything printed can be checked.
func runWithEnv(t *testing.T, env map[string]string, combined bool, args ...string) (int, string, string) {
	t.Helper()
	return runWithEnvStdin(t, env, "", combined, args...)
}

// runWithEnvStdin is runWithEnv with a standard input.
func runWithEnvStdin(t *testing.T, env map[string]string, stdin string, combined bool, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	s := &IO{In: strings.NewReader(stdin), Out: &out, Err: &errb, Getenv: func(k string) string { return env[k] }}
	if combined {
		s.Err = &out
	}
	root := newRoot(s)
	root.SetArgs(args)
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	ctx := context.Background()
	code := s.exitCode(ctx, root.ExecuteContext(ctx))
	return code, out.String(), errb.String()
}

// ciRepo is a repository laid out as actions/checkout with fetch-depth: 0
// leaves it: the history, and origin/* remote-tracking branches.
type ciRepo struct {
	t    *testing.T
	dir  string
	tmp  string
	keys map[string]string // label → planted key
	sha  map[string]string // label → commit
}

func newCIRepo(t *testing.T) *ciRepo {
	r := &ciRepo{t: t, dir: gitRepo(t), tmp: t.TempDir(), keys: map[string]string{}, sha: map[string]string{}}
	// main: c0 (leaks k0) - c1 - c2 (leaks k1) - c3
	r.commit("c0", "old.env", "ANTHROPIC = \""+r.key("k0")+"\"\n")
	r.commit("c1", "README", "hello\n")
	r.commit("c2", "app/config.txt", "api = \""+r.key("k1")+"\"\n")
	r.commit("c3", "README", "hello again\n")
	gitT(t, r.dir, "update-ref", "refs/remotes/origin/main", r.sha["c3"])
	gitT(t, r.dir, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
	// feature from c3: f1 (leaks k2)
	gitT(t, r.dir, "checkout", "-q", "-b", "feature")
	r.commit("f1", "feat.txt", "token = \""+r.key("k2")+"\"\n")
	gitT(t, r.dir, "update-ref", "refs/remotes/origin/feature", r.sha["f1"])
	// rewritten feature (a force push): g1 from c3 (leaks k3)
	gitT(t, r.dir, "checkout", "-q", "-b", "feature2", r.sha["c3"])
	r.commit("g1", "feat.txt", "token = \""+r.key("k3")+"\"\n")
	gitT(t, r.dir, "update-ref", "refs/remotes/origin/feature2", r.sha["g1"])
	return r
}

func (r *ciRepo) key(label string) string {
	k := testKey()
	r.keys[label] = k
	return k
}

func (r *ciRepo) commit(label, file, content string) {
	r.t.Helper()
	if d := filepath.Dir(file); d != "." {
		if err := os.MkdirAll(filepath.Join(r.dir, d), 0o755); err != nil {
			r.t.Fatal(err)
		}
	}
	writeT(r.t, r.dir, file, content)
	gitT(r.t, r.dir, "add", "--", file)
	gitT(r.t, r.dir, "commit", "-q", "-m", label)
	r.sha[label] = gitT(r.t, r.dir, "rev-parse", "HEAD")
}

// event writes a payload and returns the Actions environment for it.
func (r *ciRepo) event(name string, payload any) map[string]string {
	r.t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		r.t.Fatal(err)
	}
	return r.eventBytes(name, b)
}

// eventFile is event with a payload from testdata/ci, its {{name}}
// placeholders replaced by the commits of those labels.
func (r *ciRepo) eventFile(name, file string, commits map[string]string) map[string]string {
	r.t.Helper()
	b := readT(r.t, filepath.Join("testdata", "ci", file))
	for k, label := range commits {
		sha, ok := r.sha[label]
		if !ok {
			sha = label // a literal
		}
		b = strings.ReplaceAll(b, "{{"+k+"}}", sha)
	}
	if strings.Contains(b, "{{") {
		r.t.Fatalf("%s: placeholder left:\n%s", file, b)
	}
	return r.eventBytes(name, []byte(b))
}

func (r *ciRepo) eventBytes(name string, b []byte) map[string]string {
	r.t.Helper()
	d := filepath.Join(r.tmp, fmt.Sprintf("run%d", len(mustReadDir(r.t, r.tmp))))
	if err := os.MkdirAll(d, 0o755); err != nil {
		r.t.Fatal(err)
	}
	ev := filepath.Join(d, "event.json")
	if err := os.WriteFile(ev, b, 0o644); err != nil {
		r.t.Fatal(err)
	}
	return map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_EVENT_NAME":   name,
		"GITHUB_EVENT_PATH":   ev,
		"GITHUB_WORKSPACE":    r.dir,
		"GITHUB_REPOSITORY":   "acme/widgets",
		"GITHUB_SERVER_URL":   "https://github.com",
		"GITHUB_SHA":          gitT(r.t, r.dir, "rev-parse", "HEAD"),
		"GITHUB_OUTPUT":       filepath.Join(d, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(d, "summary.md"),
		"HOME":                d,
		"RUNNER_TEMP":         d,
	}
}

func mustReadDir(t *testing.T, d string) []os.DirEntry {
	es, err := os.ReadDir(d)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func readT(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ciRun is one simulated Actions run and everything it produced.
type ciRun struct {
	code                            int
	stdout, stderr                  string
	summary, outputs, sarif, report string
	outs                            map[string]string
}

func (r *ciRepo) run(env map[string]string, args ...string) *ciRun {
	r.t.Helper()
	code, out, errs := runWithEnv(r.t, env, false, append([]string{"ci"}, args...)...)
	cr := &ciRun{code: code, stdout: out, stderr: errs, outs: map[string]string{}}
	if b, err := os.ReadFile(env["GITHUB_STEP_SUMMARY"]); err == nil {
		cr.summary = string(b)
	}
	if b, err := os.ReadFile(env["GITHUB_OUTPUT"]); err == nil {
		cr.outputs = string(b)
		for _, l := range strings.Split(cr.outputs, "\n") {
			if k, v, ok := strings.Cut(l, "="); ok {
				cr.outs[k] = v
			}
		}
	}
	if p := cr.outs["sarif"]; p != "" {
		cr.sarif = readT(r.t, p)
	}
	if p := cr.outs["report"]; p != "" {
		cr.report = readT(r.t, p)
	}
	return cr
}

// secretsOnlyMasked checks that no planted key shows up anywhere except
// in ::add-mask:: lines of stdout.
func (r *ciRepo) secretsOnlyMasked(cr *ciRun) {
	r.t.Helper()
	var rest []string
	for _, l := range strings.Split(cr.stdout, "\n") {
		if !strings.HasPrefix(l, "::add-mask::") {
			rest = append(rest, l)
		}
	}
	for _, k := range r.keys {
		ciNoLeak(r.t, k, strings.Join(rest, "\n"), cr.stderr, cr.summary, cr.outputs, cr.sarif, cr.report)
	}
}

// ciNoLeak fails when a secret, or a 16-byte piece of its head, middle or
// tail, shows up in any output.
func ciNoLeak(t *testing.T, v string, outs ...string) {
	t.Helper()
	parts := []string{v}
	if len(v) >= 32 {
		parts = append(parts, v[len(v)-16:], v[len(v)/2-8:len(v)/2+8])
	}
	for _, o := range outs {
		for _, p := range parts {
			if strings.Contains(o, p) {
				t.Fatalf("secret printed:\n%s", o)
			}
		}
	}
}

// found lists the labels of the planted keys a run reported, by the
// mask lines.
func (r *ciRepo) found(cr *ciRun) []string {
	var out []string
	for label, k := range r.keys {
		if strings.Contains(cr.stdout, "::add-mask::"+k+"\n") {
			out = append(out, label)
		}
	}
	sort.Strings(out)
	return out
}

func zeros() string { return strings.Repeat("0", 40) }

func pushPayload(ref, before, after string, forced bool) map[string]any {
	return map[string]any{"ref": ref, "before": before, "after": after, "forced": forced,
		"created": before == zeros(), "deleted": after == zeros(),
		"repository": map[string]any{"default_branch": "main", "full_name": "acme/widgets"}}
}
