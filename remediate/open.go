package remediate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/scanner/report"
	"github.com/leakguard/leakguard/secret"
)

// # Incidents follow values
//
// An incident is a key (or, outside the inventory, a rule) and a leaked
// value. The same value found again extends its incident while it is
// open and opens nothing once it is closed; a value rotated away or
// verified invalid never opens a new incident. Its exposures are marked
// (scanner.Finding.Exposure) "rotated YYYY-MM-DD" or "revoked" instead.

// secretHashOf returns the hash that identifies a finding's secret: from
// the secret when the finding carries it, else from its fingerprint
// (rule:hash), as in a redacted JSON report.
func secretHashOf(f scanner.Finding) string {
	if !f.Secret.IsZero() && !strings.Contains(f.Secret.Reveal(), "…(") {
		return secret.Hash(f.Secret.Reveal())
	}
	if i := strings.LastIndexByte(f.Fingerprint, ':'); i >= 0 {
		return f.Fingerprint[i+1:]
	}
	return ""
}

// Annotate sets the Exposure of each finding whose value leakguard knows
// to be dead or replaced — "revoked" (verified invalid after the leak),
// "rotated YYYY-MM-DD" (rotated away at the source of truth, by the
// ledger, or a past value in the inventory's fingerprints) or "closed
// YYYY-MM-DD" — and returns how many it marked. st may be nil (CI, where
// only the committed inventory is known).
func Annotate(fs []scanner.Finding, keys []rules.Key, st *State) int {
	n := 0
	for i := range fs {
		if e := exposureOf(fs[i], keys, st); e != "" {
			fs[i].Exposure = e
			n++
		}
	}
	return n
}

// AnnotateFrom is [Annotate] with the ledger kept in dir, when there is
// one that can be read; it creates nothing (a scan never makes the state
// directory).
func AnnotateFrom(dir string, fs []scanner.Finding, keys []rules.Key) int {
	st, _ := (&Ledger{Dir: dir}).Read()
	return Annotate(fs, keys, st)
}

func exposureOf(f scanner.Finding, keys []rules.Key, st *State) string {
	h := secretHashOf(f)
	if st != nil && h != "" {
		for _, in := range st.Incidents {
			if contains(in.SecretHashes, h) {
				if e := in.Exposure(); e != "" {
					return e
				}
			}
		}
	}
	v := f.Secret.Reveal()
	if v == "" || strings.Contains(v, "…(") {
		return ""
	}
	fp := secret.Fingerprint(v)
	for _, k := range keys {
		for i, old := range k.Fingerprints {
			if i < len(k.Fingerprints)-1 && strings.EqualFold(old, fp) {
				if k.Rotated.IsZero() {
					return "rotated"
				}
				return "rotated " + k.Rotated.Format("2006-01-02")
			}
		}
	}
	return ""
}

// group is the findings of one incident to be: one key (or rule) and one
// value.
type group struct {
	key      string // managed key or ""
	mappedBy string
	rule     scanner.Finding
	hash     string
	locs     []Location
	exposure string // of the value, when known dead or replaced
	validity string // the provider's answer, when verified
	vdetail  string
}

// mapFindings ties findings to managed keys: by name, by known value, by
// provider when exactly one managed key has it; the rest are unmanaged.
// One group per key (or rule) and value.
func (p *Playbook) mapFindings(fs []scanner.Finding) []*group {
	byProvider := map[string][]string{}
	for _, k := range p.Keys {
		if k.Provider != "" {
			byProvider[k.Provider] = append(byProvider[k.Provider], k.Name)
		}
	}
	groups := map[string]*group{}
	var order []string
	for _, f := range fs {
		h := secretHashOf(f)
		key, by := f.KeyName, ""
		switch {
		case key != "" && f.RuleID == "known-value":
			by = "known-value"
		case key != "":
			by = "name"
		case len(byProvider[f.Provider]) == 1:
			key, by = byProvider[f.Provider][0], "provider (unverified)"
		default:
			by = "unmanaged"
		}
		gk := "key:" + key + ":" + h
		if key == "" {
			gk = "rule:" + f.RuleID + ":" + h
		}
		g := groups[gk]
		if g == nil {
			g = &group{key: key, mappedBy: by, rule: f, hash: h}
			groups[gk] = g
			order = append(order, gk)
		}
		if f.Exposure != "" {
			g.exposure = f.Exposure
		}
		// Live wins: one live copy of the value is a live leak.
		if f.Validity != "" && (g.validity == "" || f.Validity == "live" || (g.validity == "unknown" && f.Validity == "invalid")) {
			g.validity, g.vdetail = f.Validity, f.ValidityDetail
		}
		g.locs = append(g.locs, Location{
			File: f.File, Line: f.StartLine, Commit: f.Commit, Author: f.Author, Date: f.Date,
			RuleID: f.RuleID, Preview: f.RedactedLine(),
		})
	}
	out := make([]*group, 0, len(order))
	for _, k := range order {
		out = append(out, groups[k])
	}
	return out
}

