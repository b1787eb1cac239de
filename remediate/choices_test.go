package remediate

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/leakguard/leakguard/rules"
)

// Completion offers the key names not given yet, and the ledger's
// incidents (open first) or one incident's pending steps; a missing or
// corrupt ledger offers nothing and is never created.
func TestChoices(t *testing.T) {
	keys := []rules.Key{{Name: "A_KEY", Provider: "acme"}, {Name: "B_KEY", Provider: "bee"}}
	if got := fmt.Sprint(KeyChoices(keys, []string{"A_KEY"})); got != "[{B_KEY bee}]" {
		t.Errorf("KeyChoices: %s", got)
	}

	dir := filepath.Join(t.TempDir(), "state")
	if got := IncidentChoices(dir, ""); got != nil {
		t.Errorf("no ledger: %v", got)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("the state directory was created")
	}
	l, err := OpenLedger(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = l.Update(func(st *State) error {
		st.Incidents = append(st.Incidents,
			&Incident{ID: "inc-old", Key: "A_KEY", Status: "closed"},
			&Incident{ID: "inc-rule", RuleID: "acme-token", Status: "open"},
			&Incident{ID: "inc-new", Key: "A_KEY", Status: "open", Steps: []*Step{
				{ID: "rotate", Title: "Rotate", Status: StepDone}, {ID: "audit-usage", Title: "Audit", Status: StepPending}}})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(IncidentChoices(dir, "")); got != "[{inc-rule acme-token} {inc-new A_KEY} {inc-old A_KEY (closed)}]" {
		t.Errorf("incidents: %s", got)
	}
	if got := fmt.Sprint(IncidentChoices(dir, "inc-new")); got != "[{audit-usage Audit}]" {
		t.Errorf("steps of inc-new: %s", got)
	}
	if got := IncidentChoices(dir, "inc-none"); got != nil {
		t.Errorf("steps of an unknown incident: %v", got)
	}
	if err := os.WriteFile(filepath.Join(dir, ledgerFile), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := IncidentChoices(dir, ""); got != nil {
		t.Errorf("corrupt ledger: %v", got)
	}
}
