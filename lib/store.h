/*
 * store.h - the SQLite database: schema and migrations, the events written
 * by tbmond's writer thread, the audit hash chain, and every query the tools
 * make. All SQL of the project lives in store*.c; this header is grouped by
 * the file that implements each part.
 */
#ifndef TBM_STORE_H
#define TBM_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "account.h"
#include "config.h"
#include "event.h"

struct store;

#define STORE_BUSY_TIMEOUT_MS 5000
#define STORE_NOTIME 0   /* an absent timestamp */

/* ---- store.c: the connection, schema, runs, the configuration's mirror ---- */

/* store_open: opens (creating and migrating when !readonly) the database.
 * On error returns -1 with a message in err. */
int store_open(const char *path, int readonly, struct store **out, char *err, size_t errlen);
void store_close(struct store *st);
const char *store_errmsg(struct store *st);
int store_schema_version(struct store *st);

/* Records the site, devices and points of a configuration (upsert; ones no
 * longer configured stay, marked not in the configuration). */
int store_sync_config(struct store *st, const struct config *cf);

/* A WAL checkpoint that also truncates the WAL file (housekeeping). */
int store_checkpoint(struct store *st);

/* Daemon runs: observation intervals for coverage, and the heartbeat. */
int store_run_start(struct store *st, int64_t now_ms, int64_t *run_id);
int store_run_alive(struct store *st, int64_t run_id, int64_t now_ms);
int store_run_stop(struct store *st, int64_t run_id, int64_t now_ms);
/* The latest time the record holds (the last audit record, the last run's
 * end or heartbeat) into *t, 0 for an empty record; 0 or -1. A clock behind
 * it has been set back, or not set yet. */
int store_last_time(struct store *st, int64_t *t);

/* ---- store_events.c: the detector's events ---- */

/* Writes a batch of detector events in one BEGIN IMMEDIATE transaction.
 * Returns the number of events applied (opens of an already open fault and
 * clears of no open fault are no-ops and are not counted), or -1 on error,
 * in which case nothing was written and the caller keeps the batch. */
int store_write_events(struct store *st, const struct tbm_event *ev, size_t n);

/* Calls cb for each automatically detected fault still open (adoption on start). */
typedef void (*store_open_cb)(void *arg, const char *device, const char *point,
    enum fault_kind kind, int64_t id);
int store_each_open_fault(struct store *st, store_open_cb cb, void *arg);

/* ---- store_query.c: what the tools read ---- */

struct fault {
	int64_t id;
	char *device;
	char *point;
	enum fault_kind kind;
	char *source;              /* auto | manual */
	int has_code;
	double code;
	char *label;
	char *lab;
	int assessment;
	int64_t opened_at, cleared_at, acked_at, repaired_at, dismissed_at, classified_at;
	char *acked_by, *ack_note, *repaired_by, *action, *parts;
	char *dismissed_by, *dismiss_reason, *classification, *classified_by, *note;
	int64_t repeat_of;         /* 0: none */
	int64_t repair_logged_at;  /* when the repair was entered (its `at` may be earlier) */
};
/* open | acknowledged | cleared | repaired | dismissed */
const char *fault_status(const struct fault *f);
void fault_clear(struct fault *f);

struct fault_filter {
	int open_only;             /* signal still active: not cleared, repaired or dismissed */
	int unresolved;            /* needs people: not repaired or dismissed (comm: not cleared) */
	const char *device;
	int64_t from_ms, to_ms;    /* opened in [from, to); 0: unbounded */
	int kinds;                 /* bit mask of 1 << fault_kind; 0: all */
};
int store_faults(struct store *st, const struct fault_filter *flt, struct fault **out, size_t *n);
int store_fault_get(struct store *st, int64_t id, struct fault *out);   /* 1 found, 0 not, -1 error */
void store_faults_free(struct fault *v, size_t n);

struct audit_rec {
	int64_t seq;
	int64_t at;
	int64_t fault_id;
	char *action;
	char *actor;
	char *detail;              /* JSON object */
	char prev_hash[65];
	char hash[65];
};
int store_audit_for(struct store *st, int64_t fault_id, struct audit_rec **out, size_t *n);
void store_audit_free(struct audit_rec *v, size_t n);

