// Package hooks installs, removes and inspects leakguard's git hooks.
//
// A hook is a POSIX sh script in the effective hooks directory: the
// directory core.hooksPath names (relative to the work tree), husky's
// .husky directory when core.hooksPath is husky's .husky/_, the common
// git directory's hooks for linked worktrees, else .git/hooks. An existing
// hook is chained, not overwritten: it moves to <hook>.leakguard-chained
// and the installed script runs it first, stopping when it fails.
// Uninstalling puts it back.
//
// husky's hook files are shared by the team and committed: there
// leakguard appends one line that finds leakguard on PATH (see
// [HuskyLine]) instead of writing a script with this machine's path.
//
// A global install writes the hooks to ~/.config/leakguard/hooks and
// points the user's core.hooksPath there; those scripts also run the
// repository's own hook, which git would otherwise ignore.
//
// The scripts name the leakguard that installed them, falling back to
// PATH; a temporary build (go run, a test binary, anything under the
// temporary directory or the Go build cache) is never written into a
// hook: the hook looks leakguard up on PATH, and the result warns.
package hooks

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing/format/config"

	"github.com/leakguard/leakguard/internal/gitdir"
)

// ErrNotRepository is returned outside a git repository.
var ErrNotRepository = gitdir.ErrNotRepository

// Hook names.
const (
	PreCommit = "pre-commit"
	PrePush   = "pre-push"
)

// Names are the hooks leakguard installs.
var Names = []string{PreCommit, PrePush}

// ChainSuffix names a chained hook: <hook>.leakguard-chained.
const ChainSuffix = ".leakguard-chained"

// marker identifies leakguard's scripts.
const marker = "# leakguard-hook"

// State is a hook's state.
type State string

const (
	Installed State = "installed" // leakguard's hook
	Chained   State = "chained"   // leakguard's hook, running a previous hook first
	Missing   State = "missing"   // no hook
	Foreign   State = "foreign"   // someone else's hook
)

// Options locate the hooks.
type Options struct {
	// Dir is a directory inside the repository (local hooks).
	Dir string
	// Global works on the user's global hooks directory.
	Global bool
	// Force replaces a leftover chained hook, or a global core.hooksPath
	// that points elsewhere.
	Force bool
	// Exe is the leakguard executable the scripts run (absolute; default
	// the running executable, unless it is a temporary build: then the
	// scripts look leakguard up on PATH).
	Exe string
	// Required makes a husky line fail the hook when leakguard is not
	// installed (default: say so on stderr and let the commit through).
	Required bool
	// Getenv reads the environment (default os.Getenv).
	Getenv func(string) string
}

func (o *Options) getenv(k string) string {
	if o.Getenv == nil {
		return os.Getenv(k)
	}
	return o.Getenv(k)
}

// Result is what happened to one hook.
type Result struct {
	Hook    string
	Path    string
	State   State
	Changed bool
	// Global: the hook is in the global hooks directory (core.hooksPath in
	// the user's git config), which git runs for this repository.
	Global bool
	// Husky: a husky hook file, where leakguard is one line (HuskyLine).
	Husky bool
	// Warnings are for the user (the command layer prints them).
	Warnings []string
}

// Dir returns the hooks directory Install uses, and a note when git
// will not run hooks from it (a global core.hooksPath overrides it).
func Dir(o Options) (dir, note string, err error) {
	dir, override, err := locate(o)
	if override != "" {
		note = "the global core.hooksPath (" + override + ") overrides this directory; use 'leakguard hooks install --global'"
	}
	return dir, note, err
}

// locate returns the hooks directory Install uses and, for a repository
// that sets no core.hooksPath of its own, the global core.hooksPath that
// git runs instead ("" when none).
func locate(o Options) (dir, globalOverride string, err error) {
	if o.Global {
		d, err := globalDir(o)
		return d, "", err
	}
	r, err := gitdir.Find(o.Dir)
	if err != nil {
		return "", "", err
	}
	local, _ := readConfig(filepath.Join(r.CommonDir(), "config"))
	hp := local.Section("core").Option("hooksPath")
	if hp == "" {
		if g, _ := readConfig(globalConfigPath(o)); g != nil {
			globalOverride = g.Section("core").Option("hooksPath")
		}
		return filepath.Join(r.CommonDir(), "hooks"), globalOverride, nil
	}
	hp = expandHome(o, hp)
	if !filepath.IsAbs(hp) {
		base := r.Root
		if base == "" {
			base = r.GitDir
		}
		hp = filepath.Join(base, hp)
	}
	hp = filepath.Clean(hp)
	// husky (v9) regenerates .husky/_ and runs .husky/<hook>: the user's
	// hook scripts live one level up.
	if filepath.Base(hp) == "_" && filepath.Base(filepath.Dir(hp)) == ".husky" {
		hp = filepath.Dir(hp)
	}
	return hp, "", nil
}

