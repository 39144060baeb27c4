/*
 * store_pg.h - the central store in PostgreSQL (libpq): every base's audit
 * records exactly once (PRIMARY KEY (site, seq)), their fault rows rebuilt
 * by replay, each base's device list and daemon runs, and what was kept
 * aside (tamper alarms, rejected input). tbm-collect writes it; tbm-report
 * reads a site of it like a base's database. All its SQL is in the
 * store_pg*.c files, with bound parameters only; the groups below name
 * the file of each.
 */
#ifndef TBM_STORE_PG_H
#define TBM_STORE_PG_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct pgstore;
struct cJSON;

/* ---- store_pg.c: the connection, schema and transactions ---- */
/* pgstore_open: connects with a libpq connection string; with migrate,
 * creates or migrates the schema (one collector at a time, under an
 * advisory lock). -1 with a message in err. */
int pgstore_open(const char *conninfo, int migrate, struct pgstore **out, char *err, size_t len);
void pgstore_close(struct pgstore *ps);
const char *pgstore_errmsg(struct pgstore *ps);
/* What pgstore_errmsg says next (a caller's failure on the way to the store). */
void pgstore_set_err(struct pgstore *ps, const char *msg);
/* 1 while the connection is up; pgstore_reconnect tries once: 0 or -1. */
int pgstore_up(struct pgstore *ps);
int pgstore_reconnect(struct pgstore *ps);
int pgstore_schema_version(struct pgstore *ps);

int pgstore_begin(struct pgstore *ps);
int pgstore_commit(struct pgstore *ps);
void pgstore_rollback(struct pgstore *ps);

/* Rows in COPY's format (text, or binary for records) for pgstore_insert
 * and pgstore_put_faults, built apart from the connection
 * (pgstore_records_copy, pgstore_faults_copy: pure, so another thread may
 * build them while the connection is busy): buf[0, start) is the format's
 * header, row i is buf[end[i - 1] (start for the first), end[i]), and
 * what follows the last row its trailer. */
struct pg_copy {
	char *buf;
	size_t len, n, start;
	size_t *end;
};
void pgstore_copy_free(struct pg_copy *t);

/* ---- store_pg_sites.c: a site's device list (its retained config message) ---- */
struct pg_config {
	const char *site, *name, *timezone, *raw;   /* raw: the message as received */
	int64_t head;              /* the last seq the base had sent when it said this */
	struct device_row *devices;
	size_t ndevices;
	struct point_row *points;
	size_t npoints;
	struct run_row *runs;
	size_t nruns;
};
int pgstore_put_config(struct pgstore *ps, const struct pg_config *c, int64_t now);

/* ---- store_pg_sites.c: sites and their progress ---- */
struct pg_site {
	char *site, *name;
	int has_config;
	int64_t contiguous;        /* every seq up to this one is held */
	int64_t highest;           /* the highest seq held */
	int64_t held_above;        /* records held beyond contiguous */
	int64_t last_seen;         /* ms: the last record or config received */
	int64_t lag_ms;            /* received - recorded at the base, of the newest record */
	int64_t alarms, rejected;
};
int pgstore_sites(struct pgstore *ps, struct pg_site **out, size_t *n);
void pgstore_sites_free(struct pg_site *v, size_t n);
/* 1 if the site has sent its config (with its contiguous seq, the highest
 * seq held or announced by the base, and the highest fault id of its
 * records held; max_fault may be NULL),
 * 0 not, -1 error. */
int pgstore_site_state(struct pgstore *ps, const char *site, int64_t *contiguous,
    int64_t *highest, int64_t *max_fault);
/* One collector at a time works on a site, until its transaction ends:
 * what it replays and counts is then everything committed. */
int pgstore_lock_site(struct pgstore *ps, const char *site);

