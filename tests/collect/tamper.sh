#!/bin/bash
# A base whose history was rewritten with a recomputed chain: `tbmctl
# verify` on the base cannot tell, but the centre holds its own copy. The
# records the base sends again raise the tamper alarm; what the centre
# holds is never overwritten; `tbm-collect status` shows the alarms.
. "$(dirname "$0")/lib.sh"

centre_start a
collect_conf "$T/collect.conf"
collect_start collect
bases_start a
wait_until 30 "records of a at the centre" pg_has "select 1 from audit where site = 'a' and seq >= 12"
base_stop a
wait_until 30 "the centre has a's whole chain" caught_up a
same_chain a
psql_q "select seq || '|' || hash || '|' || detail from audit where site = 'a' order by seq" >"$T/held.before"

# rewrite the first fault's opening and everything after it
seq=$(sqlite_q a "select min(seq) from audit where action = 'open'")
$PY "$COLLECT_DIR/rewrite.py" "$T/a/tbmon.db" "$seq" || fail "rewrite"
"$TBMCTL" -c "$T/a/tbmond.conf" verify >/dev/null || fail "the rewritten base does not pass its own verify"
echo "ok: the rewritten base passes tbmctl verify"

# the base comes back and is asked for its records again
base_start a
mosquitto_pub -p "$CENTRAL_PORT" -q 1 -t tbmon/a/resend -m '{"from": 1}'
wait_until 30 "the tamper alarm" pg_has "select 1 from aside where site = 'a' and kind = 'tamper' and seq = $seq"
wait_until 30 "alarms on the resent records after it" pg_has "select 1 from aside where site = 'a' and kind = 'tamper' and seq = $((seq + 1))"
base_stop a
psql_q "select seq || '|' || hash || '|' || detail from audit where site = 'a' and seq <= $(wc -l <"$T/held.before") order by seq" >"$T/held.after"
cmp -s "$T/held.before" "$T/held.after" || fail "the centre's records were overwritten"
echo "ok: the centre's records are as they were"
expect_eq "records before the rewrite raise no alarm" "$(psql_q "select count(*) from aside where kind = 'tamper' and seq < $seq")" 0
"$TBMCOLLECT" -c "$T/collect.conf" status >"$T/status.txt" || fail "status"
grep -q "TAMPER ALARM a #$seq: differs from the record held" "$T/status.txt" || fail "status does not show the alarm: $(cat "$T/status.txt")"
grep -Eq "^a +[0-9]+ +[0-9]+ +[0-9]+ .* [1-9][0-9]* +0$" "$T/status.txt" || fail "status line of a: $(grep '^a ' "$T/status.txt")"
grep -q "TAMPER ALARM: site a record $seq" "$T/collect.1.log" || fail "the alarm is not in the log"
echo "ok: status and the log show the tamper alarm"
collect_stop collect
echo "PASS"
