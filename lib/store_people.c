/*
 * store_people.c - the people's changes: acknowledge, repair, dismiss,
 * classify, manual reports and the corrections (amend, reopen), each checked
 * (the account's rights from lib/rights.c, then the fault's state) and
 * applied in one transaction with its audit record, which says who acted.
 */
#include "store_int.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rights.h"
#include "tbmtime.h"

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
		return store_db_error(st, err, len);
	if (r == 0) {
		store_rollback(st);
		return store_refuse(err, len, "no fault with id %" PRId64, id);
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
		return store_refuse(err, len, "no account acts: every change names an account of the base");
	if ((r = store_account_get(st, who->acct->name, out)) < 0)
		return -1;
	if (r == 0)
		return store_refuse(err, len, "no account '%s' (see tbmctl user list)", who->acct->name);
	if (out->disabled) {
		r = store_refuse(err, len, "account %s is disabled", out->name);
		account_clear(out);
		return r;
	}
	return 0;
}

/* begin_as: the transaction of a change and the account acting in it; on
 * anything but 0 the transaction is over and err says why. */
static int
begin_as(struct store *st, const struct actor *who, struct account *acct, char *err, size_t len)
{
	int r;

	if (store_begin(st) != 0)
		return store_db_error(st, err, len);
	if ((r = store_people_actor(st, who, acct, err, len)) != 0) {
		if (r < 0)
			return store_db_error(st, err, len);
		store_rollback(st);
	}
	return r;
}

/*
 * What one change writes: its columns and values (CV_ACTOR columns get the
 * acting account's name) and what its audit detail says besides (the old
 * values of a correction, its reason). A plan function checks the fault's
 * state, may refuse (STORE_REFUSED, the reason in err) and fills the plan;
 * -1 when out of memory. Values must not point into the fault: it is freed
 * before the change is applied.
 */
#define CHANGE_MAX_COLS 8
struct change_plan {
	struct colval cv[CHANGE_MAX_COLS];
	size_t n;
	cJSON *extra;
};
typedef int (*change_plan_fn)(const struct fault *f, const struct account *acct, void *arg,
    int64_t now, struct change_plan *p, char *err, size_t len);

/* The column the acting account's name goes into (filled by change_fault). */
#define CV_ACTOR(c) ((struct colval){ (c), CV_TEXT, 0, 0, NULL })

/*
 * change_fault: one change in one transaction: the acting account as the
 * database has it now, the fault, the account's right (lib/rights.c), the
 * plan, then the row and its audit record (who acted under "who").
 */
static int
change_fault(struct store *st, int64_t id, enum right right, change_plan_fn plan, void *arg,
    const char *action, const struct actor *who, int64_t now, char *err, size_t len)
{
	struct change_plan p = { .n = 0, .extra = NULL };
	struct account acct;
	struct fault f;
	cJSON *w;
	int r;

	if ((r = begin_as(st, who, &acct, err, len)) != 0)
		return r;
	if ((r = load_fault(st, id, &f, err, len)) != 0) {
		account_clear(&acct);
		return r;
	}
	r = rights_check(&acct, right, &f, NULL, now, err, len);
	if (r == 0)
		r = plan(&f, &acct, arg, now, &p, err, len);
	fault_clear(&f);
	if (r == 0 && (p.extra || (p.extra = cJSON_CreateObject()) != NULL) &&
	    (w = store_people_who_json(who)) != NULL) {
		cJSON_AddItemToObject(p.extra, "who", cJSON_DetachItemFromObjectCaseSensitive(w, "who"));
		cJSON_Delete(w);
	} else if (r == 0)
		r = -1;
	if (r != 0) {
		if (r < 0)
			snprintf(err, len, "out of memory");
		cJSON_Delete(p.extra);
		account_clear(&acct);
		store_rollback(st);
		return r;
	}
	for (size_t i = 0; i < p.n; i++)
		if (p.cv[i].t == CV_TEXT && p.cv[i].s == NULL)
			p.cv[i].s = acct.name;
	r = store_change_apply(st, id, action, acct.name, now, p.cv, p.n, NULL, p.extra);
	account_clear(&acct);
	if (r != 0 || store_commit(st) != 0)
		return store_db_error(st, err, len);
	return 0;
}

static int
plan_ack(const struct fault *f, const struct account *acct, void *arg, int64_t now,
    struct change_plan *p, char *err, size_t len)
{
	const char *note = arg;
	char t[64];

