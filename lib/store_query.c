/*
 * store_query.c - what the tools read: faults and their audit history, the
 * site, devices and runs, and the period queries of the indicators.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

const char *
fault_status(const struct fault *f)
{
	if (f->dismissed_at)
		return "dismissed";
	if (f->repaired_at)
		return "repaired";
	if (f->cleared_at)
		return "cleared";
	if (f->acked_at)
		return "acknowledged";
	return "open";
}

#define F(type, field) STORE_COL(type, struct fault, field)
/* FAULT_COLUMNS and fault_cols: the same columns in the same order. */
#define FAULT_COLUMNS "id, device, point, kind, source, code IS NOT NULL, code, label, lab, " \
	"assessment, opened_at, cleared_at, acked_at, repaired_at, dismissed_at, classified_at, " \
	"acked_by, ack_note, repaired_by, action, parts, dismissed_by, dismiss_reason, " \
	"classification, classified_by, note, repeat_of, repair_logged_at"
static const struct store_col fault_cols[] = {
	F(COL_INT64, id), F(COL_STR, device), F(COL_STR, point), F(COL_KIND, kind),
	F(COL_STR, source), F(COL_INT, has_code), F(COL_DOUBLE, code), F(COL_STR, label),
	F(COL_STR, lab), F(COL_INT, assessment), F(COL_TIME, opened_at), F(COL_TIME, cleared_at),
	F(COL_TIME, acked_at), F(COL_TIME, repaired_at), F(COL_TIME, dismissed_at),
	F(COL_TIME, classified_at), F(COL_STR, acked_by), F(COL_STR, ack_note),
	F(COL_STR, repaired_by), F(COL_STR, action), F(COL_STR, parts), F(COL_STR, dismissed_by),
	F(COL_STR, dismiss_reason), F(COL_STR, classification), F(COL_STR, classified_by),
	F(COL_STR, note), F(COL_TIME, repeat_of), F(COL_TIME, repair_logged_at), STORE_COL_END
};
#undef F

void
fault_clear(struct fault *f)
{
	store_row_clear(f, fault_cols);
	memset(f, 0, sizeof(*f));
}

int
store_faults(struct store *st, const struct fault_filter *flt, struct fault **out, size_t *n)
{
	sqlite3_stmt *s;

	/* One device's faults by the faults_device index: "?2 IS NULL OR device =
	 * ?2" would scan the table, a range on device can use the index (the
	 * range is every id when ?2 is NULL). */
	s = store_prepare(st, "SELECT " FAULT_COLUMNS " FROM faults WHERE "
	    "(?1 = 0 OR (cleared_at IS NULL AND repaired_at IS NULL AND dismissed_at IS NULL)) "
	    "AND device BETWEEN coalesce(?2, '') AND coalesce(?2, char(1114111)) "
	    "AND (?3 = 0 OR opened_at >= ?3) "
	    "AND (?4 = 0 OR opened_at < ?4) "
	    "AND (?5 = 0 OR (?5 >> CASE kind WHEN '" FK_FAULT_NAME "' THEN 0 WHEN '" FK_COMM_NAME "' THEN 1 "
	    "ELSE 2 END) & 1) "
	    "AND (?6 = 0 OR (repaired_at IS NULL AND dismissed_at IS NULL "
	    "     AND (cleared_at IS NULL OR kind <> '" FK_COMM_NAME "'))) "
	    "ORDER BY opened_at, id", "isIIii", flt->open_only, flt->device, flt->from_ms, flt->to_ms,
	    flt->kinds, flt->unresolved);
	return store_rows(st, s, sizeof(**out), 32, fault_cols, out, n);
}

void
store_faults_free(struct fault *v, size_t n)
{
	store_rows_free(v, n, sizeof(*v), fault_cols);
}

int
store_fault_get(struct store *st, int64_t id, struct fault *out)
{
	return store_row(st, store_prepare(st, "SELECT " FAULT_COLUMNS " FROM faults WHERE id = ?1",
	    "I", id), fault_cols, out, sizeof(*out));
}

#define A(type, field) STORE_COL(type, struct audit_rec, field)
const struct store_col store_audit_cols[] = {
	A(COL_INT64, seq), A(COL_INT64, at), A(COL_INT64, fault_id), A(COL_STR, action),
	A(COL_STR, actor), A(COL_STR, detail), A(COL_BUF, prev_hash), A(COL_BUF, hash),
	STORE_COL_END
};
#undef A

int
store_audit_for(struct store *st, int64_t fault_id, struct audit_rec **out, size_t *n)
{
	sqlite3_stmt *s;

	s = store_prepare(st, "SELECT seq, at, fault_id, action, actor, detail, prev_hash, hash "
	    "FROM audit WHERE fault_id = ?1 ORDER BY seq", "I", fault_id);
	return store_rows(st, s, sizeof(**out), 8, store_audit_cols, out, n);
}

void
store_audit_free(struct audit_rec *v, size_t n)
{
	store_rows_free(v, n, sizeof(*v), store_audit_cols);
}

const struct store_col store_site_cols[] = {
	STORE_COL(COL_STR, struct site_row, id), STORE_COL(COL_STR, struct site_row, name),
	STORE_COL(COL_STR, struct site_row, timezone), STORE_COL_END
};

int
store_site(struct store *st, struct site_row *out)
{
	memset(out, 0, sizeof(*out));
	return store_row(st, store_prep(st, "SELECT id, name, timezone FROM site WHERE one = 1"),
	    store_site_cols, out, sizeof(*out));
}

void
store_site_clear(struct site_row *s)
{
	store_row_clear(s, store_site_cols);
}

