package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/leakguard/leakguard/keyfile"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/scanner/report"
	"github.com/leakguard/leakguard/secret"
)

func newRemediateCmd(s *IO) *cobra.Command {
	var f scanFlags
	var reportPath string
	var dryRun, noIssue bool
	c := &cobra.Command{
		Use:   "remediate [PATH...]",
		Short: "Open an incident for each leaked key: flag it for regeneration, print the playbook, open the audit issue",
		Long: `Take findings — a JSON report (--report) or a fresh scan with the scan
flags — tie each to a managed key (by name, by known value, or by provider)
and open or extend an incident per key in the ledger: the key is flagged
for regeneration at its provider's page, the playbook is printed, and an
audit issue is opened or updated on GitHub ([github] in leakguard.toml;
never a second one for the same incident). Findings of keys outside the
inventory get an incident with generic steps.

Then: leakguard rotate NAME, leakguard sync, leakguard incidents close ID.`,
		RunE: func(c *cobra.Command, args []string) error {
			e, err := f.resolve(s, true, args...)
			if err != nil {
				return err
			}
			var found []scanner.Finding
			if reportPath != "" {
				if len(args) > 0 || f.staged || f.history || f.prePush {
					return usageErr("pass either --report or what to scan", "--report cannot be combined with a scan")
				}
				fh, err := os.Open(reportPath)
				if err != nil {
					return usageErr("write one with: leakguard scan -f json -o FILE", "--report: %v", err)
				}
				found, err = report.ReadJSON(fh)
				fh.Close()
				if err != nil {
					return usageErr("pass a JSON report written by leakguard scan -f json", "--report %s: %v", reportPath, err)
				}
			} else {
				res, err := collect(c.Context(), s, &f, e, args)
				if err != nil {
					return err
				}
				found = res.found
				fmt.Fprintln(s.Err, "leakguard: "+res.summary)
			}
			if len(found) == 0 {
				fmt.Fprintln(s.Err, "leakguard: nothing to remediate")
				return nil
			}
			var leaked []secret.Value
			for _, f := range found {
				if !f.Secret.IsZero() {
					leaked = append(leaked, f.Secret)
				}
			}
			p, err := newPlaybook(s, e, noIssue || dryRun, leaked...)
			if err != nil {
				return err
			}
			opened, err := p.Open(c.Context(), found, dryRun)
			if err != nil {
				if c.Context().Err() != nil {
					return c.Context().Err()
				}
				return &Error{Code: ExitIncomplete, Err: err, Hint: "fix the cause and run leakguard remediate again: it resumes without duplicating the issue"}
			}
			fmt.Fprintf(s.Err, "leakguard: %s; next: regenerate each key, then leakguard rotate NAME\n", plural(len(opened), "incident"))
			return &Error{Code: ExitFindings, Err: errSilent}
		},
	}
	f.register(c)
	c.Flags().StringVar(&reportPath, "report", "", "read findings from a JSON report (leakguard scan -f json) instead of scanning")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "show the incidents and steps without writing the ledger or opening issues")
	c.Flags().BoolVar(&noIssue, "no-issue", false, "do not open or update GitHub audit issues")
	return c
}

