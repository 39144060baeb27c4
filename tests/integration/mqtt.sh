#!/bin/bash
# MQTT devices against a real mosquitto broker: JSON paths and bare numbers,
# hysteresis, bad payloads counted and harmless, comm fault after silence;
# the retained status and last will; every stored event published from the
# outbox, also those recorded while the broker was down, in order, none
# twice.
. "$(dirname "$0")/lib.sh"
: "${TBMCTL:?}"

broker_start
sub() { mosquitto_sub -p "$BROKER_PORT" "$@"; }
pub() { mosquitto_pub -p "$BROKER_PORT" -q 1 "$@"; }

cat >"$T/tbmond.conf" <<CONF
[site]
id = test
[daemon]
database = tbmon.db
[mqtt]
url = mqtt://127.0.0.1:$BROKER_PORT
client_id = tbmond-test
events_topic = tbmon/test/events
status_topic = tbmon/test/status
[device weld-03]
lab = 焊接实训室
protocol = mqtt
topic = lab/weld/03/state
offline_after = 4s
[point weld-03.overtemp]
json = sensors.temp
kind = safety
when = value > 85
clear = value < 80
label = 焊机过热
[point weld-03.door]
json = doors.1
when = value == 1
[device meter]
protocol = mqtt
topic = lab/meter/power
offline_after = 1h
[point meter.power]
when = value > 100
CONF

# the bureau's collector: a persistent session, so it also gets what is
# published while it is cut off
# mosquitto_sub itself, not the sub() function: $! must be its pid for the cleanup
mosquitto_sub -p "$BROKER_PORT" -c -i collector -q 1 -t tbmon/test/events >"$T/events.log" 2>/dev/null &
PIDS+=($!)
wait_until 10 "collector subscribed" grep -q "collector" "$T/broker/log"

daemon_start
expect_eq "status" "$(sub -t tbmon/test/status -C 1 -W 10)" online
open_q() { echo "select count(*) from faults where device = '$1' and point = '$2' and cleared_at is null"; }
state() { pub -t lab/weld/03/state -m "$1"; }

state '{"sensors":{"temp":90.5},"doors":[0,1]}'
wait_until 10 "overtemp open" q_is "$(open_q weld-03 overtemp)" 1
wait_until 10 "door open" q_is "$(open_q weld-03 door)" 1
expect_eq "kinds and codes" "$(q "select group_concat(point || ':' || kind || ':' || code, ' ') from (select * from faults order by id)")" \
	"overtemp:safety:90.5 door:fault:1.0"
state '{"sensors":{"temp":82},"doors":[0,0]}'
wait_until 10 "door cleared" q_is "$(open_q weld-03 door)" 0
expect_eq "overtemp kept at 82 (hysteresis)" "$(q "$(open_q weld-03 overtemp)")" 1

# bad payloads: counted, logged, and they change nothing
bad0=$(grep -c "bad payload" "$DLOG" || true)
state 'not json'
state '{"sensors":{}}'
state '{"sensors":{"temp":"hot"},"doors":[0,0]}'
state '{"sensors":{"temp":70},"doors":[0]}'
head -c 70000 /dev/zero | tr '\0' ' ' >"$T/big"; pub -t lab/weld/03/state -f "$T/big"
printf '{"sensors":{"temp":70\xff},"doors":[0,0]}' >"$T/utf8"; pub -t lab/weld/03/state -f "$T/utf8"
python3 -c 'print("[" * 5000 + "]" * 5000)' >"$T/deep"; pub -t lab/weld/03/state -f "$T/deep"
pub -t lab/meter/power -m 'NaN'
wait_until 10 "bad payloads logged" grep -q "bad payload on lab/weld/03/state: not JSON" "$DLOG"
# a valid message after them proves they were all handled
state '{"sensors":{"temp":83},"doors":[0,0]}'
pub -t lab/meter/power -m ' 150 '
wait_until 10 "meter fault" q_is "$(open_q meter power)" 1
expect_eq "overtemp still open after bad payloads" "$(q "$(open_q weld-03 overtemp)")" 1
expect_eq "no other faults" "$(q "select count(*) from faults")" 3

# silence: a comm fault after offline_after, cleared by the next valid message
wait_until 10 "comm fault after silence" q_is "$(open_q weld-03 comm)" 1
state '{"sensors":{"temp":75},"doors":[0,0]}'
wait_until 10 "comm cleared" q_is "$(open_q weld-03 comm)" 0
wait_until 10 "overtemp cleared" q_is "$(open_q weld-03 overtemp)" 0
pub -t lab/meter/power -m '50'
wait_until 10 "meter cleared" q_is "$(open_q meter power)" 0

# the broker goes away; people keep working; it comes back
account 张主任 manager --no-password
account 王工 technician --no-password
n_before=$(q "select count(*) from audit")
wait_until 20 "all events out before the outage" lines_at_least "$T/events.log" "$n_before"
broker_stop
ctl report weld-03 --by 王工 --note "焊枪线缆破损" >/dev/null
id=$(q "select max(id) from faults")
ctl ack "$id" --by 王工 >/dev/null
ctl repair "$id" --by 王工 --action "更换线缆" >/dev/null
t0=$(date +%s.%N)
broker_start
wait_until 90 "tbmond reconnected" grep -q "mqtt: connected to .* again" "$DLOG"
t1=$(date +%s.%N)
echo "tbmond receiving again $(python3 -c "print(round($t1 - $t0, 1))") s after the broker restarted"
state '{"sensors":{"temp":95},"doors":[0,0]}'
wait_until 10 "subscription back: overtemp open again" q_is "$(open_q weld-03 overtemp)" 1
n=$(q "select count(*) from audit")
wait_until 60 "all $n events at the collector" lines_at_least "$T/events.log" "$n"
daemon_stop
grep -q "MQTT: .* messages (8 bad payloads)" "$DLOG" || fail "bad payloads not counted: $(grep 'MQTT:' "$DLOG")"
expect_eq "status after a clean stop" "$(sub -t tbmon/test/status -C 1 -W 10)" offline

# recorded while tbmond is stopped: published when it is back
ctl classify "$(q "select min(id) from faults where point = 'overtemp'")" near-miss --by 张主任 >/dev/null
daemon_start
n=$(q "select count(*) from audit")
wait_until 60 "all $n events at the collector after the restart" lines_at_least "$T/events.log" "$n"
# written just before a stop (tbmctl, another process, between two looks
# at the outbox): the stop sends it, not the next start
ctl report meter --by 王工 --note "表盘不亮" >/dev/null
daemon_stop
n=$(q "select count(*) from audit")
wait_until 10 "the record written just before the stop at the collector" lines_at_least "$T/events.log" "$n"

# every audit record exactly once, in order, with its fault's device
python3 - "$T/events.log" "$n" <<'PY' || fail "events published"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
seqs = [e["seq"] for e in ev]
n = int(sys.argv[2])
assert len(seqs) >= n and seqs == list(range(1, len(seqs) + 1)), seqs
assert all(e["site"] == "test" for e in ev)
acts = [e["action"] for e in ev]
assert acts[8:13] == ["account-add", "account-add", "report", "ack", "repair"], acts
assert ev[8]["fault_id"] in (None, 0) and ev[8]["detail"]["account"] == "张主任", ev[8]
assert "classify" in acts, acts
first = ev[0]
assert first["device"] == "weld-03" and first["kind"] == "safety" and first["detail"]["code"] == 90.5, first
PY
echo "ok: $(wc -l <"$T/events.log") events published once each, in order"
echo PASS
