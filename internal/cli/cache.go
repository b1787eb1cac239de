package cli

import (
	"fmt"
	"path/filepath"

	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/internal/buildinfo"
	"github.com/leakguard/leakguard/keyfile"
)

// cacheEnv names the directory of the history cache files (the Action
// points it at a folder it caches with actions/cache); by default they
// are in the state directory's history/ folder (see gitscan/cache.go).
const cacheEnv = "LEAKGUARD_HISTORY_CACHE"

// historyCache is the cache a history scan of e uses; nil when it cannot
// be keyed (the scan then reads everything).
func historyCache(s *IO, e *env, quiet bool) *gitscan.Cache {
	warn := func(msg string) {
		if !quiet {
			fmt.Fprintf(s.Err, "leakguard: warning: %s\n", msg)
		}
	}
	dir := keyfile.ExpandHome(s.Getenv(cacheEnv))
	if dir == "" {
		dir = filepath.Join(stateDir(s.Getenv, e.cfg), "history")
	}
	key, err := gitscan.CacheKey(cacheInput(e), buildinfo.Get())
	if err != nil {
		warn(fmt.Sprintf("history cache off: %v", err))
		return nil
	}
	return &gitscan.Cache{Dir: dir, Key: key, Warn: warn}
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
