/*
 * store_people.c - the people's changes: acknowledge, repair, dismiss,
 * classify, manual reports and the corrections (amend, reopen), each checked
 * (the account's rights from lib/rights.c, then the fault's state) and
 * applied in one transaction with its audit record, which says who acted.
 */
#include "store_int.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rights.h"
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

cJSON *
store_people_who_json(const struct actor *who)
{
	cJSON *o = cJSON_CreateObject(), *w;

	if (o == NULL || (w = cJSON_AddObjectToObject(o, "who")) == NULL) {
		cJSON_Delete(o);
		return NULL;
	}
	cJSON_AddStringToObject(w, "account", account_actor_name(who));
	if (who && who->channel)
		cJSON_AddStringToObject(w, "channel", who->channel);
	if (who && who->origin)
		cJSON_AddStringToObject(w, who->channel && strcmp(who->channel, "web") == 0 ?
		    "address" : "os_user", who->origin);
	if (who && who->via)
		cJSON_AddStringToObject(w, "via", who->via);
	return o;
}

int
store_people_actor(struct store *st, const struct actor *who, struct account *out,
    char *err, size_t len)
{
	int r;

	memset(out, 0, sizeof(*out));
	if (who == NULL || who->acct == NULL || who->acct->name == NULL)
		return refuse(err, len, "no account acts: every change names an account of the base");
	if ((r = store_account_get(st, who->acct->name, out)) < 0)
		return -1;
	if (r == 0)
		return refuse(err, len, "no account '%s' (see tbmctl user list)", who->acct->name);
	if (out->disabled) {
		r = refuse(err, len, "account %s is disabled", out->name);
		account_clear(out);
		return r;
	}
	return 0;
}

/* change_begin: the transaction, the acting account as stored now and the
 * fault. On anything but 0 the transaction is over and err says why. */
static int
change_begin(struct store *st, int64_t id, const struct actor *who, struct account *acct,
    struct fault *f, char *err, size_t len)
{
	int r;

	memset(f, 0, sizeof(*f));
	if (store_begin(st) != 0)
		return db_error(st, err, len);
	if ((r = store_people_actor(st, who, acct, err, len)) != 0) {
		if (r < 0)
			return db_error(st, err, len);
		store_rollback(st);
		return r;
	}
	if ((r = load_fault(st, id, f, err, len)) != 0)
		account_clear(acct);
	return r;
}

/* change_finish: applies the change with its audit record and commits;
 * consumes extra, to which it adds who acted. */
static int
change_finish(struct store *st, int64_t id, const char *action, const struct account *acct,
    const struct actor *who, int64_t now, const struct colval *cv, size_t n, cJSON *extra,
    char *err, size_t len)
{
	cJSON *w = store_people_who_json(who), *it;

	if (w == NULL) {
		cJSON_Delete(extra);
		return db_error(st, err, len);
	}
	if (extra == NULL)
		extra = w;
	else {
		it = cJSON_DetachItemFromObjectCaseSensitive(w, "who");
		cJSON_AddItemToObject(extra, "who", it);
		cJSON_Delete(w);
	}
	if (store_change_apply(st, id, action, acct->name, now, cv, n, NULL, extra) != 0 || store_commit(st) != 0)
		return db_error(st, err, len);
	return 0;
}

/* Runs one change: begin, the rights and the fault's own checks (a callback
 * that may refuse and may add to the detail), apply, commit. The account's
 * name fills the columns named in by_cols. */
typedef int (*change_check_fn)(const struct fault *f, void *arg, cJSON **extra, char *err,
    size_t len);

static int
change_fault(struct store *st, int64_t id, enum right right, change_check_fn check, void *arg,
    const char *action, const struct actor *who, int64_t now, struct colval *cv, size_t n,
    char *err, size_t len)
{
	struct account acct;
	struct fault f;
	cJSON *extra = NULL;
	int r;

	if ((r = change_begin(st, id, who, &acct, &f, err, len)) != 0)
		return r;
	r = rights_check(&acct, right, &f, NULL, now, err, len);
	if (r == 0)
		r = check(&f, arg, &extra, err, len);
	fault_clear(&f);
	if (r != 0) {
		cJSON_Delete(extra);
		account_clear(&acct);
		store_rollback(st);
		return r;
	}
	for (size_t i = 0; i < n; i++)
		if (cv[i].t == CV_TEXT && cv[i].s == NULL)   /* the actor's column */
			cv[i].s = acct.name;
	r = change_finish(st, id, action, &acct, who, now, cv, n, extra, err, len);
	account_clear(&acct);
	return r;
}

