// Package ghissue keeps leakguard's audit issues on GitHub: one issue per
// incident, found again by the hidden [remediate.Marker] in its body, so
// that re-running the playbook never opens a second issue.
//
// # Finding an incident's issue
//
// [Tracker.Ensure] looks for the marker twice. First with the search API
// (repo:OWNER/NAME "leakguard:incident=ID" in:body is:issue, any state),
// which sees every issue of the repository but lags behind: an issue
// opened moments ago, for example by a run that crashed before recording
// its number, is not in the index yet. So it also lists the repository's
// issues carrying the configured labels (every state, every page) and the
// most recent issues without a label filter, and scans their bodies.
// Listing is consistent, search is not; a failed search is not fatal.
//
// A create whose outcome is unknown (a 5xx, a dropped connection, a reply
// that is not JSON) is never retried blindly: the issue is looked for again
// first, and created again only if it is still missing.
//
// # Rate limits and retries
//
// go-github v60 reports limits but does not wait. The tracker waits: until
// the primary limit resets (*github.RateLimitError), for Retry-After on a
// secondary limit (*github.AbuseRateLimitError, or a 429), and with
// exponential backoff and jitter after a 5xx. A wait longer than
// [Tracker.MaxWait] fails at once with [ErrRateLimited] instead. Every
// attempt uses a fresh go-github client, so that the client's memory of a
// limit cannot short-circuit a retry the tracker has already waited for.
//
// # Secrets
//
// Titles, bodies and comments are sent unchanged: the caller redacts them.
// As defence in depth the tracker refuses, with [ErrForbidden], to send any
// text containing the API token or a value registered with
// [Tracker.Forbid]. Errors never contain the token or a registered value.
package ghissue

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/internal/retry"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/secret"
)

var _ remediate.IssueTracker = (*Tracker)(nil)

// DefaultAPIURL is the API of github.com.
const DefaultAPIURL = "https://api.github.com/"

// DefaultTokenEnv is the variable holding the token when github.token_env
// is not set.
const DefaultTokenEnv = "GITHUB_TOKEN"

// Errors the tracker returns, for errors.Is.
var (
	// ErrRateLimited means GitHub's rate limit outlasts MaxWait or the
	// retries.
	ErrRateLimited = errors.New("github rate limit exceeded")
	// ErrForbidden means the text to send contains the token or a value
	// registered with Forbid.
	ErrForbidden = errors.New("refusing to send text that contains a secret")
)

// Tracker is a [remediate.IssueTracker] backed by one GitHub repository.
// Its methods are safe for concurrent use once the exported fields are set.
type Tracker struct {
	// MaxWait caps a single rate-limit wait (default 2 minutes). A longer
	// wait fails with ErrRateLimited.
	MaxWait time.Duration
	// MaxRetries caps the retries of one request (default 5).
	MaxRetries int
	// Sleep waits d or until ctx is done (default: a timer). Tests replace
	// it to observe waits without taking them.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used to compute rate-limit waits (default time.Now).
	Now func() time.Time

	owner, name string
	token       string
	baseURL     *url.URL
	hc          *http.Client
	labels      []string

	perPage     int // page size of listings
	recentPages int // pages of unlabelled recent issues scanned

	mu       sync.Mutex
	forbid   []string       // values never sent
	markers  map[int]string // issue number → marker, learned by Ensure
	self     string         // the token's login (GET /user), once known
	botLogin string
}

// Config configures a [Tracker].
type Config struct {
	// Repo is "OWNER/NAME".
	Repo string
	// APIURL is the REST API root (default github.com's; a GitHub
	// Enterprise Server host gets /api/v3/).
	APIURL string
	// TokenEnv names the variable holding the token (default
	// GITHUB_TOKEN).
	TokenEnv string
	// Labels are put on new issues and used to find them again.
	Labels []string
	// BotLogin is the author of issues opened with a token that cannot
	// read GET /user (an installation token). Only issues by the token's
	// own user are adopted. Unset, in GitHub Actions ($GITHUB_ACTIONS is
	// "true") it is [ActionsBot]: the workflow's token cannot read GET
	// /user, and its issues are that bot's.
	BotLogin string
}

