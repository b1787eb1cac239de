package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// revoker revokes credentials through a provider's API.
type revoker struct {
	endpoint, base, how string
	// format is what it can revoke; nil: whatever the provider's checks
	// accept.
	format *regexp.Regexp
	// one revokes a single credential; batch many at once (GitHub).
	one   func(ctx context.Context, h *hc, base, v string) revokeOutcome
	batch func(ctx context.Context, h *hc, base string, vs []string) []revokeOutcome
}

type revokeOutcome struct {
	ok     bool // the provider accepted the revocation
	detail string
}

// Revocation is what [Checker.Revoke] did for one credential.
type Revocation struct {
	// Method is "api" when the provider's API was asked to revoke it,
	// "manual" when a person must delete it (see Guide).
	Method string
	// Accepted: the provider accepted the revocation request.
	Accepted bool
	// Detail says what happened; it never holds the secret.
	Detail string
	// Guide is where a person deletes the key and audits its use.
	Guide Guide
	// After is the credential verified again after an API revocation
	// ([Invalid] when it worked); the zero Result for a manual one.
	After Result
}

// Guide is where a person deals with a leaked credential by hand.
type Guide struct {
	// Provider names who issued it ("GitHub", "Xiaomi MiMo").
	Provider string
	// KeysPage is where the key is deleted or regenerated; UsagePage
	// where its use is audited (a usage dashboard, a log). Either may be
	// empty when the provider has none.
	KeysPage, UsagePage string
	// Revoke says how the API revokes it; empty: by hand only.
	Revoke string
}

// gateway is an Anthropic-compatible API a managed key's base_url may
// point at: its keys are deleted and audited on its own console.
type gateway struct {
	hostSuffix, title, keysPage, usagePage string
}

var gateways = []gateway{{
	hostSuffix: "xiaomimimo.com", title: "Xiaomi MiMo",
	keysPage:  "https://platform.xiaomimimo.com/#/console/api-keys",
	usagePage: "https://platform.xiaomimimo.com/#/console/usage",
}}

func gatewayFor(base string) *gateway {
	pu, err := url.Parse(base)
	if err != nil {
		return nil
	}
	host := strings.ToLower(pu.Hostname())
	for i, g := range gateways {
		if host == g.hostSuffix || strings.HasSuffix(host, "."+g.hostSuffix) {
			return &gateways[i]
		}
	}
	return nil
}

// GuideFor returns where a person deletes cr and audits its use, and
// whether the provider's API can revoke it. It sends nothing.
func GuideFor(cr Credential) Guide {
	v := cr.Value.Reveal()
	if cr.BaseURL != "" && cr.Key != "" {
		if chk, _ := lookup(cr); chk == nil {
			if g := gatewayFor(cr.BaseURL); g != nil {
				return Guide{Provider: g.title, KeysPage: g.keysPage, UsagePage: g.usagePage}
			}
			return Guide{Provider: gatewayTitle(cr.BaseURL)}
		}
	}
	_, p := lookup(cr)
	if p == nil {
		return Guide{}
	}
	g := Guide{Provider: p.title, KeysPage: p.keysPage, UsagePage: p.usagePage}
	if p.rev != nil && p.rev.accepts(p, v) {
		g.Revoke = p.rev.how
	}
	return g
}

// lookup finds the check (if any) and provider of a credential without
// the Checker's endpoints.
func lookup(cr Credential) (*check, *provider) {
	v := cr.Value.Reveal()
	if chk, ok := byRule()[cr.Rule]; ok && chk.accepts(v) {
		return chk, chk.prov
	}
	for _, pc := range pairChecks {
		if inList(pc.idRules, cr.Rule) || inList(pc.secretRules, cr.Rule) || inList(pc.tokenRules, cr.Rule) {
			return nil, providers()[pc.provider]
		}
	}
	pid := cr.KeyProvider
	if pid == "" {
		pid = cr.Provider
	}
	p := providers()[pid]
	if p == nil {
		return nil, nil
	}
	for _, chk := range p.checks {
		if chk.format != nil && chk.format.MatchString(v) {
			return chk, p
		}
	}
	return nil, p
}

func (r *revoker) accepts(p *provider, v string) bool {
	if r.format != nil {
		return r.format.MatchString(v)
	}
	for _, c := range p.checks {
		if c.format != nil && c.format.MatchString(v) {
			return true
		}
	}
	return false
}