func newRotateCmd(s *IO) *cobra.Command {
	var f scanFlags
	var fromEnv string
	var stdin, noIssue bool
	c := &cobra.Command{
		Use:   "rotate NAME",
		Short: "Write a regenerated key to its source of truth, then sync and verify every target",
		Long: `Write NAME's new value (regenerated at the provider) to the key's source —
keeping every other field and the file's formatting, after a 0600 backup in
the state directory, atomically — then sync it to every target and verify
each. The value comes from --from-env VAR, --stdin, or a prompt that does
not echo. A value equal to the current or a leaked one is refused. The
key's fingerprints and rotated date are updated in leakguard.toml.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if fromEnv != "" && stdin {
				return usageErr("pass one of them", "--from-env and --stdin are exclusive")
			}
			e, err := f.resolve(s, false)
			if err != nil {
				return err
			}
			v, err := readNewValue(s, args[0], fromEnv, stdin)
			if err != nil {
				return err
			}
			p, err := newPlaybook(s, e, noIssue, v)
			if err != nil {
				return err
			}
			res, err := p.Rotate(c.Context(), args[0], v, keyfile.Write)
			if err != nil {
				if c.Context().Err() != nil {
					return c.Context().Err()
				}
				return &Error{Code: ExitUsage, Err: err, Hint: "nothing was synced; fix the cause and run leakguard rotate again"}
			}
			fmt.Fprintf(s.Err, "leakguard: %s written to its source\n", args[0])
			return printSync(s, res)
		},
	}
	c.Flags().StringVarP(&f.configPath, "config", "c", "", "config `FILE`")
	c.Flags().StringVarP(&f.dir, "chdir", "C", "", "run as if started in `DIR`")
	c.Flags().StringVar(&fromEnv, "from-env", "", "read the new value from environment variable `VAR`")
	c.Flags().BoolVar(&stdin, "stdin", false, "read the new value from standard input (first line)")
	c.Flags().BoolVar(&noIssue, "no-issue", false, "do not update GitHub audit issues")
	return c
}

// readNewValue reads a rotated value without echoing it.
func readNewValue(s *IO, name, fromEnv string, stdin bool) (secret.Value, error) {
	var v string
	switch {
	case fromEnv != "":
		v = s.Getenv(fromEnv)
		if v == "" {
			return secret.Value{}, usageErr("export it first, or use --stdin", "--from-env: %s is not set", fromEnv)
		}
	case stdin:
		line, err := bufio.NewReader(io.LimitReader(s.In, 64<<10)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return secret.Value{}, &Error{Code: ExitUsage, Err: fmt.Errorf("reading stdin: %w", err)}
		}
		v = strings.TrimRight(line, "\r\n")
	default:
		fh, ok := s.In.(*os.File)
		if !ok || !term.IsTerminal(int(fh.Fd())) {
			return secret.Value{}, usageErr("pass --from-env VAR or --stdin", "no terminal to ask for the new value of %s", name)
		}
		fmt.Fprintf(s.Err, "New value for %s (input hidden): ", name)
		b, err := term.ReadPassword(int(fh.Fd()))
		fmt.Fprintln(s.Err)
		if err != nil {
			return secret.Value{}, &Error{Code: ExitUsage, Err: err}
		}
		v = string(b)
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return secret.Value{}, usageErr("paste the regenerated key", "the new value of %s is empty", name)
	}
	return secret.New(v), nil
}

// printSync prints the per-target table and maps failures to exit 3.
func printSync(s *IO, res []remediate.SyncResult) error {
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tTARGET\tRESULT\tDETAIL")
	failed := 0
	for _, r := range res {
		if r.Status == remediate.SyncFailed {
			failed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Key, r.Target, r.Status, r.Detail)
	}
	tw.Flush()
	if failed > 0 {
		return &Error{Code: ExitIncomplete, Err: fmt.Errorf("%s failed", plural(failed, "target")), Hint: "fix the cause and run leakguard sync again: it finishes what failed"}
	}
	return nil
}

func newSyncCmd(s *IO) *cobra.Command {
	var f scanFlags
	var dryRun, noIssue bool
	c := &cobra.Command{
		Use:   "sync [NAME...]",
		Short: "Push each key's current value from its source to every target, and verify each by reading back",
		RunE: func(c *cobra.Command, args []string) error {
			e, err := f.resolve(s, false)
			if err != nil {
				return err
			}
			p, err := newPlaybook(s, e, noIssue || dryRun)
			if err != nil {
				return err
			}
			res, err := p.Sync(c.Context(), args, dryRun)
			if err != nil {
				if c.Context().Err() != nil {
					return c.Context().Err()
				}
				return &Error{Code: ExitUsage, Err: err, Hint: "check the [[keys]] entries in leakguard.toml"}
			}
			if len(res) == 0 {
				fmt.Fprintln(s.Err, "leakguard: no key has targets; add targets = [...] to a [[keys]] entry")
				return nil
			}
			return printSync(s, res)
		},
	}
	c.Flags().StringVarP(&f.configPath, "config", "c", "", "config `FILE`")
	c.Flags().StringVarP(&f.dir, "chdir", "C", "", "run as if started in `DIR`")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "compare each target with the source without writing")
	c.Flags().BoolVar(&noIssue, "no-issue", false, "do not update GitHub audit issues")
	return c
}

func newIncidentsCmd(s *IO) *cobra.Command {
	var f scanFlags
	var noIssue bool
	c := &cobra.Command{
		Use:   "incidents",
		Short: "List, show, advance and close incidents",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return listIncidents(s, &f)
		},
	}
	c.PersistentFlags().StringVarP(&f.configPath, "config", "c", "", "config `FILE`")
	c.PersistentFlags().StringVarP(&f.dir, "chdir", "C", "", "run as if started in `DIR`")
	c.PersistentFlags().BoolVar(&noIssue, "no-issue", false, "do not update GitHub audit issues")
	list := &cobra.Command{Use: "list", Short: "List incidents", Args: cobra.NoArgs, RunE: func(c *cobra.Command, _ []string) error {
		return listIncidents(s, &f)
	}}
	show := &cobra.Command{Use: "show ID", Short: "Show an incident and its steps", Args: cobra.ExactArgs(1), RunE: func(c *cobra.Command, args []string) error {
		p, err := playbookFor(s, &f, true)
		if err != nil {
			return err
		}
		st, err := p.Ledger.Read()
		if err != nil {
			return &Error{Code: ExitUsage, Err: err}
		}
		in := st.Incident(args[0])
		if in == nil {
			return usageErr("run leakguard incidents list", "no incident %s", args[0])
		}
		showIncident(s.Out, in)
		return nil
	}}
	var note string
	done := &cobra.Command{Use: "done ID STEP", Short: "Mark a step done (a manual one, such as audit-usage)", Args: cobra.ExactArgs(2), RunE: func(c *cobra.Command, args []string) error {
		p, err := playbookFor(s, &f, noIssue)
		if err != nil {
			return err
		}
		if err := p.Done(c.Context(), args[0], args[1], note); err != nil {
			return &Error{Code: ExitUsage, Err: err, Hint: "see the steps with leakguard incidents show " + args[0]}
		}
		fmt.Fprintf(s.Err, "leakguard: %s: %s done\n", args[0], args[1])
		return nil
	}}
	done.Flags().StringVar(&note, "note", "", "what was done (recorded in the ledger and the issue; never a secret)")
	var reason string
	var force bool
	closeCmd := &cobra.Command{Use: "close ID", Short: "Close an incident (every step done, or --force with --reason)", Args: cobra.ExactArgs(1), RunE: func(c *cobra.Command, args []string) error {
		p, err := playbookFor(s, &f, noIssue)
		if err != nil {
			return err
		}
		err = p.Close(c.Context(), args[0], reason, force)
		var pe *remediate.PendingError
		switch {
		case errors.As(err, &pe):
			return &Error{Code: ExitFindings, Err: err, Hint: "finish them (leakguard incidents done " + args[0] + " STEP for manual ones) or pass --force --reason \"…\""}
		case err != nil:
			return &Error{Code: ExitIncomplete, Err: err}
		}
		fmt.Fprintf(s.Err, "leakguard: %s closed\n", args[0])
		return nil
	}}
	closeCmd.Flags().StringVar(&reason, "reason", "", "why the incident is closed")
	closeCmd.Flags().BoolVar(&force, "force", false, "close with steps left (needs --reason)")
	c.AddCommand(list, show, done, closeCmd)
	return c
}

func playbookFor(s *IO, f *scanFlags, noIssue bool) (*remediate.Playbook, error) {
	e, err := f.resolve(s, false)
	if err != nil {
		return nil, err
	}
	return newPlaybook(s, e, noIssue)
}

func listIncidents(s *IO, f *scanFlags) error {
	p, err := playbookFor(s, f, true)
	if err != nil {
		return err
	}
	st, err := p.Ledger.Read()
	if err != nil {
		return &Error{Code: ExitUsage, Err: err}
	}
	if len(st.Incidents) == 0 {
		fmt.Fprintln(s.Err, "leakguard: no incidents")
		return nil
	}
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tKEY OR RULE\tOPENED\tSTEPS LEFT\tISSUE")
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", in.ID, in.Status, what, in.Opened.Format("2006-01-02"), strings.Join(left, ","), issue)
	}
	return tw.Flush()
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
	fmt.Fprintf(w, "opened:    %s\n", in.Opened.Format(time.RFC3339))
	if in.Closed != nil {
		fmt.Fprintf(w, "closed:    %s %s\n", in.Closed.Format(time.RFC3339), in.CloseReason)
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
