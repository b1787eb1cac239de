package remediate

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/keyfile"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/secret"
)

type memTarget struct {
	name   string
	vals   map[string]string
	putErr error
	puts   int
}

func (m *memTarget) Name() string { return m.name }
func (m *memTarget) Put(_ context.Context, k string, v secret.Value) error {
	m.puts++
	if m.putErr != nil {
		return m.putErr
	}
	m.vals[k] = v.Reveal()
	return nil
}
func (m *memTarget) Verify(_ context.Context, k string, v secret.Value) error {
	got, ok := m.vals[k]
	switch {
	case !ok:
		return ErrMissing
	case got != v.Reveal():
		return ErrMismatch
	}
	return nil
}

type memTracker struct {
	issues   map[int]string // number -> body
	closed   map[int]bool
	comments map[int][]string
	creates  int
	labels   [][]string // of each Ensure
	failOnce error
	// closeFail makes Close post its comment and then fail to close,
	// as a lost or refused PATCH would, this many times.
	closeFail int
	listErr   error // List's answer
}

func newTracker() *memTracker {
	return &memTracker{issues: map[int]string{}, closed: map[int]bool{}, comments: map[int][]string{}}
}

func (m *memTracker) Ensure(_ context.Context, id, title, body string, labels []string) (int, string, bool, error) {
	m.labels = append(m.labels, labels)
	for n, b := range m.issues {
		if strings.Contains(b, Marker(id)) {
			return n, "https://github.test/i/" + title, false, nil
		}
	}
	if m.failOnce != nil {
		err := m.failOnce
		m.failOnce = nil
		// The issue is created, but the answer is lost (a crash).
		m.issues[len(m.issues)+1] = body
		m.creates++
		return 0, "", false, err
	}
	m.creates++
	n := len(m.issues) + 1
	m.issues[n] = body
	return n, "https://github.test/i/1", true, nil
}
func (m *memTracker) Update(_ context.Context, n int, body string) error {
	m.issues[n] = body
	return nil
}
func (m *memTracker) Comment(_ context.Context, n int, body string) error {
	m.comments[n] = append(m.comments[n], body)
	return nil
}
func (m *memTracker) HasComment(_ context.Context, n int, marker string) (bool, error) {
	for _, c := range m.comments[n] {
		if strings.Contains(c, marker) {
			return true, nil
		}
	}
	return false, nil
}
func (m *memTracker) List(context.Context) ([]IssueInfo, error) {
	if m.listErr != nil {
		return nil, m.listErr
	}
	var out []IssueInfo
	for n, b := range m.issues {
		id := MarkerID(b)
		title := "Leaked credential: TAVILY_API_KEY (" + id + ")"
		out = append(out, IssueInfo{ID: id, Number: n, URL: "https://github.test/i/1", Title: title, Closed: m.closed[n]})
	}
	return out, nil
}
func (m *memTracker) Close(_ context.Context, n int, c string) error {
	if c != "" {
		m.comments[n] = append(m.comments[n], c)
	}
	if m.closeFail > 0 {
		m.closeFail--
		return errors.New("github: 502 bad gateway")
	}
	m.closed[n] = true
	return nil
}

var _ IssueTracker = (*memTracker)(nil)
var _ Target = (*memTarget)(nil)

