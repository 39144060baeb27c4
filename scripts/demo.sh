#!/bin/bash
# demo.sh - sets up and runs the demo: builds tbmon, starts tbm-sim with the
# demo training base (config/demo/base.sim), runs tbmond on it for a while
# (DEMO_SECONDS, default 75), then shows what it recorded with tbmctl, the
# indicators, and the annual evaluation report when those tools are built.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
secs=${DEMO_SECONDS:-75}
demo=config/demo
rm -f "$demo"/demo.db "$demo"/demo.db-wal "$demo"/demo.db-shm

coproc SIM { exec build/tools/tbm-sim/tbm-sim "$demo/base.sim"; }
sim_pid=$SIM_PID
trap 'kill $sim_pid 2>/dev/null || true; [ -n "${daemon_pid:-}" ] && kill $daemon_pid 2>/dev/null; true' EXIT
while read -r line <&"${SIM[0]}"; do
	echo "tbm-sim: $line"
	[ "$line" = ready ] && break
done
# keep reading the simulator's timeline so its output never blocks it
cat <&"${SIM[0]}" | sed 's/^/tbm-sim: /' &

echo "== tbmond on the demo base for ${secs}s (log below) =="
build/daemon/tbmond -c "$demo/tbmond.conf" &
daemon_pid=$!
sleep "$secs"
kill -TERM $daemon_pid
wait $daemon_pid
daemon_pid=""

ctl=(build/tools/tbmctl/tbmctl -c "$demo/tbmond.conf")
echo; echo "== tbmctl status =="; "${ctl[@]}" status
echo; echo "== tbmctl faults --all =="; "${ctl[@]}" faults --all
if "${ctl[@]}" indicators >/dev/null 2>&1; then
	echo; echo "== tbmctl indicators =="; "${ctl[@]}" indicators
fi
if [ -x build/tools/tbm-report/tbm-report ] && [ -f config/evaluation/2023/evaluation.ini ]; then
	echo; echo "== tbm-report (markdown; also: --format html|csv|xlsx|json -o FILE) =="
	build/tools/tbm-report/tbm-report config/evaluation/2023/evaluation.ini
fi
