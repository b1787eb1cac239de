#!/usr/bin/env bash
# Installs leakguard for the composite action (action.yml), in two steps:
#
#   install.sh resolve   which release: the 'version' input (vX.Y.Z or
#                        latest), else the action's own ref (a tag, or a
#                        commit that a tag points to); outputs tag= (empty:
#                        no release matches, build from source)
#   install.sh install   download the release archive for this runner,
#                        verify it against the release's checksums.txt (and
#                        its GitHub artifact attestation when gh is there),
#                        keep it in the cache directory, unpack it; with no
#                        release, build from source with a private Go
#                        set-up; outputs path=, version= and source=
#                        (release, cache or build)
#
# It never writes GITHUB_PATH or GITHUB_ENV: nothing it uses (Go included)
# is left on the PATH of the job's later steps.
#
# Environment (action.yml passes these):
#   LEAKGUARD_VERSION      the version input: "", latest or vX.Y.Z
#   LEAKGUARD_TAG          install: the tag resolve chose ("": build)
#   ACTION_REF, ACTION_PATH, ACTION_REPOSITORY   the action's github.action_*
#   LEAKGUARD_VERIFY_ATTESTATION  auto (when gh is on PATH), true or false
#   GH_TOKEN               for the GitHub API (latest, tags, attestations)
#   LEAKGUARD_CACHE_DIR    verified archives (default $RUNNER_TEMP/leakguard-cache)
# For tests, a stand-in for GitHub:
#   LEAKGUARD_DOWNLOAD_URL (default $GITHUB_SERVER_URL) and
#   LEAKGUARD_API_URL (default $GITHUB_API_URL); LEAKGUARD_GOCACHE and
#   LEAKGUARD_GOMODCACHE reuse Go caches for a source build.
set -euo pipefail

repo=${ACTION_REPOSITORY:-leakguard/leakguard}
[ -n "$repo" ] || repo=leakguard/leakguard
server=${LEAKGUARD_DOWNLOAD_URL:-${GITHUB_SERVER_URL:-https://github.com}}
api=${LEAKGUARD_API_URL:-${GITHUB_API_URL:-https://api.github.com}}
tmp=${RUNNER_TEMP:-${TMPDIR:-/tmp}}

note() { echo "leakguard: $*" >&2; }
die() {
  echo "::error title=leakguard install::$1" >&2
  [ -z "${2:-}" ] || echo "leakguard: hint: $2" >&2
  exit 1
}
output() {
  if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "$1=$2" >> "$GITHUB_OUTPUT"; fi
}

# is_release_tag: v1.2.3, v1.2.3-rc.1 (what GoReleaser releases).
is_release_tag() { [[ $1 =~ ^v[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]]; }

# api_get PATH: a GitHub API GET, with the token when there is one.
api_get() {
  local auth=()
  if [ -n "${GH_TOKEN:-}" ]; then auth=(-H "Authorization: Bearer $GH_TOKEN"); fi
  curl -fsSL --retry 3 --retry-delay 2 -H "Accept: application/vnd.github+json" \
    ${auth[@]+"${auth[@]}"} "$api/$1"
}

platform() {
  case "${RUNNER_OS:-$(uname -s)}" in
    Linux) os=linux ;;
    macOS | Darwin) os=darwin ;;
    Windows | MINGW* | MSYS* | CYGWIN*) os=windows ;;
    *) die "unsupported runner OS ${RUNNER_OS:-$(uname -s)}" ;;
  esac
  case "${RUNNER_ARCH:-$(uname -m)}" in
    X64 | x86_64 | amd64) arch=amd64 ;;
    ARM64 | arm64 | aarch64) arch=arm64 ;;
    *) die "unsupported runner architecture ${RUNNER_ARCH:-$(uname -m)}" ;;
  esac
  exe=leakguard
  if [ "$os" = windows ]; then exe=leakguard.exe; fi
}

