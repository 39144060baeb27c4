#!/bin/bash
# tmpfiles_acl.sh TMPFILES - the tmpfiles.d lines that let tbm-notify (its
# own user) write the database give that user alone read-write access: the
# owner keeps rw, group tbmon stays read-only, others nothing; a file that is
# not there yet is skipped. Real systemd-tmpfiles on a scratch root; the
# user is `nobody` here, as tbm-notify need not exist on the build machine.
set -uo pipefail
conf=$1
command -v systemd-tmpfiles >/dev/null || { echo "SKIP: systemd-tmpfiles not found"; exit 77; }
[ -x /usr/bin/python3 ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "SKIP: no user nobody"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/var/lib/tbmon"
touch "$tmp/var/lib/tbmon/tbmon.db"
chmod 0640 "$tmp/var/lib/tbmon/tbmon.db"
grep '^a+ /var/lib/tbmon/' "$conf" | sed 's/user:tbm-notify:/user:nobody:/' >"$tmp/acl.conf"
[ "$(grep -c . "$tmp/acl.conf")" -ge 1 ] || { echo "FAIL: no ACL lines for tbm-notify in $conf"; exit 1; }
systemd-tmpfiles --root="$tmp" --create "$tmp/acl.conf" || { echo "FAIL: systemd-tmpfiles"; exit 1; }
[ ! -e "$tmp/var/lib/tbmon/tbmon.db-wal" ] || { echo "FAIL: a missing file was created"; exit 1; }
got=$(/usr/bin/python3 - "$tmp/var/lib/tbmon/tbmon.db" "$(id -u nobody)" <<'PYEOF'
import os, struct, sys
# the xattr of a POSIX ACL: a version word, then (tag, perm, id) entries
b = os.getxattr(sys.argv[1], "system.posix_acl_access")
names = {1: "owner", 2: "user", 4: "group", 0x10: "mask", 0x20: "other"}
out = []
for i in range(4, len(b), 8):
    tag, perm, uid = struct.unpack("<HHI", b[i:i + 8])
    who = names.get(tag, hex(tag)) + (":nobody" if tag == 2 and uid == int(sys.argv[2]) else "")
    out.append("%s=%s" % (who, "".join(c if perm & m else "-" for c, m in (("r", 4), ("w", 2), ("x", 1)))))
print(" ".join(out))
PYEOF
) || { echo "FAIL: cannot read the ACL"; exit 1; }
echo "ACL: $got"
[ "$got" = "owner=rw- user:nobody=rw- group=r-- mask=rw- other=---" ] ||
	{ echo "FAIL: expected owner=rw- user:nobody=rw- group=r-- mask=rw- other=---"; exit 1; }
echo "ok: tbm-notify's user reads and writes the database, group tbmon only reads"
