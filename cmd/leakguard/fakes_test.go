package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/leakguard/leakguard/internal/testkit/fakeapi"
	"github.com/leakguard/leakguard/remediate"
)

// fakeAPIs are a script's fakes of the GitHub, Vercel and Supabase APIs
// (testkit/fakeapi), serving acme/infra, project infra and project ref
// abcdefghijklmnopqrst. Bodies sent to GitHub (which must hold no secret)
// are copied to $WORK/github-http.log, those sent to the targets to
// $WORK/targets-http.log.
type fakeAPIs struct {
	t       *fakeapi.Collect
	gh      *fakeapi.GitHub
	vc      *fakeapi.Vercel
	sb      *fakeapi.Supabase
	hold    *fakeapi.Hold
	mu      sync.Mutex
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
//	fakeapis fault ROUTE KIND... [then ROUTE2 KIND...]
//	                              the next calls of ROUTE fail, in order (and
//	                              once the last has, those of ROUTE2, of the
//	                              same API): pass (no fault), 500, 429 (Retry-After: 1),
//	                              ratelimit (GitHub's, for an hour), lost
//	                              (carried out, the connection dropped before
//	                              the reply), hang (carried out, then held
//	                              until release), slow (carried out, answered
//	                              after the client gave up); routes: GitHub's
//	                              (user, search, list, create, get, edit,
//	                              comment, comments), vercel-read,
//	                              vercel-write, supabase-read, supabase-write
//	fakeapis wait-hung            block until a request is held
//	fakeapis release              let held requests go (their connection drops)
//	fakeapis plant ID LOGIN       LOGIN opens an issue carrying incident ID's marker
//	fakeapis ours ID OPEN         leakguard's user has exactly OPEN open issues
//	                              carrying ID's marker, any other closed as a
//	                              duplicate; planted issues are untouched
//	fakeapis unique-comments      no event comment was posted twice
//	fakeapis comments-with ID EVENT N  the issues of ours carrying ID's marker
//	                              hold N comments with EVENT's marker
//	fakeapis vercel-set KEY VAR   a dashboard edit: Vercel's KEY holds $VAR
func startAPIs(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Check(newFakeAPIs(ts))
		return
	}
	v, ok := fakes.Load(ts.Getenv("WORK"))
	if !ok {
		ts.Fatalf("fakeapis: not started")
	}
	f := v.(*fakeAPIs)
	switch args[0] {
	case "wait-hung":
		if !f.hold.Wait(time.Minute) {
			ts.Fatalf("no request was held")
		}
	case "release":
		f.hold.Release()
	case "check":
		if errs := f.t.Errors(); len(errs) > 0 {
			ts.Fatalf("unexpected API calls: %v", errs)
		}
	case "count-issues":
		if n := f.gh.Count(); strconv.Itoa(n) != args[1] {
			ts.Fatalf("%d issues, want %s", n, args[1])
		}
	case "closed":
		if is := f.issue(ts, args[1]); is.State != "closed" {
			ts.Fatalf("issue %d is %s", is.Number, is.State)
		}
	case "comments":
		is := f.issue(ts, args[1])
		min, _ := strconv.Atoi(args[2])
		if len(is.Comments) < min {
			ts.Fatalf("issue %d has %d comments, want at least %d", is.Number, len(is.Comments), min)
		}
	case "vercel-has":
		// vercel-has KEY VAR: Vercel holds $VAR under KEY.
		if !f.vc.Holds(args[1], ts.Getenv(args[2])) {
			ts.Fatalf("vercel %s does not hold $%s", args[1], args[2])
		}
	case "supabase-has":
		if f.sb.Secrets()[args[1]] != ts.Getenv(args[2]) {
			ts.Fatalf("supabase %s does not hold $%s", args[1], args[2])
		}
	case "fault":
		f.inject(ts, args[1], args[2:])
	case "plant":
		body := "Found a leaked key.\n\n" + remediate.Marker(args[1]) + "\n"
		n := f.gh.Seed(fakeapi.Issue{Title: "Leaked secret: please rotate", Body: body, Author: args[2], Labels: []string{"security"}})
		f.gh.Unindex() // GitHub's search index lags: it finds nothing here
		f.mu.Lock()
		f.planted[n] = body
		f.mu.Unlock()
	case "ours":
		f.ours(ts, args[1], args[2])
	case "unique-comments":
		ev := regexp.MustCompile(`<!-- leakguard:event=[^ ]+ -->`)
		for _, is := range f.gh.Issues() {
			seen := map[string]bool{}
			for _, c := range is.Comments {
				for _, m := range ev.FindAllString(c, -1) {
					if seen[m] {
						ts.Fatalf("issue %d: %s posted twice", is.Number, m)
					}
					seen[m] = true
				}
			}
		}
	case "comments-with":
		marker, ev, n := remediate.Marker(args[1]), remediate.EventMarker(args[2]), 0
		for _, is := range f.gh.Issues() {
			if strings.Contains(is.Body, marker) && is.Author == "" {
				for _, c := range is.Comments {
					n += strings.Count(c, ev)
				}
			}
		}
		if strconv.Itoa(n) != args[3] {
			ts.Fatalf("%d comments with %s on %s's issues, want %s", n, ev, args[1], args[3])
		}
	case "vercel-set":
		if !f.vc.Edit(args[1], ts.Getenv(args[2])) {
			ts.Fatalf("vercel has no %s", args[1])
		}
	default:
		ts.Fatalf("fakeapis: unknown check %q", args[0])
	}
}

