// Package vercel syncs a managed key to a Vercel project's environment
// variables through the REST API.
//
// # API subset
//
//	GET   /v10/projects/{idOrName}/env[?decrypt=true]   list      → {envs:[…]}
//	POST  /v10/projects/{idOrName}/env?upsert=true      create or update
//	PATCH /v9/projects/{idOrName}/env/{id}              edit one variable
//
// Every call carries ?teamId= when the target names a team.
//
// # Writing
//
// A target manages a set of environments (production, preview,
// development; all three by default). With sensitive = true the value is
// written as type "sensitive" everywhere but development, where Vercel
// does not allow it, and as "encrypted" there; otherwise as "encrypted".
// An existing variable with the same key whose environments match is
// updated by the upsert. One whose environments differ is edited in place:
// narrowed to the environments this target does not manage (they keep
// their value), or given the new value and type for the managed ones it
// covers. Environments no variable covers get a new one. Branch-specific
// preview variables (gitBranch) are left alone.
//
// New values apply to new deployments only: see [Target.Note].
//
// # Verifying
//
// Sensitive values cannot be read back, and the API may not return a
// decrypted value. Then Verify checks only that a variable with the key
// exists for each managed environment: [Target.VerifyResult] says so with
// [Result.PresenceOnly].
package vercel

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/remediate/httpx"
	"github.com/leakguard/leakguard/secret"
)

// DefaultAPIURL is Vercel's API root.
const DefaultAPIURL = "https://api.vercel.com"

// Environments are Vercel's standard environments, in order.
var Environments = []string{"production", "preview", "development"}

// Config configures a [Target].
type Config struct {
	// Name is the target's name in the config.
	Name string
	// Project is the project id or name.
	Project string
	// TeamID is sent as ?teamId= when set.
	TeamID string
	// Environments to manage (default: all three).
	Environments []string
	// Sensitive writes sensitive variables (not in development).
	Sensitive bool
	// KeyName, when set, is the variable name written instead of the
	// managed key's name.
	KeyName string
}

// Target is a Vercel project's environment variables.
type Target struct {
	cfg    Config
	envs   []string
	client *httpx.Client

	mu   sync.Mutex
	last remediate.Verification // of the latest successful verification
}

var (
	_ remediate.Target           = (*Target)(nil)
	_ remediate.DetailedVerifier = (*Target)(nil)
	_ remediate.Noter            = (*Target)(nil)
)

// New returns a target that talks to the API through client (an empty
// BaseURL is [DefaultAPIURL]).
func New(cfg Config, client *httpx.Client) (*Target, error) {
	if strings.TrimSpace(cfg.Project) == "" {
		return nil, errors.New("project is not set (the Vercel project id or name)")
	}
	envs := Environments
	if len(cfg.Environments) > 0 {
		envs = nil
		for _, e := range cfg.Environments {
			e = strings.ToLower(strings.TrimSpace(e))
			if !slices.Contains(Environments, e) {
				return nil, fmt.Errorf("environments: %q is not one of %s", e, strings.Join(Environments, ", "))
			}
			if !slices.Contains(envs, e) {
				envs = append(envs, e)
			}
		}
	}
	if client.BaseURL == "" {
		c := *client
		c.BaseURL = DefaultAPIURL
		client = &c
	}
	return &Target{cfg: cfg, envs: envs, client: client}, nil
}

// Name is the target's name in the config.
func (t *Target) Name() string { return t.cfg.Name }

// Note is what the caller should tell the user after a write: that new
// values apply to new deployments only, preceded by the presence-only
// outcome of the latest verification when there was one.
func (t *Target) Note() string {
	t.mu.Lock()
	last := t.last
	t.mu.Unlock()
	note := fmt.Sprintf("vercel applies new values to new deployments only: redeploy project %s", t.cfg.Project)
	if last.PresenceOnly {
		note = "verified by presence only: " + last.Reason + "; " + note
	}
	return note
}

func (t *Target) keyName(key string) string {
	if t.cfg.KeyName != "" {
		return t.cfg.KeyName
	}
	return key
}

