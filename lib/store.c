/*
 * store.c - the database connection: open and close, the schema and its
 * migrations, the statement cache, transactions and row helpers the
 * store_*.c family shares, daemon runs and the configuration's mirror.
 * Every statement binds its parameters; no SQL is built from input.
 */
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tbmtime.h"

static const char *const stmt_sql[Q_COUNT] = {
	[Q_OPEN_ID] = "SELECT id FROM faults WHERE device = ?1 AND point = ?2 "
	    "AND cleared_at IS NULL AND source = 'auto'",
	[Q_REPEAT] = "SELECT id FROM faults WHERE device = ?1 AND point = ?2 "
	    "AND repaired_at IS NOT NULL AND repaired_at <= ?3 AND repaired_at >= ?3 - ?4 "
	    "AND dismissed_at IS NULL ORDER BY repaired_at DESC LIMIT 1",
	[Q_POINT_INFO] = "SELECT d.lab, d.assessment, p.label FROM devices d "
	    "LEFT JOIN points p ON p.device = d.id AND p.name = ?2 WHERE d.id = ?1",
	[Q_AUDIT_LAST] = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
	[Q_AUDIT_INSERT] = "INSERT INTO audit (seq, at, fault_id, action, actor, detail, "
	    "prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
};

/*
 * Migrations: migrations[i] takes the schema from version i to i + 1.
 * Never edit a released step; append a new one.
 */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
	"CREATE TABLE site (one INTEGER PRIMARY KEY CHECK (one = 1), id TEXT NOT NULL,"
	"  name TEXT, timezone TEXT);"
	"CREATE TABLE devices (id TEXT PRIMARY KEY, name TEXT, lab TEXT, protocol TEXT,"
	"  assessment INTEGER NOT NULL DEFAULT 0, in_config INTEGER NOT NULL DEFAULT 1,"
	"  added_at INTEGER NOT NULL);"
	"CREATE TABLE points (device TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,"
	"  label TEXT, in_config INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (device, name));"
	"CREATE TABLE faults (id INTEGER PRIMARY KEY, device TEXT NOT NULL, point TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('" FK_FAULT_NAME "', '" FK_COMM_NAME "', '" FK_SAFETY_NAME "')),"
	"  source TEXT NOT NULL CHECK (source IN ('auto', 'manual')),"
	"  code REAL, label TEXT, lab TEXT, assessment INTEGER NOT NULL DEFAULT 0,"
	"  opened_at INTEGER NOT NULL, cleared_at INTEGER,"
	"  acked_at INTEGER, acked_by TEXT, ack_note TEXT,"
	"  repaired_at INTEGER, repaired_by TEXT, action TEXT, parts TEXT, repair_logged_at INTEGER,"
	"  dismissed_at INTEGER, dismissed_by TEXT, dismiss_reason TEXT,"
	"  classification TEXT CHECK (classification IN ('" SC_ACCIDENT_NAME "', '" SC_NEAR_MISS_NAME "',"
	" '" SC_DRILL_NAME "', '" SC_NONE_NAME "')),"
	"  classified_at INTEGER, classified_by TEXT, note TEXT,"
	"  repeat_of INTEGER REFERENCES faults (id));"
	/* at most one open automatic fault per point: the database itself refuses a duplicate */
	"CREATE UNIQUE INDEX faults_one_open ON faults (device, point)"
	"  WHERE cleared_at IS NULL AND source = 'auto';"
	"CREATE INDEX faults_opened ON faults (opened_at);"
	"CREATE INDEX faults_device ON faults (device, point, opened_at);"
	"CREATE TABLE audit (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, fault_id INTEGER,"
	"  action TEXT NOT NULL, actor TEXT NOT NULL, detail TEXT NOT NULL,"
	"  prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
	"CREATE INDEX audit_fault ON audit (fault_id);"
	"CREATE TABLE runs (id INTEGER PRIMARY KEY, started_at INTEGER NOT NULL,"
	"  alive_at INTEGER NOT NULL, stopped_at INTEGER);",
	/* 1 -> 2: the people who may act (DESIGN.md "People and rights") */
	"CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, display TEXT,"
	"  role TEXT NOT NULL CHECK (role IN ('viewer', 'technician', 'manager')),"
	"  disabled INTEGER NOT NULL DEFAULT 0, labs TEXT, os_user TEXT UNIQUE, pw_hash TEXT,"
	"  created_at INTEGER NOT NULL);",
	/* 2 -> 3: an account's read-only key for /api/, kept as its SHA-256 */
	"ALTER TABLE accounts ADD COLUMN key_hash TEXT;"
	"CREATE UNIQUE INDEX accounts_key ON accounts (key_hash) WHERE key_hash IS NOT NULL;",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))
