// Package buildinfo tells which leakguard this is: the module version, the
// commit it was built from, when, and whether the work tree was modified.
//
// # Sources
//
// A release build (GoReleaser) sets the version, commit and date with the
// linker:
//
//	-X github.com/leakguard/leakguard/internal/buildinfo.version=v1.2.3
//	-X github.com/leakguard/leakguard/internal/buildinfo.commit=<sha>
//	-X github.com/leakguard/leakguard/internal/buildinfo.date=<RFC 3339>
//
// Anything the linker did not set comes from [debug.ReadBuildInfo]: the
// main module's version (go install module@version, or the pseudo-version
// go build stamps in a git checkout since Go 1.24) and the vcs.revision,
// vcs.time and vcs.modified settings. Only a build with neither (go run
// with -buildvcs=false, a test binary) is plain "dev".
package buildinfo

import (
	"runtime/debug"
	"strings"
)

// Set by the linker (-ldflags -X) in release builds.
var (
	version string
	commit  string
	date    string
)

// Info describes a build.
type Info struct {
	// Version is the module version (v1.2.3, or a pseudo-version); when
	// unknown, "dev", or "dev-<commit>" when the commit is known.
	Version string
	// Commit is the full commit hash, "" when unknown.
	Commit string
	// Date is the commit (or release) time in RFC 3339, "" when unknown.
	Date string
	// Modified: built from a work tree with uncommitted changes.
	Modified bool
	// GoVersion is the Go toolchain that built it.
	GoVersion string
}

// Get returns this binary's build information.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return resolve(version, commit, date, bi)
}

// resolve merges the linker's values over the build info's.
func resolve(ldVersion, ldCommit, ldDate string, bi *debug.BuildInfo) Info {
	in := Info{Version: strings.TrimSpace(ldVersion), Commit: strings.TrimSpace(ldCommit), Date: strings.TrimSpace(ldDate)}
	if bi != nil {
		in.GoVersion = bi.GoVersion
		if in.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			in.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if in.Commit == "" {
					in.Commit = s.Value
				}
			case "vcs.time":
				if in.Date == "" {
					in.Date = s.Value
				}
			case "vcs.modified":
				in.Modified = s.Value == "true" && ldCommit == ""
			}
		}
	}
	if in.Version == "" {
		in.Version = "dev"
		if in.Commit != "" {
			in.Version += "-" + short(in.Commit)
		}
	}
	return in
}

func short(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

// String is the one line 'leakguard version' prints after the program
// name: "v1.2.3 (commit 0123456789ab, 2026-01-02T03:04:05Z, go1.26.0)".
func (in Info) String() string {
	var parts []string
	if in.Commit != "" {
		c := "commit " + short(in.Commit)
		if in.Modified {
			c += ", modified"
		}
		parts = append(parts, c)
	}
	if in.Date != "" {
		parts = append(parts, in.Date)
	}
	if in.GoVersion != "" {
		parts = append(parts, in.GoVersion)
	}
	if len(parts) == 0 {
		return in.Version
	}
	return in.Version + " (" + strings.Join(parts, ", ") + ")"
}
