package cli

import (
	"github.com/spf13/cobra"

	"github.com/leakguard/leakguard/hooks"
)

func newHooksCmd(s *IO) *cobra.Command {
	c := &cobra.Command{
		Use:   "hooks",
		Short: "Install, remove or inspect leakguard's git hooks",
		Long: `Install leakguard as a git pre-commit hook (scans the staged changes) or
pre-push hook (scans the commits being pushed).

Hooks go to the effective hooks directory: core.hooksPath, husky's .husky
directory, the main repository's hooks for a linked worktree, else
.git/hooks. An existing hook is kept and runs first (it moves to
<hook>.leakguard-chained); uninstall puts it back. In husky's .husky
directory (shared by the team) one line is appended that runs leakguard
from PATH. --global installs into ~/.config/leakguard/hooks and sets
core.hooksPath in your git config.`,
	}
	var dir string
	var global, prePush, force, required bool
	opts := func() hooks.Options {
		return hooks.Options{Dir: dir, Global: global, Force: force, Required: required, Getenv: s.Getenv}
	}
	install := &cobra.Command{
		Use:   "install",
		Short: "Install the pre-commit hook (or, with --pre-push, the pre-push hook)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			hook := hooks.PreCommit
			if prePush {
				hook = hooks.PrePush
			}
			res, err := hooks.Install(opts(), hook)
			if err != nil {
				return err
			}
			hooks.WriteInstalled(s.Err, opts(), hook, res)
			return nil
		},
	}
	install.Flags().BoolVar(&prePush, "pre-push", false, "install the pre-push hook instead of the pre-commit hook")
	install.Flags().BoolVar(&force, "force", false, "replace a leftover chained hook, or a global core.hooksPath that points elsewhere")
	install.Flags().BoolVar(&required, "required", false, "husky: fail the hook when leakguard is not installed (default: warn and let the change through)")
	uninstall := &cobra.Command{
		Use:   "uninstall",
		Short: "Remove leakguard's hooks and restore the hooks they chained",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			rs, err := hooks.Uninstall(opts())
			if err != nil {
				return err
			}
			hooks.WriteUninstalled(s.Err, rs)
			return nil
		},
	}
	status := &cobra.Command{
		Use:   "status",
		Short: "Show each hook's state: installed, chained, missing or foreign",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return hooks.WriteStatus(s.Out, s.Err, opts())
		},
	}
	for _, sub := range []*cobra.Command{install, uninstall, status} {
		sub.Flags().StringVarP(&dir, "chdir", "C", "", "the repository in `DIR`")
		sub.Flags().BoolVar(&global, "global", false, "the user's global hooks (~/.config/leakguard/hooks, via core.hooksPath)")
		c.AddCommand(sub)
	}
	return c
}
