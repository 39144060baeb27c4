#!/bin/bash
# run.sh - the demo base: tbm-sim serves base.sim on 127.0.0.1:15020-15022,
# then tbmond watches it with tbmond.conf (database demo.db beside it).
# Ctrl-C stops both. Usage: config/demo/run.sh [TBMOND-ARGS...]
#   BUILD=build-dir (default: build), or TBM_SIM=... TBMOND=... to point at the programs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-$here/../../build}
sim=${TBM_SIM:-$build/tools/tbm-sim/tbm-sim}
tbmond=${TBMOND:-$build/daemon/tbmond}

for prog in "$sim" "$tbmond"; do
	[ -x "$prog" ] || { echo "run.sh: $prog: not built (set BUILD=...)" >&2; exit 1; }
done
"$tbmond" -n -c "$here/tbmond.conf"

coproc SIM { exec "$sim" "$here/base.sim"; }
simpid=$SIM_PID
exec 3<&"${SIM[0]}"   # coproc fds do not reach subshells; a plain fd does
trap 'kill "$simpid" 2>/dev/null || true; wait "$simpid" 2>/dev/null || true' EXIT
# wait for the simulator to listen: its "ready" line, no sleeping
while IFS= read -r line <&3; do
	echo "tbm-sim: $line"
	[ "$line" = ready ] && break
done
[ "${line:-}" = ready ] || { echo "run.sh: tbm-sim did not start" >&2; exit 1; }
# the timeline's "at ..." lines, as they happen
sed -u 's/^/tbm-sim: /' <&3 &

"$tbmond" -c "$here/tbmond.conf" "$@"
