/*
 * store_pg_sites.c - a site as the centre knows it: the config a base announces
 * (devices, points, runs) and the list of sites with their progress.
 */
#include "store_pg.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg_int.h"

/* ---- a site's config ---- */

/* The rows of a config as the parameters $2... of sql ($1 the site), one
 * column table each: one loop for devices, points and runs. */
#define D(type, field) STORE_COL(type, struct device_row, field)
static const struct store_col device_put[] = {
	D(COL_STR, id), D(COL_STR, name), D(COL_STR, lab), D(COL_STR, protocol), D(COL_INT, assessment),
	D(COL_INT, in_config), STORE_COL_END
};
#undef D
#define P(type, field) STORE_COL(type, struct point_row, field)
static const struct store_col point_put[] = {
	P(COL_STR, device), P(COL_STR, name), P(COL_STR, kind), P(COL_STR, label), P(COL_INT, in_config),
	STORE_COL_END
};
#undef P

static int
put_rows(struct pgstore *ps, const char *site, const char *sql, const void *v, size_t n,
    size_t elem, const struct store_col *cols)
{
	for (size_t i = 0; i < n; i++) {
		const char *row = (const char *)v + i * elem;
		struct params p = { 0 };
		pg_str(&p, site);
		for (int j = 0; cols[j].type != COL_END; j++) {
			const char *f = row + cols[j].off;
			switch (cols[j].type) {
			case COL_STR:
				pg_str(&p, *(char *const *)f);
				break;
			case COL_INT:
				pg_int(&p, *(const int *)f);
				break;
			case COL_TIME:
				pg_time(&p, *(const int64_t *)f);
				break;
			default:
				pg_int(&p, *(const int64_t *)f);
				break;
			}
		}
		if (pg_run_cmd(ps, sql, &p) != 0)
			return -1;
	}
	return 0;
}

int
pgstore_put_config(struct pgstore *ps, const struct pg_config *c, int64_t now)
{
	struct params p = { 0 };

	pg_str(&p, c->site);
	pg_str(&p, c->name);
	pg_str(&p, c->timezone);
	pg_str(&p, c->raw);
	pg_int(&p, now);
	pg_int(&p, c->head);
	if (pg_run_cmd(ps, "INSERT INTO sites (site, name, timezone, config, config_at, last_seen, announced) "
	    "VALUES ($1, $2, $3, $4, $5, $5, $6) ON CONFLICT (site) DO UPDATE SET name = $2, "
	    "timezone = $3, config = $4, config_at = $5, last_seen = $5, "
	    "announced = greatest(sites.announced, $6)", &p) != 0)
		return -1;
	p.n = 1;
	/* the list replaces the one before; runs only grow (the base sends its latest) */
	if (pg_run_cmd(ps, "UPDATE devices SET in_config = 0 WHERE site = $1", &p) != 0 ||
	    pg_run_cmd(ps, "UPDATE points SET in_config = 0 WHERE site = $1", &p) != 0)
		return -1;
	if (put_rows(ps, c->site, "INSERT INTO devices (site, id, name, lab, protocol, assessment, "
	    "in_config) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (site, id) DO UPDATE SET "
	    "name = $3, lab = $4, protocol = $5, assessment = $6, in_config = $7",
	    c->devices, c->ndevices, sizeof(*c->devices), device_put) != 0 ||
	    put_rows(ps, c->site, "INSERT INTO points (site, device, name, kind, label, in_config) "
	    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (site, device, name) DO UPDATE SET "
	    "kind = $4, label = $5, in_config = $6", c->points, c->npoints, sizeof(*c->points),
	    point_put) != 0 ||
	    /* a run's end never moves back: an older message arriving late */
	    put_rows(ps, c->site, "INSERT INTO runs (site, id, started_at, alive_at, stopped_at) "
	    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (site, id) DO UPDATE SET "
	    "alive_at = greatest(runs.alive_at, $4), stopped_at = coalesce(runs.stopped_at, $5)",
	    c->runs, c->nruns, sizeof(*c->runs), store_run_cols) != 0)
		return -1;
	return 0;
}

/* ---- sites ---- */

#define S(type, field) STORE_COL(type, struct pg_site, field)
static const struct store_col site_cols[] = {
	S(COL_STR, site), S(COL_STR, name), S(COL_INT, has_config), S(COL_INT64, contiguous),
	S(COL_INT64, highest), S(COL_INT64, held_above), S(COL_TIME, last_seen), S(COL_INT64, lag_ms),
	S(COL_INT64, alarms), S(COL_INT64, rejected), STORE_COL_END
};
#undef S

int
pgstore_sites(struct pgstore *ps, struct pg_site **out, size_t *n)
{
	return pg_rows(ps, pg_run(ps, "SELECT s.site, s.name, (s.config IS NOT NULL)::int, s.contiguous, "
	    "s.highest, (SELECT count(*) FROM audit a WHERE a.site = s.site AND a.seq > s.contiguous), "
	    "s.last_seen, coalesce((SELECT a.received_at - a.at FROM audit a WHERE a.site = s.site "
	    "  ORDER BY a.seq DESC LIMIT 1), 0), "
	    "(SELECT count(*) FROM aside x WHERE x.site = s.site AND x.kind = 'tamper'), "
	    "(SELECT count(*) FROM aside x WHERE x.site = s.site AND x.kind <> 'tamper') "
	    "FROM sites s ORDER BY s.site", NULL, PGRES_TUPLES_OK),
	    sizeof(**out), site_cols, out, n);
}

void
pgstore_sites_free(struct pg_site *v, size_t n)
{
	store_rows_free(v, n, sizeof(*v), site_cols);
}

int
pgstore_lock_site(struct pgstore *ps, const char *site)
{
	struct params p = { 0 };
	PGresult *r;

	pg_str(&p, site);
	if ((r = pg_run(ps, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", &p,
	    PGRES_TUPLES_OK)) == NULL)
		return -1;
	PQclear(r);
	return 0;
}

int
pgstore_site_state(struct pgstore *ps, const char *site, int64_t *contiguous, int64_t *highest,
    int64_t *max_fault)
{
	struct params p = { 0 };
	PGresult *r;
	int k;

	*contiguous = *highest = 0;
	if (max_fault)
		*max_fault = 0;
	pg_str(&p, site);
	/* what the base said it had sent counts as held for "how far ahead" */
	if ((r = pg_run(ps, "SELECT contiguous, greatest(highest, announced), max_fault_id FROM sites "
	    "WHERE site = $1 AND config IS NOT NULL", &p, PGRES_TUPLES_OK)) == NULL)
		return -1;
	if ((k = PQntuples(r) > 0)) {
		*contiguous = pg_get_int(r, 0, 0);
		*highest = pg_get_int(r, 0, 1);
		if (max_fault)
			*max_fault = pg_get_int(r, 0, 2);
	}
	PQclear(r);
	return k;
}

