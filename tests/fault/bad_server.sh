#!/bin/bash
# Servers that misbehave below the Modbus level (tests/fault/badserver.py):
# one that accepts connections and never answers (nor reads), one that
# resets the connection in the middle of a reply, and one whose connect()
# hangs (SYNs dropped: the connection attempt times out). For each: a comm fault
# after offline_after; no value taken from half a reply (0x2a would open a
# fault); no crash; retries back off once the device is offline (the
# server counts the connections: their spacing must grow); a healthy device
# on another link keeps its poll spacing.
. "$(dirname "$0")/lib.sh"
need python3

# server MODE: starts badserver.py; sets SRV_PORT, SRV_LOG
server() {
	SRV_LOG=$T/accept.$1.log
	: >"$SRV_LOG"
	python3 "$FAULT_DIR/badserver.py" "$1" "$SRV_LOG" >"$T/bad.$1.out" &
	PIDS+=($!)
	wait_until 10 "badserver.py $1 listening" grep -q "^listening" "$T/bad.$1.out"
	SRV_PORT=$(awk '{ print $2 }' "$T/bad.$1.out")
	declare -g "PORT_$1=$SRV_PORT" "LOG_$1=$SRV_LOG"
}
server mute
server reset
server deaf
sim_healthy >"$T/base.sim"
sim_start "$T/base.sim"
{
	conf_head
	conf_modbus mute "$PORT_mute" 1 100ms 200ms 3
	conf_modbus reset "$PORT_reset" 1 100ms 200ms 3
	conf_modbus deaf "$PORT_deaf" 1 100ms 200ms 3
	conf_healthy
} >"$T/tbmond.conf"

daemon_start
for dev in mute reset deaf; do
	wait_until 20 "$dev: comm fault" q_is "$(comm_open $dev)" 1
done
# connections over the next 6 s: polled every 100 ms that would be 60; with
# a backoff doubling from 200 ms, about 5
log=LOG_mute; n_mute=$(wc -l <"${!log}")
log=LOG_reset; n_reset=$(wc -l <"${!log}")
t0=$SECONDS
n=$(polls_of healthy)
wait_until 20 "6 s of healthy polls" polled_after healthy $((n + 30))
sleep_left=$((6 - (SECONDS - t0)))
[ $sleep_left -le 0 ] || sleep $sleep_left   # a measuring window, not a readiness wait
log=LOG_mute; c_mute=$(($(wc -l <"${!log}") - n_mute))
log=LOG_reset; c_reset=$(($(wc -l <"${!log}") - n_reset))
echo "connections in ~6 s while offline: mute $c_mute, reset $c_reset"
[ "$c_mute" -ge 1 ] && [ "$c_mute" -le 8 ] || fail "mute: $c_mute connections in 6 s (no backoff?)"
[ "$c_reset" -ge 1 ] && [ "$c_reset" -le 8 ] || fail "reset: $c_reset connections in 6 s (no backoff?)"
# and their spacing grows
awk '{ if (prev) print $2 - prev; prev = $2 }' "$LOG_reset" | tail -4 >"$T/reset.gaps"
echo "last gaps between connections to the resetting server: $(tr '\n' ' ' <"$T/reset.gaps")ms"
awk 'NR > 1 && $1 < prev * 1.5 { bad = 1 } { prev = $1 } END { exit bad }' "$T/reset.gaps" ||
	fail "the retries to the resetting server do not back off"
kill -0 "$DPID" || fail "tbmond died"
daemon_stop
expect_eq "faults of the mute server's device" "$(q "select group_concat(point) from faults where device = 'mute'")" comm
expect_eq "faults of the resetting server's device" "$(q "select group_concat(point) from faults where device = 'reset'")" comm
expect_eq "faults of the deaf server's device" "$(q "select group_concat(point) from faults where device = 'deaf'")" comm
expect_eq "connection timeouts to the deaf server logged (once, then quietly)" \
	"$(grep -c "link 127.0.0.1:$PORT_deaf: cannot connect: Connection timed out" "$DLOG")" 1
check_healthy
echo PASS
