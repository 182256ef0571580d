#!/usr/bin/env python3
"""Writes the sample company of the demo: Acme Robotics, ~150 people, four apps exported as CSV.

Deterministic (fixed seed, no clock): re-running it rewrites the same bytes. The review date is
2026-12-31. Every finding category of SPEC section 6 appears at least once; the scenarios are
listed in README.md ("The sample company") and pinned by tests/demo.rs.

Usage: python3 sample-data/generate.py   (from the repository root)
"""
import csv
import io
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20261231)

FIRST = ["Ava", "Ben", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Keira", "Liam",
         "Maya", "Nikhil", "Olga", "Pablo", "Quinn", "Rosa", "Samir", "Tara", "Umar", "Vera", "Wei", "Ximena",
         "Yusuf", "Zoe", "Amara", "Bruno", "Carmen", "Dev", "Emil", "Fatima", "Gustav", "Hana", "Ivan", "Julia",
         "Kofi", "Lena", "Marco", "Nadia", "Oscar", "Priya", "Rafael", "Sofia", "Tomas", "Uma", "Viktor", "Yara"]
LAST = ["Abbott", "Banerjee", "Castillo", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
        "Kowalski", "Laurent", "Moreau", "Nakamura", "Okafor", "Petrov", "Quintero", "Rossi", "Schmidt", "Tanaka",
        "Ueda", "Varga", "Wagner", "Xu", "Yilmaz", "Zhang", "Andersson", "Brennan", "Costa", "Novak"]
DEPTS = ["Engineering", "Engineering", "Engineering", "Sales", "Support", "Finance", "People", "IT", "Marketing", "Operations"]


