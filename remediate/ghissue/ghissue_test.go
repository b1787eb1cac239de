package ghissue

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/internal/retry"
	"github.com/leakguard/leakguard/internal/testkit/fakeapi"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/secret"
)

var testNow = time.Unix(1_700_000_000, 0)

// tracker returns a tracker talking to f whose waits are recorded.
func tracker(t *testing.T, f *fakeapi.GitHub, mod ...func(*Config)) (*Tracker, *sleeps) {
	t.Helper()
	cfg := Config{
		Repo:     f.Owner + "/" + f.Repo,
		APIURL:   f.APIURL(), // no trailing slash: New adds it
		TokenEnv: "LG_TEST_GH_TOKEN",
		Labels:   []string{"leakguard", "security"},
	}
	for _, m := range mod {
		m(&cfg)
	}
	env := map[string]string{"LG_TEST_GH_TOKEN": f.Token}
	tr, err := New(cfg, func(k string) string { return env[k] }, f.Client)
	if err != nil {
		t.Fatal(err)
	}
	s := &sleeps{}
	tr.Sleep = func(ctx context.Context, d time.Duration) error { return s.sleep(ctx, d) }
	tr.Now = func() time.Time { return testNow }
	return tr, s
}

func noToken(t *testing.T, f *fakeapi.GitHub, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), f.Token) {
		t.Fatalf("error contains the token: %v", err)
	}
}

func TestNew(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	_, err := New(Config{Repo: "acme/app"}, env(nil), nil)
	if err == nil || !strings.Contains(err.Error(), "GITHUB_TOKEN is not set") {
		t.Fatalf("missing token: got %v", err)
	}
	_, err = New(Config{Repo: "acme/app", TokenEnv: "GH_AUDIT"}, env(map[string]string{"GITHUB_TOKEN": "x"}), nil)
	if err == nil || !strings.Contains(err.Error(), "GH_AUDIT is not set") {
		t.Fatalf("missing custom token: got %v", err)
	}
	tok := "value" + "-of-token"
	for _, repo := range []string{"", "acme", "acme/", "/app", "acme/app/x", "a cme/app", "acme/.."} {
		_, err := New(Config{Repo: repo}, env(map[string]string{"GITHUB_TOKEN": tok}), nil)
		if err == nil || !strings.Contains(err.Error(), "not OWNER/NAME") {
			t.Errorf("repo %q: got %v", repo, err)
		}
		if err != nil && strings.Contains(err.Error(), tok) {
			t.Errorf("repo %q: error holds the token", repo)
		}
	}
	for _, u := range []string{"ftp://x/", "not a url", "https://user:pw@ghe.corp/api/v3"} {
		if _, err := New(Config{Repo: "a/b", APIURL: u}, env(map[string]string{"GITHUB_TOKEN": tok}), nil); err == nil {
			t.Errorf("api_url %q accepted", u)
		}
	}
	tr, err := New(Config{Repo: "acme/app.git"}, env(map[string]string{"GITHUB_TOKEN": tok}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Repo() != "acme/app" || tr.baseURL.String() != DefaultAPIURL {
		t.Errorf("defaults: repo %s, base %s", tr.Repo(), tr.baseURL)
	}
}

func TestAPIBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"":                               "https://api.github.com/",
		"https://api.github.com":         "https://api.github.com/",
		"https://ghe.corp":               "https://ghe.corp/api/v3/",
		"https://ghe.corp/":              "https://ghe.corp/api/v3/",
		"https://ghe.corp/api/v3":        "https://ghe.corp/api/v3/",
		"https://api.ghe.corp":           "https://api.ghe.corp/",
		"http://127.0.0.1:8080/github/":  "http://127.0.0.1:8080/github/",
		"https://acme.ghe.com/api/v3/  ": "https://acme.ghe.com/api/v3/",
	} {
		u, err := apiBaseURL(in)
		if err != nil || u.String() != want {
			t.Errorf("apiBaseURL(%q) = %v, %v; want %s", in, u, err, want)
		}
	}
}

