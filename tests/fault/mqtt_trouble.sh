#!/bin/bash
# MQTT trouble against a real mosquitto: the broker down when tbmond starts
# (it connects when the broker comes), a broker restart, a connection that
# is cut on every publish (tests/fault/mqttproxy.py: tbmond must not spin,
# and once publishing works every stored event goes out), and hostile
# payloads — 1 MB, invalid UTF-8 inside valid JSON syntax, nesting 100000
# deep: no crash, each counted as a bad payload, no value taken from any.
# Invalid UTF-8 only with `mqtt_trouble.sh utf8` (fault.mqtt_trouble_utf8).
. "$(dirname "$0")/lib.sh"
UTF8=0
[ "${1:-}" != utf8 ] || UTF8=1
need mosquitto mosquitto_pub mosquitto_sub python3
pub() { mosquitto_pub -p "$BROKER_PORT" -q 1 "$@"; }

BROKER_PORT=$(free_port)
cat >"$T/tbmond.conf" <<CONF
$(conf_head)
[mqtt]
url = mqtt://127.0.0.1:$BROKER_PORT
client_id = tbmond-fault
[device weld]
protocol = mqtt
topic = lab/weld/state
offline_after = 1h
[point weld.temp]
json = t
when = value > 85
clear = value < 80
CONF
open_temp=$(echo "select count(*) from faults where device = 'weld' and point = 'temp' and cleared_at is null")

# 1. no broker at the start
daemon_start
wait_until 10 "connection refused logged" log_has "mqtt: cannot connect"
kill -0 "$DPID" || fail "tbmond died without a broker"
broker_start
wait_until 40 "connected once the broker came" log_has "mqtt: connected"
pub -t lab/weld/state -m '{"t": 90}'
wait_until 10 "fault over MQTT" q_is "$open_temp" 1

# 2. the broker restarts
broker_stop
wait_until 10 "loss logged" log_has "mqtt: lost the connection"
broker_start
wait_until 40 "connected again" log_at_least "mqtt: connected" 2
pub -t lab/weld/state -m '{"t": 70}'
wait_until 10 "cleared over MQTT after the restart" q_is "$open_temp" 0

# 3. hostile payloads while a fault would open from any value taken
bad0=$(log_count "bad payload")
head -c 1048576 /dev/zero | tr '\0' ' ' | sed 's/^ /{"t": 99,"pad":"/; s/ $/"}/' >"$T/mega"
pub -t lab/weld/state -f "$T/mega"
if [ $UTF8 = 1 ]; then
	printf '{"t": 91, "name": "\xff\xfe\xc0\xaf"}' >"$T/utf8"
	pub -t lab/weld/state -f "$T/utf8"
fi
python3 -c 'import sys; sys.stdout.write("{\"t\": 92, \"x\": " + "[" * 100000 + "]" * 100000 + "}")' >"$T/deep"
pub -t lab/weld/state -f "$T/deep"
# a good message after them: all three have been handled when it is
pub -t lab/weld/state -m '{"t": 75}'
pub -t lab/weld/state -m '{"t": 86}'
wait_until 10 "fault from the good message" q_is "$open_temp" 1
kill -0 "$DPID" || fail "tbmond died on a hostile payload"
expect_eq "codes (none from a bad payload)" "$(q "select group_concat(cast(code as integer), ' ') from faults where device = 'weld'")" "90 86"
daemon_stop
bad=$(grep -o "MQTT: [0-9]* messages ([0-9]* bad payloads)" "$DLOG")
echo "ok: $bad"
expect_eq "bad payloads counted" "$(echo "$bad" | grep -o "([0-9]*" | tr -d '(')" $((2 + UTF8))

# 4. a connection cut on every publish: events_topic on, through the proxy
: >"$T/proxy.log"
python3 "$FAULT_DIR/mqttproxy.py" "$BROKER_PORT" "$T/proxy.log" >"$T/proxy.out" &
PROXY=$!
PIDS+=($PROXY)
wait_until 10 "proxy listening" grep -q "^listening" "$T/proxy.out"
PROXY_PORT=$(awk '{ print $2 }' "$T/proxy.out")
sed -i "s|^url = .*|url = mqtt://127.0.0.1:$PROXY_PORT|; s|^client_id = .*|&\nevents_topic = tbmon/test/events|" "$T/tbmond.conf"
mosquitto_sub -p "$BROKER_PORT" -c -i collector -q 1 -t tbmon/test/events >"$T/events.log" 2>/dev/null &
PIDS+=($!)
wait_until 10 "collector subscribed" grep -q "collector" "$T/broker/log"
daemon_start
wait_until 20 "connected through the proxy" log_has "mqtt: connected"
wait_until 20 "a publish cut" grep -q "^cut" "$T/proxy.log"
# 6 s of cuts: reconnects must back off, not spin
n0=$(grep -c "^conn" "$T/proxy.log")
wait_until 20 "reconnected after a cut" file_matches_over "$T/proxy.log" "^conn" "$n0"
sleep 6   # a measuring window, not a readiness wait
conns=$(($(grep -c "^conn" "$T/proxy.log") - n0))
echo "ok: $conns connections in 6 s while every publish is cut"
[ "$conns" -le 20 ] || fail "$conns connections in 6 s: reconnecting without backoff"
kill -0 "$DPID" || fail "tbmond died"
# publishing works again: every stored event goes out
kill -USR1 "$PROXY"
events=$(q "select count(*) from audit")
wait_until 60 "all $events events published" lines_at_least "$T/events.log" "$events"
daemon_stop
echo PASS
