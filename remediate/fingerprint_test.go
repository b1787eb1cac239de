package remediate

import (
	"errors"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/internal/hint"
)

// fakeStore records what ApplyFingerprints adds; fail names a key whose
// write fails.
type fakeStore struct {
	added []string
	fail  string
}

func (f *fakeStore) Add(name, fp string) (string, error) {
	if name == f.fail {
		return "", errors.New("read-only")
	}
	f.added = append(f.added, name)
	return "leakguard.toml", nil
}

func (f *fakeStore) Preview(name, fp string) (string, error) { return "+ " + name + "\n", nil }

func TestApplyFingerprints(t *testing.T) {
	fp := "sha256:" + strings.Repeat("ab", 32)
	res := []FingerprintResult{
		{Key: "A", Source: "env:A", Status: FPAdded, Fingerprint: fp},
		{Key: "WEAK", Source: "env:WEAK", Status: FPAdded, Fingerprint: fp, Weak: true, Unfindable: true},
		{Key: "SKIP", Status: FPSkipped, Detail: "no source"},
		{Key: "RO", Source: "env:RO", Status: FPAdded, Fingerprint: fp},
	}
	st := &fakeStore{fail: "RO"}
	o := ApplyFingerprints(res, st, false, false)
	want := []string{"A env:A added " + fp[:19] + "… to leakguard.toml", "WEAK env:WEAK refused: shorter than 16 bytes", "SKIP - skipped: no source", "RO env:RO failed: read-only"}
	for i, r := range o.Rows {
		if got := r.Key + " " + r.Source + " " + r.Result; i >= len(want) || got != want[i] {
			t.Errorf("row %d = %q", i, got)
		}
	}
	if len(o.Rows) != len(want) || o.Failed != 1 || o.Refused != 1 || len(o.Warnings) != 1 || strings.Join(st.added, ",") != "A" {
		t.Fatalf("outcome %+v, added %v", o, st.added)
	}
	if err := o.Err(); err == nil || hint.IsUsage(err) || hint.Of(err) == "" {
		t.Errorf("a failed key: %v, want an incomplete run with a hint", err)
	}
	// --weak writes the weak value with a warning; a dry run writes nothing.
	st = &fakeStore{}
	o = ApplyFingerprints(res[:2], st, true, true)
	if len(st.added) != 0 || len(o.Previews) != 2 || len(o.Warnings) != 2 || o.Err() != nil {
		t.Fatalf("dry run, weak: %+v, added %v", o, st.added)
	}
	if o := ApplyFingerprints(res[1:2], st, false, false); !hint.IsUsage(o.Err()) {
		t.Errorf("a refused value: %v, want a usage error", o.Err())
	}
}

// The outcome's warnings go to the log; the table (aligned) and a dry
// run's previews to the output.
func TestFingerprintOutcomeWrite(t *testing.T) {
	o := FingerprintOutcome{Rows: []FingerprintRow{{"A", "env:A", "up to date"}, {"LONG_NAME", "-", "skipped: no source"}},
		Warnings: []string{"w1"}, Previews: []string{"--- a\n+++ b\n"}}
	var out, log strings.Builder
	if err := o.Write(&out, &log); err != nil {
		t.Fatal(err)
	}
	want := "KEY        SOURCE  RESULT\nA          env:A   up to date\nLONG_NAME  -       skipped: no source\n\n--- a\n+++ b\n"
	if out.String() != want || log.String() != "leakguard: warning: w1\n" {
		t.Fatalf("out %q\nlog %q", out.String(), log.String())
	}
}