func TestEnsureOpensOneIssue(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	f.Set(func() { f.LagSearch = true })
	tr, _ := tracker(t, f)
	ctx := context.Background()

	n, url, created, err := tr.Ensure(ctx, "inc-20240101-ab12", "Leaked key: OPENAI_API_KEY", "- [ ] rotate", []string{"openai", "leakguard"})
	if err != nil || !created || n != 1 {
		t.Fatalf("first Ensure = %d, %v, %v", n, created, err)
	}
	if url != "https://github.test/acme/app/issues/1" {
		t.Errorf("url %q", url)
	}
	is := f.Issue(1)
	if !strings.Contains(is.Body, remediate.Marker("inc-20240101-ab12")) || !strings.HasPrefix(is.Body, "- [ ] rotate\n") {
		t.Errorf("body %q", is.Body)
	}
	if want := []string{"leakguard", "security", "openai"}; !slices.Equal(is.Labels, want) {
		t.Errorf("labels %v, want %v", is.Labels, want)
	}
	// GET /user once (whose issues may be adopted), then after the create
	// a listing for a duplicate opened by a concurrent run.
	if got, want := f.Calls(), []string{"GET user", "GET search", "GET list", "GET list", "POST create", "GET list"}; !slices.Equal(got, want) {
		t.Errorf("calls %v, want %v", got, want)
	}
	q := f.SearchQueries()[0]
	if want := `repo:acme/app "leakguard:incident=inc-20240101-ab12" in:body is:issue`; q != want {
		t.Errorf("query %q, want %q", q, want)
	}

	// Re-run while the search index lags: the listing finds it.
	f.ResetCalls()
	n2, _, created, err := tr.Ensure(ctx, "inc-20240101-ab12", "Leaked key: OPENAI_API_KEY", "- [ ] rotate", []string{"openai"})
	if err != nil || created || n2 != n {
		t.Fatalf("second Ensure = %d, %v, %v", n2, created, err)
	}
	if got, want := f.Calls(), []string{"GET search", "GET list"}; !slices.Equal(got, want) {
		t.Errorf("calls %v, want %v", got, want)
	}

	// Once indexed, search alone finds it.
	f.Index()
	f.ResetCalls()
	n3, _, created, err := tr.Ensure(ctx, "inc-20240101-ab12", "Leaked key: OPENAI_API_KEY", "b", nil)
	if err != nil || created || n3 != n {
		t.Fatalf("third Ensure = %d, %v, %v", n3, created, err)
	}
	if got := f.Calls(); !slices.Equal(got, []string{"GET search"}) {
		t.Errorf("calls %v", got)
	}
	if f.Count() != 1 {
		t.Fatalf("%d issues, want 1", f.Count())
	}
	saw := f.Authorized()
	if saw == 0 {
		t.Error("no request carried the token")
	}
}

func TestEnsureBodyWithMarkerUnchanged(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	tr, _ := tracker(t, f)
	body := "intro\n" + remediate.Marker("i1") + "\nchecklist"
	if _, _, _, err := tr.Ensure(context.Background(), "i1", "t", body, nil); err != nil {
		t.Fatal(err)
	}
	if got := f.Issue(1).Body; got != body {
		t.Errorf("body changed: %q", got)
	}
}

// A run opens the issue and crashes before recording its number; the next
// run, a new process, must find that issue although search does not yet.
func TestEnsureAfterCrash(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	f.Set(func() { f.LagSearch = true })
	first, _ := tracker(t, f)
	if _, _, _, err := first.Ensure(context.Background(), "inc-7", "t", "b", nil); err != nil {
		t.Fatal(err)
	}
	second, _ := tracker(t, f) // nothing remembered
	n, _, created, err := second.Ensure(context.Background(), "inc-7", "t", "b", nil)
	if err != nil || created || n != 1 || f.Count() != 1 {
		t.Fatalf("Ensure after crash = %d, %v, %v; %d issues", n, created, err, f.Count())
	}
}

