// Command goreleaser-check checks leakguard's .goreleaser.yaml in seconds,
// without installing GoReleaser (a cold 'go install' of it downloads
// about 2 GB of modules and took over an hour on a loaded machine).
//
// It loads the file with GoReleaser's own config package at the version
// .ci/release.sh installs (strict YAML: an unknown or misplaced field is an
// error, as in 'goreleaser check'), rejects deprecated fields and values
// outside a field's enum (the jsonschema tags GoReleaser's JSON schema is
// made from), and checks what leakguard's release promises: the six
// linux/darwin/windows × amd64/arm64 targets, static builds whose -X
// ldflags name variables internal/buildinfo has, archive names that the
// action's installer and the README build, checksums.txt, and an SBOM per
// binary.
//
// It does not run GoReleaser's defaults or template engine: the full
// 'goreleaser check' and 'goreleaser release --snapshot --clean' run in
// .ci/release.sh (the release-snapshot job of .github/workflows/ci.yml).
//
//	cd .ci/goreleaser-check && go run . [ROOT]   (ROOT: the repository, ../..)
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/goreleaser/goreleaser/v2/pkg/config"
)

func main() {
	root := "../.."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	errs := checkRepo(root)
	for _, err := range errs {
		fmt.Fprintf(os.Stderr, "goreleaser-check: %v\n", err)
	}
	if len(errs) > 0 {
		os.Exit(1)
	}
	fmt.Printf("goreleaser-check: %s is valid for GoReleaser's config package and leakguard's release\n", filepath.Join(root, ".goreleaser.yaml"))
}

// checkRepo loads ROOT/.goreleaser.yaml and checks it against the files
// of the repository at root.
func checkRepo(root string) []error {
	f, err := os.Open(filepath.Join(root, ".goreleaser.yaml"))
	if err != nil {
		return []error{err}
	}
	defer f.Close()
	p, err := config.LoadReader(f)
	if err != nil {
		// The strict load: an unknown field, a wrong type, version: 1.
		return []error{fmt.Errorf(".goreleaser.yaml: %w", err)}
	}
	errs := schemaErrors(p)
	errs = append(errs, releaseErrors(p, root)...)
	return errs
}