def write(name, header, rows, crlf=True, bom=False):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n" if crlf else "\n")
    w.writerow(header)
    w.writerows(rows)
    data = buf.getvalue().encode("utf-8")
    if bom:
        data = b"\xef\xbb\xbf" + data
    path = os.path.join(HERE, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- people
people = []  # dicts: email, id, name, status, term, manager, dept, aliases
used = set()
for i in range(140):
    while True:
        fn, ln = rng.choice(FIRST), rng.choice(LAST)
        email = f"{fn.lower()}.{ln.lower()}@acme.com"
        if email not in used:
            used.add(email)
            break
    people.append({"email": email, "id": f"E{1000 + i}", "name": f"{fn} {ln}", "status": "active", "term": "",
                   "manager": "", "dept": rng.choice(DEPTS), "aliases": ""})
managers = [p["email"] for p in people[:12]]
for p in people[12:]:
    p["manager"] = rng.choice(managers)

# Named scenario people (the README lists them).
def person(email, name, dept, status="active", term="", aliases="", pid=None):
    p = {"email": email, "id": pid or f"E{1000 + len(people)}", "name": name, "status": status, "term": term,
         "manager": managers[0], "dept": dept, "aliases": aliases}
    people.append(p)
    return p

person("rita.leaver@acme.com", "Rita Leaver", "Sales", status="terminated", term="2026-10-15")
person("sam.gone@acme.com", "Sam Gone", "Engineering", status="Active", term="2026-11-30")  # date decides
person("theo.exadmin@acme.com", "Theo Exadmin", "IT", status="Terminated")
person("lea.parental@acme.com", "Lea Parental", "Finance", status="On Leave")
person("nora.future@acme.com", "Nora Future", "Support", term="2027-02-28")  # leaving later: still active
person("jane.doe@acme.com", "Jane Doe", "Marketing", aliases="jane.smith@acme.com")
person("omar.owner@acme.com", "Omar Owner", "IT")
person("pat.multi@acme.com", "Pat Multi", "Sales")
person("ines.acquired@acme.com", "Ines Acquired", "Engineering")
person("ken.terminated-owner@acme.com", "Ken Terminated-Owner", "IT", status="terminated", term="2026-09-01")

# Rows that cannot be used (warnings with line numbers).
bad_rows = [
    {"email": "", "id": "E9001", "name": "Nobody Noemail", "status": "active", "term": "", "manager": "", "dept": "IT", "aliases": ""},
    {"email": "broken-at-acme.com", "id": "E9002", "name": "Malformed Address", "status": "active", "term": "", "manager": "", "dept": "IT", "aliases": ""},
    {"email": "wrong.date@acme.com", "id": "E9003", "name": "Wrong Date", "status": "terminated", "term": "31.12.2026", "manager": "", "dept": "Sales", "aliases": ""},
]
roster_rows = [[p["email"], p["id"], p["name"], p["status"], p["term"], p["manager"], p["dept"], p["aliases"]] for p in people]
for b in bad_rows:
    roster_rows.insert(rng.randrange(20, len(roster_rows)), [b["email"], b["id"], b["name"], b["status"], b["term"], b["manager"], b["dept"], b["aliases"]])
write("hr.csv", ["email", "employee_id", "name", "status", "termination_date", "manager_email", "department", "aliases"], roster_rows, bom=True)

active = [p for p in people[:140]]


def days_before(n):
    import datetime
    d = datetime.date(2026, 12, 31) - datetime.timedelta(days=n)
    return d


# ---------------------------------------------------------------- jira (Atlassian admin "Export users" layout)
jira = []
for p in active[:110]:
    aid = "5b10" + format(rng.getrandbits(64), "016x")
    last = days_before(rng.randrange(0, 60)).strftime("%Y-%m-%d") if rng.random() > 0.08 else days_before(rng.randrange(120, 400)).strftime("%Y-%m-%d")
    groups = "jira-software-users"
    if p["dept"] == "IT" and rng.random() < 0.5:
        groups += ",jira-administrators"
    jira.append([aid, p["name"], p["email"], "Active", days_before(rng.randrange(200, 900)).strftime("%Y-%m-%d"), "", last, groups])
jira += [
    ["5b10leaver0000000000001", "Rita Leaver", "rita.leaver@acme.com", "Active", "2024-03-01", "", "2026-12-20", "jira-software-users"],
    ["5b10exadmin00000000001", "Theo Exadmin", "THEO.EXADMIN@acme.com ", "Active", "2021-06-01", "", "2026-12-01", "jira-software-users,jira-administrators"],
    ["5b10hidden00000000001", "Mia Krystof", "", "Active", "2023-01-01", "", "2026-12-28", "jira-software-users"],
    ["5b10hidden00000000002", "Emma Richards", "", "Active", "2023-01-01", "", "2026-12-29", "jira-software-users"],
    ["5b10hidden00000000003", "Linked By Override", "", "Active", "2023-01-01", "", "2026-12-29", "jira-software-users"],
    ["557058:automation-bot", "Automation for Jira", "", "Active", "2020-01-01", "", "2026-12-30", ""],
    ["5b10contractor00000001", "Cory Contractor", "cory@freelance-dev.example", "Active", "2025-05-01", "", "2026-12-15", "jira-software-users"],
    ["5b10deactivated0000001", "Old Intern", "old.intern@acme.com", "Inactive", "2022-06-01", "", "2022-09-01", ""],
    ["5b10never0000000000001", "Never Seen", active[115]["email"], "Active", "2026-06-01", "", "Never accessed", "jira-software-users"],
]
write("exports/jira.csv", ["User id", "User name", "email", "User status", "Added to org", "Org role", "Last seen in Jira - acme", "Group name"], jira)

# ---------------------------------------------------------------- github (org members export)
gh = []
for p in active[20:100]:
    login = p["email"].split("@")[0].replace(".", "-")
    role = "Owner" if rng.random() < 0.06 else "Member"
    gh.append([login, p["name"], p["email"], role, days_before(rng.randrange(100, 1500)).isoformat() + "T09:00:00Z",
               (days_before(rng.randrange(0, 40)).isoformat() + "T12:00:00Z") if rng.random() > 0.1 else (days_before(rng.randrange(95, 300)).isoformat() + "T12:00:00Z")])
gh += [
    ["ines-old", "Ines Acquired", "ines.acquired@oldco.com", "Member", "2019-04-01T09:00:00Z", "2026-12-10T12:00:00Z"],
    ["sam-gone", "Sam Gone", "sam.gone@acme.com", "Owner", "2020-01-01T09:00:00Z", "2026-12-02T12:00:00Z"],
    ["jsmith", "Jane Smith", "Jane.Smith@acme.com", "Member", "2018-01-01T09:00:00Z", "2026-12-01T12:00:00Z"],
    ["ci-deploy-bot", "Deploy Bot", "deploy-bot@acme.com", "Member", "2021-01-01T09:00:00Z", "2026-12-30T12:00:00Z"],
    ["release-bot", "Release Bot", "release-bot@acme.com", "Owner", "2021-01-01T09:00:00Z", "2026-12-30T12:00:00Z"],
    ["x-hacker", "=HYPERLINK(\"http://evil.example\",\"click\")", "x-hacker@evil.example", "Owner", "2026-12-01T09:00:00Z", "2026-12-29T12:00:00Z"],
    ["newbie-nolog", "Newbie Nolog", active[10]["email"], "Member", "2026-10-01T09:00:00Z", ""],
]
write("exports/github.csv", ["login", "name", "email", "role", "created_at", "last_active"], gh, crlf=False)

# ---------------------------------------------------------------- salesforce (user report, US dates)
sf = []
for p in [x for x in active if x["dept"] in ("Sales", "Support", "Finance", "Marketing")]:
    prof = "System Administrator" if rng.random() < 0.05 else "Standard User"
    last = days_before(rng.randrange(0, 30)) if rng.random() > 0.15 else days_before(rng.randrange(100, 200))
    sf.append([p["email"] + ".sf", p["email"], p["name"], prof, "true", last.strftime("%m/%d/%Y") + " 9:15 AM", "01/15/2024 10:00 AM"])
sf += [
    ["pat.multi@acme.com.sf", "pat.multi@acme.com", "Pat Multi", "Standard User", "true", "12/20/2026 9:15 AM", "01/15/2024 10:00 AM"],
    ["pat.multi@acme.com.sf2", "pat.multi@acme.com", "Pat Multi (2)", "Standard User", "true", "12/18/2026 9:15 AM", "06/15/2025 10:00 AM"],
    ["rita.leaver@acme.com.sf", "rita.leaver@acme.com", "Rita Leaver", "System Administrator", "true", "12/29/2026 4:40 PM", "02/01/2023 10:00 AM"],
    ["lea.parental@acme.com.sf", "lea.parental@acme.com", "Lea Parental", "Standard User", "true", "08/01/2026 9:00 AM", "02/01/2023 10:00 AM"],
    ["integration@acme.com.sf", "integration@acme.com", "Integration User", "System Administrator", "true", "12/31/2026 1:00 AM", "02/01/2020 10:00 AM"],
    ["ken.terminated-owner@acme.com.sf", "ken.terminated-owner@acme.com", "Ken Terminated-Owner", "Standard User", "false", "08/30/2026 9:00 AM", "02/01/2022 10:00 AM"],
    ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>@evil.example", "<script>alert('x')</script>", "Standard User", "true", "12/30/2026 9:00 AM", "12/01/2026 10:00 AM"],
]
write("exports/salesforce.csv", ["Username", "Email", "Full Name", "Profile", "Active", "Last Login", "Created Date"], sf)

# ---------------------------------------------------------------- slack (member list; one unreadable row)
sl = []
for p in active[:120]:
    kind = "Workspace Admin" if rng.random() < 0.04 else "Member"
    sl.append(["U" + format(rng.getrandbits(40), "010X"), p["email"].split("@")[0], p["email"], "Active", kind, days_before(rng.randrange(30, 800)).isoformat()])
sl += [
    ["U0INVITE01", "new.hire", "new.hire@acme.com", "Invited", "Member", "2026-11-02"],
    ["U0INVITE02", "nora.future", "nora.future@acme.com", "Invited", "Member", "2026-12-28"],
    ["U0GUEST001", "agency.partner", "partner@agency.example", "Active", "Single-Channel Guest", "2026-03-01"],
    ["U0BOT00001", "standup-bot", "", "Active", "Bot", "2025-01-01"],
    ["U0OMAR0001", "omar.owner", "omar.owner@acme.com", "Active", "Primary Owner", "2019-01-01"],
]
rows = [r for r in sl]
rows.insert(57, ["U0BROKEN01", "broken,row", "x@acme.com", "Active"])  # a row the export cut short
write("exports/slack.csv", ["id", "username", "email", "status", "account_type", "created"], rows)

# ---------------------------------------------------------------- MessageBird tenant for the sandbox
import json
mb_users = []
for i, p in enumerate(active[40:80]):
    fn, ln = p["name"].split(" ", 1)
    status = "active"
    created = days_before(rng.randrange(60, 700)).isoformat() + "T10:00:00Z"
    role = "admin" if i % 13 == 0 else "member"
    mb_users.append({"id": "mb-%04d" % i, "email": p["email"], "firstName": fn, "lastName": ln, "role": role,
                     "status": status, "createdAt": created, "updatedAt": created})
mb_users += [
    {"id": "mb-9001", "email": "theo.exadmin@acme.com", "firstName": "Theo", "lastName": "Exadmin", "role": "admin", "status": "active", "createdAt": "2022-02-01T10:00:00Z", "updatedAt": "2026-10-01T10:00:00Z"},
    {"id": "mb-9002", "email": "nora.future@acme.com", "firstName": "Nora", "lastName": "Future", "role": "member", "status": "invited", "createdAt": "2026-10-20T10:00:00Z", "updatedAt": "2026-10-20T10:00:00Z"},
    {"id": "mb-9003", "email": "jane.smith@acme.com", "firstName": "Jane", "lastName": "Smith", "role": "member", "status": "invited", "createdAt": "2026-12-28T10:00:00Z", "updatedAt": "2026-12-28T10:00:00Z"},
    {"id": "mb-9004", "email": "sms-vendor@agency.example", "firstName": "SMS", "lastName": "Vendor", "role": "admin", "status": "active", "createdAt": "2025-06-01T10:00:00Z", "updatedAt": "2025-06-01T10:00:00Z"},
    {"id": "mb-9005", "email": "rita.leaver@acme.com", "firstName": "Rita", "lastName": "Leaver", "role": "member", "status": "suspended", "createdAt": "2023-06-01T10:00:00Z", "updatedAt": "2026-10-16T10:00:00Z"},
]
os.makedirs(os.path.join(HERE, "tenants"), exist_ok=True)
with open(os.path.join(HERE, "tenants", "acme-bird.json"), "w") as f:
    json.dump({"kind": "messagebird", "secret": "demo-sandbox-access-key", "organization_id": "7f3c2a10-0000-4000-8000-00000000acme",
               "users": mb_users}, f, indent=1)
    f.write("\n")
with open(os.path.join(HERE, "tenants", "acme-bird.key"), "w") as f:
    f.write("demo-sandbox-access-key\n")

# ---------------------------------------------------------------- Jira Service Management site for the sandbox
# The IT help desk site (acme-help.atlassian.net), read through its API: agents in groups, emails
# hidden by privacy settings (one filled by the organization admin API, one not: unmatchable), an
# app account, employees and outside customers on two service desks, a leaver who still has an
# agent account, a deactivated agent still listed as a customer, and last activity from the
# organization API (Jira's, not Confluence's).
jrng = random.Random(5)
jsm_users = []
for i, p in enumerate(active[80:112]):
    groups = ["jira-servicemanagement-users-acme-help"]
    if i % 11 == 0:
        groups.append("jira-administrators")
    if i % 3 == 0:
        groups.append("it-support")
    recent = jrng.random() > 0.15
    last = days_before(jrng.randrange(0, 60) if recent else jrng.randrange(120, 300)).isoformat()
    u = {"accountId": "5b10" + format(jrng.getrandbits(64), "016x"), "accountType": "atlassian", "displayName": p["name"],
         "email": p["email"], "active": True, "groups": groups, "lastActive": last}
    if i % 9 == 4:
        u["emailHidden"] = True  # the organization API returns it
    if i % 5 == 2:
        u["serviceDesks"] = ["1"]  # an agent who also raises tickets as a customer
    jsm_users.append(u)
jsm_users += [
    {"accountId": "5b10jsm000000000leaver", "accountType": "atlassian", "displayName": "Rita Leaver", "email": "rita.leaver@acme.com",
     "active": True, "groups": ["jira-servicemanagement-users-acme-help", "it-support"], "lastActive": "2026-10-10"},
    {"accountId": "5b10jsm00000000deactiv", "accountType": "atlassian", "displayName": "Sam Gone", "email": "sam.gone@acme.com",
     "active": False, "groups": ["jira-servicemanagement-users-acme-help"], "serviceDesks": ["1", "2"], "lastActive": "2026-11-29"},
    {"accountId": "5b10jsm0000000confluen", "accountType": "atlassian", "displayName": "Pat Multi", "email": "pat.multi@acme.com",
     "active": True, "groups": ["jira-servicemanagement-users-acme-help"], "lastActive": "2026-06-01", "confluenceLastActive": "2026-12-30"},
    {"accountId": "5b10jsm00000000partner", "accountType": "atlassian", "displayName": "Partner Consultant", "email": "consultant@partner.example",
     "emailHidden": True, "managed": False, "active": True, "groups": ["jira-servicemanagement-users-acme-help"]},
    {"accountId": "557058:automation-for-jira", "accountType": "app", "displayName": "Automation for Jira", "active": True,
     "groups": ["atlassian-addons-admin"]},
    {"accountId": "qm:8c1e2a10-0001:5ad6d3581db05e2a66fa80b", "accountType": "customer", "displayName": "Cora Client",
     "email": "cora@client.example", "active": True, "serviceDesks": ["1", "2"]},
    {"accountId": "qm:8c1e2a10-0002:5ad6d3581db05e2a66fa80b", "accountType": "customer", "displayName": "Vik Vendor",
     "email": "vik@vendor.example", "active": True, "serviceDesks": ["2"]},
]
with open(os.path.join(HERE, "tenants", "acme-jsm.json"), "w") as f:
    json.dump({"kind": "jira_service_management", "secret": "demo-sandbox-atlassian-api-token", "username": "audit-bot@acme.com",
               "organization_id": "acme-org-4f2d", "org_api_key": "demo-sandbox-org-api-key",
               "groups": [{"name": "jira-administrators", "groupId": "2f3c0000-0000-4000-8000-000000000001"},
                          {"name": "jira-servicemanagement-users-acme-help", "groupId": "2f3c0000-0000-4000-8000-000000000002"},
                          {"name": "it-support", "groupId": "2f3c0000-0000-4000-8000-000000000003"},
                          {"name": "atlassian-addons-admin", "groupId": "2f3c0000-0000-4000-8000-000000000004"}],
               "service_desks": [{"id": "1", "projectKey": "IT", "projectName": "IT Help Desk"},
                                 {"id": "2", "projectKey": "FAC", "projectName": "Facilities"}],
               # Licences: the help desk's agents (Rita Leaver, who has left, among them) and the admins.
               "application_roles": [{"key": "jira-servicedesk", "name": "Jira Service Management",
                                      "groups": ["jira-servicemanagement-users-acme-help", "jira-administrators"]}],
               "users": jsm_users}, f, indent=1)
    f.write("\n")
for name, value in (("acme-jsm.token", "demo-sandbox-atlassian-api-token"), ("acme-jsm.org-key", "demo-sandbox-org-api-key")):
    with open(os.path.join(HERE, "tenants", name), "w") as f:
        f.write(value + "\n")

# ---------------------------------------------------------------- BlueJeans enterprise + Events for the sandbox
# Meetings users (the list without the admin flag: details are read), last logins, and Events:
# an upcoming town hall moderated by Theo Exadmin (who has left), outside panelists and attendees
# (one registration declined, one pending approval), registration-enabled events, one of whose
# keys has expired, and an attendee added through the registration API.
brng = random.Random(7)
AS_OF_MS = 1798675200000  # 2026-12-31T00:00:00Z
DAY_MS = 86400000
bj_users = []
for i, p in enumerate(active[10:40]):
    fn, ln = p["name"].split(" ", 1)
    bj_users.append({"id": 2001000 + i, "username": p["email"].split("@")[0], "firstName": fn, "lastName": ln, "email": p["email"],
                     "isEnterpriseAdmin": i % 10 == 0, "enterpriseJoinDate": AS_OF_MS - brng.randrange(100, 900) * DAY_MS,
                     "lastLogin": AS_OF_MS - (brng.randrange(1, 60) if brng.random() > 0.2 else brng.randrange(120, 400)) * DAY_MS})
bj_users.append({"id": 2001900, "username": "theo.exadmin", "firstName": "Theo", "lastName": "Exadmin", "email": "theo.exadmin@acme.com",
                 "isEnterpriseAdmin": True, "enterpriseJoinDate": AS_OF_MS - 1500 * DAY_MS, "lastLogin": AS_OF_MS - 70 * DAY_MS})
# A host of meetings without a moderator, and a meeting-room system (a device's login: no email).
bj_users[7]["isModeratorLess"] = True
bj_users.append({"id": 2001950, "username": "room-berlin-boardroom", "firstName": "Berlin", "lastName": "Boardroom", "email": "",
                 "isEnterpriseAdmin": False, "enterpriseJoinDate": AS_OF_MS - 600 * DAY_MS, "lastLogin": AS_OF_MS - 2 * DAY_MS})
organizer = bj_users[1]
bj_events = [
    {"id": "ev-townhall-q1", "ownerId": str(organizer["id"]), "title": "Q1 all-hands town hall", "start": AS_OF_MS + 20 * DAY_MS,
     "end": AS_OF_MS + 20 * DAY_MS + 2 * 3600000, "moderators": ["theo.exadmin@acme.com"], "panelists": [bj_users[2]["email"], "keynote@speakers.example"],
     "attendees": [u["email"] for u in bj_users[3:12]] + ["press@media.example",
                   {"email": "blogger@media.example", "state": "DECLINED"}, {"email": "analyst@research.example", "state": "PENDING"}],
     "approvalType": "MANUAL", "enableRegistration": True, "apiKey": "demo-event-key-townhall"},
    {"id": "ev-webinar-launch", "ownerId": str(bj_users[4]["id"]), "title": "Product launch webinar", "start": AS_OF_MS - 40 * DAY_MS,
     "end": AS_OF_MS - 40 * DAY_MS + 3600000, "moderators": [bj_users[4]["email"]], "panelists": [],
     "attendees": ["lead1@prospect.example", "lead2@prospect.example", bj_users[5]["email"],
                   {"email": "lead3@prospect.example", "state": "APPROVED", "source": "apiIntegration"}], "enableRegistration": True,
     "apiKey": "demo-event-key-launch", "apiKeyExpired": True},
    {"id": "ev-training-security", "ownerId": str(bj_users[0]["id"]), "title": "Security awareness training", "start": AS_OF_MS + 5 * DAY_MS,
     "end": AS_OF_MS + 5 * DAY_MS + 3600000, "moderators": [bj_users[0]["email"]], "panelists": [bj_users[6]["email"]],
     "attendees": [u["email"] for u in bj_users[12:25]], "enableRegistration": False},
]
with open(os.path.join(HERE, "tenants", "acme-bluejeans.json"), "w") as f:
    json.dump({"kind": "bluejeans_events", "secret": "demo-sandbox-bluejeans-client-secret", "oauth_client_id": "acme-audit-client",
               "token_scope": {"enterprise": 28663, "partitionName": "z2", "partition": {"id": 2, "name": "z2"}},
               "organization_id": "28663", "list_omits_admin": True,
               "registration_client_id": "acme-registration-app", "registration_secret": "demo-sandbox-registration-secret",
               "users": bj_users, "events": bj_events}, f, indent=1)
    f.write("\n")
for name, value in (("acme-bluejeans.secret", "demo-sandbox-bluejeans-client-secret"), ("acme-bluejeans.registration-secret", "demo-sandbox-registration-secret")):
    with open(os.path.join(HERE, "tenants", name), "w") as f:
        f.write(value + "\n")

# ---------------------------------------------------------------- BeyondTrust PRA (config_api) for the sandbox
# The privileged remote access appliance: IT staff with perm_admin, support technicians, a vendor
# account nobody owns, a terminated administrator still enabled, a disabled leaver, a dormant admin;
# staff sign in with SAML, the vendor admin and one technician with local passwords.
trng = random.Random(11)
bt_users = []
bt_people = [q for q in active if q["dept"] == "IT"][:10]
bt_people += [q for q in active[60:70] if q not in bt_people]
for i, p in enumerate(bt_people):
    admin = i < 4
    last = days_before(trng.randrange(1, 40) if trng.random() > 0.15 else trng.randrange(100, 300))
    bt_users.append({"id": 300 + i, "username": p["email"].split("@")[0], "display_name": p["name"], "email": p["email"], "enabled": True,
                     "perm_admin": admin, "groups": ["Administrators"] if admin else ["Support Technicians"],
                     "last_login": last.isoformat() + "T09:30:00Z", "created_at": "2024-03-01T08:00:00Z"})
bt_users += [
    {"id": 390, "username": "ken.admin", "display_name": "Ken Terminated-Owner", "email": "ken.terminated-owner@acme.com", "enabled": True,
     "perm_admin": True, "groups": ["Administrators"], "last_login": "2026-08-20T07:00:00Z", "created_at": "2021-05-01T08:00:00Z"},
    {"id": 391, "username": "rita.leaver", "display_name": "Rita Leaver", "email": "rita.leaver@acme.com", "enabled": False,
     "perm_admin": False, "groups": ["Support Technicians"], "last_login": "2026-10-10T07:00:00Z", "created_at": "2023-02-01T08:00:00Z"},
    {"id": 392, "username": "vendor-hvac", "display_name": "HVAC Vendor Access", "email": "support@hvac-vendor.example", "enabled": True,
     "perm_admin": True, "groups": ["Vendors"], "last_login": "2026-12-02T07:00:00Z", "created_at": "2025-09-01T08:00:00Z"},
]
# Staff sign in through Okta (SAML, provider 2); the vendor account and one technician (the
# first support technician, who never moved over) still use local passwords (provider 1).
for u in bt_users:
    u["security_provider_id"] = 1 if u["id"] in (392, 304) else 2
with open(os.path.join(HERE, "tenants", "acme-pra.json"), "w") as f:
    json.dump({"kind": "beyondtrust", "secret": "demo-sandbox-pra-client-secret", "oauth_client_id": "acme-pra-api-account",
               "groups": [{"id": 1, "name": "Administrators"}, {"id": 2, "name": "Support Technicians"}, {"id": 3, "name": "Vendors"}],
               "security_providers": [{"id": 1, "type": "local", "name": "Local"}, {"id": 2, "type": "saml", "name": "Okta SAML"}],
               # The audit's API account was given full access to the command API: more than it needs
               # (the Configuration API it needs has no read-only level; read_only exists for commands).
               "api_permissions": {"perm_command": "full_access", "perm_configuration": 1, "perm_reporting": 1,
                                   "perm_backup": 0},
               "users": bt_users}, f, indent=1)
    f.write("\n")
with open(os.path.join(HERE, "tenants", "acme-pra.secret"), "w") as f:
    f.write("demo-sandbox-pra-client-secret\n")

# ---------------------------------------------------------------- a SCIM 2.0 app (Figma-like) for the sandbox
# Entra-style quirks: booleans as strings and itemsPerPage echoing the request; a leaver still
# active, a deactivated one, an outside designer, an admin by role and one by group.
srng = random.Random(13)
scim_users = []
for i, p in enumerate(active[90:115]):
    first, last = p["name"].split(" ", 1)
    u = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "fg-%04d" % i, "userName": p["email"],
         "name": {"givenName": first, "familyName": last}, "active": True,
         "emails": [{"value": p["email"], "type": "work", "primary": True}],
         "meta": {"resourceType": "User", "created": days_before(srng.randrange(30, 700)).isoformat() + "T08:00:00Z"}}
    if i == 0:
        u["roles"] = [{"value": "admin", "primary": True}]
    scim_users.append(u)
