#!/usr/bin/env python3
"""Fails when an assertion written in a cmocka suite was never reached by any run.

Usage: check_assertions.py SOURCE_DIR SITES_DIR

Every cmocka suite links tests/support/assert_count.c, which records each assertion site it
reaches (file:line) in SITES_DIR/<program>.sites. This script lists every assertion call written
under SOURCE_DIR/tests (cmocka's assert_*(...) macros; fail()/fail_msg()/skip() are failure paths and are
not sites), and reports each one that no suite reached: an assertion inside a branch that never
runs checks nothing, whatever the test name promises. A site that legitimately runs only in some
runs says why on its line or the line above: a comment containing "may skip: <reason>".
"""
import os
import re
import sys

# cmocka's assertion macros (a test's own helper named assert_something is not one)
ASSERT = re.compile(
    r"(?<![\w])assert_(true|false|non_null|null|(int|ptr|string|memory|float)_(not_)?equal"
    r"|(not_)?in_range|(not_)?in_set|return_code)\s*\("
)
EXEMPT = re.compile(r"may skip:\s*\S")


def strip_code(text):
    """Comments and string/char literals blanked out, newlines kept (line numbers stay)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + (c if j < n else ""))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def macro_lines(code):
    """Line numbers (1-based) that belong to a preprocessor directive, continuations included."""
    lines, inside = set(), False
    for no, line in enumerate(code.split("\n"), 1):
        if inside or line.lstrip().startswith("#"):
            lines.add(no)
            inside = line.rstrip().endswith("\\")
        else:
            inside = False
    return lines


def sites_of(path):
    """[(first_line, last_line, exempt, text)] for each assertion call in the file."""
    text = open(path, encoding="utf-8").read()
    raw = text.split("\n")
    code = strip_code(text)
    skip = macro_lines(code)
    found = []
    for m in ASSERT.finditer(code):
        first = code.count("\n", 0, m.start()) + 1
        if first in skip:
            continue
        depth, j = 0, m.end() - 1
        while j < len(code):
            depth += {"(": 1, ")": -1}.get(code[j], 0)
            if depth == 0:
                break
            j += 1
        last = code.count("\n", 0, j) + 1
        near = raw[max(0, first - 2) : last]
        exempt = any(EXEMPT.search(line) for line in near)
        found.append((first, last, exempt, raw[first - 1].strip()))
    return found


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, sites_dir = (os.path.realpath(a) for a in sys.argv[1:])
    reached, programs, recorded_at = {}, [], {}
    if os.path.isdir(sites_dir):
        for name in sorted(os.listdir(sites_dir)):
            if not name.endswith(".sites"):
                continue
            programs.append(name[: -len(".sites")])
            path = os.path.join(sites_dir, name)
            when = os.path.getmtime(path)
            for line in open(path, encoding="utf-8"):
                f, _, no = line.rstrip("\n").rpartition(":")
                if f == "built":
                    when = int(no)
                    continue
                if f == "overflow":
                    sys.exit(f"{name}: more assertion sites than assert_count.c records")
                f = os.path.realpath(f)
                reached.setdefault(f, set()).add(int(no))
                recorded_at[f] = max(recorded_at.get(f, 0), when)
    if not programs:
        sys.exit(f"no .sites file in {sites_dir}: run the cmocka suites first (ctest runs them)")
    total = exempted = 0
    missing, stale = [], []
    for root, dirs, files in os.walk(os.path.join(src, "tests")):
        dirs[:] = [d for d in dirs if d not in ("node_modules", "data")]
        for fn in sorted(files):
            if not fn.endswith(".c"):
                continue
            path = os.path.realpath(os.path.join(root, fn))
            hit = reached.get(path, set())
            if hit and int(os.path.getmtime(path)) > recorded_at[path]:
                stale.append(os.path.relpath(path, src))
                continue
            for first, last, exempt, text in sites_of(path):
                total += 1
                if any(first <= no <= last for no in hit):
                    continue
                if exempt:
                    exempted += 1
                    continue
                missing.append(f"{os.path.relpath(path, src)}:{first}: {text}")
    print(f"{total} assertion sites in tests/, {len(programs)} suites recorded, "
          f"{exempted} allowed to be unreached (\"may skip:\" with a reason)")
    if stale:
        print("changed after their suites ran (line numbers moved; rebuild and run them again):")
        for f in stale:
            print("  " + f)
        sys.exit(1)
    if missing:
        print(f"{len(missing)} assertion sites were never reached by any suite (a branch that "
              "never runs, or a suite that did not run):")
        for m in missing:
            print("  " + m)
        sys.exit(1)
    print("every other assertion site ran at least once")


if __name__ == "__main__":
    main()
