#!/usr/bin/env python3
"""Issue 14's acceptance: `lastmile serve --router osrm=http://127.0.0.1:PORT` plans, ETAs and
draws through the engine. The engine is tests/support/fake_router.py (its own process, speaking
OSRM's API); the server is the real binary on a demo database. Checks: /healthz and the start
line say the engine answers; a plan's every leg is the engine's duration (so its ETAs are), with
0 cells estimated; the committed routes get the engine's road geometry (GeoJSON, plan, driver
route with navigation links); /v1/solve with options.g; with the engine gone the next plan is
made from estimates, counted, and /healthz says the engine does not answer.
Usage: test_router_serve.py LASTMILE_BINARY SOURCE_DIR"""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

BIN, SRC = sys.argv[1], sys.argv[2]
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what, flush=True)
    return cond


def road_s(a, b):
    """The fake's duration between (lat, lon) points, as the server rounds it."""
    d = round(1.0 + (abs(a[0] - b[0]) + abs(a[1] - b[1])) * 12345.6, 1)
    return int(math.floor(d + 0.5))


def decode(s, precision=5):
    pts, i, lat, lon, k = [], 0, 0, 0, 10 ** precision
    while i < len(s):
        vals = []
        for _ in range(2):
            shift = result = 0
            while True:
                b = ord(s[i]) - 63
                i += 1
                result |= (b & 0x1F) << shift
                shift += 5
                if b < 0x20:
                    break
            vals.append(~(result >> 1) if result & 1 else result >> 1)
        lat += vals[0]
        lon += vals[1]
        pts.append((lat / k, lon / k))
    return pts


def read_line(proc, pred, deadline_s=30):
    """Lines of proc's stdout until pred(line) is true (bounded by lines and time)."""
    end = time.time() + deadline_s
    seen = []
    for _ in range(200):
        if time.time() > end:
            break
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if pred(line):
            return line, seen
    return None, seen


