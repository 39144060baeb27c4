"""robot.py - a local HTTP server that answers like the WeCom, DingTalk and
Feishu group robots and a generic webhook, for tbm-notify's tests.

usage: robot.py LOG SPEC_JSON
SPEC: {"wecom": {"KEY": {...}}, "dingtalk": {"TOKEN": {"secret": S, ...}},
       "feishu": {"TOKEN": {"secret": S, ...}}, "webhook": {"NAME": {...}}}
Per robot: "fail": [CODE, ...] answers the first requests with these
(500: HTTP 500; "rate": the robot's rate-limit answer), then accepts;
"hold": SECONDS takes the first request (a line "arrived" in LOG at once),
then answers it that much later, as a slow robot whose message is already
in the group.
Each request is one JSON line in LOG: kind, robot, accepted, text/body, t.
Prints "listening PORT" once it accepts connections.
"""
import base64
import hashlib
import hmac
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG, SPEC = sys.argv[1], json.loads(sys.argv[2])
lock = threading.Lock()
served = {}

RATE = {
    "wecom": {"errcode": 45009, "errmsg": "api freq out of limit"},
    "dingtalk": {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"},
    "feishu": {"code": 11232, "msg": "frequency limited psm[lark.oapi.app_platform_runtime]appID[1]"},
}
BADKEY = {
    "wecom": {"errcode": 93000, "errmsg": "invalid webhook url"},
    "dingtalk": {"errcode": 300001, "errmsg": "token is not exist"},
    "feishu": {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"},
}
OK = {"wecom": {"errcode": 0, "errmsg": "ok"}, "dingtalk": {"errcode": 0, "errmsg": "ok"},
      "feishu": {"code": 0, "data": {}, "msg": "success"}}


def which(path):
    u = urllib.parse.urlsplit(path)
    q = urllib.parse.parse_qs(u.query)
    if u.path == "/cgi-bin/webhook/send":
        return "wecom", q.get("key", [""])[0], q
    if u.path == "/robot/send":
        return "dingtalk", q.get("access_token", [""])[0], q
    if u.path.startswith("/open-apis/bot/v2/hook/"):
        return "feishu", u.path.rsplit("/", 1)[1], q
    if u.path.startswith("/hook/"):
        return "webhook", u.path.rsplit("/", 1)[1], q
    return None, None, q


class Robot(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True   # headers and body go out at once, as from a real server

    def log_message(self, *a):
        pass

    def answer(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        kind, name, q = which(self.path)
        spec = SPEC.get(kind, {}).get(name) if kind else None
        rec = {"kind": kind, "robot": name, "t": time.time(), "accepted": False}
        try:
            msg = json.loads(body)
        except ValueError:
            msg = None
        rec["body"] = msg
        if kind == "wecom" or kind == "dingtalk":
            rec["text"] = ((msg or {}).get("text") or {}).get("content")
        elif kind == "feishu":
            rec["text"] = ((msg or {}).get("content") or {}).get("text")
        status, reply = 200, OK.get(kind, {})
        with lock:
            n = served.get((kind, name), 0)
            served[(kind, name)] = n + 1
            if n == 0 and (spec or {}).get("hold"):
                with open(LOG, "a", encoding="utf-8") as f:
                    f.write(json.dumps(dict(rec, why="arrived"), ensure_ascii=False) + "\n")
        if n == 0 and (spec or {}).get("hold"):
            time.sleep(spec["hold"])
        with lock:
            fails = (spec or {}).get("fail", [])
            if spec is None:
                status, reply = (404, {}) if kind in (None, "webhook") else (200, BADKEY[kind])
                rec["why"] = "unknown robot"
            elif n < len(fails):
                f = fails[n]
                status, reply = (500, {"error": "internal"}) if f == 500 else (200, RATE[kind])
                rec["why"] = str(f)
            elif spec.get("secret") and kind == "dingtalk":
                ts = q.get("timestamp", [""])[0]
                want = base64.b64encode(hmac.new(spec["secret"].encode(),
                                                 f"{ts}\n{spec['secret']}".encode(),
                                                 hashlib.sha256).digest()).decode()
                if q.get("sign", [""])[0] != want or abs(time.time() * 1000 - int(ts or 0)) > 3600e3:
                    status, reply = 200, {"errcode": 310000, "errmsg": "sign not match"}
                    rec["why"] = "sign"
            elif spec.get("secret") and kind == "feishu":
                ts = str((msg or {}).get("timestamp", ""))
                want = base64.b64encode(hmac.new(f"{ts}\n{spec['secret']}".encode(), b"",
                                                 hashlib.sha256).digest()).decode()
                if (msg or {}).get("sign") != want:
                    status, reply = 200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}
                    rec["why"] = "sign"
            if "why" not in rec:
                rec["accepted"] = True
            with open(LOG, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        self.answer(status, reply)


srv = ThreadingHTTPServer(("127.0.0.1", 0), Robot)
print("listening", srv.server_address[1], flush=True)
srv.serve_forever()
