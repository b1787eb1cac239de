package remediate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/keyfile"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/secret"
	"github.com/leakguard/leakguard/verify"
)

// Incident returns the ledger's incident id: a [NoIncidentError] when it
// has none.
func (l *Ledger) Incident(id string) (*Incident, error) {
	st, err := l.Read()
	if err != nil {
		return nil, err
	}
	if in := st.Incident(id); in != nil {
		return in, nil
	}
	return nil, &NoIncidentError{ID: id}
}

// LeakedValues finds an incident's leaked values again with det: in the
// files at the recorded commits (or in the working tree under Root), and
// in the source backups the rotations kept in the state directory; only
// findings whose value hash is the incident's count. None found is an
// error that says what to do by hand.
func (p *Playbook) LeakedValues(det *scanner.Detector, in *Incident) ([]scanner.Finding, error) {
	want := map[string]bool{}
	for _, h := range in.SecretHashes {
		want[h] = true
	}
	seen := map[string]bool{}
	var out []scanner.Finding
	take := func(path string, content []byte) {
		for _, f := range det.Detect(scanner.Fragment{Path: path, Content: content}) {
			h := secret.Hash(f.Secret.Reveal())
			if want[h] && !seen[h] {
				seen[h] = true
				if f.KeyName == "" {
					f.KeyName = in.Key
				}
				out = append(out, f)
			}
		}
	}
	for _, l := range in.Locations {
		if len(seen) == len(want) {
			return out, nil
		}
		if l.File == "" {
			continue
		}
		if l.Commit == "" {
			if b, err := os.ReadFile(filepath.Join(p.Root, l.File)); err == nil {
				take(l.File, b)
			}
			continue
		}
		if p.ReadAt == nil {
			continue
		}
		if b, err := p.ReadAt(l.Commit, l.File); err == nil {
			take(l.File, b)
		}
	}
	// The rotations' backups of the key's source hold its old values.
	if k := p.key(in.Key); k != nil && k.Source != "" && len(seen) < len(want) {
		spec, err := keyfile.Parse(k.Source)
		if err == nil && spec.Path != "" {
			matches, _ := filepath.Glob(filepath.Join(p.Ledger.Dir, "backups", "*"))
			for _, m := range matches {
				sp := spec
				sp.Path = m
				if v, err := keyfile.Read(sp); err == nil && want[secret.Hash(v.Reveal())] && !seen[secret.Hash(v.Reveal())] {
					seen[secret.Hash(v.Reveal())] = true
					out = append(out, scanner.Finding{RuleID: in.RuleID, Provider: in.Provider, KeyName: in.Key, Secret: v, File: m})
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, hint.Errorf("delete the key at its provider yourself, then: leakguard incidents done "+in.ID+" revoke --manual",
			"incident %s: the leaked value was not found again at its recorded locations", in.ID)
	}
	return out, nil
}

// Revoker revokes credentials through their providers and verifies them
// (a *verify.Checker).
type Revoker interface {
	Revoke(ctx context.Context, creds []verify.Credential) []verify.Revocation
	Check(ctx context.Context, creds []verify.Credential) []verify.Result
}

// Revoke revokes incident id's leaked values (creds, from
// [Playbook.LeakedValues]) through r where the provider has an API, and
// verifies the others again (perhaps the user deleted the key already);
// it prints each outcome to Out and records the worst (see
// [Playbook.Revoked]). Unless the old value now verifies invalid, the
// error says where to delete it and how to finish.
//
// Where the provider has a revocation API, p.Confirm (when set) is asked
// first; no revokes nothing.
func (p *Playbook) Revoke(ctx context.Context, id string, creds []verify.Credential, r Revoker) error {
	if g := verify.GuideFor(creds[0]); g.Revoke != "" && p.Confirm != nil {
		in, err := p.Ledger.Incident(id)
		if err != nil {
			return err
		}
		if !p.Confirm(fmt.Sprintf("revoke %s's leaked value through %s? This cannot be undone", in.Subject(), g.Revoke)) {
			return hint.Usagef("run it again and answer y, or pass --yes", "cancelled: nothing revoked")
		}
	}
	o := RevokeOutcome{Method: "manual"} // Validity: the worst answer of the copies found
	for i, rv := range r.Revoke(ctx, creds) {
		g := rv.Guide
		if o.KeysPage == "" {
			o.KeysPage, o.UsagePage = g.KeysPage, g.UsagePage
		}
		after := rv.After
		if rv.Method != "api" {
			// Perhaps the user deleted it already: ask the provider.
			after = r.Check(ctx, creds[i:i+1])[0]
		} else {
			o.Method = "api"
		}
		p.printf("%s  %s: %s\n", id, rv.Method, rv.Detail)
		p.printf("%s  the old value is now %s — %s\n", id, after.Validity, after.Detail)
		o.Validity, o.Detail = worse(o.Validity, string(after.Validity)), after.Detail
	}
	if o.Validity == "" {
		o.Validity = string(verify.Unknown)
	}
	if _, err := p.Revoked(ctx, id, o); err != nil {
		return hint.Wrap(err, "the revocation is recorded in the ledger; run leakguard revoke "+id+" again to update the issue")
	}
	if o.Validity == string(verify.Invalid) {
		p.notef("%s: the old value no longer works; revoke step done", id)
		if o.UsagePage != "" {
			p.notef("next: audit its use at %s, then leakguard incidents done %s audit-usage", o.UsagePage, id)
		}
		return nil
	}
	h := "delete the key at its provider"
	if o.KeysPage != "" {
		h += " (" + o.KeysPage + ")"
	}
	h += ", then run leakguard revoke " + id + " again to verify it"
	if o.Validity == string(verify.Unknown) {
		h += "; if it cannot be verified: leakguard incidents done " + id + " revoke --manual"
	}
	if o.UsagePage != "" {
		h += "; audit its use at " + o.UsagePage
	}
	return hint.Wrap(fmt.Errorf("incident %s: the old value is %s", id, o.Validity), h)
}

// worse keeps the least reassuring of two validities: one live copy
// means the leak is live.
func worse(a, b string) string {
	rank := map[string]int{"": 0, "invalid": 1, "unknown": 2, "live": 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}
