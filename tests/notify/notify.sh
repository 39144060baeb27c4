#!/bin/bash
# tbm-notify end to end: tbmond on tbm-sim opens faults; a local server that
# answers like the WeCom, DingTalk (signed) and Feishu robots and a webhook,
# and a local SMTP server, receive them. Each message arrives once with the
# right text and link; a fault acknowledged in time is not escalated, one
# that is not is; a channel that answers 500 and "rate limited" for a while
# gets everything afterwards, in order, without holding up the others;
# kill -9 between events loses none and repeats none.
. "$(dirname "$0")/lib.sh"

cat >"$T/base.sim" <<SIM
[server s]
listen = 127.0.0.1:0
[device cnc-01]
server = s
unit = 1
holding 100 = 0
holding 101 = 0
holding 102 = 0
holding 103 = 0
[device weld-01]
server = s
unit = 2
discrete 0 = 0
SIM
sim_start "$T/base.sim"

robot_start '{"wecom": {"cnc-key": {}},
  "dingtalk": {"weld-token": {"secret": "SECd1ng"}},
  "feishu": {"all-token": {"secret": "fei-secret"}, "flaky": {"fail": [500, 500, "rate", 500]}},
  "webhook": {"events": {}, "late": {}}}'
smtp_start

secret_file cnc.url "$ROBOT/cgi-bin/webhook/send?key=cnc-key"
secret_file weld.url "$ROBOT/robot/send?access_token=weld-token"
secret_file weld.secret SECd1ng
secret_file all.url "$ROBOT/open-apis/bot/v2/hook/all-token"
secret_file all.secret fei-secret
secret_file flaky.url "$ROBOT/open-apis/bot/v2/hook/flaky"
secret_file hook.url "$ROBOT/hook/events"
secret_file revoked.url "$ROBOT/cgi-bin/webhook/send?key=revoked-key"

{
	LOG_LEVEL=debug conf_head 测试基地
	conf_device cnc-01 "数控车床 CK6140 #1" 数控加工实训室 1
	conf_point cnc-01.alarm "holding 100" 主轴报警
	conf_point cnc-01.lube "holding 101" 润滑油位低
	conf_point cnc-01.door "holding 102" 防护门未关
	conf_point cnc-01.coolant "holding 103" 冷却液报警
	conf_device weld-01 "焊机 #1" 焊接实训室 2
	conf_point weld-01.estop "discrete 0" 急停 safety
	cat <<CONF
[notify cnc]
type = wecom
url_file = cnc.url
labs = 数控加工实训室
send = open, safety, unacked 4s
[notify weld]
type = dingtalk
url_file = weld.url
secret_file = weld.secret
labs = 焊接实训室
send = safety, accident
[notify all]
type = feishu
url_file = all.url
secret_file = all.secret
[notify flaky]
type = feishu
url_file = flaky.url
send = open
[notify hook]
type = webhook
url_file = hook.url
send = open, safety, accident
[notify revoked]
type = wecom
url_file = revoked.url
send = open
[notify mail]
type = email
smtp = smtp://127.0.0.1:$SMTP_PORT
from = tbmon@base.test
to = zhang@base.test, li@base.test
send = safety, accident, unrepaired 6s
CONF
} >"$T/tbmond.conf"

out=$("$TBMNOTIFY" -n -c "$T/tbmond.conf" 2>&1) || fail "tbm-notify -n: $out"
expect_eq "tbm-notify -n" "$out" "configuration OK"

daemon_start
notify_start

# ---- a fault: its text and link on every channel that wants it ----
sim set cnc-01.holding.100 1021
wait_until 10 "fault A open" q_is "select count(*) from faults where point = 'alarm'" 1
A=$(fault_id cnc-01 alarm)
wait_until 10 "WeCom message of A" received_at_least wecom cnc-key "faults/$A\$" 1
person_ack "$A"   # in time: no "unacked" escalation for A
expect_eq "WeCom text of A" "$(received wecom cnc-key | grep "faults/$A\$")" \
	"【设备故障】数控车床 CK6140 #1：主轴报警 | 实训室：数控加工实训室 | 代码：1021 | 时间：$(local_time "$A") | 详情：http://tbm.test/faults/$A"
wait_until 10 "Feishu (signed) message of A" received_at_least feishu all-token "faults/$A\$" 1
wait_until 10 "webhook event of A" received_at_least webhook events "\"fault_id\": $A," 1
ev=$(received webhook events | grep "\"fault_id\": $A,")
for want in '"action": "open"' '"device": "cnc-01"' '"label": "主轴报警"' '"lab": "数控加工实训室"' '"site": "test"' '"code": 1021'; do
	case $ev in *"$want"*) ;; *) fail "webhook event of A lacks $want: $ev" ;; esac
done
echo "ok: webhook event of A is the events topic's JSON"

