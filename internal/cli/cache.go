package cli

import (
	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/internal/buildinfo"
)

// historyCache is the cache a history scan of e uses (see
// gitscan/cache.go); nil when it cannot be keyed.
func historyCache(s *IO, e *env, quiet bool) *gitscan.Cache {
	return gitscan.NewCache(s.Getenv, stateDir(s.Getenv, e.cfg), cacheInput(e), buildinfo.Get(), s.warner(quiet))
}

// cacheInput is what of e decides a history scan's findings.
func cacheInput(e *env) gitscan.CacheKeyInput {
	in := gitscan.CacheKeyInput{Ignore: e.ignoreSum, MaxSize: e.maxSize}
	if c := e.cfg; c != nil {
		in.Rules, in.Allowlist, in.Allowlists, in.Keys = c.Rules, c.Allowlist, c.Allowlists, c.Keys
		in.DecodeDepth, in.MinConfidence = c.DecodeDepth, c.MinConfidence
	}
	return in
}
