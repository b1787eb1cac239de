package rules

import (
	"strings"
	"testing"
)

func TestByProvider(t *testing.T) {
	r := func(id, prov string) *Rule { return &Rule{RuleSpec: &RuleSpec{ID: id, Provider: prov}} }
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

// The list is each provider, then its rules indented under it, the
// columns aligned within a provider; it counts the rules.
func TestWriteList(t *testing.T) {
	r := func(id, prov, desc string, c Confidence) *Rule {
		return &Rule{RuleSpec: &RuleSpec{ID: id, Provider: prov, Description: desc, Confidence: c}}
	}
	provs := ByProvider([]*Rule{r("beta-token", "Beta", "Beta token", High), r("a", "Alpha", "Alpha key", Medium), r("beta-k", "Beta", "Beta key", Low)}, "")
	var b strings.Builder
	n, err := WriteList(&b, provs)
	want := "Alpha\n" +
		"  a  medium  Alpha key\n" +
		"Beta\n" +
		"  beta-token  high  Beta token\n" +
		"  beta-k      low   Beta key\n"
	if err != nil || n != 3 || b.String() != want {
		t.Fatalf("%d %v\n%s\nwant:\n%s", n, err, b.String(), want)
	}
}
