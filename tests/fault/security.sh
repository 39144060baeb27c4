#!/bin/bash
# The security review's checks, on the running programs:
# 1. tbmond only reads: over a run with every kind of point (coils, discrete
#    inputs, input and holding registers, 32-bit values, bits) and devices
#    that answer exceptions and garbage, tbm-sim's request log holds
#    function codes 1-4 only.
# 2. The MQTT password comes from password_file; a world-readable one is
#    warned about, a 0600 one is not, and the password never reaches the log.
# 3. The database tbmond creates, and its -wal and -shm, are 0640.
# 4. tbmctl run as a user who cannot write the database (nobody) refuses a
#    write command with exit 1 and a one-line message that says so; with no
#    access at all, every command does. `security.sh messages` also wants
#    the message to say why (fault.security_messages). A reader through the
#    group reads while the -wal and -shm files exist, which tbmond keeps
#    after it stops; without them it is told why it cannot.
. "$(dirname "$0")/lib.sh"
STRICT_MSG=0
[ "${1:-}" != messages ] || STRICT_MSG=1
# why MESSAGE_FILE PATTERN WHAT: the message says why (strict) or is shown
why() {
	if grep -Eiq "$2" "$1"; then
		echo "ok: the message says $3"
	elif [ $STRICT_MSG = 1 ]; then
		fail "the message does not say $3: $(cat "$1")"
	else
		echo "note: the message does not say $3 (fault.security_messages)"
	fi
}

# 1
{
	cat <<SIM
[server a]
listen = 127.0.0.1:0
[device all]
server = a
unit = 1
coil 0 = 1
coil 5 = 0
discrete 3 = 1
input 10 = float32 31.5
input 20 = int32 -5 order cdab
holding 0 = 8
holding 100 = uint32 70000 order dcba
[device exc]
server = a
unit = 2
holding 0 = 0
behaviour = exception 1
[device junk]
server = a
unit = 3
holding 0 = 0
behaviour = garbage
SIM
} >"$T/base.sim"
sim_start "$T/base.sim"
{
	conf_head
	cat <<CONF
[device all]
protocol = modbus-tcp
host = 127.0.0.1
port = $PORT_a
unit = 1
interval = 50ms
timeout = 200ms
[point all.c0]
read = coil 0
when = value != 0
[point all.c5]
read = coil 5
when = value != 0
[point all.d3]
read = discrete 3
kind = safety
when = value != 0
[point all.temp]
read = input 10
type = float32
when = value > 100
[point all.neg]
read = input 20
type = int32
order = cdab
when = value < -100
[point all.bit]
read = holding 0
bit = 3
when = value == 1
[point all.big]
read = holding 100
type = uint32
order = dcba
kind = status
CONF
	conf_modbus exc "$PORT_a" 2 50ms 200ms 3
	conf_modbus junk "$PORT_a" 3 50ms 200ms 3
} >"$T/tbmond.conf"
daemon_start
n=$(polls_of all)
wait_until 30 "200 requests to the device with every point type" polled_after all $((n + 200))
# 3: the files of the database tbmond created, while it runs
for f in tbmon.db tbmon.db-wal tbmon.db-shm; do
	expect_eq "mode of $f" "$(stat -c %a "$T/$f")" 640
done
daemon_stop
total=$(wc -l <"$T/requests.log")
echo "ok: function codes over $total requests: $(awk '{ print $4 }' "$T/requests.log" | sort | uniq -c | awk '{ printf "fc%s x%s ", $2, $1 }')"
awk '$4 < 1 || $4 > 4 { bad++ } END { exit bad > 0 }' "$T/requests.log" || fail "a request with a function code other than 1-4"
for fc in 1 2 3 4; do
	awk -v fc=$fc '$4 == fc { f = 1 } END { exit !f }' "$T/requests.log" || fail "no request with function code $fc: not every table was read"
done