# ---- a channel that fails for a while holds up nobody, then gets it all in order ----
sim set cnc-01.holding.101 7
wait_until 10 "fault B open" q_is "select count(*) from faults where point = 'lube'" 1
B=$(fault_id cnc-01 lube)
wait_until 10 "WeCom message of B" received_at_least wecom cnc-key "faults/$B\$" 1
expect_eq "flaky channel still failing when WeCom had B" "$(count_received feishu flaky faults/)" 0

# ---- a safety event: DingTalk (signed) and e-mail; then its classification ----
sim set weld-01.discrete.0 1
wait_until 10 "safety event open" q_is "select count(*) from faults where device = 'weld-01'" 1
S=$(fault_id weld-01 estop)
wait_until 10 "DingTalk message of S" received_at_least dingtalk weld-token "faults/$S\$" 1
expect_eq "DingTalk text of S" "$(received dingtalk weld-token | grep "faults/$S\$")" \
	"【安全事件】焊机 #1：急停 | 实训室：焊接实训室 | 代码：1 | 时间：$(local_time "$S") | 详情：http://tbm.test/faults/$S"
wait_until 10 "mail of S" mails_at_least "faults/$S\$" 1
expect_eq "mail of S" "$(mails | grep "faults/$S\$")" \
	"【安全事件】焊机 #1：急停 || zhang@base.test,li@base.test || 【安全事件】焊机 #1：急停 | 实训室：焊接实训室 | 代码：1 | 时间：$(local_time "$S") | 详情：http://tbm.test/faults/$S"
person_classify "$S" accident
wait_until 10 "DingTalk accident message" received_at_least dingtalk weld-token "【安全事故】" 1
expect_eq "accident text" "$(received dingtalk weld-token | grep "【安全事故】")" \
	"【安全事故】焊机 #1：急停 | 实训室：焊接实训室 | 代码：1 | 发生时间：$(local_time "$S") | 定性：安全事故（张主任） | 详情：http://tbm.test/faults/$S"
wait_until 10 "accident mail" mails_at_least "【安全事故】" 1
expect_eq "WeCom (labs = 数控加工实训室) got nothing of the welding lab" "$(count_received wecom cnc-key 焊机)" 0

# ---- escalation: B was not acknowledged within 4s, A was ----
wait_until 15 "B unacked" received_at_least wecom cnc-key "【超时未受理】.*faults/$B\$" 1
expect_eq "unacked text" "$(received wecom cnc-key | grep "【超时未受理】")" \
	"【超时未受理】数控车床 CK6140 #1：润滑油位低 | 实训室：数控加工实训室 | 代码：7 | 时间：$(local_time "$B") | 已超过 4 秒无人受理 | 详情：http://tbm.test/faults/$B"
expect_eq "A acknowledged in time: not escalated" "$(count_received wecom cnc-key "【超时未受理】.*faults/$A\$")" 0
# unrepaired 6s by mail: A (acknowledged but not repaired) and B; S is closed by its classification
wait_until 15 "A and B unrepaired, by mail" mails_at_least "【超时未修复】" 2
expect_eq "unrepaired mails" "$(mails | grep -c "【超时未修复】.*faults/\($A\|$B\)\$")" 2
expect_eq "no unrepaired mail for the classified safety event" "$(mails | grep -c "【超时未修复】.*faults/$S\$" || true)" 0

# ---- the flaky channel: four refusals (500, 500, rate limited, 500), then A and B in order ----
wait_until 30 "flaky channel delivers" received_at_least feishu flaky "faults/" 2
expect_eq "flaky channel order" "$(received feishu flaky | sed 's/.*faults\///' | tr '\n' ' ')" "$A $B "
expect_eq "flaky channel refusals" "$(grep -c '"robot": "flaky", "t": [0-9.]*, "accepted": false' "$T/robot.log")" 4
grep -q 'notify flaky: fault .* not delivered: HTTP 500' "$NLOG" || fail "the failure is not logged"
# a robot whose key was revoked answers HTTP 200 with its error code: a failure, retried, said once a minute
grep -q "notify revoked: fault $A (open) not delivered: errcode 93000: invalid webhook url" "$NLOG" ||
	fail "the revoked key's error code is not logged"
expect_eq "revoked key: failures logged" "$(grep -c 'notify revoked: .* not delivered' "$NLOG")" 1
[ "$(grep -c '"robot": "revoked-key"' "$T/robot.log")" -ge 3 ] || fail "the revoked key was not retried"
echo "ok: a revoked key is retried with backoff and logged once a minute"
expect_eq "failures logged once a minute" "$(grep -c 'notify flaky: .* not delivered' "$NLOG")" 1
grep -q "cnc-key\|SECd1ng\|fei-secret\|weld-token\|all-token" "$NLOG" && fail "a key or secret is in the log"
echo "ok: no URL key or secret in the log"

