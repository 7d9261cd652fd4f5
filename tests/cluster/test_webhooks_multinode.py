#!/usr/bin/env python3
"""Webhook delivery shared by two `lastmile serve` nodes on one PostgreSQL (issue 16 item 4).

Both nodes send; each webhook is sent by the node holding its lease (store_webhook_claim). A
receiver on loopback checks every delivery's signature and records it. Orders are written
through both nodes. Phase 1: every event reaches every webhook once, in order, with no
duplicate. Phase 2: the receiver holds one webhook's delivery unanswered, the node holding that
webhook's lease (its pid is in webhook_leases.owner) is SIGKILLed mid-delivery, more orders are
written through the other node, and the other node takes the lease over once it ran out: every
event still reaches every webhook, first arrivals in order; a delivery seen twice is the same
X-Lastmile-Delivery id (what receivers dedupe on) and only from the killed node's last turn.

Bounded: every wait has a deadline (the lease runs out 15 s after the kill).
usage: test_webhooks_multinode.py --bin LASTMILE --pgdir DIR
"""
import hashlib
import hmac
import http.server
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_multinode as mn  # noqa: E402  (the nodes, calls and checks of the multi-node test)

SECRET = "whsec-multinode-test"
HOOKS = 3


class Receiver(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", mn.free_port()), Handler)
        self.lock = threading.Lock()
        self.got = {k: [] for k in range(HOOKS)}  # k -> [(delivery id, seq)] answered 200
        self.bad_sig = 0
        self.hold_path = None       # deliveries to this path wait for release ...
        self.held = threading.Event()
        self.release = threading.Event()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        srv = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        sig = dict(p.split("=", 1) for p in self.headers.get("X-Lastmile-Signature", "").split(",")
                   if "=" in p)
        want = hmac.new(SECRET.encode(), sig.get("t", "").encode() + b"." + body,
                        hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(want, sig.get("v1", ""))
        did = self.headers.get("X-Lastmile-Delivery", "")
        k = int(self.path.rsplit("/", 1)[1])
        if srv.hold_path == self.path:
            srv.held.set()
            srv.release.wait(60)
            # the sender was killed meanwhile: this delivery never counts
            self.send_response(503)
            self.end_headers()
            return
        with srv.lock:
            if not ok:
                srv.bad_sig += 1
            else:
                srv.got[k].append((did, int(did.rsplit("-", 1)[1])))
        self.send_response(200 if ok else 400)
        self.send_header("Content-Length", "0")
        self.end_headers()


def orders(nodes, admin, tag, n):
    for i in range(n):
        node = nodes[i % len(nodes)]
        body = {"external_ref": "%s-%d" % (tag, i), "channel": "api",
                "customer": {"name": "C %d" % i, "address": "1 rue X",
                             "location": [4.85 + 0.001 * (i % 30), 45.75]},
                "lines": [{"sku": "SKU1", "qty": 1}]}
        st, resp = mn.call(node.port, "POST", "/v1/orders", body, admin,
                           {"Idempotency-Key": "%s-%d" % (tag, i)})
        mn.check(st == 201, "order %s-%d through %s: %s %s" % (tag, i, node.name, st, resp))


def table_seqs(db, after):
    return [int(x) for x in mn.psql(db, "SELECT seq FROM events WHERE seq > %d ORDER BY seq"
                                        % after)]


def delivered_all(rcv, db, starts):
    top = int(mn.psql(db, "SELECT max(seq) FROM events")[0])
    with rcv.lock:
        return all(any(s == top for _, s in rcv.got[k]) for k in range(HOOKS))


def first_arrivals(got):
    seen, out = set(), []
    for did, seq in got:
        if did not in seen:
            seen.add(did)
            out.append(seq)
    return out


def run(args, tmp):
    db = mn.fresh_db(args.pgdir, "lm_hooks")
    out = mn.subprocess.run([args.bin, "keys", "create", "--role", "admin", "--db", db],
                            capture_output=True, text=True, timeout=60)
    admin = out.stdout.strip().splitlines()[-1]
    data = os.path.join(tmp, "data")
    os.makedirs(data)
    rcv = Receiver()
    threading.Thread(target=rcv.serve_forever, daemon=True).start()
    extra = ["--webhook-allow", "127.0.0.1/32"]
    a = mn.Node("a", args.bin, db, data, tmp, extra)
    b = mn.Node("b", args.bin, db, data, tmp, extra)
    try:
        a.start()
        b.start()
        mn.seed(a.port, admin)
        starts = {}
        for k in range(HOOKS):
            st, body = mn.call((a, b)[k % 2].port, "POST", "/v1/webhooks",
                               {"url": "http://127.0.0.1:%d/h/%d" % (rcv.server_port, k),
                                "secret": SECRET}, admin)
            if not mn.check(st == 201, "webhook %d: %s %s" % (k, st, body)):
                return
            starts[k] = int(body["delivered_seq"])
        # phase 1: both nodes write and both send
        owners = set()
        writer = threading.Thread(target=orders, args=((a, b), admin, "p1", 30))
        writer.start()
        while writer.is_alive():
            owners.update(mn.psql(db, "SELECT owner FROM webhook_leases"))
            time.sleep(0.05)  # timing-ok: sampling who holds leases while the load runs
        writer.join()
        mn.wait_for(lambda: delivered_all(rcv, db, starts), "phase 1 deliveries", 60)
        print("phase 1: lease owners seen: %s" % sorted(o.split("/")[1] for o in owners),
              flush=True)
        with rcv.lock:
            for k in range(HOOKS):
                ids = [d for d, _ in rcv.got[k]]
                mn.check(len(ids) == len(set(ids)),
                         "webhook %d: %d duplicate deliveries without any kill"
                         % (k, len(ids) - len(set(ids))))
        # phase 2: hold webhook 0's next delivery, kill the node sending it
        rcv.hold_path = "/h/0"
        orders((a, b), admin, "p2", 4)
        mn.check(rcv.held.wait(30), "a delivery to webhook 0 is held")
        owner = mn.psql(db, "SELECT owner FROM webhook_leases l JOIN webhooks w ON "
                            "w.id = l.hook_id WHERE w.url LIKE '%/h/0'")
        pid = int(owner[0].split("/")[1]) if owner else 0
        victim = a if a.proc.pid == pid else b if b.proc.pid == pid else None
        if not mn.check(victim is not None, "the lease of webhook 0 names a node: %s" % owner):
            return
        other = b if victim is a else a
        print("killing %s, which holds webhook 0's lease mid-delivery" % victim.name, flush=True)
        t_kill = time.time()
        victim.kill()
        rcv.hold_path = None
        rcv.release.set()
        orders((other,), admin, "p3", 10)
        mn.wait_for(lambda: delivered_all(rcv, db, starts), "phase 2 deliveries", 90)
        print("every webhook caught up %.1f s after the kill" % (time.time() - t_kill),
              flush=True)
        mn.check(rcv.bad_sig == 0, "%d deliveries with a bad signature" % rcv.bad_sig)
        with rcv.lock:
            for k in range(HOOKS):
                want = table_seqs(db, starts[k])
                got = first_arrivals(rcv.got[k])
                mn.check(got == want, "webhook %d: %d events arrived, table has %d%s"
                         % (k, len(got), len(want), "" if got == want else
                            "; first difference at %s" % next(
                                (x, y) for x, y in zip(got + [None] * len(want), want)
                                if x != y)))
                dups = len(rcv.got[k]) - len(got)
                # a resend can only come from the killed node's last turn (<= 50 events)
                mn.check(dups <= 50, "webhook %d: %d deliveries twice" % (k, dups))
                print("webhook %d: %d events, each once in order (%d resent with the same "
                      "delivery id)" % (k, len(got), dups), flush=True)
        other.stop()
    finally:
        rcv.release.set()
        rcv.shutdown()
        for n in (a, b):
            if n.proc and n.proc.poll() is None:
                n.proc.kill()


if __name__ == "__main__":
    sys.exit(mn.harness("test_webhooks_multinode", run))
