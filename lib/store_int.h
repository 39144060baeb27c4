/*
 * store_int.h - what the files of the store family share and nobody else
 * sees: statement helpers, transactions, the audit append, the actor's
 * record. Declared here, defined in store.c.
 */
#ifndef TBM_STORE_INT_H
#define TBM_STORE_INT_H

#include <cJSON.h>
#include <sqlite3.h>

#include "store.h"

sqlite3_stmt *store_int_prep(struct store *st, const char *sql);
int store_int_step_done(struct store *st, sqlite3_stmt *s);
int store_int_begin(struct store *st);
int store_int_commit(struct store *st);
void store_int_rollback(struct store *st);
int store_int_db_error(struct store *st, char *err, size_t len);
void store_int_bind_text(sqlite3_stmt *s, int i, const char *v);
char *store_int_col_str(sqlite3_stmt *s, int i);
int store_int_append_audit(struct store *st, int64_t at, int64_t fault_id, const char *action,
    const char *actor, const char *detail);
sqlite3 *store_int_db(struct store *st);

/* The account that acts, as the database has it now (not as the caller
 * says): 0 with *out filled, STORE_REFUSED (unknown or disabled) or -1. */
int store_int_actor_account(struct store *st, const struct actor *who, struct account *out,
    char *err, size_t len);
/* The "who" object of an audit detail: account, channel, os_user or address, via. */
cJSON *store_int_who_json(const struct actor *who);
/* verify's part for accounts (store_accounts.c): each account row against
 * its replayed audit records. 0 intact, 1 tampered (err), -1 error. */
int store_int_verify_accounts(struct store *st, unsigned long *accounts, char *err, size_t len);

#endif
