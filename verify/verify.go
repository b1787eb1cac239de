// Package verify asks a credential's own provider whether it still works,
// and revokes it where the provider offers an API for that.
//
// # What is sent where
//
// A [Checker] sends a secret only to the documented endpoint of the
// provider the secret belongs to, and only when its caller asks ([Checker.Check]
// or [Checker.Revoke]); the command layer calls it only when the user
// passed --verify or set [verify] enabled (never in a hook unless --verify
// was given). A secret's provider is decided by its format first: a value
// that matches a provider's published format goes to that provider, whatever
// the name it was found under. A managed key's value without a recognised
// format goes to the key's declared provider, or — for an
// Anthropic-compatible gateway such as Xiaomi MiMo — to the key's base_url.
// A value whose provider has a published format it does not match is never
// sent: it is reported [Unknown].
//
// Requests do not follow redirects (a redirect could carry a custom
// authentication header to another host). Every provider's base URL can be
// replaced through [Options.Endpoints] (leakguard.toml's [verify.endpoints]),
// for tests and proxies.
//
// # Results
//
// Each credential gets a [Result]: [Live] (the provider accepted it),
// [Invalid] (the provider rejected it as unknown, revoked or expired) or
// [Unknown] with a Detail saying why: no verifier for this kind of secret,
// a network error, a rate limit, an unexpected status. A Detail never holds
// the secret: it is made of fixed text, statuses and provider error codes
// reduced to a safe alphabet.
//
// # Limits
//
// At most [Options.Concurrency] requests are in flight. Each attempt has
// [Options.Timeout]; a transport error or a 5xx is retried twice (every
// verification call is a read), a 429 once when its Retry-After is short.
// Results are cached per value (a SHA-256 digest of it, in memory, for the
// life of the Checker): a secret found in a hundred places is checked once.
// Nothing is written to disk.
//
// # Pairs
//
// Some credentials work only in pairs: an AWS access key id with its secret
// access key, a Twilio API key SID with its secret. Credentials with the
// same [Credential.Group] (the command layer uses the file and commit) are
// paired; a half without its other half is [Unknown].
package verify

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/internal/retry"
	"github.com/leakguard/leakguard/secret"
)

// Validity is what the provider said about a credential.
type Validity string

// Validities.
const (
	// Live: the provider accepted the credential.
	Live Validity = "live"
	// Invalid: the provider rejected it (unknown, revoked or expired).
	Invalid Validity = "invalid"
	// Unknown: it could not be checked; Result.Detail says why.
	Unknown Validity = "unknown"
)

// Result is one credential's validity.
type Result struct {
	Validity Validity
	// Detail says how it was decided, or why it could not be; it never
	// holds the secret.
	Detail string
}

// Credential is a secret to check, with what is known about where it was
// found.
type Credential struct {
	// Rule is the id of the rule that found it ("github-pat",
	// "managed-key", "known-value", ...).
	Rule string
	// Provider is the finding's provider.
	Provider string
	// Value is the secret.
	Value secret.Value
	// Key is the managed key it was found as, if any; KeyProvider is that
	// key's provider and BaseURL its base_url (an Anthropic-compatible
	// gateway, for example).
	Key         string
	KeyProvider string
	BaseURL     string
	// Group ties credentials found together (the same file at the same
	// commit): halves of a pair are looked for in the same group.
	Group string
}

// Options configure a [Checker]. The zero value is usable.
type Options struct {
	// Endpoints replaces providers' base URLs, by provider id ("github":
	// "http://127.0.0.1:8080"). An unknown id is an error.
	Endpoints map[string]string
	// HTTP sends the requests; nil uses a client that never follows
	// redirects. A given client's CheckRedirect is replaced likewise.
	HTTP *http.Client
	// Timeout bounds each attempt (default 10s).
	Timeout time.Duration
	// Concurrency is how many requests may be in flight (default 4).
	Concurrency int
	// MaxRetryAfter is the longest Retry-After a 429 is waited out for
	// (default 5s); a longer one makes the result Unknown.
	MaxRetryAfter time.Duration
	// Sleep waits d or until ctx is done (tests replace it).
	Sleep func(ctx context.Context, d time.Duration) error
	// UserAgent is sent with every request (default "leakguard").
	UserAgent string
}

