/*
 * store.c - the SQLite database: schema and migrations, the detector's
 * events (one BEGIN IMMEDIATE transaction per batch), the audit chain
 * appended in the same transactions, and the read queries of the tools.
 * Every statement binds its parameters; no SQL is built from input.
 */
#include "store.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "log.h"
#include "rights.h"
#include "store_int.h"
#include "tbmtime.h"

#define REPEAT_WINDOW_MS (7LL * 24 * 3600 * 1000)

/* Statements of the write path, prepared once and kept. */
enum stmt_id {
	Q_OPEN_ID, Q_REPEAT, Q_POINT_INFO, Q_AUDIT_LAST, Q_AUDIT_INSERT,
	Q_COUNT
};

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

#define DYN_STMTS 16

struct store {
	sqlite3 *db;
	int readonly;
	sqlite3_stmt *stmt[Q_COUNT];
	struct {
		char *sql;
		sqlite3_stmt *stmt;
	} dyn[DYN_STMTS];            /* the fault-change statements, by their text */
	unsigned dyn_next;
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
	"  kind TEXT NOT NULL CHECK (kind IN ('fault', 'comm', 'safety')),"
	"  source TEXT NOT NULL CHECK (source IN ('auto', 'manual')),"
	"  code REAL, label TEXT, lab TEXT, assessment INTEGER NOT NULL DEFAULT 0,"
	"  opened_at INTEGER NOT NULL, cleared_at INTEGER,"
	"  acked_at INTEGER, acked_by TEXT, ack_note TEXT,"
	"  repaired_at INTEGER, repaired_by TEXT, action TEXT, parts TEXT, repair_logged_at INTEGER,"
	"  dismissed_at INTEGER, dismissed_by TEXT, dismiss_reason TEXT,"
	"  classification TEXT CHECK (classification IN ('accident', 'near-miss', 'drill', 'none')),"
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
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

static const char *const kind_names[] = { "fault", "comm", "safety" };

const char *
fault_kind_name(enum fault_kind k)
{
	return (unsigned)k < 3 ? kind_names[k] : "?";
}

int
fault_kind_parse(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return i;
	return -1;
}

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
static int
exec(struct store *st, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_debug("database: %s", msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static sqlite3_stmt *
prep(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		log_debug("database: %s", sqlite3_errmsg(st->db));
		return NULL;
	}
	return s;
}

static sqlite3_stmt *
cached(struct store *st, enum stmt_id id)
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

static void
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

static int
user_version(struct store *st)
{
	sqlite3_stmt *s = prep(st, "PRAGMA user_version");
	int v = -1;

	if (s == NULL)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
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

	if (exec(st, "BEGIN IMMEDIATE") != 0) {
		snprintf(err, errlen, "cannot lock the database: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	if ((v = user_version(st)) < 0)
		goto fail;
	if (v > SCHEMA_VERSION) {
		snprintf(err, errlen, "database schema version %d is newer than this program's %d",
		    v, SCHEMA_VERSION);
		exec(st, "ROLLBACK");
		return -1;
	}
	for (; v < SCHEMA_VERSION; v++) {
		if (exec(st, migrations[v]) != 0)
			goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (exec(st, sql) != 0)
			goto fail;
	}
	if (exec(st, "COMMIT") != 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "schema migration failed: %s", sqlite3_errmsg(st->db));
	exec(st, "ROLLBACK");
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

		if (exec(st, "PRAGMA journal_mode = WAL") != 0 ||
		    exec(st, "PRAGMA synchronous = NORMAL") != 0 ||
		    exec(st, "PRAGMA foreign_keys = ON") != 0) {
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
static int
step_done(struct store *st, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		log_debug("database: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

static int
begin(struct store *st)
{
	return exec(st, "BEGIN IMMEDIATE");
}

/* Only when a transaction is still open: after a full disk SQLite has rolled
 * back already, and a second error would hide the first from store_errmsg(). */
static void
rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		exec(st, "ROLLBACK");
}

static int
commit(struct store *st)
{
	if (exec(st, "COMMIT") != 0) {
		rollback(st);
		return -1;
	}
	return 0;
}

/*
 * The audit chain. append_audit runs inside the caller's transaction, so a
 * change and its record commit or vanish together.
 */
static int
append_audit(struct store *st, int64_t at, int64_t fault_id, const char *action,
    const char *actor, const char *detail)
{
	char prev[AUDIT_HASH_LEN + 1] = AUDIT_GENESIS, hash[AUDIT_HASH_LEN + 1];
	sqlite3_stmt *s;
	int64_t seq = 1;
	int rc;

	if ((s = cached(st, Q_AUDIT_LAST)) == NULL)
		return -1;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *h = sqlite3_column_text(s, 1);
		seq = sqlite3_column_int64(s, 0) + 1;
		snprintf(prev, sizeof(prev), "%s", h ? (const char *)h : "");
	} else if (rc != SQLITE_DONE) {
		log_debug("database: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	sqlite3_reset(s);
	if (audit_hash(seq, at, fault_id, action, actor, detail, prev, hash) != 0) {
		log_warnx("audit: cannot compute SHA-256");
		return -1;
	}
	if ((s = cached(st, Q_AUDIT_INSERT)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_int64(s, 2, at);
	if (fault_id > 0)
		sqlite3_bind_int64(s, 3, fault_id);
	bind_text(s, 4, action);
	bind_text(s, 5, actor);
	bind_text(s, 6, detail);
	bind_text(s, 7, prev);
	bind_text(s, 8, hash);
	rc = step_done(st, s);
	sqlite3_reset(s);
	return rc;
}

int
store_sync_config(struct store *st, const struct config *cf)
{
	sqlite3_stmt *s = NULL;
	int64_t now = time_now_ms();
	int rc = -1;

	if (begin(st) != 0)
		return -1;
	if ((s = prep(st, "INSERT INTO site (one, id, name, timezone) VALUES (1, ?1, ?2, ?3) "
	    "ON CONFLICT (one) DO UPDATE SET id = ?1, name = ?2, timezone = ?3")) == NULL)
		goto out;
	bind_text(s, 1, cf->site.id);
	bind_text(s, 2, cf->site.name);
	bind_text(s, 3, cf->site.timezone);
	if (step_done(st, s) != 0)
		goto out;
	sqlite3_finalize(s);
	if (exec(st, "UPDATE devices SET in_config = 0; UPDATE points SET in_config = 0") != 0)
		goto out;
	s = prep(st, "INSERT INTO devices (id, name, lab, protocol, assessment, in_config, added_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6) ON CONFLICT (id) DO UPDATE SET name = ?2, lab = ?3, "
	    "protocol = ?4, assessment = ?5, in_config = 1");
	if (s == NULL)
		goto out;
	for (size_t i = 0; i < cf->ndevices; i++) {
		const struct conf_device *d = cf->devices[i];
		sqlite3_reset(s);
		bind_text(s, 1, d->id);
		bind_text(s, 2, d->name ? d->name : d->id);
		bind_text(s, 3, d->lab);
		bind_text(s, 4, config_protocol_name(d->protocol));
		sqlite3_bind_int(s, 5, d->assessment);
		sqlite3_bind_int64(s, 6, now);
		if (step_done(st, s) != 0)
			goto out;
	}
	sqlite3_finalize(s);
	s = prep(st, "INSERT INTO points (device, name, kind, label, in_config) "
	    "VALUES (?1, ?2, ?3, ?4, 1) ON CONFLICT (device, name) DO UPDATE SET kind = ?3, "
	    "label = ?4, in_config = 1");
	if (s == NULL)
		goto out;
	for (size_t i = 0; i < cf->npoints; i++) {
		const struct conf_point *p = cf->points[i];
		sqlite3_reset(s);
		bind_text(s, 1, p->device->id);
		bind_text(s, 2, p->name);
		bind_text(s, 3, config_kind_name(p->kind));
		bind_text(s, 4, p->label ? p->label : p->name);
		if (step_done(st, s) != 0)
			goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	rc = commit(st);
out:
	sqlite3_finalize(s);
	if (rc != 0)
		rollback(st);
	return rc;
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
	int rc = -1;

	/* A run that never said it stopped (a crash) ends at its last heartbeat. */
	if (exec(st, "UPDATE runs SET stopped_at = alive_at WHERE stopped_at IS NULL") != 0)
		return -1;
	if ((s = prep(st, "INSERT INTO runs (started_at, alive_at) VALUES (?1, ?1)")) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now_ms);
	if (step_done(st, s) == 0) {
		*run_id = sqlite3_last_insert_rowid(st->db);
		rc = 0;
	}
	sqlite3_finalize(s);
	return rc;
}

static int
run_update(struct store *st, const char *sql, int64_t run_id, int64_t now_ms)
{
	sqlite3_stmt *s;
	int rc;

	if ((s = prep(st, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int64(s, 2, now_ms);
	rc = step_done(st, s);
	sqlite3_finalize(s);
	return rc;
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

/* The id of the open automatic fault of a point, 0 if none, -1 on error. */
static int64_t
open_fault_id(struct store *st, const char *device, const char *point)
{
	sqlite3_stmt *s = cached(st, Q_OPEN_ID);
	int64_t id = 0;
	int rc;

	if (s == NULL)
		return -1;
	bind_text(s, 1, device);
	bind_text(s, 2, point);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_DONE) {
		log_debug("database: %s", sqlite3_errmsg(st->db));
		id = -1;
	}
	sqlite3_reset(s);
	return id;
}

/*
 * Changes to faults. A change is a list of columns and values; the same list
 * updates the row and becomes the audit record's detail, so that `verify`
 * can replay the audit trail and compare it with every row. Column names
 * come only from this file, never from input.
 */
static const char *const fault_cols[] = { "device", "point", "kind", "source", "code",
	"label", "lab", "assessment", "opened_at", "cleared_at", "acked_at", "acked_by",
	"ack_note", "repaired_at", "repaired_by", "action", "parts", "repair_logged_at",
	"dismissed_at", "dismissed_by", "dismiss_reason", "classification", "classified_at",
	"classified_by", "note", "repeat_of", NULL };

enum cv_type { CV_NULL = 0, CV_INT, CV_REAL, CV_TEXT };
struct colval {
	const char *col;
	enum cv_type t;
	int64_t i;
	double d;
	const char *s;
};

#define CV_I(c, v) ((struct colval){ (c), CV_INT, (v), 0, NULL })
#define CV_D(c, v) ((struct colval){ (c), CV_REAL, 0, (v), NULL })
#define CV_S(c, v) ((struct colval){ (c), (v) ? CV_TEXT : CV_NULL, 0, 0, (v) })
#define CV_N(c) ((struct colval){ (c), CV_NULL, 0, 0, NULL })

/* A statement for generated SQL, kept in a small cache by its text. */
static sqlite3_stmt *
dyn_stmt(struct store *st, const char *sql)
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

static void
bind_cv(sqlite3_stmt *s, int i, const struct colval *cv)
{
	switch (cv->t) {
	case CV_INT:
		sqlite3_bind_int64(s, i, cv->i);
		break;
	case CV_REAL:
		sqlite3_bind_double(s, i, cv->d);
		break;
	case CV_TEXT:
		sqlite3_bind_text(s, i, cv->s, -1, SQLITE_TRANSIENT);
		break;
	default:
		sqlite3_bind_null(s, i);
		break;
	}
}

/* The detail of a change: its columns and values, then what `extra` adds
 * (who acted, a correction's old values and reason), which verify's replay
 * ignores because no fault column has those names. extra is consumed. */
static char *
change_json(const struct colval *cv, size_t n, cJSON *extra)
{
	cJSON *o = cJSON_CreateObject(), *it;
	char *out;

	if (o == NULL) {
		cJSON_Delete(extra);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		switch (cv[i].t) {
		case CV_INT:
			cJSON_AddNumberToObject(o, cv[i].col, (double)cv[i].i);
			break;
		case CV_REAL:
			cJSON_AddNumberToObject(o, cv[i].col, cv[i].d);
			break;
		case CV_TEXT:
			cJSON_AddStringToObject(o, cv[i].col, cv[i].s);
			break;
		default:
			cJSON_AddNullToObject(o, cv[i].col);
			break;
		}
	}
	while (extra && (it = extra->child) != NULL) {
		cJSON_DetachItemViaPointer(extra, it);
		cJSON_AddItemToObject(o, it->string, it);
	}
	cJSON_Delete(extra);
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return out;
}

/* change_apply: fault_id 0 inserts a new fault (its id in *id), otherwise
 * updates it; then appends the audit record. Inside the caller's transaction. */
static int
change_apply(struct store *st, int64_t fault_id, const char *action, const char *actor,
    int64_t at, const struct colval *cv, size_t n, int64_t *id, cJSON *extra)
{
	char sql[1024], *detail;
	size_t len = 0;
	sqlite3_stmt *s;
	int rc;

	if (fault_id == 0) {
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "INSERT INTO faults (");
		for (size_t i = 0; i < n; i++)
			len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s%s", i ? ", " : "", cv[i].col);
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, ") VALUES (");
		for (size_t i = 0; i < n; i++)
			len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s?%zu", i ? ", " : "", i + 1);
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, ")");
	} else {
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "UPDATE faults SET ");
		for (size_t i = 0; i < n; i++)
			len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s%s = ?%zu", i ? ", " : "", cv[i].col, i + 1);
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, " WHERE id = ?%zu", n + 1);
	}
	if (len >= sizeof(sql) || (s = dyn_stmt(st, sql)) == NULL) {
		cJSON_Delete(extra);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		bind_cv(s, (int)i + 1, &cv[i]);
	if (fault_id != 0)
		sqlite3_bind_int64(s, (int)n + 1, fault_id);
	rc = step_done(st, s);
	sqlite3_reset(s);
	if (rc != 0) {
		cJSON_Delete(extra);
		return -1;
	}
	if (fault_id == 0)
		fault_id = sqlite3_last_insert_rowid(st->db);
	if (id)
		*id = fault_id;
	if ((detail = change_json(cv, n, extra)) == NULL)
		return -1;
	rc = append_audit(st, at, fault_id, action, actor, detail);
	cJSON_free(detail);
	return rc;
}

/* The fault a repair of this point within the last 7 days makes this one a repeat of. */
static int64_t
repeat_of(struct store *st, const char *device, const char *point, int64_t at)
{
	sqlite3_stmt *s = cached(st, Q_REPEAT);
	int64_t id = 0;

	if (s == NULL)
		return 0;
	bind_text(s, 1, device);
	bind_text(s, 2, point);
	sqlite3_bind_int64(s, 3, at);
	sqlite3_bind_int64(s, 4, REPEAT_WINDOW_MS);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return id;
}

static int
event_open(struct store *st, const struct tbm_event *ev)
{
	char *lab = NULL, *label = NULL;
	int assessment = 0, rc = -1;
	int64_t rep, id;
	sqlite3_stmt *s;
	struct colval cv[10];
	size_t n = 0;

	if ((id = open_fault_id(st, ev->device, ev->point)) != 0) {
		if (id > 0)
			log_debug("%s.%s: fault %" PRId64 " is already open", ev->device, ev->point, id);
		return id > 0 ? 0 : -1;   /* already open: adopted, never duplicated */
	}

	if ((s = cached(st, Q_POINT_INFO)) == NULL)
		return -1;
	bind_text(s, 1, ev->device);
	bind_text(s, 2, ev->point);
	if (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *t;
		if ((t = sqlite3_column_text(s, 0)) != NULL)
			lab = strdup((const char *)t);
		assessment = sqlite3_column_int(s, 1);
		if ((t = sqlite3_column_text(s, 2)) != NULL)
			label = strdup((const char *)t);
	}
	sqlite3_reset(s);
	if (ev->kind == FK_COMM && label == NULL)
		label = strdup("通信中断");
	rep = repeat_of(st, ev->device, ev->point, ev->at_ms);

	cv[n++] = CV_S("device", ev->device);
	cv[n++] = CV_S("point", ev->point);
	cv[n++] = CV_S("kind", fault_kind_name(ev->kind));
	cv[n++] = CV_S("source", "auto");
	cv[n++] = ev->kind == FK_COMM ? CV_N("code") : CV_D("code", ev->code);
	cv[n++] = CV_S("label", label);
	cv[n++] = CV_S("lab", lab);
	cv[n++] = CV_I("assessment", assessment);
	cv[n++] = CV_I("opened_at", ev->at_ms);
	cv[n++] = rep ? CV_I("repeat_of", rep) : CV_N("repeat_of");
	if (change_apply(st, 0, "open", ACCOUNT_DAEMON, ev->at_ms, cv, n, NULL, NULL) == 0)
		rc = 1;
	free(lab);
	free(label);
	return rc;
}

static int
event_clear(struct store *st, const struct tbm_event *ev)
{
	struct colval cv[1] = { CV_I("cleared_at", ev->at_ms) };
	int64_t id;

	if ((id = open_fault_id(st, ev->device, ev->point)) <= 0)
		return id == 0 ? 0 : -1;
	return change_apply(st, id, "clear", ACCOUNT_DAEMON, ev->at_ms, cv, 1, NULL, NULL) == 0 ? 1 : -1;
}

int
store_write_events(struct store *st, const struct tbm_event *ev, size_t n)
{
	int applied = 0, r;

	if (n == 0)
		return 0;
	if (begin(st) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		r = ev[i].type == EV_OPEN ? event_open(st, &ev[i]) : event_clear(st, &ev[i]);
		if (r < 0) {
			rollback(st);
			return -1;
		}
		applied += r;
	}
	if (commit(st) != 0)
		return -1;
	return applied;
}

int
store_each_open_fault(struct store *st, store_open_cb cb, void *arg)
{
	sqlite3_stmt *s;
	int rc;

	s = prep(st, "SELECT device, point, kind, id FROM faults WHERE cleared_at IS NULL "
	    "AND source = 'auto' ORDER BY id");
	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int k = fault_kind_parse((const char *)sqlite3_column_text(s, 2));
		cb(arg, (const char *)sqlite3_column_text(s, 0),
		    (const char *)sqlite3_column_text(s, 1), k < 0 ? FK_FAULT : (enum fault_kind)k,
		    sqlite3_column_int64(s, 3));
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		log_debug("database: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

/* ---- faults as the tools read them ---- */

const char *
fault_status(const struct fault *f)
{
	if (f->dismissed_at)
		return "dismissed";
	if (f->repaired_at)
		return "repaired";
	if (f->cleared_at)
		return "cleared";
	if (f->acked_at)
		return "acknowledged";
	return "open";
}

void
fault_clear(struct fault *f)
{
	char **strs[] = { &f->device, &f->point, &f->source, &f->label, &f->lab, &f->acked_by,
		&f->ack_note, &f->repaired_by, &f->action, &f->parts, &f->dismissed_by,
		&f->dismiss_reason, &f->classification, &f->classified_by, &f->note };

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	memset(f, 0, sizeof(*f));
}

/*
 * grow: room for one more row in a result array *vp (any pointer type):
 * doubles its capacity (first: the capacity of a new one). -1 when out of
 * memory, with the array as it was, so the caller frees what it holds.
 */
static int
grow(void *vp, size_t *cap, size_t elem, size_t first)
{
	size_t ncap = *cap ? *cap * 2 : first;
	void *v, *nv;

	memcpy(&v, vp, sizeof(v));
	if ((nv = realloc(v, ncap * elem)) == NULL)
		return -1;
	memcpy(vp, &nv, sizeof(nv));
	*cap = ncap;
	return 0;
}

#define FAULT_COLUMNS "id, device, point, kind, source, code, label, lab, assessment, " \
	"opened_at, cleared_at, acked_at, repaired_at, dismissed_at, classified_at, " \
	"acked_by, ack_note, repaired_by, action, parts, dismissed_by, dismiss_reason, " \
	"classification, classified_by, note, repeat_of, repair_logged_at"

static char *
col_str(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? strdup((const char *)t) : NULL;
}

static int64_t
col_time(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? STORE_NOTIME : sqlite3_column_int64(s, i);
}

static int
fault_from_row(sqlite3_stmt *s, struct fault *f)
{
	int k;

	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(s, 0);
	f->device = col_str(s, 1);
	f->point = col_str(s, 2);
	k = fault_kind_parse((const char *)sqlite3_column_text(s, 3));
	f->kind = k < 0 ? FK_FAULT : (enum fault_kind)k;
	f->source = col_str(s, 4);
	f->has_code = sqlite3_column_type(s, 5) != SQLITE_NULL;
	f->code = sqlite3_column_double(s, 5);
	f->label = col_str(s, 6);
	f->lab = col_str(s, 7);
	f->assessment = sqlite3_column_int(s, 8);
	f->opened_at = col_time(s, 9);
	f->cleared_at = col_time(s, 10);
	f->acked_at = col_time(s, 11);
	f->repaired_at = col_time(s, 12);
	f->dismissed_at = col_time(s, 13);
	f->classified_at = col_time(s, 14);
	f->acked_by = col_str(s, 15);
	f->ack_note = col_str(s, 16);
	f->repaired_by = col_str(s, 17);
	f->action = col_str(s, 18);
	f->parts = col_str(s, 19);
	f->dismissed_by = col_str(s, 20);
	f->dismiss_reason = col_str(s, 21);
	f->classification = col_str(s, 22);
	f->classified_by = col_str(s, 23);
	f->note = col_str(s, 24);
	f->repeat_of = sqlite3_column_type(s, 25) == SQLITE_NULL ? 0 : sqlite3_column_int64(s, 25);
	f->repair_logged_at = col_time(s, 26);
	if (f->device == NULL || f->point == NULL || f->source == NULL) {
		fault_clear(f);
		return -1;
	}
	return 0;
}

int
store_faults(struct store *st, const struct fault_filter *flt, struct fault **out, size_t *n)
{
	sqlite3_stmt *s;
	struct fault *v = NULL;
	size_t cap = 0, len = 0;
	int rc;

	*out = NULL;
	*n = 0;
	/* One device's faults by the faults_device index: "?2 IS NULL OR device =
	 * ?2" would scan the table, a range on device can use the index (the
	 * range is every id when ?2 is NULL). */
	s = prep(st, "SELECT " FAULT_COLUMNS " FROM faults WHERE "
	    "(?1 = 0 OR (cleared_at IS NULL AND repaired_at IS NULL AND dismissed_at IS NULL)) "
	    "AND device BETWEEN coalesce(?2, '') AND coalesce(?2, char(1114111)) "
	    "AND (?3 = 0 OR opened_at >= ?3) "
	    "AND (?4 = 0 OR opened_at < ?4) "
	    "AND (?5 = 0 OR (?5 >> CASE kind WHEN 'fault' THEN 0 WHEN 'comm' THEN 1 ELSE 2 END) & 1) "
	    "AND (?6 = 0 OR (repaired_at IS NULL AND dismissed_at IS NULL "
	    "     AND (cleared_at IS NULL OR kind <> 'comm'))) "
	    "ORDER BY opened_at, id");
	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, flt->open_only);
	bind_text(s, 2, flt->device);
	sqlite3_bind_int64(s, 3, flt->from_ms);
	sqlite3_bind_int64(s, 4, flt->to_ms);
	sqlite3_bind_int(s, 5, flt->kinds);
	sqlite3_bind_int(s, 6, flt->unresolved);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap && grow(&v, &cap, sizeof(*v), 32) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		if (fault_from_row(s, &v[len]) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		len++;
	}
	if (rc != SQLITE_DONE) {
		log_debug("database: %s", rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(st->db));
		sqlite3_finalize(s);
		store_faults_free(v, len);
		return -1;
	}
	sqlite3_finalize(s);
	*out = v;
	*n = len;
	return 0;
}

void
store_faults_free(struct fault *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fault_clear(&v[i]);
	free(v);
}

int
store_fault_get(struct store *st, int64_t id, struct fault *out)
{
	sqlite3_stmt *s;
	int rc, found = 0;

	if ((s = prep(st, "SELECT " FAULT_COLUMNS " FROM faults WHERE id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		found = fault_from_row(s, out) == 0 ? 1 : -1;
	else if (rc != SQLITE_DONE) {
		log_debug("database: %s", sqlite3_errmsg(st->db));
		found = -1;
	}
	sqlite3_finalize(s);
	return found;
}

int
store_audit_for(struct store *st, int64_t fault_id, struct audit_rec **out, size_t *n)
{
	sqlite3_stmt *s;
	struct audit_rec *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	s = prep(st, "SELECT seq, at, fault_id, action, actor, detail, prev_hash, hash FROM audit "
	    "WHERE fault_id = ?1 ORDER BY seq");
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, fault_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct audit_rec *r;
		if (len == cap && grow(&v, &cap, sizeof(*v), 8) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		r = &v[len++];
		memset(r, 0, sizeof(*r));
		r->seq = sqlite3_column_int64(s, 0);
		r->at = sqlite3_column_int64(s, 1);
		r->fault_id = sqlite3_column_int64(s, 2);
		r->action = col_str(s, 3);
		r->actor = col_str(s, 4);
		r->detail = col_str(s, 5);
		snprintf(r->prev_hash, sizeof(r->prev_hash), "%s",
		    sqlite3_column_text(s, 6) ? (const char *)sqlite3_column_text(s, 6) : "");
		snprintf(r->hash, sizeof(r->hash), "%s",
		    sqlite3_column_text(s, 7) ? (const char *)sqlite3_column_text(s, 7) : "");
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		log_debug("database: %s", rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(st->db));
		store_audit_free(v, len);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

void
store_audit_free(struct audit_rec *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].action);
		free(v[i].actor);
		free(v[i].detail);
	}
	free(v);
}

int
store_site(struct store *st, struct site_row *out)
{
	sqlite3_stmt *s;
	int rc, found = 0;

	memset(out, 0, sizeof(*out));
	if ((s = prep(st, "SELECT id, name, timezone FROM site WHERE one = 1")) == NULL)
		return -1;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		out->id = col_str(s, 0);
		out->name = col_str(s, 1);
		out->timezone = col_str(s, 2);
		found = 1;
	} else if (rc != SQLITE_DONE)
		found = -1;
	sqlite3_finalize(s);
	return found;
}

void
store_site_clear(struct site_row *s)
{
	free(s->id);
	free(s->name);
	free(s->timezone);
	memset(s, 0, sizeof(*s));
}

int
store_devices(struct store *st, struct device_row **out, size_t *n)
{
	sqlite3_stmt *s;
	struct device_row *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	s = prep(st, "SELECT d.id, d.name, d.lab, d.protocol, d.assessment, d.in_config, "
	    " (SELECT count(*) FROM faults f WHERE f.device = d.id AND f.kind <> 'comm' "
	    "   AND f.cleared_at IS NULL AND f.dismissed_at IS NULL), "
	    " (SELECT min(opened_at) FROM faults f WHERE f.device = d.id AND f.kind = 'comm' "
	    "   AND f.cleared_at IS NULL AND f.source = 'auto') "
	    "FROM devices d ORDER BY d.in_config DESC, d.lab, d.id");
	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct device_row *r;
		if (len == cap && grow(&v, &cap, sizeof(*v), 16) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		r = &v[len++];
		memset(r, 0, sizeof(*r));
		r->id = col_str(s, 0);
		r->name = col_str(s, 1);
		r->lab = col_str(s, 2);
		r->protocol = col_str(s, 3);
		r->assessment = sqlite3_column_int(s, 4);
		r->in_config = sqlite3_column_int(s, 5);
		r->open_faults = sqlite3_column_int(s, 6);
		r->comm_since = col_time(s, 7);
		r->comm_open = r->comm_since != STORE_NOTIME;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_devices_free(v, len);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

void
store_devices_free(struct device_row *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].name);
		free(v[i].lab);
		free(v[i].protocol);
	}
	free(v);
}

int
store_last_run(struct store *st, struct run_row *out)
{
	sqlite3_stmt *s;
	int rc, found = 0;

	memset(out, 0, sizeof(*out));
	s = prep(st, "SELECT id, started_at, alive_at, stopped_at FROM runs ORDER BY id DESC LIMIT 1");
	if (s == NULL)
		return -1;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		out->id = sqlite3_column_int64(s, 0);
		out->started_at = sqlite3_column_int64(s, 1);
		out->alive_at = sqlite3_column_int64(s, 2);
		out->stopped_at = col_time(s, 3);
		found = 1;
	} else if (rc != SQLITE_DONE)
		found = -1;
	sqlite3_finalize(s);
	return found;
}

/* ---- the people's side: ack, repair, dismiss, manual reports, classification ---- */

static int
refuse(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
refuse(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return STORE_REFUSED;
}

static int
db_error(struct store *st, char *err, size_t len)
{
	snprintf(err, len, "database: %s", sqlite3_errmsg(st->db));
	rollback(st);
	return -1;
}

static void
fmt_time(int64_t ms, char *buf, size_t len)
{
	time_format_local(ms, buf, len);
}

/* Loads fault `id` inside a transaction; refuses when it does not exist. */
static int
load_fault(struct store *st, int64_t id, struct fault *f, char *err, size_t len)
{
	int r = store_fault_get(st, id, f);

	if (r < 0)
		return db_error(st, err, len);
	if (r == 0) {
		rollback(st);
		return refuse(err, len, "no fault with id %" PRId64, id);
	}
	return 0;
}

cJSON *
store_int_who_json(const struct actor *who)
{
	cJSON *o = cJSON_CreateObject(), *w;

	if (o == NULL || (w = cJSON_AddObjectToObject(o, "who")) == NULL) {
		cJSON_Delete(o);
		return NULL;
	}
	cJSON_AddStringToObject(w, "account", account_actor_name(who));
	if (who && who->channel)
		cJSON_AddStringToObject(w, "channel", who->channel);
	if (who && who->origin)
		cJSON_AddStringToObject(w, who->channel && strcmp(who->channel, "web") == 0 ?
		    "address" : "os_user", who->origin);
	if (who && who->via)
		cJSON_AddStringToObject(w, "via", who->via);
	return o;
}

int
store_int_actor_account(struct store *st, const struct actor *who, struct account *out,
    char *err, size_t len)
{
	int r;

	memset(out, 0, sizeof(*out));
	if (who == NULL || who->acct == NULL || who->acct->name == NULL)
		return refuse(err, len, "no account acts: every change names an account of the base");
	if ((r = store_account_get(st, who->acct->name, out)) < 0)
		return -1;
	if (r == 0)
		return refuse(err, len, "no account '%s' (see tbmctl user list)", who->acct->name);
	if (out->disabled) {
		r = refuse(err, len, "account %s is disabled", out->name);
		account_clear(out);
		return r;
	}
	return 0;
}

/* change_begin: the transaction, the acting account as stored now and the
 * fault. On anything but 0 the transaction is over and err says why. */
static int
change_begin(struct store *st, int64_t id, const struct actor *who, struct account *acct,
    struct fault *f, char *err, size_t len)
{
	int r;

	memset(f, 0, sizeof(*f));
	if (begin(st) != 0)
		return db_error(st, err, len);
	if ((r = store_int_actor_account(st, who, acct, err, len)) != 0) {
		if (r < 0)
			return db_error(st, err, len);
		rollback(st);
		return r;
	}
	if ((r = load_fault(st, id, f, err, len)) != 0)
		account_clear(acct);
	return r;
}

/* change_finish: applies the change with its audit record and commits;
 * consumes extra, to which it adds who acted. */
static int
change_finish(struct store *st, int64_t id, const char *action, const struct account *acct,
    const struct actor *who, int64_t now, const struct colval *cv, size_t n, cJSON *extra,
    char *err, size_t len)
{
	cJSON *w = store_int_who_json(who), *it;

	if (w == NULL) {
		cJSON_Delete(extra);
		return db_error(st, err, len);
	}
	if (extra == NULL)
		extra = w;
	else {
		it = cJSON_DetachItemFromObjectCaseSensitive(w, "who");
		cJSON_AddItemToObject(extra, "who", it);
		cJSON_Delete(w);
	}
	if (change_apply(st, id, action, acct->name, now, cv, n, NULL, extra) != 0 || commit(st) != 0)
		return db_error(st, err, len);
	return 0;
}

/* Runs one change: begin, the rights and the fault's own checks (a callback
 * that may refuse and may add to the detail), apply, commit. The account's
 * name fills the columns named in by_cols. */
typedef int (*change_check_fn)(struct store *st, const struct fault *f, void *arg, cJSON **extra,
    char *err, size_t len);

static int
change_fault(struct store *st, int64_t id, enum right right, change_check_fn check, void *arg,
    const char *action, const struct actor *who, int64_t now, struct colval *cv, size_t n,
    char *err, size_t len)
{
	struct account acct;
	struct fault f;
	cJSON *extra = NULL;
	int r;

	if ((r = change_begin(st, id, who, &acct, &f, err, len)) != 0)
		return r;
	r = rights_check(&acct, right, &f, NULL, now, err, len);
	if (r == 0)
		r = check(st, &f, arg, &extra, err, len);
	fault_clear(&f);
	if (r != 0) {
		cJSON_Delete(extra);
		account_clear(&acct);
		rollback(st);
		return r;
	}
	for (size_t i = 0; i < n; i++)
		if (cv[i].t == CV_TEXT && cv[i].s == NULL)   /* the actor's column */
			cv[i].s = acct.name;
	r = change_finish(st, id, action, &acct, who, now, cv, n, extra, err, len);
	account_clear(&acct);
	return r;
}

/* The column the acting account's name goes into (filled by change_fault). */
#define CV_ACTOR(c) ((struct colval){ (c), CV_TEXT, 0, 0, NULL })

static int
check_ack(struct store *st, const struct fault *f, void *arg, cJSON **extra, char *err, size_t len)
{
	char t[64];

	(void)st;
	(void)arg;
	(void)extra;
	if (f->dismissed_at)
		return refuse(err, len, "fault %" PRId64 " is dismissed", f->id);
	if (f->repaired_at)
		return refuse(err, len, "fault %" PRId64 " is already repaired", f->id);
	if (f->acked_at) {
		fmt_time(f->acked_at, t, sizeof(t));
		return refuse(err, len, "fault %" PRId64 " was already acknowledged by %s at %s", f->id,
		    f->acked_by ? f->acked_by : "?", t);
	}
	return 0;
}

int
store_ack(struct store *st, int64_t id, const struct actor *who, const char *note, int64_t now,
    char *err, size_t len)
{
	struct colval cv[3] = { CV_I("acked_at", now), CV_ACTOR("acked_by"), CV_S("ack_note", note) };

	return change_fault(st, id, RIGHT_ACK, check_ack, NULL, "ack", who, now, cv, 3, err, len);
}

struct repair_arg {
	int64_t at, now;
};

/* A repair time: not before the fault opened, not in the future. */
static int
check_repair_time(const struct fault *f, int64_t at, int64_t now, char *err, size_t len)
{
	char t1[64], t2[64];

	if (at < f->opened_at) {
		fmt_time(at, t1, sizeof(t1));
		fmt_time(f->opened_at, t2, sizeof(t2));
		return refuse(err, len, "repair time %s is before fault %" PRId64 " opened (%s)", t1,
		    f->id, t2);
	}
	if (at > now + 60000) {
		fmt_time(at, t1, sizeof(t1));
		return refuse(err, len, "repair time %s is in the future", t1);
	}
	return 0;
}

static int
check_repair(struct store *st, const struct fault *f, void *arg, cJSON **extra, char *err,
    size_t len)
{
	const struct repair_arg *a = arg;
	char t1[64];

	(void)st;
	(void)extra;
	if (f->dismissed_at)
		return refuse(err, len, "fault %" PRId64 " was dismissed (%s); a dismissed fault cannot be repaired",
		    f->id, f->dismiss_reason ? f->dismiss_reason : "no reason");
	if (f->repaired_at) {
		fmt_time(f->repaired_at, t1, sizeof(t1));
		return refuse(err, len, "fault %" PRId64 " was already repaired by %s at %s", f->id,
		    f->repaired_by ? f->repaired_by : "?", t1);
	}
	return check_repair_time(f, a->at, a->now, err, len);
}

int
store_repair(struct store *st, int64_t id, const struct actor *who, const char *action,
    const char *parts, int64_t at, int64_t now, char *err, size_t len)
{
	struct repair_arg a = { at, now };
	struct colval cv[5] = { CV_I("repaired_at", at), CV_ACTOR("repaired_by"),
		CV_S("action", action), CV_S("parts", parts), CV_I("repair_logged_at", now) };

	if (action == NULL || *action == '\0')
		return refuse(err, len, "a repair says what was done (an action)");
	return change_fault(st, id, RIGHT_REPAIR, check_repair, &a, "repair", who, now, cv, 5, err,
	    len);
}

static int
check_dismiss(struct store *st, const struct fault *f, void *arg, cJSON **extra, char *err,
    size_t len)
{
	(void)st;
	(void)arg;
	(void)extra;
	if (f->dismissed_at)
		return refuse(err, len, "fault %" PRId64 " is already dismissed", f->id);
	if (f->repaired_at)
		return refuse(err, len, "fault %" PRId64 " is repaired; a repaired fault cannot be dismissed", f->id);
	return 0;
}

int
store_dismiss(struct store *st, int64_t id, const struct actor *who, const char *reason,
    int64_t now, char *err, size_t len)
{
	struct colval cv[3] = { CV_I("dismissed_at", now), CV_ACTOR("dismissed_by"),
		CV_S("dismiss_reason", reason) };

	if (reason == NULL || *reason == '\0')
		return refuse(err, len, "a dismissal needs a reason (why it was a false signal)");
	return change_fault(st, id, RIGHT_DISMISS, check_dismiss, NULL, "dismiss", who, now, cv, 3,
	    err, len);
}

static int
check_classify(struct store *st, const struct fault *f, void *arg, cJSON **extra, char *err,
    size_t len)
{
	(void)st;
	(void)arg;
	if (f->kind != FK_SAFETY)
		return refuse(err, len, "fault %" PRId64 " is %s, not a safety event", f->id,
		    f->kind == FK_COMM ? "a communication fault" : "an equipment fault");
	if (f->dismissed_at)
		return refuse(err, len, "safety event %" PRId64 " is dismissed", f->id);
	/* a new classification keeps the old one in its record */
	if (f->classification) {
		cJSON *o = cJSON_CreateObject(), *old;
		if (o == NULL || (old = cJSON_AddObjectToObject(o, "old")) == NULL ||
		    cJSON_AddStringToObject(old, "classification", f->classification) == NULL) {
			cJSON_Delete(o);
			return -1;
		}
		*extra = o;
	}
	return 0;
}

int
store_classify(struct store *st, int64_t id, const char *cls, const struct actor *who,
    const char *note, int64_t now, char *err, size_t len)
{
	struct colval cv[4] = { CV_S("classification", cls), CV_I("classified_at", now),
		CV_ACTOR("classified_by"), CV_S("note", note) };

	if (cls == NULL || (strcmp(cls, "accident") && strcmp(cls, "near-miss") &&
	    strcmp(cls, "drill") && strcmp(cls, "none")))
		return refuse(err, len, "classification '%s' is not one of accident, near-miss, drill, none",
		    cls ? cls : "");
	return change_fault(st, id, RIGHT_CLASSIFY, check_classify, NULL, "classify", who, now, cv,
	    4, err, len);
}

int
store_report(struct store *st, const char *device, enum fault_kind kind, const struct actor *who,
    const char *note, int64_t at, int64_t now, int64_t *id, char *err, size_t len)
{
	struct account acct;
	char *lab = NULL;
	int assessment = 0, found = 0, r;
	int64_t rep;
	sqlite3_stmt *s;
	struct colval cv[14];
	size_t n = 0;
	char t[64];

	if (kind == FK_COMM)
		return refuse(err, len, "a manual report is a fault or a safety event");
	if (note == NULL || *note == '\0')
		return refuse(err, len, "a report says what was seen (a note)");
	if (at > now + 60000) {
		fmt_time(at, t, sizeof(t));
		return refuse(err, len, "time %s is in the future", t);
	}
	if (begin(st) != 0)
		return db_error(st, err, len);
	if ((r = store_int_actor_account(st, who, &acct, err, len)) != 0) {
		if (r < 0)
			return db_error(st, err, len);
		rollback(st);
		return r;
	}
	if ((s = prep(st, "SELECT lab, assessment FROM devices WHERE id = ?1")) == NULL) {
		account_clear(&acct);
		return db_error(st, err, len);
	}
	bind_text(s, 1, device);
	if ((r = sqlite3_step(s)) == SQLITE_ROW) {
		found = 1;
		lab = col_str(s, 0);
		assessment = sqlite3_column_int(s, 1);
	}
	sqlite3_finalize(s);
	if (r != SQLITE_ROW && r != SQLITE_DONE) {
		account_clear(&acct);
		return db_error(st, err, len);
	}
	if (!found) {
		account_clear(&acct);
		rollback(st);
		return refuse(err, len, "no device '%s' in the database", device);
	}
	if ((r = rights_check(&acct, RIGHT_REPORT, NULL, lab, now, err, len)) != 0) {
		account_clear(&acct);
		free(lab);
		rollback(st);
		return r;
	}
	rep = kind == FK_FAULT ? repeat_of(st, device, "manual", at) : 0;
	cv[n++] = CV_S("device", device);
	cv[n++] = CV_S("point", "manual");
	cv[n++] = CV_S("kind", fault_kind_name(kind));
	cv[n++] = CV_S("source", "manual");
	cv[n++] = CV_S("label", note);
	cv[n++] = CV_S("lab", lab);
	cv[n++] = CV_I("assessment", assessment);
	cv[n++] = CV_I("opened_at", at);
	cv[n++] = CV_S("note", note);
	cv[n++] = rep ? CV_I("repeat_of", rep) : CV_N("repeat_of");
	r = change_apply(st, 0, "report", acct.name, now, cv, n, id, store_int_who_json(who));
	free(lab);
	account_clear(&acct);
	if (r != 0 || commit(st) != 0)
		return db_error(st, err, len);
	return 0;
}

/* ---- corrections: appended, with the old values and a reason ---- */

static int
need_reason(const char *reason, const char *what, char *err, size_t len)
{
	if (reason == NULL || strspn(reason, " \t") == strlen(reason))
		return refuse(err, len, "%s needs a reason", what);
	return 0;
}

/* Adds the column's current value under "old" (NULL: null). */
static void
old_str(cJSON *old, const char *col, const char *v)
{
	cJSON_AddItemToObject(old, col, v ? cJSON_CreateString(v) : cJSON_CreateNull());
}

static void
old_time(cJSON *old, const char *col, int64_t v)
{
	cJSON_AddItemToObject(old, col, v != STORE_NOTIME ? cJSON_CreateNumber((double)v) :
	    cJSON_CreateNull());
}

int
store_amend(struct store *st, int64_t id, const struct actor *who, const struct amend *a,
    const char *reason, int64_t now, char *err, size_t len)
{
	struct account acct;
	struct fault f;
	struct colval cv[4];
	cJSON *extra = NULL, *old;
	size_t n = 0;
	int r;

	if ((r = need_reason(reason, "a correction", err, len)) != 0)
		return r;
	if (a == NULL || (!a->action && !a->parts && !a->note && !a->at))
		return refuse(err, len, "nothing to amend: give a new action, parts, time or note");
	if ((a->action && *a->action == '\0'))
		return refuse(err, len, "a repair's action cannot be made empty");
	if ((r = change_begin(st, id, who, &acct, &f, err, len)) != 0)
		return r;
	if ((r = rights_amend(&acct, &f, a, now, err, len)) != 0)
		goto refused;
	if ((a->action || a->parts || a->at) && f.repaired_at == STORE_NOTIME) {
		r = refuse(err, len, "fault %" PRId64 " has no repair to amend", id);
		goto refused;
	}
	if (a->note && f.acked_at == STORE_NOTIME) {
		r = refuse(err, len, "fault %" PRId64 " has no acknowledgement whose note could be amended", id);
		goto refused;
	}
	if (a->at && (r = check_repair_time(&f, a->at, now, err, len)) != 0)
		goto refused;
	if ((extra = cJSON_CreateObject()) == NULL || (old = cJSON_AddObjectToObject(extra, "old")) == NULL)
		goto oom;
	if (a->at) {
		cv[n++] = CV_I("repaired_at", a->at);
		old_time(old, "repaired_at", f.repaired_at);
	}
	if (a->action) {
		cv[n++] = CV_S("action", a->action);
		old_str(old, "action", f.action);
	}
	if (a->parts) {
		cv[n++] = *a->parts ? CV_S("parts", a->parts) : CV_N("parts");
		old_str(old, "parts", f.parts);
	}
	if (a->note) {
		cv[n++] = *a->note ? CV_S("ack_note", a->note) : CV_N("ack_note");
		old_str(old, "ack_note", f.ack_note);
	}
	cJSON_AddStringToObject(extra, "reason", reason);
	fault_clear(&f);
	r = change_finish(st, id, "amend", &acct, who, now, cv, n, extra, err, len);
	account_clear(&acct);
	return r;
oom:
	cJSON_Delete(extra);
	fault_clear(&f);
	account_clear(&acct);
	snprintf(err, len, "out of memory");
	rollback(st);
	return -1;
refused:
	fault_clear(&f);
	account_clear(&acct);
	rollback(st);
	return r;
}

int
store_reopen(struct store *st, int64_t id, const struct actor *who, const char *reason, int64_t now,
    char *err, size_t len)
{
	struct account acct;
	struct fault f;
	struct colval cv[5];
	cJSON *extra = NULL, *old;
	const char *undo;
	size_t n = 0;
	int r;

	if ((r = need_reason(reason, "reopen", err, len)) != 0)
		return r;
	if ((r = change_begin(st, id, who, &acct, &f, err, len)) != 0)
		return r;
	if ((r = rights_check(&acct, RIGHT_REOPEN, &f, NULL, now, err, len)) != 0)
		goto refused;
	if ((extra = cJSON_CreateObject()) == NULL || (old = cJSON_AddObjectToObject(extra, "old")) == NULL)
		goto oom;
	/* the latest of the three: a dismissal or a repair ends the work, an ack begins it */
	if (f.dismissed_at != STORE_NOTIME) {
		undo = "dismiss";
		cv[n++] = CV_N("dismissed_at");
		cv[n++] = CV_N("dismissed_by");
		cv[n++] = CV_N("dismiss_reason");
		old_time(old, "dismissed_at", f.dismissed_at);
		old_str(old, "dismissed_by", f.dismissed_by);
		old_str(old, "dismiss_reason", f.dismiss_reason);
	} else if (f.repaired_at != STORE_NOTIME) {
		undo = "repair";
		cv[n++] = CV_N("repaired_at");
		cv[n++] = CV_N("repaired_by");
		cv[n++] = CV_N("action");
		cv[n++] = CV_N("parts");
		cv[n++] = CV_N("repair_logged_at");
		old_time(old, "repaired_at", f.repaired_at);
		old_str(old, "repaired_by", f.repaired_by);
		old_str(old, "action", f.action);
		old_str(old, "parts", f.parts);
		old_time(old, "repair_logged_at", f.repair_logged_at);
	} else if (f.acked_at != STORE_NOTIME) {
		undo = "ack";
		cv[n++] = CV_N("acked_at");
		cv[n++] = CV_N("acked_by");
		cv[n++] = CV_N("ack_note");
		old_time(old, "acked_at", f.acked_at);
		old_str(old, "acked_by", f.acked_by);
		old_str(old, "ack_note", f.ack_note);
	} else {
		cJSON_Delete(extra);
		r = refuse(err, len, "fault %" PRId64 " has no acknowledgement, repair or dismissal to undo", id);
		goto refused;
	}
	cJSON_AddStringToObject(extra, "undo", undo);
	cJSON_AddStringToObject(extra, "reason", reason);
	fault_clear(&f);
	r = change_finish(st, id, "reopen", &acct, who, now, cv, n, extra, err, len);
	account_clear(&acct);
	return r;
oom:
	cJSON_Delete(extra);
	fault_clear(&f);
	account_clear(&acct);
	snprintf(err, len, "out of memory");
	rollback(st);
	return -1;
refused:
	fault_clear(&f);
	account_clear(&acct);
	rollback(st);
	return r;
}

/* ---- verify: the chain, then every fault row against the replayed audit trail ---- */

static int
verify_chain(struct store *st, unsigned long *checked, int64_t *head_seq, char *head_hash,
    char *err, size_t len)
{
	char prev[AUDIT_HASH_LEN + 1] = AUDIT_GENESIS, h[AUDIT_HASH_LEN + 1];
	int64_t expect = 1;
	sqlite3_stmt *s;
	int rc, bad = 0;

	s = prep(st, "SELECT seq, at, fault_id, action, actor, detail, prev_hash, hash FROM audit "
	    "ORDER BY seq");
	if (s == NULL)
		return -1;
	while (!bad && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(s, 0);
		const char *ph = (const char *)sqlite3_column_text(s, 6);
		const char *hh = (const char *)sqlite3_column_text(s, 7);

		if (seq != expect) {
			snprintf(err, len, "audit record %" PRId64 " is missing (deleted outside the tools); next is %" PRId64,
			    expect, seq);
			bad = 1;
			break;
		}
		if (ph == NULL || strcmp(ph, prev) != 0) {
			snprintf(err, len, "audit record %" PRId64 " does not follow record %" PRId64
			    " (inserted or replaced outside the tools)", seq, seq - 1);
			bad = 1;
			break;
		}
		if (audit_hash(seq, sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2),
		    (const char *)sqlite3_column_text(s, 3), (const char *)sqlite3_column_text(s, 4),
		    (const char *)sqlite3_column_text(s, 5), ph, h) != 0) {
			sqlite3_finalize(s);
			snprintf(err, len, "cannot compute SHA-256");
			return -1;
		}
		if (hh == NULL || strcmp(h, hh) != 0) {
			snprintf(err, len, "audit record %" PRId64 " was edited outside the tools (its hash does not match its content)", seq);
			bad = 1;
			break;
		}
		snprintf(prev, sizeof(prev), "%s", hh);
		expect++;
		(*checked)++;
	}
	if (!bad && rc != SQLITE_DONE) {
		snprintf(err, len, "database: %s", sqlite3_errmsg(st->db));
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	*head_seq = expect - 1;
	snprintf(head_hash, AUDIT_HASH_LEN + 1, "%s", prev);
	return bad;
}

/* Compares one row's column with the value the audit trail gives it. */
static int
column_matches(sqlite3_stmt *row, int i, const cJSON *v)
{
	int t = sqlite3_column_type(row, i);

	if (v == NULL || cJSON_IsNull(v))
		return t == SQLITE_NULL;
	if (cJSON_IsNumber(v))
		return (t == SQLITE_INTEGER || t == SQLITE_FLOAT) &&
		    sqlite3_column_double(row, i) == v->valuedouble;
	if (cJSON_IsString(v))
		return t == SQLITE_TEXT && strcmp((const char *)sqlite3_column_text(row, i), v->valuestring) == 0;
	return 0;
}

static int
verify_rows(struct store *st, unsigned long *faults, char *err, size_t len)
{
	sqlite3_stmt *a = NULL, *row = NULL;
	char sql[512];
	size_t l = 0;
	cJSON *state = NULL;
	int64_t cur = 0;
	int rc, bad = 0, done = 0;

	l += (size_t)snprintf(sql + l, sizeof(sql) - l, "SELECT ");
	for (int i = 0; fault_cols[i]; i++)
		l += (size_t)snprintf(sql + l, sizeof(sql) - l, "%s, ", fault_cols[i]);
	snprintf(sql + l, sizeof(sql) - l, "id FROM faults WHERE id = ?1");
	if ((row = prep(st, sql)) == NULL)
		return -1;
	a = prep(st, "SELECT fault_id, seq, detail FROM audit WHERE fault_id IS NOT NULL "
	    "ORDER BY fault_id, seq");
	if (a == NULL) {
		sqlite3_finalize(row);
		return -1;
	}
	/* Walk the trail fault by fault; at each change of fault, compare the replayed state. */
	while (!bad && !done) {
		int64_t fid = 0;
		rc = sqlite3_step(a);
		if (rc == SQLITE_ROW)
			fid = sqlite3_column_int64(a, 0);
		else if (rc == SQLITE_DONE)
			done = 1;
		else {
			snprintf(err, len, "database: %s", sqlite3_errmsg(st->db));
			bad = -1;
			break;
		}
		if (state && (done || fid != cur)) {
			sqlite3_reset(row);
			sqlite3_bind_int64(row, 1, cur);
			if (sqlite3_step(row) != SQLITE_ROW) {
				snprintf(err, len, "fault %" PRId64 " was deleted outside the tools", cur);
				bad = 1;
				break;
			}
			for (int i = 0; fault_cols[i]; i++)
				if (!column_matches(row, i, cJSON_GetObjectItemCaseSensitive(state, fault_cols[i]))) {
					snprintf(err, len, "fault %" PRId64 ": %s was changed outside the tools", cur, fault_cols[i]);
					bad = 1;
					break;
				}
			cJSON_Delete(state);
			state = NULL;
			(*faults)++;
		}
		if (done || bad)
			break;
		if (state == NULL) {
			state = cJSON_CreateObject();
			cur = fid;
		}
		{
			cJSON *d = cJSON_Parse((const char *)sqlite3_column_text(a, 2)), *it;
			if (d == NULL || state == NULL) {
				snprintf(err, len, "audit record %" PRId64 ": detail is not JSON", (int64_t)sqlite3_column_int64(a, 1));
				cJSON_Delete(d);
				bad = 1;
				break;
			}
			cJSON_ArrayForEach(it, d) {
				cJSON_DeleteItemFromObjectCaseSensitive(state, it->string);
				cJSON_AddItemToObject(state, it->string, cJSON_Duplicate(it, 1));
			}
			cJSON_Delete(d);
		}
	}
	cJSON_Delete(state);
	sqlite3_finalize(a);
	sqlite3_finalize(row);
	if (bad)
		return bad;
	/* A row the trail never mentions was inserted outside the tools. */
	a = prep(st, "SELECT id FROM faults WHERE id NOT IN (SELECT fault_id FROM audit "
	    "WHERE fault_id IS NOT NULL) ORDER BY id LIMIT 1");
	if (a == NULL)
		return -1;
	if (sqlite3_step(a) == SQLITE_ROW) {
		snprintf(err, len, "fault %" PRId64 " was inserted outside the tools (no audit record)",
		    (int64_t)sqlite3_column_int64(a, 0));
		bad = 1;
	}
	sqlite3_finalize(a);
	return bad;
}

int
store_verify_head(struct store *st, struct verify_result *res, char *err, size_t len)
{
	int r;

	memset(res, 0, sizeof(*res));
	snprintf(res->head_hash, sizeof(res->head_hash), "%s", AUDIT_GENESIS);
	/* One read transaction: a consistent snapshot even beside a running daemon. */
	if (exec(st, "BEGIN") != 0) {
		snprintf(err, len, "database: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	r = verify_chain(st, &res->records, &res->head_seq, res->head_hash, err, len);
	if (r == 0)
		r = verify_rows(st, &res->faults, err, len);
	if (r == 0)
		r = store_int_verify_accounts(st, &res->accounts, err, len);
	exec(st, "COMMIT");
	return r;
}

int
store_verify(struct store *st, unsigned long *records, unsigned long *faults, char *err, size_t len)
{
	struct verify_result res;
	int r = store_verify_head(st, &res, err, len);

	*records = res.records;
	*faults = res.faults;
	return r;
}

/* ---- what the indicators read ---- */

int
store_runs(struct store *st, int64_t from_ms, int64_t to_ms, struct run_row **out, size_t *n)
{
	sqlite3_stmt *s;
	struct run_row *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	s = prep(st, "SELECT id, started_at, alive_at, stopped_at FROM runs WHERE started_at < ?2 "
	    "AND coalesce(stopped_at, alive_at) >= ?1 ORDER BY started_at");
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, from_ms);
	sqlite3_bind_int64(s, 2, to_ms);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap && grow(&v, &cap, sizeof(*v), 16) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		v[len].id = sqlite3_column_int64(s, 0);
		v[len].started_at = sqlite3_column_int64(s, 1);
		v[len].alive_at = sqlite3_column_int64(s, 2);
		v[len].stopped_at = col_time(s, 3);
		len++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(v);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

int
store_period_faults(struct store *st, int64_t from_ms, int64_t to_ms, struct period_fault **out,
    size_t *n)
{
	static const char *const cls[] = { "accident", "near-miss", "drill", "none" };
	sqlite3_stmt *s;
	struct period_fault *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	s = prep(st, "SELECT id, opened_at, cleared_at, repaired_at, dismissed_at, repeat_of, kind, "
	    "source, assessment, classification, device, label FROM faults WHERE opened_at < ?2 "
	    "AND (opened_at >= ?1 OR coalesce(cleared_at, repaired_at, dismissed_at) IS NULL "
	    "     OR coalesce(cleared_at, repaired_at, dismissed_at) > ?1) ORDER BY device, opened_at");
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, from_ms);
	sqlite3_bind_int64(s, 2, to_ms);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct period_fault *f;
		const char *c;
		int k;
		if (len == cap && grow(&v, &cap, sizeof(*v), 256) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		f = &v[len++];
		memset(f, 0, sizeof(*f));
		f->id = sqlite3_column_int64(s, 0);
		f->opened_at = sqlite3_column_int64(s, 1);
		f->cleared_at = col_time(s, 2);
		f->repaired_at = col_time(s, 3);
		f->dismissed_at = col_time(s, 4);
		f->repeat_of = col_time(s, 5);
		k = fault_kind_parse((const char *)sqlite3_column_text(s, 6));
		f->kind = k < 0 ? FK_FAULT : (enum fault_kind)k;
		f->manual = strcmp((const char *)sqlite3_column_text(s, 7), "manual") == 0;
		f->assessment = sqlite3_column_int(s, 8);
		f->cls = -1;
		if ((c = (const char *)sqlite3_column_text(s, 9)) != NULL)
			for (int i = 0; i < 4; i++)
				if (strcmp(c, cls[i]) == 0)
					f->cls = i;
		snprintf(f->device, sizeof(f->device), "%s", (const char *)sqlite3_column_text(s, 10));
		f->label = col_str(s, 11);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_period_faults_free(v, len);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

void
store_period_faults_free(struct period_fault *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].label);
	free(v);
}

int
store_safety_devices(struct store *st, char ***ids, size_t *n)
{
	sqlite3_stmt *s;
	char **v = NULL;
	size_t len = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	s = prep(st, "SELECT DISTINCT device FROM points WHERE kind = 'safety' AND in_config = 1 "
	    "ORDER BY device");
	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char **nv = realloc(v, (len + 1) * sizeof(*v));
		if (nv == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		v = nv;
		if ((v[len] = col_str(s, 0)) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		len++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_strings_free(v, len);
		return -1;
	}
	*ids = v;
	*n = len;
	return 0;
}

void
store_strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- the MQTT outbox ---- */

int
store_outbox(struct store *st, int64_t after_seq, size_t limit, struct outbox_rec **out, size_t *n)
{
	sqlite3_stmt *s;
	struct outbox_rec *v;
	size_t len = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (limit == 0)
		return 0;
	if ((v = calloc(limit, sizeof(*v))) == NULL)
		return -1;
	s = prep(st, "SELECT a.seq, a.at, a.fault_id, a.action, a.actor, a.detail, f.device, f.point, "
	    "f.kind, f.label, f.lab FROM audit a LEFT JOIN faults f ON f.id = a.fault_id "
	    "WHERE a.seq > ?1 ORDER BY a.seq LIMIT ?2");
	if (s == NULL) {
		free(v);
		return -1;
	}
	sqlite3_bind_int64(s, 1, after_seq);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && len < limit) {
		struct outbox_rec *r = &v[len++];
		r->seq = sqlite3_column_int64(s, 0);
		r->at = sqlite3_column_int64(s, 1);
		r->fault_id = sqlite3_column_int64(s, 2);
		r->action = col_str(s, 3);
		r->actor = col_str(s, 4);
		r->detail = col_str(s, 5);
		r->device = col_str(s, 6);
		r->point = col_str(s, 7);
		r->kind = col_str(s, 8);
		r->label = col_str(s, 9);
		r->lab = col_str(s, 10);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_outbox_free(v, len);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

void
store_outbox_free(struct outbox_rec *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].action);
		free(v[i].actor);
		free(v[i].detail);
		free(v[i].device);
		free(v[i].point);
		free(v[i].kind);
		free(v[i].label);
		free(v[i].lab);
	}
	free(v);
}

int
store_meta_int(struct store *st, const char *key, int64_t *v)
{
	sqlite3_stmt *s;
	int rc, found = 0;

	if ((s = prep(st, "SELECT value FROM meta WHERE key = ?1")) == NULL)
		return -1;
	bind_text(s, 1, key);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*v = sqlite3_column_int64(s, 0);
		found = 1;
	} else if (rc != SQLITE_DONE)
		found = -1;
	sqlite3_finalize(s);
	return found;
}

int
store_set_meta_int(struct store *st, const char *key, int64_t v)
{
	sqlite3_stmt *s;
	int rc;

	s = prep(st, "INSERT INTO meta (key, value) VALUES (?1, ?2) "
	    "ON CONFLICT (key) DO UPDATE SET value = ?2");
	if (s == NULL)
		return -1;
	bind_text(s, 1, key);
	sqlite3_bind_int64(s, 2, v);
	rc = step_done(st, s);
	sqlite3_finalize(s);
	return rc;
}

int64_t
store_audit_last_seq(struct store *st)
{
	sqlite3_stmt *s;
	int64_t v = -1;

	if ((s = prep(st, "SELECT coalesce(max(seq), 0) FROM audit")) == NULL)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* ---- what the other files of the store family share (store_int.h) ---- */

sqlite3_stmt *
store_int_prep(struct store *st, const char *sql)
{
	return prep(st, sql);
}

int
store_int_step_done(struct store *st, sqlite3_stmt *s)
{
	return step_done(st, s);
}

int
store_int_begin(struct store *st)
{
	return begin(st);
}

int
store_int_commit(struct store *st)
{
	return commit(st);
}

void
store_int_rollback(struct store *st)
{
	rollback(st);
}

int
store_int_db_error(struct store *st, char *err, size_t len)
{
	return db_error(st, err, len);
}

void
store_int_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	bind_text(s, i, v);
}

char *
store_int_col_str(sqlite3_stmt *s, int i)
{
	return col_str(s, i);
}

int
store_int_append_audit(struct store *st, int64_t at, int64_t fault_id, const char *action,
    const char *actor, const char *detail)
{
	return append_audit(st, at, fault_id, action, actor, detail);
}

sqlite3 *
store_int_db(struct store *st)
{
	return st->db;
}
