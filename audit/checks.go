package audit

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
)

// secretFile is a kind of file that holds secrets and must not be
// tracked.
type secretFile struct {
	name  string // for people
	match func(p string) bool
	// probes are paths that the root .gitignore must ignore; ignore are
	// the lines that do it.
	probes []string
	ignore []string
}

var exampleSuffix = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)\.(example|sample|template|tpl|dist|defaults?|schema)$`)
})

var credentialsRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)^(\.?credentials|.*[._-]credentials)(\.(json|ya?ml|toml|ini|txt|csv|xml))?$`)
})

var sshKeyRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^id_(rsa|dsa|ecdsa|ed25519|ecdsa_sk|ed25519_sk)$|^id_[A-Za-z0-9_-]+$`)
})

var secretFiles = []secretFile{
	{
		name: ".env files",
		match: func(p string) bool {
			b := path.Base(p)
			return (b == ".env" || strings.HasPrefix(b, ".env.")) && !exampleSuffix().MatchString(b)
		},
		probes: []string{".env", ".env.local", ".env.production", "app/.env"},
		ignore: []string{".env", ".env.*", "!.env.example"},
	},
	{
		name:   "private keys (*.pem)",
		match:  func(p string) bool { return strings.HasSuffix(strings.ToLower(p), ".pem") },
		probes: []string{"server.pem", "certs/key.pem"},
		ignore: []string{"*.pem"},
	},
	{
		name:   "SSH keys (id_*)",
		match:  func(p string) bool { return sshKeyRe().MatchString(path.Base(p)) },
		probes: []string{"id_rsa", "id_ed25519", "deploy/id_ed25519"},
		ignore: []string{"id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", "!*.pub"},
	},
	{
		name: "Claude Code local settings",
		match: func(p string) bool {
			return p == ".claude/settings.local.json" || strings.HasSuffix(p, "/.claude/settings.local.json")
		},
		probes: []string{".claude/settings.local.json"},
		ignore: []string{".claude/settings.local.json"},
	},
	{
		name:   ".claude.json",
		match:  func(p string) bool { return path.Base(p) == ".claude.json" },
		probes: []string{".claude.json"},
		ignore: []string{".claude.json"},
	},
	{
		name:   "credentials files",
		match:  func(p string) bool { return credentialsRe().MatchString(path.Base(p)) },
		probes: []string{"credentials.json", ".aws/credentials"},
		ignore: []string{"credentials.json", "*credentials", "*credentials.json"},
	},
}

// isSecretFile reports whether p (slash-separated) holds secrets by its
// name, and which kind.
func isSecretFile(p string) (string, bool) {
	for _, sf := range secretFiles {
		if sf.match(p) {
			return sf.name, true
		}
	}
	return "", false
}

func runChecks(in Input, r *Report) []Check {
	cs := []Check{
		checkTracked(in),
		checkGitignore(in),
		checkHooks(in),
		checkRotation(in, r),
		checkSharedValues(in, r),
		checkPermissions(in),
		checkWorkflows(in),
		checkIncidents(in),
	}
	if in.Config != nil {
		for _, w := range in.Config.Policy.Waivers {
			for i := range cs {
				if cs[i].ID == w.Check {
					cs[i].Status, cs[i].Waived = Skip, w.Reason
				}
			}
		}
	}
	return cs
}

func checkTracked(in Input) Check {
	c := Check{ID: "tracked-secret-files", Title: "No secret-bearing files are tracked"}
	for _, p := range in.Tracked {
		if kind, ok := isSecretFile(p); ok {
			c.Details = append(c.Details, p+" ("+kind+")")
		}
	}
	if len(c.Details) == 0 {
		c.Status = Pass
		return c
	}
	c.Status = Fail
	c.Fix = "stop tracking them and ignore them: git rm --cached FILE, add the file to .gitignore and commit; " +
		"treat every value they held as leaked (rotate it: leakguard remediate)"
	return c
}

// rootIgnore reads the repository's root .gitignore.
func rootIgnore(root string) (gitignore.Matcher, bool) {
	b, err := os.ReadFile(filepath.Join(root, ".gitignore"))
	if err != nil {
		return gitignore.NewMatcher(nil), false
	}
	var ps []gitignore.Pattern
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimRight(l, "\r")
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		ps = append(ps, gitignore.ParsePattern(l, nil))
	}
	return gitignore.NewMatcher(ps), true
}

func checkGitignore(in Input) Check {
	c := Check{ID: "gitignore", Title: ".gitignore covers secret-bearing files"}
	if in.Root == "" {
		c.Status, c.Details = Skip, []string{"no work tree"}
		return c
	}
	m, ok := rootIgnore(in.Root)
	var add []string
	for _, sf := range secretFiles {
		var missing []string
		for _, p := range sf.probes {
			if !m.Match(strings.Split(p, "/"), false) {
				missing = append(missing, p)
			}
		}
		if len(missing) > 0 {
			c.Details = append(c.Details, fmt.Sprintf("%s: not ignored (%s)", sf.name, strings.Join(missing, ", ")))
			add = append(add, sf.ignore...)
		}
	}
	if !ok {
		c.Details = append([]string{"no .gitignore at the repository root"}, c.Details...)
	}
	if len(c.Details) == 0 {
		c.Status = Pass
		return c
	}
	c.Status = Fail
	c.Fix = "add these lines to .gitignore: " + strings.Join(add, "  ")
	return c
}

func checkHooks(in Input) Check {
	c := Check{ID: "hooks", Title: "leakguard's git hooks are installed"}
	if in.CI {
		c.Status = Skip
		c.Details = []string{"not checked in CI: hooks live on each developer's machine (leakguard doctor checks them there)"}
		return c
	}
	if in.HooksErr != nil {
		c.Status = Warn
		c.Details = []string{"hooks could not be read: " + in.HooksErr.Error()}
		c.Fix = "leakguard hooks status"
		return c
	}
	framework := false
	if in.Root != "" {
		for _, f := range []string{".pre-commit-config.yaml", "lefthook.yml", "lefthook.yaml", ".lefthook.yml"} {
			if b, err := os.ReadFile(filepath.Join(in.Root, f)); err == nil && strings.Contains(string(b), "leakguard") {
				framework = true
			}
		}
	}
	ok := map[string]bool{}
	for _, h := range in.Hooks {
		switch h.State {
		case "installed", "chained":
			ok[h.Hook] = true
			c.Details = append(c.Details, h.Hook+": "+h.State)
		case "foreign":
			b, _ := os.ReadFile(h.Path)
			if strings.Contains(string(b), "leakguard") || framework {
				ok[h.Hook] = true
				c.Details = append(c.Details, h.Hook+": runs leakguard through another hook manager")
			} else {
				c.Details = append(c.Details, h.Hook+": another tool's hook, without leakguard")
			}
		default:
			c.Details = append(c.Details, h.Hook+": missing")
		}
	}
	switch {
	case ok["pre-commit"] && ok["pre-push"]:
		c.Status = Pass
	case ok["pre-commit"] || ok["pre-push"]:
		c.Status = Warn
		c.Fix = "install the other one too: leakguard hooks install (pre-commit) and leakguard hooks install --pre-push"
	default:
		c.Status = Fail
		c.Fix = "leakguard hooks install && leakguard hooks install --pre-push (an existing hook is kept and runs first)"
	}
	return c
}

func checkRotation(in Input, r *Report) Check {
	c := Check{ID: "rotation", Title: "Managed keys are rotated within the policy"}
	if in.Config == nil {
		c.Status = Skip
		return c
	}
	pol := in.Config.Policy.RotateAfter
	if pol == "" {
		pol = DefaultRotateAfter
	}
	c.Title = "Managed keys are rotated at least every " + pol
	fail, warn := false, false
	for _, k := range r.Keys {
		switch {
		case k.Due:
			fail = true
			c.Details = append(c.Details, fmt.Sprintf("%s: last rotated %s, %d days ago", k.Name, k.Rotated.Format("2006-01-02"), k.AgeDays))
		case k.Rotated == nil && k.InUse:
			warn = true
			c.Details = append(c.Details, k.Name+": rotation date unknown")
		}
	}
	switch {
	case fail:
		c.Status = Fail
		c.Fix = "regenerate each key at its provider and run leakguard rotate NAME (it records the date); or set rotated = YYYY-MM-DD in its [[keys]] entry if it was rotated"
	case warn:
		c.Status = Warn
		c.Fix = "record when each key was last rotated: rotated = YYYY-MM-DD in its [[keys]] entry"
	default:
		c.Status = Pass
	}
	return c
}

var wordSep = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^A-Za-z0-9]+`) })