// GitHub drops labels a token may not apply: the issue is then found among
// the newest issues.
func TestEnsureLabelsDropped(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	f.Set(func() { f.LagSearch, f.DropLabels = true, true })
	tr, _ := tracker(t, f)
	if _, _, _, err := tr.Ensure(context.Background(), "inc-8", "t", "b", nil); err != nil {
		t.Fatal(err)
	}
	f.ResetCalls()
	n, _, created, err := tr.Ensure(context.Background(), "inc-8", "t", "b", nil)
	if err != nil || created || n != 1 || f.Count() != 1 {
		t.Fatalf("Ensure = %d, %v, %v; %d issues", n, created, err, f.Count())
	}
	if got, want := f.Calls(), []string{"GET search", "GET list", "GET list"}; !slices.Equal(got, want) {
		t.Errorf("calls %v, want %v", got, want)
	}
}

// When the reply to a create is lost, the issue may exist: it is looked
// for again before any second create.
func TestEnsureCreateReplyLost(t *testing.T) {
	for _, kind := range []string{"lost-malformed", "lost-502"} {
		t.Run(kind, func(t *testing.T) {
			f := fakeapi.NewGitHub(t)
			f.Set(func() { f.LagSearch = true })
			tr, s := tracker(t, f)
			f.Inject("create", fakeapi.Fault{Kind: kind})
			n, _, created, err := tr.Ensure(context.Background(), "inc-9", "t", "b", nil)
			if err != nil || !created || n != 1 || f.Count() != 1 {
				t.Fatalf("Ensure = %d, %v, %v; %d issues", n, created, err, f.Count())
			}
			creates := 0
			for _, c := range f.Calls() {
				if c == "POST create" {
					creates++
				}
			}
			if creates != 1 {
				t.Errorf("%d creates: %v", creates, f.Calls())
			}
			if len(s.all()) != 1 {
				t.Errorf("waits %v, want one backoff", s.all())
			}
		})
	}
}

// A create rejected outright (500 before anything happened) is retried
// after looking again.
func TestEnsureCreate500ThenSuccess(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	tr, _ := tracker(t, f)
	f.Inject("create", fakeapi.Fault{Kind: "500"})
	n, _, created, err := tr.Ensure(context.Background(), "inc-10", "t", "b", nil)
	if err != nil || !created || n != 1 || f.Count() != 1 {
		t.Fatalf("Ensure = %d, %v, %v; %d issues", n, created, err, f.Count())
	}
}

func TestEnsureFindsClosedIssue(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	f.Set(func() { f.LagSearch = true })
	f.Seed(fakeapi.Issue{Title: "other", Body: "unrelated", Labels: []string{"leakguard", "security"}})
	want := f.Seed(fakeapi.Issue{Title: "old", Body: "x\n" + remediate.Marker("inc-1"), State: "closed", Labels: []string{"leakguard"}}) // opened under an older config
	tr, _ := tracker(t, f)
	n, _, created, err := tr.Ensure(context.Background(), "inc-1", "t", "b", nil)
	if err != nil || created || n != want {
		t.Fatalf("Ensure = %d, %v, %v", n, created, err)
	}
}

// A marker for inc-1 must not satisfy inc-12, nor the other way round,
// even though search's phrase matching returns both; pull requests do not
// count.
func TestEnsureExactMarker(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	f.Seed(fakeapi.Issue{Body: remediate.Marker("inc-12"), Labels: []string{"leakguard", "security"}})
	f.Seed(fakeapi.Issue{Body: remediate.Marker("inc-1"), PR: true, Labels: []string{"leakguard", "security"}})
	tr, _ := tracker(t, f)
	n, _, created, err := tr.Ensure(context.Background(), "inc-1", "t", "b", nil)
	if err != nil || !created || n != 3 {
		t.Fatalf("Ensure = %d, %v, %v", n, created, err)
	}
}