class Api:
    def __init__(self, port, key):
        self.base, self.key = "http://127.0.0.1:%d" % port, key

    def call(self, method, path, body=None, key=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if key or self.key:
            req.add_header("Authorization", "Bearer " + (key or self.key))
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")


def poll(fn, what, deadline_s=90):
    end = time.time() + deadline_s
    for _ in range(2000):
        v = fn()
        if v:
            return v
        if time.time() > end:
            break
        time.sleep(0.1)  # timing-ok: poll with a deadline
    check(False, "timed out waiting for " + what)
    return None


def make_ready(api, oid):
    st, _ = api.call("POST", "/v1/orders/%d/picking" % oid)
    check(st == 200, "picking %d -> %d" % (oid, st))
    st, _ = api.call("POST", "/v1/orders/%d/ready" % oid,
                     {"weight_g": 1000, "volume_cm3": 1000, "parcels": 1})
    check(st == 200, "ready %d -> %d" % (oid, st))


def plan_and_wait(api, what):
    st, p = api.call("POST", "/v1/plans", {"time_limit_ms": 1500})
    check(st == 202, "%s: POST /v1/plans -> %s %s" % (what, st, p))
    pid = p["id"]
    return poll(lambda: (lambda s_b: s_b[1] if s_b[1].get("status") in
                         ("proposed", "failed") else None)(api.call("GET", "/v1/plans/%d" % pid)),
                what + " proposed")


def check_legs(plan):
    """Every leg is the engine's duration; ETAs follow from it (start + travel + service)."""
    legs = 0
    for rt in plan["routes"]:
        prev = (rt["start"][1], rt["start"][0])
        t = rt["start_time"]
        for s in rt["stops"]:
            here = (s["lat"], s["lon"])
            want = road_s(prev, here) if prev != here else 0
            check(s["travel"] == want, "vehicle %s stop %d: travel %d, engine says %d" %
                  (rt["vehicle_id"], s["id"], s["travel"], want))
            t += s["travel"]
            check(s["eta"] >= t, "stop %d: ETA %d before arrival %d" % (s["id"], s["eta"], t))
            t = s["eta"] + s["service"]
            prev = here
            legs += 1
    return legs


def main():
    tmp = tempfile.mkdtemp(prefix="lm_roads_")
    fake = subprocess.Popen([sys.executable, os.path.join(SRC, "tests/support/fake_router.py"),
                             "--max-table-size", "100"], stdout=subprocess.PIPE, text=True)
    srv = None
    try:
        line, _ = read_line(fake, lambda l: l.startswith("port "))
        fport = int(line.split()[1])
        url = "http://127.0.0.1:%d" % fport
        srv = subprocess.Popen([BIN, "serve", "--port", "0", "--db", tmp + "/db", "--demo",
                                "--data-dir", tmp, "--osmand-port", "0", "--router",
                                "osrm=" + url, "--router-retries", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               cwd=tmp)
        line, seen = read_line(srv, lambda l: "listening on http://127.0.0.1:" in l, 60)
        if not check(line is not None, "server did not start: " + "".join(seen)):
            return
        text = "".join(seen)
        port = int(line.split("127.0.0.1:")[1].split()[0])
        key = [l for l in seen if l.startswith("lm_")][0].strip()
        check("router osrm=" + url in text, "start line names the router: " + text)
        check("osrm %s: answers" % url in text, "start line says the engine answers: " + text)
        api = Api(port, key)

        st, h = api.call("GET", "/healthz")
        check(st == 200 and h["router"]["answers"] and h["router"]["engines"][0]["kind"] == "osrm",
              "healthz router: %s" % h)
        st, mc = api.call("GET", "/v1/map/config")
        check(st == 200 and mc["roads"] and "openstreetmap" in mc["tiles"], "map config %s" % mc)

        # ready packages from the demo's orders, then a plan through the engine
        st, orders = api.call("GET", "/v1/orders?status=allocated&limit=40")
        ids = [o["id"] for o in orders["orders"]][:40]
        check(len(ids) >= 20, "demo has allocated orders: %d" % len(ids))
        for oid in ids:
            make_ready(api, oid)
        before = json.load(urllib.request.urlopen(url + "/_fake/stats", timeout=10))
        plan = plan_and_wait(api, "plan 1")
        if not check(plan and plan["status"] == "proposed", "plan 1: %s" % (plan or {}).get("error")):
            return
        after = json.load(urllib.request.urlopen(url + "/_fake/stats", timeout=10))
        ro = plan.get("routing", {})
        check(ro.get("router") == "osrm" and ro["cells"] > 0 and ro["cells_estimated"] == 0,
              "plan 1 routing %s" % ro)
        check(after["table"] > before["table"], "the plan asked the engine's /table")
        check(after["largest"] <= 100, "no request above OSRM's 100 locations: %d" % after["largest"])
        legs = check_legs(plan)
        check(legs >= 20, "plan 1 has %d legs" % legs)

        # commit: the worker fetches each route's road path from /route/v1
        st, _ = api.call("POST", "/v1/plans/%d/commit" % plan["id"])
        check(st == 200, "commit -> %d" % st)
        pid = plan["id"]
        plan = poll(lambda: (lambda p: p if all(r["geometry"] for r in p["routes"]) else None)(
            api.call("GET", "/v1/plans/%d" % pid)[1]), "road geometry of every route")
        if plan:
            for rt in plan["routes"]:
                pts = decode(rt["geometry"])
                n_points = 1 + len(rt["stops"]) + (1 if "end" in rt else 0)
                check(not rt["geometry_estimated"], "route %s geometry estimated" % rt["vehicle_id"])
                # the fake's roads are L-shaped: a corner between every two points
                check(len(pts) > n_points, "route %s: %d road points for %d stops" %
                      (rt["vehicle_id"], len(pts), n_points))
                first = rt["stops"][0]
                check(any(abs(p[0] - first["lat"]) < 1e-5 and abs(p[1] - rt["start"][0]) < 1e-5
                          for p in pts), "route %s: the corner of the first leg" % rt["vehicle_id"])
            st, gj = api.call("GET", "/v1/plans/%d/geojson" % pid)
            f0 = gj["features"][0]
            check(f0["properties"]["roads"] and len(f0["geometry"]["coordinates"]) ==
                  len(decode(plan["routes"][0]["geometry"])), "GeoJSON follows the roads")
            # the driver's route: geometry and links for the phone's navigation app
            drv = plan["routes"][0]["driver_id"]
            st, k = api.call("POST", "/v1/keys", {"role": "driver", "driver_id": drv})
            check(st == 201, "driver key -> %d" % st)
            st, dr = api.call("GET", "/v1/driver/route", key=k["key"])
            check(st == 200 and dr["geometry"] == plan["routes"][0]["geometry"],
                  "driver route geometry")
            nav = dr["stops"][0]["navigation"]
            s0 = dr["stops"][0]
            check(nav["geo"].startswith("geo:%.6f,%.6f" % (s0["location"][1], s0["location"][0])),
                  "geo: link %s" % nav["geo"])
            check("dest_lat=%.6f" % s0["location"][1] in nav["osmand"], "osmand link")
            check("destination=%.6f,%.6f" % (s0["location"][1], s0["location"][0]) in
                  nav["google_maps"], "google maps link")

        # /v1/solve through the engine with options.g
        prob = {"vehicles": [{"id": 1, "start": [4.85, 45.75], "end": [4.85, 45.75]}],
                "jobs": [{"id": i, "location": [4.85 + 0.01 * i, 45.75 + 0.007 * i]}
                         for i in range(1, 5)], "options": {"g": True}}
        st, sol = api.call("POST", "/v1/solve?time_limit=1", prob)
        check(st == 200 and sol["code"] == 0, "solve -> %s" % st)
        r0 = sol["routes"][0]
        steps = [s["location"] for s in r0["steps"]]
        want = sum(road_s((a[1], a[0]), (b[1], b[0])) for a, b in zip(steps, steps[1:]))
        check(r0["duration"] == want, "solve duration %d, engine %d" % (r0["duration"], want))
        check(len(decode(r0["geometry"])) == 2 * len(steps) - 1, "solve geometry follows roads")

        # the engine goes away: estimates, counted; healthz says so; the server stays healthy
        fake.terminate()
        fake.wait(timeout=30)
        st, h = api.call("GET", "/healthz")
        check(st == 200 and not h["router"]["answers"], "healthz with the engine gone: %s" % h)
        st, orders = api.call("GET", "/v1/orders?status=allocated&limit=5")
        for o in orders["orders"][:5]:
            make_ready(api, o["id"])
        plan2 = plan_and_wait(api, "plan 2")
        if check(plan2 and plan2["status"] == "proposed", "plan 2 without the engine"):
            ro = plan2["routing"]
            # pairs among plan 1's points come from the engine's cache; every pair touching
            # the 5 new stops is estimated, and counted
            n = int(round((1 + math.sqrt(1 + 4 * ro["cells"])) / 2))
            check(n * (n - 1) == ro["cells"], "cells %d is n(n-1)" % ro["cells"])
            want = ro["cells"] - (n - 5) * (n - 6)
            check(ro["cells_estimated"] == want and 0 < ro["estimated_pct"] < 100,
                  "plan 2 counts its estimated cells: %s, want %d" % (ro, want))
    finally:
        for p in (srv, fake):
            if p and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failure(s)" % len(FAILS))
    sys.exit(1 if FAILS else 0)


if __name__ == "__main__":
    main()
