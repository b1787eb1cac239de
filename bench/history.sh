#!/usr/bin/env bash
# Benchmark leakguard's git scans against git itself and gitleaks.
#
# Builds a synthetic history with git fast-import (COMMITS commits, FILES
# files, several branches and merges, a tag-only commit, a few planted
# keys generated at run time), builds leakguard, and times in one run:
#   leakguard scan --history --all-refs  vs  git log -p -U0 --full-history --all
#   (the same refs on both sides; the commit counts each read are printed)
#   (and gitleaks git, when it can be installed)
#   leakguard scan --staged    vs  gitleaks git --pre-commit --staged
# printing wall time, peak RSS and ratios. Not run by CI.
#
# Usage: bench/history.sh [COMMITS] [FILES]     (defaults 20000 2000)
set -euo pipefail

COMMITS=${1:-20000}
FILES=${2:-2000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/leakguard-bench.XXXXXX")
if [ -z "${BENCH_KEEP:-}" ]; then trap 'rm -rf "$WORK"' EXIT; else echo "work dir: $WORK"; fi
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com

if ! /usr/bin/time -f %M true 2>/dev/null; then
	echo "installing GNU time" >&2
	(apt-get install -y time >/dev/null 2>&1 || sudo apt-get install -y time >/dev/null 2>&1) || true
fi
TIME=/usr/bin/time

# measure NAME CMD...: runs CMD (stdout discarded), prints seconds and
# peak RSS, and stores them in T_NAME / M_NAME.
measure() {
	local name=$1; shift
	local out="$WORK/time.$name"
	local rc=0
	$TIME -f '%e %M' -o "$out" "$@" >/dev/null 2>"$WORK/err.$name" || rc=$?
	read -r secs kb < <(tail -n 1 "$out")
	printf '%-44s %7.2f s  %6d MB  (exit %d)\n' "$name" "$secs" $((kb / 1024)) "$rc"
	eval "T_${name//[^A-Za-z0-9]/_}=$secs"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }

randkey() { # an Anthropic-format key, random at run time
	local body
	body=$(head -c 400 /dev/urandom | tr -dc 'A-Za-z0-9_-' | head -c 93)
	printf 'sk-ant-api03-%sAA' "$body"
}

echo "== building leakguard"
(cd "$ROOT" && go build -o "$WORK/leakguard" ./cmd/leakguard)
LG="$WORK/leakguard"

echo "== generating $COMMITS commits over $FILES files"
REPO="$WORK/repo"
bash "$ROOT/bench/genhistory.sh" "$REPO" "$COMMITS" "$FILES"
echo "commits: $(git -C "$REPO" rev-list --all | wc -l)  refs: $(git -C "$REPO" for-each-ref | wc -l)  pack: $(du -sh "$REPO/.git/objects/pack" | cut -f1)"

echo "== full history (every ref on both sides: git log --all, leakguard --all-refs)"
cd "$REPO"
measure git-log git log -p -U0 --full-history --all
measure leakguard-history "$LG" scan --history --all-refs -f json
measure leakguard-history-again "$LG" scan --history --all-refs -f json
LEAKGUARD_GIT_BACKEND=go-git measure leakguard-history-gogit "$LG" scan --history --all-refs -f json
echo "commits read: git log --all $(git rev-list --all | wc -l), leakguard $(grep -o '([0-9]* commits' "$WORK/err.leakguard-history-again" | tr -dc 0-9)"
"$LG" scan --history --all-refs -f json 2>/dev/null | grep -c '"RuleID"' | sed 's/^/leakguard history findings: /' || true

GITLEAKS=""
if command -v gitleaks >/dev/null; then
	GITLEAKS=$(command -v gitleaks)
elif [ -x "$(go env GOPATH)/bin/gitleaks" ]; then
	GITLEAKS="$(go env GOPATH)/bin/gitleaks"
else
	echo "installing gitleaks v8.30.1" >&2
	if (cd "$WORK" && GOFLAGS= go install github.com/zricethezav/gitleaks/v8@v8.30.1 >/dev/null 2>&1); then
		GITLEAKS="$(go env GOPATH)/bin/gitleaks"
	fi
fi
if [ -n "$GITLEAKS" ]; then
	measure gitleaks-git "$GITLEAKS" git --no-banner --exit-code 0 -r "$WORK/gl.json" -f json .
	grep -c '"RuleID"' "$WORK/gl.json" | sed 's/^/gitleaks findings: /' || true
else
	echo "gitleaks: not available"
fi

echo "== pre-commit (small staged change)"
f=$(git ls-files | head -n 1 || true)
printf '    new_value = 1\n    token = "%s"\n' "$(randkey)" >>"$f"
git add "$f"
echo "print(1)" >new_file.py && git add new_file.py
measure leakguard-staged "$LG" scan --staged
measure leakguard-staged-again "$LG" scan --staged
if [ -n "$GITLEAKS" ]; then
	measure gitleaks-staged "$GITLEAKS" git --no-banner --pre-commit --staged --exit-code 0 .
	measure gitleaks-staged-again "$GITLEAKS" git --no-banner --pre-commit --staged --exit-code 0 .
fi

echo "== ratios"
echo "leakguard history / git log -p:      $(ratio "$T_leakguard_history_again" "$T_git_log")  (target <= 1.0x, stretch <= 0.6x)"
echo "leakguard history (go-git) / git log: $(ratio "$T_leakguard_history_gogit" "$T_git_log")"
if [ -n "$GITLEAKS" ]; then
	echo "leakguard history / gitleaks git:    $(ratio "$T_leakguard_history_again" "$T_gitleaks_git")"
	echo "leakguard staged / gitleaks staged:  $(ratio "$T_leakguard_staged_again" "$T_gitleaks_staged_again")  (target <= 0.25x)"
fi
