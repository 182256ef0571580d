#!/usr/bin/env bash
# OCSF interoperability (issue 29): validates the sample company's findings.ocsf.json with an
# independent OCSF library from PyPI (py-ocsf-models, pinned; pydantic models of OCSF 1.5, the ones
# Prowler writes its findings with). Every event must parse as a Compliance Finding (class 2003)
# with its required fields, and no key of ours may be one the library does not know (each event
# is compared with the model's own dump of it, so a misspelt or invented attribute fails). Then:
# one event per finding of findings.csv, each finding_info.uid its finding id, every category of
# the report present, excepted findings suppressed, and a second report of the same snapshot
# byte-identical. Skips loudly (exit 0) only when PyPI cannot be reached. Run by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
work=target/ocsf-interop
venv=$work/venv
mkdir -p "$work"

. scripts/pypi-venv.sh
pypi_venv "$venv" "py-ocsf-models==0.10.0" py_ocsf_models "OCSF interoperability test"

cargo build --quiet --bin access-audit
bin=$PWD/target/debug/access-audit
rm -rf "$work/demo" "$work/again"
"$bin" -qq demo --out "$work/demo" > /dev/null
# The same snapshot, config and as-of again: the events must be the same bytes.
"$bin" -qq report --snapshot "$work/demo/snapshot" --config sample-data/config.toml --as-of 2026-12-31 \
  --out "$work/again" > /dev/null || [ $? -eq 4 ]
cmp "$work/demo/findings.ocsf.json" "$work/again/findings.ocsf.json" \
  || { echo "findings.ocsf.json differs between two reports of one snapshot" >&2; exit 1; }

"$venv/bin/python" - "$work/demo" <<'PY'
import csv, json, sys
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding

pack = sys.argv[1]
events = json.load(open(f"{pack}/findings.ocsf.json"))
findings = list(csv.DictReader(open(f"{pack}/findings.csv", newline="", encoding="utf-8")))

def unknown_keys(ours, theirs, path=""):
    """Keys of ours the model dropped (it ignores attributes it does not define)."""
    out = []
    if isinstance(ours, dict):
        for k, v in ours.items():
            if k == "unmapped":
                continue  # OCSF's place for what it has no attribute for: free-form
            if not isinstance(theirs, dict) or k not in theirs:
                out.append(path + k)
            else:
                out += unknown_keys(v, theirs[k], path + k + ".")
    elif isinstance(ours, list):
        for i, v in enumerate(ours):
            out += unknown_keys(v, theirs[i] if isinstance(theirs, list) and i < len(theirs) else None, f"{path}[{i}].")
    return out

problems = []
for n, event in enumerate(events):
    try:
        model = ComplianceFinding.model_validate(event)
    except Exception as e:
        problems.append(f"event {n} ({event.get('finding_info', {}).get('uid')}): does not parse: {e}")
        continue
    dumped = json.loads(model.model_dump_json(exclude_none=True))
    dropped = unknown_keys(event, dumped)
    if dropped:
        problems.append(f"event {n}: attributes the OCSF model does not know: {dropped}")
    for required in ("activity_id", "class_uid", "category_uid", "type_uid", "time", "severity_id", "metadata", "finding_info", "compliance"):
        if required not in event:
            problems.append(f"event {n}: no {required}")
    if event["class_uid"] != 2003 or event["type_uid"] != 200301:
        problems.append(f"event {n}: class {event['class_uid']} type {event['type_uid']}")
    if not event["metadata"]["product"].get("name") or not event["metadata"].get("version", "").startswith("1."):
        problems.append(f"event {n}: metadata.product / version")

if len(events) != len(findings):
    problems.append(f"{len(events)} events for {len(findings)} findings")
for event, finding in zip(events, findings):
    if event["finding_info"]["uid"] != finding["finding_id"]:
        problems.append(f"event order: {event['finding_info']['uid']} where findings.csv has {finding['finding_id']}")
        break
    if (event["status"] == "Suppressed") != (finding["excepted"] == "true"):
        problems.append(f"{finding['finding_id']}: status {event['status']} but excepted {finding['excepted']}")
categories = {f["category"] for f in findings}
covered = {e["compliance"]["control"] for e in events}
if categories != covered:
    problems.append(f"categories without events: {sorted(categories - covered)}")
if problems:
    print("\n".join(problems[:20]), file=sys.stderr)
    sys.exit(1)
print(f"OCSF: {len(events)} Compliance Finding events in {len(covered)} categories parse with py-ocsf-models; every finding has its event")
PY
