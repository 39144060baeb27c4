/*
 * store_pg.c - the central store in PostgreSQL: the connection, schema and
 * migrations, transactions, and what the store_pg*.c family shares:
 * parameters always bound, results read by column table, COPY's data
 * escaped for its text format.
 */
#include "store_pg.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_int.h"
#include "store_pg_int.h"

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

void
pg_str(struct params *p, const char *s)
{
	p->v[p->n++] = s;
}

void
pg_int(struct params *p, int64_t i)
{
	snprintf(p->buf[p->n], sizeof(p->buf[p->n]), "%" PRId64, i);
	p->v[p->n] = p->buf[p->n];
	p->n++;
}

void
pg_time(struct params *p, int64_t t)
{
	if (t == STORE_NOTIME)
		p->v[p->n++] = NULL;
	else
		pg_int(p, t);
}

void
pg_set_err(struct pgstore *ps, const PGresult *r)
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
PGresult *
pg_run(struct pgstore *ps, const char *sql, const struct params *p, ExecStatusType want)
{
	/* without parameters: the simple protocol, which takes several statements (migrations) */
	PGresult *r = p ? PQexecParams(ps->c, sql, p->n, NULL, p->v, NULL, NULL, 0) : PQexec(ps->c, sql);

	if (r == NULL || PQresultStatus(r) != want) {
		pg_set_err(ps, r);
		PQclear(r);
		return NULL;
	}
	return r;
}

int
pg_run_cmd(struct pgstore *ps, const char *sql, const struct params *p)
{
	PGresult *r = pg_run(ps, sql, p, PGRES_COMMAND_OK);

	PQclear(r);
	return r ? 0 : -1;
}