scim_users += [
    {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "fg-9001", "userName": "rita.leaver@acme.com",
     "displayName": "Rita Leaver", "active": True, "emails": [{"value": "rita.leaver@acme.com", "type": "work"}]},
    {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "fg-9002", "userName": "sam.gone@acme.com",
     "displayName": "Sam Gone", "active": False, "emails": [{"value": "sam.gone@acme.com"}]},
    {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "fg-9003", "userName": "freelance.designer@studio.example",
     "displayName": "Freelance Designer", "active": True},
]
scim_groups = [
    {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "fg-g1", "displayName": "Figma Admins",
     "members": [{"value": "fg-0001"}, {"value": "fg-9001"}]},
    {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "fg-g2", "displayName": "Design",
     "members": [{"value": u["id"]} for u in scim_users[::3]]},
]
with open(os.path.join(HERE, "tenants", "acme-figma.json"), "w") as f:
    json.dump({"kind": "scim", "secret": "demo-sandbox-scim-token", "users": scim_users, "groups": scim_groups,
               "scim_quirks": {"string_booleans": True, "items_per_page_is_count": True}}, f, indent=1)
    f.write("\n")
with open(os.path.join(HERE, "tenants", "acme-figma.token"), "w") as f:
    f.write("demo-sandbox-scim-token\n")

