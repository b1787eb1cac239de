package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/leakguard/leakguard/audit"
	"github.com/leakguard/leakguard/remediate"
)

func newKeysListCmd(s *IO) *cobra.Command {
	var f scanFlags
	c := &cobra.Command{
		Use:   "list",
		Short: "Show the managed keys: where each lives, its targets, its age against the rotation policy",
		Long: `Show every managed key of the merged inventory (the repository's
leakguard.toml over the user-level ~/.config/leakguard/leakguard.toml over
the embedded defaults): its provider, source, the file that defines it,
its targets with their last verified sync (from the state directory), the
last rotation and its age against [policy] rotate_after (default 90d), and
how many fingerprints of known values it has. No value is read.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if f.format != "text" && f.format != "json" {
				return usageErr("use text or json", "--format: unknown format %q", f.format)
			}
			e, err := f.resolve(s, false)
			if err != nil {
				return err
			}
			pol, err := audit.RotationPolicy(e.cfg)
			if err != nil {
				return err
			}
			st, err := (&remediate.Ledger{Dir: stateDir(s.Getenv, e.cfg)}).Read()
			if err != nil {
				fmt.Fprintf(s.Err, "leakguard: warning: last syncs unknown: %v\n", err)
			}
			list := remediate.ListKeys(e.cfg.Keys, e.cfg.LayerOf, st, pol, time.Now().UTC())
			return remediate.WriteKeys(s.Out, s.Err, list, e.cfg.UserPath, f.format == "json")
		},
	}
	f.registerSite(c.Flags(), "config `FILE`")
	c.Flags().StringVarP(&f.format, "format", "f", "text", "output format: text or json")
	return c
}
