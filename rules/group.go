package rules

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
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

// WriteList writes the table of 'leakguard rules list' to w: each
// provider, then its rules (id, confidence, description) indented under
// it, in aligned columns. It returns how many rules it listed.
func WriteList(w io.Writer, provs []ProviderRules) (n int, err error) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, p := range provs {
		fmt.Fprintf(tw, "%s\n", p.Provider)
		for _, r := range p.Rules {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", r.ID, r.Confidence, r.Description)
			n++
		}
	}
	return n, tw.Flush()
}
