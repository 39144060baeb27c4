# lib.sh - tbm-notify's tests, on top of the integration tests' lib.sh: the
# local robot and SMTP servers, tbm-notify as a process, and reading what
# the servers received. Environment: TBMNOTIFY, TBMCTL besides lib.sh's.
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
: "${TBMNOTIFY:?}" "${TBMCTL:?}"
# Debian's interpreter: it has aiosmtpd (python3-aiosmtpd), whatever is first on PATH
PY=/usr/bin/python3
NHERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NPID=""
NRUNS=0

fail() {
	echo "FAIL: $*" >&2
	if [ -n "${NLOG:-}" ] && [ -f "$NLOG" ]; then echo "--- tbm-notify log (last 40 lines)" >&2; tail -40 "$NLOG" >&2; fi
	if [ -n "${DLOG:-}" ] && [ -f "$DLOG" ]; then echo "--- tbmond log (last 20 lines)" >&2; tail -20 "$DLOG" >&2; fi
	if [ -f "$T/robot.err" ]; then echo "--- robot server" >&2; tail -20 "$T/robot.err" >&2; fi
	exit 1
}

# robot_start SPEC_JSON: the robot server; sets ROBOT (http://127.0.0.1:PORT).
robot_start() {
	"$PY" "$NHERE/robot.py" "$T/robot.log" "$1" >"$T/robot.out" 2>"$T/robot.err" &
	PIDS+=($!)
	wait_until 10 "the robot server" grep -q "^listening" "$T/robot.out"
	ROBOT="http://127.0.0.1:$(awk '{ print $2 }' "$T/robot.out")"
}

# smtp_start [NAME [smtp.py OPTIONS]]: an SMTP server (NAME mail by default)
# writing $T/NAME.log; sets SMTP_PORT.
smtp_start() {
	local name=${1:-mail}
	shift || true
	"$PY" "$NHERE/smtp.py" "$T/$name.log" "$@" >"$T/smtp.$name.out" 2>"$T/smtp.$name.err" &
	PIDS+=($!)
	wait_until 20 "the SMTP server $name" grep -q "^listening" "$T/smtp.$name.out"
	SMTP_PORT=$(awk '{ print $2 }' "$T/smtp.$name.out")
}

# conf_head [SITE_NAME]: [site], [daemon] and [web] of a test's tbmond.conf
# (LOG_LEVEL: tbmond's and tbm-notify's log level, default info).
conf_head() {
	printf '[site]\nid = test\n'
	[ -z "${1:-}" ] || printf 'name = %s\n' "$1"
	printf 'timezone = Asia/Shanghai\n[daemon]\ndatabase = tbmon.db\ndevices = devices.d\n'
	printf 'log_level = %s\n[web]\nbase_url = http://tbm.test/\n' "${LOG_LEVEL:-info}"
	mkdir -p "$T/devices.d"
}

# conf_device ID NAME LAB UNIT: a Modbus device of tbm-sim's server s, polled every 100 ms.
conf_device() {
	printf '[device %s]\nname = %s\nlab = %s\nprotocol = modbus-tcp\nhost = 127.0.0.1\n' "$1" "$2" "$3"
	printf 'port = %s\nunit = %s\ninterval = 100ms\n' "$PORT_s" "$4"
}

# conf_point DEVICE.NAME READ LABEL [KIND]: opens on a value other than 0.
conf_point() {
	printf '[point %s]\nread = %s\nkind = %s\nwhen = value != 0\nlabel = %s\n' "$1" "$2" "${4:-fault}" "$3"
}

# notify_start: tbm-notify on $T/tbmond.conf; waits until every channel is ready.
notify_start() {
	local n
	NRUNS=$((NRUNS + 1))
	NLOG=$T/notify.$NRUNS.log
	"$TBMNOTIFY" -c "$T/tbmond.conf" 2>"$NLOG" &
	NPID=$!
	PIDS+=("$NPID")
	n=$(grep -c '^\[notify ' "$T/tbmond.conf")
	wait_until 20 "tbm-notify's $n channels" lines_matching "$NLOG" "channel ready" "$n"
}

# lines_matching FILE TEXT N: true once FILE has N lines with TEXT.
lines_matching() {
	[ -f "$1" ] && [ "$(grep -c -- "$2" "$1")" -ge "$3" ]
}

# received KIND ROBOT [GREP]: texts the robot accepted, one a line (a
# message's own lines joined with " | "), oldest first.
received() {
	[ -f "$T/robot.log" ] || return 0
	"$PY" - "$T/robot.log" "$1" "$2" <<'PYEOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if r["kind"] == sys.argv[2] and r["robot"] == sys.argv[3] and r["accepted"]:
        t = r.get("text")
        if t is None:
            t = json.dumps(r["body"], ensure_ascii=False, sort_keys=True)
        print(t.replace("\n", " | "))
PYEOF
}

# count_received KIND ROBOT PATTERN: how many accepted messages match.
count_received() {
	received "$1" "$2" | grep -c -- "$3" || true
}

# received_at_least KIND ROBOT PATTERN N (for wait_until)
received_at_least() {
	[ "$(count_received "$1" "$2" "$3")" -ge "$4" ]
}

# mails [NAME]: "SUBJECT || TO || BODY" of each mail server NAME (mail by
# default) accepted, oldest first.
mails() {
	[ -f "$T/${1:-mail}.log" ] || return 0
	"$PY" - "$T/${1:-mail}.log" <<'PYEOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if "subject" in r:
        print(r["subject"] + " || " + ",".join(r["to"]) + " || " + r["body"].strip().replace("\n", " | "))
PYEOF
}

mails_at_least() {
	[ "$(mails | grep -c -- "$1" || true)" -ge "$2" ]
}

# mails_at NAME PATTERN N: server NAME accepted at least N mails matching.
mails_at() {
	[ "$(mails "$1" | grep -c -- "$2" || true)" -ge "$3" ]
}

# The one place that acknowledges and classifies as a person: the command
# line names people with --by today (accounts are coming).
# people: the base's accounts the tests act for (as root, recorded "via root"),
# made once, when a person first acts (tbmond has created the database by then).
people() {
	[ -z "${PEOPLE_MADE:-}" ] || return 0
	account 张主任 manager --display 张主任 --no-password
	account 张工 technician --display 张工 --no-password
	PEOPLE_MADE=1
}
person_ack() {
	people
	"$TBMCTL" -c "$T/tbmond.conf" ack "$1" --by 张工 >/dev/null || fail "tbmctl ack $1"
}
person_report() {
	people
	"$TBMCTL" -c "$T/tbmond.conf" report "$1" --by 张工 --note "$2" >/dev/null || fail "tbmctl report $1"
}
person_classify() {
	people
	"$TBMCTL" -c "$T/tbmond.conf" classify "$1" "$2" --by 张主任 >/dev/null || fail "tbmctl classify $1"
}

# local_time ID: when fault ID opened, as the messages show it (the site's zone).
local_time() {
	TZ=Asia/Shanghai date -d "@$(q "select opened_at / 1000 from faults where id = $1")" '+%Y-%m-%d %H:%M:%S'
}

fault_id() {
	q "select id from faults where device = '$1' and point = '$2' order by id desc limit 1"
}
