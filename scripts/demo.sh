#!/bin/bash
# demo.sh - sets up and runs the demo: builds tbmon, starts tbm-sim with the
# demo training base (config/demo/base.sim), runs tbmond on it for a while
# (DEMO_SECONDS, default 75), then shows what it recorded with tbmctl, the
# indicators (times in the demo site's zone, Asia/Shanghai), and the annual
# evaluation report when those tools are built. tbm-web serves the same
# database on http://127.0.0.1:8080/ (DEMO_WEB_PORT) with two demo accounts;
# when run from a terminal the demo waits at the end so that it can be used.
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
trap 'kill $sim_pid 2>/dev/null || true; [ -n "${daemon_pid:-}" ] && kill $daemon_pid 2>/dev/null;
      [ -n "${web_pid:-}" ] && kill $web_pid 2>/dev/null; rm -rf "${demo_tmp:-}"; true' EXIT
while read -r line <&"${SIM[0]}"; do
	echo "tbm-sim: $line"
	[ "$line" = ready ] && break
done
# keep reading the simulator's timeline so its output never blocks it
exec 3<&"${SIM[0]}"
sed -u 's/^/tbm-sim: /' <&3 &

# tbm-web serves the demo database on the loopback while the demo runs (and
# after it, from a terminal); the accounts it logs in are added below.
web_port=${DEMO_WEB_PORT:-8080}
demo_tmp=$(mktemp -d)
if [ -x build/tools/tbm-web/tbm-web ]; then
	sed "s/^listen = .*/listen = 127.0.0.1:$web_port/" "$demo/tbmond.conf" >"$demo_tmp/tbmond.conf"
	sed -i "s|^database = .*|database = $PWD/$demo/demo.db|; s|^devices = .*|devices = $PWD/$demo/devices.d|" \
		"$demo_tmp/tbmond.conf"
	build/tools/tbm-web/tbm-web -c "$demo_tmp/tbmond.conf" 2>"$demo_tmp/web.log" &
	web_pid=$!
	for _ in $(seq 100); do
		grep -qs "listening on" "$demo_tmp/web.log" && break
		kill -0 $web_pid 2>/dev/null || break
		sleep 0.1
	done
	grep -qs "listening on" "$demo_tmp/web.log" || { cat "$demo_tmp/web.log"; echo "tbm-web did not start (port $web_port taken? set DEMO_WEB_PORT)"; exit 1; }
	echo "== tbm-web: http://127.0.0.1:$web_port/  accounts: 王师傅 / wang-demo-1 (technician), 张主任 / zhang-demo-1 (manager) =="
fi

echo "== tbmond on the demo base for ${secs}s (log below) =="
from=$(TZ=Asia/Shanghai date '+%Y-%m-%d %H:%M:%S')
build/daemon/tbmond -c "$demo/tbmond.conf" &
daemon_pid=$!
sleep "$secs"
kill -TERM $daemon_pid
wait $daemon_pid
daemon_pid=""
# the window tbmond watched: the figures below are of this period
to=$(TZ=Asia/Shanghai date '+%Y-%m-%d %H:%M:%S')

