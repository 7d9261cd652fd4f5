#!/usr/bin/env python3
"""A loopback stand-in for OSRM (osrm-routed) and Valhalla, the one fake the house allows.

It parses requests the way the engines do (OSRM: /table/v1 and /route/v1 with lon,lat paths and
sources / destinations / annotations / overview / geometries; Valhalla: POST /sources_to_targets,
POST /route, GET /status) and answers in their reply shapes, recorded from the engines' docs and
real replies: waypoints with hints, durations with one decimal, distances in km for Valhalla,
`null` cells for unreachable pairs, OSRM 400 NoSegment / TooBig / InvalidQuery, Valhalla 171
(no edges near a location) and 154 (pair beyond the distance limit). Its "road network" is a
deterministic function of the coordinates so a test can compute every cell:
    duration = round(1 + (|dlat| + |dlon|) * 12345.6, 1) s,  distance = floor(duration * 9.25) m,
and a route between two points is the L-shaped path (north/south first, then east/west).

Usage: fake_router.py [--max-table-size N] [--max-pairs N] [--unsnappable LAT,LON]...
                      [--island-lat LAT] [--far-km KM]
Prints "port N" once listening on 127.0.0.1. Test controls: POST /_fake/mode with body
"ok" | "down" (503 to everything) | "garbage" (200 with non-JSON); GET /_fake/stats.
"""
import argparse
import json
import math
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
STATE = {"mode": "ok", "requests": 0, "table": 0, "route": 0, "largest": 0}
LOCK = threading.Lock()

HINT = "KSoKADRYroqUBAEAEAAAABkAAAAGAAAAAAAAABAAAAAZAAAABgAAAAAAAAAQAAAAHgAAAA"


def duration(a, b):
    return round(1.0 + (abs(a[0] - b[0]) + abs(a[1] - b[1])) * 12345.6, 1)


def distance(a, b):
    return math.floor(duration(a, b) * 9.25)


def snappable(p):
    return not any(abs(p[0] - u[0]) < 1e-6 and abs(p[1] - u[1]) < 1e-6 for u in ARGS.unsnappable)


def reachable(a, b):
    if ARGS.island_lat is None:
        return True
    on = [abs(p[0] - ARGS.island_lat) < 1e-9 for p in (a, b)]
    return on[0] == on[1]


def encode(points, precision):
    """Google's encoded polyline of (lat, lon) pairs."""
    out, prev, k = [], [0, 0], 10 ** precision
    for lat, lon in points:
        for i, v in enumerate((lat, lon)):
            iv = int(round(v * k))
            d, prev[i] = iv - prev[i], iv
            d = ~(d << 1) if d < 0 else d << 1
            while d >= 0x20:
                out.append(chr((0x20 | (d & 0x1F)) + 63))
                d >>= 5
            out.append(chr(d + 63))
    return "".join(out)


