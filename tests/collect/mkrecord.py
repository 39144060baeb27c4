"""mkrecord.py - an event message for the tests, with a hash computed as
lib/audit.c does (the canonical, length-prefixed form), so that a test can
publish a record the base never made: one from the future, one of a site
the centre does not know, one whose hash is wrong.

usage: mkrecord.py SITE SEQ PREV_HASH [--bad-hash] [--detail JSON]"""
import hashlib
import json
import sys


def audit_hash(seq, at, fault_id, action, actor, detail, prev):
    md = hashlib.sha256()
    for part in ("tbmon-audit-1", "%d|%d|%d" % (seq, at, fault_id), action, actor, detail, prev):
        b = part.encode()
        md.update(b"%d:" % len(b))
        md.update(b)
    return md.hexdigest()


def main():
    site, seq, prev = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    detail = '{"note":"made by a test"}'
    if "--detail" in sys.argv:
        detail = sys.argv[sys.argv.index("--detail") + 1]
    at = 1700000000000
    h = audit_hash(seq, at, 0, "report", "test", detail, prev)
    if "--bad-hash" in sys.argv:
        h = ("f" if h[0] != "f" else "e") + h[1:]
    rec = {"site": site, "seq": seq, "at_ms": at, "fault_id": None, "action": "report",
           "actor": "test", "detail": detail, "prev_hash": prev, "hash": h}
    print(json.dumps({"site": site, "seq": seq, "action": "report", "audit": rec}))


if __name__ == "__main__":
    main()
