package rules

import "testing"

func TestByProvider(t *testing.T) {
	r := func(id, prov string) *Rule { return &Rule{RuleSpec: RuleSpec{ID: id, Provider: prov}} }
	rs := []*Rule{r("b1", "Beta"), r("a1", "Alpha"), r("b2", "Beta")}
	g := ByProvider(rs, "")
	if len(g) != 2 || g[0].Provider != "Alpha" || g[1].Provider != "Beta" || len(g[1].Rules) != 2 || g[1].Rules[1].ID != "b2" {
		t.Fatalf("ByProvider = %+v", g)
	}
	if g := ByProvider(rs, "beta"); len(g) != 1 || len(g[0].Rules) != 2 {
		t.Fatalf("ByProvider(beta) = %+v", g)
	}
	if g := ByProvider(rs, "gamma"); len(g) != 0 {
		t.Fatalf("ByProvider(gamma) = %+v", g)
	}
}
