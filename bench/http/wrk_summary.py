#!/usr/bin/env python3
"""Reads one `wrk --latency` output and prints "req_per_s p50_ms p99_ms requests non_2xx" on one
line (latencies converted to ms; nan when wrk printed none), for the bench/http scripts."""
import re
import sys


def ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text)
    if not m:
        return float("nan")
    v = float(m.group(1))
    return {"us": v / 1000, "ms": v, "s": v * 1000, "m": v * 60000}[m.group(2)]


def summary(path):
    rps, p50, p99, reqs, non = 0.0, float("nan"), float("nan"), 0, 0
    for line in open(path, errors="replace"):
        f = line.split()
        if not f:
            continue
        if f[0] == "Requests/sec:":
            rps = float(f[1])
        elif f[0] == "50%":
            p50 = ms(f[1])
        elif f[0] == "99%":
            p99 = ms(f[1])
        elif len(f) > 2 and f[1] == "requests" and f[2] == "in":
            reqs = int(f[0])
        elif f[0] == "Non-2xx":
            non = int(f[-1])
    return rps, p50, p99, reqs, non


if __name__ == "__main__":
    print("%.1f %.3f %.3f %d %d" % summary(sys.argv[1]))
