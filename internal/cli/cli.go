// Package cli implements leakguard's commands. [Run] turns arguments and
// streams into an exit code; only main exits.
//
// # Exit codes
//
//	0   no findings
//	1   findings (leaks) — also when the scan was incomplete
//	2   usage or configuration error
//	3   scan or remediation incomplete (unreadable files, missing objects)
//	130 interrupted
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/leakguard/leakguard/config"
	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/remediate"
	"github.com/spf13/cobra"

	"github.com/leakguard/leakguard/internal/buildinfo"
	"github.com/leakguard/leakguard/internal/gcpause"
)

// Exit codes.
const (
	ExitClean       = 0
	ExitFindings    = 1
	ExitUsage       = 2
	ExitIncomplete  = 3
	ExitInterrupted = 130
)

// Error is an error with an exit code and a hint for the user.
type Error struct {
	Code int
	Err  error
	Hint string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func usageErr(hint string, format string, a ...any) *Error {
	return &Error{Code: ExitUsage, Err: fmt.Errorf(format, a...), Hint: hint}
}

// IO holds a command's streams.
type IO struct {
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	Getenv func(string) string
	// HTTP is the run's one HTTP client (see httpClient).
	HTTP *http.Client

	resumeGC func() // see gcOn
}

// gcOn resumes garbage collection after start-up (see [gcpause.Start]):
// a scan calls it once its inputs are loaded.
func (s *IO) gcOn() {
	if s.resumeGC != nil {
		s.resumeGC()
	}
}

// Version is the module version (see [buildinfo.Info.Version]).
func Version() string { return buildinfo.Get().Version }

// Run runs leakguard with args (without the program name) and returns the
// exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	s := &IO{In: stdin, Out: stdout, Err: stderr, Getenv: os.Getenv}
	s.resumeGC = gcpause.Start(s.Getenv)
	defer s.gcOn()
	root := newRoot(s)
	if len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd) {
		// Only a shell asking for completions reads them: every other
		// run would pay a walk of every command's flags.
		completions(s, root)
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	return s.exitCode(ctx, err)
}

// ranErr marks an error returned by a command's RunE: anything else that
// Execute returns is cobra's own usage error (an unknown command, a bad
// argument count).
type ranErr struct{ err error }

func (e *ranErr) Error() string { return e.err.Error() }
func (e *ranErr) Unwrap() error { return e.err }

