# The set-up the bench scripts share. Source it, do not run it:
#
#   . "$(dirname "$0")/lib.sh"
#   bench_setup leakguard-NAME     # ROOT, WORK, a hermetic git identity
#   bench_build                    # LG: leakguard, built as the release builds it
#
# Not run by CI.

# bench_setup PREFIX: ROOT is the checkout, WORK a fresh temporary directory
# (removed on exit unless BENCH_KEEP is set), and git reads no user or
# system config and commits as 'bench'.
bench_setup() {
	ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	if [ -z "${BENCH_KEEP:-}" ]; then trap 'rm -rf "$WORK"' EXIT; else echo "work dir: $WORK"; fi
	export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
	export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
	export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
}

# release_build OUT PKG: go build as .goreleaser.yaml builds the release
# (CGO_ENABLED=0, -trimpath, -s -w): a static binary. A default build on a
# machine with a C compiler links libc dynamically, and the dynamic loader
# alone costs a start-up benchmark a fifth of leakguard's time.
release_build() {
	CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$1" "$2"
}

# bench_build: LG is leakguard built from ROOT as the release builds it.
bench_build() {
	echo "== building leakguard (as the release: static, -trimpath, -s -w)"
	(cd "$ROOT" && release_build "$WORK/leakguard" ./cmd/leakguard)
	LG="$WORK/leakguard"
}

# bench_empty_go: EMPTY is an empty Go program built the same way, the
# floor of any Go process's start-up.
bench_empty_go() {
	mkdir -p "$WORK/empty"
	printf 'module empty\n\ngo 1.22\n' >"$WORK/empty/go.mod"
	printf 'package main\n\nfunc main() {}\n' >"$WORK/empty/main.go"
	(cd "$WORK/empty" && GOFLAGS= release_build "$WORK/empty-go" .)
	EMPTY="$WORK/empty-go"
}

# bench_gitleaks: GITLEAKS is gitleaks from PATH or GOPATH/bin, else
# v8.30.1 installed with go install; empty when it cannot be had (the
# caller says so and compares without it).
bench_gitleaks() {
	GITLEAKS=""
	if command -v gitleaks >/dev/null; then
		GITLEAKS=$(command -v gitleaks)
	elif [ -x "$(go env GOPATH)/bin/gitleaks" ]; then
		GITLEAKS="$(go env GOPATH)/bin/gitleaks"
	else
		echo "installing gitleaks v8.30.1" >&2
		if (cd "$WORK" && GOFLAGS= GOBIN="$WORK/bin" go install github.com/zricethezav/gitleaks/v8@v8.30.1 >/dev/null 2>&1); then
			GITLEAKS="$WORK/bin/gitleaks"
		fi
	fi
}

# bench_gnu_time: TIME is GNU time (for peak RSS), installed if missing.
bench_gnu_time() {
	TIME=/usr/bin/time
	if ! "$TIME" -f %M true >/dev/null 2>&1; then
		echo "installing GNU time" >&2
		(apt-get install -y time >/dev/null 2>&1 || sudo apt-get install -y time >/dev/null 2>&1) || true
	fi
	"$TIME" -f %M true >/dev/null 2>&1 || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 2; }
}

# randkey: an Anthropic-format key, random at run time (never committed).
# The body is alphanumeric: gitleaks' rule misses some bodies with - or _,
# and a comparison needs both scanners to see the key.
randkey() {
	local body
	body=$(head -c 600 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c 93)
	printf 'sk-ant-api03-%sAA' "$body"
}

# bench_repo REPO COMMITS FILES: REPO is a copy of BENCH_REPO (all its refs)
# or bench/genhistory.sh's synthetic history. BENCH_REPO=go-git is a real
# history that needs no network beyond the Go module proxy: go-git's own
# repository as its test fixtures keep it (248 commits, 17 MB of pack:
# Go code, and binary packs and tarballs among the test data), from the
# go-git-fixtures module.
bench_repo() {
	if [ "${BENCH_REPO:-}" = go-git ]; then
		local mod=github.com/go-git/go-git-fixtures/v4@v4.3.2-0.20231010084843-55a94097c399 dir
		dir=$(cd "$WORK" && GOFLAGS= go mod download -json "$mod" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
		[ -n "$dir" ] || { echo "bench: cannot download $mod" >&2; exit 2; }
		mkdir -p "$WORK/go-git.git"
		tar -xzf "$dir/data/git-174be6bd4292c18160542ae6dc6704b877b8a01a.tgz" -C "$WORK/go-git.git"
		BENCH_REPO="$WORK/go-git.git"
	fi
	if [ -n "${BENCH_REPO:-}" ]; then
		echo "== copying $BENCH_REPO"
		git clone -q --mirror "$BENCH_REPO" "$1/.git" && git -C "$1" config core.bare false && git -C "$1" checkout -q -f
	else
		echo "== generating $2 commits over $3 files"
		bash "$ROOT/bench/genhistory.sh" "$1" "$2" "$3"
	fi
}
