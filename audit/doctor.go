package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/leakguard/leakguard/config"
	"github.com/leakguard/leakguard/internal/english"
	"github.com/leakguard/leakguard/internal/gitdir"
	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/keyfile"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/secret"
)

// DoctorInput is what `leakguard doctor` checks.
type DoctorInput struct {
	// Config is the loaded configuration, or nil with ConfigErr.
	Config     *config.Config
	ConfigErr  error
	ConfigPath string // "" for the embedded defaults
	Root       string // the work tree, "" outside a repository
	// Hooks are the repository's hooks, or HooksErr why they could not
	// be read; read from Root when both are unset.
	Hooks    []HookState
	HooksErr error
	StateDir string
	Getenv   func(string) string
	// Online contacts each target through Verify (nil: not available).
	Online bool
	Verify func(ctx context.Context, target, key string, value secret.Value) error
	// ReadSource reads a key source (default keyfile.Read, a relative
	// path in Root).
	ReadSource func(keyfile.Spec) (secret.Value, error)
}

// LoadDoctor gathers doctor's input for a run in dir ("" is the current
// directory; anything else must be one): the work tree holding it, the
// config at configPath (relative to dir when both are set) or else the
// one config.Find finds there, with the user-level layer, the state
// directory it names (remediate.StateDir) and getenv. The caller sets
// what Online needs.
func LoadDoctor(dir, configPath string, getenv func(string) string) (DoctorInput, error) {
	base := "."
	if dir != "" {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return DoctorInput{}, hint.Usagef("pass an existing directory to -C", "-C %s: not a directory", dir)
		}
		base = dir
	}
	in := DoctorInput{Root: gitdir.Root(base), Getenv: getenv, ConfigPath: configPath}
	if in.ConfigPath != "" && !filepath.IsAbs(in.ConfigPath) && dir != "" {
		in.ConfigPath = filepath.Join(base, in.ConfigPath)
	}
	if in.ConfigPath == "" {
		in.ConfigPath = config.Find("", in.Root, getenv)
	}
	in.Config, in.ConfigErr = config.LoadLayers(in.ConfigPath, config.UserPath(getenv), nil)
	state := ""
	if in.Config != nil {
		state = in.Config.State.Dir
	}
	in.StateDir = remediate.StateDir(getenv, state)
	return in, nil
}

// Doctor runs the health checks: the config, each managed key's source
// and fingerprints, each target's token (and, online, the target itself),
// the hooks, .gitignore coverage and the state directory. Values read
// from sources are compared by fingerprint and never leave this function.
func Doctor(ctx context.Context, in DoctorInput) []Check {
	if in.Getenv == nil {
		in.Getenv = os.Getenv
	}
	if in.Hooks == nil && in.HooksErr == nil {
		if in.Root == "" {
			in.HooksErr = errors.New("not inside a git repository")
		} else {
			in.Hooks, in.HooksErr = HookStates(in.Root, in.Getenv)
		}
	}
	if in.ReadSource == nil {
		in.ReadSource = func(spec keyfile.Spec) (secret.Value, error) {
			spec.Path = inRoot(in.Root, spec.Path)
			return keyfile.Read(spec)
		}
	}
	var out []Check
	cfg := Check{ID: "config", Title: "Configuration is valid"}
	switch {
	case in.ConfigErr != nil:
		cfg.Status, cfg.Details = Fail, []string{in.ConfigErr.Error()}
		cfg.Fix = "fix the file at the line and field named (see 'Configuration' in README.md)"
	case in.ConfigPath == "":
		cfg.Status, cfg.Details = Pass, []string{"no leakguard.toml: the embedded defaults apply"}
	default:
		cfg.Status, cfg.Details = Pass, []string{in.ConfigPath}
	}
	out = append(out, cfg)
	values := map[string]secret.Value{}
	if in.Config != nil {
		var idle []string
		for _, k := range in.Config.Keys {
			if k.Source == "" && len(k.Fingerprints) == 0 && len(k.Targets) == 0 {
				idle = append(idle, k.Name)
				continue
			}
			c, v := doctorKey(in, k.Name, k.Source, k.Fingerprints)
			if !v.IsZero() {
				values[k.Name] = v
			}
			out = append(out, c)
		}
		if len(idle) > 0 {
			out = append(out, Check{ID: "keys-unused", Title: "Inventory keys without a source", Status: Skip,
				Details: []string{strings.Join(idle, ", ") + ": no source, fingerprints or targets (not used here)"},
				Fix:     "to manage one, set its source (file:PATH#/pointer, dotenv:PATH#NAME or env:NAME) and run leakguard keys fingerprint NAME"})
		}
		for _, name := range sortedKeys(in.Config.Targets) {
			out = append(out, doctorTarget(ctx, in, name, in.Config.Targets[name], values))
		}
	}
	out = append(out, checkHooks(Input{Root: in.Root, Hooks: in.Hooks, HooksErr: in.HooksErr}))
	if in.Root != "" {
		out = append(out, checkGitignore(Input{Root: in.Root}))
	}
	out = append(out, doctorStateDir(in.StateDir))
	return out
}

