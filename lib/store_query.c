/*
 * store_query.c - what the tools read: faults and their audit history, the
 * site, devices and runs, and the period queries of the indicators.
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

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

void
fault_clear(struct fault *f)
{
	char **strs[] = { &f->device, &f->point, &f->source, &f->label, &f->lab, &f->acked_by,
		&f->ack_note, &f->repaired_by, &f->action, &f->parts, &f->dismissed_by,
		&f->dismiss_reason, &f->classification, &f->classified_by, &f->note };

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	memset(f, 0, sizeof(*f));
}

#define FAULT_COLUMNS "id, device, point, kind, source, code, label, lab, assessment, " \
	"opened_at, cleared_at, acked_at, repaired_at, dismissed_at, classified_at, " \
	"acked_by, ack_note, repaired_by, action, parts, dismissed_by, dismiss_reason, " \
	"classification, classified_by, note, repeat_of, repair_logged_at"

static int
fault_from_row(sqlite3_stmt *s, struct fault *f)
{
	int k;

	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(s, 0);
	f->device = store_col_str(s, 1);
	f->point = store_col_str(s, 2);
	k = fault_kind_parse((const char *)sqlite3_column_text(s, 3));
	f->kind = k < 0 ? FK_FAULT : (enum fault_kind)k;
	f->source = store_col_str(s, 4);
	f->has_code = sqlite3_column_type(s, 5) != SQLITE_NULL;
	f->code = sqlite3_column_double(s, 5);
	f->label = store_col_str(s, 6);
	f->lab = store_col_str(s, 7);
	f->assessment = sqlite3_column_int(s, 8);
	f->opened_at = store_col_time(s, 9);
	f->cleared_at = store_col_time(s, 10);
	f->acked_at = store_col_time(s, 11);
	f->repaired_at = store_col_time(s, 12);
	f->dismissed_at = store_col_time(s, 13);
	f->classified_at = store_col_time(s, 14);
	f->acked_by = store_col_str(s, 15);
	f->ack_note = store_col_str(s, 16);
	f->repaired_by = store_col_str(s, 17);
	f->action = store_col_str(s, 18);
	f->parts = store_col_str(s, 19);
	f->dismissed_by = store_col_str(s, 20);
	f->dismiss_reason = store_col_str(s, 21);
	f->classification = store_col_str(s, 22);
	f->classified_by = store_col_str(s, 23);
	f->note = store_col_str(s, 24);
	f->repeat_of = sqlite3_column_type(s, 25) == SQLITE_NULL ? 0 : sqlite3_column_int64(s, 25);
	f->repair_logged_at = store_col_time(s, 26);
	if (f->device == NULL || f->point == NULL || f->source == NULL) {
		fault_clear(f);
		return -1;
	}
	return 0;
}

int
store_faults(struct store *st, const struct fault_filter *flt, struct fault **out, size_t *n)
{
	sqlite3_stmt *s;
	struct fault *v = NULL;
	size_t cap = 0, len = 0;
	int rc;

	*out = NULL;
	*n = 0;
	s = store_prep(st, "SELECT " FAULT_COLUMNS " FROM faults WHERE "
	    "(?1 = 0 OR (cleared_at IS NULL AND repaired_at IS NULL AND dismissed_at IS NULL)) "
	    "AND (?2 IS NULL OR device = ?2) AND (?3 = 0 OR opened_at >= ?3) "
	    "AND (?4 = 0 OR opened_at < ?4) "
	    "AND (?5 = 0 OR (?5 >> CASE kind WHEN '" FK_FAULT_NAME "' THEN 0 WHEN '" FK_COMM_NAME "' THEN 1 "
	    "ELSE 2 END) & 1) "
	    "AND (?6 = 0 OR (repaired_at IS NULL AND dismissed_at IS NULL "
	    "     AND (cleared_at IS NULL OR kind <> '" FK_COMM_NAME "'))) "
	    "ORDER BY opened_at, id");
	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, flt->open_only);
	store_bind_text(s, 2, flt->device);
	sqlite3_bind_int64(s, 3, flt->from_ms);
	sqlite3_bind_int64(s, 4, flt->to_ms);
	sqlite3_bind_int(s, 5, flt->kinds);
	sqlite3_bind_int(s, 6, flt->unresolved);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap && store_grow(&v, &cap, sizeof(*v), 32) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		if (fault_from_row(s, &v[len]) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		len++;
	}
	if (rc != SQLITE_DONE) {
		log_debug("database: %s", rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(st->db));
		sqlite3_finalize(s);
		store_faults_free(v, len);
		return -1;
	}
	sqlite3_finalize(s);
	*out = v;
	*n = len;
	return 0;
}

void
store_faults_free(struct fault *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fault_clear(&v[i]);
	free(v);
}

int
store_fault_get(struct store *st, int64_t id, struct fault *out)
{
	sqlite3_stmt *s;
	int rc, found = 0;

	if ((s = store_prep(st, "SELECT " FAULT_COLUMNS " FROM faults WHERE id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		found = fault_from_row(s, out) == 0 ? 1 : -1;
	else if (rc != SQLITE_DONE) {
		log_debug("database: %s", sqlite3_errmsg(st->db));
		found = -1;
	}
	sqlite3_finalize(s);
	return found;
}

int
store_audit_for(struct store *st, int64_t fault_id, struct audit_rec **out, size_t *n)
{
	sqlite3_stmt *s;
	struct audit_rec *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	s = store_prep(st, "SELECT seq, at, fault_id, action, actor, detail, prev_hash, hash FROM audit "
	    "WHERE fault_id = ?1 ORDER BY seq");
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, fault_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct audit_rec *r;
		if (len == cap && store_grow(&v, &cap, sizeof(*v), 8) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		r = &v[len++];
		memset(r, 0, sizeof(*r));
		r->seq = sqlite3_column_int64(s, 0);
		r->at = sqlite3_column_int64(s, 1);
		r->fault_id = sqlite3_column_int64(s, 2);
		r->action = store_col_str(s, 3);
		r->actor = store_col_str(s, 4);
		r->detail = store_col_str(s, 5);
		snprintf(r->prev_hash, sizeof(r->prev_hash), "%s",
		    sqlite3_column_text(s, 6) ? (const char *)sqlite3_column_text(s, 6) : "");
		snprintf(r->hash, sizeof(r->hash), "%s",
		    sqlite3_column_text(s, 7) ? (const char *)sqlite3_column_text(s, 7) : "");
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		log_debug("database: %s", rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(st->db));
		store_audit_free(v, len);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

void
store_audit_free(struct audit_rec *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].action);
		free(v[i].actor);
		free(v[i].detail);
	}
	free(v);
}

int
store_site(struct store *st, struct site_row *out)
{
	sqlite3_stmt *s;
	int rc, found = 0;

	memset(out, 0, sizeof(*out));
	if ((s = store_prep(st, "SELECT id, name, timezone FROM site WHERE one = 1")) == NULL)
		return -1;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		out->id = store_col_str(s, 0);
		out->name = store_col_str(s, 1);
		out->timezone = store_col_str(s, 2);
		found = 1;
	} else if (rc != SQLITE_DONE)
		found = -1;
	sqlite3_finalize(s);
	return found;
}

void
store_site_clear(struct site_row *s)
{
	free(s->id);
	free(s->name);
	free(s->timezone);
	memset(s, 0, sizeof(*s));
}

int
store_devices(struct store *st, struct device_row **out, size_t *n)
{
	sqlite3_stmt *s;
	struct device_row *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	s = store_prep(st, "SELECT d.id, d.name, d.lab, d.protocol, d.assessment, d.in_config, "
	    " (SELECT count(*) FROM faults f WHERE f.device = d.id AND f.kind <> '" FK_COMM_NAME "' "
	    "   AND f.cleared_at IS NULL AND f.dismissed_at IS NULL), "
	    " (SELECT min(opened_at) FROM faults f WHERE f.device = d.id AND f.kind = '" FK_COMM_NAME "' "
	    "   AND f.cleared_at IS NULL AND f.source = 'auto') "
	    "FROM devices d ORDER BY d.in_config DESC, d.lab, d.id");
	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct device_row *r;
		if (len == cap && store_grow(&v, &cap, sizeof(*v), 16) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		r = &v[len++];
		memset(r, 0, sizeof(*r));
		r->id = store_col_str(s, 0);
		r->name = store_col_str(s, 1);
		r->lab = store_col_str(s, 2);
		r->protocol = store_col_str(s, 3);
		r->assessment = sqlite3_column_int(s, 4);
		r->in_config = sqlite3_column_int(s, 5);
		r->open_faults = sqlite3_column_int(s, 6);
		r->comm_since = store_col_time(s, 7);
		r->comm_open = r->comm_since != STORE_NOTIME;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_devices_free(v, len);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

void
store_devices_free(struct device_row *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].name);
		free(v[i].lab);
		free(v[i].protocol);
	}
	free(v);
}

int
store_last_run(struct store *st, struct run_row *out)
{
	sqlite3_stmt *s;
	int rc, found = 0;

	memset(out, 0, sizeof(*out));
	s = store_prep(st, "SELECT id, started_at, alive_at, stopped_at FROM runs ORDER BY id DESC LIMIT 1");
	if (s == NULL)
		return -1;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		out->id = sqlite3_column_int64(s, 0);
		out->started_at = sqlite3_column_int64(s, 1);
		out->alive_at = sqlite3_column_int64(s, 2);
		out->stopped_at = store_col_time(s, 3);
		found = 1;
	} else if (rc != SQLITE_DONE)
		found = -1;
	sqlite3_finalize(s);
	return found;
}


/* ---- what the indicators read ---- */

