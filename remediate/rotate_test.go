package remediate

import (
	"testing"

	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

// A new value must have its provider's format when the provider has
// one; a gateway key (base_url) or a provider without rules is not
// checked.
func TestCheckFormat(t *testing.T) {
	det, rs := tavilyDetector(t), []*rules.Rule{tavilyRule(t)}
	k := rules.Key{Name: "TAVILY_API_KEY", Provider: "tavily"}
	if rule, err := CheckFormat(det, rs, k, secret.New(tvly())); rule != "tavily-api-key" || err != nil {
		t.Errorf("a Tavily key: %q, %v", rule, err)
	}
	if rule, err := CheckFormat(det, rs, k, secret.New("not-"+rules.RandString(32, "alnum"))); rule != "" || err == nil {
		t.Errorf("another format: %q, %v", rule, err)
	}
	gw := k
	gw.BaseURL = "https://gw.example"
	other := rules.Key{Name: "X", Provider: "acme"}
	for _, k := range []rules.Key{gw, other} {
		if rule, err := CheckFormat(det, rs, k, secret.New("x")); rule != "" || err != nil {
			t.Errorf("%s: %q, %v", k.Name, rule, err)
		}
	}
	keys := []rules.Key{k, other}
	if FindKey(keys, "X") != &keys[1] || FindKey(keys, "Y") != nil || KeyNames(keys) != "TAVILY_API_KEY, X" || KeyNames(nil) == "" {
		t.Error("FindKey or KeyNames")
	}
}
