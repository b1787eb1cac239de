package gitscan

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/leakguard/leakguard/internal/atomicfile"
	"github.com/leakguard/leakguard/secret"
)

// ErrShallow is returned where a shallow clone cannot give a true answer.
var ErrShallow = errors.New("the clone is shallow")

// RootCommit is the root of HEAD's first-parent chain: the same commit in
// every clone of the repository while its history is not rewritten (the
// key of per-repository fingerprints, secret.RepoKey). A shallow clone
// has no true root: ErrShallow.
func (r *Repo) RootCommit(ctx context.Context) (string, error) {
	if _, err := os.Stat(filepath.Join(r.commonDir(), "shallow")); err == nil {
		return "", ErrShallow
	}
	if g, err := r.newGitBackend(); err == nil && r.gitDir != "" {
		return r.rootByGit(ctx, g)
	}
	if err := r.load(); err != nil {
		return "", err
	}
	head, err := r.r.Head()
	if err != nil {
		return "", fmt.Errorf("finding the root commit: %w", err)
	}
	h := head.Hash()
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		c, err := object.GetCommit(r.r.Storer, h)
		if err != nil {
			return "", fmt.Errorf("finding the root commit: %w", err)
		}
		if len(c.ParentHashes) == 0 {
			return h.String(), nil
		}
		h = c.ParentHashes[0]
	}
}

// RepoKey derives the fingerprint key of the repository at root
// ([secret.RepoKey] of its root commit). Hashes of secrets written to
// files that are committed or published (.leakguardignore entries, SARIF
// partialFingerprints) are keyed by it: every clone and CI checkout
// derives it without setup, and a dictionary of hashes computed once is
// worth nothing in another repository. It is not a secret (anyone who
// can read a public repository can derive it): a weak secret in a public
// repository can still be guessed from its entry by someone who targets
// that repository. SECURITY.md says so.
func RepoKey(ctx context.Context, root string) ([]byte, error) {
	if root == "" {
		return nil, errors.New("not inside a git repository")
	}
	r, err := Open(root)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	id, err := r.RootCommit(ctx)
	if errors.Is(err, ErrShallow) {
		return nil, fmt.Errorf("%w: the key is derived from the root commit (fetch-depth: 0 on actions/checkout; locally: git fetch --unshallow)", err)
	}
	if err != nil {
		return nil, err
	}
	return secret.RepoKey(id), nil
}

// maxRemembered is how many commits' roots a repository remembers: one
// for each branch or worktree in use, about.
const maxRemembered = 8

// rootsPath is where a repository remembers the roots of the commits
// RootCommit was asked about: lines of "COMMIT ROOT", the latest first.
func (r *Repo) rootsPath() string { return filepath.Join(r.commonDir(), "leakguard", "roots") }

// rootByGit walks HEAD's first-parent chain with git until a commit whose
// root is remembered, or to the root: in a repository of 200,000 commits
// the whole walk takes a second, and a blocked commit asks for the root
// (its fingerprints' key). The root is then remembered for HEAD.
func (r *Repo) rootByGit(ctx context.Context, g *gitBackend) (string, error) {
	known := readRoots(r.rootsPath())
	head, root, ok := r.rootRead(known)
	if !ok {
		var err error
		if head, root, err = r.rootRemembered(ctx, g, known); err != nil {
			return "", err
		}
	}
	if root == "" {
		// Nothing remembered near HEAD: git finds the root faster when
		// it prints only that. From the commit the walk began at, which
		// is remembered below, not from HEAD, which may have moved.
		from := head
		if from == "" {
			from = "HEAD"
		}
		r.rootGits.Add(1)
		out, err := g.command(ctx, "rev-list", "--first-parent", "--max-parents=0", from).Output()
		if err != nil {
			return "", fmt.Errorf("finding the root commit: %w", err)
		}
		if root = strings.TrimSpace(string(out)); root == "" || strings.Contains(root, "\n") {
			return "", errors.New("finding the root commit: no single root")
		}
	}
	if head != "" {
		rememberRoot(r.rootsPath(), head, root)
	}
	return root, nil
}

// maxRootSteps is how far back from HEAD rootRemembered looks for a
// commit whose root it knows (a variable: tests lower it).
var maxRootSteps = 1024

// rootRemembered walks back from HEAD, along its first parents, up to
// maxRootSteps commits, to a commit in known: HEAD and that commit's
// root; no root when there is none, or the walk reached the root itself
// (then the root it found).
func (r *Repo) rootRemembered(ctx context.Context, g *gitBackend, known map[string]string) (head, root string, _ error) {
	walk, stop := context.WithCancel(ctx)
	defer stop()
	cmd := g.command(walk, "rev-list", "--first-parent", fmt.Sprintf("--max-count=%d", maxRootSteps), "HEAD")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", "", err
	}
	if err := cmd.Start(); err != nil {
		return "", "", fmt.Errorf("finding the root commit: %w", err)
	}
	r.rootGits.Add(1)
	var last string
	n := 0
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		id := sc.Text()
		n++
		r.rootWalked.Add(1)
		if head == "" {
			head = id
		}
		if known[id] != "" {
			stop() // the rest of the chain is not needed
			cmd.Wait()
			return head, known[id], nil
		}
		last = id
	}
	if err := sc.Err(); err != nil {
		stop()
		cmd.Wait()
		return "", "", fmt.Errorf("finding the root commit: reading git rev-list: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		if ctx.Err() != nil {
			return "", "", ctx.Err()
		}
		return "", "", fmt.Errorf("finding the root commit: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	if n < maxRootSteps && last != "" {
		return head, last, nil // the whole chain: last is the root
	}
	return head, "", nil
}

