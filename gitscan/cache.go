package gitscan

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/leakguard/leakguard/internal/atomicfile"
	"github.com/leakguard/leakguard/scanner"
)

// # The incremental history cache
//
// A history scan records what it has proven: the commits it covered (each
// with every ancestor), the blobs it read completely and found nothing
// in ("clean"), and the covered commits it must look at again on every
// run ("revisits": a commit whose message had a finding, or that brings
// a blob that is not clean — it had findings, was over the size limit,
// had archive entries left unread, or was a malformed archive). The next
// run with the same [Cache.Key] walks only the commits the cache does not
// cover, skips the clean blobs, and reads the revisits and their blobs
// again, so every finding is reported with its attribution and its full
// value (for --verify, remediate and --show-secrets) although the cache
// holds no secret: only object ids, and no path or content.
//
// The commits covered stay closed under ancestry (a commit's parents
// never change), so "the commits not covered" is 'git log TIPS --not
// FRONTIER', the frontier being the covered parents of uncovered
// commits. What the refs reach is listed again each run ('git rev-list
// --parents'): a revisit no ref reaches any more (a force-push dropped
// it) is not reported, and order and attribution are the full scan's.
//
// Only a complete scan of a whole selection (no --range or
// --since-commit; no object missing) is recorded. The file carries a
// format version, the key and a SHA-256 of its content; anything that
// does not check out is discarded with a warning (corrupt) or silently
// (another key: rules or config changed), never trusted. It is written
// to a temporary file and renamed over the old one: two runs at once
// never corrupt it (the last to finish wins).

// Cache turns on the incremental history cache for [Repo.History].
type Cache struct {
	// Dir holds the cache files, one per repository (created 0700).
	Dir string
	// Key identifies everything that changes what a scan finds in a blob
	// or message: the rules, the config, the ignore file, the size and
	// archive limits, the leakguard build. A different key discards the
	// cache.
	Key [32]byte
	// Warn, when set, receives warnings (a corrupt cache discarded, a
	// cache that could not be saved).
	Warn func(string)
}

// cacheMagic and cacheVersion head a cache file.
const (
	cacheMagic   = "leakguard history cache\n"
	cacheVersion = 1
)

// historyCache is a loaded cache and what this run adds to it.
type historyCache struct {
	c    *Cache
	path string
	// covered, clean and revisit are the loaded sets.
	covered, clean, revisit map[plumbing.Hash]bool
	loaded                  bool // from a valid file
	// incremental: walk only what covered does not hold. Off when the
	// caller needs the whole walk (removals in an audit).
	incremental bool
	graph       []*commitInfo // every commit the tips reach (incremental)
	skipped     int           // clean blobs not read
}

func (c *Cache) warn(format string, args ...any) {
	if c.Warn != nil {
		c.Warn(fmt.Sprintf(format, args...))
	}
}

// cacheFile is the cache file of a repository: named by a digest of its
// common git directory's absolute path.
func (c *Cache) cacheFile(r *Repo) string {
	dir := r.commonDir()
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(c.Dir, "history-"+hex.EncodeToString(sum[:12])+".cache")
}

// open loads the cache for a history scan of sel; nil when there is no
// cache or the selection cannot use it (a range: its commits are not
// closed under ancestry).
func (c *Cache) open(r *Repo, sel selection, incremental bool) *historyCache {
	if c == nil || c.Dir == "" || len(sel.excludes) > 0 {
		return nil
	}
	hc := &historyCache{c: c, path: c.cacheFile(r), incremental: incremental}
	b, err := os.ReadFile(hc.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		c.warn("history cache %s: %v; scanning without it", hc.path, err)
	default:
		if err := hc.decode(b); err != nil && !errors.Is(err, errCacheKey) {
			c.warn("history cache %s is corrupt (%v): discarded, scanning everything", hc.path, err)
		}
	}
	if hc.covered == nil {
		hc.covered, hc.clean, hc.revisit = map[plumbing.Hash]bool{}, map[plumbing.Hash]bool{}, map[plumbing.Hash]bool{}
	}
	if len(hc.covered) == 0 {
		hc.incremental = false // nothing to build on: the plain walk
	}
	return hc
}

var errCacheKey = errors.New("another key")

// encode writes the sets: magic, version, key, three counts, the sorted
// ids of each set, then a SHA-256 of all that.
func encodeCache(key [32]byte, sets ...map[plumbing.Hash]bool) []byte {
	var b bytes.Buffer
	b.WriteString(cacheMagic)
	binary.Write(&b, binary.BigEndian, uint32(cacheVersion))
	b.Write(key[:])
	for _, s := range sets {
		binary.Write(&b, binary.BigEndian, uint32(len(s)))
	}
	for _, s := range sets {
		for _, h := range sortedHashes(s) {
			b.Write(h[:])
		}
	}
	sum := sha256.Sum256(b.Bytes())
	b.Write(sum[:])
	return b.Bytes()
}

