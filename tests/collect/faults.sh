#!/bin/bash
# The centre's outages, every part real: tbm-collect killed with SIGKILL,
# PostgreSQL restarted, the central broker restarted without persistence
# (what it held for the collector is lost: the gap is found and filled by
# resend). Afterwards every record of both bases is at the centre exactly
# once, in the chain: 0 lost, 0 duplicated.
. "$(dirname "$0")/lib.sh"

CENTRAL_PERSIST=false centre_start a b
RESYNC=3s collect_conf "$T/collect.conf"
collect_start collect
bases_start a b

wait_until 30 "records of a at the centre" centre_has a 10

# 1. SIGKILL in the middle of the stream
kill -KILL "$CPID_collect"
wait "$CPID_collect" 2>/dev/null || true
n=$(head_of a)
wait_until 30 "a to record more while no collector runs" grown a $((n + 8))
collect_start collect
wait_until 30 "a caught up after the SIGKILL" centre_has a $((n + 8))
echo "ok: after SIGKILL the records recorded meanwhile arrived"

# 2. PostgreSQL restarted under the collector
pg_stop
n=$(head_of b)
wait_until 30 "b to record more while PostgreSQL is down" grown b $((n + 8))
pg_start
wait_until 60 "b caught up after the PostgreSQL restart" centre_has b $((n + 8))
grep -q "database: connected again" "$T/collect.${CRUNS[collect]}.log" || fail "the collector did not say the database came back"
echo "ok: after the PostgreSQL restart the records kept in memory were stored"

# 3. the central broker restarted without persistence, while it held
# records for the stopped collector: they are lost in the broker
collect_stop collect
n=$(head_of a)
wait_until 30 "records for the stopped collector in the central broker" grown a $((n + 8))
kill -TERM "$PID_central"
wait "$PID_central" 2>/dev/null || true
broker central "$CENTRAL_PORT" false
collect_start collect
wait_until 60 "a's lost records filled by resend" centre_has a $((n + 8))
grep -q "site a: asked for the records from" "$T/collect.${CRUNS[collect]}.log" || fail "no resend asked"
echo "ok: the records lost in the broker were asked for again"

bases_stop_and_compare a b
expect_eq "no tamper alarm, nothing kept aside" "$(psql_q "select count(*) from aside")" 0
collect_stop collect
echo "PASS"
