/*
 * store_accounts.c - the accounts of a base: who may act, in the base's own
 * database. Every change is an audit record (no fault id), so who could act
 * is part of the evidence that `verify` checks; the password and its hash
 * never go into a record.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <openssl/evp.h>
#include <sys/random.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rights.h"
#include "store_int.h"

/* A text column, strdup'ed; NULL for NULL (the account rows are read by
 * hand: role and labs are parsed, not copied). */
static char *
col_str(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? strdup((const char *)t) : NULL;
}

#define ACCOUNT_COLUMNS "id, name, display, role, disabled, labs, os_user"

/* labs as stored: a JSON array of strings, NULL for none (all labs) */
static char *
labs_json(char *const *labs, size_t n)
{
	cJSON *a;
	char *out;

	if (n == 0)
		return NULL;
	if ((a = cJSON_CreateArray()) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(labs[i]));
	out = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	return out;
}

static int
labs_parse(const char *json, struct account *a)
{
	cJSON *arr, *it;
	size_t n;

	if (json == NULL)
		return 0;
	if ((arr = cJSON_Parse(json)) == NULL || !cJSON_IsArray(arr)) {
		cJSON_Delete(arr);
		return -1;
	}
	n = (size_t)cJSON_GetArraySize(arr);
	if (n && (a->labs = calloc(n, sizeof(*a->labs))) == NULL) {
		cJSON_Delete(arr);
		return -1;
	}
	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it) && (a->labs[a->nlabs] = strdup(it->valuestring)) != NULL)
			a->nlabs++;
	cJSON_Delete(arr);
	return 0;
}

static int
account_from_row(sqlite3_stmt *s, struct account *a)
{
	int r;

	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(s, 0);
	a->name = col_str(s, 1);
	a->display = col_str(s, 2);
	r = role_parse((const char *)sqlite3_column_text(s, 3));
	a->role = r < 0 ? ROLE_VIEWER : (enum role)r;
	a->disabled = sqlite3_column_int(s, 4);
	a->os_user = col_str(s, 6);
	if (a->name == NULL || labs_parse((const char *)sqlite3_column_text(s, 5), a) != 0) {
		account_clear(a);
		return -1;
	}
	return 0;
}

/* One account by a column's value: 1 found, 0 none, -1 error. */
static int
account_where(struct store *st, const char *sql, const char *v, struct account *out,
    char **pw_hash)
{
	sqlite3_stmt *s;
	int rc, found = 0;

	memset(out, 0, sizeof(*out));
	if (pw_hash)
		*pw_hash = NULL;
	if ((s = store_prep(st, sql)) == NULL)
		return -1;
	store_bind_text(s, 1, v);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		found = account_from_row(s, out) == 0 ? 1 : -1;
		if (found == 1 && pw_hash)
			*pw_hash = col_str(s, 7);
	} else if (rc != SQLITE_DONE)
		found = -1;
	sqlite3_finalize(s);
	return found;
}

int
store_account_get(struct store *st, const char *name, struct account *out)
{
	return account_where(st, "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE name = ?1", name,
	    out, NULL);
}

int
store_account_by_os_user(struct store *st, const char *os_user, struct account *out)
{
	return account_where(st, "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE os_user = ?1",
	    os_user, out, NULL);
}

