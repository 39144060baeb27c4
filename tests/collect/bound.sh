#!/bin/bash
# What the collector holds in memory while PostgreSQL is down is bounded
# (hold = 20): at the bound it stops reading from the broker, which keeps
# what follows for the collector; what the broker does not keep
# (max_queued_messages 30 here) is a gap, asked for again from the bases.
# After PostgreSQL returns every record of both bases is at the centre
# exactly once, in the chain: 0 lost, 0 duplicated.
. "$(dirname "$0")/lib.sh"

CENTRAL_EXTRA="max_queued_messages 30" centre_start a b
collect_conf "$T/collect.conf" "hold = 20"
collect_start collect
bases_start a b

wait_until 30 "records of a at the centre" centre_has a 10
wait_until 30 "records of b at the centre" centre_has b 10

# PostgreSQL away while both bases record 60 more each
pg_stop
from=$(($(wc -l <"$T/central/log") + 1))
na=$(head_of a) nb=$(head_of b)
wait_until 60 "a to record 60 more while PostgreSQL is down" grown a $((na + 60))
wait_until 60 "b to record 60 more while PostgreSQL is down" grown b $((nb + 60))
log=$T/collect.1.log
wait_until 10 "the collector to stop taking at its bound" grep -q "messages wait in memory to be stored (hold = 20)" "$log"
# what the central broker handed the collector meanwhile: the bound and
# the broker's window of unacknowledged messages (20), unread; without
# the bound every one of the 120 records
sent=$(tail -n +"$from" "$T/central/log" | grep -c "Sending PUBLISH to tbm-collect-test .*'tbmon/[ab]/events'" || true)
[ "$sent" -le 50 ] || fail "the collector took $sent records from the broker while PostgreSQL was down (hold = 20)"
echo "ok: $sent records taken from the broker while PostgreSQL was down, $((na + nb + 120)) recorded by then"
grep -q "Outgoing messages are being dropped for client tbm-collect-test" "$T/central/log" ||
	fail "the broker did not have to drop records for the collector (not enough recorded?)"

pg_start
wait_until 60 "the collector to take messages again" grep -q "mqtt: taking messages again" "$log"
grep -q "database: connected again" "$log" || fail "the collector did not say the database came back"
# what the broker dropped is asked for again while the bases run
wait_until 60 "a caught up after PostgreSQL returned" centre_has a $((na + 60))
wait_until 60 "b caught up after PostgreSQL returned" centre_has b $((nb + 60))
grep -q "are missing" "$log" || fail "no gap was asked for (did the broker drop nothing?)"
bases_stop_and_compare a b
expect_eq "no tamper alarm, nothing kept aside" "$(psql_q "select count(*) from aside")" 0
collect_stop collect
echo "PASS"
