#!/bin/bash
# The disk full: the database on a small tmpfs (2 MB) made by the test,
# filled up by a file while events keep coming. Polling goes on (a healthy
# device on another link keeps its spacing), the error is logged once (at
# most once a minute), nothing already committed is lost, and when the
# space comes back every event is written: after an orderly stop the
# database holds exactly the openings and clearings tbmond logged.
# Skips (77) where a tmpfs cannot be mounted (not root, no CAP_SYS_ADMIN).
# `disk_full.sh log` also checks the log: the failure named as a full disk,
# one message for the whole episode (fault.disk_full_log).
. "$(dirname "$0")/lib.sh"
STRICT_LOG=0
[ "${1:-}" != log ] || STRICT_LOG=1
. "$FAULT_DIR/storm.sh"

SMALL=$T/small
mkdir -p "$SMALL"
mount -t tmpfs -o size=2m,mode=0755 tmpfs "$SMALL" 2>"$T/mount.err" ||
	skip "cannot mount a tmpfs here: $(cat "$T/mount.err")"
unmount_small() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	umount "$SMALL" 2>/dev/null || umount -l "$SMALL" 2>/dev/null || true
	cleanup
}
trap unmount_small EXIT

storm_files 1 20
storm_sim_start
sim_healthy >"$T/base.sim"
sim_start "$T/base.sim"
{
	conf_head | sed "s|^database = .*|database = $SMALL/tbmon.db|"
	conf_healthy
	cat "$T/storm.conf"
} >"$T/tbmond.conf"
db=$SMALL/tbmon.db
qs() { sqlite3 -batch -noheader -cmd ".timeout 5000" "file:$db?mode=ro" "$1"; }
q() { qs "$1"; }
snapshot() { qs "select id || '|' || device || '|' || point || '|' || opened_at || '|' || coalesce(cleared_at, '') from faults order by id"; }

daemon_start
faults_over() { [ "$(qs "select count(*) from faults" 2>/dev/null || echo 0)" -gt "$1" ]; }
wait_until 10 "storm events written" faults_over 50
# fill the disk
dd if=/dev/zero of="$SMALL/filler" bs=16k 2>/dev/null || true
echo "ok: filled $SMALL: $(df -k "$SMALL" | awk 'NR == 2 { print $4 " kB free" }')"
wait_until 30 "the write failure logged" log_has "cannot write [0-9]+ events"
# the message names the cause
if [ $STRICT_LOG = 1 ]; then
	log_has "cannot write [0-9]+ events .*(full|space)" ||
		fail "the write failure does not say the disk is full: $(grep -m1 "cannot write" "$DLOG")"
fi
snapshot >"$T/snap.full"
n=$(polls_of healthy)
# a while with the disk full: polling goes on, the error is not repeated
wait_until 20 "8 s of healthy polls" polled_after healthy $((n + 40))
expect_eq "the writer's messages (at most one a minute)" "$(log_count "cannot write [0-9]+ events")" 1
[ $STRICT_LOG = 0 ] || expect_eq "all disk-full messages" "$(log_count "cannot write [0-9]+ events|disk is full|cannot rollback")" 1
kill -0 "$DPID" || fail "tbmond died"
# space again
rm -f "$SMALL/filler"
wait_until 30 "writing resumed" log_has "database writable again"
daemon_stop
grep -E "cannot write|writable again" "$DLOG"

snapshot >"$T/snap.after"
awk -F'|' 'NR == FNR { now[$1] = $0; next }
	!($1 in now) { print "fault " $1 " is gone"; bad = 1; next }
	$5 == "" { split(now[$1], f, "|"); if (f[4] != $4) { print "fault " $1 " changed"; bad = 1 }; next }
	now[$1] != $0 { print "fault " $1 " changed"; bad = 1 }
	END { exit bad }' "$T/snap.after" "$T/snap.full" || fail "a row committed before the disk filled changed"
echo "ok: the $(wc -l <"$T/snap.full") faults committed before the disk filled are all there"
opened=$(log_count "opened \(value")
cleared=$(log_count ": r[0-9]+ cleared")
echo "tbmond logged $opened openings and $cleared clearings"
expect_eq "faults in the database" "$(qs "select count(*) from faults where device like 's%'")" "$opened"
expect_eq "clearings in the database" "$(qs "select count(*) from faults where device like 's%' and cleared_at is not null")" "$cleared"
expect_eq "integrity_check" "$(sqlite3 "$db" "PRAGMA integrity_check")" ok
"$TBMCTL" -d "$db" verify >"$T/verify.out" 2>&1 || fail "tbmctl verify: $(tail -1 "$T/verify.out")"
check_healthy
echo PASS
