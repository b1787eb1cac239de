package verify

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
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

var (
	providers = map[string]*provider{}
	byRule    = map[string]*check{}
)

// register adds a provider and indexes its checks by rule.
func register(p *provider) {
	if providers[p.id] != nil {
		panic("verify: duplicate provider " + p.id)
	}
	providers[p.id] = p
	for _, c := range p.checks {
		c.prov = p
		if c.endpoint == "" {
			c.endpoint = p.id
		}
		if c.id == "" {
			c.id = p.id
		}
		for _, r := range c.rules {
			if byRule[r] != nil {
				panic("verify: rule " + r + " has two checks")
			}
			byRule[r] = c
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
	for _, p := range providers {
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

func init() {
	for _, p := range []*provider{
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
	} {
		register(p)
	}
}

// --- GitHub ---

func githubProvider() *provider {
	hdr := map[string]string{"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
	return &provider{
		id: "github", title: "GitHub",
		keysPage: "https://github.com/settings/tokens", usagePage: "https://github.com/settings/security-log",
		checks: []*check{
			{format: regexp.MustCompile(`^(gh[pou]_[A-Za-z0-9]{36}|github_pat_\w{82})$`),
				rules: []string{"github-pat", "github-oauth-token", "github-user-to-server-token", "github-fine-grained-pat"},
				base:  "https://api.github.com", how: "GET /user (Authorization: Bearer)",
				run: probe{method: "GET", path: "/user", auth: bearer, header: hdr, decide: githubDecide}.run},
			{id: "github-installation", endpoint: "github", format: regexp.MustCompile(`^ghs_[A-Za-z0-9]{36}$`),
				rules: []string{"github-server-to-server-token"},
				base:  "https://api.github.com", how: "GET /installation/repositories (installation tokens)",
				run: probe{method: "GET", path: "/installation/repositories?per_page=1", auth: bearer, header: hdr, decide: githubDecide}.run},
			{id: "github-refresh", endpoint: "github", format: regexp.MustCompile(`^ghr_[A-Za-z0-9]{36}$`),
				rules: []string{"github-refresh-token"}, base: "https://api.github.com", how: "not sent (refresh tokens cannot call the API)",
				run: func(context.Context, *hc, string, string, string) Result {
					return Result{Unknown, "no verifier: a GitHub refresh token cannot call the API (revoke it to be sure)"}
				}},
		},
		rev: &revoker{base: "https://api.github.com", how: "POST /credentials/revoke (unauthenticated, batched)",
			format: regexp.MustCompile(`^(gh[pour]_[A-Za-z0-9]{36}|github_pat_\w{82})$`), batch: githubRevoke},
	}
}

// githubDecide: 200 works, 401 does not; a 403 or 429 with no requests
// left is a rate limit, not a verdict.
func githubDecide(title, what string, r *response) Result {
	switch {
	case r.status == 200:
		return accepted(title, what, r.status)
	case r.status == 401:
		return rejected(title, what, r.status, "")
	case r.status == 403 && r.header.Get("X-RateLimit-Remaining") == "0":
		return Result{Unknown, fmt.Sprintf("rate limited by %s (%s: 403, no requests left)", title, what)}
	}
	return unexpected(title, what, r.status)
}

// --- Anthropic (and compatible gateways) ---

func anthropicProvider() *provider {
	hdr := map[string]string{"anthropic-version": "2023-06-01"}
	decide := func(title, what string, r *response) Result {
		switch r.status {
		case 200:
			return accepted(title, what, r.status)
		case 401:
			return rejected(title, what, r.status, errCode(r.body))
		case 403:
			// permission_error: the key works but may not do this.
			return Result{Live, fmt.Sprintf("%s knows it but refused this call (%s: 403 %s)", title, what, errCode(r.body))}
		}
		return unexpected(title, what, r.status)
	}
	return &provider{
		id: "anthropic", title: "Anthropic",
		keysPage: "https://console.anthropic.com/settings/keys", usagePage: "https://console.anthropic.com/usage",
		checks: []*check{
			{format: regexp.MustCompile(`^sk-ant-api03-[\w-]{93}AA$`), rules: []string{"anthropic-api-key"}, gateway: true,
				base: "https://api.anthropic.com", how: "GET /v1/models (x-api-key, anthropic-version: 2023-06-01); a key's base_url for a compatible gateway",
				run: probe{method: "GET", path: "/v1/models", auth: headerAuth("x-api-key", ""), header: hdr, decide: decide}.run},
			{id: "anthropic-admin", format: regexp.MustCompile(`^sk-ant-admin01-[\w-]{93}AA$`), rules: []string{"anthropic-admin-key"},
				base: "https://api.anthropic.com", how: "GET /v1/organizations/me (admin keys)",
				run: probe{method: "GET", path: "/v1/organizations/me", auth: headerAuth("x-api-key", ""), header: hdr, decide: decide}.run},
		},
	}
}

// --- OpenAI ---

func openaiProvider() *provider {
	// 401 invalid_api_key is a dead key; another 401 (a restricted key
	// without the models scope) is not a verdict.
	decide := func(title, what string, r *response) Result {
		var b struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		_ = json.Unmarshal(r.body, &b)
		code := safeCode(b.Error.Code)
		switch {
		case r.status == 200:
			return accepted(title, what, r.status)
		case r.status == 401 && code == "invalid_api_key":
			return rejected(title, what, r.status, code)
		case r.status == 401 || r.status == 403:
			return Result{Unknown, fmt.Sprintf("%s refused this call without calling the key invalid (%s: %d %s)", title, what, r.status, code)}
		}
		return unexpected(title, what, r.status)
	}
	return &provider{
		id: "openai", title: "OpenAI",
		keysPage: "https://platform.openai.com/api-keys", usagePage: "https://platform.openai.com/usage",
		checks: []*check{
			{format: regexp.MustCompile(`^sk-(proj-|svcacct-)?[\w-]+T3BlbkFJ[\w-]+$`),
				rules: []string{"openai-project-key", "openai-service-account-key", "openai-legacy-key"},
				base:  "https://api.openai.com", how: "GET /v1/models",
				run: probe{method: "GET", path: "/v1/models", auth: bearer, decide: decide}.run},
			{id: "openai-admin", format: regexp.MustCompile(`^sk-admin-[\w-]+T3BlbkFJ[\w-]+$`), rules: []string{"openai-admin-key"},
				base: "https://api.openai.com", how: "GET /v1/organization/projects (admin keys)",
				run: probe{method: "GET", path: "/v1/organization/projects?limit=1", auth: bearer, decide: decide}.run},
		},
	}
}

// --- Google API keys ---

func googleProvider() *provider {
	return &provider{
		id: "google", title: "Google",
		keysPage: "https://console.cloud.google.com/apis/credentials", usagePage: "https://console.cloud.google.com/apis/dashboard",
		checks: []*check{{format: regexp.MustCompile(`^AIza[\w-]{35}$`), rules: []string{"google-api-key"},
			base: "https://www.googleapis.com", how: "GET /youtube/v3/i18nRegions (X-Goog-Api-Key; 1 quota unit)",
			run: probe{method: "GET", path: "/youtube/v3/i18nRegions?part=snippet", auth: headerAuth("X-Goog-Api-Key", ""), decide: googleDecide}.run}},
	}
}

// googleDecide reads Google's error reasons: a key Google does not know
// is 400 API_KEY_INVALID; a known key that may not call this API (not
// enabled, restricted) is 403 and still live.
func googleDecide(title, what string, r *response) Result {
	if r.status == 200 {
		return accepted(title, what, r.status)
	}
	var e struct {
		Error struct {
			Status  string `json:"status"`
			Message string `json:"message"`
			Errors  []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
			Details []struct {
				Reason string `json:"reason"`
			} `json:"details"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.body, &e)
	var reasons []string
	for _, d := range e.Error.Details {
		reasons = append(reasons, d.Reason)
	}
	for _, d := range e.Error.Errors {
		reasons = append(reasons, d.Reason)
	}
	for _, rs := range reasons {
		switch rs {
		case "API_KEY_INVALID", "keyInvalid", "API_KEY_EXPIRED", "keyExpired":
			return rejected(title, what, r.status, rs)
		case "SERVICE_DISABLED", "accessNotConfigured", "API_KEY_SERVICE_BLOCKED", "API_KEY_HTTP_REFERRER_BLOCKED",
			"API_KEY_IP_ADDRESS_BLOCKED", "API_KEY_ANDROID_APP_BLOCKED", "API_KEY_IOS_APP_BLOCKED", "quotaExceeded", "dailyLimitExceeded":
			return Result{Live, fmt.Sprintf("%s knows the key but refused this API (%s: %d %s)", title, what, r.status, rs)}
		}
	}
	if r.status == 400 && (strings.Contains(e.Error.Message, "API key not valid") || strings.Contains(e.Error.Message, "API key expired")) {
		return rejected(title, what, r.status, "API_KEY_INVALID")
	}
	return unexpected(title, what, r.status)
}

// --- Google OAuth access tokens ---

func gcpProvider() *provider {
	return &provider{
		id: "gcp", title: "Google OAuth",
		keysPage: "https://myaccount.google.com/permissions", usagePage: "https://console.cloud.google.com/logs",
		checks: []*check{{endpoint: "google-oauth", format: regexp.MustCompile(`^ya29\.[\w-]+$`), rules: []string{"gcp-oauth-access-token"},
			base: "https://oauth2.googleapis.com", how: "GET /tokeninfo (access tokens)",
			run: probe{method: "GET", path: "/tokeninfo", invalid: []int{400, 401},
				url: func(base, v string) string { return base + "/tokeninfo?access_token=" + url.QueryEscape(v) }}.run}},
		rev: &revoker{endpoint: "google-oauth", base: "https://oauth2.googleapis.com", how: "POST /revoke",
			format: regexp.MustCompile(`^ya29\.[\w-]+$`), one: googleRevoke},
	}
}

// --- Supabase ---

var supabaseRefRe = regexp.MustCompile(`^[a-z0-9]{20}$`)

func supabaseProvider() *provider {
	return &provider{
		id: "supabase", title: "Supabase",
		keysPage: "https://supabase.com/dashboard/account/tokens", usagePage: "https://supabase.com/dashboard/project/_/logs/explorer",
		checks: []*check{
			{format: regexp.MustCompile(`^sbp_[a-f0-9]{40}$`), rules: []string{"supabase-personal-access-token"},
				base: "https://api.supabase.com", how: "GET /v1/projects (personal access tokens, Management API)",
				run: probe{method: "GET", path: "/v1/projects", auth: bearer}.run},
			{id: "supabase-project", endpoint: "supabase-project", rules: []string{"supabase-service-role-key"},
				format: regexp.MustCompile(`^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$`),
				base:   "https://{ref}.supabase.co", how: "GET https://REF.supabase.co/rest/v1/ (service-role JWTs, REF from the JWT)",
				run: supabaseProjectCheck},
		},
	}
}

// supabaseProjectCheck sends a service-role JWT to its own project: the
// ref in its payload names it.
func supabaseProjectCheck(ctx context.Context, h *hc, base, title, v string) Result {
	parts := strings.Split(v, ".")
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	var claims struct {
		Ref  string `json:"ref"`
		Role string `json:"role"`
		Iss  string `json:"iss"`
	}
	if err != nil || json.Unmarshal(payload, &claims) != nil {
		return Result{Unknown, "no verifier: the JWT's payload could not be read"}
	}
	if claims.Iss != "supabase" || !supabaseRefRe.MatchString(claims.Ref) {
		return Result{Unknown, "no verifier: the JWT names no Supabase project, so there is nowhere to send it"}
	}
	u := strings.ReplaceAll(base, "{ref}", claims.Ref)
	return probe{method: "GET", path: "/rest/v1/", auth: func(hd http.Header, v string) {
		hd.Set("apikey", v)
		hd.Set("Authorization", "Bearer "+v)
	}}.run(ctx, h, u, title+" project "+claims.Ref, v)
}

// --- Slack ---

func slackProvider() *provider {
	return &provider{
		id: "slack", title: "Slack",
		keysPage: "https://api.slack.com/apps", usagePage: "https://slack.com/admin/logs",
		checks: []*check{{format: regexp.MustCompile(`^(xox[bpeaorsc]-|xoxe\.xox[bp]-)`),
			rules: []string{"slack-bot-token", "slack-user-token", "slack-legacy-token", "slack-workspace-token", "slack-config-access-token"},
			base:  "https://slack.com/api", how: "POST /auth.test",
			run: probe{method: "POST", path: "/auth.test", auth: bearer, ctype: "application/x-www-form-urlencoded",
				body: func(string) []byte { return []byte{} }, decide: slackDecide}.run}},
		rev: &revoker{base: "https://slack.com/api", how: "POST /auth.revoke",
			format: regexp.MustCompile(`^(xox[bpeaorsc]-|xoxe\.xox[bp]-)`), one: slackRevoke},
	}
}

// slackInvalid are auth.test's errors that mean the token is dead.
var slackInvalid = map[string]bool{"invalid_auth": true, "not_authed": true, "account_inactive": true,
	"token_revoked": true, "token_expired": true}

// slackDecide reads {"ok":…,"error":…}: Slack answers 200 either way.
func slackDecide(title, what string, r *response) Result {
	var b struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &b) != nil {
		return unexpected(title, what, r.status)
	}
	switch {
	case b.OK:
		return accepted(title, what, r.status)
	case slackInvalid[b.Error]:
		return rejected(title, what, r.status, b.Error)
	case b.Error == "ratelimited":
		return Result{Unknown, fmt.Sprintf("rate limited by %s (%s: ratelimited)", title, what)}
	}
	return Result{Unknown, fmt.Sprintf("unexpected answer from %s (%s: %s)", title, what, safeCode(b.Error))}
}

// --- GitLab ---

func gitlabProvider() *provider {
	return &provider{
		id: "gitlab", title: "GitLab",
		keysPage: "https://gitlab.com/-/user_settings/personal_access_tokens", usagePage: "https://gitlab.com/-/user_settings/personal_access_tokens",
		checks: []*check{
			{format: regexp.MustCompile(`^glpat-[\w.-]{20,}$`), rules: []string{"gitlab-pat", "gitlab-pat-routable"},
				base: "https://gitlab.com", how: "GET /api/v4/personal_access_tokens/self (PRIVATE-TOKEN)",
				run: probe{method: "GET", path: "/api/v4/personal_access_tokens/self", auth: headerAuth("PRIVATE-TOKEN", ""), decide: gitlabDecide}.run},
			{id: "gitlab-runner", endpoint: "gitlab", format: regexp.MustCompile(`^glrt-[\w.-]{20,}$`),
				rules: []string{"gitlab-runner-token", "gitlab-runner-token-routable"},
				base:  "https://gitlab.com", how: "POST /api/v4/runners/verify (runner tokens)",
				run: probe{method: "POST", path: "/api/v4/runners/verify", ctype: "application/x-www-form-urlencoded",
					body: func(v string) []byte { return []byte(url.Values{"token": {v}}.Encode()) }, invalid: []int{401, 403}}.run},
		},
		rev: &revoker{base: "https://gitlab.com", how: "DELETE /api/v4/personal_access_tokens/self",
			format: regexp.MustCompile(`^glpat-`), one: selfDelete("DELETE", "/api/v4/personal_access_tokens/self", headerAuth("PRIVATE-TOKEN", ""), 204)},
	}
}

// gitlabDecide: a token GitLab still lists but marks revoked or inactive
// is dead too.
func gitlabDecide(title, what string, r *response) Result {
	switch r.status {
	case 200:
		var b struct {
			Active  *bool `json:"active"`
			Revoked bool  `json:"revoked"`
		}
		if json.Unmarshal(r.body, &b) == nil && (b.Revoked || (b.Active != nil && !*b.Active)) {
			return Result{Invalid, fmt.Sprintf("%s lists it as revoked or inactive (%s: 200)", title, what)}
		}
		return accepted(title, what, r.status)
	case 401:
		return rejected(title, what, r.status, errCode(r.body))
	}
	return unexpected(title, what, r.status)
}

// --- Vercel ---

func vercelProvider() *provider {
	return &provider{
		id: "vercel", title: "Vercel",
		keysPage: "https://vercel.com/account/settings/tokens", usagePage: "https://vercel.com/dashboard/activity",
		checks: []*check{{format: regexp.MustCompile(`^(vc[pkiar]_[A-Za-z0-9]{56}|[A-Za-z0-9]{24})$`),
			rules: []string{"vercel-access-token", "vercel-oauth-token", "vercel-token-legacy"},
			base:  "https://api.vercel.com", how: "GET /v2/user",
			run: probe{method: "GET", path: "/v2/user", auth: bearer, decide: vercelDecide}.run}},
		rev: &revoker{base: "https://api.vercel.com", how: "DELETE /v3/user/tokens/current",
			format: regexp.MustCompile(`^(vc[pkiar]_[A-Za-z0-9]{56}|[A-Za-z0-9]{24})$`),
			one:    selfDelete("DELETE", "/v3/user/tokens/current", bearer, 200)},
	}
}

// vercelDecide: Vercel answers a token it does not accept with 403 and
// "invalidToken": true.
func vercelDecide(title, what string, r *response) Result {
	switch r.status {
	case 200:
		return accepted(title, what, r.status)
	case 401:
		return rejected(title, what, r.status, errCode(r.body))
	case 403:
		var b struct {
			Error struct {
				InvalidToken bool `json:"invalidToken"`
			} `json:"error"`
		}
		if json.Unmarshal(r.body, &b) == nil && b.Error.InvalidToken {
			return rejected(title, what, r.status, "invalidToken")
		}
	}
	return unexpected(title, what, r.status)
}

// --- Discord ---

func discordProvider() *provider {
	return &provider{
		id: "discord", title: "Discord",
		keysPage: "https://discord.com/developers/applications", usagePage: "https://discord.com/developers/applications",
		checks: []*check{
			{format: regexp.MustCompile(`^[\w-]{23,28}\.[\w-]{6}\.[\w-]{27,38}$`), rules: []string{"discord-bot-token"},
				base: "https://discord.com/api/v10", how: "GET /users/@me (Authorization: Bot)",
				run: probe{method: "GET", path: "/users/@me", auth: headerAuth("Authorization", "Bot ")}.run},
			{id: "discord-webhook", format: discordWebhookRe, rules: []string{"discord-webhook-url"},
				base: "https://discord.com/api/v10", how: "GET /webhooks/ID/TOKEN (webhook URLs)",
				run: func(ctx context.Context, h *hc, base, title, v string) Result {
					m := discordWebhookRe.FindStringSubmatch(v)
					return probe{method: "GET", path: "/webhooks/ID/TOKEN", invalid: []int{401, 404},
						url: func(base, _ string) string { return base + "/webhooks/" + m[1] + "/" + m[2] }}.run(ctx, h, base, title, v)
				}},
		},
	}
}

var discordWebhookRe = regexp.MustCompile(`^https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api/(?:v\d+/)?webhooks/(\d{17,20})/([\w-]{60,68})$`)

// --- Datadog ---

// datadogSites are the API hosts of Datadog's sites: a key belongs to one,
// and the others answer 403 for it.
var datadogSites = []string{"https://api.datadoghq.com", "https://api.datadoghq.eu", "https://api.us3.datadoghq.com",
	"https://api.us5.datadoghq.com", "https://api.ap1.datadoghq.com", "https://api.ap2.datadoghq.com",
	"https://api.ddog-gov.com", "https://api.us2.ddog-gov.com"}

func datadogProvider() *provider {
	p := &provider{id: "datadog", title: "Datadog",
		keysPage: "https://app.datadoghq.com/organization-settings/api-keys", usagePage: "https://app.datadoghq.com/audit-trail"}
	pr := probe{method: "GET", path: "/api/v1/validate", auth: headerAuth("DD-API-KEY", ""), live: []int{200}, invalid: []int{403}}
	p.checks = []*check{{format: regexp.MustCompile(`^[a-f0-9]{32}$`), rules: []string{"datadog-api-key"},
		base: datadogSites[0], how: "GET /api/v1/validate (DD-API-KEY), on each Datadog site until one knows it",
		run: func(ctx context.Context, h *hc, base, title, v string) Result {
			if base != datadogSites[0] { // pointed elsewhere: that host only
				return pr.run(ctx, h, base, title, v)
			}
			var res Result
			for _, site := range datadogSites {
				res = pr.run(ctx, h, site, title, v)
				if res.Validity != Invalid {
					return res
				}
			}
			res.Detail = fmt.Sprintf("no Datadog site knows it (%s: 403 on all %d sites)", pr.method+" "+pr.path, len(datadogSites))
			return res
		}}}
	return p
}

// --- Cloudflare ---

func cloudflareProvider() *provider {
	return &provider{
		id: "cloudflare", title: "Cloudflare",
		keysPage: "https://dash.cloudflare.com/profile/api-tokens", usagePage: "https://dash.cloudflare.com/?to=/:account/audit-log",
		checks: []*check{{format: regexp.MustCompile(`^[\w-]{40}$`), rules: []string{"cloudflare-api-token"},
			base: "https://api.cloudflare.com/client/v4", how: "GET /user/tokens/verify",
			run: probe{method: "GET", path: "/user/tokens/verify", auth: bearer, decide: cloudflareDecide}.run}},
		rev: &revoker{base: "https://api.cloudflare.com/client/v4", how: "GET /user/tokens/verify, then DELETE /user/tokens/{id} (needs the token's own permission)",
			format: regexp.MustCompile(`^[\w-]{40}$`), one: cloudflareRevoke},
	}
}

// cloudflareDecide reads result.status. A 401 is not a verdict: an
// account-owned token is verified under its account, which the token does
// not name.
func cloudflareDecide(title, what string, r *response) Result {
	switch r.status {
	case 200:
		var b struct {
			Result struct {
				Status string `json:"status"`
			} `json:"result"`
		}
		_ = json.Unmarshal(r.body, &b)
		switch b.Result.Status {
		case "active":
			return accepted(title, what, r.status)
		case "disabled", "expired":
			return Result{Invalid, fmt.Sprintf("%s says it is %s (%s: 200)", title, b.Result.Status, what)}
		}
	case 401:
		return Result{Unknown, fmt.Sprintf("%s does not know it as a user API token (%s: 401); an account-owned token can only be verified under its account", title, what)}
	}
	return unexpected(title, what, r.status)
}

// --- Mailgun ---

var mailgunRegions = []string{"https://api.mailgun.net", "https://api.eu.mailgun.net"}

func mailgunProvider() *provider {
	pr := probe{method: "GET", path: "/v3/domains?limit=1", auth: basicAuth("api")}
	return &provider{
		id: "mailgun", title: "Mailgun",
		keysPage: "https://app.mailgun.com/settings/api_security", usagePage: "https://app.mailgun.com/app/logs",
		checks: []*check{{format: regexp.MustCompile(`^(key-[a-f0-9]{32}|[a-f0-9]{32}-[a-f0-9]{8}-[a-f0-9]{8})$`),
			rules: []string{"mailgun-api-key", "mailgun-api-key-legacy"},
			base:  mailgunRegions[0], how: "GET /v3/domains (Basic api:KEY), US then EU region",
			run: func(ctx context.Context, h *hc, base, title, v string) Result {
				res := pr.run(ctx, h, base, title, v)
				if base == mailgunRegions[0] && res.Validity == Invalid {
					if eu := pr.run(ctx, h, mailgunRegions[1], title, v); eu.Validity != Invalid {
						return eu
					}
					res.Detail += "; the EU region does not know it either"
				}
				return res
			}}},
	}
}

func linearDecide(title, what string, r *response) Result {
	var b struct {
		Data struct {
			Viewer *struct {
				ID string `json:"id"`
			} `json:"viewer"`
		} `json:"data"`
		Errors []struct {
			Extensions struct {
				Code string `json:"code"`
				Type string `json:"type"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	_ = json.Unmarshal(r.body, &b)
	switch {
	case r.status == 200 && b.Data.Viewer != nil:
		return accepted(title, what, r.status)
	case r.status == 401:
		return rejected(title, what, r.status, "")
	case (r.status == 400 || r.status == 200) && len(b.Errors) > 0 &&
		(b.Errors[0].Extensions.Code == "AUTHENTICATION_ERROR" || b.Errors[0].Extensions.Type == "authentication error"):
		return rejected(title, what, r.status, "AUTHENTICATION_ERROR")
	}
	return unexpected(title, what, r.status)
}
