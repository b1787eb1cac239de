#!/usr/bin/env bash
# Benchmark the incremental history cache (issue 14 item 1) on
# bench/history.sh's synthetic repository (bench/genhistory.sh).
#
# Each round, with an empty cache directory:
#   first   leakguard scan --history --all-refs   (reads everything, writes the cache)
#   second  the same again, nothing changed        (target: <= 0.1x the first)
#   new     the same after one new commit with a key (only the new objects;
#           the key must be reported with its commit)
# and once per round the first run's cost over --no-cache (what writing
# the cache adds). Prints ratio= lines per round, then the median and
# spread (min-max) of each over ROUNDS rounds. Not run by CI.
#
# Usage: bench/incremental.sh [COMMITS] [FILES] [ROUNDS]   (defaults 20000 2000 2)
set -euo pipefail

COMMITS=${1:-20000}
FILES=${2:-2000}
ROUNDS=${3:-2}
. "$(dirname "$0")/lib.sh"
bench_setup leakguard-incr

# secs CMD...: wall seconds of CMD (its stdout to $WORK/out, stderr to
# $WORK/err; exit 0 or 1 expected).
secs() {
	local s e rc=0
	s=$(date +%s.%N)
	"$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
	e=$(date +%s.%N)
	if [ "$rc" -gt 1 ]; then
		echo "failed ($rc): $*" >&2
		cat "$WORK/err" >&2
		exit 1
	fi
	awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }'
}

div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

# stats NAME VALUES...: median and spread.
stats() {
	local name=$1; shift
	printf '%s\n' "$@" | sort -g | awk -v n="$name" '
		{ v[NR] = $1 }
		END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "ratio=%.3f %s (median of %d; spread %.3f-%.3f)\n", m, n, NR, v[1], v[NR] }'
}

bench_build
REPO="$WORK/repo"
BENCH_REPO='' bench_repo "$REPO" "$COMMITS" "$FILES"
echo "commits: $(git -C "$REPO" rev-list --all | wc -l)  pack: $(du -sh "$REPO/.git/objects/pack" | cut -f1)"
cd "$REPO"
export XDG_STATE_HOME="$WORK/state"

second=() new=() overhead=()
for round in $(seq 1 "$ROUNDS"); do
	git reset -q --hard main
	export LEAKGUARD_HISTORY_CACHE="$WORK/cache.$round"
	rm -rf "$LEAKGUARD_HISTORY_CACHE"
	t0=$(secs "$LG" scan --history --all-refs --no-cache -f json)
	t1=$(secs "$LG" scan --history --all-refs -f json)
	t2=$(secs "$LG" scan --history --all-refs -f json)
	grep -q 'from the history cache' "$WORK/err" || { echo "the second run did not use the cache" >&2; cat "$WORK/err" >&2; exit 1; }
	k=$(randkey)
	printf 'import os\n\nANTHROPIC_API_KEY = "%s"\n' "$k" >"deploy_$round.py"
	git add "deploy_$round.py"
	git commit -q -m "deploy $round"
	head=$(git rev-parse HEAD)
	t3=$(secs "$LG" scan --history --all-refs -f json)
	if ! grep -q "$head" "$WORK/out"; then
		echo "the new commit's key is not reported" >&2
		exit 1
	fi
	git reset -q --hard HEAD~1
	r2=$(div "$t2" "$t1") r3=$(div "$t3" "$t1") ro=$(div "$t1" "$t0")
	echo "round $round: --no-cache ${t0}s, first ${t1}s, second ${t2}s, after a new commit ${t3}s"
	echo "ratio=$r2 second/first (round $round; target <= 0.1)"
	echo "ratio=$r3 new-commit/first (round $round)"
	echo "ratio=$ro first/no-cache (round $round: writing the cache)"
	second+=("$r2") new+=("$r3") overhead+=("$ro")
done

echo "== summary over $ROUNDS rounds (shared machine: compare ratios, not seconds)"
stats "second/first" "${second[@]}"
stats "new-commit/first" "${new[@]}"
stats "first/no-cache" "${overhead[@]}"
