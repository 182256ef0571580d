#!/usr/bin/env python3
"""The baseline of scripts/bench-vs-duckdb.sh: the same review as `access-audit run` on the
benchmark company (examples/generate_company.rs), written as a tuned DuckDB script.

Reads the roster and every csv app of the config, matches accounts to people by email (domain
aliases and roster aliases included), applies the SPEC §6 account rules with the same parameters
(as_of, dormant 90 days, invitations 14 days, token warning 30 days), and writes what a reviewer
and an auditor get from access-audit minus the HTML and the workbook: accounts.csv, findings.csv,
one CSV per category, findings.json, and a manifest of SHA-256 hashes.

    python3 scripts/duckdb_review.py CONFIG OUT_DIR

Prints the number of findings per category (the bench script compares them with access-audit's).
"""
import hashlib
import json
import os
import sys
import tomllib

import duckdb

config_path, out = sys.argv[1], sys.argv[2]
base = os.path.dirname(os.path.abspath(config_path))
with open(config_path, "rb") as f:
    cfg = tomllib.load(f)
os.makedirs(out, exist_ok=True)
review = cfg.get("review", {})
as_of = review.get("as_of", "2026-12-31")
dormant_days = review.get("dormant_after_days", 90)
invite_days = review.get("invite_stale_after_days", 14)
warn_days = review.get("token_warn_days", 30)
aliases = cfg["identity"].get("domain_aliases", {})

con = duckdb.connect()
con.execute(f"SET threads = {os.cpu_count()}")
con.execute("SET preserve_insertion_order = false")
q = lambda s: "'" + str(s).replace("'", "''") + "'"


def norm(expr):
    """Lower-case, trimmed email with the configured domain aliases applied."""
    e = f"lower(trim({expr}))"
    for old, new in aliases.items():
        e = f"regexp_replace({e}, '@{old.lower()}$', '@{new.lower()}')"
    return e


# People: terminated by status or by a termination date on or before as_of.
con.execute(f"""
CREATE TABLE people AS
SELECT {norm('email')} AS email, coalesce(nullif(employee_id, ''), {norm('email')}) AS person_id, name,
       CASE WHEN lower(status) = 'terminated' OR try_cast(termination_date AS DATE) <= DATE {q(as_of)} THEN 'terminated'
            WHEN lower(status) IN ('leave', 'on leave') THEN 'leave' ELSE 'active' END AS person_status,
       try_cast(termination_date AS DATE) AS termination_date, aliases
FROM read_csv({q(os.path.join(base, cfg['identity']['path']))}, all_varchar = true, header = true)
WHERE email IS NOT NULL AND trim(email) <> ''
""")
con.execute("""
CREATE TABLE addresses AS
SELECT email AS address, person_id, email AS person_email, name AS person_name, person_status, termination_date FROM people
UNION ALL
SELECT lower(trim(a.unnest)), p.person_id, p.email, p.name, p.person_status, p.termination_date
FROM people p, unnest(string_split(coalesce(p.aliases, ''), ';')) a WHERE trim(a.unnest) <> ''
""")

# Accounts of every csv app, in one table.
parts = []
for app in cfg.get("apps", []):
    cols = app.get("columns", {})
    admin_values = [v.lower() for v in app.get("admin_values", [])]
    admin_groups = [g.lower() for g in app.get("admin_groups", [])]
    role_admin = " OR ".join(f"lower(role) = {q(v)}" for v in admin_values) or "false"
    group_admin = " OR ".join(f"list_contains(string_split(lower(coalesce(groups, '')), ';'), {q(g)})" for g in admin_groups) or "false"
    parts.append(f"""
SELECT {q(app['name'])} AS app, {cols.get('account_id', 'account_id')} AS account_id,
       nullif(trim(email), '') AS email, {cols.get('display_name', 'display_name')} AS display_name,
       CASE lower(status) WHEN 'active' THEN 'active' WHEN 'invited' THEN 'invited' WHEN 'disabled' THEN 'disabled'
            WHEN 'suspended' THEN 'suspended' ELSE 'unknown' END AS status,
       'unknown' AS account_type, ({role_admin}) OR ({group_admin}) AS is_admin,
       CASE WHEN {role_admin} THEN 'role ' || role END AS admin_reason, groups,
       try_cast({cols.get('created_at', 'created_at')} AS DATE) AS created_at,
       try_cast({cols.get('last_login_at', 'last_login_at')} AS DATE) AS last_login_at
FROM read_csv({q(os.path.join(base, app['path']))}, all_varchar = true, header = true)""")
con.execute("CREATE TABLE raw_accounts AS " + " UNION ALL ".join(parts))
con.execute(f"""
CREATE TABLE accounts AS
SELECT r.*, a.person_id, a.person_email, a.person_name, a.person_status, a.termination_date AS person_termination_date,
       CASE WHEN a.person_id IS NULL THEN 'none' ELSE 'email' END AS match_method,
       r.status IN ('disabled', 'deactivated') AS inactive,
       r.email IS NULL AS unmatchable
FROM raw_accounts r LEFT JOIN addresses a ON a.address = {norm('r.email')}
""")


