package rules

import (
	"sort"
	"strings"
)

// ProviderRules are the rules of one provider, in their order.
type ProviderRules struct {
	Provider string
	Rules    []*Rule
}

// ByProvider groups rs by provider, the providers sorted by name; with
// provider set, only that provider's (its name in any case).
func ByProvider(rs []*Rule, provider string) []ProviderRules {
	by := map[string][]*Rule{}
	for _, r := range rs {
		if provider == "" || strings.EqualFold(r.Provider, provider) {
			by[r.Provider] = append(by[r.Provider], r)
		}
	}
	out := make([]ProviderRules, 0, len(by))
	for p, list := range by {
		out = append(out, ProviderRules{p, list})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Provider < out[j].Provider })
	return out
}
