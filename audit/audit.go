// Package audit builds leakguard's on-demand audit of a repository: the
// exposures of each leaked secret across the history, the refs and the
// working tree; the managed keys with their age and incidents; and the
// hygiene checks, each with a fix. It renders the [Report] as text,
// JSON, Markdown or a self-contained HTML page with a timeline, and runs
// the health checks of `leakguard doctor` ([Doctor]).
//
// # Exposures
//
// Findings of one secret (by [secret.Hash] of its value, whatever
// rule found it) form one [Exposure]: when and by whom it was first
// introduced, every place it was seen (history introductions, commit
// messages, the working tree), the ref tips that still hold it, when it
// left the files it was in, and the managed key it is. An exposure is live
// while any ref tip or the working tree holds it. A removed secret is
// still in the history: anyone with a clone has it, so it must be rotated
// all the same.
//
// # Secrets
//
// A report never holds a secret: only redacted previews
// ([secret.Value.Redacted], [scanner.Finding.RedactedLine]) and secret
// hashes. Renderers only see the [Report].
//
// # Inputs
//
// The package does not run git or read the ledger itself: the caller
// passes what it gathered ([Input]). The hygiene checks read the work tree
// (file names, modes, .gitignore, workflows) under [Input.Root].
package audit

import (
	"sort"
	"strings"
	"time"

	"github.com/leakguard/leakguard/config"
	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/secret"
)

// Check statuses.
const (
	Pass = "pass"
	Fail = "fail"
	Warn = "warn"
	Skip = "skip"
)

// DefaultRotateAfter is the seed's rotation rule: every 90 days.
const DefaultRotateAfter = "90d"

// Report is an audit's result. Its JSON form is a stable contract.
type Report struct {
	Version   string     `json:"version"`
	Generated time.Time  `json:"generated"`
	Root      string     `json:"root"`
	Head      string     `json:"head"` // branch, or a commit when detached
	Summary   Summary    `json:"summary"`
	Exposures []Exposure `json:"exposures"` // live first, then by severity, then by introduction
	Keys      []Key      `json:"keys"`
	Checks    []Check    `json:"checks"`
	// GitHub is the repository's page on GitHub (https://github.com/o/r)
	// when its remote is there: commits and files link to it.
	GitHub string `json:"github,omitempty"`
	// Start and End bound the timeline: the oldest commit and now.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Summary counts what the report holds.
type Summary struct {
	Commits      int `json:"commits"`
	Refs         int `json:"refs"`
	Blobs        int `json:"blobs"`
	Missing      int `json:"missing_objects"`
	Exposures    int `json:"exposures"`
	Live         int `json:"live"`
	Removed      int `json:"removed"`
	ChecksFailed int `json:"checks_failed"`
	ChecksWarned int `json:"checks_warned"`
	ChecksPassed int `json:"checks_passed"`
}

// Exposure is one secret and everywhere it was seen.
type Exposure struct {
	// ID is the secret's hash (secret.Hash): stable, not reversible.
	ID          string   `json:"id"`
	Preview     string   `json:"preview"` // redacted
	Rules       []string `json:"rules"`
	Description string   `json:"description,omitempty"`
	Provider    string   `json:"provider,omitempty"`
	// Key is the managed key; MappedBy says how: name, known-value,
	// provider (the only managed key of that provider: unverified).
	Key        string `json:"key,omitempty"`
	MappedBy   string `json:"mapped_by,omitempty"`
	RotateURL  string `json:"rotate_url,omitempty"`
	Confidence string `json:"confidence,omitempty"`

	Introduced *Event `json:"introduced,omitempty"`
	// Removed is when the last copy left the refs' files (nil while live,
	// or when only a commit message holds it).
	Removed *Event `json:"removed,omitempty"`
	Live    bool   `json:"live"`
	AtHead  bool   `json:"at_head"`
	// Refs are the ref tips whose tree holds it.
	Refs []string `json:"refs,omitempty"`
	// InWorkTree: the working tree holds it (tracked or untracked files
	// that are not ignored).
	InWorkTree bool       `json:"in_work_tree"`
	InMessage  bool       `json:"in_commit_message"`
	Locations  []Location `json:"locations"`
	Incidents  []Incident `json:"incidents,omitempty"`
	// Remediated is set when the value is known dead or replaced:
	// "rotated YYYY-MM-DD", "revoked" or "closed YYYY-MM-DD" (the
	// findings' Exposure). Such an exposure is not live, wherever it is.
	Remediated string `json:"remediated,omitempty"`
	// Validity is the provider's answer under --verify ("live",
	// "invalid", "unknown") and ValidityDetail how it was decided.
	Validity       string `json:"validity,omitempty"`
	ValidityDetail string `json:"validity_detail,omitempty"`
}

// Event is a commit that introduced or removed a secret.
type Event struct {
	Commit  string    `json:"commit"`
	Date    time.Time `json:"date"`
	Author  string    `json:"author"`
	Email   string    `json:"email,omitempty"`
	Message string    `json:"message,omitempty"`
	Path    string    `json:"path,omitempty"`
	Deleted bool      `json:"deleted,omitempty"` // removal: the file was deleted
	OnHead  bool      `json:"on_head,omitempty"` // removal: in HEAD's history
}

// Location is one place a secret was seen.
type Location struct {
	// Kind is "history" (a commit introduced it at Path), "message" (a
	// commit message), "ref" (a ref tip's file) or "worktree".
	Kind    string    `json:"kind"`
	Path    string    `json:"path,omitempty"`
	Line    int       `json:"line,omitempty"`
	Ref     string    `json:"ref,omitempty"`
	Commit  string    `json:"commit,omitempty"`
	Date    time.Time `json:"date,omitzero"`
	Author  string    `json:"author,omitempty"`
	RuleID  string    `json:"rule_id,omitempty"`
	Preview string    `json:"preview,omitempty"` // the line, redacted
}

// Incident is a ledger incident as the report shows it.
type Incident struct {
	ID     string    `json:"id"`
	Key    string    `json:"key,omitempty"`
	Status string    `json:"status"`
	Opened time.Time `json:"opened"`
	Issue  string    `json:"issue,omitempty"`
	// Pending are the steps left.
	Pending []string `json:"pending,omitempty"`
}

// Key is a managed key's state.
type Key struct {
	Name     string `json:"name"`
	Provider string `json:"provider,omitempty"`
	Source   string `json:"source,omitempty"`
	// InUse: the key has a source or known fingerprints (the embedded
	// inventory lists keys a repository may not use).
	InUse   bool       `json:"in_use"`
	Rotated *time.Time `json:"rotated,omitempty"`
	// AgeDays is the days since Rotated (-1 when unknown).
	AgeDays   int        `json:"age_days"`
	Due       bool       `json:"rotation_due"`
	RotateURL string     `json:"rotate_url,omitempty"`
	Exposures int        `json:"exposures"`
	Incidents []Incident `json:"incidents,omitempty"`
}

// Check is one hygiene check.
type Check struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Status  string   `json:"status"` // pass, fail, warn, skip
	Details []string `json:"details,omitempty"`
	Fix     string   `json:"fix,omitempty"`
	// Waived is the reason the config's [[policy.waivers]] gives for not
	// applying the check (its status is then skip).
	Waived string `json:"waived,omitempty"`
}

