#!/usr/bin/env bash
# Benchmark the hook path's start-up (issue 14 item 4), whole processes,
# as paired runs: each pair runs side A then side B, RUNS times, and the
# ratio is the median of the pairs' ratios (with its 25th-75th percentile
# spread), so load that comes and goes hits both sides alike.
#
#   leakguard version         vs  an empty Go binary (any Go process's floor)
#   leakguard scan --staged   vs  gitleaks git --pre-commit --staged
#   leakguard scan --staged   vs  git diff-index --cached + an empty Go binary
#                                 (the floor: what the hook must read, and a
#                                 process to read it in)
#   leakguard scan --pre-push vs  git log -p of the pushed commit + an empty
#                                 Go binary (its floor), and gitleaks git
#                                 --log-opts=REMOTE..LOCAL
#
# on a large repository (bench/genhistory.sh: COMMITS commits over FILES
# files; or BENCH_REPO, a repository to copy) with a small staged change: one
# edited file holding a key made at run time, one new file; then, as most
# commits are, the same change without the key (both must pass it: no block
# record, no repository key to derive). gitleaks is
# used when on PATH or in GOPATH/bin, else installed with go install; when it
# cannot be had its lines say so and only the floor is compared.
# Prints one 'ratio=' line per comparison. Not run by CI.
#
# Usage: bench/startup.sh [RUNS] [COMMITS] [FILES]     (defaults 20 2000 10000)
set -euo pipefail

RUNS=${1:-20}
COMMITS=${2:-2000}
FILES=${3:-10000}
. "$(dirname "$0")/lib.sh"
bench_setup leakguard-startup

bench_build
bench_empty_go
bench_gitleaks

REPO="$WORK/repo"
bench_repo "$REPO" "$COMMITS" "$FILES"
cd "$REPO"
echo "repository: $(git ls-files | wc -l) files in the index, $(git rev-list --all | wc -l) commits, pack $(du -sh .git/objects | cut -f1)"

# A blocked scan records itself in the state directory: not the user's.
export XDG_STATE_HOME="$WORK/state"
f=$(git ls-files | sed -n 1p)
printf '    new_value = 1\n    token = "%s"\n' "$(randkey)" >>"$f"
echo "print(1)" >new_file.py
git add "$f" new_file.py
echo "staged: $(git diff --cached --shortstat)"

# Both must see the staged key, or the comparison means nothing.
rc=0; "$LG" scan --staged >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || { echo "leakguard scan --staged exited $rc, want 1 (the staged key)" >&2; exit 1; }
if [ -n "$GITLEAKS" ]; then
	rc=0; "$GITLEAKS" git --no-banner --pre-commit --staged . >/dev/null 2>&1 || rc=$?
	[ "$rc" -eq 1 ] || { echo "gitleaks exited $rc on the staged key, want 1" >&2; exit 1; }
fi

