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

workshop_sim
WEBPORT=$(free_port)
# a device name and a label that try to run script: they must show as text
{
	conf_site "测试基地 <i>beta</i>"
	printf '[web]\nlisten = 127.0.0.1:%s\nsession_idle = 1h\n' "$WEBPORT"
	conf_cnc "$PORT_a" "<img src=x onerror=alert(1)>主轴报警" 'name = 数控车床 <script>alert("dev")</script>' \
		"interval = 50ms"
	conf_weld "$PORT_a" 急停 "name = 焊机 #1" "interval = 50ms"
} >"$T/tbmond.conf"

"$TBMWEB" -n -c "$T/tbmond.conf" >"$T/check.out" || fail "tbm-web -n refused the configuration"
grep -q "configuration OK" "$T/check.out" || fail "tbm-web -n did not say configuration OK"

daemon_start
secret_file pw.zhang manager-pass-1
secret_file pw.wang techni-pass-1
secret_file pw.li other-lab-pass-1
secret_file pw.zhao welding-pass-1
secret_file pw.auditor viewer-pass-1
account 张主任 manager --display 张主任 --password-file "$T/pw.zhang"
account wang technician --display 王师傅 --lab 数控加工实训室 --password-file "$T/pw.wang"
account li technician --display 李师傅 --lab 焊接实训室 --password-file "$T/pw.li"
account zhao technician --display 赵师傅 --lab 焊接实训室 --password-file "$T/pw.zhao"
account auditor viewer --display 评价组 --password-file "$T/pw.auditor"

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
daemon_stop
$PY "$(dirname "$0")/browser.py" --stopped || fail "the page after tbmond stopped"
# a clean stop (under the sanitizers this is where a leak or an error shows)
kill -TERM "$WEBPID"
rc=0
wait "$WEBPID" || rc=$?
[ $rc -eq 0 ] || { tail -30 "$T/web.log"; fail "tbm-web exited with status $rc"; }
echo "ok: tbm-web stopped cleanly"
echo "PASS"
