#!/usr/bin/env python3
"""The include graph of benchfs's folders, checked against its layers.

Usage: tests/layers.py [SOURCE_ROOT]   (default: the directory above this file)

Reads every .c and .h of the source folders (and main.c), prints the
folder-level include graph (edges with the number of include lines), and
exits 1 on any of these, unless tests/layers-allow.txt lists it:
  above        a file includes a header of a folder above its own layer (or of
               the other front end: fs/ and cli/ share the top layer)
  cycle        modules (a .c with its .h) of different folders include each
               other, directly or through others
  private      a file includes another folder's private header (named
               internal*.h, or whose first comment says "private to <folder>/")
  git2         <git2.h> is included outside repo/
  unqualified  a header of another folder is included without its folder
The tests (tests/unit/<folder>/ and tests/stats/ test that folder) and bench/
sit above every layer: only private, git2 and unqualified apply to them.
Files over 600 lines are reported as a warning.

The allow file has one known violation a line, as this script prints it,
then " : " and why it is there for now:
  above config/config.c -> runner/cpus.h : ...
  cycle runner/runner views/history : ...   (the modules of the cycle, sorted)
An entry that no longer occurs is an error too, so the list only shrinks.
"""
import os
import re
import sys

# Bottom layer first (the house's ranks); main.c is the top.
LAYERS = ['util', 'stats', 'store', 'repo', 'config', 'spawner', 'runner', 'queue', 'views',
          'service', 'fs']
RANK = {name: i for i, name in enumerate(LAYERS)}
# The front ends share the top layer below main.c and never include each other.
FRONT_ENDS = ['fs', 'cli']
for name in FRONT_ENDS:
    RANK[name] = len(LAYERS) - 1
LAYERS = LAYERS + ['cli']
RANK['main.c'] = len(LAYERS) - 1
LONG_FILE = 600
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
FIRST_COMMENT = re.compile(r'\s*/\*(.*?)\*/', re.S)


def source_files(root):
    """(path relative to root, owner folder, is_test) of every .c and .h checked."""
    out = []
    if os.path.exists(os.path.join(root, 'main.c')):
        out.append(('main.c', 'main.c', False))
    for folder in LAYERS:
        out += [(p, folder, False) for p in walk(root, folder)]
    for p in walk(root, 'tests'):
        parts = p.split('/')
        if parts[1] == 'unit' and len(parts) > 3 and parts[2] in RANK:
            owner = parts[2]
        elif parts[1] == 'stats':
            owner = 'stats'
        else:
            owner = 'tests'
        out.append((p, owner, True))
    out += [(p, 'bench', True) for p in walk(root, 'bench')]
    return out


def walk(root, folder):
    found = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, folder)):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(('.c', '.h')):
                found.append(os.path.relpath(os.path.join(dirpath, name), root))
    return found


def folder_of(path):
    return path.split('/')[0] if '/' in path else path


def module_of(path):
    return path[:-2]


def is_private(root, header):
    name = os.path.basename(header)
    if name.startswith('internal'):
        return True
    try:
        with open(os.path.join(root, header), encoding='utf-8', errors='replace') as f:
            m = FIRST_COMMENT.match(f.read(4096))
    except OSError:
        return False
    folder = folder_of(header)
    return bool(m and re.search(r'\bprivate to ' + re.escape(folder) + '/', m.group(1), re.I))


def resolve(root, includer, target):
    """The project header an include "target" names (relative to root), and
    whether it was written qualified; (None, _) for a system header."""
    here = os.path.dirname(includer)
    if '/' in target and os.path.isfile(os.path.join(root, target)):
        return os.path.normpath(target), True
    local = os.path.normpath(os.path.join(here, target))
    if os.path.isfile(os.path.join(root, local)):
        return local, '/' in target or here == ''
    # Unqualified and not beside the includer: another folder's header, if
    # one folder has it (the compiler would not find it, but say so here).
    for folder in LAYERS:
        if os.path.isfile(os.path.join(root, folder, target)):
            return os.path.join(folder, target), False
    return None, True


