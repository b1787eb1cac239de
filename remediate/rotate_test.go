package remediate

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/keyfile"

	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

// A new value must have its provider's format when the provider has
// one; a gateway key (base_url) or a provider without rules is not
// checked.
func TestCheckFormat(t *testing.T) {
	det, rs := tavilyDetector(t), []*rules.Rule{tavilyRule(t)}
	k := rules.Key{Name: "TAVILY_API_KEY", Provider: "tavily"}
	if rule, err := CheckFormat(det, rs, k, secret.New(tvly())); rule != "tavily-api-key" || err != nil {
		t.Errorf("a Tavily key: %q, %v", rule, err)
	}
	if rule, err := CheckFormat(det, rs, k, secret.New("not-"+rules.RandString(32, "alnum"))); rule != "" || err == nil {
		t.Errorf("another format: %q, %v", rule, err)
	}
	gw := k
	gw.BaseURL = "https://gw.example"
	other := rules.Key{Name: "X", Provider: "acme"}
	for _, k := range []rules.Key{gw, other} {
		if rule, err := CheckFormat(det, rs, k, secret.New("x")); rule != "" || err != nil {
			t.Errorf("%s: %q, %v", k.Name, rule, err)
		}
	}
	keys := []rules.Key{k, other}
	if FindKey(keys, "X") != &keys[1] || FindKey(keys, "Y") != nil || KeyNames(keys) != "TAVILY_API_KEY, X" || KeyNames(nil) == "" {
		t.Error("FindKey or KeyNames")
	}
}

// The preview before a rotate: the redacted value and its rule, the
// source and the targets; another format is a usage error unless forced,
// and then says so.
func TestRotatePreview(t *testing.T) {
	det, rs := tavilyDetector(t), []*rules.Rule{tavilyRule(t)}
	k := rules.Key{Name: "TAVILY_API_KEY", Provider: "tavily", Source: "dotenv:.env#TAVILY_API_KEY", Targets: []string{"vercel", "local"}}
	v := secret.New(tvly())
	var b bytes.Buffer
	if err := RotatePreview(&b, det, rs, k, v, false); err != nil {
		t.Fatal(err)
	}
	want := "leakguard: TAVILY_API_KEY: " + v.Redacted() + ", matches tavily-api-key\nleakguard: writes dotenv:.env#TAVILY_API_KEY, then syncs vercel, local\n"
	if b.String() != want || strings.Contains(b.String(), v.Reveal()) {
		t.Errorf("preview:\n%q\nwant\n%q", b.String(), want)
	}
	other := secret.New("not-" + rules.RandString(32, "alnum"))
	b.Reset()
	err := RotatePreview(&b, det, rs, k, other, false)
	if err == nil || !hint.IsUsage(err) || !strings.Contains(err.Error(), "does not match tavily's key format") || !strings.Contains(hint.Of(err), "--force") || b.Len() != 0 {
		t.Errorf("another format: %v (hint %q), wrote %q", err, hint.Of(err), b.String())
	}
	k.Source, k.Targets = "", nil
	if err := RotatePreview(&b, det, rs, k, other, true); err != nil || !strings.Contains(b.String(), ", does not match tavily's format (--force)\nleakguard: writes -, then syncs -\n") {
		t.Errorf("forced: %v\n%s", err, b.String())
	}
}

// The rotate command's rotate: a failure is a usage error with its own
// hint when it has one, else that nothing was synced; once the source is
// written it says so on Err and writes the sync table to Out.
func TestRotateAndReport(t *testing.T) {
	ctx := context.Background()
	p, _, _, _ := testPlaybook(t)
	p.Issues = nil
	var log bytes.Buffer
	p.Err = &log
	out := p.Out.(*bytes.Buffer)
	err := p.RotateAndReport(ctx, "NOPE", secret.New(tvly()), writeJSONSource)
	if !hint.IsUsage(err) || !errors.As(err, new(*UnknownKeyError)) || hint.Of(err) != "list the inventory in leakguard.toml under [[keys]]" {
		t.Errorf("unknown key: %v (hint %q)", err, hint.Of(err))
	}
	failing := func(keyfile.Spec, secret.Value) error { return errors.New("disk full") }
	err = p.RotateAndReport(ctx, "TAVILY_API_KEY", secret.New(tvly()), failing)
	if !hint.IsUsage(err) || !strings.Contains(err.Error(), "disk full") || hint.Of(err) != "nothing was synced; fix the cause and run leakguard rotate again" {
		t.Errorf("failed write: %v (hint %q)", err, hint.Of(err))
	}
	if log.Len() != 0 || out.Len() != 0 {
		t.Errorf("wrote after a failure: %q %q", log.String(), out.String())
	}
	if err := p.RotateAndReport(ctx, "TAVILY_API_KEY", secret.New(tvly()), writeJSONSource); err != nil || log.String() != "leakguard: TAVILY_API_KEY written to its source\n" ||
		!strings.HasPrefix(out.String(), "KEY  ") || !strings.Contains(out.String(), "TAVILY_API_KEY  vercel  verified") {
		t.Errorf("rotated: %v, %q\n%s", err, log.String(), out.String())
	}
}

// The sync command's sync: the table, a note when no key has targets,
// a usage error for an unknown key; names are checked before anything
// with the managed keys in the hint.
func TestSyncAndReport(t *testing.T) {
	ctx := context.Background()
	p, _, _, _ := testPlaybook(t)
	p.Issues = nil
	var log bytes.Buffer
	p.Err = &log
	out := p.Out.(*bytes.Buffer)
	if err := p.SyncAndReport(ctx, nil, true); err != nil || !strings.Contains(out.String(), "TAVILY_API_KEY  vercel") || log.Len() != 0 {
		t.Errorf("dry run: %v\n%s%s", err, out.String(), log.String())
	}
	if err := p.SyncAndReport(ctx, []string{"NOPE"}, true); !hint.IsUsage(err) || !errors.As(err, new(*UnknownKeyError)) {
		t.Errorf("unknown key: %v", err)
	}
	out.Reset()
	p.Keys[0].Targets = nil
	if err := p.SyncAndReport(ctx, nil, false); err != nil || out.Len() != 0 || log.String() != "leakguard: no key has targets; add targets = [...] to a [[keys]] entry\n" {
		t.Errorf("no targets: %v %q %q", err, out.String(), log.String())
	}
	keys := []rules.Key{{Name: "A"}, {Name: "B"}}
	err := CheckKeys(keys, []string{"B", "C"})
	if !errors.As(err, new(*UnknownKeyError)) || err.Error() != "no managed key named C" || hint.Of(err) != "the managed keys are: A, B" || CheckKeys(keys, []string{"A"}) != nil {
		t.Errorf("CheckKeys: %v (hint %q)", err, hint.Of(err))
	}
}

// A new value is trimmed; nothing is a usage error.
func TestNewValue(t *testing.T) {
	v := tvly()
	if got, err := NewValue("K", " "+v+"\n"); err != nil || got.Reveal() != v {
		t.Errorf("trimmed: %v", err)
	}
	if _, err := NewValue("K", " \t"); !hint.IsUsage(err) || err.Error() != "the new value of K is empty" {
		t.Errorf("empty: %v", err)
	}
}
