package remediate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/leakguard/leakguard/internal/english"
	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/keyfile"
	"github.com/leakguard/leakguard/secret"
)

// Sync outcomes.
const (
	// SyncVerified: the target was read back and holds the value
	// (written first when it did not).
	SyncVerified = "verified"
	// SyncRepaired: the target had held the value at an earlier verified
	// sync, had drifted (another value, or none), and was written again.
	SyncRepaired = "repaired"
	// SyncPresent: the target cannot give values back; the value was
	// written and the key's presence confirmed.
	SyncPresent = "present (value not readable)"
	// SyncRefused: the source holds a value known to be leaked.
	SyncRefused  = "refused"
	SyncUpToDate = "up to date" // --dry-run: the read-back matches
	SyncFailed   = "failed"
	SyncWould    = "would write"
	SyncSkipped  = "skipped"
)

// SyncResult is one key at one target.
type SyncResult struct {
	Key    string
	Target string
	Status string
	Detail string
}

// Noter is implemented by targets with something to tell the user about
// a write, such as "applies to new deployments only" or "verified by
// presence: sensitive values cannot be read back".
type Noter interface {
	Note() string
}

// Identifier is a [Target] that can say which outside object it is (the
// Vercel project and team, the Supabase project, the table, the file):
// sync records are keyed on it, so re-pointing a target's name at another
// object never reuses what was verified at the old one.
type Identifier interface {
	Identity() string
}

// identity is t's identity, else its name.
func identity(t Target) string {
	if i, ok := t.(Identifier); ok {
		return t.Name() + "=" + i.Identity()
	}
	return t.Name()
}

// LeakedError says a value is known to be leaked.
type LeakedError struct {
	Key, Why string
}

func (e *LeakedError) Error() string {
	return "the value in " + e.Key + "'s source is " + e.Why
}

// Hint says what to do.
func (e *LeakedError) Hint() string {
	return "regenerate the key at its provider and run leakguard rotate " + e.Key + " (or pass --force to push it anyway)"
}

// leakedValue says why value is known to be leaked for key, or "": a
// past fingerprint of the key (not its newest), or the value of one of
// its incidents.
func (p *Playbook) leakedValue(st *State, key string, value secret.Value) string {
	if k := p.key(key); k != nil {
		fp := secret.Fingerprint(value.Reveal())
		for i, old := range k.Fingerprints {
			if strings.EqualFold(old, fp) && i < len(k.Fingerprints)-1 {
				return "a past value of " + key + " (fingerprint " + fp[:15] + "…)"
			}
		}
	}
	h := secret.Hash(value.Reveal())
	for _, in := range st.Incidents {
		if contains(in.SecretHashes, h) {
			return "the value leaked in incident " + in.ID
		}
	}
	return ""
}