	(void)acct;
	if (f->dismissed_at)
		return store_refuse(err, len, "fault %" PRId64 " is dismissed", f->id);
	if (f->repaired_at)
		return store_refuse(err, len, "fault %" PRId64 " is already repaired", f->id);
	if (f->acked_at) {
		fmt_time(f->acked_at, t, sizeof(t));
		return store_refuse(err, len, "fault %" PRId64 " was already acknowledged by %s at %s", f->id,
		    f->acked_by ? f->acked_by : "?", t);
	}
	p->cv[p->n++] = CV_I("acked_at", now);
	p->cv[p->n++] = CV_ACTOR("acked_by");
	p->cv[p->n++] = CV_S("ack_note", note);
	return 0;
}

int
store_ack(struct store *st, int64_t id, const struct actor *who, const char *note, int64_t now,
    char *err, size_t len)
{
	return change_fault(st, id, RIGHT_ACK, plan_ack, (void *)note, "ack", who, now, err, len);
}

/* A repair time: not before the fault opened, not in the future. */
static int
check_repair_time(const struct fault *f, int64_t at, int64_t now, char *err, size_t len)
{
	char t1[64], t2[64];

	if (at < f->opened_at) {
		fmt_time(at, t1, sizeof(t1));
		fmt_time(f->opened_at, t2, sizeof(t2));
		return store_refuse(err, len, "repair time %s is before fault %" PRId64 " opened (%s)", t1,
		    f->id, t2);
	}
	if (at > now + 60000) {
		fmt_time(at, t1, sizeof(t1));
		return store_refuse(err, len, "repair time %s is in the future", t1);
	}
	return 0;
}

struct repair_arg {
	const char *action, *parts;
	int64_t at;
};

static int
plan_repair(const struct fault *f, const struct account *acct, void *arg, int64_t now,
    struct change_plan *p, char *err, size_t len)
{
	const struct repair_arg *a = arg;
	char t1[64];
	int r;

	(void)acct;
	if (f->dismissed_at)
		return store_refuse(err, len, "fault %" PRId64 " was dismissed (%s); a dismissed fault cannot be repaired",
		    f->id, f->dismiss_reason ? f->dismiss_reason : "no reason");
	if (f->repaired_at) {
		fmt_time(f->repaired_at, t1, sizeof(t1));
		return store_refuse(err, len, "fault %" PRId64 " was already repaired by %s at %s", f->id,
		    f->repaired_by ? f->repaired_by : "?", t1);
	}
	if ((r = check_repair_time(f, a->at, now, err, len)) != 0)
		return r;
	p->cv[p->n++] = CV_I("repaired_at", a->at);
	p->cv[p->n++] = CV_ACTOR("repaired_by");
	p->cv[p->n++] = CV_S("action", a->action);
	p->cv[p->n++] = CV_S("parts", a->parts);
	p->cv[p->n++] = CV_I("repair_logged_at", now);
	return 0;
}

int
store_repair(struct store *st, int64_t id, const struct actor *who, const char *action,
    const char *parts, int64_t at, int64_t now, char *err, size_t len)
{
	struct repair_arg a = { action, parts, at };

	if (action == NULL || *action == '\0')
		return store_refuse(err, len, "a repair says what was done (an action)");
	return change_fault(st, id, RIGHT_REPAIR, plan_repair, &a, "repair", who, now, err, len);
}

static int
plan_dismiss(const struct fault *f, const struct account *acct, void *arg, int64_t now,
    struct change_plan *p, char *err, size_t len)
{
	(void)acct;
	if (f->dismissed_at)
		return store_refuse(err, len, "fault %" PRId64 " is already dismissed", f->id);
	if (f->repaired_at)
		return store_refuse(err, len, "fault %" PRId64 " is repaired; a repaired fault cannot be dismissed", f->id);
	p->cv[p->n++] = CV_I("dismissed_at", now);
	p->cv[p->n++] = CV_ACTOR("dismissed_by");
	p->cv[p->n++] = CV_S("dismiss_reason", (const char *)arg);
	return 0;
}

int
store_dismiss(struct store *st, int64_t id, const struct actor *who, const char *reason,
    int64_t now, char *err, size_t len)
{
	if (reason == NULL || *reason == '\0')
		return store_refuse(err, len, "a dismissal needs a reason (why it was a false signal)");
	return change_fault(st, id, RIGHT_DISMISS, plan_dismiss, (void *)reason, "dismiss", who, now,
	    err, len);
}

