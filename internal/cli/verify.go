package cli

import (
	"cmp"
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/remediate/httpx"
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

// newChecker builds the run's verifier from [verify.endpoints], on the
// run's HTTP client; $LEAKGUARD_HTTP_TIMEOUT, when set, bounds each
// request in place of verify's shorter default.
func newChecker(s *IO, e *env) (*verify.Checker, error) {
	hc, err := s.httpClient()
	if err != nil {
		return nil, err
	}
	o := verify.Options{Endpoints: e.cfg.Verify.Endpoints, UserAgent: "leakguard/" + Version(), HTTP: hc}
	if s.Getenv(httpx.TimeoutEnv) != "" {
		o.Timeout = hc.Timeout
	}
	c, err := verify.New(o)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cmp.Or(e.cfg.Path, "config"), err)
	}
	return c, nil
}

// afterScan verifies the findings when asked (--verify, [verify]
// enabled) and marks the exposures of values remediation rotated away or
// revoked (the committed inventory's past fingerprints; the local
// ledger's incidents, when there is one), adding both to the summary.
func (f *scanFlags) afterScan(ctx context.Context, s *IO, e *env, res *scanResult) error {
	if len(res.Findings) == 0 {
		return nil
	}
	if f.shouldVerify(e) {
		c, err := newChecker(s, e)
		if err != nil {
			return err
		}
		res.summary += "; verified: " + c.Findings(ctx, res.Findings, e.cfg.Keys)
	}
	if n := remediate.AnnotateFrom(stateDir(s.Getenv, e.cfg), res.Findings, e.cfg.Keys); n > 0 {
		res.summary += fmt.Sprintf("; %d no longer live (rotated or revoked)", n)
	}
	return nil
}