def strongly_connected(graph):
    """Tarjan's strongly connected components of {node: set(nodes)}."""
    index, low, stack, on_stack, comps = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            comps.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return comps


def read_allow(path):
    allow = {}
    if not os.path.exists(path):
        return allow
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            entry, sep, reason = line.partition(' : ')
            if not sep or not reason.strip():
                print(f'{path}:{n}: no " : reason" in: {line}')
                allow[entry.strip()] = None
                continue
            allow[' '.join(entry.split())] = reason.strip()
    return allow


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.dirname(here)
    allow_path = os.path.join(root, 'tests', 'layers-allow.txt')
    violations = []  # (key, detail)
    edges = {}       # (from folder, to folder) -> include lines
    modules = {}     # module -> set(modules), source files only
    long_files = []

    for path, owner, is_test in source_files(root):
        with open(os.path.join(root, path), encoding='utf-8', errors='replace') as f:
            text = f.read()
        nlines = text.count('\n')
        if not is_test and nlines > LONG_FILE:
            long_files.append((nlines, path))
        for m in INCLUDE.finditer(text):
            kind, target = m.group(1), m.group(2).strip()
            if kind == '<':
                if target == 'git2.h' and owner != 'repo':
                    violations.append((f'git2 {path} -> <git2.h>', 'libgit2 outside repo/'))
                continue
            header, qualified = resolve(root, path, target)
            if header is None:
                continue
            to = folder_of(header)
            if to not in RANK or to == 'main.c':
                continue  # tests' own fixtures
            if not qualified and to != folder_of(path):
                violations.append((f'unqualified {path} -> {header}',
                                   f'#include "{target}" names another folder\'s header unqualified'))
            if to != owner and is_private(root, header):
                violations.append((f'private {path} -> {header}',
                                   f'{header} is private to {to}/'))
            if is_test:
                continue
            if to != owner:
                edges[(owner, to)] = edges.get((owner, to), 0) + 1
                if RANK[to] > RANK[owner] or (RANK[to] == RANK[owner] and to != owner):
                    violations.append((f'above {path} -> {header}',
                                       f'{owner} (layer {RANK[owner]}) includes {to} '
                                       f'(layer {RANK[to]})'))
            modules.setdefault(module_of(path), set()).add(module_of(header))
            modules.setdefault(module_of(header), set())

    for comp in strongly_connected(modules):
        if len({folder_of(m) for m in comp}) > 1:
            violations.append(('cycle ' + ' '.join(comp),
                               'these modules of different folders include each other'))

    print('Folder include graph (include lines; ! marks an edge to a layer above):')
    for (a, b), n in sorted(edges.items(), key=lambda e: (RANK[e[0][0]], RANK[e[0][1]])):
        mark = ' !' if RANK[b] > RANK[a] else ''
        print(f'  {a:8} -> {b:8} {n:3}{mark}')

    allow = read_allow(allow_path)
    failed = any(reason is None for reason in allow.values())
    seen = set()
    allowed = []
    for key, detail in violations:
        if key in seen:
            continue
        seen.add(key)
        if allow.get(key):
            allowed.append((key, allow[key]))
        else:
            print(f'error: {key}: {detail}')
            failed = True
    for key in sorted(set(allow) - seen):
        print(f'error: {os.path.relpath(allow_path, root)} lists "{key}", which no longer '
              'occurs: remove the line')
        failed = True
    if allowed:
        print(f'{len(allowed)} known violations allowed by {os.path.relpath(allow_path, root)}:')
        for key, reason in allowed:
            print(f'  {key}')
    for n, path in sorted(long_files, reverse=True):
        print(f'warning: {path} has {n} lines (over {LONG_FILE})')
    print('layers: ' + ('FAILED' if failed else 'ok'))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
