package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/internal/testkit/fakeapi"
	"github.com/leakguard/leakguard/secret"
)

// AWS pairs an access key id with a secret from the same file and asks
// STS, signed with SigV4; the fake checks the signature as AWS does.
func TestAWSPairs(t *testing.T) {
	w := newWorld(t)
	sts := w.fakes["aws"]
	c := w.checker(Options{})
	cred := func(rule, v, group string) Credential {
		return Credential{Rule: rule, Provider: "aws", Value: secret.New(v), Group: group}
	}
	liveID, liveSec := awsPair()
	sts.Pair(liveID, liveSec)
	goneID, goneSec := awsPair() // deleted: STS does not know the id
	otherID, otherSec := awsPair()
	sts.Pair(otherID, otherSec)
	_, wrongSec := awsPair()
	res := c.Check(context.Background(), []Credential{
		cred("aws-access-key-id", liveID, "a"),            // 0
		cred("aws-secret-access-key", liveSec, "a"),       // 1
		cred("aws-access-key-id", goneID, "b"),            // 2
		cred("aws-credentials-file-secret", goneSec, "b"), // 3
		cred("aws-access-key-id", otherID, "c"),           // 4
		cred("aws-secret-access-key", wrongSec, "c"),      // 5: not its secret
		cred("aws-secret-access-key", otherSec, "c"),      // 6
		cred("aws-access-key-id", liveID, "a"),            // 7: the same id again
	})
	want := []Validity{Live, Live, Invalid, Invalid, Live, Unknown, Live, Live}
	for i, wv := range want {
		if res[i].Validity != wv {
			t.Errorf("%d: %+v, want %s", i, res[i], wv)
		}
	}
	if !strings.Contains(res[2].Detail, "InvalidClientTokenId") || !strings.Contains(res[5].Detail, "SignatureDoesNotMatch") {
		t.Errorf("details: %q / %q", res[2].Detail, res[5].Detail)
	}
	for i, v := range []string{liveID, liveSec, goneID, goneSec, otherID, wrongSec, otherSec} {
		mustNotLeak(t, "aws", res[i].Detail, v)
	}
	// A single pair whose secret does not match is invalid as found.
	_, bad := awsPair()
	r := c.Check(context.Background(), []Credential{cred("aws-access-key-id", liveID, "d"), cred("aws-secret-access-key", bad, "d")})
	if r[0].Validity != Invalid || r[1].Validity != Invalid {
		t.Errorf("mismatched single pair: %+v", r)
	}
	// Each request is signed: the secret itself is never sent.
	for _, rq := range sts.Requests() {
		for _, s := range []string{liveSec, goneSec, otherSec, wrongSec, bad} {
			if strings.Contains(rq.String(), s) {
				t.Fatal("a secret access key was sent to STS")
			}
		}
	}
}

// GitHub's revocation API: one unauthenticated request for every token,
// 202, then the tokens verify invalid.
func TestRevokeGitHub(t *testing.T) {
	w := newWorld(t)
	gh := w.fakes["github"]
	vs := append(examples(t, "github-pat", 2), examples(t, "github-fine-grained-pat", 1)...)
	gh.Accept(vs...)
	c := w.checker(Options{})
	var creds []Credential
	for _, v := range vs {
		creds = append(creds, Credential{Rule: "github-pat", Provider: "github", Value: secret.New(v)})
	}
	creds[2].Rule = "github-fine-grained-pat"
	creds = append(creds, creds[0]) // the same token found twice
	// A check first, so the cache holds "live" for them.
	for _, r := range c.Check(context.Background(), creds) {
		if r.Validity != Live {
			t.Fatal(r)
		}
	}
	out := c.Revoke(context.Background(), creds)
	var posts []fakeapi.Request
	for _, rq := range gh.Requests() {
		if rq.Path == "/credentials/revoke" {
			posts = append(posts, rq)
		}
	}
	if len(posts) != 1 {
		t.Fatalf("%d revocation requests, want 1", len(posts))
	}
	if posts[0].Header.Get("Authorization") != "" {
		t.Fatal("the revocation request was authenticated")
	}
	var body struct {
		Credentials []string `json:"credentials"`
	}
	if err := json.Unmarshal([]byte(posts[0].Body), &body); err != nil || len(body.Credentials) != 3 {
		t.Fatalf("body %v (%v)", body, err)
	}
	for i, o := range out {
		if o.Method != "api" || !o.Accepted || o.After.Validity != Invalid {
			t.Errorf("%d: %+v", i, o)
		}
		if !strings.Contains(o.Detail, "202") || o.Guide.KeysPage == "" {
			t.Errorf("%d: %+v", i, o)
		}
		mustNotLeak(t, "revoke", o.Detail+o.After.Detail, creds[i].Value.Reveal())
	}
}

