/*
 * auth.h - every question tbm-web asks about people goes through here: who
 * logs in, which account a session is, what that account may do, and each
 * change made in its name (channel "web", origin the client's address).
 * Accounts and rights live in lib/ (account.h, rights.h); this file is the
 * only place the web touches them.
 */
#ifndef TBMWEB_AUTH_H
#define TBMWEB_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#include "account.h"
#include "rights.h"

/* 1 the password is right and the account enabled, 0 not, -1 database error. */
int auth_login(struct store *st, const char *name, const char *password, struct account *out);
/* The account of a session, read again on every request so that a disabled
 * account or a changed role counts at once. 1 found and enabled, 0 not, -1 error. */
int auth_account(struct store *st, const char *name, struct account *out);
/* The enabled account of an /api/ key (tbmctl user key): 1, 0 none, -1 error. */
int auth_key(struct store *st, const char *key, struct account *out);
void auth_account_clear(struct account *a);
const char *auth_role_label(enum role r);    /* 技术员 / 主任 / 查看 */
const char *auth_role_name(enum role r);     /* technician / manager / viewer */
int auth_role_parse(const char *s);          /* -1 unknown */
/* auth_may: 0 allowed, else STORE_REFUSED with the reason in why. */
int auth_may(const struct account *a, enum right r, const struct fault *f, const char *lab,
    int64_t now, char *why, size_t len);
/* auth_name_ok: name follows lib/'s one rule for account names. */
int auth_name_ok(const char *name);
/* auth_in_lab: the account works in this lab (technicians limited to labs). */
int auth_in_lab(const struct account *a, const char *lab);

/* The changes, as `a` from the web client `origin`. 0 done, STORE_REFUSED
 * with the reason in err, -1 database error. */
struct auth_who {
	const struct account *acct;
	const char *origin;
};
int auth_ack(struct store *st, const struct auth_who *w, int64_t id, const char *note, int64_t now,
    char *err, size_t len);
int auth_repair(struct store *st, const struct auth_who *w, int64_t id, const char *action,
    const char *parts, int64_t at, int64_t now, char *err, size_t len);
int auth_dismiss(struct store *st, const struct auth_who *w, int64_t id, const char *reason,
    int64_t now, char *err, size_t len);
int auth_classify(struct store *st, const struct auth_who *w, int64_t id, const char *cls,
    const char *note, int64_t now, char *err, size_t len);
int auth_report(struct store *st, const struct auth_who *w, const char *device, enum fault_kind kind,
    const char *note, int64_t at, int64_t now, int64_t *id, char *err, size_t len);
int auth_amend(struct store *st, const struct auth_who *w, int64_t id, const char *action,
    const char *parts, const char *note, int64_t at, const char *reason, int64_t now, char *err,
    size_t len);
int auth_reopen(struct store *st, const struct auth_who *w, int64_t id, const char *reason,
    int64_t now, char *err, size_t len);

/* Accounts (managers). */
int auth_accounts(struct store *st, struct account **out, size_t *n);
void auth_accounts_free(struct account *v, size_t n);
int auth_account_add(struct store *st, const struct auth_who *w, const struct account *a,
    const char *password, int64_t now, char *err, size_t len);
int auth_account_passwd(struct store *st, const struct auth_who *w, const char *name,
    const char *password, int64_t now, char *err, size_t len);
int auth_account_disable(struct store *st, const struct auth_who *w, const char *name, int disabled,
    int64_t now, char *err, size_t len);
/* A new /api/ key into key (ACCOUNT_KEY_LEN + 1), or key NULL: revoked. */
int auth_account_key(struct store *st, const struct auth_who *w, const char *name, char *key,
    int64_t now, char *err, size_t len);

#endif
