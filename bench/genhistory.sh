#!/usr/bin/env bash
# Makes the synthetic history the benchmarks run on, with git fast-import:
# COMMITS commits over FILES files, feature branches and merges, a
# tag-only commit, and Anthropic-format keys generated at run time.
#
# Usage: bench/genhistory.sh REPO COMMITS FILES
set -euo pipefail
REPO=$1 COMMITS=$2 FILES=$3
. "$(dirname "$0")/lib.sh"
BENCH_KEEP='' bench_setup leakguard-gen

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
