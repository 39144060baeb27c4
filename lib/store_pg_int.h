/*
 * store_pg_int.h - what the store_pg*.c family shares and nobody else
 * sees: the connection's struct, bound parameters, and the helpers that
 * run a statement, read its rows and feed COPY.
 */
#ifndef TBM_STORE_PG_INT_H
#define TBM_STORE_PG_INT_H

#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>

#include "store_int.h"
#include "store_pg.h"

struct pgstore {
	PGconn *c;
	char *conninfo;
	char err[512];
	char state[6];             /* the SQLSTATE of the last error */
};

/* the parameters $1... of one statement, always bound */
#define PARAMS_MAX 32
struct params {
	const char *v[PARAMS_MAX];
	char buf[PARAMS_MAX][32];
	int n;
};

/* store_pg.c: parameters and results */
void pg_str(struct params *p, const char *s);
void pg_int(struct params *p, int64_t i);
void pg_time(struct params *p, int64_t t);  /* STORE_NOTIME as NULL */
void pg_set_err(struct pgstore *ps, const PGresult *r);
PGresult *pg_run(struct pgstore *ps, const char *sql, const struct params *p, ExecStatusType want);
int pg_run_cmd(struct pgstore *ps, const char *sql, const struct params *p);
int64_t pg_get_int(const PGresult *r, int row, int col);
int pg_rows(struct pgstore *ps, PGresult *r, size_t elem, const struct store_col *cols,
    void *outp, size_t *n);
/* Every row of sql in single-row mode into *row, one at a time, handed to fn
 * and cleared again (store_each_row's way for the central store); fn returns
 * non-zero to stop. 0, or -1 on an error (kept) or a stop. */
int pg_each_row(struct pgstore *ps, const char *sql, const struct params *p,
    const struct store_col *cols, void *row, size_t elem, int (*fn)(const void *row, void *arg),
    void *arg);
char *pg_int_array(const int64_t *v, size_t n);
void pg_copy_field(FILE *f, const char *s);
int pg_copy_text(size_t n, void (*row)(FILE *, size_t, const void *), const void *arg,
    char **buf, size_t *len, size_t *end);
int pg_copy_write(size_t n, void (*row)(FILE *, size_t, const void *), const void *arg, int binary,
    char **buf, size_t *len, size_t *end, size_t *start);
/* binary format fields: bytes (v NULL: NULL), a bigint, a text (NULL: NULL) */
void pg_bin_field(FILE *f, const void *v, size_t n);
void pg_bin_int8(FILE *f, int64_t i);
void pg_bin_str(FILE *f, const char *s);
/* The rows of a COPY as pg_copy_text writes them, where each ends; binary:
 * in COPY's binary format (each row as row() writes it, the header and
 * trailer added here). */
int pg_copy_build(size_t n, void (*row)(FILE *, size_t, const void *), const void *arg,
    int binary, struct pg_copy *t);
/* The rows of t (rows[0..n), ascending; NULL: all of them) with its
 * header and trailer: t's own buffer, or a new one in *owned for the
 * caller to free. */
const char *pg_copy_pick(const struct pg_copy *t, const size_t *rows, size_t n, size_t *len,
    char **owned);
int pg_copy_in(struct pgstore *ps, const char *sql, const char *buf, size_t len);

#endif
