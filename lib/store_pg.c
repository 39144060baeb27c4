/*
 * store_pg.c - the central store in PostgreSQL: schema and migrations,
 * records in batches (COPY into a session table, then INSERT ... ON
 * CONFLICT DO NOTHING), each site's progress, fault rows from replay, what
 * was kept aside, and the reads tbm-report makes of one site. Parameters
 * are always bound; COPY carries data, escaped for its text format.
 */
#include "store_pg.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "log.h"
#include "store_int.h"

struct pgstore {
	PGconn *c;
	char *conninfo;
	char err[512];
	char state[6];             /* the SQLSTATE of the last error */
};

/*
 * Migrations: migrations[i] takes the schema from version i to i + 1.
 * Never edit a released step; append a new one.
 */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE sites (site text PRIMARY KEY, name text, timezone text, config text,"
	"  config_at bigint, contiguous bigint NOT NULL DEFAULT 0, highest bigint NOT NULL DEFAULT 0,"
	"  max_fault_id bigint NOT NULL DEFAULT 0, announced bigint NOT NULL DEFAULT 0,"
	"  last_seen bigint);"
	"CREATE TABLE audit (site text NOT NULL, seq bigint NOT NULL,"
	"  at bigint NOT NULL, fault_id bigint, action text NOT NULL, actor text NOT NULL,"
	"  detail text NOT NULL, prev_hash text NOT NULL, hash text NOT NULL,"
	"  received_at bigint NOT NULL,"
	/* when the row was written: the end of the base-to-centre delay */
	"  stored_at bigint NOT NULL DEFAULT (extract(epoch FROM clock_timestamp()) * 1000)::bigint,"
	"  PRIMARY KEY (site, seq));"
	"CREATE INDEX audit_fault ON audit (site, fault_id) WHERE fault_id IS NOT NULL;"
	"CREATE TABLE faults (site text NOT NULL, id bigint NOT NULL, device text, point text,"
	"  kind text, source text, code double precision, label text, lab text, assessment integer,"
	"  opened_at bigint, cleared_at bigint, acked_at bigint, acked_by text, ack_note text,"
	"  repaired_at bigint, repaired_by text, action text, parts text, repair_logged_at bigint,"
	"  dismissed_at bigint, dismissed_by text, dismiss_reason text, classification text,"
	"  classified_at bigint, classified_by text, note text, repeat_of bigint,"
	"  PRIMARY KEY (site, id));"
	"CREATE INDEX faults_opened ON faults (site, opened_at);"
	"CREATE TABLE devices (site text NOT NULL, id text NOT NULL, name text, lab text,"
	"  protocol text, assessment integer NOT NULL DEFAULT 0, in_config integer NOT NULL DEFAULT 1,"
	"  PRIMARY KEY (site, id));"
	"CREATE TABLE points (site text NOT NULL, device text NOT NULL, name text NOT NULL,"
	"  kind text NOT NULL, label text, in_config integer NOT NULL DEFAULT 1,"
	"  PRIMARY KEY (site, device, name));"
	"CREATE TABLE runs (site text NOT NULL, id bigint NOT NULL, started_at bigint NOT NULL,"
	"  alive_at bigint NOT NULL, stopped_at bigint, PRIMARY KEY (site, id));"
	/* tamper alarms and rejected input: only ever inserted */
	"CREATE TABLE aside (id bigserial PRIMARY KEY, at bigint NOT NULL, site text, seq bigint,"
	"  kind text NOT NULL, message text NOT NULL, payload text);"
	"CREATE INDEX aside_site ON aside (site, kind);",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))
#define MIGRATE_LOCK "7261626d6f6e"   /* the advisory lock of migrations */

/* ---- parameters and results ---- */

#define PARAMS_MAX 32
struct params {
	const char *v[PARAMS_MAX];
	char buf[PARAMS_MAX][32];
	int n;
};

