package fakeapi

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
)

// GitHub speaks the subset of the GitHub REST API that the issue tracker
// calls (issues, comments, issue search, the token's user), keeps issues
// in memory, reports any other call to its T, and injects faults.
//
// Settings (the exported fields) are read under the fake's lock: set
// them before the first call, or through Set.
type GitHub struct {
	// URL is the server's base URL; the API lives at URL+Prefix.
	URL    string
	Client *http.Client
	// Token is the one accepted as "Bearer TOKEN"; empty accepts any
	// bearer or "token" credential. NewGitHub makes one at run time.
	Token string
	// Owner and Repo are the only repository served; empty serves any.
	Owner, Repo string
	// Prefix is where the API is mounted: "/api/v3" (as GitHub
	// Enterprise Server) by default, "" for github.com's layout.
	Prefix string
	// Login is the token's user (GET /user); issues and comments made
	// through the API are authored by it.
	Login string
	// InstallationToken makes GET /user refuse the token (403), as
	// GitHub does for a workflow's GITHUB_TOKEN; set Login to
	// "github-actions[bot]" with it.
	InstallationToken bool
	// LagSearch makes issues unsearchable until Index, as GitHub's
	// search index lags.
	LagSearch bool
	// DropLabels makes create ignore labels, as for a token without
	// triage rights.
	DropLabels bool
	// OnCreate runs before an issue is created: a race with another run
	// is planted there, through create (which adds an issue as if another
	// run had created it just now).
	OnCreate func(create func(Issue) int)

	recorder
	t       T
	issues  []*Issue // number = index + 1
	calls   []string // "GET list", "POST create", …
	indexed map[int]bool
	queries []string
	authOK  int
	mux     *http.ServeMux
}

// Issue is one issue (or pull request) held by the fake.
type Issue struct {
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

	repo string // owner/name it was opened in
}

// NewGitHub starts a fake GitHub for repository acme/app with a token
// made at run time; the server closes when the test ends.
func NewGitHub(t T) *GitHub {
	t.Helper()
	b := make([]byte, 12)
	rand.Read(b)
	f := &GitHub{
		t: t, Owner: "acme", Repo: "app", Prefix: "/api/v3",
		Token:   "tok" + "_" + hex.EncodeToString(b),
		Login:   "leakguard-bot",
		indexed: map[int]bool{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /search/issues", f.wrap("search", f.search))
	mux.HandleFunc("GET /repos/{o}/{r}/issues", f.wrap("list", f.list))
	mux.HandleFunc("POST /repos/{o}/{r}/issues", f.wrap("create", f.create))
	mux.HandleFunc("GET /repos/{o}/{r}/issues/{n}", f.wrap("get", f.get))
	mux.HandleFunc("PATCH /repos/{o}/{r}/issues/{n}", f.wrap("edit", f.edit))
	mux.HandleFunc("POST /repos/{o}/{r}/issues/{n}/comments", f.wrap("comment", f.comment))
	mux.HandleFunc("GET /repos/{o}/{r}/issues/{n}/comments", f.wrap("comments", f.comments))
	mux.HandleFunc("GET /user", f.wrap("user", f.user))
	mux.HandleFunc("/", f.unexpected)
	f.mux = mux
	f.URL, f.Client = serve(t, http.HandlerFunc(f.serve))
	return f
}

// APIURL is the API's base URL (URL+Prefix).
func (f *GitHub) APIURL() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.URL + f.Prefix
}

func (f *GitHub) serve(w http.ResponseWriter, r *http.Request) {
	f.record(r)
	f.mu.Lock()
	prefix := f.Prefix
	f.mu.Unlock()
	p, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		f.unexpected(w, r)
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path, r2.URL.RawPath = p, ""
	f.mux.ServeHTTP(w, r2)
}

func (f *GitHub) unexpected(w http.ResponseWriter, r *http.Request) {
	f.t.Errorf("fake github: unexpected call %s %s", r.Method, r.URL)
	WriteJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
}

// Index makes every issue searchable (see LagSearch); Unindex none.
func (f *GitHub) Index() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, is := range f.issues {
		f.indexed[is.Number] = true
	}
}

// Unindex makes no issue searchable (see LagSearch).
func (f *GitHub) Unindex() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.indexed = map[int]bool{}
}

// Calls lists the calls so far as "METHOD route".
func (f *GitHub) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// ResetCalls forgets the calls so far.
func (f *GitHub) ResetCalls() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = nil
}

// SearchQueries lists the search queries received.
func (f *GitHub) SearchQueries() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.queries)
}

// Authorized counts the calls that carried the expected credential.
func (f *GitHub) Authorized() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.authOK
}