// Failed reports whether the audit should exit 1: exposures or failed
// checks.
func (r *Report) Failed() bool { return len(r.Exposures) > 0 || r.Summary.ChecksFailed > 0 }

// HookState is a git hook's state (from the hooks package).
type HookState struct {
	Hook  string // pre-commit, pre-push
	State string // installed, chained, missing, foreign
	Path  string
}

// Input is what the caller gathered for an audit.
type Input struct {
	Now     time.Time
	Version string
	Root    string // the work tree
	Head    string
	Config  *config.Config
	// History is the history scan with exposure data; nil skips it.
	History *gitscan.Exposure
	Stats   gitscan.Stats
	// WorkTree are the working tree's findings, File relative to Root.
	WorkTree []scanner.Finding
	// Tracked are the paths git tracks (the index).
	Tracked []string
	Hooks   []HookState
	// HooksErr is why the hooks could not be read.
	HooksErr error
	// Incidents are the ledger's incidents; LedgerErr why it could not
	// be read.
	Incidents []*remediate.Incident
	LedgerErr error
	// KeyFiles are local files holding managed keys' values (their
	// sources), checked for permissions.
	KeyFiles []string
	// CI: the audit runs in CI, where checks of a developer's machine
	// (the git hooks) cannot pass and are skipped.
	CI bool
	// GitHub is the repository's page when its remote is on GitHub.
	GitHub string
}

// Build groups the findings into exposures, reads the keys and runs the
// hygiene checks.
func Build(in Input) *Report {
	if in.Now.IsZero() {
		in.Now = time.Now()
	}
	r := &Report{Version: in.Version, Generated: in.Now.UTC(), Root: in.Root, Head: in.Head, End: in.Now.UTC(), GitHub: strings.TrimRight(in.GitHub, "/")}
	r.Exposures = groupExposures(in)
	r.Keys = keyStates(in, r.Exposures)
	r.Checks = runChecks(in, r)
	r.Summary = Summary{Commits: in.Stats.Commits, Blobs: in.Stats.Blobs, Missing: in.Stats.Missing, Exposures: len(r.Exposures)}
	if in.History != nil {
		r.Summary.Refs = len(in.History.Refs)
	}
	for _, e := range r.Exposures {
		if e.Live {
			r.Summary.Live++
		} else {
			r.Summary.Removed++
		}
	}
	for _, c := range r.Checks {
		switch c.Status {
		case Fail:
			r.Summary.ChecksFailed++
		case Warn:
			r.Summary.ChecksWarned++
		case Pass:
			r.Summary.ChecksPassed++
		}
	}
	r.Start = r.End
	for _, e := range r.Exposures {
		for _, l := range e.Locations {
			if !l.Date.IsZero() && l.Date.Before(r.Start) {
				r.Start = l.Date.UTC()
			}
		}
	}
	if !r.Start.Before(r.End) {
		r.Start = r.End.Add(-24 * time.Hour)
	}
	return r
}