#define D(type, field) STORE_COL(type, struct device_row, field)
const struct store_col store_device_cols[] = {
	D(COL_STR, id), D(COL_STR, name), D(COL_STR, lab), D(COL_STR, protocol),
	D(COL_INT, assessment), D(COL_INT, in_config), D(COL_INT, open_faults),
	D(COL_INT, comm_open), D(COL_TIME, comm_since), STORE_COL_END
};
#undef D

int
store_devices(struct store *st, struct device_row **out, size_t *n)
{
	sqlite3_stmt *s;

	/* comm_open and comm_since: the oldest open comm fault (offline since) */
	s = store_prep(st, "SELECT id, name, lab, protocol, assessment, in_config, open_faults, "
	    "comm_since IS NOT NULL, comm_since FROM (SELECT d.id, d.name, d.lab, d.protocol, "
	    " d.assessment, d.in_config, "
	    " (SELECT count(*) FROM faults f WHERE f.device = d.id AND f.kind <> '" FK_COMM_NAME "' "
	    "   AND f.cleared_at IS NULL AND f.dismissed_at IS NULL) AS open_faults, "
	    " (SELECT min(opened_at) FROM faults f WHERE f.device = d.id AND f.kind = '" FK_COMM_NAME "' "
	    "   AND f.cleared_at IS NULL AND f.source = 'auto') AS comm_since "
	    "FROM devices d) ORDER BY in_config DESC, lab, id");
	return store_rows(st, s, sizeof(**out), 16, store_device_cols, out, n);
}

void
store_devices_free(struct device_row *v, size_t n)
{
	store_rows_free(v, n, sizeof(*v), store_device_cols);
}

#define P(type, field) STORE_COL(type, struct point_row, field)
static const struct store_col point_cols[] = {
	P(COL_STR, device), P(COL_STR, name), P(COL_STR, kind), P(COL_STR, label), P(COL_INT, in_config),
	STORE_COL_END
};
#undef P

int
store_points(struct store *st, struct point_row **out, size_t *n)
{
	return store_rows(st, store_prep(st, "SELECT device, name, kind, label, in_config FROM points "
	    "ORDER BY device, name"), sizeof(**out), 64, point_cols, out, n);
}

void
store_points_free(struct point_row *v, size_t n)
{
	store_rows_free(v, n, sizeof(*v), point_cols);
}

#define R(type, field) STORE_COL(type, struct run_row, field)
const struct store_col store_run_cols[] = {
	R(COL_INT64, id), R(COL_INT64, started_at), R(COL_INT64, alive_at), R(COL_TIME, stopped_at),
	STORE_COL_END
};
#undef R

int
store_last_run(struct store *st, struct run_row *out)
{
	memset(out, 0, sizeof(*out));
	return store_row(st, store_prep(st, "SELECT id, started_at, alive_at, stopped_at FROM runs "
	    "ORDER BY id DESC LIMIT 1"), store_run_cols, out, sizeof(*out));
}

/* ---- what the indicators read ---- */

int
store_runs(struct store *st, int64_t from_ms, int64_t to_ms, struct run_row **out, size_t *n)
{
	sqlite3_stmt *s;

	s = store_prepare(st, "SELECT id, started_at, alive_at, stopped_at FROM runs "
	    "WHERE started_at < ?2 AND coalesce(stopped_at, alive_at) >= ?1 ORDER BY started_at",
	    "II", from_ms, to_ms);
	return store_rows(st, s, sizeof(**out), 16, store_run_cols, out, n);
}

#define P(type, field) STORE_COL(type, struct period_fault, field)
const struct store_col store_period_fault_cols[] = {
	P(COL_INT64, id), P(COL_INT64, opened_at), P(COL_TIME, cleared_at), P(COL_TIME, repaired_at),
	P(COL_TIME, dismissed_at), P(COL_TIME, repeat_of), P(COL_KIND, kind), P(COL_INT, manual),
	P(COL_INT, assessment), P(COL_CLASS, cls), P(COL_BUF, device), P(COL_STR, label),
	STORE_COL_END
};
#undef P

int
store_period_fault_one(const void *row, void *arg)
{
	const struct period_fault_call *c = arg;

	return c->fn(row, c->arg);
}

int
store_each_period_fault(struct store *st, int64_t from_ms, int64_t to_ms, period_fault_fn fn,
    void *arg)
{
	struct period_fault row;
	sqlite3_stmt *s;

	s = store_prepare(st, "SELECT id, opened_at, cleared_at, repaired_at, dismissed_at, repeat_of, kind, "
	    "source = 'manual', assessment, classification, device, label FROM faults WHERE opened_at < ?2 "
	    "AND (opened_at >= ?1 OR coalesce(cleared_at, repaired_at, dismissed_at) IS NULL "
	    "     OR coalesce(cleared_at, repaired_at, dismissed_at) > ?1) ORDER BY device, opened_at",
	    "II", from_ms, to_ms);
	return store_each_row(st, s, store_period_fault_cols, &row, sizeof(row), store_period_fault_one,
	    &(struct period_fault_call){ fn, arg });
}

const struct store_col store_string_cols[] = { { COL_STR, 0, sizeof(char *) }, STORE_COL_END };

int
store_safety_devices(struct store *st, char ***ids, size_t *n)
{
	return store_rows(st, store_prep(st, "SELECT DISTINCT device FROM points WHERE kind = 'safety' "
	    "AND in_config = 1 ORDER BY device"), sizeof(**ids), 16, store_string_cols, ids, n);
}

void
store_strings_free(char **v, size_t n)
{
	store_rows_free(v, n, sizeof(*v), store_string_cols);
}