var envWords = map[string]string{
	"prod": "production", "production": "production", "prd": "production",
	"dev": "development", "development": "development", "local": "development",
	"staging": "staging", "stage": "staging", "stg": "staging", "preview": "preview",
	"test": "test", "testing": "test", "qa": "test",
}

// envOfPath guesses the environment a file configures from its name:
// .env.production, config/prod/…, settings.dev.json.
func envOfPath(p string) string {
	for _, part := range wordSep().Split(strings.ToLower(p), -1) {
		if e, ok := envWords[part]; ok {
			return e
		}
	}
	return ""
}

func normEnv(s string) string {
	if e, ok := envWords[strings.ToLower(strings.TrimSpace(s))]; ok {
		return e
	}
	return strings.ToLower(strings.TrimSpace(s))
}

func checkSharedValues(in Input, r *Report) Check {
	c := Check{ID: "separate-environments", Title: "Each environment has its own keys (dev and prod differ)"}
	if in.Config != nil {
		// One managed key synced to several environments.
		for _, k := range in.Config.Keys {
			envs := map[string]bool{}
			for _, tn := range k.Targets {
				t := in.Config.Targets[tn]
				for _, e := range t.Environments {
					envs[normEnv(e)] = true
				}
				if t.Environment != "" {
					envs[normEnv(t.Environment)] = true
				}
			}
			if envs["production"] && len(envs) > 1 {
				c.Details = append(c.Details, fmt.Sprintf("%s: one value is synced to %s", k.Name, strings.Join(sortedKeys(envs), ", ")))
			}
		}
		// One known value under several managed keys.
		owners := map[string][]string{}
		for _, k := range in.Config.Keys {
			for _, fp := range k.Fingerprints {
				if !contains(owners[fp], k.Name) {
					owners[fp] = append(owners[fp], k.Name)
				}
			}
		}
		for _, names := range owners {
			if len(names) > 1 {
				sort.Strings(names)
				c.Details = append(c.Details, "one known value is registered for "+strings.Join(names, " and "))
			}
		}
	}
	// One secret in files of different environments.
	for _, e := range r.Exposures {
		envs := map[string][]string{}
		for _, l := range e.Locations {
			if env := envOfPath(l.Path); env != "" && l.Path != "" && !contains(envs[env], l.Path) {
				envs[env] = append(envs[env], l.Path)
			}
		}
		if len(envs) > 1 {
			var parts []string
			for _, env := range sortedKeys(envs) {
				parts = append(parts, env+" ("+strings.Join(envs[env], ", ")+")")
			}
			name := e.Preview
			if e.Key != "" {
				name = e.Key + " " + e.Preview
			}
			c.Details = append(c.Details, fmt.Sprintf("%s is used in %s", name, strings.Join(parts, " and ")))
		}
	}
	sort.Strings(c.Details)
	if len(c.Details) == 0 {
		c.Status = Pass
		return c
	}
	c.Status = Fail
	c.Fix = "create a separate key per environment at the provider (at least dev and prod), give each its own [[keys]] entry and targets, and rotate the shared one"
	return c
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// skipDirs are not walked for local secret files.
var skipDirs = map[string]bool{".git": true, "node_modules": true, "vendor": true, ".venv": true, "venv": true, "__pycache__": true, ".next": true, "dist": true, "build": true, "target": true}

func checkPermissions(in Input) Check {
	c := Check{ID: "permissions", Title: "Local secret files are readable only by you (0600)"}
	seen := map[string]bool{}
	check := func(p, shown string) {
		if seen[p] {
			return
		}
		seen[p] = true
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() {
			return
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			c.Details = append(c.Details, fmt.Sprintf("%s is %04o", shown, perm))
		}
	}
	if in.Root != "" {
		_ = filepath.WalkDir(in.Root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() {
				if p != in.Root && skipDirs[d.Name()] {
					return filepath.SkipDir
				}
				return nil
			}
			rel, _ := filepath.Rel(in.Root, p)
			rel = filepath.ToSlash(rel)
			if _, ok := isSecretFile(rel); ok && !exampleSuffix().MatchString(rel) {
				check(p, rel)
			}
			return nil
		})
	}
	for _, p := range in.KeyFiles {
		check(p, p)
	}
	if len(c.Details) == 0 {
		c.Status = Pass
		return c
	}
	c.Status = Fail
	c.Fix = "chmod 600 each file (and keep it out of git)"
	return c
}