// newSteps is the playbook for a managed key or an unmanaged secret.
func (p *Playbook) newSteps(g *group, id string, now time.Time) []*Step {
	rotateURL := g.rule.RotateURL
	var steps []*Step
	add := func(id, title string, manual bool) {
		steps = append(steps, &Step{ID: id, Title: title, Status: StepPending, Manual: manual, Updated: now})
	}
	revoke := func() {
		add("revoke", "Revoke the old value and confirm it no longer works: leakguard revoke "+id+" (it is done when the old value verifies invalid)", false)
	}
	if k := p.key(g.key); k != nil {
		if k.RotateURL != "" {
			rotateURL = k.RotateURL
		}
		add("regenerate", "Regenerate "+k.Name+" in the provider's dashboard"+urlSuffix(rotateURL), true)
		if k.Source != "" {
			add("rotate", "Update the source of truth ("+k.Source+"): leakguard rotate "+k.Name, false)
		} else {
			add("rotate", "Update the source of truth: set source for "+k.Name+" in leakguard.toml, then leakguard rotate "+k.Name, false)
		}
		for _, t := range k.Targets {
			add("sync:"+t, "Sync the new value to "+t+" and verify it: leakguard sync "+k.Name, false)
		}
		revoke()
	} else {
		add("regenerate", "Regenerate the credential at the provider"+urlSuffix(rotateURL), true)
		add("replace", "Replace the old value everywhere it is used (add it to the inventory to let leakguard sync it)", true)
		revoke()
	}
	add("audit-usage", "Audit the provider's usage logs for unauthorized access since the leak", true)
	return steps
}

func urlSuffix(u string) string {
	if u == "" {
		return ""
	}
	return ": " + u
}

// incidentID is stable for a key (or rule) and value: the same leak
// found by another run, or after the ledger was lost, has the same id.
func incidentID(g *group) string {
	base := g.key
	if base == "" {
		base = g.rule.RuleID
	}
	sum := sha256.Sum256([]byte(base + "|" + g.hash))
	return "LG-" + strings.ToUpper(hex.EncodeToString(sum[:4]))
}

// Opened is the result of Open for one incident.
type Opened struct {
	Incident *Incident
	New      bool
	Added    int // new locations added to an existing incident
}

// Summaries are the job summary's lines of the opened incidents: each
// one's managed key (else its rule) and audit issue.
func Summaries(opened []Opened) []report.SummaryIncident {
	var out []report.SummaryIncident
	for _, o := range opened {
		inc := report.SummaryIncident{ID: o.Incident.ID, Name: o.Incident.RuleID}
		if o.Incident.Key != "" {
			inc.Name = o.Incident.Key
		}
		if o.Incident.Issue != nil {
			inc.IssueURL = o.Incident.Issue.URL
		}
		out = append(out, inc)
	}
	return out
}

// Skip is a leaked value Open left alone: its incident is closed, or the
// value is known dead or replaced.
type Skip struct {
	Key       string `json:"key,omitempty"`
	RuleID    string `json:"rule_id"`
	Exposure  string `json:"exposure,omitempty"` // rotated YYYY-MM-DD, revoked, closed YYYY-MM-DD
	Incident  string `json:"incident,omitempty"` // its closed incident
	Locations int    `json:"locations"`
	Why       string `json:"why"`
}