func TestEnsurePaginates(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	f.Set(func() { f.LagSearch = true })
	target := f.Seed(fakeapi.Issue{Body: remediate.Marker("inc-p"), Labels: []string{"leakguard", "security"}})
	for range 6 {
		f.Seed(fakeapi.Issue{Body: "noise", Labels: []string{"leakguard", "security"}})
	}
	f.Unindex() // none searchable
	tr, _ := tracker(t, f)
	tr.perPage = 2
	n, _, created, err := tr.Ensure(context.Background(), "inc-p", "t", "b", nil)
	if err != nil || created || n != target {
		t.Fatalf("Ensure = %d, %v, %v; calls %v", n, created, err, f.Calls())
	}
	lists := 0
	for _, c := range f.Calls() {
		if c == "GET list" {
			lists++
		}
	}
	if lists != 4 {
		t.Errorf("%d list pages, want 4: %v", lists, f.Calls())
	}
}

// Search is an accelerator: when it fails, the listing decides.
func TestEnsureSearchFailureFallsBack(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	want := f.Seed(fakeapi.Issue{Body: remediate.Marker("inc-s"), Labels: []string{"leakguard", "security"}})
	tr, _ := tracker(t, f)
	f.Inject("search", fakeapi.Fault{Kind: "422"})
	n, _, created, err := tr.Ensure(context.Background(), "inc-s", "t", "b", nil)
	if err != nil || created || n != want {
		t.Fatalf("Ensure = %d, %v, %v", n, created, err)
	}
}

func TestEnsureRejectsBadID(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	tr, _ := tracker(t, f)
	for _, id := range []string{"", "a b", `a"b`, "a-->b", "a\nb"} {
		if _, _, _, err := tr.Ensure(context.Background(), id, "t", "b", nil); err == nil {
			t.Errorf("id %q accepted", id)
		}
	}
	if len(f.Calls()) != 0 {
		t.Errorf("calls made: %v", f.Calls())
	}
}

func TestUpdateKeepsMarker(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	tr, _ := tracker(t, f)
	ctx := context.Background()
	n, _, _, err := tr.Ensure(ctx, "inc-u", "t", "- [ ] rotate", nil)
	if err != nil {
		t.Fatal(err)
	}
	f.ResetCalls()
	if err := tr.Update(ctx, n, "- [x] rotate"); err != nil {
		t.Fatal(err)
	}
	if got := f.Issue(n).Body; got != "- [x] rotate\n\n"+remediate.Marker("inc-u")+"\n" {
		t.Errorf("body %q", got)
	}
	if got := f.Calls(); !slices.Equal(got, []string{"PATCH edit"}) {
		t.Errorf("calls %v", got)
	}

	// A new process does not know the marker: it reads it from the issue.
	other, _ := tracker(t, f)
	f.ResetCalls()
	if err := other.Update(ctx, n, "- [x] rotate\n- [x] verify\n"); err != nil {
		t.Fatal(err)
	}
	if got := f.Issue(n).Body; got != "- [x] rotate\n- [x] verify\n\n"+remediate.Marker("inc-u")+"\n" {
		t.Errorf("body %q", got)
	}
	if got := f.Calls(); !slices.Equal(got, []string{"GET get", "PATCH edit"}) {
		t.Errorf("calls %v", got)
	}

	// A body that carries the marker is sent as is.
	body := remediate.Marker("inc-u") + "\nall done"
	if err := other.Update(ctx, n, body); err != nil {
		t.Fatal(err)
	}
	if got := f.Issue(n).Body; got != body {
		t.Errorf("body %q", got)
	}
}