int
store_accounts(struct store *st, struct account **out, size_t *n)
{
	sqlite3_stmt *s;
	struct account *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	/* read only, a database of schema 2 has no keys yet */
	if ((s = store_prep(st, store_schema_version(st) >= 3 ?
	    "SELECT " ACCOUNT_COLUMNS ", key_hash IS NOT NULL FROM accounts ORDER BY name" :
	    "SELECT " ACCOUNT_COLUMNS ", 0 FROM accounts ORDER BY name")) == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct account *nv = realloc(v, ncap * sizeof(*nv));
			if (nv == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		if (account_from_row(s, &v[len]) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		v[len].has_key = sqlite3_column_int(s, 7);
		len++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_accounts_free(v, len);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

void
store_accounts_free(struct account *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		account_clear(&v[i]);
	free(v);
}

int
store_account_login(struct store *st, const char *name, const char *password, struct account *out)
{
	char *hash = NULL;
	int found, ok;

	found = account_where(st, "SELECT " ACCOUNT_COLUMNS ", pw_hash FROM accounts WHERE name = ?1",
	    name, out, &hash);
	if (found < 0)
		return -1;
	/* the same work whether or not the name exists or has a password */
	ok = account_check_password(found ? hash : NULL, password);
	free(hash);
	if (ok < 0) {
		account_clear(out);
		return -1;
	}
	if (!found || !ok || out->disabled) {
		account_clear(out);
		return 0;
	}
	return 1;
}

int
store_account_managers(struct store *st)
{
	return store_scalar_int(st, "SELECT count(*) FROM accounts WHERE role = 'manager' AND disabled = 0");
}

/* The record of an account change: what changed and who did it. */
static int
account_audit(struct store *st, const struct actor *who, const char *action, int64_t now,
    cJSON *detail)
{
	cJSON *w = store_people_who_json(who);
	char *text;
	int rc;

	if (w == NULL || detail == NULL) {
		cJSON_Delete(w);
		cJSON_Delete(detail);
		return -1;
	}
	cJSON_AddItemToObject(detail, "who", cJSON_DetachItemFromObjectCaseSensitive(w, "who"));
	cJSON_Delete(w);
	text = cJSON_PrintUnformatted(detail);
	cJSON_Delete(detail);
	if (text == NULL)
		return -1;
	rc = store_change_audit(st, now, 0, action, account_actor_name(who), text);
	cJSON_free(text);
	return rc;
}

/* Inside a transaction: the acting account may manage accounts (or, for
 * self, change its own password). Rolls back on refusal. */
static int
may_manage(struct store *st, const struct actor *who, const char *target, char *err, size_t len)
{
	struct account me;
	int r;

	if ((r = store_people_actor(st, who, &me, err, len)) == 0) {
		if (target == NULL || strcmp(target, me.name) != 0)
			r = rights_check(&me, RIGHT_MANAGE_USERS, NULL, NULL, 0, err, len);
		account_clear(&me);
	}
	if (r < 0)
		return store_db_error(st, err, len);
	if (r != 0)
		store_rollback(st);
	return r;
}

static int
check_password(const char *password, char *err, size_t len)
{
	size_t chars = 0;

	for (const unsigned char *p = (const unsigned char *)password; *p; p++)
		chars += (*p & 0xc0) != 0x80;
	if (chars < ACCOUNT_PASSWORD_MIN)
		return store_refuse(err, len, "a password needs at least %d characters", ACCOUNT_PASSWORD_MIN);
	return 0;
}

int
store_account_add(struct store *st, const struct actor *who, const struct account *a,
    const char *password, int64_t now, char *err, size_t len)
{
	char hash[ACCOUNT_HASH_MAX], *labs = NULL;
	struct account other;
	sqlite3_stmt *s = NULL;
	cJSON *d;
	int r;

	if (account_name_check(a->name, err, len) != 0)
		return STORE_REFUSED;
	if (role_parse(role_name(a->role)) < 0)
		return store_refuse(err, len, "unknown role");
	if (a->nlabs && a->role != ROLE_TECHNICIAN)
		return store_refuse(err, len, "only a technician is limited to labs (%s is a %s)", a->name,
		    role_name(a->role));
	for (size_t i = 0; i < a->nlabs; i++)
		if (a->labs[i] == NULL || *a->labs[i] == '\0')
			return store_refuse(err, len, "a lab name must not be empty");
	if (a->os_user && (*a->os_user == '\0' || strpbrk(a->os_user, " \t\n:/") != NULL))
		return store_refuse(err, len, "'%s' is not an OS user name", a->os_user);
	if (password && (r = check_password(password, err, len)) != 0)
		return r;
	/* hash before the transaction: yescrypt takes a while, the daemon writes meanwhile */
	if (password && account_hash_password(password, hash, sizeof(hash)) != 0) {
		snprintf(err, len, "cannot hash the password (libcrypt)");
		return -1;
	}
	if (a->nlabs && (labs = labs_json(a->labs, a->nlabs)) == NULL) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	if (store_begin(st) != 0) {
		cJSON_free(labs);
		return store_db_error(st, err, len);
	}
	if (who == NULL || who->acct == NULL) {
		r = store_account_managers(st);
		if (r < 0)
			goto dberr;
		if (r > 0 || a->role != ROLE_MANAGER) {
			r = store_refuse(err, len, r > 0 ? "a manager adds accounts (--by NAME): the base has "
			    "its first manager already" : "the first account of a base is a manager "
			    "(--role manager)");
			goto refused;
		}
	} else if ((r = may_manage(st, who, NULL, err, len)) != 0) {
		cJSON_free(labs);
		return r;
	}
	if ((r = store_account_get(st, a->name, &other)) != 0) {
		if (r < 0)
			goto dberr;
		account_clear(&other);
		r = store_refuse(err, len, "account %s exists already", a->name);
		goto refused;
	}
	if (a->os_user && (r = store_account_by_os_user(st, a->os_user, &other)) != 0) {
		if (r < 0)
			goto dberr;
		r = store_refuse(err, len, "OS user %s is bound to account %s already", a->os_user, other.name);
		account_clear(&other);
		goto refused;
	}
	s = store_prep(st, "INSERT INTO accounts (name, display, role, disabled, labs, os_user, "
	    "pw_hash, created_at) VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?7)");
	if (s == NULL)
		goto dberr;
	store_bind_text(s, 1, a->name);
	store_bind_text(s, 2, a->display);
	store_bind_text(s, 3, role_name(a->role));
	store_bind_text(s, 4, labs);
	store_bind_text(s, 5, a->os_user);
	store_bind_text(s, 6, password ? hash : NULL);
	sqlite3_bind_int64(s, 7, now);
	if (store_step_done(st, s) != 0)
		goto dberr;
	sqlite3_finalize(s);
	s = NULL;
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "account", a->name);
	cJSON_AddItemToObject(d, "display", a->display ? cJSON_CreateString(a->display) : cJSON_CreateNull());
	cJSON_AddStringToObject(d, "role", role_name(a->role));
	cJSON_AddItemToObject(d, "labs", labs ? cJSON_Parse(labs) : cJSON_CreateNull());
	cJSON_AddItemToObject(d, "os_user", a->os_user ? cJSON_CreateString(a->os_user) : cJSON_CreateNull());
	cJSON_AddBoolToObject(d, "password", password != NULL);
	if (account_audit(st, who, "account-add", now, d) != 0 || store_commit(st) != 0)
		goto dberr;
	explicit_bzero(hash, sizeof(hash));
	cJSON_free(labs);
	return 0;
dberr:
	sqlite3_finalize(s);
	cJSON_free(labs);
	explicit_bzero(hash, sizeof(hash));
	return store_db_error(st, err, len);
refused:
	cJSON_free(labs);
	explicit_bzero(hash, sizeof(hash));
	store_rollback(st);
	return r;
}

/* UPDATE one column of an account inside the caller's transaction: 1 done,
 * 0 no such account, -1 error. */
static int
account_update(struct store *st, const char *sql, const char *name, const char *text, int num)
{
	sqlite3_stmt *s = store_prep(st, sql);
	int r;

	if (s == NULL)
		return -1;
	store_bind_text(s, 1, name);
	if (text)
		store_bind_text(s, 2, text);
	else
		sqlite3_bind_int(s, 2, num);
	r = store_step_done(st, s);
	sqlite3_finalize(s);
	if (r != 0)
		return -1;
	return sqlite3_changes(st->db) > 0;
}

int
store_account_passwd(struct store *st, const struct actor *who, const char *name,
    const char *password, int64_t now, char *err, size_t len)
{
	char hash[ACCOUNT_HASH_MAX];
	cJSON *d;
	int r;

	if (password == NULL || (r = check_password(password, err, len)) != 0)
		return password ? r : store_refuse(err, len, "no password given");
	if (account_hash_password(password, hash, sizeof(hash)) != 0) {
		snprintf(err, len, "cannot hash the password (libcrypt)");
		return -1;
	}
	if (store_begin(st) != 0)
		return store_db_error(st, err, len);
	if ((r = may_manage(st, who, name, err, len)) != 0)
		goto out;
	r = account_update(st, "UPDATE accounts SET pw_hash = ?2 WHERE name = ?1", name, hash, 0);
	if (r < 0)
		goto dberr;
	if (r == 0) {
		store_rollback(st);
		r = store_refuse(err, len, "no account '%s'", name);
		goto out;
	}
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "account", name);
	if (account_audit(st, who, "account-passwd", now, d) != 0 || store_commit(st) != 0)
		goto dberr;
	r = 0;
	goto out;
dberr:
	r = store_db_error(st, err, len);
out:
	explicit_bzero(hash, sizeof(hash));
	return r;
}

int
store_account_set_disabled(struct store *st, const struct actor *who, const char *name,
    int disabled, int64_t now, char *err, size_t len)
{
	struct account target;
	cJSON *d;
	int r;

	if (store_begin(st) != 0)
		return store_db_error(st, err, len);
	if ((r = may_manage(st, who, NULL, err, len)) != 0)
		return r;
	if ((r = store_account_get(st, name, &target)) <= 0) {
		if (r < 0)
			return store_db_error(st, err, len);
		store_rollback(st);
		return store_refuse(err, len, "no account '%s'", name);
	}
	if (target.disabled == (disabled != 0)) {
		account_clear(&target);
		store_rollback(st);
		return store_refuse(err, len, "account %s is %s already", name, disabled ? "disabled" : "enabled");
	}
	if (disabled && target.role == ROLE_MANAGER && store_account_managers(st) == 1) {
		account_clear(&target);
		store_rollback(st);
		return store_refuse(err, len, "%s is the last enabled manager: add another manager first", name);
	}
	account_clear(&target);
	if (account_update(st, "UPDATE accounts SET disabled = ?2 WHERE name = ?1", name, NULL,
	    disabled != 0) < 0)
		return store_db_error(st, err, len);
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "account", name);
	cJSON_AddBoolToObject(d, "disabled", disabled != 0);
	if (account_audit(st, who, disabled ? "account-disable" : "account-enable", now, d) != 0 ||
	    store_commit(st) != 0)
		return store_db_error(st, err, len);
	return 0;
}

/* ---- keys for /api/ ---- */

/* The SHA-256 of a key, in hex (65 bytes). */
static int
key_hash(const char *key, char out[65])
{
	unsigned char d[32];
	unsigned int n = 0;

	if (EVP_Digest(key, strlen(key), d, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return -1;
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
	return 0;
}

int
store_account_key(struct store *st, const struct actor *who, const char *name, char *key,
    int64_t now, char *err, size_t len)
{
	unsigned char rnd[16];
	char hash[65];
	cJSON *d;
	int r;

	if (key != NULL) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
			snprintf(err, len, "cannot make a key: %s", strerror(errno));
			return -1;
		}
		memcpy(key, "tbm_", 4);
		for (size_t i = 0; i < sizeof(rnd); i++)
			snprintf(key + 4 + 2 * i, 3, "%02x", rnd[i]);
		explicit_bzero(rnd, sizeof(rnd));
		if (key_hash(key, hash) != 0) {
			snprintf(err, len, "cannot hash the key");
			return -1;
		}
	}
	if (store_begin(st) != 0)
		return store_db_error(st, err, len);
	if ((r = may_manage(st, who, name, err, len)) != 0)
		return r;
	r = key != NULL ? account_update(st, "UPDATE accounts SET key_hash = ?2 WHERE name = ?1", name, hash, 0) :
	    account_update(st, "UPDATE accounts SET key_hash = NULL WHERE name = ?1 AND ?2 = 0", name, NULL, 0);
	if (r < 0)
		return store_db_error(st, err, len);
	if (r == 0) {
		store_rollback(st);
		return store_refuse(err, len, "no account '%s'", name);
	}
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "account", name);
	cJSON_AddBoolToObject(d, "revoked", key == NULL);
	if (account_audit(st, who, "account-key", now, d) != 0 || store_commit(st) != 0)
		return store_db_error(st, err, len);
	return 0;
}

