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
}
