/*
 * channel.c - one channel's thread. It follows the audit trail from its
 * position in the database's meta table and moves the position only over
 * what was delivered (or needs no message), so that a crash repeats at
 * most the message in flight and loses none. Escalations follow faults in
 * the order they opened, from a watermark of their own; the digest keeps
 * the last day it was sent. More than `burst` messages in a window of a
 * minute are held and go out as one summary when the window ends.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eventjson.h"
#include "indicators.h"
#include "log.h"
#include "notify.h"
#include "tbmtime.h"

#define TICK_MS 100
#define BATCH 100
#define ESCALATE_EVERY_MS 1000
#define SAVE_EVERY_MS 1000
#define BACKOFF_FIRST_MS 500
#define BACKOFF_MAX_MS 60000
#define DB_WAIT_MS 5000

enum { ESC_UNACKED = 0, ESC_UNREPAIRED, ESC_COUNT };

struct escalation {
	int64_t after_ms;            /* 0: not sent */
	int64_t at, id;              /* committed: faults up to (opened_at, id) are handled */
	int64_t read_at, read_id;    /* handled or held in the summary */
	char key_at[96], key_id[96];
};

struct channel {
	const struct config *cf;
	const struct conf_notify *c;
	struct deliver *d;
	struct store *st;
	pthread_t th;
	int running;
	char key_seq[96], key_daily[96];
	int64_t pos, saved_pos, read_pos, last_save;
	struct escalation esc[ESC_COUNT];
	int64_t last_escalate;
	int64_t daily_last;
	int64_t down_sent;           /* the end of watching that was reported; 0: none */
	char key_down[96];
	/* the storm window */
	int64_t win_start;
	unsigned win_count;
	int held;
	struct summary sum;
	/* failures */
	int64_t retry_at, backoff_ms;
	unsigned long failures;
	struct ratelimit complain, db_complain;
};

struct channel *
channel_new(const struct config *cf, const struct conf_notify *c)
{
	struct channel *ch = calloc(1, sizeof(*ch));

	if (ch == NULL)
		return NULL;
	ch->cf = cf;
	ch->c = c;
	ch->complain = (struct ratelimit)RATELIMIT_INIT(RATELIMIT_MINUTE);
	ch->db_complain = (struct ratelimit)RATELIMIT_INIT(RATELIMIT_MINUTE);
	snprintf(ch->key_seq, sizeof(ch->key_seq), "notify:%s:seq", c->id);
	snprintf(ch->key_daily, sizeof(ch->key_daily), "notify:%s:daily", c->id);
	snprintf(ch->key_down, sizeof(ch->key_down), "notify:%s:stopped", c->id);
	ch->esc[ESC_UNACKED].after_ms = c->send.unacked_ms;
	ch->esc[ESC_UNREPAIRED].after_ms = c->send.unrepaired_ms;
	for (int i = 0; i < ESC_COUNT; i++) {
		const char *w = i == ESC_UNACKED ? "unacked" : "unrepaired";
		snprintf(ch->esc[i].key_at, sizeof(ch->esc[i].key_at), "notify:%s:%s_at", c->id, w);
		snprintf(ch->esc[i].key_id, sizeof(ch->esc[i].key_id), "notify:%s:%s_id", c->id, w);
	}
	if ((ch->d = deliver_new(c, cf->site.name)) == NULL || deliver_load(ch->d, 0) != 0) {
		channel_free(ch);
		return NULL;
	}
	return ch;
}

void
channel_free(struct channel *ch)
{
	if (ch == NULL)
		return;
	deliver_free(ch->d);
	store_close(ch->st);
	summary_clear(&ch->sum);
	free(ch);
}

static void
db_trouble(struct channel *ch, const char *what)
{
	unsigned long k = ratelimit_pass(&ch->db_complain, time_mono_ms());

	if (k > 0)
		log_warnx("notify %s: %s: %s%s", ch->c->id, what,
		    ch->st ? store_errmsg(ch->st) : "no database",
		    k > 1 ? " (and since the last report, more)" : "");
}

static char *notice_json(const struct channel *ch, const char *action, const struct fault *f,
    const char *text);

/* ---- positions in the meta table ---- */

