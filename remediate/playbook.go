package remediate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/secret"
)

// Playbook runs the seed's "If API Key is Leaked" procedure: regenerate
// at the provider, update the source of truth, sync every environment,
// audit usage.
type Playbook struct {
	Ledger *Ledger
	Keys   []rules.Key
	// Target builds the target named in the config; nil when syncing is
	// not needed.
	Target func(name string) (Target, error)
	// Issues keeps the audit issues; nil for --no-issue.
	Issues IssueTracker
	Labels []string
	// Repo ("owner/name") and Server ("https://github.com") make file
	// links in issue bodies; optional.
	Repo   string
	Server string
	Out    io.Writer
	// Err receives warnings (a failed audit-log write, an issue that
	// could not be updated); nil discards them. Never the data stream.
	Err io.Writer
	// OnRotated records a rotation in the inventory (the new value's
	// fingerprint and the date); optional.
	OnRotated func(name, fingerprint string) error
	// Forbid registers values that must never be sent to the issue
	// tracker: every secret the playbook reads passes through it.
	Forbid func(values ...secret.Value)
}

func (p *Playbook) forbid(vs ...secret.Value) {
	if p.Forbid != nil {
		p.Forbid(vs...)
	}
}

func (p *Playbook) key(name string) *rules.Key {
	for i := range p.Keys {
		if p.Keys[i].Name == name {
			return &p.Keys[i]
		}
	}
	return nil
}

func (p *Playbook) printf(format string, a ...any) {
	if p.Out != nil {
		fmt.Fprintf(p.Out, format, a...)
	}
}

// warnf writes a warning to Err.
func (p *Playbook) warnf(format string, a ...any) {
	if p.Err != nil {
		fmt.Fprintf(p.Err, "leakguard: warning: "+format+"\n", a...)
	}
}

func (p *Playbook) audit(in *Incident, action, target, result, detail string) {
	ev := Event{Action: action, Target: target, Result: result, Detail: detail}
	if in != nil {
		ev.Incident, ev.Key = in.ID, in.Key
	}
	if err := p.Ledger.Audit(ev); err != nil {
		p.warnf("audit log: %v", err)
	}
}

// secretHashOf returns the hash that identifies a finding's secret: from
// the secret when the finding carries it, else from its fingerprint
// (rule:hash), as in a redacted JSON report.
func secretHashOf(f scanner.Finding) string {
	if !f.Secret.IsZero() && !strings.Contains(f.Secret.Reveal(), "…(") {
		return secret.Hash(f.Secret.Reveal())
	}
	if i := strings.LastIndexByte(f.Fingerprint, ':'); i >= 0 {
		return f.Fingerprint[i+1:]
	}
	return ""
}

// group is the findings of one incident to be.
type group struct {
	key      string // managed key or ""
	mappedBy string
	rule     scanner.Finding
	hashes   map[string]bool
	locs     []Location
}

// mapFindings ties findings to managed keys: by name, by known value, by
// provider when exactly one managed key has it; the rest are unmanaged,
// one group per rule and secret.
func (p *Playbook) mapFindings(fs []scanner.Finding) []*group {
	byProvider := map[string][]string{}
	for _, k := range p.Keys {
		if k.Provider != "" {
			byProvider[k.Provider] = append(byProvider[k.Provider], k.Name)
		}
	}
	groups := map[string]*group{}
	var order []string
	for _, f := range fs {
		h := secretHashOf(f)
		key, by := f.KeyName, ""
		switch {
		case key != "" && f.RuleID == "known-value":
			by = "known-value"
		case key != "":
			by = "name"
		case len(byProvider[f.Provider]) == 1:
			key, by = byProvider[f.Provider][0], "provider (unverified)"
		default:
			by = "unmanaged"
		}
		gk := "key:" + key
		if key == "" {
			gk = "rule:" + f.RuleID + ":" + h
		}
		g := groups[gk]
		if g == nil {
			g = &group{key: key, mappedBy: by, rule: f, hashes: map[string]bool{}}
			groups[gk] = g
			order = append(order, gk)
		}
		if h != "" {
			g.hashes[h] = true
		}
		g.locs = append(g.locs, Location{
			File: f.File, Line: f.StartLine, Commit: f.Commit, Author: f.Author, Date: f.Date,
			RuleID: f.RuleID, Preview: f.RedactedLine(),
		})
	}
	out := make([]*group, 0, len(order))
	for _, k := range order {
		out = append(out, groups[k])
	}
	return out
}

