# lib.sh - shared by the integration tests: a scratch directory, tbm-sim and
# tbmond as real processes, and waiting on conditions (never on a clock).
# Environment: TBMOND, TBMSIM, TBMCTL (paths of the built programs).
set -euo pipefail
: "${TBMOND:?}" "${TBMSIM:?}"
T=$(mktemp -d "${TMPDIR:-/tmp}/tbmon-test.XXXXXX")
PIDS=()
DPID=""

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	if [ -n "${DLOG:-}" ] && [ -f "$DLOG" ]; then echo "--- tbmond log (last 40 lines)" >&2; tail -40 "$DLOG" >&2; fi
	if [ -f "$T/sim.err" ]; then echo "--- tbm-sim stderr" >&2; tail -20 "$T/sim.err" >&2; fi
	# a suite's own account of what it ran (the central collection's logs)
	if declare -F fail_context >/dev/null; then fail_context >&2 || true; fi
	exit 1
}

# wait_until SECONDS DESCRIPTION COMMAND...: runs COMMAND until it succeeds.
wait_until() {
	local secs=$1 what=$2
	shift 2
	local deadline=$((SECONDS + secs))
	until "$@"; do
		[ $SECONDS -lt $deadline ] || fail "timed out after ${secs}s waiting for: $what"
		sleep 0.05
	done
}

# q SQL: one query on the test database (read only, beside the running daemon).
q() {
	sqlite3 -batch -noheader -cmd ".timeout 5000" "file:$T/tbmon.db?mode=ro" "$1"
}

# q_is SQL EXPECTED: true when the query prints EXPECTED.
q_is() {
	[ -f "$T/tbmon.db" ] && [ "$(q "$1" 2>>"$T/q.err")" = "$2" ]
}

expect_eq() {
	local what=$1 got=$2 want=$3
	[ "$got" = "$want" ] || fail "$what: got '$got', want '$want'"
	echo "ok: $what = $got"
}

# sim_start SCENARIO: starts tbm-sim, waits for its "ready" line, and sets
# PORT_<server> for each TCP server it listens on.
sim_start() {
	local line name addr
	coproc SIM { exec "$TBMSIM" --log-requests "$T/requests.log" "$1" 2>"$T/sim.err"; }
	PIDS+=("$SIM_PID")
	while read -r -t 20 line <&"${SIM[0]}"; do
		case $line in
		"listening "*)
			name=${line#listening }
			name=${name%% *}
			addr=${line##* }
			declare -g "PORT_${name//-/_}=${addr##*:}"
			;;
		ready) return 0 ;;
		esac
	done
	fail "tbm-sim did not become ready"
}

# sim CMD...: one command to tbm-sim; its "ok ..." reply lands in SIM_REPLY.
sim() {
	local line
	echo "$*" >&"${SIM[1]}"
	while read -r -t 10 line <&"${SIM[0]}"; do
		case $line in
		"at "* | "listening "* | ready) continue ;;
		ok*) SIM_REPLY=$line; return 0 ;;
		*) fail "tbm-sim answered '$line' to '$*'" ;;
		esac
	done
	fail "tbm-sim did not answer '$*'"
}

# daemon_start: runs tbmond on $T/tbmond.conf and waits until it has started.
DRUNS=0
daemon_start() {
	DRUNS=$((DRUNS + 1))
	DLOG=$T/tbmond.$DRUNS.log
	"$TBMOND" -c "$T/tbmond.conf" 2>"$DLOG" &
	DPID=$!
	PIDS+=("$DPID")
	wait_until 20 "tbmond to start" grep -qs "started:" "$DLOG"
}

# daemon_stop: SIGTERM, and check that it stops cleanly with status 0.
daemon_stop() {
	local rc=0
	kill -TERM "$DPID"
	wait "$DPID" || rc=$?
	[ $rc -eq 0 ] || fail "tbmond exited with status $rc"
	grep -q "events written" "$DLOG" || fail "tbmond did not stop in order"
	DPID=""
}

# lines_at_least FILE N: true once FILE has N lines (for wait_until: the
# count must be taken at each try, not once when wait_until is called).
lines_at_least() {
	[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]
}

# polls_of DEVICE: how many requests tbm-sim has seen for DEVICE.
polls_of() {
	[ -f "$T/requests.log" ] && awk -v d="$1" '$2 == d' "$T/requests.log" | wc -l || echo 0
}

# polled_after DEVICE N: true once DEVICE has had more than N requests.
polled_after() {
	[ "$(polls_of "$1")" -gt "$2" ]
}

# free_port: a TCP port on the loopback that nobody listens on right now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# broker_run CONFIG PORT: a real mosquitto broker with that configuration;
# sets BROKER_PID and waits until it listens on PORT.
broker_run() {
	mkdir -p "$T/broker"
	: >"$T/broker/log"
	mosquitto -c "$1" 2>>"$T/broker/log" &
	BROKER_PID=$!
	PIDS+=("$BROKER_PID")
	# "Opening ... socket" comes before the bind; "running" after it
	wait_until 10 "mosquitto listening on $2" grep -q "Opening ipv4 listen socket on port $2" "$T/broker/log"
	wait_until 10 "mosquitto running" grep -q "mosquitto version .* running" "$T/broker/log"
}

