#!/usr/bin/env python3
"""Re-costs a VROOM-format answer (from lastmile or VROOM itself) to a PyVRP HFVRP instance with
exact Euclidean distances, the best-known solutions' convention, after checking it: no
customer served twice or left out without being listed as unassigned, no vehicle used twice, no route over its vehicle's capacity, every
route from and back to the depot. Used by bench/hfvrp_vroom.sh.

Usage: hfvrp_recost.py INSTANCE.vrp ANSWER.json
Prints one line: COST ROUTES UNASSIGNED OK|error-text (cost in the BKS's units: PyVRP's costs / 100;
UNASSIGNED: customers on no route).
"""
import json
import math
import sys


def read_vrp(path):
    sec, n, coords, demand, cap, fixed, unit = None, 0, {}, {}, {}, {}, {}
    tables = {"NODE_COORD_SECTION": None, "DEMAND_SECTION": demand, "CAPACITY_SECTION": cap,
              "VEHICLES_FIXED_COST_SECTION": fixed, "VEHICLES_UNIT_DISTANCE_COST_SECTION": unit}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("DIMENSION"):
                n = int(line.split(":")[1])
            elif line.endswith("SECTION"):
                sec = line
            elif line == "EOF" or not line or sec not in tables:
                continue
            else:
                parts = line.split()
                i = int(parts[0]) - 1
                if sec == "NODE_COORD_SECTION":
                    coords[i] = (float(parts[1]), float(parts[2]))
                else:
                    tables[sec][i] = int(float(parts[1]))
    return n, coords, demand, cap, fixed, unit


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    n, xy, demand, cap, fixed, unit = read_vrp(sys.argv[1])
    with open(sys.argv[2]) as f:
        ans = json.load(f)
    if ans.get("code") != 0:
        print(f"nan 0 0 error:code-{ans.get('code')}:{ans.get('error', '')!r}")
        return
    cost, served, used, problems = 0.0, {}, set(), []
    for rt in ans["routes"]:
        k = rt["vehicle"] - 1
        if k in used:
            problems.append(f"vehicle {k + 1} used twice")
        used.add(k)
        locs = [st["location_index"] for st in rt["steps"]]
        if locs[0] != 0 or locs[-1] != 0:
            problems.append(f"vehicle {k + 1} does not start and end at the depot")
        load = 0
        for st in rt["steps"]:
            if st["type"] == "job":
                served[st["id"]] = served.get(st["id"], 0) + 1
                load += demand[st["location_index"]]
        if load > cap[k]:
            problems.append(f"vehicle {k + 1} carries {load} > {cap[k]}")
        d = sum(math.dist(xy[a], xy[b]) for a, b in zip(locs, locs[1:]))
        cost += fixed.get(k, 0) + unit.get(k, 1) * d
    twice = [i for i in range(1, n) if served.get(i, 0) > 1]
    missing = {i for i in range(1, n) if i not in served}
    listed = {u["id"] for u in ans.get("unassigned", [])}
    if twice:
        problems.append(f"{len(twice)} customers served twice")
    if missing != listed:
        problems.append("unassigned list differs from the customers on no route")
    print(f"{cost / 100:.2f} {len(ans['routes'])} {len(missing)} "
          f"{'OK' if not problems else 'error:' + ';'.join(problems[:2]).replace(' ', '_')}")


if __name__ == "__main__":
    main()