struct site_row {
	char *id, *name, *timezone;
};
int store_site(struct store *st, struct site_row *out);   /* 1 found, 0 none, -1 error */
void store_site_clear(struct site_row *s);

struct device_row {
	char *id, *name, *lab, *protocol;
	int assessment;
	int in_config;
	int open_faults;           /* open kind fault/safety faults */
	int comm_open;             /* an open comm fault: offline */
	int64_t comm_since;
};
int store_devices(struct store *st, struct device_row **out, size_t *n);
void store_devices_free(struct device_row *v, size_t n);

struct point_row {
	char *device, *name, *kind, *label;
	int in_config;
};
/* Every point the configuration's mirror holds, by device and name. */
int store_points(struct store *st, struct point_row **out, size_t *n);
void store_points_free(struct point_row *v, size_t n);

struct run_row {
	int64_t id, started_at, alive_at, stopped_at;
};
int store_last_run(struct store *st, struct run_row *out);   /* 1 found, 0 none, -1 error */
/* Every daemon run that overlaps [from, to), oldest first. */
int store_runs(struct store *st, int64_t from_ms, int64_t to_ms, struct run_row **out, size_t *n);

/* The compact form of a fault the indicators work on. */
struct period_fault {
	int64_t id, opened_at, cleared_at, repaired_at, dismissed_at, repeat_of;
	enum fault_kind kind;
	int manual, assessment;
	enum safety_class cls;     /* SC_UNCLASSIFIED until a manager classifies it */
	char device[CONF_ID_MAX];
	char *label;
};
/* Faults that opened before `to_ms` and were still open (or opened) at
 * `from_ms`, by device (byte order) and opening, handed to fn one at a time
 * (the row and its label are valid during the call only): a year of a large
 * base is never held whole. fn returns non-zero to stop; 0, or -1 on a
 * database error or a stop. */
typedef int (*period_fault_fn)(const struct period_fault *f, void *arg);
int store_each_period_fault(struct store *st, int64_t from_ms, int64_t to_ms, period_fault_fn fn,
    void *arg);
/* Ids of the devices that have a configured safety point. */
int store_safety_devices(struct store *st, char ***ids, size_t *n);
void store_strings_free(char **v, size_t n);

/* ---- store_people.c ---- */

/*
 * The people's changes. Each runs in one BEGIN IMMEDIATE transaction with
 * its audit record. 0 done; STORE_REFUSED with the reason in err (unknown
 * id, a dismissed fault, a repair before the fault opened, ...); -1 on a
 * database error, also described in err. Times are ms since the epoch.
 */
#define STORE_REFUSED 1
/* Writes a refusal's one-line reason into err and returns STORE_REFUSED (the
 * store's checks and lib/rights.c say no the same way). */