static int
meta_get(struct channel *ch, const char *key, int64_t *v, int64_t def)
{
	int r = store_meta_int(ch->st, key, v);

	if (r < 0)
		return -1;
	if (r == 0) {
		*v = def;
		if (store_set_meta_int(ch->st, key, def) != 0)
			return -1;
	}
	return 0;
}

/* The last moment of the digest's time of day at or before now. */
static int64_t
daily_slot(int minute, int64_t now)
{
	int y, m, d;
	int64_t slot;

	time_local_fields(now, &y, &m, &d);
	slot = time_local_mktime(y, m, d, minute / 60, minute % 60, 0);
	if (slot > now)
		slot = time_local_mktime(y, m, d - 1, minute / 60, minute % 60, 0);
	return slot;
}

/* A new channel starts at the end of the trail: it is not sent the base's
 * history, nor escalations of faults that were overdue before it existed. */
static int
load_positions(struct channel *ch)
{
	int64_t now = time_now_ms(), head = store_audit_last_seq(ch->st);

	if (head < 0 || meta_get(ch, ch->key_seq, &ch->pos, head) != 0)
		return -1;
	ch->read_pos = ch->saved_pos = ch->pos;
	for (int i = 0; i < ESC_COUNT; i++) {
		struct escalation *e = &ch->esc[i];
		if (e->after_ms == 0)
			continue;
		if (meta_get(ch, e->key_at, &e->at, now - e->after_ms) != 0 ||
		    meta_get(ch, e->key_id, &e->id, INT64_MAX) != 0)
			return -1;
		e->read_at = e->at;
		e->read_id = e->id;
	}
	if (ch->c->send.daily_min >= 0 &&
	    meta_get(ch, ch->key_daily, &ch->daily_last, daily_slot(ch->c->send.daily_min, now)) != 0)
		return -1;
	if (ch->c->send.stopped_ms != 0 && meta_get(ch, ch->key_down, &ch->down_sent, 0) != 0)
		return -1;
	return 0;
}

static void
save_pos(struct channel *ch, int now_too)
{
	int64_t now = time_mono_ms();

	if (ch->pos == ch->saved_pos || (!now_too && now - ch->last_save < SAVE_EVERY_MS))
		return;
	if (store_set_meta_int(ch->st, ch->key_seq, ch->pos) != 0) {
		db_trouble(ch, "cannot save the position");
		return;
	}
	ch->saved_pos = ch->pos;
	ch->last_save = now;
}

static void
save_escalation(struct channel *ch, struct escalation *e)
{
	if (store_set_meta_int(ch->st, e->key_at, e->at) != 0 ||
	    store_set_meta_int(ch->st, e->key_id, e->id) != 0)
		db_trouble(ch, "cannot save the escalation position");
}

/* ---- delivering, with backoff ---- */

static int
send_one(struct channel *ch, const char *text, const char *event, const char *what)
{
	char why[512];

	if (text == NULL) {
		log_warnx("notify %s: out of memory", ch->c->id);
		ch->retry_at = time_mono_ms() + BACKOFF_FIRST_MS;
		return -1;
	}
	if (deliver_send(ch->d, text, event, why, sizeof(why)) == 0) {
		if (ch->failures > 0)
			log_notice("notify %s: delivering again after %lu failed attempts", ch->c->id,
			    ch->failures);
		ch->failures = 0;
		ch->backoff_ms = 0;
		ch->win_count++;
		log_info("notify %s: sent %s", ch->c->id, what);
		return 0;
	}
	ch->failures++;
	ch->backoff_ms = ch->backoff_ms == 0 ? BACKOFF_FIRST_MS :
	    ch->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : ch->backoff_ms * 2;
	ch->retry_at = time_mono_ms() + ch->backoff_ms;
	if (notify_stop)
		return -1;
	unsigned long k = ratelimit_pass(&ch->complain, time_mono_ms());
	if (k > 0)
		log_warnx("notify %s: %s not delivered: %s; %lu failed attempts so far, next in %lld ms",
		    ch->c->id, what, why, ch->failures, (long long)ch->backoff_ms);
	return -1;
}

/* Whether the window has room for one more message of its own. */
static int
window_room(struct channel *ch, int64_t now)
{
	if (ch->held)
		return 0;
	if (ch->win_start == 0 || now - ch->win_start >= NOTIFY_WINDOW_MS) {
		ch->win_start = now;
		ch->win_count = 0;
	}
	return ch->win_count < (unsigned)ch->c->burst;
}

