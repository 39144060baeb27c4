#!/bin/bash
# tbmond -n: "configuration OK" and status 0, or every error as FILE:LINE:
# message and status 1; a daemon with a bad configuration does not start.
. "$(dirname "$0")/lib.sh"

cat >"$T/bad.conf" <<'CONF'
[site]
id = Bad Site
[daemon]
database = tbmon.db
colour = blue
[device cnc-01]
protocol = modbus-tcp
port = 99999
interval = soon
[point cnc-02.alarm]
read = holding 1
when = value != 0
CONF
rc=0
"$TBMOND" -n -c "$T/bad.conf" >"$T/out" 2>"$T/err" || rc=$?
expect_eq "exit status for a bad file" $rc 1
cat "$T/err"
grep -q "bad.conf:2: " "$T/err" || fail "site id error not reported with its line"
grep -q "bad.conf:5: .*colour" "$T/err" || fail "unknown key not reported by name with its line"
grep -q "bad.conf:8: .*port" "$T/err" || fail "port out of range not reported"
grep -q "bad.conf:9: .*interval" "$T/err" || fail "bad duration not reported"
grep -q "bad.conf:10: .*cnc-02" "$T/err" || fail "point of an unknown device not reported"
[ "$(grep -c "bad.conf:[0-9]*: " "$T/err")" -ge 5 ] || fail "not every error was reported"
[ ! -s "$T/out" ] || fail "a bad configuration printed to stdout"

rc=0
"$TBMOND" -c "$T/bad.conf" 2>"$T/err2" || rc=$?
expect_eq "daemon with a bad configuration" $rc 1
[ ! -e "$T/tbmon.db" ] || fail "a database was created from a bad configuration"

rc=0
"$TBMOND" -n -c "$T/missing.conf" 2>"$T/err3" || rc=$?
expect_eq "missing file" $rc 1
grep -q "missing.conf" "$T/err3" || fail "a missing file is not named"

# when and clear that can both hold: a steady 90 would open and clear a fault
# (each error at the line of the key it is about)
# on every poll; a when on a status point means nothing
cat >"$T/overlap.conf" <<'CONF'
[site]
id = test
[daemon]
database = tbmon.db
[device oven]
protocol = modbus-tcp
host = 127.0.0.1
[point oven.temp]
read = holding 1
when = value > 70
clear = value > 80
[point oven.mode]
read = holding 2
kind = status
when = value == 3
[point oven.door]
read = holding 3
when = value > 85
clear = value < 80
CONF
rc=0
"$TBMOND" -n -c "$T/overlap.conf" >/dev/null 2>"$T/err4" || rc=$?
expect_eq "overlapping when/clear" $rc 1
cat "$T/err4"
grep -q "overlap.conf:11: point 'oven.temp': when (value > 70) and clear (value > 80) both hold" "$T/err4" ||
	fail "overlapping when and clear not reported with FILE:LINE"
grep -q "overlap.conf:15: point 'oven.mode': kind status opens no events" "$T/err4" ||
	fail "when on a status point not reported"
expect_eq "errors (the hysteresis of oven.door is fine)" "$(grep -c "overlap.conf:[0-9]" "$T/err4")" 2

rc=0
"$TBMOND" --bogus 2>/dev/null || rc=$?
expect_eq "usage error" $rc 2
echo PASS
