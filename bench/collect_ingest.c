/*
 * collect_ingest.c - tbm-bench-collect: tbm-collect's ingest path measured
 * without the network. Builds N records of one synthetic site as event
 * messages (a real chain: each fault opened then cleared, so that every
 * second record also rebuilds a fault row by replay), stores them through
 * ingest_prepare() and ingest_store() in batches as tbm-collect does (the
 * next batch prepared in a thread while this one is stored), and writes
 * the same rows as a COPY file so that the caller can time a plain COPY of
 * them into the same table.
 *
 * usage: tbm-bench-collect CONNINFO N BATCH COPYFILE
 * prints: "ingest N records in S s: R records/s"
 */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "collect.h"
#include "tbmtime.h"

#define SITE "bench"

static void
copy_text(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '\\': fputs("\\\\", f); break;
		case '\t': fputs("\\t", f); break;
		case '\n': fputs("\\n", f); break;
		default: fputc(*s, f);
		}
}

int
main(int argc, char **argv)
{
	struct pgstore *ps;
	struct pg_config c = { 0 };
	struct device_row dev = { 0 };
	struct message *m;
	struct prepared *cur;
	struct ingest_stats st = { 0 };
	char err[512], prev[AUDIT_HASH_LEN + 1] = AUDIT_GENESIS, h[AUDIT_HASH_LEN + 1];
	long n, batch;
	int64_t t0, t1, at = 1700000000000LL;
	FILE *copy;

	if (argc != 5 || (n = atol(argv[2])) <= 0 || (batch = atol(argv[3])) <= 0) {
		fprintf(stderr, "usage: tbm-bench-collect CONNINFO N BATCH COPYFILE\n");
		return 2;
	}
	if (pgstore_open(argv[1], 1, &ps, err, sizeof(err)) != 0) {
		fprintf(stderr, "tbm-bench-collect: %s\n", err);
		return 1;
	}
	if ((copy = fopen(argv[4], "w")) == NULL || (m = calloc((size_t)n, sizeof(*m))) == NULL) {
		perror("tbm-bench-collect");
		return 1;
	}
	dev.id = "cnc-01";
	dev.name = "数控车床";
	dev.lab = "数控加工实训室";
	dev.protocol = "modbus-tcp";
	dev.assessment = 1;
	dev.in_config = 1;
	c.site = SITE;
	c.name = "benchmark";
	c.raw = "{}";
	c.devices = &dev;
	c.ndevices = 1;
	if (pgstore_begin(ps) || pgstore_put_config(ps, &c, time_now_ms()) || pgstore_commit(ps)) {
		fprintf(stderr, "tbm-bench-collect: %s\n", pgstore_errmsg(ps));
		return 1;
	}
	for (long i = 0; i < n; i++) {
		int64_t seq = i + 1, fid = i / 2 + 1;
		const char *action = i % 2 ? "clear" : "open";
		char detail[512];
		cJSON *o = cJSON_CreateObject(), *a = cJSON_AddObjectToObject(o, "audit");
		at += 250;
		if (i % 2 == 0)
			snprintf(detail, sizeof(detail), "{\"device\":\"cnc-01\",\"point\":\"alarm\","
			    "\"kind\":\"fault\",\"source\":\"auto\",\"code\":%ld,\"label\":\"数控系统报警\","
			    "\"lab\":\"数控加工实训室\",\"assessment\":1,\"opened_at\":%" PRId64
			    ",\"repeat_of\":null}", 1000 + i % 7, at);
		else
			snprintf(detail, sizeof(detail), "{\"cleared_at\":%" PRId64 "}", at);
		audit_hash(seq, at, fid, action, "tbmond", detail, prev, h);
		cJSON_AddStringToObject(a, "site", SITE);
		cJSON_AddNumberToObject(a, "seq", (double)seq);
		cJSON_AddNumberToObject(a, "at_ms", (double)at);
		cJSON_AddNumberToObject(a, "fault_id", (double)fid);
		cJSON_AddStringToObject(a, "action", action);
		cJSON_AddStringToObject(a, "actor", "tbmond");
		cJSON_AddStringToObject(a, "detail", detail);
		cJSON_AddStringToObject(a, "prev_hash", prev);
		cJSON_AddStringToObject(a, "hash", h);
		m[i].topic = strdup("tbmon/" SITE "/events");
		m[i].payload = cJSON_PrintUnformatted(o);
		m[i].len = strlen(m[i].payload);
		m[i].at = at;
		cJSON_Delete(o);
		fprintf(copy, SITE "\t%" PRId64 "\t%" PRId64 "\t%" PRId64 "\t%s\ttbmond\t", seq, at, fid, action);
		copy_text(copy, detail);
		fprintf(copy, "\t%s\t%s\t%" PRId64 "\n", prev, h, at);
		memcpy(prev, h, sizeof(prev));
	}
	fclose(copy);
	t0 = time_mono_ms();
	/* as tbm-collect does: the next batch read and checked in a thread
	 * while the database stores this one */
	cur = ingest_prepare(m, (size_t)(n < batch ? n : batch));
	for (long i = 0; i < n; i += batch) {
		struct ingest_job job;
		struct gap *g;
		size_t ng, kn = (size_t)(i + batch < n ? (n - i - batch < batch ? n - i - batch : batch) : 0);
		if (kn > 0)
			ingest_prepare_start(&job, m + i + batch, kn);
		if (cur == NULL || ingest_store(ps, cur, &st, &g, &ng) != 0) {
			fprintf(stderr, "tbm-bench-collect: %s\n", cur ? pgstore_errmsg(ps) : "out of memory");
			return 1;
		}
		free(g);
		ingest_prepared_free(cur);
		cur = kn > 0 ? ingest_prepare_wait(&job) : NULL;
	}
	t1 = time_mono_ms();
	if (st.stored != (unsigned long long)n || st.tamper || st.rejected) {
		fprintf(stderr, "tbm-bench-collect: stored %llu of %ld (%llu alarms, %llu kept aside)\n",
		    st.stored, n, st.tamper, st.rejected);
		return 1;
	}
	printf("ingest %ld records in %.3f s: %.0f records/s (%llu fault rows rebuilt)\n", n,
	    (double)(t1 - t0) / 1000.0, (double)n * 1000.0 / (double)(t1 - t0), st.faults);
	for (long i = 0; i < n; i++) {
		free(m[i].topic);
		cJSON_free(m[i].payload);
	}
	free(m);
	pgstore_close(ps);
	return 0;
}
