#!/bin/bash
# The systemd side, for real: a unix datagram socket stands in for systemd
# (NOTIFY_SOCKET, WATCHDOG_USEC): READY=1, STATUS= lines, WATCHDOG=1 pings,
# and no more pings once a link thread hangs. Then SIGHUP: an invalid file
# is rejected and the daemon goes on; a valid one is applied, an unchanged
# link keeps polling without a gap, and faults open before the reload are
# the same faults after it.
. "$(dirname "$0")/lib.sh"

cat >"$T/notify.py" <<'PY'
import os, socket, sys, time
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(out, "a", buffering=1) as f:
    print("listening", file=f)
    while True:
        msg = s.recv(4096).decode()
        for line in msg.splitlines():
            print("%.3f %s" % (time.monotonic(), line), file=f)
PY
python3 "$T/notify.py" "$T/notify.sock" "$T/notify.log" &
PIDS+=($!)
wait_until 10 "notify socket" grep -q listening "$T/notify.log"

cat >"$T/base.sim" <<SIM
[server a]
listen = 127.0.0.1:0
[server b]
listen = 127.0.0.1:0
[server c]
listen = 127.0.0.1:0
[device cnc-01]
server = a
unit = 1
holding 100 = 0
[device cnc-02]
server = b
unit = 1
holding 100 = 0
[device cnc-03]
server = c
unit = 1
holding 100 = 0
SIM
sim_start "$T/base.sim"

conf() { # INTERVAL_OF_CNC02 WITH_CNC03
	cat >"$T/tbmond.conf" <<CONF
[site]
id = test
[daemon]
database = tbmon.db
[device cnc-01]
protocol = modbus-tcp
host = 127.0.0.1
port = $PORT_a
interval = 100ms
[point cnc-01.alarm]
read = holding 100
when = value != 0
[device cnc-02]
protocol = modbus-tcp
host = 127.0.0.1
port = $PORT_b
interval = $1
[point cnc-02.alarm]
read = holding 100
when = value != 0
CONF
	if [ "$2" = yes ]; then
		cat >>"$T/tbmond.conf" <<CONF
[device cnc-03]
protocol = modbus-tcp
host = 127.0.0.1
port = $PORT_c
interval = 100ms
[point cnc-03.alarm]
read = holding 100
when = value != 0
CONF
	fi
}
conf 100ms no

export NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=3000000
daemon_start
wait_until 10 "READY=1" grep -q " READY=1" "$T/notify.log"
wait_until 15 "a STATUS= line" grep -q " STATUS=2 devices online, 0 offline" "$T/notify.log"
pings() { grep -c " WATCHDOG=1" "$T/notify.log" || true; }
pings_at_least() { [ "$(pings)" -ge "$1" ]; }
wait_until 10 "three watchdog pings" pings_at_least 3
grep " STATUS=" "$T/notify.log" | tail -1

# faults open before the reload
sim set cnc-01.holding.100 11
sim set cnc-02.holding.100 22
wait_until 10 "two faults open" q_is "select count(*) from faults where cleared_at is null" 2
ids_before=$(q "select group_concat(id) from (select id from faults order by id)")

# an invalid configuration is rejected, all errors logged, nothing changes
cp "$T/tbmond.conf" "$T/good.conf"
printf '[device cnc-09]\nprotocol = carrier-pigeon\n[point nosuch.x]\nread = holding 1\n' >>"$T/tbmond.conf"
kill -HUP "$DPID"
wait_until 10 "the reload refused" grep -q "reload: .* errors in the configuration; still running" "$DLOG"
grep -q "tbmond.conf:[0-9]*: .*carrier-pigeon" "$DLOG" || fail "the bad value was not logged with its line"
kill -0 "$DPID" || fail "tbmond died on a bad reload"

# a valid one: cnc-01's link unchanged, cnc-02's changed, cnc-03's new
conf 200ms yes
t_reload=$(awk '{ print $1 }' "$T/requests.log" | tail -1)
kill -HUP "$DPID"
wait_until 10 "the reload applied" grep -q "reloaded: 1 links unchanged, 2 started, 1 stopped" "$DLOG"
n=$(polls_of cnc-03)
wait_until 10 "the new link polls" polled_after cnc-03 $((n + 3))
n=$(polls_of cnc-01)
wait_until 10 "cnc-01 polled after the reload" polled_after cnc-01 $((n + 10))
expect_eq "the same faults, still open" "$(q "select group_concat(id) from (select id from faults where cleared_at is null order by id)")" "$ids_before"
# cnc-01 was polled every 100 ms straight through the reload
gap=$(awk -v t="$t_reload" '$2 == "cnc-01" && $1 > t - 2000 { if (p) { g = $1 - p; if (g > m) m = g } p = $1 } END { print m + 0 }' "$T/requests.log")
echo "cnc-01's largest poll gap around the reload: $gap ms (interval 100 ms)"
[ "$gap" -lt 250 ] || fail "the unchanged link paused for $gap ms"
# and the changed fault clears normally on the new link
sim set cnc-02.holding.100 0
wait_until 10 "cnc-02's fault cleared after the reload" q_is "select count(*) from faults where device = 'cnc-02' and cleared_at is null" 0
expect_eq "faults in all" "$(q "select count(*) from faults")" 2
daemon_stop

# a link that hangs: the watchdog is no longer fed
export TBMOND_TEST_STALL_LINK=127.0.0.1:$PORT_a
daemon_start
wait_until 30 "the stall noticed" grep -q "link 127.0.0.1:$PORT_a is not making progress" "$DLOG"
before=$(pings)
t0=$SECONDS
n=$(polls_of cnc-02)
wait_until 10 "other links still polling" polled_after cnc-02 $((n + 10))
while [ $((SECONDS - t0)) -lt 4 ]; do polled_after cnc-02 0; done
expect_eq "watchdog pings after the stall" "$(pings)" "$before"
daemon_stop
echo PASS
