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

# the field's mistakes, each at the line of its key: a device without points
# (a machine without a sensor is protocol = manual), a gateway key on a serial
# device, an MQTT URL of another scheme; and the daemon says so in English
# whatever the locale (its log is read and searched by people who run it)
cat >"$T/field.conf" <<'CONF'
[site]
id = test
[daemon]
database = tbmon.db
[mqtt]
client_id = x
url = ws://broker:8083
[device lathe]
protocol = modbus-tcp
host = 127.0.0.1
[device rs485]
protocol = modbus-rtu
serial = /dev/ttyUSB0
keep_open = no
[point rs485.alarm]
read = coil 0
when = value == 1
[device board]
protocol = manual
CONF
rc=0
LANG=zh_CN.UTF-8 TBMON_LOCALEDIR=${TBMON_LOCALEDIR:-} "$TBMOND" -n -c "$T/field.conf" >/dev/null 2>"$T/err5" || rc=$?
expect_eq "field mistakes" $rc 1
cat "$T/err5"
grep -q "field.conf:7: \[mqtt\] url 'ws://broker:8083' must start with mqtt:// or mqtts://" "$T/err5" ||
	fail "the MQTT URL's error does not name its line"
grep -q "field.conf:14: device 'rs485': keep_open does not apply to protocol modbus-rtu" "$T/err5" ||
	fail "a key that does not apply is not reported at its line"
# fixed those, the device without points is named (at its header)
sed -i 's#^url = ws://#url = mqtt://#; /^keep_open = no$/d' "$T/field.conf"
rc=0
"$TBMOND" -n -c "$T/field.conf" >/dev/null 2>"$T/err6" || rc=$?
expect_eq "a device without points" $rc 1
expect_eq "its error" "$(cat "$T/err6")" "$T/field.conf:8: device 'lathe': no points; add a [point lathe.NAME] section, or use protocol = manual for a machine without a sensor
$T/field.conf: 1 error"

rc=0
"$TBMOND" --bogus 2>/dev/null || rc=$?
expect_eq "usage error" $rc 2
echo PASS
