package remediate

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/leakguard/leakguard/rules"
)

// A key's status: its age against the policy, the last verified sync of
// each target (the latest record), and where it is defined.
func TestListKeys(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	keys := []rules.Key{
		{Name: "OLD", Provider: "tavily", Source: "dotenv:.env#OLD", Targets: []string{"vercel", "local"},
			Rotated: now.AddDate(0, 0, -40), Fingerprints: []string{"a", "b"}},
		{Name: "NEW"},
	}
	t1, t2 := now.Add(-2*time.Hour), now.Add(-time.Hour)
	st := &State{Targets: map[string]*TargetRecord{
		"a": {Key: "OLD", Target: "vercel", Verified: t1},
		"b": {Key: "OLD", Target: "vercel", Verified: t2, PresenceOnly: true},
		"c": {Key: "NEW", Target: "vercel", Verified: now},
	}}
	layer := func(name string) string {
		if name == "OLD" {
			return "/home/u/.config/leakguard/leakguard.toml"
		}
		return ""
	}
	list := ListKeys(keys, layer, st, Policy{RotateAfter: "30d", MaxAge: 30 * 24 * time.Hour}, now)
	old, nw := list[0], list[1]
	if old.AgeDays != 40 || !old.Due || old.Rotated != "2026-04-22" || old.Fingerprints != 2 || old.RotateAfter != "30d" {
		t.Errorf("OLD: %+v", old)
	}
	if len(old.Targets) != 2 || old.Targets[0].LastVerified != t2.Format(time.RFC3339) || !old.Targets[0].PresenceOnly || old.Targets[1].LastVerified != "" {
		t.Errorf("OLD's targets: %+v", old.Targets)
	}
	if nw.AgeDays != -1 || nw.Due || nw.Rotated != "" || len(nw.Targets) != 0 {
		t.Errorf("NEW: %+v", nw)
	}
	if l := ListKeys(keys, layer, nil, Policy{RotateAfter: "90d", MaxAge: 90 * 24 * time.Hour}, now); l[0].Due || l[0].Targets[0].LastVerified != "" {
		t.Errorf("without a ledger: %+v", l[0])
	}
	var b bytes.Buffer
	if err := WriteKeyList(&b, list, "/home/u/.config/leakguard/leakguard.toml"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"40/30d due", "user", "defaults", "vercel (2026-06-01 11:00:00, present (value not readable))", "local (never)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	// keys list: the table, then the user-level file on the log; or JSON.
	var out, log bytes.Buffer
	if err := WriteKeys(&out, &log, list, "/u.toml", false); err != nil || !strings.HasPrefix(out.String(), "NAME") || log.String() != "leakguard: user-level inventory: /u.toml\n" {
		t.Errorf("text: %v\n%s%s", err, out.String(), log.String())
	}
	out.Reset()
	log.Reset()
	var got []KeyStatus
	if err := WriteKeys(&out, &log, list, "", true); err != nil || json.Unmarshal(out.Bytes(), &got) != nil || len(got) != len(list) || log.Len() != 0 {
		t.Errorf("JSON: %v\n%s%s", err, out.String(), log.String())
	}
	out.Reset()
	if err := WriteKeys(&out, &log, list, "", false); err != nil || log.Len() != 0 {
		t.Errorf("no user-level file: %v, %q", err, log.String())
	}
}
