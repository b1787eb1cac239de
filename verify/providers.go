package verify

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"sync"
	"sync/atomic"
)

// provider is what leakguard knows about one provider: how to check its
// credentials, how to revoke them, and where a person deletes a key and
// audits its use.
type provider struct {
	id, title string
	// keysPage is where a person deletes (or regenerates) a key;
	// usagePage where they audit what it was used for.
	keysPage, usagePage string
	checks              []*check
	rev                 *revoker
	// noCheck says why there is no verifier (when checks is empty).
	noCheck string
}

// check is one way of verifying one kind of credential.
type check struct {
	id       string // unique; part of the cache key
	prov     *provider
	endpoint string // the [verify.endpoints] id of its base URL
	base     string // the default base URL
	// rules are the rule ids whose findings it checks.
	rules []string
	// format is the value's published format; nil: any value a managed
	// key of this provider holds.
	format *regexp.Regexp
	// gateway: a key's base_url may replace the base (an
	// Anthropic-compatible API such as Xiaomi MiMo).
	gateway bool
	// how says, for people, what is called ("GET /user").
	how string
	run func(ctx context.Context, h *hc, base, title, v string) Result
}

func (c *check) accepts(v string) bool { return c.format == nil || c.format.MatchString(v) }

// probe is the common shape of a check: one HTTP call whose status says
// it all.
type probe struct {
	method, path string
	// url builds the URL when it is not base+path (path is then only
	// shown; it must not hold the secret).
	url    func(base, v string) string
	auth   func(h http.Header, v string)
	body   func(v string) []byte
	ctype  string
	header map[string]string
	// live and invalid are the statuses that decide (default 200 and
	// 401).
	live, invalid []int
	// decide, when set, interprets every status common did not.
	decide func(title, what string, r *response) Result
}

func (p probe) run(ctx context.Context, h *hc, base, title, v string) Result {
	what := p.method + " " + p.path
	u := base + p.path
	if p.url != nil {
		u = p.url(base, v)
	}
	hdr := http.Header{}
	for k, val := range p.header {
		hdr.Set(k, val)
	}
	if p.auth != nil {
		p.auth(hdr, v)
	}
	var body []byte
	if p.body != nil {
		body = p.body(v)
		hdr.Set("Content-Type", p.ctype)
	}
	r, err := h.send(ctx, request{method: p.method, url: u, header: hdr, body: body})
	if res, ok := common(title, what, r, err); ok {
		return res
	}
	if p.decide != nil {
		return p.decide(title, what, r)
	}
	live, invalid := p.live, p.invalid
	if live == nil {
		live = []int{200}
	}
	if invalid == nil {
		invalid = []int{401}
	}
	switch {
	case has(live, r.status):
		return accepted(title, what, r.status)
	case has(invalid, r.status):
		return rejected(title, what, r.status, errCode(r.body))
	}
	return unexpected(title, what, r.status)
}

func has(list []int, s int) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Authentication styles.
func bearer(h http.Header, v string) { h.Set("Authorization", "Bearer "+v) }

func headerAuth(name, prefix string) func(http.Header, string) {
	return func(h http.Header, v string) { h.Set(name, prefix+v) }
}

func basicAuth(user string) func(http.Header, string) {
	return func(h http.Header, v string) {
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+v)))
	}
}

// errCode pulls a provider's error code out of a JSON body: the forms
// {"error":{"type"|"code"|"status"}}, {"error":"code"}, {"code"}, {"errors":[{"code"}]}.
// Only a safe token survives (see safeCode).
func errCode(b []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return ""
	}
	str := func(raw json.RawMessage) string {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return safeCode(s)
		}
		return ""
	}
	if raw, ok := m["error"]; ok {
		var inner map[string]json.RawMessage
		if json.Unmarshal(raw, &inner) == nil {
			for _, k := range []string{"type", "code", "status"} {
				if s := str(inner[k]); s != "" {
					return s
				}
			}
		}
		if s := str(raw); s != "" {
			return s
		}
	}
	if s := str(m["code"]); s != "" {
		return s
	}
	var errs []map[string]json.RawMessage
	if json.Unmarshal(m["errors"], &errs) == nil && len(errs) > 0 {
		return str(errs[0]["code"])
	}
	return ""
}

