#!/usr/bin/env bash
# Release tooling from the Go module proxy, and a snapshot release.
#
#   bash .ci/release.sh install-tools DIR   GoReleaser and cyclonedx-gomod into DIR
#   bash .ci/release.sh                      check .goreleaser.yaml, build every
#                                            archive with 'goreleaser release
#                                            --snapshot --clean' into dist/, and
#                                            check what it made
#
# The tools are installed fresh each run (nothing is cached beyond what Go
# itself caches), with timings printed. GoReleaser is large: see the
# timings before adding this to .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

GORELEASER=github.com/goreleaser/goreleaser/v2@v2.15.1
CYCLONEDX=github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@v1.10.0

step() { printf '\n== %s\n' "$*"; }

install_tools() {
  local dir=$1 start
  mkdir -p "$dir"
  for mod in "$GORELEASER" "$CYCLONEDX"; do
    start=$(date +%s)
    # GOFLAGS as the module's own: no -mod=mod for another module.
    GOFLAGS= GOBIN="$(cd "$dir" && pwd)" go install "$mod"
    echo "installed $mod in $(($(date +%s) - start)) s"
  done
}

if [ "${1:-}" = install-tools ]; then
  install_tools "${2:?usage: release.sh install-tools DIR}"
  exit 0
fi

tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
step "install GoReleaser and cyclonedx-gomod from the Go module proxy"
install_tools "$tools"
export PATH="$tools:$PATH"

step "goreleaser check"
goreleaser check

step "goreleaser release --snapshot --clean"
start=$(date +%s)
goreleaser release --snapshot --clean
echo "snapshot built in $(($(date +%s) - start)) s"

step "check dist/"
cd dist
fail() { echo "release.sh: $*" >&2; exit 1; }
archives=()
for target in linux_amd64 linux_arm64 darwin_amd64 darwin_arm64 windows_amd64 windows_arm64; do
  ext=tar.gz
  [[ $target == windows_* ]] && ext=zip
  a=(leakguard_*_"$target.$ext")
  [ -f "${a[0]}" ] || fail "no archive for $target"
  archives+=("${a[0]}")
  sbom=(leakguard_*_"$target.cdx.json")
  [ -f "${sbom[0]}" ] || fail "no SBOM for $target"
  jq -e '.bomFormat == "CycloneDX" and (.components | length) > 5' "${sbom[0]}" > /dev/null || fail "${sbom[0]} is not a CycloneDX SBOM with the dependencies"
done
for a in "${archives[@]}"; do
  grep -q "  $a\$" checksums.txt || fail "$a is not in checksums.txt"
done
sha256sum -c checksums.txt
version=${archives[0]#leakguard_}
version=${version%_linux_amd64.tar.gz}
commit=$(git rev-parse HEAD)
tmp=$(mktemp -d)
tar -xzf "leakguard_${version}_linux_amd64.tar.gz" -C "$tmp"
got=$("$tmp/leakguard" version)
echo "$got"
[[ $got == "leakguard v$version (commit ${commit:0:12}, "* ]] || fail "version says '$got', want v$version and commit ${commit:0:12}"
rm -rf "$tmp"
echo "snapshot v$version: ${#archives[@]} archives, checksums.txt and SBOMs in dist/"
