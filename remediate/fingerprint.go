package remediate

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/leakguard/leakguard/internal/english"
	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/keyfile"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

// Fingerprinting outcomes.
const (
	FPAdded    = "added"
	FPUpToDate = "up to date"
	FPSkipped  = "skipped"
	FPFailed   = "failed"
)

// FingerprintResult is what [Fingerprints] found for one key. It never
// holds the value.
type FingerprintResult struct {
	Key    string
	Source string // the source read, "" when there was none
	Status string // FPAdded (to be added), FPUpToDate, FPSkipped or FPFailed
	Detail string // why it was skipped or failed
	// Fingerprint is the value's; Fingerprints the key's list with it
	// appended (FPAdded only).
	Fingerprint  string
	Fingerprints []string
	// Unfindable is true when the value is too short or too plain to be
	// found by its fingerprint (see [secret.Findable]).
	Unfindable bool
	// Weak is true when the value is shorter than
	// secret.MinFingerprintLen: its fingerprint, kept in a committed
	// file, would give it away to a dictionary (the caller refuses it
	// unless asked).
	Weak bool
}

// UnknownKeyError names a key the inventory does not list.
type UnknownKeyError struct {
	Name string
	// Known lists the managed keys (see [KeyNames]) for the hint; ""
	// says where the inventory is instead.
	Known string
}

func (e *UnknownKeyError) Error() string { return "no managed key named " + e.Name }

// Hint names the managed keys, or says where the inventory is.
func (e *UnknownKeyError) Hint() string {
	if e.Known != "" {
		return "the managed keys are: " + e.Known
	}
	return "list the inventory in leakguard.toml under [[keys]]"
}

// Fingerprints reads the current value of each key named in names (every
// key when names is empty) from its source — override when set (names
// must then name one key), else the key's source, else the environment
// variable of its name — and computes the value's fingerprint. Only the
// named keys are read, whatever their order in keys. Writing the new
// fingerprints is the caller's.
func Fingerprints(keys []rules.Key, names []string, override string, getenv func(string) string) ([]FingerprintResult, error) {
	asked := map[string]bool{}
	for _, n := range names {
		asked[n] = true
	}
	known := map[string]bool{}
	for _, k := range keys {
		known[k.Name] = true
	}
	for _, n := range names {
		if !known[n] {
			return nil, &UnknownKeyError{Name: n}
		}
	}
	if override != "" && len(asked) != 1 {
		return nil, fmt.Errorf("a source override applies to exactly one key")
	}
	var out []FingerprintResult
	for _, k := range keys {
		if len(asked) > 0 && !asked[k.Name] {
			continue
		}
		out = append(out, fingerprintOne(k, override, getenv))
	}
	return out, nil
}

func fingerprintOne(k rules.Key, override string, getenv func(string) string) FingerprintResult {
	r := FingerprintResult{Key: k.Name}
	spec := k.Source
	if override != "" {
		spec = override
	}
	if spec == "" {
		if getenv(k.Name) == "" {
			r.Status = FPSkipped
			r.Detail = fmt.Sprintf("no source (set source in the config, pass --source, or export %s)", k.Name)
			return r
		}
		spec = "env:" + k.Name
	}
	r.Source = spec
	sp, err := keyfile.Parse(spec)
	if err != nil {
		r.Status, r.Detail = FPFailed, err.Error()
		return r
	}
	v, err := keyfile.ReadEnv(sp, getenv)
	if err != nil {
		r.Status, r.Detail = FPFailed, err.Error()
		return r
	}
	r.Fingerprint = secret.Fingerprint(v.Reveal())
	r.Unfindable = !secret.Findable([]byte(v.Reveal()))
	r.Weak = v.Len() < secret.MinFingerprintLen
	for _, old := range k.Fingerprints {
		if strings.EqualFold(old, r.Fingerprint) {
			r.Status = FPUpToDate
			return r
		}
	}
	r.Status = FPAdded
	r.Fingerprints = append(append([]string{}, k.Fingerprints...), r.Fingerprint)
	return r
}

