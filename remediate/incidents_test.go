package remediate

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/internal/hint"
)

// incidents done and close: what they say on Err, and their errors'
// kinds and hints (done's are usage errors; close's steps left are a
// PendingError that says how to finish; its other errors say the ledger
// has the close).
func TestDoneAndCloseReport(t *testing.T) {
	ctx := context.Background()
	p, _, _, _ := testPlaybook(t)
	p.Issues = nil
	var log bytes.Buffer
	p.Err = &log
	o, _, err := p.Open(ctx, leak(tvly()), false)
	if err != nil {
		t.Fatal(err)
	}
	id := o[0].Incident.ID
	log.Reset()

	err = p.Done(ctx, id, "nope", "", false)
	if !hint.IsUsage(err) || !strings.Contains(err.Error(), `has no step "nope"`) || hint.Of(err) != "see the steps with leakguard incidents show "+id {
		t.Errorf("unknown step: %v (hint %q)", err, hint.Of(err))
	}
	err = p.Done(ctx, id, "revoke", "", false)
	if !hint.IsUsage(err) || !errors.As(err, new(*RevokeUnverifiedError)) || !strings.HasPrefix(hint.Of(err), "run leakguard revoke "+id) {
		t.Errorf("revoke without --manual: %v (hint %q)", err, hint.Of(err))
	}
	if log.Len() != 0 {
		t.Errorf("noted a failure: %q", log.String())
	}
	if err := p.Done(ctx, id, "audit-usage", "", false); err != nil || log.String() != "leakguard: "+id+": audit-usage done\n" {
		t.Errorf("done: %v %q", err, log.String())
	}

	log.Reset()
	err = p.Close(ctx, id, "", false)
	var pe *PendingError
	if !errors.As(err, &pe) || hint.IsUsage(err) || !strings.HasPrefix(hint.Of(err), "finish them (leakguard incidents done "+id+" STEP for manual ones, leakguard revoke "+id+")") {
		t.Errorf("steps left: %v (hint %q)", err, hint.Of(err))
	}
	err = p.Close(ctx, id, " ", true)
	if err == nil || hint.IsUsage(err) || hint.Of(err) != "the ledger records the close; run the command again to update the issue" {
		t.Errorf("--force without a reason: %v (hint %q)", err, hint.Of(err))
	}
	if log.Len() != 0 {
		t.Errorf("noted a failure: %q", log.String())
	}
	if err := p.Close(ctx, id, "gone", true); err != nil || log.String() != "leakguard: "+id+" closed\n" {
		t.Errorf("closed: %v %q", err, log.String())
	}
}
