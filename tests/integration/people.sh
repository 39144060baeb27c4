#!/bin/bash
# The people's side of tbmctl beside a running tbmond: every command's
# success and refusal (run as root, which acts for the accounts it names), the daemon recording faults while tbmctl writes in a
# loop (exact counts afterwards, nothing lost or doubled), and verify
# catching an UPDATE, a DELETE and an INSERT made with the sqlite3 shell.
. "$(dirname "$0")/lib.sh"
: "${TBMCTL:?}"

workshop_sim
{ conf_site; conf_cnc "$PORT_a" 主轴报警 "interval = 50ms"; conf_weld "$PORT_a" 急停 "interval = 50ms"; } >"$T/tbmond.conf"

# refused: exit 1 and exactly one line on stderr naming the reason
refused() {
	local want=$1 rc=0
	shift
	ctl "$@" >"$T/out" 2>"$T/err" || rc=$?
	[ $rc -eq 1 ] || fail "tbmctl $*: exit $rc, want 1"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "tbmctl $*: not one line on stderr: $(cat "$T/err")"
	grep -q -- "$want" "$T/err" || fail "tbmctl $*: '$(cat "$T/err")' does not say '$want'"
	echo "ok: refused $1: $(cat "$T/err")"
}
usage_error() {
	local rc=0
	ctl "$@" >/dev/null 2>"$T/err" || rc=$?
	[ $rc -eq 2 ] || fail "tbmctl $*: exit $rc, want 2 (usage)"
}

daemon_start
# the base's people: the first manager by root, then the technicians by her
account 张主任 manager --display 张主任 --no-password
account 王工 technician --no-password
account 李工 technician --no-password
sim set cnc-01.holding.100 3
wait_until 10 "alarm open" q_is "select count(*) from faults where point = 'alarm'" 1
id=$(q "select id from faults where point = 'alarm'")

# each command: success and refusal
refused "bound to no account" ack "$id"          # root without --by
refused "no such account" ack "$id" --by 王师傅     # --by names an account, not free text
usage_error repair "$id" --by 王工                 # --action missing
usage_error frobnicate
refused "no fault with id 999" ack 999 --by 王工
ctl ack "$id" --by 王工 --note "去看看" >/dev/null
refused "already acknowledged by 王工" ack "$id" --by 李工
refused "before fault $id opened" repair "$id" --by 王工 --action 复位 --at "2020-01-01 08:00"
refused "in the future" repair "$id" --by 王工 --action 复位 --at "2099-01-01"
refused "not a safety event" classify "$id" accident --by 张主任
usage_error classify "$id" --by 张主任
ctl repair "$id" --by 王工 --action "更换编码器线缆" --parts "线缆 x1" --json >"$T/repair.json"
python3 - "$T/repair.json" <<'PY' || fail "repair --json"
import json, sys
f = json.load(open(sys.argv[1]))
assert f["status"] == "repaired" and f["repaired_by"] == "王工" and f["parts"] == "线缆 x1", f
assert f["cleared_at"] is None and f["acked_by"] == "王工", f
PY
refused "already repaired" repair "$id" --by 李工 --action x
refused "a manager's" dismiss "$id" --by 李工 --reason 误报
refused "cannot be dismissed" dismiss "$id" --by 张主任 --reason 误报
sim set cnc-01.holding.100 0
wait_until 10 "alarm cleared" q_is "select count(*) from faults where point = 'alarm' and cleared_at is not null" 1

# a repeat within 7 days of the repair, dismissed as a false alarm
sim set cnc-01.holding.100 5
wait_until 10 "alarm again" q_is "select count(*) from faults where point = 'alarm'" 2
id2=$(q "select max(id) from faults where point = 'alarm'")
expect_eq "repeat_of" "$(q "select repeat_of from faults where id = $id2")" "$id"
refused "a manager's" dismiss "$id2" --by 李工 --reason "传感器松动, 误报"
ctl dismiss "$id2" --by 张主任 --reason "传感器松动, 误报" >/dev/null
refused "dismissed" repair "$id2" --by 李工 --action x
sim set cnc-01.holding.100 0

