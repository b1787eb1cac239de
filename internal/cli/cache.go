package cli

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/internal/buildinfo"
	"github.com/leakguard/leakguard/keyfile"
	"github.com/leakguard/leakguard/rules"
)

// # The history cache
//
// scan --history, ci on a full scan (schedule, workflow_dispatch) and
// audit keep an incremental cache of the history they proved clean (see
// gitscan/cache.go) in the state directory's history/ folder, or in
// $LEAKGUARD_HISTORY_CACHE (the Action points it at a folder it caches
// with actions/cache). --no-cache reads everything and leaves the cache
// alone.

// cacheEnv names the directory of the history cache files.
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
	key, err := cacheKey(e, buildinfo.Get())
	if err != nil {
		warn(fmt.Sprintf("history cache off: %v", err))
		return nil
	}
	return &gitscan.Cache{Dir: dir, Key: key, Warn: warn}
}

// cacheKey digests everything that changes what a history scan finds in
// a blob or a message: the detector's inputs (rules, allowlists, managed
// keys' fingerprints, decode depth, minimum confidence: the config after
// every layer), the ignore file, the size limit, and the build (a
// development build also by its executable's size and time, so a rebuild
// invalidates). What only chooses commits (--all-refs, --branch) is not
// in it: the cache records commits, which any selection can reuse.
func cacheKey(e *env, bi buildinfo.Info) ([32]byte, error) {
	in := struct {
		Format        int
		Build         buildinfo.Info
		Exe           string
		Rules         []*rules.Rule
		Allowlist     *rules.Allowlist
		Allowlists    []*rules.Allowlist
		Keys          []rules.Key
		DecodeDepth   int
		MinConfidence rules.Confidence
		Ignore        [32]byte
		MaxSize       int64
	}{Format: 1, Build: bi, Ignore: e.ignoreSum, MaxSize: e.maxSize}
	if c := e.cfg; c != nil {
		in.Rules, in.Allowlist, in.Allowlists, in.Keys = c.Rules, c.Allowlist, c.Allowlists, c.Keys
		in.DecodeDepth, in.MinConfidence = c.DecodeDepth, c.MinConfidence
	}
	if bi.Modified || bi.Commit == "" {
		exe, err := os.Executable()
		if err == nil {
			var fi os.FileInfo
			if fi, err = os.Stat(exe); err == nil {
				in.Exe = fmt.Sprintf("%s %d %d", exe, fi.Size(), fi.ModTime().UnixNano())
			}
		}
		if err != nil {
			return [32]byte{}, fmt.Errorf("a development build that cannot stat itself: %w", err)
		}
	}
	b, err := json.Marshal(in)
	if err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(b), nil
}
