"""smtp.py - a local SMTP server (aiosmtpd) for tbm-notify's tests: each
mail becomes one JSON line in LOG (from, to, subject, body decoded, and how
the session came: tls, the account it logged in as).
usage: smtp.py LOG [--smtps | --starttls] [--cert CRT --key KEY] [--auth USER:PASSWORD]
  --smtps     TLS from the first byte (smtps://)
  --starttls  plain first, STARTTLS offered (smtp://)
  --auth      AUTH required; each attempt is a line {"auth": USER, "ok": BOOL} in LOG
prints "listening PORT" once it accepts connections."""
import argparse
import email
import email.header
import email.policy
import json
import socket
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

ap = argparse.ArgumentParser()
ap.add_argument("log")
ap.add_argument("--smtps", action="store_true")
ap.add_argument("--starttls", action="store_true")
ap.add_argument("--cert")
ap.add_argument("--key")
ap.add_argument("--auth")
a = ap.parse_args()
LOG = a.log


def record(rec):
    with open(LOG, "a", encoding="utf-8") as f:
        f.write(json.dumps(rec, ensure_ascii=False) + "\n")


def tls(session):
    return a.smtps or session.ssl is not None


class Handler:
    async def handle_DATA(self, server, session, envelope):
        m = email.message_from_bytes(envelope.content, policy=email.policy.default)
        login = session.auth_data if session.authenticated else None
        record({"from": envelope.mail_from, "to": envelope.rcpt_tos, "subject": str(m["subject"]),
                "body": m.get_content(), "t": time.time(),
                "tls": tls(session), "login": login})
        return "250 Message accepted for delivery"


def authenticator(server, session, envelope, mechanism, auth_data):
    user, _, password = a.auth.partition(":")
    got = auth_data.login.decode() if auth_data.login else ""
    ok = got == user and auth_data.password.decode() == password
    record({"auth": got, "ok": ok, "tls": tls(session)})
    return AuthResult(success=ok, auth_data=got)


ctx = None
if a.cert:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(a.cert, a.key)
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
kw = {}
if a.auth:
    # over smtps the whole session is TLS, but aiosmtpd 1.4 only counts
    # STARTTLS as such: AUTH before TLS is refused where STARTTLS is offered
    kw.update(authenticator=authenticator, auth_required=True, auth_require_tls=a.starttls)
if a.smtps:
    kw["ssl_context"] = ctx
elif a.starttls:
    kw.update(tls_context=ctx, require_starttls=False)
c = Controller(Handler(), hostname="127.0.0.1", port=port, server_hostname="127.0.0.1", **kw)
c.start()   # returns once the server answers
print("listening", port, flush=True)
try:
    while True:
        time.sleep(3600)
except KeyboardInterrupt:
    pass
finally:
    c.stop()
