/*
 * test_record.c - what tbm-collect takes from the wire, without trusting it
 * (tools/tbm-collect/record.c), the chain link check both verify and the
 * collector use (lib/replay.c), and collect.conf's errors as FILE:LINE.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "collect.h"
#include "replay.h"

/* A record as tbmond publishes it, its hash right unless told. */
static char *
event(const char *site, long long seq, const char *prev, const char *detail, int bad_hash)
{
	char h[AUDIT_HASH_LEN + 1], *out;
	cJSON *o = cJSON_CreateObject(), *a = cJSON_AddObjectToObject(o, "audit");

	assert_int_equal(audit_hash(seq, 1700000000000LL, 3, "ack", "张三", detail, prev, h), 0);
	if (bad_hash)
		h[0] = h[0] == 'a' ? 'b' : 'a';
	cJSON_AddStringToObject(o, "site", site);
	cJSON_AddStringToObject(a, "site", site);
	cJSON_AddNumberToObject(a, "seq", (double)seq);
	cJSON_AddNumberToObject(a, "at_ms", 1700000000000.0);
	cJSON_AddNumberToObject(a, "fault_id", 3);
	cJSON_AddStringToObject(a, "action", "ack");
	cJSON_AddStringToObject(a, "actor", "张三");
	cJSON_AddStringToObject(a, "detail", detail);
	cJSON_AddStringToObject(a, "prev_hash", prev);
	cJSON_AddStringToObject(a, "hash", h);
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return out;
}

static void
parse_good(void **state)
{
	char *p = event("pudong", 7, AUDIT_GENESIS, "{\"acked_by\":\"张三\"}", 0), err[160];
	struct in_record r;

	(void)state;
	assert_int_equal(record_parse(p, strlen(p), &r, err, sizeof(err)), 0);
	assert_string_equal(r.site, "pudong");
	assert_int_equal(r.r.seq, 7);
	assert_int_equal(r.r.at, 1700000000000LL);
	assert_int_equal(r.r.fault_id, 3);
	assert_string_equal(r.r.detail, "{\"acked_by\":\"张三\"}");
	assert_int_equal(replay_link(&r.r, AUDIT_GENESIS), REPLAY_OK);
	/* the chain check: a different predecessor, a hash that does not match */
	assert_int_equal(replay_link(&r.r, "1111111111111111111111111111111111111111111111111111111111111111"),
	    REPLAY_BAD_PREV);
	r.r.detail[2] = 'X';
	assert_int_equal(replay_link(&r.r, NULL), REPLAY_BAD_HASH);
	record_clear(&r);
	cJSON_free(p);
	p = event("pudong", 7, AUDIT_GENESIS, "{}", 1);
	assert_int_equal(record_parse(p, strlen(p), &r, err, sizeof(err)), 0);
	assert_int_equal(replay_link(&r.r, NULL), REPLAY_BAD_HASH);
	record_clear(&r);
	cJSON_free(p);
}

static void
parse_bad(void **state)
{
	static const struct {
		const char *json, *why;
	} cases[] = {
		{ "not json", "not JSON" },
		{ "{\"site\":\"a\",\"seq\":1}", "no \"audit\" object" },
		{ "{\"audit\":{\"site\":\"A B\"}}", "audit.site" },
		{ "{\"audit\":{\"site\":\"a\",\"seq\":0}}", "audit.seq" },
		{ "{\"audit\":{\"site\":\"a\",\"seq\":1.5}}", "audit.seq" },
		{ "{\"audit\":{\"site\":\"a\",\"seq\":1,\"at_ms\":\"x\"}}", "audit.at_ms" },
		{ "{\"audit\":{\"site\":\"a\",\"seq\":1,\"at_ms\":1,\"fault_id\":-2}}", "audit.fault_id" },
		{ "{\"audit\":{\"site\":\"a\",\"seq\":1,\"at_ms\":1,\"fault_id\":null,\"action\":\"x\","
		  "\"actor\":\"y\"}}", "audit.detail" },
		{ "{\"audit\":{\"site\":\"a\",\"seq\":1,\"at_ms\":1,\"fault_id\":null,\"action\":\"x\","
		  "\"actor\":\"y\",\"detail\":\"{}\",\"prev_hash\":\"00\",\"hash\":\"00\"}}", "prev_hash" },
	};
	struct in_record r;
	char err[160];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(record_parse(cases[i].json, strlen(cases[i].json), &r, err, sizeof(err)), -1);
		if (strstr(err, cases[i].why) == NULL)
			fail_msg("case %zu: '%s' does not say '%s'", i, err, cases[i].why);
	}
}

