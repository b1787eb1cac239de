package ghissue

// Finding an incident's issue: the markers, the token's own login (only
// its issues are adopted), listing with pagination, and the duplicate
// check after a create.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/leakguard/leakguard/internal/hint"
)

// dedupe lists again after a create: when another run created an issue
// for the incident too, the lowest-numbered one is kept and the one this
// call created is closed as its duplicate, with a link.
func (t *Tracker) dedupe(ctx context.Context, id, marker string, labels []string, created *github.Issue) (int, string, bool, error) {
	keep, err := t.list1(ctx, marker, labels)
	if err != nil || keep == nil || keep.GetNumber() >= created.GetNumber() {
		// A failed listing keeps what was created: better one duplicate
		// than a lost issue.
		return created.GetNumber(), created.GetHTMLURL(), true, nil
	}
	msg := fmt.Sprintf("Duplicate of #%d: another leakguard run opened it at the same time.", keep.GetNumber())
	if err := t.closeAs(ctx, created.GetNumber(), msg, "not_planned"); err != nil {
		return 0, "", false, err
	}
	return keep.GetNumber(), keep.GetHTMLURL(), false, nil
}

// keepTitle gives an adopted issue leakguard's title back.
func (t *Tracker) keepTitle(ctx context.Context, iss *github.Issue, title string) error {
	if iss.GetTitle() == title {
		return nil
	}
	req := &github.IssueRequest{Title: &title}
	return t.call(ctx, fmt.Sprintf("retitle issue #%d", iss.GetNumber()), true, func(ctx context.Context, c *github.Client) (*github.Response, error) {
		_, resp, err := c.Issues.Edit(ctx, t.owner, t.name, iss.GetNumber(), req)
		return resp, err
	})
}

// whoami returns the token's login: GET /user, once; the configured
// BotLogin when the token may not read it (an installation token).
func (t *Tracker) whoami(ctx context.Context) (string, error) {
	t.mu.Lock()
	self := t.self
	t.mu.Unlock()
	if self != "" {
		return self, nil
	}
	var u *github.User
	var status int
	err := t.call(ctx, "read the token's user", true, func(ctx context.Context, c *github.Client) (*github.Response, error) {
		uu, resp, err := c.Users.Get(ctx, "")
		u = uu
		if resp != nil {
			status = resp.StatusCode
		}
		return resp, err
	})
	switch {
	case err == nil && u.GetLogin() != "":
		self = u.GetLogin()
	case (status == http.StatusForbidden || status == http.StatusNotFound) && t.botLogin != "":
		self = t.botLogin
	case err != nil && (status == http.StatusForbidden || status == http.StatusNotFound):
		return "", hint.Errorf("leakguard adopts only issues its own user opened; with an app installation token set GITHUB_ACTIONS=true (github-actions[bot]) or use a token that may read /user", "ghissue: the token may not read GET /user, so the author of leakguard's issues is unknown")
	case err != nil:
		return "", err
	default:
		return "", errors.New("ghissue: GET /user returned no login")
	}
	t.mu.Lock()
	t.self = self
	t.mu.Unlock()
	return self, nil
}

func (t *Tracker) remember(number int, marker string) {
	t.mu.Lock()
	t.markers[number] = marker
	t.mu.Unlock()
}

// find returns the lowest-numbered issue (any state) whose body holds
// marker, or nil.
func (t *Tracker) find(ctx context.Context, id, marker string, labels []string) (*github.Issue, error) {
	o, err := t.ours(ctx, marker)
	if err != nil {
		return nil, err
	}

	// 1. Search: sees the whole repository, but lags.
	q := fmt.Sprintf("repo:%s/%s %q in:body is:issue", t.owner, t.name, "leakguard:incident="+id)
	var res *github.IssuesSearchResult
	err = t.call(ctx, "search issues", true, func(ctx context.Context, c *github.Client) (*github.Response, error) {
		r, resp, err := c.Search.Issues(ctx, q, &github.SearchOptions{ListOptions: github.ListOptions{PerPage: t.perPage}})
		res = r
		return resp, err
	})
	if err != nil && ctx.Err() != nil {
		return nil, err
	}
	if err == nil && res != nil {
		for _, iss := range res.Issues {
			o.consider(iss)
		}
	}
	if o.best != nil {
		return o.best, nil
	}
	return t.listFind(ctx, labels, o)
}

// list1 finds the lowest-numbered issue of ours holding marker by listing
// only (consistent, unlike search).
func (t *Tracker) list1(ctx context.Context, marker string, labels []string) (*github.Issue, error) {
	o, err := t.ours(ctx, marker)
	if err != nil {
		return nil, err
	}
	return t.listFind(ctx, labels, o)
}

// ourIssue keeps the lowest-numbered issue holding marker that the
// token's own user opened: only those are adopted (anyone can compute an
// incident's marker from a public leak and open a look-alike).
type ourIssue struct {
	self, marker string
	best         *github.Issue
}

func (t *Tracker) ours(ctx context.Context, marker string) (*ourIssue, error) {
	self, err := t.whoami(ctx)
	if err != nil {
		return nil, err
	}
	return &ourIssue{self: self, marker: marker}, nil
}

func (o *ourIssue) consider(iss *github.Issue) {
	if iss == nil || iss.IsPullRequest() || !strings.Contains(iss.GetBody(), o.marker) || !strings.EqualFold(iss.GetUser().GetLogin(), o.self) {
		return
	}
	if o.best == nil || iss.GetNumber() < o.best.GetNumber() {
		o.best = iss
	}
}

// listFind runs the two listings of find.
func (t *Tracker) listFind(ctx context.Context, labels []string, o *ourIssue) (*github.Issue, error) {
	// 2. Listing: consistent. Every issue with the first label (the
	// configured ones come first), in every state. One label, so that an
	// issue opened with other labels by another configuration still counts.
	if len(labels) > 0 {
		if err := t.list(ctx, labels[:1], 0, o.consider); err != nil {
			return nil, err
		}
		if o.best != nil {
			return o.best, nil
		}
	}
	// 3. The newest issues whatever their labels, in case the labels were
	// dropped (GitHub drops labels a token may not apply) or none are set.
	pages := t.recentPages
	if len(labels) == 0 {
		pages = 0 // no label filter: scan everything
	}
	if err := t.list(ctx, nil, pages, o.consider); err != nil {
		return nil, err
	}
	return o.best, nil
}

// list pages through the repository's issues in every state, newest
// first, up to maxPages pages (0: all).
func (t *Tracker) list(ctx context.Context, labels []string, maxPages int, fn func(*github.Issue)) error {
	opts := &github.IssueListByRepoOptions{
		State: "all", Labels: labels, Sort: "created", Direction: "desc",
		ListOptions: github.ListOptions{PerPage: t.perPage},
	}
	for page := 1; ; page++ {
		var issues []*github.Issue
		var next int
		err := t.call(ctx, "list issues", true, func(ctx context.Context, c *github.Client) (*github.Response, error) {
			is, resp, err := c.Issues.ListByRepo(ctx, t.owner, t.name, opts)
			issues = is
			if resp != nil {
				next = resp.NextPage
			}
			return resp, err
		})
		if err != nil {
			return err
		}
		for _, iss := range issues {
			fn(iss)
		}
		if next == 0 || next <= opts.Page || (maxPages > 0 && page >= maxPages) {
			return nil
		}
		opts.Page = next
	}
}