resolve() {
  local want=${LEAKGUARD_VERSION:-} ref=${ACTION_REF:-} tag=""
  # A composite action's github.action_ref can be empty: the runner keeps
  # the action in _actions/OWNER/REPO/REF.
  if [ -z "$ref" ] && [[ ${ACTION_PATH:-} == */_actions/*/*/* ]]; then
    ref=$(basename "$ACTION_PATH")
  fi
  if [ "$want" = latest ]; then
    tag=$(api_get "repos/$repo/releases/latest" | jq -r '.tag_name // empty') ||
      die "cannot find the latest release of $repo" "pin a version (version: vX.Y.Z)"
    [ -n "$tag" ] || die "$repo has no release" "pin a version (version: vX.Y.Z) or use the action from a tag"
  elif [ -n "$want" ]; then
    is_release_tag "$want" || die "version '$want' is not a release tag (vX.Y.Z or latest)"
    tag=$want
  elif is_release_tag "$ref"; then
    tag=$ref
  elif [[ $ref =~ ^[0-9a-f]{40}$ ]]; then
    # Pinned by commit: the release whose tag points there, if any.
    tag=$(api_get "repos/$repo/tags?per_page=100" |
      jq -r --arg sha "$ref" '[.[] | select(.commit.sha == $sha) | .name] | map(select(test("^v[0-9]+\\.[0-9]+\\.[0-9]+"))) | first // empty') || tag=""
    if [ -z "$tag" ]; then note "no release tag points to $ref: building from source"; fi
  else
    note "the action's ref '${ref:-(local)}' is not a release: building from source"
  fi
  platform
  output tag "$tag"
  output cache-key "leakguard-$tag-$os-$arch"
  echo "tag=$tag"
}

sha256() {
  if command -v sha256sum > /dev/null; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

# fetch URL FILE: 0 on success, 2 when the server says 404, 1 otherwise.
fetch() {
  local code
  code=$(curl -sSL --retry 3 --retry-delay 2 -o "$2" -w '%{http_code}' "$1") || { rm -f "$2"; return 1; }
  case "$code" in
    200) return 0 ;;
    404) rm -f "$2"; return 2 ;;
    *) rm -f "$2"; note "GET $1: HTTP $code"; return 1 ;;
  esac
}

# install_release TAG: the verified archive's binary in $bin; sets
# missing=1 instead when the release (or this platform's archive) does not
# exist.
install_release() {
  local tag=$1 version=${1#v} dir name sum want rc
  name="leakguard_${version}_${os}_${arch}.tar.gz"
  if [ "$os" = windows ]; then name="leakguard_${version}_${os}_${arch}.zip"; fi
  dir=${LEAKGUARD_CACHE_DIR:-$tmp/leakguard-cache}/$tag/$os-$arch
  mkdir -p "$dir"
  local base="$server/$repo/releases/download/$tag"
  if [ -f "$dir/$name" ] && [ -f "$dir/checksums.txt" ]; then
    source=cache
  else
    source=release
    rc=0; fetch "$base/checksums.txt" "$dir/checksums.txt.part" || rc=$?
    case $rc in
      0) ;;
      2) note "no release $tag of $repo"; missing=1; return 0 ;;
      *) die "cannot download $base/checksums.txt" "retry the job; GitHub may be unavailable" ;;
    esac
    rc=0; fetch "$base/$name" "$dir/$name.part" || rc=$?
    case $rc in
      0) ;;
      2) note "release $tag has no $name"; rm -f "$dir/checksums.txt.part"; missing=1; return 0 ;;
      *) die "cannot download $base/$name" "retry the job; GitHub may be unavailable" ;;
    esac
  fi
  local sums="$dir/checksums.txt" file="$dir/$name"
  if [ "$source" = release ]; then sums="$dir/checksums.txt.part" file="$dir/$name.part"; fi
  want=$(awk -v f="$name" '$2 == f || $2 == "*" f { print $1; exit }' "$sums")
  sum=$(sha256 "$file")
  if [ -z "$want" ]; then
    rm -f "$dir"/*.part
    die "$name is not listed in the checksums.txt of $tag" "the release is incomplete or was tampered with: do not use it"
  fi
  if [ "$sum" != "$want" ]; then
    rm -f "$dir"/*.part "$dir/$name" "$dir/checksums.txt"
    die "checksum mismatch for $name of $tag: got $sum, checksums.txt says $want" "the download was corrupted or tampered with: nothing was run"
  fi
  verify_attestation "$file" "$name"
  if [ "$source" = release ]; then
    mv "$sums" "$dir/checksums.txt"
    mv "$file" "$dir/$name"
  fi
  note "verified $name against checksums.txt of $tag ($source)"
  local out="$tmp/leakguard-unpack"
  rm -rf "$out" && mkdir -p "$out"
  if [ "$os" = windows ]; then
    if command -v unzip > /dev/null; then unzip -q -o "$dir/$name" -d "$out"; else tar -xf "$dir/$name" -C "$out"; fi
  else
    tar -xzf "$dir/$name" -C "$out"
  fi
  [ -f "$out/$exe" ] || die "$name holds no $exe"
  mv "$out/$exe" "$bin"
  chmod +x "$bin"
  rm -rf "$out"
}

verify_attestation() {
  local file=$1 name=$2 mode=${LEAKGUARD_VERIFY_ATTESTATION:-auto}
  case "$mode" in
    false) return 0 ;;
    auto | true) ;;
    *) die "verify-attestation must be auto, true or false (got '$mode')" ;;
  esac
  if ! command -v gh > /dev/null; then
    if [ "$mode" = true ]; then die "verify-attestation is true but the GitHub CLI (gh) is not installed"; fi
    note "gh is not installed: $name checked against checksums.txt only"
    return 0
  fi
  if ! gh attestation verify "$file" --repo "$repo" --signer-workflow "$repo/.github/workflows/release.yml" > "$tmp/leakguard-attestation.log" 2>&1; then
    cat "$tmp/leakguard-attestation.log" >&2
    die "the attestation of $name does not verify (gh attestation verify)" "set verify-attestation: false only if you trust checksums.txt alone"
  fi
  note "attestation of $name verified (gh attestation verify)"
}

# find_go: a go command to start from: the one on PATH, else the newest
# in the runner's tool cache. GOTOOLCHAIN=auto then fetches the version
# go.mod asks for into the private module cache.
find_go() {
  if command -v go > /dev/null; then command -v go; return; fi
  local g
  for g in $(ls -d "${RUNNER_TOOL_CACHE:-/nonexistent}"/go/*/*/bin/go "${RUNNER_TOOL_CACHE:-/nonexistent}"/go/*/*/bin/go.exe 2> /dev/null | sort -V -r); do
    if [ -x "$g" ]; then echo "$g"; return; fi
  done
  return 1
}