static void
hold(struct channel *ch, const char *lab, enum msg_what what)
{
	if (!ch->held)
		log_notice("notify %s: more than %d messages a minute: holding them for one summary",
		    ch->c->id, ch->c->burst);
	ch->held = 1;
	summary_add(&ch->sum, lab, what);
}

/* The held messages as one, once the window is over; then everything they
 * covered is handled. */
static int
flush_summary(struct channel *ch, int64_t now)
{
	char *text, *json;
	int rc;

	if (!ch->held || now - ch->win_start < NOTIFY_WINDOW_MS)
		return 0;
	text = summary_text(&ch->sum, ch->cf->web.base_url);
	json = notice_json(ch, "summary", NULL, text);
	rc = send_one(ch, text, json, "a summary");
	free(text);
	cJSON_free(json);
	if (rc != 0)
		return -1;
	ch->win_start = now;
	ch->win_count = 1;
	ch->held = 0;
	summary_clear(&ch->sum);
	ch->pos = ch->read_pos;
	save_pos(ch, 1);
	for (int i = 0; i < ESC_COUNT; i++) {
		struct escalation *e = &ch->esc[i];
		if (e->after_ms != 0 && (e->at != e->read_at || e->id != e->read_id)) {
			e->at = e->read_at;
			e->id = e->read_id;
			save_escalation(ch, e);
		}
	}
	return 0;
}

/* What a webhook gets for a message that is not one audit record (an
 * escalation, a summary, the digest): the same keys where they apply. */
static char *
notice_json(const struct channel *ch, const char *action, const struct fault *f, const char *text)
{
	cJSON *o;
	char at[64], *out;

	if (ch->c->type != NOTIFY_WEBHOOK || text == NULL || (o = cJSON_CreateObject()) == NULL)
		return NULL;
	time_format_iso(time_now_ms(), at, sizeof(at));
	cJSON_AddStringToObject(o, "site", ch->cf->site.id);
	cJSON_AddStringToObject(o, "at", at);
	cJSON_AddStringToObject(o, "action", action);
	if (f != NULL) {
		time_format_iso(f->opened_at, at, sizeof(at));
		cJSON_AddNumberToObject(o, "fault_id", (double)f->id);
		cJSON_AddStringToObject(o, "device", f->device);
		cJSON_AddStringToObject(o, "point", f->point);
		cJSON_AddStringToObject(o, "kind", fault_kind_name(f->kind));
		cJSON_AddStringToObject(o, "label", f->label ? f->label : "");
		cJSON_AddStringToObject(o, "lab", f->lab ? f->lab : "");
		cJSON_AddStringToObject(o, "opened_at", at);
	} else {
		cJSON_AddNullToObject(o, "fault_id");
	}
	cJSON_AddStringToObject(o, "text", text);
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return out;
}

/* ---- what a record or a fault means for this channel ---- */

static int
lab_wanted(const struct channel *ch, const char *lab)
{
	if (ch->c->nlabs == 0)
		return 1;
	for (size_t i = 0; i < ch->c->nlabs; i++)
		if (lab != NULL && strcmp(ch->c->labs[i], lab) == 0)
			return 1;
	return 0;
}

static const char *
device_name(void *arg, const char *id)
{
	const struct conf_device *d = config_device(arg, id);

	return d != NULL && d->name != NULL ? d->name : id;
}

/* Which message an audit record makes, or -1: none. */
static int
record_what(const struct channel *ch, const struct outbox_rec *r)
{
	unsigned ev = ch->c->send.events;
	int safety = r->kind != NULL && strcmp(r->kind, "safety") == 0;

	if (r->action == NULL || r->fault_id <= 0)
		return -1;
	if (strcmp(r->action, "open") == 0 || strcmp(r->action, "report") == 0) {
		if (!(ev & (safety ? NOTIFY_SEND_SAFETY : NOTIFY_SEND_OPEN)))
			return -1;
		if (r->action[0] == 'r')
			return MSG_REPORT;
		return safety ? MSG_SAFETY : MSG_OPEN;
	}
	if (strcmp(r->action, "classify") == 0 && (ev & NOTIFY_SEND_ACCIDENT)) {
		cJSON *o = cJSON_Parse(r->detail ? r->detail : "");
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "classification");
		int accident = cJSON_IsString(c) && strcmp(c->valuestring, "accident") == 0;
		cJSON_Delete(o);
		return accident ? MSG_ACCIDENT : -1;
	}
	return -1;
}

