#!/usr/bin/env python3
"""Every benchmark table the documentation cites comes from a script, and says how it was made.

For each bench/results/NAME.md linked from README.md or docs/*.md:
  - a script under bench/ writes it (its name, with ${var} parts as wildcards, appears in one);
  - the file exists and carries the header bench/lib.sh writes: the command, the date and load
    ("Run: ... load average"), and "medians of N runs" or "One run per figure".
Also: README.md quotes no best-of figure (the words "best of" or "best-of").
Usage: bench_tables_check.py SOURCE_DIR   (exit 1 with one line per problem)"""
import glob
import os
import re
import sys

src = sys.argv[1] if len(sys.argv) > 1 else "."
problems = []

docs = [os.path.join(src, "README.md")] + sorted(glob.glob(os.path.join(src, "docs", "*.md")))
cited = {}
for d in docs:
    for m in re.finditer(r"bench/results/([\w.-]+\.md)", open(d, encoding="utf-8").read()):
        cited.setdefault(m.group(1), os.path.relpath(d, src))

writers = []
for s in glob.glob(os.path.join(src, "bench", "**", "*.sh"), recursive=True):
    text = open(s, encoding="utf-8").read()
    for m in re.finditer(r"[\w${}-]+\.md", text):
        pattern = re.sub(r"\\\$\\\{?\w+\\\}?", ".+", re.escape(m.group(0)))
        writers.append((re.compile(pattern + r"\Z"), os.path.relpath(s, src)))

for name, where in sorted(cited.items()):
    if not any(rx.match(name) for rx, _ in writers):
        problems.append(f"bench/results/{name} (cited in {where}): no script under bench/ writes it")
    path = os.path.join(src, "bench", "results", name)
    if not os.path.exists(path):
        problems.append(f"bench/results/{name} (cited in {where}): missing")
        continue
    text = open(path, encoding="utf-8").read()
    if not re.search(r"^Command: `[^`]+`", text, re.M):
        problems.append(f"bench/results/{name}: no 'Command: `...`' line")
    if not re.search(r"^Run: .*load average", text, re.M):
        problems.append(f"bench/results/{name}: no 'Run: DATE ... load average' line")
    if not re.search(r"medians of \d+ runs|One run per figure", text):
        problems.append(f"bench/results/{name}: does not say how many runs its medians are of")

readme = open(os.path.join(src, "README.md"), encoding="utf-8").read()
for m in re.finditer(r"\bbest[- ]of\b", readme, re.I):
    line = readme.count("\n", 0, m.start()) + 1
    problems.append(f"README.md:{line}: quotes a best-of figure")

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
