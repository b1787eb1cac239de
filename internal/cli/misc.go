package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/leakguard/leakguard/accept"
	"github.com/leakguard/leakguard/config"
	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/internal/atomicfile"
	"github.com/leakguard/leakguard/internal/english"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
)

func newRulesCmd(s *IO) *cobra.Command {
	c := &cobra.Command{Use: "rules", Short: "Inspect detection rules"}
	var f scanFlags
	var provider string
	list := &cobra.Command{
		Use:   "list",
		Short: "List rules grouped by provider",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			e, err := f.resolve(s, false)
			if err != nil {
				return err
			}
			provs := rules.ByProvider(e.cfg.Rules, provider)
			if provider != "" && len(provs) == 0 {
				return usageErr("run 'leakguard rules list' to see the providers", "no rules for provider %q", provider)
			}
			n, err := rules.WriteList(s.Out, provs)
			if err != nil {
				return err
			}
			fmt.Fprintf(s.Err, "leakguard: %s from %s\n", english.Count(n, "rule"), english.Count(len(provs), "provider"))
			return nil
		},
	}
	f.registerSite(list.Flags(), "config `FILE`")
	list.Flags().StringVar(&provider, "provider", "", "only rules of `PROVIDER`")
	c.AddCommand(list)
	return c
}

func newKeysCmd(s *IO) *cobra.Command {
	c := &cobra.Command{Use: "keys", Short: "Manage the inventory of managed keys"}
	var f scanFlags
	var src string
	var dryRun, weak bool
	fp := &cobra.Command{
		Use:   "fingerprint [NAME...]",
		Short: "Compute known-value fingerprints from the keys' live values and write them to the config",
		Long: `Read each managed key's current value from its source (the key's
"source" in the config, --source for a single key, or the environment
variable of the key's name) and add its SHA-256 fingerprint to the key's
"fingerprints" in the config file. Past fingerprints are kept: an old value
that leaks is still a leak. Values are never printed or stored in plain text.

A value shorter than 16 bytes is refused unless --weak is given: its
fingerprint is a plain SHA-256 in a file you commit, and anyone who reads
it can try a dictionary of passwords against it offline. A key that
short should be rotated to a longer one.`,
		RunE: func(c *cobra.Command, names []string) error {
			if src != "" && len(names) != 1 {
				return usageErr("name exactly one key with --source", "--source needs one NAME")
			}
			e, err := f.resolve(s, false)
			if err != nil {
				return err
			}
			if path := e.cfg.Path; path != "" && config.IsGitleaks(path, nil) {
				return usageErr("keep managed keys in leakguard.toml", "%s is a gitleaks config; fingerprints are written to leakguard.toml", path)
			}
			res, err := remediate.Fingerprints(e.cfg.Keys, names, src, s.Getenv)
			if err != nil {
				return err
			}
			out := remediate.ApplyFingerprints(res, inventory(e), dryRun, weak)
			if err := out.Write(s.Out, s.Err); err != nil {
				return err
			}
			return out.Err()
		},
	}
	f.registerSite(fp.Flags(), "config `FILE` to read and update")
	fp.Flags().StringVar(&src, "source", "", "read the value from `SRC` (file:PATH#/pointer, dotenv:PATH#NAME, env:NAME)")
	fp.Flags().BoolVar(&dryRun, "dry-run", false, "show what would change without writing")
	fp.Flags().BoolVar(&weak, "weak", false, "write fingerprints of values shorter than 16 bytes too (a dictionary can recover them from the committed file)")
	c.AddCommand(fp, newKeysListCmd(s))
	return c
}

// inventory keeps managed keys' fingerprints in e's config files
// (config.Inventory), written atomically.
func inventory(e *env) config.Inventory {
	return config.Inventory{Config: e.cfg, Root: e.root(), Write: func(p string, b []byte) error { return atomicfile.Replace(p, b, 0o644) }}
}

func newBaselineCmd(s *IO) *cobra.Command {
	var f scanFlags
	var includeHigh bool
	c := &cobra.Command{
		Use:   "baseline [PATH...]",
		Short: "Accept the current findings: write them to the ignore file for review",
		Long: `Scan like 'leakguard scan' and write every finding to the content
fingerprint ignore file (default: .leakguardignore at the repository root),
each entry with its file, line, rule and a redacted preview, so a reviewer
can see what was accepted. Entries stay valid when lines move.

Managed keys and high-confidence findings are real secrets until shown
otherwise: they are left out (listed, exit 1) unless --include-high is
given. Accept one at a time with 'leakguard ignore FINGERPRINT'.`,
		RunE: func(c *cobra.Command, args []string) error {
			e, err := f.resolve(s, false, args...)
			if err != nil {
				return err
			}
			roots := args
			if len(roots) == 0 {
				roots = []string{e.base}
			}
			found, st, err := gitscan.ScanWorkTree(c.Context(), newDetector(e.cfg, nil), roots, gitscan.WorkTreeOptions{
				DirOptions: scanner.DirOptions{MaxSize: e.maxSize}, NoIgnore: f.noIgnore})
			if err != nil {
				return &Error{Code: ExitUsage, Err: err, Hint: "pass an existing directory"}
			}
			out := f.under(e, f.output)
			if out == "" {
				out = accept.DefaultFile(e.repoRoot, e.anchor)
			}
			key := func() ([]byte, error) { return gitscan.RepoKey(c.Context(), e.repoRoot) }
			refused, err := accept.Baseline(s.Err, out, found, key, includeHigh)
			if err != nil {
				return err
			}
			return outcomeCode(refused, len(st.Errors), ExitFindings)
		},
	}
	f.registerSite(c.Flags(), "config `FILE`")
	c.Flags().StringVarP(&f.output, "output", "o", "", "write to `FILE` (default .leakguardignore)")
	c.Flags().BoolVar(&f.noIgnore, "no-ignore", false, "scan files that .gitignore excludes")
	c.Flags().BoolVar(&includeHigh, "include-high", false, "accept managed keys and high-confidence findings too")
	f.format = "text"
	return c
}