func newFakeAPIs(ts *testscript.TestScript) error {
	ghLog, err := os.Create(filepath.Join(ts.Getenv("WORK"), "github-http.log"))
	if err != nil {
		return err
	}
	tLog, err := os.Create(filepath.Join(ts.Getenv("WORK"), "targets-http.log"))
	if err != nil {
		return err
	}
	c := &fakeapi.Collect{Defer: ts.Defer}
	f := &fakeAPIs{t: c, hold: fakeapi.NewHold(), planted: map[int]string{}}
	ts.Defer(func() { ghLog.Close(); tLog.Close() })
	f.gh = fakeapi.NewGitHub(c)
	f.gh.Set(func() {
		f.gh.Owner, f.gh.Repo, f.gh.Token = "acme", "infra", "" // any token
		f.gh.LagSearch = true                                   // and never indexed: search finds nothing
		f.gh.Log, f.gh.Hold = ghLog, f.hold
	})
	f.vc = fakeapi.NewVercel(c, "infra", "")
	f.sb = fakeapi.NewSupabase(c, "abcdefghijklmnopqrst", "")
	f.vc.Set(func() { f.vc.Log, f.vc.Hold = tLog, f.hold })
	f.sb.Set(func() { f.sb.Log, f.sb.Hold = tLog, f.hold })
	ts.Setenv("GITHUB_API", f.gh.APIURL()+"/")
	ts.Setenv("VERCEL_API", f.vc.URL)
	ts.Setenv("SUPABASE_API", f.sb.URL)
	fakes.Store(ts.Getenv("WORK"), f)
	return nil
}

// inject queues faults of the kinds in the usage above; "then ROUTE
// KIND..." (a route of the same API) queues more once the last fault
// before it is applied.
func (f *fakeAPIs) inject(ts *testscript.TestScript, route string, args []string) {
	kinds, then, hasThen := args, []string(nil), false
	if i := slices.Index(args, "then"); i >= 0 {
		kinds, then, hasThen = args[:i], args[i+1:], true
	}
	fs := faults(ts, kinds)
	api, r := splitRoute(route)
	if hasThen {
		if len(fs) == 0 || len(then) < 2 {
			ts.Fatalf("usage: fakeapis fault ROUTE KIND... then ROUTE KIND...")
		}
		api2, r2 := splitRoute(then[0])
		if api2 != api {
			ts.Fatalf("fakeapis: %s and %s are not routes of one API", route, then[0])
		}
		fs[len(fs)-1].Then = map[string][]fakeapi.Fault{r2: faults(ts, then[1:])}
	}
	switch api {
	case "vercel":
		f.vc.Inject(r, fs...)
	case "supabase":
		f.sb.Inject(r, fs...)
	default:
		f.gh.Inject(r, fs...)
	}
}

// splitRoute splits "vercel-read" into its API and the fake's route;
// other routes are GitHub's.
func splitRoute(route string) (api, r string) {
	if a, rr, ok := strings.Cut(route, "-"); ok && (a == "vercel" || a == "supabase") {
		return a, rr
	}
	return "github", route
}

func faults(ts *testscript.TestScript, kinds []string) []fakeapi.Fault {
	var fs []fakeapi.Fault
	for _, k := range kinds {
		switch k {
		case "pass", "500", "lost", "hang", "slow":
			fs = append(fs, fakeapi.Fault{Kind: k})
		case "429":
			fs = append(fs, fakeapi.Fault{Kind: k, After: 1})
		case "ratelimit": // GitHub's primary rate limit, for an hour
			fs = append(fs, fakeapi.Fault{Kind: k, Reset: time.Now().Add(time.Hour).Unix()})
		default:
			ts.Fatalf("fakeapis: unknown fault %q", k)
		}
	}
	return fs
}

func (f *fakeAPIs) issue(ts *testscript.TestScript, num string) fakeapi.Issue {
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 || n > len(f.gh.Issues()) {
		ts.Fatalf("no issue %s", num)
	}
	return f.gh.Issue(n)
}

// ours checks that leakguard's user has exactly want open issues carrying
// incident id's marker, that it closed any other as a duplicate naming
// the issue it duplicates, and that planted issues are untouched.
func (f *fakeAPIs) ours(ts *testscript.TestScript, id, want string) {
	marker := remediate.Marker(id)
	f.mu.Lock()
	planted := maps.Clone(f.planted)
	f.mu.Unlock()
	open := 0
	for _, is := range f.gh.Issues() {
		if body, ok := planted[is.Number]; ok {
			if is.Body != body || is.State != "open" || is.Title != "Leaked secret: please rotate" || len(is.Comments) > 0 {
				ts.Fatalf("planted issue %d was touched: %+v", is.Number, is)
			}
			continue
		}
		if !strings.Contains(is.Body, marker) {
			continue
		}
		if is.State == "open" {
			open++
			continue
		}
		if is.StateReason == "not_planned" && !strings.Contains(strings.Join(is.Comments, "\n"), "Duplicate of #") {
			ts.Fatalf("issue %d closed as not planned without naming the issue it duplicates", is.Number)
		}
	}
	if strconv.Itoa(open) != want {
		ts.Fatalf("%d open issues of ours for %s, want %s", open, id, want)
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
