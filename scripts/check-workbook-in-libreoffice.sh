#!/usr/bin/env bash
# Opens a report's review.xlsx in LibreOffice Calc (headless, Debian's package), converts every
# sheet to CSV and checks the content against the report's own CSVs; then re-saves the workbook
# with LibreOffice and imports that file with `access-audit decisions import` (on a copy of the
# report), so a workbook written by a real spreadsheet program reads back. On the demo it also
# plans the sample company's campaign and opens one reviewer's packet the same way.
#
#   scripts/check-workbook-in-libreoffice.sh [REPORT_DIR]   (default: runs the demo into target/workbook-check)
#
# Installs what it needs: Debian's libreoffice-calc-nogui (apt-get). With SKIP_IF_UNAVAILABLE=1
# (as .ci/run sets it), a failed install skips the check with a loud message; problems in the
# workbook always fail.
set -euo pipefail
unavailable() {
  echo "WORKBOOK CHECK SKIPPED: $1" >&2
  if [ "${SKIP_IF_UNAVAILABLE:-0}" = 1 ]; then exit 0; else exit 1; fi
}
cd "$(dirname "$0")/.."
dir=${1:-}
if [ -z "$dir" ]; then
  dir=target/workbook-check/report
  rm -rf target/workbook-check
  cargo run --quiet -- -q demo --out "$dir"
fi
if ! command -v soffice >/dev/null; then
  echo "installing Debian's libreoffice-calc-nogui..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >/dev/null) \
    || unavailable "could not install Debian's libreoffice-calc-nogui"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
lo_home="$work/home"   # a private LibreOffice profile: no first-run state shared with a user
# 44,34,76: comma, double quote, UTF-8; the last token (-1) writes every sheet to its own file.
HOME="$lo_home" soffice --headless --norestore --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1' \
  --outdir "$work/csv" "$dir/review.xlsx" > "$work/convert.log" 2>&1 || { cat "$work/convert.log"; echo "LibreOffice could not open review.xlsx" >&2; exit 1; }
HOME="$lo_home" soffice --headless --norestore --convert-to xlsx:"Calc MS Excel 2007 XML" --outdir "$work/resaved" "$dir/review.xlsx" >> "$work/convert.log" 2>&1 \
  || { cat "$work/convert.log"; echo "LibreOffice could not re-save review.xlsx" >&2; exit 1; }
python3 - "$dir" "$work/csv" <<'PY'
import csv, sys, os, collections
report, sheets = sys.argv[1], sys.argv[2]
def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))
def unquote(v):  # the report's CSVs neutralise formulas with a leading quote; the workbook keeps text as text
    return v[1:] if v[:1] == "'" and v[1:2] in ("=", "+", "-", "@", "\t", "\r") else v
found = {n[len("review-"):-len(".csv")]: rows(os.path.join(sheets, n)) for n in os.listdir(sheets)}
problems = []
tail = ["decision", "reviewer", "decided_on", "comment"]
findings = rows(os.path.join(report, "findings.csv"))
h = findings[0]
by_cat = collections.defaultdict(set)
for r in findings[1:]:
    by_cat[r[h.index("category")]].add(r[h.index("finding_id")])
for cat, ids in by_cat.items():
    sheet = found.get(cat)
    if sheet is None:
        problems.append(f"no sheet {cat}"); continue
    if sheet[0][-4:] != tail:
        problems.append(f"sheet {cat}: header ends {sheet[0][-4:]}")
    got = {r[0] for r in sheet[1:] if r}
    if got != ids:
        problems.append(f"sheet {cat}: {len(got)} finding ids, findings.csv has {len(ids)}")
accounts = rows(os.path.join(report, "accounts.csv"))
h = accounts[0]
by_app = collections.defaultdict(set)
for r in accounts[1:]:
    by_app[r[h.index("app")]].add(unquote(r[h.index("account_id")]))
import json
not_listed = {a["app"] for a in json.load(open(os.path.join(report, "manifest.json")))["workbook"]["apps_not_listed"]}
for app, ids in by_app.items():
    sheet = found.get(app)
    if sheet is None:
        problems.append(f"no sheet {app}"); continue
    if app in not_listed:  # over review.workbook_max_app_rows: a sheet that says so
        if sheet[0][0] != f"{app}: accounts not listed in this workbook":
            problems.append(f"sheet {app}: not listed, but the sheet says {sheet[0][:1]}")
        continue
    got = {r[1] for r in sheet[1:] if len(r) > 1}
    if got != ids:
        problems.append(f"sheet {app}: {len(got)} accounts, accounts.csv has {len(ids)}")
