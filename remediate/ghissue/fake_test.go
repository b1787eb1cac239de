package ghissue

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeGitHub speaks the subset of the GitHub REST API that the tracker
// calls, keeps issues in memory, fails the test on any other call, and
// injects faults.
type fakeGitHub struct {
	t      *testing.T
	srv    *httptest.Server
	token  string
	owner  string
	repo   string
	prefix string // where the API is mounted, like GHES: /api/v3

	mu          sync.Mutex
	issues      []*fakeIssue // number = index + 1
	calls       []string     // "GET list", "POST create", …
	faults      map[string][]fault
	lagSearch   bool // issues are not searchable until index()
	indexed     map[int]bool
	dropLabels  bool // create ignores labels, as for a token without triage rights
	sawAuth     int
	searchQuery []string
	// login is the token's user (GET /user); issues and comments made
	// through the API are authored by it.
	login string
	// onCreate runs (under the lock) before an issue is created: a race
	// with another run is planted there.
	onCreate func()
}

type fakeIssue struct {
	Number      int
	Title       string
	Body        string
	State       string
	StateReason string
	Labels      []string
	Comments    []string
	PR          bool
	// Author is the issue's user.login; "" means the token's user.
	Author string
}

// fault is injected into the next call of a route. For "lost-*" the call
// is carried out before the reply fails.
type fault struct {
	kind  string // 500, lost-502, ratelimit, abuse, 429, malformed, lost-malformed, echo, 422
	reset int64  // ratelimit: X-RateLimit-Reset
	after int    // abuse/429: Retry-After seconds
}

func newFake(t *testing.T) *fakeGitHub {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	f := &fakeGitHub{
		t: t, owner: "acme", repo: "app", prefix: "/api/v3",
		token:   "tok" + "_" + hex.EncodeToString(b), // built at test time
		login:   "leakguard-bot",
		faults:  map[string][]fault{},
		indexed: map[int]bool{},
	}
	mux := http.NewServeMux()
	p := f.prefix
	mux.HandleFunc("GET "+p+"/search/issues", f.wrap("search", f.search))
	mux.HandleFunc("GET "+p+"/repos/{o}/{r}/issues", f.wrap("list", f.list))
	mux.HandleFunc("POST "+p+"/repos/{o}/{r}/issues", f.wrap("create", f.create))
	mux.HandleFunc("GET "+p+"/repos/{o}/{r}/issues/{n}", f.wrap("get", f.get))
	mux.HandleFunc("PATCH "+p+"/repos/{o}/{r}/issues/{n}", f.wrap("edit", f.edit))
	mux.HandleFunc("POST "+p+"/repos/{o}/{r}/issues/{n}/comments", f.wrap("comment", f.comment))
	mux.HandleFunc("GET "+p+"/repos/{o}/{r}/issues/{n}/comments", f.wrap("comments", f.comments))
	mux.HandleFunc("GET "+p+"/user", f.wrap("user", f.user))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("fake github: unexpected call %s %s", r.Method, r.URL)
		http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGitHub) inject(route string, fs ...fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[route] = append(f.faults[route], fs...)
}

// set runs fn under the fake's lock, to change its settings.
func (f *fakeGitHub) set(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

func (f *fakeGitHub) index() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, is := range f.issues {
		f.indexed[is.Number] = true
	}
}

func (f *fakeGitHub) callLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeGitHub) resetCalls() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = nil
}

func (f *fakeGitHub) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, is := range f.issues {
		if !is.PR {
			n++
		}
	}
	return n
}

func (f *fakeGitHub) issue(n int) fakeIssue {
	f.mu.Lock()
	defer f.mu.Unlock()
	is := *f.issues[n-1]
	is.Comments = slices.Clone(is.Comments)
	return is
}

// seed adds an issue directly, as if opened long ago (and indexed).
func (f *fakeGitHub) seed(is fakeIssue) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	is.Number = len(f.issues) + 1
	if is.State == "" {
		is.State = "open"
	}
	f.issues = append(f.issues, &is)
	f.indexed[is.Number] = true
	return is.Number
}

type handler func(w http.ResponseWriter, r *http.Request) bool

