// Package supabase syncs a managed key to a Supabase project's Edge
// Function secrets through the Management API.
//
// # API subset
//
//	GET  /v1/projects/{ref}/secrets   → [{name, value}], value = SHA-256 hex of the secret
//	POST /v1/projects/{ref}/secrets   [{name, value}] → 201 (creates or overwrites)
//
// Verify compares the digest the API returns with the digest of the value,
// so the secret is never read back. Names starting with SUPABASE_ are
// reserved and refused before any call. The API allows 60 requests a
// minute; 429 responses are retried by [httpx.Client], honouring
// Retry-After.
package supabase

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/remediate/httpx"
	"github.com/leakguard/leakguard/secret"
)

// DefaultAPIURL is the Management API root.
const DefaultAPIURL = "https://api.supabase.com"

var _ remediate.Target = (*Target)(nil)

// Config configures a [Target].
type Config struct {
	// Name is the target's name in the config.
	Name string
	// ProjectRef is the project reference (the subdomain of its URL).
	ProjectRef string
	// KeyName, when set, is the secret name written instead of the
	// managed key's name.
	KeyName string
}

// Target is a Supabase project's secrets.
type Target struct {
	cfg    Config
	client *httpx.Client
}

// BaseDelay is the backoff's base delay when the client sets none: twice
// httpx's, as the Management API allows 60 requests a minute.
const BaseDelay = httpx.DefaultBaseDelay * 2

// New returns a target that talks to the API through client (an empty
// BaseURL is [DefaultAPIURL]; a zero BaseDelay is [BaseDelay]).
func New(cfg Config, client *httpx.Client) (*Target, error) {
	if strings.TrimSpace(cfg.ProjectRef) == "" {
		return nil, errors.New("project_ref is not set (the Supabase project reference)")
	}
	if cfg.KeyName != "" {
		if err := checkName(cfg.KeyName); err != nil {
			return nil, err
		}
	}
	if client.BaseURL == "" || client.BaseDelay == 0 {
		c := *client
		c.BaseURL = cmp.Or(c.BaseURL, DefaultAPIURL)
		c.BaseDelay = cmp.Or(c.BaseDelay, BaseDelay)
		client = &c
	}
	return &Target{cfg: cfg, client: client}, nil
}

// Name is the target's name in the config.
func (t *Target) Name() string { return t.cfg.Name }

func (t *Target) keyName(key string) string {
	if t.cfg.KeyName != "" {
		return t.cfg.KeyName
	}
	return key
}

func checkName(name string) error {
	if strings.HasPrefix(strings.ToUpper(name), "SUPABASE_") {
		return hint.Errorf(`set name = "..." in the target to write it under another name`, "secret name %s starts with SUPABASE_, which Supabase reserves", name)
	}
	if name == "" {
		return errors.New("empty secret name")
	}
	return nil
}

func (t *Target) path() string {
	return "/v1/projects/" + url.PathEscape(t.cfg.ProjectRef) + "/secrets"
}

func (t *Target) fail(op, name string, err error) error {
	return fmt.Errorf("supabase project %s: %s %s: %w", t.cfg.ProjectRef, op, name, err)
}

type item struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Put writes value as the secret key (overwriting it).
func (t *Target) Put(ctx context.Context, key string, value secret.Value) error {
	name := t.keyName(key)
	if err := checkName(name); err != nil {
		return t.fail("put", name, err)
	}
	body := []item{{Name: name, Value: value.Reveal()}}
	_, err := t.client.Do(ctx, httpx.Request{
		Method: http.MethodPost, Path: t.path(), Body: body,
		Scrub: []string{value.Reveal()},
		OK:    []int{http.StatusOK, http.StatusCreated, http.StatusNoContent},
	}, nil)
	if err != nil {
		return t.fail("put", name, err)
	}
	return nil
}

// Verify compares the digest the API lists for key with value's digest.
func (t *Target) Verify(ctx context.Context, key string, value secret.Value) error {
	name := t.keyName(key)
	var list []item
	if _, err := t.client.Do(ctx, httpx.Request{Method: http.MethodGet, Path: t.path(), Scrub: []string{value.Reveal()}}, &list); err != nil {
		return t.fail("verify", name, err)
	}
	sum := sha256.Sum256([]byte(value.Reveal()))
	want := hex.EncodeToString(sum[:])
	for _, it := range list {
		if it.Name != name {
			continue
		}
		got := strings.ToLower(strings.TrimSpace(it.Value))
		if len(got) != sha256.Size*2 || strings.Trim(got, "0123456789abcdef") != "" {
			// Never quote it: an API that returned the secret itself
			// must not put it in an error.
			return t.fail("verify", name, errors.New("the API did not return a SHA-256 digest for the secret"))
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			return t.fail("verify", name, remediate.ErrMismatch)
		}
		return nil
	}
	return t.fail("verify", name, remediate.ErrMissing)
}

var _ remediate.Identifier = (*Target)(nil)

// Identity is the API, project reference and secret name.
func (t *Target) Identity() string {
	return "supabase:" + t.client.BaseURL + "/" + t.cfg.ProjectRef + "#" + t.cfg.KeyName
}
