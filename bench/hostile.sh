#!/usr/bin/env bash
# Peak memory of `leakguard scan FILE` on hostile single-line inputs, where
# a keyword can fire at every byte (issue 13 item 14, issue 14 goal 5):
# memory must be bounded by the detector's windows, not by the number of
# keyword hits.
#
#   bash bench/hostile.sh [RUNS [INPUT...]]
#
# Inputs (made in a temporary directory):
#   a-9.5MiB     9.5 MiB of the letter A                                     limit 150 MB
#   a-100MB      100 MB of the letter A                                      limit 400 MB
#   text-100MB   100 MB line of prose and code (README.md with its
#                newlines turned into spaces, repeated)                      limit 400 MB
#   b64-100MB    100 MB line of random base64                                limit 400 MB
#
# For each input it prints leakguard's peak RSS (GNU time's maximum resident
# set size) in every run, and `ratio=` lines: the median peak RSS over the
# limit (<= 1 passes), over the floor (the input's own size: the file is
# read whole), and, when gitleaks is on PATH, over gitleaks' peak RSS on the
# same file in the same run (each gitleaks run is stopped after
# LEAKGUARD_BENCH_GITLEAKS_TIMEOUT seconds, default 600, and reported as
# not finished; LEAKGUARD_BENCH_GITLEAKS=0 skips it). RUNS defaults to 2;
# INPUTs (names above) default to all four. Sizes are in MB (10^6 bytes).
# CI never runs this script: each 100 MB input takes a minute or more.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
runs=${1:-2}
shift || true
inputs=("$@")
[ ${#inputs[@]} -gt 0 ] || inputs=(a-9.5MiB a-100MB text-100MB b64-100MB)
declare -A limits=([a-9.5MiB]=150 [a-100MB]=400 [text-100MB]=400 [b64-100MB]=400)
for name in "${inputs[@]}"; do
  [ -n "${limits[$name]:-}" ] || { echo "bench: unknown input $name (a-9.5MiB, a-100MB, text-100MB, b64-100MB)" >&2; exit 2; }
done
. bench/lib.sh
bench_setup leakguard-hostile
work=$WORK
bench_gnu_time
bench_build
gitleaks=$(command -v gitleaks || true)
[ "${LEAKGUARD_BENCH_GITLEAKS:-1}" != 0 ] || gitleaks=

python3 - "$work" "${inputs[@]}" <<'EOF'
import base64, random, sys
w, names = sys.argv[1], set(sys.argv[2:])
def write(name, make):
    if name in names:
        open(w + "/" + name, "wb").write(make())
write("a-9.5MiB", lambda: b"A" * (19 << 19))
write("a-100MB", lambda: b"A" * 100_000_000)
text = open("README.md", "rb").read().replace(b"\n", b" ")
write("text-100MB", lambda: (text * (100_000_000 // len(text) + 1))[:100_000_000])
random.seed(1)
write("b64-100MB", lambda: base64.b64encode(random.randbytes(75_000_000))[:100_000_000])
EOF

# measure CMD...: runs CMD $runs times (exit codes 0 and 1 are fine), prints
# "median_seconds median_rss_kib min_rss_kib max_rss_kib" (GNU time's %M is
# in KiB), or "timeout" when a run outlasts $limit_s seconds (if set).
measure() {
  local times=() rss=()
  for _ in $(seq "$runs"); do
    local rc=0
    if [ -n "${limit_s:-}" ]; then
      /usr/bin/time -f '%e %M' -o "$work/t" timeout "$limit_s" "$@" >/dev/null 2>"$work/err" || rc=$?
      if [ "$rc" -eq 124 ]; then
        echo timeout
        return
      fi
    else
      /usr/bin/time -f '%e %M' -o "$work/t" "$@" >/dev/null 2>"$work/err" || rc=$?
    fi
    if [ "$rc" -gt 1 ]; then
      echo "bench: $* exited $rc:" >&2
      cat "$work/err" >&2
      exit 1
    fi
    read -r t m < <(tail -n 1 "$work/t")
    times+=("$t")
    rss+=("$m")
  done
  local med='{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'
  printf '%s %s %s %s\n' \
    "$(printf '%s\n' "${times[@]}" | sort -n | awk "$med")" \
    "$(printf '%s\n' "${rss[@]}" | sort -n | awk "$med")" \
    "$(printf '%s\n' "${rss[@]}" | sort -n | head -n 1)" \
    "$(printf '%s\n' "${rss[@]}" | sort -n | tail -n 1)"
}

echo "bench: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $runs run(s) each" >&2
for name in "${inputs[@]}"; do
  limit=${limits[$name]}
  size=$(wc -c <"$work/$name")
  read -r lt lm lmin lmax < <(limit_s= measure "$work/leakguard" scan --max-size 200MiB -f json -o "$work/lg.json" "$work/$name")
  awk -v n="$name" -v t="$lt" -v m="$lm" -v lo="$lmin" -v hi="$lmax" -v l="$limit" -v s="$size" 'BEGIN {
    mb = 1024 / 1e6
    printf "%-11s leakguard %7.2f s, peak RSS %.1f MB (runs %.1f..%.1f MB), limit %d MB\n", n, t, m * mb, lo * mb, hi * mb, l
    printf "%-11s ratio=%.3f (peak RSS / limit, <= 1 passes)\n", n, m * mb / l
    printf "%-11s ratio_floor=%.3f (peak RSS / input size)\n", n, m * 1024 / s }'
  if [ -n "$gitleaks" ]; then
    read -r gt gm gmin gmax < <(limit_s=${LEAKGUARD_BENCH_GITLEAKS_TIMEOUT:-600} measure "$gitleaks" dir --no-banner --exit-code 0 --max-target-megabytes 200 -f json -r "$work/gl.json" "$work/$name")
    if [ "$gt" = timeout ]; then
      printf '%-11s gitleaks  did not finish in %s s: no ratio_gitleaks\n' "$name" "${LEAKGUARD_BENCH_GITLEAKS_TIMEOUT:-600}"
      continue
    fi
    awk -v n="$name" -v t="$gt" -v m="$gm" -v lo="$gmin" -v hi="$gmax" -v lm="$lm" 'BEGIN {
      mb = 1024 / 1e6
      printf "%-11s gitleaks  %7.2f s, peak RSS %.1f MB (runs %.1f..%.1f MB)\n", n, t, m * mb, lo * mb, hi * mb
      printf "%-11s ratio_gitleaks=%.3f (peak RSS leakguard / gitleaks)\n", n, lm / m }'
  fi
done
