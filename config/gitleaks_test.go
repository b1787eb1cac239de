package config

import (
	"testing"

	"github.com/leakguard/leakguard/rules"
)

// Every leakguard id a gitleaks id maps to is an embedded rule: a renamed
// rule must not turn a mapping into a no-op.
func TestGitleaksIDsNameEmbeddedRules(t *testing.T) {
	def, err := rules.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, r := range def.Rules {
		ids[r.ID] = true
	}
	for g, ls := range gitleaksIDs() {
		if len(ls) == 0 {
			t.Errorf("%s maps to nothing", g)
		}
		for _, id := range ls {
			if !ids[id] {
				t.Errorf("%s maps to %s, which is not an embedded rule", g, id)
			}
		}
	}
}

// A targeted allowlist whose targets leakguard has no rule for is
// dropped, never made global.
func TestGitleaksUnknownTargetIsDropped(t *testing.T) {
	p := "x/.gitleaks.toml"
	c, err := LoadFrom(p, func(string) ([]byte, error) {
		return []byte("[extend]\nuseDefault = true\n\n[[allowlists]]\ntargetRules = [\"beamer-api-token\"]\npaths = ['''.*''']\n"), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	def, _ := Load("")
	if len(c.Allowlists) != 0 || len(c.Allowlist.Paths) != len(def.Allowlist.Paths) {
		t.Fatalf("allowlists %+v, global %+v: want the defaults' only", c.Allowlists, c.Allowlist)
	}
}