const char *
store_errmsg(struct store *st)
{
	if (st == NULL || st->db == NULL)
		return "no database";
	/* A read-only connection cannot create the -wal and -shm files that
	 * reading a WAL database needs; SQLite only says "attempt to write". */
	if (st->readonly && (sqlite3_errcode(st->db) & 0xff) == SQLITE_READONLY)
		return "this user may not write the database's directory, so it can read the database "
		    "only while its -wal and -shm files exist (tbmond creates and keeps them: start "
		    "tbmond once, or run this as the tbmon user)";
	return sqlite3_errmsg(st->db);
}

/*
 * SQLite errors are not logged here (only at debug level): the caller
 * reports them, with store_errmsg(), once, and rate-limited where it retries
 * (a full disk would otherwise fill the journal with one line a second).
 */
int
store_exec(struct store *st, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_debug("database: %s", msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

sqlite3_stmt *
store_prep(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		log_debug("database: %s", sqlite3_errmsg(st->db));
		return NULL;
	}
	return s;
}

sqlite3_stmt *
store_prepare(struct store *st, const char *sql, const char *types, ...)
{
	sqlite3_stmt *s = store_prep(st, sql);
	va_list ap;

	if (s == NULL)
		return NULL;
	va_start(ap, types);
	for (int i = 0; types[i] != '\0'; i++)
		switch (types[i]) {
		case 'i':
			sqlite3_bind_int(s, i + 1, va_arg(ap, int));
			break;
		case 'I':
			sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t));
			break;
		default:
			store_bind_text(s, i + 1, va_arg(ap, const char *));
			break;
		}
	va_end(ap);
	return s;
}

sqlite3_stmt *
store_cached(struct store *st, enum stmt_id id)
{
	if (st->stmt[id] == NULL &&
	    sqlite3_prepare_v3(st->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
	    &st->stmt[id], NULL) != SQLITE_OK) {
		log_debug("database: %s", sqlite3_errmsg(st->db));
		return NULL;
	}
	sqlite3_reset(st->stmt[id]);
	sqlite3_clear_bindings(st->stmt[id]);
	return st->stmt[id];
}

void
store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

int
store_scalar_int(struct store *st, const char *sql)
{
	sqlite3_stmt *s = store_prep(st, sql);
	int v = -1;

	if (s == NULL)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int
user_version(struct store *st)
{
	return store_scalar_int(st, "PRAGMA user_version");
}

int
store_schema_version(struct store *st)
{
	return user_version(st);
}

static int
migrate(struct store *st, char *err, size_t errlen)
{
	char sql[64];
	int v;

	if (store_exec(st, "BEGIN IMMEDIATE") != 0) {
		snprintf(err, errlen, "cannot lock the database: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	if ((v = user_version(st)) < 0)
		goto fail;
	if (v > SCHEMA_VERSION) {
		snprintf(err, errlen, "database schema version %d is newer than this program's %d",
		    v, SCHEMA_VERSION);
		store_exec(st, "ROLLBACK");
		return -1;
	}
	for (; v < SCHEMA_VERSION; v++) {
		if (store_exec(st, migrations[v]) != 0)
			goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (store_exec(st, sql) != 0)
			goto fail;
	}
	if (store_exec(st, "COMMIT") != 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "schema migration failed: %s", sqlite3_errmsg(st->db));
	store_exec(st, "ROLLBACK");
	return -1;
}

int
store_open(const char *path, int readonly, struct store **out, char *err, size_t errlen)
{
	struct store *st;
	int flags, fd;

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	st->readonly = readonly;
	/*
	 * Create a new database ourselves so that it is never world-readable.
	 * Never open and close an existing one here: closing any descriptor of
	 * a file drops every POSIX lock this process holds on it, and SQLite
	 * would then let another process checkpoint and reset the WAL under
	 * this process's other connections.
	 */
	if (!readonly) {
		if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640)) >= 0)
			close(fd);
		else if (errno != EEXIST) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			free(st);
			return -1;
		}
	}
	flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, st->db ? sqlite3_errmsg(st->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(st->db, 1);
	if (!readonly) {
		int persist = 1;

		if (store_exec(st, "PRAGMA journal_mode = WAL") != 0 ||
		    store_exec(st, "PRAGMA synchronous = NORMAL") != 0 ||
		    store_exec(st, "PRAGMA foreign_keys = ON") != 0) {
			snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
			goto fail;
		}
		/* The -wal and -shm files stay when the last writer closes: a
		 * reader who may only read (the tbmon group) can open a WAL
		 * database only while they exist. */
		sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
		if (migrate(st, err, errlen) != 0) {
			size_t l = strlen(err);
			char tmp[256];
			snprintf(tmp, sizeof(tmp), "%s", err);
			if (l < errlen)
				snprintf(err, errlen, "%s: %s", path, tmp);
			goto fail;
		}
	} else {
		int v = user_version(st);
		if (v < 0) {
			snprintf(err, errlen, "%s: %s", path, store_errmsg(st));
			goto fail;
		}
		if (v == 0) {
			snprintf(err, errlen, "%s: not a tbmon database (no schema)", path);
			goto fail;
		}
		if (v > SCHEMA_VERSION) {
			snprintf(err, errlen, "%s: schema version %d is newer than this program's %d",
			    path, v, SCHEMA_VERSION);
			goto fail;
		}
	}
	*out = st;
	return 0;
fail:
	store_close(st);
	return -1;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	for (int i = 0; i < DYN_STMTS; i++) {
		sqlite3_finalize(st->dyn[i].stmt);
		free(st->dyn[i].sql);
	}
	sqlite3_close(st->db);
	free(st);
}

