package main

import (
	"strconv"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/leakguard/leakguard/internal/testkit/fakeapi"
)

// fakeProviders are a script's fakes of the providers' documented
// verification calls (testkit/fakeapi's Provider): GitHub (GET /user, and
// its unauthenticated credential revocation, POST /credentials/revoke),
// Anthropic (GET /v1/models), an Anthropic-compatible gateway under
// /anthropic (the seed's MiMo) and Tavily (GET /usage). Each records
// every request it gets, headers included, so a script can prove where
// each secret went.
type fakeProviders struct {
	t     *fakeapi.Collect
	fakes map[string]*fakeapi.Provider
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
	if len(args) == 0 {
		c := &fakeapi.Collect{Defer: ts.Defer}
		f := &fakeProviders{t: c, fakes: map[string]*fakeapi.Provider{}}
		for _, name := range []string{"github", "anthropic", "mimo", "tavily"} {
			f.fakes[name] = fakeapi.NewProvider(c, name)
		}
		ts.Setenv("GITHUB_VERIFY", f.fakes["github"].URL)
		ts.Setenv("ANTHROPIC_VERIFY", f.fakes["anthropic"].URL)
		ts.Setenv("TAVILY_VERIFY", f.fakes["tavily"].URL)
		ts.Setenv("MIMO_BASE", f.fakes["mimo"].URL+"/anthropic")
		providerFakes.Store(ts.Getenv("WORK"), f)
		return
	}
	v, ok := providerFakes.Load(ts.Getenv("WORK"))
	if !ok {
		ts.Fatalf("fakeproviders: not started")
	}
	f := v.(*fakeProviders)
	fake := func(name string) *fakeapi.Provider {
		p, ok := f.fakes[name]
		if !ok {
			ts.Fatalf("fakeproviders: no fake %q", name)
		}
		return p
	}
	switch args[0] {
	case "accept":
		fake(args[1]).Accept(ts.Getenv(args[2]))
	case "reject":
		fake(args[1]).Kill(ts.Getenv(args[2]))
	case "requests":
		n := 0
		for name, p := range f.fakes {
			if args[1] == "all" || args[1] == name {
				n += p.Count()
			}
		}
		if strconv.Itoa(n) != args[2] {
			ts.Fatalf("%s: %d requests, want %s", args[1], n, args[2])
		}
	case "only":
		val := ts.Getenv(args[2])
		for name, p := range f.fakes {
			if p.Saw(val) && name != args[1] {
				ts.Fatalf("$%s reached %s", args[2], name)
			}
		}
		if !fake(args[1]).Saw(val) {
			ts.Fatalf("$%s never reached %s", args[2], args[1])
		}
	case "check":
		if errs := f.t.Errors(); len(errs) > 0 {
			ts.Fatalf("undocumented calls: %v", errs)
		}
	default:
		ts.Fatalf("fakeproviders: unknown command %q", args[0])
	}
}