// Revoke revokes each credential through its provider's API where there
// is one, then verifies it again; for the others it returns the pages
// where a person deletes the key and audits its use. Revocation cannot be
// undone: call it only on the user's explicit request.
func (c *Checker) Revoke(ctx context.Context, creds []Credential) []Revocation {
	out := make([]Revocation, len(creds))
	type job struct {
		rev  *revoker
		base string
		idx  []int
	}
	jobs := map[*revoker]*job{}
	var order []*revoker
	for i, cr := range creds {
		g := GuideFor(cr)
		out[i] = Revocation{Method: "manual", Guide: g}
		_, p := lookup(cr)
		rt := c.route(cr)
		if g.Revoke == "" || p == nil || rt.title != "" {
			out[i].Detail = manualDetail(g)
			continue
		}
		j := jobs[p.rev]
		if j == nil {
			j = &job{rev: p.rev, base: c.base(p.rev.endpoint, p.rev.base)}
			jobs[p.rev] = j
			order = append(order, p.rev)
		}
		j.idx = append(j.idx, i)
	}
	for _, r := range order {
		j := jobs[r]
		// One request per distinct value.
		first := map[string]int{}
		var vals []string
		for _, i := range j.idx {
			v := creds[i].Value.Reveal()
			if _, ok := first[v]; !ok {
				first[v] = len(vals)
				vals = append(vals, v)
			}
		}
		var res []revokeOutcome
		if r.batch != nil {
			res = r.batch(ctx, c.h, j.base, vals)
		} else {
			res = make([]revokeOutcome, len(vals))
			for n, v := range vals {
				select {
				case c.sem <- struct{}{}:
					res[n] = r.one(ctx, c.h, j.base, v)
					<-c.sem
				case <-ctx.Done():
					res[n] = revokeOutcome{detail: "cancelled before it was revoked"}
				}
			}
		}
		for _, i := range j.idx {
			v := creds[i].Value.Reveal()
			o := res[first[v]]
			out[i].Method = "api"
			out[i].Accepted = o.ok
			out[i].Detail = scrub(o.detail, v)
		}
	}
	// Verify again what the API was asked to revoke: forget what this run
	// knew about those values first.
	var again []Credential
	var where []int
	for i, cr := range creds {
		if out[i].Method == "api" {
			if rt := c.route(cr); rt.chk != nil {
				c.forget(cacheKey(rt.chk.id, rt.base, cr.Value.Reveal()))
			}
			again = append(again, cr)
			where = append(where, i)
		}
	}
	for n, r := range c.Check(ctx, again) {
		out[where[n]].After = r
	}
	return out
}

func manualDetail(g Guide) string {
	if g.Provider == "" {
		return "revoke it by hand at its provider: leakguard does not know which provider issued it"
	}
	d := g.Provider + " has no API to revoke it: delete it by hand"
	if g.KeysPage != "" {
		d += " at " + g.KeysPage
	}
	if g.UsagePage != "" {
		d += ", then audit its use at " + g.UsagePage
	}
	return d
}

// githubRevoke sends GitHub's credential revocation request: anyone may
// revoke a leaked token, without authenticating (an authenticated request
// is refused with 403), up to 1000 tokens per request and 60 requests an
// hour. 202 means accepted; the owner is notified.
func githubRevoke(ctx context.Context, h *hc, base string, vs []string) []revokeOutcome {
	const what = "POST /credentials/revoke"
	out := make([]revokeOutcome, len(vs))
	for start := 0; start < len(vs); start += 1000 {
		end := min(start+1000, len(vs))
		body, _ := json.Marshal(map[string][]string{"credentials": vs[start:end]})
		hdr := http.Header{}
		hdr.Set("Content-Type", "application/json")
		hdr.Set("Accept", "application/vnd.github+json")
		hdr.Set("X-GitHub-Api-Version", "2022-11-28")
		r, err := h.send(ctx, request{method: http.MethodPost, url: base + "/credentials/revoke", header: hdr, body: body})
		var o revokeOutcome
		if res, ok := common("GitHub", what, r, err); ok {
			o.detail = res.Detail
		} else {
			switch r.status {
			case http.StatusAccepted:
				o = revokeOutcome{true, "GitHub accepted the revocation (" + what + ": 202); it notifies the token's owner"}
			case http.StatusUnprocessableEntity:
				o.detail = "GitHub refused the revocation (" + what + ": 422: validation failed, or too many requests)"
			case http.StatusForbidden:
				o.detail = "GitHub refused the revocation (" + what + ": 403)"
			default:
				o.detail = unexpected("GitHub", what, r.status).Detail
			}
		}
		for i := start; i < end; i++ {
			out[i] = o
		}
	}
	return out
}

