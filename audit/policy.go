package audit

import (
	"cmp"

	"github.com/leakguard/leakguard/config"
	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/remediate"
)

// RotationPolicy is the configuration's rotation policy: [policy]
// rotate_after, else DefaultRotateAfter. One that does not parse is a
// usage error.
func RotationPolicy(c *config.Config) (remediate.Policy, error) {
	pol := remediate.Policy{RotateAfter: cmp.Or(c.Policy.RotateAfter, DefaultRotateAfter)}
	d, err := config.ParseDuration(pol.RotateAfter)
	if err != nil {
		return pol, hint.Usagef("fix [policy] rotate_after", "[policy] rotate_after: %v", err)
	}
	pol.MaxAge = d
	return pol, nil
}
