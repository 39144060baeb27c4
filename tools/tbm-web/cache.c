/*
 * cache.c - the unresolved faults and recent indicators, recomputed only
 * when the audit chain has grown (see cache.h). tbm-web serves from one
 * thread, so nothing here locks.
 */
#include "cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
cache_init(struct cache *c)
{
	memset(c, 0, sizeof(*c));
	c->unresolved.seq = c->safety.seq = -1;
}

void
cache_free(struct cache *c)
{
	store_faults_free(c->unresolved.v, c->unresolved.n);
	store_faults_free(c->safety.v, c->safety.n);
	for (size_t i = 0; i < CACHE_IND_SLOTS; i++)
		if (c->ind[i].valid)
			indicators_free(&c->ind[i].in);
	cache_init(c);
}

static int
newest_first(const void *a, const void *b)
{
	const struct fault *x = a, *y = b;

	if (x->opened_at != y->opened_at)
		return x->opened_at < y->opened_at ? 1 : -1;
	return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

/* The list as of now: read again when the audit chain has grown. */
static int
list_get(struct cache_list *l, struct store *st, const struct fault_filter *flt,
    const struct fault **v, size_t *n)
{
	struct fault *nv;
	size_t nn;
	int64_t seq = store_audit_last_seq(st);

	if (seq < 0)
		return -1;
	if (seq != l->seq) {
		if (store_faults(st, flt, &nv, &nn) != 0)
			return -1;
		if (nn > 1)   /* qsort(NULL, 0, ...) is undefined */
			qsort(nv, nn, sizeof(*nv), newest_first);
		store_faults_free(l->v, l->n);
		l->v = nv;
		l->n = nn;
		l->seq = seq;
	}
	*v = l->v;
	*n = l->n;
	return 0;
}

int
cache_unresolved(struct cache *c, struct store *st, const struct fault **v, size_t *n)
{
	struct fault_filter flt = { 0 };

	flt.unresolved = 1;
	return list_get(&c->unresolved, st, &flt, v, n);
}

int
cache_safety(struct cache *c, struct store *st, const struct fault **v, size_t *n)
{
	struct fault_filter flt = { 0 };

	flt.kinds = 1 << FK_SAFETY;
	return list_get(&c->safety, st, &flt, v, n);
}

/* Where a period's figures go: its stale entry, else a free slot, else the least used. */
static size_t
ind_slot(const struct cache *c, int64_t from, int64_t to)
{
	size_t lru = 0;

	for (size_t i = 0; i < CACHE_IND_SLOTS; i++)
		if (c->ind[i].valid && c->ind[i].from == from && c->ind[i].to == to)
			return i;
	for (size_t i = 0; i < CACHE_IND_SLOTS; i++) {
		if (!c->ind[i].valid)
			return i;
		if (c->ind[i].used < c->ind[lru].used)
			lru = i;
	}
	return lru;
}

int
cache_indicators(struct cache *c, struct store *st, int64_t from, int64_t to, double normal,
    int64_t now, const struct indicators **out, char *err, size_t len)
{
	int64_t seq = store_audit_last_seq(st);
	size_t slot;

	if (seq < 0) {
		snprintf(err, len, "%s", store_errmsg(st));
		return -1;
	}
	slot = ind_slot(c, from, to);
	if (c->ind[slot].valid && c->ind[slot].from == from && c->ind[slot].to == to &&
	    c->ind[slot].seq == seq && now >= c->ind[slot].at && now - c->ind[slot].at < CACHE_IND_TTL_MS) {
		c->ind[slot].used = now;
		*out = &c->ind[slot].in;
		return 0;
	}
	if (c->ind[slot].valid) {
		indicators_free(&c->ind[slot].in);
		c->ind[slot].valid = 0;
	}
	memset(&c->ind[slot].in, 0, sizeof(c->ind[slot].in));
	if (indicators_compute(st, from, to, 0, normal, &c->ind[slot].in, err, len) != 0)
		return -1;
	c->ind[slot].from = from;
	c->ind[slot].to = to;
	c->ind[slot].seq = seq;
	c->ind[slot].at = c->ind[slot].used = now;
	c->ind[slot].valid = 1;
	*out = &c->ind[slot].in;
	return 0;
}
