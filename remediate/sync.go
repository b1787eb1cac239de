package remediate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/leakguard/leakguard/keyfile"
	"github.com/leakguard/leakguard/secret"
)

// Sync outcomes.
const (
	SyncVerified = "verified"
	SyncUpToDate = "up to date"
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

// Sync pushes each key's current value from its source to every target
// and verifies it there by reading back. Targets already verified with
// the current value are not written again, so a re-run finishes what
// failed. names limits the keys (default: every key with targets).
func (p *Playbook) Sync(ctx context.Context, names []string, dryRun bool) ([]SyncResult, error) {
	want := map[string]bool{}
	for _, n := range names {
		if p.key(n) == nil {
			return nil, fmt.Errorf("no managed key named %s", n)
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
		if k.Source == "" {
			for _, t := range k.Targets {
				out = append(out, SyncResult{Key: k.Name, Target: t, Status: SyncFailed, Detail: "no source configured for " + k.Name})
			}
			continue
		}
		spec, err := keyfile.Parse(k.Source)
		if err != nil {
			return nil, err
		}
		value, err := keyfile.Read(spec)
		if err != nil {
			for _, t := range k.Targets {
				out = append(out, SyncResult{Key: k.Name, Target: t, Status: SyncFailed, Detail: "reading the source: " + errText(err)})
			}
			continue
		}
		p.forbid(value)
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

func failedTargets(rs []SyncResult, key string) string {
	var ts []string
	for _, r := range rs {
		if r.Key == key && r.Status == SyncFailed {
			ts = append(ts, r.Target)
		}
	}
	return strings.Join(ts, ", ")
}

// syncOne writes and verifies one target, recording the step around the
// external calls.
func (p *Playbook) syncOne(ctx context.Context, st *State, key, tname string, value secret.Value, vh string, dryRun bool) SyncResult {
	r := SyncResult{Key: key, Target: tname}
	if st.Synced[key][tname] == vh {
		r.Status, r.Detail = SyncUpToDate, "verified earlier with this value"
		if !dryRun {
			p.completeSyncStep(key, tname, vh)
		}
		return r
	}
	if p.Target == nil {
		r.Status, r.Detail = SyncFailed, "targets are not configured"
		return r
	}
	t, err := p.Target(tname)
	if err != nil {
		r.Status, r.Detail = SyncFailed, errText(err)
		return r
	}
	if dryRun {
		if err := t.Verify(ctx, key, value); err == nil {
			r.Status, r.Detail = SyncUpToDate, "already holds the current value"
		} else {
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
	if err := t.Verify(ctx, key, value); err != nil {
		what := "verify"
		if errors.Is(err, ErrMismatch) || errors.Is(err, ErrMissing) {
			what = "verify after write"
		}
		r.Status, r.Detail = SyncFailed, what+": "+errText(err)
		p.setStep(key, "", step, StepFailed, r.Detail)
		p.audit(&Incident{Key: key}, "sync-verify", tname, "failed", r.Detail)
		return r
	}
	r.Status = SyncVerified
	if n, ok := t.(Noter); ok {
		r.Detail = n.Note()
	}
	p.Ledger.Update(func(st *State) error {
		for _, in := range st.Incidents {
			if in.Status != "open" || in.Key != key || contains(in.SecretHashes, vh) {
				continue // the leaked value itself: syncing it closes nothing
			}
			if s := in.Step(step); s != nil {
				s.Status, s.Detail, s.Updated = StepDone, "verified "+p.Ledger.now().Format(time.RFC3339), p.Ledger.now()
			}
		}
		return nil
	})
	p.audit(&Incident{Key: key}, "sync-verify", tname, "ok", r.Detail)
	p.Ledger.Update(func(s *State) error {
		if s.Synced == nil {
			s.Synced = map[string]map[string]string{}
		}
		if s.Synced[key] == nil {
			s.Synced[key] = map[string]string{}
		}
		s.Synced[key][tname] = vh
		return nil
	})
	return r
}

// completeSyncStep marks sync:TARGET done in the open incidents of key
// whose leaked values do not include the value the target holds.
func (p *Playbook) completeSyncStep(key, tname, vh string) {
	p.Ledger.Update(func(st *State) error {
		for _, in := range st.Incidents {
			if in.Status != "open" || in.Key != key || contains(in.SecretHashes, vh) {
				continue
			}
			if s := in.Step("sync:" + tname); s != nil && s.Status != StepDone {
				s.Status, s.Detail, s.Updated = StepDone, "verified earlier with the current value", p.Ledger.now()
			}
		}
		return nil
	})
}

// SourceWriter writes a new value to a key's source of truth.
type SourceWriter func(spec keyfile.Spec, value secret.Value) error

// Rotate writes a new value to a key's source (after a backup), checks it
// reads back, records the rotation in the open incidents, and syncs every
// target. The value must differ from every known or leaked value.
func (p *Playbook) Rotate(ctx context.Context, name string, value secret.Value, write SourceWriter) ([]SyncResult, error) {
	k := p.key(name)
	if k == nil {
		return nil, fmt.Errorf("no managed key named %s", name)
	}
	if k.Source == "" {
		return nil, fmt.Errorf("%s has no source: set source = \"file:PATH#/pointer\" (or dotenv:PATH#NAME) for it in leakguard.toml", name)
	}
	spec, err := keyfile.Parse(k.Source)
	if err != nil {
		return nil, err
	}
	current, _ := keyfile.Read(spec) // may be unset: then nothing to compare
	p.forbid(current, value)
	if err := p.RotateSecretCheck(name, current, value); err != nil {
		return nil, err
	}
	if spec.Kind == "env" {
		return nil, fmt.Errorf("%s's source is the environment variable %s, which leakguard cannot change for your shell: keep the key in a file (source = \"dotenv:PATH#%s\") or update it yourself and run leakguard sync %s", name, spec.Ref, spec.Ref, name)
	}
	p.setStep(name, "", "rotate", StepRunning, "writing "+k.Source)
	p.audit(&Incident{Key: name}, "rotate", k.Source, "started", "")
	backup, err := p.Ledger.Backup(spec.Path)
	if err != nil {
		p.setStep(name, "", "rotate", StepFailed, "backup: "+errText(err))
		return nil, fmt.Errorf("backing up %s: %w", spec.Path, err)
	}
	if err := write(spec, value); err != nil {
		p.setStep(name, "", "rotate", StepFailed, errText(err))
		p.audit(&Incident{Key: name}, "rotate", k.Source, "failed", errText(err))
		return nil, fmt.Errorf("writing %s: %w", k.Source, err)
	}
	got, err := keyfile.Read(spec)
	if err != nil || !got.Equal(value) {
		msg := "the source does not read back the new value"
		if err != nil {
			msg += ": " + errText(err)
		}
		p.setStep(name, "", "rotate", StepFailed, msg)
		return nil, fmt.Errorf("%s: %s (the previous file is backed up at %s)", k.Source, msg, backup)
	}
	if p.OnRotated != nil {
		if err := p.OnRotated(name, secret.Fingerprint(value.Reveal())); err != nil {
			p.warnf("recording the new fingerprint of %s: %v", name, err)
		}
	}
	now := p.Ledger.now()
	p.Ledger.Update(func(st *State) error {
		for _, in := range st.Incidents {
			if in.Status != "open" || in.Key != name {
				continue
			}
			for _, id := range []string{"regenerate", "rotate"} {
				if s := in.Step(id); s != nil {
					s.Status, s.Updated = StepDone, now
					s.Detail = "rotated " + now.Format("2006-01-02 15:04 UTC")
				}
			}
		}
		return nil
	})
	p.audit(&Incident{Key: name}, "rotate", k.Source, "ok", "backup kept")
	if p.Issues != nil {
		ins, _ := p.openIncidents(name)
		for _, in := range ins {
			ev := fmt.Sprintf("rotated-%s|%s rotated at its source of truth", secret.Hash(value.Reveal()), name)
			if err := p.syncIssue(ctx, in.ID, ev); err != nil {
				p.warnf("audit issue of %s: %v", in.ID, err)
			}
		}
	}
	return p.Sync(ctx, []string{name}, false)
}