ctl=(build/tools/tbmctl/tbmctl -c "$demo/tbmond.conf")
# The base's people are accounts (root or the tbmon user adds the first
# manager, she the technician); root may act for them, recorded "via root".
# Not root: these steps go through sudo, and the audit names who ran sudo.
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
if ! "${ctl[@]}" user list --json | grep -q '"张主任"'; then
	pw=$(mktemp -d)
	printf 'zhang-demo-1\n' >"$pw/zhang"
	printf 'wang-demo-1\n' >"$pw/wang"
	chmod 600 "$pw"/*
	echo; echo "== tbmctl user add: 张主任 (manager), 王师傅 (technician) =="
	"${as_root[@]}" "${ctl[@]}" user add 张主任 --role manager --display 张主任 --password-file "$pw/zhang"
	"${as_root[@]}" "${ctl[@]}" user add 王师傅 --role technician --display 王师傅 \
		--password-file "$pw/wang" --by 张主任
	rm -rf "$pw"
fi
"${ctl[@]}" user list
echo; echo "== tbmctl status =="; "${ctl[@]}" status
echo; echo "== tbmctl faults --all =="; "${ctl[@]}" faults --all

# What the people at the base do next: the technician takes the CNC alarm and
# logs the repair, the manager classifies the e-stop trip.
first_id() { # KIND DEVICE: the id of the first such fault
	"${ctl[@]}" faults --all --json |
		python3 -c 'import json,sys; k,d=sys.argv[1:]; print(next((f["id"] for f in json.load(sys.stdin) if f["kind"]==k and f["device"]==d), ""))' "$1" "$2"
}
alarm=$(first_id fault cnc-01)
estop=$(first_id safety weld-01)
if [ -n "$alarm" ]; then
	echo; echo "== the technician: tbmctl ack $alarm, tbmctl repair $alarm =="
	"${as_root[@]}" "${ctl[@]}" ack "$alarm" --by 王师傅 --note "到现场查看"
	"${as_root[@]}" "${ctl[@]}" repair "$alarm" --by 王师傅 --action "重新插紧主轴编码器线揽, 复位报警" --parts "无"
	echo; echo "== the technician corrects a typo: tbmctl amend $alarm (the old text stays in the history) =="
	"${as_root[@]}" "${ctl[@]}" amend "$alarm" --by 王师傅 --action "重新插紧主轴编码器线缆, 复位报警" --reason "错字"
	"${ctl[@]}" show "$alarm"
fi
if [ -n "$estop" ]; then
	echo; echo "== the manager: tbmctl classify $estop near-miss =="
	"${as_root[@]}" "${ctl[@]}" classify "$estop" near-miss --by 张主任 --note "学员误触急停, 无人员受伤"
fi
echo; echo "== tbmctl verify (write the head down: it pins this record) =="; "${ctl[@]}" verify
# repairs logged after the window count up to now (--cutoff)
cutoff=$(TZ=Asia/Shanghai date -d '+1 minute' '+%Y-%m-%d %H:%M:00')
echo; echo "== tbmctl indicators --from '$from' --to '$to' --cutoff '$cutoff' =="
"${ctl[@]}" indicators --from "$from" --to "$to" --cutoff "$cutoff"
# The annual evaluation from the demo database, over the window tbmond
# watched. First the example as it is: equipment rows watched less than
# min_coverage (cnc-02 is offline most of the window, by the script) are
# 数据不足 and score 0. Then the demo's own evaluation, which accepts that
# coverage with a reason (printed in the rows), in every format.
report=build/tools/tbm-report/tbm-report
eval=config/evaluation/2023/evaluation.ini
mkdir -p demo-out
echo; echo "== tbm-report $eval --from '$from' --to '$to' --cutoff '$cutoff' =="
"$report" "$eval" --from "$from" --to "$to" --cutoff "$cutoff"
dir=$PWD/config/evaluation/2023
sed -E "s#^(targets|figures|budget|file|databases) = #\1 = $dir/#" "$eval" |
	sed '/^\[evaluation\]/a accept_low_coverage = 演示基地只运行了几分钟，cnc-02 按脚本离线大半时间' \
	>demo-out/evaluation-demo.ini
echo; echo "== tbm-report demo-out/evaluation-demo.ini (accept_low_coverage) =="
"$report" demo-out/evaluation-demo.ini --from "$from" --to "$to" --cutoff "$cutoff"
for fmt in html xlsx csv json; do
	"$report" demo-out/evaluation-demo.ini --from "$from" --to "$to" --cutoff "$cutoff" \
		--format $fmt -o "demo-out/evaluation-demo.$fmt"
done
echo; echo "report written: $(ls demo-out/evaluation-demo.* | tr '\n' ' ')"
if [ -n "${web_pid:-}" ]; then
	echo
	echo "tbm-web: http://127.0.0.1:$web_port/ — log in as 王师傅 (password wang-demo-1) to acknowledge"
	echo "and repair from a browser, or as 张主任 (zhang-demo-1) to classify and manage accounts."
	if [ -t 0 ]; then
		read -r -p "Press Enter to stop tbm-web and end the demo. " _ || true
	fi
fi