func parseDate(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// groupExposures groups findings by secret.
func groupExposures(in Input) []Exposure {
	type acc struct {
		e     *Exposure
		first time.Time
		open  int // introductions not removed
		last  *Event
	}
	by := map[string]*acc{}
	var order []string
	get := func(f *scanner.Finding) *acc {
		id := secret.Hash(f.Secret.Reveal())
		a := by[id]
		if a == nil {
			a = &acc{e: &Exposure{ID: id, Preview: f.Secret.Redacted()}}
			by[id] = a
			order = append(order, id)
		}
		e := a.e
		if !contains(e.Rules, f.RuleID) {
			e.Rules = append(e.Rules, f.RuleID)
		}
		if e.Description == "" {
			e.Description = f.Description
		}
		if e.Provider == "" {
			e.Provider = f.Provider
		}
		if f.KeyName != "" && (e.Key == "" || e.MappedBy != "known-value") {
			e.Key = f.KeyName
			e.MappedBy = "name"
			if strings.Contains(strings.ToLower(f.RuleID), "known") {
				e.MappedBy = "known-value"
			}
		}
		if e.RotateURL == "" {
			e.RotateURL = f.RotateURL
		}
		if rank(string(f.Confidence)) > rank(e.Confidence) {
			e.Confidence = string(f.Confidence)
		}
		if f.Exposure != "" {
			e.Remediated = f.Exposure
		}
		if f.Validity != "" && (e.Validity == "" || f.Validity == "live") {
			e.Validity, e.ValidityDetail = f.Validity, f.ValidityDetail
		}
		return a
	}
	if h := in.History; h != nil {
		for i := range h.Findings {
			f := &h.Findings[i]
			a := get(f)
			when := parseDate(f.Date)
			kind := "history"
			if f.File == "" {
				kind = "message"
				a.e.InMessage = true
			}
			a.e.Locations = append(a.e.Locations, Location{Kind: kind, Path: f.File, Line: f.StartLine, Commit: f.Commit, Date: when, Author: f.Author, RuleID: f.RuleID, Preview: f.RedactedLine()})
			if a.e.Introduced == nil || when.Before(a.first) {
				a.first = when
				a.e.Introduced = &Event{Commit: f.Commit, Date: when, Author: f.Author, Email: f.Email, Message: f.Message, Path: f.File}
			}
			if f.File == "" {
				continue
			}
			if i < len(h.Removals) && len(h.Removals[i]) > 0 {
				rm := h.Removals[i][0]
				ev := &Event{Commit: rm.Commit.Hash, Date: parseDate(rm.Commit.Date), Author: rm.Commit.Author, Email: rm.Commit.Email, Message: rm.Commit.Message, Path: rm.Path, Deleted: rm.Deleted, OnHead: rm.OnHead}
				if a.last == nil || ev.Date.After(a.last.Date) {
					a.last = ev
				}
			} else {
				a.open++
			}
		}
		for id, ps := range h.Present {
			a := by[id]
			if a == nil {
				continue
			}
			for _, p := range ps {
				if p.Ref == "HEAD" {
					a.e.AtHead = true
				}
				if !contains(a.e.Refs, p.Ref) {
					a.e.Refs = append(a.e.Refs, p.Ref)
				}
				a.e.Locations = append(a.e.Locations, Location{Kind: "ref", Ref: p.Ref, Path: p.Path})
			}
		}
	}
	for i := range in.WorkTree {
		f := &in.WorkTree[i]
		a := get(f)
		a.e.InWorkTree = true
		a.e.Locations = append(a.e.Locations, Location{Kind: "worktree", Path: f.File, Line: f.StartLine, RuleID: f.RuleID, Preview: f.RedactedLine()})
	}
	keys := map[string]bool{}
	byProvider := map[string][]string{}
	if in.Config != nil {
		for _, k := range in.Config.Keys {
			keys[k.Name] = true
			if k.Provider != "" {
				byProvider[k.Provider] = append(byProvider[k.Provider], k.Name)
			}
		}
	}
	out := make([]Exposure, 0, len(order))
	for _, id := range order {
		a := by[id]
		e := a.e
		e.Live = (e.InWorkTree || len(e.Refs) > 0) && e.Remediated == "" && e.Validity != "invalid"
		if !e.Live && a.last != nil && a.open == 0 {
			e.Removed = a.last
		} else if !e.Live && a.last != nil {
			// Some introductions have no removal seen (e.g. a merge
			// dropped the file): the latest removal known.
			e.Removed = a.last
		}
		if e.Key == "" && e.Provider != "" && len(byProvider[e.Provider]) == 1 {
			e.Key, e.MappedBy = byProvider[e.Provider][0], "provider"
		}
		if e.Key != "" && e.RotateURL == "" && in.Config != nil {
			for _, k := range in.Config.Keys {
				if k.Name == e.Key {
					e.RotateURL = k.RotateURL
				}
			}
		}
		for _, inc := range in.Incidents {
			if contains(inc.SecretHashes, e.ID) {
				e.Incidents = append(e.Incidents, incidentOf(inc))
			}
		}
		sortLocations(e.Locations)
		out = append(out, *e)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Live != b.Live {
			return a.Live
		}
		if sa, sb := a.severity(), b.severity(); sa != sb {
			return sa > sb
		}
		if a.AtHead != b.AtHead {
			return a.AtHead
		}
		ta, tb := introTime(a), introTime(b)
		if !ta.Equal(tb) {
			return ta.Before(tb)
		}
		return a.ID < b.ID
	})
	return out
}

