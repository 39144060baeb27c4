#!/bin/bash
# kill -9 of tbm-notify while a message is in flight (the robot has it but
# has not answered): after the restart that one message comes again, once;
# the fault that opened while tbm-notify was down comes once.
. "$(dirname "$0")/lib.sh"

cat >"$T/base.sim" <<SIM
[server s]
listen = 127.0.0.1:0
[device cnc-01]
server = s
unit = 1
holding 100 = 0
holding 101 = 0
SIM
sim_start "$T/base.sim"
robot_start '{"wecom": {"slow": {"hold": 5}}}'
secret_file slow.url "$ROBOT/cgi-bin/webhook/send?key=slow"
{
	conf_head
	printf '[notify slow]\ntype = wecom\nurl_file = slow.url\nsend = open\n'
	conf_device cnc-01 "数控车床 CK6140 #1" 数控加工实训室 1
	conf_point cnc-01.alarm "holding 100" 主轴报警
	conf_point cnc-01.lube "holding 101" 润滑油位低
} >"$T/tbmond.conf"

daemon_start
notify_start
sim set cnc-01.holding.100 1
wait_until 10 "fault X open" q_is "select count(*) from faults where point = 'alarm'" 1
X=$(fault_id cnc-01 alarm)
wait_until 10 "X in flight at the robot" grep -q '"robot": "slow".*"why": "arrived"' "$T/robot.log"
kill -9 "$NPID"
wait "$NPID" 2>/dev/null || true
sim set cnc-01.holding.101 2
wait_until 10 "fault Y open" q_is "select count(*) from faults where point = 'lube'" 1
Y=$(fault_id cnc-01 lube)
# the robot still answers the request of the dead process, and keeps its message
wait_until 15 "the held request answered" received_at_least wecom slow "faults/$X\$" 1
notify_start
wait_until 15 "Y after the restart" received_at_least wecom slow "faults/$Y\$" 1
expect_eq "X, in flight at the kill: sent again once" "$(count_received wecom slow "faults/$X\$")" 2
expect_eq "Y, opened while tbm-notify was down" "$(count_received wecom slow "faults/$Y\$")" 1
expect_eq "order" "$(received wecom slow | sed 's/.*faults\///' | tr '\n' ' ')" "$X $X $Y "
kill -TERM "$NPID"
wait "$NPID" || fail "tbm-notify did not stop cleanly"
daemon_stop
echo PASS
