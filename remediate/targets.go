package remediate

import (
	"context"
	"fmt"

	"github.com/leakguard/leakguard/secret"
)

// Verification says how a target confirmed a value.
type Verification struct {
	// PresenceOnly is true when the target cannot give the value back
	// (Vercel's sensitive variables), so only the key's presence was
	// checked.
	PresenceOnly bool
	// Reason says why, e.g. "sensitive values cannot be read back".
	Reason string
}

// String is the status for the sync table: "verified", or
// "verified (presence: sensitive values cannot be read back)".
func (v Verification) String() string {
	if v.PresenceOnly {
		return "verified (presence: " + v.Reason + ")"
	}
	return "verified"
}

// DetailedVerifier is a [Target] that can say how it verified.
type DetailedVerifier interface {
	VerifyDetail(ctx context.Context, key string, value secret.Value) (Verification, error)
}

// VerifyDetail verifies key on t and says how: targets that are not a
// [DetailedVerifier] always compare the value itself.
func VerifyDetail(ctx context.Context, t Target, key string, value secret.Value) (Verification, error) {
	if d, ok := t.(DetailedVerifier); ok {
		return d.VerifyDetail(ctx, key, value)
	}
	return Verification{}, t.Verify(ctx, key, value)
}

// NoteOf returns t's note, or "".
func NoteOf(t Target) string {
	if n, ok := t.(Noter); ok {
		return n.Note()
	}
	return ""
}

// VerifyAt returns an online check of one key's value at the target
// called target, built by targets (as [Playbook.Target] is): nil when the
// target holds the value; a target that can confirm presence only answers
// an error wrapping [ErrNotReadable] with its reason.
func VerifyAt(targets func(name string) (Target, error)) func(ctx context.Context, target, key string, v secret.Value) error {
	return func(ctx context.Context, target, key string, v secret.Value) error {
		tg, err := targets(target)
		if err != nil {
			return err
		}
		d, err := VerifyDetail(ctx, tg, key, v)
		if err == nil && d.PresenceOnly {
			return fmt.Errorf("%w: %s", ErrNotReadable, d.Reason)
		}
		return err
	}
}