// Count is the number of issues (pull requests aside).
func (f *GitHub) Count() int {
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

// Issue returns a copy of issue n.
func (f *GitHub) Issue(n int) Issue {
	f.mu.Lock()
	defer f.mu.Unlock()
	is := *f.issues[n-1]
	is.Labels = slices.Clone(is.Labels)
	is.Comments = slices.Clone(is.Comments)
	return is
}

// Issues returns a copy of every issue, by number.
func (f *GitHub) Issues() []Issue {
	f.mu.Lock()
	n := len(f.issues)
	f.mu.Unlock()
	out := make([]Issue, 0, n)
	for i := 1; i <= n; i++ {
		out = append(out, f.Issue(i))
	}
	return out
}

// Seed adds an issue directly, as if opened long ago (and indexed), and
// returns its number.
func (f *GitHub) Seed(is Issue) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	is.Number = len(f.issues) + 1
	if is.State == "" {
		is.State = "open"
	}
	is.repo = f.Owner + "/" + f.Repo
	f.issues = append(f.issues, &is)
	f.indexed[is.Number] = true
	return is.Number
}

type handler func(w http.ResponseWriter, r *http.Request) bool

func (f *GitHub) authorized(h string) bool {
	if f.Token == "" {
		return strings.HasPrefix(h, "Bearer ") || strings.HasPrefix(h, "token ")
	}
	return h == "Bearer "+f.Token
}

// wrap records the call, checks auth and repository and applies faults
// (Inject; routes "search", "list", "create", "get", "edit", "comment",
// "comments", "user").
// A handler returns false when it wrote an error itself.
func (f *GitHub) wrap(route string, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.calls = append(f.calls, r.Method+" "+route)
		ft := f.nextFault(route)
		authOK := f.authorized(r.Header.Get("Authorization"))
		if authOK {
			f.authOK++
		}
		owner, repo := f.Owner, f.Repo
		f.mu.Unlock()

		if !authOK {
			f.t.Errorf("fake github: %s %s: bad Authorization header", r.Method, r.URL.Path)
			WriteJSON(w, 401, map[string]string{"message": "Bad credentials"})
			return
		}
		if o, rp := r.PathValue("o"), r.PathValue("r"); route != "search" && route != "user" && owner != "" && (o != owner || rp != repo) {
			f.t.Errorf("fake github: call for repository %s/%s", o, rp)
			WriteJSON(w, 404, map[string]string{"message": "Not Found"})
			return
		}
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "4999")
		if ft == nil || ft.Kind == "pass" {
			h(w, r)
			return
		}
		switch ft.Kind {
		case "lost-502":
			h(httptest.NewRecorder(), r)
			w.WriteHeader(502)
			fmt.Fprint(w, "<html>bad gateway</html>")
		case "ratelimit":
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(ft.Reset, 10))
			WriteJSON(w, 403, map[string]string{"message": "API rate limit exceeded", "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"})
		case "abuse":
			w.Header().Set("Retry-After", strconv.Itoa(ft.After))
			WriteJSON(w, 403, map[string]string{"message": "You have exceeded a secondary rate limit", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"})
		case "malformed":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"number": 1, "body": "trunc`)
		case "lost-malformed":
			h(httptest.NewRecorder(), r)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(201)
			fmt.Fprint(w, `{"number": `)
		case "echo": // a server that echoes the request back, credentials and all
			WriteJSON(w, 422, map[string]string{"message": "Validation Failed for " + r.Header.Get("Authorization")})
		case "422":
			WriteJSON(w, 422, map[string]string{"message": "Validation Failed"})
		default:
			if f.apply(*ft, w, r, func(w http.ResponseWriter, r *http.Request) { h(w, r) }) {
				return
			}
			f.t.Errorf("fake github: unknown fault %q", ft.Kind)
			WriteJSON(w, 500, map[string]string{"message": "unknown fault"})
		}
	}
}

func (f *GitHub) render(is *Issue) map[string]any {
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
		"html_url": fmt.Sprintf("https://github.test/%s/issues/%d", is.repo, is.Number),
		"user":     map[string]string{"login": f.author(is.Author)},
	}
	if is.PR {
		m["pull_request"] = map[string]string{"url": "x"}
	}
	return m
}

func (f *GitHub) search(w http.ResponseWriter, r *http.Request) bool {
	q := r.URL.Query().Get("q")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, q)
	// repo:acme/app "leakguard:incident=ID" in:body is:issue
	i := strings.Index(q, `"`)
	j := strings.LastIndex(q, `"`)
	repo, _, _ := strings.Cut(strings.TrimPrefix(q, "repo:"), " ")
	if !strings.HasPrefix(q, "repo:") || (f.Owner != "" && repo != f.Owner+"/"+f.Repo) || !strings.HasSuffix(q, " in:body is:issue") || i < 0 || j <= i {
		f.t.Errorf("fake github: unexpected search query %q", q)
		WriteJSON(w, 422, map[string]string{"message": "Validation Failed"})
		return false
	}
	phrase := q[i+1 : j]
	items := []map[string]any{}
	for _, is := range f.issues {
		// Like GitHub, phrase matching is looser than the exact marker.
		if !is.PR && is.repo == repo && (!f.LagSearch || f.indexed[is.Number]) && strings.Contains(is.Body, phrase) {
			items = append(items, f.render(is))
		}
	}
	WriteJSON(w, 200, map[string]any{"total_count": len(items), "incomplete_results": false, "items": items})
	return true
}

