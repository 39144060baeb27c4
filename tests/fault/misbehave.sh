#!/bin/bash
# A device that misbehaves in each of tbm-sim's ways: no answer, exception
# codes 1-4 and 6 (busy), garbage, a wrong transaction id, a truncated
# frame, the connection dropped on a request. For each: a comm fault after
# offline_after failed polls; no value taken from a bad answer (the register
# holds a faulty value all along, and no fault may open from it); retries
# back off; no crash; once the device behaves, the comm fault clears and the
# value it now answers opens the fault. A healthy device on another link
# keeps its poll spacing throughout.
. "$(dirname "$0")/lib.sh"

{
	cat <<SIM
[server a]
listen = 127.0.0.1:0
[device dev]
server = a
unit = 1
holding 0 = 0
SIM
	sim_healthy
} >"$T/base.sim"
sim_start "$T/base.sim"
{
	conf_head
	conf_modbus dev "$PORT_a" 1 100ms 150ms 3
	conf_healthy
} >"$T/tbmond.conf"

daemon_start
n=$(polls_of dev)
wait_until 10 "dev polled" polled_after dev $((n + 3))

# two groups, each its own ctest so that each stays short
case ${1:-all} in
exceptions) BEHAVIOURS=(silent "exception 1" "exception 2" "exception 3" "exception 4" "exception 6") ;;
frames) BEHAVIOURS=(garbage wrong_tid truncated drop) ;;
all) BEHAVIOURS=(silent "exception 1" "exception 2" "exception 3" "exception 4" "exception 6" garbage
	wrong_tid truncated drop) ;;
*) fail "usage: misbehave.sh [exceptions|frames|all]" ;;
esac

code=100
for b in "${BEHAVIOURS[@]}"; do
	code=$((code + 1))
	comm0=$(q "select count(*) from faults where device = 'dev' and point = 'comm'")
	sim behave dev "$b"
	sim set dev.holding.0 "$code"
	wait_until 20 "$b: comm fault" q_is "$(comm_open dev)" 1
	# a few more bad answers after the comm fault, with backoff between them
	n=$(polls_of dev)
	t0=$(date +%s%N)
	wait_until 20 "$b: polled while offline" polled_after dev $((n + 3))
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	# backoff from 2 x interval doubling: 200 + 400 + 800 ms at the least
	# before the third retry (the first may come sooner: it was due anyway)
	[ "$ms" -ge 1000 ] || fail "$b: 3 retries within $ms ms while offline: no backoff"
	expect_eq "$b: no fault from a bad answer" "$(q "$(alarm_open dev)")" 0
	kill -0 "$DPID" || fail "$b: tbmond died"
	# behaving again: comm clears, and the value now read opens the fault
	sim behave dev normal
	wait_until 30 "$b: comm fault cleared" q_is "$(comm_open dev)" 0
	wait_until 10 "$b: fault from the good answer" q_is "$(alarm_open dev)" 1
	expect_eq "$b: code of the fault" "$(q "select cast(code as integer) from faults where device = 'dev' and point = 'alarm' and cleared_at is null")" "$code"
	expect_eq "$b: one more comm fault" "$(q "select count(*) from faults where device = 'dev' and point = 'comm'")" $((comm0 + 1))
	sim set dev.holding.0 0
	wait_until 10 "$b: fault cleared" q_is "$(alarm_open dev)" 0
done

daemon_stop
expect_eq "alarm codes, one per behaviour" "$(alarm_codes dev)" "$(seq -s ' ' 101 $code)"
check_healthy
echo PASS
