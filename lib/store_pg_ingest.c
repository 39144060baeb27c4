/*
 * store_pg_ingest.c - records into the central store in batches: what is
 * already held, COPY straight in or through the session table with ON
 * CONFLICT DO NOTHING, and how far each site is contiguous.
 */
#include "store_pg.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg_int.h"

/* ---- records ---- */

int
pgstore_held(struct pgstore *ps, const char *site, const int64_t *seqs, size_t n,
    struct audit_rec **out, size_t *nout)
{
	struct params p = { 0 };
	int64_t lo = INT64_MAX, hi = 0;
	char *arr = NULL;
	int rc;

	for (size_t i = 0; i < n; i++) {
		lo = seqs[i] < lo ? seqs[i] : lo;
		hi = seqs[i] > hi ? seqs[i] : hi;
	}
	pg_str(&p, site);
	/* a batch is mostly a run of seqs: a range scan; scattered ones by list */
	if (n == 0 || hi - lo < 2 * (int64_t)n) {
		pg_int(&p, n ? lo : 0);
		pg_int(&p, n ? hi : -1);
		return pg_rows(ps, pg_run(ps, "SELECT seq, at, coalesce(fault_id, 0), action, actor, detail, "
		    "prev_hash, hash FROM audit WHERE site = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq", &p,
		    PGRES_TUPLES_OK), sizeof(**out), store_audit_cols, out, nout);
	}
	if ((arr = pg_int_array(seqs, n)) == NULL)
		return -1;
	pg_str(&p, arr);
	rc = pg_rows(ps, pg_run(ps, "SELECT seq, at, coalesce(fault_id, 0), action, actor, detail, prev_hash, "
	    "hash FROM audit WHERE site = $1 AND seq = ANY ($2::bigint[]) ORDER BY seq", &p,
	    PGRES_TUPLES_OK), sizeof(**out), store_audit_cols, out, nout);
	free(arr);
	return rc;
}

/* a batch's rows, in this order, in COPY's binary format */
#define COPY_COLS "seq, at, fault_id, action, actor, detail, prev_hash, hash, site, received_at"

struct insert_rows {
	const struct audit_rec *const *v;
	const char *site;
	int64_t received_at;
};

/* a record in COPY's binary format: the server reads no digits, no escapes */
static void
insert_row(FILE *f, size_t i, const void *arg)
{
	const struct insert_rows *a = arg;
	const struct audit_rec *v = a->v[i];
	uint16_t nf = htons(10);

	fwrite(&nf, 2, 1, f);
	pg_bin_int8(f, v->seq);
	pg_bin_int8(f, v->at);
	if (v->fault_id > 0)
		pg_bin_int8(f, v->fault_id);
	else
		pg_bin_field(f, NULL, 0);
	pg_bin_str(f, v->action);
	pg_bin_str(f, v->actor);
	pg_bin_str(f, v->detail);
	pg_bin_str(f, v->prev_hash);
	pg_bin_str(f, v->hash);
	pg_bin_str(f, a->site);
	pg_bin_int8(f, a->received_at);
}

int
pgstore_records_copy(const char *site, int64_t received_at, const struct audit_rec *const *v,
    size_t n, struct pg_copy *out)
{
	struct insert_rows a = { v, site, received_at };

	return pg_copy_build(n, insert_row, &a, 1, out);
}

int
pgstore_insert(struct pgstore *ps, const struct pg_copy *t, const size_t *rows, size_t n,
    size_t *dup)
{
	PGresult *r;
	char *owned = NULL;
	const char *buf;
	size_t blen = 0;
	int rc = -1;

	*dup = 0;
	if (n == 0)
		return 0;
	if ((buf = pg_copy_pick(t, rows, n, &blen, &owned)) == NULL) {
		pgstore_set_err(ps, "out of memory");
		return -1;
	}
	/*
	 * The records were checked against what is held in this transaction,
	 * so they are new unless another collector stored some meanwhile:
	 * straight into the table (as fast as a plain COPY), and only when
	 * that meets a held one, through the session table with ON CONFLICT
	 * DO NOTHING.
	 */
	if (pg_run_cmd(ps, "SAVEPOINT direct", NULL) != 0)
		goto out;
	if (pg_copy_in(ps, "COPY audit (" COPY_COLS ") FROM STDIN (FORMAT binary)", buf, blen) == 0) {
		rc = pg_run_cmd(ps, "RELEASE SAVEPOINT direct", NULL);
		goto out;
	}
	if (strcmp(ps->state, "23505") != 0 || pg_run_cmd(ps, "ROLLBACK TO SAVEPOINT direct", NULL) != 0)
		goto out;
	if (pg_copy_in(ps, "COPY incoming (" COPY_COLS ") FROM STDIN (FORMAT binary)", buf, blen) != 0)
		goto out;
	if ((r = pg_run(ps, "WITH ins AS (INSERT INTO audit (" COPY_COLS ") SELECT " COPY_COLS
	    " FROM incoming ON CONFLICT DO NOTHING RETURNING 1) SELECT count(*) FROM ins", NULL,
	    PGRES_TUPLES_OK)) == NULL)
		goto out;
	*dup = n - (size_t)strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	rc = pg_run_cmd(ps, "TRUNCATE incoming", NULL);
out:
	free(owned);
	return rc;
}

int
pgstore_progress(struct pgstore *ps, const char *site, int64_t now, int64_t max_fault,
    int64_t held_to, int64_t *contiguous, int64_t *highest)
{
	struct params p = { 0 };
	PGresult *r;
	int64_t c;
	int more = 1;

	pg_str(&p, site);
	if ((r = pg_run(ps, "SELECT contiguous FROM sites WHERE site = $1", &p, PGRES_TUPLES_OK)) == NULL)
		return -1;
	c = PQntuples(r) ? pg_get_int(r, 0, 0) : 0;
	PQclear(r);
	if (held_to > c)
		c = held_to;
	/* walk the held seqs after it while they follow each other */
	while (more) {
		int nr;
		p.n = 1;
		pg_int(&p, c);
		if ((r = pg_run(ps, "SELECT seq FROM audit WHERE site = $1 AND seq > $2 ORDER BY seq "
		    "LIMIT 10000", &p, PGRES_TUPLES_OK)) == NULL)
			return -1;
		nr = PQntuples(r);
		more = nr == 10000;
		for (int i = 0; i < nr; i++) {
			if (pg_get_int(r, i, 0) != c + 1) {
				more = 0;
				break;
			}
			c++;
		}
		PQclear(r);
	}
	p.n = 1;
	if ((r = pg_run(ps, "SELECT coalesce(max(seq), 0) FROM audit WHERE site = $1", &p,
	    PGRES_TUPLES_OK)) == NULL)
		return -1;
	*highest = pg_get_int(r, 0, 0);
	PQclear(r);
	*contiguous = c;
	p.n = 1;
	pg_int(&p, c);
	pg_int(&p, *highest);
	pg_int(&p, now);
	pg_int(&p, max_fault);
	return pg_run_cmd(ps, "UPDATE sites SET contiguous = greatest(contiguous, $2), "
	    "highest = greatest(highest, $3), last_seen = greatest(last_seen, nullif($4::bigint, 0)), "
	    "max_fault_id = greatest(max_fault_id, $5) WHERE site = $1", &p);
}

