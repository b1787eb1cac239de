package config

import (
	"strings"
	"testing"
)

// An audit waiver names its check and gives a reason, which the report
// shows (issue 12 item 11).
func TestWaiverNeedsReason(t *testing.T) {
	c, err := Load(writeConfig(t, "[[policy.waivers]]\ncheck = \"hooks\"\nreason = \"hooks are the pre-commit framework's\"\n"))
	if err != nil || len(c.Policy.Waivers) != 1 || c.Policy.Waivers[0].Check != "hooks" {
		t.Fatalf("waiver: %v %+v", err, c)
	}
	for _, body := range []string{"[[policy.waivers]]\ncheck = \"hooks\"\n", "[[policy.waivers]]\nreason = \"why\"\n", "[[policy.waivers]]\ncheck = \"hooks\"\nreason = \" \"\n"} {
		if _, err := Load(writeConfig(t, body)); err == nil || !strings.Contains(err.Error(), "policy.waivers[0]") {
			t.Errorf("%q: err %v, want a policy.waivers[0] error", body, err)
		}
	}
}
