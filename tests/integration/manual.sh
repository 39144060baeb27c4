#!/bin/bash
# A machine without a sensor (protocol = manual) beside a polled one: tbmond
# starts with it and polls nothing for it; tbmctl status shows it as 人工,
# never online or offline (JSON: online null); a fault people report on it
# is recorded like any other, and the indicators count the device like any
# other device (its faults, its availability, its lab).
. "$(dirname "$0")/lib.sh"
: "${TBMCTL:?}"

workshop_sim
{
	conf_site
	conf_cnc "$PORT_a" "" "interval = 100ms"
	printf '[device bench-09]\nname = 钳工台 9\nlab = 钳工实训室\nassessment = yes\nprotocol = manual\n'
} >"$T/tbmond.conf"

"$TBMOND" -n -c "$T/tbmond.conf" || fail "a manual device is not accepted"
daemon_start
grep -q "started: 2 devices on 1 Modbus links" "$DLOG" || fail "not started with both devices"
n=$(polls_of cnc-01)
wait_until 10 "cnc-01 polled" polled_after cnc-01 $((n + 5))
ctl status >"$T/status"
cat "$T/status"
grep -Eq "^ *bench-09 +钳工台 9 +manual " "$T/status" || fail "the manual device is not shown as manual"
grep -Eq "^ *cnc-01 .* online " "$T/status" || fail "the polled device is not online"
# in Chinese: 人工, and the polled one 在线
if [ -n "${TBMON_LOCALEDIR:-}" ]; then
	LANG=zh_CN.UTF-8 ctl status >"$T/status.zh"
	cat "$T/status.zh"
	grep -Eq "^ *bench-09 +钳工台 9 +人工 " "$T/status.zh" || fail "the manual device is not shown as 人工"
	grep -Eq "^ *cnc-01 .* 在线 " "$T/status.zh" || fail "the polled device is not 在线"
fi
ctl status --json >"$T/status.json"
/usr/bin/python3 - "$T/status.json" <<'PY' || fail "status --json: the manual device is not online: null"
import json, sys
devs = {d["id"]: d for d in json.load(open(sys.argv[1]))["devices"]}
assert devs["bench-09"]["online"] is None, devs["bench-09"]
assert devs["bench-09"]["protocol"] == "manual"
assert devs["cnc-01"]["online"] is True
PY
account 张主任 manager --no-password
account 王工 technician --no-password
ctl report bench-09 --by 王工 --note "台虎钳松动" >/dev/null || fail "cannot report on the manual device"
# a safety event seen by eye, classified with the word people use
sid=$(ctl report bench-09 --by 王工 --note "台虎钳夹手" --kind safety --json |
	/usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
rc=0; ctl classify "$sid" 大概 --by 张主任 >/dev/null 2>&1 || rc=$?
expect_eq "an unknown classification word: an error" "$rc" 1
ctl classify "$sid" 未遂 --by 张主任 >/dev/null || fail "classify with 未遂 refused"
if [ -n "${TBMON_LOCALEDIR:-}" ]; then
	LANG=zh_CN.UTF-8 ctl incidents >"$T/incidents.zh"
	grep -q "未遂" "$T/incidents.zh" || fail "incidents in Chinese do not say 未遂: $(cat "$T/incidents.zh")"
fi
ctl indicators --json >"$T/ind.json"
daemon_stop
expect_eq "the manual device's comm faults" "$(q "select count(*) from faults where device = 'bench-09' and point = 'comm'")" 0
expect_eq "its reported fault" "$(q "select source || ' ' || kind || ' ' || label from faults where device = 'bench-09' and kind = 'fault'")" "manual fault 台虎钳松动"
expect_eq "the classification stored by its one name" "$(q "select classification from faults where id = $sid")" near-miss
/usr/bin/python3 - "$T/ind.json" <<'PY' || fail "the indicators do not count the manual device like the others"
import json, sys
ind = json.load(open(sys.argv[1]))
devs = {d["id"]: d for d in ind["devices"]}
assert "bench-09" in devs and devs["bench-09"]["faults"] == 1, devs
assert ind["fault_repair_rate"]["faults"] == 1, ind["fault_repair_rate"]
assert "钳工实训室" in [l["lab"] for l in ind["labs"]], ind["labs"]
PY
echo PASS