// registry is every provider and its checks indexed by rule.
type registry struct {
	providers map[string]*provider
	byRule    map[string]*check
}

// registered builds the registry on first use: compiling the providers'
// formats was most of the program's start-up, and a hook never verifies.
var registered = sync.OnceValue(func() *registry {
	loaded.Store(true)
	r := &registry{providers: map[string]*provider{}, byRule: map[string]*check{}}
	for _, p := range allProviders() {
		r.register(p)
	}
	return r
})

// loaded is set once the registry is built (see Loaded).
var loaded atomic.Bool

// Loaded reports whether this process has built the provider registry:
// the start-up tests check that a command which verifies nothing does not.
func Loaded() bool { return loaded.Load() }

// providers is every provider by id.
func providers() map[string]*provider { return registered().providers }

// byRule is every check by the rule ids it verifies.
func byRule() map[string]*check { return registered().byRule }

// register adds a provider and indexes its checks by rule.
func (r *registry) register(p *provider) {
	if r.providers[p.id] != nil {
		panic("verify: duplicate provider " + p.id)
	}
	r.providers[p.id] = p
	for _, c := range p.checks {
		c.prov = p
		if c.endpoint == "" {
			c.endpoint = p.id
		}
		if c.id == "" {
			c.id = p.id
		}
		for _, rule := range c.rules {
			if r.byRule[rule] != nil {
				panic("verify: rule " + rule + " has two checks")
			}
			r.byRule[rule] = c
		}
	}
	if p.rev != nil && p.rev.endpoint == "" {
		p.rev.endpoint = p.id
	}
}

// Provider describes one provider for documentation: how its
// credentials are checked and revoked, and the pages a person uses.
type Provider struct {
	ID, Title string
	// Endpoints are the [verify.endpoints] ids of its base URLs.
	Endpoints []string
	// Checks says what each verifier calls; empty when there is none.
	Checks []string
	// NoCheck says why there is no verifier.
	NoCheck string
	// Revoke says how a credential is revoked through the API; empty when
	// it is revoked by hand on KeysPage.
	Revoke              string
	KeysPage, UsagePage string
	// Rules are the rule ids it verifies.
	Rules []string
}

