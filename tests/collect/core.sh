#!/bin/bash
# The central collection end to end, every part real: PostgreSQL, a central
# mosquitto and one bridged broker per base, two tbmond bases on tbm-sim,
# tbm-collect. Every record of both bases arrives once, in the chain; the
# fault rows rebuilt by replay equal the bases'; bad input (invalid JSON, a
# record of a site before its config, a bad hash, a seq from the future) is
# kept aside and shown, never stored as good.
. "$(dirname "$0")/lib.sh"

centre_start a b

collect_conf "$T/collect.conf"
"$TBMCOLLECT" -n -c "$T/collect.conf" | grep -q "configuration OK" || fail "tbm-collect -n"
collect_start collect

# bad input before any base is known: kept aside
pubc() { mosquitto_pub -p "$CENTRAL_PORT" -q 1 "$@"; }
pubc -t tbmon/a/events -m 'not json {'
printf '{"audit": "\xff\xfe"}' >"$T/notutf8"
pubc -t tbmon/a/events -f "$T/notutf8"
pubc -t tbmon/ghost/events -m "$($PY "$COLLECT_DIR/mkrecord.py" ghost 1 "$(printf '0%.0s' {1..64})")"
wait_until 10 "invalid JSON kept aside" pg_has "select 1 from aside where kind = 'invalid' and site = 'a'"
wait_until 10 "a message that is not UTF-8 kept aside" pg_has "select 1 from aside where kind = 'invalid' and message like '%not UTF-8%'"
wait_until 10 "unknown site kept aside" pg_has "select 1 from aside where kind = 'unknown-site' and site = 'ghost'"

bases_start a b
wait_until 20 "site a's config at the centre" pg_has "select 1 from sites where site = 'a' and config is not null"
wait_until 20 "records of a" pg_has "select 1 from audit where site = 'a' and seq > 30"
wait_until 20 "records of b" pg_has "select 1 from audit where site = 'b' and seq > 30"

# people's changes travel and replay too
fid=$(sqlite_q a "select id from faults where kind = 'fault' order by id limit 1")
ctl_a() { "$TBMCTL" -c "$T/a/tbmond.conf" "$@" >/dev/null || fail "tbmctl $*"; }
ctl_a user add 张主任 --role manager --no-password
ctl_a user add 张三 --role technician --no-password --by 张主任
ctl_a ack "$fid" --by 张三
ctl_a repair "$fid" --by 张三 --action "换编码器" --parts "编码器 x1"
ctl_a amend "$fid" --by 张三 --action "换主轴编码器" --reason "写错了部件"
wait_until 20 "the amended repair at the centre" pg_has "select 1 from faults where site = 'a' and id = $fid and action = '换主轴编码器'"

# bad input from a known site: a bad hash, a seq from the future
head=$(psql_q "select hash from audit where site = 'a' order by seq desc limit 1")
pubc -t tbmon/a/events -m "$($PY "$COLLECT_DIR/mkrecord.py" a 1000000000 "$head")"
pubc -t tbmon/a/events -m "$($PY "$COLLECT_DIR/mkrecord.py" a 5 "$head" --bad-hash)"
wait_until 10 "a seq from the future kept aside" pg_has "select 1 from aside where kind = 'future' and seq = 1000000000"
wait_until 10 "a bad hash kept aside" pg_has "select 1 from aside where kind = 'bad-hash' and site = 'a'"

bases_stop_and_compare a b
wait_until 10 "a's last run at the centre" pg_has "select 1 from runs where site = 'a' and stopped_at is not null"
expect_eq "runs of a as the base has them" "$(psql_q "select string_agg(id || ':' || started_at || ':' || stopped_at, ',' order by id) from runs where site = 'a'")" \
	"$(sqlite_q a "select group_concat(id || ':' || started_at || ':' || stopped_at, ',') from (select * from runs order by id)")"
expect_eq "the repair replayed" "$(psql_q "select repaired_by || '/' || action from faults where site = 'a' and id = $fid")" "张三/换主轴编码器"
expect_eq "nothing bad stored as good" "$(psql_q "select count(*) from audit where seq >= 1000000000 or site = 'ghost'")" 0
expect_eq "no tamper alarm" "$(psql_q "select count(*) from aside where kind = 'tamper'")" 0

# status: sites, last seq, nothing missing, what was kept aside
"$TBMCOLLECT" -c "$T/collect.conf" status >"$T/status.txt" || fail "status"
grep -Eq "^a +$(sqlite_q a "select max(seq) from audit") +[0-9]+ +0 " "$T/status.txt" || fail "status of a: $(cat "$T/status.txt")"
grep -q "future" "$T/status.txt" || fail "status does not show what was kept aside"
"$TBMCOLLECT" -c "$T/collect.conf" status --json >"$T/status.json" || fail "status --json"
expect_eq "status --json" "$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sorted((s["site"], s["missing"]) for s in d["sites"] if s["config"]), len(d["kept_aside"]))' "$T/status.json")" \
	"[('a', 0), ('b', 0)] 5"

# tbm-report: the same figures for both bases from PostgreSQL as from their SQLite files
EVAL=$COLLECT_DIR/../../config/evaluation/2023
mkdir -p "$T/eval"
# a period that has ended: figures of a running year move with the clock
now_iso() { date -u +%Y-%m-%dT%H:%M:%S+00:00; }
passed() { [ "$(now_iso)" != "$1" ]; }
TO=$(now_iso)
wait_until 5 "the period's end to pass" passed "$TO"
cp "$EVAL"/*.csv "$T/eval/"
for src in sqlite pg; do
	if [ $src = sqlite ]; then dbs="$T/a/tbmon.db, $T/b/tbmon.db"
	else dbs="$DB&site=a, $DB&site=b"; fi
	dbs=${dbs//&/\\&}   # & in a sed replacement is the match
	sed -e "s|^databases = .*|databases = $dbs|" "$EVAL/evaluation.ini" >"$T/eval/$src.ini"
	"$TBMREPORT" "$T/eval/$src.ini" --from "$(date +%Y)-01-01" --to "$TO" --format json -o "$T/eval/$src.json" 2>"$T/eval/$src.err" ||
		fail "tbm-report from $src: $(cat "$T/eval/$src.err")"
done
# what differs is only where each base was read from
$PY - "$T/eval/sqlite.json" "$T/eval/pg.json" <<'PY' || fail "tbm-report differs between SQLite and PostgreSQL"
import json, sys
def load(p):
    d = json.load(open(p))
    def strip(o):
        if isinstance(o, dict):
            return {k: strip(v) for k, v in o.items() if k not in ("path", "database", "generated_at")}
        if isinstance(o, list):
            return [strip(v) for v in o]
        return o
    return strip(d)
a, b = load(sys.argv[1]), load(sys.argv[2])
if a != b:
    for k in a:
        if a.get(k) != b.get(k):
            print("differs:", k, json.dumps(a.get(k), ensure_ascii=False)[:300], "|", json.dumps(b.get(k), ensure_ascii=False)[:300])
    sys.exit(1)
PY
grep -q '"faults"' "$T/eval/pg.json" || fail "no equipment figures in the report"
echo "ok: tbm-report gives the same figures from PostgreSQL as from the SQLite files"
collect_stop collect
echo "PASS"
