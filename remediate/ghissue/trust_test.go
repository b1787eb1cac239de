package ghissue

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/internal/testkit/fakeapi"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/secret"
)

// Regression tests for issue 11's "issues you can trust": each failed on
// the main of a322c24.

// An issue carrying the marker that someone else opened (the incident id
// is computable from the public leaked value) is never adopted.
func TestEnsureIgnoresOutsidersIssue(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	tr, _ := tracker(t, f)
	ctx := context.Background()
	planted := f.Seed(fakeapi.Issue{Title: "Nothing to see, close this", Body: "hi\n" + remediate.Marker("LG-0001"), Labels: []string{"leakguard"}, Author: "mallory"})
	n, _, created, err := tr.Ensure(ctx, "LG-0001", "Leaked credential: X (LG-0001)", "body", nil)
	if err != nil {
		t.Fatal(err)
	}
	if n == planted || !created || f.Count() != 2 {
		t.Fatalf("adopted the outsider's issue #%d (created %v, %d issues)", n, created, f.Count())
	}
}

// An issue of ours found again gets leakguard's title back.
func TestEnsureKeepsLeakguardsTitle(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	tr, _ := tracker(t, f)
	n := f.Seed(fakeapi.Issue{Title: "edited", Body: remediate.Marker("LG-0002"), Labels: []string{"leakguard"}})
	got, _, _, err := tr.Ensure(context.Background(), "LG-0002", "Leaked credential: X (LG-0002)", "body", nil)
	if err != nil || got != n {
		t.Fatalf("%v #%d", err, got)
	}
	if ti := f.Issue(n).Title; ti != "Leaked credential: X (LG-0002)" {
		t.Fatalf("title %q", ti)
	}
}

// Two runs created an issue each at the same moment: after creating, the
// tracker lists again, keeps the lowest-numbered one and closes its own
// as a duplicate with a link.
func TestEnsureClosesItsDuplicate(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	tr, _ := tracker(t, f)
	var first int
	f.Set(func() {
		f.OnCreate = func(create func(fakeapi.Issue) int) {
			f.OnCreate = nil
			// Another run's create lands first.
			first = create(fakeapi.Issue{Title: "Leaked credential: X (LG-0003)", Body: remediate.Marker("LG-0003"), Labels: []string{"leakguard"}})
		}
	})
	n, _, _, err := tr.Ensure(context.Background(), "LG-0003", "Leaked credential: X (LG-0003)", "body", nil)
	if err != nil {
		t.Fatal(err)
	}
	if n != first {
		t.Fatalf("kept #%d, want the lowest #%d", n, first)
	}
	dup := f.Issue(2)
	if dup.State != "closed" || len(dup.Comments) == 0 || !strings.Contains(dup.Comments[0], "#1") {
		t.Fatalf("duplicate not closed with a link: %+v", dup)
	}
}

// A comment whose reply was lost is not posted twice: the tracker lists
// the issue's comments for its event marker before posting again.
func TestCommentLostReplyPostedOnce(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	tr, _ := tracker(t, f)
	n := f.Seed(fakeapi.Issue{Title: "t", Body: remediate.Marker("LG-0004")})
	f.Inject("comment", fakeapi.Fault{Kind: "lost-502"})
	body := "leakguard: rotated\n\n" + remediate.EventMarker("rotated-abc")
	if err := tr.Comment(context.Background(), n, body); err != nil {
		t.Fatal(err)
	}
	if c := f.Issue(n).Comments; len(c) != 1 {
		t.Fatalf("%d comments, want 1", len(c))
	}
}

// A refused text tells the user what they can do, not leakguard's
// developers what to fix.
func TestForbiddenHintIsForTheUser(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	tr, _ := tracker(t, f)
	v := "tvly-" + strings.Repeat("q7", 16)
	tr.Forbid(secret.New(v))
	_, _, _, err := tr.Ensure(context.Background(), "LG-0005", "t", "preview "+v[3:20], nil)
	h := hint.Of(err)
	if err == nil || strings.Contains(h, "before calling") || !strings.Contains(h, "--no-issue") {
		t.Fatalf("hint %q (%v)", h, err)
	}
}

// A create and a comment that GitHub carried out but answered after the
// client's timeout: the timeout is an unknown outcome, so leakguard looks
// before trying again, and there is one issue with one comment.
func TestTimeoutsCreateOnceCommentOnce(t *testing.T) {
	f := fakeapi.NewGitHub(t)
	f.Set(func() { f.LagSearch = true })
	cfg := Config{Repo: f.Owner + "/" + f.Repo, APIURL: f.APIURL(), TokenEnv: "LG_TEST_GH_TOKEN"}
	hc := &http.Client{Timeout: 300 * time.Millisecond, Transport: f.Client.Transport}
	tr, err := New(cfg, func(k string) string {
		if k == "LG_TEST_GH_TOKEN" {
			return f.Token
		}
		return ""
	}, hc)
	if err != nil {
		t.Fatal(err)
	}
	tr.Sleep = func(ctx context.Context, d time.Duration) error { return nil }
	f.Inject("create", fakeapi.Fault{Kind: "slow"})
	n, _, _, err := tr.Ensure(context.Background(), "LG-0005", "t", "b\n\n"+remediate.Marker("LG-0005"), nil)
	if err != nil || f.Count() != 1 || n != 1 {
		t.Fatalf("Ensure = %d, %v; %d issues", n, err, f.Count())
	}
	f.Inject("comment", fakeapi.Fault{Kind: "slow"})
	if err := tr.Comment(context.Background(), n, "leakguard: synced\n\n"+remediate.EventMarker("synced-1")); err != nil {
		t.Fatal(err)
	}
	if c := f.Issue(n).Comments; len(c) != 1 {
		t.Fatalf("%d comments, want 1", len(c))
	}
}