/* The column the acting account's name goes into (filled by change_fault). */
#define CV_ACTOR(c) ((struct colval){ (c), CV_TEXT, 0, 0, NULL })

static int
check_ack(const struct fault *f, void *arg, cJSON **extra, char *err, size_t len)
{
	char t[64];

	(void)arg;
	(void)extra;
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
store_ack(struct store *st, int64_t id, const struct actor *who, const char *note, int64_t now,
    char *err, size_t len)
{
	struct colval cv[3] = { CV_I("acked_at", now), CV_ACTOR("acked_by"), CV_S("ack_note", note) };

	return change_fault(st, id, RIGHT_ACK, check_ack, NULL, "ack", who, now, cv, 3, err, len);
}

struct repair_arg {
	int64_t at, now;
};

/* A repair time: not before the fault opened, not in the future. */
static int
check_repair_time(const struct fault *f, int64_t at, int64_t now, char *err, size_t len)
{
	char t1[64], t2[64];

	if (at < f->opened_at) {
		fmt_time(at, t1, sizeof(t1));
		fmt_time(f->opened_at, t2, sizeof(t2));
		return refuse(err, len, "repair time %s is before fault %" PRId64 " opened (%s)", t1,
		    f->id, t2);
	}
	if (at > now + 60000) {
		fmt_time(at, t1, sizeof(t1));
		return refuse(err, len, "repair time %s is in the future", t1);
	}
	return 0;
}

static int
check_repair(const struct fault *f, void *arg, cJSON **extra, char *err,
    size_t len)
{
	const struct repair_arg *a = arg;
	char t1[64];

	(void)extra;
	if (f->dismissed_at)
		return refuse(err, len, "fault %" PRId64 " was dismissed (%s); a dismissed fault cannot be repaired",
		    f->id, f->dismiss_reason ? f->dismiss_reason : "no reason");
	if (f->repaired_at) {
		fmt_time(f->repaired_at, t1, sizeof(t1));
		return refuse(err, len, "fault %" PRId64 " was already repaired by %s at %s", f->id,
		    f->repaired_by ? f->repaired_by : "?", t1);
	}
	return check_repair_time(f, a->at, a->now, err, len);
}

int
store_repair(struct store *st, int64_t id, const struct actor *who, const char *action,
    const char *parts, int64_t at, int64_t now, char *err, size_t len)
{
	struct repair_arg a = { at, now };
	struct colval cv[5] = { CV_I("repaired_at", at), CV_ACTOR("repaired_by"),
		CV_S("action", action), CV_S("parts", parts), CV_I("repair_logged_at", now) };

	if (action == NULL || *action == '\0')
		return refuse(err, len, "a repair says what was done (an action)");
	return change_fault(st, id, RIGHT_REPAIR, check_repair, &a, "repair", who, now, cv, 5, err,
	    len);
}

static int
check_dismiss(const struct fault *f, void *arg, cJSON **extra, char *err,
    size_t len)
{
	(void)arg;
	(void)extra;
	if (f->dismissed_at)
		return refuse(err, len, "fault %" PRId64 " is already dismissed", f->id);
	if (f->repaired_at)
		return refuse(err, len, "fault %" PRId64 " is repaired; a repaired fault cannot be dismissed", f->id);
	return 0;
}

int
store_dismiss(struct store *st, int64_t id, const struct actor *who, const char *reason,
    int64_t now, char *err, size_t len)
{
	struct colval cv[3] = { CV_I("dismissed_at", now), CV_ACTOR("dismissed_by"),
		CV_S("dismiss_reason", reason) };

	if (reason == NULL || *reason == '\0')
		return refuse(err, len, "a dismissal needs a reason (why it was a false signal)");
	return change_fault(st, id, RIGHT_DISMISS, check_dismiss, NULL, "dismiss", who, now, cv, 3,
	    err, len);
}

static int
check_classify(const struct fault *f, void *arg, cJSON **extra, char *err,
    size_t len)
{
	(void)arg;
	if (f->kind != FK_SAFETY)
		return refuse(err, len, "fault %" PRId64 " is %s, not a safety event", f->id,
		    f->kind == FK_COMM ? "a communication fault" : "an equipment fault");
	if (f->dismissed_at)
		return refuse(err, len, "safety event %" PRId64 " is dismissed", f->id);
	/* a new classification keeps the old one in its record */
	if (f->classification) {
		cJSON *o = cJSON_CreateObject(), *old;
		if (o == NULL || (old = cJSON_AddObjectToObject(o, "old")) == NULL ||
		    cJSON_AddStringToObject(old, "classification", f->classification) == NULL) {
			cJSON_Delete(o);
			return -1;
		}
		*extra = o;
	}
	return 0;
}

int
store_classify(struct store *st, int64_t id, const char *cls, const struct actor *who,
    const char *note, int64_t now, char *err, size_t len)
{
	struct colval cv[4] = { CV_S("classification", cls), CV_I("classified_at", now),
		CV_ACTOR("classified_by"), CV_S("note", note) };

	if (cls == NULL || safety_class_parse(cls) < 0)
		return refuse(err, len, "classification '%s' is not one of " SC_NAMES_LIST, cls ? cls : "");
	return change_fault(st, id, RIGHT_CLASSIFY, check_classify, NULL, "classify", who, now, cv,
	    4, err, len);
}

int
store_report(struct store *st, const char *device, enum fault_kind kind, const struct actor *who,
    const char *note, int64_t at, int64_t now, int64_t *id, char *err, size_t len)
{
	struct account acct;
	struct store_origin dev = { NULL, 0, NULL };
	int r;
	int64_t rep;
	sqlite3_stmt *s;
	struct colval cv[14];
	size_t n = 0;
	char t[64];

	if (kind == FK_COMM)
		return refuse(err, len, "a manual report is a fault or a safety event");
	if (note == NULL || *note == '\0')
		return refuse(err, len, "a report says what was seen (a note)");
	if (at > now + 60000) {
		fmt_time(at, t, sizeof(t));
		return refuse(err, len, "time %s is in the future", t);
	}
	if (store_begin(st) != 0)
		return db_error(st, err, len);
	if ((r = store_people_actor(st, who, &acct, err, len)) != 0) {
		if (r < 0)
			return db_error(st, err, len);
		store_rollback(st);
		return r;
	}
	s = store_prepare(st, "SELECT lab, assessment, NULL FROM devices WHERE id = ?1", "s", device);
	if ((r = store_row(st, s, store_origin_cols, &dev, sizeof(dev))) < 0) {
		account_clear(&acct);
		return db_error(st, err, len);
	}
	if (r == 0) {
		account_clear(&acct);
		store_rollback(st);
		return refuse(err, len, "no device '%s' in the database", device);
	}
	if ((r = rights_check(&acct, RIGHT_REPORT, NULL, dev.lab, now, err, len)) != 0) {
		account_clear(&acct);
		store_row_clear(&dev, store_origin_cols);
		store_rollback(st);
		return r;
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
	r = store_change_apply(st, 0, "report", acct.name, now, cv, n, id, store_people_who_json(who));
	store_row_clear(&dev, store_origin_cols);
	account_clear(&acct);
	if (r != 0 || store_commit(st) != 0)
		return db_error(st, err, len);
	return 0;
}

/* ---- corrections: appended, with the old values and a reason ---- */

static int
need_reason(const char *reason, const char *what, char *err, size_t len)
{
	if (reason == NULL || strspn(reason, " \t") == strlen(reason))
		return refuse(err, len, "%s needs a reason", what);
	return 0;
}

/* Adds the column's current value under "old" (NULL: null). */
static void
old_str(cJSON *old, const char *col, const char *v)
{
	cJSON_AddItemToObject(old, col, v ? cJSON_CreateString(v) : cJSON_CreateNull());
}

static void
old_time(cJSON *old, const char *col, int64_t v)
{
	cJSON_AddItemToObject(old, col, v != STORE_NOTIME ? cJSON_CreateNumber((double)v) :
	    cJSON_CreateNull());
}

int
store_amend(struct store *st, int64_t id, const struct actor *who, const struct amend *a,
    const char *reason, int64_t now, char *err, size_t len)
{
	struct account acct;
	struct fault f;
	struct colval cv[4];
	cJSON *extra = NULL, *old;
	size_t n = 0;
	int r;

	if ((r = need_reason(reason, "a correction", err, len)) != 0)
		return r;
	if (a == NULL || (!a->action && !a->parts && !a->note && !a->at))
		return refuse(err, len, "nothing to amend: give a new action, parts, time or note");
	if ((a->action && *a->action == '\0'))
		return refuse(err, len, "a repair's action cannot be made empty");
	if ((r = change_begin(st, id, who, &acct, &f, err, len)) != 0)
		return r;
	if ((r = rights_amend(&acct, &f, a, now, err, len)) != 0)
		goto refused;
	if ((a->action || a->parts || a->at) && f.repaired_at == STORE_NOTIME) {
		r = refuse(err, len, "fault %" PRId64 " has no repair to amend", id);
		goto refused;
	}
	if (a->note && f.acked_at == STORE_NOTIME) {
		r = refuse(err, len, "fault %" PRId64 " has no acknowledgement whose note could be amended", id);
		goto refused;
	}
	if (a->at && (r = check_repair_time(&f, a->at, now, err, len)) != 0)
		goto refused;
	if ((extra = cJSON_CreateObject()) == NULL || (old = cJSON_AddObjectToObject(extra, "old")) == NULL)
		goto oom;
	if (a->at) {
		cv[n++] = CV_I("repaired_at", a->at);
		old_time(old, "repaired_at", f.repaired_at);
	}
	if (a->action) {
		cv[n++] = CV_S("action", a->action);
		old_str(old, "action", f.action);
	}
	if (a->parts) {
		cv[n++] = *a->parts ? CV_S("parts", a->parts) : CV_N("parts");
		old_str(old, "parts", f.parts);
	}
	if (a->note) {
		cv[n++] = *a->note ? CV_S("ack_note", a->note) : CV_N("ack_note");
		old_str(old, "ack_note", f.ack_note);
	}
	cJSON_AddStringToObject(extra, "reason", reason);
	fault_clear(&f);
	r = change_finish(st, id, "amend", &acct, who, now, cv, n, extra, err, len);
	account_clear(&acct);
	return r;
oom:
	cJSON_Delete(extra);
	fault_clear(&f);
	account_clear(&acct);
	snprintf(err, len, "out of memory");
	store_rollback(st);
	return -1;
refused:
	fault_clear(&f);
	account_clear(&acct);
	store_rollback(st);
	return r;
}

int
store_reopen(struct store *st, int64_t id, const struct actor *who, const char *reason, int64_t now,
    char *err, size_t len)
{
	struct account acct;
	struct fault f;
	struct colval cv[5];
	cJSON *extra = NULL, *old;
	const char *undo;
	size_t n = 0;
	int r;

	if ((r = need_reason(reason, "reopen", err, len)) != 0)
		return r;
	if ((r = change_begin(st, id, who, &acct, &f, err, len)) != 0)
		return r;
	if ((r = rights_check(&acct, RIGHT_REOPEN, &f, NULL, now, err, len)) != 0)
		goto refused;
	if ((extra = cJSON_CreateObject()) == NULL || (old = cJSON_AddObjectToObject(extra, "old")) == NULL)
		goto oom;
	/* the latest of the three: a dismissal or a repair ends the work, an ack begins it */
	if (f.dismissed_at != STORE_NOTIME) {
		undo = "dismiss";
		cv[n++] = CV_N("dismissed_at");
		cv[n++] = CV_N("dismissed_by");
		cv[n++] = CV_N("dismiss_reason");
		old_time(old, "dismissed_at", f.dismissed_at);
		old_str(old, "dismissed_by", f.dismissed_by);
		old_str(old, "dismiss_reason", f.dismiss_reason);
	} else if (f.repaired_at != STORE_NOTIME) {
		undo = "repair";
		cv[n++] = CV_N("repaired_at");
		cv[n++] = CV_N("repaired_by");
		cv[n++] = CV_N("action");
		cv[n++] = CV_N("parts");
		cv[n++] = CV_N("repair_logged_at");
		old_time(old, "repaired_at", f.repaired_at);
		old_str(old, "repaired_by", f.repaired_by);
		old_str(old, "action", f.action);
		old_str(old, "parts", f.parts);
		old_time(old, "repair_logged_at", f.repair_logged_at);
	} else if (f.acked_at != STORE_NOTIME) {
		undo = "ack";
		cv[n++] = CV_N("acked_at");
		cv[n++] = CV_N("acked_by");
		cv[n++] = CV_N("ack_note");
		old_time(old, "acked_at", f.acked_at);
		old_str(old, "acked_by", f.acked_by);
		old_str(old, "ack_note", f.ack_note);
	} else {
		cJSON_Delete(extra);
		r = refuse(err, len, "fault %" PRId64 " has no acknowledgement, repair or dismissal to undo", id);
		goto refused;
	}
	cJSON_AddStringToObject(extra, "undo", undo);
	cJSON_AddStringToObject(extra, "reason", reason);
	fault_clear(&f);
	r = change_finish(st, id, "reopen", &acct, who, now, cv, n, extra, err, len);
	account_clear(&acct);
	return r;
oom:
	cJSON_Delete(extra);
	fault_clear(&f);
	account_clear(&acct);
	snprintf(err, len, "out of memory");
	store_rollback(st);
	return -1;
refused:
	fault_clear(&f);
	account_clear(&acct);
	store_rollback(st);
	return r;
}

