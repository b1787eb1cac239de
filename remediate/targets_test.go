package remediate

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/secret"
)

// VerifyAt builds the named target and says whether it holds the value;
// a target that can confirm presence only never claims to.
func TestVerifyAt(t *testing.T) {
	ctx := context.Background()
	v, other := tvly(), tvly()
	readable := &memTarget{name: "dotenv", vals: map[string]string{"K": v}}
	presence := &presenceTarget{memTarget{name: "vercel", vals: map[string]string{"K": v}}}
	errNoTable := errors.New("no [targets.s3] in the config")
	check := VerifyAt(func(name string) (Target, error) {
		switch name {
		case "dotenv":
			return readable, nil
		case "vercel":
			return presence, nil
		}
		return nil, errNoTable
	})
	if err := check(ctx, "dotenv", "K", secret.New(v)); err != nil {
		t.Fatalf("readable target holding the value: %v", err)
	}
	if err := check(ctx, "dotenv", "K", secret.New(other)); !errors.Is(err, ErrMismatch) {
		t.Fatalf("readable target holding another value: %v, want ErrMismatch", err)
	}
	if err := check(ctx, "dotenv", "NOPE", secret.New(v)); !errors.Is(err, ErrMissing) {
		t.Fatalf("readable target without the key: %v, want ErrMissing", err)
	}
	err := check(ctx, "vercel", "K", secret.New(v))
	if !errors.Is(err, ErrNotReadable) || !strings.HasSuffix(err.Error(), ": sensitive values cannot be read back") {
		t.Fatalf("presence-only target: %v, want ErrNotReadable with its reason", err)
	}
	if err := check(ctx, "vercel", "NOPE", secret.New(v)); !errors.Is(err, ErrMissing) {
		t.Fatalf("presence-only target without the key: %v, want ErrMissing", err)
	}
	if err := check(ctx, "s3", "K", secret.New(v)); err != errNoTable {
		t.Fatalf("unknown target: %v, want the builder's error", err)
	}
}
