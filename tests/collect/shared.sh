#!/bin/bash
# Two collectors on one shared subscription ($share/collectors/...) split
# the work and store every record of both bases exactly once.
. "$(dirname "$0")/lib.sh"

centre_start a b
CLIENT_ID=tbm-collect-1 collect_conf "$T/c1.conf" "share = collectors"
CLIENT_ID=tbm-collect-2 collect_conf "$T/c2.conf" "share = collectors"
collect_start c1
collect_start c2
bases_start a b
wait_until 60 "records of a" pg_has "select 1 from audit where site = 'a' and seq >= 40"
wait_until 60 "records of b" pg_has "select 1 from audit where site = 'b' and seq >= 40"
bases_stop_and_compare a b
collect_stop c1
collect_stop c2
s1=$(sed -n 's/.*stopping: \([0-9]*\) records stored.*/\1/p' "$T/c1.1.log")
s2=$(sed -n 's/.*stopping: \([0-9]*\) records stored.*/\1/p' "$T/c2.1.log")
[ "${s1:-0}" -gt 0 ] && [ "${s2:-0}" -gt 0 ] || fail "the work was not split: $s1 and $s2 records stored"
expect_eq "records stored by the two collectors" "$((s1 + s2))" "$(psql_q "select count(*) from audit")"
expect_eq "no tamper alarm, nothing kept aside" "$(psql_q "select count(*) from aside")" 0
echo "PASS"
