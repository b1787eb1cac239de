package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"github.com/leakguard/leakguard/keyfile"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/secret"
	"github.com/leakguard/leakguard/verify"
)

func newIncidentsCmd(s *IO) *cobra.Command {
	var f scanFlags
	var noIssue bool
	var format string
	c := &cobra.Command{
		Use:   "incidents",
		Short: "List, show, advance and close incidents",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return listIncidents(c.Context(), s, &f, format)
		},
	}
	c.PersistentFlags().StringVarP(&f.configPath, "config", "c", "", "config `FILE`")
	c.PersistentFlags().StringVarP(&f.dir, "chdir", "C", "", "run as if started in `DIR`")
	c.PersistentFlags().BoolVar(&noIssue, "no-issue", false, "do not update GitHub audit issues")
	c.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	list := &cobra.Command{Use: "list", Short: "List incidents", Args: cobra.NoArgs, RunE: func(c *cobra.Command, _ []string) error {
		return listIncidents(c.Context(), s, &f, format)
	}}
	list.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	show := &cobra.Command{Use: "show ID", Short: "Show an incident and its steps", Args: cobra.ExactArgs(1), RunE: func(c *cobra.Command, args []string) error {
		p, err := playbookFor(c.Context(), s, &f, true)
		if err != nil {
			return err
		}
		in, err := incident(p, args[0])
		if err != nil {
			return err
		}
		showIncident(s.Out, in)
		return nil
	}}
	var note string
	var manual bool
	done := &cobra.Command{
		Use:   "done ID STEP",
		Short: "Mark a step done (a manual one, such as audit-usage; revoke only with --manual)",
		Args:  cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			p, err := playbookFor(c.Context(), s, &f, noIssue)
			if err != nil {
				return err
			}
			if err := p.Done(c.Context(), args[0], args[1], note, manual); err != nil {
				return &Error{Code: ExitUsage, Err: err, Hint: hintOr(err, "see the steps with leakguard incidents show "+args[0])}
			}
			fmt.Fprintf(s.Err, "leakguard: %s: %s done\n", args[0], args[1])
			return nil
		}}
	done.Flags().StringVar(&note, "note", "", "what was done (recorded in the ledger and the issue; never a secret)")
	done.Flags().BoolVar(&manual, "manual", false, "for the revoke step: you deleted the key yourself (recorded as unverified)")
	var reason string
	var force bool
	closeCmd := &cobra.Command{Use: "close ID", Short: "Close an incident (every step done, or --force with --reason)", Args: cobra.ExactArgs(1), RunE: func(c *cobra.Command, args []string) error {
		p, err := playbookFor(c.Context(), s, &f, noIssue)
		if err != nil {
			return err
		}
		err = p.Close(c.Context(), args[0], reason, force)
		var pe *remediate.PendingError
		switch {
		case errors.As(err, &pe):
			return &Error{Code: ExitFindings, Err: err, Hint: "finish them (leakguard incidents done " + args[0] + " STEP for manual ones, leakguard revoke " + args[0] + ") or pass --force --reason \"…\""}
		case err != nil:
			return &Error{Code: ExitIncomplete, Err: err, Hint: hintOr(err, "the ledger records the close; run the command again to update the issue")}
		}
		fmt.Fprintf(s.Err, "leakguard: %s closed\n", args[0])
		return nil
	}}
	closeCmd.Flags().StringVar(&reason, "reason", "", "why the incident is closed")
	closeCmd.Flags().BoolVar(&force, "force", false, "close with steps left (needs --reason; recorded in the ledger and the issue)")
	c.AddCommand(list, show, done, closeCmd)
	return c
}

// hintOr is err's own hint, else def.
func hintOr(err error, def string) string {
	var h interface{ Hint() string }
	if errors.As(err, &h) && h.Hint() != "" {
		return h.Hint()
	}
	return def
}

func incident(p *remediate.Playbook, id string) (*remediate.Incident, error) {
	st, err := p.Ledger.Read()
	if err != nil {
		return nil, &Error{Code: ExitUsage, Err: err}
	}
	in := st.Incident(id)
	if in == nil {
		return nil, usageErr("run leakguard incidents list", "no incident %s", id)
	}
	return in, nil
}

// playbookFor builds the playbook of the commands that only need the
// configuration.
func playbookFor(ctx context.Context, s *IO, f *scanFlags, noIssue bool) (*remediate.Playbook, error) {
	e, err := f.resolve(s, false)
	if err != nil {
		return nil, err
	}
	p, err := newPlaybook(s, e, noIssue)
	if err != nil {
		return nil, err
	}
	return p, recoverLedger(ctx, p)
}

