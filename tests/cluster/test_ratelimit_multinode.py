#!/usr/bin/env python3
"""Rate limits held across two `lastmile serve` nodes on one PostgreSQL (issue 16 item 2).

1. The tracking limit (per client address; it also guards the customer's writes: feedback,
   returns, cancellation): with a bucket of 100 refilled at 1/s, 300 requests from one address
   spread over both nodes get at most 100 + (seconds elapsed) + 1 answers that are not 429, not
   the 200 + ... that two separate buckets would give.
2. The OsmAnd limiter of unknown device ids (20 failures block an address): failures alternating
   between the nodes get at most 21 answers 400 (the 20 of the deployment, and one on the other
   node, which learns of the block there) before both nodes answer 429.

usage: test_ratelimit_multinode.py --bin LASTMILE --pgdir DIR
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_multinode as mn  # noqa: E402  (the nodes, calls and checks of the multi-node test)

BURST, RATE, TRACK_REQUESTS = 100, 1, 300
GUARD_MAX = 20  # dispatch/guard.h's default


def tracking(nodes):
    token = "0123456789abcdef" * 2  # well formed, unknown: 404 unless limited
    counts = {}
    lock = threading.Lock()
    left = [TRACK_REQUESTS]

    def worker(w):
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
                i = left[0]
            st, _ = mn.call(nodes[i % 2].port, "GET", "/v1/track/" + token)
            with lock:
                counts[st] = counts.get(st, 0) + 1

    t0 = time.time()
    threads = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - t0
    passed = sum(n for st, n in counts.items() if st != 429)
    print("tracking: %s in %.1f s: %d passed the limit" % (sorted(counts.items()), elapsed, passed),
          flush=True)
    mn.check(set(counts) <= {404, 429}, "tracking answers: %s" % counts)
    mn.check(passed >= BURST, "tracking: %d passed, the bucket holds %d" % (passed, BURST))
    # the bucket refills RATE per second wherever it is taken: one bucket for both nodes
    mn.check(passed <= BURST + int(elapsed * RATE) + 1,
             "tracking: %d passed in %.1f s, one shared bucket allows %d"
             % (passed, elapsed, BURST + int(elapsed * RATE) + 1))


def guessing(nodes):
    answers = []
    blocked = [False, False]
    for i in range(4 * GUARD_MAX):
        k = i % 2
        st, _ = mn.call(nodes[k].port, "GET", "/v1/osmand?id=guess%06d&lat=45.75&lon=4.85&"
                        "timestamp=%d" % (i, int(time.time())))
        answers.append(st)
        if st == 429:
            blocked[k] = True
        if all(blocked):
            break
    fails = answers.count(400)
    print("guessing: %d answers 400, then both nodes 429 (%s)" % (fails, answers), flush=True)
    mn.check(all(blocked), "both nodes block the guessing address: %s" % answers)
    mn.check(set(answers) <= {400, 429}, "guessing answers: %s" % answers)
    mn.check(fails <= GUARD_MAX + 1, "%d unknown ids answered before the block, the deployment "
             "allows %d (+1 on the other node)" % (fails, GUARD_MAX))


def run(args, tmp):
    db = mn.fresh_db(args.pgdir, "lm_rates")
    data = os.path.join(tmp, "data")
    os.makedirs(data)
    extra = ["--track-burst", str(BURST), "--track-rate", str(RATE)]
    a = mn.Node("a", args.bin, db, data, tmp, extra)
    b = mn.Node("b", args.bin, db, data, tmp, extra)
    try:
        a.start()
        b.start()
        tracking((a, b))
        guessing((a, b))
        a.stop()
        b.stop()
    finally:
        for n in (a, b):
            if n.proc and n.proc.poll() is None:
                n.proc.kill()


if __name__ == "__main__":
    sys.exit(mn.harness("test_ratelimit_multinode", run))
