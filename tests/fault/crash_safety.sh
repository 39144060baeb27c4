#!/bin/bash
# kill -9 at random moments during an event storm, ROUNDS times (default
# 50), restarting each time. After every round: PRAGMA integrity_check is
# ok, no point has two open automatic faults, the audit trail never
# shrinks, and every fault row committed before the kill is still there as
# it was (its opening unchanged; a clearing, once committed, too). Every 10
# rounds and at the end `tbmctl verify` checks the hash chain against the
# rows. The last run stops in order and must leave the same invariants.
# ROUNDS=200 bash crash_safety.sh for a longer run by hand.
. "$(dirname "$0")/lib.sh"
ROUNDS=${ROUNDS:-50}
DEVICES=6
POINTS=4

# the storm: every point flips every 200 ms (half of them out of phase),
# polled every 50 ms; the timeline loops for ever
{
	printf '[sim]\nloop = 400ms\n[server a]\nlisten = 127.0.0.1:0\n'
	for d in $(seq 1 $DEVICES); do
		printf '[device d%d]\nserver = a\nunit = %d\n' "$d" "$d"
		for p in $(seq 0 $((POINTS - 1))); do printf 'holding %d = 0\n' "$p"; done
	done
	for step in 100 300; do
		printf '[at %dms]\n' $step
		for d in $(seq 1 $DEVICES); do
			for p in $(seq 0 $((POINTS - 1))); do
				v=$(( (step == 100) == (p % 2 == 0) ? d * 10 + p : 0 ))
				printf 'd%d.holding.%d = %d\n' "$d" "$p" "$v"
			done
		done
	done
} >"$T/storm.sim"
# not sim_start: its coproc's stdout is read only on commands, and the
# storm's "at ..." lines would fill the pipe and stall tbm-sim
"$TBMSIM" --log-requests "$T/requests.log" "$T/storm.sim" >"$T/sim.out" 2>"$T/sim.err" &
PIDS+=($!)
wait_until 20 "tbm-sim ready" grep -q "^ready" "$T/sim.out"
PORT_a=$(awk '$1 == "listening" && $2 == "a" { sub(/.*:/, "", $3); print $3 }' "$T/sim.out")
{
	conf_head
	for d in $(seq 1 $DEVICES); do
		printf '[device d%d]\nassessment = yes\nprotocol = modbus-tcp\nhost = 127.0.0.1\nport = %s\nunit = %d\ninterval = 50ms\ntimeout = 500ms\noffline_after = 3\n' \
			"$d" "$PORT_a" "$d"
		for p in $(seq 0 $((POINTS - 1))); do
			kind=fault
			[ "$p" -ne 3 ] || kind=safety
			printf '[point d%d.p%d]\nread = holding %d\nkind = %s\nwhen = value != 0\n' "$d" "$p" "$p" "$kind"
		done
	done
} >"$T/tbmond.conf"

db=$T/tbmon.db
sq() { sqlite3 -batch -noheader -cmd ".timeout 5000" "$db" "$1"; }
snapshot() {
	sq "select id || '|' || device || '|' || point || '|' || opened_at || '|' || coalesce(cleared_at, '') from faults order by id"
}

# check_round N: the invariants after a kill (tbmond is dead: the database
# is opened read-write so that its WAL is recovered like tbmond would).
check_round() {
	local n=$1 audit
	expect_quiet() { [ "$2" = "$3" ] || fail "round $n: $1: got '$2', want '$3'"; }
	expect_quiet "integrity_check" "$(sq "PRAGMA integrity_check")" ok
	expect_quiet "duplicate open faults" "$(sq "SELECT device || '.' || point || ':' || count(*) FROM faults WHERE cleared_at IS NULL AND source = 'auto' GROUP BY device, point HAVING count(*) > 1")" ""
	audit=$(sq "select count(*) from audit")
	[ "$audit" -ge "$AUDIT" ] || fail "round $n: audit records went from $AUDIT down to $audit"
	AUDIT=$audit
	snapshot >"$T/snap.now"
	# every row of the last snapshot is still there: same opening; a
	# clearing committed then is kept (an open one may have cleared since)
	awk -F'|' -v round="$n" '
		NR == FNR { now[$1] = $0; next }
		!($1 in now) { print "round " round ": fault " $1 " (" $0 ") is gone"; bad = 1; next }
		$5 == "" { split(now[$1], f, "|"); if (f[2] "|" f[3] "|" f[4] != $2 "|" $3 "|" $4) { print "round " round ": fault " $1 " changed: " $0 " -> " now[$1]; bad = 1 }; next }
		now[$1] != $0 { print "round " round ": fault " $1 " changed: " $0 " -> " now[$1]; bad = 1 }
		END { exit bad }' "$T/snap.now" "$T/snap.prev" >"$T/snap.diff" || fail "$(head -3 "$T/snap.diff")"
	mv "$T/snap.now" "$T/snap.prev"
}

verify() {
	"$TBMCTL" -d "$db" verify >"$T/verify.out" 2>&1 || { cat "$T/verify.out" >&2; fail "round $1: tbmctl verify: $(tail -1 "$T/verify.out")"; }
}

AUDIT=0
: >"$T/snap.prev"
t0=$SECONDS
for round in $(seq 1 "$ROUNDS"); do
	daemon_start
	# a random moment of the storm, 20-520 ms after the start
	sleep "0.$(printf '%03d' $((20 + RANDOM % 500)))"
	kill -KILL "$DPID"
	wait "$DPID" 2>/dev/null || true
	check_round "$round"
	[ $((round % 10)) -ne 0 ] || verify "$round"
done
echo "ok: $ROUNDS kill -9 rounds in $((SECONDS - t0)) s; $AUDIT audit records, $(sq "select count(*) from faults") faults"

# a last run that stops in order
daemon_start
n=$(polls_of d1)
wait_until 20 "storm polled after the last start" polled_after d1 $((n + 10))
daemon_stop
check_round final
verify final
expect_eq "runs recorded" "$(sq "select count(*) from runs")" $((ROUNDS + 1))
expect_eq "every run closed (the killed ones at the next start)" "$(sq "select count(*) from runs where stopped_at is null")" 0
grep -h "tbmctl\|verif\|checked" "$T/verify.out" | tail -1
echo PASS
