#!/bin/bash
# test.sh - installs what is missing, builds tbmon twice (normal, and with
# AddressSanitizer + UBSan), runs every test in both, then a short run of
# each libFuzzer harness (clang), and prints the summaries.
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
# the fuzz harnesses: 10 s each on their seed corpora (longer: tests/fuzz/run.sh)
if command -v clang >/dev/null; then
	dir=build-test-fuzz
	CC=clang cmake -S . -B "$dir" -DTBM_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$dir" -j"$jobs" --target fuzz_config fuzz_jsonpath fuzz_decode fuzz_mbap fuzz_csv fuzz_target fuzz_web fuzz_record
	log=$(mktemp)
	if ctest --test-dir "$dir" -R '^fuzz\.' -j"$jobs" --output-on-failure 2>&1 | tee "$log"; then :; else status=1; fi
	grep -q "tests passed" "$log" || status=1
	summary+="fuzz: $(grep -E 'tests passed|tests failed' "$log" | tail -1)"$'\n'
	rm -f "$log"
fi
printf '\n== test summary ==\n%s' "$summary"
[ -d build-test-normal/tests/web/screenshots ] &&
	echo "tbm-web screenshots (390 px wide): build-test-normal/tests/web/screenshots/"
exit $status
