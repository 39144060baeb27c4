#!/bin/bash
# Communication loss opens a comm fault after offline_after failed polls and
# clears on the next good read; while the device is offline its points keep
# their state (no value is made up, nothing clears). A restart adopts open
# faults: no duplicates, and a fault that cleared while tbmond was down
# clears on the first good reading.
. "$(dirname "$0")/lib.sh"

cat >"$T/base.sim" <<SIM
[server a]
listen = 127.0.0.1:0
[device cnc-01]
server = a
unit = 1
holding 100 = 0
SIM
sim_start "$T/base.sim"

cat >"$T/tbmond.conf" <<CONF
[site]
id = test
[daemon]
database = tbmon.db
[device cnc-01]
lab = 数控加工实训室
protocol = modbus-tcp
host = 127.0.0.1
port = $PORT_a
unit = 1
interval = 100ms
timeout = 200ms
offline_after = 3
[point cnc-01.alarm]
read = holding 100
when = value != 0
CONF
open_alarm="select count(*) from faults where point = 'alarm' and cleared_at is null"
open_comm="select count(*) from faults where point = 'comm' and cleared_at is null"

daemon_start
sim set cnc-01.holding.100 7
wait_until 10 "alarm open" q_is "$open_alarm" 1

# silence: a comm fault opens; the alarm register drops to 0 meanwhile but
# tbmond cannot see it, so the alarm must stay open
sim behave cnc-01 silent
sim set cnc-01.holding.100 0
wait_until 10 "comm fault open" q_is "$open_comm" 1
n=$(polls_of cnc-01)
wait_until 10 "polls while silent" polled_after cnc-01 $((n + 2))
expect_eq "alarm kept while offline" "$(q "$open_alarm")" 1
expect_eq "comm label" "$(q "select kind || '|' || label from faults where point = 'comm'")" "comm|通信中断"

sim behave cnc-01 normal
wait_until 40 "comm fault cleared" q_is "$open_comm" 0
wait_until 10 "alarm cleared after reconnect" q_is "$open_alarm" 0

# restart during an open fault: still exactly one fault, still open
sim set cnc-01.holding.100 9
wait_until 10 "alarm open again" q_is "$open_alarm" 1
daemon_stop
daemon_start
n=$(polls_of cnc-01)
wait_until 10 "polled after restart" polled_after cnc-01 $((n + 5))
expect_eq "faults on alarm after restart" "$(q "select count(*) from faults where point = 'alarm'")" 2
expect_eq "open alarm faults after restart" "$(q "$open_alarm")" 1

# cleared while the daemon was down: clears on the first good reading
daemon_stop
sim set cnc-01.holding.100 0
daemon_start
wait_until 10 "adopted fault cleared" q_is "$open_alarm" 0
expect_eq "faults on alarm in all" "$(q "select count(*) from faults where point = 'alarm'")" 2

# comm fault open across a restart: adopted, cleared by the first good read
sim behave cnc-01 silent
wait_until 10 "comm fault open" q_is "$open_comm" 1
daemon_stop
sim behave cnc-01 normal
daemon_start
wait_until 10 "adopted comm fault cleared" q_is "$open_comm" 0
expect_eq "comm faults in all" "$(q "select count(*) from faults where point = 'comm'")" 2
daemon_stop
expect_eq "runs" "$(q "select count(*) from runs where stopped_at is not null")" 4
echo PASS
