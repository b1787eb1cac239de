package remediate

import (
	"fmt"
	"strings"

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
type UnknownKeyError struct{ Name string }

func (e *UnknownKeyError) Error() string { return "no managed key named " + e.Name }

// Hint says where the inventory is.
func (e *UnknownKeyError) Hint() string {
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
