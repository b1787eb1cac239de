package remediate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/leakguard/leakguard/config"
	"github.com/leakguard/leakguard/remediate/filetarget"
	"github.com/leakguard/leakguard/remediate/httpx"
	"github.com/leakguard/leakguard/remediate/pgtarget"
	"github.com/leakguard/leakguard/remediate/supabase"
	"github.com/leakguard/leakguard/remediate/vercel"
	"github.com/leakguard/leakguard/secret"
)

// TargetTypes are the values of a target's type field.
var TargetTypes = []string{"vercel", "supabase-secrets", "postgres", "dotenv", "file"}

// Default variables for credentials, when token_env or dsn_env is not set.
const (
	DefaultVercelTokenEnv   = "VERCEL_TOKEN"
	DefaultSupabaseTokenEnv = "SUPABASE_ACCESS_TOKEN"
	DefaultPostgresDSNEnv   = "DATABASE_URL"
)

// Verification says how a target confirmed a value.
type Verification struct {
	// PresenceOnly is true when the target cannot give the value back
	// (Vercel's sensitive variables), so only the key's presence was
	// checked.
	PresenceOnly bool
	// Reason says why, e.g. "sensitive values cannot be read back".
	Reason string
}

// String is the status for the sync table: "verified", or
// "verified (presence: sensitive values cannot be read back)".
func (v Verification) String() string {
	if v.PresenceOnly {
		return "verified (presence: " + v.Reason + ")"
	}
	return "verified"
}

// DetailedVerifier is a [Target] that can say how it verified.
type DetailedVerifier interface {
	VerifyDetail(ctx context.Context, key string, value secret.Value) (Verification, error)
}

// VerifyDetail verifies key on t and says how: targets that are not a
// [DetailedVerifier] always compare the value itself.
func VerifyDetail(ctx context.Context, t Target, key string, value secret.Value) (Verification, error) {
	if d, ok := t.(DetailedVerifier); ok {
		return d.VerifyDetail(ctx, key, value)
	}
	return Verification{}, t.Verify(ctx, key, value)
}

// NoteOf returns t's note, or "".
func NoteOf(t Target) string {
	if n, ok := t.(Noter); ok {
		return n.Note()
	}
	return ""
}

// NewTarget builds the target called name from its config. getenv reads
// the token and DSN variables (nil: os.Getenv) when the target is used, so
// a missing variable is reported by Put or Verify; hc sends HTTP requests
// (nil: a default client). Every target it returns maps its verification
// failures onto [ErrMismatch] and [ErrMissing], and is a
// [DetailedVerifier] and a [Noter]. Its Note covers the target's standing
// note (Vercel: new deployments only) and, when its latest verification
// could only check presence, says so ("verified by presence only:
// sensitive values cannot be read back"); VerifyDetail gives the same per
// call.
func NewTarget(name string, t config.Target, getenv func(string) string, hc *http.Client) (Target, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	fail := func(err error) error {
		return fmt.Errorf("target %s (type %s): %w", name, t.Type, err)
	}
	switch t.Type {
	case "vercel":
		c := newClient(t.APIURL, vercel.DefaultAPIURL, httpx.TokenFromEnv(getenv, or(t.TokenEnv, DefaultVercelTokenEnv)), hc)
		v, err := vercel.New(vercel.Config{
			Name: name, Project: t.Project, TeamID: t.TeamID,
			Environments: t.Environments, Sensitive: t.Sensitive, KeyName: t.Name,
		}, c)
		if err != nil {
			return nil, fail(err)
		}
		detail := func(ctx context.Context, key string, value secret.Value) (Verification, error) {
			r, err := v.VerifyResult(ctx, key, value)
			return Verification{PresenceOnly: r.PresenceOnly, Reason: r.Reason}, err
		}
		return &adapted{inner: v, mismatch: vercel.ErrMismatch, missing: vercel.ErrMissing, detail: detail, note: v.Note()}, nil
	case "supabase-secrets":
		c := newClient(t.APIURL, supabase.DefaultAPIURL, httpx.TokenFromEnv(getenv, or(t.TokenEnv, DefaultSupabaseTokenEnv)), hc)
		c.BaseDelay = httpx.DefaultBaseDelay * 2 // 60 requests a minute
		s, err := supabase.New(supabase.Config{Name: name, ProjectRef: t.ProjectRef, KeyName: t.Name}, c)
		if err != nil {
			return nil, fail(err)
		}
		return &adapted{inner: s, mismatch: supabase.ErrMismatch, missing: supabase.ErrMissing}, nil
	case "postgres":
		env := or(t.DSNEnv, DefaultPostgresDSNEnv)
		dsn := func() (string, error) {
			v := strings.TrimSpace(getenv(env))
			if v == "" {
				return "", fmt.Errorf("%s is not set; hint: export %s with a postgres:// connection string", env, env)
			}
			return v, nil
		}
		p, err := pgtarget.New(pgtarget.Config{
			Name: name, DSN: dsn, Table: t.Table,
			Environment: t.Environment, ProjectID: t.ProjectID, KeyName: t.Name,
		})
		if err != nil {
			return nil, fail(err)
		}
		return &adapted{inner: p, mismatch: pgtarget.ErrMismatch, missing: pgtarget.ErrMissing}, nil
	case "dotenv", "file":
		f, err := filetarget.New(filetarget.Config{Name: name, Kind: t.Type, Path: t.Path, Pointer: t.Pointer, KeyName: t.Name})
		if err != nil {
			return nil, fail(err)
		}
		return &adapted{inner: f, mismatch: filetarget.ErrMismatch, missing: filetarget.ErrMissing}, nil
	case "":
		return nil, fmt.Errorf("target %s: type is not set (one of %s)", name, strings.Join(TargetTypes, ", "))
	}
	return nil, fmt.Errorf("target %s: unknown type %q (one of %s)", name, t.Type, strings.Join(TargetTypes, ", "))
}

