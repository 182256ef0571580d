#!/usr/bin/env bash
# SCIM interoperability (issue 8): installs an independent open-source SCIM 2.0 server from PyPI
# (scim2-server, pinned), starts it on 127.0.0.1, loads users and groups into it through its own
# SCIM API, collects them with access-audit (`run`, the debug build), and checks that every user,
# its status and every group membership arrived. Then the remediation loop (issue 19): three
# active users are decided `revoke`, `remediate --apply` sends their PATCH active=false to the
# server, the server is asked whether they are inactive now, and `verify` passes on the pack. Skips loudly (exit 0) only when PyPI cannot be
# reached. Run by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
work=target/scim-interop
venv=$work/venv
mkdir -p "$work"

. scripts/pypi-venv.sh
pypi_venv "$venv" "scim2-server==0.8.3" scim2_server "SCIM interoperability test"

cargo build --quiet --bin access-audit
bin=$PWD/target/debug/access-audit
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()")
token=interop-$RANDOM-$RANDOM
"$venv/bin/scim2-server" --hostname 127.0.0.1 --port "$port" --bearer-token "$token" > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT

# Load users and groups through the server's own SCIM API, and write the expectations.
"$venv/bin/python" - "$port" "$token" "$work" <<'PY'
import json, sys, time, urllib.request
port, token, work = sys.argv[1], sys.argv[2], sys.argv[3]
base = f"http://127.0.0.1:{port}"
def call(method, path, body=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json", "Accept": "application/scim+json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"null")
for _ in range(100):
    try:
        call("GET", "/ServiceProviderConfig"); break
    except Exception:
        time.sleep(0.1)
else:
    sys.exit("the SCIM server did not start")
users = []
for i in range(257):
    u = call("POST", "/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": f"interop{i}",
                                "displayName": f"Interop User {i}", "active": i % 9 != 4,
                                "emails": [{"value": f"interop{i}@acme.com", "type": "work", "primary": True}]})
    users.append(u)
groups = {"Administrators": [u["id"] for n, u in enumerate(users) if n % 25 == 0],
          "Engineering": [u["id"] for n, u in enumerate(users) if n % 2 == 0],
          "Everyone": [u["id"] for u in users]}
for name, members in groups.items():
    call("POST", "/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name,
                             "members": [{"value": m} for m in members]})
expect = {"users": {u["id"]: {"email": f"interop{n}@acme.com", "active": n % 9 != 4,
                              "groups": sorted(g for g, m in groups.items() if u["id"] in m)} for n, u in enumerate(users)}}
json.dump(expect, open(f"{work}/expect.json", "w"))
with open(f"{work}/hr.csv", "w") as f:
    f.write("email,name,status\n")
    for n in range(0, 257, 2):
        f.write(f"interop{n}@acme.com,Interop User {n},active\n")
print(f"loaded {len(users)} users and {len(groups)} groups into scim2-server on port {port}")
PY

echo "$token" > "$work/token"
cat > "$work/config.toml" <<EOF2
[review]
name = "SCIM interoperability"
as_of = "2026-12-31"
[identity]
path = "hr.csv"
[[apps]]
name = "scim2-server"
kind = "scim"
base_url = "http://127.0.0.1:$port"
auth = { type = "bearer", token = { file = "token" } }
admin_groups = ["Administrators"]
page_size = 50
requests_per_second = 200
EOF2
rm -rf "$work/out"
"$bin" -q run --config "$work/config.toml" --out "$work/out"

# Every user, status and membership arrived.
python3 - "$work" <<'PY'
import csv, json, sys
work = sys.argv[1]
expect = json.load(open(f"{work}/expect.json"))["users"]
rows = {r["account_id"]: r for r in csv.DictReader(open(f"{work}/out/accounts.csv", newline="", encoding="utf-8")) if r["app"] == "scim2-server"}
problems = []
if set(rows) != set(expect):
    problems.append(f"users: {len(set(expect) - set(rows))} missing, {len(set(rows) - set(expect))} unexpected")
for uid, e in expect.items():
    r = rows.get(uid)
    if not r:
        continue
    if r["email"] != e["email"]:
        problems.append(f"{uid}: email {r['email']!r}, expected {e['email']!r}")
    if (r["status"] == "active") != e["active"]:
        problems.append(f"{uid}: status {r['status']}, expected active={e['active']}")
    got = sorted(g for g in r["groups"].split(";") if g)
    if got != e["groups"]:
        problems.append(f"{uid}: groups {got}, expected {e['groups']}")
    if ("Administrators" in e["groups"]) != (r["is_admin"] == "true"):
        problems.append(f"{uid}: is_admin {r['is_admin']}")
cov = {r["app"]: r for r in csv.DictReader(open(f"{work}/out/coverage.csv", newline="", encoding="utf-8"))}
if cov["scim2-server"]["status"] != "complete":
    problems.append(f"coverage {cov['scim2-server']['status']}")
if problems:
    sys.exit("SCIM interoperability FAILED:\n  " + "\n  ".join(problems[:20]))
print(f"SCIM interoperability: {len(rows)} users, their status and {sum(len(e['groups']) for e in expect.values())} memberships collected from scim2-server")
PY

# Remediation: three active users decided revoke, the plan sent with --apply, the server asked.
python3 - "$work" <<'PY'
import csv, json, sys
work = sys.argv[1]
expect = json.load(open(f"{work}/expect.json"))["users"]
chosen = [uid for uid, e in sorted(expect.items(), key=lambda x: x[1]["email"]) if e["active"]][:3]
with open(f"{work}/decisions.csv", "w") as f:
    f.write("app,account_id,decision,reviewer,decided_on,comment\n")
    for uid in chosen:
        f.write(f"scim2-server,{uid},revoke,it@acme.com,2027-01-05,interop\n")
json.dump(chosen, open(f"{work}/revoked.json", "w"))
PY
"$bin" -q decisions import "$work/decisions.csv" --report "$work/out"
"$bin" -q remediate --apply --report "$work/out" --config "$work/config.toml"
"$bin" -q verify "$work/out" > /dev/null
"$venv/bin/python" - "$port" "$token" "$work" <<'PY'
import json, sys, urllib.request
port, token, work = sys.argv[1], sys.argv[2], sys.argv[3]
chosen = json.load(open(f"{work}/revoked.json"))
problems = []
for uid in chosen:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/Users/{uid}", headers={"Authorization": f"Bearer {token}", "Accept": "application/scim+json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        user = json.loads(r.read())
    if user.get("active") is not False:
        problems.append(f"{uid}: active is {user.get('active')!r} after remediate --apply")
applied = [json.loads(l) for l in open(f"{work}/out/remediation/applied.jsonl")]
if sorted(a["account_id"] for a in applied if a["outcome"] == "ok") != sorted(chosen):
    problems.append(f"applied.jsonl: {applied}")
if problems:
    sys.exit("SCIM remediation FAILED:\n  " + "\n  ".join(problems))
print(f"SCIM remediation: {len(chosen)} users deactivated in scim2-server by remediate --apply (PATCH active=false), recorded in applied.jsonl")
PY
