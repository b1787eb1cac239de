package main

import (
	"context"
	"time"

	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/jackc/pgx/v5"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/leakguard/leakguard/remediate"
)

// fakeAPIs serves the documented subsets of the GitHub, Vercel and
// Supabase APIs that leakguard calls, records every request body to
// $WORK/http.log (for the leak check) and fails on any other call.
type fakeAPIs struct {
	mu       sync.Mutex
	ghLog    *os.File // bodies sent to GitHub: must hold no secret
	tLog     *os.File // bodies sent to targets: hold the new value
	issues   []map[string]any
	comments map[int][]string
	vercel   map[string]map[string]any // key -> env object
	supabase map[string]string         // name -> value
	unknown  []string
	// faults are injected into the next calls of a route (see route).
	faults  map[string][]string
	hung    chan struct{}  // a "hang" fault holds a request
	release chan struct{}  // closed, and renewed, by "fakeapis release"
	planted map[int]string // planted issue -> its body as planted
}

// fakes holds each script's servers, by work directory.
var fakes sync.Map

// startAPIs is the testscript command "fakeapis": it starts the servers
// and sets $GITHUB_API, $VERCEL_API and $SUPABASE_API. "fakeapis check"
// fails the script on unexpected calls; "fakeapis count-issues N" checks
// how many issues exist; "fakeapis closed N" that issue N is closed;
// "fakeapis comments N MIN" that issue N has at least MIN comments. For
// the loop and its faults (loop.txtar):
//
//	fakeapis fault ROUTE KIND...  the next calls of ROUTE fail, in order:
//	                              500, 429 (Retry-After: 1), lost (carried
//	                              out, the connection dropped before the
//	                              reply), hang (carried out, then held until
//	                              release); routes: see route
//	fakeapis wait-hung            block until a request is held
//	fakeapis release              let held requests go (their connection drops)
//	fakeapis plant ID LOGIN       LOGIN opens an issue carrying incident ID's marker
//	fakeapis ours ID OPEN         leakguard's user has exactly OPEN open issues
//	                              carrying ID's marker, any other closed as a
//	                              duplicate; planted issues are untouched
//	fakeapis unique-comments      no event comment was posted twice
//	fakeapis vercel-set KEY VAR   a dashboard edit: Vercel's KEY holds $VAR
func startAPIs(ts *testscript.TestScript, neg bool, args []string) {
	var f *fakeAPIs
	if v, ok := fakes.Load(ts.Getenv("WORK")); ok {
		f = v.(*fakeAPIs)
	}
	if len(args) > 0 && f != nil {
		switch args[0] {
		case "wait-hung":
			select {
			case <-f.hung:
			case <-time.After(time.Minute):
				ts.Fatalf("no request was held")
			}
			return
		case "release":
			f.mu.Lock()
			close(f.release)
			f.release = make(chan struct{})
			f.mu.Unlock()
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		switch args[0] {
		case "check":
			if len(f.unknown) > 0 {
				ts.Fatalf("unexpected API calls: %v", f.unknown)
			}
		case "count-issues":
			if fmt.Sprint(len(f.issues)) != args[1] {
				ts.Fatalf("%d issues, want %s", len(f.issues), args[1])
			}
		case "closed":
			n, _ := strconv.Atoi(args[1])
			if f.issues[n-1]["state"] != "closed" {
				ts.Fatalf("issue %d is %v", n, f.issues[n-1]["state"])
			}
		case "comments":
			n, _ := strconv.Atoi(args[1])
			min, _ := strconv.Atoi(args[2])
			if len(f.comments[n]) < min {
				ts.Fatalf("issue %d has %d comments, want at least %d", n, len(f.comments[n]), min)
			}
		case "vercel-has":
			// vercel-has KEY VAR: Vercel holds $VAR under KEY.
			if v, _ := f.vercel[args[1]]["value"].(string); v != ts.Getenv(args[2]) {
				ts.Fatalf("vercel %s does not hold $%s", args[1], args[2])
			}
		case "supabase-has":
			if f.supabase[args[1]] != ts.Getenv(args[2]) {
				ts.Fatalf("supabase %s does not hold $%s", args[1], args[2])
			}
		case "fault":
			f.faults[args[1]] = append(f.faults[args[1]], args[2:]...)
		case "plant":
			n := len(f.issues) + 1
			body := "Found a leaked key.\n\n" + remediate.Marker(args[1]) + "\n"
			f.issues = append(f.issues, map[string]any{
				"number": n, "title": "Leaked secret: please rotate", "body": body, "state": "open",
				"user": map[string]string{"login": args[2]}, "labels": []map[string]string{{"name": "security"}},
				"html_url": fmt.Sprintf("https://github.test/acme/infra/issues/%d", n),
			})
			f.planted[n] = body
		case "ours":
			marker := remediate.Marker(args[1])
			open := 0
			for _, is := range f.issues {
				n := is["number"].(int)
				if body, ok := f.planted[n]; ok {
					if is["body"] != body || is["state"] != "open" || is["title"] != "Leaked secret: please rotate" || len(f.comments[n]) > 0 {
						ts.Fatalf("planted issue %d was touched: %v, %d comments", n, is, len(f.comments[n]))
					}
					continue
				}
				if !strings.Contains(fmt.Sprint(is["body"]), marker) {
					continue
				}
				if is["state"] == "open" {
					open++
					continue
				}
				if is["state_reason"] == "not_planned" && !strings.Contains(strings.Join(f.comments[n], "\n"), "Duplicate of #") {
					ts.Fatalf("issue %d closed as not planned without naming the issue it duplicates", n)
				}
			}
			if fmt.Sprint(open) != args[2] {
				ts.Fatalf("%d open issues of ours for %s, want %s", open, args[1], args[2])
			}
		case "unique-comments":
			ev := regexp.MustCompile(`<!-- leakguard:event=[^ ]+ -->`)
			for n, cs := range f.comments {
				seen := map[string]bool{}
				for _, c := range cs {
					for _, m := range ev.FindAllString(c, -1) {
						if seen[m] {
							ts.Fatalf("issue %d: %s posted twice", n, m)
						}
						seen[m] = true
					}
				}
			}
		case "vercel-set":
			e := f.vercel[args[1]]
			if e == nil {
				ts.Fatalf("vercel has no %s", args[1])
			}
			e["value"] = ts.Getenv(args[2])
		default:
			ts.Fatalf("fakeapis: unknown check %q", args[0])
		}
		return
	}
	ghLog, err := os.Create(filepath.Join(ts.Getenv("WORK"), "github-http.log"))
	ts.Check(err)
	tLog, err := os.Create(filepath.Join(ts.Getenv("WORK"), "targets-http.log"))
	ts.Check(err)
	f = &fakeAPIs{ghLog: ghLog, tLog: tLog, comments: map[int][]string{}, vercel: map[string]map[string]any{}, supabase: map[string]string{},
		faults: map[string][]string{}, hung: make(chan struct{}, 16), release: make(chan struct{}), planted: map[int]string{}}
	gh := httptest.NewServer(f.withFaults(f.github))
	vc := httptest.NewServer(f.withFaults(f.vercelAPI))
	sb := httptest.NewServer(f.withFaults(f.supabaseAPI))
	ts.Defer(func() { gh.Close(); vc.Close(); sb.Close(); ghLog.Close(); tLog.Close() })
	ts.Setenv("GITHUB_API", gh.URL+"/")
	ts.Setenv("VERCEL_API", vc.URL)
	ts.Setenv("SUPABASE_API", sb.URL)
	fakes.Store(ts.Getenv("WORK"), f)
}

// route names a request for fault injection: GitHub's "user", "list",
// "create", "edit", "comment", "comments" (listing them), "search";
// "vercel-read", "vercel-write", "supabase-read", "supabase-write".
func route(r *http.Request) string {
	p := strings.TrimPrefix(r.URL.Path, "/api/v3")
	switch {
	case envPath.MatchString(p) || secretsPath.MatchString(p):
		api := "vercel"
		if secretsPath.MatchString(p) {
			api = "supabase"
		}
		if r.Method == "GET" {
			return api + "-read"
		}
		return api + "-write"
	case p == "/user":
		return "user"
	case p == "/search/issues":
		return "search"
	case commentPath.MatchString(p):
		if r.Method == "POST" {
			return "comment"
		}
		return "comments"
	case issuesPath.MatchString(p):
		if r.Method == "POST" {
			return "create"
		}
		return "list"
	case issuePath.MatchString(p):
		return "edit"
	}
	return "other"
}

// withFaults serves h, or the next fault injected for the request's
// route.
func (f *fakeAPIs) withFaults(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rt := route(r)
		f.mu.Lock()
		var kind string
		if q := f.faults[rt]; len(q) > 0 {
			kind, f.faults[rt] = q[0], q[1:]
		}
		f.mu.Unlock()
		switch kind {
		case "":
			h(w, r)
		case "500":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"message":"Server Error"}`)
		case "429":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"message":"You have exceeded a secondary rate limit"}`)
		case "lost", "hang":
			h(httptest.NewRecorder(), r) // carried out; the reply never arrives
			if kind == "hang" {
				f.mu.Lock()
				release := f.release
				f.mu.Unlock()
				f.hung <- struct{}{}
				select {
				case <-release:
				case <-r.Context().Done():
				case <-time.After(2 * time.Minute):
				}
			}
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
				}
			}
		default:
			panic("fakeapis: unknown fault " + kind)
		}
	}
}