def l_path(pts):
    path = [pts[0]]
    for a, b in zip(pts, pts[1:]):
        path += [(b[0], a[1]), b]
    return path


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, obj):
        body = (obj if isinstance(obj, str) else json.dumps(obj, separators=(",", ":"))).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def osrm_error(self, code, msg):
        self.reply(400, {"code": code, "message": msg})

    def count(self, kind, n):
        with LOCK:
            STATE["requests"] += 1
            STATE[kind] += 1
            STATE["largest"] = max(STATE["largest"], n)

    def broken(self):
        mode = STATE["mode"]
        if mode == "down":
            self.reply(503, "Service Unavailable")
        elif mode == "garbage":
            self.reply(200, "<html>proxy error</html>")
        return mode != "ok"

    # ---- OSRM ----
    def osrm_coords(self, text):
        pts = []
        for item in text.split(";"):
            try:
                lon, lat = (float(x) for x in item.split(","))
            except ValueError:
                return None, "Query string malformed close to position %d" % len(text)
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                return None, "Invalid coordinate value."
            pts.append((lat, lon))
        return pts, None

    def osrm(self, service, rest, query):
        parts = rest.split("/", 1)
        if len(parts) != 2 or not parts[0]:
            return self.osrm_error("InvalidUrl", "URL string malformed close to position 1")
        pts, why = self.osrm_coords(parts[1])
        if pts is None:
            return self.osrm_error("InvalidQuery" if "malformed" in why else "InvalidValue", why)
        q = urllib.parse.parse_qs(query, keep_blank_values=True)
        allowed = {"table": {"sources", "destinations", "annotations", "fallback_speed",
                             "generate_hints", "skip_waypoints"},
                   "route": {"overview", "geometries", "steps", "alternatives",
                             "continue_straight", "annotations"}}[service]
        for k in q:
            if k not in allowed:
                return self.osrm_error("InvalidQuery", "Query string malformed close to "
                                       "position %d" % (len(rest) + query.find(k)))
        self.count(service, len(pts))
        if self.broken():
            return
        limit = ARGS.max_table_size if service == "table" else 500
        if len(pts) > limit:
            return self.osrm_error("TooBig", "Too many table coordinates")
        for i, p in enumerate(pts):
            if not snappable(p):
                return self.osrm_error("NoSegment",
                                       "Could not find a matching segment for coordinate %d" % i)
        wps = [{"hint": HINT, "distance": 4.152, "name": "Rue de la République",
                "location": [p[1], p[0]]} for p in pts]
        if service == "route":
            return self.osrm_route(pts, wps, q)
        idx = {}
        for key in ("sources", "destinations"):
            v = q.get(key, ["all"])[0]
            try:
                idx[key] = list(range(len(pts))) if v == "all" else [int(x) for x in v.split(";")]
            except ValueError:
                return self.osrm_error("InvalidQuery", "Query string malformed")
            if any(i < 0 or i >= len(pts) for i in idx[key]):
                return self.osrm_error("InvalidOptions", "%s index out of range" % key)
        ann = q.get("annotations", ["duration"])[0].split(",")
        if any(a not in ("duration", "distance") for a in ann):
            return self.osrm_error("InvalidOptions", "annotations")
        out = {"code": "Ok"}
        rows = [(pts[i], [pts[j] for j in idx["destinations"]]) for i in idx["sources"]]
        if "duration" in ann:
            out["durations"] = [[duration(a, b) if a != b and reachable(a, b) else
                                 (0.0 if a == b else None) for b in bs] for a, bs in rows]
        if "distance" in ann:
            out["distances"] = [[float(distance(a, b)) if a != b and reachable(a, b) else
                                 (0.0 if a == b else None) for b in bs] for a, bs in rows]
        out["sources"] = [wps[i] for i in idx["sources"]]
        out["destinations"] = [wps[j] for j in idx["destinations"]]
        self.reply(200, out)

    def osrm_route(self, pts, wps, q):
        if q.get("geometries", ["polyline"])[0] not in ("polyline", "polyline6"):
            return self.osrm_error("InvalidOptions", "geometries")
        for a, b in zip(pts, pts[1:]):
            if not reachable(a, b):
                return self.osrm_error("NoRoute", "Impossible route between points")
        prec = 6 if q.get("geometries", ["polyline"])[0] == "polyline6" else 5
        legs = [{"steps": [], "summary": "", "weight": duration(a, b), "duration": duration(a, b),
                 "distance": float(distance(a, b))} for a, b in zip(pts, pts[1:])]
        total_d = round(sum(x["duration"] for x in legs), 1)
        total_m = sum(x["distance"] for x in legs)
        route = {"legs": legs, "weight_name": "routability", "weight": total_d,
                 "duration": total_d, "distance": total_m}
        if q.get("overview", ["simplified"])[0] != "false":
            route["geometry"] = encode(l_path(pts), prec)
        self.reply(200, {"code": "Ok", "routes": [route], "waypoints": wps})

    # ---- Valhalla ----
    def valhalla_error(self, code, msg):
        self.reply(400, {"error_code": code, "error": msg, "status_code": 400,
                         "status": "Bad Request"})

    def valhalla_locs(self, arr):
        if not isinstance(arr, list) or not arr:
            return None
        out = []
        for o in arr:
            if not isinstance(o, dict) or not all(isinstance(o.get(k), (int, float))
                                                  for k in ("lat", "lon")):
                return None
            out.append((float(o["lat"]), float(o["lon"])))
        return out

    def valhalla(self, action, body):
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            return self.valhalla_error(100, "Failed to parse json request")
        if not isinstance(req, dict) or not isinstance(req.get("costing"), str):
            return self.valhalla_error(124, "No edge/node costing provided")
        if action == "route":
            locs = self.valhalla_locs(req.get("locations"))
            if locs is None or len(locs) < 2:
                return self.valhalla_error(120, "Insufficient number of locations provided")
            self.count("route", len(locs))
            if self.broken():
                return
            if not all(snappable(p) for p in locs):
                return self.valhalla_error(171, "No suitable edges near location")
            if not all(reachable(a, b) for a, b in zip(locs, locs[1:])):
                return self.valhalla_error(442, "No path could be found for input")
            legs = [{"summary": {"time": duration(a, b), "length": distance(a, b) / 1000.0},
                     "shape": encode(l_path([a, b]), 6)} for a, b in zip(locs, locs[1:])]
            return self.reply(200, {"trip": {
                "locations": [{"type": "break", "lat": a, "lon": b} for a, b in locs],
                "legs": legs, "status_message": "Found route between points", "status": 0,
                "units": "kilometers", "language": "en-US",
                "summary": {"time": round(sum(x["summary"]["time"] for x in legs), 3),
                            "length": round(sum(x["summary"]["length"] for x in legs), 3)}}})
        srcs, tgts = self.valhalla_locs(req.get("sources")), self.valhalla_locs(req.get("targets"))
        if srcs is None or tgts is None:
            return self.valhalla_error(121, "Insufficient number of sources provided")
        self.count("table", len(srcs) + len(tgts))
        if self.broken():
            return
        if len(srcs) * len(tgts) > ARGS.max_pairs:
            return self.valhalla_error(154, "Exceeded max locations: %d" % ARGS.max_pairs)
        if not all(snappable(p) for p in srcs + tgts):
            return self.valhalla_error(171, "No suitable edges near location")
        if ARGS.far_km and any(distance(a, b) > ARGS.far_km * 1000 for a in srcs for b in tgts):
            return self.valhalla_error(154, "Path distance exceeds the max distance limit")
        rows = []
        for i, a in enumerate(srcs):
            row = []
            for j, b in enumerate(tgts):
                ok = a == b or reachable(a, b)
                row.append({"distance": (0.0 if a == b else distance(a, b) / 1000.0) if ok
                            else None, "time": (0 if a == b else duration(a, b)) if ok else None,
                            "to_index": j, "from_index": i})
            rows.append(row)
        self.reply(200, {"sources_to_targets": rows,
                         "sources": [{"lon": b, "lat": a} for a, b in srcs],
                         "targets": [{"lon": b, "lat": a} for a, b in tgts],
                         "units": "kilometers"})

    # ---- dispatch ----
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        if path == "/_fake/stats":
            with LOCK:
                return self.reply(200, dict(STATE))
        if path == "/status":
            self.count("table", 0)
            if not self.broken():
                self.reply(200, {"version": "3.4.0", "tileset_last_modified": 1700000000,
                                 "available_actions": ["status", "route", "sources_to_targets"]})
            return
        for service in ("table", "route"):
            prefix = "/%s/v1/" % service
            if path.startswith(prefix):
                return self.osrm(service, path[len(prefix):], url.query)
        self.osrm_error("InvalidUrl", "URL string malformed close to position 1")

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if 0 < n <= (8 << 20) else b""
        path = urllib.parse.urlsplit(self.path).path
        if path == "/_fake/mode":
            with LOCK:
                STATE["mode"] = body.decode().strip()
            return self.reply(200, {"mode": STATE["mode"]})
        if path in ("/sources_to_targets", "/route"):
            return self.valhalla(path[1:], body)
        self.valhalla_error(106, "Try any of: '/route' '/sources_to_targets' '/status'")


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-table-size", type=int, default=100)
    ap.add_argument("--max-pairs", type=int, default=2500)
    ap.add_argument("--unsnappable", action="append", default=[],
                    type=lambda s: tuple(float(x) for x in s.split(",")))
    ap.add_argument("--island-lat", type=float, default=None)
    ap.add_argument("--far-km", type=float, default=0)
    ARGS = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print("port %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