// match finds the incident of a group: same key (or rule, outside the
// inventory) and value, or — an incident rebuilt from its issue, which
// knows no values — the same id. An open one is preferred.
func match(st *State, g *group) *Incident {
	var found *Incident
	id := incidentID(g)
	for _, c := range st.Incidents {
		same := (g.key != "" && c.Key == g.key) || (g.key == "" && c.Key == "" && c.RuleID == g.rule.RuleID)
		if !same && c.ID != id {
			continue
		}
		if contains(c.SecretHashes, g.hash) || (len(c.SecretHashes) == 0 && (c.ID == id || strings.HasPrefix(c.ID, id+"-"))) {
			if c.Status == "open" {
				return c
			}
			if found == nil {
				found = c
			}
		}
	}
	return found
}

// Open records the findings as incidents (new, or extending the open
// incident of the same key and value), prints the playbook and opens or
// updates each audit issue. Values whose incident is closed, or known to
// be rotated away or invalid, open nothing: they are returned as skips.
// With dryRun nothing is written or sent.
func (p *Playbook) Open(ctx context.Context, fs []scanner.Finding, dryRun bool) ([]Opened, []Skip, error) {
	st0, err := p.Ledger.Read()
	if err != nil {
		return nil, nil, err
	}
	Annotate(fs, p.Keys, st0)
	groups := p.mapFindings(fs)
	var out []Opened
	var skips []Skip
	apply := func(st *State) error {
		out, skips = out[:0], skips[:0]
		now := p.Ledger.now()
		for _, g := range groups {
			in := match(st, g)
			skip := Skip{Key: g.key, RuleID: g.rule.RuleID, Exposure: g.exposure, Locations: len(g.locs)}
			switch {
			case in != nil && in.Status == "closed":
				skip.Incident, skip.Why = in.ID, "incident "+in.ID+" is closed"
				if e := in.Exposure(); e != "" {
					skip.Exposure = e
				}
				skips = append(skips, skip)
				continue
			case in == nil && g.exposure != "":
				skip.Why = "the value was " + g.exposure
				skips = append(skips, skip)
				continue
			case in == nil && g.validity == "invalid":
				skip.Exposure, skip.Why = "revoked", "the provider rejects the value ("+g.vdetail+")"
				skips = append(skips, skip)
				continue
			}
			if in == nil {
				id := incidentID(g)
				for n := 2; st.Incident(id) != nil; n++ {
					id = fmt.Sprintf("%s-%d", incidentID(g), n)
				}
				in = &Incident{
					ID: id, Key: g.key, RuleID: g.rule.RuleID, Provider: g.rule.Provider,
					Description: g.rule.Description, RotateURL: g.rule.RotateURL, MappedBy: g.mappedBy,
					Opened: now, Status: "open", Steps: p.newSteps(g, id, now),
				}
				if k := p.key(g.key); k != nil {
					if k.Provider != "" {
						in.Provider = k.Provider
					}
					if k.RotateURL != "" {
						in.RotateURL = k.RotateURL
					}
				}
				if p.Issues != nil {
					in.Steps = append(in.Steps, &Step{ID: "issue", Title: "Open the audit issue", Status: StepPending, Updated: now})
				}
				st.Incidents = append(st.Incidents, in)
				out = append(out, Opened{Incident: in, New: true})
			} else {
				out = append(out, Opened{Incident: in})
			}
			o := &out[len(out)-1]
			if g.hash != "" && !contains(in.SecretHashes, g.hash) {
				in.SecretHashes = append(in.SecretHashes, g.hash)
				sort.Strings(in.SecretHashes)
			}
			if g.validity != "" {
				t := now
				in.Validity, in.ValidityDetail, in.Verified = g.validity, g.vdetail, &t
			}
			for _, l := range g.locs {
				if !hasLocation(in.Locations, l) {
					in.Locations = append(in.Locations, l)
					o.Added++
				}
			}
		}
		return nil
	}
	if dryRun {
		if err := apply(st0); err != nil {
			return nil, nil, err
		}
		p.printSkips(skips)
		for _, o := range out {
			p.printPlaybook(o, true)
		}
		return out, skips, nil
	}
	if err := p.Ledger.Update(apply); err != nil {
		return nil, nil, err
	}
	var errs []error
	for _, o := range out {
		in := o.Incident
		if o.New {
			p.audit(in, "open", "", "ok", fmt.Sprintf("%s, %d locations, mapped by %s", in.RuleID, len(in.Locations), in.MappedBy))
		} else if o.Added > 0 {
			p.audit(in, "extend", "", "ok", fmt.Sprintf("%d new locations", o.Added))
		}
		if p.Issues != nil {
			if err := p.syncIssue(ctx, in.ID, ""); err != nil {
				errs = append(errs, fmt.Errorf("incident %s: audit issue: %w", in.ID, err))
			}
		}
	}
	// Re-read: the issue step may have changed.
	st, err := p.Ledger.Read()
	if err == nil {
		for i := range out {
			if in := st.Incident(out[i].Incident.ID); in != nil {
				out[i].Incident = in
			}
		}
	}
	p.printSkips(skips)
	for _, o := range out {
		p.printPlaybook(o, false)
	}
	return out, skips, errors.Join(errs...)
}

