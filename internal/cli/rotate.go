package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/leakguard/leakguard/internal/tty"
	"github.com/leakguard/leakguard/keyfile"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/secret"
)

func newRotateCmd(s *IO) *cobra.Command {
	var f scanFlags
	var fromEnv string
	var stdin, noIssue, dryRun, force, yes bool
	c := &cobra.Command{
		Use:   "rotate NAME",
		Short: "Write a regenerated key to its source of truth, then sync and verify every target",
		Long: `Write NAME's new value (regenerated at the provider) to the key's source —
keeping every other field and the file's formatting, after a 0600 backup in
the state directory, atomically, through symbolic links, keeping the file's
mode and owner — then sync it to every target and verify each.

The key name is checked first. The value comes from --from-env VAR, --stdin,
or a prompt that does not echo; it must match the key's provider format
(--force to override) and must not be a known or leaked value. On a
terminal a preview (the first characters and the length, and the rule it
matches) and the targets are shown and leakguard asks first (--yes does not
ask). --dry-run shows that and writes nothing.

A rotate interrupted after writing the source resumes: run leakguard sync
NAME (or rotate again with the same value). Rotating does not mark the
regenerate or revoke steps done: leakguard revoke ID verifies the old value.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			name := args[0]
			if fromEnv != "" && stdin {
				return usageErr("pass one of them", "--from-env and --stdin are exclusive")
			}
			e, err := f.resolve(s, false)
			if err != nil {
				return err
			}
			k := remediate.FindKey(e.cfg.Keys, name)
			if k == nil {
				return &Error{Code: ExitUsage, Err: &remediate.UnknownKeyError{Name: name}, Hint: "the managed keys are: " + remediate.KeyNames(e.cfg.Keys) + " (leakguard keys list)"}
			}
			v, err := readNewValue(s, name, fromEnv, stdin)
			if err != nil {
				return err
			}
			if err := remediate.RotatePreview(s.Err, newDetector(e.cfg, nil), e.cfg.Rules, *k, v, force); err != nil {
				return err
			}
			if dryRun {
				fmt.Fprintln(s.Err, "leakguard: --dry-run: nothing written")
				return nil
			}
			if !yes && tty.IsTerminal(s.Err) && tty.IsTerminal(s.In) && !ask(s, "write it?") {
				return usageErr("run it again and answer y, or pass --yes", "cancelled: nothing written")
			}
			p, err := recoveredPlaybook(c.Context(), s, e, noIssue, v)
			if err != nil {
				return err
			}
			p.Force = force
			return p.RotateAndReport(c.Context(), name, v, keyfile.Write)
		},
	}
	f.registerSite(c.Flags(), "config `FILE`")
	c.Flags().StringVar(&fromEnv, "from-env", "", "read the new value from environment variable `VAR`")
	c.Flags().BoolVar(&stdin, "stdin", false, "read the new value from standard input (first line)")
	c.Flags().BoolVar(&noIssue, "no-issue", false, "do not update GitHub audit issues")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "check the value and show what would be written, without writing")
	c.Flags().BoolVar(&force, "force", false, "accept a value that does not match the provider's format")
	c.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask before writing")
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
	return remediate.NewValue(name, v)
}

func newSyncCmd(s *IO) *cobra.Command {
	var f scanFlags
	var dryRun, noIssue, force bool
	c := &cobra.Command{
		Use:   "sync [NAME...]",
		Short: "Push each key's current value from its source to every target, and verify each by reading back",
		Long: `Read every target of each key back, on every run, and write the key's
current value (from its source) where it differs: a target that drifted
since the last sync (a dashboard edit) is repaired and reported so. A target
that cannot give values back (Vercel's sensitive variables) is written and
reported "present (value not readable)". A value known to be leaked (a past
fingerprint of the key, or an incident's value) is refused unless --force.
It also finishes a rotate that was interrupted.`,
		RunE: func(c *cobra.Command, args []string) error {
			e, err := f.resolve(s, false)
			if err != nil {
				return err
			}
			if err := remediate.CheckKeys(e.cfg.Keys, args); err != nil {
				return err
			}
			p, err := recoveredPlaybook(c.Context(), s, e, noIssue || dryRun)
			if err != nil {
				return err
			}
			p.Force = force
			return p.SyncAndReport(c.Context(), args, dryRun)
		},
	}
	f.registerSite(c.Flags(), "config `FILE`")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "read each target back and say what would be written, without writing")
	c.Flags().BoolVar(&noIssue, "no-issue", false, "do not update GitHub audit issues")
	c.Flags().BoolVar(&force, "force", false, "push the source's value even when it is known to be leaked")
	return c
}