# pairs NAME_A NAME_B: reads side A and side B (each one or more commands
# separated by ' ;; ', run one after the other and timed together) from
# SIDE_A / SIDE_B, runs RUNS pairs, prints both medians and the ratio.
pairs() {
	python3 - "$RUNS" "$1" "$2" "$SIDE_A" "$SIDE_B" <<'PY'
import resource, statistics, subprocess, sys, time
runs, name_a, name_b, side_a, side_b = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
def cmds(side):
    # A word '<FILE' is the command's standard input.
    out = []
    for c in side.split(" ;; "):
        words = c.split()
        stdin = [w[1:] for w in words if w.startswith("<")]
        out.append(([w for w in words if not w.startswith("<")], stdin[0] if stdin else None))
    return out
a_cmds, b_cmds = cmds(side_a), cmds(side_b)
def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
def once(cs):
    t, c = time.perf_counter(), cpu()
    for cmd, stdin in cs:
        with open(stdin or "/dev/null", "rb") as f:
            subprocess.run(cmd, stdin=f, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t, cpu() - c
for _ in range(3):  # warm the page cache
    once(a_cmds); once(b_cmds)
a, b, r, ca, cb = [], [], [], [], []
for _ in range(runs):
    (x, cx), (y, cy) = once(a_cmds), once(b_cmds)
    a.append(x); b.append(y); r.append(x / y); ca.append(cx); cb.append(cy)
q = lambda v, p: statistics.quantiles(v, n=4)[p]
ms = lambda v, c: "%.1f ms (p25-p75 %.1f-%.1f), CPU %.1f ms" % (
    statistics.median(v) * 1e3, q(v, 0) * 1e3, q(v, 2) * 1e3, statistics.median(c) * 1e3)
print("%-34s %s" % (name_a, ms(a, ca)))
print("%-34s %s" % (name_b, ms(b, cb)))
print("ratio=%.2f %s/%s (median of %d paired runs; p25-p75 %.2f-%.2f; CPU %.2f)" % (
    statistics.median(r), name_a, name_b, runs, q(r, 0), q(r, 2),
    statistics.median(ca) / max(statistics.median(cb), 1e-9)))
PY
}

echo "== start-up ($RUNS paired runs each; whole processes)"
SIDE_A="$LG version" SIDE_B="$EMPTY" pairs "leakguard version" "empty Go binary"
SIDE_A="$LG scan --staged" SIDE_B="git diff-index --cached -p --no-color HEAD ;; $EMPTY" \
	pairs "leakguard scan --staged" "floor (diff-index + empty Go)"
if [ -n "$GITLEAKS" ]; then
	SIDE_A="$LG scan --staged" SIDE_B="$GITLEAKS git --no-banner --pre-commit --staged --exit-code 0 ." \
		pairs "leakguard scan --staged" "gitleaks --pre-commit --staged"
	SIDE_A="$GITLEAKS version" SIDE_B="$EMPTY" pairs "gitleaks version" "empty Go binary"
else
	echo "gitleaks: not available (not on PATH, go install failed): compared against the floor only"
fi

git checkout -q HEAD -- "$f"
printf '    new_value = 1\n' >>"$f"
git add "$f"
echo "== a clean change ($RUNS paired runs each): $(git diff --cached --shortstat)"
rc=0; "$LG" scan --staged >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 0 ] || { echo "leakguard scan --staged exited $rc on the clean change, want 0" >&2; exit 1; }
SIDE_A="$LG scan --staged" SIDE_B="git diff-index --cached -p --no-color HEAD ;; $EMPTY" \
	pairs "leakguard scan --staged (clean)" "floor (diff-index + empty Go)"
if [ -n "$GITLEAKS" ]; then
	rc=0; "$GITLEAKS" git --no-banner --pre-commit --staged . >/dev/null 2>&1 || rc=$?
	[ "$rc" -eq 0 ] || { echo "gitleaks exited $rc on the clean change, want 0" >&2; exit 1; }
	SIDE_A="$LG scan --staged" SIDE_B="$GITLEAKS git --no-banner --pre-commit --staged --exit-code 0 ." \
		pairs "leakguard scan --staged (clean)" "gitleaks --pre-commit --staged"
fi
# A push of one commit (the clean change, committed) on top of the
# remote's sha: what a pre-push hook reads. The floor is git's own walk
# and diff of the pushed range; gitleaks scans the range with --log-opts.
git commit -q -m "a clean change"
P=$(git rev-parse HEAD~1) H=$(git rev-parse HEAD)
echo "refs/heads/main $H refs/heads/main $P" >"$WORK/push.txt"
echo "== a push of one commit ($RUNS paired runs each) on $(git rev-list --count HEAD) commits"
rc=0; "$LG" scan --pre-push <"$WORK/push.txt" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 0 ] || { echo "leakguard scan --pre-push exited $rc on the clean push, want 0" >&2; exit 1; }
SIDE_A="$LG scan --pre-push <$WORK/push.txt" SIDE_B="git log -p --no-color $P..$H ;; $EMPTY" \
	pairs "leakguard scan --pre-push" "floor (git log -p + empty Go)"
if [ -n "$GITLEAKS" ]; then
	SIDE_A="$LG scan --pre-push <$WORK/push.txt" SIDE_B="$GITLEAKS git --no-banner --log-opts=$P..$H --exit-code 0 ." \
		pairs "leakguard scan --pre-push" "gitleaks git --log-opts=P..H"
fi
echo "targets: leakguard version <= 4 ms; scan --staged <= 0.20x gitleaks"
