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
    ["remediate", "notify"],              # decisions turned into changes (the one module that writes to apps); email
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
# 2. files, in the product and in the simulator crate.
for root in src crates/sandbox/src; do
    python3 scripts/file-graph.py "$root"
done
