#!/usr/bin/env python3
"""Runs every vroom-scripts benchmark conversion of the chosen classes through lastmile: parse,
solve (an iteration budget: this measures compatibility, not quality) and replay the answer in
plan mode (its routes as the vehicles' steps), which must report no violation. Prints one row
per class: problems, solved, replayed clean, and the first failure of each kind.

Usage: scripts/vroom_compat_sweep.py LASTMILE_BINARY VROOM_SCRIPTS_WORKTREE [ITERATIONS [CLASS]]
  The worktree is a checkout of VROOM-Project/vroom-scripts; missing .json conversions are
  made with its own src/*_to_json.py (as its benchmarks/*/generate.sh do)."""
import glob
import json
import os
import subprocess
import sys

CLASSES = [  # (folder, source pattern, converter)
    ("CVRP/A", "*.vrp", "cvrplib_to_json.py"),
    ("CVRP/B", "*.vrp", "cvrplib_to_json.py"),
    ("CVRP/E", "*.vrp", "cvrplib_to_json.py"),
    ("CVRP/F", "*.vrp", "cvrplib_to_json.py"),
    ("CVRP/M", "*.vrp", "cvrplib_to_json.py"),
    ("CVRP/P", "*.vrp", "cvrplib_to_json.py"),
    ("VRPTW/solomon", "*.txt", "vrptw_to_json.py"),
    ("PDPTW/li_lim_100", "*.txt", "pdptw_to_json.py"),
    ("MDVRP/cordeau", "p*.txt", "mdvrp_to_json.py"),
    ("HVRP/HFVRP", "*.txt", "hvrp_to_json.py"),
    ("HVRP/VFMP_F", "*.txt", "hvrp_to_json.py"),
    ("HVRP/VFMP_FV", "*.txt", "hvrp_to_json.py"),
    ("HVRP/VFMP_V", "*.txt", "hvrp_to_json.py"),
    ("HVRP/DLP", "*.txt", "dlp_to_json.py"),
]


def run(binary, args, stdin=None):
    p = subprocess.run([binary, "solve", "-q"] + args, input=stdin, capture_output=True,
                       text=True, timeout=600)
    try:
        return json.loads(p.stdout)
    except ValueError:
        return {"code": -1, "error": (p.stdout + p.stderr)[:200]}


def replay(problem, answer):
    for v in problem["vehicles"]:
        v.pop("steps", None)
    by_id = {v["id"]: v for v in problem["vehicles"]}
    for r in answer["routes"]:
        by_id[r["vehicle"]]["steps"] = [
            {"type": s["type"], "id": s["id"]} if "id" in s else {"type": s["type"]}
            for s in r["steps"]]
    return json.dumps(problem)


def main():
    binary, scripts = sys.argv[1], sys.argv[2]
    iterations = sys.argv[3] if len(sys.argv) > 3 else "1"
    only = sys.argv[4] if len(sys.argv) > 4 else ""
    total = [0, 0, 0]
    print("| class | problems | solved | replayed without violations | first failure |")
    print("|---|---|---|---|---|")
    for folder, pattern, converter in CLASSES:
        if only not in folder:
            continue
        d = os.path.join(scripts, "benchmarks", folder)
        n = solved = clean = 0
        first = ""
        for src in sorted(glob.glob(os.path.join(d, pattern))):
            js = os.path.splitext(src)[0] + ".json"
            if not os.path.exists(js):  # as benchmarks/*/generate.sh: from the class folder
                subprocess.run(["python3", os.path.join(os.path.abspath(scripts), "src", converter),
                                os.path.basename(src)], cwd=d, capture_output=True)
            if not os.path.exists(js):
                continue
            n += 1
            ans = run(binary, [js, "--iterations", iterations, "--threads", "1", "--seed", "1"])
            if ans.get("code") != 0:
                first = first or "%s: %s" % (os.path.basename(js), ans.get("error"))
                continue
            solved += 1
            with open(js) as f:
                problem = json.load(f)
            plan = run(binary, ["-", "--plan"], stdin=replay(problem, ans))
            if plan.get("code") == 0 and not plan["summary"]["violations"]:
                clean += 1
            else:
                first = first or "%s replay: %s" % (
                    os.path.basename(js), plan.get("error") or plan["summary"]["violations"])
        print("| %s | %d | %d | %d | %s |" % (folder, n, solved, clean, first))
        total = [total[0] + n, total[1] + solved, total[2] + clean]
    print("| all | %d | %d | %d | |" % tuple(total))


if __name__ == "__main__":
    main()