func TestCommentAndClose(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	tr, _ := tracker(t, f)
	ctx := context.Background()
	n, _, _, err := tr.Ensure(ctx, "inc-c", "t", "b", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Comment(ctx, n, "rotated at the provider"); err != nil {
		t.Fatal(err)
	}
	if err := tr.Close(ctx, n, "all targets verified"); err != nil {
		t.Fatal(err)
	}
	is := f.Issue(n)
	if is.State != "closed" || is.StateReason != "completed" {
		t.Errorf("state %q reason %q", is.State, is.StateReason)
	}
	if want := []string{"rotated at the provider", "all targets verified"}; !slices.Equal(is.Comments, want) {
		t.Errorf("comments %q", is.Comments)
	}
	// Closing again succeeds.
	if err := tr.Close(ctx, n, ""); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if f.Issue(n).State != "closed" || len(f.Issue(n).Comments) != 2 {
		t.Errorf("after second close: %+v", f.Issue(n))
	}
	// An unknown issue is an error that names it.
	err = tr.Comment(ctx, 99, "x")
	if err == nil || !strings.Contains(err.Error(), "#99") {
		t.Errorf("comment on #99: %v", err)
	}
}

func TestRetry5xx(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	tr, s := tracker(t, f)
	f.Inject("list", fakeapi.Fault{Kind: "500"}, fakeapi.Fault{Kind: "500"})
	f.Inject("comment", fakeapi.Fault{Kind: "500"})
	f.Inject("edit", fakeapi.Fault{Kind: "500"})
	ctx := context.Background()
	n, _, _, err := tr.Ensure(ctx, "inc-r", "t", "b", nil)
	if err != nil || f.Count() != 1 {
		t.Fatalf("Ensure: %v, %d issues", err, f.Count())
	}
	if err := tr.Close(ctx, n, "done"); err != nil {
		t.Fatal(err)
	}
	ds := s.all()
	if len(ds) != 4 {
		t.Fatalf("waits %v, want 4", ds)
	}
	// Backoff with jitter: the second wait of a request is in [1s, 2s].
	if ds[0] < 500*time.Millisecond || ds[0] > time.Second || ds[1] < time.Second || ds[1] > 2*time.Second {
		t.Errorf("backoff %v", ds)
	}
}

func TestRetryGivesUp(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	tr, s := tracker(t, f)
	tr.MaxRetries = 2
	f.Inject("edit", fakeapi.Fault{Kind: "malformed"}, fakeapi.Fault{Kind: "500"}, fakeapi.Fault{Kind: "malformed"})
	err := tr.Update(context.Background(), 1, remediate.Marker("x"))
	if err == nil || !strings.Contains(err.Error(), "after 2 retries") || !strings.Contains(err.Error(), "acme/app") {
		t.Fatalf("got %v", err)
	}
	noToken(t, f, err)
	if len(s.all()) != 2 {
		t.Errorf("waits %v", s.all())
	}
}

func TestMalformedJSONRetried(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	f.Set(func() { f.LagSearch = true })
	tr, _ := tracker(t, f)
	f.Inject("search", fakeapi.Fault{Kind: "malformed"})
	f.Inject("list", fakeapi.Fault{Kind: "malformed"})
	if _, _, created, err := tr.Ensure(context.Background(), "inc-m", "t", "b", nil); err != nil || !created {
		t.Fatalf("Ensure: %v %v", created, err)
	}
	if f.Count() != 1 {
		t.Fatalf("%d issues", f.Count())
	}
}

func TestPrimaryRateLimitWaitsForReset(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	tr, s := tracker(t, f)
	f.Inject("create", fakeapi.Fault{Kind: "ratelimit", Reset: testNow.Add(30 * time.Second).Unix()})
	if _, _, created, err := tr.Ensure(context.Background(), "inc-rl", "t", "b", nil); err != nil || !created {
		t.Fatalf("Ensure: %v %v", created, err)
	}
	if ds := s.all(); !slices.Equal(ds, []time.Duration{31 * time.Second}) {
		t.Errorf("waits %v, want [31s]", ds)
	}
	if f.Count() != 1 {
		t.Fatalf("%d issues", f.Count())
	}
}

// go-github remembers a limit and refuses, without a request, to call
// before its reset on the real clock. The tracker's own wait must not be
// defeated by that memory: with the real clock and a reset in the future,
// the retry still reaches the server.
func TestPrimaryRateLimitRealClock(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	tr, s := tracker(t, f)
	tr.Now = time.Now
	f.Seed(fakeapi.Issue{Body: "b"})
	f.Inject("comment", fakeapi.Fault{Kind: "ratelimit", Reset: time.Now().Add(30 * time.Second).Unix()})
	if err := tr.Comment(context.Background(), 1, "x"); err != nil {
		t.Fatal(err)
	}
	if ds := s.all(); len(ds) != 1 || ds[0] < 25*time.Second || ds[0] > 32*time.Second {
		t.Errorf("waits %v, want about 31s", ds)
	}
	if got := f.Issue(1).Comments; len(got) != 1 {
		t.Errorf("comments %q", got)
	}
}

func TestPrimaryRateLimitTooLong(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	tr, s := tracker(t, f)
	f.Inject("comment", fakeapi.Fault{Kind: "ratelimit", Reset: testNow.Add(time.Hour).Unix()})
	err := tr.Comment(context.Background(), 1, "x")
	if !errors.Is(err, ErrRateLimited) || !strings.Contains(hint.Of(err), "retry later") || strings.Contains(err.Error(), "hint:") {
		t.Fatalf("got %v (hint %q): want the rate limit, with its hint apart from the message", err, hint.Of(err))
	}
	noToken(t, f, err)
	if len(s.all()) != 0 || len(f.Calls()) != 1 {
		t.Errorf("waits %v calls %v", s.all(), f.Calls())
	}
}

func TestSecondaryRateLimitHonoursRetryAfter(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	tr, s := tracker(t, f)
	f.Seed(fakeapi.Issue{Body: "b"})
	f.Inject("edit", fakeapi.Fault{Kind: "abuse", After: 7}, fakeapi.Fault{Kind: "429", After: 3})
	if err := tr.Close(context.Background(), 1, ""); err != nil {
		t.Fatal(err)
	}
	if ds := s.all(); !slices.Equal(ds, []time.Duration{7 * time.Second, 3 * time.Second}) {
		t.Errorf("waits %v, want [7s 3s]", ds)
	}
	if f.Issue(1).State != "closed" {
		t.Error("not closed")
	}
	// Longer than MaxWait: fail at once.
	f.Inject("comment", fakeapi.Fault{Kind: "abuse", After: 600})
	err := tr.Comment(context.Background(), 1, "x")
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("got %v", err)
	}
}

