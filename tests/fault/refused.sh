#!/bin/bash
# A flood of connection refusals: a device on a port nobody listens on.
# The comm fault opens, the connection attempts back off (counted from
# tbmond's debug log: one "cannot connect" line per attempt), the refusal
# is logged as a warning once and not on every attempt, nothing crashes, and
# a healthy device on another link keeps its spacing. When a server appears
# on that port the device comes back within the backoff's bound.
. "$(dirname "$0")/lib.sh"

PORT_x=$(free_port)
sim_healthy >"$T/base.sim"
sim_start "$T/base.sim"
LOG_LEVEL=debug
{
	conf_head
	conf_modbus gone "$PORT_x" 1 100ms 200ms 3
	conf_healthy
} >"$T/tbmond.conf"

daemon_start
wait_until 20 "comm fault" q_is "$(comm_open gone)" 1
t0=$SECONDS
n=$(polls_of healthy)
wait_until 30 "10 s of healthy polls" polled_after healthy $((n + 50))
dt=$((SECONDS - t0))
attempts=$(log_count "link 127.0.0.1:$PORT_x: cannot connect")
warnings=$(grep -Ec "^<4>.*link 127.0.0.1:$PORT_x: cannot connect" "$DLOG" || true)
echo "$attempts connection attempts in the first ~$((dt + 1)) s, $warnings of them logged as warnings"
# every 100 ms would be > 100; the backoff (1 s doubling to 30 s) allows ~5
[ "$attempts" -ge 2 ] && [ "$attempts" -le 8 ] || fail "$attempts connection attempts: no backoff"
expect_eq "refusals logged as warnings" "$warnings" 1

# the server comes: the device answers again (backoff at most 16 s by now)
cat >"$T/late.sim" <<SIM
[server x]
listen = 127.0.0.1:$PORT_x
[device gone]
server = x
unit = 1
holding 0 = 0
SIM
"$TBMSIM" "$T/late.sim" >"$T/late.out" 2>"$T/late.err" &
PIDS+=($!)
wait_until 10 "second tbm-sim listening" grep -q "^ready" "$T/late.out"
wait_until 40 "comm fault cleared" q_is "$(comm_open gone)" 0
log_has "link 127.0.0.1:$PORT_x: connected" || fail "no 'connected' after the refusals"
daemon_stop
check_healthy
echo PASS
