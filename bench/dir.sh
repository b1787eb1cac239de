#!/usr/bin/env bash
# Times `leakguard scan DIR` against `gitleaks dir DIR` in the same run and
# prints both times, both peak memories and the ratios.
#
#   bash bench/dir.sh [DIR] [RUNS]
#
# DIR defaults to Go's own source tree ($(go env GOROOT)/src); RUNS to 3
# (the median is reported). gitleaks v8.30.1 is installed with `go install`
# into a temporary GOBIN if it is not on PATH. CI never runs this script.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
dir=${1:-$(go env GOROOT)/src}
runs=${2:-3}
. bench/lib.sh
bench_setup leakguard-dir
work=$WORK
bench_gnu_time
bench_build
bench_gitleaks
gitleaks=$GITLEAKS
[ -n "$gitleaks" ] || { echo "bench: gitleaks is not on PATH and go install failed" >&2; exit 2; }

# measure NAME CMD...: runs CMD $runs times, prints "median_seconds max_rss_kb".
measure() {
  local name=$1; shift
  local times=() rss=0
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$work/t" "$@" >/dev/null 2>"$work/err" || true
    read -r t m < <(tail -n 1 "$work/t")
    times+=("$t")
    [ "$m" -gt "$rss" ] && rss=$m
  done
  local med
  med=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%-10s %8.2f s %8d KB   (runs: %s)\n' "$name" "$med" "$rss" "${times[*]}" >&2
  echo "$med $rss"
}

echo "bench: $dir, $(du -sh "$dir" | cut -f1), $runs runs each, $(nproc) cores" >&2
cat "$(find "$dir" -type f | head -2000)" >/dev/null 2>&1 || true   # warm the page cache
read -r lt lm < <(measure leakguard "$work/leakguard" scan --no-ignore -f json -o "$work/lg.json" "$dir")
read -r gt gm < <(measure gitleaks "$gitleaks" dir --no-banner --exit-code 0 -f json -r "$work/gl.json" "$dir")

lf=$(python3 -c "import json;print(len(json.load(open('$work/lg.json'))))" 2>/dev/null || echo "?")
gf=$(python3 -c "import json;print(len(json.load(open('$work/gl.json'))))" 2>/dev/null || echo "?")
awk -v lt="$lt" -v gt="$gt" -v lm="$lm" -v gm="$gm" -v lf="$lf" -v gf="$gf" 'BEGIN {
  printf "leakguard: %.2f s, %d KB peak, %s findings\n", lt, lm, lf
  printf "gitleaks:  %.2f s, %d KB peak, %s findings\n", gt, gm, gf
  printf "ratio=%.3f leakguard/gitleaks time (target <= 0.2)\n", lt / gt
  printf "ratio=%.3f leakguard/gitleaks peak memory (target <= 1.0)\n", lm / gm
}'