def fid(category):
    return f"'AA-' || left(sha256({q(category)} || chr(31) || app || chr(31) || account_id || chr(31)), 16)"


common = "severity, category, app, account_id, email, display_name, person_id, person_status, detail"
rules = {
    "terminated_with_access": f"""
SELECT CASE WHEN is_admin THEN 'critical' ELSE 'high' END AS severity, 'terminated_with_access' AS category, app, account_id, email,
       display_name, person_id, person_status,
       'person ' || person_email || ' is terminated' || coalesce(' since ' || strftime(person_termination_date, '%Y-%m-%d'), ' (roster status)')
         || ' but the account is ' || status || CASE WHEN is_admin THEN '; admin (' || coalesce(admin_reason, 'admin') || ')' ELSE '' END AS detail,
       person_email, person_name, person_termination_date, status, is_admin, admin_reason, last_login_at, match_method
FROM accounts WHERE NOT inactive AND person_status = 'terminated'""",
    "orphaned": f"""
SELECT CASE WHEN is_admin THEN 'high' ELSE 'medium' END, 'orphaned', app, account_id, email, display_name, person_id, person_status,
       'no roster person matches ' || email || '; account is ' || status
         || CASE WHEN is_admin THEN '; admin (' || coalesce(admin_reason, 'admin') || ')' ELSE '' END,
       status, account_type, is_admin, admin_reason, created_at, last_login_at
FROM accounts WHERE account_type IN ('human', 'unknown') AND NOT inactive AND match_method = 'none' AND NOT unmatchable""",
    "admin": f"""
SELECT CASE WHEN (match_method = 'none' AND NOT unmatchable AND account_type IN ('human', 'unknown')) OR person_status = 'terminated'
            THEN 'high' ELSE 'low' END, 'admin', app, account_id, email, display_name, person_id, person_status,
       'admin: ' || coalesce(admin_reason, 'admin flag'), admin_reason, status, account_type, groups, match_method, person_email, last_login_at
FROM accounts WHERE is_admin AND NOT inactive""",
    "invited_inactive": f"""
SELECT 'medium', 'invited_inactive', app, account_id, email, display_name, person_id, person_status,
       CASE WHEN status = 'invited' THEN coalesce('invited since ' || strftime(created_at, '%Y-%m-%d') || ' ('
            || date_diff('day', created_at, DATE {q(as_of)}) || ' days) and never accepted', 'invited; the invitation date is unknown')
            ELSE 'active since ' || strftime(created_at, '%Y-%m-%d') || ' (' || date_diff('day', created_at, DATE {q(as_of)})
            || ' days) and never logged in' END,
       status, created_at, last_login_at, date_diff('day', created_at, DATE {q(as_of)}) AS days_pending, person_email
FROM accounts
WHERE (status = 'invited' AND (created_at IS NULL OR created_at < DATE {q(as_of)} - INTERVAL {invite_days} DAY))
   OR (status = 'active' AND last_login_at IS NULL AND created_at < DATE {q(as_of)} - INTERVAL {invite_days} DAY)""",
    "dormant": f"""
SELECT 'medium', 'dormant', app, account_id, email, display_name, person_id, person_status,
       'last login ' || strftime(last_login_at, '%Y-%m-%d') || ' (' || date_diff('day', last_login_at, DATE {q(as_of)}) || ' days before as_of)',
       last_login_at, date_diff('day', last_login_at, DATE {q(as_of)}) AS days_since_login, is_admin, person_email
FROM accounts WHERE status = 'active' AND last_login_at < DATE {q(as_of)} - INTERVAL {dormant_days} DAY""",
    "duplicate_account": f"""
WITH live AS (SELECT * FROM accounts WHERE person_id IS NOT NULL AND NOT inactive),
     counts AS (SELECT app, person_id, count(*) AS n, string_agg(account_id, ', ' ORDER BY account_id) AS ids
                FROM live GROUP BY ALL HAVING count(*) > 1)
SELECT 'low', 'duplicate_account', l.app, l.account_id, l.email, l.display_name, l.person_id, l.person_status,
       c.n || ' accounts in ' || l.app || ' for ' || l.person_email || ': ' || c.ids, l.person_email, l.status, l.match_method, c.n, c.ids
FROM live l JOIN counts c USING (app, person_id)""",
    "unmatchable": f"""
SELECT 'info', 'unmatchable', app, account_id, email, display_name, person_id, person_status,
       'no email on the account (' || account_type || ', ' || status || '): link it to a person or declare it a service account in the overrides file',
       status, account_type, is_admin
FROM accounts WHERE unmatchable AND NOT inactive""",
}
# Credentials stated in the config: expired, expiring within the warning window, or owner gone.
cred_rows = []
for app in cfg.get("apps", []):
    c = app.get("credential")
    if c:
        cred_rows.append(f"SELECT {q(app['name'])} AS app, {q(c.get('owner', ''))} AS owner, DATE {q(c['expires'])} AS expires")
