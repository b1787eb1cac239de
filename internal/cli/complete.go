package cli

import (
	"regexp"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/leakguard/leakguard/remediate"
)

// # Shell completion
//
// Cobra's 'leakguard completion bash|zsh|fish|powershell' writes the
// script; the values it offers come from here, attached to the whole tree
// once it is built, so a command gets them from how it is declared:
//
//   - an argument named NAME (rotate NAME, sync [NAME...]) completes the
//     managed keys' names from the config the command would load;
//   - ID or INCIDENT completes the ledger's incident ids, and a STEP after
//     an ID that incident's pending steps;
//   - PATH (scan [PATH...|-]) completes file names; other arguments
//     complete nothing;
//   - --format completes the values its usage lists ("output format:
//     text, json or sarif"); --fail-on and --min-confidence their levels.

// completions attaches completion to c and every command under it.
func completions(s *IO, c *cobra.Command) {
	if c.ValidArgsFunction == nil && len(argNames(c)) > 0 {
		c.ValidArgsFunction = func(c *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return completeArg(s, c, args)
		}
	}
	c.LocalFlags().VisitAll(func(fl *pflag.Flag) {
		vals := flagValues(fl)
		if len(vals) == 0 {
			return
		}
		if _, ok := c.GetFlagCompletionFunc(fl.Name); ok {
			return
		}
		_ = c.RegisterFlagCompletionFunc(fl.Name, cobra.FixedCompletions(vals, cobra.ShellCompDirectiveNoFileComp))
	})
	for _, sub := range c.Commands() {
		completions(s, sub)
	}
}

// argNames are the placeholders of c's arguments in its Use line, without
// brackets, dots and alternatives: "sync [NAME...]" → [NAME], "scan
// [PATH...|-]" → [PATH].
func argNames(c *cobra.Command) []string {
	var out []string
	for _, w := range strings.Fields(c.Use)[1:] {
		w, _, _ = strings.Cut(strings.Trim(w, "[]"), "|")
		w = strings.TrimRight(w, ".")
		if w != "" && w == strings.ToUpper(w) {
			out = append(out, w)
		}
	}
	return out
}

// completeArg offers the values of the argument after args, or file
// names for a PATH.
func completeArg(s *IO, c *cobra.Command, args []string) ([]cobra.Completion, cobra.ShellCompDirective) {
	names := argNames(c)
	i := len(args)
	if i >= len(names) {
		if !strings.Contains(c.Use, "...") {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		i = len(names) - 1
	}
	var vals []cobra.Completion
	switch names[i] {
	case "PATH":
		return nil, cobra.ShellCompDirectiveDefault
	case "NAME":
		if e := completionEnv(s, c); e != nil {
			vals = choices(remediate.KeyChoices(e.cfg.Keys, args))
		}
	case "ID", "INCIDENT":
		vals = incidentIDs(s, c, "")
	case "STEP":
		if i > 0 {
			vals = incidentIDs(s, c, args[i-1])
		}
	}
	return vals, cobra.ShellCompDirectiveNoFileComp
}

// completionEnv loads the config the command would load, from its -C
// and -c flags; nil when it cannot be loaded (completion offers nothing).
func completionEnv(s *IO, c *cobra.Command) *env {
	var f scanFlags
	if fl := c.Flags().Lookup("chdir"); fl != nil {
		f.dir = fl.Value.String()
	}
	if fl := c.Flags().Lookup("config"); fl != nil {
		f.configPath = fl.Value.String()
	}
	e, err := f.resolve(s, false)
	if err != nil {
		return nil
	}
	return e
}

// incidentIDs offers the ledger's incidents, open ones first; with id,
// that incident's pending steps instead (remediate.IncidentChoices).
func incidentIDs(s *IO, c *cobra.Command, id string) []cobra.Completion {
	if e := completionEnv(s, c); e != nil {
		return choices(remediate.IncidentChoices(stateDir(s.Getenv, e.cfg), id))
	}
	return nil
}

// choices are completions with their descriptions.
func choices(cs []remediate.Choice) []cobra.Completion {
	var out []cobra.Completion
	for _, c := range cs {
		out = append(out, cobra.CompletionWithDesc(c.Value, c.Desc))
	}
	return out
}

// formatList is the list of values in a --format flag's usage:
// "output format: text, json or sarif".
var formatList = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`format: ([a-z-]+(?:, [a-z-]+)*(?:,? or [a-z-]+)?)`) })

// flagValues are the values a flag takes, when they are a fixed set.
func flagValues(fl *pflag.Flag) []string {
	switch fl.Name {
	case "fail-on":
		return []string{"none", "low", "medium", "high"}
	case "min-confidence":
		return []string{"low", "medium", "high"}
	case "format":
		m := formatList().FindStringSubmatch(fl.Usage)
		if m == nil {
			return nil
		}
		return strings.FieldsFunc(strings.ReplaceAll(m[1], " or ", ", "), func(r rune) bool { return r == ',' || r == ' ' })
	}
	return nil
}
