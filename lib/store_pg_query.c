/*
 * store_pg_query.c - one site read like a base's database, for tbm-report:
 * its row, devices, runs, faults of a period and the chain's head.
 */
#include "store_pg.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "store_pg_int.h"

/* ---- a site read like a base's database ---- */

int
pgstore_site_row(struct pgstore *ps, const char *site, struct site_row *out)
{
	struct params p = { 0 };
	struct site_row *v;
	size_t n;

	memset(out, 0, sizeof(*out));
	pg_str(&p, site);
	if (pg_rows(ps, pg_run(ps, "SELECT site, name, timezone FROM sites WHERE site = $1", &p,
	    PGRES_TUPLES_OK), sizeof(*v), store_site_cols, &v, &n) != 0)
		return -1;
	if (n)
		*out = v[0];
	free(v);
	return n > 0;
}

int
pgstore_devices(struct pgstore *ps, const char *site, struct device_row **out, size_t *n)
{
	struct params p = { 0 };

	pg_str(&p, site);
	return pg_rows(ps, pg_run(ps, "SELECT id, name, lab, protocol, assessment, in_config, open_faults, "
	    "(comm_since IS NOT NULL)::int, comm_since FROM (SELECT d.id, d.name, d.lab, d.protocol, "
	    " d.assessment, d.in_config, "
	    " (SELECT count(*) FROM faults f WHERE f.site = d.site AND f.device = d.id "
	    "   AND f.kind <> '" FK_COMM_NAME "' AND f.cleared_at IS NULL AND f.dismissed_at IS NULL) "
	    "   AS open_faults, "
	    " (SELECT min(opened_at) FROM faults f WHERE f.site = d.site AND f.device = d.id "
	    "   AND f.kind = '" FK_COMM_NAME "' AND f.cleared_at IS NULL AND f.source = 'auto') "
	    "   AS comm_since FROM devices d WHERE d.site = $1) x "
	    "ORDER BY in_config DESC, lab COLLATE \"C\", id COLLATE \"C\"", &p, PGRES_TUPLES_OK),
	    sizeof(**out), store_device_cols, out, n);
}

/* The rows of sql for one site and a period: $1 the site, $2 and $3 the
 * period's ends in ms. */
static int
period_rows(struct pgstore *ps, const char *site, int64_t from_ms, int64_t to_ms, const char *sql,
    size_t elem, const struct store_col *cols, void *out, size_t *n)
{
	struct params p = { 0 };

	pg_str(&p, site);
	pg_int(&p, from_ms);
	pg_int(&p, to_ms);
	return pg_rows(ps, pg_run(ps, sql, &p, PGRES_TUPLES_OK), elem, cols, out, n);
}

int
pgstore_runs(struct pgstore *ps, const char *site, int64_t from_ms, int64_t to_ms,
    struct run_row **out, size_t *n)
{
	return period_rows(ps, site, from_ms, to_ms, "SELECT id, started_at, alive_at, stopped_at "
	    "FROM runs WHERE site = $1 AND started_at < $3 AND coalesce(stopped_at, alive_at) >= $2 "
	    "ORDER BY started_at", sizeof(**out), store_run_cols, out, n);
}

int
pgstore_each_period_fault(struct pgstore *ps, const char *site, int64_t from_ms, int64_t to_ms,
    period_fault_fn fn, void *arg)
{
	struct params p = { 0 };
	struct period_fault row;

	pg_str(&p, site);
	pg_int(&p, from_ms);
	pg_int(&p, to_ms);
	/* the same rows, in the same order, as store_each_period_fault() */
	return pg_each_row(ps, "SELECT id, opened_at, cleared_at, repaired_at, "
	    "dismissed_at, repeat_of, kind, (source = 'manual')::int, assessment, classification, "
	    "device, label FROM faults WHERE site = $1 AND opened_at < $3 "
	    "AND (opened_at >= $2 OR coalesce(cleared_at, repaired_at, dismissed_at) IS NULL "
	    "     OR coalesce(cleared_at, repaired_at, dismissed_at) > $2) "
	    "ORDER BY device COLLATE \"C\", opened_at", &p, store_period_fault_cols, &row, sizeof(row),
	    store_period_fault_one, &(struct period_fault_call){ fn, arg });
}

int
pgstore_safety_devices(struct pgstore *ps, const char *site, char ***ids, size_t *n)
{
	struct params p = { 0 };

	pg_str(&p, site);
	return pg_rows(ps, pg_run(ps, "SELECT DISTINCT device COLLATE \"C\" FROM points WHERE site = $1 "
	    "AND kind = 'safety' AND in_config = 1 ORDER BY 1", &p, PGRES_TUPLES_OK),
	    sizeof(**ids), store_string_cols, ids, n);
}

int
pgstore_verify_head(struct pgstore *ps, const char *site, struct verify_result *res, char *err,
    size_t len)
{
	struct params p = { 0 };
	PGresult *r;
	int64_t alarms;

	memset(res, 0, sizeof(*res));
	snprintf(res->head_hash, sizeof(res->head_hash), "%s", AUDIT_GENESIS);
	pg_str(&p, site);
	if ((r = pg_run(ps, "SELECT s.contiguous, coalesce(a.hash, ''), "
	    "(SELECT count(*) FROM audit x WHERE x.site = s.site), "
	    "(SELECT count(*) FROM faults f WHERE f.site = s.site), "
	    "(SELECT count(*) FROM aside t WHERE t.site = s.site AND t.kind = 'tamper') "
	    "FROM sites s LEFT JOIN audit a ON a.site = s.site AND a.seq = s.contiguous "
	    "WHERE s.site = $1", &p, PGRES_TUPLES_OK)) == NULL) {
		snprintf(err, len, "%s", ps->err);
		return -1;
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		snprintf(err, len, "the central store has no site %s", site);
		return -1;
	}
	res->head_seq = pg_get_int(r, 0, 0);
	if (*PQgetvalue(r, 0, 1))
		snprintf(res->head_hash, sizeof(res->head_hash), "%s", PQgetvalue(r, 0, 1));
	res->records = (unsigned long)pg_get_int(r, 0, 2);
	res->faults = (unsigned long)pg_get_int(r, 0, 3);
	alarms = pg_get_int(r, 0, 4);
	PQclear(r);
	if (alarms > 0) {
		snprintf(err, len, "%" PRId64 " tamper alarm%s at the centre for site %s (tbm-collect status)",
		    alarms, alarms == 1 ? "" : "s", site);
		return 1;
	}
	return 0;
}