// install is [Install].
func install(o Options, hook string) (Result, error) {
	if hook != PreCommit && hook != PrePush {
		return Result{}, fmt.Errorf("unknown hook %q", hook)
	}
	dir, _, err := Dir(o)
	if err != nil {
		return Result{}, err
	}
	if o.Global {
		if err := setGlobalHooksPath(o, dir); err != nil {
			return Result{}, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Result{}, err
	}
	p := filepath.Join(dir, hook)
	res := Result{Hook: hook, Path: p, Global: o.Global, Husky: isHusky(dir)}
	if res.Husky {
		return installHusky(o, res)
	}
	exe, warn := executable(o)
	if warn != "" {
		res.Warnings = append(res.Warnings, warn)
	}
	want := script(hook, exe, o.Global)
	cur, err := os.ReadFile(p)
	switch {
	case err == nil && isOurs(cur):
		if bytes.Equal(cur, want) {
			res.State = state(p, cur)
			return res, nil // already installed
		}
	case err == nil:
		chained := p + ChainSuffix
		if _, err := os.Lstat(chained); err == nil && !o.Force {
			return res, fmt.Errorf("%s already exists; remove it or pass --force", chained)
		}
		if err := os.Rename(p, chained); err != nil {
			return res, err
		}
	case !errors.Is(err, os.ErrNotExist):
		return res, err
	}
	if err := writeFile(p, want); err != nil {
		return res, err
	}
	res.Changed = true
	res.State = state(p, want)
	return res, nil
}

// InstallCommand is how to install leakguard, for warnings and hooks.
const InstallCommand = "go install github.com/leakguard/leakguard/cmd/leakguard@latest (or a release binary)"

// executable is the path a script runs: o.Exe, else the running
// executable unless it is a temporary build ("": look it up on PATH,
// with a warning).
func executable(o Options) (exe, warning string) {
	if o.Exe != "" {
		if abs, err := filepath.Abs(o.Exe); err == nil {
			return abs, ""
		}
		return o.Exe, ""
	}
	exe, err := os.Executable()
	if err != nil {
		return "", pathWarning("the running leakguard's path is unknown (" + err.Error() + ")")
	}
	if TemporaryBuild(exe, o.getenv) {
		return "", pathWarning("this leakguard is a temporary build (" + exe + ", e.g. from go run)")
	}
	return exe, ""
}

func pathWarning(why string) string {
	w := why + ": the hook runs 'leakguard' from PATH instead"
	if onPath, err := exec.LookPath("leakguard"); err == nil {
		return w + " (now " + onPath + ")"
	}
	return w + "; leakguard is not on PATH, so commits fail until you install it: " + InstallCommand
}

// TemporaryBuild reports whether exe is a build that will not last: in a
// go-build directory (go run, go test; the Go build cache, where go run
// keeps executables), under GOCACHE or GOTMPDIR, or under the temporary
// directory.
func TemporaryBuild(exe string, getenv func(string) string) bool {
	exe = filepath.Clean(exe)
	for _, el := range strings.Split(filepath.ToSlash(exe), "/") {
		if n, ok := strings.CutPrefix(el, "go-build"); ok && strings.Trim(n, "0123456789") == "" {
			return true // go-build (the cache) or go-buildNNN (go run's work)
		}
	}
	dirs := []string{getenv("GOCACHE"), getenv("GOTMPDIR"), getenv("TMPDIR"), os.TempDir()}
	if c, err := os.UserCacheDir(); err == nil {
		dirs = append(dirs, filepath.Join(c, "go-build"))
	}
	for _, d := range dirs {
		if d == "" || !filepath.IsAbs(d) {
			continue
		}
		if within(exe, d) {
			return true
		}
		if r, err := filepath.EvalSymlinks(d); err == nil && within(exe, r) {
			return true
		}
	}
	return false
}

func within(p, dir string) bool {
	rel, err := filepath.Rel(filepath.Clean(dir), p)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// uninstall is [Uninstall].
func uninstall(o Options) ([]Result, error) {
	dir, _, err := Dir(o)
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, h := range Names {
		p := filepath.Join(dir, h)
		res := Result{Hook: h, Path: p, Global: o.Global, Husky: isHusky(dir)}
		cur, err := os.ReadFile(p)
		switch {
		case errors.Is(err, os.ErrNotExist):
			res.State = Missing
		case err != nil:
			return out, err
		case isHusky(dir) && hasHuskyLine(cur):
			if res, err = uninstallHusky(res, cur); err != nil {
				return out, err
			}
		case !isOurs(cur):
			res.State = Foreign
		default:
			if err := os.Remove(p); err != nil {
				return out, err
			}
			res.Changed, res.State = true, Missing
			if _, err := os.Lstat(p + ChainSuffix); err == nil {
				if err := os.Rename(p+ChainSuffix, p); err != nil {
					return out, err
				}
				res.State = Foreign
			}
		}
		out = append(out, res)
	}
	if o.Global {
		if err := unsetGlobalHooksPath(o, dir); err != nil {
			return out, err
		}
	}
	return out, nil
}

// status is [Status].
func status(o Options) (dir, note string, _ []Result, _ error) {
	dir, override, err := locate(o)
	if err != nil {
		return "", "", nil, err
	}
	global := o.Global
	switch {
	case o.Global:
		g, _ := readConfig(globalConfigPath(o))
		if hp := g.Section("core").Option("hooksPath"); filepath.Clean(expandHome(o, hp)) != filepath.Clean(dir) {
			note = "core.hooksPath in the global git config does not point here"
		}
	case override != "":
		// The global core.hooksPath replaces the repository's hooks:
		// report the hooks git runs.
		dir, global = filepath.Clean(expandHome(o, override)), true
		note = "git runs the global hooks in " + dir + " (core.hooksPath in " + globalConfigPath(o) + ") for this repository"
	}
	var out []Result
	for _, h := range Names {
		p := filepath.Join(dir, h)
		res := Result{Hook: h, Path: p, Global: global, Husky: isHusky(dir)}
		cur, err := os.ReadFile(p)
		switch {
		case errors.Is(err, os.ErrNotExist):
			res.State = Missing
		case err != nil:
			return dir, note, out, err
		default:
			res.State = state(p, cur)
		}
		out = append(out, res)
	}
	return dir, note, out, nil
}

// isHusky reports whether dir is husky's directory of team-shared hook
// files (core.hooksPath .husky/_ for husky 9, .husky before).
func isHusky(dir string) bool { return filepath.Base(dir) == ".husky" }

// HuskyLine is the one line leakguard appends to a husky hook file: it
// runs leakguard from PATH, so the committed file names no machine's
// path. Without required, a teammate who has not installed leakguard is
// told so on stderr and the commit goes on; with required, the hook
// fails until leakguard is installed.
func HuskyLine(hook string, required bool) string {
	scan := "leakguard scan --staged"
	if hook == PrePush {
		scan = "leakguard scan --pre-push"
	}
	msg := "leakguard is not installed: not scanned for secrets; install it: " + InstallCommand
	if required {
		return `command -v leakguard >/dev/null 2>&1 || { echo "` + strings.Replace(msg, "not scanned", "this hook requires it", 1) +
			`" >&2; exit 1; }; ` + scan + " || exit $? " + marker
	}
	return "if command -v leakguard >/dev/null 2>&1; then " + scan + ` || exit $?; else echo "` + msg + `" >&2; fi ` + marker
}

// hasHuskyLine reports whether b holds a line HuskyLine wrote.
func hasHuskyLine(b []byte) bool {
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasSuffix(strings.TrimSpace(l), " "+marker) {
			return true
		}
	}
	return false
}

// withoutHuskyLine is b without the lines HuskyLine wrote.
func withoutHuskyLine(b []byte) string {
	var keep []string
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if !strings.HasSuffix(strings.TrimSpace(l), " "+marker) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "")
}