// markRan wraps every RunE of c and its subcommands (see ranErr).
func markRan(c *cobra.Command) {
	if run := c.RunE; run != nil {
		c.RunE = func(c *cobra.Command, args []string) error {
			if err := run(c, args); err != nil {
				return &ranErr{err}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		markRan(sub)
	}
}

// exitCode is the one place errors become exit codes. It prints the error
// and one hint: the command's (*Error), else the first hint in the
// error's chain (core packages' typed errors carry their own).
func (s *IO) exitCode(ctx context.Context, err error) int {
	if err == nil {
		return ExitClean
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		fmt.Fprintln(s.Err, "leakguard: interrupted")
		return ExitInterrupted
	}
	code, msg, hnt := classify(err)
	if msg != "" {
		s.printErr(msg, hnt)
	}
	return code
}

// classify maps an error to its exit code, message and hint.
func classify(err error) (code int, msg, hnt string) {
	var ran *ranErr
	if !errors.As(err, &ran) {
		var e *Error
		if errors.As(err, &e) { // a flag error, through the flag error func
			return e.Code, e.Err.Error(), e.Hint
		}
		return ExitUsage, err.Error(), "run 'leakguard --help' for usage"
	}
	err = ran.err
	hnt = hint.Of(err)
	var e *Error
	var ce *config.Error
	switch {
	case errors.As(err, &e):
		code = e.Code
		if e.Hint != "" {
			hnt = e.Hint
		}
		if e.Err == errSilent {
			return code, "", ""
		}
	case errors.As(err, &ce):
		code = ExitUsage
		if hnt == "" {
			hnt = "fix the config file (see 'Configuration' in README.md)"
		}
	case errors.As(err, new(*gitscan.PlanError)), errors.As(err, new(*remediate.UnknownKeyError)),
		errors.As(err, new(*remediate.NoIncidentError)), hint.IsUsage(err):
		code = ExitUsage
	case errors.Is(err, gitscan.ErrNotRepository):
		code = ExitUsage
		if hnt == "" {
			hnt = gitscan.HintNoRepo
		}
	default:
		code = ExitIncomplete
	}
	return code, err.Error(), hnt
}

// errSilent marks an exit code whose message was already printed.
var errSilent = errors.New("")

// warner writes a warning on stderr ("leakguard: warning: MSG"), unless
// quiet (--quiet: stderr is for errors).
func (s *IO) warner(quiet bool) func(string) {
	return func(msg string) {
		if !quiet {
			fmt.Fprintf(s.Err, "leakguard: warning: %s\n", msg)
		}
	}
}

func (s *IO) printErr(msg, hint string) {
	msg = "leakguard: error: " + msg
	if hint != "" {
		msg += "; hint: " + hint
	}
	fmt.Fprintln(s.Err, msg)
}

func newRoot(s *IO) *cobra.Command {
	root := &cobra.Command{
		Use:           "leakguard",
		Short:         "Stop API keys from leaking through git, and clean up when one does",
		SilenceErrors: true,
		SilenceUsage:  true,
		// Only scan keeps the collector paused through start-up (see
		// gcOn): every other command may hold much more, for longer.
		PersistentPreRun: func(c *cobra.Command, _ []string) {
			if c.Name() != "scan" {
				s.gcOn()
			}
		},
	}
	// --version (-v) is leakguard's own flag, not cobra's: cobra prints
	// its version through text/template, and executing any template
	// keeps every exported method in the binary (see audit's page), which
	// made every process start about 5 ms slower.
	root.Flags().BoolP("version", "v", false, "version for leakguard")
	root.Args = cobra.ArbitraryArgs
	root.RunE = func(c *cobra.Command, args []string) error {
		if v, _ := c.Flags().GetBool("version"); v {
			printVersion(s)
			return nil
		}
		if len(args) == 0 {
			return c.Help()
		}
		return unknownCommand(c, args[0])
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErr("run 'leakguard "+c.Name()+" --help' for usage", "%v", err)
	})
	root.AddCommand(newScanCmd(s), newRulesCmd(s), newKeysCmd(s), newBaselineCmd(s), newIgnoreCmd(s), newVersionCmd(s), newHooksCmd(s), newCICmd(s),
		newRemediateCmd(s), newRotateCmd(s), newSyncCmd(s), newIncidentsCmd(s), newRevokeCmd(s), newAuditCmd(s), newDoctorCmd(s))
	unknownCommands(root)
	markRan(root)
	return root
}

// unknownCommands makes every group (a command that only holds others)
// refuse an unknown subcommand as a usage error with a suggestion, as the
// top level does; alone, a group prints its help.
func unknownCommands(c *cobra.Command) {
	c.SuggestionsMinimumDistance = 2
	switch {
	case !c.HasSubCommands():
	case c.Run == nil && c.RunE == nil:
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return c.Help()
			}
			return unknownCommand(c, args[0])
		}
	case c.Args != nil:
		// A group that runs alone (incidents lists them): an argument
		// it refuses is a mistyped subcommand.
		args := c.Args
		c.Args = func(c *cobra.Command, a []string) error {
			err := args(c, a)
			if err != nil && len(a) > 0 {
				return unknownCommand(c, a[0])
			}
			return err
		}
	}
	for _, sub := range c.Commands() {
		unknownCommands(sub)
	}
}

// unknownCommand is the usage error of an unknown subcommand of c.
func unknownCommand(c *cobra.Command, name string) error {
	hint := "run '" + c.CommandPath() + " --help' for its commands"
	if sug := c.SuggestionsFor(name); len(sug) > 0 {
		for i, s := range sug {
			sug[i] = "'" + c.CommandPath() + " " + s + "'"
		}
		hint = "did you mean " + strings.Join(sug, " or ") + "?"
	}
	return usageErr(hint, "unknown command %q for %q", name, c.CommandPath())
}

func newVersionCmd(s *IO) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			printVersion(s)
			return nil
		},
	}
}

func printVersion(s *IO) { fmt.Fprintln(s.Out, "leakguard", buildinfo.Get()) }