# ---------------------------------------------------------------- the identity provider: an Okta org for the sandbox
# Everyone in the roster has an Okta account (leavers deprovisioned), except: Rita Leaver is still
# active in Okta; Lea (on leave) is suspended; a new hire is staged before HR has her. Omar, a
# super administrator, has no second factor, nor do a few others. Figma is assigned to the Design
# group (and one admin directly); one Figma user is in neither: access granted outside Okta.
orng = random.Random(27)
OKTA_FIGMA = "0oa1figma2demo3x4y5"
def okta_uid(i):
    return "00uacme%013d" % i
okta_of = {}
okta_users = []
design = set(u["userName"] for u in scim_users if u["id"] != "fg-0010" and "@acme.com" in u["userName"])
for i, p in enumerate(people):
    email = p["email"]
    okta_of[email] = okta_uid(i)
    terminated = p["status"].lower() == "terminated" or (p["term"] and p["term"] <= "2026-12-31")
    if email == "rita.leaver@acme.com":
        status = "ACTIVE"
    elif terminated:
        status = "DEPROVISIONED"
    elif p["status"].lower() == "on leave":
        status = "SUSPENDED"
    else:
        status = "ACTIVE"
    first, last = p["name"].split(" ", 1)
    login = days_before(orng.randrange(0, 45)) if orng.random() > 0.06 else days_before(orng.randrange(120, 300))
    u = {"id": okta_uid(i), "status": status, "created": "2024-01-15T09:00:00.000Z",
         "lastLogin": login.isoformat() + "T08:30:00.000Z",
         "profile": {"login": email, "email": email, "firstName": first, "lastName": last, "employeeNumber": p["id"],
                     "department": p["dept"], "managerId": p["manager"]},
         "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
         "groups": ["00gacme-everyone", "00gacme-" + p["dept"].lower()] + (["00gacme-design"] if email in design else [])}
    if status != "DEPROVISIONED":
        u["factors"] = [] if (email == "omar.owner@acme.com" or orng.random() < 0.04) else [{"factorType": "push", "status": "ACTIVE"}]
    if email == "omar.owner@acme.com":
        u["roles"] = ["SUPER_ADMIN"]
    elif email == people[0]["email"]:
        u["roles"] = ["ORG_ADMIN"]
    okta_users.append(u)