static void
msg_fault_of(const struct channel *ch, const struct fault *f, struct msg_fault *m)
{
	memset(m, 0, sizeof(*m));
	m->id = f->id;
	m->device_name = device_name((void *)ch->cf, f->device);
	m->lab = f->lab;
	m->label = f->label;
	m->kind = f->kind;
	m->has_code = f->has_code;
	m->code = f->code;
	m->at = f->opened_at;
}

/* One record: 0 handled (sent, held or nothing to send), -1 try again later. */
static int
handle_record(struct channel *ch, const struct outbox_rec *r, int64_t now)
{
	int what = record_what(ch, r), rc, found;
	struct msg_fault m;
	struct fault f;
	char *text, *event = NULL, desc[64];

	if (what < 0 || !lab_wanted(ch, r->lab))
		goto handled;
	memset(&f, 0, sizeof(f));
	if ((found = store_fault_get(ch->st, r->fault_id, &f)) < 0) {
		db_trouble(ch, "cannot read a fault");
		return -1;
	}
	if (found == 0)
		goto handled;
	if (!window_room(ch, now)) {
		hold(ch, f.lab, (enum msg_what)what);
		fault_clear(&f);
		ch->read_pos = r->seq;
		return 0;
	}
	msg_fault_of(ch, &f, &m);
	if (what == MSG_ACCIDENT || what == MSG_REPORT)
		m.actor = r->actor;
	text = message_text((enum msg_what)what, &m, 0, ch->cf->web.base_url);
	if (ch->c->type == NOTIFY_WEBHOOK)
		event = event_json(ch->cf->site.id, r);
	snprintf(desc, sizeof(desc), "fault %" PRId64 " (%s)", r->fault_id, r->action);
	rc = send_one(ch, text, event, desc);
	free(text);
	cJSON_free(event);
	fault_clear(&f);
	if (rc != 0)
		return -1;
	ch->pos = ch->read_pos = r->seq;
	save_pos(ch, 1);
	return 0;
handled:
	ch->read_pos = r->seq;
	if (!ch->held)
		ch->pos = r->seq;
	return 0;
}

/* The trail after what was read: 1 when a full batch was read (more may wait). */
static int
follow_trail(struct channel *ch, int64_t now)
{
	struct outbox_rec *v = NULL;
	size_t n = 0, i;

	if (store_outbox(ch->st, ch->read_pos, BATCH, &v, &n) != 0) {
		db_trouble(ch, "cannot read the audit trail");
		return -1;
	}
	for (i = 0; i < n && !notify_stop; i++)
		if (handle_record(ch, &v[i], now) != 0)
			break;
	store_outbox_free(v, n);
	save_pos(ch, 0);
	return i < n ? -1 : n == BATCH;
}

/* Whether a fault still waits for what the escalation is about. */
static int
still_waiting(const struct fault *f, int which)
{
	if (f->repaired_at != STORE_NOTIME || f->dismissed_at != STORE_NOTIME)
		return 0;
	if (f->kind == FK_COMM && f->cleared_at != STORE_NOTIME)
		return 0;   /* the link is back: nobody needs to go */
	if (f->kind == FK_SAFETY && f->classification != NULL)
		return 0;   /* a safety event is closed by its classification */
	return which == ESC_UNACKED ? f->acked_at == STORE_NOTIME : 1;
}