static void
p_str(struct params *p, const char *s)
{
	p->v[p->n++] = s;
}

static void
p_int(struct params *p, int64_t i)
{
	snprintf(p->buf[p->n], sizeof(p->buf[p->n]), "%" PRId64, i);
	p->v[p->n] = p->buf[p->n];
	p->n++;
}

static void
p_time(struct params *p, int64_t t)
{
	if (t == STORE_NOTIME)
		p->v[p->n++] = NULL;
	else
		p_int(p, t);
}

static void
set_err(struct pgstore *ps, const PGresult *r)
{
	const char *m = r ? PQresultErrorMessage(r) : NULL;
	const char *code = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	snprintf(ps->state, sizeof(ps->state), "%s", code ? code : "");

	if (m == NULL || *m == '\0')
		m = PQerrorMessage(ps->c);
	snprintf(ps->err, sizeof(ps->err), "%s", m && *m ? m : "PostgreSQL error");
	ps->err[strcspn(ps->err, "\n")] = '\0';
}

/* Runs sql with the parameters; the result when its status is `want`,
 * else NULL with the error kept. */
static PGresult *
run(struct pgstore *ps, const char *sql, const struct params *p, ExecStatusType want)
{
	/* without parameters: the simple protocol, which takes several statements (migrations) */
	PGresult *r = p ? PQexecParams(ps->c, sql, p->n, NULL, p->v, NULL, NULL, 0) : PQexec(ps->c, sql);

	if (r == NULL || PQresultStatus(r) != want) {
		set_err(ps, r);
		PQclear(r);
		return NULL;
	}
	return r;
}

static int
run_cmd(struct pgstore *ps, const char *sql, const struct params *p)
{
	PGresult *r = run(ps, sql, p, PGRES_COMMAND_OK);

	PQclear(r);
	return r ? 0 : -1;
}