# ---- kill -9 between events: nothing lost, nothing twice ----
kill -9 "$NPID"
wait "$NPID" 2>/dev/null || true
sim set cnc-01.holding.102 1
sim set cnc-01.holding.103 2
wait_until 10 "faults C and D open" q_is "select count(*) from faults where point in ('door', 'coolant')" 2
C=$(fault_id cnc-01 door)
D=$(fault_id cnc-01 coolant)
notify_start
wait_until 15 "C and D after the restart" received_at_least wecom cnc-key "【设备故障】.*faults/\($C\|$D\)\$" 2
wait_until 15 "C and D on the flaky channel" received_at_least feishu flaky "faults/" 4
for id in $A $B $C $D; do
	expect_eq "WeCom messages of fault $id" "$(count_received wecom cnc-key "【设备故障】.*faults/$id\$")" 1
	expect_eq "Feishu messages of fault $id" "$(count_received feishu all-token "【设备故障】.*faults/$id\$")" 1
	expect_eq "webhook events of fault $id" "$(count_received webhook events "\"action\": \"open\".*\"fault_id\": $id,")" 1
done
expect_eq "flaky channel order after the restart" "$(received feishu flaky | sed 's/.*faults\///' | tr '\n' ' ')" "$A $B $C $D "
expect_eq "DingTalk messages" "$(count_received dingtalk weld-token faults/)" 2
expect_eq "safety mails" "$(mails | grep -c '^【安全事件】')" 1

# ---- SIGHUP: a bad configuration is rejected, a good one adds a channel ----
cp "$T/tbmond.conf" "$T/good.conf"
printf '[notify broken]\ntype = pager\n' >>"$T/tbmond.conf"
kill -HUP "$NPID"
wait_until 10 "the bad configuration rejected" grep -q "configuration rejected; the old one stays in force" "$NLOG"
grep -q "tbmond.conf:[0-9]*: type: 'pager' is not one of" "$NLOG" || fail "the reload's error is not logged as FILE:LINE"
cp "$T/good.conf" "$T/tbmond.conf"
secret_file late.url "$ROBOT/hook/late"
printf '[notify late]\ntype = webhook\nurl_file = late.url\n' >>"$T/tbmond.conf"
kill -HUP "$NPID"
wait_until 10 "the new channel" grep -q "notify late: webhook channel ready" "$NLOG"
kill -0 "$NPID" || fail "tbm-notify died on SIGHUP"
sim set cnc-01.holding.100 0
wait_until 10 "A cleared" q_is "select count(*) from faults where id = $A and cleared_at is not null" 1
sim set cnc-01.holding.100 5
wait_until 10 "fault E open" q_is "select count(*) from faults where point = 'alarm'" 2
E=$(fault_id cnc-01 alarm)
wait_until 10 "E on the new channel" received_at_least webhook late "\"fault_id\": $E," 1
wait_until 10 "E on WeCom" received_at_least wecom cnc-key "【设备故障】.*faults/$E\$" 1
expect_eq "the new channel got no history" "$(received webhook late | grep -c '"action": "open"')" 1

# ---- a fault reported by a person ----
person_report cnc-01 主轴异响
M=$(q "select max(id) from faults where point = 'manual'")
wait_until 10 "the manual report on WeCom" received_at_least wecom cnc-key "faults/$M\$" 1
expect_eq "manual report text" "$(received wecom cnc-key | grep "faults/$M\$")" \
	"【设备故障（人工报告）】数控车床 CK6140 #1：主轴异响 | 实训室：数控加工实训室 | 时间：$(local_time "$M") | 报告人：张工 | 详情：http://tbm.test/faults/$M"
# ---- communication lost ----
sim behave cnc-01 silent
wait_until 15 "cnc-01 offline" q_is "select count(*) from faults where device = 'cnc-01' and point = 'comm'" 1
K=$(fault_id cnc-01 comm)
wait_until 10 "the comm fault on WeCom" received_at_least wecom cnc-key "faults/$K\$" 1
expect_eq "comm fault text" "$(received wecom cnc-key | grep "faults/$K\$")" \
	"【通信中断】数控车床 CK6140 #1 | 实训室：数控加工实训室 | 时间：$(local_time "$K") | 详情：http://tbm.test/faults/$K"
sim behave cnc-01 normal

for id in $A $B $C $D $E; do
	expect_eq "WeCom messages of fault $id after the reload" "$(count_received wecom cnc-key "【设备故障】.*faults/$id\$")" 1
done

kill -TERM "$NPID"
rc=0
wait "$NPID" || rc=$?
expect_eq "tbm-notify exit status on SIGTERM" "$rc" 0
expect_eq "positions kept in the database" "$(q "select count(*) from meta where key like 'notify:%:seq'")" 8
expect_eq "the revoked channel's position did not move past A" \
	"$(q "select value < (select seq from audit where fault_id = $A and action = 'open') from meta where key = 'notify:revoked:seq'")" 1
daemon_stop
echo PASS
