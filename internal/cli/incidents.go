package cli

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/leakguard/leakguard/remediate"
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
	f.registerSite(c.PersistentFlags(), "config `FILE`")
	c.PersistentFlags().BoolVar(&noIssue, "no-issue", false, "do not update GitHub audit issues")
	c.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	list := &cobra.Command{Use: "list", Short: "List incidents", Args: cobra.NoArgs, RunE: func(c *cobra.Command, _ []string) error {
		return listIncidents(c.Context(), s, &f, format)
	}}
	list.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	show := &cobra.Command{Use: "show ID", Short: "Show an incident and its steps", Args: cobra.ExactArgs(1), RunE: func(c *cobra.Command, args []string) error {
		_, _, in, err := incidentFor(c.Context(), s, &f, args[0])
		if err != nil {
			return err
		}
		remediate.WriteIncident(s.Out, in)
		return nil
	}}
	var note string
	var manual bool
	done := &cobra.Command{
		Use:   "done ID STEP",
		Short: "Mark a step done (a manual one, such as audit-usage; revoke only with --manual)",
		Args:  cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			_, p, err := playbookFor(c.Context(), s, &f, noIssue)
			if err != nil {
				return err
			}
			return p.Done(c.Context(), args[0], args[1], note, manual)
		}}
	done.Flags().StringVar(&note, "note", "", "what was done (recorded in the ledger and the issue; never a secret)")
	done.Flags().BoolVar(&manual, "manual", false, "for the revoke step: you deleted the key yourself (recorded as unverified)")
	var reason string
	var force bool
	closeCmd := &cobra.Command{Use: "close ID", Short: "Close an incident (every step done, or --force with --reason)", Args: cobra.ExactArgs(1), RunE: func(c *cobra.Command, args []string) error {
		_, p, err := playbookFor(c.Context(), s, &f, noIssue)
		if err != nil {
			return err
		}
		err = p.Close(c.Context(), args[0], reason, force)
		if errors.As(err, new(*remediate.PendingError)) {
			return &Error{Code: ExitFindings, Err: err}
		}
		return err
	}}
	closeCmd.Flags().StringVar(&reason, "reason", "", "why the incident is closed")
	closeCmd.Flags().BoolVar(&force, "force", false, "close with steps left (needs --reason; recorded in the ledger and the issue)")
	c.AddCommand(list, show, done, closeCmd)
	return c
}

// playbookFor builds the playbook of the commands that only need the
// configuration, after recovering a corrupt ledger.
func playbookFor(ctx context.Context, s *IO, f *scanFlags, noIssue bool) (*env, *remediate.Playbook, error) {
	e, err := f.resolve(s, false)
	if err != nil {
		return nil, nil, err
	}
	p, err := recoveredPlaybook(ctx, s, e, noIssue)
	return e, p, err
}

// recoveredPlaybook is newPlaybook once a corrupt ledger was moved aside
// and rebuilt (see remediate.Playbook.Recover).
func recoveredPlaybook(ctx context.Context, s *IO, e *env, noIssue bool, forbid ...secret.Value) (*remediate.Playbook, error) {
	p, err := newPlaybook(s, e, noIssue, forbid...)
	if err == nil {
		_, err = p.Recover(ctx)
	}
	return p, err
}

// incidentFor is incident id of the ledger, with playbookFor's playbook
// (without GitHub).
func incidentFor(ctx context.Context, s *IO, f *scanFlags, id string) (*env, *remediate.Playbook, *remediate.Incident, error) {
	e, p, err := playbookFor(ctx, s, f, true)
	if err != nil {
		return nil, nil, nil, err
	}
	in, err := p.Ledger.Incident(id)
	if err != nil {
		return nil, nil, nil, &Error{Code: ExitUsage, Err: err}
	}
	return e, p, in, nil
}

func listIncidents(ctx context.Context, s *IO, f *scanFlags, format string) error {
	if format != "text" && format != "json" {
		return usageErr("use text or json", "--format: unknown format %q", format)
	}
	_, p, err := playbookFor(ctx, s, f, true)
	if err != nil {
		return err
	}
	st, err := p.Ledger.Read()
	if err != nil {
		return &Error{Code: ExitUsage, Err: err}
	}
	return remediate.WriteIncidentList(s.Out, s.Err, st.Incidents, format == "json")
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
	f.registerSite(c.Flags(), "config `FILE`")
	c.Flags().BoolVar(&noIssue, "no-issue", false, "do not update the GitHub audit issue")
	c.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask before revoking through an API")
	return c
}

func runRevoke(ctx context.Context, s *IO, f *scanFlags, id string, noIssue, yes bool) error {
	e, p0, in, err := incidentFor(ctx, s, f, id)
	if err != nil {
		return err
	}
	found, err := p0.LeakedValues(newDetector(e.cfg, nil), in)
	if err != nil {
		return err
	}
	p, err := newPlaybook(s, e, noIssue, remediate.Secrets(found)...)
	if err != nil {
		return err
	}
	chk, err := newChecker(s, e)
	if err != nil {
		return err
	}
	p.Confirm = s.confirmer(yes)
	return p.Revoke(ctx, id, verify.Credentials(found, e.cfg.Keys), chk)
}
