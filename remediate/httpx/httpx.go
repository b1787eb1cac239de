// Package httpx is the small HTTP client the remediation targets share:
// JSON requests with a bearer token, a per-attempt timeout, retries with
// exponential backoff and full jitter, and errors that are safe to print.
//
// # Retries
//
// A request is retried on a transport error, a per-attempt timeout, a 5xx
// status and 429. A Retry-After header (seconds or an HTTP date) on a 429
// or 503 replaces the computed backoff. The sum of all waits is capped by
// [Client.MaxWait]; when the next wait would exceed what is left, the
// client gives up and returns the last error. Request bodies are held as
// bytes, so every attempt sends the same body. Cancelling the caller's
// context stops at once, mid-request or mid-wait.
//
// # Errors
//
// An [*Error] names the method, the URL path (never the query string,
// which may hold tokens, and never a header), the status, and the
// provider's error code and message when the response body is JSON. It
// never holds the request body. Every string in [Request.Scrub] and the
// bearer token are removed from the provider's text before it is kept.
package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/internal/retry"
)

// Defaults for a zero [Client].
const (
	DefaultTimeout    = 30 * time.Second
	DefaultMaxRetries = 4
	DefaultBaseDelay  = 500 * time.Millisecond
	DefaultMaxDelay   = 30 * time.Second
	DefaultMaxWait    = 2 * time.Minute
)

// maxBody bounds how much of a response is read.
const maxBody = 8 << 20

// Client sends JSON requests to one API. The zero value of every field but
// BaseURL has a sensible default; a Client is safe for concurrent use once
// configured.
type Client struct {
	// Service names the API in errors ("vercel", "supabase").
	Service string
	// BaseURL is the API root, e.g. https://api.vercel.com.
	BaseURL string
	// HTTP sends the requests (nil: a client without its own timeout;
	// Timeout below applies per attempt).
	HTTP *http.Client
	// Token returns the bearer token; nil sends no Authorization header.
	// It is called once per request, so a missing variable is reported
	// when the target is used, not when it is built.
	Token func() (string, error)
	// Timeout bounds each attempt, including reading the response.
	Timeout time.Duration
	// MaxRetries is how many times a failed attempt is retried
	// (negative: never).
	MaxRetries int
	// BaseDelay and MaxDelay shape the backoff: attempt n waits a random
	// duration in [0, min(MaxDelay, BaseDelay*2^n)).
	BaseDelay, MaxDelay time.Duration
	// MaxWait caps the sum of all waits of one request.
	MaxWait time.Duration
	// Sleep waits d or until ctx is done (tests replace it).
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a random duration in [0, d) (tests replace it).
	Jitter func(d time.Duration) time.Duration
	// Now is the clock used for HTTP-date Retry-After values.
	Now func() time.Time
	// UserAgent is sent when set.
	UserAgent string
}

// Request is one API call.
type Request struct {
	Method string
	// Path is the URL path below BaseURL, already escaped (use
	// [url.PathEscape] on each segment).
	Path string
	// Query is added to the URL; it never appears in errors.
	Query url.Values
	// Body is encoded as JSON when not nil ([]byte and json.RawMessage
	// are sent as they are).
	Body any
	// Scrub lists strings (the secret being written) to remove from any
	// response text kept in an error.
	Scrub []string
	// OK lists the statuses that count as success (default: any 2xx).
	OK []int
}

