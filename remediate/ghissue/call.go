package ghissue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/internal/retry"
)

// # Calls, retries and rate limits (see the package doc)

// client returns a fresh go-github client for one attempt.
func (t *Tracker) client() *github.Client {
	c := github.NewClient(t.hc).WithAuthToken(t.token)
	u := *t.baseURL
	c.BaseURL = &u
	c.UserAgent = "leakguard"
	return c
}

func (t *Tracker) maxRetries() int {
	if t.MaxRetries < 0 {
		return 0
	}
	return t.MaxRetries
}

// unknownOutcome marks a failed request that GitHub may have carried out.
type unknownOutcome struct{ msg string }

func (e *unknownOutcome) Error() string { return e.msg }

// call runs fn, retrying rate limits always and transient failures (5xx,
// network, undecodable replies) when idempotent. Errors are scrubbed and
// say what was being done.
func (t *Tracker) call(ctx context.Context, op string, idempotent bool, fn func(context.Context, *github.Client) (*github.Response, error)) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("ghissue: %s: %w", op, err)
		}
		resp, err := fn(ctx, t.client())
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("ghissue: %s: %w", op, ctx.Err())
		}
		wait, kind := t.classify(resp, err, attempt)
		msg := t.scrub(err.Error())
		switch {
		case kind == permanent:
			return hint.Errorf(hintFor(resp), "ghissue: %s in %s: %s", op, t.Repo(), msg)
		case kind == limited && wait > t.maxWait():
			return hint.Errorf("retry later, or use a token with a higher limit", "ghissue: %s in %s: %w for %s (more than %s)", op, t.Repo(), ErrRateLimited, wait.Round(time.Second), t.maxWait())
		case attempt >= t.maxRetries():
			if kind == limited {
				return hint.Errorf("retry later", "ghissue: %s in %s: %w after %d retries", op, t.Repo(), ErrRateLimited, attempt)
			}
			if !idempotent {
				return &unknownOutcome{fmt.Sprintf("ghissue: %s in %s: %s (after %d retries)", op, t.Repo(), msg, attempt)}
			}
			return hint.Errorf("check https://www.githubstatus.com and retry", "ghissue: %s in %s: %s (after %d retries)", op, t.Repo(), msg, attempt)
		case kind == transient && !idempotent:
			return &unknownOutcome{fmt.Sprintf("ghissue: %s in %s: %s", op, t.Repo(), msg)}
		}
		if err := t.sleep(ctx, wait); err != nil {
			return fmt.Errorf("ghissue: %s: %w", op, err)
		}
	}
}

func hintFor(resp *github.Response) string {
	if resp == nil || resp.Response == nil {
		return ""
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return "the token is invalid or expired"
	case http.StatusForbidden, http.StatusNotFound:
		return "check github.repo and that the token may read and write its issues"
	case http.StatusGone:
		return "issues are disabled in this repository"
	}
	return ""
}

type errKind int

const (
	permanent errKind = iota
	transient         // may have been carried out; backoff
	limited           // rejected by a rate limit; wait
)

// classify says whether err is worth retrying and after how long.
func (t *Tracker) classify(resp *github.Response, err error, attempt int) (time.Duration, errKind) {
	var rl *github.RateLimitError
	if errors.As(err, &rl) {
		reset := rl.Rate.Reset.Time
		if reset.IsZero() {
			return time.Minute, limited
		}
		wait := reset.Sub(t.now()) + time.Second // the reset second itself
		if wait < time.Second {
			wait = time.Second
		}
		return wait, limited
	}
	var ab *github.AbuseRateLimitError
	if errors.As(err, &ab) {
		if ab.RetryAfter != nil && *ab.RetryAfter > 0 {
			return *ab.RetryAfter, limited
		}
		return time.Minute, limited // GitHub: wait at least a minute
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		switch c := er.Response.StatusCode; {
		case c == http.StatusTooManyRequests:
			return retryAfter(er.Response.Header, t.now()), limited
		case c >= 500:
			return t.backoff(attempt), transient
		}
		return 0, permanent
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var ne net.Error
	switch {
	case errors.As(err, &syn), errors.As(err, &typ),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.As(err, &ne):
		return t.backoff(attempt), transient
	}
	return 0, permanent
}

// retryAfter reads Retry-After (seconds) or X-RateLimit-Reset (epoch).
func retryAfter(h http.Header, now time.Time) time.Duration {
	if d, ok := retry.RetryAfter(h, now); ok && d > 0 {
		return d
	}
	if e, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-RateLimit-Reset")), 10, 64); err == nil {
		if d := time.Unix(e, 0).Sub(now) + time.Second; d > 0 {
			return d
		}
	}
	return time.Minute
}

// backoff is 1s, 2s, 4s … capped at 30s, with jitter in [d/2, d].
func (t *Tracker) backoff(attempt int) time.Duration {
	return retry.EqualJitter(retry.Exp(attempt+1, time.Second, 30*time.Second))
}

func (t *Tracker) maxWait() time.Duration {
	if t.MaxWait <= 0 {
		return 2 * time.Minute
	}
	return t.MaxWait
}

func (t *Tracker) sleep(ctx context.Context, d time.Duration) error {
	if t.Sleep == nil {
		return retry.Sleep(ctx, d)
	}
	return t.Sleep(ctx, d)
}

func (t *Tracker) now() time.Time {
	if t.Now == nil {
		return time.Now()
	}
	return t.Now()
}
