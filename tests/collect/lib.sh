# lib.sh - tests/integration/lib.sh plus the central collection's real
# parts: PostgreSQL 15 in a scratch directory on a unix socket, a central
# mosquitto broker with one bridged broker per base, tbmond bases on one
# tbm-sim, and tbm-collect. Environment: TBMOND, TBMSIM, TBMCTL, TBMCOLLECT.
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
: "${TBMCOLLECT:?}" "${TBMCTL:?}" "${TBMREPORT:?}"
COLLECT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3

skip() {
	echo "SKIP: $*"
	exit 77
}

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ] || skip "PostgreSQL server binaries are not installed (postgresql)"
command -v mosquitto >/dev/null || skip "mosquitto is not installed"

# PostgreSQL refuses to run as root: as root the cluster belongs to the
# postgres user (runuser), otherwise to whoever runs the test.
chmod 755 "$T"
if [ "$(id -u)" = 0 ]; then
	PGUSER_OS=postgres
	as_pg() { runuser -u postgres -- "$@"; }
else
	PGUSER_OS=$(id -un)
	as_pg() { "$@"; }
fi
PGSOCK=$T/pgsock
PGDATA=$T/pgdata
DB="postgresql:///tbmon?host=$PGSOCK&user=$PGUSER_OS"

# PostgreSQL is not a child of the test (pg_ctl starts it in the
# background): stop it before the scratch directory goes.
collect_cleanup() {
	[ ! -f "$PGDATA/postmaster.pid" ] || as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true
	cleanup
}
trap collect_cleanup EXIT

