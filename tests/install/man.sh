#!/bin/bash
# man.sh MAN_BUILD_DIR PAGE... - each generated manual page renders without
# a single warning: with man-db's `man --warnings -l` (which also runs
# preconv for the UTF-8 text), or groff -ww where man is missing; whatis
# can parse its NAME line (lexgrog), and the compressed copy is the same.
set -uo pipefail
dir=$1
shift
[ $# -gt 0 ] || { echo "FAIL: no pages to check"; exit 1; }
fail=0
bad() { echo "FAIL: $*"; fail=1; }
if command -v man >/dev/null && man --version >/dev/null 2>&1; then
	render() { MANWIDTH=80 man --warnings -l "$1" 2>"$2" >/dev/null; }
	how="man --warnings -l"
elif command -v groff >/dev/null; then
	render() { groff -man -ww -k -Tutf8 -z "$1" 2>"$2"; }
	how="groff -man -ww"
else
	echo "SKIP: neither man (man-db) nor groff (groff-base) is installed"
	exit 77
fi
err=$(mktemp)
trap 'rm -f "$err"' EXIT
for page in "$@"; do
	f=$dir/$page
	[ -f "$f" ] || { bad "$f is missing"; continue; }
	if ! render "$f" "$err"; then
		bad "$page: $how failed"
	fi
	if [ -s "$err" ]; then
		bad "$page: warnings from $how:"
		sed 's/^/    /' "$err"
	fi
	# .TH title and section match the file name
	sec=${page##*.}
	name=${page%.*}
	th=$(grep -m1 '^\.TH ' "$f")
	echo "$th" | grep -qiE "^\.TH \"?${name//-/\\\\-}\"? $sec( |\$)" || bad "$page: $th"
	if command -v lexgrog >/dev/null; then
		lexgrog "$f" >/dev/null 2>&1 || bad "$page: lexgrog cannot read its NAME section"
	fi
	if [ -f "$f.gz" ]; then
		gzip -dc "$f.gz" | cmp -s - "$f" || bad "$page.gz is not $page"
	fi
	for s in NAME SYNOPSIS DESCRIPTION "SEE ALSO"; do
		grep -q "^\.SH \"\{0,1\}$s" "$f" || bad "$page has no $s section"
	done
done
[ $fail = 0 ] && echo "$# manual pages render without warnings ($how)"
exit $fail