// ActionsBot is the author of the issues a GitHub Actions workflow's
// token opens.
const ActionsBot = "github-actions[bot]"

// New returns a tracker for cfg.Repo. The token is read through getenv
// from cfg.TokenEnv (default GITHUB_TOKEN); hc may be nil.
func New(cfg Config, getenv func(string) string, hc *http.Client) (*Tracker, error) {
	envName := cfg.TokenEnv
	if envName == "" {
		envName = DefaultTokenEnv
	}
	token := strings.TrimSpace(getenv(envName))
	if token == "" {
		return nil, hint.Errorf("export a token that may write issues in "+orUnset(cfg.Repo)+", or name another variable with github.token_env", "ghissue: %s is not set", envName)
	}
	owner, name, ok := strings.Cut(strings.TrimSpace(cfg.Repo), "/")
	if !ok || !validRepoPart(owner) || !validRepoPart(name) {
		return nil, hint.Errorf("set repo = \"owner/name\" in the [github] table", "ghissue: github.repo %q is not OWNER/NAME", cfg.Repo)
	}
	base, err := apiBaseURL(cfg.APIURL)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	bot := strings.TrimSpace(cfg.BotLogin)
	if bot == "" && getenv("GITHUB_ACTIONS") == "true" {
		bot = ActionsBot
	}
	t := &Tracker{
		MaxWait:     2 * time.Minute,
		MaxRetries:  5,
		Sleep:       retry.Sleep,
		Now:         time.Now,
		owner:       owner,
		name:        strings.TrimSuffix(name, ".git"),
		token:       token,
		baseURL:     base,
		hc:          hc,
		labels:      dedupe(cfg.Labels),
		perPage:     100,
		recentPages: 1,
		markers:     map[int]string{},
		botLogin:    bot,
	}
	return t, nil
}

func orUnset(repo string) string {
	if repo == "" {
		return "the configured repository"
	}
	return repo
}

func validRepoPart(s string) bool {
	if s == "" || s == "." || s == ".." {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
		default:
			return false
		}
	}
	return true
}

// apiBaseURL normalises github.api_url: empty means github.com; a GitHub
// Enterprise Server host without a path gets /api/v3/; the result always
// ends in a slash, as go-github requires.
func apiBaseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		raw = DefaultAPIURL
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, hint.Errorf("use https://api.github.com/ or https://HOST/api/v3/ for GitHub Enterprise Server", "ghissue: github.api_url %q is not an http(s) URL", raw)
	}
	if u.User != nil {
		return nil, hint.Errorf("put the token in the variable named by github.token_env", "ghissue: github.api_url must not contain credentials")
	}
	if u.Path == "" || u.Path == "/" {
		host := u.Hostname()
		if host != "api.github.com" && !strings.HasPrefix(host, "api.") && !strings.Contains(host, ".api.") {
			u.Path = "/api/v3/"
		}
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawPath = ""
	return u, nil
}

func dedupe(ss []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

// Repo returns "owner/name".
func (t *Tracker) Repo() string { return t.owner + "/" + t.name }

// Forbid registers values that must never be sent to GitHub. Ensure,
// Update, Comment and Close fail with ErrForbidden when their text
// contains one. Empty values are ignored.
func (t *Tracker) Forbid(values ...secret.Value) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, v := range values {
		if !v.IsZero() {
			t.forbid = append(t.forbid, v.Reveal())
		}
	}
}

// hintForbidden is what a user can do when leakguard refuses to post
// text that would show a secret.
const hintForbidden = "nothing was sent; pass --no-issue to record the incident without a GitHub issue, and open the issue by hand without the value"