func or(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

func newClient(apiURL, def string, token func() (string, error), hc *http.Client) *httpx.Client {
	return &httpx.Client{
		BaseURL:   or(apiURL, def),
		HTTP:      hc,
		Token:     token,
		UserAgent: "leakguard",
	}
}

// Compile-time checks: the adapters' inner targets are Targets.
var (
	_ Target           = (*vercel.Target)(nil)
	_ Target           = (*supabase.Target)(nil)
	_ Target           = (*pgtarget.Target)(nil)
	_ Target           = (*filetarget.Target)(nil)
	_ DetailedVerifier = (*adapted)(nil)
	_ Noter            = (*adapted)(nil)
)

// adapted wraps a target of a subpackage (which cannot import this
// package) and maps its verification errors onto ErrMismatch and
// ErrMissing.
type adapted struct {
	inner             Target
	mismatch, missing error
	detail            func(ctx context.Context, key string, value secret.Value) (Verification, error)
	note              string

	mu   sync.Mutex
	last Verification // of the latest successful verification
}

func (a *adapted) Name() string { return a.inner.Name() }

// Unwrap returns the subpackage's target.
func (a *adapted) Unwrap() Target { return a.inner }

// Note is the standing note, preceded by the presence-only outcome of the
// latest verification when there was one.
func (a *adapted) Note() string {
	a.mu.Lock()
	last := a.last
	a.mu.Unlock()
	var parts []string
	if last.PresenceOnly {
		parts = append(parts, "verified by presence only: "+last.Reason)
	}
	if a.note != "" {
		parts = append(parts, a.note)
	}
	return strings.Join(parts, "; ")
}

func (a *adapted) Put(ctx context.Context, key string, value secret.Value) error {
	return a.inner.Put(ctx, key, value)
}

func (a *adapted) Verify(ctx context.Context, key string, value secret.Value) error {
	_, err := a.VerifyDetail(ctx, key, value)
	return err
}

func (a *adapted) VerifyDetail(ctx context.Context, key string, value secret.Value) (Verification, error) {
	var v Verification
	var err error
	if a.detail != nil {
		v, err = a.detail(ctx, key, value)
	} else {
		err = a.inner.Verify(ctx, key, value)
	}
	a.mu.Lock()
	a.last = v
	a.mu.Unlock()
	switch {
	case err == nil:
		return v, nil
	case errors.Is(err, a.mismatch):
		return Verification{}, &verifyError{err: err, kind: ErrMismatch}
	case errors.Is(err, a.missing):
		return Verification{}, &verifyError{err: err, kind: ErrMissing}
	}
	return Verification{}, err
}

// verifyError keeps a target's message and adds the outcome to its chain.
type verifyError struct{ err, kind error }

func (e *verifyError) Error() string   { return e.err.Error() }
func (e *verifyError) Unwrap() []error { return []error{e.err, e.kind} }