// newSteps is the playbook for a managed key or an unmanaged secret.
func (p *Playbook) newSteps(g *group, now time.Time) []*Step {
	rotateURL := g.rule.RotateURL
	var steps []*Step
	add := func(id, title string, manual bool) {
		steps = append(steps, &Step{ID: id, Title: title, Status: StepPending, Manual: manual, Updated: now})
	}
	if k := p.key(g.key); k != nil {
		if k.RotateURL != "" {
			rotateURL = k.RotateURL
		}
		add("regenerate", "Regenerate "+k.Name+" in the provider's dashboard"+urlSuffix(rotateURL), true)
		if k.Source != "" {
			add("rotate", "Update the source of truth ("+k.Source+"): leakguard rotate "+k.Name, false)
		} else {
			add("rotate", "Update the source of truth: set source for "+k.Name+" in leakguard.toml, then leakguard rotate "+k.Name, false)
		}
		for _, t := range k.Targets {
			add("sync:"+t, "Sync the new value to "+t+" and verify it: leakguard sync "+k.Name, false)
		}
	} else {
		add("regenerate", "Regenerate the credential at the provider"+urlSuffix(rotateURL), true)
		add("replace", "Replace the old value everywhere it is used (add it to the inventory to let leakguard sync it)", true)
	}
	add("audit-usage", "Audit the provider's usage logs for unauthorized access since the leak", true)
	return steps
}

func urlSuffix(u string) string {
	if u == "" {
		return ""
	}
	return ": " + u
}

func incidentID(g *group) string {
	var hs []string
	for h := range g.hashes {
		hs = append(hs, h)
	}
	sort.Strings(hs)
	base := g.key
	if base == "" {
		base = g.rule.RuleID
	}
	sum := sha256.Sum256([]byte(base + "|" + strings.Join(hs, ",")))
	return "LG-" + strings.ToUpper(hex.EncodeToString(sum[:4]))
}

// Opened is the result of Open for one incident.
type Opened struct {
	Incident *Incident
	New      bool
	Added    int // new locations added to an existing incident
}

// Open records the findings as incidents (new, or extending the open
// incident of the same key or secret), prints the playbook and opens or
// updates each audit issue. With dryRun nothing is written or sent.
func (p *Playbook) Open(ctx context.Context, fs []scanner.Finding, dryRun bool) ([]Opened, error) {
	groups := p.mapFindings(fs)
	var out []Opened
	apply := func(st *State) error {
		out = out[:0]
		now := p.Ledger.now()
		for _, g := range groups {
			var in *Incident
			for _, c := range st.Incidents {
				if c.Status != "open" {
					continue
				}
				if (g.key != "" && c.Key == g.key) || (g.key == "" && c.Key == "" && c.RuleID == g.rule.RuleID && overlapsHashes(c.SecretHashes, g.hashes)) {
					in = c
					break
				}
			}
			if in == nil {
				id := incidentID(g)
				for n := 2; st.Incident(id) != nil; n++ {
					id = fmt.Sprintf("%s-%d", incidentID(g), n)
				}
				in = &Incident{
					ID: id, Key: g.key, RuleID: g.rule.RuleID, Provider: g.rule.Provider,
					Description: g.rule.Description, RotateURL: g.rule.RotateURL, MappedBy: g.mappedBy,
					Opened: now, Status: "open", Steps: p.newSteps(g, now),
				}
				if k := p.key(g.key); k != nil {
					if k.Provider != "" {
						in.Provider = k.Provider
					}
					if k.RotateURL != "" {
						in.RotateURL = k.RotateURL
					}
				}
				if p.Issues != nil {
					in.Steps = append(in.Steps, &Step{ID: "issue", Title: "Open the audit issue", Status: StepPending, Updated: now})
				}
				st.Incidents = append(st.Incidents, in)
				out = append(out, Opened{Incident: in, New: true})
			} else {
				out = append(out, Opened{Incident: in})
			}
			o := &out[len(out)-1]
			for h := range g.hashes {
				if !contains(in.SecretHashes, h) {
					in.SecretHashes = append(in.SecretHashes, h)
				}
			}
			sort.Strings(in.SecretHashes)
			for _, l := range g.locs {
				if !hasLocation(in.Locations, l) {
					in.Locations = append(in.Locations, l)
					o.Added++
				}
			}
		}
		return nil
	}
	if dryRun {
		st, err := p.Ledger.Read()
		if err != nil {
			return nil, err
		}
		if err := apply(st); err != nil {
			return nil, err
		}
		for _, o := range out {
			p.printPlaybook(o, true)
		}
		return out, nil
	}
	if err := p.Ledger.Update(apply); err != nil {
		return nil, err
	}
	var errs []error
	for _, o := range out {
		in := o.Incident
		if o.New {
			p.audit(in, "open", "", "ok", fmt.Sprintf("%s, %d locations, mapped by %s", in.RuleID, len(in.Locations), in.MappedBy))
		} else if o.Added > 0 {
			p.audit(in, "extend", "", "ok", fmt.Sprintf("%d new locations", o.Added))
		}
		if p.Issues != nil {
			if err := p.syncIssue(ctx, in.ID, ""); err != nil {
				errs = append(errs, fmt.Errorf("incident %s: audit issue: %w", in.ID, err))
			}
		}
	}
	// Re-read: the issue step may have changed.
	st, err := p.Ledger.Read()
	if err == nil {
		for i := range out {
			if in := st.Incident(out[i].Incident.ID); in != nil {
				out[i].Incident = in
			}
		}
	}
	for _, o := range out {
		p.printPlaybook(o, false)
	}
	return out, errors.Join(errs...)
}

