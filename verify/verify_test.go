package verify

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

func TestMain(m *testing.M) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("LEAKGUARD_TEST_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	rules.SeedExamples(seed)
	println("verify: LEAKGUARD_TEST_SEED=" + strconv.FormatUint(seed, 10))
	os.Exit(m.Run())
}

var defaultSpecs = func() map[string]rules.RuleSpec {
	f, err := rules.Defaults()
	if err != nil {
		panic(err)
	}
	m := map[string]rules.RuleSpec{}
	for _, s := range f.Rules {
		m[s.ID] = s
	}
	return m
}()

// examples makes n distinct values of a rule from its own example
// templates (so no key is ever written in the repository), keeping only
// those its check accepts.
func examples(t *testing.T, ruleID string, n int) []string {
	t.Helper()
	spec, ok := defaultSpecs[ruleID]
	if !ok {
		t.Fatalf("rule %s is not an embedded rule", ruleID)
	}
	r, err := rules.Compile(spec)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for try := 0; len(out) < n && try < 200; try++ {
		s, err := rules.Expand(spec.TP[try%len(spec.TP)])
		if err != nil {
			t.Fatal(err)
		}
		m := r.Regexp().FindStringSubmatch(s)
		if m == nil {
			continue
		}
		v := m[spec.SecretGroup]
		if chk := byRule()[ruleID]; chk != nil && !chk.accepts(v) {
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || o == v
		}
		if !dup {
			out = append(out, v)
		}
	}
	if len(out) < n {
		t.Fatalf("rule %s: its examples give %d values its check accepts, want %d", ruleID, len(out), n)
	}
	return out
}

// liveForm is how a fake knows a value: most by the value itself.
func liveForm(ruleID, v string) string {
	if ruleID == "discord-webhook-url" {
		m := discordWebhookRe().FindStringSubmatch(v)
		return m[1] + "/" + m[2]
	}
	return v
}

// mustNotLeak fails when a detail holds the secret or a piece of it.
func mustNotLeak(t *testing.T, what, detail, v string) {
	t.Helper()
	if v == "" {
		return
	}
	if strings.Contains(detail, v) {
		t.Fatalf("%s: detail holds the secret: %q", what, detail)
	}
	for i := 0; i+8 <= len(v); i++ {
		if strings.Contains(detail, v[i:i+8]) {
			t.Fatalf("%s: detail holds 8 characters of the secret: %q", what, detail)
		}
	}
}

