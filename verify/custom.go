package verify

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// Providers whose checks are more than one probe read by status code:
// each decides on the reply's body, or tries several regions, projects or
// calls. The table in providers.go registers them.

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

var supabaseRefRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]{20}$`) })

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
	if claims.Iss != "supabase" || !supabaseRefRe().MatchString(claims.Ref) {
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
			{id: "discord-webhook", format: discordWebhookRe(), rules: []string{"discord-webhook-url"},
				base: "https://discord.com/api/v10", how: "GET /webhooks/ID/TOKEN (webhook URLs)",
				run: func(ctx context.Context, h *hc, base, title, v string) Result {
					m := discordWebhookRe().FindStringSubmatch(v)
					return probe{method: "GET", path: "/webhooks/ID/TOKEN", invalid: []int{401, 404},
						url: func(base, _ string) string { return base + "/webhooks/" + m[1] + "/" + m[2] }}.run(ctx, h, base, title, v)
				}},
		},
	}
}

var discordWebhookRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api/(?:v\d+/)?webhooks/(\d{17,20})/([\w-]{60,68})$`)
})

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