func (f *fakeAPIs) record(log *os.File, r *http.Request) []byte {
	b, _ := io.ReadAll(r.Body)
	fmt.Fprintf(log, "%s %s\n%s\n", r.Method, r.URL.String(), b)
	return b
}

func (f *fakeAPIs) bad(w http.ResponseWriter, r *http.Request) {
	f.unknown = append(f.unknown, r.Method+" "+r.URL.Path)
	http.Error(w, `{"message":"not found"}`, http.StatusNotFound)
}

var (
	issuePath   = regexp.MustCompile(`^/repos/[^/]+/[^/]+/issues/(\d+)$`)
	commentPath = regexp.MustCompile(`^/repos/[^/]+/[^/]+/issues/(\d+)/comments$`)
	issuesPath  = regexp.MustCompile(`^/repos/[^/]+/[^/]+/issues$`)
)

func (f *fakeAPIs) github(w http.ResponseWriter, r *http.Request) {
	// Served as GitHub Enterprise serves it, under /api/v3.
	r.URL.Path = strings.TrimPrefix(r.URL.Path, "/api/v3")
	f.mu.Lock()
	defer f.mu.Unlock()
	body := f.record(f.ghLog, r)
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") && !strings.HasPrefix(r.Header.Get("Authorization"), "token ") {
		w.WriteHeader(http.StatusUnauthorized)
		enc.Encode(map[string]string{"message": "Bad credentials"})
		return
	}
	switch {
	case r.Method == "GET" && r.URL.Path == "/user":
		enc.Encode(map[string]any{"login": "leakguard-bot", "id": 1})
	case r.Method == "GET" && r.URL.Path == "/search/issues":
		// The search index lags: it never finds anything here.
		enc.Encode(map[string]any{"total_count": 0, "items": []any{}})
	case r.Method == "GET" && issuesPath.MatchString(r.URL.Path):
		if r.URL.Query().Get("page") != "" && r.URL.Query().Get("page") != "1" {
			enc.Encode([]any{})
			return
		}
		enc.Encode(f.issues)
	case r.Method == "POST" && issuesPath.MatchString(r.URL.Path):
		var in map[string]any
		json.Unmarshal(body, &in)
		n := len(f.issues) + 1
		in["number"] = n
		in["state"] = "open"
		in["user"] = map[string]string{"login": "leakguard-bot"}
		in["html_url"] = fmt.Sprintf("https://github.test/acme/infra/issues/%d", n)
		var labels []map[string]string
		if ls, ok := in["labels"].([]any); ok {
			for _, l := range ls {
				labels = append(labels, map[string]string{"name": fmt.Sprint(l)})
			}
		}
		in["labels"] = labels
		f.issues = append(f.issues, in)
		w.WriteHeader(http.StatusCreated)
		enc.Encode(in)
	case r.Method == "PATCH" && issuePath.MatchString(r.URL.Path):
		n, _ := strconv.Atoi(issuePath.FindStringSubmatch(r.URL.Path)[1])
		if n < 1 || n > len(f.issues) {
			f.bad(w, r)
			return
		}
		var in map[string]any
		json.Unmarshal(body, &in)
		for k, v := range in {
			if k != "labels" {
				f.issues[n-1][k] = v
			}
		}
		enc.Encode(f.issues[n-1])
	case r.Method == "POST" && commentPath.MatchString(r.URL.Path):
		n, _ := strconv.Atoi(commentPath.FindStringSubmatch(r.URL.Path)[1])
		var in map[string]any
		json.Unmarshal(body, &in)
		f.comments[n] = append(f.comments[n], fmt.Sprint(in["body"]))
		w.WriteHeader(http.StatusCreated)
		enc.Encode(map[string]any{"id": len(f.comments[n]), "body": in["body"]})
	case r.Method == "GET" && commentPath.MatchString(r.URL.Path):
		n, _ := strconv.Atoi(commentPath.FindStringSubmatch(r.URL.Path)[1])
		var out []map[string]any
		for i, c := range f.comments[n] {
			out = append(out, map[string]any{"id": i + 1, "body": c, "user": map[string]string{"login": "leakguard-bot"}})
		}
		enc.Encode(out)
	default:
		f.bad(w, r)
	}
}

