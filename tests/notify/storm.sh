#!/bin/bash
# A storm: 100 faults within a second to one channel become at most
# burst + 1 messages: the first `burst` (default 10) one by one, the rest
# in one summary when the minute is over. Nothing is lost: the summary
# counts every held fault, and the position then covers them all.
. "$(dirname "$0")/lib.sh"

{
	printf '[server s]\nlisten = 127.0.0.1:0\n[device st-01]\nserver = s\nunit = 1\n'
	for r in $(seq 0 99); do printf 'holding %d = 0\n' "$r"; done
} >"$T/base.sim"
sim_start "$T/base.sim"
robot_start '{"wecom": {"storm": {}}}'
printf '%s/cgi-bin/webhook/send?key=storm\n' "$ROBOT" >"$T/storm.url"
chmod 600 "$T/storm.url"

{
	cat <<CONF
[site]
id = test
timezone = Asia/Shanghai
[daemon]
database = tbmon.db
devices = devices.d
[web]
base_url = http://tbm.test
[notify storm]
type = wecom
url_file = storm.url
send = open
[device st-01]
name = 风暴测试台
lab = 风暴实训室
protocol = modbus-tcp
host = 127.0.0.1
port = $PORT_s
unit = 1
interval = 100ms
CONF
	for r in $(seq 0 99); do printf '[point st-01.r%d]\nread = holding %d\nwhen = value != 0\n' "$r" "$r"; done
} >"$T/tbmond.conf"
mkdir -p "$T/devices.d"

daemon_start
notify_start
for r in $(seq 0 99); do sim set "st-01.holding.$r" 1; done
wait_until 20 "100 faults open" q_is "select count(*) from faults" 100
wait_until 20 "the first 10 messages" received_at_least wecom storm "【设备故障】" 10
# the summary comes when the minute that began with the first message is over
wait_until 90 "the summary" received_at_least wecom storm "【通知合并】" 1
expect_eq "messages one by one" "$(count_received wecom storm "【设备故障】")" 10
expect_eq "the summary" "$(received wecom storm | grep "【通知合并】")" \
	"【通知合并】1 分钟内通知过多，以下 90 条合并发送： | 风暴实训室 90 起新故障 | 详情：http://tbm.test/"
expect_eq "messages in all (burst + 1)" "$(received wecom storm | wc -l)" 11
wait_until 10 "the position past all 100" q_is "select value = (select max(seq) from audit) from meta where key = 'notify:storm:seq'" 1
grep -q "notify storm: more than 10 messages a minute: holding them for one summary" "$NLOG" ||
	fail "the storm is not logged"
kill -TERM "$NPID"
wait "$NPID" || fail "tbm-notify did not stop cleanly"
echo PASS
