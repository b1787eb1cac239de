package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/leakguard/leakguard/audit"
	"github.com/leakguard/leakguard/config"
	"github.com/leakguard/leakguard/remediate"
)

// keyListEntry is one managed key in keys list -f json.
type keyListEntry struct {
	Name     string `json:"name"`
	Provider string `json:"provider"`
	Source   string `json:"source"`
	// File is the config file that defines the key (where fingerprints
	// and the rotation date are written); "" when only the embedded
	// defaults know it.
	File    string           `json:"file"`
	Targets []keyTargetEntry `json:"targets"`
	// Rotated is the last rotation (YYYY-MM-DD), "" when unknown.
	Rotated string `json:"rotated"`
	// AgeDays is the days since Rotated, -1 when unknown.
	AgeDays     int    `json:"age_days"`
	RotateAfter string `json:"rotate_after"`
	Due         bool   `json:"due"`
	// Fingerprints counts the known values, current and past.
	Fingerprints int `json:"fingerprints"`
}

// keyTargetEntry is a key's target and its last verified sync.
type keyTargetEntry struct {
	Name string `json:"name"`
	// LastVerified is when a sync last read the current value back
	// (RFC 3339), "" for never.
	LastVerified string `json:"last_verified"`
	PresenceOnly bool   `json:"presence_only,omitempty"`
}

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
			list, err := keyList(s, e.cfg, time.Now().UTC())
			if err != nil {
				return err
			}
			if f.format == "json" {
				enc := json.NewEncoder(s.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(list)
			}
			printKeyList(s, e.cfg, list)
			return nil
		},
	}
	c.Flags().StringVarP(&f.configPath, "config", "c", "", "config `FILE`")
	c.Flags().StringVarP(&f.dir, "chdir", "C", "", "run as if started in `DIR`")
	c.Flags().StringVarP(&f.format, "format", "f", "text", "output format: text or json")
	return c
}

// keyList builds keys list's entries; the ledger gives the last verified
// syncs (a ledger that cannot be read is a warning: the rest is shown).
func keyList(s *IO, cfg *config.Config, now time.Time) ([]keyListEntry, error) {
	pol := cfg.Policy.RotateAfter
	if pol == "" {
		pol = audit.DefaultRotateAfter
	}
	maxAge, err := config.ParseDuration(pol)
	if err != nil {
		return nil, usageErr("fix [policy] rotate_after", "[policy] rotate_after: %v", err)
	}
	var records map[string]*remediate.TargetRecord
	l := &remediate.Ledger{Dir: stateDir(s.Getenv, cfg)}
	if st, err := l.Read(); err != nil {
		fmt.Fprintf(s.Err, "leakguard: warning: last syncs unknown: %v\n", err)
	} else {
		records = st.Targets
	}
	list := make([]keyListEntry, 0, len(cfg.Keys))
	for _, k := range cfg.Keys {
		ke := keyListEntry{Name: k.Name, Provider: k.Provider, Source: k.Source, File: cfg.LayerOf(k.Name),
			AgeDays: -1, RotateAfter: pol, Fingerprints: len(k.Fingerprints), Targets: []keyTargetEntry{}}
		if !k.Rotated.IsZero() {
			ke.Rotated = k.Rotated.UTC().Format("2006-01-02")
			ke.AgeDays = int(now.Sub(k.Rotated).Hours() / 24)
			ke.Due = now.Sub(k.Rotated) > maxAge
		}
		for _, tn := range k.Targets {
			te := keyTargetEntry{Name: tn}
			var last time.Time
			for _, r := range records {
				if r.Key == k.Name && r.Target == tn && r.Verified.After(last) {
					last, te.PresenceOnly = r.Verified, r.PresenceOnly
				}
			}
			if !last.IsZero() {
				te.LastVerified = last.UTC().Format(time.RFC3339)
			}
			ke.Targets = append(ke.Targets, te)
		}
		list = append(list, ke)
	}
	return list, nil
}

func printKeyList(s *IO, cfg *config.Config, list []keyListEntry) {
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPROVIDER\tDEFINED IN\tSOURCE\tROTATED\tAGE/POLICY\tFINGERPRINTS\tTARGETS (LAST VERIFIED SYNC)")
	for _, k := range list {
		file := "defaults"
		switch {
		case k.File == "":
		case k.File == cfg.UserPath:
			file = "user"
		default:
			file = "repository"
		}
		rotated, age := "unknown", "-"
		if k.Rotated != "" {
			rotated = k.Rotated
			age = fmt.Sprintf("%d/%s", k.AgeDays, k.RotateAfter)
			if k.Due {
				age += " due"
			}
		}
		var ts []string
		for _, t := range k.Targets {
			when := "never"
			if t.LastVerified != "" {
				when = strings.Replace(strings.TrimSuffix(t.LastVerified, "Z"), "T", " ", 1)
				if t.PresenceOnly {
					when += ", present (value not readable)"
				}
			}
			ts = append(ts, t.Name+" ("+when+")")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", k.Name, orDash(k.Provider), file, orDash(k.Source), rotated, age,
			k.Fingerprints, orDash(strings.Join(ts, ", ")))
	}
	tw.Flush()
	if cfg.UserPath != "" {
		fmt.Fprintf(s.Err, "leakguard: user-level inventory: %s\n", cfg.UserPath)
	}
}
