/*
 * source.h - a base's records as the indicators read them, from either of
 * their homes: the base's own SQLite database, or one site of the central
 * PostgreSQL store (postgresql://HOST/DB?site=ID, filled by tbm-collect).
 * The same questions, the same rows, so the same figures.
 */
#ifndef TBM_SOURCE_H
#define TBM_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "store_pg.h"

struct source {
	struct store *st;          /* a base's database, or */
	struct pgstore *pg;        /* the central store */
	char *site;                /* and the site read from it */
	int owned;                 /* source_close closes the connection */
};

/* 1 if spec names a site of a PostgreSQL store (postgresql:// or postgres://). */
int source_is_pg(const char *spec);
/* source_open: a SQLite file (read only) or postgresql://...?site=ID.
 * -1 with a message in err. */
int source_open(const char *spec, struct source *out, char *err, size_t len);
/* A source over a database already open (not closed by source_close). */
void source_of_store(struct source *src, struct store *st);
void source_close(struct source *src);
const char *source_errmsg(const struct source *src);

int source_site(const struct source *src, struct site_row *out);   /* 1 found, 0 none, -1 error */
/* store_each_period_fault() of either store */
int source_each_period_fault(const struct source *src, int64_t from_ms, int64_t to_ms,
    period_fault_fn fn, void *arg);
int source_devices(const struct source *src, struct device_row **out, size_t *n);
int source_runs(const struct source *src, int64_t from_ms, int64_t to_ms, struct run_row **out,
    size_t *n);
int source_safety_devices(const struct source *src, char ***ids, size_t *n);
/* The evidence behind the figures: a base's database verified as tbmctl
 * verify does it; a site of the central store by what tbm-collect found
 * (its chain is checked as it arrives: the head is the last record held
 * without a gap, tamper alarms make it 1). 0, 1 with why in err, -1. */
int source_verify_head(const struct source *src, struct verify_result *res, char *err, size_t len);

#endif
