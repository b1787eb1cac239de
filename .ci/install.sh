#!/usr/bin/env bash
# From a fresh machine to a blocked commit, with the README's own words.
#
#   bash .ci/install.sh [DIST]
#
# Runs the README's shell blocks marked <!-- ci: install-release -->,
# <!-- ci: install-go --> and <!-- ci: first-hook --> as written, in a
# clean environment (a new HOME, a PATH without leakguard, Go or anything
# the steps do not name), each time ending with a commit that must be
# blocked and a push that must be blocked:
#
#   1. the release binary: DIST (default dist/, from .ci/release.sh) served
#      by a local file server laid out like GitHub's release downloads;
#      the README's URL is pointed at it; no Go on PATH. Without DIST (as in
#      .ci/run, where installing GoReleaser would take too long), a
#      release-shaped archive for this machine: go build with
#      .goreleaser.yaml's ldflags, the same archive name, checksums.txt;
#   2. go install: a file:// module proxy holding this checkout as a
#      module version, so 'go install …@latest' runs unchanged;
#   3. the pre-commit framework (Debian's pre-commit, installed when
#      missing) with the leakguard-system hook and the golang hook.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
dist=${1:-}
export PATH="/usr/local/go/bin:$PATH"

step() { printf '\n== %s\n' "$*"; }
fail() { echo "install.sh: $*" >&2; exit 1; }

work=$(mktemp -d)
mkdir -p "$work/tmp"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2> /dev/null || true; fi
  chmod -R u+w "$work" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# block NAME: the first sh block after <!-- ci: NAME --> in README.md.
block() {
  local b
  b=$(awk -v m="<!-- ci: $1 -->" '$0 == m { f = 1; next } f && /^```sh$/ { inb = 1; next } inb && /^```$/ { exit } inb { print }' "$root/README.md")
  [ -n "$b" ] || fail "README.md has no sh block after <!-- ci: $1 -->"
  printf '%s\n' "$b"
}

install_release=$(block install-release)
install_go=$(block install-go)
first_hook=$(block first-hook)

# A fresh machine: its own HOME, system directories only, no leakguard.
syspath=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
fresh() {
  local home=$1 path=$2
  shift 2
  env -i HOME="$home" PATH="$path" LANG=C.UTF-8 TMPDIR="$work/tmp" GIT_CONFIG_NOSYSTEM=1 \
    GIT_AUTHOR_NAME=dev GIT_AUTHOR_EMAIL=dev@example.com GIT_COMMITTER_NAME=dev GIT_COMMITTER_EMAIL=dev@example.com \
    ${EXTRA_ENV:+$EXTRA_ENV} "$@"
}

# A key made now, never stored: an Anthropic key's shape.
newkey() {
  local body
  body=$(head -c 4096 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9_-' | head -c 93)
  printf 'sk-ant-api03-%sAA' "$body"
}

# blocked HOME PATH: in a new repository, the README's first-hook block;
# a commit adding a key must be blocked, a clean one pass, and a push of a
# commit made with --no-verify be blocked by the pre-push hook.
blocked() {
  local home=$1 path=$2 repo="$work/repo-$RANDOM" remote="$work/remote-$RANDOM.git" key out
  git init -q -b main "$repo"
  git init -q --bare "$remote"
  (cd "$repo" && fresh "$home" "$path" bash -euo pipefail -c "$first_hook")
  key=$(newkey)
  printf 'print("hello")\n' > "$repo/app.py"
  (cd "$repo" && fresh "$home" "$path" git add app.py && fresh "$home" "$path" git commit -q -m clean) ||
    fail "a clean commit was blocked"
  printf 'client = Client(api_key="%s")\n' "$key" >> "$repo/app.py"
  if out=$(cd "$repo" && fresh "$home" "$path" git commit -q -am "add a key" 2>&1); then
    fail "the commit that adds a key went through"
  fi
  echo "$out" | grep -q "this commit is blocked" || fail "no block message:"$'\n'"$out"
  if echo "$out" | grep -qF "${key:13:40}"; then fail "the blocked commit's message shows the key"; fi
  echo "commit blocked: $(echo "$out" | grep -m1 'app.py' || true)"
  (cd "$repo" && fresh "$home" "$path" git commit -q --no-verify -am "add a key anyway")
  if out=$(cd "$repo" && fresh "$home" "$path" git push -q "$remote" main 2>&1); then
    fail "the push of a key went through"
  fi
  echo "$out" | grep -q "this push is blocked" || fail "no push block message:"$'\n'"$out"
  echo "push blocked"
}

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) os=linux arch=amd64 ;;
  Linux/aarch64) os=linux arch=arm64 ;;
  Darwin/x86_64) os=darwin arch=amd64 ;;
  Darwin/arm64) os=darwin arch=arm64 ;;
  *) fail "no release archive for $(uname -s)/$(uname -m)" ;;
esac

