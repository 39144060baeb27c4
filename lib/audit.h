/*
 * audit.h - the hash of one audit record. Each record's hash covers its own
 * content and the previous record's hash, so that an edit, a deletion or an
 * insertion made outside the tools breaks the chain at that record.
 */
#ifndef TBM_AUDIT_H
#define TBM_AUDIT_H

#include <stdint.h>

#define AUDIT_HASH_LEN 64           /* hex characters of a SHA-256 */
#define AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* audit_hash: hex SHA-256 of the canonical form of a record into out[65].
 * 0 ok, -1 if the digest could not be computed. */
int audit_hash(int64_t seq, int64_t at, int64_t fault_id, const char *action,
    const char *actor, const char *detail, const char *prev_hash, char out[AUDIT_HASH_LEN + 1]);

#endif