static int64_t
get_int(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? STORE_NOTIME : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* Every row of r into a new array, by the same column tables as the SQLite reads. */
static int
rows(struct pgstore *ps, PGresult *r, size_t elem, const struct store_col *cols, void *outp,
    size_t *n)
{
	int nr;
	char *v;

	*(void **)outp = NULL;
	*n = 0;
	if (r == NULL)
		return -1;
	nr = PQntuples(r);
	if ((v = calloc(nr ? (size_t)nr : 1, elem)) == NULL) {
		PQclear(r);
		snprintf(ps->err, sizeof(ps->err), "out of memory");
		return -1;
	}
	for (int i = 0; i < nr; i++) {
		char *row = v + (size_t)i * elem;
		for (int j = 0; cols[j].type != COL_END; j++) {
			char *f = row + cols[j].off;
			const char *t = PQgetisnull(r, i, j) ? NULL : PQgetvalue(r, i, j);
			int k;
			switch (cols[j].type) {
			case COL_INT64:
			case COL_TIME:
				*(int64_t *)f = get_int(r, i, j);
				break;
			case COL_INT:
				*(int *)f = t ? atoi(t) : 0;
				break;
			case COL_DOUBLE:
				*(double *)f = t ? strtod(t, NULL) : 0;
				break;
			case COL_STR:
				if (t && (*(char **)f = strdup(t)) == NULL)
					goto oom;
				break;
			case COL_BUF:
				snprintf(f, cols[j].size, "%s", t ? t : "");
				break;
			case COL_KIND:
				k = fault_kind_parse(t);
				*(enum fault_kind *)f = k < 0 ? FK_FAULT : (enum fault_kind)k;
				break;
			case COL_CLASS:
				*(enum safety_class *)f = (enum safety_class)safety_class_parse(t);
				break;
			case COL_END:
				break;
			}
		}
		(*n)++;
	}
	PQclear(r);
	*(void **)outp = v;
	return 0;
oom:
	PQclear(r);
	store_rows_free(v, *n + 1, elem, cols);
	*n = 0;
	snprintf(ps->err, sizeof(ps->err), "out of memory");
	return -1;
}

/* ---- the connection ---- */

static int
session_setup(struct pgstore *ps)
{
	/* the staging table of a batch, private to this connection */
	return run_cmd(ps, "SET client_min_messages = warning; "
	    "CREATE TEMP TABLE IF NOT EXISTS incoming (seq bigint, at bigint, fault_id bigint, "
	    "action text, actor text, detail text, prev_hash text, hash text, site text, "
	    "received_at bigint); "
	    "CREATE TEMP TABLE IF NOT EXISTS incoming_faults (LIKE faults)", NULL);
}

static int
migrate(struct pgstore *ps)
{
	int v;
	PGresult *r;

	if (run_cmd(ps, "BEGIN", NULL) != 0)
		return -1;
	/* two collectors starting together: one migrates, the other waits */
	if ((r = run(ps, "SELECT pg_advisory_xact_lock(x'" MIGRATE_LOCK "'::bigint)", NULL,
	    PGRES_TUPLES_OK)) == NULL)
		goto abort;
	PQclear(r);
	if (run_cmd(ps, "CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text)", NULL) != 0)
		goto abort;
	if ((r = run(ps, "SELECT value FROM meta WHERE key = 'schema_version'", NULL,
	    PGRES_TUPLES_OK)) == NULL)
		goto abort;
	v = PQntuples(r) ? atoi(PQgetvalue(r, 0, 0)) : 0;
	PQclear(r);
	if (v > SCHEMA_VERSION) {
		snprintf(ps->err, sizeof(ps->err), "database schema version %d is newer than this "
		    "program's %d", v, SCHEMA_VERSION);
		goto abort;
	}
	for (; v < SCHEMA_VERSION; v++) {
		struct params p = { 0 };
		if (run_cmd(ps, migrations[v], NULL) != 0)
			goto abort;
		p_int(&p, v + 1);
		if (run_cmd(ps, "INSERT INTO meta (key, value) VALUES ('schema_version', $1) "
		    "ON CONFLICT (key) DO UPDATE SET value = $1", &p) != 0)
			goto abort;
	}
	return run_cmd(ps, "COMMIT", NULL);
abort:
	{
		char keep[sizeof(ps->err)];
		memcpy(keep, ps->err, sizeof(keep));
		run_cmd(ps, "ROLLBACK", NULL);
		memcpy(ps->err, keep, sizeof(keep));
	}
	return -1;
}

/* The server's notices ("relation ... already exists, skipping") are not
 * the user's business: debug level. */
static void
notice(void *arg, const char *msg)
{
	(void)arg;
	log_debug("database: %.*s", (int)strcspn(msg, "\n"), msg);
}

int
pgstore_open(const char *conninfo, int do_migrate, struct pgstore **out, char *err, size_t len)
{
	struct pgstore *ps;

	*out = NULL;
	if ((ps = calloc(1, sizeof(*ps))) == NULL || (ps->conninfo = strdup(conninfo)) == NULL) {
		free(ps);
		snprintf(err, len, "out of memory");
		return -1;
	}
	ps->c = PQconnectdb(conninfo);
	if (PQstatus(ps->c) != CONNECTION_OK) {
		set_err(ps, NULL);
		goto fail;
	}
	PQsetNoticeProcessor(ps->c, notice, NULL);
	if ((do_migrate && migrate(ps) != 0) || session_setup(ps) != 0)
		goto fail;
	*out = ps;
	return 0;
fail:
	snprintf(err, len, "%s", ps->err);
	pgstore_close(ps);
	return -1;
}

void
pgstore_close(struct pgstore *ps)
{
	if (ps == NULL)
		return;
	PQfinish(ps->c);
	free(ps->conninfo);
	free(ps);
}

const char *
pgstore_errmsg(struct pgstore *ps)
{
	return ps ? ps->err : "no database";
}

int
pgstore_up(struct pgstore *ps)
{
	return PQstatus(ps->c) == CONNECTION_OK;
}

int
pgstore_reconnect(struct pgstore *ps)
{
	PQreset(ps->c);
	if (PQstatus(ps->c) != CONNECTION_OK) {
		set_err(ps, NULL);
		return -1;
	}
	return session_setup(ps);
}

int
pgstore_schema_version(struct pgstore *ps)
{
	PGresult *r = run(ps, "SELECT value FROM meta WHERE key = 'schema_version'", NULL,
	    PGRES_TUPLES_OK);
	int v = -1;

	if (r && PQntuples(r))
		v = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

int
pgstore_begin(struct pgstore *ps)
{
	return run_cmd(ps, "BEGIN", NULL);
}

int
pgstore_commit(struct pgstore *ps)
{
	return run_cmd(ps, "COMMIT", NULL);
}

void
pgstore_rollback(struct pgstore *ps)
{
	char keep[sizeof(ps->err)];

	if (PQtransactionStatus(ps->c) == PQTRANS_IDLE)
		return;
	memcpy(keep, ps->err, sizeof(keep));
	run_cmd(ps, "ROLLBACK", NULL);
	memcpy(ps->err, keep, sizeof(keep));
}

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
		p_str(&p, site);
		for (int j = 0; cols[j].type != COL_END; j++) {
			const char *f = row + cols[j].off;
			switch (cols[j].type) {
			case COL_STR:
				p_str(&p, *(char *const *)f);
				break;
			case COL_INT:
				p_int(&p, *(const int *)f);
				break;
			case COL_TIME:
				p_time(&p, *(const int64_t *)f);
				break;
			default:
				p_int(&p, *(const int64_t *)f);
				break;
			}
		}
		if (run_cmd(ps, sql, &p) != 0)
			return -1;
	}
	return 0;
}

