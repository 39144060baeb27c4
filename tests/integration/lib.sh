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
	[ -f "$T/tbmon.db" ] && [ "$(q "$1" 2>/dev/null)" = "$2" ]
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
	wait_until 20 "tbmond to start" grep -q "started:" "$DLOG"
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

# polls_of DEVICE: how many requests tbm-sim has seen for DEVICE.
polls_of() {
	[ -f "$T/requests.log" ] && awk -v d="$1" '$2 == d' "$T/requests.log" | wc -l || echo 0
}

# polled_after DEVICE N: true once DEVICE has had more than N requests.
polled_after() {
	[ "$(polls_of "$1")" -gt "$2" ]
}
