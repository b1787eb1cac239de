package remediate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/leakguard/leakguard/internal/hint"
	"strings"

	"github.com/leakguard/leakguard/scanner"
)

// setStep updates a step of every open incident of key (or of incident
// id when id is set) and records it.
func (p *Playbook) setStep(key, id, step, status, detail string) error {
	return p.Ledger.Update(func(st *State) error {
		now := p.Ledger.now()
		for _, in := range st.Incidents {
			if in.Status != "open" || (id != "" && in.ID != id) || (id == "" && in.Key != key) {
				continue
			}
			if s := in.Step(step); s != nil {
				s.Status, s.Detail, s.Updated = status, detail, now
			}
		}
		return nil
	})
}

// openIncidents lists the open incidents of key.
func (p *Playbook) openIncidents(key string) ([]*Incident, error) {
	st, err := p.Ledger.Read()
	if err != nil {
		return nil, err
	}
	var out []*Incident
	for _, in := range st.Incidents {
		if in.Status == "open" && in.Key == key {
			out = append(out, in)
		}
	}
	return out, nil
}

// NoIncidentError names an incident the ledger does not hold: a mistake
// in what the user passed, with the one hint every command gives for it.
type NoIncidentError struct{ ID string }

func (e *NoIncidentError) Error() string { return "no incident " + e.ID }

// Hint says where the ids are.
func (e *NoIncidentError) Hint() string { return "list them with leakguard incidents list" }

// RevokeUnverifiedError refuses to mark the revoke step done without
// either a verification or the user's word.
type RevokeUnverifiedError struct{ ID string }

func (e *RevokeUnverifiedError) Error() string {
	return "incident " + e.ID + ": the revoke step is done when the old value verifies invalid"
}

// Hint says the two ways.
func (e *RevokeUnverifiedError) Hint() string {
	return "run leakguard revoke " + e.ID + ", or, once you deleted the key yourself, leakguard incidents done " + e.ID + " revoke --manual (recorded as unverified)"
}

// Done marks a step of an incident done (a manual step, typically) with
// an optional note, and says so on Err. The revoke step needs manual:
// without a verification it is recorded as unverified. Its errors are
// usage errors (by default, the hint shows the steps).
func (p *Playbook) Done(ctx context.Context, id, step, note string, manual bool) error {
	if err := p.done(ctx, id, step, note, manual); err != nil {
		return usage(err, "see the steps with leakguard incidents show "+id)
	}
	p.notef("%s: %s done", id, step)
	return nil
}

func (p *Playbook) done(ctx context.Context, id, step, note string, manual bool) error {
	if step == "revoke" && !manual {
		return &RevokeUnverifiedError{ID: id}
	}
	if step == "revoke" {
		note = strings.TrimSpace("unverified: marked revoked by hand. " + note)
	}
	found := false
	err := p.Ledger.Update(func(st *State) error {
		in := st.Incident(id)
		if in == nil {
			return &NoIncidentError{ID: id}
		}
		s := in.Step(step)
		if s == nil {
			var ids []string
			for _, s := range in.Steps {
				ids = append(ids, s.ID)
			}
			return fmt.Errorf("incident %s has no step %q (steps: %s)", id, step, strings.Join(ids, ", "))
		}
		found = true
		s.Status, s.Detail, s.Updated = StepDone, note, p.Ledger.now()
		return nil
	})
	if err != nil || !found {
		return err
	}
	p.audit(&Incident{ID: id}, "done:"+step, "", "ok", note)
	if p.Issues != nil {
		return p.syncIssue(ctx, id, "")
	}
	return nil
}

// RevokeOutcome is what revoking (or re-verifying) an incident's leaked
// values found: the command layer asks the provider and reports here.
type RevokeOutcome struct {
	// Method is "api" when the provider's API was asked to revoke it,
	// "manual" when a person must delete it.
	Method string
	// Validity is the old value's verification afterwards: "invalid"
	// completes the step.
	Validity string
	Detail   string
	// KeysPage is where the key is deleted, UsagePage where its use is
	// audited.
	KeysPage, UsagePage string
}

