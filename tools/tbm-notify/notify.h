/*
 * notify.h - tbm-notify: follows the audit trail of a base's database and
 * tells people through group robots, webhooks and e-mail. One thread per
 * channel, so that a channel that is down never holds up the others.
 *
 *   main.c     command line, configuration check, signals, the threads
 *   channel.c  a channel's loop: its position, storms, escalations, digest
 *   message.c  the texts people read (pure functions)
 *   deliver.c  libcurl: robot, webhook and SMTP requests, reading replies
 *   secret.c   URLs, passwords and signing secrets from files; signatures
 */
#ifndef TBM_NOTIFY_H
#define TBM_NOTIFY_H

#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

#define NOTIFY_WINDOW_MS 60000        /* the storm window: `burst` messages a minute */

/* Set by SIGTERM/SIGINT, read by the channels' threads (lock-free: safe in a handler). */
extern atomic_int notify_stop;

/* ---- message.c ---- */

/* What a message is about. */
enum msg_what { MSG_OPEN = 0, MSG_SAFETY, MSG_REPORT, MSG_ACCIDENT, MSG_UNACKED, MSG_UNREPAIRED,
	MSG_WHAT_COUNT };

/* One fault as people see it. Pointers borrowed. */
struct msg_fault {
	int64_t id;
	const char *device_name;
	const char *lab;
	const char *label;
	enum fault_kind kind;
	int has_code;
	double code;
	int64_t at;                  /* when it opened (or was classified) */
	const char *actor;           /* a person's report or classification */
};

/* message_text: the Chinese text of one message. base_url NULL: no link.
 * `after_ms`: the escalation's duration. Returns malloc'd text. */
char *message_text(enum msg_what what, const struct msg_fault *f, int64_t after_ms,
    const char *base_url);

/* A storm summary: counts of what was held, per lab. */
struct summary {
	struct summary_lab {
		char *lab;
		unsigned n[MSG_WHAT_COUNT];
	} *labs;
	size_t nlabs;
	unsigned total;
};
void summary_add(struct summary *s, const char *lab, enum msg_what what);
char *summary_text(const struct summary *s, const char *base_url);
void summary_clear(struct summary *s);

/* The daily digest of a channel's labs, with how well the day was watched. */
struct digest_watch {
	double observed;             /* share of the last 24 hours tbmond ran */
	double min_coverage;
	int under_observed;          /* observed below min_coverage (ind_under_observed) */
	int watching;                /* tbmond watches now (ind_watching) */
};
char *digest_text(const char *site_name, int64_t now, const struct digest_watch *w,
    const struct fault *open, size_t nopen, size_t new_faults, size_t new_safety,
    const char *(*device_name)(void *, const char *), void *arg, const char *base_url);

/* monitor_text: tbmond stopped watching at `since` (stopped: 1; `until`:
 * now; heartbeat_lost: no clean stop), or watches again from `until` after
 * watching stopped at `since` (stopped: 0). */
char *monitor_text(int stopped, const char *site_name, int64_t since, int64_t until, int heartbeat_lost,
    const char *base_url);

/* "30 分钟", "24 小时", "1 天 2 小时". */
void duration_zh(int64_t ms, char *buf, size_t len);

/* ---- deliver.c ---- */

struct deliver;
struct deliver *deliver_new(const struct conf_notify *c, const char *site_name);
void deliver_free(struct deliver *d);
/* Secrets read at start (-1 with a message already logged as FILE:LINE). */
int deliver_load(struct deliver *d, int check_only);
/* deliver_send: one message. `event_json` is what the webhook posts
 * (NULL: a JSON object with the text). 0 delivered; -1 not, why in `why`
 * (never holds the URL or a secret). */
int deliver_send(struct deliver *d, const char *text, const char *event_json, char *why,
    size_t len);
/* robot_reply: judges a robot's answer. 0 accepted; -1 with the reason. */
int robot_reply(enum notify_type t, long http_status, const char *body, char *why, size_t len);

/* ---- secret.c ---- */

/* secret_read: the first line of PATH (trimmed). Warns, naming FILE:LINE
 * of its key, when it is readable by everyone. NULL with an error logged. */
char *secret_read(const char *path, const char *conf_file, int conf_line, const char *what);
/* DingTalk: HMAC-SHA256 of "TIMESTAMP\nSECRET" keyed by SECRET, base64,
 * URL-encoded. Feishu: HMAC-SHA256 of "" keyed by "TIMESTAMP\nSECRET", base64. */
int sign_dingtalk(const char *secret, int64_t ts_ms, char *out, size_t len);
int sign_feishu(const char *secret, int64_t ts_s, char *out, size_t len);

/* ---- channel.c ---- */

struct channel;
struct channel *channel_new(const struct config *cf, const struct conf_notify *c);
int channel_start(struct channel *ch);
void channel_join(struct channel *ch);
void channel_free(struct channel *ch);

#endif
