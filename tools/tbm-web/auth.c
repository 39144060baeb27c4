/*
 * auth.c - tbm-web's one door to accounts and rights (lib/account.h,
 * lib/rights.h, the store's changes that take an actor). The store checks
 * the rights again itself; the web asks first only to decide which forms to
 * show and to answer 403 rather than a refusal after the fact.
 */
#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
auth_role_label(enum role r)
{
	switch (r) {
	case ROLE_MANAGER: return "主任";
	case ROLE_TECHNICIAN: return "技术员";
	default: return "查看";
	}
}

int
auth_name_ok(const char *name)
{
	char why[160];

	return account_name_check(name, why, sizeof(why)) == 0;
}

int
auth_in_lab(const struct account *a, const char *lab)
{
	return account_has_lab(a, lab);
}

static struct actor
actor_of(const struct auth_who *w)
{
	struct actor a = { w->acct, "web", w->origin, NULL };

	return a;
}

const char *
auth_role_name(enum role r)
{
	return role_name(r);
}

int
auth_role_parse(const char *s)
{
	return role_parse(s);
}

int
auth_login(struct store *st, const char *name, const char *password, struct account *out)
{
	return store_account_login(st, name, password, out);
}

int
auth_account(struct store *st, const char *name, struct account *out)
{
	int rc = store_account_get(st, name, out);

	if (rc == 1 && out->disabled) {
		account_clear(out);
		return 0;
	}
	return rc;
}

int
auth_key(struct store *st, const char *key, struct account *out)
{
	return store_account_by_key(st, key, out);
}

void
auth_account_clear(struct account *a)
{
	account_clear(a);
}

int
auth_may(const struct account *a, enum right r, const struct fault *f, const char *lab,
    int64_t now, char *why, size_t len)
{
	return rights_check(a, r, f, lab, now, why, len);
}

int
auth_ack(struct store *st, const struct auth_who *w, int64_t id, const char *note, int64_t now,
    char *err, size_t len)
{
	struct actor a = actor_of(w);

	return store_ack(st, id, &a, note, now, err, len);
}

int
auth_repair(struct store *st, const struct auth_who *w, int64_t id, const char *action,
    const char *parts, int64_t at, int64_t now, char *err, size_t len)
{
	struct actor a = actor_of(w);

	return store_repair(st, id, &a, action, parts, at, now, err, len);
}

int
auth_dismiss(struct store *st, const struct auth_who *w, int64_t id, const char *reason,
    int64_t now, char *err, size_t len)
{
	struct actor a = actor_of(w);

	return store_dismiss(st, id, &a, reason, now, err, len);
}

int
auth_classify(struct store *st, const struct auth_who *w, int64_t id, const char *cls,
    const char *note, int64_t now, char *err, size_t len)
{
	struct actor a = actor_of(w);

	return store_classify(st, id, cls, &a, note, now, err, len);
}

int
auth_report(struct store *st, const struct auth_who *w, const char *device, enum fault_kind kind,
    const char *note, int64_t at, int64_t now, int64_t *id, char *err, size_t len)
{
	struct actor a = actor_of(w);

	return store_report(st, device, kind, &a, note, at, now, id, err, len);
}

int
auth_amend(struct store *st, const struct auth_who *w, int64_t id, const char *action,
    const char *parts, const char *note, int64_t at, const char *reason, int64_t now, char *err,
    size_t len)
{
	struct actor a = actor_of(w);
	struct amend am = { action, parts, note, at };

	return store_amend(st, id, &a, &am, reason, now, err, len);
}

int
auth_reopen(struct store *st, const struct auth_who *w, int64_t id, const char *reason,
    int64_t now, char *err, size_t len)
{
	struct actor a = actor_of(w);

	return store_reopen(st, id, &a, reason, now, err, len);
}

int
auth_accounts(struct store *st, struct account **out, size_t *n)
{
	return store_accounts(st, out, n);
}

void
auth_accounts_free(struct account *v, size_t n)
{
	store_accounts_free(v, n);
}

int
auth_account_add(struct store *st, const struct auth_who *w, const struct account *acct,
    const char *password, int64_t now, char *err, size_t len)
{
	struct actor a = actor_of(w);

	return store_account_add(st, &a, acct, password, now, err, len);
}

int
auth_account_passwd(struct store *st, const struct auth_who *w, const char *name,
    const char *password, int64_t now, char *err, size_t len)
{
	struct actor a = actor_of(w);

	return store_account_passwd(st, &a, name, password, now, err, len);
}

int
auth_account_disable(struct store *st, const struct auth_who *w, const char *name, int disabled,
    int64_t now, char *err, size_t len)
{
	struct actor a = actor_of(w);

	return store_account_set_disabled(st, &a, name, disabled, now, err, len);
}

int
auth_account_key(struct store *st, const struct auth_who *w, const char *name, char *key,
    int64_t now, char *err, size_t len)
{
	struct actor a = actor_of(w);

	return store_account_key(st, &a, name, key, now, err, len);
}
