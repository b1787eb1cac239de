package remediate

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/internal/testkit/gitrepo"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/secret"
	"github.com/leakguard/leakguard/verify"
)

// tavilyRule is the embedded rule of Tavily keys.
func tavilyRule(t *testing.T) *rules.Rule {
	t.Helper()
	def, err := rules.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range def.Rules {
		if s.ID == "tavily-api-key" {
			r, err := rules.Compile(s)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
	}
	t.Fatal("no tavily-api-key rule")
	return nil
}

// tavilyDetector finds Tavily keys with the embedded rule.
func tavilyDetector(t *testing.T) *scanner.Detector {
	return scanner.NewDetector(scanner.Options{Rules: []*rules.Rule{tavilyRule(t)}})
}

// An incident's values are found again at a recorded commit, in the
// working tree and in the rotations' backups of the key's source; a value
// found nowhere is an error that says how to finish by hand.
func TestLeakedValues(t *testing.T) {
	p, _, _, _ := testPlaybook(t)
	repo := gitrepo.New(t)
	p.Root = repo
	// The command layer reads through gitscan; git show is the same.
	p.ReadAt = func(commit, path string) ([]byte, error) {
		return []byte(gitrepo.Git(t, repo, "show", commit+":"+path)), nil
	}
	inCommit, inTree, inBackup := tvly(), tvly(), tvly()
	gitrepo.Write(t, repo, ".env", "TAVILY_API_KEY="+inCommit+"\n")
	gitrepo.Git(t, repo, "add", ".env")
	gitrepo.Git(t, repo, "commit", "-qm", "env")
	sha := strings.TrimSpace(gitrepo.Git(t, repo, "rev-parse", "HEAD"))
	gitrepo.Write(t, repo, ".env", "TAVILY_API_KEY="+inTree+"\n")
	backups := filepath.Join(p.Ledger.Dir, "backups")
	if err := os.MkdirAll(backups, 0o700); err != nil {
		t.Fatal(err)
	}
	gitrepo.Write(t, backups, "settings.json.1", `{"env": {"TAVILY_API_KEY": "`+inBackup+`"}}`)
	in := &Incident{ID: "LG-1", Key: "TAVILY_API_KEY", RuleID: "tavily-api-key", Provider: "tavily",
		SecretHashes: []string{secret.Hash(inCommit), secret.Hash(inTree), secret.Hash(inBackup)},
		Locations:    []Location{{File: ".env", Commit: sha}, {File: ".env"}}}
	found, err := p.LeakedValues(tavilyDetector(t), in)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range found {
		if f.KeyName != "TAVILY_API_KEY" {
			t.Errorf("finding without the incident's key: %+v", f)
		}
		got[f.Secret.Reveal()] = f.File
	}
	if len(found) != 3 || got[inCommit] != ".env" || got[inTree] != ".env" || got[inBackup] != filepath.Join(backups, "settings.json.1") {
		t.Fatalf("found %d values: %v", len(found), got)
	}

	in.SecretHashes = []string{secret.Hash(tvly())}
	if found, err := p.LeakedValues(tavilyDetector(t), in); len(found) != 0 || !strings.Contains(hint.Of(err), "leakguard incidents done LG-1 revoke --manual") {
		t.Fatalf("a value found nowhere: %d found, %v (hint %q)", len(found), err, hint.Of(err))
	}
}

// fakeRevoker answers as a provider would: rev from Revoke, check from
// Check (counted).
type fakeRevoker struct {
	rev     verify.Revocation
	check   verify.Result
	checked int
}

func (f *fakeRevoker) Revoke(_ context.Context, creds []verify.Credential) []verify.Revocation {
	out := make([]verify.Revocation, len(creds))
	for i := range out {
		out[i] = f.rev
	}
	return out
}

func (f *fakeRevoker) Check(_ context.Context, creds []verify.Credential) []verify.Result {
	f.checked++
	return []verify.Result{f.check}
}

var _ Revoker = (*fakeRevoker)(nil)

// Revoke: an API revocation that verifies invalid completes the revoke
// step (and regenerate); a manual one is verified again, and while the
// old value works the error says where to delete it.
func TestRevoke(t *testing.T) {
	ctx := context.Background()
	guide := verify.Guide{KeysPage: "https://keys.example", UsagePage: "https://usage.example"}
	for _, c := range []struct {
		name     string
		r        *fakeRevoker
		wantErr  string
		hints    []string
		notHints []string
		checked  int
	}{
		{name: "api", r: &fakeRevoker{rev: verify.Revocation{Method: "api", Accepted: true, Detail: "revoked", Guide: guide,
			After: verify.Result{Validity: verify.Invalid, Detail: "401"}}}},
		{name: "manual, still live", r: &fakeRevoker{rev: verify.Revocation{Method: "manual", Detail: "delete it", Guide: guide},
			check: verify.Result{Validity: verify.Live, Detail: "200"}}, checked: 1,
			wantErr: "the old value is live", hints: []string{"(https://keys.example)", "revoke LG", "audit its use at https://usage.example"}, notHints: []string{"--manual"}},
		{name: "manual, unknown", r: &fakeRevoker{rev: verify.Revocation{Method: "manual", Detail: "delete it"},
			check: verify.Result{Validity: verify.Unknown, Detail: "no verifier"}}, checked: 1,
			wantErr: "the old value is unknown", hints: []string{"revoke --manual"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, _, _, _ := testPlaybook(t)
			p.Issues = nil
			var errs bytes.Buffer
			p.Err = &errs
			v := tvly()
			o, _, err := p.Open(ctx, leak(v), false)
			if err != nil {
				t.Fatal(err)
			}
			id := o[0].Incident.ID
			p.Out.(*bytes.Buffer).Reset()
			err = p.Revoke(ctx, id, []verify.Credential{{Rule: "tavily-api-key", Value: secret.New(v)}}, c.r)
			if c.r.checked != c.checked {
				t.Errorf("checked %d times, want %d", c.r.checked, c.checked)
			}
			out := p.Out.(*bytes.Buffer).String()
			if !strings.Contains(out, id+"  "+c.r.rev.Method+": ") || !strings.Contains(out, "the old value is now") || strings.Contains(out+errs.String(), v) {
				t.Errorf("output:\n%s", out)
			}
			in, _ := p.Ledger.Incident(id)
			if c.wantErr == "" {
				if err != nil || in.Step("revoke").Status != StepDone || in.Step("regenerate").Status != StepDone {
					t.Fatalf("%v; steps %+v %+v", err, in.Step("revoke"), in.Step("regenerate"))
				}
				if !strings.Contains(errs.String(), "revoke step done") || !strings.Contains(errs.String(), "audit its use at https://usage.example") {
					t.Errorf("notes:\n%s", errs.String())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || in.Step("revoke").Status == StepDone {
				t.Fatalf("err %v, want %q; revoke step %+v", err, c.wantErr, in.Step("revoke"))
			}
			for _, h := range c.hints {
				if !strings.Contains(hint.Of(err), h) {
					t.Errorf("hint %q lacks %q", hint.Of(err), h)
				}
			}
			for _, h := range c.notHints {
				if strings.Contains(hint.Of(err), h) {
					t.Errorf("hint %q has %q", hint.Of(err), h)
				}
			}
		})
	}
	p, _, _, _ := testPlaybook(t)
	if _, err := p.Ledger.Incident("LG-NONE"); !errors.As(err, new(*NoIncidentError)) {
		t.Errorf("an unknown incident: %v", err)
	}
}

// Where the provider can revoke through its API (GitHub), Confirm is
// asked first, naming the incident's key; no revokes nothing. A
// provider without a revocation API (Tavily) is not asked about.
func TestRevokeAsksFirst(t *testing.T) {
	ctx := context.Background()
	p, _, _, _ := testPlaybook(t)
	p.Issues = nil
	o, _, err := p.Open(ctx, leak(tvly()), false)
	if err != nil {
		t.Fatal(err)
	}
	id := o[0].Incident.ID
	p.Out.(*bytes.Buffer).Reset()
	b := rules.RandString(30, "alnum")
	gh := verify.Credential{Rule: "github-pat", Provider: "github", Value: secret.New("ghp_" + b + rules.CRC32Base62(b))}
	r := &fakeRevoker{rev: verify.Revocation{Method: "api", After: verify.Result{Validity: verify.Invalid}}}
	var asked []string
	p.Confirm = func(q string) bool { asked = append(asked, q); return false }
	err = p.Revoke(ctx, id, []verify.Credential{gh}, r)
	if !hint.IsUsage(err) || err.Error() != "cancelled: nothing revoked" || p.Out.(*bytes.Buffer).Len() != 0 {
		t.Fatalf("answered no: %v\n%s", err, p.Out.(*bytes.Buffer).String())
	}
	if len(asked) != 1 || !strings.HasPrefix(asked[0], "revoke TAVILY_API_KEY's leaked value through ") || !strings.HasSuffix(asked[0], "? This cannot be undone") {
		t.Errorf("asked %q", asked)
	}
	p.Confirm = func(string) bool { return true }
	if err := p.Revoke(ctx, id, []verify.Credential{gh}, r); err != nil || !strings.Contains(p.Out.(*bytes.Buffer).String(), "api: ") {
		t.Fatalf("answered yes: %v", err)
	}
	asked = nil
	p.Confirm = func(q string) bool { asked = append(asked, q); return false }
	r.rev.Method = "manual"
	r.check = verify.Result{Validity: verify.Invalid}
	if err := p.Revoke(ctx, id, []verify.Credential{{Rule: "tavily-api-key", Provider: "tavily", Value: secret.New(tvly())}}, r); err != nil || len(asked) != 0 {
		t.Errorf("no revocation API: %v, asked %q", err, asked)
	}
}
