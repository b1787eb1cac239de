package remediate

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/leakguard/leakguard/rules"
)

// KeyStatus is one managed key in keys list -f json: a stable contract.
type KeyStatus struct {
	Name     string `json:"name"`
	Provider string `json:"provider"`
	Source   string `json:"source"`
	// File is the config file that defines the key (where fingerprints
	// and the rotation date are written); "" when only the embedded
	// defaults know it.
	File    string            `json:"file"`
	Targets []KeyTargetStatus `json:"targets"`
	// Rotated is the last rotation (YYYY-MM-DD), "" when unknown.
	Rotated string `json:"rotated"`
	// AgeDays is the days since Rotated, -1 when unknown.
	AgeDays     int    `json:"age_days"`
	RotateAfter string `json:"rotate_after"`
	Due         bool   `json:"due"`
	// Fingerprints counts the known values, current and past.
	Fingerprints int `json:"fingerprints"`
}

// KeyTargetStatus is a key's target and its last verified sync.
type KeyTargetStatus struct {
	Name string `json:"name"`
	// LastVerified is when a sync last read the current value back
	// (RFC 3339), "" for never.
	LastVerified string `json:"last_verified"`
	PresenceOnly bool   `json:"presence_only,omitempty"`
}

// Policy is the rotation policy: RotateAfter as written ("90d"), MaxAge
// what it means.
type Policy struct {
	RotateAfter string
	MaxAge      time.Duration
}

// ListKeys is the status of each managed key at now: layerOf names the
// config file that defines a key, st (the ledger's state; nil when it
// could not be read) gives the last verified syncs. No value is read.
func ListKeys(keys []rules.Key, layerOf func(name string) string, st *State, pol Policy, now time.Time) []KeyStatus {
	var records map[string]*TargetRecord
	if st != nil {
		records = st.Targets
	}
	list := make([]KeyStatus, 0, len(keys))
	for _, k := range keys {
		ks := KeyStatus{Name: k.Name, Provider: k.Provider, Source: k.Source, File: layerOf(k.Name),
			AgeDays: -1, RotateAfter: pol.RotateAfter, Fingerprints: len(k.Fingerprints), Targets: []KeyTargetStatus{}}
		if !k.Rotated.IsZero() {
			ks.Rotated = k.Rotated.UTC().Format("2006-01-02")
			ks.AgeDays = int(now.Sub(k.Rotated).Hours() / 24)
			ks.Due = now.Sub(k.Rotated) > pol.MaxAge
		}
		for _, tn := range k.Targets {
			ts := KeyTargetStatus{Name: tn}
			var last time.Time
			for _, r := range records {
				if r.Key == k.Name && r.Target == tn && r.Verified.After(last) {
					last, ts.PresenceOnly = r.Verified, r.PresenceOnly
				}
			}
			if !last.IsZero() {
				ts.LastVerified = last.UTC().Format(time.RFC3339)
			}
			ks.Targets = append(ks.Targets, ts)
		}
		list = append(list, ks)
	}
	return list
}

// WriteKeys writes keys list to out: as JSON, else the table (see
// [WriteKeyList]) and, on log, the user-level file when there is one.
func WriteKeys(out, log io.Writer, list []KeyStatus, userPath string, asJSON bool) error {
	if asJSON {
		return writeJSON(out, list)
	}
	if err := WriteKeyList(out, list, userPath); err != nil || userPath == "" {
		return err
	}
	fmt.Fprintf(log, "leakguard: user-level inventory: %s\n", userPath)
	return nil
}

// WriteKeyList writes keys list's table; userPath is the user-level
// config file (its keys are "user", the others' "repository").
func WriteKeyList(w io.Writer, list []KeyStatus, userPath string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPROVIDER\tDEFINED IN\tSOURCE\tROTATED\tAGE/POLICY\tFINGERPRINTS\tTARGETS (LAST VERIFIED SYNC)")
	for _, k := range list {
		file := "defaults"
		switch {
		case k.File == "":
		case k.File == userPath:
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
	return tw.Flush()
}

// orDash is s, or "-" for nothing.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