func doctorKey(in DoctorInput, name, src string, fps []string) (Check, secret.Value) {
	c := Check{ID: "key:" + name, Title: "Managed key " + name}
	var v secret.Value
	var err error
	where := ""
	if src == "" {
		where = "environment variable " + name
		if s := in.Getenv(name); s != "" {
			v = secret.New(s)
		} else {
			err = fmt.Errorf("no source configured, and $%s is not set", name)
		}
	} else {
		spec, perr := keyfile.Parse(src)
		if perr != nil {
			c.Status, c.Details = Fail, []string{perr.Error()}
			c.Fix = "fix source = in its [[keys]] entry: file:PATH#/json/pointer, dotenv:PATH#NAME or env:NAME"
			return c, v
		}
		where = spec.String()
		if spec.Kind == "env" {
			if s := in.Getenv(spec.Ref); s != "" {
				v = secret.New(s)
			} else {
				err = fmt.Errorf("environment variable %s: %w", spec.Ref, keyfile.ErrNotSet)
			}
		} else {
			v, err = in.ReadSource(spec)
		}
	}
	if err != nil {
		c.Status = Fail
		c.Details = []string{"source: " + errText(err, v)}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			c.Fix = "create the source file, or point source = at where the key lives"
		case src == "":
			c.Fix = "set source = in its [[keys]] entry (or export " + name + ")"
		default:
			c.Fix = "put the key's current value at its source"
		}
		return c, v
	}
	c.Details = append(c.Details, "source: "+where+" holds a value ("+fmt.Sprint(v.Len())+" chars)")
	fp := secret.Fingerprint(v.Reveal())
	switch {
	case len(fps) == 0:
		c.Status = Warn
		c.Details = append(c.Details, "no fingerprints: its value is not recognised when it leaks without its name")
		c.Fix = "leakguard keys fingerprint " + name
	case !contains(fps, fp):
		c.Status = Fail
		c.Details = append(c.Details, "the current value's fingerprint is not in the inventory (rotated outside leakguard?)")
		c.Fix = "leakguard keys fingerprint " + name
	default:
		c.Status = Pass
		c.Details = append(c.Details, "fingerprint current")
	}
	return c, v
}

// errText is an error message with value scrubbed out.
func errText(err error, v secret.Value) string {
	s := err.Error()
	if !v.IsZero() {
		s = strings.ReplaceAll(s, v.Reveal(), v.Redacted())
	}
	return s
}

