/*
 * store_pg_replay.c - fault rows replayed from a site's records, and what
 * was kept aside (tamper alarms, rejected input), only ever inserted.
 */
#include "store_pg.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg_int.h"

int
pgstore_fault_records(struct pgstore *ps, const char *site, const int64_t *ids, size_t n,
    int64_t skip_lo, int64_t skip_hi, struct audit_rec **out, size_t *nout)
{
	struct params p = { 0 };
	char *arr = pg_int_array(ids, n);
	int rc;

	if (arr == NULL)
		return -1;
	pg_str(&p, site);
	pg_str(&p, arr);
	pg_int(&p, skip_lo);
	pg_int(&p, skip_hi);
	rc = pg_rows(ps, pg_run(ps, "SELECT seq, at, fault_id, action, actor, detail, prev_hash, hash "
	    "FROM audit WHERE site = $1 AND fault_id = ANY ($2::bigint[]) "
	    "AND NOT (seq BETWEEN $3 AND $4) ORDER BY fault_id, seq",
	    &p, PGRES_TUPLES_OK), sizeof(**out), store_audit_cols, out, nout);
	free(arr);
	return rc;
}

struct fault_rows {
	const char *site;
	const int64_t *ids;
	struct cJSON *const *states;
};

/* the staging table is LIKE faults: COPY reads each column by its type */
static void
fault_row(FILE *f, size_t k, const void *arg)
{
	const struct fault_rows *a = arg;
	const cJSON *val[64] = { 0 }, *it;

	if (a->states[k] == NULL)
		return;
	pg_copy_field(f, a->site);
	fprintf(f, "\t%" PRId64, a->ids[k]);
	/* the state's items to their columns in one pass over the state (the
	 * first letter first: this runs for every fault of every batch) */
	cJSON_ArrayForEach(it, a->states[k])
		for (int i = 0; i < 64 && store_change_cols[i]; i++)
			if (it->string[0] == store_change_cols[i][0] &&
			    strcmp(it->string, store_change_cols[i]) == 0) {
				val[i] = it;
				break;
			}
	for (int i = 0; i < 64 && store_change_cols[i]; i++) {
		const cJSON *v = val[i];
		fputc('\t', f);
		if (cJSON_IsString(v))
			pg_copy_field(f, v->valuestring);
		else if (cJSON_IsNumber(v) && v->valuedouble == (double)(int64_t)v->valuedouble &&
		    fabs(v->valuedouble) < 1e15 && !(v->valuedouble == 0 && signbit(v->valuedouble)))
			/* a whole number (times, ids, codes) as %.17g writes it, faster */
			fprintf(f, "%" PRId64, (int64_t)v->valuedouble);
		else if (cJSON_IsNumber(v))
			fprintf(f, "%.17g", v->valuedouble);
		else
			pg_copy_field(f, NULL);
	}
	fputc('\n', f);
}

int
pgstore_faults_copy(const char *site, const int64_t *ids, struct cJSON *const *states, size_t n,
    struct pg_copy *out)
{
	struct fault_rows a = { site, ids, states };

	return pg_copy_build(n, fault_row, &a, 0, out);
}

int
pgstore_put_faults(struct pgstore *ps, const struct pg_copy *t, const size_t *rows, size_t n,
    int fresh)
{
	static char sql[2048], copy[1024], direct[1024];
	char *owned = NULL;
	const char *buf;
	size_t blen = 0;
	int rc = -1;

	if (n == 0)
		return 0;
	if (sql[0] == '\0') {
		size_t l = 0, c = 0;
		c += (size_t)snprintf(copy + c, sizeof(copy) - c, "COPY incoming_faults (site, id");
		for (int i = 0; store_change_cols[i]; i++)
			c += (size_t)snprintf(copy + c, sizeof(copy) - c, ", %s", store_change_cols[i]);
		snprintf(copy + c, sizeof(copy) - c, ") FROM STDIN");
		/* the same columns straight into faults */
		snprintf(direct, sizeof(direct), "COPY faults%s", copy + strlen("COPY incoming_faults"));
		/* column names come from store_change_cols only, never from input */
		l += (size_t)snprintf(sql + l, sizeof(sql) - l, "INSERT INTO faults SELECT * FROM "
		    "incoming_faults ON CONFLICT (site, id) DO UPDATE SET ");
		for (int i = 0; store_change_cols[i]; i++)
			l += (size_t)snprintf(sql + l, sizeof(sql) - l, "%s%s = EXCLUDED.%s", i ? ", " : "",
			    store_change_cols[i], store_change_cols[i]);
	}
	if ((buf = pg_copy_pick(t, rows, n, &blen, &owned)) == NULL) {
		pgstore_set_err(ps, "out of memory");
		return -1;
	}
	if (blen == 0) {
		free(owned);
		return 0;
	}
	/*
	 * Faults the site has no row of yet (the caller says so: above the
	 * highest fault id it held) go straight into the table, as fast as a
	 * plain COPY; should one be there after all, the session table and
	 * ON CONFLICT DO UPDATE, as for the others.
	 */
	if (fresh) {
		if (pg_run_cmd(ps, "SAVEPOINT faults_direct", NULL) != 0)
			goto out;
		if (pg_copy_in(ps, direct, buf, blen) == 0) {
			rc = pg_run_cmd(ps, "RELEASE SAVEPOINT faults_direct", NULL);
			goto out;
		}
		if (strcmp(ps->state, "23505") != 0 ||
		    pg_run_cmd(ps, "ROLLBACK TO SAVEPOINT faults_direct", NULL) != 0)
			goto out;
	}
	if (pg_copy_in(ps, copy, buf, blen) != 0 ||
	    pg_run_cmd(ps, sql, NULL) != 0)
		goto out;
	rc = pg_run_cmd(ps, "TRUNCATE incoming_faults", NULL);
out:
	free(owned);
	return rc;
}

/* ---- kept aside ---- */

int
pgstore_keep_aside(struct pgstore *ps, const char *site, int64_t seq, const char *kind,
    const char *message, const char *payload, int64_t now)
{
	struct params p = { 0 };

	pg_int(&p, now);
	pg_str(&p, site);
	if (seq > 0)
		pg_int(&p, seq);
	else
		pg_str(&p, NULL);
	pg_str(&p, kind);
	pg_str(&p, message);
	pg_str(&p, payload);
	return pg_run_cmd(ps, "INSERT INTO aside (at, site, seq, kind, message, payload) "
	    "VALUES ($1, $2, $3, $4, $5, $6)", &p);
}

#define X(type, field) STORE_COL(type, struct pg_aside, field)
static const struct store_col aside_cols[] = {
	X(COL_INT64, id), X(COL_INT64, at), X(COL_TIME, seq), X(COL_STR, site), X(COL_STR, kind),
	X(COL_STR, message), STORE_COL_END
};
#undef X

int
pgstore_aside(struct pgstore *ps, int tamper_only, size_t limit, struct pg_aside **out, size_t *n)
{
	struct params p = { 0 };

	pg_int(&p, tamper_only);
	pg_int(&p, (int64_t)limit);
	return pg_rows(ps, pg_run(ps, "SELECT id, at, seq, site, kind, message FROM aside "
	    "WHERE $1 = 0 OR kind = 'tamper' ORDER BY id DESC LIMIT $2", &p, PGRES_TUPLES_OK),
	    sizeof(**out), aside_cols, out, n);
}

void
pgstore_aside_free(struct pg_aside *v, size_t n)
{
	store_rows_free(v, n, sizeof(*v), aside_cols);
}