# broker_start: mosquitto on a free loopback port, anonymous, with
# persistence in $T/broker; sets BROKER_PORT (kept across restarts).
broker_start() {
	mkdir -p "$T/broker"
	BROKER_PORT=${BROKER_PORT:-$(free_port)}
	cat >"$T/broker/mosquitto.conf" <<BROKER
listener $BROKER_PORT 127.0.0.1
allow_anonymous true
# as root mosquitto would switch to the user 'mosquitto', who cannot write \$T
user $(id -un)
persistence true
persistence_location $T/broker/
autosave_interval 1
log_dest stderr
log_type error
log_type warning
log_type notice
log_type information
BROKER
	broker_run "$T/broker/mosquitto.conf" "$BROKER_PORT"
}

# broker_stop: stops it (its persistence file is written on the way out).
broker_stop() {
	kill -TERM "$BROKER_PID"
	wait "$BROKER_PID" 2>/dev/null || true
}

# ---- the workshop most tests run: cnc-01, whose alarm is holding 100, and
# weld-01, whose e-stop (a safety point) is discrete 0, both on tbm-sim's
# server a. A test's tbmond.conf is these functions' output, in order:
#   { conf_site; conf_cnc "$PORT_a" 主轴报警; conf_weld "$PORT_a" 急停; } >"$T/tbmond.conf"

# workshop_sim [LINE...]: starts tbm-sim with cnc-01 (unit 1; LINEs are
# more of its registers) and weld-01 (unit 2) on server a (PORT_a).
workshop_sim() {
	{
		printf '[server a]\nlisten = 127.0.0.1:0\n'
		printf '[device cnc-01]\nserver = a\nunit = 1\nholding 100 = 0\n'
		[ $# -eq 0 ] || printf '%s\n' "$@"
		printf '[device weld-01]\nserver = a\nunit = 2\ndiscrete 0 = 0\n'
	} >"$T/base.sim"
	sim_start "$T/base.sim"
}

# conf_site [NAME]: [site] test in Asia/Shanghai, and [daemon] with the
# database tbmon.db beside the configuration (lines that follow are [daemon]'s).
conf_site() {
	printf '[site]\nid = test\n'
	[ -z "${1:-}" ] || printf 'name = %s\n' "$1"
	printf 'timezone = Asia/Shanghai\n[daemon]\ndatabase = tbmon.db\n'
}

# conf_tcp_device ID LAB PORT UNIT [LINE...]: [device ID] of LAB, Modbus
# TCP at 127.0.0.1:PORT and UNIT, with LINEs (its name, interval...).
conf_tcp_device() {
	printf '[device %s]\nlab = %s\nprotocol = modbus-tcp\nhost = 127.0.0.1\nport = %s\nunit = %s\n' "$1" "$2" "$3" "$4"
	shift 4
	[ $# -eq 0 ] || printf '%s\n' "$@"
}

# conf_alarm_point DEVICE.NAME READ WHEN LABEL [LINE...]: a point that opens
# a fault WHEN its value ..., labelled LABEL (none if empty), with LINEs.
conf_alarm_point() {
	printf '[point %s]\nread = %s\nwhen = %s\n' "$1" "$2" "$3"
	[ -z "$4" ] || printf 'label = %s\n' "$4"
	shift 4
	[ $# -eq 0 ] || printf '%s\n' "$@"
}

# conf_cnc PORT LABEL [LINE...]: cnc-01 in 数控加工实训室 (assessed), unit 1,
# with LINEs; then its alarm: holding 100, open while not 0, labelled LABEL.
# Lines that follow are the alarm's.
conf_cnc() {
	local port=$1 label=$2
	shift 2
	conf_tcp_device cnc-01 数控加工实训室 "$port" 1 "assessment = yes" "$@"
	conf_alarm_point cnc-01.alarm "holding 100" "value != 0" "$label"
}

# conf_weld PORT LABEL [LINE...]: weld-01 in 焊接实训室, unit 2, with LINEs;
# then its e-stop: discrete 0, a safety point open while 1, labelled LABEL.
conf_weld() {
	local port=$1 label=$2
	shift 2
	conf_tcp_device weld-01 焊接实训室 "$port" 2 "$@"
	conf_alarm_point weld-01.estop "discrete 0" "value == 1" "$label" "kind = safety"
}

# ctl ARGS...: tbmctl on the test's configuration.
ctl() {
	"$TBMCTL" -c "$T/tbmond.conf" "$@"
}

# secret_file NAME TEXT: $T/NAME holding TEXT, readable by its owner only.
secret_file() {
	printf '%s\n' "$2" >"$T/$1"
	chmod 600 "$T/$1"
}

# account NAME ROLE [OPTION...]: tbmctl user add, as root. The first account
# is the base's manager (MANAGER); she adds the ones after it (--by).
account() {
	local name=$1 role=$2
	shift 2
	ctl user add "$name" --role "$role" ${MANAGER:+--by "$MANAGER"} "$@" >/dev/null ||
		fail "tbmctl user add $name"
	MANAGER=${MANAGER:-$name}
}