// wrap checks auth and repository, logs the call and applies faults. A
// handler returns false when it wrote an error itself.
func (f *fakeGitHub) wrap(route string, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.calls = append(f.calls, r.Method+" "+route)
		var ft *fault
		if q := f.faults[route]; len(q) > 0 {
			ft = &q[0]
			f.faults[route] = q[1:]
		}
		if r.Header.Get("Authorization") == "Bearer "+f.token {
			f.sawAuth++
		}
		f.mu.Unlock()

		if got := r.Header.Get("Authorization"); got != "Bearer "+f.token {
			f.t.Errorf("fake github: %s %s: bad Authorization header", r.Method, r.URL.Path)
			writeJSON(w, 401, map[string]string{"message": "Bad credentials"})
			return
		}
		if o, rp := r.PathValue("o"), r.PathValue("r"); route != "search" && route != "user" && (o != f.owner || rp != f.repo) {
			f.t.Errorf("fake github: call for repository %s/%s", o, rp)
			writeJSON(w, 404, map[string]string{"message": "Not Found"})
			return
		}
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "4999")
		if ft == nil {
			h(w, r)
			return
		}
		switch ft.kind {
		case "500":
			writeJSON(w, 500, map[string]string{"message": "Server Error"})
		case "lost-502":
			h(httptest.NewRecorder(), r)
			w.WriteHeader(502)
			fmt.Fprint(w, "<html>bad gateway</html>")
		case "ratelimit":
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(ft.reset, 10))
			writeJSON(w, 403, map[string]string{"message": "API rate limit exceeded", "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"})
		case "abuse":
			w.Header().Set("Retry-After", strconv.Itoa(ft.after))
			writeJSON(w, 403, map[string]string{"message": "You have exceeded a secondary rate limit", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"})
		case "429":
			w.Header().Set("Retry-After", strconv.Itoa(ft.after))
			writeJSON(w, 429, map[string]string{"message": "Too Many Requests"})
		case "malformed":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"number": 1, "body": "trunc`)
		case "lost-malformed":
			h(httptest.NewRecorder(), r)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(201)
			fmt.Fprint(w, `{"number": `)
		case "echo": // a server that echoes the request back, credentials and all
			writeJSON(w, 422, map[string]string{"message": "Validation Failed for " + r.Header.Get("Authorization")})
		case "422":
			writeJSON(w, 422, map[string]string{"message": "Validation Failed"})
		default:
			f.t.Fatalf("unknown fault %q", ft.kind)
		}
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func (f *fakeGitHub) render(is *fakeIssue) map[string]any {
	labels := []map[string]string{}
	for _, l := range is.Labels {
		labels = append(labels, map[string]string{"name": l})
	}
	m := map[string]any{
		"number":   is.Number,
		"title":    is.Title,
		"body":     is.Body,
		"state":    is.State,
		"labels":   labels,
		"html_url": fmt.Sprintf("https://github.example/%s/%s/issues/%d", f.owner, f.repo, is.Number),
		"user":     map[string]string{"login": f.author(is.Author)},
	}
	if is.PR {
		m["pull_request"] = map[string]string{"url": "x"}
	}
	return m
}

func (f *fakeGitHub) search(w http.ResponseWriter, r *http.Request) bool {
	q := r.URL.Query().Get("q")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.searchQuery = append(f.searchQuery, q)
	// repo:acme/app "leakguard:incident=ID" in:body is:issue
	i := strings.Index(q, `"`)
	j := strings.LastIndex(q, `"`)
	if !strings.HasPrefix(q, "repo:"+f.owner+"/"+f.repo+" ") || !strings.HasSuffix(q, " in:body is:issue") || i < 0 || j <= i {
		f.t.Errorf("fake github: unexpected search query %q", q)
		writeJSON(w, 422, map[string]string{"message": "Validation Failed"})
		return false
	}
	phrase := q[i+1 : j]
	items := []map[string]any{}
	for _, is := range f.issues {
		// Like GitHub, phrase matching is looser than the exact marker.
		if !is.PR && (!f.lagSearch || f.indexed[is.Number]) && strings.Contains(is.Body, phrase) {
			items = append(items, f.render(is))
		}
	}
	writeJSON(w, 200, map[string]any{"total_count": len(items), "incomplete_results": false, "items": items})
	return true
}

func (f *fakeGitHub) list(w http.ResponseWriter, r *http.Request) bool {
	q := r.URL.Query()
	if q.Get("state") != "all" {
		f.t.Errorf("fake github: list without state=all: %s", r.URL.RawQuery)
	}
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	if perPage <= 0 {
		perPage = 30
	}
	page, _ := strconv.Atoi(q.Get("page"))
	if page <= 0 {
		page = 1
	}
	var want []string
	if l := q.Get("labels"); l != "" {
		want = strings.Split(l, ",")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var all []*fakeIssue
	for k := len(f.issues) - 1; k >= 0; k-- { // created desc
		is := f.issues[k]
		ok := true
		for _, l := range want {
			ok = ok && slices.Contains(is.Labels, l)
		}
		if ok {
			all = append(all, is)
		}
	}
	lo, hi := min((page-1)*perPage, len(all)), min(page*perPage, len(all))
	items := []map[string]any{}
	for _, is := range all[lo:hi] {
		items = append(items, f.render(is))
	}
	if hi < len(all) {
		u := *r.URL
		qq := u.Query()
		qq.Set("page", strconv.Itoa(page+1))
		u.RawQuery = qq.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<%s%s>; rel="next"`, f.srv.URL, u.String()))
	}
	writeJSON(w, 200, items)
	return true
}

type issueReq struct {
	Title       *string   `json:"title"`
	Body        *string   `json:"body"`
	Labels      *[]string `json:"labels"`
	State       *string   `json:"state"`
	StateReason *string   `json:"state_reason"`
}

func (f *fakeGitHub) create(w http.ResponseWriter, r *http.Request) bool {
	var req issueReq
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Title == nil {
		f.t.Errorf("fake github: bad create request: %v", err)
		writeJSON(w, 422, map[string]string{"message": "Validation Failed"})
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.onCreate != nil {
		f.onCreate()
	}
	is := &fakeIssue{Number: len(f.issues) + 1, Title: *req.Title, State: "open"}
	if req.Body != nil {
		is.Body = *req.Body
	}
	if req.Labels != nil && !f.dropLabels {
		is.Labels = slices.Clone(*req.Labels)
	}
	f.issues = append(f.issues, is)
	writeJSON(w, 201, f.render(is))
	return true
}

func (f *fakeGitHub) lookup(w http.ResponseWriter, r *http.Request) *fakeIssue {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > len(f.issues) {
		writeJSON(w, 404, map[string]string{"message": "Not Found"})
		return nil
	}
	return f.issues[n-1]
}

func (f *fakeGitHub) get(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	is := f.lookup(w, r)
	if is == nil {
		return false
	}
	writeJSON(w, 200, f.render(is))
	return true
}

func (f *fakeGitHub) edit(w http.ResponseWriter, r *http.Request) bool {
	var req issueReq
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		f.t.Errorf("fake github: bad edit request: %v", err)
		writeJSON(w, 422, map[string]string{"message": "Validation Failed"})
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	is := f.lookup(w, r)
	if is == nil {
		return false
	}
	if req.Title != nil {
		is.Title = *req.Title
	}
	if req.Body != nil {
		is.Body = *req.Body
	}
	if req.State != nil {
		if *req.State != "open" && *req.State != "closed" {
			f.t.Errorf("fake github: bad state %q", *req.State)
		}
		is.State = *req.State
	}
	if req.StateReason != nil {
		is.StateReason = *req.StateReason
	}
	writeJSON(w, 200, f.render(is))
	return true
}

func (f *fakeGitHub) comment(w http.ResponseWriter, r *http.Request) bool {
	var req struct {
		Body *string `json:"body"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Body == nil {
		f.t.Errorf("fake github: bad comment request: %v", err)
		writeJSON(w, 422, map[string]string{"message": "Validation Failed"})
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	is := f.lookup(w, r)
	if is == nil {
		return false
	}
	is.Comments = append(is.Comments, *req.Body)
	writeJSON(w, 201, map[string]any{"id": len(is.Comments), "body": *req.Body})
	return true
}

func (f *fakeGitHub) author(a string) string {
	if a == "" {
		return f.login
	}
	return a
}

func (f *fakeGitHub) user(w http.ResponseWriter, r *http.Request) bool {
	writeJSON(w, 200, map[string]any{"login": f.login, "id": 1, "type": "User"})
	return true
}

// comments lists an issue's comments (every comment here is the token
// user's unless its text starts with "@author ").
func (f *fakeGitHub) comments(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	is := f.lookup(w, r)
	if is == nil {
		return false
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	out := []map[string]any{}
	if page <= 1 {
		for i, c := range is.Comments {
			login := f.login
			if rest, ok := strings.CutPrefix(c, "@author "); ok {
				login, _, _ = strings.Cut(rest, " ")
			}
			out = append(out, map[string]any{"id": i + 1, "body": c, "user": map[string]string{"login": login}})
		}
	}
	writeJSON(w, 200, out)
	return true
}

// sleeps records the waits a tracker asked for without taking them.
type sleeps struct {
	mu sync.Mutex
	ds []time.Duration
}

func (s *sleeps) sleep(ctx interface{ Err() error }, d time.Duration) error {
	s.mu.Lock()
	s.ds = append(s.ds, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ds)
}