// installHusky appends HuskyLine to the husky hook file res.Path (made
// when missing), or updates a line already there.
func installHusky(o Options, res Result) (Result, error) {
	p := res.Path
	line := HuskyLine(res.Hook, o.Required)
	cur, err := os.ReadFile(p)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return res, err
	}
	if err == nil && isOurs(cur) && !hasHuskyLine(cur) {
		// A whole script from an older leakguard: put back the team's
		// hook it chained, then append the line to that.
		cur = nil
		if _, err := os.Lstat(p + ChainSuffix); err == nil {
			if err := os.Rename(p+ChainSuffix, p); err != nil {
				return res, err
			}
			if cur, err = os.ReadFile(p); err != nil {
				return res, err
			}
		}
	}
	text := withoutHuskyLine(cur)
	if strings.TrimSpace(text) == "" {
		text = "#!/bin/sh\n"
	}
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	text += line + "\n"
	res.State = Installed
	if _, err := exec.LookPath("leakguard"); err != nil {
		if o.Required {
			res.Warnings = append(res.Warnings, "leakguard is not on PATH: the hook fails until you install it: "+InstallCommand)
		} else {
			res.Warnings = append(res.Warnings, "leakguard is not on PATH: the hook lets changes through unscanned until you install it: "+InstallCommand)
		}
	}
	if string(cur) == text {
		return res, nil // already installed
	}
	if err := writeFile(p, []byte(text)); err != nil {
		return res, err
	}
	res.Changed = true
	return res, nil
}