func (p *Playbook) printSkips(skips []Skip) {
	for _, s := range skips {
		what := s.RuleID
		if s.Key != "" {
			what = s.Key + " (" + s.RuleID + ")"
		}
		state := s.Exposure
		if state == "" {
			state = "closed"
		}
		p.printf("%s  %s — %s, nothing to do: %s\n\n", state, what, plural(s.Locations, "exposure"), s.Why)
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func hasLocation(ls []Location, l Location) bool {
	for _, x := range ls {
		if x.File == l.File && x.Line == l.Line && x.Commit == l.Commit && x.RuleID == l.RuleID {
			return true
		}
	}
	return false
}

// printPlaybook tells the user what to do for one incident.
func (p *Playbook) printPlaybook(o Opened, dry bool) {
	in := o.Incident
	what := in.RuleID
	if in.Key != "" {
		what = in.Key + " (" + in.RuleID + ")"
	}
	state := "open"
	switch {
	case o.New && dry:
		state = "would open"
	case o.New:
		state = "opened"
	case o.Added > 0 && dry:
		state = fmt.Sprintf("would add %d locations", o.Added)
	case o.Added > 0:
		state = fmt.Sprintf("%d new locations", o.Added)
	}
	p.printf("incident %s  %s — %s\n", in.ID, what, state)
	if in.MappedBy != "" && in.MappedBy != "name" {
		p.printf("  mapped by: %s\n", in.MappedBy)
	}
	if in.Validity != "" {
		p.printf("  validity:  %s — %s\n", in.Validity, in.ValidityDetail)
	}
	if e := in.Exposure(); e != "" {
		p.printf("  value:     %s\n", e)
	}
	for i, l := range in.Locations {
		if i == 5 {
			p.printf("  … and %d more locations\n", len(in.Locations)-5)
			break
		}
		p.printf("  found:     %s\n", locationText(l))
	}
	for i, s := range in.Steps {
		box := "[ ]"
		if s.Status == StepDone {
			box = "[x]"
		} else if s.Status == StepSkipped {
			box = "[-]"
		}
		p.printf("  %d. %s %s", i+1, box, s.Title)
		if s.Status == StepFailed || s.Status == StepRunning {
			p.printf(" (%s: %s)", s.Status, s.Detail)
		}
		p.printf("\n")
	}
	if in.Issue != nil {
		p.printf("  issue:     %s\n", in.Issue.URL)
	}
	p.printf("\n")
}

func locationText(l Location) string {
	s := l.File
	if s == "" {
		s = "(commit message)"
	}
	if l.Line > 0 {
		s += fmt.Sprintf(":%d", l.Line)
	}
	if l.Commit != "" {
		s += " in commit " + l.Commit[:min(12, len(l.Commit))]
		if l.Author != "" {
			s += " by " + l.Author
		}
		if l.Date != "" {
			s += " on " + l.Date
		}
	}
	return s
}
