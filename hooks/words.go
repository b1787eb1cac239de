package hooks

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// # What the hooks commands say
//
// [Install], [Uninstall] and [Status] return what they did and found;
// the functions here word it for people on the writers the command layer
// gives them (messages on w, the status table on out).

// WriteInstalled says what Install did for hook (res): where the hook
// went, what it chained, its warnings, a global core.hooksPath that
// overrides the directory and, after a pre-commit install without a
// pre-push hook, how to check pushes too.
func WriteInstalled(w io.Writer, o Options, hook string, res Result) {
	switch {
	case !res.Changed:
		fmt.Fprintf(w, "leakguard: %s hook already installed in %s\n", hook, res.Path)
	case res.Husky:
		fmt.Fprintf(w, "leakguard: added one line to %s (it runs leakguard from PATH); commit the file to share it with your team\n", res.Path)
	case res.State == Chained:
		fmt.Fprintf(w, "leakguard: installed %s hook in %s; the previous hook runs first (%s)\n", hook, res.Path, res.Path+ChainSuffix)
	default:
		fmt.Fprintf(w, "leakguard: installed %s hook in %s\n", hook, res.Path)
	}
	for _, warning := range res.Warnings {
		fmt.Fprintf(w, "leakguard: warning: %s\n", warning)
	}
	if _, note, err := Dir(o); err == nil && note != "" {
		fmt.Fprintf(w, "leakguard: warning: %s\n", note)
	}
	if hook != PreCommit {
		return
	}
	if _, _, rs, err := Status(o); err == nil && len(rs) == 2 && rs[1].State == Missing {
		also := "leakguard hooks install --pre-push"
		if o.Global {
			also += " --global"
		}
		fmt.Fprintf(w, "leakguard: to check pushes too (the commits a push sends, also those made with --no-verify): %s\n", also)
	}
}

// WriteUninstalled says what Uninstall did to each hook: removed (and
// what it restored), or left alone as someone else's.
func WriteUninstalled(w io.Writer, rs []Result) {
	for _, r := range rs {
		switch {
		case r.Changed && r.Husky:
			fmt.Fprintf(w, "leakguard: removed leakguard's line from %s\n", r.Path)
		case r.Changed && r.State == Foreign:
			fmt.Fprintf(w, "leakguard: removed %s hook; restored the previous one\n", r.Hook)
		case r.Changed:
			fmt.Fprintf(w, "leakguard: removed %s hook\n", r.Hook)
		case r.State == Foreign:
			fmt.Fprintf(w, "leakguard: %s hook is not leakguard's; left alone\n", r.Hook)
		}
	}
}

// WriteStatus writes each hook's state as a table on out (hook, state,
// path) and the hooks directory with Status's note on w: a warning,
// unless it only says that a global install runs for this repository.
func WriteStatus(out, w io.Writer, o Options) error {
	d, note, rs, err := Status(o)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, r := range rs {
		st := string(r.State)
		if r.Global && r.State != Missing {
			st += " (global)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Hook, st, r.Path)
	}
	tw.Flush()
	fmt.Fprintf(w, "leakguard: hooks directory %s\n", d)
	switch {
	case note != "" && !o.Global && len(rs) > 0 && rs[0].Global:
		fmt.Fprintf(w, "leakguard: %s\n", note) // a global install: fine
	case note != "":
		fmt.Fprintf(w, "leakguard: warning: %s\n", note)
	}
	return nil
}