// severity ranks exposures for a reader: a secret its provider says
// works first, then managed keys, then by confidence; one its provider
// says is dead last.
func (e *Exposure) severity() int {
	n := rank(e.Confidence)
	if e.Key != "" && e.MappedBy != "provider" {
		n += 4
	}
	switch e.Validity {
	case "live":
		n += 10
	case "invalid":
		n -= 10
	}
	return n
}

// WorkTreeOnly reports whether the exposure was never committed: only
// the working tree holds it.
func (e *Exposure) WorkTreeOnly() bool {
	return e.InWorkTree && e.Introduced == nil && len(e.Refs) == 0
}

func introTime(e Exposure) time.Time {
	if e.Introduced != nil {
		return e.Introduced.Date
	}
	return time.Time{}
}

func sortLocations(ls []Location) {
	kind := map[string]int{"worktree": 0, "ref": 1, "history": 2, "message": 3}
	sort.SliceStable(ls, func(i, j int) bool {
		a, b := ls[i], ls[j]
		if kind[a.Kind] != kind[b.Kind] {
			return kind[a.Kind] < kind[b.Kind]
		}
		if !a.Date.Equal(b.Date) {
			return a.Date.Before(b.Date)
		}
		if a.Ref != b.Ref {
			if a.Ref == "HEAD" || b.Ref == "HEAD" {
				return a.Ref == "HEAD"
			}
			return a.Ref < b.Ref
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Line < b.Line
	})
}

func incidentOf(in *remediate.Incident) Incident {
	x := Incident{ID: in.ID, Key: in.Key, Status: in.Status, Opened: in.Opened}
	if in.Issue != nil {
		x.Issue = in.Issue.URL
	}
	for _, s := range in.Pending() {
		x.Pending = append(x.Pending, s.ID)
	}
	return x
}

func rank(c string) int {
	switch c {
	case "high":
		return 3
	case "medium":
		return 2
	case "low":
		return 1
	}
	return 0
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// keyStates reads each managed key's rotation age and incidents.
func keyStates(in Input, exps []Exposure) []Key {
	if in.Config == nil {
		return nil
	}
	maxAge := rotateAfter(in.Config)
	var out []Key
	for _, k := range in.Config.Keys {
		ks := Key{Name: k.Name, Provider: k.Provider, Source: k.Source, RotateURL: k.RotateURL, AgeDays: -1,
			InUse: k.Source != "" || len(k.Fingerprints) > 0 || !k.Rotated.IsZero()}
		if !k.Rotated.IsZero() {
			t := k.Rotated.UTC()
			ks.Rotated = &t
			ks.AgeDays = int(in.Now.Sub(t).Hours() / 24)
			ks.Due = in.Now.Sub(t) > maxAge
		}
		for _, e := range exps {
			if e.Key == k.Name {
				ks.Exposures++
				ks.InUse = true
			}
		}
		for _, inc := range in.Incidents {
			if inc.Key == k.Name {
				ks.Incidents = append(ks.Incidents, incidentOf(inc))
				ks.InUse = true
			}
		}
		out = append(out, ks)
	}
	return out
}

// rotateAfter is the policy's maximum key age (90 days by default).
func rotateAfter(c *config.Config) time.Duration {
	pol, err := RotationPolicy(c)
	if err != nil || pol.MaxAge <= 0 {
		pol.MaxAge, _ = config.ParseDuration(DefaultRotateAfter)
	}
	return pol.MaxAge
}
