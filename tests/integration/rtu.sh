#!/bin/bash
# Modbus RTU over a pty pair made by socat: tbm-sim serves one end, tbmond
# polls the other; a fault opens and clears, and a silent RTU device gives a
# comm fault.
. "$(dirname "$0")/lib.sh"
command -v socat >/dev/null || fail "socat is not installed"

socat -d -d "pty,raw,echo=0,link=$T/tty-sim" "pty,raw,echo=0,link=$T/tty-daemon" 2>"$T/socat.log" &
PIDS+=($!)
wait_until 10 "socat ptys" test -e "$T/tty-sim" -a -e "$T/tty-daemon"
wait_until 10 "socat transferring" grep -q "starting data transfer loop" "$T/socat.log"

cat >"$T/base.sim" <<SIM
[server line1]
serial = $T/tty-sim
baud = 19200
parity = even
[device bench-07]
server = line1
unit = 7
coil 5 = 0
SIM
sim_start "$T/base.sim"

cat >"$T/tbmond.conf" <<CONF
[site]
id = test
[daemon]
database = tbmon.db
[device bench-07]
lab = PLC与电气实训室
protocol = modbus-rtu
serial = $T/tty-daemon
baud = 19200
parity = even
unit = 7
interval = 100ms
timeout = 300ms
offline_after = 2
[point bench-07.overload]
read = coil 5
kind = fault
when = value == 1
label = 过载
CONF

daemon_start
wait_until 10 "bench-07 polled" polled_after bench-07 3
sim set bench-07.coil.5 1
wait_until 10 "RTU fault open" q_is "select count(*) from faults where point = 'overload' and cleared_at is null" 1
sim set bench-07.coil.5 0
wait_until 10 "RTU fault cleared" q_is "select count(*) from faults where point = 'overload' and cleared_at is not null" 1
sim behave bench-07 silent
wait_until 10 "RTU comm fault" q_is "select count(*) from faults where point = 'comm' and cleared_at is null" 1
sim behave bench-07 normal
wait_until 40 "RTU comm fault cleared" q_is "select count(*) from faults where point = 'comm' and cleared_at is null" 0
daemon_stop
expect_eq "function codes used" "$(awk '{ print $4 }' "$T/requests.log" | sort -u | tr '\n' ' ')" "1 "
echo PASS