var envPath = regexp.MustCompile(`^/v(9|10)/projects/([^/]+)/env(?:/([^/]+))?$`)

func (f *fakeAPIs) vercelAPI(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body := f.record(f.tLog, r)
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		w.WriteHeader(http.StatusForbidden)
		enc.Encode(map[string]any{"error": map[string]string{"code": "forbidden", "message": "Not authorized"}})
		return
	}
	m := envPath.FindStringSubmatch(r.URL.Path)
	switch {
	case m != nil && r.Method == "GET" && m[3] == "":
		// As Vercel documents: values come back only with decrypt=true,
		// and never for sensitive variables.
		var envs []map[string]any
		for _, e := range f.vercel {
			out := map[string]any{}
			for k, v := range e {
				out[k] = v
			}
			switch {
			case e["type"] == "sensitive" || r.URL.Query().Get("decrypt") != "true":
				delete(out, "value")
			default:
				out["decrypted"] = true
			}
			envs = append(envs, out)
		}
		enc.Encode(map[string]any{"envs": envs})
	case m != nil && r.Method == "GET" && m[3] != "":
		for _, e := range f.vercel {
			if e["id"] == m[3] {
				enc.Encode(e)
				return
			}
		}
		f.bad(w, r)
	case m != nil && r.Method == "POST" && m[1] == "10":
		var objs []map[string]any
		if err := json.Unmarshal(body, &objs); err != nil {
			var one map[string]any
			json.Unmarshal(body, &one)
			objs = []map[string]any{one}
		}
		var created []map[string]any
		for _, o := range objs {
			key := fmt.Sprint(o["key"])
			if _, ok := f.vercel[key]; ok && r.URL.Query().Get("upsert") != "true" {
				w.WriteHeader(http.StatusBadRequest)
				enc.Encode(map[string]any{"error": map[string]string{"code": "ENV_ALREADY_EXISTS", "message": "exists"}})
				return
			}
			o["id"] = "env_" + key
			f.vercel[key] = o
			created = append(created, o)
		}
		w.WriteHeader(http.StatusCreated)
		enc.Encode(map[string]any{"created": created})
	case m != nil && r.Method == "PATCH" && m[3] != "":
		var o map[string]any
		json.Unmarshal(body, &o)
		for k, e := range f.vercel {
			if e["id"] == m[3] {
				for kk, v := range o {
					e[kk] = v
				}
				f.vercel[k] = e
				enc.Encode(e)
				return
			}
		}
		f.bad(w, r)
	default:
		f.bad(w, r)
	}
}