// envVar is one item of the list endpoint.
type envVar struct {
	ID        string  `json:"id"`
	Key       string  `json:"key"`
	Value     string  `json:"value"`
	Type      string  `json:"type"`
	Target    targets `json:"target"`
	GitBranch string  `json:"gitBranch"`
	Decrypted bool    `json:"decrypted"`
}

// targets accepts both ["production"] and "production".
type targets []string

func (ts *targets) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*ts = targets{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*ts = many
	return nil
}

// group is a set of managed environments written with one type.
type group struct {
	typ  string
	envs []string
}

func (t *Target) groups() []group {
	if !t.cfg.Sensitive {
		return []group{{"encrypted", t.envs}}
	}
	var gs []group
	var sens []string
	for _, e := range t.envs {
		if e != "development" {
			sens = append(sens, e)
		}
	}
	if len(sens) > 0 {
		gs = append(gs, group{"sensitive", sens})
	}
	if slices.Contains(t.envs, "development") {
		gs = append(gs, group{"encrypted", []string{"development"}})
	}
	return gs
}

func (t *Target) query(extra ...string) url.Values {
	q := url.Values{}
	if t.cfg.TeamID != "" {
		q.Set("teamId", t.cfg.TeamID)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return q
}

func (t *Target) projectPath(v string) string {
	return "/" + v + "/projects/" + url.PathEscape(t.cfg.Project) + "/env"
}

func (t *Target) list(ctx context.Context, decrypt bool, scrub []string) ([]envVar, error) {
	var q url.Values
	if decrypt {
		q = t.query("decrypt", "true")
	} else {
		q = t.query()
	}
	var out struct {
		Envs []envVar `json:"envs"`
	}
	if _, err := t.client.Do(ctx, httpx.Request{Method: http.MethodGet, Path: t.projectPath("v10"), Query: q, Scrub: scrub}, &out); err != nil {
		return nil, err
	}
	return out.Envs, nil
}

func (t *Target) fail(op, name string, err error) error {
	return fmt.Errorf("vercel project %s: %s %s: %w", t.cfg.Project, op, name, err)
}

// Put writes value under key in every managed environment.
func (t *Target) Put(ctx context.Context, key string, value secret.Value) error {
	name := t.keyName(key)
	err := t.put(ctx, name, value, false)
	if err != nil && isExists(err) {
		// The upsert did not cover an existing variable (its environments
		// or type differ in a way the API does not merge): edit every
		// variable of the key in place and create only what is left.
		err = t.put(ctx, name, value, true)
	}
	if err != nil {
		return t.fail("put", name, err)
	}
	return nil
}

func isExists(err error) bool {
	c := httpx.CodeOf(err)
	return c == "ENV_ALREADY_EXISTS" || c == "ENV_CONFLICT"
}

type patchBody struct {
	Value  *string  `json:"value,omitempty"`
	Type   string   `json:"type,omitempty"`
	Target []string `json:"target,omitempty"`
}

type createBody struct {
	Key    string   `json:"key"`
	Value  string   `json:"value"`
	Type   string   `json:"type"`
	Target []string `json:"target"`
}

func (t *Target) put(ctx context.Context, name string, value secret.Value, patchAll bool) error {
	scrub := []string{value.Reveal()}
	existing, err := t.list(ctx, false, scrub)
	if err != nil {
		return err
	}
	gs := t.groups()
	groupOf := func(env string) *group {
		for i := range gs {
			if slices.Contains(gs[i].envs, env) {
				return &gs[i]
			}
		}
		return nil
	}
	covered := map[string]bool{}
	patch := func(e envVar, body patchBody) error {
		path := "/v9/projects/" + url.PathEscape(t.cfg.Project) + "/env/" + url.PathEscape(e.ID)
		_, err := t.client.Do(ctx, httpx.Request{Method: http.MethodPatch, Path: path, Query: t.query(), Body: body, Scrub: scrub}, nil)
		return err
	}
	for _, e := range existing {
		if e.Key != name || e.GitBranch != "" || e.ID == "" {
			continue
		}
		var in, out []string
		for _, env := range e.Target {
			if slices.Contains(t.envs, env) {
				in = append(in, env)
			} else {
				out = append(out, env)
			}
		}
		if len(in) == 0 {
			continue
		}
		if len(out) > 0 {
			// The variable also serves environments this target does not
			// manage: leave it there only, and write ours afresh below.
			if err := patch(e, patchBody{Target: out}); err != nil {
				return err
			}
			continue
		}
		g := groupOf(in[0])
		var part []string
		for _, env := range in {
			if slices.Contains(g.envs, env) && !covered[env] {
				part = append(part, env)
			}
		}
		if len(part) == 0 {
			continue
		}
		exact := len(part) == len(in) && len(in) == len(g.envs) && e.Type == g.typ
		if exact && !patchAll {
			continue // the upsert below updates it
		}
		v := value.Reveal()
		if err := patch(e, patchBody{Value: &v, Type: g.typ, Target: part}); err != nil {
			return err
		}
		for _, env := range part {
			covered[env] = true
		}
	}
	var create []createBody
	for _, g := range gs {
		var rest []string
		for _, env := range g.envs {
			if !covered[env] {
				rest = append(rest, env)
			}
		}
		if len(rest) > 0 {
			create = append(create, createBody{Key: name, Value: value.Reveal(), Type: g.typ, Target: rest})
		}
	}
	if len(create) == 0 {
		return nil
	}
	var body any = create
	if len(create) == 1 {
		body = create[0]
	}
	_, err = t.client.Do(ctx, httpx.Request{Method: http.MethodPost, Path: t.projectPath("v10"), Query: t.query("upsert", "true"), Body: body, Scrub: scrub}, nil)
	return err
}

// Verify reports whether every managed environment holds value under key.
// It returns nil also when only presence could be checked: use
// [Target.VerifyDetail] to tell the two apart.
func (t *Target) Verify(ctx context.Context, key string, value secret.Value) error {
	_, err := t.VerifyDetail(ctx, key, value)
	return err
}

// VerifyDetail is Verify that also says whether the value itself was
// compared or only the variable's presence.
func (t *Target) VerifyDetail(ctx context.Context, key string, value secret.Value) (remediate.Verification, error) {
	v, err := t.verify(ctx, key, value)
	t.mu.Lock()
	t.last = v
	t.mu.Unlock()
	return v, err
}

func (t *Target) verify(ctx context.Context, key string, value secret.Value) (remediate.Verification, error) {
	name := t.keyName(key)
	all, err := t.list(ctx, true, []string{value.Reveal()})
	if err != nil {
		return remediate.Verification{}, t.fail("verify", name, err)
	}
	var missing, mismatch []string
	sensitive, unreadable := false, false
	for _, env := range t.envs {
		var found *envVar
		for i, e := range all {
			if e.Key == name && e.GitBranch == "" && slices.Contains(e.Target, env) {
				found = &all[i]
				break
			}
		}
		switch {
		case found == nil:
			missing = append(missing, env)
		case found.Type == "sensitive":
			sensitive = true
		case found.Decrypted || found.Type == "plain":
			if subtle.ConstantTimeCompare([]byte(found.Value), []byte(value.Reveal())) != 1 {
				mismatch = append(mismatch, env)
			}
		default:
			unreadable = true
		}
	}
	switch {
	case len(mismatch) > 0:
		return remediate.Verification{}, t.fail("verify", name, fmt.Errorf("%w in %s", remediate.ErrMismatch, strings.Join(mismatch, ", ")))
	case len(missing) > 0:
		return remediate.Verification{}, t.fail("verify", name, fmt.Errorf("%w in %s", remediate.ErrMissing, strings.Join(missing, ", ")))
	case sensitive:
		return remediate.Verification{PresenceOnly: true, Reason: "sensitive values cannot be read back"}, nil
	case unreadable:
		return remediate.Verification{PresenceOnly: true, Reason: "the API returned no decrypted value"}, nil
	}
	return remediate.Verification{}, nil
}

var _ remediate.Identifier = (*Target)(nil)

// Identity is the API, team, project, environments and variable name:
// a sync record made at another project never counts for this one.
func (t *Target) Identity() string {
	return fmt.Sprintf("vercel:%s/%s/%s[%s]#%s", t.client.BaseURL, t.cfg.TeamID, t.cfg.Project, strings.Join(t.envs, ","), t.cfg.KeyName)
}