okta_users.append({"id": okta_uid(900), "status": "STAGED", "created": "2026-12-20T09:00:00.000Z", "lastLogin": None,
                   "profile": {"login": "new.hire@acme.com", "email": "new.hire@acme.com", "firstName": "New", "lastName": "Hire"},
                   "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}}, "groups": ["00gacme-everyone"]})
okta_groups = [{"id": "00gacme-everyone", "name": "Everyone", "type": "BUILT_IN"}, {"id": "00gacme-design", "name": "Design"}]
okta_groups += [{"id": "00gacme-" + d.lower(), "name": d} for d in sorted(set(DEPTS))]
okta_apps = [
    {"id": OKTA_FIGMA, "label": "Figma", "name": "figma", "groups": ["00gacme-design"],
     "users": [okta_of[u["userName"]] for u in scim_users if u["id"] == "fg-0000"]},
    {"id": "0oa1jira2demo3x4y5z6", "label": "Jira Service Management", "name": "atlassian", "groups": ["00gacme-engineering", "00gacme-it"]},
]
okta_tokens = [
    {"id": "00Tacme0000000000001", "name": "HR sync", "userId": okta_of["ken.terminated-owner@acme.com"], "clientName": "Okta API",
     "created": "2026-02-01T00:00:00.000Z", "expiresAt": "2027-01-05T00:00:00.000Z"},
    {"id": "00Tacme0000000000002", "name": "access review", "userId": okta_of["omar.owner@acme.com"], "clientName": "Okta API",
     "created": "2026-12-01T00:00:00.000Z", "expiresAt": "2027-01-20T00:00:00.000Z"},
]
with open(os.path.join(HERE, "tenants", "acme-okta.json"), "w") as f:
    json.dump({"kind": "okta", "secret": "demo-sandbox-okta-token", "users": okta_users, "groups": okta_groups,
               "apps": okta_apps, "api_tokens": okta_tokens, "rate_limit": {"limit": 600, "window_ms": 60000}}, f, indent=1)
    f.write("\n")
with open(os.path.join(HERE, "tenants", "acme-okta.token"), "w") as f:
    f.write("demo-sandbox-okta-token\n")

# ---------------------------------------------------------------- Microsoft Entra ID: the Azure directory of IT
# IT's Azure directory (synced from the company's Active Directory): five IT people, one of them a
# Global Administrator; the leaver Ken disabled; a consultant invited as a guest who never
# accepted. App registrations: "Payroll export", whose client secret expired in October and whose
# only owner has left, and "Backup agent", whose certificate expires in January.
it_people = [p for p in people if p["dept"] == "IT" and p["status"].lower() == "active" and "@" in p["email"]][:5]
entra_users = []
for i, p in enumerate(it_people):
    entra_users.append({"id": "ent-%04d" % i, "displayName": p["name"], "mail": p["email"], "userPrincipalName": p["email"],
                        "accountEnabled": True, "userType": "Member", "onPremisesSyncEnabled": True, "employeeId": p["id"],
                        "department": p["dept"], "createdDateTime": "2024-03-01T09:00:00Z",
                        "signInActivity": {"lastSignInDateTime": days_before(3 + i).isoformat() + "T08:00:00Z"},
                        "groups": ["ent-g-it"], "mfa": True,
                        **({"roles": ["Global Administrator"]} if i == 0 else {})})
entra_users += [
    {"id": "ent-0900", "displayName": "Ken Terminated-Owner", "mail": "ken.terminated-owner@acme.com",
     "userPrincipalName": "ken.terminated-owner@acme.com", "accountEnabled": False, "userType": "Member",
     "onPremisesSyncEnabled": True, "createdDateTime": "2023-05-01T09:00:00Z",
     "signInActivity": {"lastSignInDateTime": "2026-08-30T08:00:00Z"}, "mfa": True},
    {"id": "ent-0901", "displayName": "Cloud Consultant", "mail": None,
     "userPrincipalName": "consultant_partner.example#EXT#@acmecorp.onmicrosoft.com", "accountEnabled": True,
     "userType": "Guest", "externalUserState": "PendingAcceptance", "externalUserStateChangeDateTime": "2026-11-02T10:00:00Z",
     "createdDateTime": "2026-11-02T10:00:00Z"},
]
entra = {"kind": "entra", "secret": "demo-sandbox-entra-client-secret", "oauth_client_id": "5d3c0b8e-0000-4aa1-9c1e-acmeaudit001",
         "users": entra_users,
         "groups": [{"id": "ent-g-it", "displayName": "IT"}],
         "service_principals": [{"id": "ent-sp-devops", "appId": "499b84ac-1321-427f-aa17-267ca6975798", "displayName": "Azure DevOps",
                                 "groups": ["ent-g-it"]}],
         "applications": [
             {"id": "ent-app-payroll", "appId": "9a0c1d2e-0000-4b1b-8f00-acmepayroll1", "displayName": "Payroll export",
              "passwordCredentials": [{"keyId": "7f1e0000-0000-4000-8000-000000000001", "displayName": "prod", "hint": "Xq~",
                                       "startDateTime": "2025-10-15T00:00:00Z", "endDateTime": "2026-10-15T00:00:00Z"}],
              "keyCredentials": [], "owners": ["ent-0900"]},
             {"id": "ent-app-backup", "appId": "9a0c1d2e-0000-4b1b-8f00-acmebackup01", "displayName": "Backup agent",
              "passwordCredentials": [],
              "keyCredentials": [{"keyId": "7f1e0000-0000-4000-8000-000000000002", "displayName": "CN=backup-agent", "type": "AsymmetricX509Cert",
                                  "usage": "Verify", "startDateTime": "2026-01-10T00:00:00Z", "endDateTime": "2027-01-10T00:00:00Z"}],
              "owners": ["ent-0000"]},
         ]}
with open(os.path.join(HERE, "tenants", "acme-entra.json"), "w") as f:
    json.dump(entra, f, indent=1)
    f.write("\n")
with open(os.path.join(HERE, "tenants", "acme-entra.secret"), "w") as f:
    f.write("demo-sandbox-entra-client-secret\n")

# ---------------------------------------------------------------- overrides and exceptions
write("overrides.csv", ["app", "account_id", "action", "person_email", "owner_email", "reason"], [
    ["jira-cloud", "5b10hidden00000000003", "link", "omar.owner@acme.com", "", "email hidden by Atlassian privacy settings; confirmed by IT-4411"],
    ["github-acme", "ci-deploy-bot", "service", "", "omar.owner@acme.com", "CI deploy key owner"],
    ["github-acme", "release-bot", "service", "", "ken.terminated-owner@acme.com", "release automation"],
    ["salesforce", "integration@acme.com.sf", "service", "", "omar.owner@acme.com", "ERP integration user"],
])
write("exceptions.csv", ["finding_id", "app", "account_id", "category", "reason", "approved_by", "expires", "ticket"], [
    ["", "slack", "U0OMAR0001", "admin", "Primary owner of the workspace (break-glass)", "ciso@acme.com", "2027-06-30", "RISK-101"],
    ["", "jira-cloud", "5b10contractor00000001", "orphaned", "Contractor until Q1; offboarding ticket open", "it-lead@acme.com", "2026-12-01", "RISK-090"],
    ["", "github-acme", "no-such-account", "", "Left over from last quarter", "it-lead@acme.com", "2027-03-31", "RISK-077"],
    # A separation-of-duties exception names the rule as its app and the person as its account.
    ["", "change-author-vs-approver", "E1069", "sod_conflict",
     "Compensating control: every Salesforce production change needs a second approver in the change calendar",
     "cfo@acme.com", "2027-06-30", "RISK-112"],
])
print("wrote sample-data/ (hr.csv, exports/*.csv, tenants/, overrides.csv, exceptions.csv)")
