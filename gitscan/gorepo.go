package gitscan

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/go-git/go-git/v5/storage/filesystem/dotgit"
)

// # go-git without its root package
//
// leakguard reads repositories through go-git's storage and object
// packages, and opens them itself (goRepo) rather than through
// go-git's root package: that package links every transport go-git
// speaks (SSH with its agent and known-hosts files, HTTP, the git
// protocol), which nothing here uses, and their initialisation cost
// every leakguard process, a pre-commit hook's included, about 2.5 ms.
// goRepo keeps the root package's behaviour where this package relies
// on it: how a repository is found and opened (PlainOpenWithOptions with
// DetectDotGit and EnableDotGitCommonDir), the extensions it refuses,
// and how a revision resolves when git cannot run (ResolveRevision).

// Errors as go-git's root package words them.
var (
	errRepositoryNotExists  = errors.New("repository does not exist")
	errRepositoryIncomplete = errors.New("repository's commondir path does not exist")
	errBareRepository       = errors.New("worktree not available in a bare repository")
	errUnknownExtension     = errors.New("unknown extension")
	errExtensionV0          = errors.New("core.repositoryformatversion does not support extension")
)

// goRepo is a repository opened on go-git's filesystem storage.
type goRepo struct {
	Storer *filesystem.Storage
	wt     billy.Filesystem // nil: bare
}

// plainOpen opens the repository at path, or, with detect, the one
// holding it (a parent's .git); a .git file (a linked worktree, a
// submodule) leads to its git directory, and that directory's commondir
// to the repository's shared one.
func plainOpen(path string, detect bool) (*goRepo, error) {
	dot, wt, err := dotGitDirs(path, detect)
	if err != nil {
		return nil, err
	}
	if _, err := dot.Stat(""); err != nil {
		if os.IsNotExist(err) {
			return nil, errRepositoryNotExists
		}
		return nil, err
	}
	common, err := commonDir(dot)
	if err != nil {
		return nil, err
	}
	st := filesystem.NewStorage(dotgit.NewRepositoryFilesystem(dot, common), cache.NewObjectLRUDefault())
	return openGoRepo(st, wt)
}

// openGoRepo opens the repository in st, refusing what go-git refuses:
// no HEAD (no repository), and any extension go-git does not implement
// (objectFormat=sha256 among them).
func openGoRepo(st *filesystem.Storage, wt billy.Filesystem) (*goRepo, error) {
	if _, err := st.Reference(plumbing.HEAD); errors.Is(err, plumbing.ErrReferenceNotFound) {
		return nil, errRepositoryNotExists
	}
	cfg, err := st.Config()
	if err != nil {
		return nil, err
	}
	if err := checkExtensions(cfg); err != nil {
		return nil, err
	}
	return &goRepo{Storer: st, wt: wt}, nil
}

// checkExtensions refuses the extensions go-git does not implement. Its
// config reads a format version other than 1 as 0.
func checkExtensions(cfg *config.Config) error {
	version := cfg.Core.RepositoryFormatVersion
	if cfg.Raw == nil || !cfg.Raw.HasSection("extensions") {
		return nil
	}
	var early, unknown []string
	for _, o := range cfg.Raw.Section("extensions").Options {
		name := strings.ToLower(o.Key)
		switch name {
		case "noop", "partialclone", "preciousobjects", "worktreeconfig":
		default:
			early = append(early, name)
		}
		if name != "noop" && name != "noop-v1" {
			unknown = append(unknown, name)
		}
	}
	if (version == "" || version == "0") && len(early) > 0 {
		return fmt.Errorf("%w: %s", errExtensionV0, strings.Join(early, ", "))
	}
	if len(unknown) > 0 {
		return fmt.Errorf("%w: %s", errUnknownExtension, strings.Join(unknown, ", "))
	}
	return nil
}

// dotGitDirs finds the git directory for path and its work tree (nil
// for a bare repository).
func dotGitDirs(path string, detect bool) (dot, wt billy.Filesystem, err error) {
	if path == "~" || strings.HasPrefix(path, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, nil, err
		}
		path = filepath.Join(home, path[1:])
	}
	if path, err = filepath.Abs(path); err != nil {
		return nil, nil, err
	}
	for {
		fs := osfs.New(path)
		if fi, err := os.Stat(path); err == nil && !fi.IsDir() && detect {
			fs = osfs.New(filepath.Dir(path))
		} else if err != nil && !os.IsNotExist(err) {
			return nil, nil, err
		}
		fi, err := fs.Stat(".git")
		switch {
		case err == nil && fi.IsDir():
			dot, err := fs.Chroot(".git")
			return dot, fs, err
		case err == nil:
			dot, err := dotGitFile(path, fs)
			if err != nil {
				return nil, nil, err
			}
			return dot, fs, nil
		case !os.IsNotExist(err):
			return nil, nil, err
		}
		if parent := filepath.Dir(path); detect && parent != path {
			path = parent
			continue
		}
		return fs, nil, nil // no .git: path itself, bare
	}
}

