#!/bin/bash
# A dead device on one link does not delay a device on another link: the
# healthy device's poll spacing stays on its interval while the dead one
# times out. Also a device that answers with an exception is a failed poll,
# and a host name that does not resolve is a device that does not answer.
# The healthy device is reached by a host name (looked up without blocking
# the other links).
. "$(dirname "$0")/lib.sh"

cat >"$T/base.sim" <<SIM
[server a]
listen = 127.0.0.1:0
[server b]
listen = 127.0.0.1:0
[device dead]
server = a
unit = 1
holding 0 = 0
behaviour = silent
[device exc]
server = a
unit = 2
holding 0 = 0
behaviour = exception 6
[device healthy]
server = b
unit = 1
holding 0 = 0
SIM
sim_start "$T/base.sim"

cat >"$T/tbmond.conf" <<CONF
[site]
id = test
[daemon]
database = tbmon.db
[device dead]
protocol = modbus-tcp
host = 127.0.0.1
port = $PORT_a
unit = 1
interval = 200ms
timeout = 1s
offline_after = 2
[point dead.x]
read = holding 0
when = value != 0
[device exc]
protocol = modbus-tcp
host = 127.0.0.1
port = $PORT_a
unit = 2
interval = 200ms
timeout = 1s
offline_after = 2
[point exc.x]
read = holding 0
when = value != 0
[device noname]
protocol = modbus-tcp
host = no-such-host.invalid
port = 502
unit = 1
interval = 200ms
timeout = 1s
offline_after = 2
[point noname.x]
read = holding 0
when = value != 0
[device healthy]
protocol = modbus-tcp
host = localhost
port = $PORT_b
unit = 1
interval = 200ms
timeout = 1s
[point healthy.x]
read = holding 0
when = value != 0
CONF

daemon_start
wait_until 20 "dead device offline" q_is "select count(*) from faults where device = 'dead' and point = 'comm'" 1
wait_until 20 "exception device offline" q_is "select count(*) from faults where device = 'exc' and point = 'comm'" 1
wait_until 20 "unresolvable device offline" q_is "select count(*) from faults where device = 'noname' and point = 'comm'" 1
n=$(polls_of healthy)
wait_until 30 "30 polls of the healthy device" polled_after healthy $((n + 30))
daemon_stop

expect_eq "'cannot resolve' logged once" "$(grep -c "link no-such-host.invalid:502: cannot resolve no-such-host.invalid" "$DLOG")" 1
expect_eq "healthy device never offline" "$(q "select count(*) from faults where device = 'healthy'")" 0
# spacing of the healthy device's polls, in ms, after the first second
awk '$2 == "healthy" { if (prev) print $1 - prev; prev = $1 }' "$T/requests.log" | tail -n +5 | sort -n >"$T/gaps"
count=$(wc -l <"$T/gaps")
p50=$(awk '{ a[NR] = $1 } END { print a[int(NR * 0.5) + 1] }' "$T/gaps")
max=$(tail -1 "$T/gaps")
echo "healthy device: $count gaps, median ${p50} ms, max ${max} ms (interval 200 ms, dead device timeout 1000 ms)"
[ "$count" -ge 25 ] || fail "too few polls of the healthy device: $count"
# A dead device on the same link would push gaps to >= 1000 ms.
[ "$max" -lt 600 ] || fail "healthy device delayed: a gap of $max ms"
[ "$p50" -ge 150 ] && [ "$p50" -le 250 ] || fail "healthy device median spacing $p50 ms is off its 200 ms interval"
echo PASS