// Error is a failed API call. Its text is safe to print.
type Error struct {
	Service  string
	Method   string
	Path     string // the URL path, without the query
	Status   int    // 0 when no response was received
	Code     string // the provider's error code, when given
	Message  string // the provider's message, scrubbed and shortened
	Attempts int
	Err      error // the transport or decoding error, when any
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Service != "" {
		b.WriteString(e.Service + ": ")
	}
	b.WriteString(e.Method + " " + e.Path + ": ")
	switch {
	case e.Status != 0:
		b.WriteString(strconv.Itoa(e.Status))
		if t := http.StatusText(e.Status); t != "" {
			b.WriteString(" " + t)
		}
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	}
	if e.Code != "" {
		b.WriteString(": " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Status != 0 && e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	return b.String()
}

// Hint says what to do about an authorization or lookup failure.
func (e *Error) Hint() string {
	switch e.Status {
	case http.StatusUnauthorized:
		return "check that the token is valid and not expired"
	case http.StatusForbidden:
		return "check that the token may access this project"
	case http.StatusNotFound:
		return "check the project name or id in the target config"
	}
	return ""
}

func (e *Error) Unwrap() error { return e.Err }

// StatusOf returns the HTTP status of an [*Error] in err's chain, or 0.
func StatusOf(err error) int {
	var he *Error
	if errors.As(err, &he) {
		return he.Status
	}
	return 0
}

// CodeOf returns the provider error code of an [*Error] in err's chain.
func CodeOf(err error) string {
	var he *Error
	if errors.As(err, &he) {
		return he.Code
	}
	return ""
}

// TokenFromEnv returns a Token func that reads the variable name through
// getenv at call time. A missing or empty variable is an error that names
// the variable and never holds a value.
func TokenFromEnv(getenv func(string) string, name string) func() (string, error) {
	return func() (string, error) {
		if name == "" {
			return "", errors.New("no token variable configured (set token_env)")
		}
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return "", hint.Errorf("export "+name+" with an API token", "%s is not set", name)
		}
		return v, nil
	}
}

// Do sends req and decodes a successful JSON response into out (when out
// is not nil). It returns the final status.
func (c *Client) Do(ctx context.Context, req Request, out any) (int, error) {
	fail := func(status int, err error) *Error {
		return &Error{Service: c.Service, Method: req.Method, Path: req.Path, Status: status, Err: err}
	}
	var body []byte
	switch b := req.Body.(type) {
	case nil:
	case []byte:
		body = b
	case json.RawMessage:
		body = b
	default:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(b); err != nil {
			// The encoder's message names a type, never a value.
			return 0, fail(0, fmt.Errorf("encode request: %v", err))
		}
		body = bytes.TrimRight(buf.Bytes(), "\n")
	}
	var token string
	if c.Token != nil {
		t, err := c.Token()
		if err != nil {
			return 0, err
		}
		token = t
	}
	u, err := c.url(req)
	if err != nil {
		return 0, fail(0, err)
	}
	scrub := append([]string{token}, req.Scrub...)

	var waited time.Duration
	maxRetries := c.MaxRetries
	if maxRetries == 0 {
		maxRetries = DefaultMaxRetries
	}
	for attempt := 1; ; attempt++ {
		status, hdr, respBody, err := c.attempt(ctx, req.Method, u, token, body)
		var herr *Error
		retry := false
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return 0, &Error{Service: c.Service, Method: req.Method, Path: req.Path, Attempts: attempt, Err: ctx.Err()}
			}
			herr = fail(0, transportError(err))
			retry = true
		case isOK(status, req.OK):
			if out != nil && len(bytes.TrimSpace(respBody)) > 0 {
				if err := json.Unmarshal(respBody, out); err != nil {
					e := fail(status, fmt.Errorf("malformed JSON response: %s", scrubText(jsonErrText(err), scrub)))
					e.Attempts = attempt
					return status, e
				}
			}
			return status, nil
		default:
			herr = fail(status, nil)
			herr.Code, herr.Message = providerError(respBody, scrub)
			retry = status == http.StatusTooManyRequests || status >= 500
		}
		herr.Attempts = attempt
		if !retry || maxRetries < 0 || attempt > maxRetries {
			return status, herr
		}
		d := c.backoff(attempt)
		if ra, ok := c.retryAfter(hdr); ok && (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) {
			d = ra
		}
		maxWait := c.MaxWait
		if maxWait == 0 {
			maxWait = DefaultMaxWait
		}
		if waited+d > maxWait {
			if herr.Err == nil {
				herr.Err = fmt.Errorf("gave up: next retry in %s would exceed the %s retry budget", d.Round(time.Millisecond), maxWait)
			}
			return status, herr
		}
		waited += d
		if err := c.sleep(ctx, d); err != nil {
			return 0, &Error{Service: c.Service, Method: req.Method, Path: req.Path, Attempts: attempt, Err: err}
		}
	}
}