// Sync pushes each key's current value from its source to every target
// and verifies it there by reading back, on every run: a target whose
// read-back matches is not written, any other is written and read again.
// A target that had verified the value before and drifted is reported
// SyncRepaired. A value known to be leaked is refused unless p.Force.
// names limits the keys (default: every key with targets).
func (p *Playbook) Sync(ctx context.Context, names []string, dryRun bool) ([]SyncResult, error) {
	want := map[string]bool{}
	for _, n := range names {
		if p.key(n) == nil {
			return nil, &UnknownKeyError{Name: n}
		}
		want[n] = true
	}
	st, err := p.Ledger.Read()
	if err != nil {
		return nil, err
	}
	var out []SyncResult
	for _, k := range p.Keys {
		if (len(want) > 0 && !want[k.Name]) || (len(want) == 0 && len(k.Targets) == 0) {
			continue
		}
		if len(k.Targets) == 0 {
			out = append(out, SyncResult{Key: k.Name, Status: SyncSkipped, Detail: "no targets configured"})
			continue
		}
		fail := func(detail string) {
			for _, t := range k.Targets {
				out = append(out, SyncResult{Key: k.Name, Target: t, Status: SyncFailed, Detail: detail})
			}
		}
		if k.Source == "" {
			fail("no source configured for " + k.Name)
			continue
		}
		spec, err := p.sourceSpec(k.Source)
		if err != nil {
			return nil, err
		}
		value, err := keyfile.Read(spec)
		if err != nil {
			fail("reading the source: " + errText(err))
			continue
		}
		p.forbid(value)
		if why := p.leakedValue(st, k.Name, value); why != "" && !p.Force {
			for _, t := range k.Targets {
				out = append(out, SyncResult{Key: k.Name, Target: t, Status: SyncRefused, Detail: "the source holds " + why + ": regenerate it and run leakguard rotate " + k.Name + " (--force pushes it anyway)"})
			}
			p.audit(&Incident{Key: k.Name}, "sync", "", "refused", why)
			continue
		}
		vh := secret.Hash(value.Reveal())
		allOK := true
		for _, tname := range k.Targets {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			r := p.syncOne(ctx, st, k.Name, tname, value, vh, dryRun)
			if r.Status == SyncFailed {
				allOK = false
			}
			out = append(out, r)
		}
		if !dryRun && p.Issues != nil {
			event := fmt.Sprintf("synced-%s|synced %s to %s and verified each", vh, k.Name, strings.Join(k.Targets, ", "))
			if !allOK {
				event = fmt.Sprintf("sync-failed-%s-%d|sync of %s incomplete: %s", vh, time.Now().Unix(), k.Name, failedTargets(out, k.Name))
			} else if n := countStatus(out, k.Name, SyncRepaired); n > 0 {
				event = fmt.Sprintf("repaired-%s-%d|%s drifted at %s and was repaired", vh, time.Now().Unix(), k.Name, targetsWith(out, k.Name, SyncRepaired))
			}
			ins, _ := p.openIncidents(k.Name)
			for _, in := range ins {
				if err := p.syncIssue(ctx, in.ID, event); err != nil {
					p.warnf("audit issue of %s: %v", in.ID, err)
				}
			}
		}
	}
	return out, nil
}

func countStatus(rs []SyncResult, key, status string) int {
	n := 0
	for _, r := range rs {
		if r.Key == key && r.Status == status {
			n++
		}
	}
	return n
}

func targetsWith(rs []SyncResult, key, status string) string {
	var ts []string
	for _, r := range rs {
		if r.Key == key && r.Status == status {
			ts = append(ts, r.Target)
		}
	}
	return strings.Join(ts, ", ")
}

func failedTargets(rs []SyncResult, key string) string {
	return targetsWith(rs, key, SyncFailed)
}

