package verify

import (
	"context"
	"fmt"
	"strings"

	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
)

// Credentials are findings as the verifier sees them; keys (the managed
// keys) give a finding's key its declared provider and base_url.
func Credentials(fs []scanner.Finding, keys []rules.Key) []Credential {
	byName := map[string]rules.Key{}
	for _, k := range keys {
		byName[k.Name] = k
	}
	creds := make([]Credential, len(fs))
	for i := range fs {
		f := &fs[i]
		creds[i] = Credential{Rule: f.RuleID, Provider: f.Provider, Value: f.Secret, Key: f.KeyName,
			// Halves of a pair (an AWS key id and its secret) are looked
			// for where they were found together.
			Group: f.File + "\x00" + f.Commit}
		if k, ok := byName[f.KeyName]; ok {
			creds[i].KeyProvider, creds[i].BaseURL = k.Provider, k.BaseURL
		}
	}
	return creds
}

// Findings verifies findings, fills each one's Validity and
// ValidityDetail, and returns a summary ("2 live, 1 invalid, 3 unknown").
func (c *Checker) Findings(ctx context.Context, fs []scanner.Finding, keys []rules.Key) string {
	counts := map[Validity]int{}
	for i, r := range c.Check(ctx, Credentials(fs, keys)) {
		fs[i].Validity, fs[i].ValidityDetail = string(r.Validity), r.Detail
		counts[r.Validity]++
	}
	var parts []string
	for _, v := range []Validity{Live, Invalid, Unknown} {
		if counts[v] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[v], v))
		}
	}
	return strings.Join(parts, ", ")
}