func TestContextCancelled(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	tr, _ := tracker(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	tr.Sleep = func(ctx context.Context, d time.Duration) error {
		cancel()
		return ctx.Err()
	}
	f.Inject("comment", fakeapi.Fault{Kind: "500"})
	f.Seed(fakeapi.Issue{Body: "b"})
	err := tr.Comment(ctx, 1, "x")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if len(f.Issue(1).Comments) != 0 {
		t.Error("commented after cancel")
	}
	if _, _, _, err := tr.Ensure(ctx, "inc-x", "t", "b", nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Ensure on cancelled ctx: %v", err)
	}
}

func TestTokenNeverInErrors(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	tr, _ := tracker(t, f)
	f.Seed(fakeapi.Issue{Body: "b"})
	f.Inject("comment", fakeapi.Fault{Kind: "echo"})
	err := tr.Comment(context.Background(), 1, "x")
	if err == nil {
		t.Fatal("no error")
	}
	noToken(t, f, err)
	if !strings.Contains(err.Error(), "[REDACTED]") {
		t.Errorf("echoed token not redacted: %v", err)
	}
}

func TestForbid(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	tr, _ := tracker(t, f)
	ctx := context.Background()
	leaked := "sk-" + strings.Repeat("Q7", 20) // built at test time
	tr.Forbid(secret.New(leaked), secret.Value{})
	n := f.Seed(fakeapi.Issue{Body: remediate.Marker("inc-f")})

	check := func(name string, err error) {
		t.Helper()
		if !errors.Is(err, ErrForbidden) {
			t.Errorf("%s: got %v, want ErrForbidden", name, err)
		}
		if err != nil && strings.Contains(err.Error(), leaked) {
			t.Errorf("%s: error holds the secret", name)
		}
		noToken(t, f, err)
	}
	_, _, _, err := tr.Ensure(ctx, "inc-g", "t", "key "+leaked+" leaked", nil)
	check("Ensure body", err)
	_, _, _, err = tr.Ensure(ctx, "inc-g", "leak of "+leaked, "b", nil)
	check("Ensure title", err)
	check("Update", tr.Update(ctx, n, "x"+leaked))
	check("Comment", tr.Comment(ctx, n, leaked))
	check("Close", tr.Close(ctx, n, "closing "+leaked))
	check("token in body", tr.Comment(ctx, n, "token: "+f.Token))
	if len(f.Calls()) != 0 {
		t.Errorf("calls made: %v", f.Calls())
	}
	// Redacted text passes.
	if err := tr.Comment(ctx, n, "key "+secret.Redact(leaked)+" leaked"); err != nil {
		t.Fatal(err)
	}
}

func TestEnsureCreateKeepsFailing(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	tr, s := tracker(t, f)
	tr.MaxRetries = 1
	f.Inject("create", fakeapi.Fault{Kind: "500"}, fakeapi.Fault{Kind: "500"})
	_, _, _, err := tr.Ensure(context.Background(), "inc-k", "t", "b", nil)
	if err == nil || !strings.Contains(err.Error(), "open issue in acme/app") {
		t.Fatalf("got %v", err)
	}
	noToken(t, f, err)
	if f.Count() != 0 || len(s.all()) != 1 {
		t.Errorf("%d issues, waits %v", f.Count(), s.all())
	}
}

func TestSleepCtx(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := retry.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if err := retry.Sleep(context.Background(), time.Nanosecond); err != nil {
		t.Fatal(err)
	}
}

// In GitHub Actions the workflow's token cannot read GET /user: its
// issues are github-actions[bot]'s, and a re-run adopts the one it
// opened. Elsewhere such a token is refused with a hint; a configured
// BotLogin wins over the environment.
func TestActionsBotLogin(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	f.Set(func() { f.InstallationToken = true; f.Login = ActionsBot })
	ctx := context.Background()
	newTracker := func(cfg Config, actions string) *Tracker {
		t.Helper()
		cfg.Repo, cfg.APIURL, cfg.TokenEnv = f.Owner+"/"+f.Repo, f.APIURL(), "LG_TEST_GH_TOKEN"
		env := map[string]string{"LG_TEST_GH_TOKEN": f.Token, "GITHUB_ACTIONS": actions}
		tr, err := New(cfg, func(k string) string { return env[k] }, f.Client)
		if err != nil {
			t.Fatal(err)
		}
		tr.Sleep = func(context.Context, time.Duration) error { return nil }
		return tr
	}
	n, _, created, err := newTracker(Config{}, "true").Ensure(ctx, "inc-20240101-ab12", "Leaked key: K", "- [ ] rotate", nil)
	if err != nil || !created {
		t.Fatalf("first run: %d %v %v", n, created, err)
	}
	n2, _, created, err := newTracker(Config{}, "true").Ensure(ctx, "inc-20240101-ab12", "Leaked key: K", "- [ ] rotate", nil)
	if err != nil || created || n2 != n {
		t.Fatalf("re-run: issue %d (first %d), created %v, %v", n2, n, created, err)
	}
	_, _, _, err = newTracker(Config{}, "").Ensure(ctx, "inc-20240101-ab12", "Leaked key: K", "- [ ] rotate", nil)
	if err == nil || !strings.Contains(hint.Of(err), "set GITHUB_ACTIONS=true") {
		t.Fatalf("outside Actions: %v (hint %q)", err, hint.Of(err))
	}
	if tr := newTracker(Config{BotLogin: " other[bot] "}, "true"); tr.botLogin != "other[bot]" {
		t.Fatalf("configured bot login %q", tr.botLogin)
	}
}