int
pgstore_put_config(struct pgstore *ps, const struct pg_config *c, int64_t now)
{
	struct params p = { 0 };

	p_str(&p, c->site);
	p_str(&p, c->name);
	p_str(&p, c->timezone);
	p_str(&p, c->raw);
	p_int(&p, now);
	p_int(&p, c->head);
	if (run_cmd(ps, "INSERT INTO sites (site, name, timezone, config, config_at, last_seen, announced) "
	    "VALUES ($1, $2, $3, $4, $5, $5, $6) ON CONFLICT (site) DO UPDATE SET name = $2, "
	    "timezone = $3, config = $4, config_at = $5, last_seen = $5, "
	    "announced = greatest(sites.announced, $6)", &p) != 0)
		return -1;
	p.n = 1;
	/* the list replaces the one before; runs only grow (the base sends its latest) */
	if (run_cmd(ps, "UPDATE devices SET in_config = 0 WHERE site = $1", &p) != 0 ||
	    run_cmd(ps, "UPDATE points SET in_config = 0 WHERE site = $1", &p) != 0)
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
	return rows(ps, run(ps, "SELECT s.site, s.name, (s.config IS NOT NULL)::int, s.contiguous, "
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

	p_str(&p, site);
	if ((r = run(ps, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", &p,
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
	p_str(&p, site);
	/* what the base said it had sent counts as held for "how far ahead" */
	if ((r = run(ps, "SELECT contiguous, greatest(highest, announced), max_fault_id FROM sites "
	    "WHERE site = $1 AND config IS NOT NULL", &p, PGRES_TUPLES_OK)) == NULL)
		return -1;
	if ((k = PQntuples(r) > 0)) {
		*contiguous = get_int(r, 0, 0);
		*highest = get_int(r, 0, 1);
		if (max_fault)
			*max_fault = get_int(r, 0, 2);
	}
	PQclear(r);
	return k;
}

/* ---- records ---- */

#define A(type, field) STORE_COL(type, struct audit_rec, field)
static const struct store_col audit_cols[] = {
	A(COL_INT64, seq), A(COL_INT64, at), A(COL_INT64, fault_id), A(COL_STR, action),
	A(COL_STR, actor), A(COL_STR, detail), A(COL_BUF, prev_hash), A(COL_BUF, hash),
	STORE_COL_END
};
#undef A

/* "{1,2,3}": an array parameter of numbers */
static char *
int_array(const int64_t *v, size_t n)
{
	char *s = malloc(n * 21 + 3), *q = s;

	if (s == NULL)
		return NULL;
	*q++ = '{';
	for (size_t i = 0; i < n; i++)
		q += sprintf(q, "%s%" PRId64, i ? "," : "", v[i]);
	*q++ = '}';
	*q = '\0';
	return s;
}

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
	p_str(&p, site);
	/* a batch is mostly a run of seqs: a range scan; scattered ones by list */
	if (n == 0 || hi - lo < 2 * (int64_t)n) {
		p_int(&p, n ? lo : 0);
		p_int(&p, n ? hi : -1);
		return rows(ps, run(ps, "SELECT seq, at, coalesce(fault_id, 0), action, actor, detail, "
		    "prev_hash, hash FROM audit WHERE site = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq", &p,
		    PGRES_TUPLES_OK), sizeof(**out), audit_cols, out, nout);
	}
	if ((arr = int_array(seqs, n)) == NULL)
		return -1;
	p_str(&p, arr);
	rc = rows(ps, run(ps, "SELECT seq, at, coalesce(fault_id, 0), action, actor, detail, prev_hash, "
	    "hash FROM audit WHERE site = $1 AND seq = ANY ($2::bigint[]) ORDER BY seq", &p,
	    PGRES_TUPLES_OK), sizeof(**out), audit_cols, out, nout);
	free(arr);
	return rc;
}

/* One field in COPY's text format: \N for NULL, backslash escapes. */
static void
copy_field(FILE *f, const char *s)
{
	if (s == NULL) {
		fputs("\\N", f);
		return;
	}
	while (*s) {
		size_t n = strcspn(s, "\\\t\n\r");
		fwrite(s, 1, n, f);
		s += n;
		switch (*s) {
		case '\\': fputs("\\\\", f); break;
		case '\t': fputs("\\t", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		default: return;
		}
		s++;
	}
}

/* Runs COPY table FROM STDIN with the rows in buf (text format). */
static int
copy_in(struct pgstore *ps, const char *sql, const char *buf, size_t len)
{
	PGresult *r;
	int rc = 0;

	if ((r = run(ps, sql, NULL, PGRES_COPY_IN)) == NULL)
		return -1;
	PQclear(r);
	if (PQputCopyData(ps->c, buf, (int)len) != 1 || PQputCopyEnd(ps->c, NULL) != 1) {
		set_err(ps, NULL);
		rc = -1;
	}
	while ((r = PQgetResult(ps->c)) != NULL) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == 0) {
			set_err(ps, r);
			rc = -1;
		}
		PQclear(r);
	}
	return rc;
}

/* a batch's rows, in this order, in COPY's text format */
#define COPY_COLS "seq, at, fault_id, action, actor, detail, prev_hash, hash, site, received_at"

int
pgstore_insert(struct pgstore *ps, const char *site, const struct audit_rec *v, size_t n,
    int64_t received_at, size_t *dup)
{
	PGresult *r;
	char *buf = NULL;
	size_t blen = 0;
	FILE *f;
	int rc = -1;

	*dup = 0;
	if (n == 0)
		return 0;
	if ((f = open_memstream(&buf, &blen)) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%" PRId64 "\t%" PRId64 "\t", v[i].seq, v[i].at);
		if (v[i].fault_id > 0)
			fprintf(f, "%" PRId64, v[i].fault_id);
		else
			fputs("\\N", f);
		fputc('\t', f);
		copy_field(f, v[i].action);
		fputc('\t', f);
		copy_field(f, v[i].actor);
		fputc('\t', f);
		copy_field(f, v[i].detail);
		fprintf(f, "\t%s\t%s\t", v[i].prev_hash, v[i].hash);
		copy_field(f, site);
		fprintf(f, "\t%" PRId64 "\n", received_at);
	}
	if (fclose(f) != 0)
		goto out;
	/*
	 * The records were checked against what is held in this transaction,
	 * so they are new unless another collector stored some meanwhile:
	 * straight into the table (as fast as a plain COPY), and only when
	 * that meets a held one, through the session table with ON CONFLICT
	 * DO NOTHING.
	 */
	if (run_cmd(ps, "SAVEPOINT direct", NULL) != 0)
		goto out;
	if (copy_in(ps, "COPY audit (" COPY_COLS ") FROM STDIN", buf, blen) == 0) {
		rc = run_cmd(ps, "RELEASE SAVEPOINT direct", NULL);
		goto out;
	}
	if (strcmp(ps->state, "23505") != 0 || run_cmd(ps, "ROLLBACK TO SAVEPOINT direct", NULL) != 0)
		goto out;
	if (copy_in(ps, "COPY incoming (" COPY_COLS ") FROM STDIN", buf, blen) != 0)
		goto out;
	if ((r = run(ps, "WITH ins AS (INSERT INTO audit (" COPY_COLS ") SELECT " COPY_COLS
	    " FROM incoming ON CONFLICT DO NOTHING RETURNING 1) SELECT count(*) FROM ins", NULL,
	    PGRES_TUPLES_OK)) == NULL)
		goto out;
	*dup = n - (size_t)strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	rc = run_cmd(ps, "TRUNCATE incoming", NULL);
out:
	free(buf);
	return rc;
}

int
pgstore_progress(struct pgstore *ps, const char *site, int64_t now, int64_t max_fault,
    int64_t *contiguous, int64_t *highest)
{
	struct params p = { 0 };
	PGresult *r;
	int64_t c;
	int more = 1;

	p_str(&p, site);
	if ((r = run(ps, "SELECT contiguous FROM sites WHERE site = $1", &p, PGRES_TUPLES_OK)) == NULL)
		return -1;
	c = PQntuples(r) ? get_int(r, 0, 0) : 0;
	PQclear(r);
	/* walk the held seqs after it while they follow each other */
	while (more) {
		int nr;
		p.n = 1;
		p_int(&p, c);
		if ((r = run(ps, "SELECT seq FROM audit WHERE site = $1 AND seq > $2 ORDER BY seq "
		    "LIMIT 10000", &p, PGRES_TUPLES_OK)) == NULL)
			return -1;
		nr = PQntuples(r);
		more = nr == 10000;
		for (int i = 0; i < nr; i++) {
			if (get_int(r, i, 0) != c + 1) {
				more = 0;
				break;
			}
			c++;
		}
		PQclear(r);
	}
	p.n = 1;
	if ((r = run(ps, "SELECT coalesce(max(seq), 0) FROM audit WHERE site = $1", &p,
	    PGRES_TUPLES_OK)) == NULL)
		return -1;
	*highest = get_int(r, 0, 0);
	PQclear(r);
	*contiguous = c;
	p.n = 1;
	p_int(&p, c);
	p_int(&p, *highest);
	p_int(&p, now);
	p_int(&p, max_fault);
	return run_cmd(ps, "UPDATE sites SET contiguous = greatest(contiguous, $2), "
	    "highest = greatest(highest, $3), last_seen = greatest(last_seen, nullif($4::bigint, 0)), "
	    "max_fault_id = greatest(max_fault_id, $5) WHERE site = $1", &p);
}

int
pgstore_fault_records(struct pgstore *ps, const char *site, const int64_t *ids, size_t n,
    int64_t skip_lo, int64_t skip_hi, struct audit_rec **out, size_t *nout)
{
	struct params p = { 0 };
	char *arr = int_array(ids, n);
	int rc;

	if (arr == NULL)
		return -1;
	p_str(&p, site);
	p_str(&p, arr);
	p_int(&p, skip_lo);
	p_int(&p, skip_hi);
	rc = rows(ps, run(ps, "SELECT seq, at, fault_id, action, actor, detail, prev_hash, hash "
	    "FROM audit WHERE site = $1 AND fault_id = ANY ($2::bigint[]) "
	    "AND NOT (seq BETWEEN $3 AND $4) ORDER BY fault_id, seq",
	    &p, PGRES_TUPLES_OK), sizeof(**out), audit_cols, out, nout);
	free(arr);
	return rc;
}

int
pgstore_put_faults(struct pgstore *ps, const char *site, const int64_t *ids,
    struct cJSON *const *states, size_t n)
{
	static char sql[2048], copy[1024];
	char *buf = NULL;
	size_t blen = 0;
	FILE *f;
	int rc = -1;

	if (n == 0)
		return 0;
	if (sql[0] == '\0') {
		size_t l = 0, c = 0;
		c += (size_t)snprintf(copy + c, sizeof(copy) - c, "COPY incoming_faults (site, id");
		for (int i = 0; store_change_cols[i]; i++)
			c += (size_t)snprintf(copy + c, sizeof(copy) - c, ", %s", store_change_cols[i]);
		snprintf(copy + c, sizeof(copy) - c, ") FROM STDIN");
		/* column names come from store_change_cols only, never from input */
		l += (size_t)snprintf(sql + l, sizeof(sql) - l, "INSERT INTO faults SELECT * FROM "
		    "incoming_faults ON CONFLICT (site, id) DO UPDATE SET ");
		for (int i = 0; store_change_cols[i]; i++)
			l += (size_t)snprintf(sql + l, sizeof(sql) - l, "%s%s = EXCLUDED.%s", i ? ", " : "",
			    store_change_cols[i], store_change_cols[i]);
	}
	if ((f = open_memstream(&buf, &blen)) == NULL)
		return -1;
	/* the staging table is LIKE faults: COPY reads each column by its type */
	for (size_t k = 0; k < n; k++) {
		copy_field(f, site);
		fprintf(f, "\t%" PRId64, ids[k]);
		const cJSON *val[64] = { 0 }, *it;
		/* the state's items to their columns in one pass over the state */
		cJSON_ArrayForEach(it, states[k])
			for (int i = 0; i < 64 && store_change_cols[i]; i++)
				if (strcmp(it->string, store_change_cols[i]) == 0) {
					val[i] = it;
					break;
				}
		for (int i = 0; i < 64 && store_change_cols[i]; i++) {
			const cJSON *v = val[i];
			fputc('\t', f);
			if (cJSON_IsString(v))
				copy_field(f, v->valuestring);
			else if (cJSON_IsNumber(v))
				fprintf(f, "%.17g", v->valuedouble);
			else
				copy_field(f, NULL);
		}
		fputc('\n', f);
	}
	if (fclose(f) != 0)
		goto out;
	if (copy_in(ps, copy, buf, blen) != 0 ||
	    run_cmd(ps, sql, NULL) != 0)
		goto out;
	rc = run_cmd(ps, "TRUNCATE incoming_faults", NULL);
out:
	free(buf);
	return rc;
}

/* ---- kept aside ---- */

int
pgstore_keep_aside(struct pgstore *ps, const char *site, int64_t seq, const char *kind,
    const char *message, const char *payload, int64_t now)
{
	struct params p = { 0 };

	p_int(&p, now);
	p_str(&p, site);
	if (seq > 0)
		p_int(&p, seq);
	else
		p_str(&p, NULL);
	p_str(&p, kind);
	p_str(&p, message);
	p_str(&p, payload);
	return run_cmd(ps, "INSERT INTO aside (at, site, seq, kind, message, payload) "
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

	p_int(&p, tamper_only);
	p_int(&p, (int64_t)limit);
	return rows(ps, run(ps, "SELECT id, at, seq, site, kind, message FROM aside "
	    "WHERE $1 = 0 OR kind = 'tamper' ORDER BY id DESC LIMIT $2", &p, PGRES_TUPLES_OK),
	    sizeof(**out), aside_cols, out, n);
}

void
pgstore_aside_free(struct pg_aside *v, size_t n)
{
	store_rows_free(v, n, sizeof(*v), aside_cols);
}

/* ---- a site read like a base's database ---- */

int
pgstore_site_row(struct pgstore *ps, const char *site, struct site_row *out)
{
	struct params p = { 0 };
	struct site_row *v;
	size_t n;

	memset(out, 0, sizeof(*out));
	p_str(&p, site);
	if (rows(ps, run(ps, "SELECT site, name, timezone FROM sites WHERE site = $1", &p,
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

	p_str(&p, site);
	return rows(ps, run(ps, "SELECT id, name, lab, protocol, assessment, in_config, open_faults, "
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

int
pgstore_runs(struct pgstore *ps, const char *site, int64_t from_ms, int64_t to_ms,
    struct run_row **out, size_t *n)
{
	struct params p = { 0 };

	p_str(&p, site);
	p_int(&p, from_ms);
	p_int(&p, to_ms);
	return rows(ps, run(ps, "SELECT id, started_at, alive_at, stopped_at FROM runs "
	    "WHERE site = $1 AND started_at < $3 AND coalesce(stopped_at, alive_at) >= $2 "
	    "ORDER BY started_at", &p, PGRES_TUPLES_OK), sizeof(**out), store_run_cols, out, n);
}

int
pgstore_period_faults(struct pgstore *ps, const char *site, int64_t from_ms, int64_t to_ms,
    struct period_fault **out, size_t *n)
{
	struct params p = { 0 };

	p_str(&p, site);
	p_int(&p, from_ms);
	p_int(&p, to_ms);
	/* the same rows, in the same order, as store_period_faults() */
	return rows(ps, run(ps, "SELECT id, opened_at, cleared_at, repaired_at, dismissed_at, repeat_of, "
	    "kind, (source = 'manual')::int, assessment, classification, device, label FROM faults "
	    "WHERE site = $1 AND opened_at < $3 "
	    "AND (opened_at >= $2 OR coalesce(cleared_at, repaired_at, dismissed_at) IS NULL "
	    "     OR coalesce(cleared_at, repaired_at, dismissed_at) > $2) "
	    "ORDER BY device COLLATE \"C\", opened_at", &p, PGRES_TUPLES_OK),
	    sizeof(**out), store_period_fault_cols, out, n);
}

int
pgstore_safety_devices(struct pgstore *ps, const char *site, char ***ids, size_t *n)
{
	struct params p = { 0 };

	p_str(&p, site);
	return rows(ps, run(ps, "SELECT DISTINCT device COLLATE \"C\" FROM points WHERE site = $1 "
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
	p_str(&p, site);
	if ((r = run(ps, "SELECT s.contiguous, coalesce(a.hash, ''), "
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
	res->head_seq = get_int(r, 0, 0);
	if (*PQgetvalue(r, 0, 1))
		snprintf(res->head_hash, sizeof(res->head_hash), "%s", PQgetvalue(r, 0, 1));
	res->records = (unsigned long)get_int(r, 0, 2);
	res->faults = (unsigned long)get_int(r, 0, 3);
	alarms = get_int(r, 0, 4);
	PQclear(r);
	if (alarms > 0) {
		snprintf(err, len, "%" PRId64 " tamper alarm%s at the centre for site %s (tbm-collect status)",
		    alarms, alarms == 1 ? "" : "s", site);
		return 1;
	}
	return 0;
}
