#!/bin/bash
# A storm: 100 faults within a second to one channel become at most
# burst + 1 messages: the first `burst` (default 10) one by one, the rest
# in one summary when the minute is over. Nothing is lost: the summary
# counts every held fault, and the position then covers them all.
# Meanwhile (the minute has to pass anyway) another channel's daily digest
# comes at its time of day, the next minute, with the open faults of its lab.
. "$(dirname "$0")/lib.sh"

{
	printf '[server s]\nlisten = 127.0.0.1:0\n[device st-01]\nserver = s\nunit = 1\n'
	for r in $(seq 0 99); do printf 'holding %d = 0\n' "$r"; done
	printf '[device dg-01]\nserver = s\nunit = 2\nholding 0 = 0\nholding 1 = 0\n'
} >"$T/base.sim"
sim_start "$T/base.sim"
robot_start '{"wecom": {"storm": {}, "digest": {}}}'
secret_file storm.url "$ROBOT/cgi-bin/webhook/send?key=storm"
secret_file digest.url "$ROBOT/cgi-bin/webhook/send?key=digest"
# the digest's time: the next minute in the site's zone (the one after, when
# this one is nearly over, so that tbm-notify starts before it)
now=$(date +%s)
add=60
[ $((10#$(date -d "@$now" +%S))) -lt 45 ] || add=120
DAILY=$(TZ=Asia/Shanghai date -d "@$((now + add))" +%H:%M)

{
	conf_head 风暴测试基地
	cat <<CONF
[notify storm]
type = wecom
url_file = storm.url
labs = 风暴实训室
send = open
[notify digest]
type = wecom
url_file = digest.url
labs = 汇总实训室
send = daily $DAILY
CONF
	conf_device dg-01 汇总台 汇总实训室 2
	conf_point dg-01.d0 "holding 0" 气压低
	conf_point dg-01.d1 "holding 1" 油温高
	conf_device st-01 风暴测试台 风暴实训室 1
	for r in $(seq 0 99); do conf_point "st-01.r$r" "holding $r" "r$r"; done
} >"$T/tbmond.conf"

daemon_start
sim set dg-01.holding.0 3
sim set dg-01.holding.1 4
wait_until 10 "the digest lab's two faults" q_is "select count(*) from faults where device = 'dg-01'" 2
DG0=$(fault_id dg-01 d0)
notify_start
for r in $(seq 0 99); do sim set "st-01.holding.$r" 1; done
wait_until 20 "100 faults open" q_is "select count(*) from faults where device = 'st-01'" 100
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
wait_until 150 "the daily digest at $DAILY" received_at_least wecom digest "【每日汇总】" 1
dg=$(received wecom digest)
expect_eq "digests" "$(grep -c . <<<"$dg")" 1
# tbmond has run for minutes of the 24 hours: the quiet day is not called good news
want="【每日汇总】风暴测试基地 $(TZ=Asia/Shanghai date +%F) | 待处理 2 起（未受理 2 起）；过去 24 小时新故障 2 起，安全事件 0 起 | 过去 24 小时 tbmond 监测了 "
[ "${dg:0:${#want}}" = "$want" ] || fail "digest: got '$dg', want it to start with '$want'"
case $dg in *"%，不足 90%：没有记录到的故障不等于没有故障 | 汇总实训室：故障 2 起，安全事件 0 起 | 最久未处理： | 1. 汇总台：气压低（汇总实训室，已 "*) ;;
*) fail "digest: how the day was watched, then the labs: $dg" ;; esac
case $dg in *"现在没有运行"*) fail "digest: tbmond runs, yet the digest says it does not: $dg" ;; esac
case $dg in *"http://tbm.test/faults/$DG0 | 2. 汇总台：油温高"*"| 详情：http://tbm.test/") ;; *) fail "digest's list and link: $dg" ;; esac
echo "ok: digest = $dg"
kill -TERM "$NPID"
wait "$NPID" || fail "tbm-notify did not stop cleanly"
echo PASS
