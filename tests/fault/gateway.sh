#!/bin/bash
# Gateways as they are in the field (tests/fault/gateway.py), one case per
# run (the argument):
#   onecon    a gateway that takes one TCP connection and frees its slot
#             300 ms after the client closed; unit 2 behind it is silent.
#             After each timeout tbmond waits for the gateway before it
#             connects again: no connection is turned away, and the healthy
#             unit 1 (offline_after = 1) never gets a comm fault. The silent
#             unit's offline line names why; the healthy unit's "falls
#             behind" warning names the silent unit.
#   pause     a gateway that ignores a request sent less than 100 ms after
#             its last answer: with pause = 150ms every request is answered
#             and the device stays online; its float32 point keeps the
#             device's 123.456.
#   warmup    a DTU that greets with a registration packet and ignores what
#             comes in the first 500 ms after connecting: connect_delay =
#             700ms, the greeting is dropped, and the device stays online.
#   keepopen  keep_open = no: the connection is closed after each round, so
#             the vendor's HMI finds the gateway's one slot free.
#   rtutcp    protocol = modbus-rtu-tcp: RTU frames with CRC over TCP; a
#             fault opens with the unit's value, a float32 is read, an
#             exception is logged with its code when the unit goes offline.
#   status    STATUS= is first sent after the first poll round: a unit that
#             never answers (offline_after = 1) is counted offline in it.
#   jitter    four gateways whose units fall silent together (a switch
#             reboots behind them): the links that failed in step must not
#             retry in step; by the sixth connection their times have spread
#             apart.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
[ -x $PY ] || skip "$PY is not installed"
case=${1:?case}

# gateway NAME ARGS...: starts gateway.py; sets GW_PORT, GW_LOG.
gateway() {
	local name=$1
	shift
	GW_LOG=$T/gw.$name.log
	: >"$GW_LOG"
	$PY "$FAULT_DIR/gateway.py" "$GW_LOG" "$@" >"$T/gw.$name.out" &
	PIDS+=($!)
	wait_until 10 "gateway.py listening" grep -q "^listening" "$T/gw.$name.out"
	GW_PORT=$(awk '{ print $2 }' "$T/gw.$name.out")
}
gw_count() { grep -c -- " $1" "$GW_LOG" || true; }
gw_at_least() { [ "$(gw_count "$1")" -ge "$2" ]; }

# device ID UNIT KEYS...: a device on the gateway with a fault point on
# holding 0 (fault while the value is 5) and the given extra keys.
device() {
	local id=$1 unit=$2
	shift 2
	printf '[device %s]\nprotocol = %s\nhost = 127.0.0.1\nport = %s\nunit = %s\n' \
		"$id" "${PROTO:-modbus-tcp}" "$GW_PORT" "$unit"
	printf '%s\n' "$@"
	printf '[point %s.alarm]\nread = holding 0\nwhen = value == 5\n' "$id"
}

case $case in
onecon)
	gateway gw --one-connection 300 --unit 1=0
	{
		conf_head
		device u1 1 "interval = 100ms" "timeout = 200ms" "offline_after = 1" ${GW_EXTRA:-}
		device u2 2 "interval = 100ms" "timeout = 200ms" "offline_after = 3" ${GW_EXTRA:-}
	} >"$T/tbmond.conf"
	daemon_start
	wait_until 20 "u2 offline" q_is "$(comm_open u2)" 1
	# a few more rounds of the silent unit's timeouts and reconnects
	n=$(grep -c "request 2 " "$GW_LOG" || true)
	wait_until 40 "u2 retried 4 more times" gw_at_least "request 2 " $((n + 4))
	wait_until 10 "u1 polled after the last retry" gw_at_least "answer 1" "$(($(gw_count "answer 1") + 3))"
	daemon_stop
	expect_eq "connections the gateway turned away" "$(gw_count turned-away)" 0
	expect_eq "u1's comm faults (it always answered)" "$(q "select count(*) from faults where device = 'u1'")" 0
	expect_eq "u2's faults" "$(q "select group_concat(point) from faults where device = 'u2'")" comm
	grep -q "device u2: offline after 3 failed polls; last: read holding 0+1: no answer within 200 ms" "$DLOG" ||
		fail "the offline line does not say why"
	grep -q "polling of device u[12] falls behind its 100 ms interval: device u2 held the link [0-9]* ms (read holding 0+1: no answer within 200 ms)" "$DLOG" ||
		fail "the behind-schedule warning does not name the silent unit"
	;;
pause)
	gateway gw --gap 100 --unit 1=0
	{
		conf_head
		device g 1 "interval = 300ms" "timeout = 500ms" "offline_after = 1" "pause = 150ms"
		# a second block (another table) makes two requests per poll
		printf '[point g.temp]\nread = input 10\ntype = float32\nkind = fault\nwhen = value > 100\n'
	} >"$T/tbmond.conf"
	daemon_start
	wait_until 20 "20 answers" gw_at_least "answer 1" 20
	wait_until 10 "the float32 fault" q_is "select count(*) from faults where point = 'temp'" 1
	daemon_stop
	expect_eq "requests the gateway ignored as too soon" "$(gw_count "ignored too-soon")" 0
	expect_eq "comm faults" "$(q "select count(*) from faults where point = 'comm'")" 0
	expect_eq "the float32 code as the device sent it" "$(q "select code from faults where point = 'temp'")" 123.456
	# and tbmctl shows it so
	"$TBMCTL" -d "$T/tbmon.db" faults --all --json | grep -Eq '"code":[[:space:]]*123.456,' ||
		fail "tbmctl does not show 123.456: $("$TBMCTL" -d "$T/tbmon.db" faults --all --json)"
	;;
