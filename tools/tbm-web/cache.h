/*
 * cache.h - what the pages read again and again, kept until the record
 * changes: the faults that still need people (my work, the board, the
 * device list), the safety events and the indicators of recent periods. The audit chain's last
 * seq is the mark: every change to a fault or an account appends a record,
 * so an unchanged seq means unchanged rows. Indicators also depend on
 * tbmond's runs (coverage), which are not audited: they are kept at most
 * CACHE_IND_TTL_MS.
 */
#ifndef TBMWEB_CACHE_H
#define TBMWEB_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "indicators.h"
#include "store.h"

#define CACHE_IND_SLOTS 4
#define CACHE_IND_TTL_MS (60 * 1000)

/* A list of faults as of the audit seq it was read at (-1: not read). */
struct cache_list {
	int64_t seq;
	struct fault *v;           /* newest first */
	size_t n;
};

struct cache {
	struct cache_list unresolved, safety;
	struct {
		int64_t from, to, seq, at, used;
		int valid;
		struct indicators in;
	} ind[CACHE_IND_SLOTS];
};

void cache_init(struct cache *c);
void cache_free(struct cache *c);
/* The faults still needing people (store_faults' `unresolved`), newest first. 0 or -1. */
int cache_unresolved(struct cache *c, struct store *st, const struct fault **v, size_t *n);
/* Every safety event, newest first. 0 or -1. */
int cache_safety(struct cache *c, struct store *st, const struct fault **v, size_t *n);
/* The indicators of [from, to). 0, or -1 with err. */
int cache_indicators(struct cache *c, struct store *st, int64_t from, int64_t to, double normal,
    int64_t now, const struct indicators **out, char *err, size_t len);

#endif