if [ -z "$dist" ]; then
  step "0. a release-shaped archive for this machine (.ci/release.sh builds the real ones with GoReleaser)"
  dist="$work/dist"
  mkdir -p "$dist" "$work/build"
  commit=$(git rev-parse HEAD)
  v="0.0.1-ci-${commit:0:7}"
  # .goreleaser.yaml's ldflags, its template fields filled in.
  ld=$(sed -n 's/^ *- \(-[sX] .*\)$/\1/p' .goreleaser.yaml | sed -e "s/{{ .Version }}/$v/" -e "s/{{ .FullCommit }}/$commit/" \
    -e "s/{{ .CommitDate }}/$(git log -1 --format=%cI)/" | tr '\n' ' ')
  [ "$(grep -o -- '-X ' <<< "$ld" | wc -l)" = 3 ] || fail "expected three -X ldflags in .goreleaser.yaml, got: $ld"
  go build -ldflags "$ld" -o "$work/build/leakguard" ./cmd/leakguard
  cp README.md "$work/build/"
  tar -czf "$dist/leakguard_${v}_${os}_$arch.tar.gz" -C "$work/build" leakguard README.md
  (cd "$dist" && sha256sum leakguard_* > checksums.txt)
fi
dist=$(cd "$dist" && pwd)

