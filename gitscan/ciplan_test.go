package gitscan

import (
	"errors"
	"fmt"
	"testing"

	"github.com/leakguard/leakguard/internal/hint"
)

// A plan error is a *PlanError (the command layer's usage class) whose
// hint comes through hint.Of like every other, wrapped or not.
func TestPlanErrorHint(t *testing.T) {
	err := fmt.Errorf("ci: %w", planErr(hintFetchDepth, "the clone lacks commit %s", "abc"))
	var pe *PlanError
	if !errors.As(err, &pe) {
		t.Fatal("not a *PlanError")
	}
	if got := hint.Of(err); got != hintFetchDepth {
		t.Fatalf("hint %q", got)
	}
	if err.Error() != "ci: the clone lacks commit abc" {
		t.Fatalf("message %q", err.Error())
	}
}