// Defaults for zero [Options].
const (
	DefaultTimeout       = 10 * time.Second
	DefaultConcurrency   = 4
	DefaultMaxRetryAfter = 5 * time.Second
)

// Checker verifies and revokes credentials. It is safe for concurrent use.
type Checker struct {
	h         *hc
	endpoints map[string]string
	sem       chan struct{}

	mu    sync.Mutex
	cache map[[32]byte]*entry
}

const hintEndpoints = "fix [verify.endpoints] (provider ids are listed in README.md, 'Verifying findings')"

type entry struct {
	once sync.Once
	res  Result
}

// New returns a Checker. It fails when an endpoint names an unknown
// provider or is not an http(s) URL: a usage error ([hint.Usagef]) saying
// how to fix [verify.endpoints].
func New(o Options) (*Checker, error) {
	eps := map[string]string{}
	for id, u := range o.Endpoints {
		if !knownEndpoint(id) {
			return nil, hint.Usagef(hintEndpoints, "verify.endpoints: unknown provider %q (known: %s)", id, strings.Join(EndpointIDs(), ", "))
		}
		pu, err := url.Parse(strings.ReplaceAll(u, "{ref}", "ref"))
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return nil, hint.Usagef(hintEndpoints, "verify.endpoints.%s: %q is not an http(s) URL", id, u)
		}
		eps[id] = strings.TrimRight(u, "/")
	}
	hcl := &http.Client{}
	if o.HTTP != nil {
		c := *o.HTTP
		hcl = &c
	}
	hcl.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	h := &hc{client: hcl, timeout: o.Timeout, maxRetryAfter: o.MaxRetryAfter, sleep: o.Sleep, ua: o.UserAgent}
	if h.timeout <= 0 {
		h.timeout = DefaultTimeout
	}
	if h.maxRetryAfter <= 0 {
		h.maxRetryAfter = DefaultMaxRetryAfter
	}
	if h.sleep == nil {
		h.sleep = retry.Sleep
	}
	if h.ua == "" {
		h.ua = "leakguard"
	}
	n := o.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	return &Checker{h: h, endpoints: eps, sem: make(chan struct{}, n), cache: map[[32]byte]*entry{}}, nil
}

// base returns the base URL for an endpoint id: the override, else def.
func (c *Checker) base(id, def string) string {
	if u, ok := c.endpoints[id]; ok {
		return u
	}
	return def
}

// Check verifies creds and returns one Result per credential, in order.
// It never returns an error: what could not be checked is [Unknown].
func (c *Checker) Check(ctx context.Context, creds []Credential) []Result {
	out := make([]Result, len(creds))
	groups, member := c.pairUp(creds)
	var wg sync.WaitGroup
	for _, g := range groups {
		wg.Add(1)
		go func() { defer wg.Done(); c.runPairs(ctx, g, creds) }()
	}
	for i := range creds {
		if member[i] != nil {
			continue
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out[i] = c.checkOne(ctx, creds[i])
		}(i)
	}
	wg.Wait()
	for i, g := range member {
		out[i] = g.result(i)
	}
	return out
}

// checkOne routes one credential and checks it once per run.
func (c *Checker) checkOne(ctx context.Context, cr Credential) Result {
	if cr.Value.IsZero() {
		return Result{Unknown, "empty value"}
	}
	rt := c.route(cr)
	if rt.chk == nil {
		return Result{Unknown, rt.reason}
	}
	return c.cached(cacheKey(rt.chk.id, rt.base, cr.Value.Reveal()), func() Result {
		return c.run(ctx, rt, cr.Value.Reveal())
	})
}

// cached runs f once per key for the life of the Checker.
func (c *Checker) cached(k [32]byte, f func() Result) Result {
	c.mu.Lock()
	e, ok := c.cache[k]
	if !ok {
		e = &entry{}
		c.cache[k] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.res = f() })
	return e.res
}

// forget drops a value's cached results (after a revocation).
func (c *Checker) forget(k [32]byte) {
	c.mu.Lock()
	delete(c.cache, k)
	c.mu.Unlock()
}

func cacheKey(parts ...string) [32]byte {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	var k [32]byte
	copy(k[:], h.Sum(nil))
	return k
}

