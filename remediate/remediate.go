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
	"strings"

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
	// ErrNotReadable: the target holds the key, but cannot give its value
	// back to compare (see [Verification.PresenceOnly]).
	ErrNotReadable = errors.New("present (value not readable)")
)

// IssueTracker keeps the audit issue of each incident.
type IssueTracker interface {
	// Ensure finds the issue of incident id by its marker, or opens it
	// with title, body and labels. It returns the issue number and URL
	// and whether it was created now.
	Ensure(ctx context.Context, id, title, body string, labels []string) (number int, url string, created bool, err error)
	// Update replaces the issue body (the checklist).
	Update(ctx context.Context, number int, body string) error
	// Comment adds a comment. A comment that carries an [EventMarker]
	// is posted at most once: after an unknown outcome the issue's
	// comments are read before it is posted again.
	Comment(ctx context.Context, number int, body string) error
	// HasComment reports whether issue number has a comment holding
	// marker (a progress comment whose post was not confirmed).
	HasComment(ctx context.Context, number int, marker string) (bool, error)
	// Close comments and closes the issue.
	Close(ctx context.Context, number int, comment string) error
	// List returns leakguard's audit issues (those it may adopt), for
	// rebuilding a lost ledger.
	List(ctx context.Context) ([]IssueInfo, error)
}

// IssueInfo is an audit issue found by its marker.
type IssueInfo struct {
	ID     string // the incident id in the marker
	Number int
	URL    string
	Title  string
	Closed bool
}

// Marker is the hidden text that identifies an incident's issue.
func Marker(id string) string { return "<!-- leakguard:incident=" + id + " -->" }

// MarkerID returns the incident id of the first marker in body, or "".
func MarkerID(body string) string {
	const pre = "<!-- leakguard:incident="
	i := strings.Index(body, pre)
	if i < 0 {
		return ""
	}
	rest := body[i+len(pre):]
	j := strings.Index(rest, " -->")
	if j <= 0 {
		return ""
	}
	return rest[:j]
}

// EventMarker is the hidden text that identifies a progress comment.
func EventMarker(event string) string { return "<!-- leakguard:event=" + event + " -->" }