struct classify_arg {
	const char *cls, *note;
};

static int
plan_classify(const struct fault *f, const struct account *acct, void *arg, int64_t now,
    struct change_plan *p, char *err, size_t len)
{
	const struct classify_arg *a = arg;
	cJSON *old;

	(void)acct;
	if (f->kind != FK_SAFETY)
		return store_refuse(err, len, "fault %" PRId64 " is %s, not a safety event", f->id,
		    f->kind == FK_COMM ? "a communication fault" : "an equipment fault");
	if (f->dismissed_at)
		return store_refuse(err, len, "safety event %" PRId64 " is dismissed", f->id);
	/* a new classification keeps the old one in its record */
	if (f->classification) {
		if ((p->extra = cJSON_CreateObject()) == NULL ||
		    (old = cJSON_AddObjectToObject(p->extra, "old")) == NULL ||
		    cJSON_AddStringToObject(old, "classification", f->classification) == NULL)
			return -1;
	}
	p->cv[p->n++] = CV_S("classification", a->cls);
	p->cv[p->n++] = CV_I("classified_at", now);
	p->cv[p->n++] = CV_ACTOR("classified_by");
	p->cv[p->n++] = CV_S("note", a->note);
	return 0;
}

int
store_classify(struct store *st, int64_t id, const char *cls, const struct actor *who,
    const char *note, int64_t now, char *err, size_t len)
{
	struct classify_arg a = { cls, note };

	if (cls == NULL || safety_class_parse(cls) < 0)
		return store_refuse(err, len, "classification '%s' is not one of " SC_NAMES_LIST, cls ? cls : "");
	return change_fault(st, id, RIGHT_CLASSIFY, plan_classify, &a, "classify", who, now, err,
	    len);
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
		return store_refuse(err, len, "a manual report is a fault or a safety event");
	if (note == NULL || *note == '\0')
		return store_refuse(err, len, "a report says what was seen (a note)");
	if (at > now + 60000) {
		fmt_time(at, t, sizeof(t));
		return store_refuse(err, len, "time %s is in the future", t);
	}
	if ((r = begin_as(st, who, &acct, err, len)) != 0)
		return r;
	s = store_prepare(st, "SELECT lab, assessment, NULL FROM devices WHERE id = ?1", "s", device);
	if ((r = store_row(st, s, store_origin_cols, &dev, sizeof(dev))) < 0) {
		account_clear(&acct);
		return store_db_error(st, err, len);
	}
	if (r == 0) {
		account_clear(&acct);
		store_rollback(st);
		return store_refuse(err, len, "no device '%s' in the database", device);
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
		return store_db_error(st, err, len);
	return 0;
}

/* ---- corrections: appended, with the old values and a reason ---- */

static int
need_reason(const char *reason, const char *what, char *err, size_t len)
{
	if (reason == NULL || strspn(reason, " \t") == strlen(reason))
		return store_refuse(err, len, "%s needs a reason", what);
	return 0;
}

/*
 * correct: one column of a correction: its new value into the plan, its
 * current value under "old" in the detail (NULL text and STORE_NOTIME:
 * null). An empty new text clears the column.
 */
static void
correct(struct change_plan *p, cJSON *old, const char *col, const char *text, int is_time,
    int64_t t, const char *old_text, int64_t old_t)
{
	if (is_time) {
		p->cv[p->n++] = t != STORE_NOTIME ? CV_I(col, t) : CV_N(col);
		cJSON_AddItemToObject(old, col, old_t != STORE_NOTIME ?
		    cJSON_CreateNumber((double)old_t) : cJSON_CreateNull());
	} else {
		p->cv[p->n++] = text && *text ? CV_S(col, text) : CV_N(col);
		cJSON_AddItemToObject(old, col, old_text ? cJSON_CreateString(old_text) :
		    cJSON_CreateNull());
	}
}

/* The "old" object of a correction's detail, with its reason beside it. */
static cJSON *
correction_detail(struct change_plan *p, const char *reason)
{
	if ((p->extra = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(p->extra, "reason", reason) == NULL)
		return NULL;
	return cJSON_AddObjectToObject(p->extra, "old");
}

struct amend_arg {
	const struct amend *a;
	const char *reason;
};

static int
plan_amend(const struct fault *f, const struct account *acct, void *arg, int64_t now,
    struct change_plan *p, char *err, size_t len)
{
	const struct amend *a = ((const struct amend_arg *)arg)->a;
	cJSON *old;
	int r;

	if ((r = rights_amend(acct, f, a, now, err, len)) != 0)
		return r;
	if ((a->action || a->parts || a->at) && f->repaired_at == STORE_NOTIME)
		return store_refuse(err, len, "fault %" PRId64 " has no repair to amend", f->id);
	if (a->note && f->acked_at == STORE_NOTIME)
		return store_refuse(err, len, "fault %" PRId64 " has no acknowledgement whose note could be amended", f->id);
	if (a->at && (r = check_repair_time(f, a->at, now, err, len)) != 0)
		return r;
	if ((old = correction_detail(p, ((const struct amend_arg *)arg)->reason)) == NULL)
		return -1;
	if (a->at)
		correct(p, old, "repaired_at", NULL, 1, a->at, NULL, f->repaired_at);
	if (a->action)
		correct(p, old, "action", a->action, 0, 0, f->action, 0);
	if (a->parts)
		correct(p, old, "parts", a->parts, 0, 0, f->parts, 0);
	if (a->note)
		correct(p, old, "ack_note", a->note, 0, 0, f->ack_note, 0);
	return 0;
}

int
store_amend(struct store *st, int64_t id, const struct actor *who, const struct amend *a,
    const char *reason, int64_t now, char *err, size_t len)
{
	struct amend_arg arg = { a, reason };
	int r;

	if ((r = need_reason(reason, "a correction", err, len)) != 0)
		return r;
	if (a == NULL || (!a->action && !a->parts && !a->note && !a->at))
		return store_refuse(err, len, "nothing to amend: give a new action, parts, time or note");
	if (a->action && *a->action == '\0')
		return store_refuse(err, len, "a repair's action cannot be made empty");
	return change_fault(st, id, RIGHT_AMEND, plan_amend, &arg, "amend", who, now, err, len);
}

static int
plan_reopen(const struct fault *f, const struct account *acct, void *arg, int64_t now,
    struct change_plan *p, char *err, size_t len)
{
	cJSON *old;
	const char *undo;

	(void)acct;
	(void)now;
	if (f->dismissed_at == STORE_NOTIME && f->repaired_at == STORE_NOTIME &&
	    f->acked_at == STORE_NOTIME)
		return store_refuse(err, len, "fault %" PRId64 " has no acknowledgement, repair or dismissal to undo", f->id);
	if ((old = correction_detail(p, arg)) == NULL)
		return -1;
	/* the latest of the three: a dismissal or a repair ends the work, an ack begins it */
	if (f->dismissed_at != STORE_NOTIME) {
		undo = "dismiss";
		correct(p, old, "dismissed_at", NULL, 1, STORE_NOTIME, NULL, f->dismissed_at);
		correct(p, old, "dismissed_by", NULL, 0, 0, f->dismissed_by, 0);
		correct(p, old, "dismiss_reason", NULL, 0, 0, f->dismiss_reason, 0);
	} else if (f->repaired_at != STORE_NOTIME) {
		undo = "repair";
		correct(p, old, "repaired_at", NULL, 1, STORE_NOTIME, NULL, f->repaired_at);
		correct(p, old, "repaired_by", NULL, 0, 0, f->repaired_by, 0);
		correct(p, old, "action", NULL, 0, 0, f->action, 0);
		correct(p, old, "parts", NULL, 0, 0, f->parts, 0);
		correct(p, old, "repair_logged_at", NULL, 1, STORE_NOTIME, NULL, f->repair_logged_at);
	} else {
		undo = "ack";
		correct(p, old, "acked_at", NULL, 1, STORE_NOTIME, NULL, f->acked_at);
		correct(p, old, "acked_by", NULL, 0, 0, f->acked_by, 0);
		correct(p, old, "ack_note", NULL, 0, 0, f->ack_note, 0);
	}
	return cJSON_AddStringToObject(p->extra, "undo", undo) ? 0 : -1;
}

int
store_reopen(struct store *st, int64_t id, const struct actor *who, const char *reason, int64_t now,
    char *err, size_t len)
{
	int r;

	if ((r = need_reason(reason, "reopen", err, len)) != 0)
		return r;
	return change_fault(st, id, RIGHT_REOPEN, plan_reopen, (void *)reason, "reopen", who, now,
	    err, len);
}