// Revoked records a revocation attempt. When the old value verifies
// invalid the revoke step is done and so is regenerate (the old key is
// dead); otherwise the step stays open with what to do, and the usage
// page is added to the audit-usage step.
func (p *Playbook) Revoked(ctx context.Context, id string, o RevokeOutcome) (*Incident, error) {
	var out *Incident
	err := p.Ledger.Update(func(st *State) error {
		in := st.Incident(id)
		if in == nil {
			return &NoIncidentError{ID: id}
		}
		now := p.Ledger.now()
		in.Validity, in.ValidityDetail, in.Verified = o.Validity, o.Detail, &now
		if s := in.Step("revoke"); s != nil {
			if o.Validity == "invalid" {
				s.Status, s.Detail = StepDone, "verified invalid "+now.Format("2006-01-02 15:04 UTC")
				if r := in.Step("regenerate"); r != nil && r.Status != StepDone {
					r.Status, r.Detail, r.Updated = StepDone, "the old value verifies invalid", now
				}
			} else {
				s.Status = StepPending
				s.Detail = "the old value is " + o.Validity
				if o.KeysPage != "" {
					s.Detail += "; delete it at " + o.KeysPage + ", then run leakguard revoke " + id + " again"
				}
			}
			s.Updated = now
		}
		if a := in.Step("audit-usage"); a != nil && o.UsagePage != "" && a.Status != StepDone {
			a.Detail = "usage: " + o.UsagePage
		}
		out = in
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.audit(out, "revoke", o.Method, o.Validity, o.Detail)
	if p.Issues != nil {
		ev := ""
		if o.Validity == "invalid" {
			ev = "revoked|the leaked value of " + out.Subject() + " no longer works (verified invalid)"
		}
		if err := p.syncIssue(ctx, id, ev); err != nil {
			return out, err
		}
	}
	return out, nil
}

// Close closes an incident: every step must be done, or force with a
// reason (the open steps are recorded in the ledger and the issue). The
// audit issue is closed with a comment. A closed incident stays closed;
// Close says so on Err. Steps left are a [PendingError]; the hint of
// another error says the ledger has the close (unless it has its own).
func (p *Playbook) Close(ctx context.Context, id, reason string, force bool) error {
	if err := p.close(ctx, id, reason, force); err != nil {
		return hint.Wrap(err, cmp.Or(hint.Of(err), "the ledger records the close; run the command again to update the issue"))
	}
	p.notef("%s closed", id)
	return nil
}

func (p *Playbook) close(ctx context.Context, id, reason string, force bool) error {
	if force && strings.TrimSpace(reason) == "" {
		return errors.New("--force needs --reason: say why the open steps do not matter")
	}
	var in *Incident
	already := false
	err := p.Ledger.Update(func(st *State) error {
		in = st.Incident(id)
		if in == nil {
			return &NoIncidentError{ID: id}
		}
		if in.Status == "closed" {
			already = true
			return nil
		}
		var ids []string
		for _, s := range in.Pending() {
			if s.ID != "issue" {
				ids = append(ids, s.ID)
			}
		}
		if len(ids) > 0 && !force {
			return &PendingError{ID: id, Steps: ids}
		}
		now := p.Ledger.now()
		in.Status, in.Closed, in.CloseReason, in.ForcedOpen = "closed", &now, reason, ids
		return nil
	})
	if err != nil {
		return err
	}
	if !already {
		p.audit(in, "close", "", "ok", reason)
	}
	if p.Issues == nil || in.Issue == nil || in.Issue.Closed {
		return nil
	}
	return p.closeIssue(ctx, in)
}

// closeIssue closes a closed incident's audit issue: its checklist is
// updated and the closing comment posted once, as every progress comment
// is (syncIssue: escaped, and looked for before posting again after an
// interrupted run), then the issue closed. The ledger records the issue
// closed only once GitHub confirmed, so a failed close is finished by the
// next.
func (p *Playbook) closeIssue(ctx context.Context, in *Incident) error {
	detail := "closed incident " + in.ID + "."
	if in.CloseReason != "" {
		detail += " Reason: " + in.CloseReason
	}
	if len(in.ForcedOpen) > 0 {
		detail += " Closed with open steps (--force): " + strings.Join(in.ForcedOpen, ", ")
	}
	if err := p.syncIssue(ctx, in.ID, "closed|"+detail); err != nil {
		return err
	}
	n := in.Issue.Number
	if err := p.Issues.Close(ctx, n, ""); err != nil {
		return fmt.Errorf("closing issue #%d: %w", n, err)
	}
	if err := p.Ledger.Update(func(st *State) error {
		if x := st.Incident(in.ID); x != nil && x.Issue != nil && x.Issue.Number == n {
			x.Issue.Closed = true
		}
		return nil
	}); err != nil {
		return err
	}
	p.audit(in, "issue-close", "github", "ok", fmt.Sprintf("#%d", n))
	return nil
}

// PendingError lists the steps that keep an incident open.
type PendingError struct {
	ID    string
	Steps []string
}

func (e *PendingError) Error() string {
	return fmt.Sprintf("incident %s has steps left: %s", e.ID, strings.Join(e.Steps, ", "))
}

// Hint says how to finish them, or to close anyway.
func (e *PendingError) Hint() string {
	return "finish them (leakguard incidents done " + e.ID + " STEP for manual ones, leakguard revoke " + e.ID + ") or pass --force --reason \"…\""
}

// syncIssue opens the incident's audit issue if it has none, else
// updates its checklist; with event set, it also posts that progress
// comment once.
//
// Finding and creating the issue happen under the state directory's
// issue lock, and the ledger is read again inside it: a second run
// waiting on the lock finds the issue the first one recorded.
func (p *Playbook) syncIssue(ctx context.Context, id, event string) error {
	unlock, err := p.Ledger.LockIssues()
	if err != nil {
		return err
	}
	defer unlock()
	st, err := p.Ledger.Read()
	if err != nil {
		return err
	}
	in := st.Incident(id)
	if in == nil {
		return &NoIncidentError{ID: id}
	}
	body := p.issueBody(in)
	if in.Issue == nil {
		// Recorded before the call: a crash now is resumed by Ensure,
		// which finds the issue by its marker instead of opening another.
		if err := p.setStep("", id, "issue", StepRunning, "opening"); err != nil {
			return err
		}
		title := issueTitle(in)
		num, url, created, err := p.Issues.Ensure(ctx, in.ID, title, body, p.labels())
		if err != nil {
			p.setStep("", id, "issue", StepFailed, errText(err))
			p.audit(in, "issue-open", "github", "failed", errText(err))
			return err
		}
		if err := p.Ledger.Update(func(st *State) error {
			if c := st.Incident(id); c != nil {
				c.Issue = &IssueRef{Number: num, URL: url}
				if s := c.Step("issue"); s != nil {
					s.Status, s.Detail, s.Updated = StepDone, url, p.Ledger.now()
				}
			}
			return nil
		}); err != nil {
			return err
		}
		res := "found"
		if created {
			res = "created"
		}
		p.audit(in, "issue-open", "github", res, url)
		if !created {
			// Found again (a re-run, or a crash after creating it): make
			// its body current.
			st, _ := p.Ledger.Read()
			if c := st.Incident(id); c != nil {
				body = p.issueBody(c)
			}
			if err := p.Issues.Update(ctx, num, body); err != nil {
				return err
			}
		}
		in.Issue = &IssueRef{Number: num, URL: url}
	} else if err := p.Issues.Update(ctx, in.Issue.Number, body); err != nil {
		p.audit(in, "issue-update", "github", "failed", errText(err))
		return err
	}
	if event == "" || in.HasEvent(event) {
		return nil
	}
	kind, _, _ := strings.Cut(event, "|")
	if contains(in.PendingEvents, event) {
		// An earlier post's outcome is unknown: look before posting again.
		ok, err := p.Issues.HasComment(ctx, in.Issue.Number, EventMarker(kind))
		if err != nil {
			return err
		}
		if ok {
			return p.eventPosted(in, event)
		}
	} else if err := p.Ledger.Update(func(st *State) error {
		if c := st.Incident(id); c != nil && !contains(c.PendingEvents, event) {
			c.PendingEvents = append(c.PendingEvents, event)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := p.Issues.Comment(ctx, in.Issue.Number, eventComment(event)); err != nil {
		p.audit(in, "issue-comment", "github", "failed", errText(err))
		return err
	}
	return p.eventPosted(in, event)
}

// eventPosted records a progress comment as posted.
func (p *Playbook) eventPosted(in *Incident, event string) error {
	if err := p.Ledger.Update(func(st *State) error {
		if c := st.Incident(in.ID); c != nil {
			if !c.HasEvent(event) {
				c.Events = append(c.Events, event)
			}
			var keep []string
			for _, e := range c.PendingEvents {
				if e != event {
					keep = append(keep, e)
				}
			}
			c.PendingEvents = keep
		}
		return nil
	}); err != nil {
		return err
	}
	p.audit(in, "issue-comment", "github", "ok", event)
	return nil
}

func issueTitle(in *Incident) string {
	return "Leaked credential: " + in.Subject() + " (" + in.ID + ")"
}

// Recover moves a corrupt ledger aside (incidents.json.bad-TIME), tells
// the user, and rebuilds what it can from the audit issues' markers:
// each issue leakguard may adopt becomes an incident with its id, key or
// rule (from the title), state and issue. It returns how many incidents
// were rebuilt; 0 and no error when the ledger was sound.
//
// Its errors say the corrupt file was kept and how to get past it.
func (p *Playbook) Recover(ctx context.Context) (int, error) {
	n, err := p.recover(ctx)
	if err != nil {
		return n, hint.Wrap(err, "the corrupt file was kept; check the GitHub token, or pass --no-issue to start from an empty ledger")
	}
	return n, nil
}

func (p *Playbook) recover(ctx context.Context) (int, error) {
	bad, err := p.Ledger.Repair()
	if err != nil || bad == "" {
		return 0, err
	}
	p.warnf("the ledger could not be read; it was moved aside as %s", bad)
	if p.Issues == nil {
		p.warnf("no audit issues to rebuild the incidents from ([github] is not set, or --no-issue): re-run leakguard remediate to find the leaks again")
		return 0, nil
	}
	issues, err := p.Issues.List(ctx)
	if err != nil {
		return 0, fmt.Errorf("rebuilding the incidents from the audit issues: %w", err)
	}
	n := 0
	err = p.Ledger.Update(func(st *State) error {
		now := p.Ledger.now()
		for _, is := range issues {
			if st.Incident(is.ID) != nil {
				continue
			}
			in := &Incident{ID: is.ID, Opened: now, Status: "open", MappedBy: "rebuilt from issue",
				Issue: &IssueRef{Number: is.Number, URL: is.URL}}
			subject := strings.TrimPrefix(is.Title, "Leaked credential: ")
			subject = strings.TrimSpace(strings.TrimSuffix(subject, "("+is.ID+")"))
			if k := p.key(subject); k != nil {
				in.Key, in.Provider = k.Name, k.Provider
			} else {
				in.RuleID = subject
			}
			if is.Closed {
				in.Status, in.Closed, in.CloseReason = "closed", &now, "closed on GitHub (rebuilt)"
			} else {
				g := &group{key: in.Key, rule: scanner.Finding{RuleID: in.RuleID}}
				in.Steps = p.newSteps(g, in.ID, now)
			}
			st.Incidents = append(st.Incidents, in)
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	p.warnf("rebuilt %d incidents from the audit issues; their steps restart as pending: leakguard remediate finds the leaks again and leakguard sync re-checks the targets", n)
	return n, nil
}
