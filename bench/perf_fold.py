#!/usr/bin/env python3
"""Text flame summary of a perf recording, for the bench/results/perf-*.md write-ups.

usage: bench/perf_fold.py PERF_DATA [ROOT [NESTED [TOP]]]

Folds `perf script -F ip,sym` stacks (record with -g and a -fno-omit-frame-pointer build) and
prints, per function, the share of samples whose stack holds it (inclusive) or starts with it
(self). With ROOT, only samples with ROOT on the stack count, cut at ROOT. With NESTED, samples
whose stack holds NESTED twice or more are left out: the re-plan's dispatch worker and the
solver's search threads are both `worker_main`, so `dispatch__replan_run worker_main` keeps the
re-plan without its search threads.
"""
import collections
import subprocess
import sys


def stacks(data):
    out = subprocess.run(['perf', 'script', '-i', data, '-F', 'ip,sym', '--no-demangle'],
                         capture_output=True, text=True, check=True).stdout
    cur = []
    for line in out.splitlines():
        line = line.strip()
        if not line:
            if cur:
                yield cur
            cur = []
            continue
        parts = line.split(None, 1)
        cur.append((parts[1] if len(parts) > 1 else parts[0]).split('+0x')[0])
    if cur:
        yield cur


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    data = sys.argv[1]
    root = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] != '-' else None
    nested = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] != '-' else None
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 25
    incl, own, n = collections.Counter(), collections.Counter(), 0
    for st in stacks(data):
        if nested and st.count(nested) >= 2:  # counted on the whole stack, before the cut
            continue
        if root:
            if root not in st:
                continue
            st = st[:st.index(root) + 1]
        n += 1
        own[st[0]] += 1
        for f in set(st):
            incl[f] += 1
    print(f"samples: {n}" + (f" under {root}" if root else "") +
          (f" without nested {nested}" if nested else ""))
    print(f"{'incl %':>7} {'self %':>7}  function")
    for f, c in incl.most_common(top):
        print(f"{100 * c / max(n, 1):7.1f} {100 * own[f] / max(n, 1):7.1f}  {f}")


if __name__ == '__main__':
    main()