warmup)
	gateway gw --warmup 500 --greeting "REG:DTU-0042" --unit 1=0
	{
		conf_head
		device w 1 "interval = 200ms" "timeout = 300ms" "offline_after = 1" "connect_delay = 700ms"
	} >"$T/tbmond.conf"
	daemon_start
	wait_until 20 "10 answers" gw_at_least "answer 1" 10
	daemon_stop
	expect_eq "requests the DTU ignored while warming up" "$(gw_count "ignored early-after-connect")" 0
	expect_eq "comm faults" "$(q "select count(*) from faults")" 0
	# the first request waited for the delay after the connection
	t_acc=$(awk '$2 == "accept" { print $1; exit }' "$GW_LOG")
	t_req=$(awk '$2 == "request" { print $1; exit }' "$GW_LOG")
	echo "first request $((t_req - t_acc)) ms after the connection"
	[ $((t_req - t_acc)) -ge 690 ] || fail "the first request came $((t_req - t_acc)) ms after connecting"
	;;
keepopen)
	gateway gw --one-connection 0 --unit 1=0
	{
		conf_head
		device k 1 "interval = 300ms" "timeout = 300ms" "offline_after = 1" "keep_open = no"
	} >"$T/tbmond.conf"
	daemon_start
	wait_until 20 "8 answers" gw_at_least "answer 1" 8
	daemon_stop
	accepts=$(gw_count accept)
	answers=$(gw_count "answer 1")
	echo "$accepts connections for $answers answers"
	# the gateway's one slot was free between the rounds: one connection a round
	[ "$accepts" -ge $((answers - 1)) ] || fail "the connection stayed open: $accepts connections for $answers polls"
	expect_eq "comm faults" "$(q "select count(*) from faults")" 0
	expect_eq "connections turned away" "$(gw_count turned-away)" 0
	;;
rtutcp)
	gateway gw --rtu --unit 1=5 --exception 3=2
	{
		conf_head
		PROTO=modbus-rtu-tcp device r1 1 "interval = 200ms" "timeout = 300ms"
		printf '[point r1.temp]\nread = holding 10\ntype = float32\nkind = status\n'
		PROTO=modbus-rtu-tcp device r3 3 "interval = 200ms" "timeout = 300ms" "offline_after = 2"
	} >"$T/tbmond.conf"
	"$TBMOND" -n -c "$T/tbmond.conf" || fail "modbus-rtu-tcp is not accepted"
	daemon_start
	wait_until 20 "r1's fault with the unit's value" q_is "$(alarm_open r1)" 1
	wait_until 20 "r3 offline" q_is "$(comm_open r3)" 1
	daemon_stop
	expect_eq "its code" "$(alarm_codes r1)" 5
	expect_eq "bad CRCs seen by the gateway" "$(gw_count bad-crc)" 0
	grep -q "device r3: offline after 2 failed polls; last: read holding 0+1: exception 2 (Illegal data address)" "$DLOG" ||
		fail "the exception is not named when r3 goes offline"
	;;
status)
	gateway gw --unit 1=0
	cat >"$T/notify.py" <<'PYEOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    print("listening", file=f)
    while True:
        for line in s.recv(4096).decode().splitlines():
            print(line, file=f)
PYEOF
	$PY "$T/notify.py" "$T/notify.sock" "$T/notify.log" &
	PIDS+=($!)
	wait_until 10 "notify socket" grep -q listening "$T/notify.log"
	{
		conf_head
		device ok 1 "interval = 200ms" "timeout = 300ms"
		device dead 2 "interval = 200ms" "timeout = 1s" "offline_after = 1"
	} >"$T/tbmond.conf"
	NOTIFY_SOCKET=$T/notify.sock daemon_start
	wait_until 20 "a STATUS= line" grep -q "^STATUS=" "$T/notify.log"
	daemon_stop
	expect_eq "the first STATUS=" "$(grep -m1 "^STATUS=" "$T/notify.log" | cut -d';' -f1)" \
		"STATUS=1 devices online, 1 offline"
	;;
jitter)
	ports=()
	for g in a b c d; do
		gateway $g
		ports+=("$GW_PORT")
	done
	{
		conf_head
		n=0
		for p in "${ports[@]}"; do
			n=$((n + 1))
			GW_PORT=$p device "j$n" 1 "interval = 200ms" "timeout = 300ms" "offline_after = 1"
		done
	} >"$T/tbmond.conf"
	daemon_start
	for g in a b c d; do
		GW_LOG=$T/gw.$g.log
		wait_until 40 "gateway $g: 6 connections" gw_at_least accept 6
	done
	daemon_stop
	# the sixth connection of each gateway: without jitter the four come
	# within a few ms of each other (they start and fail together)
	for g in a b c d; do awk '$2 == "accept" { if (++n == 6) print $1 }' "$T/gw.$g.log"; done |
		sort -n >"$T/sixth"
	spread=$(($(tail -1 "$T/sixth") - $(head -1 "$T/sixth")))
	echo "sixth connections of the four gateways: $(tr '\n' ' ' <"$T/sixth")(spread $spread ms)"
	[ "$spread" -ge 60 ] || fail "the links retry in step (spread $spread ms)"
	;;
*)
	fail "unknown case $case"
	;;
esac
echo PASS
