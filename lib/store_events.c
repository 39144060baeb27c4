/*
 * store_events.c - the detector's events as tbmond's writer thread records
 * them (one BEGIN IMMEDIATE transaction per batch), and the open faults it
 * adopts on start.
 */
#include "store_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define REPEAT_WINDOW_MS (7LL * 24 * 3600 * 1000)

const struct store_col store_origin_cols[] = {
	STORE_COL(COL_STR, struct store_origin, lab),
	STORE_COL(COL_INT, struct store_origin, assessment),
	STORE_COL(COL_STR, struct store_origin, label), STORE_COL_END
};

/* The id of the open automatic fault of a point, 0 if none, -1 on error. */
static int64_t
open_fault_id(struct store *st, const char *device, const char *point)
{
	sqlite3_stmt *s = store_cached(st, Q_OPEN_ID);
	int64_t id = 0;

	if (s != NULL) {
		store_bind_text(s, 1, device);
		store_bind_text(s, 2, point);
	}
	return store_row_cached(st, s, store_int64_col, &id, sizeof(id)) < 0 ? -1 : id;
}

/* The fault a repair of this point within the last 7 days makes this one a repeat of. */
int64_t
store_events_repeat_of(struct store *st, const char *device, const char *point, int64_t at)
{
	sqlite3_stmt *s = store_cached(st, Q_REPEAT);
	int64_t id = 0;

	if (s != NULL) {
		store_bind_text(s, 1, device);
		store_bind_text(s, 2, point);
		sqlite3_bind_int64(s, 3, at);
		sqlite3_bind_int64(s, 4, REPEAT_WINDOW_MS);
	}
	/* an error here only loses the repeat mark, never the fault */
	return store_row_cached(st, s, store_int64_col, &id, sizeof(id)) == 1 ? id : 0;
}

static int
event_open(struct store *st, const struct tbm_event *ev)
{
	struct store_origin o = { NULL, 0, NULL };
	int rc = -1;
	int64_t rep, id;
	sqlite3_stmt *s;
	struct colval cv[10];
	size_t n = 0;

	if ((id = open_fault_id(st, ev->device, ev->point)) != 0) {
		if (id > 0)
			log_debug("%s.%s: fault %" PRId64 " is already open", ev->device, ev->point, id);
		return id > 0 ? 0 : -1;   /* already open: adopted, never duplicated */
	}

	if ((s = store_cached(st, Q_POINT_INFO)) == NULL)
		return -1;
	store_bind_text(s, 1, ev->device);
	store_bind_text(s, 2, ev->point);
	/* a device or point the database does not know yet: no lab, no label */
	(void)store_row_cached(st, s, store_origin_cols, &o, sizeof(o));
	if (ev->kind == FK_COMM && o.label == NULL)
		o.label = strdup(CONF_LABEL_COMM);
	rep = store_events_repeat_of(st, ev->device, ev->point, ev->at_ms);

	cv[n++] = CV_S("device", ev->device);
	cv[n++] = CV_S("point", ev->point);
	cv[n++] = CV_S("kind", fault_kind_name(ev->kind));
	cv[n++] = CV_S("source", "auto");
	cv[n++] = ev->kind == FK_COMM ? CV_N("code") : CV_D("code", ev->code);
	cv[n++] = CV_S("label", o.label);
	cv[n++] = CV_S("lab", o.lab);
	cv[n++] = CV_I("assessment", o.assessment);
	cv[n++] = CV_I("opened_at", ev->at_ms);
	cv[n++] = rep ? CV_I("repeat_of", rep) : CV_N("repeat_of");
	if (store_change_apply(st, 0, "open", ACCOUNT_DAEMON, ev->at_ms, cv, n, NULL, NULL) == 0)
		rc = 1;
	store_row_clear(&o, store_origin_cols);
	return rc;
}

static int
event_clear(struct store *st, const struct tbm_event *ev)
{
	struct colval cv[1] = { CV_I("cleared_at", ev->at_ms) };
	int64_t id;

	if ((id = open_fault_id(st, ev->device, ev->point)) <= 0)
		return id == 0 ? 0 : -1;
	return store_change_apply(st, id, "clear", ACCOUNT_DAEMON, ev->at_ms, cv, 1, NULL, NULL) == 0 ? 1 : -1;
}

int
store_write_events(struct store *st, const struct tbm_event *ev, size_t n)
{
	int applied = 0, r;

	if (n == 0)
		return 0;
	if (store_begin(st) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		r = ev[i].type == EV_OPEN ? event_open(st, &ev[i]) : event_clear(st, &ev[i]);
		if (r < 0) {
			store_rollback(st);
			return -1;
		}
		applied += r;
	}
	if (store_commit(st) != 0)
		return -1;
	return applied;
}

int
store_each_open_fault(struct store *st, store_open_cb cb, void *arg)
{
	sqlite3_stmt *s;
	int rc;

	s = store_prep(st, "SELECT device, point, kind, id FROM faults WHERE cleared_at IS NULL "
	    "AND source = 'auto' ORDER BY id");
	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int k = fault_kind_parse((const char *)sqlite3_column_text(s, 2));
		cb(arg, (const char *)sqlite3_column_text(s, 0),
		    (const char *)sqlite3_column_text(s, 1), k < 0 ? FK_FAULT : (enum fault_kind)k,
		    sqlite3_column_int64(s, 3));
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		log_debug("database: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}
