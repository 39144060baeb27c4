/*
 * replay.c - one link of the audit chain checked, and a fault's state
 * rebuilt from its audit records: the same code for `tbmctl verify` and
 * for the central collection, so that both judge a record alike.
 */
#include "replay.h"

#include <cjson/cJSON.h>
#include <string.h>

#include "audit.h"

enum replay_link
replay_link(const struct audit_rec *r, const char *prev_hash)
{
	char h[AUDIT_HASH_LEN + 1];

	if (prev_hash != NULL && strcmp(r->prev_hash, prev_hash) != 0)
		return REPLAY_BAD_PREV;
	if (audit_hash(r->seq, r->at, r->fault_id, r->action, r->actor, r->detail, r->prev_hash,
	    h) != 0)
		return REPLAY_ERROR;
	return strcmp(h, r->hash) == 0 ? REPLAY_OK : REPLAY_BAD_HASH;
}

int
replay_fault(cJSON *state, const char *detail)
{
	cJSON *d = cJSON_Parse(detail ? detail : ""), *it, *next, *old;

	if (d == NULL || !cJSON_IsObject(d)) {
		cJSON_Delete(d);
		return -1;
	}
	/* a later record's value of a column replaces the earlier one; the
	 * items move from the record's object to the state, without copies */
	for (it = d->child; it != NULL; it = next) {
		next = it->next;
		cJSON_DetachItemViaPointer(d, it);
		if ((old = cJSON_GetObjectItemCaseSensitive(state, it->string)) != NULL)
			cJSON_ReplaceItemViaPointer(state, old, it);
		else
			cJSON_AddItemToObject(state, it->string, it);
	}
	cJSON_Delete(d);
	return 0;
}
