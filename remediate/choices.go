package remediate

import (
	"os"
	"path/filepath"
	"slices"

	"github.com/leakguard/leakguard/rules"
)

// Choice is a value a shell may complete, with what it names.
type Choice struct{ Value, Desc string }

// KeyChoices are the names of the managed keys (with their providers)
// that given does not hold yet.
func KeyChoices(keys []rules.Key, given []string) []Choice {
	var out []Choice
	for _, k := range keys {
		if !slices.Contains(given, k.Name) {
			out = append(out, Choice{k.Name, k.Provider})
		}
	}
	return out
}

// IncidentChoices are the incidents of the ledger in dir, open ones
// first (the closed ones say so); with id, that incident's pending steps
// instead. The ledger is read, never created: none, or one that cannot
// be read, offers nothing.
func IncidentChoices(dir, id string) []Choice {
	if _, err := os.Stat(filepath.Join(dir, ledgerFile)); err != nil {
		return nil
	}
	st, err := (&Ledger{Dir: dir}).Read()
	if err != nil {
		return nil
	}
	var open, closed []Choice
	for _, in := range st.Incidents {
		switch {
		case id != "":
			if in.ID == id {
				for _, p := range in.Pending() {
					open = append(open, Choice{p.ID, p.Title})
				}
			}
		case in.Status == "closed":
			closed = append(closed, Choice{in.ID, in.Subject() + " (closed)"})
		default:
			open = append(open, Choice{in.ID, in.Subject()})
		}
	}
	return append(open, closed...)
}
