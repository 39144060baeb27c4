#!/bin/bash
# browser.sh - tbm-web end to end in a real headless browser (Debian's
# chromium + chromedriver through python3-selenium): tbm-sim serves two
# devices, tbmond records their faults, tbm-web serves the pages, and
# browser.py logs in, acknowledges, repairs, classifies and tries what must
# be refused, checking each result with `tbmctl show --json`.
# Environment: TBMOND, TBMSIM, TBMCTL, TBMWEB; SHOTS: where the screenshots go.
. "$(dirname "$0")/../integration/lib.sh"
: "${TBMCTL:?}" "${TBMWEB:?}" "${SHOTS:?}"
PY=/usr/bin/python3   # Debian's, with python3-selenium
if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ] || ! $PY -c 'import selenium' 2>/dev/null; then
	echo "SKIP: needs chromium, chromium-driver and python3-selenium (apt-get install them)"
	exit 77
fi

cat >"$T/base.sim" <<SIM
[server a]
listen = 127.0.0.1:0
[device cnc-01]
server = a
unit = 1
holding 100 = 0
[device weld-01]
server = a
unit = 2
discrete 0 = 0
SIM
sim_start "$T/base.sim"
WEBPORT=$(free_port)
# a device name and a label that try to run script: they must show as text
cat >"$T/tbmond.conf" <<CONF
[site]
id = test
name = 测试基地 <i>beta</i>
timezone = Asia/Shanghai
[daemon]
database = tbmon.db
[web]
listen = 127.0.0.1:$WEBPORT
session_idle = 1h
[device cnc-01]
name = 数控车床 <script>alert("dev")</script>
lab = 数控加工实训室
assessment = yes
protocol = modbus-tcp
host = 127.0.0.1
port = $PORT_a
unit = 1
interval = 50ms
[point cnc-01.alarm]
read = holding 100
when = value != 0
label = <img src=x onerror=alert(1)>主轴报警
[device weld-01]
name = 焊机 #1
lab = 焊接实训室
protocol = modbus-tcp
host = 127.0.0.1
port = $PORT_a
unit = 2
interval = 50ms
[point weld-01.estop]
read = discrete 0
kind = safety
when = value == 1
label = 急停
CONF
ctl() { "$TBMCTL" -c "$T/tbmond.conf" "$@"; }

"$TBMWEB" -n -c "$T/tbmond.conf" >"$T/check.out" || fail "tbm-web -n refused the configuration"
grep -q "configuration OK" "$T/check.out" || fail "tbm-web -n did not say configuration OK"

daemon_start
printf 'manager-pass-1\n' >"$T/pw.zhang"
printf 'techni-pass-1\n' >"$T/pw.wang"
printf 'other-lab-pass-1\n' >"$T/pw.li"
printf 'welding-pass-1\n' >"$T/pw.zhao"
printf 'viewer-pass-1\n' >"$T/pw.auditor"
chmod 600 "$T"/pw.*
ctl user add 张主任 --role manager --display 张主任 --password-file "$T/pw.zhang" >/dev/null
ctl user add wang --role technician --display 王师傅 --lab 数控加工实训室 --password-file "$T/pw.wang" --by 张主任 >/dev/null
ctl user add li --role technician --display 李师傅 --lab 焊接实训室 --password-file "$T/pw.li" --by 张主任 >/dev/null
ctl user add zhao --role technician --display 赵师傅 --lab 焊接实训室 --password-file "$T/pw.zhao" --by 张主任 >/dev/null
ctl user add auditor --role viewer --display 评价组 --password-file "$T/pw.auditor" --by 张主任 >/dev/null

sim set cnc-01.holding.100 3
sim set weld-01.discrete.0 1
wait_until 10 "the alarm to open" q_is "select count(*) from faults where point = 'alarm'" 1
wait_until 10 "the e-stop to open" q_is "select count(*) from faults where point = 'estop'" 1

"$TBMWEB" -c "$T/tbmond.conf" 2>"$T/web.log" &
WEBPID=$!
PIDS+=("$WEBPID")
wait_until 20 "tbm-web to listen" grep -qs "listening on" "$T/web.log"

mkdir -p "$SHOTS"
export URL="http://127.0.0.1:$WEBPORT" CONF="$T/tbmond.conf" TBMCTL SHOTS
export ALARM=$(q "select id from faults where point = 'alarm'")
export ESTOP=$(q "select id from faults where point = 'estop'")
export PW_ZHANG=manager-pass-1 PW_WANG=techni-pass-1 PW_LI=other-lab-pass-1 PW_ZHAO=welding-pass-1 PW_AUDITOR=viewer-pass-1
$PY "$(dirname "$0")/browser.py" || { echo "--- tbm-web log"; tail -40 "$T/web.log"; fail "browser test"; }
# the refusals and the throttle are logged
grep -q "throttled" "$T/web.log" || fail "the login throttle was not logged"
grep -q "no or wrong CSRF token" "$T/web.log" || fail "the missing CSRF token was not logged"
ctl verify >/dev/null || fail "tbmctl verify after the web's changes"
echo "ok: tbmctl verify"
# a clean stop (under the sanitizers this is where a leak or an error shows)
kill -TERM "$WEBPID"
rc=0
wait "$WEBPID" || rc=$?
[ $rc -eq 0 ] || { tail -30 "$T/web.log"; fail "tbm-web exited with status $rc"; }
echo "ok: tbm-web stopped cleanly"
echo "PASS"