var (
	writeAllRe = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^\s*permissions\s*:\s*["']?write-all["']?\s*(#.*)?$`)
	})
	echoRe = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`\b(echo|printf|print|cat|tee|Write-Host|Write-Output)\b`)
	})
	secretsRe = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`\$\{\{\s*(secrets\.|secrets\[|toJSON\(\s*secrets\s*\))`)
	})
	runKeyRe     = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(\s*)(-\s+)?run\s*:\s*(.*)$`) })
	secretsEnvRe = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*\$\{\{\s*secrets\.`)
	})
)

func checkWorkflows(in Input) Check {
	c := Check{ID: "workflows", Title: "CI workflows grant least privilege and never print secrets"}
	if in.Root == "" {
		c.Status = Skip
		return c
	}
	dir := filepath.Join(in.Root, ".github", "workflows")
	ents, err := os.ReadDir(dir)
	if err != nil {
		c.Status = Pass
		c.Details = []string{"no workflows"}
		return c
	}
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !(strings.HasSuffix(n, ".yml") || strings.HasSuffix(n, ".yaml")) {
			continue
		}
		c.Details = append(c.Details, scanWorkflow(filepath.Join(dir, n), ".github/workflows/"+n)...)
	}
	if len(c.Details) == 0 {
		c.Status = Pass
		return c
	}
	c.Status = Fail
	c.Fix = "set permissions: contents: read (and only the write scopes a job needs); never echo a secret — pass it through env: to the tool that needs it; GitHub's masking misses transformed values"
	return c
}

