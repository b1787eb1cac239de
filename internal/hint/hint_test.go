package hint

import (
	"errors"
	"fmt"
	"testing"
)

func TestOf(t *testing.T) {
	base := errors.New("boom")
	err := fmt.Errorf("outer: %w", Wrap(base, "do this"))
	if Of(err) != "do this" || !errors.Is(err, base) || err.Error() != "outer: boom" {
		t.Fatalf("Of = %q, Is = %v, msg %q", Of(err), errors.Is(err, base), err.Error())
	}
	if Of(base) != "" || Of(nil) != "" {
		t.Fatal("hint from an error without one")
	}
	if e := Errorf("h", "x %d", 1); e.Error() != "x 1" || Of(e) != "h" {
		t.Fatalf("Errorf: %v %q", e, Of(e))
	}
	if e := fmt.Errorf("wrapped: %w", Usagef("h", "x %d", 2)); !IsUsage(e) || e.Error() != "wrapped: x 2" || Of(e) != "h" {
		t.Fatalf("Usagef: %v %q", e, Of(e))
	}
	if IsUsage(Errorf("h", "x")) || IsUsage(base) || IsUsage(nil) {
		t.Fatal("a usage error from Errorf, a plain error or nil")
	}
}
