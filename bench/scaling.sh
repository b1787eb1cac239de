#!/usr/bin/env bash
# Benchmark how a full-history scan scales (issue 14 item 3): time should
# be linear in the bytes of unique blobs, and leakguard's own memory flat
# but for the attribution index (what each commit changed, kept to say
# which commit introduced a finding).
#
# For each history (bench/genhistory.sh repositories: pass their paths, or
# commit counts to generate over 2,000 files), RUNS times (default 2):
#   leakguard scan --history --all-refs --no-cache -f json
# printing the commits and unique blob bytes it read (its summary line),
# wall and CPU time (git's processes included), CPU ms per MiB of unique
# blobs, and peak RSS: leakguard's own and its largest git child's apart
# (LEAKGUARD_RUSAGE; a git child maps the pack, so its memory follows the
# pack's size). Then 'ratio=' lines between the largest history and the
# smallest, on the medians:
#   CPU per MiB                  1.00 is time linear in unique blob bytes
#   own peak RSS per commit      below 1.00: memory grows slower than commits
# and the own peak RSS's growth per commit between them. Not run by CI.
#
# Usage: bench/scaling.sh RUNS REPO|COMMITS...
set -euo pipefail

RUNS=${1:?usage: bench/scaling.sh RUNS REPO|COMMITS...}
shift
[ $# -gt 0 ] || { echo "usage: bench/scaling.sh RUNS REPO|COMMITS..." >&2; exit 2; }
. "$(dirname "$0")/lib.sh"
bench_setup leakguard-scaling
bench_gnu_time
bench_build

rows="$WORK/rows" # commits MiB cpu_s own_kb, one line per run
: >"$rows"
printf '%-9s %-8s %9s %9s %11s %14s %12s\n' commits blobs-MiB wall CPU "CPU/MiB" "own peak RSS" "git child"
for arg in "$@"; do
	repo=$arg
	if [[ $arg =~ ^[0-9]+$ ]]; then
		repo="$WORK/h$arg"
		echo "== generating $arg commits over 2000 files"
		bash "$ROOT/bench/genhistory.sh" "$repo" "$arg" 2000
	fi
	for _ in $(seq "$RUNS"); do
		rc=0
		LEAKGUARD_RUSAGE="$WORK/rss" $TIME -f '%e %U %S' -o "$WORK/time" \
			"$LG" -C "$repo" scan --history --all-refs --no-cache -f json >/dev/null 2>"$WORK/err" || rc=$?
		[ "$rc" -le 1 ] || { echo "leakguard exited $rc on $repo:" >&2; tail -3 "$WORK/err" >&2; exit 1; }
		read -r wall user sys < <(tail -n 1 "$WORK/time")
		read -r own kids < <(tr -dc '0-9 \n' <"$WORK/rss" | sed 's/^ *//')
		# "... in history (20001 commits, 51307 files, 190.6 MiB) in 10.3s"
		sum=$(grep -o '([0-9]* commits, [0-9]* files, [0-9.]* [KMG]iB)' "$WORK/err" | tail -n 1)
		commits=$(echo "$sum" | awk '{print substr($1, 2)}')
		mib=$(echo "$sum" | awk '{v = $5; u = substr($6, 1, 3); if (u == "GiB") v *= 1024; if (u == "KiB") v /= 1024; print v}')
		cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
		printf '%-9s %-8s %8.1fs %8.1fs %8.1f ms %10d MiB %8d MiB\n' "$commits" "$mib" "$wall" "$cpu" \
			"$(awk -v c="$cpu" -v m="$mib" 'BEGIN { print c * 1000 / m }')" $((own / 1024)) $((kids / 1024))
		echo "$commits $mib $cpu $own" >>"$rows"
	done
done

python3 - "$rows" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    c, mib, cpu, own = line.split()
    runs.setdefault(int(c), []).append((float(mib), float(cpu), int(own)))
if len(runs) < 2:
    print("one history: no ratios"); sys.exit()
lo, hi = min(runs), max(runs)
def med(c, f): return statistics.median(f(r) for r in runs[c])
cpu_mib = lambda c: med(c, lambda r: r[1] / r[0])
own = lambda c: med(c, lambda r: r[2])
print("ratio=%.2f CPU-per-MiB %d/%d commits (%.1f against %.1f ms per MiB; 1.00 is linear)" % (
    cpu_mib(hi) / cpu_mib(lo), hi, lo, cpu_mib(hi) * 1e3, cpu_mib(lo) * 1e3))
print("ratio=%.2f own-peak-RSS-per-commit %d/%d commits (%.0f MiB against %.0f MiB, %.1fx the commits)" % (
    (own(hi) / hi) / (own(lo) / lo), hi, lo, own(hi) / 1024, own(lo) / 1024, hi / lo))
print("own peak RSS growth: %.2f KB per commit from %d to %d commits" % ((own(hi) - own(lo)) / (hi - lo), lo, hi))
PY