// uninstallHusky removes HuskyLine from a husky hook file, and the file
// when nothing else is left in it.
func uninstallHusky(res Result, cur []byte) (Result, error) {
	text := withoutHuskyLine(cur)
	rest := strings.TrimSpace(strings.TrimPrefix(text, "#!/bin/sh"))
	res.Changed = true
	if rest == "" {
		res.State = Missing
		return res, os.Remove(res.Path)
	}
	res.State = Foreign
	return res, writeFile(res.Path, []byte(text))
}

func isOurs(b []byte) bool { return bytes.Contains(b, []byte(marker)) }

func state(p string, b []byte) State {
	if !isOurs(b) {
		return Foreign
	}
	if _, err := os.Lstat(p + ChainSuffix); err == nil {
		return Chained
	}
	return Installed
}

func writeFile(p string, b []byte) error {
	tmp := p + ".leakguard-tmp"
	if err := os.WriteFile(tmp, b, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// shQuote quotes s for sh.
func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// script is the hook's text.
func script(hook, exe string, global bool) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/sh\n%s %s\n", marker, hook)
	b.WriteString("# Installed by 'leakguard hooks install'; remove with 'leakguard hooks uninstall'.\n")
	b.WriteString("# A previous hook, if any, was moved to " + hook + ChainSuffix + " and runs first.\n")
	if hook == PrePush {
		b.WriteString("input=$(cat)\n")
	}
	run := func(cmd string) string {
		if hook == PrePush {
			return "printf '%s\\n' \"$input\" | " + cmd
		}
		return cmd
	}
	b.WriteString("chained=\"$(dirname \"$0\")/" + hook + ChainSuffix + "\"\n")
	b.WriteString("if [ -f \"$chained\" ]; then\n")
	b.WriteString("\tif [ -x \"$chained\" ]; then " + run("\"$chained\" \"$@\"") + " || exit $?\n")
	b.WriteString("\telse " + run("sh \"$chained\" \"$@\"") + " || exit $?; fi\n")
	b.WriteString("fi\n")
	if global {
		// core.hooksPath hides the repository's own hook: run it too.
		b.WriteString("repo_hook=\"$(git rev-parse --git-common-dir 2>/dev/null)/hooks/" + hook + "\"\n")
		b.WriteString("if [ -x \"$repo_hook\" ]; then " + run("\"$repo_hook\" \"$@\"") + " || exit $?; fi\n")
	}
	fmt.Fprintf(&b, "leakguard=%s\n", shQuote(exe))
	b.WriteString("if [ -z \"$leakguard\" ] || [ ! -x \"$leakguard\" ]; then\n")
	b.WriteString("\tif command -v leakguard >/dev/null 2>&1; then leakguard=leakguard\n")
	b.WriteString("\telse echo \"leakguard: not found; install it or run 'leakguard hooks uninstall' (bypass once: git commit --no-verify)\" >&2; exit 1; fi\n")
	b.WriteString("fi\n")
	if hook == PrePush {
		b.WriteString(run("\"$leakguard\" scan --pre-push") + "\n")
	} else {
		b.WriteString("exec \"$leakguard\" scan --staged\n")
	}
	return []byte(b.String())
}

func readConfig(p string) (*config.Config, error) {
	c := config.New()
	b, err := os.ReadFile(p)
	if err != nil {
		return c, err
	}
	if err := config.NewDecoder(bytes.NewReader(b)).Decode(c); err != nil {
		return config.New(), err
	}
	return c, nil
}

func home(o Options) string {
	if h := o.getenv("HOME"); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}

func expandHome(o Options, p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		return filepath.Join(home(o), p[1:])
	}
	return p
}

