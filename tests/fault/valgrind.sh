#!/bin/bash
# valgrind on a short integration run: tbmond opens and clears a fault, a
# comm fault, an MQTT device with a bad payload and the events outbox, and
# stops in order; then tbmctl's commands on that database. Any memory
# error or a definite/indirect leak fails (valgrind --error-exitcode).
# Skips in a sanitizer build (ASan and valgrind do not mix) and without
# valgrind.
. "$(dirname "$0")/lib.sh"
[ "${TBM_SANITIZE:-0}" != 1 ] && [ "${TBM_SANITIZE:-0}" != ON ] || skip "a sanitizer build: valgrind runs on the normal build"
need valgrind
VG=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
	--errors-for-leak-kinds=definite,indirect --track-fds=no)
cat >"$T/vg-tbmond" <<WRAP
#!/bin/sh
exec ${VG[*]} --log-file=$T/vg.tbmond.%p "$TBMOND" "\$@"
WRAP
chmod +x "$T/vg-tbmond"
REAL_TBMOND=$TBMOND
TBMOND=$T/vg-tbmond

cat >"$T/base.sim" <<SIM
[server a]
listen = 127.0.0.1:0
[device cnc]
server = a
unit = 1
holding 0 = 0
SIM
sim_start "$T/base.sim"
MQTT=0
if command -v mosquitto >/dev/null && command -v mosquitto_pub >/dev/null; then
	broker_start
	MQTT=1
fi
{
	conf_head
	conf_modbus cnc "$PORT_a" 1 100ms 300ms 2
	if [ $MQTT = 1 ]; then
		cat <<CONF
[mqtt]
url = mqtt://127.0.0.1:$BROKER_PORT
client_id = tbmond-vg
events_topic = tbmon/test/events
[device weld]
protocol = mqtt
topic = lab/weld/state
offline_after = 1h
[point weld.temp]
json = t
when = value > 85
CONF
	fi
} >"$T/tbmond.conf"

vg_report() {
	local f
	for f in "$T"/vg.*; do [ -s "$f" ] && { echo "--- $f" >&2; head -60 "$f" >&2; }; done
	return 0
}
daemon_start
sim set cnc.holding.0 3
wait_until 60 "fault open" q_is "$(alarm_open cnc)" 1
sim set cnc.holding.0 0
wait_until 60 "fault cleared" q_is "$(alarm_open cnc)" 0
sim behave cnc silent
wait_until 60 "comm fault" q_is "$(comm_open cnc)" 1
sim behave cnc normal
wait_until 60 "comm fault cleared" q_is "$(comm_open cnc)" 0
if [ $MQTT = 1 ]; then
	mosquitto_pub -p "$BROKER_PORT" -q 1 -t lab/weld/state -m 'not json'
	mosquitto_pub -p "$BROKER_PORT" -q 1 -t lab/weld/state -m '{"t": 90}'
	wait_until 60 "MQTT fault" q_is "select count(*) from faults where device = 'weld'" 1
fi
rc=0
kill -TERM "$DPID"
wait "$DPID" || rc=$?
[ $rc -eq 0 ] || { vg_report; fail "tbmond under valgrind exited with $rc"; }
grep -q "events written" "$DLOG" || fail "tbmond did not stop in order"
echo "ok: tbmond clean under valgrind"

id=$(q "select min(id) from faults where point = 'alarm'")
ctl() {
	local rc=0
	"${VG[@]}" --log-file="$T/vg.tbmctl.$1" "$TBMCTL" -d "$T/tbmon.db" "$@" >"$T/ctl.out" 2>&1 || rc=$?
	[ $rc -ne 99 ] || { vg_report; fail "tbmctl $* under valgrind: errors"; }
	[ $rc -eq 0 ] || { cat "$T/ctl.out" >&2; fail "tbmctl $*: exit $rc"; }
}
ctl status
ctl status --json
ctl faults --all
ctl faults --json
ctl show "$id" --json
ctl user add 王经理 --role manager --no-password
ctl user add 张工 --role technician --no-password --by 王经理
ctl user add 李四 --role technician --no-password --by 王经理
ctl user list
ctl ack "$id" --by 张工 --note 看过了
ctl repair "$id" --by 张工 --action 更换传感器 --parts "sensor x1"
ctl report cnc --by 李四 --note 异响 --kind safety
sid=$(q "select max(id) from faults")
ctl classify "$sid" near-miss --by 王经理
ctl incidents --json
ctl indicators --json
ctl verify
echo "ok: tbmctl clean under valgrind (12 commands)"
echo PASS
