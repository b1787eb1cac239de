package gitscan

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/leakguard/leakguard/internal/buildinfo"
	"github.com/leakguard/leakguard/keyfile"
	"github.com/leakguard/leakguard/rules"
)

// CacheKeyInput is everything that changes what a history scan finds in
// a blob or a message: the detector's inputs (rules, allowlists, managed
// keys' fingerprints, decode depth, minimum confidence: the config after
// every layer), the ignore file's SHA-256 and the size limit. What only
// chooses commits (--all-refs, --branch) is not in it: the cache records
// commits, which any selection can reuse.
type CacheKeyInput struct {
	Rules         []*rules.Rule
	Allowlist     *rules.Allowlist
	Allowlists    []*rules.Allowlist
	Keys          []rules.Key
	DecodeDepth   int
	MinConfidence rules.Confidence
	Ignore        [32]byte
	MaxSize       int64
}

// CacheKey digests in and the build bi into a [Cache]'s Key (a
// development build also by its executable's size and time, so a rebuild
// invalidates).
func CacheKey(in CacheKeyInput, bi buildinfo.Info) ([32]byte, error) {
	// The embedded fields follow Exe in the JSON, as they did when
	// they were written out here.
	k := struct {
		Format int
		Build  buildinfo.Info
		Exe    string
		CacheKeyInput
	}{Format: 1, Build: bi, CacheKeyInput: in}
	if bi.Modified || bi.Commit == "" {
		exe, err := os.Executable()
		if err == nil {
			var fi os.FileInfo
			if fi, err = os.Stat(exe); err == nil {
				k.Exe = fmt.Sprintf("%s %d %d", exe, fi.Size(), fi.ModTime().UnixNano())
			}
		}
		if err != nil {
			return [32]byte{}, fmt.Errorf("a development build that cannot stat itself: %w", err)
		}
	}
	b, err := json.Marshal(k)
	if err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(b), nil
}

// CacheEnv names the directory of the history cache files: the Action
// points it at a folder it caches with actions/cache.
const CacheEnv = "LEAKGUARD_HISTORY_CACHE"

// NewCache is the history cache of scans keyed by in and the build bi:
// its files are in $LEAKGUARD_HISTORY_CACHE (read through getenv), else
// in stateDir's history folder. It is nil, with a warning, when it cannot
// be keyed (the scan then reads everything).
func NewCache(getenv func(string) string, stateDir string, in CacheKeyInput, bi buildinfo.Info, warn func(string)) *Cache {
	dir := keyfile.ExpandHome(getenv(CacheEnv))
	if dir == "" {
		dir = filepath.Join(stateDir, "history")
	}
	key, err := CacheKey(in, bi)
	if err != nil {
		warn(fmt.Sprintf("history cache off: %v", err))
		return nil
	}
	return &Cache{Dir: dir, Key: key, Warn: warn}
}
