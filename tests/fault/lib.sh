# lib.sh - tests/integration/lib.sh plus what the fault tests share: a
# healthy device on a link of its own whose poll spacing must not suffer,
# waiting on log lines, and skipping when a tool is missing.
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
: "${TBMCTL:?}"
FAULT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

skip() {
	echo "SKIP: $*"
	exit 77
}

need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
	done
}

# log_has PATTERN: true once the current tbmond log matches PATTERN (grep -E).
log_has() {
	[ -f "$DLOG" ] && grep -Eq -- "$1" "$DLOG"
}

# log_count PATTERN: how many lines of the current tbmond log match.
log_count() {
	grep -Ec -- "$1" "$DLOG" 2>/dev/null || true
}

# conf_head: [site] and [daemon] of a test configuration (database in $T).
conf_head() {
	cat <<CONF
[site]
id = test
[daemon]
database = tbmon.db
log_level = ${LOG_LEVEL:-info}
CONF
}

# conf_modbus DEVICE PORT UNIT INTERVAL TIMEOUT OFFLINE_AFTER: a device with
# one fault point "alarm" on holding 0 (fault while != 0).
conf_modbus() {
	cat <<CONF
[device $1]
protocol = modbus-tcp
host = 127.0.0.1
port = $2
unit = $3
interval = $4
timeout = $5
offline_after = $6
[point $1.alarm]
read = holding 0
when = value != 0
CONF
}

# The healthy device: "healthy" on tbm-sim's server "h" (sim_healthy_sim
# adds it to a scenario), polled every 200 ms on a link of its own.
sim_healthy() {
	cat <<SIM
[server h]
listen = 127.0.0.1:0
[device healthy]
server = h
unit = 1
holding 0 = 0
SIM
}
conf_healthy() {
	conf_modbus healthy "$PORT_h" 1 200ms 1s 3
}

# check_healthy: the healthy device never went offline, and its polls kept
# their 200 ms spacing while the other link misbehaved: the median gap
# 150-250 ms (a link that waited on the other's timeouts would sit at 400 ms
# or more), and no single gap of 1.5 s or more (a link held while the
# database is locked or full; a loaded machine's scheduler alone has been
# seen to stall a poll for 0.9 s). Call after daemon_stop.
check_healthy() {
	local count p50 max
	expect_eq "healthy device faults" "$(q "select count(*) from faults where device = 'healthy'")" 0
	awk '$2 == "healthy" { if (prev) print $1 - prev; prev = $1 }' "$T/requests.log" | tail -n +3 |
		sort -n >"$T/gaps"
	count=$(wc -l <"$T/gaps")
	p50=$(awk '{ a[NR] = $1 } END { print a[int(NR * 0.5) + 1] }' "$T/gaps")
	max=$(tail -1 "$T/gaps")
	echo "healthy device: $count gaps, median ${p50} ms, max ${max} ms (interval 200 ms)"
	[ "$count" -ge 10 ] || fail "too few polls of the healthy device: $count"
	[ "$max" -lt "${HEALTHY_MAX_GAP:-1500}" ] || fail "healthy device delayed: a gap of $max ms"
	[ "$p50" -ge 150 ] && [ "$p50" -le 250 ] || fail "healthy device median spacing $p50 ms is off its 200 ms interval"
}

# Fault queries on the point "alarm" and the comm fault of a device.
alarm_open() { echo "select count(*) from faults where device = '$1' and point = 'alarm' and cleared_at is null"; }
comm_open() { echo "select count(*) from faults where device = '$1' and point = 'comm' and cleared_at is null"; }
alarm_codes() { q "select coalesce(group_concat(cast(code as integer), ' '), '') from (select code from faults where device = '$1' and point = 'alarm' order by id)"; }

# log_at_least PATTERN N: true once the current tbmond log has N lines
# matching PATTERN (for wait_until: counted at each try).
log_at_least() {
	[ "$(log_count "$1")" -ge "$2" ]
}

# file_matches_over FILE PATTERN N: true once FILE has more than N lines
# matching PATTERN.
file_matches_over() {
	[ "$(grep -Ec -- "$2" "$1" 2>/dev/null || true)" -gt "$3" ]
}