var secretsPath = regexp.MustCompile(`^/v1/projects/([^/]+)/secrets$`)

func (f *fakeAPIs) supabaseAPI(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body := f.record(f.tLog, r)
	w.Header().Set("Content-Type", "application/json")
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") || !secretsPath.MatchString(r.URL.Path) {
		f.bad(w, r)
		return
	}
	switch r.Method {
	case "GET":
		var out []map[string]string
		for n, v := range f.supabase {
			sum := sha256.Sum256([]byte(v))
			out = append(out, map[string]string{"name": n, "value": hex.EncodeToString(sum[:])})
		}
		json.NewEncoder(w).Encode(out)
	case "POST":
		var in []map[string]string
		if err := json.Unmarshal(body, &in); err != nil {
			http.Error(w, `{"message":"bad body"}`, http.StatusBadRequest)
			return
		}
		for _, s := range in {
			f.supabase[s["name"]] = s["value"]
		}
		w.WriteHeader(http.StatusCreated)
	default:
		f.bad(w, r)
	}
}

// pgSetup is the testscript command "pgsetup": it creates a fresh
// app_secrets-shaped table in the test database and sets $DATABASE_URL
// and $PG_TABLE. "pgsetup has KEY VAR" checks the table holds $VAR;
// "pgsetup set KEY VAR" edits the row to $VAR.
func pgSetup(ts *testscript.TestScript, neg bool, args []string) {
	dsn := os.Getenv("LEAKGUARD_TEST_PG_DSN")
	if dsn == "" {
		ts.Fatalf("pgsetup needs LEAKGUARD_TEST_PG_DSN (guard with [pg])")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	ts.Check(err)
	defer conn.Close(ctx)
	if len(args) == 3 && args[0] == "set" {
		// Drift: someone edited the row by hand.
		tag, err := conn.Exec(ctx, "UPDATE "+pgx.Identifier{ts.Getenv("PG_TABLE")}.Sanitize()+" SET value = $2 WHERE key = $1", args[1], ts.Getenv(args[2]))
		ts.Check(err)
		if tag.RowsAffected() == 0 {
			ts.Fatalf("postgres has no row for %s", args[1])
		}
		return
	}
	if len(args) == 3 && args[0] == "has" {
		var v string
		err := conn.QueryRow(ctx, "SELECT value FROM "+pgx.Identifier{ts.Getenv("PG_TABLE")}.Sanitize()+" WHERE key = $1", args[1]).Scan(&v)
		ts.Check(err)
		if v != ts.Getenv(args[2]) {
			ts.Fatalf("postgres %s does not hold $%s", args[1], args[2])
		}
		return
	}
	table := fmt.Sprintf("app_secrets_%d", time.Now().UnixNano())
	_, err = conn.Exec(ctx, "CREATE TABLE "+table+" (key text NOT NULL, value text NOT NULL, environment text NOT NULL, project_id text NOT NULL, UNIQUE (key, environment, project_id))")
	ts.Check(err)
	ts.Setenv("DATABASE_URL", dsn)
	ts.Setenv("PG_TABLE", table)
}
