#!/bin/bash
# A fault opens with the register's value as its code and clears; a safety
# point opens a safety event; adjacent points are read in one request; the
# daemon uses function codes 1-4 only; SIGTERM stops it in order.
. "$(dirname "$0")/lib.sh"

workshop_sim "holding 101 = 0" "input 10 = float32 25.5"

{
	conf_site 测试基地
	printf 'devices = devices.d\nlog_level = debug\n'
	conf_cnc "$PORT_a" 主轴报警 "name = 数控车床 CK6140 #1" "interval = 100ms" "timeout = 500ms"
	printf 'type = uint16\nkind = fault\n'   # the alarm's, spelled out
	printf '[point cnc-01.mode]\nread = holding 101\nkind = status\n'
	conf_weld "$PORT_a" 急停 "interval = 100ms"
} >"$T/tbmond.conf"
mkdir -p "$T/devices.d"
cat >"$T/devices.d/10-temp.conf" <<CONF
[point cnc-01.temp]
read = input 10
type = float32
kind = fault
when = value > 80
clear = value < 70
label = 主轴温度
CONF

out=$("$TBMOND" -n -c "$T/tbmond.conf") || fail "configuration rejected"
expect_eq "tbmond -n" "$out" "configuration OK"

daemon_start
wait_until 10 "cnc-01 polled" polled_after cnc-01 3
expect_eq "devices recorded" "$(q "select group_concat(id || '/' || lab, ' ') from (select * from devices order by id)")" \
	"cnc-01/数控加工实训室 weld-01/焊接实训室"

sim set cnc-01.holding.100 1021
wait_until 10 "alarm fault open" q_is "select count(*) from faults where point = 'alarm' and cleared_at is null" 1
expect_eq "code, kind, label, lab, assessment" \
	"$(q "select code || '|' || kind || '|' || label || '|' || lab || '|' || assessment from faults where point = 'alarm'")" \
	"1021.0|fault|主轴报警|数控加工实训室|1"

# hysteresis: 75 neither opens (> 80) nor, once open, clears (< 70)
sim set cnc-01.input.10 float32 75
sim set cnc-01.input.10 float32 85.5
wait_until 10 "temperature fault open" q_is "select count(*) from faults where point = 'temp' and cleared_at is null" 1
expect_eq "temperature code" "$(q "select code from faults where point = 'temp'")" "85.5"
sim set cnc-01.input.10 float32 75
n=$(polls_of cnc-01)
wait_until 10 "more polls" polled_after cnc-01 $((n + 5))
expect_eq "temperature still open at 75" "$(q "select count(*) from faults where point = 'temp' and cleared_at is null")" 1

sim set cnc-01.holding.100 0
wait_until 10 "alarm cleared" q_is "select count(*) from faults where point = 'alarm' and cleared_at is not null" 1

sim set weld-01.discrete.0 1
wait_until 10 "safety event open" q_is "select kind from faults where device = 'weld-01'" safety
sim set weld-01.discrete.0 0
wait_until 10 "safety event cleared" q_is "select count(*) from faults where device = 'weld-01' and cleared_at is not null" 1

expect_eq "one row per fault" "$(q "select count(*) from faults")" 3
expect_eq "audit records" "$(q "select group_concat(action, ',') from (select action from audit order by seq)")" \
	"open,open,clear,open,clear"

daemon_stop

# holding 100 and 101 (alarm, mode) come in one request of two registers
expect_eq "holding read as one block" \
	"$(awk '$2 == "cnc-01" && $4 == 3 { print $5 "+" $6 }' "$T/requests.log" | sort -u)" "100+2"
expect_eq "function codes used" "$(awk '{ print $4 }' "$T/requests.log" | sort -u | tr '\n' ' ')" "2 3 4 "
expect_eq "run recorded as stopped" "$(q "select count(*) from runs where stopped_at is not null")" 1
echo PASS
