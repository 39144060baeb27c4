/*
 * replay.h - audit records replayed, whatever their source (a base's SQLite
 * database for `tbmctl verify`, the central PostgreSQL store for
 * tbm-collect): the check of one link of the hash chain, and a fault's state
 * rebuilt from its records. Pure functions: no I/O, no database.
 */
#ifndef TBM_REPLAY_H
#define TBM_REPLAY_H

#include <stddef.h>

#include "store.h"

struct cJSON;

enum replay_link {
	REPLAY_OK = 0,
	REPLAY_BAD_HASH,       /* the hash does not match the record's content */
	REPLAY_BAD_PREV,       /* prev_hash is not the hash of the record before */
	REPLAY_ERROR = -1,     /* the digest could not be computed */
};

/* replay_link: checks r's own hash, and (prev_hash != NULL) that r follows
 * the record whose hash is prev_hash (AUDIT_GENESIS before seq 1). */
enum replay_link replay_link(const struct audit_rec *r, const char *prev_hash);

/* replay_fault: applies one record's detail (a JSON object of columns and
 * values) to the fault's state, an object of column -> value that starts
 * empty. 0, or -1 when the detail is not a JSON object. */
int replay_fault(struct cJSON *state, const char *detail);

#endif
