/*
 * test_time.c - duration strings, the site's time zone, ISO 8601 and local
 * formats, and local calendar boundaries (periods) in Asia/Shanghai.
 * Expected instants were computed independently (UTC epoch milliseconds).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tbmtime.h"

/* 2023-12-31T15:30:00Z = 2023-12-31 23:30 in Shanghai */
#define T_2330 INT64_C(1704036600000)

static int
zone_shanghai(void **state)
{
	(void)state;
	return time_set_zone("Asia/Shanghai");
}

static int
zone_utc(void **state)
{
	(void)state;
	return time_set_zone("UTC");
}

static void
dur_ok(const char *s, int64_t want)
{
	int64_t ms = -777;

	if (time_parse_duration(s, &ms) != 0)
		print_message("rejected: '%s'\n", s);
	assert_int_equal(time_parse_duration(s, &ms), 0);
	assert_int_equal(ms, want);
}

static void
dur_bad(const char *s)
{
	int64_t ms = -777;

	if (time_parse_duration(s, &ms) == 0)
		print_message("accepted: '%s' as %lld\n", s, (long long)ms);
	assert_int_equal(time_parse_duration(s, &ms), -1);
	assert_int_equal(ms, -777);   /* untouched on error */
}

static void
test_duration_parse(void **state)
{
	(void)state;
	dur_ok("250ms", 250);
	dur_ok("5s", 5000);
	dur_ok("2m", 120000);
	dur_ok("1h", 3600000);
	dur_ok("1d", 86400000);
	dur_ok("1.5", 1500);          /* bare number: seconds */
	dur_ok("0", 0);
	dur_ok("0ms", 0);
	dur_ok("30", 30000);
	dur_ok(".5s", 500);
	dur_ok("1.5m", 90000);
	dur_ok("0.25h", 900000);
	dur_ok("1.0006s", 1001);      /* rounded to the millisecond */
	dur_ok(" 5s ", 5000);

	dur_bad("-1");
	dur_bad("-1s");
	dur_bad("5x");
	dur_bad("");
	dur_bad(" ");
	dur_bad("ms");
	dur_bad("s");
	dur_bad(".");
	dur_bad("5 s");
	dur_bad("5sec");
	dur_bad("5mss");
	dur_bad("1h30m");
	dur_bad("inf");
	dur_bad("nan");
	dur_bad("+5s");
	dur_bad("0x10");              /* not hexadecimal */
	dur_bad("1e3");               /* nor an exponent */
	dur_bad("99999999999999999999d");
}

