"""smtp.py - a local SMTP server (aiosmtpd) for tbm-notify's tests: each
mail becomes one JSON line in LOG (from, to, subject, body decoded).
usage: smtp.py LOG; prints "listening PORT" once it accepts connections."""
import email
import email.header
import email.policy
import json
import socket
import sys
import time

from aiosmtpd.controller import Controller

LOG = sys.argv[1]


class Handler:
    async def handle_DATA(self, server, session, envelope):
        m = email.message_from_bytes(envelope.content, policy=email.policy.default)
        rec = {"from": envelope.mail_from, "to": envelope.rcpt_tos, "subject": str(m["subject"]),
               "body": m.get_content(), "t": time.time()}
        with open(LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        return "250 Message accepted for delivery"


s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
c = Controller(Handler(), hostname="127.0.0.1", port=port)
c.start()   # returns once the server answers
print("listening", port, flush=True)
try:
    while True:
        time.sleep(3600)
except KeyboardInterrupt:
    pass
finally:
    c.stop()
