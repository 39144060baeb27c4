#!/bin/bash
# completion.sh COMPLETION_DIR - the bash completion scripts parse, register
# their functions, and complete commands, options and fixed values. (Ids from
# a database are left out: that needs tbmctl and a database.)
set -uo pipefail
dir=$1
fail=0
bad() { echo "FAIL: $*"; fail=1; }
for f in "$dir"/tbmctl.bash "$dir"/tbm-report.bash "$dir"/tbm-collect.bash; do
	bash -n "$f" || bad "$f: syntax error"
done
# shellcheck source=/dev/null
source "$dir/tbmctl.bash" || bad "sourcing tbmctl.bash failed"
# shellcheck source=/dev/null
source "$dir/tbm-report.bash" || bad "sourcing tbm-report.bash failed"
complete -p tbmctl | grep -q -- '-F _tbmctl tbmctl' || bad "tbmctl is not registered"
complete -p tbm-report | grep -q -- '-F _tbm_report tbm-report' || bad "tbm-report is not registered"
# shellcheck source=/dev/null
source "$dir/tbm-collect.bash" || bad "sourcing tbm-collect.bash failed"
complete -p tbm-collect | grep -q -- '-F _tbm_collect tbm-collect' || bad "tbm-collect is not registered"

# complete FUNCTION EXPECTED WORD...: the last WORD is the one completed;
# EXPECTED is the sorted, space-separated answer.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() {
	local fn=$1 want=$2 got
	shift 2
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	"$fn" 2>/dev/null
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$want" ] || bad "[$*]: got '$got', expected '$want'"
}
check _tbmctl "ack amend classify dismiss faults incidents indicators reopen repair report show status top user verify" tbmctl ""
check _tbmctl "reopen repair report" tbmctl -d x.db re
check _tbmctl "--help -c -d" tbmctl -
check _tbmctl "--all --device --from --json --lab --month --open --to --year" tbmctl faults --
check _tbmctl "--by --from --json --lab --month --to --year" tbmctl top --
check _tbmctl "lab label" tbmctl top --by la
check _tbmctl "--action --at --by --json --parts" tbmctl -c /etc/tbmon/tbmond.conf repair 12 --
check _tbmctl "near-miss none" tbmctl classify 7 n
check _tbmctl "accident drill near-miss none" tbmctl classify 7 ""
check _tbmctl "--by --json --note" tbmctl classify 7 accident --
check _tbmctl "fault safety" tbmctl report cnc-01 --by wang --kind ""
check _tbmctl "--cutoff --from --json --lab --month --normal --to --year" tbmctl indicators --
check _tbmctl "--json" tbmctl verify ""
check _tbmctl "--json" tbmctl verify --
check _tbmctl "add disable enable key list passwd" tbmctl user ""
check _tbmctl "--by --revoke" tbmctl user key dash -
check _tbmctl "--by --display --lab --no-password --os-user --password-file --role" tbmctl user add wang --
check _tbmctl "manager technician viewer" tbmctl user add wang --role ""
check _tbmctl "" tbmctl repair 12 --by ""
mkdir -p "$tmp/eval/sub"
touch "$tmp/eval/evaluation.ini" "$tmp/eval/targets.csv"
check _tbm_report "csv html json md xlsx" tbm-report e.ini --format ""
check _tbm_report "--cutoff --format --from --help --period --to -o" tbm-report e.ini ""
check _tbm_report "--format --from" tbm-report e.ini --f
check _tbm_report "$tmp/eval/evaluation.ini $tmp/eval/sub" tbm-report "$tmp/eval/"
check _tbm_report "" tbm-report e.ini --cutoff ""
touch "$tmp/eval/collect.conf"
check _tbm_collect "status" tbm-collect ""
check _tbm_collect "--help -c -n" tbm-collect -
check _tbm_collect "status" tbm-collect -c /etc/tbmon/collect.conf s
check _tbm_collect "$tmp/eval/collect.conf $tmp/eval/sub" tbm-collect -c "$tmp/eval/"
check _tbm_collect "--json -c" tbm-collect status ""
check _tbm_collect "--json" tbm-collect -c x.conf status --j
check _tbm_collect "-c" tbm-collect -n ""
[ $fail = 0 ] && echo "bash completion OK"
exit $fail