func sortedRules() []string {
	var ids []string
	for id := range byRule() {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Every rule-mapped check, against its provider's fake: a value the
// provider knows is live, one it does not is invalid, the request goes to
// that provider's host only and carries the credential as documented.
func TestEveryCheckAgainstItsProvider(t *testing.T) {
	w := newWorld(t)
	c := w.checker(Options{})
	for _, id := range sortedRules() {
		chk := byRule()[id]
		t.Run(id, func(t *testing.T) {
			if id == "github-refresh-token" {
				vs := examples(t, id, 1)
				before := w.total()
				r := c.Check(context.Background(), []Credential{{Rule: id, Provider: "github", Value: secret.New(vs[0])}})
				if r[0].Validity != Unknown || w.total() != before {
					t.Fatalf("refresh token: %+v, %d requests", r[0], w.total()-before)
				}
				return
			}
			f := w.fakes[chk.endpoint]
			vs := examples(t, id, 2)
			f.Accept(liveForm(id, vs[0]))
			before := map[string]int{}
			for n, o := range w.fakes {
				before[n] = o.Count()
			}
			res := c.Check(context.Background(), []Credential{
				{Rule: id, Provider: chk.prov.id, Value: secret.New(vs[0])},
				{Rule: id, Provider: chk.prov.id, Value: secret.New(vs[1])},
			})
			for n, o := range w.fakes {
				if n != chk.endpoint && o.Count() != before[n] {
					t.Fatalf("%s: %d requests went to %s", id, o.Count()-before[n], n)
				}
			}
			if f.Count() == before[chk.endpoint] {
				t.Fatalf("%s: nothing reached %s", id, chk.endpoint)
			}
			if res[0].Validity != Live {
				t.Errorf("known value: %+v, want live", res[0])
			}
			want := Invalid
			if id == "cloudflare-api-token" {
				want = Unknown // a 401 may be an account-owned token
			}
			if res[1].Validity != want {
				t.Errorf("unknown value: %+v, want %s", res[1], want)
			}
			for n, r := range res {
				if r.Detail == "" {
					t.Errorf("result %d has no detail", n)
				}
				mustNotLeak(t, id, r.Detail, vs[n])
			}
		})
	}
}

// At least 25 providers have verifiers, every seed provider is covered,
// and every rule a check names exists (a renamed rule fails here).
func TestCoverage(t *testing.T) {
	n := 0
	for _, p := range Providers() {
		if len(p.Checks) > 0 {
			n++
		}
		for _, r := range p.Rules {
			if _, ok := defaultSpecs[r]; !ok {
				t.Errorf("%s verifies rule %s, which is not an embedded rule", p.ID, r)
			}
		}
		if p.KeysPage == "" {
			t.Errorf("%s: no page to delete a key on", p.ID)
		}
	}
	if n < 25 {
		t.Errorf("%d providers with a verifier, want at least 25", n)
	}
	for _, id := range []string{"github", "anthropic", "openai", "google", "tavily", "vercel", "supabase", "stripe", "slack",
		"gitlab", "npm", "aws", "sendgrid", "huggingface", "skyvern"} {
		if p := providers()[id]; p == nil || len(p.checks) == 0 && id != "aws" {
			t.Errorf("no verifier for %s", id)
		}
	}
	if providers()["opencode"] == nil || providers()["opencode"].noCheck == "" {
		t.Error("OpenCode Zen: want a provider saying why there is no verifier")
	}
}

// All credentials at once, every provider live: each secret reaches its
// own provider's host and no other; no request carries another
// provider's secret.
func TestSecretsGoOnlyToTheirOwnProvider(t *testing.T) {
	w := newWorld(t)
	c := w.checker(Options{Concurrency: 8})
	type item struct {
		cr       Credential
		endpoint string
	}
	var items []item
	for _, id := range sortedRules() {
		chk := byRule()[id]
		if id == "github-refresh-token" {
			continue
		}
		for _, v := range examples(t, id, 2) {
			w.fakes[chk.endpoint].Accept(liveForm(id, v))
			items = append(items, item{Credential{Rule: id, Provider: chk.prov.id, Value: secret.New(v), Group: id}, chk.endpoint})
		}
	}
	// A managed key routed to its gateway, and an AWS pair.
	mimoKey := "mimo-" + rules.RandString(40, "alnum")
	w.fakes["mimo"].Accept(mimoKey)
	items = append(items, item{Credential{Rule: "managed-key", Provider: "anthropic", Key: "ANTHROPIC_API_KEY", KeyProvider: "anthropic",
		BaseURL: w.fakes["mimo"].URL + "/anthropic", Value: secret.New(mimoKey)}, "mimo"})
	id, sec := awsPair()
	w.fakes["aws"].Pair(id, sec)
	items = append(items,
		item{Credential{Rule: "aws-access-key-id", Provider: "aws", Value: secret.New(id), Group: "creds"}, "aws"},
		item{Credential{Rule: "aws-secret-access-key", Provider: "aws", Value: secret.New(sec), Group: "creds"}, "aws"})
	var creds []Credential
	for _, it := range items {
		creds = append(creds, it.cr)
	}
	res := c.Check(context.Background(), creds)
	for i, it := range items {
		if res[i].Validity != Live {
			t.Errorf("%s (%s): %+v", it.cr.Rule, it.endpoint, res[i])
		}
	}
	for name, f := range w.fakes {
		for _, rq := range f.Requests() {
			all := rq.String()
			for _, it := range items {
				v := it.cr.Value.Reveal()
				in := strings.Contains(all, v) || strings.Contains(all, url.QueryEscape(v)) || strings.Contains(all, url.PathEscape(v))
				if in && it.endpoint != name {
					t.Errorf("%s's secret (rule %s) reached %s", it.endpoint, it.cr.Rule, name)
				}
			}
		}
	}
	if w.fakes["anthropic"].Count() == 0 || w.fakes["mimo"].Count() != 1 {
		t.Errorf("anthropic %d requests, mimo %d; want the MiMo key at MiMo only", w.fakes["anthropic"].Count(), w.fakes["mimo"].Count())
	}
}

// Nothing is sent unless a check is asked for, and never for a value that
// is not in its provider's format or has no verifier.
func TestNothingSentWithoutCause(t *testing.T) {
	w := newWorld(t)
	c := w.checker(Options{})
	v := examples(t, "github-pat", 1)[0]
	_ = GuideFor(Credential{Rule: "github-pat", Provider: "github", Value: secret.New(v)})
	if w.total() != 0 {
		t.Fatalf("New and GuideFor sent %d requests", w.total())
	}
	res := c.Check(context.Background(), []Credential{
		// A managed ANTHROPIC_API_KEY whose value is not Anthropic's, and
		// no base_url: it must not go to Anthropic.
		{Rule: "managed-key", Provider: "anthropic", Key: "ANTHROPIC_API_KEY", KeyProvider: "anthropic", Value: secret.New("mimo-" + rules.RandString(40, "alnum"))},
		{Rule: "generic-secret-assignment", Provider: "generic", Value: secret.New(rules.RandString(40, "alnum"))},
		{Rule: "managed-key", Provider: "opencode", Key: "OPENCODE_API_KEY", KeyProvider: "opencode", Value: secret.New("sk-" + rules.RandString(40, "alnum"))},
		{Rule: "github-oauth-client-secret", Provider: "github", Value: secret.New(rules.RandString(40, "hex"))},
		{Rule: "aws-access-key-id", Provider: "aws", Value: secret.New("AKIA" + rules.RandString(16, "base32")), Group: "a"},
		{Rule: "aws-secret-access-key", Provider: "aws", Value: secret.New(rules.RandString(40, "base64")), Group: "b"},
	})
	if w.total() != 0 {
		t.Fatalf("%d requests sent for credentials that must not be sent", w.total())
	}
	for i, want := range []string{"not in Anthropic's key format", "no verifier for rule generic-secret-assignment",
		"OpenCode Zen documents no call", "no verifier for rule github-oauth-client-secret", "no AWS secret", "no AWS key id"} {
		if res[i].Validity != Unknown || !strings.Contains(res[i].Detail, want) {
			t.Errorf("%d: %+v, want unknown with %q", i, res[i], want)
		}
	}
}

// The seed's MiMo key: ANTHROPIC_API_KEY with base_url is checked with
// Anthropic's call under that base, and its guide is MiMo's console.
func TestGatewayKey(t *testing.T) {
	w := newWorld(t)
	c := w.checker(Options{})
	live, dead := "mimo-"+rules.RandString(40, "alnum"), "mimo-"+rules.RandString(40, "alnum")
	w.fakes["mimo"].Accept(live)
	base := w.fakes["mimo"].URL + "/anthropic"
	res := c.Check(context.Background(), []Credential{
		{Rule: "managed-key", Key: "ANTHROPIC_API_KEY", KeyProvider: "anthropic", BaseURL: base, Value: secret.New(live)},
		{Rule: "known-value", Key: "ANTHROPIC_API_KEY", KeyProvider: "anthropic", BaseURL: base + "/", Value: secret.New(dead)},
	})
	if res[0].Validity != Live || res[1].Validity != Invalid {
		t.Fatalf("%+v", res)
	}
	if !strings.Contains(res[0].Detail, "base_url (127.0.0.1") {
		t.Errorf("detail %q does not name the base_url's host", res[0].Detail)
	}
	for _, rq := range w.fakes["mimo"].Requests() {
		if rq.Path != "/anthropic/v1/models" || rq.Header.Get("anthropic-version") != "2023-06-01" {
			t.Errorf("gateway got %s %s", rq.Method, rq.Path)
		}
	}
	if w.fakes["anthropic"].Count() != 0 {
		t.Error("the gateway key reached Anthropic")
	}
	// An Anthropic-format value under the same key goes to Anthropic.
	ak := examples(t, "anthropic-api-key", 1)[0]
	w.fakes["anthropic"].Accept(ak)
	r := c.Check(context.Background(), []Credential{{Rule: "managed-key", Key: "ANTHROPIC_API_KEY", KeyProvider: "anthropic", BaseURL: base, Value: secret.New(ak)}})
	if r[0].Validity != Live || w.fakes["anthropic"].Count() != 1 {
		t.Fatalf("an Anthropic key under a gateway's name: %+v, anthropic saw %d", r[0], w.fakes["anthropic"].Count())
	}
	g := GuideFor(Credential{Rule: "managed-key", Key: "ANTHROPIC_API_KEY", KeyProvider: "anthropic",
		BaseURL: "https://api.xiaomimimo.com/anthropic", Value: secret.New(live)})
	if g.Provider != "Xiaomi MiMo" || !strings.Contains(g.KeysPage, "xiaomimimo.com") || !strings.Contains(g.UsagePage, "usage") {
		t.Errorf("MiMo guide: %+v", g)
	}
}

// A Skyvern key has no published format: the managed key's value is
// checked at Skyvern.
func TestManagedKeyWithoutFormat(t *testing.T) {
	w := newWorld(t)
	c := w.checker(Options{})
	v := rules.RandString(60, "urlsafe")
	w.fakes["skyvern"].Accept(v)
	r := c.Check(context.Background(), []Credential{
		{Rule: "managed-key", Key: "SKYVERN_API_KEY", KeyProvider: "skyvern", Value: secret.New(v)},
		{Rule: "managed-key", Key: "SKYVERN_API_KEY", KeyProvider: "skyvern", Value: secret.New(v + "x")},
		{Rule: "managed-key", Key: "TAVILY_API_KEY", KeyProvider: "tavily", Value: secret.New(v)},
	})
	if r[0].Validity != Live || r[1].Validity != Invalid || r[2].Validity != Unknown {
		t.Fatalf("%+v", r)
	}
	if w.fakes["tavily"].Count() != 0 {
		t.Error("a value not in Tavily's format was sent to Tavily")
	}
}

// The service-role JWT goes to the project its payload names.
func TestSupabaseProjectFromJWT(t *testing.T) {
	w := newWorld(t)
	f := w.fakes["supabase-project"]
	var hosts []string
	f.Fault = func(_ int, _ http.ResponseWriter, r *http.Request) bool { hosts = append(hosts, r.Host); return false }
	addr := strings.TrimPrefix(f.URL, "http://")
	_, port, _ := net.SplitHostPort(addr)
	// Every host dials the fake: the Host header shows where it was sent.
	tr := &http.Transport{DialContext: func(ctx context.Context, n, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, n, addr)
	}}
	c, err := New(Options{HTTP: &http.Client{Transport: tr}, Endpoints: map[string]string{"supabase-project": "http://{ref}.supabase.test:" + port}})
	if err != nil {
		t.Fatal(err)
	}
	ref := rules.RandString(20, "alnumlower")
	v := jwt(`{"iss":"supabase","ref":"` + ref + `","role":"service_role"}`)
	f.Accept(v)
	noRef := jwt(`{"iss":"someone","role":"service_role"}`)
	r := c.Check(context.Background(), []Credential{
		{Rule: "supabase-service-role-key", Provider: "supabase", Value: secret.New(v)},
		{Rule: "supabase-service-role-key", Provider: "supabase", Value: secret.New(noRef)},
	})
	if r[0].Validity != Live || len(hosts) != 1 || hosts[0] != ref+".supabase.test:"+port {
		t.Fatalf("%+v sent to %v", r[0], hosts)
	}
	if r[1].Validity != Unknown || !strings.Contains(r[1].Detail, "names no Supabase project") {
		t.Fatalf("JWT without a ref: %+v", r[1])
	}
}

// One value found many times is checked once per run; a new Checker
// (a new run) checks again.
func TestCachePerRun(t *testing.T) {
	w := newWorld(t)
	v := examples(t, "tavily-api-key", 1)[0]
	w.fakes["tavily"].Accept(v)
	c := w.checker(Options{})
	var creds []Credential
	for i := 0; i < 5; i++ {
		creds = append(creds, Credential{Rule: "tavily-api-key", Provider: "tavily", Value: secret.New(v), Group: strconv.Itoa(i)})
	}
	creds = append(creds, Credential{Rule: "managed-key", Key: "TAVILY_API_KEY", KeyProvider: "tavily", Value: secret.New(v)})
	for _, r := range c.Check(context.Background(), creds) {
		if r.Validity != Live {
			t.Fatal(r)
		}
	}
	c.Check(context.Background(), creds[:1])
	if n := w.fakes["tavily"].Count(); n != 1 {
		t.Fatalf("%d requests for one value, want 1", n)
	}
	w.checker(Options{}).Check(context.Background(), creds[:1])
	if n := w.fakes["tavily"].Count(); n != 2 {
		t.Fatalf("a new run made %d requests in all, want 2", n)
	}
}

func TestEndpointsValidated(t *testing.T) {
	for _, eps := range []map[string]string{
		{"githb": "http://127.0.0.1:1"},
		{"github": "ftp://127.0.0.1"},
		{"github": "127.0.0.1:8080"},
	} {
		if _, err := New(Options{Endpoints: eps}); !hint.IsUsage(err) || !strings.HasPrefix(hint.Of(err), "fix [verify.endpoints]") {
			t.Errorf("%v: %v (hint %q), want a usage error saying how to fix [verify.endpoints]", eps, err, hint.Of(err))
		}
	}
	if _, err := New(Options{Endpoints: map[string]string{"github": "http://127.0.0.1:1/", "anthropic": "https://proxy.example/anthropic"}}); err != nil {
		t.Error(err)
	}
	ids := strings.Join(EndpointIDs(), " ")
	for _, id := range []string{"github", "anthropic", "aws", "supabase", "supabase-project", "google-oauth", "slack"} {
		if !strings.Contains(" "+ids+" ", " "+id+" ") {
			t.Errorf("endpoint id %s missing from %s", id, ids)
		}
	}
}