int
store_account_by_key(struct store *st, const char *key, struct account *out)
{
	char hash[65];
	int r;

	memset(out, 0, sizeof(*out));
	if (key == NULL || strncmp(key, "tbm_", 4) != 0 || strlen(key) != ACCOUNT_KEY_LEN)
		return 0;
	if (key_hash(key, hash) != 0)
		return -1;
	/* by its hash: the index finds it, and no comparison of the key itself can leak by its time */
	r = account_where(st, "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE key_hash = ?1", hash, out,
	    NULL);
	if (r == 1 && out->disabled) {
		account_clear(out);
		return 0;
	}
	return r;
}

/* ---- verify: every account as its records say ---- */

struct replayed {
	char *name;
	cJSON *state;   /* display, role, labs, os_user, disabled */
	int seen;
};

static int
same_json(const cJSON *want, const char *have_text)
{
	if (want == NULL || cJSON_IsNull(want))
		return have_text == NULL;
	if (have_text == NULL)
		return 0;
	if (cJSON_IsString(want))
		return strcmp(want->valuestring, have_text) == 0;
	if (cJSON_IsArray(want)) {
		cJSON *h = cJSON_Parse(have_text);
		int eq = h && cJSON_Compare(want, h, 1);
		cJSON_Delete(h);
		return eq;
	}
	return 0;
}