int64_t
pg_get_int(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? STORE_NOTIME : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* Row i of r into row (cleared first), by the same column tables as the
 * SQLite reads; -1 (nothing held) out of memory. */
static int
pg_row_fill(const PGresult *r, int i, const struct store_col *cols, char *row, size_t elem)
{
	memset(row, 0, elem);
	for (int j = 0; cols[j].type != COL_END; j++) {
		char *f = row + cols[j].off;
		const char *t = PQgetisnull(r, i, j) ? NULL : PQgetvalue(r, i, j);
		int k;
		switch (cols[j].type) {
		case COL_INT64:
		case COL_TIME:
			*(int64_t *)f = pg_get_int(r, i, j);
			break;
		case COL_INT:
			*(int *)f = t ? atoi(t) : 0;
			break;
		case COL_DOUBLE:
			*(double *)f = t ? strtod(t, NULL) : 0;
			break;
		case COL_STR:
			if (t && (*(char **)f = strdup(t)) == NULL) {
				store_row_clear(row, cols);
				return -1;
			}
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
	return 0;
}

/* Every row of r into a new array, by the same column tables as the SQLite reads. */
int
pg_rows(struct pgstore *ps, PGresult *r, size_t elem, const struct store_col *cols, void *outp,
    size_t *n)
{
	int nr;
	char *v;

	*(void **)outp = NULL;
	*n = 0;
	if (r == NULL)
		return -1;
	nr = PQntuples(r);
	if ((v = calloc(nr ? (size_t)nr : 1, elem)) == NULL)
		goto oom;
	for (int i = 0; i < nr; i++) {
		if (pg_row_fill(r, i, cols, v + (size_t)i * elem, elem) != 0)
			goto oom;
		(*n)++;
	}
	PQclear(r);
	*(void **)outp = v;
	return 0;
oom:
	PQclear(r);
	store_rows_free(v, *n, elem, cols);
	*n = 0;
	snprintf(ps->err, sizeof(ps->err), "out of memory");
	return -1;
}

int
pg_each_row(struct pgstore *ps, const char *sql, const struct params *p,
    const struct store_col *cols, void *row, size_t elem, int (*fn)(const void *row, void *arg),
    void *arg)
{
	PGresult *r;
	int rc = 0, stopped = 0;

	/* one row per result: a long answer is never held whole, here or in libpq */
	if (!PQsendQueryParams(ps->c, sql, p->n, NULL, p->v, NULL, NULL, 0) ||
	    !PQsetSingleRowMode(ps->c)) {
		pg_set_err(ps, NULL);
		while ((r = PQgetResult(ps->c)) != NULL)
			PQclear(r);
		return -1;
	}
	while ((r = PQgetResult(ps->c)) != NULL) {
		ExecStatusType t = PQresultStatus(r);
		if (t == PGRES_SINGLE_TUPLE && rc == 0) {
			if (pg_row_fill(r, 0, cols, row, elem) != 0) {
				snprintf(ps->err, sizeof(ps->err), "out of memory");
				rc = -1;
			} else {
				stopped = fn(row, arg) != 0;
				store_row_clear(row, cols);
				rc = stopped ? -1 : 0;
			}
		} else if (t != PGRES_SINGLE_TUPLE && t != PGRES_TUPLES_OK && rc == 0) {
			pg_set_err(ps, r);
			rc = -1;
		}
		/* the rest of the answer is read and dropped: the connection stays usable */
		PQclear(r);
	}
	return rc;
}

/* "{1,2,3}": an array parameter of numbers */
char *
pg_int_array(const int64_t *v, size_t n)
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

/* One field in COPY's text format: \N for NULL, backslash escapes. */
void
pg_copy_field(FILE *f, const char *s)
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

/* The rows of a COPY in its text format, row(f, i, arg) writing row i of
 * n; *buf is the caller's to free. end (may be NULL) gets where each row
 * ends. */
int
pg_copy_text(size_t n, void (*row)(FILE *, size_t, const void *), const void *arg, char **buf,
    size_t *len, size_t *end)
{
	return pg_copy_write(n, row, arg, 0, buf, len, end, NULL);
}

/* COPY's binary format: its signature, no flags, no header extension; the
 * trailer a field count of -1 */
static const char copy_bin_header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
static const char copy_bin_trailer[2] = "\377\377";

int
pg_copy_write(size_t n, void (*row)(FILE *, size_t, const void *), const void *arg, int binary,
    char **buf, size_t *len, size_t *end, size_t *start)
{
	FILE *f;

	*buf = NULL;
	*len = 0;
	if ((f = open_memstream(buf, len)) == NULL)
		return -1;
	if (binary)
		fwrite(copy_bin_header, 1, sizeof(copy_bin_header), f);
	if (start)
		*start = binary ? sizeof(copy_bin_header) : 0;
	for (size_t i = 0; i < n; i++) {
		row(f, i, arg);
		if (end)
			end[i] = (size_t)ftell(f);
	}
	if (binary)
		fwrite(copy_bin_trailer, 1, sizeof(copy_bin_trailer), f);
	if (fclose(f) != 0) {
		free(*buf);
		*buf = NULL;
		return -1;
	}
	return 0;
}

int
pg_copy_build(size_t n, void (*row)(FILE *, size_t, const void *), const void *arg, int binary,
    struct pg_copy *t)
{
	memset(t, 0, sizeof(*t));
	if ((t->end = malloc((n ? n : 1) * sizeof(*t->end))) == NULL)
		return -1;
	if (pg_copy_write(n, row, arg, binary, &t->buf, &t->len, t->end, &t->start) != 0) {
		pgstore_copy_free(t);
		return -1;
	}
	t->n = n;
	return 0;
}

void
pgstore_copy_free(struct pg_copy *t)
{
	free(t->buf);
	free(t->end);
	memset(t, 0, sizeof(*t));
}

const char *
pg_copy_pick(const struct pg_copy *t, const size_t *rows, size_t n, size_t *len, char **owned)
{
	size_t tail = t->len - (t->n ? t->end[t->n - 1] : t->start);
	char *q;

	*owned = NULL;
	if (rows == NULL) {
		*len = t->len;
		return t->buf;
	}
	*len = t->start + tail;
	for (size_t i = 0; i < n; i++)
		*len += t->end[rows[i]] - (rows[i] ? t->end[rows[i] - 1] : t->start);
	if ((*owned = q = malloc(*len ? *len : 1)) == NULL)
		return NULL;
	memcpy(q, t->buf, t->start);
	q += t->start;
	for (size_t i = 0; i < n; i++) {
		size_t from = rows[i] ? t->end[rows[i] - 1] : t->start;
		memcpy(q, t->buf + from, t->end[rows[i]] - from);
		q += t->end[rows[i]] - from;
	}
	memcpy(q, t->buf + t->len - tail, tail);
	return *owned;
}

/* A field of COPY's binary format: its length (-1: NULL), then its bytes. */
void
pg_bin_field(FILE *f, const void *v, size_t n)
{
	uint32_t l = htonl(v ? (uint32_t)n : 0xffffffffu);

	fwrite(&l, 4, 1, f);
	if (v)
		fwrite(v, 1, n, f);
}

void
pg_bin_int8(FILE *f, int64_t i)
{
	uint32_t w[2] = { htonl((uint32_t)((uint64_t)i >> 32)), htonl((uint32_t)i) };

	pg_bin_field(f, w, 8);
}

void
pg_bin_str(FILE *f, const char *s)
{
	pg_bin_field(f, s, s ? strlen(s) : 0);
}

/* Runs COPY table FROM STDIN with the rows in buf (text format). */
int
pg_copy_in(struct pgstore *ps, const char *sql, const char *buf, size_t len)
{
	PGresult *r;
	int rc = 0;

	if ((r = pg_run(ps, sql, NULL, PGRES_COPY_IN)) == NULL)
		return -1;
	PQclear(r);
	if (PQputCopyData(ps->c, buf, (int)len) != 1 || PQputCopyEnd(ps->c, NULL) != 1) {
		pg_set_err(ps, NULL);
		rc = -1;
	}
	while ((r = PQgetResult(ps->c)) != NULL) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == 0) {
			pg_set_err(ps, r);
			rc = -1;
		}
		PQclear(r);
	}
	return rc;
}

/* ---- the connection ---- */

static int
session_setup(struct pgstore *ps)
{
	/* the staging table of a batch, private to this connection */
	return pg_run_cmd(ps, "SET client_min_messages = warning; "
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

	if (pg_run_cmd(ps, "BEGIN", NULL) != 0)
		return -1;
	/* two collectors starting together: one migrates, the other waits */
	if ((r = pg_run(ps, "SELECT pg_advisory_xact_lock(x'" MIGRATE_LOCK "'::bigint)", NULL,
	    PGRES_TUPLES_OK)) == NULL)
		goto abort;
	PQclear(r);
	if (pg_run_cmd(ps, "CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text)", NULL) != 0)
		goto abort;
	if ((r = pg_run(ps, "SELECT value FROM meta WHERE key = 'schema_version'", NULL,
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
		if (pg_run_cmd(ps, migrations[v], NULL) != 0)
			goto abort;
		pg_int(&p, v + 1);
		if (pg_run_cmd(ps, "INSERT INTO meta (key, value) VALUES ('schema_version', $1) "
		    "ON CONFLICT (key) DO UPDATE SET value = $1", &p) != 0)
			goto abort;
	}
	return pg_run_cmd(ps, "COMMIT", NULL);
abort:
	{
		char keep[sizeof(ps->err)];
		memcpy(keep, ps->err, sizeof(keep));
		pg_run_cmd(ps, "ROLLBACK", NULL);
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
		pg_set_err(ps, NULL);
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

void
pgstore_set_err(struct pgstore *ps, const char *msg)
{
	snprintf(ps->err, sizeof(ps->err), "%s", msg);
	ps->state[0] = '\0';
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
		pg_set_err(ps, NULL);
		return -1;
	}
	return session_setup(ps);
}

int
pgstore_schema_version(struct pgstore *ps)
{
	PGresult *r = pg_run(ps, "SELECT value FROM meta WHERE key = 'schema_version'", NULL,
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
	return pg_run_cmd(ps, "BEGIN", NULL);
}

int
pgstore_commit(struct pgstore *ps)
{
	return pg_run_cmd(ps, "COMMIT", NULL);
}

void
pgstore_rollback(struct pgstore *ps)
{
	char keep[sizeof(ps->err)];

	if (PQtransactionStatus(ps->c) == PQTRANS_IDLE)
		return;
	memcpy(keep, ps->err, sizeof(keep));
	pg_run_cmd(ps, "ROLLBACK", NULL);
	memcpy(ps->err, keep, sizeof(keep));
}
