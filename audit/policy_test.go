package audit

import (
	"testing"
	"time"

	"github.com/leakguard/leakguard/config"
	"github.com/leakguard/leakguard/internal/hint"
)

// The rotation policy: [policy] rotate_after, else 90 days; one that
// does not parse is a usage error (and the audit falls back to 90 days).
func TestRotationPolicy(t *testing.T) {
	c := &config.Config{}
	if pol, err := RotationPolicy(c); err != nil || pol.RotateAfter != "90d" || pol.MaxAge != 90*24*time.Hour {
		t.Errorf("default: %+v, %v", pol, err)
	}
	c.Policy.RotateAfter = "2w"
	if pol, err := RotationPolicy(c); err != nil || pol.RotateAfter != "2w" || pol.MaxAge != 14*24*time.Hour || rotateAfter(c) != pol.MaxAge {
		t.Errorf("2w: %+v, %v", pol, err)
	}
	c.Policy.RotateAfter = "soon"
	if _, err := RotationPolicy(c); !hint.IsUsage(err) || hint.Of(err) != "fix [policy] rotate_after" {
		t.Errorf("soon: %v", err)
	}
	if rotateAfter(c) != 90*24*time.Hour {
		t.Errorf("the audit's fallback: %v", rotateAfter(c))
	}
}
