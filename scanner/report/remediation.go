package report

import (
	"fmt"
	"strings"
)

// # What to do about a leak
//
// One playbook, in the words every report uses: the GitHub job summary,
// the help of each SARIF rule (what code scanning shows beside an alert).

// steps are the playbook's steps: what to do, then how. {where} is where
// the key is regenerated.
var steps = []struct{ do, how string }{
	{"Regenerate it", "at {where} and revoke the old value"},
	{"Update the source of truth", "(`leakguard rotate NAME` for a key in the inventory)"},
	{"Sync every environment", "that uses it and verify (`leakguard sync NAME`)"},
	{"Audit the provider's usage logs", "for access since the leaking commit"},
	{"Move the value out of the code", "(a git-ignored `.env`, a secret store, `${{ secrets.NAME }}`) and record the incident: `leakguard remediate`"},
}

// falsePositive is the way out for a finding that is no secret.
const falsePositive = "Not a secret (a test value, a placeholder)? Add `leakguard:allow` in a comment on the line, or record it with `leakguard ignore FINGERPRINT --reason TEXT` and commit `.leakguardignore`."

// remediationMarkdown is the playbook as a numbered Markdown list. where
// names the place to regenerate the key and url links it; more is added
// to the last step.
func remediationMarkdown(where, url, more string) string {
	if url != "" {
		where = "[" + strings.TrimPrefix(strings.TrimPrefix(url, "https://"), "http://") + "](" + url + ")"
	}
	var b strings.Builder
	for i, st := range steps {
		how := strings.ReplaceAll(st.how, "{where}", where)
		if i == len(steps)-1 && more != "" {
			how += ", " + more
		}
		fmt.Fprintf(&b, "%d. **%s** %s.\n", i+1, st.do, how)
	}
	return b.String()
}

// remediationText is the playbook as plain text.
func remediationText(where string) string {
	var b strings.Builder
	for i, st := range steps {
		fmt.Fprintf(&b, "%d. %s %s.\n", i+1, st.do, strings.ReplaceAll(st.how, "{where}", where))
	}
	return b.String()
}