if problems:
    print("WORKBOOK CHECK FAILED:\n  " + "\n  ".join(problems)); sys.exit(1)
print(f"LibreOffice read {len(found)} sheets; {len(by_cat)} category sheets and {len(by_app) - len(not_listed)} app sheets match findings.csv and accounts.csv; {len(not_listed)} app(s) over the row cap named")
PY
grep -v "javaldx" "$work/convert.log" | grep -i -E "error|warning|repair" && { echo "LibreOffice reported problems (above)" >&2; exit 1; }
cp -r "$dir" "$work/report-copy"
cargo run --quiet -- decisions import "$work/resaved/review.xlsx" --report "$work/report-copy"
cargo run --quiet -- verify "$work/report-copy" > /dev/null
echo "workbook check passed: $dir/review.xlsx"

# One campaign packet (the demo only: its config is the sample company's).
if [ -z "${1:-}" ]; then
  cargo run --quiet -- -q campaign plan --report "$dir" --config sample-data/config.toml
  packet=$(ls "$dir"/campaign/*.xlsx | head -1)
  HOME="$lo_home" soffice --headless --norestore --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1' \
    --outdir "$work/packet" "$packet" > "$work/packet.log" 2>&1 || { cat "$work/packet.log"; echo "LibreOffice could not open $packet" >&2; exit 1; }
  python3 - "$dir" "$packet" "$work/packet" <<'PY2'
import csv, os, sys
report, packet, sheets = sys.argv[1], sys.argv[2], sys.argv[3]
name = os.path.splitext(os.path.basename(packet))[0]
certify = os.path.join(sheets, f"{name}-Accounts to certify.csv")
rows = list(csv.reader(open(certify, newline="", encoding="utf-8")))
plan = list(csv.DictReader(open(os.path.join(report, "campaign", "assignments.csv"), newline="", encoding="utf-8")))
mine = [p for p in plan if p["file"] == f"campaign/{name}.xlsx" and p["scope"] == "certify"]
reviewer = mine[0]["reviewer"] if mine else ""
problems = []
if rows[0][-4:] != ["decision", "reviewer", "decided_on", "comment"]:
    problems.append(f"header ends {rows[0][-4:]}")
if len(rows) - 1 != len(mine):
    problems.append(f"{len(rows) - 1} rows, assignments.csv gives {len(mine)}")
if any(r[rows[0].index("reviewer")] != reviewer for r in rows[1:]):
    problems.append(f"a row without the reviewer {reviewer} filled in")
rank = {"revoke": 0, "review": 1, "keep": 2}
recommended = [r[rows[0].index("recommendation")] for r in rows[1:]]
if any(x not in rank for x in recommended) or recommended != sorted(recommended, key=rank.get):
    problems.append(f"recommendations not revoke, review, keep in that order: {recommended[:20]}")
if any(not r[rows[0].index("reason")] for r in rows[1:]):
    problems.append("a row without a reason")
if problems:
    print("PACKET CHECK FAILED:\n  " + "\n  ".join(problems)); sys.exit(1)
print(f"LibreOffice read the packet of {reviewer}: {len(mine)} accounts to certify, reviewer filled in, "
      f"{recommended.count('revoke')} revoke / {recommended.count('review')} review / {recommended.count('keep')} keep in that order")
PY2
  # The highlight as LibreOffice shows it: in a packet with revoke rows and others (the first in
  # name order), every column of a revoke row is filled light red, no other row is, and every
  # reason wraps. Read from LibreOffice's flat ODS of the packet (the cell, row and column styles
  # it resolved), so it holds however the workbook carries the formats.
  mixed=$(python3 - "$dir" <<'PY3'
import csv, collections, os, sys
plan = csv.DictReader(open(os.path.join(sys.argv[1], "campaign", "assignments.csv"), newline="", encoding="utf-8"))
kinds = collections.defaultdict(set)
for p in plan:
    if p["scope"] == "certify":
        kinds[p["file"]].add(p["recommendation"] == "revoke")
print(next((f for f in sorted(kinds) if kinds[f] == {True, False}), ""))
PY3
)
  [ -n "$mixed" ] || { echo "PACKET CHECK FAILED: no packet of the demo has both revoke rows and others" >&2; exit 1; }
  HOME="$lo_home" soffice --headless --norestore --convert-to fods --outdir "$work/fods" "$dir/$mixed" > "$work/fods.log" 2>&1 \
    || { cat "$work/fods.log"; echo "LibreOffice could not open $mixed" >&2; exit 1; }
  python3 - "$work/fods/$(basename "${mixed%.xlsx}").fods" "#FADBD8" <<'PY4'
import sys, xml.etree.ElementTree as ET
NS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}
def q(p, n): return "{%s}%s" % (NS[p], n)
root = ET.parse(sys.argv[1]).getroot()
styles = {}
for s in root.iter(q("style", "style")):
    if s.get(q("style", "family")) != "table-cell": continue
    props = s.find("style:table-cell-properties", NS)
    styles[s.get(q("style", "name"))] = (s.get(q("style", "parent-style-name")), {} if props is None else dict(props.attrib))
def prop(name, key):
    while name in styles:
        parent, props = styles[name]
        if key in props: return props[key]
        name = parent
    return None
sheet = next(t for t in root.iter(q("table", "table")) if t.get(q("table", "name")) == "Accounts to certify")
cols = []
for c in sheet.iter(q("table", "table-column")):
    cols += [c.get(q("table", "default-cell-style-name"))] * int(c.get(q("table", "number-columns-repeated"), "1"))
rows = []
for r in sheet.iter(q("table", "table-row")):
    row_style = r.get(q("table", "default-cell-style-name"))
    cells = []
    for c in r:
        if c.tag not in (q("table", "table-cell"), q("table", "covered-table-cell")): continue
        text = "".join("".join(p.itertext()) for p in c.findall("text:p", NS))
        for _ in range(min(int(c.get(q("table", "number-columns-repeated"), "1")), 64)):
            i = len(cells)
            style = c.get(q("table", "style-name")) or row_style or (cols[i] if i < len(cols) else None)
            cells.append((text, style))
    for _ in range(min(int(r.get(q("table", "number-rows-repeated"), "1")), 2)):
        rows.append(cells)
header = [t for t, _ in rows[0]]
while header and not header[-1]: header.pop()
problems, seen = [], {True: 0, False: 0}
FILL = sys.argv[2].lower()
for n, r in enumerate(rows[1:], start=2):
    if not any(t for t, _ in r): break
    revoke = r[header.index("recommendation")][0] == "revoke"
    seen[revoke] += 1
    for i, h in enumerate(header):
        text, style = r[i] if i < len(r) else ("", None)
        fill = (prop(style, q("fo", "background-color")) or "").lower()
        if (fill == FILL) != revoke:
            problems.append(f"row {n} ({'revoke' if revoke else 'not revoke'}), column {h}: fill {fill or 'none'}")
        if h == "reason" and prop(style, q("fo", "wrap-option")) != "wrap":
            problems.append(f"row {n}: the reason does not wrap")
if not seen[True] or not seen[False]:
    problems.append(f"expected revoke rows and others, found {seen}")
if problems:
    print("PACKET FORMAT CHECK FAILED:\n  " + "\n  ".join(problems[:20])); sys.exit(1)
print(f"LibreOffice shows the packet's {seen[True]} revoke row(s) filled {FILL} across every column, the {seen[False]} other(s) not, every reason wrapped")
PY4
  # PACKET_PNG=FILE: the packet as LibreOffice prints it, its first pages as PNG (FILE-1.png,
  # FILE-2.png: the Instructions sheet, then the accounts), to look at what a reviewer sees.
  if [ -n "${PACKET_PNG:-}" ]; then
    HOME="$lo_home" soffice --headless --norestore --convert-to pdf --outdir "$work/pdf" "$packet" > /dev/null 2>&1
    [ -x target/pdf-venv/bin/python ] || { python3 -m venv target/pdf-venv && target/pdf-venv/bin/pip install -q pymupdf; }
    target/pdf-venv/bin/python - "$work/pdf/$(basename "${packet%.xlsx}").pdf" "$PACKET_PNG" <<'PY5'
import sys, pymupdf
doc = pymupdf.open(sys.argv[1])
for i in range(min(2, doc.page_count)):
    doc[i].get_pixmap(dpi=110).save(f"{sys.argv[2]}-{i + 1}.png")
print(f"packet rendered: {sys.argv[2]}-1.png .. ({doc.page_count} pages)")
PY5
  fi
fi
