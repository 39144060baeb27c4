#!/bin/bash
# A gateway without a battery-backed clock boots with a clock in the past
# until NTP sets it, and a clock can be set back while tbmond runs. tbmond records nothing while its clock is behind the
# record (or before 2024): no run, no fault, although a device shows an
# alarm; it says why in the log. Once the clock is set it starts, and what
# it records comes after everything already recorded. A step of the clock
# while it runs is said in the journal, with its size. The clock is moved
# with libfaketime (Debian's faketime) through its timestamp file.
. "$(dirname "$0")/lib.sh"

FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
[ -n "$FAKETIME_LIB" ] || { echo "SKIP: libfaketime is not installed (faketime)"; exit 77; }
# under AddressSanitizer libfaketime is preloaded before its runtime: allowed, it only changes the clock
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

workshop_sim
{
	conf_site
	conf_cnc "$PORT_a" 主轴报警 "interval = 100ms"
} >"$T/tbmond.conf"

# a first run with the right clock: the record's times are today's
daemon_start
daemon_stop
last=$(q "select max(coalesce(stopped_at, alive_at)) from runs")

# the gateway reboots; its clock says 2025-06-01 until NTP answers
echo "@2025-06-01 08:00:00" >"$T/clock"
sim set cnc-01.holding.100 9
DRUNS=$((DRUNS + 1))
DLOG=$T/tbmond.$DRUNS.log
LD_PRELOAD=$FAKETIME_LIB FAKETIME_TIMESTAMP_FILE=$T/clock FAKETIME_NO_CACHE=1 \
	FAKETIME_DONT_FAKE_MONOTONIC=1 "$TBMOND" -c "$T/tbmond.conf" 2>"$DLOG" &
DPID=$!
PIDS+=("$DPID")
wait_until 20 "tbmond to wait for the clock" grep -q "the clock says 2025-06-01 [0-9:]*, earlier than .*(the last time in the database): waiting for the time to be set" "$DLOG"
# the run would start after the wait: nothing of this boot is in the record
expect_eq "runs while the clock is behind the record" "$(q "select count(*) from runs")" 1
expect_eq "faults while the clock is behind the record" "$(q "select count(*) from faults")" 0
grep -q "started:" "$DLOG" && fail "tbmond started with a clock behind the record"
echo "ok: a clock behind the record: nothing recorded, and the log says why"

# NTP sets the clock: the real time from now on
echo "+0" >"$T/clock"
wait_until 20 "tbmond to start once the clock is set" grep -qs "started:" "$DLOG"
grep -q "the clock is set" "$DLOG" || fail "the start after the wait is not logged"
wait_until 10 "the alarm recorded" q_is "select count(*) from faults where point = 'alarm'" 1
expect_eq "the new run starts after the record's last time" \
	"$(q "select count(*) from runs where id = (select max(id) from runs) and started_at >= $last")" 1
expect_eq "the alarm opens after the record's last time" \
	"$(q "select count(*) from faults where opened_at >= $last")" 1
echo "ok: once the clock is set, tbmond starts and records after everything before"

# a person sets the clock back an hour while tbmond runs: it cannot be undone, it is said
echo "-1h" >"$T/clock"
wait_until 30 "the step back in the journal" grep -q "the clock was set back by 3600.0 s" "$DLOG"
echo "+0" >"$T/clock"
wait_until 30 "the step forward in the journal" grep -q "the clock was set forward by 3600.0 s" "$DLOG"
daemon_stop
echo "ok: the clock set back and forward while tbmond runs: $(grep -c 'the clock was set' "$DLOG") lines in the journal"
echo PASS
