#!/bin/bash
# Nobody watching is news: with `send = stopped 2s`, tbmond stopped for
# longer than 2 s is one message (【监测中断】, naming since when and that
# new faults are not seen), its return another (【监测恢复】, with how long
# nobody watched); a restart of tbm-notify in between says neither again.
. "$(dirname "$0")/lib.sh"

workshop_sim
PORT_s=$PORT_a   # conf_device's server
robot_start '{"wecom": {"watch": {}}}'
secret_file watch.url "$ROBOT/cgi-bin/webhook/send?key=watch"
{
	conf_head 监测测试基地
	printf '[notify watch]\ntype = wecom\nurl_file = watch.url\nsend = open, stopped 2s\n'
	conf_device cnc-01 "数控车床 CK6140 #1" 数控加工实训室 1
	conf_point cnc-01.alarm "holding 100" 主轴报警
} >"$T/tbmond.conf"

daemon_start
notify_start
daemon_stop
stopped_at=$(q "select stopped_at from runs order by id desc limit 1")
wait_until 20 "the message that nobody watches" received_at_least wecom watch "【监测中断】" 1
msg=$(received wecom watch | grep "【监测中断】")
expect_eq "stopped: the text" "${msg%%（*}" "【监测中断】监测测试基地：tbmond 自 $(TZ=Asia/Shanghai date -d "@$((stopped_at / 1000))" '+%Y-%m-%d %H:%M:%S') 起没有运行"
case $msg in *"（已停止，已 "*"这段时间设备的故障不会被发现，也不计入监测覆盖率"*) ;; *) fail "stopped: $msg" ;; esac

# tbm-notify restarts while tbmond is still down: it said so already
kill -TERM "$NPID"
wait "$NPID" || fail "tbm-notify did not stop cleanly"
notify_start
# two reports delivered after the restart: its first look at tbmond's runs is behind us
person_report cnc-01 "操作面板无显示"
wait_until 10 "the first report" received_at_least wecom watch "（人工报告）】" 1
person_report cnc-01 "急停按钮松动"
wait_until 10 "the second report" received_at_least wecom watch "（人工报告）】" 2
expect_eq "stopped messages after the restart" "$(count_received wecom watch "【监测中断】")" 1

daemon_start
wait_until 20 "the message that tbmond watches again" received_at_least wecom watch "【监测恢复】" 1
msg=$(received wecom watch | grep "【监测恢复】")
case $msg in "【监测恢复】监测测试基地：tbmond 自 "*" 起恢复运行，此前中断了 "*"中断期间不计入监测覆盖率"*) ;;
*) fail "resumed: $msg" ;; esac
expect_eq "stopped messages" "$(count_received wecom watch "【监测中断】")" 1
expect_eq "resumed messages" "$(count_received wecom watch "【监测恢复】")" 1
echo "ok: stopped and resumed, once each: $(received wecom watch | grep -E '【监测(中断|恢复)】' | tr '\n' ' ')"
kill -TERM "$NPID"
wait "$NPID" || fail "tbm-notify did not stop cleanly"
daemon_stop
echo PASS