// check refuses text that contains the token or a forbidden value. The
// error names the field, never the value.
func (t *Tracker) check(field string, texts ...string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, s := range texts {
		if strings.Contains(s, t.token) {
			return hint.Errorf(hintForbidden, "ghissue: %s: %w (the GitHub token)", field, ErrForbidden)
		}
		for _, f := range t.forbid {
			if containsPiece(s, f) {
				return hint.Errorf(hintForbidden, "ghissue: %s: %w (it would show 16 or more characters of a leaked or new value)", field, ErrForbidden)
			}
		}
	}
	return nil
}

// containsPiece reports whether s holds f, or any 16 consecutive bytes of
// it: a preview cut in the middle of a secret is a leak too.
func containsPiece(s, f string) bool {
	const piece = 16
	if len(f) <= piece {
		return strings.Contains(s, f)
	}
	for i := 0; i+piece <= len(f); i++ {
		if strings.Contains(s, f[i:i+piece]) {
			return true
		}
	}
	return false
}

// scrub removes the token and forbidden values from an error message.
func (t *Tracker) scrub(s string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s = strings.ReplaceAll(s, t.token, "[REDACTED]")
	for _, f := range t.forbid {
		s = strings.ReplaceAll(s, f, "[REDACTED]")
	}
	return s
}

// validID accepts incident ids that are safe inside an HTML comment and a
// quoted search phrase.
func validID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.', r == ':':
		default:
			return false
		}
	}
	return !strings.Contains(id, "--")
}

// Ensure finds the issue of incident id by its marker, in any state, or
// opens it with title, body (the marker appended when missing) and labels
// (the configured ones first, then these). When several issues carry the
// marker, the oldest wins. created is also true when this call opened the
// issue but lost GitHub's reply and found it again.
func (t *Tracker) Ensure(ctx context.Context, id, title, body string, labels []string) (int, string, bool, error) {
	if !validID(id) {
		return 0, "", false, hint.Errorf("use letters, digits, '.', '_', ':' and single '-'", "ghissue: incident id %q is not usable in a marker", id)
	}
	marker := remediate.Marker(id)
	if !strings.Contains(body, marker) {
		if body != "" && !strings.HasSuffix(body, "\n") {
			body += "\n"
		}
		body += "\n" + marker + "\n"
	}
	if err := t.check("issue title", title); err != nil {
		return 0, "", false, err
	}
	if err := t.check("issue body", body); err != nil {
		return 0, "", false, err
	}
	labels = dedupe(append(append([]string(nil), t.labels...), labels...))

	triedCreate := false
	for round := 0; ; round++ {
		iss, err := t.find(ctx, id, marker, labels)
		if err != nil {
			return 0, "", false, err
		}
		if iss != nil {
			t.remember(iss.GetNumber(), marker)
			if err := t.keepTitle(ctx, iss, title); err != nil {
				return 0, "", false, err
			}
			// When an earlier create of this call had an unknown outcome,
			// the issue found is the one it opened.
			return iss.GetNumber(), iss.GetHTMLURL(), triedCreate, nil
		}
		req := &github.IssueRequest{Title: &title, Body: &body}
		if len(labels) > 0 {
			req.Labels = &labels
		}
		var created *github.Issue
		// Only rejections that GitHub did not act on (rate limits) are
		// retried in place; anything else may have opened the issue.
		err = t.call(ctx, "open issue", false, func(ctx context.Context, c *github.Client) (*github.Response, error) {
			iss, resp, err := c.Issues.Create(ctx, t.owner, t.name, req)
			created = iss
			return resp, err
		})
		if err == nil && created.GetNumber() > 0 {
			t.remember(created.GetNumber(), marker)
			return t.dedupe(ctx, id, marker, labels, created)
		}
		if err == nil {
			err = errors.New("ghissue: open issue: GitHub returned no issue number")
		}
		var ue *unknownOutcome
		if !errors.As(err, &ue) || round >= t.maxRetries() {
			return 0, "", false, err
		}
		triedCreate = true
		if err := t.sleep(ctx, t.backoff(round)); err != nil {
			return 0, "", false, fmt.Errorf("ghissue: open issue: %w", err)
		}
	}
}