// run calls a check under the concurrency limit and makes sure its detail
// never holds the secret.
func (c *Checker) run(ctx context.Context, rt route, v string) Result {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return Result{Unknown, "cancelled before it was checked"}
	}
	defer func() { <-c.sem }()
	title := rt.title
	if title == "" {
		title = rt.chk.prov.title
	}
	r := rt.chk.run(ctx, c.h, rt.base, title, v)
	r.Detail = scrub(r.Detail, v)
	return r
}

// route is where a credential goes.
type route struct {
	chk    *check
	base   string
	title  string // who is asked, when not the provider (a gateway)
	reason string // why there is no check
}

func (c *Checker) route(cr Credential) route {
	v := cr.Value.Reveal()
	// 1. The rule that found it names its kind exactly.
	if chk, ok := byRule()[cr.Rule]; ok && chk.accepts(v) {
		return route{chk: chk, base: c.base(chk.endpoint, chk.base)}
	}
	// 2. The provider: the managed key's, else the finding's. A value is
	// sent only when it has the provider's format (or the provider has
	// none), or to the key's own base_url.
	pid := cr.KeyProvider
	if pid == "" {
		pid = cr.Provider
	}
	p := providers()[pid]
	if p == nil {
		what := pid
		if what == "" || what == "generic" {
			what = "rule " + cr.Rule
		}
		return route{reason: "no verifier for " + what}
	}
	for _, chk := range p.checks {
		if chk.format != nil && chk.format.MatchString(v) {
			return route{chk: chk, base: c.base(chk.endpoint, chk.base)}
		}
	}
	if cr.Key == "" {
		// A provider's rule with no verifier of its own (a client
		// secret, a webhook signing secret...).
		return route{reason: "no verifier for rule " + cr.Rule + " (" + p.title + ")"}
	}
	// A managed key: its base_url names an Anthropic-compatible gateway;
	// a provider without a published format takes what the key holds.
	if cr.BaseURL != "" {
		for _, chk := range p.checks {
			if chk.gateway {
				if !validBase(cr.BaseURL) {
					return route{reason: "the key's base_url is not an http(s) URL"}
				}
				return route{chk: chk, base: strings.TrimRight(cr.BaseURL, "/"), title: gatewayTitle(cr.BaseURL)}
			}
		}
	}
	for _, chk := range p.checks {
		if chk.format == nil {
			return route{chk: chk, base: c.base(chk.endpoint, chk.base)}
		}
	}
	if len(p.checks) == 0 {
		return route{reason: "no verifier: " + p.noCheck}
	}
	reason := "not sent: " + cr.Key + " holds a value that is not in " + p.title + "'s key format"
	for _, chk := range p.checks {
		if chk.gateway {
			reason += "; if it belongs to a compatible gateway, set base_url on the key"
			break
		}
	}
	return route{reason: reason}
}

func validBase(u string) bool {
	pu, err := url.Parse(u)
	return err == nil && (pu.Scheme == "https" || pu.Scheme == "http") && pu.Host != ""
}

// scrub removes v, and any 8-character piece of it, from s: a detail
// must never hold the secret, whatever a provider echoed.
func scrub(s, v string) string {
	if v == "" || s == "" {
		return s
	}
	s = strings.ReplaceAll(s, v, "[REDACTED]")
	for i := 0; i+8 <= len(v); i++ {
		if strings.Contains(s, v[i:i+8]) {
			s = strings.ReplaceAll(s, v[i:i+8], "[REDACTED]")
		}
	}
	return s
}

// EndpointIDs lists the ids [Options.Endpoints] accepts, sorted.
func EndpointIDs() []string {
	seen := map[string]bool{}
	for _, p := range providers() {
		for _, chk := range p.checks {
			seen[chk.endpoint] = true
		}
		if p.rev != nil {
			seen[p.rev.endpoint] = true
		}
	}
	for _, pr := range pairChecks {
		seen[pr.endpoint] = true
	}
	var out []string
	for id := range seen {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func knownEndpoint(id string) bool {
	for _, e := range EndpointIDs() {
		if e == id {
			return true
		}
	}
	return false
}

// gatewayTitle names a key's base_url for people: a known gateway by
// name, else its host.
func gatewayTitle(base string) string {
	if g := gatewayFor(base); g != nil {
		return g.title
	}
	pu, _ := url.Parse(base)
	return "the key's base_url (" + pu.Host + ")"
}
