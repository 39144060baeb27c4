#!/bin/bash
# bench/notify.sh [N] [BUILD_DIR] - tbm-notify's delivery delay and CPU:
# tbmond on tbm-sim opens N faults (default 1000), about 17 a second, and
# tbm-notify sends each to a local WeCom-like robot (tests/notify/robot.py).
# Delay = robot's receive time - the fault's opened_at (the detector's
# time, a little before the commit, so the figure is an upper bound);
# p50/p99/max over the N faults. CPU = tbm-notify's utime + stime over the
# run / messages. Not run by ctest; prints one table.
set -euo pipefail
N=${1:-1000}
B=$(cd "${2:-build}" && pwd)
export TBMOND=$B/daemon/tbmond TBMSIM=$B/tools/tbm-sim/tbm-sim TBMCTL=$B/tools/tbmctl/tbmctl \
	TBMNOTIFY=$B/tools/tbm-notify/tbm-notify
. "$(dirname "$0")/../tests/notify/lib.sh"

{
	printf '[server s]\nlisten = 127.0.0.1:0\n[device b-01]\nserver = s\nunit = 1\n'
	for r in $(seq 0 $((N - 1))); do printf 'holding %d = 0\n' "$r"; done
} >"$T/base.sim"
sim_start "$T/base.sim"
robot_start '{"wecom": {"bench": {}}}'
secret_file bench.url "$ROBOT/cgi-bin/webhook/send?key=bench"
{
	conf_head
	printf '[notify bench]\ntype = wecom\nurl_file = bench.url\nsend = open\nburst = 1000\n'
	conf_device b-01 基准测试台 基准实训室 1
	for r in $(seq 0 $((N - 1))); do conf_point "b-01.r$r" "holding $r" "r$r"; done
} >"$T/tbmond.conf"
daemon_start
notify_start
# pacing, not waiting for readiness: at most `burst` (1000) a minute to the channel
for r in $(seq 0 $((N - 1))); do
	sim set "b-01.holding.$r" 1
	sleep 0.055
done
wait_until 120 "$N messages" received_at_least wecom bench "【设备故障】" "$N"
ticks=$(getconf CLK_TCK)
cpu=$(awk -v t="$ticks" '{ print ($14 + $15) / t }' "/proc/$NPID/stat")
q "select id, opened_at from faults" >"$T/opened"
"$PY" - "$T/robot.log" "$T/opened" "$N" "$cpu" <<'PYEOF'
import json, sys
opened = dict(l.strip().split("|") for l in open(sys.argv[2]) if l.strip())
d = []
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if r["accepted"] and r["text"].startswith("【设备故障】"):
        fid = r["text"].rsplit("/", 1)[1]
        d.append(r["t"] - int(opened[fid]) / 1000)
d.sort()
n, cpu = len(d), float(sys.argv[4])
pct = lambda p: d[min(n - 1, int(p * n))]
print("tbm-notify: %d faults -> %d messages (target p99 < 2 s)" % (int(sys.argv[3]), n))
print("| delay opened -> received | p50 %.3f s | p99 %.3f s | max %.3f s |" % (pct(0.5), pct(0.99), d[-1]))
print("| CPU | %.3f s in all | %.3f ms per message |" % (cpu, 1000 * cpu / n))
PYEOF
kill -TERM "$NPID"
wait "$NPID" || true
daemon_stop