// Update replaces the body of issue number. The incident marker is kept:
// when body lacks one, the issue's current marker is appended.
func (t *Tracker) Update(ctx context.Context, number int, body string) error {
	if err := t.checkIssue("update issue", number, "issue body", body); err != nil {
		return err
	}
	if !strings.Contains(body, markerPrefix) {
		marker, err := t.markerOf(ctx, number)
		if err != nil {
			return err
		}
		if marker != "" {
			if body != "" && !strings.HasSuffix(body, "\n") {
				body += "\n"
			}
			body += "\n" + marker + "\n"
		}
	}
	if err := t.check("issue body", body); err != nil {
		return err
	}
	req := &github.IssueRequest{Body: &body}
	return t.call(ctx, fmt.Sprintf("update issue #%d", number), true, func(ctx context.Context, c *github.Client) (*github.Response, error) {
		_, resp, err := c.Issues.Edit(ctx, t.owner, t.name, number, req)
		return resp, err
	})
}

// checkIssue is the check before op on issue number: a valid number, and
// text (the field sent) free of forbidden values.
func (t *Tracker) checkIssue(op string, number int, field, text string) error {
	if number <= 0 {
		return fmt.Errorf("ghissue: %s: invalid number %d", op, number)
	}
	return t.check(field, text)
}

// markerPrefix starts every incident marker.
var markerPrefix = strings.TrimSuffix(remediate.Marker(""), " -->")

// markerOf returns the marker in issue number's current body, or "".
func (t *Tracker) markerOf(ctx context.Context, number int) (string, error) {
	t.mu.Lock()
	m, ok := t.markers[number]
	t.mu.Unlock()
	if ok {
		return m, nil
	}
	var iss *github.Issue
	err := t.call(ctx, fmt.Sprintf("read issue #%d", number), true, func(ctx context.Context, c *github.Client) (*github.Response, error) {
		i, resp, err := c.Issues.Get(ctx, t.owner, t.name, number)
		iss = i
		return resp, err
	})
	if err != nil {
		return "", err
	}
	b := iss.GetBody()
	i := strings.Index(b, markerPrefix)
	if i < 0 {
		return "", nil
	}
	j := strings.Index(b[i:], "-->")
	if j < 0 {
		return "", nil
	}
	m = b[i : i+j+len("-->")]
	t.remember(number, m)
	return m, nil
}

// Comment adds a comment to issue number. A comment carrying an event
// marker (remediate.EventMarker) is posted at most once: after an unknown
// outcome (a 5xx, a lost reply) the issue's comments are read for the
// marker before it is posted again. Others are retried like any call.
func (t *Tracker) Comment(ctx context.Context, number int, body string) error {
	if err := t.checkIssue("comment on issue", number, "comment", body); err != nil {
		return err
	}
	c := &github.IssueComment{Body: &body}
	op := fmt.Sprintf("comment on issue #%d", number)
	post := func(idempotent bool) error {
		return t.call(ctx, op, idempotent, func(ctx context.Context, cl *github.Client) (*github.Response, error) {
			_, resp, err := cl.Issues.CreateComment(ctx, t.owner, t.name, number, c)
			return resp, err
		})
	}
	marker := eventMarkerIn(body)
	if marker == "" {
		return post(true)
	}
	for round := 0; ; round++ {
		err := post(false)
		var ue *unknownOutcome
		if !errors.As(err, &ue) {
			return err
		}
		posted, lerr := t.HasComment(ctx, number, marker)
		if lerr != nil {
			return fmt.Errorf("%w (and listing the comments to check failed: %v)", err, lerr)
		}
		if posted {
			return nil
		}
		if round >= t.maxRetries() {
			return hint.Errorf("check https://www.githubstatus.com and retry", "%s", ue.msg)
		}
		if err := t.sleep(ctx, t.backoff(round)); err != nil {
			return fmt.Errorf("ghissue: %s: %w", op, err)
		}
	}
}