// globalDir is ~/.config/leakguard/hooks (honouring XDG_CONFIG_HOME).
func globalDir(o Options) (string, error) {
	if x := o.getenv("XDG_CONFIG_HOME"); x != "" {
		return filepath.Join(x, "leakguard", "hooks"), nil
	}
	h := home(o)
	if h == "" {
		return "", errors.New("no home directory for the global hooks")
	}
	return filepath.Join(h, ".config", "leakguard", "hooks"), nil
}

// globalConfigPath is the user's git config file git writes with
// --global: $GIT_CONFIG_GLOBAL, else ~/.gitconfig, else the XDG file when
// only it exists.
func globalConfigPath(o Options) string {
	if p := o.getenv("GIT_CONFIG_GLOBAL"); p != "" {
		return p
	}
	h := home(o)
	dot := filepath.Join(h, ".gitconfig")
	if _, err := os.Stat(dot); err == nil {
		return dot
	}
	xdg := o.getenv("XDG_CONFIG_HOME")
	if xdg == "" {
		xdg = filepath.Join(h, ".config")
	}
	if x := filepath.Join(xdg, "git", "config"); fileExists(x) {
		return x
	}
	return dot
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

var (
	sectionRe   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s*\[\s*([A-Za-z0-9.-]+)\s*(?:"[^"]*")?\s*\]`) })
	hooksPathRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)^\s*hookspath\s*=`) })
)

// editGlobal rewrites core.hooksPath in the global config file by text
// editing, keeping the rest of the file (comments included) untouched.
// value "" removes the setting.
func editGlobal(path, value string) error {
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	lines := strings.SplitAfter(string(b), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	var out []string
	inCore, done, coreAt := false, false, -1
	for _, l := range lines {
		if m := sectionRe().FindStringSubmatch(l); m != nil {
			inCore = strings.EqualFold(m[1], "core") && !strings.Contains(l, `"`)
			if inCore && coreAt < 0 {
				coreAt = len(out)
			}
			out = append(out, l)
			continue
		}
		if inCore && hooksPathRe().MatchString(l) {
			if value != "" && !done {
				out = append(out, "\thooksPath = "+value+"\n")
				done = true
			}
			continue
		}
		out = append(out, l)
	}
	if value != "" && !done {
		if coreAt >= 0 {
			out = append(out[:coreAt+1], append([]string{"\thooksPath = " + value + "\n"}, out[coreAt+1:]...)...)
		} else {
			if n := len(out); n > 0 && !strings.HasSuffix(out[n-1], "\n") {
				out[n-1] += "\n"
			}
			out = append(out, "[core]\n", "\thooksPath = "+value+"\n")
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(strings.Join(out, "")), 0o644)
}

func setGlobalHooksPath(o Options, dir string) error {
	p := globalConfigPath(o)
	g, _ := readConfig(p)
	cur := g.Section("core").Option("hooksPath")
	if cur != "" && filepath.Clean(expandHome(o, cur)) == filepath.Clean(dir) {
		return nil
	}
	if cur != "" && !o.Force {
		return fmt.Errorf("core.hooksPath is already set to %s in %s; pass --force to replace it", cur, p)
	}
	return editGlobal(p, dir)
}

func unsetGlobalHooksPath(o Options, dir string) error {
	p := globalConfigPath(o)
	g, err := readConfig(p)
	if err != nil {
		return nil
	}
	if cur := g.Section("core").Option("hooksPath"); cur == "" || filepath.Clean(expandHome(o, cur)) != filepath.Clean(dir) {
		return nil // not ours
	}
	return editGlobal(p, "")
}
