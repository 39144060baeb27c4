# storm.sh - an event storm for tbm-sim and tbmond (sourced after lib.sh).
# storm_files DEVICES REGS: $T/storm.sim where every one of DEVICES x REGS
# holding registers flips between 0 and a value every 200 ms (half of them
# out of phase; the timeline loops), and the matching [device]/[point]
# sections in $T/storm.conf (polled every 50 ms, one read per device).
# storm_sim_start: runs it with its stdout in a file (sim_start's coproc
# would fill up with the timeline's lines and stall tbm-sim); sets PORT_s.
storm_files() {
	local nd=$1 nr=$2 d r v step
	{
		printf '[sim]\nloop = 400ms\n[server s]\nlisten = 127.0.0.1:0\n'
		for d in $(seq 1 "$nd"); do
			printf '[device s%d]\nserver = s\nunit = %d\n' "$d" "$d"
			for r in $(seq 0 $((nr - 1))); do printf 'holding %d = 0\n' "$r"; done
		done
		for step in 100 300; do
			printf '[at %dms]\n' $step
			for d in $(seq 1 "$nd"); do
				for r in $(seq 0 $((nr - 1))); do
					v=$(( (step == 100) == (r % 2 == 0) ? d * 1000 + r + 1 : 0 ))
					printf 's%d.holding.%d = %d\n' "$d" "$r" "$v"
				done
			done
		done
	} >"$T/storm.sim"
	{
		for d in $(seq 1 "$nd"); do
			printf '[device s%d]\nassessment = yes\nprotocol = modbus-tcp\nhost = 127.0.0.1\nport = @PORT@\nunit = %d\ninterval = 50ms\ntimeout = 500ms\noffline_after = 3\n' "$d" "$d"
			for r in $(seq 0 $((nr - 1))); do
				printf '[point s%d.r%d]\nread = holding %d\nwhen = value != 0\n' "$d" "$r" "$r"
			done
		done
	} >"$T/storm.conf"
}

storm_sim_start() {
	"$TBMSIM" --log-requests "$T/requests.log" "$T/storm.sim" >"$T/storm.out" 2>"$T/storm.err" &
	PIDS+=($!)
	wait_until 20 "tbm-sim ready" grep -q "^ready" "$T/storm.out"
	PORT_s=$(awk '$1 == "listening" && $2 == "s" { sub(/.*:/, "", $3); print $3 }' "$T/storm.out")
	sed -i "s/@PORT@/$PORT_s/" "$T/storm.conf"
}
