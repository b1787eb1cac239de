// Package fakeapi holds in-memory fakes of the SaaS APIs leakguard calls
// (GitHub issues, Vercel environment variables, Supabase secrets, and
// every provider's validity check and revocation), served by httptest
// and shared by every test that needs one instead of a copy per package.
//
// Each fake speaks the documented subset leakguard uses, keeps its state
// in memory, records every request (for "did this value reach that
// host" checks), reports any other call to its T, and lets a test inject
// faults. Only tests import this package (layers_test.go checks it).
package fakeapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// T is what a fake needs of a test: *testing.T satisfies it, and a
// testscript command can pass a small adapter (see Collect).
type T interface {
	Helper()
	Errorf(format string, args ...any)
	Cleanup(func())
}

// Request is one recorded call.
type Request struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   string
}

// String is the request as text: method, URL, headers and body, to check
// that a value did (or did not) reach a host.
func (r Request) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s?%s\n", r.Method, r.Path, r.Query)
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range r.Header {
			if !yield(k) {
				return
			}
		}
	}) {
		fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(r.Header[k], ","))
	}
	b.WriteString(r.Body)
	return b.String()
}

// recorder keeps the requests a fake received and copies each body to
// Log when it is set.
type recorder struct {
	mu   sync.Mutex
	reqs []Request
	imu  sync.Mutex // serializes intercepts
	// Log, when set, receives "METHOD URL\nbody\n" for every request.
	Log io.Writer
	// Intercept, when set, may answer a request itself (fault
	// injection). It runs outside the fake's lock, one call at a time,
	// so it may block and may keep state.
	Intercept func(w http.ResponseWriter, r *http.Request) bool
	// Hold is where "hang" faults wait; nil makes one on first use. Fakes
	// may share one.
	Hold *Hold

	faults map[string][]Fault // by route, under mu
}

// Fault is injected into the next call of a route (each fake names its
// routes). Every fake knows "pass" (to let a call through before the
// next fault), "500", "429" (with Retry-After: After) and
// the late replies of late ("lost", "hang", "slow"), in which the call is
// carried out; GitHub knows more (see GitHub.wrap).
type Fault struct {
	Kind  string // pass (no fault: the call is answered), 500, 429, lost, hang, slow; GitHub: lost-502, ratelimit, abuse, malformed, lost-malformed, echo, 422
	Reset int64  // ratelimit: X-RateLimit-Reset
	After int    // abuse, 429: Retry-After seconds
	// Then are faults queued (by route) when this one is applied: "the
	// listing after this create fails", whatever came before.
	Then map[string][]Fault
}

// Inject queues faults for the next calls of a route.
func (rc *recorder) Inject(route string, fs ...Fault) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.faults == nil {
		rc.faults = map[string][]Fault{}
	}
	rc.faults[route] = append(rc.faults[route], fs...)
}

// nextFault pops the fault queued for route; the caller holds mu.
func (rc *recorder) nextFault(route string) *Fault {
	q := rc.faults[route]
	if len(q) == 0 {
		return nil
	}
	rc.faults[route] = q[1:]
	for r, fs := range q[0].Then {
		rc.faults[r] = append(rc.faults[r], fs...)
	}
	return &q[0]
}

// fault answers r with the next fault queued for route, if any; h
// carries the call out (for the late kinds). It reports whether it
// answered.
func (rc *recorder) fault(t T, name, route string, w http.ResponseWriter, r *http.Request, h func(http.ResponseWriter, *http.Request)) bool {
	rc.mu.Lock()
	ft := rc.nextFault(route)
	rc.mu.Unlock()
	if ft == nil || ft.Kind == "pass" {
		return false
	}
	if !rc.apply(*ft, w, r, h) {
		t.Errorf("fake %s: unknown fault %q", name, ft.Kind)
		WriteJSON(w, 500, map[string]string{"message": "unknown fault"})
	}
	return true
}

// apply answers with a fault every fake knows; false for another kind.
func (rc *recorder) apply(ft Fault, w http.ResponseWriter, r *http.Request, h func(http.ResponseWriter, *http.Request)) bool {
	switch ft.Kind {
	case "500":
		WriteJSON(w, 500, map[string]string{"message": "Server Error"})
		return true
	case "429":
		w.Header().Set("Retry-After", strconv.Itoa(ft.After))
		WriteJSON(w, 429, map[string]string{"message": "Too Many Requests"})
		return true
	}
	return rc.late(ft.Kind, w, r, h)
}

// record reads the body, records the request, puts the body back for
// the handler and returns it. The caller holds no lock.
func (rc *recorder) record(r *http.Request) []byte {
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.reqs = append(rc.reqs, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: string(b)})
	if rc.Log != nil {
		fmt.Fprintf(rc.Log, "%s %s\n%s\n", r.Method, r.URL.String(), b)
	}
	return b
}