static int
escalate(struct channel *ch, int which, int64_t now)
{
	struct escalation *e = &ch->esc[which];
	enum msg_what what = which == ESC_UNACKED ? MSG_UNACKED : MSG_UNREPAIRED;
	struct fault_filter flt = { 0 };
	struct fault *v = NULL;
	size_t n = 0, i;
	int rc = 0;

	flt.unresolved = 1;
	flt.from_ms = e->read_at > 0 ? e->read_at : 1;
	flt.to_ms = now - e->after_ms + 1;
	if (flt.to_ms <= flt.from_ms)
		return 0;
	if (store_faults(ch->st, &flt, &v, &n) != 0) {
		db_trouble(ch, "cannot read the open faults");
		return -1;
	}
	for (i = 0; i < n && !notify_stop; i++) {
		struct fault *f = &v[i];
		if (f->opened_at == e->read_at && f->id <= e->read_id)
			continue;
		if (lab_wanted(ch, f->lab) && still_waiting(f, which)) {
			if (!window_room(ch, now)) {
				hold(ch, f->lab, what);
			} else {
				const char *action = which == ESC_UNACKED ? "unacked" : "unrepaired";
				struct msg_fault m;
				char *text, *json, desc[64];
				msg_fault_of(ch, f, &m);
				text = message_text(what, &m, e->after_ms, ch->cf->web.base_url);
				json = notice_json(ch, action, f, text);
				snprintf(desc, sizeof(desc), "fault %" PRId64 " (%s)", f->id, action);
				rc = send_one(ch, text, json, desc);
				free(text);
				cJSON_free(json);
				if (rc != 0)
					break;
			}
		}
		e->read_at = f->opened_at;
		e->read_id = f->id;
		if (!ch->held) {
			e->at = e->read_at;
			e->id = e->read_id;
			save_escalation(ch, e);
		}
	}
	store_faults_free(v, n);
	return rc;
}

/* How the last 24 hours were watched, by the indicators' own rules. */
static int
digest_watch(struct channel *ch, int64_t now, struct digest_watch *w)
{
	struct indicators ind;
	struct run_row run;
	char err[256];
	int found;

	if (indicators_compute(ch->st, now - 24 * 3600 * 1000LL, now, 0, 0.95, &ind, err,
	    sizeof(err)) != 0)
		return -1;
	w->observed = ind.observed;
	w->min_coverage = ind.min_coverage;
	w->under_observed = ind_under_observed(ind.observed, ind.min_coverage);
	indicators_free(&ind);
	if ((found = store_last_run(ch->st, &run)) < 0)
		return -1;
	w->watching = found && ind_watching(&run, now, NULL);
	return 0;
}

static int
digest(struct channel *ch, int64_t now)
{
	struct digest_watch dw;
	int64_t slot = daily_slot(ch->c->send.daily_min, now);
	struct fault_filter flt = { 0 };
	struct fault *open = NULL, *recent = NULL;
	size_t nopen = 0, nrecent = 0, k = 0, nf = 0, ns = 0;
	char *text, *json;
	int rc = -1;

	if (slot <= ch->daily_last)
		return 0;
	if (digest_watch(ch, now, &dw) != 0) {
		db_trouble(ch, "cannot read how the day was watched");
		return -1;
	}
	flt.unresolved = 1;
	if (store_faults(ch->st, &flt, &open, &nopen) != 0)
		goto db;
	memset(&flt, 0, sizeof(flt));
	flt.from_ms = now - 24 * 3600 * 1000LL;
	if (store_faults(ch->st, &flt, &recent, &nrecent) != 0)
		goto db;
	for (size_t i = 0; i < nopen; i++) {
		if (!lab_wanted(ch, open[i].lab) || !still_waiting(&open[i], ESC_UNREPAIRED)) {
			fault_clear(&open[i]);
			continue;
		}
		open[k++] = open[i];
	}
	for (size_t i = 0; i < nrecent; i++)
		if (lab_wanted(ch, recent[i].lab))
			*(recent[i].kind == FK_SAFETY ? &ns : &nf) += 1;
	text = digest_text(ch->cf->site.name, now, &dw, open, k, nf, ns, device_name, (void *)ch->cf,
	    ch->cf->web.base_url);
	json = notice_json(ch, "daily", NULL, text);
	rc = send_one(ch, text, json, "the daily digest");
	free(text);
	cJSON_free(json);
	if (rc == 0) {
		ch->daily_last = slot;
		if (store_set_meta_int(ch->st, ch->key_daily, slot) != 0)
			db_trouble(ch, "cannot save the digest's day");
	}
	store_faults_free(open, k);
	store_faults_free(recent, nrecent);
	return rc;
db:
	db_trouble(ch, "cannot read the faults for the digest");
	store_faults_free(open, nopen);
	return -1;
}