// The fake is strict the way GitHub is: an authenticated revocation
// request is refused.
func TestGitHubRevokeFakeRefusesAuthentication(t *testing.T) {
	w := newWorld(t)
	req, _ := http.NewRequest("POST", w.fakes["github"].URL+"/credentials/revoke", bytes.NewReader([]byte(`{"credentials":["x"]}`)))
	req.Header.Set("Authorization", "Bearer something")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("authenticated revocation: %d, want 403", resp.StatusCode)
	}
}

func TestRevokeThroughAPIs(t *testing.T) {
	for _, tc := range []struct{ rule, provider, endpoint string }{
		{"slack-bot-token", "slack", "slack"},
		{"gitlab-pat", "gitlab", "gitlab"},
		{"vercel-access-token", "vercel", "vercel"},
		{"gcp-oauth-access-token", "gcp", "google-oauth"},
		{"doppler-personal-token", "doppler", "doppler"},
		{"buildkite-api-token", "buildkite", "buildkite"},
		{"cloudflare-api-token", "cloudflare", "cloudflare"},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			w := newWorld(t)
			v := examples(t, tc.rule, 1)[0]
			w.fakes[tc.endpoint].Accept(v)
			c := w.checker(Options{})
			cr := Credential{Rule: tc.rule, Provider: tc.provider, Value: secret.New(v)}
			if g := GuideFor(cr); g.Revoke == "" {
				t.Fatalf("guide: %+v", g)
			}
			o := c.Revoke(context.Background(), []Credential{cr})[0]
			want := Invalid
			if tc.rule == "cloudflare-api-token" {
				want = Unknown // a deleted token answers 401: not a verdict
			}
			if o.Method != "api" || !o.Accepted || o.After.Validity != want {
				t.Fatalf("%+v", o)
			}
			if w.fakes[tc.endpoint].Live(v) {
				t.Fatal("the fake still accepts it")
			}
			mustNotLeak(t, tc.rule, o.Detail+o.After.Detail, v)
		})
	}
}

// Where there is no revocation API: nothing is sent, the guide names the
// page to delete the key on and the page to audit its use.
func TestRevokeManual(t *testing.T) {
	w := newWorld(t)
	c := w.checker(Options{})
	tv := examples(t, "tavily-api-key", 1)[0]
	gk := examples(t, "google-api-key", 1)[0]
	ak := examples(t, "anthropic-api-key", 1)[0]
	id, sec := awsPair()
	out := c.Revoke(context.Background(), []Credential{
		{Rule: "tavily-api-key", Provider: "tavily", Value: secret.New(tv)},
		{Rule: "google-api-key", Provider: "google", Key: "YOUTUBE_API_KEY", KeyProvider: "google", Value: secret.New(gk)},
		{Rule: "anthropic-api-key", Provider: "anthropic", Value: secret.New(ak)},
		{Rule: "aws-access-key-id", Provider: "aws", Value: secret.New(id)},
		{Rule: "managed-key", Key: "ANTHROPIC_API_KEY", KeyProvider: "anthropic", BaseURL: "https://api.xiaomimimo.com/anthropic", Value: secret.New("mimo-" + sec)},
	})
	if w.total() != 0 {
		t.Fatalf("%d requests for manual revocations", w.total())
	}
	wantPages := []string{"app.tavily.com", "console.cloud.google.com", "console.anthropic.com", "cloudtrail", "xiaomimimo.com/#/console/usage"}
	for i, o := range out {
		if o.Method != "manual" || o.Accepted || o.Guide.KeysPage == "" {
			t.Errorf("%d: %+v", i, o)
		}
		if !strings.Contains(o.Guide.KeysPage+" "+o.Guide.UsagePage, wantPages[i]) || !strings.Contains(o.Detail, o.Guide.KeysPage) {
			t.Errorf("%d: guide %+v, detail %q; want %s", i, o.Guide, o.Detail, wantPages[i])
		}
	}
}

// A revocation that fails says so and the value is verified again anyway.
func TestRevokeFailure(t *testing.T) {
	w := newWorld(t)
	v := examples(t, "github-pat", 1)[0]
	w.fakes["github"].Accept(v)
	w.fakes["github"].Fault = func(_ int, rw http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/credentials/revoke" {
			fakeapi.Reply(rw, 422, `{"message":"Validation Failed"}`)
			return true
		}
		return false
	}
	o := w.checker(Options{}).Revoke(context.Background(), []Credential{{Rule: "github-pat", Provider: "github", Value: secret.New(v)}})[0]
	if o.Accepted || o.After.Validity != Live || !strings.Contains(o.Detail, "422") {
		t.Fatalf("%+v", o)
	}
}
