#!/usr/bin/env python3
"""peakrss.py OUT CMD...: runs CMD and writes to OUT the peak resident set
of CMD's own process and the largest peak among its child processes, in KB:

    own_kb=N children_kb=M

GNU time's %M (wait4's ru_maxrss) is the largest peak of the whole process
tree: for leakguard, whose git children map the pack, that is git's memory,
not leakguard's. VmHWM in /proc/PID/status is a high-water mark, so
sampling it every 20 ms until the process exits loses at most what the
last 20 ms added. CMD's exit status is passed on; stdout and stderr are
CMD's. Linux only (/proc). Not run by CI.
"""
import os, subprocess, sys, time

def hwm(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

def children(pid):
    out = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out

out, cmd = sys.argv[1], sys.argv[2:]
p = subprocess.Popen(cmd)
own = kids = 0
while p.poll() is None:
    own = max(own, hwm(p.pid))
    for c in children(p.pid):
        kids = max(kids, hwm(c))
    time.sleep(0.02)
with open(out, "w") as f:
    f.write("own_kb=%d children_kb=%d\n" % (own, kids))
sys.exit(p.returncode)