/* Statement helpers for the one-shot queries: step to done, report errors. */
int
store_step_done(struct store *st, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		log_debug("database: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

int
store_begin(struct store *st)
{
	return store_exec(st, "BEGIN IMMEDIATE");
}

/* Only when a transaction is still open: after a full disk SQLite has rolled
 * back already, and a second error would hide the first from store_errmsg(). */
void
store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		store_exec(st, "ROLLBACK");
}

int
store_commit(struct store *st)
{
	if (store_exec(st, "COMMIT") != 0) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

/* Binds the configuration's i-th device or point to an upsert. */
typedef void (*sync_bind_fn)(sqlite3_stmt *s, const struct config *cf, size_t i, int64_t now);

static void
sync_bind_device(sqlite3_stmt *s, const struct config *cf, size_t i, int64_t now)
{
	const struct conf_device *d = cf->devices[i];

	store_bind_text(s, 1, d->id);
	store_bind_text(s, 2, d->name ? d->name : d->id);
	store_bind_text(s, 3, d->lab);
	store_bind_text(s, 4, config_protocol_name(d->protocol));
	sqlite3_bind_int(s, 5, d->assessment);
	sqlite3_bind_int64(s, 6, now);
}

static void
sync_bind_point(sqlite3_stmt *s, const struct config *cf, size_t i, int64_t now)
{
	const struct conf_point *p = cf->points[i];

	(void)now;
	store_bind_text(s, 1, p->device->id);
	store_bind_text(s, 2, p->name);
	store_bind_text(s, 3, config_kind_name(p->kind));
	store_bind_text(s, 4, p->label ? p->label : p->name);
}

/* Runs one upsert for each of n objects of the configuration. */
static int
sync_each(struct store *st, const char *sql, size_t n, sync_bind_fn bind, const struct config *cf,
    int64_t now)
{
	sqlite3_stmt *s = store_prep(st, sql);
	int rc = s == NULL ? -1 : 0;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		sqlite3_reset(s);
		bind(s, cf, i, now);
		rc = store_step_done(st, s);
	}
	sqlite3_finalize(s);
	return rc;
}

int
store_sync_config(struct store *st, const struct config *cf)
{
	int64_t now = time_now_ms();

	if (store_begin(st) != 0)
		return -1;
	if (store_once(st, store_prepare(st, "INSERT INTO site (one, id, name, timezone) "
	    "VALUES (1, ?1, ?2, ?3) ON CONFLICT (one) DO UPDATE SET id = ?1, name = ?2, timezone = ?3",
	    "sss", cf->site.id, cf->site.name, cf->site.timezone)) != 0 ||
	    store_exec(st, "UPDATE devices SET in_config = 0; UPDATE points SET in_config = 0") != 0 ||
	    sync_each(st, "INSERT INTO devices (id, name, lab, protocol, assessment, in_config, added_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6) ON CONFLICT (id) DO UPDATE SET name = ?2, lab = ?3, "
	    "protocol = ?4, assessment = ?5, in_config = 1", cf->ndevices, sync_bind_device, cf, now) != 0 ||
	    sync_each(st, "INSERT INTO points (device, name, kind, label, in_config) "
	    "VALUES (?1, ?2, ?3, ?4, 1) ON CONFLICT (device, name) DO UPDATE SET kind = ?3, "
	    "label = ?4, in_config = 1", cf->npoints, sync_bind_point, cf, now) != 0 ||
	    store_commit(st) != 0) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

int
store_checkpoint(struct store *st)
{
	int log = 0, ckpt = 0;

	if (sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &ckpt) != SQLITE_OK)
		return -1;
	return 0;
}

int
store_run_start(struct store *st, int64_t now_ms, int64_t *run_id)
{
	sqlite3_stmt *s;
	int rc;

	/* A run that never said it stopped (a crash) ends at its last heartbeat. */
	if (store_exec(st, "UPDATE runs SET stopped_at = alive_at WHERE stopped_at IS NULL") != 0)
		return -1;
	s = store_prepare(st, "INSERT INTO runs (started_at, alive_at) VALUES (?1, ?1)", "I", now_ms);
	if ((rc = store_once(st, s)) == 0)
		*run_id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

int
store_last_time(struct store *st, int64_t *t)
{
	sqlite3_stmt *s = store_prep(st, "SELECT max(coalesce((SELECT at FROM audit ORDER BY seq DESC "
	    "LIMIT 1), 0), coalesce((SELECT max(coalesce(stopped_at, alive_at)) FROM runs), 0))");
	int rc = -1;

	*t = 0;
	if (s == NULL)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW) {
		*t = sqlite3_column_int64(s, 0);
		rc = 0;
	}
	sqlite3_finalize(s);
	return rc;
}

static int
run_update(struct store *st, const char *sql, int64_t run_id, int64_t now_ms)
{
	return store_once(st, store_prepare(st, sql, "II", run_id, now_ms));
}

int
store_run_alive(struct store *st, int64_t run_id, int64_t now_ms)
{
	return run_update(st, "UPDATE runs SET alive_at = ?2 WHERE id = ?1", run_id, now_ms);
}

int
store_run_stop(struct store *st, int64_t run_id, int64_t now_ms)
{
	return run_update(st, "UPDATE runs SET alive_at = ?2, stopped_at = ?2 WHERE id = ?1",
	    run_id, now_ms);
}

/* A statement for generated SQL, kept in a small cache by its text. */
sqlite3_stmt *
store_dyn_stmt(struct store *st, const char *sql)
{
	unsigned k;

	for (k = 0; k < DYN_STMTS; k++)
		if (st->dyn[k].sql && strcmp(st->dyn[k].sql, sql) == 0) {
			sqlite3_reset(st->dyn[k].stmt);
			sqlite3_clear_bindings(st->dyn[k].stmt);
			return st->dyn[k].stmt;
		}
	k = st->dyn_next++ % DYN_STMTS;
	sqlite3_finalize(st->dyn[k].stmt);
	free(st->dyn[k].sql);
	st->dyn[k].stmt = NULL;
	if ((st->dyn[k].sql = strdup(sql)) == NULL)
		return NULL;
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->dyn[k].stmt,
	    NULL) != SQLITE_OK) {
		log_debug("database: %s", sqlite3_errmsg(st->db));
		free(st->dyn[k].sql);
		st->dyn[k].sql = NULL;
		return NULL;
	}
	return st->dyn[k].stmt;
}

