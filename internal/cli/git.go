package cli

import (
	"context"
	"errors"

	"github.com/spf13/cobra"
)

// runGitScan scans git sources: --staged, --pre-push or --history.
func runGitScan(ctx context.Context, s *IO, f *scanFlags, e *env, args []string) error {
	return &Error{Code: ExitUsage, Err: errors.New("git scanning is not implemented yet"), Hint: "scan a directory instead"}
}

func newHooksCmd(s *IO) *cobra.Command {
	return &cobra.Command{Use: "hooks", Short: "Install, remove or inspect leakguard's git hooks", Hidden: true}
}
