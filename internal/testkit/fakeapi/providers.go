package fakeapi

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/smithy-go/aws-http-auth/credentials"
	"github.com/aws/smithy-go/aws-http-auth/sigv4"
)

// Provider is one provider's credential API (validity checks and
// revocation, as the verify package calls them) as its documentation
// describes it: it knows which credentials are live, checks that each is
// presented the way the provider expects, records every request, and
// reports any call the provider does not document to its T.
type Provider struct {
	URL    string
	Client *http.Client
	// Name is the verify endpoint id ("github", "anthropic", "mimo" for
	// an Anthropic-compatible gateway under /anthropic, …).
	Name string
	// Fault, when set, may answer the n-th request itself (fault
	// injection). Unlike Intercept it runs concurrently, so a test can
	// count requests in flight.
	Fault func(n int, w http.ResponseWriter, r *http.Request) bool

	recorder
	t     T
	live  map[string]bool
	pairs map[string]string // AWS key id → secret access key
	h     providerHandler
}

type providerHandler func(f *Provider, w http.ResponseWriter, r *http.Request, body []byte)

// ProviderNames lists the providers NewProvider serves.
func ProviderNames() []string {
	var out []string
	for n := range providers {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// NewProvider starts the fake of provider name (see ProviderNames); the
// server closes when the test ends.
func NewProvider(t T, name string) *Provider {
	t.Helper()
	h, ok := providers[name]
	if !ok {
		t.Errorf("fakeapi: no provider %q", name)
	}
	f := &Provider{Name: name, t: t, live: map[string]bool{}, pairs: map[string]string{}, h: h}
	f.URL, f.Client = serve(t, f)
	return f
}

// ServeHTTP answers one call.
func (f *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body := f.record(r)
	f.mu.Lock()
	n, fault := len(f.reqs), f.Fault
	f.mu.Unlock()
	if fault != nil && fault(n, w, r) {
		return
	}
	if f.h != nil {
		f.h(f, w, r, body)
	}
}

// Accept makes values live.
func (f *Provider) Accept(vs ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, v := range vs {
		f.live[v] = true
	}
}

// Live reports whether v is live.
func (f *Provider) Live(v string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return v != "" && f.live[v]
}

// Kill makes v dead (deleted in the provider's console, or revoked).
func (f *Provider) Kill(v string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.live, v)
}

// Pair makes an AWS access key id and its secret live.
func (f *Provider) Pair(id, secret string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pairs[id] = secret
}

// Count is the number of requests received.
func (f *Provider) Count() int { return len(f.Requests()) }

// unexpected reports a call the provider does not document (or not the
// way it documents it).
func (f *Provider) unexpected(w http.ResponseWriter, r *http.Request) {
	f.t.Errorf("%s fake: unexpected %s %s", f.Name, r.Method, r.URL.Path)
	http.Error(w, `{"error":"not documented"}`, http.StatusNotFound)
}

// Reply writes body as a JSON reply with the status code.
func Reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// token reads a credential from header h after prefix; "" when the header
// is missing or has another form.
func token(r *http.Request, h, prefix string) string {
	v := r.Header.Get(h)
	if !strings.HasPrefix(v, prefix) {
		return ""
	}
	return strings.TrimPrefix(v, prefix)
}

// simpleFake answers one documented call: method and path, the
// credential taken from header h after prefix, then 200 with okBody or
// badStatus with badBody.
func simpleFake(method, path, h, prefix, okBody string, badStatus int, badBody string) providerHandler {
	return func(f *Provider, w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.Method != method || r.URL.Path != path {
			f.unexpected(w, r)
			return
		}
		if f.Live(token(r, h, prefix)) {
			Reply(w, 200, okBody)
			return
		}
		Reply(w, badStatus, badBody)
	}
}

// providers are the providers' documented APIs, by verify endpoint id.
var providers = map[string]providerHandler{
	"github": func(f *Provider, w http.ResponseWriter, r *http.Request, body []byte) {
		switch {
		case r.Method == "GET" && (r.URL.Path == "/user" || r.URL.Path == "/installation/repositories"):
			if r.Header.Get("X-GitHub-Api-Version") == "" {
				f.t.Errorf("github fake: no X-GitHub-Api-Version")
			}
			if f.Live(token(r, "Authorization", "Bearer ")) {
				Reply(w, 200, `{"login":"octocat","id":1}`)
				return
			}
			Reply(w, 401, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`)
		case r.Method == "POST" && r.URL.Path == "/credentials/revoke":
			// Documented: unauthenticated only; an authenticated request
			// gets 403. At most 1000 credentials.
			if r.Header.Get("Authorization") != "" {
				Reply(w, 403, `{"message":"Must not be authenticated"}`)
				return
			}
			var b struct {
				Credentials []string `json:"credentials"`
			}
			if json.Unmarshal(body, &b) != nil || len(b.Credentials) == 0 || len(b.Credentials) > 1000 {
				Reply(w, 422, `{"message":"Validation Failed"}`)
				return
			}
			for _, c := range b.Credentials {
				f.Kill(c)
			}
			w.WriteHeader(202)
		default:
			f.unexpected(w, r)
		}
	},
	"anthropic": anthropicFake,
	// An Anthropic-compatible gateway: Anthropic's API under /anthropic.
	"mimo": func(f *Provider, w http.ResponseWriter, r *http.Request, body []byte) {
		if !strings.HasPrefix(r.URL.Path, "/anthropic/") {
			f.unexpected(w, r)
			return
		}
		r.URL.Path = strings.TrimPrefix(r.URL.Path, "/anthropic")
		anthropicFake(f, w, r, body)
	},
	"openai": func(f *Provider, w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.Method != "GET" || (r.URL.Path != "/v1/models" && r.URL.Path != "/v1/organization/projects") {
			f.unexpected(w, r)
			return
		}
		if f.Live(token(r, "Authorization", "Bearer ")) {
			Reply(w, 200, `{"object":"list","data":[]}`)
			return
		}
		Reply(w, 401, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`)
	},
	"google": func(f *Provider, w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.Method != "GET" || r.URL.Path != "/youtube/v3/i18nRegions" || r.URL.Query().Get("part") != "snippet" {
			f.unexpected(w, r)
			return
		}
		if r.URL.Query().Get("key") != "" {
			f.t.Errorf("google fake: key sent in the query string")
		}
		if f.Live(r.Header.Get("X-Goog-Api-Key")) {
			Reply(w, 200, `{"kind":"youtube#i18nRegionListResponse","items":[]}`)
			return
		}
		Reply(w, 400, `{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}`)
	},
	"google-oauth": func(f *Provider, w http.ResponseWriter, r *http.Request, body []byte) {
		switch {
		case r.Method == "GET" && r.URL.Path == "/tokeninfo":
			if f.Live(r.URL.Query().Get("access_token")) {
				Reply(w, 200, `{"azp":"x","aud":"x","expires_in":"3000"}`)
				return
			}
			Reply(w, 400, `{"error":"invalid_token","error_description":"Invalid Value"}`)
		case r.Method == "POST" && r.URL.Path == "/revoke":
			q, _ := url.ParseQuery(string(body))
			if !f.Live(q.Get("token")) {
				Reply(w, 400, `{"error":"invalid_token","error_description":"Token expired or revoked"}`)
				return
			}
			f.Kill(q.Get("token"))
			Reply(w, 200, `{}`)
		default:
			f.unexpected(w, r)
		}
	},
	"tavily": func(f *Provider, w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.Method != "GET" || r.URL.Path != "/usage" {
			f.unexpected(w, r)
			return
		}
		if f.Live(token(r, "Authorization", "Bearer ")) {
			Reply(w, 200, `{"key":{"usage":12,"limit":1000},"account":{"current_plan":"Researcher","plan_usage":12,"plan_limit":1000}}`)
			return
		}
		Reply(w, 401, `{"detail":{"error":"Unauthorized: missing or invalid API key."}}`)
	},
	"vercel": func(f *Provider, w http.ResponseWriter, r *http.Request, _ []byte) {
		tok := token(r, "Authorization", "Bearer ")
		switch {
		case r.Method == "GET" && r.URL.Path == "/v2/user":
			if f.Live(tok) {
				Reply(w, 200, `{"user":{"id":"u1","username":"dev"}}`)
				return
			}
			Reply(w, 403, `{"error":{"code":"forbidden","message":"Not authorized","invalidToken":true}}`)
		case r.Method == "DELETE" && r.URL.Path == "/v3/user/tokens/current":
			if !f.Live(tok) {
				Reply(w, 403, `{"error":{"code":"forbidden","message":"Not authorized","invalidToken":true}}`)
				return
			}
			f.Kill(tok)
			Reply(w, 200, `{"tokenId":"5d9f2ebd38ddca62e5d51e9c1704c72530bdc8bfdd41e782a6687c48399e8391"}`)
		default:
			f.unexpected(w, r)
		}
	},
	"supabase": simpleFake("GET", "/v1/projects", "Authorization", "Bearer ", `[]`, 401, `{"message":"Unauthorized"}`),
	"supabase-project": func(f *Provider, w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.Method != "GET" || r.URL.Path != "/rest/v1/" {
			f.unexpected(w, r)
			return
		}
		if v := r.Header.Get("apikey"); f.Live(v) && r.Header.Get("Authorization") == "Bearer "+v {
			Reply(w, 200, `{"swagger":"2.0"}`)
			return
		}
		Reply(w, 401, `{"message":"Invalid API key","hint":"Double check your Supabase anon or service_role API key."}`)
	},
	"stripe": simpleFake("GET", "/v1/balance", "Authorization", "Bearer ", `{"object":"balance"}`, 401,
		`{"error":{"message":"Invalid API Key provided","type":"invalid_request_error"}}`),
	"slack": func(f *Provider, w http.ResponseWriter, r *http.Request, _ []byte) {
		tok := token(r, "Authorization", "Bearer ")
		if r.Method != "POST" {
			f.unexpected(w, r)
			return
		}
		switch r.URL.Path {
		case "/auth.test":
			if f.Live(tok) {
				Reply(w, 200, `{"ok":true,"url":"https://acme.slack.com/","team":"Acme","user":"bot","team_id":"T1","user_id":"U1"}`)
				return
			}
			Reply(w, 200, `{"ok":false,"error":"invalid_auth"}`)
		case "/auth.revoke":
			if !f.Live(tok) {
				Reply(w, 200, `{"ok":false,"error":"invalid_auth"}`)
				return
			}
			f.Kill(tok)
			Reply(w, 200, `{"ok":true,"revoked":true}`)
		default:
			f.unexpected(w, r)
		}
	},
	"gitlab": func(f *Provider, w http.ResponseWriter, r *http.Request, body []byte) {
		tok := r.Header.Get("PRIVATE-TOKEN")
		switch {
		case r.Method == "GET" && r.URL.Path == "/api/v4/personal_access_tokens/self":
			if f.Live(tok) {
				Reply(w, 200, `{"id":42,"name":"ci","revoked":false,"active":true,"scopes":["api"]}`)
				return
			}
			Reply(w, 401, `{"message":"401 Unauthorized"}`)
		case r.Method == "DELETE" && r.URL.Path == "/api/v4/personal_access_tokens/self":
			if !f.Live(tok) {
				Reply(w, 401, `{"message":"401 Unauthorized"}`)
				return
			}
			f.Kill(tok)
			w.WriteHeader(204)
		case r.Method == "POST" && r.URL.Path == "/api/v4/runners/verify":
			q, _ := url.ParseQuery(string(body))
			if f.Live(q.Get("token")) {
				Reply(w, 200, `{"id":7,"token":"hidden"}`)
				return
			}
			Reply(w, 403, `{"message":"403 Forbidden"}`)
		default:
			f.unexpected(w, r)
		}
	},
	"npm": simpleFake("GET", "/-/whoami", "Authorization", "Bearer ", `{"username":"dev"}`, 401, `{"error":"Unauthorized"}`),
	"aws": stsFake,
	"sendgrid": simpleFake("GET", "/v3/scopes", "Authorization", "Bearer ", `{"scopes":["mail.send"]}`, 401,
		`{"errors":[{"field":null,"message":"authorization required"}]}`),
	"huggingface": simpleFake("GET", "/api/whoami-v2", "Authorization", "Bearer ", `{"type":"user","name":"dev"}`, 401, `{"error":"Invalid credentials in Authorization header"}`),
	"mailgun": func(f *Provider, w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.Method != "GET" || r.URL.Path != "/v3/domains" {
			f.unexpected(w, r)
			return
		}
		user, pass, ok := r.BasicAuth()
		if ok && user == "api" && f.Live(pass) {
			Reply(w, 200, `{"total_count":0,"items":[]}`)
			return
		}
		w.WriteHeader(401)
		io.WriteString(w, "Forbidden")
	},
	"digitalocean": simpleFake("GET", "/v2/account", "Authorization", "Bearer ", `{"account":{"status":"active"}}`, 401,
		`{"id":"Unauthorized","message":"Unable to authenticate you"}`),
	"heroku": func(f *Provider, w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.Header.Get("Accept") != "application/vnd.heroku+json; version=3" {
			f.t.Errorf("heroku fake: Accept %q", r.Header.Get("Accept"))
		}
		simpleFake("GET", "/account", "Authorization", "Bearer ", `{"email":"dev@example.com"}`, 401,
			`{"id":"unauthorized","message":"Invalid credentials provided."}`)(f, w, r, nil)
	},
	"discord": func(f *Provider, w http.ResponseWriter, r *http.Request, _ []byte) {
		switch {
		case r.Method == "GET" && r.URL.Path == "/users/@me":
			if f.Live(token(r, "Authorization", "Bot ")) {
				Reply(w, 200, `{"id":"1","username":"bot","bot":true}`)
				return
			}
			Reply(w, 401, `{"message":"401: Unauthorized","code":0}`)
		case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/webhooks/"):
			p := strings.Split(strings.TrimPrefix(r.URL.Path, "/webhooks/"), "/")
			if len(p) == 2 && f.Live(p[0]+"/"+p[1]) {
				Reply(w, 200, `{"type":1,"id":"1","name":"hook"}`)
				return
			}
			Reply(w, 404, `{"message":"Unknown Webhook","code":10015}`)
		default:
			f.unexpected(w, r)
		}
	},
	"telegram": func(f *Provider, w http.ResponseWriter, r *http.Request, _ []byte) {
		m := regexp.MustCompile(`^/bot(.+)/getMe$`).FindStringSubmatch(r.URL.Path)
		if r.Method != "GET" || m == nil {
			f.unexpected(w, r)
			return
		}
		if f.Live(m[1]) {
			Reply(w, 200, `{"ok":true,"result":{"id":1,"is_bot":true}}`)
			return
		}
		Reply(w, 401, `{"ok":false,"error_code":401,"description":"Unauthorized"}`)
	},
	"datadog": simpleFake("GET", "/api/v1/validate", "DD-API-KEY", "", `{"valid":true}`, 403, `{"errors":["Forbidden"]}`),
	"cloudflare": func(f *Provider, w http.ResponseWriter, r *http.Request, _ []byte) {
		tok := token(r, "Authorization", "Bearer ")
		id := fmt.Sprintf("%x", sha256.Sum256([]byte(tok)))[:32]
		switch {
		case r.Method == "GET" && r.URL.Path == "/user/tokens/verify":
			if f.Live(tok) {
				Reply(w, 200, `{"success":true,"errors":[],"messages":[],"result":{"id":"`+id+`","status":"active"}}`)
				return
			}
			Reply(w, 401, `{"success":false,"errors":[{"code":1000,"message":"Invalid API Token"}],"messages":[],"result":null}`)
		case r.Method == "DELETE" && r.URL.Path == "/user/tokens/"+id && f.Live(tok):
			f.Kill(tok)
			Reply(w, 200, `{"success":true,"errors":[],"messages":[],"result":{"id":"`+id+`"}}`)
		default:
			f.unexpected(w, r)
		}
	},
	"linear": func(f *Provider, w http.ResponseWriter, r *http.Request, body []byte) {
		if r.Method != "POST" || r.URL.Path != "/graphql" || !strings.Contains(string(body), "viewer") {
			f.unexpected(w, r)
			return
		}
		if f.Live(r.Header.Get("Authorization")) {
			Reply(w, 200, `{"data":{"viewer":{"id":"u1"}}}`)
			return
		}
		Reply(w, 400, `{"errors":[{"message":"Authentication required, not authenticated","extensions":{"type":"authentication error","code":"AUTHENTICATION_ERROR"}}]}`)
	},
	"notion": func(f *Provider, w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.Header.Get("Notion-Version") == "" {
			Reply(w, 400, `{"object":"error","status":400,"code":"missing_version"}`)
			return
		}
		simpleFake("GET", "/v1/users/me", "Authorization", "Bearer ", `{"object":"user","type":"bot"}`, 401,
			`{"object":"error","status":401,"code":"unauthorized","message":"API token is invalid."}`)(f, w, r, nil)
	},
	"pagerduty": simpleFake("GET", "/abilities", "Authorization", "Token token=", `{"abilities":["teams"]}`, 401,
		`{"error":{"message":"Authentication failed","code":2006}}`),
	"skyvern": func(f *Provider, w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.Method != "GET" || r.URL.Path != "/v1/workflows" {
			f.unexpected(w, r)
			return
		}
		if f.Live(r.Header.Get("x-api-key")) {
			Reply(w, 200, `[]`)
			return
		}
		Reply(w, 403, `{"detail":"Could not validate credentials"}`)
	},
	"openrouter": simpleFake("GET", "/v1/key", "Authorization", "Bearer ", `{"data":{"label":"k","usage":0}}`, 401, `{"error":{"message":"No auth credentials found","code":401}}`),
	"groq":       simpleFake("GET", "/v1/models", "Authorization", "Bearer ", `{"object":"list","data":[]}`, 401, `{"error":{"message":"Invalid API Key","type":"invalid_request_error","code":"invalid_api_key"}}`),
	"xai":        simpleFake("GET", "/v1/api-key", "Authorization", "Bearer ", `{"name":"k","api_key_blocked":false}`, 400, `{"code":"Client specified an invalid argument","error":"Incorrect API key provided"}`),
	"replicate":  simpleFake("GET", "/v1/account", "Authorization", "Bearer ", `{"type":"user","username":"dev"}`, 401, `{"title":"Unauthenticated","detail":"You did not pass a valid authentication token","status":401}`),
	"netlify":    simpleFake("GET", "/api/v1/user", "Authorization", "Bearer ", `{"id":"u1"}`, 401, `{"code":401,"message":"Access Denied"}`),
	"circleci":   simpleFake("GET", "/api/v2/me", "Circle-Token", "", `{"id":"u1","login":"dev"}`, 401, `{"message":"You must log in first."}`),
	"doppler": func(f *Provider, w http.ResponseWriter, r *http.Request, body []byte) {
		tok := token(r, "Authorization", "Bearer ")
		switch {
		case r.Method == "GET" && r.URL.Path == "/v3/me":
			if f.Live(tok) {
				Reply(w, 200, `{"slug":"x","type":"personal"}`)
				return
			}
			Reply(w, 401, `{"messages":["Invalid Auth token"],"success":false}`)
		case r.Method == "POST" && r.URL.Path == "/v3/auth/revoke":
			var b struct {
				Token string `json:"token"`
			}
			if json.Unmarshal(body, &b) != nil || !f.Live(tok) {
				Reply(w, 401, `{"messages":["Invalid Auth token"],"success":false}`)
				return
			}
			f.Kill(b.Token)
			Reply(w, 200, `{"success":true}`)
		default:
			f.unexpected(w, r)
		}
	},
	"airtable":   simpleFake("GET", "/v0/meta/whoami", "Authorization", "Bearer ", `{"id":"usr1"}`, 401, `{"error":{"type":"AUTHENTICATION_REQUIRED","message":"Authentication required"}}`),
	"postman":    simpleFake("GET", "/me", "X-API-Key", "", `{"user":{"id":1}}`, 401, `{"error":{"name":"AuthenticationError","message":"Invalid API Key."}}`),
	"brevo":      simpleFake("GET", "/v3/account", "api-key", "", `{"email":"dev@example.com"}`, 401, `{"code":"unauthorized","message":"Key not found"}`),
	"figma":      simpleFake("GET", "/v1/me", "X-Figma-Token", "", `{"id":"1","handle":"dev"}`, 403, `{"status":403,"err":"Invalid token"}`),
	"mistral":    simpleFake("GET", "/v1/models", "Authorization", "Bearer ", `{"object":"list","data":[]}`, 401, `{"message":"Unauthorized"}`),
	"deepseek":   simpleFake("GET", "/models", "Authorization", "Bearer ", `{"object":"list","data":[]}`, 401, `{"error":{"message":"Authentication Fails","type":"authentication_error","code":"invalid_request_error"}}`),
	"elevenlabs": simpleFake("GET", "/v1/user", "xi-api-key", "", `{"user_id":"u1"}`, 401, `{"detail":{"status":"invalid_api_key","message":"Invalid API key"}}`),
	"pinecone": func(f *Provider, w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.Header.Get("X-Pinecone-API-Version") == "" {
			f.t.Errorf("pinecone fake: no X-Pinecone-API-Version")
		}
		simpleFake("GET", "/indexes", "Api-Key", "", `{"indexes":[]}`, 401, `{"error":{"code":"UNAUTHENTICATED","message":"Invalid API Key"},"status":401}`)(f, w, r, nil)
	},
	"buildkite": func(f *Provider, w http.ResponseWriter, r *http.Request, _ []byte) {
		tok := token(r, "Authorization", "Bearer ")
		switch {
		case r.URL.Path != "/v2/access-token":
			f.unexpected(w, r)
		case !f.Live(tok):
			Reply(w, 401, `{"message":"Authentication required. Please supply a valid API Access Token"}`)
		case r.Method == "GET":
			Reply(w, 200, `{"uuid":"b1","scopes":["read_user"]}`)
		case r.Method == "DELETE":
			f.Kill(tok)
			w.WriteHeader(204)
		default:
			f.unexpected(w, r)
		}
	},
}

func anthropicFake(f *Provider, w http.ResponseWriter, r *http.Request, _ []byte) {
	if r.Method != "GET" || (r.URL.Path != "/v1/models" && r.URL.Path != "/v1/organizations/me") {
		f.unexpected(w, r)
		return
	}
	// Documented: the version header is required.
	if r.Header.Get("anthropic-version") != "2023-06-01" {
		Reply(w, 400, `{"type":"error","error":{"type":"invalid_request_error","message":"anthropic-version: header is required"}}`)
		return
	}
	if f.Live(r.Header.Get("x-api-key")) {
		Reply(w, 200, `{"data":[{"type":"model","id":"claude-x"}],"has_more":false}`)
		return
	}
	Reply(w, 401, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`)
}

// stsFake is AWS STS GetCallerIdentity. It checks the SigV4 signature
// the way AWS does — by signing the same request with the secret it
// holds for the key id and comparing — so a wrong secret gets
// SignatureDoesNotMatch and an unknown id InvalidClientTokenId.
func stsFake(f *Provider, w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Method != "POST" || r.URL.Path != "/" || string(body) != "Action=GetCallerIdentity&Version=2011-06-15" {
		f.unexpected(w, r)
		return
	}
	m := regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)/(\d{8})/us-east-1/sts/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$`).
		FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		writeXMLErr(w, 403, "IncompleteSignature")
		return
	}
	f.mu.Lock()
	sec, ok := f.pairs[m[1]]
	f.mu.Unlock()
	if !ok {
		writeXMLErr(w, 403, "InvalidClientTokenId")
		return
	}
	tm, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		writeXMLErr(w, 403, "IncompleteSignature")
		return
	}
	// Re-sign what was received with the secret AWS holds.
	again, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), nil)
	for k, vs := range r.Header {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-amz-") && lk != "x-amz-date" {
			again.Header[k] = vs
		}
	}
	sum := sha256.Sum256(body)
	_ = sigv4.New().SignRequest(&sigv4.SignRequestInput{Request: again, PayloadHash: sum[:],
		Credentials: credentials.Credentials{AccessKeyID: m[1], SecretAccessKey: sec, SessionToken: r.Header.Get("X-Amz-Security-Token")},
		Service:     "sts", Region: "us-east-1", Time: tm})
	if again.Header.Get("Authorization") != r.Header.Get("Authorization") {
		writeXMLErr(w, 403, "SignatureDoesNotMatch")
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	io.WriteString(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/dev</Arn><UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`)
}

func writeXMLErr(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>%s</Code><Message>m</Message></Error><RequestId>r</RequestId></ErrorResponse>`, code)
}
