/*
 * session.h - logged-in sessions, their CSRF tokens and used form ids, and
 * the login throttle. Kept in tbm-web's memory (a restart logs everyone
 * out). A session id is 128 random bits given to the browser once; only its
 * SHA-256 is kept, so a memory dump does not hand out sessions.
 */
#ifndef TBMWEB_SESSION_H
#define TBMWEB_SESSION_H

#include <stddef.h>
#include <stdint.h>

#define SESSION_ID_HEX 33          /* 32 hex digits and a NUL */
#define SESSION_MAX 4096
#define SESSION_FORMS 128          /* form ids remembered per session */
#define SESSION_NAME_MAX 128

struct session {
	unsigned char hash[32];        /* SHA-256 of the id; all zero: free slot */
	char account[SESSION_NAME_MAX];
	char csrf[SESSION_ID_HEX];
	int64_t created_ms, last_ms;
	unsigned char forms[SESSION_FORMS][16];   /* used form ids, a ring */
	size_t nforms;
};

struct sessions;

struct sessions *sessions_new(int64_t idle_ms);
void sessions_free(struct sessions *ss);

/* web_random_hex: 128 random bits as 32 hex digits (getrandom). 0 or -1. */
int web_random_hex(char out[SESSION_ID_HEX]);

/* sessions_create: a new session for account; its id in id_out. NULL on error. */
struct session *sessions_create(struct sessions *ss, const char *account, int64_t now,
    char id_out[SESSION_ID_HEX]);
/* sessions_find: the live session of id (touching it), NULL when unknown or idle too long. */
struct session *sessions_find(struct sessions *ss, const char *id, int64_t now);
void sessions_drop(struct sessions *ss, struct session *s);
/* Every session of an account (disabled, password changed). */
void sessions_drop_account(struct sessions *ss, const char *account);

/* session_csrf_ok: the token equals this session's (constant time). */
int session_csrf_ok(const struct session *s, const char *token);
/* session_form_used: 1 when this form id was recorded already, 0 when not,
 * -1 when it is not a form id. session_form_mark remembers it once the
 * change it carried is recorded, so a refused form can be sent again. */
int session_form_used(const struct session *s, const char *form_id);
void session_form_mark(struct session *s, const char *form_id);

/* The login throttle, one per account name and one per client address:
 * after `free` failures within THROTTLE_WINDOW_MS, each further attempt
 * waits a delay from THROTTLE_FIRST_MS doubling up to THROTTLE_MAX_MS. A
 * workshop's phones may share one address (NAT), so that throttle allows more. */
#define THROTTLE_FREE_ACCOUNT 5
#define THROTTLE_FREE_ADDRESS 20
#define THROTTLE_FIRST_MS (30 * 1000)
#define THROTTLE_WINDOW_MS (15 * 60 * 1000)
#define THROTTLE_MAX_MS (15 * 60 * 1000)
struct throttle;
struct throttle *throttle_new(int free);
void throttle_free(struct throttle *t);
/* throttle_wait: ms to wait before key may try again (0: now). */
int64_t throttle_wait(struct throttle *t, const char *key, int64_t now);
void throttle_fail(struct throttle *t, const char *key, int64_t now);
void throttle_ok(struct throttle *t, const char *key);

#endif
