#!/usr/bin/env python3
"""Every link between the book's pages (and from the README into the book) resolves: the file
exists and, where a link names an `#anchor`, the page has a heading with that id (as mdBook makes
ids: lower case, letters, digits, `-` and `_`, spaces as `-`, a repeat suffixed `-1`, `-2`...).
Links to other sites are not checked (there is no network here). Exit 1 naming every broken one.

    scripts/check-book-links.py docs/src README.md
"""
import os
import re
import sys

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def code_free(text):
    """The text without fenced code blocks and inline code (links there are not links)."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return re.sub(r"`[^`\n]*`", "", text)


def heading_ids(path):
    ids, seen = set(), {}
    in_code = False
    for line in open(path, encoding="utf-8"):
        if line.startswith("```"):
            in_code = not in_code
        if in_code or not re.match(r"^#{1,6} ", line):
            continue
        text = re.sub(r"`", "", line.lstrip("#").strip())
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
        base = "".join(c for c in text.lower().replace(" ", "-") if c.isalnum() or c in "-_")
        n = seen.get(base, 0)
        seen[base] = n + 1
        ids.add(base if n == 0 else f"{base}-{n}")
    return ids


def files(args):
    for a in args:
        if os.path.isdir(a):
            for root, _, names in os.walk(a):
                for n in sorted(names):
                    if n.endswith(".md"):
                        yield os.path.join(root, n)
        else:
            yield a


broken = []
checked = 0
for path in files(sys.argv[1:] or ["docs/src"]):
    text = code_free(open(path, encoding="utf-8").read())
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target):
            continue
        checked += 1
        file_part, _, anchor = target.partition("#")
        dest = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) if file_part else path
        if not os.path.exists(dest):
            broken.append(f"{path}: ({target}): no file {dest}")
        elif anchor and dest.endswith(".md") and anchor not in heading_ids(dest):
            broken.append(f"{path}: ({target}): {dest} has no heading #{anchor}")
for b in broken:
    print(b)
print(f"{checked} internal link(s) checked, {len(broken)} broken")
sys.exit(1 if broken else 0)