func isOK(status int, ok []int) bool {
	if len(ok) == 0 {
		return status >= 200 && status < 300
	}
	for _, s := range ok {
		if s == status {
			return true
		}
	}
	return false
}

func (c *Client) url(req Request) (string, error) {
	base := strings.TrimRight(c.BaseURL, "/")
	if base == "" {
		return "", errors.New("no API URL configured")
	}
	if !strings.HasPrefix(req.Path, "/") {
		return "", errors.New("path must start with /")
	}
	u := base + req.Path
	if len(req.Query) > 0 {
		u += "?" + req.Query.Encode()
	}
	return u, nil
}

// attempt sends one request under its own timeout and reads the whole
// response before the timeout's context is released.
func (c *Client) attempt(ctx context.Context, method, u, token string, body []byte) (int, http.Header, []byte, error) {
	timeout := c.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hr, err := http.NewRequestWithContext(actx, method, u, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	hr.Header.Set("Accept", "application/json")
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		hr.Header.Set("Authorization", "Bearer "+token)
	}
	if c.UserAgent != "" {
		hr.Header.Set("User-Agent", c.UserAgent)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(hr)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, resp.Header, b, nil
}

// transportError drops the *url.Error wrapper, whose text holds the full
// URL with its query.
func transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("timed out")
	}
	return err
}

func (c *Client) backoff(attempt int) time.Duration {
	base, max := c.BaseDelay, c.MaxDelay
	if base <= 0 {
		base = DefaultBaseDelay
	}
	if max <= 0 {
		max = DefaultMaxDelay
	}
	d := retry.Exp(attempt, base, max)
	if c.Jitter != nil {
		return c.Jitter(d)
	}
	return retry.FullJitter(d)
}

func (c *Client) retryAfter(h http.Header) (time.Duration, bool) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	return retry.RetryAfter(h, now())
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	return retry.Sleep(ctx, d)
}

// providerError pulls an error code and message out of a JSON error body:
// {"error":{"code","message"}}, {"error":"..."}, {"code","message"},
// {"msg"} and {"error_description"}. A body that is not JSON yields
// nothing: it could echo anything.
func providerError(body []byte, scrub []string) (code, msg string) {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return "", ""
	}
	str := func(raw json.RawMessage) string {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		var n json.Number
		if json.Unmarshal(raw, &n) == nil {
			return n.String()
		}
		return ""
	}
	if raw, ok := m["error"]; ok {
		var inner map[string]json.RawMessage
		if json.Unmarshal(raw, &inner) == nil {
			code, msg = str(inner["code"]), str(inner["message"])
		} else {
			msg = str(raw)
		}
	}
	if code == "" {
		code = str(m["code"])
	}
	for _, k := range []string{"message", "msg", "error_description"} {
		if msg == "" {
			msg = str(m[k])
		}
	}
	return shorten(scrubText(code, scrub), 80), shorten(scrubText(msg, scrub), 300)
}

// Scrub replaces every occurrence of each secret in s (raw, JSON-escaped
// and URL-escaped) with [REDACTED]. Empty secrets are ignored.
func Scrub(s string, secrets ...string) string { return scrubText(s, secrets) }

func scrubText(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec == "" {
			continue
		}
		forms := []string{sec, url.QueryEscape(sec), url.PathEscape(sec)}
		if q, err := json.Marshal(sec); err == nil {
			forms = append(forms, string(q[1:len(q)-1]))
		}
		for _, f := range forms {
			if f != "" {
				s = strings.ReplaceAll(s, f, "[REDACTED]")
			}
		}
	}
	return s
}

// jsonErrText describes a decoding error without quoting the document.
func jsonErrText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("unexpected %s for field %q", te.Value, te.Field)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "truncated document"
	}
	return "invalid document"
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