// slackRevoke calls auth.revoke with the token itself.
func slackRevoke(ctx context.Context, h *hc, base, v string) revokeOutcome {
	const what = "POST /auth.revoke"
	hdr := http.Header{}
	bearer(hdr, v)
	hdr.Set("Content-Type", "application/x-www-form-urlencoded")
	r, err := h.send(ctx, request{method: http.MethodPost, url: base + "/auth.revoke", header: hdr, body: []byte{}})
	if res, ok := common("Slack", what, r, err); ok {
		return revokeOutcome{detail: res.Detail}
	}
	var b struct {
		OK      bool   `json:"ok"`
		Revoked bool   `json:"revoked"`
		Error   string `json:"error"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &b) != nil {
		return revokeOutcome{detail: unexpected("Slack", what, r.status).Detail}
	}
	switch {
	case b.OK && b.Revoked:
		return revokeOutcome{true, "Slack revoked it (" + what + ": revoked)"}
	case slackInvalid[b.Error]:
		return revokeOutcome{true, "Slack no longer accepts it (" + what + ": " + b.Error + ")"}
	}
	return revokeOutcome{detail: fmt.Sprintf("Slack did not revoke it (%s: %s)", what, safeCode(b.Error))}
}

// selfDelete revokes the token that authenticates the request (GitLab's
// personal_access_tokens/self, Vercel's tokens/current, Buildkite's
// access-token).
func selfDelete(method, path string, auth func(http.Header, string), okStatus int) func(context.Context, *hc, string, string) revokeOutcome {
	return func(ctx context.Context, h *hc, base, v string) revokeOutcome {
		what := method + " " + path
		hdr := http.Header{}
		auth(hdr, v)
		r, err := h.send(ctx, request{method: method, url: base + path, header: hdr})
		if res, ok := common("the provider", what, r, err); ok {
			return revokeOutcome{detail: res.Detail}
		}
		switch {
		case r.status == okStatus || r.status == 200 || r.status == 204:
			return revokeOutcome{true, fmt.Sprintf("revoked (%s: %d)", what, r.status)}
		case r.status == 401:
			return revokeOutcome{true, fmt.Sprintf("already not accepted (%s: 401)", what)}
		}
		return revokeOutcome{detail: fmt.Sprintf("not revoked (%s: %d %s)", what, r.status, errCode(r.body))}
	}
}

// googleRevoke posts the token to Google's OAuth revocation endpoint.
func googleRevoke(ctx context.Context, h *hc, base, v string) revokeOutcome {
	const what = "POST /revoke"
	hdr := http.Header{}
	hdr.Set("Content-Type", "application/x-www-form-urlencoded")
	r, err := h.send(ctx, request{method: http.MethodPost, url: base + "/revoke", header: hdr, body: []byte(url.Values{"token": {v}}.Encode())})
	if res, ok := common("Google", what, r, err); ok {
		return revokeOutcome{detail: res.Detail}
	}
	switch {
	case r.status == 200:
		return revokeOutcome{true, "Google revoked it (" + what + ": 200)"}
	case r.status == 400 && errCode(r.body) == "invalid_token":
		return revokeOutcome{true, "Google no longer accepts it (" + what + ": 400 invalid_token)"}
	}
	return revokeOutcome{detail: fmt.Sprintf("Google did not revoke it (%s: %d)", what, r.status)}
}

// dopplerRevoke posts the token to Doppler's revocation endpoint,
// authenticated by itself.
func dopplerRevoke(ctx context.Context, h *hc, base, v string) revokeOutcome {
	const what = "POST /v3/auth/revoke"
	hdr := http.Header{}
	bearer(hdr, v)
	hdr.Set("Content-Type", "application/json")
	body, _ := json.Marshal(map[string]string{"token": v})
	r, err := h.send(ctx, request{method: http.MethodPost, url: base + "/v3/auth/revoke", header: hdr, body: body})
	if res, ok := common("Doppler", what, r, err); ok {
		return revokeOutcome{detail: res.Detail}
	}
	switch r.status {
	case 200, 204:
		return revokeOutcome{true, fmt.Sprintf("Doppler revoked it (%s: %d)", what, r.status)}
	case 401:
		return revokeOutcome{true, "Doppler no longer accepts it (" + what + ": 401)"}
	}
	return revokeOutcome{detail: fmt.Sprintf("Doppler did not revoke it (%s: %d)", what, r.status)}
}

// cloudflareRevoke learns the token's id from verify, then deletes it
// with itself; a token without the permission to edit API tokens is
// refused (403) and must be deleted by hand.
func cloudflareRevoke(ctx context.Context, h *hc, base, v string) revokeOutcome {
	hdr := http.Header{}
	bearer(hdr, v)
	r, err := h.send(ctx, request{method: http.MethodGet, url: base + "/user/tokens/verify", header: hdr})
	if res, ok := common("Cloudflare", "GET /user/tokens/verify", r, err); ok {
		return revokeOutcome{detail: res.Detail}
	}
	var b struct {
		Result struct {
			ID string `json:"id"`
		} `json:"result"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &b) != nil || !regexp.MustCompile(`^[a-f0-9]{32}$`).MatchString(b.Result.ID) {
		return revokeOutcome{detail: fmt.Sprintf("Cloudflare did not say which token it is (GET /user/tokens/verify: %d)", r.status)}
	}
	what := "DELETE /user/tokens/{id}"
	r, err = h.send(ctx, request{method: http.MethodDelete, url: base + "/user/tokens/" + b.Result.ID, header: hdr})
	if res, ok := common("Cloudflare", what, r, err); ok {
		return revokeOutcome{detail: res.Detail}
	}
	if r.status == 200 {
		return revokeOutcome{true, "Cloudflare deleted it (" + what + ": 200)"}
	}
	return revokeOutcome{detail: fmt.Sprintf("Cloudflare did not delete it (%s: %d): delete it by hand", what, r.status)}
}