build_from_source() {
  local gocmd work want=${LEAKGUARD_VERSION:-} ref=${ACTION_REF:-}
  gocmd=$(find_go) || die "no release to download and no Go toolchain to build leakguard from source" \
    "use the action from a release tag (leakguard/leakguard@vX.Y.Z) or install Go on the runner"
  work="$tmp/leakguard-build"
  mkdir -p "$work"
  note "building leakguard from source with $gocmd (private GOPATH, module and build caches in $work)"
  local start=$SECONDS
  local -a goenv=(
    GOPATH="$work/gopath" GOMODCACHE="${LEAKGUARD_GOMODCACHE:-$work/gomodcache}"
    GOCACHE="${LEAKGUARD_GOCACHE:-$work/gocache}" GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
    GOBIN="$(dirname "$bin")"
  )
  if [ -n "$want" ]; then
    env "${goenv[@]}" "$gocmd" install "github.com/leakguard/leakguard/cmd/leakguard@$want"
  else
    [ -f "${ACTION_PATH:-}/go.mod" ] || die "no leakguard source at '${ACTION_PATH:-}'"
    local ld=""
    if [ -n "$ref" ]; then ld="-X github.com/leakguard/leakguard/internal/buildinfo.version=$ref"; fi
    (cd "$ACTION_PATH" && env "${goenv[@]}" "$gocmd" build -ldflags "$ld" -o "$bin" ./cmd/leakguard)
  fi
  if [ -z "${LEAKGUARD_GOMODCACHE:-}" ]; then env "${goenv[@]}" "$gocmd" clean -modcache > /dev/null 2>&1 || true; fi
  rm -rf "$work"
  note "built in $((SECONDS - start)) s"
  source=build
}

install() {
  platform
  local tag=${LEAKGUARD_TAG:-}
  bindir="$tmp/leakguard-bin"
  mkdir -p "$bindir"
  bin="$bindir/$exe"
  source=""
  missing=0
  if [ -n "$tag" ]; then
    install_release "$tag"
    if [ "$missing" = 1 ]; then
      if [ -n "${LEAKGUARD_VERSION:-}" ] && [ "${LEAKGUARD_VERSION:-}" != latest ]; then
        note "building $LEAKGUARD_VERSION from the Go module proxy instead"
      else
        note "building the action's source instead"
      fi
      build_from_source
    fi
  else
    build_from_source
  fi
  local v
  v=$("$bin" version) || die "$bin does not run"
  echo "$v"
  output path "$bin"
  output version "$v"
  output source "$source"
}

case "${1:-}" in
  resolve) resolve ;;
  install) install ;;
  *) echo "usage: install.sh resolve|install" >&2; exit 2 ;;
esac