int
store_runs(struct store *st, int64_t from_ms, int64_t to_ms, struct run_row **out, size_t *n)
{
	sqlite3_stmt *s;
	struct run_row *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	s = store_prep(st, "SELECT id, started_at, alive_at, stopped_at FROM runs WHERE started_at < ?2 "
	    "AND coalesce(stopped_at, alive_at) >= ?1 ORDER BY started_at");
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, from_ms);
	sqlite3_bind_int64(s, 2, to_ms);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap && store_grow(&v, &cap, sizeof(*v), 16) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		v[len].id = sqlite3_column_int64(s, 0);
		v[len].started_at = sqlite3_column_int64(s, 1);
		v[len].alive_at = sqlite3_column_int64(s, 2);
		v[len].stopped_at = store_col_time(s, 3);
		len++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(v);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

int
store_period_faults(struct store *st, int64_t from_ms, int64_t to_ms, struct period_fault **out,
    size_t *n)
{
	sqlite3_stmt *s;
	struct period_fault *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	s = store_prep(st, "SELECT id, opened_at, cleared_at, repaired_at, dismissed_at, repeat_of, kind, "
	    "source, assessment, classification, device, label FROM faults WHERE opened_at < ?2 "
	    "AND (opened_at >= ?1 OR coalesce(cleared_at, repaired_at, dismissed_at) IS NULL "
	    "     OR coalesce(cleared_at, repaired_at, dismissed_at) > ?1) ORDER BY device, opened_at");
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, from_ms);
	sqlite3_bind_int64(s, 2, to_ms);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct period_fault *f;
		int k;
		if (len == cap && store_grow(&v, &cap, sizeof(*v), 256) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		f = &v[len++];
		memset(f, 0, sizeof(*f));
		f->id = sqlite3_column_int64(s, 0);
		f->opened_at = sqlite3_column_int64(s, 1);
		f->cleared_at = store_col_time(s, 2);
		f->repaired_at = store_col_time(s, 3);
		f->dismissed_at = store_col_time(s, 4);
		f->repeat_of = store_col_time(s, 5);
		k = fault_kind_parse((const char *)sqlite3_column_text(s, 6));
		f->kind = k < 0 ? FK_FAULT : (enum fault_kind)k;
		f->manual = strcmp((const char *)sqlite3_column_text(s, 7), "manual") == 0;
		f->assessment = sqlite3_column_int(s, 8);
		f->cls = (enum safety_class)safety_class_parse((const char *)sqlite3_column_text(s, 9));
		snprintf(f->device, sizeof(f->device), "%s", (const char *)sqlite3_column_text(s, 10));
		f->label = store_col_str(s, 11);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_period_faults_free(v, len);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

void
store_period_faults_free(struct period_fault *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].label);
	free(v);
}

int
store_safety_devices(struct store *st, char ***ids, size_t *n)
{
	sqlite3_stmt *s;
	char **v = NULL;
	size_t len = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	s = store_prep(st, "SELECT DISTINCT device FROM points WHERE kind = 'safety' AND in_config = 1 "
	    "ORDER BY device");
	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char **nv = realloc(v, (len + 1) * sizeof(*v));
		if (nv == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		v = nv;
		if ((v[len] = store_col_str(s, 0)) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		len++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_strings_free(v, len);
		return -1;
	}
	*ids = v;
	*n = len;
	return 0;
}

void
store_strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
