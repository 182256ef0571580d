#!/usr/bin/env python3
"""The import graph of a crate's files (scripts/module-graph.sh runs it for src/ and the simulator).

Every path (`crate::`, `super::`, `self::`, a child module's name) is resolved to the file that
defines it, through a folder's `pub use` re-exports; a cycle between files is an error (exit 1).
Tests (`tests.rs` files, inline `mod tests`) are left out.

    scripts/file-graph.py src
"""
import os, re, sys
from collections import defaultdict

SRC = sys.argv[1] if len(sys.argv) > 1 else "src"

def strip_code(text):
    """The code of a Rust file without comments, string and char literals, and inline tests."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i): depth, i = depth + 1, i + 2
                elif text.startswith("*/", i): depth, i = depth - 1, i + 2
                else: i += 1
        elif c == "r" and re.match(r'r#*"', text[i:i+10]) and (i == 0 or not (text[i-1].isalnum() or text[i-1] == "_")):
            m = re.match(r'r(#*)"', text[i:])
            close = '"' + m.group(1)
            j = text.find(close, i + len(m.group(0)))
            out.append('""'); i = n if j < 0 else j + len(close)
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""'); i = j + 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i+4]) or (c == "'" and text.startswith("'\\", i)):
            m = re.match(r"'(\\[^']*|[^\\'])'", text[i:])
            if m:
                out.append("' '"); i += len(m.group(0))
            else:
                out.append(c); i += 1
        else:
            out.append(c); i += 1
    code = "".join(out)
    return code.split("#[cfg(test)]\nmod tests {")[0]

files = {}  # module path tuple -> file path
for root, _, fs in os.walk(SRC):
    for f in fs:
        if not f.endswith(".rs"):
            continue
        p = os.path.join(root, f)
        rel = os.path.relpath(p, SRC)
        parts = rel[:-3].split(os.sep)
        if parts[-1] == "mod":
            parts = parts[:-1]
        if parts in (["lib"], ["main"]):
            parts = []
            if f == "main.rs":
                continue
        if f == "tests.rs":
            continue
        files[tuple(parts)] = p

def is_dir_module(mod):
    p = files.get(mod)
    return p is not None and (p.endswith("mod.rs") or p.endswith("lib.rs"))

def expand(tree, prefix):
    """Expand a use tree text like 'a::{b, c::d}' into lists of segments."""
    tree = tree.strip()
    res = []
    # split top-level by '::' until '{'
    depth = 0
    i = tree.find("{")
    if i < 0:
        segs = [s.strip() for s in tree.split("::") if s.strip()]
        segs = [s.split(" as ")[0].strip() for s in segs]
        return [prefix + segs]
    head = tree[:i]
    segs = [s.strip() for s in head.split("::") if s.strip()]
    # find matching brace
    depth = 0
    for j in range(i, len(tree)):
        if tree[j] == "{":
            depth += 1
        elif tree[j] == "}":
            depth -= 1
            if depth == 0:
                break
    inner = tree[i + 1:j]
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "{":
            depth += 1
        if ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur); cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    for part in parts:
        if part.strip() == "self":
            res.append(prefix + segs)
        else:
            res.extend(expand(part, prefix + segs))
    return res

PATH_RE = re.compile(r"\b((?:crate|super|self)(?:\s*::\s*super)*)\s*::\s*((?:[A-Za-z_][A-Za-z0-9_]*\s*::\s*)*(?:\{[^;]*?\}(?=\s*;)|[A-Za-z_][A-Za-z0-9_]*))")

def resolve_base(mod, base):
    segs = [s.strip() for s in base.split("::")]
    if segs[0] == "crate":
        cur = []
        segs = segs[1:]
    elif segs[0] == "self":
        cur = list(mod) if is_dir_module(mod) else list(mod)
        # self in a file module refers to that module itself
        segs = segs[1:]
    else:
        cur = list(mod)
    for s in segs:
        if s == "super":
            cur = cur[:-1]
    if segs and segs[0] == "super" or base.startswith("super"):
        pass
    return cur

def reexports(mod):
    """Names a dir module re-exports: name -> target path segments (absolute)."""
    p = files.get(mod)
    out = {}
    if p is None:
        return out
    code = strip_code(open(p, encoding="utf-8").read())
    for m in re.finditer(r"pub(?:\([^)]*\))?\s+use\s+([^;]+);", code):
        tree = m.group(1)
        for segs in expand(tree, []):
            if not segs:
                continue
            first = segs[0]
            if first == "crate":
                target = segs[1:]
            elif first == "self":
                target = list(mod) + segs[1:]
            elif first == "super":
                target = list(mod[:-1]) + segs[1:]
            else:
                target = list(mod) + segs
            out[segs[-1]] = target
    return out

reexp_cache = {}
def target_file(abs_segs, depth=0):
    """Deepest file module of a path; follows re-exports of dir modules."""
    best = None
    for k in range(len(abs_segs), -1, -1):
        if tuple(abs_segs[:k]) in files:
            best = k
            break
    if best is None:
        return None
    mod = tuple(abs_segs[:best])
    rest = abs_segs[best:]
    if rest and depth < 5:
        rx = reexp_cache.setdefault(mod, reexports(mod))
        if rest[0] in rx and rx[rest[0]] != list(abs_segs):
            t = rx[rest[0]] + rest[1:]
            r = target_file(t, depth + 1)
            if r is not None:
                return r
    return mod

edges = defaultdict(set)
for mod, p in files.items():
    code = strip_code(open(p, encoding="utf-8").read())
    # A module's own children, named without a prefix (`use org::x`, `mapping::desk_id(..)`).
    children = [c for c in re.findall(r"(?m)^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+([a-z_][a-z0-9_]*)\s*;", code) if c != "tests"]
    for child in children:
        for m in re.finditer(r"(?<![A-Za-z0-9_:])" + child + r"\s*::\s*((?:[A-Za-z_][A-Za-z0-9_]*\s*::\s*)*(?:\{[^;]*?\}(?=\s*;)|[A-Za-z_][A-Za-z0-9_]*))", code):
            for segs in expand(m.group(1), []):
                t = target_file(list(mod) + [child] + segs)
                if t is not None and t != mod:
                    edges[mod].add(t)
    for m in PATH_RE.finditer(code):
        base, tail = m.group(1), m.group(2)
        base = re.sub(r"\s+", "", base)
        cur = resolve_base(mod, base)
        # in a dir module (mod.rs), `super` goes to the parent of the module; in a file module
        # `super` is the parent module too; same rule
        for segs in expand(tail, []):
            t = target_file(cur + segs)
            if t is not None and t != mod and t != ():
                # a parent dir module used only to reach a child is not an edge
                edges[mod].add(t)

def name(m):
    return "::".join(m) or "crate"

# cycles via Tarjan SCC
index, low, stack, on, sccs = {}, {}, [], set(), []
counter = [0]
sys.setrecursionlimit(10000)
def strong(v):
    index[v] = low[v] = counter[0]; counter[0] += 1
    stack.append(v); on.add(v)
    for w in edges.get(v, ()):
        if w not in index:
            strong(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1:
            sccs.append(comp)
for v in list(files):
    if v not in index:
        strong(v)
if sccs:
    for c in sccs:
        print(f"file-level cycle in {SRC}: " + ", ".join(sorted(name(m) for m in c)))
        for a in sorted(c):
            for b in sorted(edges[a]):
                if b in c:
                    print(f"    {name(a)} -> {name(b)}")
    sys.exit(1)
print(f"files of {SRC}: {len(files)} modules, {sum(len(v) for v in edges.values())} imports between them; no cycle")
