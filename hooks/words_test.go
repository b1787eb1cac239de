package hooks

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// installSays runs Install and returns what WriteInstalled says about it.
func installSays(t *testing.T, o Options, hook string) string {
	t.Helper()
	res, err := Install(o, hook)
	if err != nil {
		t.Fatal(err)
	}
	var w bytes.Buffer
	WriteInstalled(&w, o, hook, res)
	return w.String()
}

func TestWriteInstalledAndUninstalled(t *testing.T) {
	dir := newRepo(t)
	exe, _ := fakeLeakguard(t)
	o := opts(dir, exe)
	hooksDir := filepath.Join(dir, ".git", "hooks")
	pc, pp := filepath.Join(hooksDir, PreCommit), filepath.Join(hooksDir, PrePush)
	os.MkdirAll(hooksDir, 0o755)
	if err := os.WriteFile(pc, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ hook, want string }{
		{PreCommit, "leakguard: installed pre-commit hook in " + pc + "; the previous hook runs first (" + pc + ChainSuffix + ")\n" +
			"leakguard: to check pushes too (the commits a push sends, also those made with --no-verify): leakguard hooks install --pre-push\n"},
		{PreCommit, "leakguard: pre-commit hook already installed in " + pc + "\n" +
			"leakguard: to check pushes too (the commits a push sends, also those made with --no-verify): leakguard hooks install --pre-push\n"},
		{PrePush, "leakguard: installed pre-push hook in " + pp + "\n"},
		// With the pre-push hook in place, no advice.
		{PreCommit, "leakguard: pre-commit hook already installed in " + pc + "\n"},
	} {
		if got := installSays(t, o, c.hook); got != c.want {
			t.Fatalf("install %s:\n%s\nwant:\n%s", c.hook, got, c.want)
		}
	}

	// A foreign pre-push hook is left alone; the chained one is restored.
	if err := os.Remove(pp); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pp, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	rs, err := Uninstall(o)
	if err != nil {
		t.Fatal(err)
	}
	var w bytes.Buffer
	WriteUninstalled(&w, rs)
	if want := "leakguard: removed pre-commit hook; restored the previous one\nleakguard: pre-push hook is not leakguard's; left alone\n"; w.String() != want {
		t.Fatalf("uninstall:\n%s\nwant:\n%s", w.String(), want)
	}
	os.Remove(pp)
	installSays(t, o, PrePush)
	rs, err = Uninstall(o)
	if err != nil {
		t.Fatal(err)
	}
	w.Reset()
	WriteUninstalled(&w, rs)
	if want := "leakguard: pre-commit hook is not leakguard's; left alone\nleakguard: removed pre-push hook\n"; w.String() != want {
		t.Fatalf("uninstall:\n%s\nwant:\n%s", w.String(), want)
	}
}

func TestWriteInstalledHuskyAndGlobal(t *testing.T) {
	dir := newRepo(t)
	exe, _ := fakeLeakguard(t)
	o := opts(dir, exe)
	git(t, dir, "config", "core.hooksPath", ".husky/_")
	husky := filepath.Join(dir, ".husky", PrePush)
	if got, want := installSays(t, o, PrePush), "leakguard: added one line to "+husky+" (it runs leakguard from PATH); commit the file to share it with your team\n"+
		"leakguard: warning: leakguard is not on PATH: the hook lets changes through unscanned until you install it: "+InstallCommand+"\n"; got != want {
		t.Fatalf("husky:\n%s\nwant:\n%s", got, want)
	}
	rs, err := Uninstall(o)
	if err != nil {
		t.Fatal(err)
	}
	var w bytes.Buffer
	WriteUninstalled(&w, rs)
	if want := "leakguard: removed leakguard's line from " + husky + "\n"; w.String() != want {
		t.Fatalf("husky uninstall:\n%s\nwant:\n%s", w.String(), want)
	}

	// A global install offers the global pre-push hook; a repository
	// without a core.hooksPath of its own hears that the global one
	// overrides its directory.
	git(t, dir, "config", "--unset", "core.hooksPath")
	g := o
	g.Global = true
	gdir := filepath.Join(dir, ".config", "leakguard", "hooks")
	if got, want := installSays(t, g, PreCommit), "leakguard: installed pre-commit hook in "+filepath.Join(gdir, PreCommit)+"\n"+
		"leakguard: to check pushes too (the commits a push sends, also those made with --no-verify): leakguard hooks install --pre-push --global\n"; got != want {
		t.Fatalf("global:\n%s\nwant:\n%s", got, want)
	}
	pc := filepath.Join(dir, ".git", "hooks", PreCommit)
	if got, want := installSays(t, o, PreCommit), "leakguard: installed pre-commit hook in "+pc+"\n"+
		"leakguard: warning: the global core.hooksPath ("+gdir+") overrides this directory; use 'leakguard hooks install --global'\n"+
		"leakguard: to check pushes too (the commits a push sends, also those made with --no-verify): leakguard hooks install --pre-push\n"; got != want {
		t.Fatalf("overridden:\n%s\nwant:\n%s", got, want)
	}
}

func TestWriteStatus(t *testing.T) {
	dir := newRepo(t)
	exe, _ := fakeLeakguard(t)
	o := opts(dir, exe)
	status := func(o Options) (string, string) {
		t.Helper()
		var out, w bytes.Buffer
		if err := WriteStatus(&out, &w, o); err != nil {
			t.Fatal(err)
		}
		return out.String(), w.String()
	}
	hooksDir := filepath.Join(dir, ".git", "hooks")
	installSays(t, o, PreCommit)
	out, w := status(o)
	if want := "pre-commit  installed  " + filepath.Join(hooksDir, PreCommit) + "\npre-push    missing    " + filepath.Join(hooksDir, PrePush) + "\n"; out != want {
		t.Fatalf("table:\n%q\nwant:\n%q", out, want)
	}
	if want := "leakguard: hooks directory " + hooksDir + "\n"; w != want {
		t.Fatalf("stderr:\n%s\nwant:\n%s", w, want)
	}

	// Global hooks that git runs for the repository: a note, not a
	// warning; the global directory not in core.hooksPath: a warning.
	os.RemoveAll(hooksDir)
	g := o
	g.Global = true
	installSays(t, g, PrePush)
	gdir := filepath.Join(dir, ".config", "leakguard", "hooks")
	out, w = status(o)
	if want := "pre-commit  missing             " + filepath.Join(gdir, PreCommit) + "\npre-push    installed (global)  " + filepath.Join(gdir, PrePush) + "\n"; out != want {
		t.Fatalf("global table:\n%q\nwant:\n%q", out, want)
	}
	if want := "leakguard: hooks directory " + gdir + "\nleakguard: git runs the global hooks in " + gdir + " (core.hooksPath in " + filepath.Join(dir, "global.gitconfig") + ") for this repository\n"; w != want {
		t.Fatalf("global stderr:\n%s\nwant:\n%s", w, want)
	}
	git(t, dir, "config", "--file", filepath.Join(dir, "global.gitconfig"), "core.hooksPath", "/elsewhere")
	if _, w = status(g); w != "leakguard: hooks directory "+gdir+"\nleakguard: warning: core.hooksPath in the global git config does not point here\n" {
		t.Fatalf("global elsewhere:\n%s", w)
	}
}
