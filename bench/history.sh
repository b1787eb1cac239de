#!/usr/bin/env bash
# Benchmark leakguard's full-history scan against git itself (issue 14
# items 2 and 3).
#
# Builds a synthetic history with bench/genhistory.sh (COMMITS commits over
# FILES files, several branches and merges, a tag-only commit, a few planted
# keys generated at run time; or BENCH_REPO, a repository to copy, or
# BENCH_REPO=go-git, a real one: bench/lib.sh), builds
# leakguard, and times, RUNS times each in turn (default 2):
#   git log -p -U0 --full-history --all          the feed a diff-based scanner reads
#   git rev-list --objects --all | git cat-file --batch='... %(rest)'
#                                                the floor: every reachable object read once
#                                                (%(rest) makes cat-file split 'OID PATH'
#                                                lines; plain --batch looks up the whole
#                                                line, reports every blob and tree
#                                                'missing' and reads only the commits)
#   leakguard scan --history --all-refs --no-cache
#                                                the same refs as --all, every blob read
#                                                (bench/incremental.sh times the cache)
# printing wall time and peak RSS of each run (leakguard's own apart from
# its git children's, LEAKGUARD_RUSAGE), the commit count each side
# read, and 'ratio=' lines (median of the runs, with the spread of the
# per-run ratios). BENCH_PULL=1 first moves most of the history into
# pull-request refs, as on a GitHub mirror: every branch becomes
# refs/pull/N/head and main goes back to the first 40% of its first-parent
# chain, so the commits only pull refs reach are more than half (the line
# 'pull refs:' says how many); both sides still read every ref.
# Optional: BENCH_GITLEAKS=1 adds gitleaks git (slow),
# BENCH_GOGIT=1 leakguard's go-git backend, BENCH_PROFILE=FILE writes a CPU
# profile of one more leakguard run (LEAKGUARD_CPUPROFILE). Not run by CI.
#
# Usage: bench/history.sh [COMMITS] [FILES] [RUNS]     (defaults 20000 2000 2)
set -euo pipefail

COMMITS=${1:-20000}
FILES=${2:-2000}
RUNS=${3:-2}
. "$(dirname "$0")/lib.sh"
bench_setup leakguard-bench

bench_gnu_time