func testPlaybook(t *testing.T) (*Playbook, *memTracker, map[string]*memTarget, string) {
	t.Helper()
	dir := t.TempDir()
	l, err := OpenLedger(filepath.Join(dir, "state"))
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "settings.json")
	if err := os.WriteFile(src, []byte(`{"env": {"TAVILY_API_KEY": "OLD"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	targets := map[string]*memTarget{"vercel": {name: "vercel", vals: map[string]string{}}, "dotenv": {name: "dotenv", vals: map[string]string{}}}
	tr := newTracker()
	var out bytes.Buffer
	p := &Playbook{
		Ledger: l,
		Keys: []rules.Key{{Name: "TAVILY_API_KEY", Provider: "tavily", RotateURL: "https://app.tavily.com/home",
			Source: "file:" + src + "#/env/TAVILY_API_KEY", Targets: []string{"vercel", "dotenv"}}},
		Target: func(n string) (Target, error) {
			if t, ok := targets[n]; ok {
				return t, nil
			}
			return nil, errors.New("no target " + n)
		},
		Issues: tr, Labels: []string{"security"}, Repo: "acme/infra", Out: &out,
	}
	return p, tr, targets, src
}

func leak(key string) []scanner.Finding {
	return []scanner.Finding{{RuleID: "tavily-api-key", Provider: "tavily", KeyName: "TAVILY_API_KEY", File: ".env", StartLine: 3,
		Commit: strings.Repeat("a", 40), Author: "dev", Secret: secret.New(key), Match: secret.New(key), Fingerprint: "tavily-api-key:" + secret.Hash(key)}}
}

// writeJSONSource is a minimal source writer for the tests.
func writeJSONSource(spec keyfile.Spec, v secret.Value) error {
	return os.WriteFile(spec.Path, []byte(`{"env": {"TAVILY_API_KEY": "`+v.Reveal()+`"}}`), 0o600)
}

func TestPlaybookEndToEnd(t *testing.T) {
	ctx := context.Background()
	p, tr, targets, _ := testPlaybook(t)
	leaked := "tvly-" + rules.RandString(32, "alnum")

	opened, _, err := p.Open(ctx, leak(leaked), false)
	if err != nil || len(opened) != 1 || !opened[0].New {
		t.Fatalf("open: %v %+v", err, opened)
	}
	id := opened[0].Incident.ID
	// Again: the same incident, the same issue.
	if again, _, err := p.Open(ctx, leak(leaked), false); err != nil || again[0].New || again[0].Incident.ID != id {
		t.Fatalf("second open: %v", err)
	}
	if tr.creates != 1 || len(tr.issues) != 1 {
		t.Fatalf("%d issues created, want 1", tr.creates)
	}
	body := tr.issues[1]
	for _, want := range []string{Marker(id), "TAVILY_API_KEY", "https://app.tavily.com/home", "[.env:3](https://github.com/acme/infra/blob/" + strings.Repeat("a", 40) + "/.env#L3)", "- [ ] Sync the new value to vercel"} {
		if !strings.Contains(body, want) {
			t.Errorf("issue body lacks %q:\n%s", want, body)
		}
	}
	// Closing with steps left is refused.
	var pe *PendingError
	if err := p.Close(ctx, id, "", false); !errors.As(err, &pe) {
		t.Fatalf("close with open steps: %v", err)
	}
	// The leaked value itself is refused as the new one.
	if _, err := p.Rotate(ctx, "TAVILY_API_KEY", secret.New(leaked), writeJSONSource); err == nil {
		t.Fatal("rotating to the leaked value was accepted")
	}
	// One target fails: the sync is incomplete and says which.
	targets["dotenv"].putErr = errors.New("disk full")
	fresh := "tvly-" + rules.RandString(32, "alnum")
	res, err := p.Rotate(ctx, "TAVILY_API_KEY", secret.New(fresh), writeJSONSource)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Status != SyncVerified || res[1].Status != SyncFailed || !strings.Contains(res[1].Detail, "disk full") {
		t.Fatalf("sync results: %+v", res)
	}
	// A re-run reads every target back, finishes what failed and does not
	// write vercel again.
	targets["dotenv"].putErr = nil
	puts := targets["vercel"].puts
	res, err = p.Sync(ctx, nil, false)
	if err != nil || res[0].Status != SyncVerified || !strings.Contains(res[0].Detail, "read back") || res[1].Status != SyncVerified || targets["vercel"].puts != puts {
		t.Fatalf("re-run: %v %+v", err, res)
	}
	if targets["vercel"].vals["TAVILY_API_KEY"] != fresh || targets["dotenv"].vals["TAVILY_API_KEY"] != fresh {
		t.Fatal("targets do not hold the new value")
	}
	// Revocation and the usage audit are left; rotating did neither, nor
	// did it regenerate the key.
	if err := p.Close(ctx, id, "", false); !errors.As(err, &pe) || strings.Join(pe.Steps, ",") != "regenerate,revoke,audit-usage" {
		t.Fatalf("want regenerate, revoke and audit-usage left: %v", err)
	}
	if err := p.Done(ctx, id, "revoke", "", false); err == nil {
		t.Fatal("revoke marked done without a verification or --manual")
	}
	if _, err := p.Revoked(ctx, id, RevokeOutcome{Method: "manual", Validity: "invalid", Detail: "Tavily rejected it"}); err != nil {
		t.Fatal(err)
	}
	if err := p.Done(ctx, id, "audit-usage", "no unknown calls in the dashboard", false); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(ctx, id, "rotated and synced", false); err != nil {
		t.Fatal(err)
	}
	if !tr.closed[1] {
		t.Fatal("issue not closed")
	}
	if !strings.Contains(tr.issues[1], "- [x] Audit the provider's usage logs") {
		t.Errorf("checklist not updated:\n%s", tr.issues[1])
	}
	// Nothing written anywhere holds either value.
	var all strings.Builder
	all.WriteString(tr.issues[1])
	for _, cs := range tr.comments {
		all.WriteString(strings.Join(cs, "\n"))
	}
	for _, f := range []string{ledgerFile, auditFile} {
		b, _ := os.ReadFile(filepath.Join(p.Ledger.Dir, f))
		all.Write(b)
	}
	all.WriteString(p.Out.(*bytes.Buffer).String())
	for _, v := range []string{leaked, fresh} {
		if strings.Contains(all.String(), v) {
			t.Fatal("a secret value leaked into the ledger, audit log, issue or output")
		}
	}
	// Progress comments were posted once each.
	if n := len(tr.comments[1]); n < 2 {
		t.Errorf("%d progress comments, want rotation, sync and close", n)
	}
}

// TestIssueNotDuplicatedAfterCrash: the issue was created but the answer
// was lost; a re-run finds it by its marker.
func TestIssueNotDuplicatedAfterCrash(t *testing.T) {
	ctx := context.Background()
	p, tr, _, _ := testPlaybook(t)
	tr.failOnce = errors.New("connection reset")
	leaked := "tvly-" + rules.RandString(32, "alnum")
	if _, _, err := p.Open(ctx, leak(leaked), false); err == nil {
		t.Fatal("want the lost answer reported")
	}
	st, _ := p.Ledger.Read()
	if s := st.Incidents[0].Step("issue"); s.Status != StepFailed {
		t.Fatalf("issue step %s, want failed", s.Status)
	}
	if _, _, err := p.Open(ctx, leak(leaked), false); err != nil {
		t.Fatal(err)
	}
	if len(tr.issues) != 1 {
		t.Fatalf("%d issues, want 1", len(tr.issues))
	}
	st, _ = p.Ledger.Read()
	if st.Incidents[0].Issue == nil || st.Incidents[0].Step("issue").Status != StepDone {
		t.Fatal("issue not recorded after the re-run")
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	p, tr, _, _ := testPlaybook(t)
	if _, _, err := p.Open(context.Background(), leak("tvly-"+rules.RandString(32, "alnum")), true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(p.Ledger.Dir, ledgerFile)); !os.IsNotExist(err) {
		t.Error("dry run wrote the ledger")
	}
	if tr.creates != 0 {
		t.Error("dry run opened an issue")
	}
	if !strings.Contains(p.Out.(*bytes.Buffer).String(), "would open") {
		t.Error("dry run does not say what it would do")
	}
}

func TestForceCloseNeedsReason(t *testing.T) {
	ctx := context.Background()
	p, _, _, _ := testPlaybook(t)
	o, _, _ := p.Open(ctx, leak("tvly-"+rules.RandString(32, "alnum")), false)
	if err := p.Close(ctx, o[0].Incident.ID, "", true); err == nil {
		t.Fatal("--force without a reason accepted")
	}
	if err := p.Close(ctx, o[0].Incident.ID, "test key, never used", true); err != nil {
		t.Fatal(err)
	}
}

func TestLedgerPermissionsAndBackups(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := OpenLedger(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("state dir %v, want 0700", fi.Mode().Perm())
	}
	src := filepath.Join(t.TempDir(), "s.env")
	os.WriteFile(src, []byte("A=1\n"), 0o644)
	for i := 0; i < maxBackups+3; i++ {
		b, err := l.Backup(src)
		if err != nil {
			t.Fatal(err)
		}
		if fi, _ := os.Stat(b); fi.Mode().Perm() != 0o600 {
			t.Errorf("backup %v, want 0600", fi.Mode().Perm())
		}
	}
	m, _ := filepath.Glob(filepath.Join(dir, backupDir, "*"))
	if len(m) != maxBackups {
		t.Errorf("%d backups kept, want %d", len(m), maxBackups)
	}
}

// The audit issue carries the configured labels; without any, the
// default ones.
func TestIssueLabels(t *testing.T) {
	for _, c := range []struct{ labels, want []string }{
		{[]string{"security"}, []string{"security"}},
		{nil, []string{"security", "leaked-secret"}},
	} {
		p, tr, _, _ := testPlaybook(t)
		p.Labels = c.labels
		if _, _, err := p.Open(context.Background(), leak(tvly()), false); err != nil {
			t.Fatal(err)
		}
		if len(tr.labels) == 0 || !slices.Equal(tr.labels[0], c.want) {
			t.Errorf("labels %v: issue labelled %v, want %v", c.labels, tr.labels, c.want)
		}
	}
}

// The job summary names an incident by its managed key, else its rule,
// with its audit issue when it has one.
func TestSummaries(t *testing.T) {
	got := Summaries([]Opened{
		{Incident: &Incident{ID: "LG-1", Key: "OPENAI_API_KEY", RuleID: "openai-api-key", Issue: &IssueRef{Number: 3, URL: "https://github.com/o/r/issues/3"}}},
		{Incident: &Incident{ID: "LG-2", RuleID: "generic-api-key"}},
	})
	if len(got) != 2 || got[0].ID != "LG-1" || got[0].Name != "OPENAI_API_KEY" || got[0].IssueURL != "https://github.com/o/r/issues/3" ||
		got[1].ID != "LG-2" || got[1].Name != "generic-api-key" || got[1].IssueURL != "" {
		t.Fatalf("summaries %+v", got)
	}
	if Summaries(nil) != nil {
		t.Fatal("summaries of nothing")
	}
}