// syncOne reads one target back and writes it when it does not hold the
// value, recording the step around the external calls.
func (p *Playbook) syncOne(ctx context.Context, st *State, key, tname string, value secret.Value, vh string, dryRun bool) SyncResult {
	r := SyncResult{Key: key, Target: tname}
	if p.Target == nil {
		r.Status, r.Detail = SyncFailed, "targets are not configured"
		return r
	}
	t, err := p.Target(tname)
	if err != nil {
		r.Status, r.Detail = SyncFailed, errText(err)
		return r
	}
	rec := st.Targets[key+"@"+identity(t)]
	before, err := VerifyDetail(ctx, t, key, value)
	drifted := errors.Is(err, ErrMismatch) || errors.Is(err, ErrMissing)
	driftText := ""
	if drifted {
		driftText = errText(err)
	}
	switch {
	case err != nil && !drifted:
		r.Status, r.Detail = SyncFailed, "read back: "+errText(err)
		if !dryRun {
			p.audit(&Incident{Key: key}, "sync-verify", tname, "failed", r.Detail)
		}
		return r
	case err == nil && !before.PresenceOnly:
		if dryRun {
			r.Status, r.Detail = SyncUpToDate, "read back: holds the current value"
			return r
		}
		r.Status, r.Detail = SyncVerified, "read back: holds the current value"
		p.recordSynced(key, tname, identity(t), vh, before)
		return r
	}
	if dryRun {
		switch {
		case err == nil:
			r.Status, r.Detail = SyncWould, "present, value not readable: would write it again"
		case rec != nil && rec.Hash == vh:
			r.Status, r.Detail = SyncWould, "would repair: "+errText(err)
		default:
			r.Status, r.Detail = SyncWould, "now: "+errText(err)
		}
		return r
	}
	step := "sync:" + tname
	p.setStep(key, "", step, StepRunning, "writing")
	p.audit(&Incident{Key: key}, "sync-write", tname, "started", "")
	if err := t.Put(ctx, key, value); err != nil {
		r.Status, r.Detail = SyncFailed, "write: "+errText(err)
		p.setStep(key, "", step, StepFailed, r.Detail)
		p.audit(&Incident{Key: key}, "sync-write", tname, "failed", r.Detail)
		return r
	}
	after, err := VerifyDetail(ctx, t, key, value)
	if err != nil {
		what := "verify"
		if errors.Is(err, ErrMismatch) || errors.Is(err, ErrMissing) {
			what = "verify after write"
		}
		r.Status, r.Detail = SyncFailed, what+": "+errText(err)
		p.setStep(key, "", step, StepFailed, r.Detail)
		p.audit(&Incident{Key: key}, "sync-verify", tname, "failed", r.Detail)
		return r
	}
	switch {
	case after.PresenceOnly:
		r.Status, r.Detail = SyncPresent, "written; "+after.Reason
	case drifted && rec != nil && rec.Hash == vh:
		r.Status, r.Detail = SyncRepaired, "had drifted ("+driftText+"): written and read back"
	default:
		r.Status = SyncVerified
		r.Detail = "written and read back"
	}
	if n := NoteOf(t); n != "" && !after.PresenceOnly {
		r.Detail += "; " + n
	}
	p.recordSynced(key, tname, identity(t), vh, after)
	p.audit(&Incident{Key: key}, "sync-verify", tname, "ok", r.Status+": "+r.Detail)
	return r
}

// recordSynced records a verified sync and completes the sync step of
// the key's open incidents whose leaked values do not include it.
func (p *Playbook) recordSynced(key, tname, id, vh string, v Verification) {
	now := p.Ledger.now()
	detail := "verified " + now.Format(time.RFC3339)
	if v.PresenceOnly {
		detail = "written " + now.Format(time.RFC3339) + "; present (value not readable)"
	}
	p.Ledger.Update(func(st *State) error {
		if st.Targets == nil {
			st.Targets = map[string]*TargetRecord{}
		}
		st.Targets[key+"@"+id] = &TargetRecord{Key: key, Target: tname, Hash: vh, Verified: now, PresenceOnly: v.PresenceOnly}
		for _, in := range st.Incidents {
			if in.Status != "open" || in.Key != key || contains(in.SecretHashes, vh) {
				continue // the leaked value itself: syncing it closes nothing
			}
			if s := in.Step("sync:" + tname); s != nil {
				s.Status, s.Detail, s.Updated = StepDone, detail, now
			}
		}
		return nil
	})
}

// WriteSync writes the table of sync results. A target that refused a
// leaked value makes it a usage error; one that failed, an error that
// says how to finish (sync again).
func WriteSync(w io.Writer, res []SyncResult) error {
	failed, refused := 0, 0
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tTARGET\tRESULT\tDETAIL")
	for _, r := range res {
		switch r.Status {
		case SyncFailed:
			failed++
		case SyncRefused:
			refused++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Key, r.Target, r.Status, r.Detail)
	}
	tw.Flush()
	if refused > 0 {
		return hint.Usagef("regenerate the key at its provider and run leakguard rotate NAME (--force pushes the leaked value anyway)",
			"%s refused: the source holds a leaked value", english.Count(refused, "target"))
	}
	if failed > 0 {
		return hint.Errorf("fix the cause and run leakguard sync again: it reads every target back and finishes what failed",
			"%s failed", english.Count(failed, "target"))
	}
	return nil
}
