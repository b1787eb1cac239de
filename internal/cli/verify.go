package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/verify"
)

// shouldVerify decides whether a scan asks providers about its findings:
// --verify (or --verify=false) decides; otherwise [verify] enabled does,
// except for a hook's scan (--staged, --pre-push), which sends secrets
// over the network only when --verify is given explicitly.
func (f *scanFlags) shouldVerify(e *env) bool {
	if f.verifyFlag != nil && f.verifyFlag.Changed {
		return f.verify
	}
	return e.cfg.Verify.Enabled && !f.staged && !f.prePush
}

// registerVerify adds --verify to a scanning command.
func (f *scanFlags) registerVerify(fl *pflag.FlagSet) {
	fl.BoolVar(&f.verify, "verify", false, "ask each secret's own provider whether it still works (sends the secret to that provider's API only)")
	f.verifyFlag = fl.Lookup("verify")
}

// newChecker builds the run's verifier from [verify.endpoints].
func newChecker(e *env) (*verify.Checker, error) {
	c, err := verify.New(verify.Options{Endpoints: e.cfg.Verify.Endpoints, UserAgent: "leakguard/" + Version()})
	if err != nil {
		where := e.cfg.Path
		if where == "" {
			where = "config"
		}
		return nil, &Error{Code: ExitUsage, Err: fmt.Errorf("%s: %v", where, err),
			Hint: "fix [verify.endpoints] (provider ids are listed in README.md, 'Verifying findings')"}
	}
	return c, nil
}

// credentials are the findings as the verifier sees them.
func credentials(e *env, fs []scanner.Finding) []verify.Credential {
	keys := map[string]rules.Key{}
	for _, k := range e.cfg.Keys {
		keys[k.Name] = k
	}
	creds := make([]verify.Credential, len(fs))
	for i := range fs {
		f := &fs[i]
		creds[i] = verify.Credential{Rule: f.RuleID, Provider: f.Provider, Value: f.Secret, Key: f.KeyName,
			// Halves of a pair (an AWS key id and its secret) are looked
			// for where they were found together.
			Group: f.File + "\x00" + f.Commit}
		if k, ok := keys[f.KeyName]; ok {
			creds[i].KeyProvider, creds[i].BaseURL = k.Provider, k.BaseURL
		}
	}
	return creds
}

// afterScan verifies the findings when asked (--verify, [verify]
// enabled) and marks the exposures of values remediation rotated away or
// revoked (the committed inventory's past fingerprints; the local
// ledger's incidents, when there is one), adding both to the summary.
func (f *scanFlags) afterScan(ctx context.Context, s *IO, e *env, res *scanResult) error {
	if len(res.found) == 0 {
		return nil
	}
	if f.shouldVerify(e) {
		sum, err := verifyFindings(ctx, e, res.found)
		if err != nil {
			return err
		}
		res.summary += "; verified: " + sum
	}
	if n := annotateExposures(s, e, res.found); n > 0 {
		res.summary += fmt.Sprintf("; %d no longer live (rotated or revoked)", n)
	}
	return nil
}

// annotateExposures sets Exposure on findings whose value is known dead
// or replaced. The ledger is read only when it exists: a scan never
// creates the state directory.
func annotateExposures(s *IO, e *env, fs []scanner.Finding) int {
	var st *remediate.State
	l := &remediate.Ledger{Dir: stateDir(s.Getenv, e.cfg)}
	if _, err := os.Stat(filepath.Join(l.Dir, "incidents.json")); err == nil {
		st, _ = l.Read()
	}
	return remediate.Annotate(fs, e.cfg.Keys, st)
}

// verifyFindings fills each finding's Validity and ValidityDetail and
// returns a summary ("2 live, 1 invalid, 3 unknown").
func verifyFindings(ctx context.Context, e *env, fs []scanner.Finding) (string, error) {
	c, err := newChecker(e)
	if err != nil {
		return "", err
	}
	creds := credentials(e, fs)
	counts := map[verify.Validity]int{}
	for i, r := range c.Check(ctx, creds) {
		fs[i].Validity, fs[i].ValidityDetail = string(r.Validity), r.Detail
		counts[r.Validity]++
	}
	var parts []string
	for _, v := range []verify.Validity{verify.Live, verify.Invalid, verify.Unknown} {
		if counts[v] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[v], v))
		}
	}
	return strings.Join(parts, ", "), nil
}
