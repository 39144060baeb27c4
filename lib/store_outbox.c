/*
 * store_outbox.c - the MQTT outbox: audit records after a watermark, and the
 * meta table that keeps the watermark.
 */
#include "store_int.h"

#include <stdlib.h>

int
store_outbox(struct store *st, int64_t after_seq, size_t limit, struct outbox_rec **out, size_t *n)
{
	sqlite3_stmt *s;
	struct outbox_rec *v;
	size_t len = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (limit == 0)
		return 0;
	if ((v = calloc(limit, sizeof(*v))) == NULL)
		return -1;
	s = store_prep(st, "SELECT a.seq, a.at, a.fault_id, a.action, a.actor, a.detail, f.device, f.point, "
	    "f.kind, f.label, f.lab FROM audit a LEFT JOIN faults f ON f.id = a.fault_id "
	    "WHERE a.seq > ?1 ORDER BY a.seq LIMIT ?2");
	if (s == NULL) {
		free(v);
		return -1;
	}
	sqlite3_bind_int64(s, 1, after_seq);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && len < limit) {
		struct outbox_rec *r = &v[len++];
		r->seq = sqlite3_column_int64(s, 0);
		r->at = sqlite3_column_int64(s, 1);
		r->fault_id = sqlite3_column_int64(s, 2);
		r->action = store_col_str(s, 3);
		r->actor = store_col_str(s, 4);
		r->detail = store_col_str(s, 5);
		r->device = store_col_str(s, 6);
		r->point = store_col_str(s, 7);
		r->kind = store_col_str(s, 8);
		r->label = store_col_str(s, 9);
		r->lab = store_col_str(s, 10);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_outbox_free(v, len);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

void
store_outbox_free(struct outbox_rec *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].action);
		free(v[i].actor);
		free(v[i].detail);
		free(v[i].device);
		free(v[i].point);
		free(v[i].kind);
		free(v[i].label);
		free(v[i].lab);
	}
	free(v);
}

int
store_meta_int(struct store *st, const char *key, int64_t *v)
{
	sqlite3_stmt *s;
	int rc, found = 0;

	if ((s = store_prep(st, "SELECT value FROM meta WHERE key = ?1")) == NULL)
		return -1;
	store_bind_text(s, 1, key);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*v = sqlite3_column_int64(s, 0);
		found = 1;
	} else if (rc != SQLITE_DONE)
		found = -1;
	sqlite3_finalize(s);
	return found;
}

int
store_set_meta_int(struct store *st, const char *key, int64_t v)
{
	sqlite3_stmt *s;
	int rc;

	s = store_prep(st, "INSERT INTO meta (key, value) VALUES (?1, ?2) "
	    "ON CONFLICT (key) DO UPDATE SET value = ?2");
	if (s == NULL)
		return -1;
	store_bind_text(s, 1, key);
	sqlite3_bind_int64(s, 2, v);
	rc = store_step_done(st, s);
	sqlite3_finalize(s);
	return rc;
}
