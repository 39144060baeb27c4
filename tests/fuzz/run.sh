#!/bin/bash
# run.sh BUILD_DIR [SECONDS] [HARNESS...]: a longer libFuzzer run of each
# harness (default 300 s each, one after the other), corpus kept in
# BUILD_DIR/tests/fuzz/work/NAME, and a one-line summary per harness:
# executions, coverage (cov:, ft:), corpus size and crashes found.
set -uo pipefail
B=${1:?usage: run.sh BUILD_DIR [SECONDS] [HARNESS...]}
SECS=${2:-300}
shift $(( $# >= 2 ? 2 : 1 ))
SRC=$(cd "$(dirname "$0")" && pwd)
NAMES=("$@")
[ ${#NAMES[@]} -gt 0 ] || NAMES=(config jsonpath decode mbap csv target web record)
for n in "${NAMES[@]}"; do
	bin=$B/tests/fuzz/fuzz_$n
	[ -x "$bin" ] || { echo "$n: $bin not built (CC=clang, -DTBM_FUZZ=ON)"; continue; }
	w=$B/tests/fuzz/work/$n
	mkdir -p "$w/corpus" "$w/artifacts"
	"$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$w/artifacts/" "$w/corpus" "$SRC/corpus/$n" >"$w/run.log" 2>&1
	rc=$?
	last=$(grep -E '^#[0-9]+' "$w/run.log" | tail -1)
	execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$w/run.log" | grep -o '[0-9]*$')
	cov=$(echo "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*')
	ft=$(echo "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*')
	corp=$(echo "$last" | grep -o 'corp: [0-9]*' | grep -o '[0-9]*')
	crashes=$(find "$w/artifacts" -type f | wc -l)
	echo "$n: exit $rc, ${execs:-?} executions in ${SECS}s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}, crashes $crashes"
done
