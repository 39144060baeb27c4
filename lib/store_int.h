/*
 * store_int.h - what the store*.c family shares and nobody else sees: the
 * connection struct, the statement cache, the transaction and row helpers
 * (store.c), the column/value change and its audit record (store_change.c)
 * and the repeat lookup (store_events.c).
 */
#ifndef TBM_STORE_INT_H
#define TBM_STORE_INT_H

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Statements of the write path, prepared once and kept (store.c holds their SQL). */
enum stmt_id {
	Q_OPEN_ID, Q_REPEAT, Q_POINT_INFO, Q_AUDIT_LAST, Q_AUDIT_INSERT,
	Q_COUNT
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

/* ---- store.c: statements, transactions, rows ---- */

/* SQLite errors are logged only at debug level here: the caller reports
 * them, with store_errmsg(), once. */
int store_exec(struct store *st, const char *sql);
sqlite3_stmt *store_prep(struct store *st, const char *sql);
/* store_prep, then binds ?1, ?2, ... from the arguments, one per letter of
 * types: i an int, I an int64_t, s a string (NULL binds NULL). */
sqlite3_stmt *store_prepare(struct store *st, const char *sql, const char *types, ...);
/* A statement of the write path, reset and unbound; NULL on error. */
sqlite3_stmt *store_cached(struct store *st, enum stmt_id id);
/* A statement for generated SQL, kept in a small cache by its text. */
sqlite3_stmt *store_dyn_stmt(struct store *st, const char *sql);
void store_bind_text(sqlite3_stmt *s, int i, const char *v);   /* NULL binds NULL */
/* The first column of a one-row query without parameters, as an int; -1 on error. */
int store_scalar_int(struct store *st, const char *sql);
int store_step_done(struct store *st, sqlite3_stmt *s);
int store_begin(struct store *st);      /* BEGIN IMMEDIATE */
void store_rollback(struct store *st);  /* only when a transaction is still open */
int store_commit(struct store *st);     /* rolls back when COMMIT fails */
/* A refusal: the reason into err; returns STORE_REFUSED. */
/* A database error of a change: its message into err, the transaction
 * rolled back; returns -1. */
int store_db_error(struct store *st, char *err, size_t len);
/* Steps a one-shot statement (NULL: its prepare failed) to its end and
 * finalizes it; 0 or -1. */
int store_once(struct store *st, sqlite3_stmt *s);
/*
 * Reading rows into structs: a table of where each column of the statement
 * goes (column i -> cols[i]), ended by COL_END. The row helpers fill the
 * struct from it and free its COL_STR fields.
 */
enum store_col_type {
	COL_END = 0,
	COL_INT64,     /* int64_t */
	COL_TIME,      /* int64_t, STORE_NOTIME for NULL */
	COL_INT,       /* int */
	COL_DOUBLE,    /* double */
	COL_STR,       /* char *, strdup'ed; NULL for NULL */
	COL_BUF,       /* char[size], "" for NULL */
	COL_KIND,      /* enum fault_kind (unknown: FK_FAULT) */
	COL_CLASS,     /* enum safety_class (NULL or unknown: SC_UNCLASSIFIED) */
};
struct store_col {
	enum store_col_type type;
	size_t off, size;
};
#define STORE_COL(type, st, field) { (type), offsetof(st, field), sizeof(((st *)0)->field) }
#define STORE_COL_END { COL_END, 0, 0 }

/* Every row of s (NULL: its prepare failed) into a new array *outp of n
 * elements of elem bytes (first: the room a new array starts with);
 * finalizes s. 0, or -1 with nothing in *outp. */
int store_rows(struct store *st, sqlite3_stmt *s, size_t elem, size_t first,
    const struct store_col *cols, void *outp, size_t *n);
void store_rows_free(void *v, size_t n, size_t elem, const struct store_col *cols);
/* Every row of s (NULL: its prepare failed) into *row, one at a time, handed
 * to fn and cleared again, so that a long result is never held whole; fn
 * returns non-zero to stop (the call then returns -1). Finalizes s. 0, or -1
 * on a database error or a stop. */
int store_each_row(struct store *st, sqlite3_stmt *s, const struct store_col *cols, void *row,
    size_t elem, int (*fn)(const void *row, void *arg), void *arg);
/* The first row of s (NULL: its prepare failed) into *row (elem bytes);
 * finalizes s. 1 found, 0 no row (row untouched), -1 error. */
int store_row(struct store *st, sqlite3_stmt *s, const struct store_col *cols, void *row,
    size_t elem);
/* The same for a statement of the cache (store_cached): reset, not finalized. */
int store_row_cached(struct store *st, sqlite3_stmt *s, const struct store_col *cols, void *row,
    size_t elem);
/* One int64_t column: ids, counts, meta values. */
extern const struct store_col store_int64_col[];
/* What a new fault copies from its device and point (label: NULL for a
 * manual report, which takes the reporter's note). */
struct store_origin {
	char *lab;
	int assessment;
	char *label;
};
extern const struct store_col store_origin_cols[];   /* lab, assessment, label */
/* Frees the COL_STR fields of one row. */
void store_row_clear(void *row, const struct store_col *cols);

/* ---- store_query.c: the column tables of what the tools read, shared with
 * the store_pg*.c family, which reads the same rows from the central store ---- */
extern const struct store_col store_site_cols[], store_device_cols[], store_run_cols[],
    store_period_fault_cols[], store_string_cols[], store_audit_cols[];

/* store_each_row's callback for a period_fault_fn: arg is a period_fault_call */
struct period_fault_call {
	period_fault_fn fn;
	void *arg;
};
int store_period_fault_one(const void *row, void *arg);

/* ---- store_change.c: a change to a fault row and its audit record ---- */

/* The columns of a fault row a change may set, NULL-terminated; verify
 * compares exactly these with the replayed audit trail. */
extern const char *const store_change_cols[];

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

/* Appends one audit record inside the caller's transaction. */
int store_change_audit(struct store *st, int64_t at, int64_t fault_id, const char *action,
    const char *actor, const char *detail);
/* fault_id 0 inserts a new fault (its id in *id), otherwise updates it; then
 * appends the audit record, whose detail is the columns and values plus
 * the items of `extra` (consumed; NULL: none). Inside the caller's transaction. */
int store_change_apply(struct store *st, int64_t fault_id, const char *action, const char *actor,
    int64_t at, const struct colval *cv, size_t n, int64_t *id, struct cJSON *extra);

/* ---- store_events.c ---- */

/* The fault a repair of this point within the last 7 days makes a fault
 * opening at `at` a repeat of; 0 if none. */
int64_t store_events_repeat_of(struct store *st, const char *device, const char *point, int64_t at);

/* ---- store_people.c: who acts ---- */

/* The account that acts, as the database has it now (not as the caller
 * says): 0 with *out filled, STORE_REFUSED (unknown or disabled) or -1. */
int store_people_actor(struct store *st, const struct actor *who, struct account *out,
    char *err, size_t len);
/* {"who": {account, channel, os_user or address, via}}: the part of every
 * audit detail of a person's change that says who made it. */
struct cJSON *store_people_who_json(const struct actor *who);

/* ---- store_accounts.c ---- */

/* verify's part for accounts: each account row against its replayed audit
 * records. 0 intact, 1 tampered (err), -1 error. */
int store_accounts_verify(struct store *st, unsigned long *accounts, char *err, size_t len);

#endif
