#!/usr/bin/env bash
# Precision corpus: real code from standard libraries and popular projects
# in several languages, fetched at bench time (never committed), scanned by
# leakguard; prints findings per MB by confidence and rule, and a sample of
# findings to review.
#
#   bash bench/corpus.sh [fetch|scan|all] [SAMPLE]
#
# The corpus goes to $LEAKGUARD_CORPUS (default ~/.cache/leakguard-corpus):
#   go/    modules from the Go module proxy (go mod download)
#   npm/   packages from the npm registry (npm pack, unpacked)
#   deb/   Debian packages that ship source: Python's, Ruby's and Perl's
#          standard libraries and the JDK's sources (apt-get download,
#          dpkg-deb -x; needs apt-get update once)
# It needs ~700 MB of disk. SAMPLE (default 40) findings are printed,
# redacted unless LEAKGUARD_SHOW=1 (the corpus is public code; the flag is
# for reviewing, not for CI). Every finding in code that is not a leak is a
# false positive here: the corpus holds no live credentials that we know
# of, so "findings per MB" is the false-positive rate's upper bound.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
mode=${1:-all}
sample=${2:-40}
root=${LEAKGUARD_CORPUS:-$HOME/.cache/leakguard-corpus}
mkdir -p "$root"/{go,npm,deb}

go_modules=(
  golang.org/x/net@v0.62.0
  golang.org/x/tools@v0.52.0
  github.com/prometheus/prometheus@v0.316.0
  k8s.io/client-go@v0.37.2
  github.com/docker/docker@v28.5.2+incompatible
  github.com/gin-gonic/gin@v1.12.0
  github.com/go-sql-driver/mysql@v1.10.1
  github.com/jackc/pgx/v5@v5.12.0
  github.com/redis/go-redis/v9@v9.23.0
  github.com/minio/minio-go/v7@v7.4.1
  github.com/hashicorp/vault/api@v1.23.0
)
npm_packages=(
  express@4.22.3 lodash@4.18.1 axios@1.21.1 react-dom@18.3.1 webpack@5.97.1 eslint@9.17.0
  mongoose@8.9.3 pg@8.13.1 mysql2@3.12.0 sequelize@6.37.5 knex@3.1.0 nodemailer@6.9.16
  passport@0.7.0 jsonwebtoken@9.0.2 ioredis@5.4.2 typeorm@0.3.20
)
deb_packages=(libpython3.11-stdlib libruby3.1 perl-modules-5.36 openjdk-17-source)

fetch() {
  echo "corpus: fetching into $root" >&2
  for m in "${go_modules[@]}"; do
    GOMODCACHE="$root/go/cache" GOFLAGS=-mod=mod go mod download "$m" >&2 || echo "corpus: go mod download $m failed" >&2
  done
  chmod -R u+w "$root/go/cache" 2>/dev/null || true
  rm -rf "$root/go/cache/cache" # download archives: the unpacked trees are what we scan
  (cd "$root/npm" && for p in "${npm_packages[@]}"; do
    d=${p%@*}
    [ -d "$d" ] && continue
    tgz=$(npm pack --silent "$p" 2>/dev/null | tail -1) || { echo "corpus: npm pack $p failed" >&2; continue; }
    mkdir -p "$d" && tar -xzf "$tgz" -C "$d" && rm -f "$tgz"
  done)
  (cd "$root/deb" && for p in "${deb_packages[@]}"; do
    [ -d "$p" ] && continue
    apt-get download "$p" >&2 2>/dev/null || { echo "corpus: apt-get download $p failed (apt-get update first?)" >&2; continue; }
    mkdir -p "$p" && dpkg-deb -x "$p"_*.deb "$p" && rm -f "$p"_*.deb
    # The JDK's sources come as one zip.
    find "$p" -name src.zip -exec sh -c 'mkdir -p "$(dirname "$1")/src" && unzip -q -o "$1" -d "$(dirname "$1")/src" && rm -f "$1"' _ {} \;
  done)
}

scan() {
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  go build -o "$work/leakguard" ./cmd/leakguard
  show=()
  [ "${LEAKGUARD_SHOW:-}" = 1 ] && show=(--show-secrets)
  "$work/leakguard" scan --no-ignore --max-size 2MiB "${show[@]}" -f json -o "$work/f.json" "$root" 2>"$work/err" || true
  tail -1 "$work/err" >&2
  python3 - "$work/f.json" "$root" "$sample" <<'PY'
import json, os, random, sys, collections
findings = json.load(open(sys.argv[1])) or []
root, n = sys.argv[2], int(sys.argv[3])
size = {}
for part in ("go", "npm", "deb"):
    total = 0
    for dp, _, fs in os.walk(os.path.join(root, part)):
        for f in fs:
            p = os.path.join(dp, f)
            if not os.path.islink(p):
                s = os.path.getsize(p)
                total += s if s <= 2 << 20 else 0
    size[part] = total / 1e6
mb = sum(size.values())
print(f"corpus: {mb:.1f} MB ({', '.join(f'{k} {v:.1f} MB' for k, v in size.items())})")
by_conf = collections.Counter(f["Confidence"] for f in findings)
med = by_conf["high"] + by_conf["medium"]
print(f"findings: {len(findings)} ({', '.join(f'{k} {by_conf[k]}' for k in ('high', 'medium', 'low'))})")
print(f"findings per MB: {len(findings)/mb:.3f} all, {med/mb:.3f} medium and above (goal < 0.5)")
for part in size:
    k = sum(1 for f in findings if f["File"].startswith(part + "/"))
    print(f"  {part}: {k} findings, {k/max(size[part],1e-9):.3f} per MB")
print("by rule:")
for (rule, conf), k in collections.Counter((f["RuleID"], f["Confidence"]) for f in findings).most_common():
    print(f"  {k:4d} {rule} [{conf}]")
random.seed(1)
pick = findings if len(findings) <= n else random.sample(findings, n)
print(f"sample of {len(pick)}:")
for f in sorted(pick, key=lambda f: (f["File"], f["StartLine"])):
    print(f"  {f['File']}:{f['StartLine']} {f['RuleID']} [{f['Confidence']}] {f['Match'][:90]!r}")
PY
}

case $mode in
  fetch) fetch ;;
  scan) scan ;;
  all) fetch; scan ;;
  *) echo "usage: bench/corpus.sh [fetch|scan|all] [SAMPLE]" >&2; exit 2 ;;
esac
