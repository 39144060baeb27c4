#!/bin/bash
# A reply that carries another unit id than the request's is not the
# device's answer: no value may be taken from it (the register holds a
# faulty value while the device answers as another unit, so no fault may
# open), and the device goes offline after offline_after polls. Over TCP
# libmodbus does not compare the reply's unit id with the request's, so
# tbmond has to.
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
sim behave dev wrong_unit
sim set dev.holding.0 42
n=$(polls_of dev)
wait_until 10 "answers as unit 2" polled_after dev $((n + 5))
expect_eq "no fault from another unit's answer" "$(q "$(alarm_open dev)")" 0
wait_until 10 "comm fault" q_is "$(comm_open dev)" 1
sim behave dev normal
wait_until 30 "comm fault cleared" q_is "$(comm_open dev)" 0
wait_until 10 "fault from the device's own answer" q_is "$(alarm_open dev)" 1
daemon_stop
expect_eq "alarm codes" "$(alarm_codes dev)" 42
check_healthy
echo PASS