// scanWorkflow reports write-all grants and run steps that print a
// secret (directly, or through an env variable set from secrets).
func scanWorkflow(p, shown string) []string {
	f, err := os.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	secretEnv := map[string]bool{}
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	for _, l := range lines {
		if m := secretsEnvRe().FindStringSubmatch(l); m != nil {
			secretEnv[m[1]] = true
		}
	}
	inRun, runIndent := false, 0
	for i, l := range lines {
		n := i + 1
		if writeAllRe().MatchString(l) {
			out = append(out, fmt.Sprintf("%s:%d: permissions: write-all", shown, n))
		}
		indent := len(l) - len(strings.TrimLeft(l, " "))
		if inRun && strings.TrimSpace(l) != "" && indent <= runIndent {
			inRun = false
		}
		text := ""
		if m := runKeyRe().FindStringSubmatch(l); m != nil {
			runIndent = len(m[1])
			if m[2] != "" {
				runIndent += len(m[2])
			}
			v := strings.TrimSpace(m[3])
			if v == "|" || v == ">" || strings.HasPrefix(v, "|") || strings.HasPrefix(v, ">") {
				inRun = true
				continue
			}
			text = v
		} else if inRun {
			text = l
		}
		if text == "" || !echoRe().MatchString(text) {
			continue
		}
		leaks := secretsRe().MatchString(text)
		for name := range secretEnv {
			if strings.Contains(text, "$"+name) || strings.Contains(text, "${"+name+"}") || strings.Contains(text, "env."+name) {
				leaks = true
			}
		}
		if leaks {
			out = append(out, fmt.Sprintf("%s:%d: a run step prints a secret", shown, n))
		}
	}
	return out
}

func checkIncidents(in Input) Check {
	c := Check{ID: "incidents", Title: "No incident is left open"}
	if in.LedgerErr != nil {
		c.Status = Warn
		c.Details = []string{"the incident ledger could not be read: " + in.LedgerErr.Error()}
		return c
	}
	for _, inc := range in.Incidents {
		if inc.Status == "closed" {
			continue
		}
		x := incidentOf(inc)
		d := fmt.Sprintf("%s (%s) opened %s", x.ID, orDash(x.Key), x.Opened.Format("2006-01-02"))
		if len(x.Pending) > 0 {
			d += ", steps left: " + strings.Join(x.Pending, ", ")
		}
		c.Details = append(c.Details, d)
	}
	if len(c.Details) == 0 {
		c.Status = Pass
		return c
	}
	c.Status = Fail
	c.Fix = "finish each incident's steps (leakguard incidents show ID; leakguard incidents done ID STEP) and close it (leakguard incidents close ID)"
	return c
}

func orDash(s string) string {
	if s == "" {
		return "unmanaged"
	}
	return s
}