// recoverLedger moves a corrupt ledger aside and rebuilds it (see
// remediate.Playbook.Recover).
func recoverLedger(ctx context.Context, p *remediate.Playbook) error {
	if _, err := p.Recover(ctx); err != nil {
		return &Error{Code: ExitIncomplete, Err: err, Hint: "the corrupt file was kept; check the GitHub token, or pass --no-issue to start from an empty ledger"}
	}
	return nil
}

// incidentJSON is an incident in incidents list -f json and remediate -f
// json: a stable contract.
type incidentJSON struct {
	ID         string               `json:"id"`
	New        bool                 `json:"new,omitempty"`
	Status     string               `json:"status"`
	Key        string               `json:"key,omitempty"`
	RuleID     string               `json:"rule_id"`
	Provider   string               `json:"provider,omitempty"`
	MappedBy   string               `json:"mapped_by,omitempty"`
	Opened     time.Time            `json:"opened"`
	Closed     *time.Time           `json:"closed,omitempty"`
	Reason     string               `json:"close_reason,omitempty"`
	ForcedOpen []string             `json:"forced_open,omitempty"`
	Validity   string               `json:"validity,omitempty"`
	Exposure   string               `json:"exposure,omitempty"`
	Issue      string               `json:"issue,omitempty"`
	Locations  []remediate.Location `json:"locations"`
	Steps      []*remediate.Step    `json:"steps"`
	StepsLeft  []string             `json:"steps_left"`
}

func toIncidentJSON(in *remediate.Incident, isNew bool) incidentJSON {
	j := incidentJSON{ID: in.ID, New: isNew, Status: in.Status, Key: in.Key, RuleID: in.RuleID, Provider: in.Provider,
		MappedBy: in.MappedBy, Opened: in.Opened, Closed: in.Closed, Reason: in.CloseReason, ForcedOpen: in.ForcedOpen,
		Validity: in.Validity, Exposure: in.Exposure(), Locations: in.Locations, Steps: in.Steps, StepsLeft: []string{}}
	if in.Issue != nil {
		j.Issue = in.Issue.URL
	}
	for _, s := range in.Pending() {
		j.StepsLeft = append(j.StepsLeft, s.ID)
	}
	return j
}

