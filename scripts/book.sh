#!/usr/bin/env bash
# Builds the book in docs/ into target/book/ with mdBook from crates.io (installed once into
# target/tools, so a warm target/ does not build it again), after checking that every link between
# its pages, and from the README into it, resolves.
#
#   scripts/book.sh
set -euo pipefail
cd "$(dirname "$0")/.."
MDBOOK_VERSION=0.5.4
tools="$PWD/target/tools"
if ! "$tools/bin/mdbook" --version 2>/dev/null | grep -q "v$MDBOOK_VERSION"; then
    echo "installing mdbook $MDBOOK_VERSION from crates.io into $tools (once)"
    cargo install mdbook --version "$MDBOOK_VERSION" --locked --no-default-features --root "$tools" --quiet
fi
python3 scripts/check-book-links.py docs/src README.md
"$tools/bin/mdbook" build docs
test -f target/book/index.html
echo "book: target/book/index.html"
