#!/bin/sh
# tbm-report speaks the locale's language like tbmctl: a bad evaluation file,
# a targets.csv with a wrong column and a bad option, under a Chinese locale
# (the catalog as built, through TBMON_LOCALEDIR) in Chinese, under C in
# English; every line keeps its FILE:LINE and the names written in the file.
# The whole of stderr is compared, so a message left out of the catalog, a
# catalog that is not found, or English leaking into Chinese all fail.
#
# With TBM_SIM, a scenario's unknown key too: lib/inifile.c's complaint is
# worded alike in tbm-report and tbm-sim.
#
# usage: i18n.sh TBM_REPORT LOCALEDIR [TBM_SIM]
set -u
tbm=${1:?tbm-report}
localedir=${2:?build locale directory}
sim=${3:-}
if [ ! -f "$localedir/zh_CN/LC_MESSAGES/tbmon.mo" ]; then
	echo "SKIP: no zh_CN catalog built (msgfmt missing)"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tbm-report-i18n.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0

# one locale's run: LANG as given, nothing else naming a language
run() {
	lang=$1
	shift
	prog=$tbm
	if [ "$1" = "--sim" ]; then
		prog=$sim
		shift
	fi
	env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LANG="$lang" TBMON_LOCALEDIR="$localedir" \
	    "$prog" "$@" >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
}

# check WHAT EXIT: stderr against $tmp/want, and the exit status
check() {
	if [ "$(cat "$tmp/rc")" != "$2" ]; then
		echo "FAIL: $1: exit $(cat "$tmp/rc"), wanted $2"
		fail=1
	fi
	if ! diff -u "$tmp/want" "$tmp/err"; then
		echo "FAIL: $1: stderr differs (above: - wanted, + got)"
		fail=1
	fi
}

printf '[evaluation]\ndepartment = 测试局\nyear = 2023\nnormal_availability = 95\n'\
'targets = targets.csv\nbudget = budget.csv\n' >"$tmp/e.ini"
printf '[evaluation]\npolicy = 测试专项资金\ndepartment = 测试局\nperiod = 2023\n'\
'targets = targets.csv\nbudget = budget.csv\n' >"$tmp/good.ini"
printf '一级指标,二级指标,三级指标,指标值,分值,备注\n产出指标,数量指标,培训人次,≥1000人次,50,x\n' \
    >"$tmp/targets.csv"
printf '子项目名称,全年预算数,全年执行数\n甲,100,90\n' >"$tmp/budget.csv"

# --- the evaluation file
run zh_CN.UTF-8 "$tmp/e.ini"
cat >"$tmp/want" <<W
$tmp/e.ini:3: 未知的键 'year'（在 [evaluation] 中）
$tmp/e.ini:4: normal_availability：'95' 不是介于 (0, 1] 的小数（0.95 = 95%）
$tmp/e.ini: 缺少 policy =（政策名称）
tbm-report: 共 3 个错误
W
check "evaluation file (zh_CN)" 1
run C "$tmp/e.ini"
cat >"$tmp/want" <<W
$tmp/e.ini:3: unknown key 'year' in [evaluation]
$tmp/e.ini:4: normal_availability: '95' is not a fraction in (0, 1] (0.95 = 95%)
$tmp/e.ini: policy = is missing (政策名称)
tbm-report: 3 errors
W
check "evaluation file (C)" 1

# --- a CSV with a wrong column
run zh_CN.UTF-8 "$tmp/good.ini"
cat >"$tmp/want" <<W
$tmp/targets.csv:1: 未知的列“备注”
$tmp/targets.csv:1: 缺少“来源”列
tbm-report: 共 2 个错误
W
check "targets.csv columns (zh_CN)" 1
run C "$tmp/good.ini"
cat >"$tmp/want" <<W
$tmp/targets.csv:1: unknown column '备注'
$tmp/targets.csv:1: column '来源' is missing
tbm-report: 2 errors
W
check "targets.csv columns (C)" 1

# --- the command line: the option, then the usage
run zh_CN.UTF-8 --bogus "$tmp/good.ini"
head -n 2 "$tmp/err" >"$tmp/err2" && mv "$tmp/err2" "$tmp/err"
printf 'tbm-report: 未知选项 --bogus\n用法：tbm-report EVALUATION.ini [--format md|html|csv|xlsx|json] [-o FILE]\n' \
    >"$tmp/want"
check "unknown option (zh_CN)" 2
run C --bogus "$tmp/good.ini"
head -n 2 "$tmp/err" >"$tmp/err2" && mv "$tmp/err2" "$tmp/err"
printf 'tbm-report: unknown option --bogus\nusage: tbm-report EVALUATION.ini [--format md|html|csv|xlsx|json] [-o FILE]\n' \
    >"$tmp/want"
check "unknown option (C)" 2

# --- the C library's words (strerror): in whichever language it has them,
# never as question marks (a character type that cannot show Chinese)
run zh_CN.UTF-8 "$tmp/none.ini"
if ! grep -q "^$tmp/none.ini: ." "$tmp/err" || grep -q '?' "$tmp/err"; then
	echo "FAIL: a missing file (zh_CN): $(cat "$tmp/err")"
	fail=1
fi

# --- the same complaint from tbm-sim's scenario reader
if [ -n "$sim" ]; then
	printf '[sim]\nyear = 2023\n' >"$tmp/s.ini"
	run zh_CN.UTF-8 --sim -n "$tmp/s.ini"
	printf "%s:2: 未知的键 'year'（在 [sim] 中；可用：loop）\n%s: 共 1 个错误\n" "$tmp/s.ini" \
	    "$tmp/s.ini" >"$tmp/want"
	check "tbm-sim scenario (zh_CN)" 2
	run C --sim -n "$tmp/s.ini"
	printf "%s:2: unknown key 'year' in [sim] (loop)\n%s: 1 error\n" "$tmp/s.ini" "$tmp/s.ini" \
	    >"$tmp/want"
	check "tbm-sim scenario (C)" 2
fi

[ $fail -eq 0 ] && echo "PASS: tbm-report in Chinese and in English"
exit $fail