step "1. the release binary, from a local stand-in for GitHub's release downloads"
archive=("$dist"/leakguard_*_"${os}_$arch".tar.gz)
[ -f "${archive[0]}" ] || fail "no ${os}_$arch archive in $dist: run .ci/release.sh first"
version=$(basename "${archive[0]}")
version=${version#leakguard_}
version=${version%_"${os}_$arch".tar.gz}
srv="$work/srv/leakguard/leakguard/releases/download/v$version"
mkdir -p "$srv"
cp "$dist"/checksums.txt "$dist"/leakguard_* "$srv/"
python3 - "$work/srv" "$work/port" <<'EOF' &
import functools, http.server, sys
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
handler = functools.partial(Quiet, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os; os.rename(sys.argv[2] + ".tmp", sys.argv[2])
server.serve_forever()
EOF
server_pid=$!
for _ in $(seq 100); do [ -f "$work/port" ] && break; sleep 0.1; done
[ -f "$work/port" ] || fail "the file server did not start"
base="http://127.0.0.1:$(cat "$work/port")"

home="$work/home-release"
mkdir -p "$home"
path="$home/.local/bin:$syspath"
if fresh "$home" "$path" sh -c 'command -v leakguard || command -v go'; then
  fail "not a fresh machine: leakguard or go is on $syspath"
fi
script=$install_release
script=${script//version=0.1.0/version=$version}
script=${script//os=linux arch=amd64/os=$os arch=$arch}
script=${script//https:\/\/github.com/$base}
mkdir -p "$work/dl"
(cd "$work/dl" && fresh "$home" "$path" bash -euo pipefail -c "$script") | tee "$work/release-version"
grep -q "^leakguard v$version (commit " "$work/release-version" || fail "the release binary's version: $(cat "$work/release-version")"
blocked "$home" "$path"

step "2. go install, from a module proxy holding this checkout"
# A version of its own each run; @latest finds it, the only one listed.
mv="v0.0.1-ci.$(date +%s)"
proxy="$work/proxy/github.com/leakguard/leakguard/@v"
stage="$work/modzip/github.com/leakguard/leakguard@$mv"
mkdir -p "$proxy" "$stage"
# Nested modules (.ci/goreleaser-check) are not part of this one: a module
# zip that holds another go.mod is refused.
nested=()
while IFS= read -r m; do nested+=(":(exclude)$(dirname "$m")/"); done < <(git ls-files '*/go.mod')
git ls-files -z -- . "${nested[@]}" | xargs -0 cp --parents -t "$stage"
(cd "$work/modzip" && zip -q -r -X "$proxy/$mv.zip" "github.com/leakguard/leakguard@$mv")
cp go.mod "$proxy/$mv.mod"
printf '{"Version":"%s","Time":"%s"}\n' "$mv" "$(date -u +%FT%TZ)" > "$proxy/$mv.info"
echo "$mv" > "$proxy/list"
home="$work/home-go"
mkdir -p "$home"
gobin=$(dirname "$(command -v go)")
path="$home/go/bin:$gobin:$syspath"
# Dependencies come from this machine's module cache (a proxy too), else
# the Go module proxy; the build cache is shared (content-addressed), and
# so is the module cache, so dependencies are not compiled again. This
# run's module version is removed from it at the end.
modcache=$(go env GOMODCACHE)
forget_module() {
  chmod -R u+w "$modcache/github.com/leakguard" "$modcache/cache/download/github.com/leakguard" 2> /dev/null || true
  rm -rf "$modcache/github.com/leakguard/leakguard@$mv" "$modcache/cache/download/github.com/leakguard/leakguard/@v/$mv".*
}
trap 'forget_module; cleanup' EXIT
EXTRA_ENV="GOPROXY=file://$work/proxy,file://$modcache/cache/download,https://proxy.golang.org
GONOSUMDB=github.com/leakguard/leakguard GOFLAGS=-modcacherw GOCACHE=$(go env GOCACHE) GOMODCACHE=$modcache GOTOOLCHAIN=local"
EXTRA_ENV=${EXTRA_ENV//$'\n'/ }
export EXTRA_ENV
(cd "$work" && fresh "$home" "$path" bash -euo pipefail -c "$install_go") | tee "$work/go-version"
grep -q "^leakguard $mv (go" "$work/go-version" || fail "the go-installed binary's version: $(cat "$work/go-version")"
blocked "$home" "$path"

step "3. the pre-commit framework: leakguard-system (the binary on PATH) and leakguard (language: golang)"
if ! command -v pre-commit > /dev/null; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
  $sudo apt-get install -y -qq pre-commit > /dev/null 2>&1 || { $sudo apt-get update -qq && $sudo apt-get install -y -qq pre-commit > /dev/null; }
fi
pcv=$(pre-commit --version | awk '{ print $2 }')
echo "pre-commit $pcv"
hooksrepo="$work/hooks-repo"
git clone -q "$root" "$hooksrepo"
# This checkout's commit (a clone of a linked worktree starts elsewhere).
git -C "$hooksrepo" -c advice.detachedHead=false checkout -q "$(git rev-parse HEAD)"
if [ "$(printf '%s\n3.2.0\n' "$pcv" | sort -V | head -1)" != 3.2.0 ]; then
  # pre-commit before 3.2 names the stages commit and push (Debian 12
  # ships 3.0.4); the hooks use today's names, which 3.2 and newer require
  # for the future. Test the rest of them with the old names.
  sed -i 's/stages: \[pre-commit\]/stages: [commit]/; s/stages: \[pre-push\]/stages: [push]/' "$hooksrepo/.pre-commit-hooks.yaml"
  git -C "$hooksrepo" -c user.name=ci -c user.email=ci@example.com commit -q -am "stage names for pre-commit $pcv"
fi
rev=$(git -C "$hooksrepo" rev-parse HEAD)
for ids in "leakguard-system leakguard-system-pre-push" "leakguard leakguard-pre-push"; do
  repo="$work/pc-$RANDOM"
  remote="$work/pc-remote-$RANDOM.git"
  git init -q -b main "$repo"
  git init -q --bare "$remote"
  {
    printf 'repos:\n  - repo: %s\n    rev: %s\n    hooks:\n' "$hooksrepo" "$rev"
    for id in $ids; do printf '      - id: %s\n' "$id"; done
  } > "$repo/.pre-commit-config.yaml"
  (cd "$repo" && fresh "$home" "$path" pre-commit install -t pre-commit -t pre-push > /dev/null)
  (cd "$repo" && fresh "$home" "$path" git add .pre-commit-config.yaml && fresh "$home" "$path" git commit -q -m config) > "$work/pc.log" 2>&1 ||
    { cat "$work/pc.log"; fail "$ids: a clean commit was blocked"; }
  key=$(newkey)
  printf 'TOKEN = "%s"\n' "$key" > "$repo/settings.py"
  git -C "$repo" add settings.py
  if out=$(cd "$repo" && fresh "$home" "$path" git commit -q -m "add a key" 2>&1); then
    fail "$ids: the commit that adds a key went through"
  fi
  echo "$out" | grep -q "this commit is blocked" || fail "$ids: no block message:"$'\n'"$out"
  (cd "$repo" && fresh "$home" "$path" git commit -q --no-verify -m "add a key anyway")
  # The repository's first push: its commits begin with a root commit, and
  # pre-commit then names no range (only PRE_COMMIT_LOCAL_BRANCH).
  if out=$(cd "$repo" && fresh "$home" "$path" git push -q "$remote" main 2>&1); then
    fail "$ids: the push of a key went through"
  fi
  echo "$out" | grep -q "this push is blocked" || fail "$ids: no push block message:"$'\n'"$out"
  echo "$ids: commit and push blocked"
done
# Without leakguard on PATH the system hook fails: it never passes unseen.
repo="$work/pc-missing"
git init -q -b main "$repo"
printf 'repos:\n  - repo: %s\n    rev: %s\n    hooks:\n      - id: leakguard-system\n' "$hooksrepo" "$rev" > "$repo/.pre-commit-config.yaml"
(cd "$repo" && fresh "$home" "$syspath:$gobin" pre-commit install > /dev/null && fresh "$home" "$syspath:$gobin" git add .pre-commit-config.yaml)
if (cd "$repo" && fresh "$home" "$syspath:$gobin" git commit -q -m config > "$work/pc.log" 2>&1); then
  fail "leakguard-system passed without leakguard installed"
fi
grep -q "Executable \`leakguard\` not found" "$work/pc.log" || { cat "$work/pc.log"; fail "leakguard-system: unexpected failure"; }
echo "leakguard-system without leakguard: the commit fails"
unset EXTRA_ENV

echo
echo "install.sh: a fresh machine reached a blocked commit and push by the release binary, by go install and through the pre-commit framework"
