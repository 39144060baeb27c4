#!/bin/sh
# Every message tbmctl shows people has its Chinese translation: the
# messages marked in the sources (xgettext) against po/zh_CN.po (msgcmp
# fails on one that is missing or untranslated).
set -eu
src=${1:?source directory}
command -v xgettext >/dev/null && command -v msgcmp >/dev/null || { echo "SKIP: gettext tools"; exit 77; }
pot=$(mktemp "${TMPDIR:-/tmp}/tbmon-pot.XXXXXX")
trap 'rm -f "$pot"' EXIT
xgettext --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ --keyword=P_:1,2 \
	-o "$pot" "$src"/tools/tbmctl/*.c 2>/dev/null
msgcmp "$src/po/zh_CN.po" "$pot"
echo "PASS: every message has its translation"
