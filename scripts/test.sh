#!/bin/bash
# test.sh - installs what is missing, builds tbmon twice (normal, and with
# AddressSanitizer + UBSan), runs every test in both, and prints the summaries.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)
status=0
summary=""
for variant in normal sanitize; do
	dir=build-test-$variant
	flags=(-DTBM_WERROR=ON)
	[ $variant = sanitize ] && flags+=(-DTBM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
	cmake -S . -B "$dir" "${flags[@]}" >/dev/null
	cmake --build "$dir" -j"$jobs"
	log=$(mktemp)
	if ctest --test-dir "$dir" --output-on-failure -j"$jobs" --timeout 300 2>&1 | tee "$log"; then :; else status=1; fi
	grep -q "tests passed" "$log" || status=1
	summary+="$variant: $(grep -E 'tests passed|tests failed' "$log" | tail -1)"$'\n'
	rm -f "$log"
done
printf '\n== test summary ==\n%s' "$summary"
exit $status