// FingerprintStore keeps the inventory's fingerprints (the config files).
type FingerprintStore interface {
	// Add adds fp to the fingerprints of the key name and says where.
	Add(name, fp string) (where string, err error)
	// Preview is the change Add would make.
	Preview(name, fp string) (string, error)
}

// FingerprintRow is one line of the fingerprinting table.
type FingerprintRow struct{ Key, Source, Result string }

// FingerprintOutcome is what [ApplyFingerprints] did.
type FingerprintOutcome struct {
	Rows     []FingerprintRow
	Warnings []string // for the user, in order
	Previews []string // dry run: the changes Add would make
	// Failed counts the keys not read or not written; Refused the weak
	// values left out.
	Failed, Refused int
}

// ApplyFingerprints adds the new fingerprint of each of res to store (a
// dry run previews it). The fingerprint of a weak value is refused unless
// weak: kept in a committed file, it gives the value away to a
// dictionary.
func ApplyFingerprints(res []FingerprintResult, store FingerprintStore, dryRun, weak bool) FingerprintOutcome {
	var o FingerprintOutcome
	for _, r := range res {
		if r.Unfindable {
			o.Warnings = append(o.Warnings, fmt.Sprintf("%s's value is shorter than 8 bytes, or shorter than 16 and letters only: its fingerprint is kept, but the value will not be found by it (a real key this short should be rotated to a longer one)", r.Key))
		}
		src := r.Source
		if src == "" {
			src = "-"
		}
		row := func(format string, a ...any) {
			o.Rows = append(o.Rows, FingerprintRow{r.Key, src, fmt.Sprintf(format, a...)})
		}
		if r.Weak && r.Status == FPAdded {
			if !weak {
				row("refused: shorter than %d bytes", secret.MinFingerprintLen)
				o.Refused++
				continue
			}
			o.Warnings = append(o.Warnings, fmt.Sprintf("%s's value is shorter than %d bytes: its fingerprint (a plain SHA-256 in a file you commit) lets anyone who reads the file guess it with a dictionary; rotate it to a longer value", r.Key, secret.MinFingerprintLen))
		}
		switch r.Status {
		case FPSkipped:
			row("skipped: %s", r.Detail)
			continue
		case FPFailed:
			row("failed: %s", r.Detail)
			o.Failed++
			continue
		case FPUpToDate:
			row("up to date")
			continue
		}
		if dryRun {
			row("would add %s…", r.Fingerprint[:19])
			if d, err := store.Preview(r.Key, r.Fingerprint); err == nil {
				o.Previews = append(o.Previews, d)
			}
			continue
		}
		where, err := store.Add(r.Key, r.Fingerprint)
		if err != nil {
			row("failed: %v", err)
			o.Failed++
			continue
		}
		row("added %s… to %s", r.Fingerprint[:19], where)
	}
	return o
}

// Write writes the outcome: its warnings to log, the table (key, source,
// result) to w, then a dry run's previews.
func (o *FingerprintOutcome) Write(w, log io.Writer) error {
	for _, m := range o.Warnings {
		fmt.Fprintf(log, "leakguard: warning: %s\n", m)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tSOURCE\tRESULT")
	for _, r := range o.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Key, r.Source, r.Result)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, d := range o.Previews {
		if _, err := io.WriteString(w, "\n"+d); err != nil {
			return err
		}
	}
	return nil
}

// Err is the outcome's error: keys not read or not written, or weak
// values refused (a usage error: --weak writes them).
func (o *FingerprintOutcome) Err() error {
	if o.Failed > 0 {
		return hint.Wrap(fmt.Errorf("%s could not be read", english.Count(o.Failed, "key")), "check each key's source")
	}
	if o.Refused > 0 {
		return hint.Usagef("rotate the key to a longer value, or pass --weak to write the fingerprint anyway", "%s shorter than %d bytes: not fingerprinted, because a fingerprint kept in a committed file gives a short value away to a dictionary", english.Count(o.Refused, "value"), secret.MinFingerprintLen)
	}
	return nil
}
