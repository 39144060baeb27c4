/*
 * store_people.c - the people's changes: acknowledge, repair, dismiss,
 * classify and manual reports, each checked and applied in one transaction
 * with its audit record.
 */
#include "store_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tbmtime.h"

static int
refuse(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
refuse(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return STORE_REFUSED;
}

static int
db_error(struct store *st, char *err, size_t len)
{
	snprintf(err, len, "database: %s", sqlite3_errmsg(st->db));
	store_rollback(st);
	return -1;
}

static void
fmt_time(int64_t ms, char *buf, size_t len)
{
	time_format_local(ms, buf, len);
}

/* Loads fault `id` inside a transaction; refuses when it does not exist. */
static int
load_fault(struct store *st, int64_t id, struct fault *f, char *err, size_t len)
{
	int r = store_fault_get(st, id, f);

	if (r < 0)
		return db_error(st, err, len);
	if (r == 0) {
		store_rollback(st);
		return refuse(err, len, "no fault with id %" PRId64, id);
	}
	return 0;
}

/* Runs one change: begin, check (a callback that may refuse), apply, commit. */
typedef int (*change_check_fn)(const struct fault *f, void *arg, char *err, size_t len);

static int
change_fault(struct store *st, int64_t id, change_check_fn check, void *arg, const char *action,
    const char *actor, int64_t at, const struct colval *cv, size_t n, char *err, size_t len)
{
	struct fault f;
	int r;

	if (store_begin(st) != 0)
		return db_error(st, err, len);
	if ((r = load_fault(st, id, &f, err, len)) != 0)
		return r;
	r = check(&f, arg, err, len);
	fault_clear(&f);
	if (r != 0) {
		store_rollback(st);
		return r;
	}
	if (store_change_apply(st, id, action, actor, at, cv, n, NULL) != 0 || store_commit(st) != 0)
		return db_error(st, err, len);
	return 0;
}

static int
check_ack(const struct fault *f, void *arg, char *err, size_t len)
{
	char t[64];

	(void)arg;
	if (f->dismissed_at)
		return refuse(err, len, "fault %" PRId64 " is dismissed", f->id);
	if (f->repaired_at)
		return refuse(err, len, "fault %" PRId64 " is already repaired", f->id);
	if (f->acked_at) {
		fmt_time(f->acked_at, t, sizeof(t));
		return refuse(err, len, "fault %" PRId64 " was already acknowledged by %s at %s", f->id,
		    f->acked_by ? f->acked_by : "?", t);
	}
	return 0;
}

int
store_ack(struct store *st, int64_t id, const char *by, const char *note, int64_t now,
    char *err, size_t len)
{
	struct colval cv[3] = { CV_I("acked_at", now), CV_S("acked_by", by), CV_S("ack_note", note) };

	return change_fault(st, id, check_ack, NULL, "ack", by, now, cv, 3, err, len);
}

struct repair_arg {
	int64_t at, now;
};

static int
check_repair(const struct fault *f, void *arg, char *err, size_t len)
{
	const struct repair_arg *a = arg;
	char t1[64], t2[64];

	if (f->dismissed_at)
		return refuse(err, len, "fault %" PRId64 " was dismissed (%s); a dismissed fault cannot be repaired",
		    f->id, f->dismiss_reason ? f->dismiss_reason : "no reason");
	if (f->repaired_at) {
		fmt_time(f->repaired_at, t1, sizeof(t1));
		return refuse(err, len, "fault %" PRId64 " was already repaired by %s at %s", f->id,
		    f->repaired_by ? f->repaired_by : "?", t1);
	}
	if (a->at < f->opened_at) {
		fmt_time(a->at, t1, sizeof(t1));
		fmt_time(f->opened_at, t2, sizeof(t2));
		return refuse(err, len, "repair time %s is before fault %" PRId64 " opened (%s)", t1,
		    f->id, t2);
	}
	if (a->at > a->now + 60000) {
		fmt_time(a->at, t1, sizeof(t1));
		return refuse(err, len, "repair time %s is in the future", t1);
	}
	return 0;
}

int
store_repair(struct store *st, int64_t id, const char *by, const char *action, const char *parts,
    int64_t at, int64_t now, char *err, size_t len)
{
	struct repair_arg a = { at, now };
	struct colval cv[5] = { CV_I("repaired_at", at), CV_S("repaired_by", by),
		CV_S("action", action), CV_S("parts", parts), CV_I("repair_logged_at", now) };

	return change_fault(st, id, check_repair, &a, "repair", by, now, cv, 5, err, len);
}

static int
check_dismiss(const struct fault *f, void *arg, char *err, size_t len)
{
	(void)arg;
	if (f->dismissed_at)
		return refuse(err, len, "fault %" PRId64 " is already dismissed", f->id);
	if (f->repaired_at)
		return refuse(err, len, "fault %" PRId64 " is repaired; a repaired fault cannot be dismissed", f->id);
	return 0;
}

int
store_dismiss(struct store *st, int64_t id, const char *by, const char *reason, int64_t now,
    char *err, size_t len)
{
	struct colval cv[3] = { CV_I("dismissed_at", now), CV_S("dismissed_by", by),
		CV_S("dismiss_reason", reason) };

	return change_fault(st, id, check_dismiss, NULL, "dismiss", by, now, cv, 3, err, len);
}

static int
check_classify(const struct fault *f, void *arg, char *err, size_t len)
{
	(void)arg;
	if (f->kind != FK_SAFETY)
		return refuse(err, len, "fault %" PRId64 " is %s, not a safety event", f->id,
		    f->kind == FK_COMM ? "a communication fault" : "an equipment fault");
	if (f->dismissed_at)
		return refuse(err, len, "safety event %" PRId64 " is dismissed", f->id);
	return 0;
}

int
store_classify(struct store *st, int64_t id, const char *cls, const char *by, const char *note,
    int64_t now, char *err, size_t len)
{
	struct colval cv[4] = { CV_S("classification", cls), CV_I("classified_at", now),
		CV_S("classified_by", by), CV_S("note", note) };

	if (safety_class_parse(cls) < 0)
		return refuse(err, len, "classification '%s' is not one of " SC_NAMES_LIST, cls);
	return change_fault(st, id, check_classify, NULL, "classify", by, now, cv, 4, err, len);
}

int
store_report(struct store *st, const char *device, enum fault_kind kind, const char *by,
    const char *note, int64_t at, int64_t now, int64_t *id, char *err, size_t len)
{
	struct store_origin dev = { NULL, 0, NULL };
	int64_t rep;
	int r;
	sqlite3_stmt *s;
	struct colval cv[14];
	size_t n = 0;
	char t[64];

	if (kind == FK_COMM)
		return refuse(err, len, "a manual report is a fault or a safety event");
	if (at > now + 60000) {
		fmt_time(at, t, sizeof(t));
		return refuse(err, len, "time %s is in the future", t);
	}
	if (store_begin(st) != 0)
		return db_error(st, err, len);
	s = store_prepare(st, "SELECT lab, assessment, NULL FROM devices WHERE id = ?1", "s", device);
	if ((r = store_row(st, s, store_origin_cols, &dev, sizeof(dev))) < 0)
		return db_error(st, err, len);
	if (r == 0) {
		store_rollback(st);
		return refuse(err, len, "no device '%s' in the database", device);
	}
	rep = kind == FK_FAULT ? store_events_repeat_of(st, device, EVENT_POINT_MANUAL, at) : 0;
	cv[n++] = CV_S("device", device);
	cv[n++] = CV_S("point", EVENT_POINT_MANUAL);
	cv[n++] = CV_S("kind", fault_kind_name(kind));
	cv[n++] = CV_S("source", "manual");
	cv[n++] = CV_S("label", note);
	cv[n++] = CV_S("lab", dev.lab);
	cv[n++] = CV_I("assessment", dev.assessment);
	cv[n++] = CV_I("opened_at", at);
	cv[n++] = CV_S("note", note);
	cv[n++] = rep ? CV_I("repeat_of", rep) : CV_N("repeat_of");
	r = store_change_apply(st, 0, "report", by, now, cv, n, id);
	store_row_clear(&dev, store_origin_cols);
	if (r != 0 || store_commit(st) != 0)
		return db_error(st, err, len);
	return 0;
}