/* ---- store_pg_ingest.c: records ---- */
/* The held records of a site among seqs[0..n), by seq. */
int pgstore_held(struct pgstore *ps, const char *site, const int64_t *seqs, size_t n,
    struct audit_rec **out, size_t *nout);
/* The rows of a site's records received at received_at. */
int pgstore_records_copy(const char *site, int64_t received_at, const struct audit_rec *const *v,
    size_t n, struct pg_copy *out);
/* Inserts the rows of t that rows[0..n) names (ascending; NULL: all of
 * them) with ON CONFLICT DO NOTHING; *dup gets how many were held already
 * (by another collector meanwhile): the caller checks them again. */
int pgstore_insert(struct pgstore *ps, const struct pg_copy *t, const size_t *rows, size_t n,
    size_t *dup);
/* Moves the site's contiguous seq over what is held and saves it (with
 * now as the site's last seen, unless 0, and max_fault as the highest
 * fault id held if higher). held_to: every seq up to it is known to be
 * held (the caller's batch, in this transaction; 0: nothing known), where
 * the walk over the held seqs starts. Outside a batch's transaction it
 * sees what every collector has committed. */
int pgstore_progress(struct pgstore *ps, const char *site, int64_t now, int64_t max_fault,
    int64_t held_to, int64_t *contiguous, int64_t *highest);

/* ---- store_pg_replay.c: fault rows from replay ---- */
/* The records of these faults of a site, by fault and seq, but those with
 * a seq in [skip_lo, skip_hi] (the caller has them; an empty range: 0, -1). */
int pgstore_fault_records(struct pgstore *ps, const char *site, const int64_t *ids, size_t n,
    int64_t skip_lo, int64_t skip_hi, struct audit_rec **out, size_t *nout);
/* The fault rows of a site from their replayed states (column -> value,
 * store_change_cols); a NULL state gets no row. */
int pgstore_faults_copy(const char *site, const int64_t *ids, struct cJSON *const *states, size_t n,
    struct pg_copy *out);
/* Writes the fault rows of t that rows[0..n) names (as pgstore_insert).
 * fresh: the site has no row of these faults yet, most likely (they are
 * COPied straight in; rows found there after all are updated). */
int pgstore_put_faults(struct pgstore *ps, const struct pg_copy *t, const size_t *rows, size_t n,
    int fresh);

/* ---- store_pg_replay.c: kept aside ---- */
/* kind: "tamper" (an alarm: disagrees with what is held), or why input was
 * rejected ("bad-hash", "future", "invalid", "unknown-site"). site may be NULL. */
int pgstore_keep_aside(struct pgstore *ps, const char *site, int64_t seq, const char *kind,
    const char *message, const char *payload, int64_t now);
struct pg_aside {
	int64_t id, at, seq;
	char *site, *kind, *message;
};
int pgstore_aside(struct pgstore *ps, int tamper_only, size_t limit, struct pg_aside **out,
    size_t *n);
void pgstore_aside_free(struct pg_aside *v, size_t n);

/* ---- store_pg_query.c: a site read like a base's database (tbm-report) ---- */
int pgstore_site_row(struct pgstore *ps, const char *site, struct site_row *out);
int pgstore_devices(struct pgstore *ps, const char *site, struct device_row **out, size_t *n);
int pgstore_runs(struct pgstore *ps, const char *site, int64_t from_ms, int64_t to_ms,
    struct run_row **out, size_t *n);
int pgstore_each_period_fault(struct pgstore *ps, const char *site, int64_t from_ms, int64_t to_ms,
    period_fault_fn fn, void *arg);
int pgstore_safety_devices(struct pgstore *ps, const char *site, char ***ids, size_t *n);
/* The site's chain as the centre holds it: records, faults, the head (the
 * last record held without a gap). 0; 1 when tamper alarms were raised for
 * the site (how many in err); -1 on error. */
int pgstore_verify_head(struct pgstore *ps, const char *site, struct verify_result *res, char *err,
    size_t len);

#endif