func sortedHashes(s map[plumbing.Hash]bool) []plumbing.Hash {
	out := make([]plumbing.Hash, 0, len(s))
	for h := range s {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i][:], out[j][:]) < 0 })
	return out
}

// decode checks and reads a cache file; errCacheKey when it was made
// with another key (valid, not ours).
func (hc *historyCache) decode(b []byte) error {
	const hlen = len(cacheMagic) + 4 + 32 + 3*4
	if len(b) < hlen+sha256.Size || !bytes.HasPrefix(b, []byte(cacheMagic)) {
		return errors.New("not a cache file")
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if s := sha256.Sum256(body); !bytes.Equal(s[:], sum) {
		return errors.New("checksum mismatch")
	}
	p := body[len(cacheMagic):]
	if v := binary.BigEndian.Uint32(p); v != cacheVersion {
		return fmt.Errorf("%w: format %d", errCacheKey, v)
	}
	if !bytes.Equal(p[4:36], hc.c.Key[:]) {
		return errCacheKey
	}
	p = p[36:]
	var n [3]uint64
	total := uint64(0)
	for i := range n {
		n[i] = uint64(binary.BigEndian.Uint32(p[4*i:]))
		total += n[i]
	}
	p = p[12:]
	if uint64(len(p)) != total*20 {
		return errors.New("wrong length")
	}
	sets := make([]map[plumbing.Hash]bool, 3)
	for i := range sets {
		sets[i] = make(map[plumbing.Hash]bool, n[i])
		for j := uint64(0); j < n[i]; j++ {
			var h plumbing.Hash
			copy(h[:], p[:20])
			p = p[20:]
			sets[i][h] = true
		}
	}
	for h := range sets[2] {
		if !sets[0][h] {
			return errors.New("a revisit is not covered")
		}
	}
	hc.covered, hc.clean, hc.revisit, hc.loaded = sets[0], sets[1], sets[2], true
	return nil
}

// isClean reports a blob the cache proved clean.
func (hc *historyCache) isClean(h plumbing.Hash) bool { return hc != nil && hc.clean[h] }

// skip drops the blobs proven clean from want, marking them scanned.
func (hc *historyCache) skip(want []plumbing.Hash, sc *blobScanner) []plumbing.Hash {
	if hc == nil || len(hc.clean) == 0 {
		return want
	}
	kept := want[:0]
	for _, h := range want {
		if hc.clean[h] {
			sc.scanned[h] = true
			hc.skipped++
			continue
		}
		kept = append(kept, h)
	}
	return kept
}

// walk lists the commits of the scan in topological order: with an
// incremental cache, those it does not cover and the revisits; else
// every commit.
func (hc *historyCache) walk(ctx context.Context, r *Repo, be historyBackend, sel selection, missing func(plumbing.Hash), progress func(int)) ([]*commitInfo, error) {
	if hc != nil && hc.incremental {
		commits, err := hc.plan(ctx, r, be, sel, missing, progress)
		if err == nil || ctx.Err() != nil {
			return commits, err
		}
		hc.c.warn("history cache: %v; scanning every commit", err)
		hc.incremental, hc.graph = false, nil
	}
	commits, err := be.walk(ctx, sel.tips, sel.excludes, missing, progress)
	if err != nil {
		return nil, err
	}
	return topoOrder(commits, sel.tips), nil
}

// plan walks the commits the cache does not cover and reloads the
// revisits the tips still reach.
func (hc *historyCache) plan(ctx context.Context, r *Repo, be historyBackend, sel selection, missing func(plumbing.Hash), progress func(int)) ([]*commitInfo, error) {
	graph, err := r.commitGraph(ctx, be, sel.tips)
	if err != nil {
		return nil, err
	}
	graph = topoOrder(graph, sel.tips)
	var tips, frontier, again []plumbing.Hash
	for _, t := range sel.tips {
		if !hc.covered[t] {
			tips = append(tips, t)
		}
	}
	inFrontier := map[plumbing.Hash]bool{}
	for _, c := range graph {
		if hc.covered[c.hash] {
			if hc.revisit[c.hash] {
				again = append(again, c.hash)
			}
			continue
		}
		for _, p := range c.parents {
			if hc.covered[p] && !inFrontier[p] {
				inFrontier[p] = true
				frontier = append(frontier, p)
			}
		}
	}
	var fresh []*commitInfo
	if len(tips) > 0 {
		if fresh, err = be.walk(ctx, tips, frontier, missing, progress); err != nil {
			return nil, err
		}
	}
	revisits, err := r.loadCommits(ctx, be, again, missing)
	if err != nil {
		return nil, err
	}
	full := make(map[plumbing.Hash]*commitInfo, len(fresh)+len(revisits))
	for _, c := range append(fresh, revisits...) {
		full[c.hash] = c
	}
	out := make([]*commitInfo, 0, len(full))
	for _, g := range graph {
		if c := full[g.hash]; c != nil {
			c.order = len(out)
			out = append(out, c)
			delete(full, g.hash)
		}
	}
	if len(full) > 0 {
		return nil, fmt.Errorf("the walk read %d commits the refs do not reach", len(full))
	}
	hc.graph = graph
	return out, nil
}

// notesGraph is what notesRefs follows: every commit the refs reach
// (incremental), else the commits scanned.
func (hc *historyCache) notesGraph(commits []*commitInfo) []*commitInfo {
	if hc != nil && hc.graph != nil {
		return hc.graph
	}
	return commits
}

// stats counts the commits the scan covered and what the cache spared.
func (hc *historyCache) stats(st *Stats, commits []*commitInfo) {
	st.Commits = len(commits)
	if hc == nil {
		return
	}
	if hc.graph != nil {
		st.Commits = len(hc.graph)
		st.CachedCommits = len(hc.graph) - len(commits)
	}
	st.CachedBlobs = hc.skipped
}

// save records a complete scan: its commits are covered, its blobs read
// without findings or gaps are clean, and the commits with a finding in
// their message or a blob that is not clean are revisits.
func (hc *historyCache) save(commits []*commitInfo, sc *blobScanner, msgs [][]scanner.Finding, st *Stats) {
	if hc == nil || st.Missing > 0 {
		return
	}
	n := len(hc.covered) + len(hc.clean) + len(hc.revisit)
	changed := false
	for h := range sc.scanned {
		if len(sc.found[h]) == 0 && !sc.dirty[h] {
			hc.clean[h] = true
		}
	}
	for _, c := range commits {
		hc.covered[c.hash] = true
		again := len(msgs[c.order]) > 0
		for _, ch := range c.changes {
			if !again && c.introduces(ch) && !hc.clean[ch.blob] {
				again = true
			}
		}
		if again {
			hc.revisit[c.hash] = true
		} else if hc.revisit[c.hash] {
			delete(hc.revisit, c.hash)
			changed = true
		}
	}
	if !changed && n == len(hc.covered)+len(hc.clean)+len(hc.revisit) && hc.loaded {
		return // nothing new: the file stands
	}
	if err := hc.write(); err != nil {
		hc.c.warn("could not save the history cache: %v", err)
	}
}

// write replaces the cache file with the sets.
func (hc *historyCache) write() error {
	return atomicfile.WritePrivate(hc.path, encodeCache(hc.c.Key, hc.covered, hc.clean, hc.revisit))
}

// commitGraph lists every commit tips reach, with parents only.
func (r *Repo) commitGraph(ctx context.Context, be historyBackend, tips []plumbing.Hash) ([]*commitInfo, error) {
	if len(tips) == 0 {
		return nil, nil
	}
	if g, ok := be.(*gitBackend); ok {
		var graph []*commitInfo
		err := g.stream(ctx, "git rev-list", revs(tips, nil), func(out io.Reader) error {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				f := strings.Fields(sc.Text())
				if len(f) == 0 {
					continue
				}
				c := &commitInfo{hash: plumbing.NewHash(f[0])}
				for _, p := range f[1:] {
					c.parents = append(c.parents, plumbing.NewHash(p))
				}
				graph = append(graph, c)
			}
			return nil
		}, "rev-list", "--parents", "--stdin")
		if err != nil {
			return nil, err
		}
		return graph, nil
	}
	var graph []*commitInfo
	err := r.eachAncestor(ctx, tips, func(h plumbing.Hash, c *object.Commit, err error) error {
		if err != nil {
			return objectError("commit", h, err)
		}
		graph = append(graph, &commitInfo{hash: h, parents: c.ParentHashes})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return graph, nil
}

// loadCommits reads the given commits with their changes, as the walk
// would.
func (r *Repo) loadCommits(ctx context.Context, be historyBackend, hs []plumbing.Hash, missing func(plumbing.Hash)) ([]*commitInfo, error) {
	if len(hs) == 0 {
		return nil, nil
	}
	if g, ok := be.(*gitBackend); ok {
		return g.log(ctx, revs(hs, nil), nil, missing, "--no-walk=unsorted")
	}
	out := make([]*commitInfo, 0, len(hs))
	for _, h := range hs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c, err := r.goGitCommit(h, missing)
		if err != nil {
			return nil, objectError("commit", h, err)
		}
		out = append(out, c)
	}
	return out, nil
}
