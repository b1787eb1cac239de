// Package remediate owns the playbook that runs after a leak: the
// incident ledger, flagging a key for regeneration at its provider,
// rotating it at its source of truth, syncing the new value to every
// target and verifying it there, and the audit issue on GitHub.
//
// # Contracts
//
// A [Target] is one place a managed key's value is kept (a Vercel
// project, Supabase secrets, a Postgres table, a dotenv or JSON file).
// Put writes a value; Verify reads back and reports whether the target
// holds exactly that value. Neither ever returns or logs the value: errors
// name the key and the target, never the secret.
//
// An [IssueTracker] keeps one audit issue per incident, found again by a
// hidden marker, so that re-running never opens a second one.
package remediate

import (
	"context"
	"errors"

	"github.com/leakguard/leakguard/secret"
)

// Target is a place a managed key's value is synced to.
type Target interface {
	// Name is the target's name in the config ([targets.NAME]).
	Name() string
	// Put writes value under key. It is idempotent: writing the value a
	// target already holds succeeds.
	Put(ctx context.Context, key string, value secret.Value) error
	// Verify reads the target back: nil when it holds value under key,
	// ErrMismatch when it holds another value, ErrMissing when it holds
	// none, another error when it could not be read.
	Verify(ctx context.Context, key string, value secret.Value) error
}

// Verification outcomes other than success.
var (
	ErrMismatch = errors.New("holds a different value")
	ErrMissing  = errors.New("does not hold the key")
)

// IssueTracker keeps the audit issue of each incident.
type IssueTracker interface {
	// Ensure finds the issue of incident id by its marker, or opens it
	// with title, body and labels. It returns the issue number and URL
	// and whether it was created now.
	Ensure(ctx context.Context, id, title, body string, labels []string) (number int, url string, created bool, err error)
	// Update replaces the issue body (the checklist).
	Update(ctx context.Context, number int, body string) error
	// Comment adds a comment.
	Comment(ctx context.Context, number int, body string) error
	// Close comments and closes the issue.
	Close(ctx context.Context, number int, comment string) error
}

// Marker is the hidden text that identifies an incident's issue.
func Marker(id string) string { return "<!-- leakguard:incident=" + id + " -->" }
