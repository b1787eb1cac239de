package fakeapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"sort"
	"strings"
)

// Supabase speaks the Management API's project secrets subset the
// supabase target calls:
//
//	GET  /v1/projects/{ref}/secrets   list (values come back as SHA-256 digests)
//	POST /v1/projects/{ref}/secrets   create or update [{name, value}]
//
// Names starting SUPABASE_ are reserved and report an error; any other
// call does too.
type Supabase struct {
	URL    string
	Client *http.Client
	// Token is the one accepted as "Bearer TOKEN"; empty accepts any.
	Token string
	// Ref is the only project served.
	Ref string

	recorder
	t       T
	secrets map[string]string // name → plain value
}

// NewSupabase starts a fake Supabase serving project ref; the server
// closes when the test ends.
func NewSupabase(t T, ref, token string) *Supabase {
	t.Helper()
	f := &Supabase{t: t, Ref: ref, Token: token, secrets: map[string]string{}}
	f.URL, f.Client = serve(t, f)
	return f
}

// ServeHTTP answers one call, or a fault injected for its route: "read"
// (GET) or "write" (any other method).
func (f *Supabase) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.serveRW(f.t, "supabase", &f.Token, `{"message":"Unauthorized"}`, w, r, f.serve)
}

func (f *Supabase) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/projects/"+f.Ref+"/secrets" {
		f.t.Errorf("fake supabase: unexpected call %s %s", r.Method, r.URL.Path)
		w.WriteHeader(404)
		return
	}
	switch r.Method {
	case http.MethodGet:
		var out []map[string]string
		for n, v := range f.secrets {
			s := sha256.Sum256([]byte(v))
			out = append(out, map[string]string{"name": n, "value": hex.EncodeToString(s[:])})
		}
		sort.Slice(out, func(i, j int) bool { return out[i]["name"] < out[j]["name"] })
		json.NewEncoder(w).Encode(out)
	case http.MethodPost:
		var in []struct{ Name, Value string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"message":"body must be an array"}`)
			return
		}
		for _, it := range in {
			if strings.HasPrefix(it.Name, "SUPABASE_") {
				f.t.Errorf("fake supabase: reserved name %s reached the API", it.Name)
			}
			f.secrets[it.Name] = it.Value
		}
		w.WriteHeader(201)
	default:
		f.t.Errorf("fake supabase: unexpected call %s %s", r.Method, r.URL.Path)
		w.WriteHeader(405)
	}
}

// Secrets returns the secrets held (name → plain value).
func (f *Supabase) Secrets() map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.secrets)
}

// Calls counts the calls so far.
func (f *Supabase) Calls() int { return len(f.Requests()) }
