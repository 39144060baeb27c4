#!/bin/bash
# A reply that comes after the timeout must die with its request: it may
# never be taken as the answer to the next request.
# 1. One device: while it answers late its register holds 5; then it holds
#    7 and answers in time. The fault must open with code 7 — with 5 the
#    late reply to an earlier request would have been taken.
# 2. Two units on one link, unit 1 late, unit 2 in time: unit 2's point
#    opens a fault on unit 1's value (11), unit 1's on unit 2's (22). No
#    answer may reach the other unit's request: neither fault opens, unit 1
#    goes offline, unit 2 keeps answering.
. "$(dirname "$0")/lib.sh"

{
	cat <<SIM
[server a]
listen = 127.0.0.1:0
[device slow]
server = a
unit = 1
holding 0 = 0
[server b]
listen = 127.0.0.1:0
[device u1]
server = b
unit = 1
holding 0 = 11
behaviour = late 350
[device u2]
server = b
unit = 2
holding 0 = 22
SIM
	sim_healthy
} >"$T/base.sim"
sim_start "$T/base.sim"
{
	conf_head
	cat <<CONF
[device slow]
protocol = modbus-tcp
host = 127.0.0.1
port = $PORT_a
unit = 1
interval = 100ms
timeout = 200ms
offline_after = 1000
[point slow.alarm]
read = holding 0
when = value != 0
[device u1]
protocol = modbus-tcp
host = 127.0.0.1
port = $PORT_b
unit = 1
interval = 100ms
timeout = 200ms
offline_after = 3
[point u1.alarm]
read = holding 0
when = value == 22
[device u2]
protocol = modbus-tcp
host = 127.0.0.1
port = $PORT_b
unit = 2
interval = 100ms
timeout = 200ms
offline_after = 3
[point u2.alarm]
read = holding 0
when = value == 11
CONF
	conf_healthy
} >"$T/tbmond.conf"

daemon_start
# 1: the flip between two requests
n=$(polls_of slow)
wait_until 10 "slow polled" polled_after slow $((n + 2))
sim behave slow late 350
sim set slow.holding.0 5
n=$(polls_of slow)
wait_until 10 "late requests" polled_after slow $((n + 4))
expect_eq "no fault while every answer is late" "$(q "$(alarm_open slow)")" 0
# the flip: a request is pending now whose late reply says 5
n=$(polls_of slow)
wait_until 10 "one more late request" polled_after slow "$n"
sim set slow.holding.0 7
sim behave slow normal
wait_until 10 "fault from a timely answer" q_is "$(alarm_open slow)" 1
expect_eq "its code is the timely answer's" "$(alarm_codes slow)" 7

# 2: two units on one link
wait_until 20 "u1 offline" q_is "$(comm_open u1)" 1
n=$(polls_of u2)
wait_until 10 "u2 polled after u1 went offline" polled_after u2 $((n + 10))
daemon_stop
expect_eq "u1 faults (its answers are always late)" "$(q "select group_concat(point) from faults where device = 'u1'")" comm
expect_eq "u2 faults (never unit 1's answer)" "$(q "select count(*) from faults where device = 'u2'")" 0
check_healthy
echo PASS
