package remediate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/keyfile"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/secret"
)

// SourceWriter writes a new value to a key's source of truth.
type SourceWriter func(spec keyfile.Spec, value secret.Value) error

// FindKey returns the managed key called name, or nil.
func FindKey(keys []rules.Key, name string) *rules.Key {
	for i := range keys {
		if keys[i].Name == name {
			return &keys[i]
		}
	}
	return nil
}

// CheckKeys refuses a name that keys does not hold: an [UnknownKeyError]
// that names the managed keys.
func CheckKeys(keys []rules.Key, names []string) error {
	for _, n := range names {
		if FindKey(keys, n) == nil {
			return &UnknownKeyError{Name: n, Known: KeyNames(keys)}
		}
	}
	return nil
}

// KeyNames lists the managed keys for a hint.
func KeyNames(keys []rules.Key) string {
	var ns []string
	for _, k := range keys {
		ns = append(ns, k.Name)
	}
	if len(ns) == 0 {
		return "none; list them under [[keys]] in leakguard.toml"
	}
	return strings.Join(ns, ", ")
}

// CheckFormat checks a new value of key k against its provider's
// high-confidence rules among rs, found by det: it returns the rule it
// matches, "" with no error when the provider publishes no format (or the
// key names a gateway with base_url), and an error when the provider has
// a format the value does not have.
func CheckFormat(det *scanner.Detector, rs []*rules.Rule, k rules.Key, v secret.Value) (string, error) {
	if k.Provider == "" || k.BaseURL != "" {
		return "", nil
	}
	var ids []string
	for _, r := range rs {
		if r.Provider == k.Provider && r.Confidence == rules.High {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return "", nil
	}
	line := "LEAKGUARD_ROTATE_CHECK=" + v.Reveal() + "\n"
	for _, f := range det.Detect(scanner.Fragment{Path: "rotate", Content: []byte(line)}) {
		if f.Secret.Equal(v) && f.Provider == k.Provider && f.RuleID != "known-value" {
			return f.RuleID, nil
		}
	}
	return "", fmt.Errorf("the new value of %s (%s) does not match %s's key format (%s)", k.Name, v.Redacted(), k.Provider, strings.Join(ids, ", "))
}

// NewValue is the new value of the key name as given (from an
// environment variable, standard input or a prompt), trimmed; nothing is
// a usage error.
func NewValue(name, given string) (secret.Value, error) {
	v := strings.TrimSpace(given)
	if v == "" {
		return secret.Value{}, hint.Usagef("paste the regenerated key", "the new value of %s is empty", name)
	}
	return secret.New(v), nil
}

// RotatePreview checks a new value v of the key k before anything is
// written (see [CheckFormat]; a value of another format is a usage error
// unless force) and writes to w what rotate will write: the value's
// preview and the rule it matches, the source and the targets.
func RotatePreview(w io.Writer, det *scanner.Detector, rs []*rules.Rule, k rules.Key, v secret.Value, force bool) error {
	rule, err := CheckFormat(det, rs, k, v)
	if err != nil && !force {
		return hint.Usagef("paste the key the provider generated; if it is right and its format is new, pass --force", "%w", err)
	}
	preview := v.Redacted()
	switch {
	case rule != "":
		preview += ", matches " + rule
	case err != nil:
		preview += ", does not match " + k.Provider + "'s format (--force)"
	}
	fmt.Fprintf(w, "leakguard: %s: %s\n", k.Name, preview)
	fmt.Fprintf(w, "leakguard: writes %s, then syncs %s\n", cmp.Or(k.Source, "-"), cmp.Or(strings.Join(k.Targets, ", "), "-"))
	return nil
}

// RotateSecretCheck refuses a new value that is empty or known to be
// leaked: a past fingerprint of the key, or the value of any incident.
// The key's current value is accepted (see [Playbook.Rotate]: it resumes).
func (p *Playbook) RotateSecretCheck(name string, next secret.Value) error {
	if next.IsZero() {
		return errors.New("the new value is empty")
	}
	st, err := p.Ledger.Read()
	if err != nil {
		return err
	}
	if why := p.leakedValue(st, name, next); why != "" {
		return fmt.Errorf("the new value is %s: regenerate the key at the provider and pass the new one", why)
	}
	return nil
}

// Rotate writes a new value to a key's source (after a backup), checks it
// reads back, records the rotation in the open incidents, and syncs every
// target. A value known to be leaked is refused. When the source already
// holds value — a rotate stopped before its sync — nothing is written and
// the sync is finished.
//
// Rotate never marks the regenerate step done: only the provider knows
// whether the old key was replaced (see [Playbook.Revoked]).
func (p *Playbook) Rotate(ctx context.Context, name string, value secret.Value, write SourceWriter) ([]SyncResult, error) {
	k := p.key(name)
	if k == nil {
		return nil, &UnknownKeyError{Name: name}
	}
	if k.Source == "" {
		return nil, fmt.Errorf("%s has no source: set source = \"file:PATH#/pointer\" (or dotenv:PATH#NAME) for it in leakguard.toml", name)
	}
	spec, err := p.sourceSpec(k.Source)
	if err != nil {
		return nil, err
	}
	current, _ := keyfile.Read(spec) // may be unset: then nothing to compare
	p.forbid(current, value)
	if err := p.RotateSecretCheck(name, value); err != nil {
		return nil, err
	}
	if !current.IsZero() && current.Equal(value) {
		p.notef("%s's source already holds this value (an earlier rotate stopped before its sync): finishing the sync", name)
		p.rotated(ctx, k.Name, k.Source, value, "source already held the new value")
		return p.Sync(ctx, []string{name}, false)
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
	p.rotated(ctx, k.Name, k.Source, value, "backup kept")
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return p.Sync(ctx, []string{name}, false)
}

// rotated records that name's source holds value: the inventory's
// fingerprint and date, the rotate step of its open incidents, and a
// progress comment.
func (p *Playbook) rotated(ctx context.Context, name, source string, value secret.Value, detail string) {
	fp := secret.Fingerprint(value.Reveal())
	if k := p.key(name); p.OnRotated != nil && (k == nil || len(k.Fingerprints) == 0 || k.Fingerprints[len(k.Fingerprints)-1] != fp) {
		if err := p.OnRotated(name, fp); err != nil {
			p.warnf("recording the new fingerprint of %s: %v", name, err)
		}
	}
	now := p.Ledger.now()
	vh := secret.Hash(value.Reveal())
	p.Ledger.Update(func(st *State) error {
		for _, in := range st.Incidents {
			if in.Status != "open" || in.Key != name || contains(in.SecretHashes, vh) {
				continue
			}
			if s := in.Step("rotate"); s != nil && s.Status != StepDone {
				s.Status, s.Updated = StepDone, now
				s.Detail = "rotated " + now.Format("2006-01-02 15:04 UTC")
			}
		}
		return nil
	})
	p.audit(&Incident{Key: name}, "rotate", source, "ok", detail)
	if p.Issues != nil {
		ins, _ := p.openIncidents(name)
		for _, in := range ins {
			ev := fmt.Sprintf("rotated-%s|%s rotated at its source of truth", vh, name)
			if err := p.syncIssue(ctx, in.ID, ev); err != nil {
				p.warnf("audit issue of %s: %v", in.ID, err)
			}
		}
	}
}

// RotateAndReport is the rotate command's [Playbook.Rotate]: once the
// source holds value it says so on Err and writes the sync table to Out
// ([WriteSync]). A failure before is a usage error that says what to do
// (nothing was synced, unless the error says otherwise).
func (p *Playbook) RotateAndReport(ctx context.Context, name string, value secret.Value, write SourceWriter) error {
	res, err := p.Rotate(ctx, name, value, write)
	if err != nil {
		return usage(err, "nothing was synced; fix the cause and run leakguard rotate again")
	}
	p.notef("%s written to its source", name)
	return WriteSync(p.Out, res)
}

// SyncAndReport is the sync command's [Playbook.Sync]: its table on Out
// ([WriteSync]), or a note on Err when no key has targets. A failure
// before is a usage error.
func (p *Playbook) SyncAndReport(ctx context.Context, names []string, dryRun bool) error {
	res, err := p.Sync(ctx, names, dryRun)
	if err != nil {
		return usage(err, "check the [[keys]] entries in leakguard.toml")
	}
	if len(res) == 0 {
		p.notef("no key has targets; add targets = [...] to a [[keys]] entry")
		return nil
	}
	return WriteSync(p.Out, res)
}

// usage is err as a usage error with its own hint, else def.
func usage(err error, def string) error {
	return hint.Usagef(cmp.Or(hint.Of(err), def), "%w", err)
}
