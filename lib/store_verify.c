/*
 * store_verify.c - tbmctl verify: the audit hash chain, then every fault row
 * against the audit trail replayed.
 */
#include "store_int.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"

static int
verify_chain(struct store *st, unsigned long *checked, int64_t *head_seq, char *head_hash,
    char *err, size_t len)
{
	char prev[AUDIT_HASH_LEN + 1] = AUDIT_GENESIS, h[AUDIT_HASH_LEN + 1];
	int64_t expect = 1;
	sqlite3_stmt *s;
	int rc, bad = 0;

	s = store_prep(st, "SELECT seq, at, fault_id, action, actor, detail, prev_hash, hash FROM audit "
	    "ORDER BY seq");
	if (s == NULL)
		return -1;
	while (!bad && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(s, 0);
		const char *ph = (const char *)sqlite3_column_text(s, 6);
		const char *hh = (const char *)sqlite3_column_text(s, 7);

		if (seq != expect) {
			snprintf(err, len, "audit record %" PRId64 " is missing (deleted outside the tools); next is %" PRId64,
			    expect, seq);
			bad = 1;
			break;
		}
		if (ph == NULL || strcmp(ph, prev) != 0) {
			snprintf(err, len, "audit record %" PRId64 " does not follow record %" PRId64
			    " (inserted or replaced outside the tools)", seq, seq - 1);
			bad = 1;
			break;
		}
		if (audit_hash(seq, sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2),
		    (const char *)sqlite3_column_text(s, 3), (const char *)sqlite3_column_text(s, 4),
		    (const char *)sqlite3_column_text(s, 5), ph, h) != 0) {
			sqlite3_finalize(s);
			snprintf(err, len, "cannot compute SHA-256");
			return -1;
		}
		if (hh == NULL || strcmp(h, hh) != 0) {
			snprintf(err, len, "audit record %" PRId64 " was edited outside the tools (its hash does not match its content)", seq);
			bad = 1;
			break;
		}
		snprintf(prev, sizeof(prev), "%s", hh);
		expect++;
		(*checked)++;
	}
	if (!bad && rc != SQLITE_DONE) {
		snprintf(err, len, "database: %s", sqlite3_errmsg(st->db));
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	*head_seq = expect - 1;
	snprintf(head_hash, AUDIT_HASH_LEN + 1, "%s", prev);
	return bad;
}

/* Compares one row's column with the value the audit trail gives it. */
static int
column_matches(sqlite3_stmt *row, int i, const cJSON *v)
{
	int t = sqlite3_column_type(row, i);

	if (v == NULL || cJSON_IsNull(v))
		return t == SQLITE_NULL;
	if (cJSON_IsNumber(v))
		return (t == SQLITE_INTEGER || t == SQLITE_FLOAT) &&
		    sqlite3_column_double(row, i) == v->valuedouble;
	if (cJSON_IsString(v))
		return t == SQLITE_TEXT && strcmp((const char *)sqlite3_column_text(row, i), v->valuestring) == 0;
	return 0;
}

static int
verify_rows(struct store *st, unsigned long *faults, char *err, size_t len)
{
	sqlite3_stmt *a = NULL, *row = NULL;
	char sql[512];
	size_t l = 0;
	cJSON *state = NULL;
	int64_t cur = 0;
	int rc, bad = 0, done = 0;

	l += (size_t)snprintf(sql + l, sizeof(sql) - l, "SELECT ");
	for (int i = 0; store_change_cols[i]; i++)
		l += (size_t)snprintf(sql + l, sizeof(sql) - l, "%s, ", store_change_cols[i]);
	snprintf(sql + l, sizeof(sql) - l, "id FROM faults WHERE id = ?1");
	if ((row = store_prep(st, sql)) == NULL)
		return -1;
	a = store_prep(st, "SELECT fault_id, seq, detail FROM audit WHERE fault_id IS NOT NULL "
	    "ORDER BY fault_id, seq");
	if (a == NULL) {
		sqlite3_finalize(row);
		return -1;
	}
	/* Walk the trail fault by fault; at each change of fault, compare the replayed state. */
	while (!bad && !done) {
		int64_t fid = 0;
		rc = sqlite3_step(a);
		if (rc == SQLITE_ROW)
			fid = sqlite3_column_int64(a, 0);
		else if (rc == SQLITE_DONE)
			done = 1;
		else {
			snprintf(err, len, "database: %s", sqlite3_errmsg(st->db));
			bad = -1;
			break;
		}
		if (state && (done || fid != cur)) {
			sqlite3_reset(row);
			sqlite3_bind_int64(row, 1, cur);
			if (sqlite3_step(row) != SQLITE_ROW) {
				snprintf(err, len, "fault %" PRId64 " was deleted outside the tools", cur);
				bad = 1;
				break;
			}
			for (int i = 0; store_change_cols[i]; i++)
				if (!column_matches(row, i, cJSON_GetObjectItemCaseSensitive(state, store_change_cols[i]))) {
					snprintf(err, len, "fault %" PRId64 ": %s was changed outside the tools", cur, store_change_cols[i]);
					bad = 1;
					break;
				}
			cJSON_Delete(state);
			state = NULL;
			(*faults)++;
		}
		if (done || bad)
			break;
		if (state == NULL) {
			state = cJSON_CreateObject();
			cur = fid;
		}
		{
			cJSON *d = cJSON_Parse((const char *)sqlite3_column_text(a, 2)), *it;
			if (d == NULL || state == NULL) {
				snprintf(err, len, "audit record %" PRId64 ": detail is not JSON", (int64_t)sqlite3_column_int64(a, 1));
				cJSON_Delete(d);
				bad = 1;
				break;
			}
			cJSON_ArrayForEach(it, d) {
				cJSON_DeleteItemFromObjectCaseSensitive(state, it->string);
				cJSON_AddItemToObject(state, it->string, cJSON_Duplicate(it, 1));
			}
			cJSON_Delete(d);
		}
	}
	cJSON_Delete(state);
	sqlite3_finalize(a);
	sqlite3_finalize(row);
	if (bad)
		return bad;
	/* A row the trail never mentions was inserted outside the tools. */
	a = store_prep(st, "SELECT id FROM faults WHERE id NOT IN (SELECT fault_id FROM audit "
	    "WHERE fault_id IS NOT NULL) ORDER BY id LIMIT 1");
	if (a == NULL)
		return -1;
	if (sqlite3_step(a) == SQLITE_ROW) {
		snprintf(err, len, "fault %" PRId64 " was inserted outside the tools (no audit record)",
		    (int64_t)sqlite3_column_int64(a, 0));
		bad = 1;
	}
	sqlite3_finalize(a);
	return bad;
}

int
store_verify_head(struct store *st, struct verify_result *res, char *err, size_t len)
{
	int r;

	memset(res, 0, sizeof(*res));
	snprintf(res->head_hash, sizeof(res->head_hash), "%s", AUDIT_GENESIS);
	/* One read transaction: a consistent snapshot even beside a running daemon. */
	if (store_exec(st, "BEGIN") != 0) {
		snprintf(err, len, "database: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	r = verify_chain(st, &res->records, &res->head_seq, res->head_hash, err, len);
	if (r == 0)
		r = verify_rows(st, &res->faults, err, len);
	if (r == 0)
		r = store_accounts_verify(st, &res->accounts, err, len);
	store_exec(st, "COMMIT");
	return r;
}

int
store_verify(struct store *st, unsigned long *records, unsigned long *faults, char *err, size_t len)
{
	struct verify_result res;
	int r = store_verify_head(st, &res, err, len);

	*records = res.records;
	*faults = res.faults;
	return r;
}