// dotGitFile follows a .git file's "gitdir: " line.
func dotGitFile(path string, fs billy.Filesystem) (billy.Filesystem, error) {
	f, err := fs.Open(".git")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	const prefix = "gitdir: "
	line := string(b)
	if !strings.HasPrefix(line, prefix) {
		return nil, fmt.Errorf(".git file has no %s prefix", prefix)
	}
	dir := strings.TrimSpace(strings.Split(line[len(prefix):], "\n")[0])
	if filepath.IsAbs(dir) {
		return osfs.New(dir), nil
	}
	return osfs.New(fs.Join(path, dir)), nil
}

// commonDir is the directory a git directory's commondir file names
// (nil: none, the git directory is the repository's own).
func commonDir(dot billy.Filesystem) (billy.Filesystem, error) {
	f, err := dot.Open("commondir")
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil || len(b) == 0 {
		return nil, err
	}
	p := strings.TrimSpace(string(b))
	if !filepath.IsAbs(p) {
		p = filepath.Join(dot.Root(), p)
	}
	common := osfs.New(p)
	if _, err := common.Stat(""); err != nil {
		if os.IsNotExist(err) {
			return nil, errRepositoryIncomplete
		}
		return nil, err
	}
	return common, nil
}

// Worktree is the work tree's file system.
func (r *goRepo) Worktree() (billy.Filesystem, error) {
	if r.wt == nil {
		return nil, errBareRepository
	}
	return r.wt, nil
}

// Head is HEAD, resolved.
func (r *goRepo) Head() (*plumbing.Reference, error) {
	return storer.ResolveReference(r.Storer, plumbing.HEAD)
}

// Reference is the reference name, resolved to a hash when resolved
// says so.
func (r *goRepo) Reference(name plumbing.ReferenceName, resolved bool) (*plumbing.Reference, error) {
	if resolved {
		return storer.ResolveReference(r.Storer, name)
	}
	return r.Storer.Reference(name)
}

// References iterates over every reference.
func (r *goRepo) References() (storer.ReferenceIter, error) { return r.Storer.IterReferences() }

// Config is the repository's configuration.
func (r *goRepo) Config() (*config.Config, error) { return r.Storer.Config() }

// CommitObject reads the commit h.
func (r *goRepo) CommitObject(h plumbing.Hash) (*object.Commit, error) {
	return object.GetCommit(r.Storer, h)
}

// ResolveRevision resolves rev to a commit as 'git rev-parse REV^{commit}'
// does, for the forms a scan is given: a full hash; a ref by git's rules
// (refs/NAME, refs/tags/NAME, refs/heads/NAME, ..., "@" for HEAD), else a
// unique hash prefix of 4 digits or more; annotated tags peeled; then,
// read from the end as git reads them, the steps ~N, ^N, ^{}, ^{commit}
// and ^{/regex} (the youngest commit back whose message matches;
// ^{/!-regex}, that does not). It is the fallback when git cannot run;
// anything else (@{...}, :path, ^{tree}) is an error.
func (r *goRepo) ResolveRevision(rev plumbing.Revision) (*plumbing.Hash, error) {
	c, err := r.resolve(string(rev))
	if err != nil {
		return &plumbing.ZeroHash, err
	}
	return &c.Hash, nil
}