/* \u escapes: decoded (and then checked as UTF-8), a lone surrogate refused */
static void
parse_escapes(void **state)
{
	char h[AUDIT_HASH_LEN + 1], *good, err[160] = "";
	const char *lone = "{\"audit\":{\"site\":\"a\",\"seq\":1,\"at_ms\":1,\"fault_id\":null,"
	    "\"action\":\"x\",\"actor\":\"\\ud800\",\"detail\":\"{}\",\"prev_hash\":\"00\",\"hash\":\"00\"}}";
	struct in_record r;

	(void)state;
	assert_int_equal(audit_hash(1, 1, 0, "ack", "张三", "{\"note\":\"a\\\\u\"}", AUDIT_GENESIS, h), 0);
	assert_true(asprintf(&good, "{\"audit\":{\"site\":\"a\",\"seq\":1,\"at_ms\":1,\"fault_id\":null,"
	    "\"action\":\"ack\",\"actor\":\"\\u5f20\\u4e09\",\"detail\":\"{\\\"note\\\":\\\"a\\\\\\\\u\\\"}\","
	    "\"prev_hash\":\"%s\",\"hash\":\"%s\"}}", AUDIT_GENESIS, h) > 0);
	assert_int_equal(record_parse(good, strlen(good), &r, err, sizeof(err)), 0);
	assert_string_equal(r.r.actor, "张三");
	assert_string_equal(r.r.detail, "{\"note\":\"a\\\\u\"}");
	assert_int_equal(replay_link(&r.r, AUDIT_GENESIS), REPLAY_OK);
	record_clear(&r);
	free(good);
	assert_int_equal(record_parse(lone, strlen(lone), &r, err, sizeof(err)), -1);
}

static void
topic_site(void **state)
{
	char s[COLLECT_SITE_MAX];

	(void)state;
	assert_int_equal(record_topic_site("tbmon/pudong/events", s, sizeof(s)), 0);
	assert_string_equal(s, "pudong");
	assert_int_equal(record_topic_site("tbmon/Pu dong/events", s, sizeof(s)), -1);
	assert_int_equal(record_topic_site("other/pudong/events", s, sizeof(s)), -1);
	assert_int_equal(record_topic_site("tbmon/pudong", s, sizeof(s)), -1);
}

static void
config_message(void **state)
{
	const char *good = "{\"site\":\"pudong\",\"name\":\"浦东\",\"timezone\":\"Asia/Shanghai\","
	    "\"devices\":[{\"id\":\"cnc-01\",\"name\":\"数控车床\",\"lab\":\"数控\",\"protocol\":\"modbus-tcp\","
	    "\"assessment\":true,\"in_config\":true,\"points\":[{\"name\":\"alarm\",\"kind\":\"fault\","
	    "\"label\":\"报警\",\"in_config\":true}]}],"
	    "\"runs\":[{\"id\":1,\"started_at\":10,\"alive_at\":20,\"stopped_at\":null}]}";
	const char *bad;
	struct pg_config c;
	cJSON *json;
	char err[160];

	(void)state;
	assert_int_equal(record_config(good, strlen(good), &c, &json, err, sizeof(err)), 0);
	assert_string_equal(c.site, "pudong");
	assert_int_equal(c.ndevices, 1);
	assert_int_equal(c.devices[0].assessment, 1);
	assert_int_equal(c.npoints, 1);
	assert_string_equal(c.points[0].device, "cnc-01");
	assert_int_equal(c.nruns, 1);
	assert_int_equal(c.runs[0].stopped_at, 0);
	record_config_free(&c);
	cJSON_Delete(json);
	bad = "{\"site\":\"x\",\"devices\":{}}";
	assert_int_equal(record_config(bad, strlen(bad), &c, &json, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a list"));
	bad = "{\"site\":\"x\",\"devices\":[],\"runs\":[{\"id\":\"1\"}]}";
	assert_int_equal(record_config(bad, strlen(bad), &c, &json, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "runs[0]"));
}

static void
conf_errors(void **state)
{
	char path[] = "/tmp/collect-conf-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct collect_conf c;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len), *saved = stderr;

	(void)state;
	fprintf(f, "[collect]\nmqtt = http://x\nshare = a/b\nbatch = 0\ngap_wait = soon\ncolour = red\n"
	    "[other]\nx = 1\n");
	fclose(f);
	stderr = mem;
	assert_int_equal(collect_conf_load(path, &c), -1);
	stderr = saved;
	fclose(mem);
	collect_conf_free(&c);
	{
		char want[5][128];
		snprintf(want[0], sizeof(want[0]), "%s:2: mqtt: 'http://x' is not", path);
		snprintf(want[1], sizeof(want[1]), "%s:3: share: 'a/b' may not contain", path);
		snprintf(want[2], sizeof(want[2]), "%s:4: batch: '0' is not a number", path);
		snprintf(want[3], sizeof(want[3]), "%s:5: gap_wait: 'soon' is not a duration", path);
		snprintf(want[4], sizeof(want[4]), "%s:6: unknown key 'colour' in [collect]", path);
		for (int i = 0; i < 5; i++)
			if (strstr(buf, want[i]) == NULL)
				fail_msg("missing '%s' in:\n%s", want[i], buf);
		if (strstr(buf, ":7: unknown section [other]") == NULL)
			fail_msg("unknown section not reported:\n%s", buf);
	}
	free(buf);
	/* the defaults of the key table */
	f = fopen(path, "w");
	fprintf(f, "[collect]\ndatabase = postgresql:///x\n");
	fclose(f);
	assert_int_equal(collect_conf_load(path, &c), 0);
	assert_string_equal(c.topic, "tbmon/+/events");
	assert_int_equal(c.batch, 5000);
	assert_int_equal(c.gap_wait_ms, 2000);
	assert_null(c.share);
	collect_conf_free(&c);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_good),
		cmocka_unit_test(parse_bad),
		cmocka_unit_test(parse_escapes),
		cmocka_unit_test(topic_site),
		cmocka_unit_test(config_message),
		cmocka_unit_test(conf_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