if cred_rows:
    con.execute("CREATE TABLE credentials AS " + " UNION ALL ".join(cred_rows))
    rules["token_expiry"] = f"""
SELECT CASE WHEN expires < DATE {q(as_of)} THEN 'critical' ELSE 'high' END, 'token_expiry', c.app, 'app-credential', NULL, NULL,
       p.person_id, p.person_status,
       CASE WHEN expires < DATE {q(as_of)} THEN 'expired on ' ELSE 'expires on ' END || strftime(expires, '%Y-%m-%d'),
       owner, expires
FROM credentials c LEFT JOIN people p ON p.email = lower(c.owner)
WHERE expires <= DATE {q(as_of)} + INTERVAL {warn_days} DAY OR p.person_status IS DISTINCT FROM 'active'"""

counts = {}
union = []
for category, sql in rules.items():
    # The first nine columns of every rule are the common ones, named here once.
    con.execute(f"CREATE TABLE f_{category} AS SELECT {fid(category)} AS finding_id, * FROM ({sql}) t({common})")
    path = os.path.join(out, f"{category}.csv")
    con.execute(f"COPY (SELECT * FROM f_{category} ORDER BY severity, app, account_id) TO {q(path)} (HEADER)")
    counts[category] = con.execute(f"SELECT count(*) FROM f_{category}").fetchone()[0]
    union.append(f"SELECT finding_id, {common} FROM f_{category}")
con.execute("CREATE TABLE findings AS " + " UNION ALL ".join(union))
order = "ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END, category, app, account_id"
con.execute(f"COPY (SELECT * FROM findings {order}) TO {q(os.path.join(out, 'findings.csv'))} (HEADER)")
con.execute(f"COPY (SELECT * FROM findings {order}) TO {q(os.path.join(out, 'findings.json'))} (FORMAT JSON, ARRAY true)")
con.execute(f"COPY (SELECT * EXCLUDE (inactive, unmatchable) FROM accounts ORDER BY app, account_id) TO {q(os.path.join(out, 'accounts.csv'))} (HEADER)")

files = {}
for name in sorted(os.listdir(out)):
    if name == "manifest.json":
        continue
    h = hashlib.sha256()
    with open(os.path.join(out, name), "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    files[name] = {"sha256": h.hexdigest(), "bytes": os.path.getsize(os.path.join(out, name))}
with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump({"as_of": as_of, "files": files}, f, indent=2, sort_keys=True)
print(json.dumps(counts, sort_keys=True))