// eventMarkerIn returns the event marker in body, or "".
func eventMarkerIn(body string) string {
	pre := strings.TrimSuffix(remediate.EventMarker(""), " -->")
	i := strings.Index(body, pre)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "-->")
	if j < 0 {
		return ""
	}
	return body[i : i+j+len("-->")]
}

// HasComment reports whether issue number has a comment by the token's
// user that holds marker.
func (t *Tracker) HasComment(ctx context.Context, number int, marker string) (bool, error) {
	self, err := t.whoami(ctx)
	if err != nil {
		return false, err
	}
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: t.perPage}}
	for page := 1; ; page++ {
		var cs []*github.IssueComment
		var next int
		err := t.call(ctx, fmt.Sprintf("list comments of issue #%d", number), true, func(ctx context.Context, c *github.Client) (*github.Response, error) {
			l, resp, err := c.Issues.ListComments(ctx, t.owner, t.name, number, opts)
			cs = l
			if resp != nil {
				next = resp.NextPage
			}
			return resp, err
		})
		if err != nil {
			return false, err
		}
		for _, c := range cs {
			if strings.Contains(c.GetBody(), marker) && strings.EqualFold(c.GetUser().GetLogin(), self) {
				return true, nil
			}
		}
		if next == 0 || next <= opts.Page {
			return false, nil
		}
		opts.Page = next
	}
}

// List returns the audit issues of the token's user: every issue with
// the first configured label (or, without labels, every issue) whose
// body holds an incident marker.
func (t *Tracker) List(ctx context.Context) ([]remediate.IssueInfo, error) {
	self, err := t.whoami(ctx)
	if err != nil {
		return nil, err
	}
	var out []remediate.IssueInfo
	seen := map[string]bool{}
	fn := func(iss *github.Issue) {
		id := remediate.MarkerID(iss.GetBody())
		if id == "" || iss.IsPullRequest() || !strings.EqualFold(iss.GetUser().GetLogin(), self) || seen[id] {
			return
		}
		seen[id] = true
		out = append(out, remediate.IssueInfo{ID: id, Number: iss.GetNumber(), URL: iss.GetHTMLURL(), Title: iss.GetTitle(), Closed: iss.GetState() == "closed"})
	}
	var labels []string
	if len(t.labels) > 0 {
		labels = t.labels[:1]
	}
	if err := t.list(ctx, labels, 0, fn); err != nil {
		return nil, err
	}
	// Oldest first: the lowest number of an id wins.
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, nil
}

// Close comments (when comment is not empty) and closes issue number as
// completed. Closing an issue that is already closed succeeds; the comment
// is posted again, so callers record that they closed it.
func (t *Tracker) Close(ctx context.Context, number int, comment string) error {
	if err := t.checkIssue("close issue", number, "comment", comment); err != nil {
		return err
	}
	return t.closeAs(ctx, number, comment, "completed")
}

// closeAs comments and closes issue number with a state reason
// ("completed", "not_planned").
func (t *Tracker) closeAs(ctx context.Context, number int, comment, reason string) error {
	if comment != "" {
		if err := t.Comment(ctx, number, comment); err != nil {
			return err
		}
	}
	state := "closed"
	req := &github.IssueRequest{State: &state, StateReason: &reason}
	return t.call(ctx, fmt.Sprintf("close issue #%d", number), true, func(ctx context.Context, c *github.Client) (*github.Response, error) {
		_, resp, err := c.Issues.Edit(ctx, t.owner, t.name, number, req)
		return resp, err
	})
}
