package gitscan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/leakguard/leakguard/internal/gitdir"
	"github.com/leakguard/leakguard/scanner"
)

// # Where a scan runs
//
// A scanning command runs in a directory (-C DIR, else the working
// directory) and reads leakguard.toml, .leakguardignore and
// .gitleaksignore from the repository holding the first scanned path,
// else the one holding that directory; in ci, from a pull request's base
// commit, which the pull request cannot change (see [BaseSource]). A
// A [Site] says where; [Site.LoadIgnores] reads the ignore files there.

// Site is where a scan runs and reads its config and ignore files.
type Site struct {
	// Base is the directory relative paths are given from: -C DIR, else
	// ".".
	Base string
	// Anchor is the directory of the first scanned path, else Base.
	Anchor string
	// Root is the git work tree holding Anchor, or "".
	Root string
	// From, when set, is where the config and the ignore files are read:
	// a pull request's base commit.
	From *BaseSource
}

// Locate is the site of a scan run in dir ("" for the working
// directory) of paths (none, or "-" for standard input: dir's site),
// reading its files from from when set. A dir that is not a directory is
// a usage error.
func Locate(dir string, paths []string, from *BaseSource) (*Site, error) {
	p := &Site{Base: ".", From: from}
	if dir != "" {
		fi, err := os.Stat(dir)
		if err != nil || !fi.IsDir() {
			return nil, usageErr("pass an existing directory to -C", "-C %s: not a directory", dir)
		}
		p.Base = dir
	}
	p.Anchor = p.Base
	if len(paths) > 0 && paths[0] != "-" {
		a := paths[0]
		if !filepath.IsAbs(a) {
			a = filepath.Join(p.Base, a)
		}
		if fi, err := os.Stat(a); err == nil {
			if !fi.IsDir() {
				a = filepath.Dir(a)
			}
			p.Anchor = a
		}
	}
	p.Root = gitdir.Root(p.Anchor)
	return p, nil
}

// Files says where the config and ignore files are: the root they lie
// at (the repository, "" outside one; the work tree of From), how they
// are read and, from a base commit, whether one is there (nil: look on
// disk, as config.FindFor does).
func (p *Site) Files() (root string, read func(string) ([]byte, error), exists func(string) bool) {
	if p.From != nil {
		return p.From.Root(), p.From.Read, p.From.Exists
	}
	return p.Root, os.ReadFile, nil
}

// Ignores are a scan's ignore files.
type Ignores struct {
	// Ignore is .leakguardignore (or --ignore-file), nil without one; its
	// keyed entries hide findings with the repository's key ([RepoKey]).
	Ignore *scanner.Ignore
	// Sum is the SHA-256 of its bytes (zero without one): part of the
	// history cache's key.
	Sum [32]byte
	// Gitleaks is .gitleaksignore, nil without one.
	Gitleaks *scanner.GitleaksIgnore
}

// LoadIgnores loads the ignore file (file when set, else .leakguardignore)
// and .gitleaksignore at the root of the repository, else of the anchor;
// from the base commit when there is one, as the config is. ruleIDs maps
// gitleaks' rule ids (see [scanner.ParseGitleaksIgnore]).
//
// warn gets what the user should know (the command layer drops it under
// --quiet): .gitleaksignore's warnings, that entries hold an unkeyed
// hash, and, when a finding first needs the repository's key and it
// cannot be derived, that the keyed entries hide nothing.
func (p *Site) LoadIgnores(file string, ruleIDs func(string) []string, warn func(string)) (*Ignores, error) {
	root, read, _ := p.Files()
	if root == "" {
		root = p.Anchor
	}
	path, explicit := file, file != ""
	if !explicit {
		path = filepath.Join(root, scanner.IgnoreFile)
	}
	ig := &Ignores{}
	var err error
	if ig.Ignore, ig.Sum, err = scanner.LoadIgnore(read, path, explicit); err != nil {
		return nil, err
	}
	p.keyIgnore(ig.Ignore, path, warn)
	path = filepath.Join(root, scanner.GitleaksIgnoreFile)
	var warnings []string
	if ig.Gitleaks, warnings, err = scanner.LoadGitleaksIgnore(read, path, ruleIDs); err != nil {
		return nil, err
	}
	for _, w := range warnings {
		warn(path + ": " + w)
	}
	return ig, nil
}

// keyIgnore gives ig the key of the repository at p.Root, derived when a
// finding first needs it; when it cannot be, the keyed entries hide
// nothing (their findings are reported) and warn says why. It warns about
// entries of the old, unkeyed form.
func (p *Site) keyIgnore(ig *scanner.Ignore, path string, warn func(string)) {
	if ig == nil {
		return
	}
	if n := ig.Legacy(); n > 0 {
		warn(fmt.Sprintf("%s: %d of its entries hold an unkeyed hash, which a dictionary reverses for weak secrets; rewrite the file with 'leakguard baseline' and commit it", path, n))
	}
	if ig.Keyed() == 0 {
		return
	}
	root := p.Root
	ig.SetKey(func() []byte {
		k, err := RepoKey(context.Background(), root)
		if err != nil {
			warn(fmt.Sprintf("%s: keyed entries are not applied (%v): their findings are reported", path, err))
			return nil
		}
		return k
	})
}
