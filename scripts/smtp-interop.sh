#!/usr/bin/env bash
# SMTP interoperability (issue 28): installs an independent SMTP server from PyPI (aiosmtpd,
# pinned), starts it on 127.0.0.1 with STARTTLS required (a certificate made here by openssl, given
# to access-audit as [notify] ca_file) and AUTH required (a password access-audit reads from a
# file), plans the sample company's campaign and sends its reminders with `campaign remind` ten
# days after the due date (escalation copies managers). Then checks what arrived: one message per
# reviewer recorded as sent, each to its reviewer, its Cc the manager reminders.jsonl names, its
# packet attached byte for byte, the login the server saw; and `verify` passes on the pack.
# Skips loudly (exit 0) only when PyPI cannot be reached. Run by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
work=target/smtp-interop
venv=$work/venv
mkdir -p "$work"

. scripts/pypi-venv.sh
pypi_venv "$venv" "aiosmtpd==1.4.6" aiosmtpd "SMTP interoperability test"

command -v openssl >/dev/null || { echo "openssl is needed to make the server's certificate" >&2; exit 1; }

cargo build --quiet --bin access-audit
bin=$PWD/target/debug/access-audit
rm -rf "$work/data" "$work/report" "$work/inbox"
mkdir -p "$work/inbox"
# A CA of this run (what access-audit is told to trust), and the server's certificate for
# 127.0.0.1 signed by it.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=access-audit interop CA" -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$work/server.ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
  -extfile "$work/server.ext" -out "$work/server.pem" 2>/dev/null
password=interop-$RANDOM-$RANDOM
printf '%s\n' "$password" > "$work/smtp-password"
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()")

"$venv/bin/python" - "$port" "$work/server.pem" "$work/server.key" "$password" "$work/inbox" > "$work/server.log" 2>&1 <<'PY' &
import asyncio, json, os, ssl, sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
port, cert, key, password, inbox = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)
logins = []
def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.password.decode() == password
    logins.append({"mechanism": mechanism, "login": auth_data.login.decode() if ok else None, "tls": session.ssl is not None})
    return AuthResult(success=ok)
class Inbox:
    n = 0
    async def handle_DATA(self, server, session, envelope):
        Inbox.n += 1
        with open(os.path.join(inbox, f"{Inbox.n:04}.json"), "w") as f:
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos, "data": envelope.content.decode("utf-8", "replace"),
                       "tls": session.ssl is not None, "login": session.authenticated and logins[-1]["login"]}, f)
        return "250 Message accepted for delivery"
controller = Controller(Inbox(), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                        auth_required=True, authenticator=authenticator)
controller.start()
print("listening", flush=True)
time.sleep(600)
PY
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q listening "$work/server.log" 2>/dev/null && break; sleep 0.2; done
grep -q listening "$work/server.log" || { cat "$work/server.log"; echo "aiosmtpd did not start" >&2; exit 1; }

# The sample company, its [notify] pointed at the server.
cp -r sample-data "$work/data"
python3 - "$work/data/config.toml" "$port" "$PWD/$work/ca.pem" "$PWD/$work/smtp-password" <<'PY'
import re, sys
path, port, cert, secret = sys.argv[1:]
text = open(path).read()
start = text.index("[notify]")
end = text.index("\n[", start + 1)
notify = f'[notify]\nhost = "127.0.0.1"\nport = {port}\ntls = "starttls"\nca_file = "{cert}"\nusername = "access-review@acme.com"\npassword = {{ file = "{secret}" }}\nfrom = "Acme access review <access-review@acme.com>"\n'
open(path, "w").write(text[:start] + notify + text[end:])
PY
"$bin" -q demo --out "$work/report" > /dev/null 2>&1
"$bin" -q campaign plan --report "$work/report" --config "$work/data/config.toml" > /dev/null 2>&1
"$bin" campaign remind --report "$work/report" --config "$work/data/config.toml" --on 2027-02-10 2>"$work/remind.log" \
  || { cat "$work/remind.log" "$work/server.log"; echo "campaign remind failed" >&2; exit 1; }
"$bin" verify "$work/report" > /dev/null

python3 - "$work/report" "$work/inbox" <<'PY'
import email, glob, json, os, re, sys
report, inbox = sys.argv[1], sys.argv[2]
sent = [json.loads(l) for l in open(os.path.join(report, "campaign", "reminders.jsonl"))]
received = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(inbox, "*.json")))]
problems = []
if not sent or any(s["result"] != "sent" for s in sent):
    problems.append(f"not every reminder was sent: {[s['result'] for s in sent]}")
if len(received) != len(sent):
    problems.append(f"{len(sent)} reminders sent, {len(received)} arrived")
by_to = {}
for m in received:
    msg = email.message_from_string(m["data"])
    by_to[msg["To"]] = (m, msg)
for s in sent:
    m, msg = by_to.get(s["to"], (None, None))
    if msg is None:
        problems.append(f"nothing arrived for {s['to']}"); continue
    if not m["tls"] or m["login"] != "access-review@acme.com":
        problems.append(f"{s['to']}: sent without STARTTLS or login ({m['tls']}, {m['login']})")
    unfold = lambda h: re.sub(r"\r?\n(?=[ \t])", "", h or "")
    if msg["Message-ID"] != s["message_id"] or unfold(msg["Subject"]) != s["subject"]:
        problems.append(f"{s['to']}: Message-ID or Subject differ from reminders.jsonl")
    if (s["cc"] or None) != (msg["Cc"] or None) or (s["cc"] and s["cc"] not in m["to"]):
        problems.append(f"{s['to']}: Cc {msg['Cc']!r}, envelope {m['to']}, recorded {s['cc']!r}")
    parts = [p for p in msg.walk() if p.get_filename()]
    packet = open(os.path.join(report, s["packet"]), "rb").read()
    if len(parts) != 1 or parts[0].get_payload(decode=True) != packet:
        problems.append(f"{s['to']}: the packet {s['packet']} is not attached byte for byte")
escalated = sum(1 for s in sent if s["cc"])
if escalated == 0:
    problems.append("ten days past the due date with escalate_after_days = 7, nobody was copied")
if problems:
    print("SMTP INTEROP FAILED:\n  " + "\n  ".join(problems)); sys.exit(1)
print(f"aiosmtpd (STARTTLS, AUTH) received {len(received)} reminders, {escalated} copied to a manager, every packet intact")
PY
