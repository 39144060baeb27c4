/*
 * test_jsonpath.c - numbers out of MQTT payloads: dotted paths through
 * objects and arrays, bare numbers, and every kind of bad payload (none of
 * which may give a value).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jsonpath.h"

static int
number(const char *payload, const char *path, double *v, char *err, size_t len)
{
	cJSON *root = jsonpath_parse(payload, strlen(payload), err, len);
	int rc;

	if (root == NULL)
		return -1;
	rc = jsonpath_number(root, path, v, err, len);
	cJSON_Delete(root);
	return rc;
}

static void
test_paths(void **state)
{
	char err[160];
	double v = 0;

	(void)state;
	assert_int_equal(number("{\"sensors\":{\"temp\":91.5}}", "sensors.temp", &v, err, sizeof(err)), 0);
	assert_true(v == 91.5);
	assert_int_equal(number("{\"doors\":[0,1,0]}", "doors.1", &v, err, sizeof(err)), 0);
	assert_true(v == 1);
	assert_int_equal(number("{\"a\":[{\"b\":[7,8]}]}", "a.0.b.1", &v, err, sizeof(err)), 0);
	assert_true(v == 8);
	assert_int_equal(number("{\"estop\":true}", "estop", &v, err, sizeof(err)), 0);
	assert_true(v == 1);
	assert_int_equal(number("{\"名称\":{\"温度\":-3}}", "名称.温度", &v, err, sizeof(err)), 0);
	assert_true(v == -3);
}

static void
test_bad_paths(void **state)
{
	char err[160];
	double v = 42;

	(void)state;
	assert_int_equal(number("{\"sensors\":{}}", "sensors.temp", &v, err, sizeof(err)), -1);
	assert_string_equal(err, "no 'sensors.temp' (at 'temp')");
	assert_int_equal(number("{\"doors\":[0]}", "doors.1", &v, err, sizeof(err)), -1);
	assert_int_equal(number("{\"doors\":[0]}", "doors.x", &v, err, sizeof(err)), -1);
	assert_int_equal(number("{\"t\":\"hot\"}", "t", &v, err, sizeof(err)), -1);
	assert_string_equal(err, "'t' is not a number");
	assert_int_equal(number("{\"t\":null}", "t", &v, err, sizeof(err)), -1);
	assert_int_equal(number("{\"t\":5}", "t.x", &v, err, sizeof(err)), -1);
	assert_int_equal(number("{\"t\":5}", "t..x", &v, err, sizeof(err)), -1);
	assert_true(v == 42);   /* never touched by a failure */
}

static void
test_bad_payloads(void **state)
{
	char err[160], *big, *deep;
	cJSON *root;

	(void)state;
	assert_null(jsonpath_parse("not json", 8, err, sizeof(err)));
	assert_non_null(strstr(err, "not JSON"));
	assert_null(jsonpath_parse("", 0, err, sizeof(err)));
	assert_string_equal(err, "empty payload");
	/* invalid UTF-8 inside otherwise valid JSON: rejected, with where */
	assert_null(jsonpath_parse("{\"t\":1,\"n\":\"\xff\"}", 14, err, sizeof(err)));
	assert_string_equal(err, "not UTF-8 (byte 12)");
	assert_null(jsonpath_parse("{\"n\":\"\xc0\xaf\"}", 10, err, sizeof(err)));   /* overlong */
	assert_null(jsonpath_parse("{\"n\":\"\xed\xa0\x80\"}", 11, err, sizeof(err)));   /* surrogate */
	assert_null(jsonpath_parse("{\"n\":\"\xe4\xb8\"}", 10, err, sizeof(err)));   /* cut short */
	root = jsonpath_parse("{\"n\":\"\xe4\xb8\xad\xf0\x9f\x98\x80\"}", 15, err, sizeof(err));
	assert_non_null(root);   /* 中 and an emoji are fine */
	cJSON_Delete(root);
	/* over the size limit */
	big = malloc(JSONPATH_MAX_PAYLOAD + 2);
	assert_non_null(big);
	memset(big, ' ', JSONPATH_MAX_PAYLOAD + 1);
	big[0] = '1';
	assert_null(jsonpath_parse(big, JSONPATH_MAX_PAYLOAD + 1, err, sizeof(err)));
	assert_non_null(strstr(err, "over the limit"));
	free(big);
	/* nesting far deeper than cJSON allows */
	deep = malloc(20001);
	assert_non_null(deep);
	memset(deep, '[', 10000);
	memset(deep + 10000, ']', 10000);
	assert_null(jsonpath_parse(deep, 20000, err, sizeof(err)));
	free(deep);
}

static void
test_bare(void **state)
{
	char err[160];
	double v = 0;

	(void)state;
	assert_int_equal(jsonpath_bare(" 25.5\n", 6, &v, err, sizeof(err)), 0);
	assert_true(v == 25.5);
	assert_int_equal(jsonpath_bare("-1e3", 4, &v, err, sizeof(err)), 0);
	assert_true(v == -1000);
	assert_int_equal(jsonpath_bare("NaN", 3, &v, err, sizeof(err)), -1);
	assert_int_equal(jsonpath_bare("inf", 3, &v, err, sizeof(err)), -1);
	assert_int_equal(jsonpath_bare("0x10", 4, &v, err, sizeof(err)), -1);
	assert_int_equal(jsonpath_bare("12 13", 5, &v, err, sizeof(err)), -1);
	assert_int_equal(jsonpath_bare("", 0, &v, err, sizeof(err)), -1);
	assert_int_equal(jsonpath_bare("1e999", 5, &v, err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_bad_paths),
		cmocka_unit_test(test_bad_payloads),
		cmocka_unit_test(test_bare),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
