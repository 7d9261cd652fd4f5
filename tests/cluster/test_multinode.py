#!/usr/bin/env python3
"""Two `lastmile serve` nodes on one PostgreSQL behind HAProxy, all on loopback (issue 16).

Orders (with Idempotency-Key, retried with the same key until acknowledged) and OsmAnd positions
go through the balancer while two SSE clients follow /v1/events through it. Mid-load the follower
is SIGKILLed and restarted, then the leader is SIGKILLed. Checks: every acknowledged order is
stored exactly once; every acknowledged position is stored; a plan asked for after the leader
died is solved by the other node (it took the lead) and no plan is proposed twice; each SSE
client, reconnecting with Last-Event-ID whenever its node died, saw every event of the table
after its start exactly once, in order.

Bounded: every wait has a deadline; the whole run takes about a minute.
usage: test_multinode.py --bin LASTMILE --pgdir DIR (the pg_cluster fixture's: DIR/url)
"""
import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what, flush=True)
    return cond


_GIVEN_PORTS = set()


def free_port():
    # The kernel may give the same ephemeral port to two binds in a row: never hand one out twice.
    for _ in range(32):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        p = s.getsockname()[1]
        s.close()
        if p not in _GIVEN_PORTS:
            _GIVEN_PORTS.add(p)
            return p
    raise RuntimeError("no fresh loopback port")


def psql(url, sql):
    out = subprocess.run(["psql", url, "-tAq", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError("psql: %s: %s" % (sql, out.stderr))
    return [l for l in out.stdout.splitlines() if l != ""]


def call(port, method, path, body=None, key=None, headers=None, timeout=10):
    data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=data, method=method)
    if key:
        req.add_header("Authorization", "Bearer " + key)
    if isinstance(body, (dict, list)):
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            return r.status, (json.loads(raw) if raw[:1] in (b"{", b"[") else raw)
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, raw
    except (urllib.error.URLError, OSError, ValueError):
        return 0, None  # refused, reset, timed out: not acknowledged


class Node:
    def __init__(self, name, binary, db, data_dir, tmp, extra=()):
        self.name, self.bin, self.db, self.data = name, binary, db, data_dir
        self.extra = list(extra)
        self.port = free_port()
        self.log = os.path.join(tmp, name + ".log")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [self.bin, "serve", "--db", self.db, "--port", str(self.port), "--osmand-port", "0",
             "--threads", "8", "--data-dir", self.data] + self.extra,
            stdout=open(self.log + ".out", "a"), stderr=open(self.log, "a"))
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited at start: see %s" % (self.name, self.log))
            st, _ = call(self.port, "GET", "/healthz", timeout=2)
            if st == 200:
                return
            time.sleep(0.1)  # timing-ok: start-up poll with a deadline
        raise RuntimeError("%s did not answer /healthz" % self.name)

    def leader(self):
        st, body = call(self.port, "GET", "/healthz", timeout=3)
        return st == 200 and isinstance(body, dict) and body.get("leader") is True

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self):
        """SIGTERM: the node finishes what is in flight and exits 0 (sanitizers clean)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                check(self.proc.wait(timeout=30) == 0,
                      "%s exited %s on SIGTERM (see its log)" % (self.name, self.proc.returncode))
            except subprocess.TimeoutExpired:
                self.proc.kill()
                check(False, "%s did not stop on SIGTERM" % self.name)


def haproxy_start(tmp, port, nodes):
    cfg = os.path.join(tmp, "haproxy.cfg")
    with open(cfg, "w") as f:
        f.write("""global
  maxconn 2000
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout tunnel 1h
  retries 3
  option redispatch
  retry-on conn-failure empty-response
frontend api
  bind 127.0.0.1:%d
  default_backend nodes
backend nodes
  balance roundrobin
  option httpchk GET /healthz
  http-check expect status 200
