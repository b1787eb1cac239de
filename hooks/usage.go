package hooks

import (
	"errors"

	"github.com/leakguard/leakguard/internal/hint"
)

// # What the user fixes
//
// What Install, Uninstall and Status refuse is the user's to fix: a
// directory outside any repository, a leftover chained hook, a global
// core.hooksPath that points elsewhere, a hooks directory that cannot be
// written. Their errors are usage errors ([hint.Usagef]); outside a
// repository the hint says to pass -C DIR or --global.

// Install installs hook (PreCommit or PrePush).
func Install(o Options, hook string) (Result, error) {
	res, err := install(o, hook)
	return res, usage(err)
}

// Uninstall removes leakguard's hooks and restores chained ones. Foreign
// hooks are left alone.
func Uninstall(o Options) ([]Result, error) {
	rs, err := uninstall(o)
	return rs, usage(err)
}

// Status reports each hook's state in the hooks directory git runs: with
// o.Global the global one; else the repository's, or the global
// core.hooksPath when the repository sets none (then each Result is
// Global).
func Status(o Options) (dir, note string, _ []Result, _ error) {
	dir, note, rs, err := status(o)
	return dir, note, rs, usage(err)
}

// usage makes err a usage error, keeping a hint it has.
func usage(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotRepository):
		return hint.Usagef("run inside a repository or pass -C DIR, or use --global", "%w", err)
	}
	return hint.Usagef(hint.Of(err), "%w", err)
}