int store_refuse(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * Each takes the actor (account, channel, origin) instead of free text and
 * checks the account's rights (lib/rights.c) itself, inside the
 * transaction, so that no caller can skip them. The actor's account name
 * goes into the row and the audit record; the channel, OS user or address
 * and "via" into the audit detail under "who".
 */
int store_ack(struct store *st, int64_t id, const struct actor *who, const char *note, int64_t now, char *err, size_t len);
int store_repair(struct store *st, int64_t id, const struct actor *who, const char *action, const char *parts,
    int64_t at, int64_t now, char *err, size_t len);
int store_dismiss(struct store *st, int64_t id, const struct actor *who, const char *reason, int64_t now, char *err, size_t len);
int store_classify(struct store *st, int64_t id, const char *cls, const struct actor *who, const char *note,
    int64_t now, char *err, size_t len);
/* A fault or safety event found by a person (point "manual"). */
int store_report(struct store *st, const char *device, enum fault_kind kind, const struct actor *who,
    const char *note, int64_t at, int64_t now, int64_t *id, char *err, size_t len);
/*
 * Corrections: nothing is edited in place. store_amend appends a record with
 * the old and new values and the reason (action, parts, at: the repair;
 * note: the acknowledgement's note). store_reopen (manager) undoes the
 * latest of a dismissal, a repair or an acknowledgement.
 */
struct amend { const char *action, *parts, *note; int64_t at; };   /* NULL / 0: unchanged */
int store_amend(struct store *st, int64_t id, const struct actor *who, const struct amend *a, const char *reason,
    int64_t now, char *err, size_t len);
int store_reopen(struct store *st, int64_t id, const struct actor *who, const char *reason, int64_t now, char *err, size_t len);

/* ---- store_accounts.c ---- */

/*
 * Accounts (store_accounts.c). Every change is an audit record (no fault
 * id; action account-add, account-passwd, account-disable, account-enable,
 * account-key),
 * never with the password or its hash. The first account may be added with
 * who->acct NULL (the bootstrap: the caller vouches that root or the tbmon
 * user runs it), and only as a manager while no manager exists.
 */
int store_account_get(struct store *st, const char *name, struct account *out);      /* 1 found, 0 none, -1 error */
int store_account_by_os_user(struct store *st, const char *os_user, struct account *out); /* same */
int store_accounts(struct store *st, struct account **out, size_t *n);  void store_accounts_free(struct account *v, size_t n);
/* 1 password right and account enabled, 0 wrong or disabled or unknown, -1 error. Constant work for unknown names. */
int store_account_login(struct store *st, const char *name, const char *password, struct account *out);
int store_account_add(struct store *st, const struct actor *who, const struct account *a, const char *password,
    int64_t now, char *err, size_t len);              /* 0 / STORE_REFUSED / -1, audited */
int store_account_passwd(struct store *st, const struct actor *who, const char *name, const char *password,
    int64_t now, char *err, size_t len);
int store_account_set_disabled(struct store *st, const struct actor *who, const char *name, int disabled,
    int64_t now, char *err, size_t len);
/* How many enabled managers there are (0: the bootstrap is open), -1 on error. */
int store_account_managers(struct store *st);
/*
 * An account's key for tbm-web's read-only /api/ (a dashboard, a script of
 * the bureau): "tbm_" and 32 random hex digits, written once into key
 * (ACCOUNT_KEY_LEN + 1 bytes) and kept only as its SHA-256; a new key
 * replaces the old, key NULL revokes it. The account itself or a manager;
 * an audit record account-key either way, never with the key.
 */
#define ACCOUNT_KEY_LEN 36
int store_account_key(struct store *st, const struct actor *who, const char *name, char *key,
    int64_t now, char *err, size_t len);
/* The enabled account whose key this is: 1 found, 0 none (or disabled), -1 error. */
int store_account_by_key(struct store *st, const char *key, struct account *out);

/* ---- store_verify.c ---- */

/* store_verify: walks the audit hash chain, then replays it and compares
 * every fault row and every account. 0 intact (counts in records/faults),
 * 1 tampered (the first problem in err), -1 error. */
int store_verify(struct store *st, unsigned long *records, unsigned long *faults, char *err,
    size_t len);
/* The same, also giving the chain head (the last record's seq and hash,
 * 0 and AUDIT_GENESIS when empty) read in the same snapshot: written down
 * outside the base, it shows later whether the whole chain was rewritten. */
struct verify_result {
	unsigned long records, faults, accounts;
	int64_t head_seq;
	char head_hash[65];
};
int store_verify_head(struct store *st, struct verify_result *res, char *err, size_t len);

/* ---- store_outbox.c ---- */

/* The MQTT outbox: audit records after a watermark, with their fault's
 * device and point, oldest first; the watermark lives in the meta table. */
struct outbox_rec {
	int64_t seq, at, fault_id;
	char *action, *actor, *detail;
	char prev_hash[65], hash[65];
	char *device, *point, *kind, *label, *lab;
};
int store_outbox(struct store *st, int64_t after_seq, size_t limit, struct outbox_rec **out,
    size_t *n);
void store_outbox_free(struct outbox_rec *v, size_t n);
int store_meta_int(struct store *st, const char *key, int64_t *v);   /* 1 found, 0 none, -1 error */
int store_set_meta_int(struct store *st, const char *key, int64_t v);
/* The last audit record's seq (0 when empty, -1 on error): every change to a
 * fault or an account appends one, so tbm-web keeps what it read until it moves. */
int64_t store_audit_last_seq(struct store *st);

#endif