void
store_row_clear(void *row, const struct store_col *cols)
{
	for (; cols->type != COL_END; cols++)
		if (cols->type == COL_STR) {
			char **p = (char **)((char *)row + cols->off);
			free(*p);
			*p = NULL;
		}
}

/* Column i of the current row into its place in row; -1 out of memory. */
static int
col_fill(sqlite3_stmt *s, int i, const struct store_col *c, void *row)
{
	char *field = (char *)row + c->off;
	const char *text = (const char *)sqlite3_column_text(s, i);
	int v;

	switch (c->type) {
	case COL_INT64:
		*(int64_t *)field = sqlite3_column_int64(s, i);
		break;
	case COL_TIME:
		*(int64_t *)field = sqlite3_column_type(s, i) == SQLITE_NULL ? STORE_NOTIME :
		    sqlite3_column_int64(s, i);
		break;
	case COL_INT:
		*(int *)field = sqlite3_column_int(s, i);
		break;
	case COL_DOUBLE:
		*(double *)field = sqlite3_column_double(s, i);
		break;
	case COL_STR:
		if (text != NULL && (*(char **)field = strdup(text)) == NULL)
			return -1;
		break;
	case COL_BUF:
		snprintf(field, c->size, "%s", text ? text : "");
		break;
	case COL_KIND:
		v = fault_kind_parse(text);
		*(enum fault_kind *)field = v < 0 ? FK_FAULT : (enum fault_kind)v;
		break;
	case COL_CLASS:
		*(enum safety_class *)field = (enum safety_class)safety_class_parse(text);
		break;
	case COL_END:
		break;
	}
	return 0;
}

