package verify

import (
	"context"
	"testing"

	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/secret"
)

// A managed key's finding carries the key's provider and base_url; the
// halves of a pair are grouped by file and commit.
func TestCredentialsFromFindings(t *testing.T) {
	fs := []scanner.Finding{
		{RuleID: "managed-key", KeyName: "GW_KEY", Secret: secret.New(rules.RandString(40, "alnum")), File: "a.env", Commit: "c1"},
		{RuleID: "r", Provider: "p", Secret: secret.New(rules.RandString(40, "alnum")), File: "a.env"},
	}
	keys := []rules.Key{{Name: "GW_KEY", Provider: "anthropic", BaseURL: "https://gw.example"}}
	cs := Credentials(fs, keys)
	if cs[0].Key != "GW_KEY" || cs[0].KeyProvider != "anthropic" || cs[0].BaseURL != "https://gw.example" || !cs[0].Value.Equal(fs[0].Secret) {
		t.Errorf("managed key: %+v", cs[0])
	}
	if cs[1].KeyProvider != "" || cs[1].Provider != "p" || cs[1].Rule != "r" || cs[0].Group == cs[1].Group {
		t.Errorf("unmanaged: %+v (group %q vs %q)", cs[1], cs[1].Group, cs[0].Group)
	}
}

// Findings fills each finding's validity and sums them up; a value no
// verifier knows is unknown, and nothing goes over the network.
func TestFindingsSummary(t *testing.T) {
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	fs := []scanner.Finding{{RuleID: "no-such-rule", Secret: secret.New(rules.RandString(40, "alnum"))}}
	if sum := c.Findings(context.Background(), fs, nil); sum != "1 unknown" {
		t.Errorf("summary %q", sum)
	}
	if fs[0].Validity != "unknown" || fs[0].ValidityDetail == "" {
		t.Errorf("finding: %q %q", fs[0].Validity, fs[0].ValidityDetail)
	}
}