// rootRead is rootRemembered read from the repository's own files (HEAD,
// its ref, the commits in the object directory) rather than through git,
// which costs a process: ok false when they do not settle it (a
// reftable, grafts, a commit not read plainly), and git walks instead.
// Replacements are ignored, as git does for leakguard
// (GIT_NO_REPLACE_OBJECTS). It reads at most maxDirReads commits: past
// them git walks, from HEAD again.
func (r *Repo) rootRead(known map[string]string) (head, root string, ok bool) {
	if _, err := os.Lstat(filepath.Join(r.commonDir(), "info", "grafts")); !os.IsNotExist(err) {
		return "", "", false
	}
	h, state := r.readHead()
	if state != headCommitted {
		return "", "", false
	}
	objs := newObjectDir(r.commonDir())
	defer objs.close()
	head = h.String()
	for range maxRootSteps {
		id := h.String()
		r.rootWalked.Add(1)
		if known[id] != "" {
			return head, known[id], true
		}
		typ, c, ok := objs.object(h, maxDirObject)
		if !ok || typ != plumbing.CommitObject {
			return "", "", false
		}
		parent, hasParent, ok := firstParent(c)
		if !ok {
			return "", "", false
		}
		if !hasParent {
			return head, id, true
		}
		h = parent
	}
	return head, "", true
}

// firstParent reads a commit's first parent: hasParent false for a root
// commit, ok false for what does not read as a commit.
func firstParent(c []byte) (parent plumbing.Hash, hasParent, ok bool) {
	line := func(b []byte, key string) ([]byte, bool) {
		rest, ok := bytes.CutPrefix(b, []byte(key+" "))
		if !ok || len(rest) < 41 || rest[40] != '\n' || !isObjectID(string(rest[:40])) {
			return nil, false
		}
		return rest, true
	}
	rest, ok := line(c, "tree")
	if !ok {
		return plumbing.ZeroHash, false, false
	}
	rest = rest[41:]
	if !bytes.HasPrefix(rest, []byte("parent ")) {
		return plumbing.ZeroHash, false, true
	}
	if rest, ok = line(rest, "parent"); !ok {
		return plumbing.ZeroHash, false, false
	}
	return plumbing.NewHash(string(rest[:40])), true, true
}

// readRoots reads the remembered roots, commit to root; a file that is
// not a regular file is not read (a link is not followed).
//
// A record holds while commits are immutable: a root changed by 'git
// replace' or a graft after it was remembered is not seen. Delete the
// file (.git/leakguard/roots) after such a change.
func readRoots(path string) map[string]string {
	if !regularOrAbsent(path) {
		return nil
	}
	b, _ := os.ReadFile(path)
	out := map[string]string{}
	for _, p := range parseRoots(b) {
		if _, ok := out[p[0]]; !ok {
			out[p[0]] = p[1]
		}
	}
	return out
}

// parseRoots returns the records of a roots file in order; a line that
// is not two object ids is ignored.
func parseRoots(b []byte) (out [][2]string) {
	for line := range strings.Lines(string(b)) {
		if f := strings.Fields(line); len(f) == 2 && isObjectID(f[0]) && isObjectID(f[1]) {
			out = append(out, [2]string{f[0], f[1]})
		}
	}
	return out
}

// rememberRoot records root as commit's, ahead of the others remembered.
// A repository that cannot be written to is only slower.
func rememberRoot(path, commit, root string) {
	if !isObjectID(commit) || !isObjectID(root) || !regularOrAbsent(path) {
		return
	}
	lines := []string{commit + " " + root + "\n"}
	old, _ := os.ReadFile(path)
	for _, p := range parseRoots(old) {
		if len(lines) < maxRemembered && p[0] != commit {
			lines = append(lines, p[0]+" "+p[1]+"\n")
		}
	}
	if data := strings.Join(lines, ""); data != string(old) {
		atomicfile.Replace(path, []byte(data), 0o644)
	}
}

// regularOrAbsent reports whether path is a regular file or nothing: the
// roots file is not read or written through a link.
func regularOrAbsent(path string) bool {
	fi, err := os.Lstat(path)
	return os.IsNotExist(err) || err == nil && fi.Mode().IsRegular()
}

// isObjectID reports a full SHA-1 or SHA-256 object id in lower-case hex.
func isObjectID(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