# measure NAME CMD...: runs CMD (stdout discarded), prints wall seconds,
# CPU seconds (user + system, children included) and peak RSS, and appends
# them to the lists T_NAME / C_NAME / M_NAME (KB). Wall time is read from
# bash's microsecond clock around the command: GNU time's %e has 10 ms
# steps, 8 % of go-git's 0.12 s floor.
measure() {
	local name=$1; shift
	local key=${name//[^A-Za-z0-9]/_}
	local out="$WORK/time.$key"
	local rc=0 t0 t1
	t0=$EPOCHREALTIME
	$TIME -f '%M %U %S' -o "$out" "$@" >/dev/null 2>"$WORK/err.$key" || rc=$?
	t1=$EPOCHREALTIME
	local secs kb user sys cpu
	read -r kb user sys < <(tail -n 1 "$out")
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
	cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
	printf '%-28s %8.3f s  %8.2f s CPU  %6d MB  (exit %d)\n' "$name" "$secs" "$cpu" $((kb / 1024)) "$rc"
	eval "T_$key=\"\${T_$key:-} $secs\"; C_$key=\"\${C_$key:-} $cpu\"; M_$key=\"\${M_$key:-} $kb\""
}

# ratio LABEL A B: prints ratio=median(A_i/B_i) over the paired runs, with
# the spread (min-max) of the per-run ratios and both medians.
ratio() {
	python3 - "$@" <<'PY'
import statistics, sys
label, a, b = sys.argv[1], [float(x) for x in sys.argv[2].split()], [float(x) for x in sys.argv[3].split()]
r = [x / y for x, y in zip(a, b) if y > 0]
if not r:
    print("ratio=n/a %s" % label); sys.exit()
print("ratio=%.2f %s (median of %d runs, spread %.2f-%.2f; %.2f against %.2f)" % (
    statistics.median(r), label, len(r), min(r), max(r), statistics.median(a), statistics.median(b)))
PY
}

bench_build
REPO="$WORK/repo"
bench_repo "$REPO" "$COMMITS" "$FILES"
cd "$REPO"
if [ -n "${BENCH_PULL:-}" ]; then
	n=0
	git update-ref refs/pull/0/head main
	for b in $(git for-each-ref --format='%(refname)' refs/heads/ | grep -v '^refs/heads/main$'); do
		n=$((n + 1))
		git update-ref refs/pull/$n/head "$b" && git update-ref -d "$b"
	done
	chain=$(git rev-list --first-parent --count main)
	git checkout -q --detach && git update-ref refs/heads/main "main~$((chain * 6 / 10))" && git checkout -q -f main
	all=$(git rev-list --all | wc -l)
	only=$(git rev-list --all --not --exclude='refs/pull/*' --all | wc -l)
	echo "pull refs: $((n + 1)) refs/pull/*/head; $only of $all commits only they reach"
	[ $((only * 2)) -gt "$all" ] || { echo "bench: pull refs reach only $only of $all commits; want more than half" >&2; exit 1; }
fi
echo "commits: $(git rev-list --all | wc -l)  refs: $(git for-each-ref | wc -l)  pack: $(du -sh .git/objects/pack | cut -f1)"

echo "== full history, $RUNS runs each in turn (every ref on both sides: git log --all, leakguard --all-refs)"
for _ in $(seq "$RUNS"); do
	measure git-log git log -p -U0 --full-history --all
	measure floor sh -c "git rev-list --objects --all | git cat-file --batch='%(objectname) %(objecttype) %(objectsize) %(rest)'"
	LEAKGUARD_RUSAGE="$WORK/rss" measure leakguard "$LG" scan --history --all-refs --no-cache -f json
	read -r own kids < <(tr -dc '0-9 \n' <"$WORK/rss" | sed 's/^ *//')
	printf '%-28s %6d MB its own, %d MB its largest git child\n' "  leakguard peak RSS" $((own / 1024)) $((kids / 1024))
	O_leakguard="${O_leakguard:-} $own"
done
if [ -n "${BENCH_GOGIT:-}" ]; then
	LEAKGUARD_GIT_BACKEND=go-git measure leakguard-gogit "$LG" scan --history --all-refs --no-cache -f json
fi
if [ -n "${BENCH_PROFILE:-}" ]; then
	LEAKGUARD_CPUPROFILE="$BENCH_PROFILE" "$LG" scan --history --all-refs --no-cache -f json >/dev/null 2>&1 || true
	echo "cpu profile: $BENCH_PROFILE (go tool pprof $LG $BENCH_PROFILE)"
fi
echo "commits read: git log --all $(git rev-list --all | wc -l), leakguard $(grep -o '([0-9]* commits' "$WORK/err.leakguard" | tr -dc 0-9)"
if [ -n "${BENCH_PULL:-}" ]; then # without --all-refs leakguard skips them
	"$LG" scan --history --no-cache -f json >/dev/null 2>"$WORK/err.default" || true
	echo "commits read without --all-refs: git log --exclude='refs/pull/*' --all $(git rev-list --exclude='refs/pull/*' --all | wc -l), leakguard $(grep -o '([0-9]* commits' "$WORK/err.default" | tr -dc 0-9)"
fi
"$LG" scan --history --all-refs --no-cache -f json 2>/dev/null | grep -c '"RuleID"' | sed 's/^/leakguard history findings: /' || true

if [ -n "${BENCH_GITLEAKS:-}" ]; then
	bench_gitleaks
	if [ -n "$GITLEAKS" ]; then
		measure gitleaks-git "$GITLEAKS" git --no-banner --exit-code 0 -r "$WORK/gl.json" -f json .
		grep -c '"RuleID"' "$WORK/gl.json" | sed 's/^/gitleaks findings: /' || true
	else
		echo "gitleaks: not available"
	fi
fi

echo "== ratios (wall time; targets: <= 0.6x the feed, <= 2x the floor, peak RSS <= the feed's)"
ratio "leakguard/git-log-feed" "$T_leakguard" "$T_git_log"
ratio "leakguard/floor" "$T_leakguard" "$T_floor"
# Where the floor sits against the feed says what the first target asks:
# above 0.6, it is beating the floor.
ratio "floor/git-log-feed" "$T_floor" "$T_git_log"
ratio "leakguard-rss/git-log-feed-rss" "$M_leakguard" "$M_git_log"
# GNU time's peak is the largest process of the tree (a git child mapping
# the pack): leakguard's own, from LEAKGUARD_RUSAGE, apart.
ratio "leakguard-own-rss/git-log-feed-rss" "$O_leakguard" "$M_git_log"
# CPU time moves less than wall time on a loaded machine.
ratio "leakguard-cpu/git-log-feed-cpu" "$C_leakguard" "$C_git_log"
ratio "leakguard-cpu/floor-cpu" "$C_leakguard" "$C_floor"
if [ -n "${T_gitleaks_git:-}" ]; then
	ratio "leakguard/gitleaks" "$(echo "$T_leakguard" | awk '{print $1}')" "$T_gitleaks_git"
fi
if [ -n "${T_leakguard_gogit:-}" ]; then
	ratio "leakguard-gogit/git-log-feed" "$T_leakguard_gogit" "$(echo "$T_git_log" | awk '{print $1}')"
fi