func listIncidents(ctx context.Context, s *IO, f *scanFlags, format string) error {
	if format != "text" && format != "json" {
		return usageErr("use text or json", "--format: unknown format %q", format)
	}
	p, err := playbookFor(ctx, s, f, true)
	if err != nil {
		return err
	}
	st, err := p.Ledger.Read()
	if err != nil {
		return &Error{Code: ExitUsage, Err: err}
	}
	if format == "json" {
		out := []incidentJSON{}
		for _, in := range st.Incidents {
			out = append(out, toIncidentJSON(in, false))
		}
		return writeJSONOut(s.Out, out)
	}
	if len(st.Incidents) == 0 {
		fmt.Fprintln(s.Err, "leakguard: no incidents")
		return nil
	}
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tKEY OR RULE\tOPENED\tVALUE\tSTEPS LEFT\tISSUE")
	for _, in := range st.Incidents {
		what := in.RuleID
		if in.Key != "" {
			what = in.Key
		}
		issue := ""
		if in.Issue != nil {
			issue = in.Issue.URL
		}
		var left []string
		for _, st := range in.Pending() {
			left = append(left, st.ID)
		}
		value := in.Exposure()
		if value == "" {
			value = orDash(in.Validity)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", in.ID, in.Status, what, in.Opened.Format("2006-01-02"), value, orDash(strings.Join(left, ",")), issue)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func showIncident(w io.Writer, in *remediate.Incident) {
	fmt.Fprintf(w, "incident:  %s (%s)\n", in.ID, in.Status)
	if in.Key != "" {
		fmt.Fprintf(w, "key:       %s (mapped by %s)\n", in.Key, in.MappedBy)
	}
	fmt.Fprintf(w, "rule:      %s\n", in.RuleID)
	if in.Provider != "" {
		fmt.Fprintf(w, "provider:  %s\n", in.Provider)
	}
	if in.RotateURL != "" {
		fmt.Fprintf(w, "rotate at: %s\n", in.RotateURL)
	}
	if in.Validity != "" {
		fmt.Fprintf(w, "validity:  %s — %s\n", in.Validity, in.ValidityDetail)
	}
	if e := in.Exposure(); e != "" {
		fmt.Fprintf(w, "value:     %s\n", e)
	}
	fmt.Fprintf(w, "opened:    %s\n", in.Opened.Format(time.RFC3339))
	if in.Closed != nil {
		fmt.Fprintf(w, "closed:    %s %s\n", in.Closed.Format(time.RFC3339), in.CloseReason)
		if len(in.ForcedOpen) > 0 {
			fmt.Fprintf(w, "forced:    closed with steps open: %s\n", strings.Join(in.ForcedOpen, ", "))
		}
	}
	if in.Issue != nil {
		fmt.Fprintf(w, "issue:     %s\n", in.Issue.URL)
	}
	for _, l := range in.Locations {
		loc := l.File
		if l.Line > 0 {
			loc += fmt.Sprintf(":%d", l.Line)
		}
		if l.Commit != "" {
			loc = l.Commit[:min(12, len(l.Commit))] + ":" + loc
		}
		fmt.Fprintf(w, "found:     %s  %s\n", loc, l.Preview)
	}
	fmt.Fprintln(w, "steps:")
	for _, st := range in.Steps {
		fmt.Fprintf(w, "  %-14s %-8s %s", st.ID, st.Status, st.Title)
		if st.Detail != "" {
			fmt.Fprintf(w, " (%s)", st.Detail)
		}
		fmt.Fprintln(w)
	}
}

func newRevokeCmd(s *IO) *cobra.Command {
	var f scanFlags
	var noIssue, yes bool
	c := &cobra.Command{
		Use:   "revoke INCIDENT",
		Short: "Revoke an incident's leaked value through its provider's API, or say where to delete it; then verify it",
		Long: `Find the incident's leaked value again at its recorded locations (the
commits and files, and the source backups taken by rotate), then:

  - where the provider has a revocation API (GitHub's credential revocation,
    Slack auth.revoke, ...), revoke it there — this cannot be undone — and
    verify it again;
  - elsewhere print the page to delete the key and the provider's usage
    page for the audit-usage step, and verify it: run it again once you
    deleted the key.

The revoke step is done only when the old value verifies invalid; if it
cannot be checked, leakguard incidents done ID revoke --manual records your
word (as unverified). Each value is sent only to its own provider.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runRevoke(c.Context(), s, &f, args[0], noIssue, yes)
		},
	}
	c.Flags().StringVarP(&f.configPath, "config", "c", "", "config `FILE`")
	c.Flags().StringVarP(&f.dir, "chdir", "C", "", "run as if started in `DIR`")
	c.Flags().BoolVar(&noIssue, "no-issue", false, "do not update the GitHub audit issue")
	c.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask before revoking through an API")
	return c
}

func runRevoke(ctx context.Context, s *IO, f *scanFlags, id string, noIssue, yes bool) error {
	e, err := f.resolve(s, false)
	if err != nil {
		return err
	}
	p0, err := newPlaybook(s, e, true)
	if err != nil {
		return err
	}
	if err := recoverLedger(ctx, p0); err != nil {
		return err
	}
	in, err := incident(p0, id)
	if err != nil {
		return err
	}
	found := leakedValues(e, p0.Ledger.Dir, in)
	if len(found) == 0 {
		return &Error{Code: ExitIncomplete, Err: fmt.Errorf("incident %s: the leaked value was not found again at its recorded locations", id),
			Hint: "delete the key at its provider yourself, then: leakguard incidents done " + id + " revoke --manual"}
	}
	var vals []secret.Value
	for _, f := range found {
		vals = append(vals, f.Secret)
	}
	p, err := newPlaybook(s, e, noIssue, vals...)
	if err != nil {
		return err
	}
	chk, err := newChecker(e)
	if err != nil {
		return err
	}
	creds := verify.Credentials(found, e.cfg.Keys)
	guide := verify.GuideFor(creds[0])
	if guide.Revoke != "" && !yes && isTerminal(s.Err) && isTerminalReader(s.In) {
		if !ask(s, fmt.Sprintf("revoke %s's leaked value through %s? This cannot be undone", subjectOf(in), guide.Revoke)) {
			return usageErr("run it again and answer y, or pass --yes", "cancelled: nothing revoked")
		}
	}
	revs := chk.Revoke(ctx, creds)
	o := remediate.RevokeOutcome{Method: "manual"} // Validity: the worst answer of the copies found
	for i, r := range revs {
		g := r.Guide
		if o.KeysPage == "" {
			o.KeysPage, o.UsagePage = g.KeysPage, g.UsagePage
		}
		after := r.After
		if r.Method != "api" {
			// Perhaps the user deleted it already: ask the provider.
			after = chk.Check(ctx, creds[i:i+1])[0]
		} else {
			o.Method = "api"
		}
		fmt.Fprintf(s.Out, "%s  %s: %s\n", id, r.Method, r.Detail)
		fmt.Fprintf(s.Out, "%s  the old value is now %s — %s\n", id, after.Validity, after.Detail)
		o.Validity, o.Detail = worse(o.Validity, string(after.Validity)), after.Detail
	}
	if o.Validity == "" {
		o.Validity = string(verify.Unknown)
	}
	if _, err := p.Revoked(ctx, id, o); err != nil {
		return &Error{Code: ExitIncomplete, Err: err, Hint: "the revocation is recorded in the ledger; run leakguard revoke " + id + " again to update the issue"}
	}
	if o.Validity == string(verify.Invalid) {
		fmt.Fprintf(s.Err, "leakguard: %s: the old value no longer works; revoke step done\n", id)
		if o.UsagePage != "" {
			fmt.Fprintf(s.Err, "leakguard: next: audit its use at %s, then leakguard incidents done %s audit-usage\n", o.UsagePage, id)
		}
		return nil
	}
	h := "delete the key at its provider"
	if o.KeysPage != "" {
		h += " (" + o.KeysPage + ")"
	}
	h += ", then run leakguard revoke " + id + " again to verify it"
	if o.Validity == string(verify.Unknown) {
		h += "; if it cannot be verified: leakguard incidents done " + id + " revoke --manual"
	}
	if o.UsagePage != "" {
		h += "; audit its use at " + o.UsagePage
	}
	return &Error{Code: ExitIncomplete, Err: fmt.Errorf("incident %s: the old value is %s", id, o.Validity), Hint: h}
}

// worse keeps the least reassuring of two validities: one live copy
// means the leak is live.
func worse(a, b string) string {
	rank := map[string]int{"": 0, "invalid": 1, "unknown": 2, "live": 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func subjectOf(in *remediate.Incident) string {
	if in.Key != "" {
		return in.Key
	}
	return in.RuleID
}

// leakedValues finds an incident's leaked values again: the files at the
// recorded commits (or in the working tree), and the source backups the
// rotations kept; only findings whose value hash is the incident's count.
func leakedValues(e *env, stateDir string, in *remediate.Incident) []scanner.Finding {
	det := newDetector(e.cfg, nil)
	want := map[string]bool{}
	for _, h := range in.SecretHashes {
		want[h] = true
	}
	seen := map[string]bool{}
	var out []scanner.Finding
	take := func(path string, content []byte) {
		for _, f := range det.Detect(scanner.Fragment{Path: path, Content: content}) {
			h := secret.Hash(f.Secret.Reveal())
			if want[h] && !seen[h] {
				seen[h] = true
				if f.KeyName == "" {
					f.KeyName = in.Key
				}
				out = append(out, f)
			}
		}
	}
	root := e.root()
	repo, _ := git.PlainOpenWithOptions(root, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	for _, l := range in.Locations {
		if len(seen) == len(want) {
			return out
		}
		if l.File == "" {
			continue
		}
		if l.Commit == "" {
			if b, err := os.ReadFile(filepath.Join(root, l.File)); err == nil {
				take(l.File, b)
			}
			continue
		}
		if repo == nil {
			continue
		}
		c, err := repo.CommitObject(plumbing.NewHash(l.Commit))
		if err != nil {
			continue
		}
		file, err := c.File(l.File)
		if err != nil {
			continue
		}
		if b, err := file.Contents(); err == nil {
			take(l.File, []byte(b))
		}
	}
	// The rotations' backups of the key's source hold its old values.
	if k := remediate.FindKey(e.cfg.Keys, in.Key); k != nil && k.Source != "" && len(seen) < len(want) {
		spec, err := keyfile.Parse(k.Source)
		if err == nil && spec.Path != "" {
			matches, _ := filepath.Glob(filepath.Join(stateDir, "backups", "*"))
			for _, m := range matches {
				sp := spec
				sp.Path = m
				if v, err := keyfile.Read(sp); err == nil && want[secret.Hash(v.Reveal())] && !seen[secret.Hash(v.Reveal())] {
					seen[secret.Hash(v.Reveal())] = true
					out = append(out, scanner.Finding{RuleID: in.RuleID, Provider: in.Provider, KeyName: in.Key, Secret: v, File: m})
				}
			}
		}
	}
	return out
}