# 2
PW="s3cret-$RANDOM-pw"
printf '%s\n' "$PW" >"$T/mqtt.secret"
cat >"$T/tbmond.conf" <<CONF
$(conf_head)
[mqtt]
url = mqtt://127.0.0.1:$(free_port)
client_id = tbmond-sec
username = tbmond
password_file = mqtt.secret
CONF
chmod 0644 "$T/mqtt.secret"
daemon_start
wait_until 10 "world-readable password_file warned about" log_has "password_file .*mqtt.secret is readable by everyone"
daemon_stop
grep -q -- "$PW" "$DLOG" && fail "the password is in the log"
chmod 0600 "$T/mqtt.secret"
daemon_start
wait_until 10 "tried the broker" log_has "mqtt: cannot connect"
daemon_stop
log_has "readable by everyone" && fail "a 0600 password_file was warned about"
echo "ok: password_file 0644 warned about, 0600 not, password never logged"

# 4
id nobody >/dev/null 2>&1 || skip "no user nobody"
need setpriv
as_nobody() {
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups -- "$@"
}
P=$T/pub
mkdir -p "$P"
chmod 0711 "$T"
chmod 0755 "$P"
"$TBMCTL" -d "$T/tbmon.db" faults --all --json >/dev/null || fail "tbmctl as root"
sqlite3 "$T/tbmon.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
cp "$T/tbmon.db" "$P/tbmon.db"
chmod 0640 "$P/tbmon.db"
id1=$(sqlite3 "$P/tbmon.db" "select min(id) from faults")
[ -n "$id1" ] || fail "no fault to acknowledge"
# a) no access at all: root:root 0640
rc=0
as_nobody "$TBMCTL" -d "$P/tbmon.db" ack "$id1" --by nobody >"$T/ctl.out" 2>"$T/ctl.err" || rc=$?
echo "tbmctl ack as nobody, no access: exit $rc: $(cat "$T/ctl.err")"
expect_eq "exit status (no access)" "$rc" 1
expect_eq "lines on stderr" "$(wc -l <"$T/ctl.err")" 1
why "$T/ctl.err" "permission|access" "that the user may not open it"
# b) readable through the group, not writable, no -wal and -shm files: a
# read cannot open the WAL and says why; a write is refused
chgrp "$(id -g nobody)" "$P/tbmon.db"
rc=0
as_nobody "$TBMCTL" -d "$P/tbmon.db" faults --all >/dev/null 2>"$T/ctl.err" || rc=$?
echo "tbmctl faults as a reader, no -wal/-shm: exit $rc: $(cat "$T/ctl.err")"
expect_eq "exit status (reader, no -wal/-shm)" "$rc" 1
expect_eq "lines on stderr" "$(wc -l <"$T/ctl.err")" 1
why "$T/ctl.err" "wal and -shm files" "which files a reader needs"
rc=0
as_nobody "$TBMCTL" -d "$P/tbmon.db" ack "$id1" --by nobody >"$T/ctl.out" 2>"$T/ctl.err" || rc=$?
echo "tbmctl ack as nobody, read-only: exit $rc: $(cat "$T/ctl.err")"
expect_eq "exit status (read-only)" "$rc" 1
expect_eq "lines on stderr" "$(wc -l <"$T/ctl.err")" 1
why "$T/ctl.err" "permission|read-?only|cannot write|not writable" "that the user cannot write it"
expect_eq "acknowledged by nobody" "$(sqlite3 "$P/tbmon.db" "select count(*) from faults where acked_by = 'nobody'")" 0
# c) the database tbmond uses, after tbmond stopped: its -wal and -shm are
# kept, so a reader through the group reads
daemon_start
daemon_stop
for f in "$T/tbmon.db" "$T/tbmon.db-wal" "$T/tbmon.db-shm"; do
	[ -f "$f" ] || fail "$f is not there after tbmond stopped"
	chgrp "$(id -g nobody)" "$f"
done
as_nobody "$TBMCTL" -d "$T/tbmon.db" faults --all >"$T/ctl.out" 2>"$T/ctl.err" ||
	fail "tbmctl faults as a reader after tbmond stopped: $(cat "$T/ctl.err")"
expect_eq "faults read by the reader" "$(grep -c . "$T/ctl.out")" "$(($(sqlite3 "$T/tbmon.db" "select count(*) from faults") + 1))"
echo PASS
