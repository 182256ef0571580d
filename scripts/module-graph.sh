#!/usr/bin/env bash
# The import graph of the crate, at two levels:
# 1. its top-level modules (from `crate::<module>` and `super::` paths in src/), checked against the
#    layers of ARCHITECTURE.md: a module may import only modules of a lower layer. Prints every
#    edge, then any edge that goes up or sideways within a layer, and any cycle;
# 2. its files: every path (`crate::`, `super::`, `self::`, a child module's name) resolved to the
#    file that defines it (through a folder's `pub use` re-exports), and no cycle allowed between
#    files, inside a folder or across folders (a folder's mod.rs that re-exports is no hub: a
#    child that imports through it depends on the file that defines the item).
# Tests (`tests.rs` files, inline `mod tests`) are left out: they may assemble the layers above.
# Exit 1 when there is a wrong edge or a cycle.
#
#   scripts/module-graph.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - <<'PY'
import os, re, sys
layers = [
    ["text", "files", "dates"],           # the bottom layer: imports nothing of the crate
    ["model", "csvio"],                   # the normalized schema and its values; reading CSV
    ["config"],                           # the config, checked against the model's values
    ["signing", "http", "roster"],        # evidence keys; the collection engine; the roster
    ["correlate", "collectors"],
    ["findings"],
    ["report"],
    ["evidence"],                         # the review cycle around a pack, offline
    ["remediate"],                        # decisions turned into changes: the one module that writes to apps
    ["pipeline"],                         # the stages strung together for the commands
]
level = {m: i for i, names in enumerate(layers) for m in names}
edges = {}
for root, _, files in os.walk("src"):
    for f in files:
        if not f.endswith(".rs") or f == "tests.rs":
            continue  # a module's tests may assemble the layers above it (a config test parses with the registry)
        path = os.path.join(root, f)
        rel = os.path.relpath(path, "src")
        top = rel.split(os.sep)[0].removesuffix(".rs")
        if top not in level:
            continue  # main.rs, lib.rs, commands/: the binary's edge of the crate
        text = open(path, encoding="utf-8").read()
        # Only code: drop line comments and doc comments.
        code = "\n".join(l.split("//")[0] for l in text.splitlines())
        code = code.split("#[cfg(test)]\nmod tests {")[0]  # inline tests, as tests.rs above
        used = set(re.findall(r"crate::([a-z_]+)", code))
        for group in re.findall(r"crate::\{([^}]*)\}", code):
            used |= {item.strip().split("::")[0] for item in group.split(",") if item.strip()}
        # `super::x` in a module's own root file (`src/report/mod.rs`) is the crate root's `x`.
        if f == "mod.rs" and os.path.dirname(rel) == top or rel == top + ".rs":
            used |= set(re.findall(r"super::([a-z_]+)", code))
        for m in used:
            if m != top and m in level:
                edges.setdefault(top, set()).add(m)
bad = []
for a in sorted(edges):
    for b in sorted(edges[a]):
        ok = level[b] < level[a]
        print(f"{a} -> {b}" + ("" if ok else "   <-- not downward"))
        if not ok:
            bad.append((a, b))
# cycles (depth-first)
def cycle():
    seen, stack = set(), []
    def visit(n):
        if n in stack:
            return stack[stack.index(n):] + [n]
        if n in seen:
            return None
        seen.add(n); stack.append(n)
        for m in sorted(edges.get(n, ())):
            c = visit(m)
            if c:
                return c
        stack.pop()
        return None
    for n in sorted(edges):
        c = visit(n)
        if c:
            return c
c = cycle()
print()
print("layers (bottom first): " + " | ".join(", ".join(l) for l in layers))
if c:
    print("cycle: " + " -> ".join(c))
if bad or c:
    print(f"{len(bad)} edge(s) not downward" + (", and a cycle" if c else ""))
    sys.exit(1)
print("every import goes down a layer; no cycle")
PY
python3 - <<'PY'
import os, re, sys
from collections import defaultdict

SRC = "src"

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
        print("file-level cycle: " + ", ".join(sorted(name(m) for m in c)))
        for a in sorted(c):
            for b in sorted(edges[a]):
                if b in c:
                    print(f"    {name(a)} -> {name(b)}")
    sys.exit(1)
print(f"files: {len(files)} modules, {sum(len(v) for v in edges.values())} imports between them; no cycle")
PY
