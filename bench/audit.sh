#!/usr/bin/env bash
# Benchmark 'leakguard audit' against 'leakguard scan --history' on the same
# synthetic history (the generator of bench/history.sh: COMMITS commits over
# FILES files, feature branches and merges, a tag-only commit, planted keys
# generated at run time). The commands run RUNS times, interleaved, after a
# warm-up; the best wall and CPU times are compared. Target: audit <= 1.2x
# scan --history. Not run by CI.
#
# Usage: bench/audit.sh [COMMITS] [FILES] [RUNS]     (defaults 10000 2000 5)
set -euo pipefail

COMMITS=${1:-10000}
FILES=${2:-2000}
RUNS=${3:-5}
. "$(dirname "$0")/lib.sh"
bench_setup leakguard-bench-audit
# The audit reads the ledger: keep it away from the user's.
export XDG_STATE_HOME="$WORK/state" NO_COLOR=1

# measure NAME CMD...: runs CMD once and keeps, in B_NAME and C_NAME, the
# best wall time and the best CPU time (user+sys) seen so far. Runs are
# interleaved by the caller so that load from other processes hits every
# command alike; CPU time is the steadier number on a busy machine.
TIME=/usr/bin/time
[ -x "$TIME" ] || TIME=""
measure() {
	local name=$1; shift
	local key=${name//[^A-Za-z0-9]/_} s e wall cpu
	s=$(date +%s.%N)
	if [ -n "$TIME" ]; then
		"$TIME" -f '%U %S' -o "$WORK/time.$key" "$@" >/dev/null 2>"$WORK/err.$key" || true
		cpu=$(tail -n 1 "$WORK/time.$key" | awk '{ printf "%.3f", $1 + $2 }')
	else
		"$@" >/dev/null 2>"$WORK/err.$key" || true
		cpu=0
	fi
	e=$(date +%s.%N)
	wall=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }')
	local bw bc
	eval "bw=\${B_$key:-}; bc=\${C_$key:-}"
	if [ -z "$bw" ] || awk -v t="$wall" -v b="$bw" 'BEGIN { exit !(t < b) }'; then eval "B_$key=$wall"; fi
	if [ -z "$bc" ] || awk -v t="$cpu" -v b="$bc" 'BEGIN { exit !(t < b) }'; then eval "C_$key=$cpu"; fi
}

bench_build
REPO="$WORK/repo"
BENCH_REPO='' bench_repo "$REPO" "$COMMITS" "$FILES"
echo "commits: $(git -C "$REPO" rev-list --all | wc -l)  refs: $(git -C "$REPO" for-each-ref | wc -l)"

cd "$REPO"
echo "== timing ($RUNS interleaved runs after a warm-up; best of each)"
"$LG" scan --history --all-refs -f json >/dev/null 2>&1 || true
"$LG" audit -f json >/dev/null 2>&1 || true
for _ in $(seq "$RUNS"); do
	measure scan-history "$LG" scan --history --all-refs -f json
	measure audit "$LG" audit -f json
	measure audit-html "$LG" audit -f html
done
for n in scan-history audit audit-html; do
	k=${n//[^A-Za-z0-9]/_}
	eval "printf '%-28s wall %7.3f s   cpu %7.3f s\\n' $n \$B_$k \$C_$k"
done
"$LG" audit 2>/dev/null | head -n 2 || true

echo "== ratio"
awk -v a="$B_audit" -v b="$B_scan_history" 'BEGIN { r = a / b; printf "ratio=%.2f audit/scan-history wall (target <= 1.20) %s\n", r, (r <= 1.2 ? "OK" : "OVER") }'
if [ -n "$TIME" ]; then
	awk -v a="$C_audit" -v b="$C_scan_history" 'BEGIN { printf "ratio=%.2f audit/scan-history cpu\n", a / b }'
fi
awk -v a="$B_audit_html" -v b="$B_scan_history" 'BEGIN { printf "ratio=%.2f audit-html/scan-history wall\n", a / b }'
