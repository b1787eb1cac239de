package fakeapi

import (
	"net/http"
	"strings"
	"testing"
)

func call(t *testing.T, c *http.Client, method, url, auth, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Every fake reports a call outside its documented subset to its T, and
// records what reached it.
func TestFakesReportUnexpectedCalls(t *testing.T) {
	var cleanups []func()
	c := &Collect{Defer: func(fn func()) { cleanups = append(cleanups, fn) }}
	defer func() {
		for _, fn := range cleanups {
			fn()
		}
	}()
	gh := NewGitHub(c)
	vc := NewVercel(c, "p", "")
	sb := NewSupabase(c, "ref", "")
	an := NewProvider(c, "anthropic")
	call(t, gh.Client, "DELETE", gh.APIURL()+"/repos/acme/app", "Bearer "+gh.Token, "")
	call(t, vc.Client, "DELETE", vc.URL+"/v9/projects/p/env/x", "Bearer v", "")
	call(t, sb.Client, "GET", sb.URL+"/v1/projects/ref/functions", "Bearer s", "")
	call(t, an.Client, "POST", an.URL+"/v1/messages", "", "")
	if errs := c.Errors(); len(errs) != 4 {
		t.Fatalf("%d errors reported, want 4: %q", len(errs), errs)
	}
	if !gh.Saw("DELETE /api/v3/repos/acme/app") || len(vc.Requests()) != 1 {
		t.Fatalf("requests not recorded: %v %v", gh.Requests(), vc.Requests())
	}
}

func TestGitHubIssues(t *testing.T) {
	gh := NewGitHub(t)
	if code := call(t, gh.Client, "POST", gh.APIURL()+"/repos/acme/app/issues", "Bearer "+gh.Token, `{"title":"t","body":"b","labels":["x"]}`); code != 201 {
		t.Fatalf("create: %d", code)
	}
	if code := call(t, gh.Client, "PATCH", gh.APIURL()+"/repos/acme/app/issues/1", "Bearer "+gh.Token, `{"state":"closed"}`); code != 200 {
		t.Fatalf("edit: %d", code)
	}
	if is := gh.Issue(1); gh.Count() != 1 || is.State != "closed" || is.Labels[0] != "x" {
		t.Fatalf("issue %+v", is)
	}
	gh.Inject("get", Fault{Kind: "500"})
	if code := call(t, gh.Client, "GET", gh.APIURL()+"/repos/acme/app/issues/1", "Bearer "+gh.Token, ""); code != 500 {
		t.Fatalf("fault: %d", code)
	}
}

func TestVercelHolds(t *testing.T) {
	vc := NewVercel(t, "p", "tok")
	vc.Add("K", "v1", "encrypted", "production", "preview")
	if !vc.Holds("K", "v1") || vc.Holds("K", "v2") || vc.Holds("OTHER", "") {
		t.Fatal("Holds")
	}
	if code := call(t, vc.Client, "GET", vc.URL+"/v10/projects/p/env", "Bearer nope", ""); code != 401 {
		t.Fatalf("bad token: %d", code)
	}
}

// Faults every fake knows, by route; Then queues more once one fires.
func TestFaultsByRoute(t *testing.T) {
	vc := NewVercel(t, "p", "")
	vc.Inject("write", Fault{Kind: "500"})
	if code := call(t, vc.Client, "GET", vc.URL+"/v10/projects/p/env", "Bearer v", ""); code != 200 {
		t.Fatalf("read: %d", code)
	}
	if code := call(t, vc.Client, "POST", vc.URL+"/v10/projects/p/env", "Bearer v", `{"key":"K","value":"v","type":"encrypted","target":["preview"]}`); code != 500 {
		t.Fatalf("write: %d", code)
	}
	gh := NewGitHub(t)
	gh.Inject("list", Fault{Kind: "pass", Then: map[string][]Fault{"get": {{Kind: "429", After: 1}}}})
	if code := call(t, gh.Client, "GET", gh.APIURL()+"/repos/acme/app/issues?state=all", "Bearer "+gh.Token, ""); code != 200 {
		t.Fatalf("list: %d", code)
	}
	if code := call(t, gh.Client, "GET", gh.APIURL()+"/repos/acme/app/issues/1", "Bearer "+gh.Token, ""); code != 429 {
		t.Fatalf("get after list: %d", code)
	}
}