func (r *goRepo) resolve(s string) (*object.Commit, error) {
	if s == "" {
		return nil, plumbing.ErrReferenceNotFound
	}
	// ^{...} at the end: git finds its last "^{".
	if strings.HasSuffix(s, "}") {
		i := strings.LastIndex(s, "^{")
		if i < 0 {
			return nil, fmt.Errorf("revision %q: not supported without git", s)
		}
		c, err := r.resolve(s[:i])
		if err != nil {
			return nil, err
		}
		switch arg := s[i+2 : len(s)-1]; {
		case arg == "" || arg == "commit":
			return c, nil
		case strings.HasPrefix(arg, "/"):
			return messageMatch(c, arg[1:])
		default:
			return nil, fmt.Errorf("revision %q: ^{%s} not supported without git", s, arg)
		}
	}
	// ~N or ^N at the end (N may be absent: 1).
	j := len(s)
	for j > 0 && s[j-1] >= '0' && s[j-1] <= '9' {
		j--
	}
	if j > 0 && (s[j-1] == '~' || s[j-1] == '^') {
		n := 1
		if j < len(s) {
			v, err := strconv.Atoi(s[j:])
			if err != nil {
				return nil, fmt.Errorf("revision %q: %w", s, err)
			}
			n = v
		}
		c, err := r.resolve(s[:j-1])
		if err != nil {
			return nil, err
		}
		if s[j-1] == '~' {
			for ; n > 0; n-- {
				if c, err = c.Parent(0); err != nil {
					return nil, err
				}
			}
			return c, nil
		}
		if n == 0 {
			return c, nil // ^0: the commit itself
		}
		return c.Parent(n - 1) // ^N: the Nth parent
	}
	if strings.ContainsAny(s, ":?*[\\ ~^{}") || strings.Contains(s, "@{") {
		return nil, fmt.Errorf("revision %q: not supported without git", s)
	}
	return r.refCommit(s)
}

// messageMatch is the youngest commit reachable from c (c included)
// whose message pattern matches; a pattern starting "!-" the youngest
// whose does not ("!!" stands for a literal "!").
func messageMatch(c *object.Commit, pattern string) (*object.Commit, error) {
	negate := false
	switch {
	case strings.HasPrefix(pattern, "!-"):
		negate, pattern = true, pattern[2:]
	case strings.HasPrefix(pattern, "!!"):
		pattern = pattern[1:]
	case strings.HasPrefix(pattern, "!"):
		return nil, fmt.Errorf("^{/%s}: not supported", pattern)
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	var found *object.Commit
	err = object.NewCommitIterCTime(c, nil, nil).ForEach(func(h *object.Commit) error {
		if re.MatchString(h.Message) != negate {
			found = h
			return storer.ErrStop
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, fmt.Errorf("no commit message match regexp: %q", pattern)
	}
	return found, nil
}

// refCommit is the commit name names: a full hash's object; else the
// ref it expands to, else the one object whose hash it begins (4 hex
// digits or more); an annotated tag is peeled to its commit.
func (r *goRepo) refCommit(name string) (*object.Commit, error) {
	if name == "@" {
		name = "HEAD"
	}
	var h plumbing.Hash
	found := false
	if len(name) == 2*len(plumbing.ZeroHash) {
		if _, err := hex.Decode(h[:], []byte(strings.ToLower(name))); err == nil {
			found = true
		}
	}
	if !found {
		for _, rule := range plumbing.RefRevParseRules {
			if ref, err := storer.ResolveReference(r.Storer, plumbing.ReferenceName(fmt.Sprintf(rule, name))); err == nil {
				h, found = ref.Hash(), true
				break
			}
		}
	}
	if !found {
		hs := r.hashesWithPrefix(name)
		switch {
		case len(hs) > 1:
			return nil, fmt.Errorf("short object ID %s is ambiguous", name)
		case len(hs) == 1:
			h, found = hs[0], true
		}
	}
	if !found {
		return nil, plumbing.ErrReferenceNotFound
	}
	return r.peel(h)
}

// peel follows annotated tags, nested ones too, to a commit.
func (r *goRepo) peel(h plumbing.Hash) (*object.Commit, error) {
	for range 64 {
		if c, err := object.GetCommit(r.Storer, h); err == nil {
			return c, nil
		}
		t, err := object.GetTag(r.Storer, h)
		if err != nil {
			return nil, plumbing.ErrReferenceNotFound
		}
		h = t.Target
	}
	return nil, fmt.Errorf("object %s: tags nested too deep", h)
}

// hashesWithPrefix are the objects whose hash begins with the hex s.
func (r *goRepo) hashesWithPrefix(s string) []plumbing.Hash {
	s = strings.ToLower(s)
	if len(s) < 4 || len(s) >= 2*len(plumbing.ZeroHash) {
		return nil
	}
	even := s[:len(s)&^1]
	b, err := hex.DecodeString(even)
	if err != nil {
		return nil
	}
	hs, err := r.Storer.HashesWithPrefix(b)
	if err != nil {
		return nil
	}
	var out []plumbing.Hash
	for _, h := range hs {
		if strings.HasPrefix(h.String(), s) {
			out = append(out, h)
		}
	}
	return out
}