func doctorTarget(ctx context.Context, in DoctorInput, name string, t config.Target, values map[string]secret.Value) Check {
	c := Check{ID: "target:" + name, Title: "Target " + name + " (" + orUnknown(t.Type) + ")"}
	var envs []string
	switch t.Type {
	case "vercel":
		envs = append(envs, t.CredentialEnv())
	case "supabase-secrets", "supabase":
		envs = append(envs, t.CredentialEnv())
	case "postgres":
		envs = append(envs, t.CredentialEnv())
	default:
		if t.TokenEnv != "" {
			envs = append(envs, t.TokenEnv)
		}
		if t.DSNEnv != "" {
			envs = append(envs, t.DSNEnv)
		}
	}
	missing := false
	for _, e := range envs {
		if in.Getenv(e) == "" {
			missing = true
			c.Details = append(c.Details, "$"+e+" is not set")
		} else {
			c.Details = append(c.Details, "$"+e+" is set")
		}
	}
	if t.Type == "dotenv" || t.Type == "file" {
		p := keyfile.ExpandHome(t.Path)
		if p != "" && !filepath.IsAbs(p) && in.Root != "" {
			p = filepath.Join(in.Root, p)
		}
		if _, err := os.Stat(p); err != nil {
			c.Details = append(c.Details, t.Path+": does not exist yet (created on the first sync)")
		}
	}
	if missing {
		c.Status = Fail
		c.Fix = fmt.Sprintf("export the variable (or name another with token_env / dsn_env in [targets.%s])", name)
		return c
	}
	c.Status = Pass
	if !in.Online {
		c.Details = append(c.Details, "not contacted (pass --online to verify)")
		return c
	}
	if in.Verify == nil {
		c.Status = Warn
		c.Details = append(c.Details, "online verification is not available in this build")
		return c
	}
	var keys []string
	for _, k := range in.Config.Keys {
		if contains(k.Targets, name) {
			keys = append(keys, k.Name)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, ok := values[k]
		if !ok {
			c.Details = append(c.Details, k+": not verified (its current value could not be read)")
			if c.Status == Pass {
				c.Status = Warn
			}
			continue
		}
		err := in.Verify(ctx, name, k, v)
		switch {
		case err == nil:
			c.Details = append(c.Details, k+": holds the current value")
		case errors.Is(err, remediate.ErrNotReadable):
			if c.Status == Pass {
				c.Status = Warn
			}
			c.Details = append(c.Details, k+": "+errText(err, v)+" — it holds the key; whether it is the current value cannot be checked")
		case errors.Is(err, remediate.ErrMismatch):
			c.Status = Fail
			c.Details = append(c.Details, k+": holds a different value")
			c.Fix = "leakguard sync " + k
		case errors.Is(err, remediate.ErrMissing):
			c.Status = Fail
			c.Details = append(c.Details, k+": missing")
			c.Fix = "leakguard sync " + k
		default:
			c.Status = Fail
			c.Details = append(c.Details, k+": "+errText(err, v))
			c.Fix = "check the token's scopes and the target's settings"
		}
	}
	return c
}

func orUnknown(s string) string {
	if s == "" {
		return "no type"
	}
	return s
}

func doctorStateDir(dir string) Check {
	c := Check{ID: "state-dir", Title: "State directory is private (0700, files 0600)"}
	if dir == "" {
		c.Status = Skip
		return c
	}
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		c.Status, c.Details = Pass, []string{dir + " does not exist yet (created 0700 on first use)"}
		return c
	}
	if err != nil {
		c.Status, c.Details = Fail, []string{err.Error()}
		return c
	}
	if fi.Mode().Perm()&0o077 != 0 {
		c.Details = append(c.Details, fmt.Sprintf("%s is %04o", dir, fi.Mode().Perm()))
	}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return nil
		}
		i, err := d.Info()
		if err != nil {
			return nil
		}
		if d.IsDir() && i.Mode().Perm()&0o077 != 0 {
			c.Details = append(c.Details, fmt.Sprintf("%s is %04o", p, i.Mode().Perm()))
		}
		if i.Mode().IsRegular() && i.Mode().Perm()&0o077 != 0 {
			c.Details = append(c.Details, fmt.Sprintf("%s is %04o", p, i.Mode().Perm()))
		}
		return nil
	})
	if len(c.Details) == 0 {
		c.Status, c.Details = Pass, []string{dir}
		return c
	}
	c.Status = Fail
	c.Fix = "chmod 700 " + dir + " and chmod 600 the files in it (they hold backups of secrets)"
	return c
}

// WriteDoctor writes the checklist to w (as JSON when asJSON) and the
// verdict to log; it returns how many checks failed.
func WriteDoctor(w, log io.Writer, cs []Check, asJSON, color bool) (failed int, err error) {
	if err := WriteChecks(w, cs, asJSON, color); err != nil {
		return 0, err
	}
	if failed = Failed(cs); failed > 0 {
		fmt.Fprintf(log, "leakguard: %s failed; fix them as shown and run leakguard doctor again\n", english.Count(failed, "check"))
	} else {
		fmt.Fprintln(log, "leakguard: all checks passed")
	}
	return failed, nil
}

// Failed counts the checks that failed.
func Failed(cs []Check) int {
	n := 0
	for _, c := range cs {
		if c.Status == Fail {
			n++
		}
	}
	return n
}
