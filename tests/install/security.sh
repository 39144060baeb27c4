#!/bin/bash
# security.sh UNIT MAX - systemd-analyze security --offline=yes rates the
# unit's exposure at MAX or lower (0 = fully sandboxed, 10 = not at all).
set -uo pipefail
unit=$1 max=$2
if ! command -v systemd-analyze >/dev/null; then
	echo "SKIP: systemd-analyze not found (apt-get install systemd)"
	exit 77
fi
[ -f "$unit" ] || { echo "FAIL: $unit is missing"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The unit's name matters to systemd-analyze; give it its own directory.
name=$(basename "$unit")
cp "$unit" "$tmp/$name"
out=$(cd "$tmp" && SYSTEMD_COLORS=0 systemd-analyze security --offline=yes --no-pager "$name" 2>&1)
rc=$?
if echo "$out" | grep -q "unrecognized option\|Unknown option"; then
	echo "SKIP: this systemd-analyze has no --offline (systemd < 250)"
	exit 77
fi
level=$(echo "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9.]*\).*/\1/p' | tail -1)
if [ -z "$level" ]; then
	echo "$out"
	echo "FAIL: no 'Overall exposure level' in the output (exit $rc)"
	exit 1
fi
# the settings that cost something, for the log
echo "$out" | grep '✗' || true
echo "Overall exposure level: $level (at most $max)"
awk -v l="$level" -v m="$max" 'BEGIN { exit !(l + 0 <= m + 0) }' || { echo "FAIL: $level > $max"; exit 1; }