func overlapsHashes(have []string, want map[string]bool) bool {
	for _, h := range have {
		if want[h] {
			return true
		}
	}
	return false
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func hasLocation(ls []Location, l Location) bool {
	for _, x := range ls {
		if x.File == l.File && x.Line == l.Line && x.Commit == l.Commit && x.RuleID == l.RuleID {
			return true
		}
	}
	return false
}

// printPlaybook tells the user what to do for one incident.
func (p *Playbook) printPlaybook(o Opened, dry bool) {
	in := o.Incident
	what := in.RuleID
	if in.Key != "" {
		what = in.Key + " (" + in.RuleID + ")"
	}
	state := "open"
	switch {
	case o.New && dry:
		state = "would open"
	case o.New:
		state = "opened"
	case o.Added > 0 && dry:
		state = fmt.Sprintf("would add %d locations", o.Added)
	case o.Added > 0:
		state = fmt.Sprintf("%d new locations", o.Added)
	}
	p.printf("incident %s  %s — %s\n", in.ID, what, state)
	if in.MappedBy != "" && in.MappedBy != "name" {
		p.printf("  mapped by: %s\n", in.MappedBy)
	}
	for i, l := range in.Locations {
		if i == 5 {
			p.printf("  … and %d more locations\n", len(in.Locations)-5)
			break
		}
		p.printf("  found:     %s\n", locationText(l))
	}
	for i, s := range in.Steps {
		box := "[ ]"
		if s.Status == StepDone {
			box = "[x]"
		} else if s.Status == StepSkipped {
			box = "[-]"
		}
		p.printf("  %d. %s %s", i+1, box, s.Title)
		if s.Status == StepFailed || s.Status == StepRunning {
			p.printf(" (%s: %s)", s.Status, s.Detail)
		}
		p.printf("\n")
	}
	if in.Issue != nil {
		p.printf("  issue:     %s\n", in.Issue.URL)
	}
	p.printf("\n")
}

func locationText(l Location) string {
	s := l.File
	if s == "" {
		s = "(commit message)"
	}
	if l.Line > 0 {
		s += fmt.Sprintf(":%d", l.Line)
	}
	if l.Commit != "" {
		s += " in commit " + l.Commit[:min(12, len(l.Commit))]
		if l.Author != "" {
			s += " by " + l.Author
		}
		if l.Date != "" {
			s += " on " + l.Date
		}
	}
	return s
}

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

// Done marks a step of an incident done (a manual step, typically) with
// an optional note.
func (p *Playbook) Done(ctx context.Context, id, step, note string) error {
	found := false
	err := p.Ledger.Update(func(st *State) error {
		in := st.Incident(id)
		if in == nil {
			return fmt.Errorf("no incident %s", id)
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

// Close closes an incident: every step must be done, or force with a
// reason. The audit issue is closed with a comment.
func (p *Playbook) Close(ctx context.Context, id, reason string, force bool) error {
	if force && strings.TrimSpace(reason) == "" {
		return errors.New("--force needs --reason: say why the open steps do not matter")
	}
	var in *Incident
	err := p.Ledger.Update(func(st *State) error {
		in = st.Incident(id)
		if in == nil {
			return fmt.Errorf("no incident %s", id)
		}
		if in.Status == "closed" {
			return nil
		}
		if pend := in.Pending(); len(pend) > 0 && !force {
			var ids []string
			for _, s := range pend {
				if s.ID != "issue" {
					ids = append(ids, s.ID)
				}
			}
			if len(ids) > 0 {
				return &PendingError{ID: id, Steps: ids}
			}
		}
		now := p.Ledger.now()
		in.Status, in.Closed, in.CloseReason = "closed", &now, reason
		return nil
	})
	if err != nil {
		return err
	}
	p.audit(in, "close", "", "ok", reason)
	if p.Issues != nil && in.Issue != nil {
		msg := "leakguard closed incident " + in.ID + "."
		if reason != "" {
			msg += " Reason: " + reason
		}
		if pend := in.Pending(); len(pend) > 0 {
			var ids []string
			for _, s := range pend {
				ids = append(ids, s.ID)
			}
			msg += "\n\nClosed with open steps (--force): " + strings.Join(ids, ", ")
		}
		if err := p.Issues.Update(ctx, in.Issue.Number, p.issueBody(in)); err != nil {
			return fmt.Errorf("updating issue #%d: %w", in.Issue.Number, err)
		}
		if err := p.Issues.Close(ctx, in.Issue.Number, msg); err != nil {
			return fmt.Errorf("closing issue #%d: %w", in.Issue.Number, err)
		}
		p.audit(in, "issue-close", "github", "ok", fmt.Sprintf("#%d", in.Issue.Number))
	}
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

// syncIssue opens the incident's audit issue if it has none, else
// updates its checklist; with event set, it also posts that progress
// comment once.
func (p *Playbook) syncIssue(ctx context.Context, id, event string) error {
	st, err := p.Ledger.Read()
	if err != nil {
		return err
	}
	in := st.Incident(id)
	if in == nil {
		return fmt.Errorf("no incident %s", id)
	}
	body := p.issueBody(in)
	if in.Issue == nil {
		// Recorded before the call: a crash now is resumed by Ensure,
		// which finds the issue by its marker instead of opening another.
		if err := p.setStep("", id, "issue", StepRunning, "opening"); err != nil {
			return err
		}
		title := "Leaked credential: " + issueSubject(in) + " (" + in.ID + ")"
		num, url, created, err := p.Issues.Ensure(ctx, in.ID, title, body, p.Labels)
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
	if event != "" && !in.HasEvent(event) {
		if err := p.Issues.Comment(ctx, in.Issue.Number, eventComment(event)); err != nil {
			p.audit(in, "issue-comment", "github", "failed", errText(err))
			return err
		}
		if err := p.Ledger.Update(func(st *State) error {
			if c := st.Incident(id); c != nil && !c.HasEvent(event) {
				c.Events = append(c.Events, event)
			}
			return nil
		}); err != nil {
			return err
		}
		p.audit(in, "issue-comment", "github", "ok", event)
	}
	return nil
}

func issueSubject(in *Incident) string {
	if in.Key != "" {
		return in.Key
	}
	return in.RuleID
}

// eventComment renders a progress comment: the event id is kept in a
// hidden marker so a re-run can tell it was posted.
func eventComment(event string) string {
	kind, detail, _ := strings.Cut(event, "|")
	return "leakguard: " + detail + "\n\n<!-- leakguard:event=" + kind + " -->"
}

// errText is an error's message for the ledger: errors from targets never
// hold secrets (their contract), and are cut to one line.
func errText(err error) string {
	msg := err.Error()
	if h := hint.Of(err); h != "" {
		msg += "; hint: " + h
	}
	s := strings.Join(strings.Fields(msg), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// RotateSecretCheck refuses a new value that is a known or leaked value
// of the key: by inventory fingerprint, by the current value, and by the
// secret hashes of the key's incidents.
func (p *Playbook) RotateSecretCheck(name string, current, next secret.Value) error {
	if next.IsZero() {
		return errors.New("the new value is empty")
	}
	if !current.IsZero() && current.Equal(next) {
		return errors.New("the new value is the current value: regenerate the key at the provider first")
	}
	if k := p.key(name); k != nil {
		fp := secret.Fingerprint(next.Reveal())
		for _, old := range k.Fingerprints {
			if strings.EqualFold(old, fp) {
				return errors.New("the new value is a known (old or leaked) value of " + name + ": regenerate the key at the provider")
			}
		}
	}
	st, err := p.Ledger.Read()
	if err != nil {
		return err
	}
	h := secret.Hash(next.Reveal())
	for _, in := range st.Incidents {
		if in.Key == name && contains(in.SecretHashes, h) {
			return fmt.Errorf("the new value is the value leaked in incident %s: regenerate the key at the provider", in.ID)
		}
	}
	return nil
}
