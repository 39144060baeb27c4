/*
 * collect.h - tbm-collect: every base's audit stream from the central MQTT
 * broker into PostgreSQL, exactly once, each chain verified as it arrives.
 *   conf.c    /etc/tbmon/collect.conf, [collect], its key table
 *   record.c  an event or config message into a record (no I/O; tested)
 *   ingest.c  a batch: read and checked apart from the database (in a thread
 *             while the one before is stored), then checked against the
 *             held chain, stored, replayed
 *   net.c     the MQTT session (libmosquitto): messages in (at most `hold`
 *             held), resend requests out
 *   main.c    options, the loop, `status`
 */
#ifndef TBM_COLLECT_H
#define TBM_COLLECT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "store_pg.h"

#define COLLECT_DEFAULT_CONFIG "/etc/tbmon/collect.conf"

struct collect_conf {
	char *path;
	char *mqtt;                /* mqtt://HOST[:PORT] | mqtts://... */
	char *client_id;
	char *username, *password_file, *ca_file;
	char *topic;               /* tbmon/+/events */
	char *share;               /* $share/NAME/topic when set */
	char *database;            /* libpq connection string */
	int64_t batch;             /* records per transaction at most */
	int64_t flush_ms;          /* a batch waits at most this long */
	int64_t gap_wait_ms;       /* a gap this old is asked for again */
	int64_t resync_ms;         /* every known site is asked for what follows its chain */
	int64_t keepalive_ms;
	int64_t hold;              /* messages held in memory at most */
	int log_level;
};

/* conf.c: 0, or -1 after each error as FILE:LINE: message on stderr. */
int collect_conf_load(const char *path, struct collect_conf *c);
void collect_conf_free(struct collect_conf *c);

/* ---- record.c ---- */
#define COLLECT_SITE_MAX 64
struct in_record {
	char site[COLLECT_SITE_MAX];
	struct audit_rec r;        /* strings owned */
};
/* An event message into a record: 0, or -1 with why in err (not JSON, a
 * field missing or of the wrong type, a bad site id or hash). */
int record_parse(const char *payload, size_t len, struct in_record *out, char *err, size_t errlen);
void record_clear(struct in_record *r);
/* The site of a topic tbmon/SITE/...: 0, or -1 if it has no valid one. */
int record_topic_site(const char *topic, char *site, size_t len);
/* A config message into c (strings point into the returned cJSON, which
 * the caller frees with cJSON_Delete, or into allocated arrays freed by
 * record_config_free). */
struct cJSON;
int record_config(const char *payload, size_t len, struct pg_config *c, struct cJSON **json,
    char *err, size_t errlen);
void record_config_free(struct pg_config *c);

/* ---- ingest.c ---- */
struct ingest_stats {
	unsigned long long stored, duplicates, tamper, rejected, faults;
};
struct gap {
	char site[COLLECT_SITE_MAX];
	int64_t contiguous, highest;   /* a gap while highest > contiguous */
};
/* Takes a batch of messages (topic, payload) of events; stores what is good
 * in one transaction. Gaps found go to *gaps (caller frees). 0, or -1 on a
 * database error (nothing stored: the caller keeps the batch and retries). */
struct message {
	char *topic;
	char *payload;
	size_t len;
	int64_t at;                /* ms when received */
};
#define INGEST_MAX_AHEAD 1000000   /* a seq this far beyond the held chain is "from the future" */
int ingest_batch(struct pgstore *ps, struct message *m, size_t n, struct ingest_stats *st,
    struct gap **gaps, size_t *ngaps);
/* ingest_batch in two steps, so that the next batch is read while the
 * database stores this one: ingest_prepare reads and checks what needs no
 * database (JSON, each hash, the faults replayed from the batch's own
 * records; NULL when out of memory) and may run in a thread of its own;
 * ingest_store is the rest, in one transaction, and may be called again on
 * the same prepared batch after a database error. The messages stay the
 * caller's and must live as long as the prepared batch. */
struct prepared;
struct prepared *ingest_prepare(struct message *m, size_t n);
int ingest_store(struct pgstore *ps, const struct prepared *p, struct ingest_stats *st,
    struct gap **gaps, size_t *ngaps);
void ingest_prepared_free(struct prepared *p);
/* ingest_prepare in a thread (in ingest_prepare_wait when none can start) */
struct ingest_job {
	pthread_t t;
	struct message *m;
	size_t n;
	struct prepared *p;
	int started;
};
void ingest_prepare_start(struct ingest_job *j, struct message *m, size_t n);
struct prepared *ingest_prepare_wait(struct ingest_job *j);
/* A config message: stored (or kept aside when bad). 0, or -1 on a
 * database error. *site gets its site. */
int ingest_config(struct pgstore *ps, const struct message *m, struct ingest_stats *st,
    char *site, size_t len);

/* ---- net.c ---- */
struct net;
struct net *net_start(const struct collect_conf *c, char *err, size_t len);
/* Takes up to max messages received (waiting up to wait_ms for the first):
 * the caller owns them, and frees each with net_message_free: at `hold`
 * messages held, none is taken from the broker until half are freed. */
size_t net_take(struct net *n, struct message *out, size_t max, int64_t wait_ms);
void net_message_free(struct net *n, struct message *m);
/* How many messages are held in memory; *full: 1 at the bound. */
size_t net_held(struct net *n, int *full);
/* Asks a site to publish again from seq. */
int net_resend(struct net *n, const char *site, int64_t from);
/* 1 each time the session (re)connected since the last call. */
int net_reconnected(struct net *n);
void net_stop(struct net *n);

#endif