// Providers lists every provider leakguard knows, sorted by id.
func Providers() []Provider {
	var out []Provider
	for _, p := range providers() {
		d := Provider{ID: p.id, Title: p.title, NoCheck: p.noCheck, KeysPage: p.keysPage, UsagePage: p.usagePage}
		ep := func(id string) {
			for _, e := range d.Endpoints {
				if e == id {
					return
				}
			}
			d.Endpoints = append(d.Endpoints, id)
		}
		for _, c := range p.checks {
			d.Checks = append(d.Checks, c.how)
			d.Rules = append(d.Rules, c.rules...)
			ep(c.endpoint)
		}
		for _, pc := range pairChecks {
			if pc.provider == p.id {
				d.Checks = append(d.Checks, pc.how)
				d.Rules = append(d.Rules, pc.idRules...)
				d.Rules = append(d.Rules, pc.secretRules...)
				ep(pc.endpoint)
			}
		}
		if p.rev != nil {
			d.Revoke = p.rev.how
			ep(p.rev.endpoint)
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// simple is a provider with one check made of one probe.
func simple(id, title, base, keysPage, usagePage string, format string, rules []string, p probe) *provider {
	c := &check{base: base, rules: rules, how: p.method + " " + p.path, run: p.run}
	if format != "" {
		c.format = regexp.MustCompile(format)
	}
	return &provider{id: id, title: title, keysPage: keysPage, usagePage: usagePage, checks: []*check{c}}
}

// allProviders makes every provider (see registered).
func allProviders() []*provider {
	return []*provider{
		githubProvider(),
		anthropicProvider(),
		openaiProvider(),
		googleProvider(),
		gcpProvider(),
		supabaseProvider(),
		slackProvider(),
		gitlabProvider(),
		vercelProvider(),
		discordProvider(),
		datadogProvider(),
		cloudflareProvider(),
		mailgunProvider(),
		{id: "aws", title: "AWS", keysPage: "https://console.aws.amazon.com/iam/home#/security_credentials",
			usagePage: "https://console.aws.amazon.com/cloudtrail/home#/events"},
		{id: "opencode", title: "OpenCode Zen", keysPage: "https://opencode.ai/auth", usagePage: "https://opencode.ai/auth",
			noCheck: "OpenCode Zen documents no call that checks a key without spending tokens"},
		{id: "shopify", title: "Shopify", keysPage: "https://admin.shopify.com/settings/apps/development",
			noCheck: "a Shopify token is checked against its own shop, which the token does not name"},
		simple("tavily", "Tavily", "https://api.tavily.com", "https://app.tavily.com/home", "https://app.tavily.com/home",
			`^tvly-`, []string{"tavily-api-key"},
			probe{method: "GET", path: "/usage", auth: bearer, live: []int{200, 432, 433}}),
		simple("stripe", "Stripe", "https://api.stripe.com", "https://dashboard.stripe.com/apikeys", "https://dashboard.stripe.com/logs",
			`^[sr]k_(live|test)_[A-Za-z0-9]+$`, []string{"stripe-live-secret-key", "stripe-restricted-key", "stripe-test-secret-key"},
			// A restricted key without the balance permission is still live.
			probe{method: "GET", path: "/v1/balance", auth: bearer, live: []int{200, 403}}),
		simple("npm", "npm", "https://registry.npmjs.org", "https://www.npmjs.com/settings/~/tokens", "https://www.npmjs.com/settings/~/tokens",
			`^npm_[A-Za-z0-9]{36}$`, []string{"npm-access-token"},
			probe{method: "GET", path: "/-/whoami", auth: bearer}),
		simple("sendgrid", "SendGrid", "https://api.sendgrid.com", "https://app.sendgrid.com/settings/api_keys", "https://app.sendgrid.com/email_activity",
			`^SG\.[\w-]{22}\.[\w-]{43}$`, []string{"sendgrid-api-key"},
			probe{method: "GET", path: "/v3/scopes", auth: bearer, live: []int{200, 403}}),
		simple("huggingface", "Hugging Face", "https://huggingface.co", "https://huggingface.co/settings/tokens", "https://huggingface.co/settings/tokens",
			`^(hf_|api_org_)[A-Za-z]{34}$`, []string{"huggingface-access-token", "huggingface-org-token"},
			probe{method: "GET", path: "/api/whoami-v2", auth: bearer}),
		simple("digitalocean", "DigitalOcean", "https://api.digitalocean.com", "https://cloud.digitalocean.com/account/api/tokens", "https://cloud.digitalocean.com/account/security",
			`^do[po]_v1_[a-f0-9]{64}$`, []string{"digitalocean-personal-access-token", "digitalocean-oauth-access-token"},
			probe{method: "GET", path: "/v2/account", auth: bearer}),
		simple("heroku", "Heroku", "https://api.heroku.com", "https://dashboard.heroku.com/account/applications", "https://dashboard.heroku.com/account",
			`^(HRKU-AA[\w-]{58}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`, []string{"heroku-api-key", "heroku-api-key-legacy"},
			probe{method: "GET", path: "/account", auth: bearer, header: map[string]string{"Accept": "application/vnd.heroku+json; version=3"}}),
		simple("telegram", "Telegram", "https://api.telegram.org", "https://t.me/BotFather", "",
			`^\d{8,10}:AA[\w-]{33}$`, []string{"telegram-bot-token"},
			probe{method: "GET", path: "/botTOKEN/getMe", invalid: []int{401, 404},
				url: func(base, v string) string { return base + "/bot" + v + "/getMe" }}),
		simple("linear", "Linear", "https://api.linear.app", "https://linear.app/settings/account/security", "https://linear.app/settings/account/security",
			`^lin_api_[A-Za-z0-9]{40}$`, []string{"linear-api-key"},
			probe{method: "POST", path: "/graphql", ctype: "application/json",
				// Personal API keys are sent as they are, without "Bearer".
				auth:   headerAuth("Authorization", ""),
				body:   func(string) []byte { return []byte(`{"query":"{ viewer { id } }"}`) },
				decide: linearDecide}),
		simple("notion", "Notion", "https://api.notion.com", "https://www.notion.so/profile/integrations", "",
			`^(secret_[A-Za-z0-9]{43}|ntn_\d{11}[A-Za-z0-9]{35})$`, []string{"notion-integration-token", "notion-api-token"},
			probe{method: "GET", path: "/v1/users/me", auth: bearer, header: map[string]string{"Notion-Version": "2022-06-28"}}),
		simple("pagerduty", "PagerDuty", "https://api.pagerduty.com", "https://app.pagerduty.com/api_keys", "https://app.pagerduty.com/api_keys",
			`^[A-Za-z0-9_+-]{20}$`, []string{"pagerduty-api-key"},
			probe{method: "GET", path: "/abilities", auth: headerAuth("Authorization", "Token token="),
				header: map[string]string{"Accept": "application/vnd.pagerduty+json;version=2"}}),
		simple("skyvern", "Skyvern", "https://api.skyvern.com", "https://app.skyvern.com/settings", "https://app.skyvern.com/settings",
			"", nil,
			// Skyvern answers 403 for a key it does not know and 404 when
			// the key's organisation is gone.
			probe{method: "GET", path: "/v1/workflows?page=1&page_size=1", auth: headerAuth("x-api-key", ""), invalid: []int{401, 403, 404}}),
		simple("openrouter", "OpenRouter", "https://openrouter.ai/api", "https://openrouter.ai/settings/keys", "https://openrouter.ai/activity",
			`^sk-or-v1-[a-f0-9]{64}$`, []string{"openrouter-api-key"},
			probe{method: "GET", path: "/v1/key", auth: bearer}),
		simple("groq", "Groq", "https://api.groq.com/openai", "https://console.groq.com/keys", "https://console.groq.com/dashboard/usage",
			`^gsk_[A-Za-z0-9]{52}$`, []string{"groq-api-key"},
			probe{method: "GET", path: "/v1/models", auth: bearer}),
		simple("xai", "xAI", "https://api.x.ai", "https://console.x.ai", "https://console.x.ai",
			`^xai-[A-Za-z0-9]{80}$`, []string{"xai-api-key"},
			probe{method: "GET", path: "/v1/api-key", auth: bearer, invalid: []int{400, 401, 403}}),
		simple("replicate", "Replicate", "https://api.replicate.com", "https://replicate.com/account/api-tokens", "https://replicate.com/account/billing",
			`^r8_[A-Za-z0-9]{37}$`, []string{"replicate-api-token"},
			probe{method: "GET", path: "/v1/account", auth: bearer}),
		simple("netlify", "Netlify", "https://api.netlify.com", "https://app.netlify.com/user/applications", "https://app.netlify.com/user/applications",
			`^(nfp_[A-Za-z0-9]{36}|[\w-]{40,46})$`, []string{"netlify-access-token", "netlify-access-token-legacy"},
			probe{method: "GET", path: "/api/v1/user", auth: bearer}),
		simple("circleci", "CircleCI", "https://circleci.com", "https://app.circleci.com/settings/user/tokens", "https://app.circleci.com/settings/user/tokens",
			`^(CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40}|[a-f0-9]{40})$`, []string{"circleci-personal-token", "circleci-token-legacy"},
			probe{method: "GET", path: "/api/v2/me", auth: headerAuth("Circle-Token", "")}),
		{id: "doppler", title: "Doppler", keysPage: "https://dashboard.doppler.com/workplace/tokens", usagePage: "https://dashboard.doppler.com/workplace/logs",
			checks: []*check{{
				format: regexp.MustCompile(`^dp\.(pt|st|sa|ct|scim|audit)\.`),
				rules:  []string{"doppler-personal-token", "doppler-service-token", "doppler-service-account-token", "doppler-cli-token", "doppler-scim-token", "doppler-audit-token"},
				base:   "https://api.doppler.com", how: "GET /v3/me",
				run: probe{method: "GET", path: "/v3/me", auth: bearer}.run}},
			rev: &revoker{base: "https://api.doppler.com", how: "POST /v3/auth/revoke", one: dopplerRevoke}},
		simple("airtable", "Airtable", "https://api.airtable.com", "https://airtable.com/create/tokens", "https://airtable.com/create/tokens",
			`^(pat[A-Za-z0-9]{14}\.[a-f0-9]{64}|key[A-Za-z0-9]{14})$`, []string{"airtable-personal-access-token", "airtable-api-key-legacy"},
			probe{method: "GET", path: "/v0/meta/whoami", auth: bearer}),
		simple("postman", "Postman", "https://api.getpostman.com", "https://go.postman.co/settings/me/api-keys", "https://go.postman.co/settings/me/api-keys",
			`^PMAK-[a-f0-9]{24}-[a-f0-9]{34}$`, []string{"postman-api-key"},
			probe{method: "GET", path: "/me", auth: headerAuth("X-API-Key", "")}),
		simple("brevo", "Brevo", "https://api.brevo.com", "https://app.brevo.com/settings/keys/api", "https://app.brevo.com/security/authorised-ips",
			`^xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}$`, []string{"brevo-api-key"},
			probe{method: "GET", path: "/v3/account", auth: headerAuth("api-key", "")}),
		simple("figma", "Figma", "https://api.figma.com", "https://www.figma.com/settings", "",
			`^figd_[\w-]{38,44}$`, []string{"figma-personal-access-token"},
			probe{method: "GET", path: "/v1/me", auth: headerAuth("X-Figma-Token", ""), invalid: []int{401, 403}}),
		{id: "buildkite", title: "Buildkite", keysPage: "https://buildkite.com/user/api-access-tokens", usagePage: "https://buildkite.com/organizations/-/audit-log",
			checks: []*check{{
				format: regexp.MustCompile(`^bkua_[a-f0-9]{40}$`), rules: []string{"buildkite-api-token"},
				base: "https://api.buildkite.com", how: "GET /v2/access-token",
				run: probe{method: "GET", path: "/v2/access-token", auth: bearer}.run}},
			rev: &revoker{base: "https://api.buildkite.com", how: "DELETE /v2/access-token", one: selfDelete("DELETE", "/v2/access-token", bearer, 204)}},
		simple("mistral", "Mistral AI", "https://api.mistral.ai", "https://console.mistral.ai/api-keys", "https://console.mistral.ai/usage",
			`^[A-Za-z0-9]{32}$`, []string{"mistral-api-key"},
			probe{method: "GET", path: "/v1/models", auth: bearer}),
		simple("deepseek", "DeepSeek", "https://api.deepseek.com", "https://platform.deepseek.com/api_keys", "https://platform.deepseek.com/usage",
			`^sk-[a-f0-9]{32}$`, []string{"deepseek-api-key"},
			probe{method: "GET", path: "/models", auth: bearer}),
		simple("elevenlabs", "ElevenLabs", "https://api.elevenlabs.io", "https://elevenlabs.io/app/settings/api-keys", "https://elevenlabs.io/app/usage",
			`^(sk_[a-f0-9]{48}|[a-f0-9]{32})$`, []string{"elevenlabs-api-key"},
			probe{method: "GET", path: "/v1/user", auth: headerAuth("xi-api-key", "")}),
		simple("pinecone", "Pinecone", "https://api.pinecone.io", "https://app.pinecone.io/organizations/-/projects/-/keys", "https://app.pinecone.io/organizations/-/settings/usage",
			`^pcsk_[A-Za-z0-9]{4,8}_[A-Za-z0-9]{50,80}$`, []string{"pinecone-api-key"},
			probe{method: "GET", path: "/indexes", auth: headerAuth("Api-Key", ""), header: map[string]string{"X-Pinecone-API-Version": "2025-01"}}),
	}
}
