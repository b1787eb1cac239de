// Package retry is the one backoff of leakguard's HTTP clients (the
// provider APIs of remediate/httpx and GitHub's issues in
// remediate/ghissue): exponential delays with jitter, Retry-After, and a
// sleep that a context cancels.
package retry

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Exp is the exponential delay of attempt n (1, 2, …): base·2^(n-1),
// capped at max.
func Exp(attempt int, base, max time.Duration) time.Duration {
	d := max
	if attempt >= 1 && attempt < 32 {
		if e := base << (attempt - 1); e > 0 && e < max {
			d = e
		}
	}
	return d
}

// FullJitter is a random duration in [0, d).
func FullJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// EqualJitter is a random duration in [d/2, d].
func EqualJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}

// RetryAfter reads a Retry-After header: seconds, or an HTTP date
// (relative to now). ok is false when there is none.
func RetryAfter(h http.Header, now time.Time) (d time.Duration, ok bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// Sleep waits d or until ctx is done.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
