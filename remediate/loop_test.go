package remediate

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/keyfile"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/secret"
)

// Regression tests for issue 11's defects: each failed on the main of
// a322c24.

func tvly() string { return "tvly-" + rules.RandString(32, "alnum") }

// presenceTarget can confirm only that a key is present (Vercel's
// sensitive variables).
type presenceTarget struct{ memTarget }

func (p *presenceTarget) VerifyDetail(_ context.Context, k string, _ secret.Value) (Verification, error) {
	if _, ok := p.vals[k]; !ok {
		return Verification{}, ErrMissing
	}
	return Verification{PresenceOnly: true, Reason: "sensitive values cannot be read back"}, nil
}

func (p *presenceTarget) Verify(ctx context.Context, k string, v secret.Value) error {
	_, err := p.VerifyDetail(ctx, k, v)
	return err
}

// The leaked value put back in a target after a verified sync (a
// dashboard edit): sync read it back, saw the drift, repaired it and said
// so, instead of "up to date" from its cache.
func TestSyncReadsBackEveryRunAndRepairsDrift(t *testing.T) {
	ctx := context.Background()
	p, _, targets, _ := testPlaybook(t)
	leaked, fresh := tvly(), tvly()
	if _, _, err := p.Open(ctx, leak(leaked), false); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Rotate(ctx, "TAVILY_API_KEY", secret.New(fresh), writeJSONSource); err != nil {
		t.Fatal(err)
	}
	targets["vercel"].vals["TAVILY_API_KEY"] = leaked // drift
	delete(targets["dotenv"].vals, "TAVILY_API_KEY")  // .env.local deleted
	res, err := p.Sync(ctx, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Status != SyncRepaired {
			t.Errorf("%s: %s (%s), want %s", r.Target, r.Status, r.Detail, SyncRepaired)
		}
	}
	if targets["vercel"].vals["TAVILY_API_KEY"] != fresh || targets["dotenv"].vals["TAVILY_API_KEY"] != fresh {
		t.Fatal("drift not repaired")
	}
	// In step: nothing written when the read-back matches, but read.
	puts := targets["vercel"].puts
	res, err = p.Sync(ctx, nil, false)
	if err != nil || res[0].Status != SyncVerified || targets["vercel"].puts != puts {
		t.Fatalf("%v %+v (puts %d→%d)", err, res, puts, targets["vercel"].puts)
	}
}

