/*
 * session.c - sessions (hashed ids, idle expiry, CSRF tokens, used form ids)
 * and the login throttle. tbm-web serves from one thread, so nothing here
 * locks.
 */
#include "session.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

struct sessions {
	struct session *v;
	int64_t idle_ms;
};

int
web_random_hex(char out[SESSION_ID_HEX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[16];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	for (size_t i = 0; i < sizeof(r); i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[32] = '\0';
	return 0;
}

static int
is_hex32(const char *s)
{
	size_t i;

	for (i = 0; i < 32; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[i] == '\0';
}

static int
hash_id(const char *id, unsigned char out[32])
{
	unsigned int n = 0;

	return EVP_Digest(id, strlen(id), out, &n, EVP_sha256(), NULL) == 1 && n == 32 ? 0 : -1;
}

static int
slot_free(const struct session *s)
{
	static const unsigned char zero[32];

	return memcmp(s->hash, zero, sizeof(zero)) == 0;
}

struct sessions *
sessions_new(int64_t idle_ms)
{
	struct sessions *ss = calloc(1, sizeof(*ss));

	if (ss == NULL)
		return NULL;
	if ((ss->v = calloc(SESSION_MAX, sizeof(*ss->v))) == NULL) {
		free(ss);
		return NULL;
	}
	ss->idle_ms = idle_ms;
	return ss;
}

void
sessions_free(struct sessions *ss)
{
	if (ss == NULL)
		return;
	OPENSSL_cleanse(ss->v, SESSION_MAX * sizeof(*ss->v));
	free(ss->v);
	free(ss);
}

struct session *
sessions_create(struct sessions *ss, const char *account, int64_t now, char id_out[SESSION_ID_HEX])
{
	struct session *s = NULL, *oldest = NULL;

	if (strlen(account) >= SESSION_NAME_MAX)
		return NULL;
	/* a free or expired slot, else the longest idle one */
	for (size_t i = 0; i < SESSION_MAX; i++) {
		struct session *c = &ss->v[i];

		if (slot_free(c) || now - c->last_ms > ss->idle_ms) {
			s = c;
			break;
		}
		if (oldest == NULL || c->last_ms < oldest->last_ms)
			oldest = c;
	}
	if (s == NULL)
		s = oldest;
	memset(s, 0, sizeof(*s));
	if (web_random_hex(id_out) < 0 || web_random_hex(s->csrf) < 0 || hash_id(id_out, s->hash) < 0) {
		memset(s, 0, sizeof(*s));
		return NULL;
	}
	snprintf(s->account, sizeof(s->account), "%s", account);
	s->created_ms = s->last_ms = now;
	return s;
}

struct session *
sessions_find(struct sessions *ss, const char *id, int64_t now)
{
	unsigned char h[32];

	if (id == NULL || !is_hex32(id) || hash_id(id, h) < 0)
		return NULL;
	for (size_t i = 0; i < SESSION_MAX; i++) {
		struct session *s = &ss->v[i];

		if (slot_free(s) || memcmp(s->hash, h, sizeof(h)) != 0)
			continue;
		if (now - s->last_ms > ss->idle_ms) {
			memset(s, 0, sizeof(*s));
			return NULL;
		}
		s->last_ms = now;
		return s;
	}
	return NULL;
}

void
sessions_drop(struct sessions *ss, struct session *s)
{
	(void)ss;
	if (s != NULL)
		OPENSSL_cleanse(s, sizeof(*s));
}

void
sessions_drop_account(struct sessions *ss, const char *account)
{
	for (size_t i = 0; i < SESSION_MAX; i++)
		if (!slot_free(&ss->v[i]) && strcmp(ss->v[i].account, account) == 0)
			OPENSSL_cleanse(&ss->v[i], sizeof(ss->v[i]));
}

int
session_csrf_ok(const struct session *s, const char *token)
{
	if (token == NULL || strlen(token) != 32)
		return 0;
	return CRYPTO_memcmp(s->csrf, token, 32) == 0;
}

static int
unhex16(const char *s, unsigned char out[16])
{
	if (!is_hex32(s))
		return -1;
	for (int i = 0; i < 16; i++) {
		int hi = s[2 * i] <= '9' ? s[2 * i] - '0' : s[2 * i] - 'a' + 10;
		int lo = s[2 * i + 1] <= '9' ? s[2 * i + 1] - '0' : s[2 * i + 1] - 'a' + 10;

		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int
session_form_used(const struct session *s, const char *form_id)
{
	unsigned char id[16];
	size_t n;

	if (form_id == NULL || unhex16(form_id, id) < 0)
		return -1;
	n = s->nforms < SESSION_FORMS ? s->nforms : SESSION_FORMS;
	for (size_t i = 0; i < n; i++)
		if (memcmp(s->forms[i], id, 16) == 0)
			return 1;
	return 0;
}

void
session_form_mark(struct session *s, const char *form_id)
{
	unsigned char id[16];

	if (form_id == NULL || unhex16(form_id, id) < 0 || session_form_used(s, form_id) != 0)
		return;
	memcpy(s->forms[s->nforms % SESSION_FORMS], id, 16);
	s->nforms++;
}

/* ---- login throttle ---- */

#define THROTTLE_SLOTS 2048
#define THROTTLE_KEY 160

struct throttle_ent {
	char key[THROTTLE_KEY];
	int fails;
	int64_t first_ms, last_ms;
};

struct throttle {
	int free;
	struct throttle_ent v[THROTTLE_SLOTS];
};

struct throttle *
throttle_new(int free)
{
	struct throttle *t = calloc(1, sizeof(struct throttle));

	if (t != NULL)
		t->free = free;
	return t;
}

void
throttle_free(struct throttle *t)
{
	free(t);
}

static struct throttle_ent *
ent_find(struct throttle *t, const char *key)
{
	for (size_t i = 0; i < THROTTLE_SLOTS; i++)
		if (t->v[i].key[0] != '\0' && strncmp(t->v[i].key, key, THROTTLE_KEY - 1) == 0)
			return &t->v[i];
	return NULL;
}

static int64_t
delay_of(const struct throttle *t, const struct throttle_ent *e)
{
	int64_t d = THROTTLE_FIRST_MS;

	if (e->fails < t->free)
		return 0;
	for (int i = t->free; i < e->fails && d < THROTTLE_MAX_MS; i++)
		d *= 2;
	return d < THROTTLE_MAX_MS ? d : THROTTLE_MAX_MS;
}

int64_t
throttle_wait(struct throttle *t, const char *key, int64_t now)
{
	struct throttle_ent *e = ent_find(t, key);
	int64_t until;

	if (e == NULL)
		return 0;
	if (now - e->last_ms > THROTTLE_WINDOW_MS) {
		memset(e, 0, sizeof(*e));
		return 0;
	}
	until = e->last_ms + delay_of(t, e);
	return until > now ? until - now : 0;
}

void
throttle_fail(struct throttle *t, const char *key, int64_t now)
{
	struct throttle_ent *e = ent_find(t, key), *old = NULL;

	if (e == NULL) {
		for (size_t i = 0; i < THROTTLE_SLOTS && e == NULL; i++) {
			struct throttle_ent *c = &t->v[i];

			if (c->key[0] == '\0' || now - c->last_ms > THROTTLE_WINDOW_MS)
				e = c;
			else if (old == NULL || c->last_ms < old->last_ms)
				old = c;
		}
		if (e == NULL)
			e = old;
		memset(e, 0, sizeof(*e));
		snprintf(e->key, sizeof(e->key), "%s", key);
		e->first_ms = now;
	}
	e->fails++;
	e->last_ms = now;
}

void
throttle_ok(struct throttle *t, const char *key)
{
	struct throttle_ent *e = ent_find(t, key);

	if (e != NULL)
		memset(e, 0, sizeof(*e));
}
