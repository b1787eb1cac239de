package gitscan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"path"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// # Reading through git, not go-git
//
// go-git reads an object only after loading every pack index whole
// (about a second on a 200,000-commit repository), once per opened
// repository; a pull request's CI run opened three (its plan, its base
// commit's config, its scan) to resolve a few revisions and read one
// file. git answers these from the index files as they are: when git is
// on PATH, these go through it; go-git is the fallback.

// errNoGit is a git that cannot run (not on PATH): go-git reads instead.
var errNoGit = errors.New("git cannot run")

// output runs git with args (literal pathspecs) and returns its standard
// output; errNoGit when git cannot run at all, else git's failure.
func (g *gitBackend) output(args ...string) ([]byte, error) {
	cmd := g.command(context.Background(), append([]string{"--literal-pathspecs"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return nil, fmt.Errorf("git %s: %v: %s", args[0], err, strings.TrimSpace(stderr.String()))
	case err != nil:
		return nil, errNoGit
	}
	return out, nil
}

// commit resolves rev to the commit it names (tags peeled), as
// 'git rev-parse REV^{commit}' does: ok false when it names none;
// errNoGit when git cannot run.
func (g *gitBackend) commit(rev string) (plumbing.Hash, bool, error) {
	if rev == "" || strings.HasPrefix(rev, "-") {
		return plumbing.ZeroHash, false, nil // never an option
	}
	out, err := g.output("rev-parse", "--verify", "-q", rev+"^{commit}")
	if errors.Is(err, errNoGit) {
		return plumbing.ZeroHash, false, err
	}
	id := strings.TrimSpace(string(out))
	if err != nil || !plumbing.IsHash(id) {
		return plumbing.ZeroHash, false, nil
	}
	return plumbing.NewHash(id), true, nil
}

// readAt is ReadAt through git: 'git ls-tree' for the entry's mode and
// size, then 'git cat-file blob'. errNoGit when git cannot run.
func (g *gitBackend) readAt(commit, p string, max int64) ([]byte, error) {
	id := commit[:min(12, len(commit))]
	p = path.Clean(p)
	out, err := g.output("ls-tree", "-l", "-z", commit+"^{commit}", "--", p)
	if errors.Is(err, errNoGit) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", id, err)
	}
	entry, _, _ := bytes.Cut(out, []byte{0})
	meta, name, ok := bytes.Cut(entry, []byte{'\t'})
	if !ok || string(name) != p {
		return nil, fmt.Errorf("%s at %s: %w", p, id, fs.ErrNotExist)
	}
	f := strings.Fields(string(meta)) // mode, type, object, size
	if len(f) != 4 {
		return nil, fmt.Errorf("%s at %s: git ls-tree: unexpected %q", p, id, meta)
	}
	if f[1] != "blob" { // a directory or a submodule: no file, as go-git says
		return nil, fmt.Errorf("%s at %s: %w", p, id, fs.ErrNotExist)
	}
	if f[0] == "120000" {
		return nil, fmt.Errorf("%s at %s is not a regular file", p, id)
	}
	if size, err := strconv.ParseInt(f[3], 10, 64); err != nil || size > max {
		return nil, fmt.Errorf("%s at %s is larger than %d bytes", p, id, max)
	}
	b, err := g.output("cat-file", "blob", f[2])
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", p, id, err)
	}
	return b, nil
}

// mergeBases are the best common ancestors of a and b (none when they
// have none, or one cannot be read): through git when g is set, else
// go-git's gr.
func mergeBases(g *gitBackend, gr *goRepo, a, b plumbing.Hash) []plumbing.Hash {
	var out []plumbing.Hash
	if g != nil {
		if ids, err := g.output("merge-base", "--all", a.String(), b.String()); !errors.Is(err, errNoGit) {
			for _, l := range strings.Fields(string(ids)) {
				out = append(out, plumbing.NewHash(l))
			}
			return out // git exits 1 when there is none
		}
	}
	ca, _ := gr.CommitObject(a)
	cb, _ := gr.CommitObject(b)
	if ca != nil && cb != nil {
		if bases, err := ca.MergeBase(cb); err == nil {
			for _, c := range bases {
				out = append(out, c.Hash)
			}
		}
	}
	return out
}
