/*
 * store_change.c - every change to a fault row: a list of columns and values
 * that updates the row and becomes the detail of its audit record, appended
 * to the hash chain in the same transaction.
 */
#include "store_int.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "log.h"

/*
 * Changes to faults. A change is a list of columns and values; the same list
 * updates the row and becomes the audit record's detail, so that `verify`
 * can replay the audit trail and compare it with every row. Column names
 * come only from this file, never from input.
 */
const char *const store_change_cols[] = { "device", "point", "kind", "source", "code",
	"label", "lab", "assessment", "opened_at", "cleared_at", "acked_at", "acked_by",
	"ack_note", "repaired_at", "repaired_by", "action", "parts", "repair_logged_at",
	"dismissed_at", "dismissed_by", "dismiss_reason", "classification", "classified_at",
	"classified_by", "note", "repeat_of", NULL };
/*
 * The audit chain. store_change_audit runs inside the caller's transaction, so a
 * change and its record commit or vanish together.
 */
int
store_change_audit(struct store *st, int64_t at, int64_t fault_id, const char *action,
    const char *actor, const char *detail)
{
	char prev[AUDIT_HASH_LEN + 1] = AUDIT_GENESIS, hash[AUDIT_HASH_LEN + 1];
	sqlite3_stmt *s;
	int64_t seq = 1;
	int rc;

	if ((s = store_cached(st, Q_AUDIT_LAST)) == NULL)
		return -1;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *h = sqlite3_column_text(s, 1);
		seq = sqlite3_column_int64(s, 0) + 1;
		snprintf(prev, sizeof(prev), "%s", h ? (const char *)h : "");
	} else if (rc != SQLITE_DONE) {
		log_debug("database: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	sqlite3_reset(s);
	if (audit_hash(seq, at, fault_id, action, actor, detail, prev, hash) != 0) {
		log_warnx("audit: cannot compute SHA-256");
		return -1;
	}
	if ((s = store_cached(st, Q_AUDIT_INSERT)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_int64(s, 2, at);
	if (fault_id > 0)
		sqlite3_bind_int64(s, 3, fault_id);
	store_bind_text(s, 4, action);
	store_bind_text(s, 5, actor);
	store_bind_text(s, 6, detail);
	store_bind_text(s, 7, prev);
	store_bind_text(s, 8, hash);
	rc = store_step_done(st, s);
	sqlite3_reset(s);
	return rc;
}

static void
bind_cv(sqlite3_stmt *s, int i, const struct colval *cv)
{
	switch (cv->t) {
	case CV_INT:
		sqlite3_bind_int64(s, i, cv->i);
		break;
	case CV_REAL:
		sqlite3_bind_double(s, i, cv->d);
		break;
	case CV_TEXT:
		sqlite3_bind_text(s, i, cv->s, -1, SQLITE_TRANSIENT);
		break;
	default:
		sqlite3_bind_null(s, i);
		break;
	}
}

/* The detail of a change: its columns and values, then what `extra` adds
 * (who acted, a correction's old values and reason), which verify's replay
 * ignores because no fault column has those names. extra is consumed. */
static char *
change_json(const struct colval *cv, size_t n, cJSON *extra)
{
	cJSON *o = cJSON_CreateObject(), *it;
	char *out;

	if (o == NULL) {
		cJSON_Delete(extra);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		switch (cv[i].t) {
		case CV_INT:
			cJSON_AddNumberToObject(o, cv[i].col, (double)cv[i].i);
			break;
		case CV_REAL:
			cJSON_AddNumberToObject(o, cv[i].col, cv[i].d);
			break;
		case CV_TEXT:
			cJSON_AddStringToObject(o, cv[i].col, cv[i].s);
			break;
		default:
			cJSON_AddNullToObject(o, cv[i].col);
			break;
		}
	}
	while (extra && (it = extra->child) != NULL) {
		cJSON_DetachItemViaPointer(extra, it);
		cJSON_AddItemToObject(o, it->string, it);
	}
	cJSON_Delete(extra);
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return out;
}

/* store_change_apply: fault_id 0 inserts a new fault (its id in *id), otherwise
 * updates it; then appends the audit record. Inside the caller's transaction. */
int
store_change_apply(struct store *st, int64_t fault_id, const char *action, const char *actor,
    int64_t at, const struct colval *cv, size_t n, int64_t *id, cJSON *extra)
{
	char sql[1024], *detail;
	size_t len = 0;
	sqlite3_stmt *s;
	int rc;

	if (fault_id == 0) {
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "INSERT INTO faults (");
		for (size_t i = 0; i < n; i++)
			len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s%s", i ? ", " : "", cv[i].col);
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, ") VALUES (");
		for (size_t i = 0; i < n; i++)
			len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s?%zu", i ? ", " : "", i + 1);
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, ")");
	} else {
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "UPDATE faults SET ");
		for (size_t i = 0; i < n; i++)
			len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s%s = ?%zu", i ? ", " : "", cv[i].col, i + 1);
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, " WHERE id = ?%zu", n + 1);
	}
	if (len >= sizeof(sql) || (s = store_dyn_stmt(st, sql)) == NULL) {
		cJSON_Delete(extra);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		bind_cv(s, (int)i + 1, &cv[i]);
	if (fault_id != 0)
		sqlite3_bind_int64(s, (int)n + 1, fault_id);
	rc = store_step_done(st, s);
	sqlite3_reset(s);
	if (rc != 0) {
		cJSON_Delete(extra);
		return -1;
	}
	if (fault_id == 0)
		fault_id = sqlite3_last_insert_rowid(st->db);
	if (id)
		*id = fault_id;
	if ((detail = change_json(cv, n, extra)) == NULL)
		return -1;
	rc = store_change_audit(st, at, fault_id, action, actor, detail);
	cJSON_free(detail);
	return rc;
}
