package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
)

// fakeProviders are the documented verification calls of GitHub
// (GET /user, and its unauthenticated credential revocation, POST
// /credentials/revoke), Anthropic (GET /v1/models), an Anthropic-compatible
// gateway under /anthropic (the seed's MiMo) and Tavily (GET /usage). Each
// records every request it gets, headers included, so a script can prove
// where each secret went.
type fakeProviders struct {
	mu      sync.Mutex
	live    map[string]map[string]bool // fake -> values it accepts
	seen    map[string][]string        // fake -> requests as text
	unknown []string
}

var providerFakes sync.Map

// startProviders is the testscript command "fakeproviders": alone it
// starts the fakes and sets $GITHUB_VERIFY, $ANTHROPIC_VERIFY,
// $TAVILY_VERIFY and $MIMO_BASE. Then:
//
//	fakeproviders accept NAME VAR    the NAME fake accepts $VAR
//	fakeproviders reject NAME VAR    no longer (the key was deleted in
//	                                 the provider's console)
//	fakeproviders requests NAME N    NAME (or "all") got N requests
//	fakeproviders only NAME VAR      $VAR reached NAME and no other fake
//	fakeproviders check              no undocumented call was made
func startProviders(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) > 0 {
		v, ok := providerFakes.Load(ts.Getenv("WORK"))
		if !ok {
			ts.Fatalf("fakeproviders: not started")
		}
		f := v.(*fakeProviders)
		f.mu.Lock()
		defer f.mu.Unlock()
		switch args[0] {
		case "accept":
			f.live[args[1]][ts.Getenv(args[2])] = true
		case "reject":
			delete(f.live[args[1]], ts.Getenv(args[2]))
		case "requests":
			n := 0
			for name, rs := range f.seen {
				if args[1] == "all" || args[1] == name {
					n += len(rs)
				}
			}
			if strconv.Itoa(n) != args[2] {
				ts.Fatalf("%s: %d requests, want %s", args[1], n, args[2])
			}
		case "only":
			val := ts.Getenv(args[2])
			for name, rs := range f.seen {
				for _, r := range rs {
					if strings.Contains(r, val) && name != args[1] {
						ts.Fatalf("$%s reached %s", args[2], name)
					}
				}
			}
			if !strings.Contains(strings.Join(f.seen[args[1]], "\n"), val) {
				ts.Fatalf("$%s never reached %s", args[2], args[1])
			}
		case "check":
			if len(f.unknown) > 0 {
				ts.Fatalf("undocumented calls: %v", f.unknown)
			}
		default:
			ts.Fatalf("fakeproviders: unknown command %q", args[0])
		}
		return
	}
	f := &fakeProviders{live: map[string]map[string]bool{}, seen: map[string][]string{}}
	serve := func(name string, h func(w http.ResponseWriter, r *http.Request, ok func(string) bool)) *httptest.Server {
		f.live[name] = map[string]bool{}
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(b)) // for handlers that read it
			f.mu.Lock()
			var sb strings.Builder
			fmt.Fprintf(&sb, "%s %s\n", r.Method, r.URL.String())
			for k, vs := range r.Header {
				fmt.Fprintf(&sb, "%s: %s\n", k, strings.Join(vs, ","))
			}
			sb.Write(b)
			f.seen[name] = append(f.seen[name], sb.String())
			live := f.live[name]
			f.mu.Unlock()
			h(w, r, func(v string) bool {
				f.mu.Lock()
				defer f.mu.Unlock()
				return v != "" && live[v]
			})
		}))
	}
	bad := func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.unknown = append(f.unknown, r.Method+" "+r.URL.Path)
		f.mu.Unlock()
		http.Error(w, `{"message":"not found"}`, http.StatusNotFound)
	}
	reply := func(w http.ResponseWriter, status int, body string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
	anthropic := func(w http.ResponseWriter, r *http.Request, ok func(string) bool) {
		if r.Method != "GET" || r.URL.Path != "/v1/models" || r.Header.Get("anthropic-version") != "2023-06-01" {
			bad(w, r)
			return
		}
		if ok(r.Header.Get("x-api-key")) {
			reply(w, 200, `{"data":[],"has_more":false}`)
			return
		}
		reply(w, 401, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`)
	}
	gh := serve("github", func(w http.ResponseWriter, r *http.Request, ok func(string) bool) {
		if r.Method == "POST" && r.URL.Path == "/credentials/revoke" {
			// Documented: unauthenticated (403 otherwise), a JSON body
			// {"credentials": [...]}, 202 when accepted.
			var in struct {
				Credentials []string `json:"credentials"`
			}
			if r.Header.Get("Authorization") != "" {
				reply(w, 403, `{"message":"Must not be authenticated"}`)
				return
			}
			if json.NewDecoder(r.Body).Decode(&in) != nil || len(in.Credentials) == 0 {
				reply(w, 422, `{"message":"Validation Failed"}`)
				return
			}
			f.mu.Lock()
			for _, c := range in.Credentials {
				delete(f.live["github"], c)
			}
			f.mu.Unlock()
			w.WriteHeader(http.StatusAccepted)
			return
		}
		if r.Method != "GET" || r.URL.Path != "/user" {
			bad(w, r)
			return
		}
		if ok(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")) {
			reply(w, 200, `{"login":"dev"}`)
			return
		}
		reply(w, 401, `{"message":"Bad credentials"}`)
	})
	an := serve("anthropic", anthropic)
	mimo := serve("mimo", func(w http.ResponseWriter, r *http.Request, ok func(string) bool) {
		if !strings.HasPrefix(r.URL.Path, "/anthropic/") {
			bad(w, r)
			return
		}
		r.URL.Path = strings.TrimPrefix(r.URL.Path, "/anthropic")
		anthropic(w, r, ok)
	})
	tv := serve("tavily", func(w http.ResponseWriter, r *http.Request, ok func(string) bool) {
		if r.Method != "GET" || r.URL.Path != "/usage" {
			bad(w, r)
			return
		}
		if ok(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")) {
			reply(w, 200, `{"key":{"usage":1,"limit":1000}}`)
			return
		}
		reply(w, 401, `{"detail":{"error":"Unauthorized: missing or invalid API key."}}`)
	})
	ts.Defer(func() { gh.Close(); an.Close(); mimo.Close(); tv.Close() })
	ts.Setenv("GITHUB_VERIFY", gh.URL)
	ts.Setenv("ANTHROPIC_VERIFY", an.URL)
	ts.Setenv("TAVILY_VERIFY", tv.URL)
	ts.Setenv("MIMO_BASE", mimo.URL+"/anthropic")
	providerFakes.Store(ts.Getenv("WORK"), f)
}