int
store_accounts_verify(struct store *st, unsigned long *accounts, char *err, size_t len)
{
	struct replayed *v = NULL;
	size_t n = 0;
	sqlite3_stmt *s;
	int rc, bad = 0;

	/* a database tbmond has not migrated yet (read only here) has no accounts */
	if (store_schema_version(st) < 2)
		return 0;
	s = store_prep(st, "SELECT seq, action, detail FROM audit WHERE fault_id IS NULL AND "
	    "action LIKE 'account-%' ORDER BY seq");
	if (s == NULL)
		goto dberr;
	while (!bad && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *action = (const char *)sqlite3_column_text(s, 1);
		cJSON *d = cJSON_Parse((const char *)sqlite3_column_text(s, 2)), *nm, *it;
		struct replayed *r = NULL;

		nm = cJSON_GetObjectItemCaseSensitive(d, "account");
		if (!cJSON_IsString(nm)) {
			snprintf(err, len, "audit record %" PRId64 ": an account change without an account",
			    (int64_t)sqlite3_column_int64(s, 0));
			cJSON_Delete(d);
			bad = 1;
			break;
		}
		for (size_t i = 0; i < n; i++)
			if (strcmp(v[i].name, nm->valuestring) == 0)
				r = &v[i];
		if (r == NULL) {
			struct replayed *nv = realloc(v, (n + 1) * sizeof(*nv));
			if (nv == NULL) {
				cJSON_Delete(d);
				goto oom;
			}
			v = nv;
			r = &v[n++];
			r->name = strdup(nm->valuestring);
			r->state = cJSON_CreateObject();
			r->seen = 0;
			cJSON_AddFalseToObject(r->state, "disabled");
		}
		if (strcmp(action, "account-add") == 0) {
			static const char *const keys[] = { "display", "role", "labs", "os_user" };
			for (size_t k = 0; k < 4; k++) {
				it = cJSON_GetObjectItemCaseSensitive(d, keys[k]);
				cJSON_DeleteItemFromObjectCaseSensitive(r->state, keys[k]);
				cJSON_AddItemToObject(r->state, keys[k], it ? cJSON_Duplicate(it, 1) : cJSON_CreateNull());
			}
		} else if (strcmp(action, "account-disable") == 0 || strcmp(action, "account-enable") == 0) {
			cJSON_DeleteItemFromObjectCaseSensitive(r->state, "disabled");
			cJSON_AddBoolToObject(r->state, "disabled", action[8] == 'd');
		}
		cJSON_Delete(d);
	}
	sqlite3_finalize(s);
	if (bad)
		goto out;
	if ((s = store_prep(st, "SELECT name, display, role, labs, os_user, disabled FROM accounts "
	    "ORDER BY id")) == NULL)
		goto dberr;
	while (!bad && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);
		static const char *const keys[] = { "display", "role", "labs", "os_user" };
		struct replayed *r = NULL;

		for (size_t i = 0; i < n; i++)
			if (strcmp(v[i].name, name) == 0)
				r = &v[i];
		if (r == NULL) {
			snprintf(err, len, "account %s was added outside the tools (no audit record)", name);
			bad = 1;
			break;
		}
		r->seen = 1;
		for (int k = 0; k < 4 && !bad; k++)
			if (!same_json(cJSON_GetObjectItemCaseSensitive(r->state, keys[k]),
			    (const char *)sqlite3_column_text(s, k + 1))) {
				snprintf(err, len, "account %s: %s was changed outside the tools", name, keys[k]);
				bad = 1;
			}
		if (!bad && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->state, "disabled")) !=
		    (sqlite3_column_int(s, 5) != 0)) {
			snprintf(err, len, "account %s: disabled was changed outside the tools", name);
			bad = 1;
		}
		(*accounts)++;
	}
	sqlite3_finalize(s);
	for (size_t i = 0; !bad && i < n; i++)
		if (!v[i].seen) {
			snprintf(err, len, "account %s was deleted outside the tools", v[i].name);
			bad = 1;
		}
	goto out;
oom:
	sqlite3_finalize(s);
	snprintf(err, len, "out of memory");
	bad = -1;
	goto out;
dberr:
	snprintf(err, len, "database: %s", sqlite3_errmsg(st->db));
	bad = -1;
out:
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		cJSON_Delete(v[i].state);
	}
	free(v);
	return bad;
}