/*
 * Nobody watching is news too: tbmond stopped, or its heartbeat is gone
 * (ind_watching's rule), for longer than `stopped`; and, once that was
 * said, that it watches again. Base-wide, whatever the channel's labs. The
 * end of watching that was reported is kept, so a restart of tbm-notify
 * says neither twice.
 */
static int
monitor(struct channel *ch, int64_t now)
{
	struct run_row run;
	int64_t since;
	char *text, *json;
	int found, stopped, rc;

	if ((found = store_last_run(ch->st, &run)) < 0) {
		db_trouble(ch, "cannot read tbmond's runs");
		return -1;
	}
	if (found == 0)
		return 0;   /* tbmond has never run: nothing stopped */
	stopped = !ind_watching(&run, now, &since);
	if (stopped && (since == ch->down_sent || now - since < ch->c->send.stopped_ms))
		return 0;
	if (!stopped && ch->down_sent == 0)
		return 0;
	if (stopped)
		text = monitor_text(1, ch->cf->site.name, since, now, run.stopped_at == STORE_NOTIME,
		    ch->cf->web.base_url);
	else
		text = monitor_text(0, ch->cf->site.name, ch->down_sent, run.started_at, 0,
		    ch->cf->web.base_url);
	json = notice_json(ch, stopped ? "stopped" : "resumed", NULL, text);
	rc = send_one(ch, text, json, stopped ? "monitoring stopped" : "monitoring resumed");
	free(text);
	cJSON_free(json);
	if (rc == 0) {
		ch->down_sent = stopped ? since : 0;
		if (store_set_meta_int(ch->st, ch->key_down, ch->down_sent) != 0)
			db_trouble(ch, "cannot save what was said of tbmond's watching");
	}
	return rc;
}

/* One round: the summary that is due, the trail, escalations, tbmond's
 * watching, the digest. */
static void
round_once(struct channel *ch)
{
	int64_t now = time_now_ms(), mono = time_mono_ms();
	int more;

	if (mono < ch->retry_at)
		return;
	if (flush_summary(ch, now) != 0)
		return;
	do {
		more = follow_trail(ch, now);
	} while (more == 1 && !notify_stop);
	if (more < 0)
		return;
	if (mono - ch->last_escalate >= ESCALATE_EVERY_MS) {
		ch->last_escalate = mono;
		for (int i = 0; i < ESC_COUNT; i++)
			if (ch->esc[i].after_ms != 0 && escalate(ch, i, now) != 0)
				return;
		if (ch->c->send.stopped_ms != 0 && monitor(ch, now) != 0)
			return;
	}
	if (ch->c->send.daily_min >= 0)
		(void)digest(ch, now);
}

static int
open_store(struct channel *ch)
{
	const char *path = ch->cf->daemon.database;
	char err[512];
	int waited = 0;

	while (!notify_stop) {
		/* tbmond creates the database; tbm-notify waits for it rather than make one */
		if (access(path, F_OK) == 0 && store_open(path, 0, &ch->st, err, sizeof(err)) == 0)
			return 0;
		if (!waited++)
			log_warnx("notify %s: waiting for the database: %s", ch->c->id,
			    access(path, F_OK) == 0 ? err : strerror(errno));
		poll(NULL, 0, DB_WAIT_MS);
	}
	return -1;
}

static void *
channel_main(void *arg)
{
	struct channel *ch = arg;

	if (open_store(ch) != 0)
		return NULL;
	while (!notify_stop && load_positions(ch) != 0) {
		db_trouble(ch, "cannot read its position");
		poll(NULL, 0, DB_WAIT_MS);
	}
	if (notify_stop)
		return NULL;
	log_info("notify %s: %s channel ready, after audit record %" PRId64, ch->c->id,
	    config_notify_type_name(ch->c->type), ch->pos);
	while (!notify_stop) {
		round_once(ch);
		poll(NULL, 0, TICK_MS);
	}
	save_pos(ch, 1);
	return NULL;
}

int
channel_start(struct channel *ch)
{
	if ((errno = pthread_create(&ch->th, NULL, channel_main, ch)) != 0)
		return -1;
	ch->running = 1;
	return 0;
}

void
channel_join(struct channel *ch)
{
	if (ch->running)
		pthread_join(ch->th, NULL);
	ch->running = 0;
}