func (f *GitHub) list(w http.ResponseWriter, r *http.Request) bool {
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
	repo := r.PathValue("o") + "/" + r.PathValue("r")
	f.mu.Lock()
	defer f.mu.Unlock()
	var all []*Issue
	for k := len(f.issues) - 1; k >= 0; k-- { // created desc
		is := f.issues[k]
		ok := is.repo == repo
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
		qq := r.URL.Query()
		qq.Set("page", strconv.Itoa(page+1))
		w.Header().Set("Link", fmt.Sprintf(`<%s%s%s?%s>; rel="next"`, f.URL, f.Prefix, r.URL.Path, qq.Encode()))
	}
	WriteJSON(w, 200, items)
	return true
}

// decode reads the request's JSON body into v; a body that does not
// decode, or fails ok, is reported and answered 422.
func (f *GitHub) decode(w http.ResponseWriter, r *http.Request, what string, v any, ok func() bool) bool {
	err := json.NewDecoder(r.Body).Decode(v)
	if err == nil && (ok == nil || ok()) {
		return true
	}
	f.t.Errorf("fake github: bad %s request: %v", what, err)
	WriteJSON(w, 422, map[string]string{"message": "Validation Failed"})
	return false
}

type issueReq struct {
	Title       *string   `json:"title"`
	Body        *string   `json:"body"`
	Labels      *[]string `json:"labels"`
	State       *string   `json:"state"`
	StateReason *string   `json:"state_reason"`
}

func (f *GitHub) create(w http.ResponseWriter, r *http.Request) bool {
	var req issueReq
	if !f.decode(w, r, "create", &req, func() bool { return req.Title != nil }) {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.OnCreate != nil {
		f.OnCreate(func(other Issue) int {
			other.Number, other.repo = len(f.issues)+1, r.PathValue("o")+"/"+r.PathValue("r")
			if other.State == "" {
				other.State = "open"
			}
			f.issues = append(f.issues, &other)
			return other.Number
		})
	}
	is := &Issue{Number: len(f.issues) + 1, Title: *req.Title, State: "open", repo: r.PathValue("o") + "/" + r.PathValue("r")}
	if req.Body != nil {
		is.Body = *req.Body
	}
	if req.Labels != nil && !f.DropLabels {
		is.Labels = slices.Clone(*req.Labels)
	}
	f.issues = append(f.issues, is)
	WriteJSON(w, 201, f.render(is))
	return true
}

func (f *GitHub) lookup(w http.ResponseWriter, r *http.Request) *Issue {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > len(f.issues) || f.issues[n-1].repo != r.PathValue("o")+"/"+r.PathValue("r") {
		WriteJSON(w, 404, map[string]string{"message": "Not Found"})
		return nil
	}
	return f.issues[n-1]
}

func (f *GitHub) get(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	is := f.lookup(w, r)
	if is == nil {
		return false
	}
	WriteJSON(w, 200, f.render(is))
	return true
}

func (f *GitHub) edit(w http.ResponseWriter, r *http.Request) bool {
	var req issueReq
	if !f.decode(w, r, "edit", &req, nil) {
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
	WriteJSON(w, 200, f.render(is))
	return true
}

func (f *GitHub) comment(w http.ResponseWriter, r *http.Request) bool {
	var req struct {
		Body *string `json:"body"`
	}
	if !f.decode(w, r, "comment", &req, func() bool { return req.Body != nil }) {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	is := f.lookup(w, r)
	if is == nil {
		return false
	}
	is.Comments = append(is.Comments, *req.Body)
	WriteJSON(w, 201, map[string]any{"id": len(is.Comments), "body": *req.Body})
	return true
}

func (f *GitHub) author(a string) string {
	if a == "" {
		return f.Login
	}
	return a
}

func (f *GitHub) user(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	login, installation := f.Login, f.InstallationToken
	f.mu.Unlock()
	if installation {
		WriteJSON(w, 403, map[string]string{"message": "Resource not accessible by integration"})
		return false
	}
	WriteJSON(w, 200, map[string]any{"login": login, "id": 1, "type": "User"})
	return true
}

// comments lists an issue's comments (every comment is the token user's
// unless its text starts with "@author NAME ").
func (f *GitHub) comments(w http.ResponseWriter, r *http.Request) bool {
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
			login := f.Login
			if rest, ok := strings.CutPrefix(c, "@author "); ok {
				login, _, _ = strings.Cut(rest, " ")
			}
			out = append(out, map[string]any{"id": i + 1, "body": c, "user": map[string]string{"login": login}})
		}
	}
	WriteJSON(w, 200, out)
	return true
}
