package verify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/leakguard/leakguard/internal/retry"
)

// hc sends requests for checks and revocations.
type hc struct {
	client        *http.Client
	timeout       time.Duration
	maxRetryAfter time.Duration
	sleep         func(ctx context.Context, d time.Duration) error
	ua            string
}

// request is one call. Its URL may hold the secret (Telegram puts the
// token in the path): it never appears in a detail or an error.
type request struct {
	method string
	url    string
	header http.Header
	body   []byte
	// noRetry: the call has an effect that must not be repeated blindly.
	noRetry bool
}

// response is what came back; body is capped at 1 MiB.
type response struct {
	status int
	header http.Header
	body   []byte
}

// maxAttempts is the number of tries for a transport error or a 5xx.
const maxAttempts = 3

// send makes r, retrying transport errors and 5xx (unless noRetry) with a
// short backoff, and a 429 once when its Retry-After is at most
// maxRetryAfter. The returned error is safe to show: it holds neither the
// URL nor the request.
func (h *hc) send(ctx context.Context, r request) (*response, error) {
	var last *response
	var lastErr error
	retried429 := false
	for attempt := 1; ; attempt++ {
		resp, err := h.attempt(ctx, r)
		if ctx.Err() != nil {
			return nil, errors.New("cancelled")
		}
		last, lastErr = resp, err
		var wait time.Duration
		switch {
		case err != nil || resp.status >= 500:
			if r.noRetry || attempt >= maxAttempts {
				return last, lastErr
			}
			wait = time.Duration(attempt*attempt) * 250 * time.Millisecond
		case resp.status == http.StatusTooManyRequests:
			d, ok := retry.RetryAfter(resp.header, time.Now())
			if retried429 || !ok || d > h.maxRetryAfter {
				return last, nil
			}
			retried429 = true
			wait = d
		default:
			return resp, nil
		}
		if err := h.sleep(ctx, wait); err != nil {
			return nil, errors.New("cancelled")
		}
	}
}

func (h *hc) attempt(ctx context.Context, r request) (*response, error) {
	actx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(actx, r.method, r.url, body)
	if err != nil {
		return nil, errors.New("bad request URL")
	}
	for k, vs := range r.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", h.ua)
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, netErr(err, actx)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, netErr(err, actx)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// netErr describes a transport error without the URL (a *url.Error's
// text holds the whole URL, and a URL may hold a token).
func netErr(err error, ctx context.Context) error {
	if ctx.Err() == context.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded) {
		return errors.New("timed out")
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return errors.New("timed out")
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return fmt.Errorf("%s failed", oe.Op)
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		return errors.New("host not found")
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errors.New("connection closed before the reply")
	}
	return errors.New("request failed")
}

// common turns what every provider shares into a Result: a transport
// error, a redirect, a rate limit, a server error. ok is false when the
// status is the check's to interpret.
func common(title, what string, r *response, err error) (Result, bool) {
	switch {
	case err != nil:
		return Result{Unknown, fmt.Sprintf("network error asking %s (%s): %v", title, what, err)}, true
	case r.status == http.StatusTooManyRequests:
		d := ""
		if ra, ok := retry.RetryAfter(r.header, time.Now()); ok {
			d = fmt.Sprintf("; retry after %s", ra.Round(time.Second))
		}
		return Result{Unknown, fmt.Sprintf("rate limited by %s (%s: 429%s)", title, what, d)}, true
	case r.status >= 500:
		return Result{Unknown, fmt.Sprintf("%s had a server error (%s: %d)", title, what, r.status)}, true
	case r.status >= 300 && r.status < 400:
		return Result{Unknown, fmt.Sprintf("%s answered with a redirect (%s: %d), not followed", title, what, r.status)}, true
	}
	return Result{}, false
}

func accepted(title, what string, status int) Result {
	return Result{Live, fmt.Sprintf("%s accepted it (%s: %d)", title, what, status)}
}

func rejected(title, what string, status int, code string) Result {
	d := fmt.Sprintf("%s rejected it (%s: %d", title, what, status)
	if code = safeCode(code); code != "" {
		d += " " + code
	}
	return Result{Invalid, d + ")"}
}

func unexpected(title, what string, status int) Result {
	return Result{Unknown, fmt.Sprintf("unexpected answer from %s (%s: %d)", title, what, status)}
}

// safeCode keeps a provider's error code only when it is a short token
// of letters, digits, '_', '-' and '.': never free text that could echo
// a request.
func safeCode(s string) string {
	if len(s) == 0 || len(s) > 48 {
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return ""
		}
	}
	return s
}
