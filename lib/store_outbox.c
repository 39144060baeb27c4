/*
 * store_outbox.c - the MQTT outbox: audit records after a watermark, and the
 * meta table that keeps the watermark.
 */
#include "store_int.h"

#include <string.h>

#define O(type, field) STORE_COL(type, struct outbox_rec, field)
static const struct store_col outbox_cols[] = {
	O(COL_INT64, seq), O(COL_INT64, at), O(COL_INT64, fault_id), O(COL_STR, action),
	O(COL_STR, actor), O(COL_STR, detail), O(COL_STR, device), O(COL_STR, point),
	O(COL_STR, kind), O(COL_STR, label), O(COL_STR, lab), STORE_COL_END
};
#undef O

int
store_outbox(struct store *st, int64_t after_seq, size_t limit, struct outbox_rec **out, size_t *n)
{
	sqlite3_stmt *s;

	*out = NULL;
	*n = 0;
	if (limit == 0)
		return 0;
	s = store_prepare(st, "SELECT a.seq, a.at, a.fault_id, a.action, a.actor, a.detail, f.device, f.point, "
	    "f.kind, f.label, f.lab FROM audit a LEFT JOIN faults f ON f.id = a.fault_id "
	    "WHERE a.seq > ?1 ORDER BY a.seq LIMIT ?2", "II", after_seq, (int64_t)limit);
	/* room for the whole batch at once: LIMIT caps the rows */
	return store_rows(st, s, sizeof(**out), limit, outbox_cols, out, n);
}

void
store_outbox_free(struct outbox_rec *v, size_t n)
{
	store_rows_free(v, n, sizeof(*v), outbox_cols);
}

int
store_meta_int(struct store *st, const char *key, int64_t *v)
{
	return store_row(st, store_prepare(st, "SELECT value FROM meta WHERE key = ?1", "s", key),
	    store_int64_col, v, sizeof(*v));
}

int
store_set_meta_int(struct store *st, const char *key, int64_t v)
{
	return store_once(st, store_prepare(st, "INSERT INTO meta (key, value) VALUES (?1, ?2) "
	    "ON CONFLICT (key) DO UPDATE SET value = ?2", "sI", key, v));
}

int64_t
store_audit_last_seq(struct store *st)
{
	sqlite3_stmt *s;
	int64_t v = -1;

	if ((s = store_prep(st, "SELECT coalesce(max(seq), 0) FROM audit")) == NULL)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}
