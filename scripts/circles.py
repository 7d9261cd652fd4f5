#!/usr/bin/env python3
"""File-level circles in the library targets: two (or more) .c files of one library that call each
other mean one of them holds functions that belong in the other (or in a file of their own).

Reads each library object file's global function definitions and undefined references with `nm`
(objects under BUILD/**/CMakeFiles/lm_*.dir/, tests excluded), draws "file A calls a function
defined in file B" within each library, and prints every strongly connected component of more
than one file with the calls that close it. Exit 1 if any, 0 if none, 2 on a usage error.

Usage: circles.py BUILD_DIR [--only common,geo,...] [--require common,geo,...]
  --only     restrict the check to these module folders (as in the source tree: "store",
             "api/http") or library targets ("lm_store").
  --require  module folders or targets that must have objects in BUILD_DIR: exit 2 when one has
             none, so that a renamed or unbuilt module cannot pass the check by being absent.
"""
import argparse
import os
import subprocess
import sys
from collections import defaultdict

FUNCTION_KINDS = {'T', 'W'}  # global text (and weak) symbols: functions another file can call


def library_objects(build):
    """{(module folder, target): [(source path, object path)]} for lm_* targets outside tests/."""
    libs = defaultdict(list)
    for root, dirs, files in os.walk(build):
        rel = os.path.relpath(root, build)
        parts = rel.split(os.sep)
        if parts[0] in ('tests', 'CMakeFiles', '_deps', 'Testing'):
            dirs[:] = []
            continue
        if 'CMakeFiles' not in parts:
            continue
        at = parts.index('CMakeFiles')
        if len(parts) <= at + 1:
            continue
        target_dir = parts[at + 1]
        if not (target_dir.startswith('lm_') and target_dir.endswith('.dir')):
            dirs[:] = []
            continue
        module = '/'.join(parts[:at]) or '.'
        target = target_dir[:-len('.dir')]
        inner = parts[at + 2:]
        for f in files:
            if not f.endswith('.o'):
                continue
            source = '/'.join([p for p in [module] + inner if p != '.'] + [f[:-len('.o')]])
            libs[(module, target)].append((source, os.path.join(root, f)))
    return libs


def source_dir(build):
    """The source tree the build directory was configured from (CMakeCache.txt), or None."""
    try:
        with open(os.path.join(build, 'CMakeCache.txt'), errors='replace') as f:
            for line in f:
                if line.startswith('CMAKE_HOME_DIRECTORY:'):
                    return line.split('=', 1)[1].strip()
    except OSError:
        pass
    return None


def current(build, module, target, objects):
    """Drops objects left behind by a file that moved or was deleted: its source is gone, or the
    library archive no longer has a member of that name."""
    src = source_dir(build)
    if src:
        objects = [(s, o) for s, o in objects if os.path.exists(os.path.join(src, s))]
    archive = os.path.join(build, module, f'lib{target}.a')
    if os.path.exists(archive):
        members = set(subprocess.run(['ar', 't', archive], check=True, capture_output=True,
                                     text=True).stdout.split())
        objects = [(s, o) for s, o in objects if os.path.basename(o) in members]
    return objects


def symbols(obj):
    """(defined functions, undefined symbols) of one object file."""
    out = subprocess.run(['nm', '-P', obj], check=True, capture_output=True, text=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 2:
            continue
        name, kind = fields[0], fields[1]
        if kind in FUNCTION_KINDS:
            defined.add(name)
        elif kind == 'U':
            undefined.add(name)
    return defined, undefined


def components(nodes, edges):
    """Strongly connected components (Tarjan, iterative) of the graph nodes -> edges[node]."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, it = work[-1]
            advanced = False
            for nxt in it:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(edges[nxt]))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    comp.append(member)
                    if member == node:
                        break
                out.append(sorted(comp))
    return out


def check_library(objects):
    """[(component, {(a, b): [symbols a calls in b]})] for one library's objects."""
    owner = {}
    uses = {}
    for source, obj in objects:
        defined, undefined = symbols(obj)
        for name in defined:
            owner[name] = source
        uses[source] = undefined
    edges = defaultdict(set)
    calls = defaultdict(list)
    for source, undefined in uses.items():
        for name in sorted(undefined):
            callee = owner.get(name)
            if callee and callee != source:
                edges[source].add(callee)
                calls[(source, callee)].append(name)
    found = []
    for comp in components(sorted(uses), edges):
        if len(comp) > 1:
            members = set(comp)
            inner = {k: v for k, v in calls.items() if k[0] in members and k[1] in members}
            found.append((comp, inner))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('build', help='CMake build directory (e.g. build/debug)')
    parser.add_argument('--only', default='',
                        help='comma-separated module folders or lm_* targets to check')
    parser.add_argument('--require', default='',
                        help='comma-separated module folders or lm_* targets that must be found')
    args = parser.parse_args()
    only = {s.strip() for s in args.only.split(',') if s.strip()}
    required = {s.strip() for s in args.require.split(',') if s.strip()}
    libs = library_objects(args.build)
    if not libs:
        print(f'circles.py: no library objects under {args.build} (build it first)',
              file=sys.stderr)
        return 2
    found = {name for key in libs for name in key}
    missing = sorted(required - found)
    if missing:
        print(f'circles.py: no objects for {", ".join(missing)} under {args.build}',
              file=sys.stderr)
        return 2
    circles = 0
    for (module, target), objects in sorted(libs.items()):
        if only and module not in only and target not in only:
            continue
        for comp, inner in check_library(current(args.build, module, target, objects)):
            circles += 1
            print(f'{target}: circle of {len(comp)} files: {" ".join(comp)}')
            for (a, b), names in sorted(inner.items()):
                shown = ', '.join(names[:4]) + (f', ... ({len(names)})' if len(names) > 4 else '')
                print(f'  {a} -> {b}: {shown}')
    return 1 if circles else 0


if __name__ == '__main__':
    sys.exit(main())
