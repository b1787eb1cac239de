#!/usr/bin/env bash
# Benchmark leakguard's git scans against git itself and gitleaks.
#
# Builds a synthetic history with git fast-import (COMMITS commits, FILES
# files, several branches and merges, a tag-only commit, a few planted
# keys generated at run time), builds leakguard, and times in one run:
#   leakguard scan --history   vs  git log -p -U0 --full-history --all
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
git init -q -b main "$REPO"
KEYS="$(randkey) $(randkey) $(randkey) $(randkey)"
python3 - "$COMMITS" "$FILES" $KEYS >"$WORK/stream" <<'PY'
import random, sys
commits, nfiles = int(sys.argv[1]), int(sys.argv[2])
keys = sys.argv[3:]
rnd = random.Random(42)
out = sys.stdout.buffer
words = "alpha beta gamma delta config value service handler request response client server token cache index query update".split()
def line():
    return "    %s_%d = %s(%s, %d)  # %s\n" % (rnd.choice(words), rnd.randrange(1000), rnd.choice(words), rnd.choice(words), rnd.randrange(100000), rnd.choice(words))
def path(i):
    return "src/pkg%02d/mod%04d.py" % (i % 50, i)
files = {path(i): ["# module %d\n" % i] + [line() for _ in range(rnd.randrange(40, 120))] for i in range(nfiles)}
mark = [0]
t = [1500000000]
def data(b):
    out.write(b"data %d\n" % len(b)); out.write(b)
def commit(ref, msg, changes, frm=None, merges=()):
    mark[0] += 1; t[0] += 60
    out.write(b"commit %s\nmark :%d\n" % (ref.encode(), mark[0]))
    out.write(b"author bench <bench@example.com> %d +0000\n" % t[0])
    out.write(b"committer bench <bench@example.com> %d +0000\n" % t[0])
    data(msg.encode())
    if frm: out.write(b"from :%d\n" % frm)
    for m in merges: out.write(b"merge :%d\n" % m)
    for p, content in changes:
        if content is None:
            out.write(b"D %s\n" % p.encode())
        else:
            out.write(b"M 100644 inline %s\n" % p.encode()); data(content.encode())
    out.write(b"\n")
    return mark[0]
# Initial import.
main = commit("refs/heads/main", "initial import\n", [(p, "".join(l)) for p, l in files.items()])
removed = {}
def edit(state, p):
    l = state[p]
    for _ in range(rnd.randrange(1, 4)):
        op = rnd.random()
        if op < 0.5 and len(l) > 2:
            l[rnd.randrange(1, len(l))] = line()
        elif op < 0.8:
            l.insert(rnd.randrange(1, len(l) + 1), line())
        elif len(l) > 3:
            del l[rnd.randrange(1, len(l))]
n = 1
branch_every = max(commits // 6, 50)
# Planted keys (added, later removed) away from the branch blocks.
plant = {(3 * branch_every) // 4 + i * branch_every: i for i in range(3)}
while n < commits:
    if n % branch_every == 0 and n + 120 < commits:
        # A feature branch with its own files, merged back (the last one
        # stays unmerged), plus a tag-only commit.
        k = n // branch_every
        fb = "refs/heads/feature%d" % k
        tip = main
        ffiles = {}
        for j in range(100):
            fp = "feature%d/f%02d.py" % (k, j % 20)
            ffiles.setdefault(fp, [line() for _ in range(30)])
            ffiles[fp].insert(rnd.randrange(0, len(ffiles[fp]) + 1), line())
            tip = commit(fb, "feature %d step %d\n" % (k, j), [(fp, "".join(ffiles[fp]))], frm=tip)
            n += 1
        if k == 1:
            commit("refs/tags/tag-only", "tag-only commit\n\nkey %s\n" % keys[3], [("tagged.txt", "token = \"%s\"\n" % keys[3])], frm=tip)
        if k < commits // branch_every - 1:
            main = commit("refs/heads/main", "Merge feature%d\n" % k, [(p, "".join(c)) for p, c in ffiles.items()], frm=main, merges=[tip])
            n += 1
        continue
    changes = []
    for p in rnd.sample(list(files), rnd.randrange(1, 5)):
        edit(files, p)
        changes.append((p, "".join(files[p])))
    if n in plant:
        ki = plant[n]
        p = changes[0][0]
        files[p].insert(2, "    api_key = \"%s\"\n" % keys[ki])
        changes[0] = (p, "".join(files[p]))
        removed[n + branch_every // 8] = (p, ki)
    if n in removed:
        p, ki = removed[n]
        files[p] = [x for x in files[p] if keys[ki] not in x]
        changes.append((p, "".join(files[p])))
    main = commit("refs/heads/main", "change %d\n" % n, changes, frm=main)
    n += 1
PY
git -C "$REPO" fast-import --quiet <"$WORK/stream"
rm -f "$WORK/stream"
git -C "$REPO" repack -adq --depth=50 --window=10
git -C "$REPO" checkout -q main
echo "commits: $(git -C "$REPO" rev-list --all | wc -l)  refs: $(git -C "$REPO" for-each-ref | wc -l)  pack: $(du -sh "$REPO/.git/objects/pack" | cut -f1)"

echo "== full history"
cd "$REPO"
measure git-log git log -p -U0 --full-history --all
measure leakguard-history "$LG" scan --history -f json
measure leakguard-history-again "$LG" scan --history -f json
LEAKGUARD_GIT_BACKEND=go-git measure leakguard-history-gogit "$LG" scan --history -f json
"$LG" scan --history -f json 2>/dev/null | grep -c '"RuleID"' | sed 's/^/leakguard history findings: /' || true

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