# manual reports and safety classification
refused "no device 'nosuch'" report nosuch --by 王工 --note x
usage_error report cnc-01 --by 王工 --note x --kind comm
ctl report weld-01 --by 王工 --note "焊枪线缆破损" --kind safety >/dev/null
mid=$(q "select id from faults where source = 'manual'")
refused "not one of" classify "$mid" explosion --by 张主任
ctl classify "$mid" near-miss --by 张主任 --note "及时更换" >/dev/null
ctl incidents >"$T/incidents"
grep -q "near-miss" "$T/incidents" || fail "incidents does not show the classification"
ctl indicators --json >"$T/ind.json"
python3 - "$T/ind.json" <<'PY' || fail "indicators --json"
import json, sys
i = json.load(open(sys.argv[1]))
r = i["fault_repair_rate"]
assert (r["faults"], r["repaired"], r["rate"], r["repeats"]) == (1, 1, 1.0, 0), r
assert i["safety"]["near_misses"] == 1 and i["safety"]["accidents"] == 0, i["safety"]
assert {l["lab"] for l in i["labs"]} == {"数控加工实训室", "焊接实训室"}, i["labs"]
PY
echo "ok: indicators"

# concurrent writers: the daemon records 20 open/clear pairs while tbmctl
# reports and repairs 20 manual faults in a loop
(
	for i in $(seq 1 20); do
		out=$(ctl report cnc-01 --by 王工 --note "巡检发现 $i" --json) || exit 1
		mid=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') || exit 1
		ctl repair "$mid" --by 王工 --action "处理 $i" >/dev/null || exit 1
	done
) &
writer=$!
for i in $(seq 1 20); do
	sim set weld-01.discrete.0 1
	wait_until 10 "e-stop $i open" q_is "select count(*) from faults where point = 'estop' and cleared_at is null" 1
	sim set weld-01.discrete.0 0
	wait_until 10 "e-stop $i cleared" q_is "select count(*) from faults where point = 'estop' and cleared_at is null" 0
done
wait $writer || fail "tbmctl failed while the daemon was writing"
daemon_stop

expect_eq "e-stop events" "$(q "select count(*) from faults where point = 'estop'")" 20
expect_eq "manual faults reported and repaired" \
	"$(q "select count(*) || '/' || count(repaired_at) from faults where source = 'manual' and kind = 'fault'")" "20/20"
# audit: 3 accounts; alarm 2x(open, clear) + ack + repair + dismiss; manual safety
# report + classify; e-stops 20x(open, clear); manual faults 20x(report, repair)
expect_eq "audit records" "$(q "select count(*) from audit")" $((3 + 4 + 3 + 2 + 40 + 40))
out=$(ctl verify) || fail "verify on an intact database: $out"
expect_eq "verify" "$(printf '%s\n' "$out" | head -1)" \
	"audit trail intact: 92 records checked, 43 faults and 3 accounts match their history"
expect_eq "verify head" "$(printf '%s\n' "$out" | sed -n 2p)" \
	"head: seq 92 hash $(q "select hash from audit where seq = 92")"

# tampering with the sqlite3 shell
tamper() {
	local what=$1 sql=$2 want=$3 rc=0
	cp "$T/tbmon.db" "$T/t.db"
	sqlite3 "$T/t.db" "$sql"
	"$TBMCTL" -d "$T/t.db" verify >/dev/null 2>"$T/err" || rc=$?
	[ $rc -eq 1 ] || fail "verify after $what: exit $rc"
	grep -q -- "$want" "$T/err" || fail "verify after $what said '$(cat "$T/err")', want '$want'"
	echo "ok: verify caught $what: $(cat "$T/err")"
}
tamper "an UPDATE" "UPDATE faults SET repaired_at = opened_at + 1000 WHERE id = $id2" "fault $id2: repaired_at was changed"
tamper "a DELETE" "DELETE FROM faults WHERE id = $mid" "fault $mid was deleted"
tamper "an INSERT" "INSERT INTO faults (device, point, kind, source, opened_at, repaired_at) VALUES ('cnc-01', 'manual', 'fault', 'manual', 1, 2)" "was inserted outside the tools"
tamper "a deleted audit record" "DELETE FROM audit WHERE seq = 5" "audit record 5 is missing"
tamper "an account made manager" "UPDATE accounts SET role = 'manager' WHERE name = '李工'" "account 李工: role was changed"
tamper "an account added with sqlite3" "INSERT INTO accounts (name, role, created_at) VALUES ('mallory', 'manager', 1)" "account mallory was added outside the tools"
echo PASS
