#!/usr/bin/env python3
"""Writes tests/data/vroom_compat/*.case: VROOM's documented examples and a corpus of
vroom-scripts conversions of the literature benchmarks, as the compatibility suite's cases
(tests/formats/test_vroom_compat.c says what each header means).

Usage: scripts/vroom_compat_cases.py VROOM_GIT_DIR VROOM_SCRIPTS_WORKTREE
  VROOM_GIT_DIR            a clone of VROOM-Project/vroom (bare is fine): docs/example_*.json
  VROOM_SCRIPTS_WORKTREE   a checkout of VROOM-Project/vroom-scripts whose src/*_to_json.py
                           have been run on the instances below (they write the .json beside
                           each benchmark file)

The expected figures (best known costs, proven optima) come from vroom-scripts'
benchmarks/*/BKS.json; a cost is asserted exactly only where it is a proven optimum that the
budgeted search reaches, otherwise it is bounded (max_cost)."""
import json
import os
import subprocess
import sys

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "vroom_compat")

# (file under benchmarks/, class, instance, iterations, checks)
CORPUS = [
    ("CVRP/E/E-n22-k4.json", "CVRP (Christofides-Eilon), optimum 375", 30, ["cost = 375"]),
    ("CVRP/P/P-n16-k8.json", "CVRP (Augerat P), optimum 450", 30, ["max_cost = 495"]),
    ("CVRP/A/A-n32-k5.json", "CVRP (Augerat A), optimum 784", 30, ["max_cost = 862"]),
    ("TSP/TSPLIB/eil51.json", "TSP (TSPLIB), optimum 426", 30, ["max_cost = 468"]),
    ("VRPTW/solomon/C101.json", "VRPTW (Solomon C1), best known 828.94 (x 1000)", 20,
     ["cost = 828937", "unassigned = 0"]),
    ("VRPTW/solomon/R201.json", "VRPTW (Solomon R2), best known 1252.37 with 4 routes", 20,
     ["unassigned = 0"]),
    ("PDPTW/li_lim_100/lc101.json", "PDPTW (Li-Lim), best known 828.94 (x 1000), shipments",
     20, ["cost = 828937", "unassigned = 0"]),
    ("MDVRP/cordeau/p01.json", "MDVRP (Cordeau), best known 576.87 (x 1000), 4 depots", 20,
     ["unassigned = 0"]),
    ("HVRP/HFVRP/HVRP13.json", "HFVRP (heterogeneous fixed fleet), fixed and per-hour costs",
     20, ["unassigned = 0"]),
    ("HVRP/VFMP_F/vfmpf03.json", "VFMP-F (fleet mix, fixed costs)", 20, ["unassigned = 0"]),
]


def case(path, what, headers, problem):
    with open(path, "w") as f:
        f.write("what: %s\nstatus: ok\n" % what)
        for h in headers:
            f.write(h + "\n")
        f.write("--- input\n")
        f.write(json.dumps(problem, separators=(",", ":")))
        f.write("\n")


def vroom_doc(git_dir, name):
    return json.loads(
        subprocess.check_output(["git", "--git-dir", git_dir, "show", "HEAD:docs/" + name])
    )


def on_a_matrix(problem, sol):
    """A docs example with the travel of its answer's legs as a custom matrix (the docs'
    answers were routed by OSRM; other legs cost 9999 s): VROOM's answer is then what the
    problem asks for."""
    tasks = list(problem.get("jobs", []))
    for sh in problem.get("shipments", []):
        tasks += [sh["pickup"], sh["delivery"]]
    locs = []
    for l in [v[k] for v in problem["vehicles"] for k in ("start", "end") if k in v] + [
        t["location"] for t in tasks
    ]:
        if l not in locs:
            locs.append(l)
    index = {tuple(l): i for i, l in enumerate(locs)}
    n = len(locs)
    dur = [[0 if i == j else 9999 for j in range(n)] for i in range(n)]
    dist = [[0 if i == j else 99999 for j in range(n)] for i in range(n)]
    for r in sol["routes"]:
        prev = None
        for s in r["steps"]:
            if "location" not in s:  # a break: no travel of its own
                continue
            here = index[tuple(s["location"])]
            if prev is not None:
                dur[prev[0]][here] = s["duration"] - prev[1]
                dist[prev[0]][here] = s["distance"] - prev[2]
            prev = (here, s["duration"], s["distance"])
    for v in problem["vehicles"]:
        for k in ("start", "end"):
            if k in v:
                v[k + "_index"] = index[tuple(v[k])]
    for t in tasks:
        t["location_index"] = index[tuple(t["location"])]
    problem["matrices"] = {"car": {"durations": dur, "distances": dist}}
    return problem


def main():
    git_dir, scripts = sys.argv[1], sys.argv[2]
    os.makedirs(os.path.join(OUT, "answers"), exist_ok=True)
    for name in ("example_1_sol.json", "example_2_sol.json", "example_3_sol.json"):
        with open(os.path.join(OUT, "answers", name), "w") as f:
            json.dump(vroom_doc(git_dir, name), f, indent=1)
    case(os.path.join(OUT, "example-1.case"),
         "VROOM's docs/example_1.json (coordinates: routed by the geodesic estimate here, 1.3 x "
         "the great circle at 30 km/h, slower than VROOM's OSRM roads, so some windows cannot "
         "be met; the answer replays clean)",
         [], vroom_doc(git_dir, "example_1.json"))
    case(os.path.join(OUT, "example-1-matrix.case"),
         "VROOM's docs/example_1.json on the matrix of its answer's legs: VROOM's cost, "
         "routes and unassigned",
         ["answer: example_1_sol.json", "check: unassigned = 0"],
         on_a_matrix(vroom_doc(git_dir, "example_1.json"),
                     vroom_doc(git_dir, "example_1_sol.json")))
    case(os.path.join(OUT, "example-2.case"),
         "VROOM's docs/example_2.json (custom matrix): VROOM's answer, the only optimum",
         ["answer: example_2_sol.json", "check: cost = 5461"], vroom_doc(git_dir, "example_2.json"))
    ex3 = vroom_doc(git_dir, "example_3.json")
    case(os.path.join(OUT, "example-3-plan.case"),
         "VROOM's docs/example_3.json in plan mode (coordinates, geodesic estimate): the "
         "over-capacity route is reported, not refused",
         ["mode: plan", "check: routes = 2", "check: unassigned = 0"], ex3)
    case(os.path.join(OUT, "example-3-plan-matrix.case"),
         "VROOM's docs/example_3.json in plan mode on the matrix of its answer's legs: VROOM's "
         "answer exactly (start times chosen, lead time, delays, load violations)",
         ["mode: plan", "answer: example_3_sol.json"],
         on_a_matrix(vroom_doc(git_dir, "example_3.json"),
                               vroom_doc(git_dir, "example_3_sol.json")))
    for rel, what, iterations, checks in CORPUS:
        with open(os.path.join(scripts, "benchmarks", rel)) as f:
            problem = json.load(f)
        name = os.path.splitext(os.path.basename(rel))[0]
        headers = ["iterations: %d" % iterations] + ["check: " + c for c in checks]
        case(os.path.join(OUT, "scripts-%s.case" % name),
             "vroom-scripts' %s conversion of %s" % (name, what), headers, problem)


if __name__ == "__main__":
    main()
