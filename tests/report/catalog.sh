#!/bin/sh
# Every message tbm-report shows people (and tbm-sim's count of a scenario's
# errors), and the complaints every INI reader shares (lib/inifile.c and the
# value checks of lib/config_value.c), has its Chinese translation: the messages marked in the sources (xgettext) against
# po/zh_CN.po (msgcmp fails on one that is missing), and the catalog's
# formats match their messages' (msgfmt --check-format).
set -eu
src=${1:?source directory}
command -v xgettext >/dev/null && command -v msgcmp >/dev/null && command -v msgfmt >/dev/null ||
	{ echo "SKIP: gettext tools"; exit 77; }
pot=$(mktemp "${TMPDIR:-/tmp}/tbm-report-pot.XXXXXX")
trap 'rm -f "$pot" "$pot.err"' EXIT
xgettext --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ --keyword=P_:1,2 -o "$pot" \
	"$src"/tools/tbm-report/*.c "$src"/tools/tbm-sim/*.c "$src"/lib/inifile.c \
	"$src"/lib/config_value.c 2>/dev/null
# (tbmctl's messages are in the same catalog: "not used" here is fine)
if ! msgcmp "$src/po/zh_CN.po" "$pot" 2>"$pot.err"; then
	grep -v 'this message is not used' "$pot.err" >&2
	exit 1
fi
msgfmt -c --check-format -o /dev/null "$src/po/zh_CN.po"
echo "PASS: every message has its translation"
