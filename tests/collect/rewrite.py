"""rewrite.py - what a local writer can do to an unkeyed chain: change one
audit record of a base's SQLite database (and its fault row, so that
`tbmctl verify` on the base still passes), then recompute every hash from
there on. The centre holds its own copy and must notice.

usage: rewrite.py DATABASE SEQ"""
import json
import sqlite3
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from mkrecord import audit_hash  # noqa: E402

db, seq = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db)
fid, detail = c.execute("select fault_id, detail from audit where seq = ?", (seq,)).fetchone()
d = json.loads(detail)
# the fault opened a minute later than it did: less time with a fault
d["opened_at"] = d["opened_at"] + 60000
c.execute("update audit set detail = ? where seq = ?", (json.dumps(d, separators=(",", ":")), seq))
c.execute("update faults set opened_at = ? where id = ?", (d["opened_at"], fid))
prev = c.execute("select hash from audit where seq = ?", (seq - 1,)).fetchone()
prev = prev[0] if prev else "0" * 64
for s, at, f, action, actor, det in c.execute(
        "select seq, at, coalesce(fault_id, 0), action, actor, detail from audit where seq >= ? order by seq",
        (seq,)).fetchall():
    h = audit_hash(s, at, f, action, actor, det, prev)
    c.execute("update audit set prev_hash = ?, hash = ? where seq = ?", (prev, h, s))
    prev = h
c.commit()