/* The current row into row, cleared first; -1 (nothing held) out of memory. */
static int
row_fill(sqlite3_stmt *s, const struct store_col *cols, void *row, size_t elem)
{
	memset(row, 0, elem);
	for (int i = 0; cols[i].type != COL_END; i++)
		if (col_fill(s, i, &cols[i], row) != 0) {
			store_row_clear(row, cols);
			return -1;
		}
	return 0;
}

int
store_rows(struct store *st, sqlite3_stmt *s, size_t elem, size_t first,
    const struct store_col *cols, void *outp, size_t *n)
{
	char *v = NULL, *nv;
	size_t len = 0, cap = 0;
	int rc = SQLITE_ERROR;

	memset(outp, 0, sizeof(void *));
	*n = 0;
	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : first;
			if ((nv = realloc(v, ncap * elem)) == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		if (row_fill(s, cols, v + len * elem, elem) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		len++;
	}
	if (rc != SQLITE_DONE)
		log_debug("database: %s", rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(st->db));
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_rows_free(v, len, elem, cols);
		return -1;
	}
	memcpy(outp, &v, sizeof(v));
	*n = len;
	return 0;
}

int
store_each_row(struct store *st, sqlite3_stmt *s, const struct store_col *cols, void *row,
    size_t elem, int (*fn)(const void *row, void *arg), void *arg)
{
	int rc = SQLITE_ERROR, stopped = 0;

	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (row_fill(s, cols, row, elem) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		stopped = fn(row, arg) != 0;
		store_row_clear(row, cols);
		if (stopped)
			break;
	}
	if (rc != SQLITE_DONE && !stopped)
		log_debug("database: %s", rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(st->db));
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

void
store_rows_free(void *v, size_t n, size_t elem, const struct store_col *cols)
{
	for (size_t i = 0; i < n; i++)
		store_row_clear((char *)v + i * elem, cols);
	free(v);
}

const struct store_col store_int64_col[] = { { COL_INT64, 0, sizeof(int64_t) }, STORE_COL_END };

int
store_row_cached(struct store *st, sqlite3_stmt *s, const struct store_col *cols, void *row,
    size_t elem)
{
	int rc, found = 0;

	if (s == NULL)
		return -1;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		found = row_fill(s, cols, row, elem) == 0 ? 1 : -1;
	else if (rc != SQLITE_DONE) {
		log_debug("database: %s", sqlite3_errmsg(st->db));
		found = -1;
	}
	sqlite3_reset(s);
	return found;
}

int
store_row(struct store *st, sqlite3_stmt *s, const struct store_col *cols, void *row, size_t elem)
{
	int found = store_row_cached(st, s, cols, row, elem);

	sqlite3_finalize(s);
	return found;
}

int
store_once(struct store *st, sqlite3_stmt *s)
{
	int rc;

	if (s == NULL)
		return -1;
	rc = store_step_done(st, s);
	sqlite3_finalize(s);
	return rc;
}

int
store_refuse(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return STORE_REFUSED;
}

int
store_db_error(struct store *st, char *err, size_t len)
{
	snprintf(err, len, "database: %s", sqlite3_errmsg(st->db));
	store_rollback(st);
	return -1;
}