// Set runs fn under the fake's lock, to change its settings.
func (rc *recorder) Set(fn func()) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	fn()
}

// Requests returns the requests received so far.
func (rc *recorder) Requests() []Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.reqs)
}

// Saw reports whether any request carried s (in its URL, headers or body).
func (rc *recorder) Saw(s string) bool {
	for _, r := range rc.Requests() {
		if strings.Contains(r.String(), s) {
			return true
		}
	}
	return false
}

// WriteJSON writes v as a JSON reply with the status code.
func WriteJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// Collect is a T for a test runner without *testing.T (a testscript
// command): it records errors for Errors and runs cleanups through
// defer.
type Collect struct {
	Defer func(func())

	mu   sync.Mutex
	errs []string
}

// Helper does nothing.
func (c *Collect) Helper() {}

// Errorf records an error.
func (c *Collect) Errorf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}

// Cleanup hands fn to Defer.
func (c *Collect) Cleanup(fn func()) { c.Defer(fn) }

// Errors returns the errors recorded so far.
func (c *Collect) Errors() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.errs)
}

// bearer reports whether r carries "Bearer TOKEN" (any token when token
// is empty).
func bearer(r *http.Request, token string) bool {
	h, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && h != "" && (token == "" || h == token)
}

// begin records the request and runs Intercept, if set, one call at a
// time; it reports whether Intercept answered. The fake then takes its
// lock and answers.
func (rc *recorder) begin(w http.ResponseWriter, r *http.Request) bool {
	rc.record(r)
	rc.mu.Lock()
	fn := rc.Intercept
	rc.mu.Unlock()
	if fn == nil {
		return false
	}
	rc.imu.Lock()
	defer rc.imu.Unlock()
	return fn(w, r)
}

// serve starts h on a test server closed when the test ends.
func serve(t T, h http.Handler) (string, *http.Client) {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL, srv.Client()
}

// Hold is where requests answered with a "hang" fault wait: a test waits
// until one is held, then releases them.
type Hold struct {
	held    chan struct{}
	mu      sync.Mutex
	release chan struct{}
}

// NewHold returns an empty Hold.
func NewHold() *Hold {
	return &Hold{held: make(chan struct{}, 16), release: make(chan struct{})}
}

// Wait blocks until a request is held, or d has passed; it reports
// whether one was.
func (h *Hold) Wait(d time.Duration) bool {
	select {
	case <-h.held:
		return true
	case <-time.After(d):
		return false
	}
}

// Release lets the held requests go (their connections drop); later
// ones are held again.
func (h *Hold) Release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	close(h.release)
	h.release = make(chan struct{})
}

func (h *Hold) wait(r *http.Request) {
	h.mu.Lock()
	release := h.release
	h.mu.Unlock()
	h.held <- struct{}{}
	select {
	case <-release:
	case <-r.Context().Done():
	case <-time.After(2 * time.Minute):
	}
}

func (rc *recorder) hold() *Hold {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.Hold == nil {
		rc.Hold = NewHold()
	}
	return rc.Hold
}

// SlowReply is how late a "slow" fault answers: longer than a test's
// client timeout, shorter than leakguard's default (30 s).
const SlowReply = 10 * time.Second

// late carries out a call whose reply does not come in time, for the
// kinds every fake injects: "lost" (the connection drops), "hang" (held
// until Hold.Release, then dropped) and "slow" (the real reply, after
// SlowReply, unless the client gave up first). It reports false for any
// other kind.
func (rc *recorder) late(kind string, w http.ResponseWriter, r *http.Request, h func(http.ResponseWriter, *http.Request)) bool {
	switch kind {
	case "lost", "hang", "slow":
	default:
		return false
	}
	rec := httptest.NewRecorder()
	h(rec, r) // carried out
	switch kind {
	case "slow":
		select {
		case <-r.Context().Done():
		case <-time.After(SlowReply):
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
		}
		return true
	case "hang":
		rc.hold().wait(r)
	}
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			c.Close()
		}
	}
	return true
}

// serveRW answers a call of a fake with two fault routes, "read" (GET)
// and "write" (the rest): record and Intercept (begin), an injected
// fault, then, under the fake's lock, the "Bearer *token" check (401
// with unauthorized as the body) and h.
func (rc *recorder) serveRW(t T, name string, token *string, unauthorized string, w http.ResponseWriter, r *http.Request, h func(http.ResponseWriter, *http.Request)) {
	locked := func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if !bearer(r, *token) {
			w.WriteHeader(401)
			io.WriteString(w, unauthorized)
			return
		}
		h(w, r)
	}
	route := "write"
	if r.Method == http.MethodGet {
		route = "read"
	}
	if rc.begin(w, r) || rc.fault(t, name, route, w, r, locked) {
		return
	}
	locked(w, r)
}