""" % port)
        for n in nodes:
            f.write("  server %s 127.0.0.1:%d check inter 200ms fall 2 rise 1\n" % (n.name, n.port))
    return subprocess.Popen(["haproxy", "-f", cfg, "-db"], stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(tmp, "haproxy.log"), "w"))


def seed(lb, admin):
    def ok(st, what):
        if st not in (200, 201):
            raise RuntimeError("seed %s: %s" % (what, st))
    ok(call(lb, "POST", "/v1/depots", {"id": "DEP", "name": "Depot", "location": [4.85, 45.75],
                                      "opening_hours": {"open": "00:00", "close": "23:59"}},
            admin)[0], "depot")
    ok(call(lb, "POST", "/v1/products", {"sku": "SKU1", "name": "Box", "weight_g": 500,
                                        "volume_cm3": 1000, "active": True}, admin)[0], "product")
    ok(call(lb, "PUT", "/v1/stock/DEP/SKU1", {"on_hand": 100000, "reorder_point": 0},
            admin)[0], "stock")
    devices = []
    for i in range(1, 4):
        ok(call(lb, "POST", "/v1/vehicles", {"id": "V%d" % i, "start_depot": "DEP",
                                            "capacity_parcels": 500}, admin)[0], "vehicle")
        st, body = call(lb, "POST", "/v1/drivers", {"id": "D%d" % i, "name": "Driver %d" % i,
                                                   "vehicle_id": "V%d" % i}, admin)
        ok(st, "driver")
        devices.append(body["device_id"])
    return devices


class Load:
    """Writers through the balancer until stop is set; what was acknowledged is recorded."""

    def __init__(self, lb, admin, devices):
        self.lb, self.admin, self.devices = lb, admin, devices
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.orders = {}      # idempotency key -> order id acknowledged
        self.positions = []   # (device, time_ms) acknowledged
        self.unacked = 0

    def order_writer(self, wid):
        n = 0
        while not self.stop.is_set():
            n += 1
            key = "w%d-%d" % (wid, n)
            body = {"external_ref": key, "channel": "api",
                    "customer": {"name": "C " + key, "address": "1 rue X",
                                 "location": [4.85 + 0.001 * (n % 30), 45.75 + 0.001 * wid]},
                    "lines": [{"sku": "SKU1", "qty": 1}]}
            # a retry with the same key is the client's duty after a lost reply
            for _ in range(40):
                st, resp = call(self.lb, "POST", "/v1/orders", body, self.admin,
                                {"Idempotency-Key": key})
                if st in (200, 201) and isinstance(resp, dict):
                    with self.lock:
                        self.orders[key] = resp["id"]
                    break
                time.sleep(0.1)  # timing-ok: client back-off before retrying the same key
            else:
                with self.lock:
                    self.unacked += 1

    def position_writer(self, d):
        dev = self.devices[d]
        t = int(time.time() * 1000) - 600000  # device clock, strictly increasing
        k = 0
        while not self.stop.is_set():
            # 1 s and ~5.5 m apart: a van driving north, which no position filter refuses, so
            # every acknowledged position must be a row
            t += 1000
            k += 1
            q = "/v1/osmand?id=%s&lat=%.6f&lon=%.6f&timestamp=%d" % (
                dev, 45.75 + 0.00005 * k, 4.85, t)
            for _ in range(40):
                st, _ = call(self.lb, "GET", q)
                if st == 200:
                    with self.lock:
                        self.positions.append((dev, t))
                    break
                time.sleep(0.1)  # timing-ok: retry of the same device timestamp


class Sse:
    """An event-stream client through the balancer that resumes with Last-Event-ID."""

    def __init__(self, lb, key, after):
        self.lb, self.key, self.last = lb, key, after
        self.seqs, self.reconnects = [], 0
        self.stop = threading.Event()
        self.conn = None

    def run(self):
        while not self.stop.is_set():
            try:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.lb, timeout=40)
                self.conn.request("GET", "/v1/events", headers={
                    "Accept": "text/event-stream", "Authorization": "Bearer " + self.key,
                    "Last-Event-ID": str(self.last)})
                resp = self.conn.getresponse()
                if resp.status != 200:
                    raise OSError("status %d" % resp.status)
                while not self.stop.is_set():
                    line = resp.readline()
                    if not line:
                        break
                    if line.startswith(b"id:"):
                        seq = int(line[3:].strip())
                        self.seqs.append(seq)
                        self.last = seq
            except (OSError, ValueError, http.client.HTTPException):
                pass
            finally:
                self.conn.close()
            if not self.stop.is_set():
                self.reconnects += 1
                time.sleep(0.2)  # timing-ok: reconnect back-off

    def end(self):
        self.stop.set()
        try:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        except (OSError, AttributeError):
            pass


def wait_for(pred, what, deadline_s=60):
    end = time.time() + deadline_s
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.2)  # timing-ok: poll with a deadline
    check(False, "timed out waiting for " + what)
    return False


def plan_status(lb, key, pid):
    st, body = call(lb, "GET", "/v1/plans/%d" % pid, key=key)
    return body.get("status") if st == 200 and isinstance(body, dict) else None


def run(args, tmp):
    db = fresh_db(args.pgdir, "lm_multinode")
    out = subprocess.run([args.bin, "keys", "create", "--role", "admin", "--db", db],
                         capture_output=True, text=True, timeout=60)
    admin = out.stdout.strip().splitlines()[-1]
    data = os.path.join(tmp, "data")
    os.makedirs(data)
    a, b = Node("a", args.bin, db, data, tmp), Node("b", args.bin, db, data, tmp)
    a.start()
    b.start()
    wait_for(lambda: a.leader() != b.leader(), "exactly one leader at start")
    lb = free_port()
    hap = haproxy_start(tmp, lb, [a, b])
    try:
        wait_for(lambda: call(lb, "GET", "/healthz")[0] == 200, "haproxy up")
        devices = seed(lb, admin)
        start_seq = int(psql(db, "SELECT coalesce(max(seq), 0) FROM events")[0])
        load = Load(lb, admin, devices)
        sses = [Sse(lb, admin, start_seq) for _ in range(2)]
        threads = [threading.Thread(target=load.order_writer, args=(w,)) for w in range(4)]
        threads += [threading.Thread(target=load.position_writer, args=(d,))
                    for d in range(len(devices))]
        threads += [threading.Thread(target=s.run) for s in sses]
        for t in threads:
            t.start()
        time.sleep(3)  # timing-ok: load runs before the first kill
        leader, follower = (a, b) if a.leader() else (b, a)
        print("killing the follower", follower.name, flush=True)
        follower.kill()
        time.sleep(2)  # timing-ok: load goes on with one node
        follower.start()
        time.sleep(2)  # timing-ok: both nodes again
        # a plan asked for just before the leader dies: the next leader must solve it
        st, body = call(lb, "POST", "/v1/plans", {"time_limit_ms": 500}, admin)
        check(st == 202, "POST /v1/plans before the leader kill: %s %s" % (st, body))
        plan_before = body.get("id") if isinstance(body, dict) else None
        print("killing the leader", leader.name, flush=True)
        t_kill = time.time()
        leader.kill()
        wait_for(follower.leader, "the surviving node to take the lead", 30)
        print("the lead moved to %s %.1f s after the kill" % (follower.name, time.time() - t_kill),
              flush=True)
        st, body = call(lb, "POST", "/v1/plans", {"time_limit_ms": 500}, admin)
        check(st == 202, "POST /v1/plans after the leader kill: %s %s" % (st, body))
        plan_after = body.get("id") if isinstance(body, dict) else None
        leader.start()
        time.sleep(2)  # timing-ok: load with both nodes again
        load.stop.set()
        for t in threads[:-len(sses)]:
            t.join(timeout=120)
        for pid, what in ((plan_before, "the plan asked before the kill"),
                          (plan_after, "the plan asked after the kill")):
            if check(pid is not None, what + " has an id"):
                wait_for(lambda: plan_status(lb, admin, pid) in ("proposed", "failed"),
                         what + " to be solved", 60)
                check(plan_status(lb, admin, pid) == "proposed",
                      "%s is %s, want proposed" % (what, plan_status(lb, admin, pid)))
        end_seq = int(psql(db, "SELECT max(seq) FROM events")[0])
        wait_for(lambda: all(s.last >= end_seq for s in sses), "SSE clients to catch up", 60)
        for s in sses:
            s.end()
        for t in threads[-len(sses):]:
            t.join(timeout=10)
        verify(db, load, sses, start_seq, end_seq)
        a.stop()
        b.stop()
    finally:
        hap.terminate()
        hap.wait(timeout=10)
        for n in (a, b):
            if n.proc and n.proc.poll() is None:
                n.proc.kill()


def verify(db, load, sses, start_seq, end_seq):
    print("acknowledged: %d orders, %d positions; %d orders never acknowledged"
          % (len(load.orders), len(load.positions), load.unacked), flush=True)
    check(len(load.orders) > 0 and len(load.positions) > 0, "the load wrote something")
    rows = psql(db, "SELECT external_ref, count(*), min(id) FROM orders GROUP BY external_ref")
    stored = {}
    for r in rows:
        ref, n, oid = r.split("|")
        stored[ref] = (int(n), int(oid))
    for key, oid in load.orders.items():
        n, sid = stored.get(key, (0, 0))
        check(n == 1, "order %s acknowledged, stored %d times" % (key, n))
        check(sid == oid, "order %s acknowledged as id %d, stored as %d" % (key, oid, sid))
    pos = set(tuple(r.split("|")) for r in psql(db, "SELECT device_id, time_ms FROM positions"))
    missing = [p for p in load.positions if (p[0], str(p[1])) not in pos]
    check(not missing, "%d acknowledged positions not stored (first %s)"
          % (len(missing), missing[:3]))
    twice = psql(db, "SELECT entity_id FROM events WHERE type = 'plan.proposed' "
                     "GROUP BY entity_id HAVING count(*) > 1")
    check(not twice, "plans proposed twice: %s" % twice)
    table = [int(x) for x in psql(db, "SELECT seq FROM events WHERE seq > %d AND seq <= %d "
                                      "ORDER BY seq" % (start_seq, end_seq))]
    for i, s in enumerate(sses):
        seen = [x for x in s.seqs if x <= end_seq]
        check(seen == table, "SSE client %d (%d reconnects): %d events seen, table has %d%s"
              % (i, s.reconnects, len(seen), len(table),
                 "" if seen == table else "; first difference at %s"
                 % next((a, b) for a, b in zip(seen + [None] * len(table), table) if a != b)))
        print("SSE client %d: %d events, %d reconnects" % (i, len(seen), s.reconnects),
              flush=True)
        # both nodes were killed once: every client lost its node at least once
        check(s.reconnects >= 1, "SSE client %d never had to reconnect" % i)


def harness(name, run_fn, need_haproxy=False):
    """Parses --bin and --pgdir, runs run_fn(args, tmp) in a temporary directory and reports:
    the exit status of the test named name (the cluster tests' common main)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--pgdir", required=True)
    args = ap.parse_args()
    if need_haproxy and not shutil.which("haproxy"):
        print("FAIL: haproxy is not installed (scripts/install-deps.sh)")
        return 1
    tmp = tempfile.mkdtemp(prefix="lm_%s_" % name)
    try:
        run_fn(args, tmp)
    except Exception as e:  # a harness failure is a test failure, with the logs' tails
        check(False, "harness: %s" % e)
        for f in sorted(os.listdir(tmp)):
            if f.endswith(".log"):
                with open(os.path.join(tmp, f), errors="replace") as fh:
                    tail = [l for l in fh.readlines() if '"ts_ms"' not in l][-15:]
                print("---- %s\n%s" % (f, "".join(tail)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(name + ":", "FAILED" if FAILS else "all checks passed")
    return 1 if FAILS else 0


def fresh_db(pgdir, name):
    """Drops and creates database name in the fixture's cluster: its URL."""
    admin_url = open(os.path.join(pgdir, "url")).read().strip()
    port = admin_url.rsplit(":", 1)[1].split("/")[0]
    psql(admin_url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
    psql(admin_url, "CREATE DATABASE %s" % name)
    return "postgresql://lastmile@127.0.0.1:%s/%s" % (port, name)


if __name__ == "__main__":
    sys.exit(harness("test_multinode", run, need_haproxy=True))
