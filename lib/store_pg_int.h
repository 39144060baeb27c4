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
    char **buf, size_t *len);
int pg_copy_in(struct pgstore *ps, const char *sql, const char *buf, size_t len);

#endif