# fail_context: what a failed collection test shows besides its message:
# each base's chain head against what the centre holds, the logs' tails.
fail_context() {
	local f site
	for site in a b c; do
		[ -f "$T/$site/tbmon.db" ] || continue
		echo "--- site $site: base head $(sqlite_q "$site" "select max(seq) from audit" 2>&1)," \
			"centre contiguous $(psql_q "select contiguous || ' of ' || coalesce((select max(seq) from audit where site = '$site'), 0) from sites where site = '$site'" 2>&1)"
	done
	for f in "$T"/*/tbmond.*.log "$T"/*.[0-9].log; do
		[ -f "$f" ] || continue
		echo "--- ${f#"$T"/} (last 15 lines)"
		tail -15 "$f"
	done
}

pg_start() {
	if [ ! -d "$PGDATA" ]; then
		mkdir -p "$PGDATA" "$PGSOCK"
		mkdir -p "$T/pglog"; chown "$PGUSER_OS" "$PGDATA" "$PGSOCK" "$T/pglog"
		as_pg "$PGBIN/initdb" -D "$PGDATA" -A trust -U "$PGUSER_OS" --no-sync -E UTF8 >"$T/initdb.log" 2>&1 ||
			fail "initdb: $(tail -3 "$T/initdb.log")"
	fi
	# -w: pg_ctl returns once the server accepts connections
	as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -w -t 60 -l "$PGDATA/../pglog/pg.log" \
		-o "-k $PGSOCK -c listen_addresses= -c fsync=off" start >/dev/null ||
		fail "PostgreSQL did not start: $(tail -5 "$T/pglog/pg.log")"
	if ! as_pg "$PGBIN/psql" -h "$PGSOCK" -U "$PGUSER_OS" -d postgres -Atqc \
		"select 1 from pg_database where datname = 'tbmon'" | grep -q 1; then
		as_pg "$PGBIN/createdb" -h "$PGSOCK" -U "$PGUSER_OS" tbmon || fail "createdb"
	fi
}

pg_stop() {
	as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -w -m fast stop >/dev/null || true
}

# psql_q SQL: one query on the central database, unaligned, no headers.
psql_q() {
	"$PGBIN/psql" -h "$PGSOCK" -U "$PGUSER_OS" -d tbmon -XAtq -c "$1"
}

# pg_has SQL: true once the query returns a row.
pg_has() {
	[ -n "$(psql_q "$1" 2>>"$T/psql.err")" ]
}

# broker NAME PORT [persistence true|false] [EXTRA CONFIG LINES]: a mosquitto
# in $T/NAME; sets PID_NAME. The log says when it listens.
broker() {
	local name=$1 port=$2 persist=${3:-true} extra=${4:-}
	mkdir -p "$T/$name"
	cat >"$T/$name/mosquitto.conf" <<BROKER
listener $port 127.0.0.1
allow_anonymous true
user $(id -un)
persistence $persist
persistence_location $T/$name/
autosave_interval 1
log_dest stderr
log_type all
$extra
BROKER
	: >>"$T/$name/log"
	local before
	before=$(grep -c "mosquitto version .* running" "$T/$name/log" || true)
	mosquitto -c "$T/$name/mosquitto.conf" 2>>"$T/$name/log" &
	declare -g "PID_$name=$!"
	PIDS+=($!)
	wait_until 10 "mosquitto $name running" broker_running "$name" "$before"
}

broker_running() {
	[ "$(grep -c "mosquitto version .* running" "$T/$1/log" || true)" -gt "$2" ]
}

# base_broker SITE PORT: a base's broker bridging its tbmon/SITE topics to
# the central broker (events and config out, resend in), a persistent bridge.
base_broker() {
	broker "bb_$1" "$2" true "connection central-$1
address 127.0.0.1:$CENTRAL_PORT
clientid bridge-$1
cleansession false
restart_timeout 1 2
topic tbmon/$1/events out 1
topic tbmon/$1/config out 1
topic tbmon/$1/resend in 1"
}

# centre_start SITE...: PostgreSQL, the central broker (persistent unless
# CENTRAL_PERSIST=false; CENTRAL_EXTRA: more of its config lines) and a
# bridged broker per base, the bridges connected; sets CENTRAL_PORT and
# PORT_B<SITE>.
centre_start() {
	local site port
	pg_start
	CENTRAL_PORT=$(free_port)
	broker central "$CENTRAL_PORT" "${CENTRAL_PERSIST:-true}" "${CENTRAL_EXTRA:-}"
	for site in "$@"; do
		port=$(free_port)
		declare -g "PORT_B$site=$port"
		base_broker "$site" "$port"
	done
	for site in "$@"; do
		wait_until 10 "bridge $site connected" grep -q "bridge-$site" "$T/central/log"
	done
}

# bases_start SITE...: the simulated devices and a tbmond for each base.
bases_start() {
	local site port_sim port_b
	sim_scenario
	sim_start "$T/bases.sim"
	for site in "$@"; do
		port_sim=PORT_$site port_b=PORT_B$site
		base_conf "$site" "${!port_b}" "${!port_sim}"
		base_start "$site"
	done
}

# base_conf SITE BROKERPORT SIMPORT: tbmond.conf of a base in $T/SITE.
base_conf() {
	mkdir -p "$T/$1"
	cat >"$T/$1/tbmond.conf" <<CONF
[site]
id = $1
name = 基地 $1
timezone = Asia/Shanghai
[daemon]
database = tbmon.db
log_level = info
[mqtt]
url = mqtt://127.0.0.1:$2
client_id = tbmond-$1
events_topic = tbmon/$1/events
CONF
	local i
	for i in 1 2 3; do
		cat >>"$T/$1/tbmond.conf" <<CONF
[device cnc-$i]
name = 数控车床 #$i
lab = 数控加工实训室
assessment = yes
protocol = modbus-tcp
host = 127.0.0.1
port = $3
unit = $i
interval = 100ms
timeout = 500ms
[point cnc-$i.alarm]
read = holding 100
when = value != 0
label = 数控系统报警
CONF
	done
	cat >>"$T/$1/tbmond.conf" <<CONF
[device weld-1]
name = 焊机 #1
lab = 焊接实训室
protocol = modbus-tcp
host = 127.0.0.1
port = $3
unit = 9
interval = 100ms
[point weld-1.estop]
read = discrete 0
kind = safety
when = value == 1
label = 急停
CONF
}

# base_start SITE: tbmond of that base; sets BPID_SITE.
declare -A BRUNS
base_start() {
	BRUNS[$1]=$((${BRUNS[$1]:-0} + 1))
	local log=$T/$1/tbmond.${BRUNS[$1]}.log
	"$TBMOND" -c "$T/$1/tbmond.conf" 2>"$log" &
	declare -g "BPID_$1=$!"
	PIDS+=($!)
	wait_until 20 "tbmond $1 to start" grep -qs "started:" "$log"
}

base_stop() {
	local pid_var=BPID_$1 rc=0
	kill -TERM "${!pid_var}"
	wait "${!pid_var}" || rc=$?
	[ $rc -eq 0 ] || fail "tbmond $1 exited with status $rc"
}

# sim_scenario PORTVAR...: one tbm-sim serving both bases (a server each),
# faults opening and clearing in a loop of 2 s.
sim_scenario() {
	cat >"$T/bases.sim" <<SIM
[sim]
loop = 2s
[server a]
listen = 127.0.0.1:0
[server b]
listen = 127.0.0.1:0
SIM
	local s i
	for s in a b; do
		for i in 1 2 3; do
			printf '[device %s-cnc-%s]\nserver = %s\nunit = %s\nholding 100 = 0\n' "$s" "$i" "$s" "$i" >>"$T/bases.sim"
		done
		printf '[device %s-weld-1]\nserver = %s\nunit = 9\ndiscrete 0 = 0\n' "$s" "$s" >>"$T/bases.sim"
	done
	for s in a b; do
		printf '[at 200ms]\n%s-cnc-1.holding.100 = 11\n[at 500ms]\n%s-cnc-2.holding.100 = 22\n' "$s" "$s" >>"$T/bases.sim"
		printf '[at 900ms]\n%s-cnc-1.holding.100 = 0\n%s-cnc-3.holding.100 = 33\n' "$s" "$s" >>"$T/bases.sim"
		printf '[at 1300ms]\n%s-cnc-2.holding.100 = 0\n%s-weld-1.discrete.0 = 1\n' "$s" "$s" >>"$T/bases.sim"
		printf '[at 1700ms]\n%s-cnc-3.holding.100 = 0\n%s-weld-1.discrete.0 = 0\n' "$s" "$s" >>"$T/bases.sim"
	done
}

# collect_conf FILE [EXTRA]: collect.conf for the central broker and database.
collect_conf() {
	cat >"$1" <<CONF
[collect]
mqtt = mqtt://127.0.0.1:$CENTRAL_PORT
client_id = ${CLIENT_ID:-tbm-collect-test}
topic = tbmon/+/events
database = $DB
gap_wait = 1s
resync = ${RESYNC:-1m}
flush = 20ms
${2:-}
CONF
}

# collect_start NAME: tbm-collect on $T/NAME.conf; sets CPID_NAME.
declare -A CRUNS
collect_start() {
	CRUNS[$1]=$((${CRUNS[$1]:-0} + 1))
	local log=$T/$1.${CRUNS[$1]}.log
	"$TBMCOLLECT" -c "$T/$1.conf" >"$T/$1.${CRUNS[$1]}.out" 2>"$log" &
	declare -g "CPID_$1=$!"
	PIDS+=($!)
	wait_until 30 "tbm-collect $1 running" grep -qs "tbm-collect: running" "$T/$1.${CRUNS[$1]}.out"
	wait_until 30 "tbm-collect $1 subscribed" grep -qs "mqtt: connected" "$log"
}

collect_stop() {
	local v=CPID_$1 rc=0
	kill -TERM "${!v}"
	wait "${!v}" || rc=$?
	[ $rc -eq 0 ] || fail "tbm-collect $1 exited with status $rc"
}

# sqlite_q SITE SQL
sqlite_q() {
	sqlite3 -batch -noheader -cmd ".timeout 5000" "file:$T/$1/tbmon.db?mode=ro" "$2"
}

# head_of SITE: the base's last seq.
head_of() { sqlite_q "$1" "select coalesce(max(seq), 0) from audit"; }
# grown SITE N: the base has recorded up to seq N at least
grown() { [ "$(head_of "$1")" -ge "$2" ]; }
# centre_has SITE N: the centre holds every record of SITE up to N
centre_has() { pg_has "select 1 from sites where site = '$1' and contiguous >= $2"; }

# caught_up SITE: the centre holds the base's whole chain.
caught_up() {
	local head
	head=$(sqlite_q "$1" "select coalesce(max(seq), 0) from audit")
	[ "$head" -gt 0 ] && [ "$(psql_q "select contiguous from sites where site = '$1'")" = "$head" ]
}

# same_chain SITE: every record of the base exactly once at the centre, equal.
same_chain() {
	sqlite_q "$1" "select seq || '|' || hash from audit order by seq" >"$T/chain.$1.base"
	psql_q "select seq || '|' || hash from audit where site = '$1' order by seq" >"$T/chain.$1.centre"
	cmp -s "$T/chain.$1.base" "$T/chain.$1.centre" ||
		fail "site $1: the centre's records differ from the base's: $(diff "$T/chain.$1.base" "$T/chain.$1.centre" | head -5)"
	expect_eq "site $1: records at the centre, once each" \
		"$(psql_q "select count(*) || '/' || count(distinct seq) from audit where site = '$1'")" \
		"$(wc -l <"$T/chain.$1.base")/$(wc -l <"$T/chain.$1.base")"
	# linked: each prev_hash is the hash before it
	expect_eq "site $1: the chain at the centre is linked" "$(psql_q "select count(*) from (select prev_hash, \
lag(hash, 1, repeat('0', 64)) over (order by seq) as h from audit where site = '$1') x where prev_hash <> h")" 0
}

# bases_stop_and_compare SITE...: stops the bases, waits until the centre
# holds each whole chain, and compares records and fault rows.
bases_stop_and_compare() {
	local site
	for site in "$@"; do base_stop "$site"; done
	for site in "$@"; do wait_until 60 "the centre has $site's whole chain" caught_up "$site"; done
	for site in "$@"; do
		same_chain "$site"
		same_faults "$site"
	done
}

# same_faults SITE: the fault rows rebuilt at the centre equal the base's.
FAULT_COLS="id, device, point, kind, source, code, label, lab, assessment, opened_at, cleared_at, acked_at, acked_by, repaired_at, repaired_by, action, parts, dismissed_at, classification, repeat_of"
same_faults() {
	sqlite_q "$1" "select $FAULT_COLS from faults order by id" | sed 's/\.0|/|/g' >"$T/faults.$1.base"
	psql_q "select $FAULT_COLS from faults where site = '$1' order by id" >"$T/faults.$1.centre"
	cmp -s "$T/faults.$1.base" "$T/faults.$1.centre" ||
		fail "site $1: fault rows differ: $(diff "$T/faults.$1.base" "$T/faults.$1.centre" | head -6)"
	echo "ok: site $1: $(wc -l <"$T/faults.$1.base") fault rows rebuilt by replay equal the base's"
}