// A target that can confirm presence only never claims to hold the
// current value.
func TestSyncPresenceOnlySaysSo(t *testing.T) {
	ctx := context.Background()
	p, _, targets, _ := testPlaybook(t)
	pt := &presenceTarget{memTarget{name: "vercel", vals: map[string]string{}}}
	p.Target = func(n string) (Target, error) {
		if n == "vercel" {
			return pt, nil
		}
		return targets[n], nil
	}
	if _, err := p.Rotate(ctx, "TAVILY_API_KEY", secret.New(tvly()), writeJSONSource); err != nil {
		t.Fatal(err)
	}
	pt.vals["TAVILY_API_KEY"] = "whatever the dashboard holds"
	res, err := p.Sync(ctx, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Status != SyncPresent || !strings.Contains(res[0].Status, "value not readable") {
		t.Fatalf("presence-only target: %+v", res[0])
	}
	// It cannot tell drift, so it is written on every run.
	if pt.puts != 2 {
		t.Errorf("presence-only target written %d times, want 2", pt.puts)
	}
}

// The source still holds the leaked value: sync refuses to push it
// anywhere unless forced.
func TestSyncRefusesLeakedValue(t *testing.T) {
	ctx := context.Background()
	p, _, targets, src := testPlaybook(t)
	leaked := tvly()
	writeJSONSource(keyfile.Spec{Path: src}, secret.New(leaked))
	if _, _, err := p.Open(ctx, leak(leaked), false); err != nil {
		t.Fatal(err)
	}
	res, err := p.Sync(ctx, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Status != SyncRefused || !strings.Contains(r.Detail, "leaked") {
			t.Errorf("%s: %s %q, want refused", r.Target, r.Status, r.Detail)
		}
	}
	if len(targets["vercel"].vals) != 0 || targets["vercel"].puts != 0 {
		t.Fatal("the leaked value was pushed")
	}
	// A past fingerprint of the key is leaked too.
	p2, _, targets2, src2 := testPlaybook(t)
	old := tvly()
	writeJSONSource(keyfile.Spec{Path: src2}, secret.New(old))
	p2.Keys[0].Fingerprints = []string{secret.Fingerprint(old), secret.Fingerprint(tvly())}
	if res, _ := p2.Sync(ctx, nil, false); res[0].Status != SyncRefused || targets2["vercel"].puts != 0 {
		t.Fatalf("past value pushed: %+v", res)
	}
	p.Force = true
	if res, _ := p.Sync(ctx, nil, false); res[0].Status != SyncVerified {
		t.Fatalf("--force: %+v", res)
	}
}

// Rotating does not say the key was regenerated: only the provider knows.
func TestRotateLeavesRegenerateAndRevokeOpen(t *testing.T) {
	ctx := context.Background()
	p, _, _, _ := testPlaybook(t)
	o, _, err := p.Open(ctx, leak(tvly()), false)
	if err != nil {
		t.Fatal(err)
	}
	in := o[0].Incident
	if in.Step("revoke") == nil || in.Step("regenerate") == nil {
		t.Fatalf("steps %v: want regenerate and revoke", stepIDs(in))
	}
	if _, err := p.Rotate(ctx, "TAVILY_API_KEY", secret.New(tvly()), writeJSONSource); err != nil {
		t.Fatal(err)
	}
	st, _ := p.Ledger.Read()
	in = st.Incident(in.ID)
	if s := in.Step("rotate"); s.Status != StepDone {
		t.Errorf("rotate %s", s.Status)
	}
	for _, id := range []string{"regenerate", "revoke"} {
		if s := in.Step(id); s.Status == StepDone {
			t.Errorf("%s marked done by rotate", id)
		}
	}
}

// A rotate interrupted after writing the source resumes: running it again
// with the same new value finishes the sync instead of asking to
// regenerate again.
func TestRotateResumesAfterInterruption(t *testing.T) {
	ctx := context.Background()
	p, _, targets, _ := testPlaybook(t)
	if _, _, err := p.Open(ctx, leak(tvly()), false); err != nil {
		t.Fatal(err)
	}
	fresh := tvly()
	// The interrupted run: source written, nothing synced.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	p.Rotate(cctx, "TAVILY_API_KEY", secret.New(fresh), writeJSONSource)
	if len(targets["vercel"].vals) != 0 {
		t.Fatal("the cancelled rotate synced")
	}
	res, err := p.Rotate(ctx, "TAVILY_API_KEY", secret.New(fresh), writeJSONSource)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if len(res) != 2 || res[0].Status != SyncVerified || targets["vercel"].vals["TAVILY_API_KEY"] != fresh {
		t.Fatalf("resume: %+v", res)
	}
}

// Closing sticks: the same leak found again (a re-run of remediate
// --history) opens no incident and no issue, and says the value was
// rotated.
func TestClosedIncidentStaysClosed(t *testing.T) {
	ctx := context.Background()
	p, tr, _, _ := testPlaybook(t)
	leaked := tvly()
	o, _, _ := p.Open(ctx, leak(leaked), false)
	id := o[0].Incident.ID
	if _, err := p.Rotate(ctx, "TAVILY_API_KEY", secret.New(tvly()), writeJSONSource); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(ctx, id, "rotated; key deleted", true); err != nil {
		t.Fatal(err)
	}
	p.Out.(*bytes.Buffer).Reset()
	again, _, err := p.Open(ctx, leak(leaked), false)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := p.Ledger.Read()
	if len(st.Incidents) != 1 || tr.creates != 1 {
		t.Fatalf("%d incidents, %d issues after re-run, want 1 and 1", len(st.Incidents), tr.creates)
	}
	if len(again) != 0 {
		t.Errorf("re-run reported %d incidents to act on", len(again))
	}
	if out := p.Out.(*bytes.Buffer).String(); !strings.Contains(out, "rotated "+time.Now().UTC().Format("2006-01-02")) {
		t.Errorf("re-run output does not say the value was rotated:\n%s", out)
	}
	if st.Incidents[0].Status != "closed" {
		t.Error("the incident was reopened")
	}
}

// A value the inventory lists as a past value (rotated away), or one the
// provider rejects, never opens an incident, even without a ledger (CI).
func TestRotatedOrInvalidValueOpensNothing(t *testing.T) {
	ctx := context.Background()
	p, tr, _, _ := testPlaybook(t)
	old, cur := tvly(), tvly()
	p.Keys[0].Fingerprints = []string{secret.Fingerprint(old), secret.Fingerprint(cur)}
	p.Keys[0].Rotated = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	fs := leak(old)
	ann := Annotate(fs, p.Keys, nil)
	if fs[0].Exposure != "rotated 2026-03-01" || ann != 1 {
		t.Fatalf("exposure %q", fs[0].Exposure)
	}
	if o, _, err := p.Open(ctx, fs, false); err != nil || len(o) != 0 {
		t.Fatalf("rotated value opened %d incidents (%v)", len(o), err)
	}
	dead := leak(tvly())
	dead[0].Validity = "invalid"
	if o, _, err := p.Open(ctx, dead, false); err != nil || len(o) != 0 {
		t.Fatalf("invalid value opened %d incidents (%v)", len(o), err)
	}
	if tr.creates != 0 {
		t.Fatal("an issue was opened")
	}
	// The current value is a live leak.
	if o, _, _ := p.Open(ctx, leak(cur), false); len(o) != 1 {
		t.Fatal("the current value opened no incident")
	}
}

// An incident is a key and a value: another value of the same key is
// another incident.
func TestIncidentPerValue(t *testing.T) {
	ctx := context.Background()
	p, _, _, _ := testPlaybook(t)
	a, _, _ := p.Open(ctx, leak(tvly()), false)
	b, _, _ := p.Open(ctx, leak(tvly()), false)
	if len(a) != 1 || len(b) != 1 || a[0].Incident.ID == b[0].Incident.ID {
		t.Fatal("two values of one key share an incident")
	}
}

// A corrupt ledger is moved aside, the user is told, and the incidents
// are rebuilt from the audit issues' markers.
func TestCorruptLedgerMovedAsideAndRebuilt(t *testing.T) {
	ctx := context.Background()
	p, tr, _, _ := testPlaybook(t)
	leaked := tvly()
	o, _, _ := p.Open(ctx, leak(leaked), false)
	id := o[0].Incident.ID
	path := filepath.Join(p.Ledger.Dir, ledgerFile)
	os.WriteFile(path, []byte(`{"version": 1, "incidents": [`), 0o600)
	var warn bytes.Buffer
	p.Err = &warn
	n, err := p.Recover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bad, _ := filepath.Glob(path + ".bad-*")
	if len(bad) != 1 {
		t.Fatalf("backups %v", bad)
	}
	if !strings.Contains(warn.String(), filepath.Base(bad[0])) || n != 1 {
		t.Errorf("user not told (%d rebuilt): %s", n, warn.String())
	}
	st, err := p.Ledger.Read()
	if err != nil || st.Incident(id) == nil || st.Incident(id).Issue == nil {
		t.Fatalf("not rebuilt: %v", err)
	}
	// Found again: no second issue, no second incident.
	if _, _, err := p.Open(ctx, leak(leaked), false); err != nil {
		t.Fatal(err)
	}
	st, _ = p.Ledger.Read()
	if tr.creates != 1 || len(st.Incidents) != 1 {
		t.Fatalf("%d issues, %d incidents", tr.creates, len(st.Incidents))
	}
}

func stepIDs(in *Incident) []string {
	var ids []string
	for _, s := range in.Steps {
		ids = append(ids, s.ID)
	}
	return ids
}

var _ = scanner.Finding{}

// A scan marks the exposures of the ledger's incidents when there is a
// ledger, and creates no state directory when there is none.
func TestAnnotateFromLedger(t *testing.T) {
	ctx := context.Background()
	p, _, _, _ := testPlaybook(t)
	leaked := tvly()
	o, _, err := p.Open(ctx, leak(leaked), false)
	if err != nil || len(o) != 1 {
		t.Fatalf("open: %d incidents, %v", len(o), err)
	}
	if err := p.Close(ctx, o[0].Incident.ID, "deleted", true); err != nil {
		t.Fatal(err)
	}
	fs := leak(leaked)
	if n := AnnotateFrom(p.Ledger.Dir, fs, p.Keys); n != 1 || !strings.HasPrefix(fs[0].Exposure, "closed ") {
		t.Errorf("with the ledger: %d marked, exposure %q", n, fs[0].Exposure)
	}
	none := filepath.Join(t.TempDir(), "state")
	if n := AnnotateFrom(none, leak(leaked), p.Keys); n != 0 {
		t.Errorf("without a ledger: %d marked", n)
	}
	if _, err := os.Stat(none); !os.IsNotExist(err) {
		t.Errorf("the state directory was created: %v", err)
	}
}

// A close whose GitHub call fails leaves the incident closed in the
// ledger but its issue open: the close fails (the run is incomplete), and
// running it again closes the issue, posting the closing comment once.
func TestCloseFinishesTheIssueOnRerun(t *testing.T) {
	ctx := context.Background()
	p, tr, _, _ := testPlaybook(t)
	o, _, _ := p.Open(ctx, leak(tvly()), false)
	id := o[0].Incident.ID
	n := o[0].Incident.Issue.Number
	tr.closeFail = 1
	const reason = "key deleted at the provider, @octocat <b>saw</b> it"
	if err := p.Close(ctx, id, reason, true); err == nil {
		t.Fatal("Close succeeded while GitHub refused to close the issue")
	}
	if tr.closed[n] {
		t.Fatal("the fake closed the issue")
	}
	if err := p.Close(ctx, id, reason, true); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if !tr.closed[n] {
		t.Fatal("the issue is still open after the second close")
	}
	closing := 0
	for _, c := range tr.comments[n] {
		if strings.Contains(c, EventMarker("closed")) {
			closing++
			// The reason is the user's text: escaped like every comment.
			if !strings.Contains(c, "key deleted at the provider") || strings.Contains(c, "@octocat") || strings.Contains(c, "<b>") {
				t.Errorf("closing comment %q: the reason is missing or not escaped", c)
			}
		}
	}
	if closing != 1 {
		t.Errorf("%d closing comments, want 1", closing)
	}
	// Once closed on GitHub, a third close calls GitHub no more.
	tr.closeFail = 5
	if err := p.Close(ctx, id, "again", true); err != nil {
		t.Errorf("third close: %v", err)
	}
}

// A corrupt ledger that cannot be rebuilt (the issues cannot be listed)
// is an error that says the file was kept and how to get past it.
func TestRecoverFails(t *testing.T) {
	p, tr, _, _ := testPlaybook(t)
	if n, err := p.Recover(context.Background()); n != 0 || err != nil {
		t.Fatalf("a sound ledger: %d, %v", n, err)
	}
	os.WriteFile(filepath.Join(p.Ledger.Dir, ledgerFile), []byte("{"), 0o600)
	tr.listErr = errors.New("github: 401 bad credentials")
	_, err := p.Recover(context.Background())
	if err == nil || !strings.Contains(err.Error(), "401 bad credentials") || hint.IsUsage(err) ||
		hint.Of(err) != "the corrupt file was kept; check the GitHub token, or pass --no-issue to start from an empty ledger" {
		t.Errorf("%v (hint %q)", err, hint.Of(err))
	}
}
