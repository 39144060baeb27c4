/*
 * ingest.c - one batch of event messages: each record checked against the
 * chain the centre holds (its hash recomputed, prev_hash against the held
 * seq - 1, its hash against the held seq + 1's prev_hash, a held seq never
 * replaced), the good ones stored in one transaction, the faults they touch
 * rebuilt by replaying their records with lib/replay.c (tbmctl verify's
 * code), and what is not good kept aside, never stored as good.
 *
 * In two steps: ingest_prepare does what needs no database (JSON, each
 * hash, each fault replayed from the batch's own records, the rows in
 * COPY's format), in a thread while the database stores the batch
 * before; ingest_store the rest, in one transaction.
 */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "collect.h"
#include "jsonpath.h"
#include "log.h"
#include "replay.h"

#define ASIDE_PAYLOAD_MAX 65536

static int
rec_cmp(const void *a, const void *b)
{
	const struct in_record *x = *(struct in_record *const *)a, *y = *(struct in_record *const *)b;
	int c = strcmp(x->site, y->site);

	if (c != 0)
		return c;
	return x->r.seq < y->r.seq ? -1 : x->r.seq > y->r.seq;
}

static int
i64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static const struct audit_rec *
held_find(const struct audit_rec *v, size_t n, int64_t seq)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (v[mid].seq == seq)
			return &v[mid];
		if (v[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* What is kept aside may be anything: its bytes that are not UTF-8 become
 * '?', so that PostgreSQL takes the text (and the rest is still there to see). */
static void
utf8_clean(char *s)
{
	size_t len = strlen(s);
	long bad;

	while ((bad = jsonpath_utf8_invalid(s, len)) >= 0) {
		s[bad] = '?';
		s += bad + 1;
		len -= (size_t)bad + 1;
	}
}

static int
aside(struct pgstore *ps, const char *site, int64_t seq, const char *kind, const struct message *m,
    struct ingest_stats *st, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static int
aside(struct pgstore *ps, const char *site, int64_t seq, const char *kind, const struct message *m,
    struct ingest_stats *st, const char *fmt, ...)
{
	char msg[512], *payload = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	utf8_clean(msg);
	if (strcmp(kind, "tamper") == 0) {
		st->tamper++;
		log_warnx("TAMPER ALARM: site %s record %" PRId64 ": %s", site ? site : "?", seq, msg);
	} else {
		st->rejected++;
		log_warnx("%s: kept aside (%s): %s", m ? m->topic : "?", kind, msg);
	}
	if (m && (payload = strndup(m->payload, m->len > ASIDE_PAYLOAD_MAX ? ASIDE_PAYLOAD_MAX : m->len))
	    == NULL)
		return -1;
	if (payload)
		utf8_clean(payload);
	rc = pgstore_keep_aside(ps, site, seq, kind, msg, payload, m ? m->at : 0);
	free(payload);
	return rc;
}

static int
rec_fault_cmp(const void *a, const void *b)
{
	const struct audit_rec *x = *(const struct audit_rec *const *)a;
	const struct audit_rec *y = *(const struct audit_rec *const *)b;

	if (x->fault_id != y->fault_id)
		return x->fault_id < y->fault_id ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ---- a batch read and checked without the database ---- */

/* A fault as a site's records in the batch leave it: their details applied
 * in seq order. When they are all the fault's records (a fault new to the
 * centre, all of them accepted), that is its row. */
struct partial {
	int64_t fid;
	cJSON *state;              /* NULL: a detail is not a JSON object */
	size_t count;              /* its records with a good hash */
};

struct group {                 /* one site's records */
	size_t off, n;             /* in order[] */
	struct pg_copy rows;       /* their rows, in that order */
	struct partial *pf;        /* by fault id */
	size_t npf;
	struct pg_copy faults;     /* the partials' rows, in that order */
};

enum { REC_OK, REC_INVALID, REC_OTHER_SITE };

struct prepared {
	struct message *m;
	size_t n;
	struct in_record *recs;
	unsigned char *bad;        /* REC_* of each message */
	char **why;                /* why it is REC_INVALID */
	signed char *link;         /* replay_link() of each record: its own hash */
	struct in_record **order;  /* the records by site, then seq */
	struct message **omsg;     /* each one's message */
	size_t nr;
	struct group *groups;
	size_t ngroups;
};

static int
partial_cmp(const void *a, const void *b)
{
	int64_t x = ((const struct partial *)a)->fid, y = ((const struct partial *)b)->fid;
	return x < y ? -1 : x > y;
}

static const struct partial *
partial_find(const struct group *g, int64_t fid)
{
	struct partial key = { .fid = fid };

	return g->npf ? bsearch(&key, g->pf, g->npf, sizeof(key), partial_cmp) : NULL;
}

/* The faults of a site's records with a good hash, each replayed from them. */
static int
group_partials(struct prepared *p, struct group *g)
{
	const struct audit_rec **v = malloc((g->n ? g->n : 1) * sizeof(*v));
	size_t nv = 0, i = 0;

	memset(&g->rows, 0, sizeof(g->rows));
	memset(&g->faults, 0, sizeof(g->faults));

	if (v == NULL)
		return -1;
	for (size_t k = 0; k < g->n; k++) {
		struct in_record *r = p->order[g->off + k];
		if (r->r.fault_id > 0 && p->link[r - p->recs] == REPLAY_OK)
			v[nv++] = &r->r;
	}
	qsort(v, nv, sizeof(*v), rec_fault_cmp);
	if ((g->pf = calloc(nv ? nv : 1, sizeof(*g->pf))) == NULL) {
		free(v);
		return -1;
	}
	while (i < nv) {
		struct partial *pf = &g->pf[g->npf++];
		pf->fid = v[i]->fault_id;
		pf->state = cJSON_CreateObject();
		for (; i < nv && v[i]->fault_id == pf->fid; i++) {
			pf->count++;
			if (pf->state && replay_fault(pf->state, v[i]->detail) != 0) {
				cJSON_Delete(pf->state);
				pf->state = NULL;
			}
		}
	}
	/* their rows, and the records' rows, ready for the database */
	{
		int64_t *ids = malloc((g->npf ? g->npf : 1) * sizeof(*ids));
		cJSON **states = malloc((g->npf ? g->npf : 1) * sizeof(*states));
		int rc = ids && states ? 0 : -1;
		for (size_t k = 0; rc == 0 && k < g->npf; k++) {
			ids[k] = g->pf[k].fid;
			states[k] = g->pf[k].state;
		}
		if (rc == 0)
			rc = pgstore_faults_copy(p->order[g->off]->site, ids, states, g->npf, &g->faults);
		for (size_t k = 0; rc == 0 && k < g->n; k++)
			v[k] = &p->order[g->off + k]->r;
		if (rc == 0)
			rc = pgstore_records_copy(p->order[g->off]->site, p->omsg[g->off]->at, v, g->n,
			    &g->rows);
		free(ids);
		free(states);
		free(v);
		return rc;
	}
}

struct prepared *
ingest_prepare(struct message *m, size_t n)
{
	struct prepared *p = calloc(1, sizeof(*p));
	size_t a = n ? n : 1, i = 0;

	if (p == NULL)
		return NULL;
	p->m = m;
	p->n = n;
	p->recs = calloc(a, sizeof(*p->recs));
	p->bad = calloc(a, sizeof(*p->bad));
	p->why = calloc(a, sizeof(*p->why));
	p->link = calloc(a, sizeof(*p->link));
	p->order = calloc(a, sizeof(*p->order));
	p->omsg = calloc(a, sizeof(*p->omsg));
	p->groups = calloc(a, sizeof(*p->groups));
	if (p->recs == NULL || p->bad == NULL || p->why == NULL || p->link == NULL ||
	    p->order == NULL || p->omsg == NULL || p->groups == NULL)
		goto fail;
	for (size_t k = 0; k < n; k++) {
		char err[160], tsite[COLLECT_SITE_MAX];
		if (record_parse(m[k].payload, m[k].len, &p->recs[k], err, sizeof(err)) != 0) {
			p->bad[k] = REC_INVALID;
			if ((p->why[k] = strdup(err)) == NULL)
				goto fail;
			continue;
		}
		if (record_topic_site(m[k].topic, tsite, sizeof(tsite)) != 0 ||
		    strcmp(tsite, p->recs[k].site) != 0) {
			p->bad[k] = REC_OTHER_SITE;
			continue;
		}
		p->link[k] = (signed char)replay_link(&p->recs[k].r, NULL);
		p->order[p->nr++] = &p->recs[k];
	}
	/* by site, then seq; each record's message travels with it */
	qsort(p->order, p->nr, sizeof(*p->order), rec_cmp);
	for (size_t k = 0; k < p->nr; k++)
		p->omsg[k] = &m[p->order[k] - p->recs];
	while (i < p->nr) {
		struct group *g = &p->groups[p->ngroups++];
		size_t j = i;
		while (j < p->nr && strcmp(p->order[j]->site, p->order[i]->site) == 0)
			j++;
		g->off = i;
		g->n = j - i;
		if (group_partials(p, g) != 0)
			goto fail;
		i = j;
	}
	return p;
fail:
	ingest_prepared_free(p);
	return NULL;
}

void
ingest_prepared_free(struct prepared *p)
{
	if (p == NULL)
		return;
	for (size_t k = 0; k < p->n && p->recs; k++) {
		record_clear(&p->recs[k]);
		if (p->why)
			free(p->why[k]);
	}
	for (size_t g = 0; g < p->ngroups; g++) {
		for (size_t k = 0; k < p->groups[g].npf; k++)
			cJSON_Delete(p->groups[g].pf[k].state);
		free(p->groups[g].pf);
		pgstore_copy_free(&p->groups[g].rows);
		pgstore_copy_free(&p->groups[g].faults);
	}
	free(p->recs);
	free(p->bad);
	free(p->why);
	free(p->link);
	free(p->order);
	free(p->omsg);
	free(p->groups);
	free(p);
}

static void *
prepare_thread(void *arg)
{
	struct ingest_job *j = arg;

	j->p = ingest_prepare(j->m, j->n);
	return NULL;
}

void
ingest_prepare_start(struct ingest_job *j, struct message *m, size_t n)
{
	j->m = m;
	j->n = n;
	j->p = NULL;
	/* without a thread, the waiter prepares it */
	j->started = pthread_create(&j->t, NULL, prepare_thread, j) == 0;
}

struct prepared *
ingest_prepare_wait(struct ingest_job *j)
{
	if (j->started)
		pthread_join(j->t, NULL);
	else
		prepare_thread(j);
	j->started = 0;
	return j->p;
}

/* ---- the batch against what the centre holds ---- */

/* Fault rows replayed here, about to be written. */
struct rows {
	int64_t *ids;
	cJSON **states;
	size_t n;
};

static int
rows_init(struct rows *r, size_t n)
{
	memset(r, 0, sizeof(*r));
	r->ids = malloc((n ? n : 1) * sizeof(*r->ids));
	r->states = malloc((n ? n : 1) * sizeof(*r->states));
	return r->ids && r->states ? 0 : -1;
}

static void
rows_add(struct rows *r, int64_t id, cJSON *state)
{
	r->ids[r->n] = id;
	r->states[r->n++] = state;
}

static int
rows_put(struct pgstore *ps, const char *site, const struct rows *r, int fresh)
{
	struct pg_copy t;
	int rc;

	if (r->n == 0)
		return 0;
	if (pgstore_faults_copy(site, r->ids, r->states, r->n, &t) != 0) {
		pgstore_set_err(ps, "out of memory");
		return -1;
	}
	rc = pgstore_put_faults(ps, &t, NULL, r->n, fresh);
	pgstore_copy_free(&t);
	return rc;
}

static void
rows_free(struct rows *r)
{
	for (size_t k = 0; k < r->n; k++)
		cJSON_Delete(r->states[k]);
	free(r->ids);
	free(r->states);
}

static int
id_in(const int64_t *v, size_t n, int64_t id)
{
	return n && bsearch(&id, v, n, sizeof(id), i64_cmp) != NULL;
}

/*
 * The faults of the accepted records, replayed from every record held. A
 * fault above the highest fault id held before this batch has no other
 * records than these (the site is locked): when all its records in the
 * batch were accepted, the state prepared from them is its row. For the
 * others, when the accepted ones are a run of seqs, every record in that
 * run is one of them (a held one would have been a duplicate): those come
 * from memory, the fault's older records from the database.
 */
static int
replay_faults(struct pgstore *ps, const char *site, const struct group *g,
    struct in_record **acc, size_t n, int64_t max_fault, struct ingest_stats *st)
{
	int64_t *ids = malloc((n ? n : 1) * sizeof(*ids)), *rest = NULL, lo = 0, hi = -1;
	size_t *cnt = NULL, *ready = NULL, nready = 0;
	struct audit_rec *v = NULL;
	const struct audit_rec **all = NULL;
	struct rows fresh, old;
	size_t nid = 0, nrest = 0, nv = 0, nall = 0, i = 0;
	int rc = -1;

	memset(&fresh, 0, sizeof(fresh));
	memset(&old, 0, sizeof(old));
	if (ids == NULL)
		return -1;
	for (size_t k = 0; k < n; k++)
		if (acc[k]->r.fault_id > 0)
			ids[nid++] = acc[k]->r.fault_id;
	if (nid == 0) {
		free(ids);
		return 0;
	}
	qsort(ids, nid, sizeof(*ids), i64_cmp);
	{
		size_t u = 0;
		for (size_t k = 0; k < nid; k++)
			if (u == 0 || ids[u - 1] != ids[k])
				ids[u++] = ids[k];
		nid = u;
	}
	if ((cnt = calloc(nid, sizeof(*cnt))) == NULL || (rest = malloc(nid * sizeof(*rest))) == NULL ||
	    (ready = malloc(nid * sizeof(*ready))) == NULL || rows_init(&fresh, nid) != 0 ||
	    rows_init(&old, nid) != 0)
		goto out;
	for (size_t k = 0; k < n; k++)
		if (acc[k]->r.fault_id > 0)
			cnt[(int64_t *)bsearch(&acc[k]->r.fault_id, ids, nid, sizeof(*ids), i64_cmp) - ids]++;
	/* new faults whose records were all accepted: prepared already */
	for (size_t k = 0; k < nid; k++) {
		const struct partial *pf = partial_find(g, ids[k]);
		if (ids[k] > max_fault && pf && pf->state && pf->count == cnt[k])
			ready[nready++] = (size_t)(pf - g->pf);
		else
			rest[nrest++] = ids[k];
	}
	if (nrest == 0)
		goto put;
	/* acc is sorted by seq */
	if (acc[n - 1]->r.seq - acc[0]->r.seq + 1 == (int64_t)n) {
		lo = acc[0]->r.seq;
		hi = acc[n - 1]->r.seq;
	}
	{
		/* rest is sorted: the older faults first */
		size_t nold = 0;
		while (nold < nrest && rest[nold] <= max_fault)
			nold++;
		if (nold > 0 && pgstore_fault_records(ps, site, rest, nold, lo, hi, &v, &nv) != 0)
			goto out;
	}
	if ((all = calloc(nv + n, sizeof(*all))) == NULL)
		goto out;
	for (size_t k = 0; k < nv; k++)
		all[nall++] = &v[k];
	/* from memory: the new faults' records, and with a run all of them */
	for (size_t k = 0; k < n; k++)
		if (acc[k]->r.fault_id > 0 && (lo <= hi || acc[k]->r.fault_id > max_fault) &&
		    id_in(rest, nrest, acc[k]->r.fault_id))
			all[nall++] = &acc[k]->r;
	qsort(all, nall, sizeof(*all), rec_fault_cmp);
	while (i < nall) {
		int64_t fid = all[i]->fault_id;
		cJSON *state = cJSON_CreateObject();
		int bad = state == NULL;
		for (; i < nall && all[i]->fault_id == fid; i++)
			if (!bad && replay_fault(state, all[i]->detail) != 0) {
				log_warnx("site %s record %" PRId64 ": its detail is not a JSON object; fault %"
				    PRId64 " is not rebuilt", site, all[i]->seq, fid);
				bad = 1;
			}
		if (bad) {
			cJSON_Delete(state);
			continue;
		}
		rows_add(fid > max_fault ? &fresh : &old, fid, state);
	}
put:
	if (pgstore_put_faults(ps, &g->faults, nready == g->npf ? NULL : ready, nready, 1) != 0 ||
	    rows_put(ps, site, &fresh, 1) != 0 || rows_put(ps, site, &old, 0) != 0)
		goto out;
	st->faults += nready + fresh.n + old.n;
	rc = 0;
out:
	rows_free(&fresh);
	rows_free(&old);
	free(all);
	store_audit_free(v, nv);
	free(rest);
	free(ready);
	free(cnt);
	free(ids);
	return rc;
}

/* One site's records, sorted by seq: checked, stored, replayed. */
static int
ingest_site(struct pgstore *ps, const struct prepared *p, const struct group *g,
    struct ingest_stats *st, struct gap *gap)
{
	struct in_record **v = p->order + g->off;
	struct message **msg = p->omsg + g->off;
	size_t n = g->n;
	const char *site = v[0]->site;
	int64_t contiguous, highest, max_fault, top_fault = 0, held_to, *seqs = NULL;
	struct audit_rec *held = NULL;
	struct in_record **acc = NULL;
	size_t *acc_row = NULL;
	size_t nheld = 0, nacc = 0, ns = 0, dup = 0;
	int known, rc = -1;

	/* two collectors sharing the work take turns on a site: each replays
	 * and counts what the other has committed */
	if (pgstore_lock_site(ps, site) != 0 ||
	    (known = pgstore_site_state(ps, site, &contiguous, &highest, &max_fault)) < 0)
		return -1;
	if (!known) {
		for (size_t i = 0; i < n; i++)
			if (aside(ps, site, v[i]->r.seq, "unknown-site", msg[i], st, "site %s has not "
			    "published its config yet; asked again once it has", site) != 0)
				return -1;
		return 0;
	}
	seqs = malloc(3 * n * sizeof(*seqs));
	acc = malloc(n * sizeof(*acc));
	acc_row = malloc(n * sizeof(*acc_row));
	if (seqs == NULL || acc == NULL || acc_row == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		seqs[ns++] = v[i]->r.seq - 1;
		seqs[ns++] = v[i]->r.seq;
		seqs[ns++] = v[i]->r.seq + 1;
	}
	if (pgstore_held(ps, site, seqs, ns, &held, &nheld) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct audit_rec *r = &v[i]->r, *same, *before, *after;
		const char *expect_prev = NULL;
		enum replay_link l = (enum replay_link)p->link[v[i] - p->recs];
		int64_t top = contiguous > highest ? contiguous : highest;

		if (l == REPLAY_ERROR)
			goto out;
		if (l == REPLAY_BAD_HASH) {
			if (aside(ps, site, r->seq, "bad-hash", msg[i], st, "its hash does not match its "
			    "content") != 0)
				goto out;
			continue;
		}
		if (r->seq > top + INGEST_MAX_AHEAD) {
			if (aside(ps, site, r->seq, "future", msg[i], st, "seq %" PRId64 " is more than %d "
			    "beyond the highest held or announced by the base (%" PRId64 ")", r->seq,
			    INGEST_MAX_AHEAD, top) != 0)
				goto out;
			continue;
		}
		/* what is held: in the database, or accepted earlier in this batch */
		same = held_find(held, nheld, r->seq);
		if (same == NULL && nacc && acc[nacc - 1]->r.seq == r->seq)
			same = &acc[nacc - 1]->r;
		if (same != NULL) {
			if (strcmp(same->hash, r->hash) == 0) {
				st->duplicates++;
				continue;
			}
			if (aside(ps, site, r->seq, "tamper", msg[i], st, "differs from the record held "
			    "(held hash %.12s..., received %.12s...)", same->hash, r->hash) != 0)
				goto out;
			continue;
		}
		before = nacc && acc[nacc - 1]->r.seq == r->seq - 1 ? &acc[nacc - 1]->r :
		    held_find(held, nheld, r->seq - 1);
		if (r->seq == 1)
			expect_prev = AUDIT_GENESIS;
		else if (before != NULL)
			expect_prev = before->hash;
		if (expect_prev && strcmp(expect_prev, r->prev_hash) != 0) {
			if (aside(ps, site, r->seq, "tamper", msg[i], st, "does not follow the held record "
			    "%" PRId64 " (its prev_hash %.12s..., held hash %.12s...)", r->seq - 1,
			    r->prev_hash, expect_prev) != 0)
				goto out;
			continue;
		}
		after = held_find(held, nheld, r->seq + 1);
		if (after != NULL && strcmp(after->prev_hash, r->hash) != 0) {
			if (aside(ps, site, r->seq, "tamper", msg[i], st, "the held record %" PRId64
			    " does not follow it (held prev_hash %.12s..., received hash %.12s...)",
			    r->seq + 1, after->prev_hash, r->hash) != 0)
				goto out;
			continue;
		}
		acc_row[nacc] = i;
		acc[nacc++] = v[i];
	}
	if (pgstore_insert(ps, &g->rows, nacc == n ? NULL : acc_row, nacc, &dup) != 0)
		goto out;
	if (dup > 0) {
		/* another collector stored some of these meanwhile: the same ones? */
		struct audit_rec *h2 = NULL;
		size_t nh2 = 0;
		ns = 0;
		for (size_t i = 0; i < nacc; i++)
			seqs[ns++] = acc[i]->r.seq;
		if (pgstore_held(ps, site, seqs, ns, &h2, &nh2) != 0)
			goto out;
		for (size_t i = 0; i < nacc; i++) {
			const struct audit_rec *h = held_find(h2, nh2, acc[i]->r.seq);
			if (h && strcmp(h->hash, acc[i]->r.hash) != 0 &&
			    aside(ps, site, acc[i]->r.seq, "tamper", NULL, st, "differs from the record "
			    "another collector stored") != 0) {
				store_audit_free(h2, nh2);
				goto out;
			}
		}
		store_audit_free(h2, nh2);
		st->duplicates += dup;
	}
	st->stored += nacc - dup;
	if (replay_faults(ps, site, g, acc, nacc, max_fault, st) != 0)
		goto out;
	/* how far the chain is now whole: what was held, and what came in */
	held_to = contiguous;
	for (size_t a = 0, h = 0;;) {
		while (a < nacc && acc[a]->r.seq <= held_to)
			a++;
		while (h < nheld && held[h].seq <= held_to)
			h++;
		if ((a < nacc && acc[a]->r.seq == held_to + 1) || (h < nheld && held[h].seq == held_to + 1))
			held_to++;
		else
			break;
	}
	for (size_t i = 0; i < nacc; i++)
		if (acc[i]->r.fault_id > top_fault)
			top_fault = acc[i]->r.fault_id;
	if (pgstore_progress(ps, site, msg[n - 1]->at, top_fault, held_to, &gap->contiguous,
	    &gap->highest) != 0)
		goto out;
	snprintf(gap->site, sizeof(gap->site), "%s", site);
	rc = 0;
out:
	store_audit_free(held, nheld);
	free(seqs);
	free(acc);
	free(acc_row);
	return rc;
}

int
ingest_store(struct pgstore *ps, const struct prepared *p, struct ingest_stats *st,
    struct gap **gaps, size_t *ngaps)
{
	struct ingest_stats s = *st;
	int rc = -1;

	*gaps = NULL;
	*ngaps = 0;
	if (p == NULL || (*gaps = calloc(p->ngroups ? p->ngroups : 1, sizeof(**gaps))) == NULL) {
		pgstore_set_err(ps, "out of memory");
		goto out;
	}
	if (pgstore_begin(ps) != 0)
		goto out;
	for (size_t k = 0; k < p->n; k++) {
		char tsite[COLLECT_SITE_MAX];
		const struct message *m = &p->m[k];
		if (p->bad[k] == REC_INVALID && aside(ps, record_topic_site(m->topic, tsite,
		    sizeof(tsite)) == 0 ? tsite : NULL, 0, "invalid", m, &s, "%s", p->why[k]) != 0)
			goto fail;
		if (p->bad[k] == REC_OTHER_SITE && aside(ps, NULL, p->recs[k].r.seq, "invalid", m, &s,
		    "a record of site %s on topic %s", p->recs[k].site, m->topic) != 0)
			goto fail;
	}
	for (size_t g = 0; g < p->ngroups; g++) {
		if (ingest_site(ps, p, &p->groups[g], &s, &(*gaps)[*ngaps]) != 0)
			goto fail;
		if ((*gaps)[*ngaps].site[0])
			(*ngaps)++;
	}
	if (pgstore_commit(ps) != 0)
		goto fail;
	*st = s;
	rc = 0;
	goto out;
fail:
	pgstore_rollback(ps);
out:
	if (rc != 0) {
		free(*gaps);
		*gaps = NULL;
		*ngaps = 0;
	}
	return rc;
}

int
ingest_batch(struct pgstore *ps, struct message *m, size_t n, struct ingest_stats *st,
    struct gap **gaps, size_t *ngaps)
{
	struct prepared *p = ingest_prepare(m, n);
	int rc = ingest_store(ps, p, st, gaps, ngaps);

	ingest_prepared_free(p);
	return rc;
}

int
ingest_config(struct pgstore *ps, const struct message *m, struct ingest_stats *st, char *site,
    size_t len)
{
	struct pg_config c;
	cJSON *json = NULL;
	char err[160] = "", tsite[COLLECT_SITE_MAX];
	char *raw;
	int rc = -1;

	site[0] = '\0';
	if (record_config(m->payload, m->len, &c, &json, err, sizeof(err)) != 0 ||
	    record_topic_site(m->topic, tsite, sizeof(tsite)) != 0 || strcmp(tsite, c.site) != 0) {
		rc = aside(ps, NULL, 0, "invalid", m, st, "config: %s", json ? "a config of another "
		    "site, or on a topic that is not tbmon/SITE/config" : err);
		record_config_free(&c);
		cJSON_Delete(json);
		return rc;
	}
	if ((raw = strndup(m->payload, m->len)) == NULL)
		goto out;
	c.raw = raw;
	if (pgstore_begin(ps) != 0 || pgstore_put_config(ps, &c, m->at) != 0 || pgstore_commit(ps) != 0) {
		pgstore_rollback(ps);
		goto out;
	}
	snprintf(site, len, "%s", c.site);
	rc = 0;
out:
	free(raw);
	record_config_free(&c);
	cJSON_Delete(json);
	return rc;
}