static void
dur_fmt(int64_t ms, const char *want)
{
	char buf[32];

	time_format_duration(ms, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void
test_duration_format(void **state)
{
	(void)state;
	dur_fmt(0, "0s");
	dur_fmt(250, "250ms");
	dur_fmt(1500, "1.5s");
	dur_fmt(5000, "5s");
	dur_fmt(90000, "90s");
	dur_fmt(120000, "2m");
	dur_fmt(3 * 3600000, "3h");
	dur_fmt(86400000, "24h");
}

static void
test_duration_round_trip(void **state)
{
	static const int64_t vals[] = { 10, 250, 999, 1000, 1500, 60000, 90000, 3600000, 86400000 };
	char buf[32];
	int64_t ms;

	(void)state;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		time_format_duration(vals[i], buf, sizeof(buf));
		assert_int_equal(time_parse_duration(buf, &ms), 0);
		assert_int_equal(ms, vals[i]);
	}
}

static void
test_zone(void **state)
{
	(void)state;
	assert_true(time_zone_valid("Asia/Shanghai"));
	assert_true(time_zone_valid("UTC"));
	assert_false(time_zone_valid("Mars/Olympus"));
	assert_false(time_zone_valid("Asia"));            /* a directory */
	assert_false(time_zone_valid(""));
	assert_false(time_zone_valid(NULL));
	assert_false(time_zone_valid("/etc/localtime"));
	assert_false(time_zone_valid("../zoneinfo/UTC"));
	assert_int_equal(time_set_zone("Mars/Olympus"), -1);
	assert_int_equal(time_set_zone("Asia"), -1);
	assert_int_equal(time_set_zone("Asia/Shanghai"), 0);
	assert_string_equal(getenv("TZ"), "Asia/Shanghai");
	/* NULL and "" keep the zone in force */
	assert_int_equal(time_set_zone(NULL), 0);
	assert_int_equal(time_set_zone(""), 0);
	assert_string_equal(getenv("TZ"), "Asia/Shanghai");
}

static void
parse_ok(const char *s, int64_t want)
{
	int64_t ms = -777;

	if (time_parse(s, &ms) != 0)
		print_message("rejected: '%s'\n", s);
	assert_int_equal(time_parse(s, &ms), 0);
	if (ms != want)
		print_message("'%s': got %lld want %lld\n", s, (long long)ms, (long long)want);
	assert_int_equal(ms, want);
}

static void
parse_bad(const char *s)
{
	int64_t ms = -777;

	if (time_parse(s, &ms) == 0)
		print_message("accepted: '%s' as %lld\n", s, (long long)ms);
	assert_int_equal(time_parse(s, &ms), -1);
	assert_int_equal(ms, -777);
}

static void
test_parse_formats(void **state)
{
	(void)state;
	/* without an offset: the site's zone (UTC+8) */
	parse_ok("2023-12-31", INT64_C(1703952000000));            /* 2023-12-30T16:00Z */
	parse_ok("2023-12-31 23:30", T_2330);
	parse_ok("2023-12-31T23:30", T_2330);
	parse_ok("2023-12-31 23:30:05", T_2330 + 5000);
	parse_ok("2023-12-31T23:30:05.123", T_2330 + 5123);
	parse_ok("2023-12-31T23:30:05.5", T_2330 + 5500);
	parse_ok("2023-12-31T23:30:05.123456", T_2330 + 5123);     /* truncated to ms */
	/* with an offset or Z: as given, whatever the zone */
	parse_ok("2023-12-31T15:30:00Z", T_2330);
	parse_ok("2023-12-31T23:30:05Z", INT64_C(1704065405000));
	parse_ok("2023-12-31T23:30:05.123Z", INT64_C(1704065405123));
	parse_ok("2023-12-31T23:30:00+08:00", T_2330);
	parse_ok("2023-12-31T23:30:05-05:30", INT64_C(1704085205000));
	parse_ok("2024-01-01T05:00:05+00:00", INT64_C(1704085205000));
	parse_ok("2023-12-31T15:30Z", T_2330);
	parse_ok("1970-01-01T00:00:00Z", 0);
	parse_ok("2024-02-29", INT64_C(1709136000000));            /* leap day */
}

static void
test_parse_bad(void **state)
{
	(void)state;
	parse_bad("");
	parse_bad("2023");
	parse_bad("2023-12");
	parse_bad("2023-1-01");
	parse_bad("2023-13-01");
	parse_bad("2023-00-10");
	parse_bad("2023-02-29");        /* not a leap year */
	parse_bad("2024-02-30");
	parse_bad("2023-04-31");
	parse_bad("2023-12-00");
	parse_bad("1969-12-31");
	parse_bad("2023-12-31X");
	parse_bad("2023-12-31T");
	parse_bad("2023-12-31 23");
	parse_bad("2023-12-31T24:00");
	parse_bad("2023-12-31T23:60");
	parse_bad("2023-12-31T23:30:5");
	parse_bad("2023-12-31T23:30:61");
	parse_bad("2023-12-31T23:30:05.");
	parse_bad("2023-12-31T23:30:05.Z");
	parse_bad("2023-12-31T23:30:05+8");
	parse_bad("2023-12-31T23:30:05+0800");
	parse_bad("2023-12-31T23:30:05+15:00");
	parse_bad("2023-12-31T23:30:05+08:00x");
	parse_bad("2023-12-31T23:30:05Zx");
	parse_bad("2023-12-31 23:30 ");
	parse_bad("2023-12-31T 3:30");
	parse_bad("2023-12-31T+3:30");
	parse_bad(" 2023-12-31");
	parse_bad("31/12/2023");
}

static void
test_format_iso(void **state)
{
	char buf[64];
	int64_t ms;

	(void)state;
	time_format_iso(T_2330, buf, sizeof(buf));
	assert_string_equal(buf, "2023-12-31T23:30:00+08:00");
	assert_int_equal(time_parse(buf, &ms), 0);
	assert_int_equal(ms, T_2330);

	time_format_iso(T_2330 + 5123, buf, sizeof(buf));
	assert_string_equal(buf, "2023-12-31T23:30:05.123+08:00");
	assert_int_equal(time_parse(buf, &ms), 0);
	assert_int_equal(ms, T_2330 + 5123);

	time_format_iso(T_2330 + 7, buf, sizeof(buf));
	assert_string_equal(buf, "2023-12-31T23:30:00.007+08:00");

	/* before the epoch a fraction still counts forward */
	time_format_iso(-1, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T07:59:59.999+08:00");

	/* round trip over a range of instants, whole and fractional */
	for (int64_t t = T_2330 - INT64_C(86400000) * 400; t < T_2330 + INT64_C(86400000) * 400;
	     t += INT64_C(86400000) * 7 + 3601001) {
		time_format_iso(t, buf, sizeof(buf));
		assert_int_equal(time_parse(buf, &ms), 0);
		assert_int_equal(ms, t);
	}
}

static void
test_format_local(void **state)
{
	char buf[64];
	int64_t ms;

	(void)state;
	time_format_local(T_2330 + 5999, buf, sizeof(buf));
	assert_string_equal(buf, "2023-12-31 23:30:05");
	assert_int_equal(time_parse(buf, &ms), 0);
	assert_int_equal(ms, T_2330 + 5000);
}

static void
test_period_edges(void **state)
{
	int64_t y2023 = time_local_mktime(2023, 1, 1, 0, 0, 0);
	int64_t y2024 = time_local_mktime(2024, 1, 1, 0, 0, 0);
	int y, m, d;

	(void)state;
	/* the year 2023 in Shanghai is [2022-12-31T16:00Z, 2023-12-31T16:00Z) */
	assert_int_equal(y2023, INT64_C(1672502400000));
	assert_int_equal(y2024, INT64_C(1704038400000));
	assert_int_equal(time_local_mktime(2023, 12, 31, 23, 30, 0), T_2330);
	/* 2023-12-31 23:30 in Shanghai (15:30Z) is the last half hour of 2023 there */
	assert_true(T_2330 >= y2023 && T_2330 < y2024);
	time_local_fields(T_2330, &y, &m, &d);
	assert_int_equal(y, 2023);
	assert_int_equal(m, 12);
	assert_int_equal(d, 31);
	/* ... and 16:00Z the same day is already 2024-01-01 there */
	time_local_fields(y2024, &y, &m, &d);
	assert_int_equal(y, 2024);
	assert_int_equal(m, 1);
	assert_int_equal(d, 1);
	time_local_fields(y2024 - 1, &y, &m, &d);
	assert_int_equal(y, 2023);
	assert_int_equal(m, 12);
	assert_int_equal(d, 31);
	/* month starts; month 13 normalises into the next year */
	assert_int_equal(time_local_mktime(2023, 13, 1, 0, 0, 0), y2024);
	assert_int_equal(time_local_mktime(2024, 3, 1, 0, 0, 0) - time_local_mktime(2024, 2, 1, 0, 0, 0),
	    INT64_C(29) * 86400000);
}

static void
test_period_edges_utc(void **state)
{
	char buf[64];
	int y, m, d;

	(void)state;
	/* the same instant in another site's zone falls on another local day */
	assert_int_equal(time_local_mktime(2024, 1, 1, 0, 0, 0), INT64_C(1704067200000));
	time_local_fields(T_2330, &y, &m, &d);
	assert_int_equal(d, 31);
	time_format_iso(T_2330, buf, sizeof(buf));
	assert_string_equal(buf, "2023-12-31T15:30:00+00:00");
	/* without an offset, now UTC */
	{
		int64_t ms;
		assert_int_equal(time_parse("2023-12-31 23:30", &ms), 0);
		assert_int_equal(ms, T_2330 + 8 * 3600000);
	}
}

static void
test_dst_zone(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(time_set_zone("Europe/Berlin"), 0);
	/* 2023-03-26 01:00Z: 02:00 CET becomes 03:00 CEST */
	time_format_iso(INT64_C(1679792399000), buf, sizeof(buf));
	assert_string_equal(buf, "2023-03-26T01:59:59+01:00");
	time_format_iso(INT64_C(1679792400000), buf, sizeof(buf));
	assert_string_equal(buf, "2023-03-26T03:00:00+02:00");
	assert_int_equal(time_local_mktime(2023, 3, 26, 12, 0, 0), INT64_C(1679824800000));
	time_format_iso(-INT64_C(3600000) * 5 * 24, buf, sizeof(buf));
	assert_string_equal(buf, "1969-12-27T01:00:00+01:00");
	assert_int_equal(time_set_zone("America/New_York"), 0);
	time_format_iso(T_2330, buf, sizeof(buf));
	assert_string_equal(buf, "2023-12-31T10:30:00-05:00");
}

/* What people type: today, yesterday, 14:20, a month. */
static void
test_parse_near(void **state)
{
	int64_t now, ms, from, to, want;

	(void)state;
	assert_int_equal(time_parse("2024-03-01 09:15:30", &now), 0);
	assert_int_equal(time_parse_near("today", now, &ms), 0);
	assert_int_equal(time_parse("2024-03-01", &want), 0);
	assert_int_equal(ms, want);
	assert_int_equal(time_parse_near("今天", now, &ms), 0);
	assert_int_equal(ms, want);
	/* across a month's end in a leap year */
	assert_int_equal(time_parse_near("yesterday", now, &ms), 0);
	assert_int_equal(time_parse("2024-02-29", &want), 0);
	assert_int_equal(ms, want);
	assert_int_equal(time_parse_near("14:20", now, &ms), 0);
	assert_int_equal(time_parse("2024-03-01 14:20", &want), 0);
	assert_int_equal(ms, want);
	assert_int_equal(time_parse_near("00:00", now, &ms), 0);
	assert_int_equal(time_parse_near("2023-12-31 23:30", now, &ms), 0);
	assert_int_equal(ms, T_2330);
	assert_int_equal(time_parse_near("24:00", now, &ms), -1);
	assert_int_equal(time_parse_near("9:30", now, &ms), -1);
	assert_int_equal(time_parse_near("14:20:", now, &ms), -1);
	assert_int_equal(time_parse_near("tomorrow", now, &ms), -1);
	/* a month: its first local midnight to the next month's */
	assert_int_equal(time_parse_month("2023-12", &from, &to), 0);
	assert_int_equal(time_parse("2023-12-01", &want), 0);
	assert_int_equal(from, want);
	assert_int_equal(time_parse("2024-01-01", &want), 0);
	assert_int_equal(to, want);
	assert_int_equal(time_parse_month("2024-02", &from, &to), 0);
	assert_int_equal(to - from, 29 * 86400000LL);
	assert_int_equal(time_parse_month("2023-13", &from, &to), -1);
	assert_int_equal(time_parse_month("2023-1", &from, &to), -1);
	assert_int_equal(time_parse_month("2023-11-01", &from, &to), -1);
}

static void
test_clocks(void **state)
{
	int64_t a, b;

	(void)state;
	assert_true(time_now_ms() > INT64_C(1600000000000));   /* after 2020 */
	a = time_mono_ms();
	b = time_mono_ms();
	assert_true(b >= a);
}

int
main(void)
{
	const struct CMUnitTest durations[] = {
		cmocka_unit_test(test_duration_parse),
		cmocka_unit_test(test_duration_format),
		cmocka_unit_test(test_duration_round_trip),
		cmocka_unit_test(test_clocks),
	};
	const struct CMUnitTest shanghai[] = {
		cmocka_unit_test_setup(test_zone, zone_shanghai),
		cmocka_unit_test_setup(test_parse_formats, zone_shanghai),
		cmocka_unit_test_setup(test_parse_bad, zone_shanghai),
		cmocka_unit_test_setup(test_format_iso, zone_shanghai),
		cmocka_unit_test_setup(test_format_local, zone_shanghai),
		cmocka_unit_test_setup(test_period_edges, zone_shanghai),
		cmocka_unit_test_setup(test_parse_near, zone_shanghai),
	};
	const struct CMUnitTest other[] = {
		cmocka_unit_test_setup(test_period_edges_utc, zone_utc),
		cmocka_unit_test_setup_teardown(test_dst_zone, zone_utc, zone_shanghai),
	};
	int fails = 0;

	fails += cmocka_run_group_tests_name("durations", durations, NULL, NULL);
	fails += cmocka_run_group_tests_name("time in Asia/Shanghai", shanghai, zone_shanghai, NULL);
	fails += cmocka_run_group_tests_name("time in other zones", other, zone_utc, NULL);
	return fails != 0;
}
