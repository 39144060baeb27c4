#!/bin/bash
# The database locked by another writer for longer than busy_timeout (5 s):
# a python3 program holds BEGIN IMMEDIATE for 15 s during an event storm of
# about 2000 events a second. Polling goes on (a healthy device on another
# link keeps its spacing), the failed write is logged, the events are kept
# in memory; the queue (16384 events) fills and tbmond says that the link
# threads wait for the database; once the lock is gone everything is
# written: after an orderly stop the database holds exactly the openings
# and clearings that tbmond logged, and no point has two open faults.
. "$(dirname "$0")/lib.sh"
. "$FAULT_DIR/storm.sh"
need python3
HOLD=${HOLD:-15}

storm_files 4 100
storm_sim_start
sim_healthy >"$T/base.sim"
sim_start "$T/base.sim"
{
	conf_head
	conf_healthy
	cat "$T/storm.conf"
} >"$T/tbmond.conf"

daemon_start
wait_until 10 "storm events written" q_is "select count(*) > 100 from faults" 1
cat >"$T/hold.py" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
print("released", flush=True)
PY
python3 "$T/hold.py" "$T/tbmon.db" "$HOLD" >"$T/hold.out" &
HOLDER=$!
PIDS+=($HOLDER)
wait_until 10 "lock taken" grep -q locked "$T/hold.out"
n=$(polls_of healthy)
wait_until 20 "write failure logged" log_has "cannot write [0-9]+ events .*keeping them and retrying"
wait_until 20 "queue full logged" log_has "event queue full \(16384 events\): waiting for the database"
echo "ok: $(grep -E "cannot write|queue full" "$DLOG" | head -2 | tr '\n' ' ')"
wait "$HOLDER" || fail "the lock holder failed"
grep -q released "$T/hold.out" || fail "the lock was not released"
polled_after healthy $((n + HOLD * 5 * 8 / 10)) || fail "healthy device: fewer than 80% of its polls during the lock"
wait_until 30 "writing resumed" log_has "database writable again"
daemon_stop

opened=$(log_count "opened \(value")
cleared=$(log_count ": r[0-9]+ cleared")
echo "tbmond logged $opened openings and $cleared clearings"
[ $((opened + cleared)) -gt 16384 ] || fail "only $((opened + cleared)) events: the queue never filled"
expect_eq "faults in the database" "$(q "select count(*) from faults where device like 's%'")" "$opened"
expect_eq "clearings in the database" "$(q "select count(*) from faults where device like 's%' and cleared_at is not null")" "$cleared"
expect_eq "duplicate open faults" "$(q "select count(*) from (select 1 from faults where cleared_at is null group by device, point having count(*) > 1)")" 0
"$TBMCTL" -d "$T/tbmon.db" verify >"$T/verify.out" 2>&1 || fail "tbmctl verify: $(tail -1 "$T/verify.out")"
check_healthy
echo PASS
