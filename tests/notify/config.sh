#!/bin/bash
# Bad [notify] configuration is reported as FILE:LINE, every error of it;
# a url_file readable by everyone is warned about; tbmond -n accepts the
# same file (the sections are part of tbmond.conf).
. "$(dirname "$0")/lib.sh"

printf 'http://127.0.0.1:9/cgi-bin/webhook/send?key=k\n' >"$T/ok.url"
chmod 600 "$T/ok.url"
cat >"$T/head.conf" <<CONF
[site]
id = test
[daemon]
database = tbmon.db
devices = devices.d
[device cnc-01]
lab = 数控加工实训室
protocol = modbus-tcp
host = 127.0.0.1
CONF
mkdir -p "$T/devices.d"
# the device's point in the devices directory, so that the lines of the
# [notify] sections below stay where the messages expect them
printf '[point cnc-01.alarm]\nread = holding 100\nkind = fault\nwhen = value != 0\nlabel = 报警\n' \
	>"$T/devices.d/cnc-01.conf"

# check_conf BODY: writes head + BODY to $T/tbmond.conf; OUT, RC of tbm-notify -n
check_conf() {
	{ cat "$T/head.conf"; printf '%s\n' "$1"; } >"$T/tbmond.conf"
	RC=0
	OUT=$("$TBMNOTIFY" -n -c "$T/tbmond.conf" 2>&1) || RC=$?
}
expect_line() {
	grep -qF -- "$1" <<<"$OUT" || fail "expected '$1' in: $OUT"
	echo "ok: $1"
}

check_conf '[web]
base_url = http://tbm.test
[notify a]
type = wecom
url_file = ok.url
labs = 数控加工实训室
send = open, safety, accident, unacked 30m, unrepaired 24h, daily 08:00'
expect_eq "good configuration" "$RC:$OUT" "0:configuration OK"
out=$("$TBMOND" -n -c "$T/tbmond.conf") || fail "tbmond -n rejects [notify]/[web]: $out"
expect_eq "tbmond -n" "$out" "configuration OK"

# lines: 10 [web]... so the first [notify] below is line 10
check_conf '[notify a]
type = slack
url_file = ok.url
[notify b]
type = dingtalk
send = open, unacked 30x, daily 25:00
[notify c]
type = feishu
url_file = ok.url
send = open, daily 7:5
labs = 数控加工实训室, 没有的实训室
colour = red
[notify d]
type = email
to = someone@example.org
url_file = ok.url'
expect_eq "bad configuration: exit status" "$RC" 1
f=$T/tbmond.conf
expect_line "$f:11: type: 'slack' is not one of wecom|dingtalk|feishu|webhook|email"
expect_line "$f:13: notify 'b': url_file is required for type dingtalk (the URL holds the robot's key)"
expect_line "$f:15: notify 'b': send: unacked: '30x' is not a duration between 1s and 30d (e.g. 30m, 24h)"
expect_line "$f:19: notify 'c': send: daily: '7:5' is not a time of day (HH:MM, 00:00 to 23:59)"
expect_line "$f:20: notify 'c': labs: no device is in lab '没有的实训室'"
expect_line "$f:21: unknown key 'colour' in [notify c]"
expect_line "$f:22: notify 'd': smtp is required for email (smtp://HOST or smtps://HOST)"
expect_line "$f:22: notify 'd': url_file does not apply to type email"

check_conf '[notify b]
type = dingtalk
url_file = ok.url
send = daily 25:00'
expect_line "$f:13: notify 'b': send: daily: '25:00' is not a time of day (HH:MM, 00:00 to 23:59)"

# files: missing, readable by everyone (a warning), not a URL
printf 'not a url\n' >"$T/bad.url"
chmod 644 "$T/bad.url"
check_conf '[notify a]
type = wecom
url_file = missing.url
[notify b]
type = feishu
url_file = bad.url'
expect_eq "missing/bad url_file: exit status" "$RC" 1
expect_line "$f:12: url_file $T/missing.url: No such file or directory"
expect_line "$f:15: url_file $T/bad.url is readable by everyone; chmod o-r it"
expect_line "$f:15: url_file $T/bad.url does not hold an http:// or https:// URL"
expect_line "$f: [web] base_url is not set: messages carry no link to the fault"

chmod 644 "$T/ok.url"
check_conf '[web]
base_url = http://tbm.test
[notify a]
type = wecom
url_file = ok.url'
expect_eq "world-readable url_file: still OK" "$RC" 0
expect_line "$f:14: url_file $T/ok.url is readable by everyone; chmod o-r it"
grep -q "key=k" <<<"$OUT" && fail "the URL (with its key) was printed"
echo "ok: the URL itself is never printed"

check_conf '[web]
base_url = tbm.test
[notify a]
type = wecom
url_file = ok.url'
expect_line "$f: [web] base_url 'tbm.test' must start with http:// or https://"

check_conf ''
expect_eq "no channel" "$RC:$OUT" "1:$f: no [notify NAME] section: nothing to send"
echo PASS
