/*
 * test_parse.c - tbm-web's network parsing (forms, query strings, cookies,
 * path ids, periods) and its sessions, CSRF tokens, form ids and login
 * throttle (cmocka).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parse.h"
#include "session.h"
#include "tbmtime.h"

static int
parse(const char *s, struct web_form *f, char *err)
{
	return web_form_parse(s, strlen(s), f, err, 160);
}

static void
form_basic(void **state)
{
	struct web_form f;
	char err[160];

	(void)state;
	assert_int_equal(parse("do=ack&note=%E5%88%B0%E7%8E%B0%E5%9C%BA+ok&csrf=ab", &f, err), 0);
	assert_int_equal(f.n, 3);
	assert_string_equal(web_form_get(&f, "do"), "ack");
	assert_string_equal(web_form_get(&f, "note"), "到现场 ok");
	assert_string_equal(web_form_get(&f, "csrf"), "ab");
	assert_null(web_form_get(&f, "missing"));
	web_form_free(&f);
	/* empty pieces, a name without '=', an empty body */
	assert_int_equal(parse("&&a&b=&", &f, err), 0);
	assert_int_equal(f.n, 2);
	assert_string_equal(web_form_get(&f, "a"), "");
	assert_string_equal(web_form_get(&f, "b"), "");
	web_form_free(&f);
	assert_int_equal(parse("", &f, err), 0);
	assert_int_equal(f.n, 0);
	web_form_free(&f);
	/* a literal '+' is %2B, '&' is %26 */
	assert_int_equal(parse("x=1%2B1%262", &f, err), 0);
	assert_string_equal(web_form_get(&f, "x"), "1+1&2");
	web_form_free(&f);
	/* newlines in a note stay */
	assert_int_equal(parse("note=a%0D%0Ab", &f, err), 0);
	assert_string_equal(web_form_get(&f, "note"), "a\r\nb");
	web_form_free(&f);
}

static void
form_refused(void **state)
{
	static const char *bad[] = {
		"a=%", "a=%4", "a=%zz", "a=1&a=2", "b%20c=1", "=1", "a=%00", "a=%07",
		"a=%C3%28", "a=%ED%A0%80", "a=%C0%AF", "a=%F4%90%80%80", "%61%3D=1",
		"n<script>=1", "a%00b=1",
	};
	struct web_form f;
	char err[160];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(parse(bad[i], &f, err), -1);
		assert_true(err[0] != '\0');
		assert_int_equal(f.n, 0);
		assert_null(f.buf);
	}
}

static void
form_limits(void **state)
{
	struct web_form f;
	char err[160];
	char *big = malloc(WEB_FORM_MAX + 10), many[WEB_FIELDS_MAX * 8 + 16];
	size_t o = 0;

	(void)state;
	memset(big, 'a', WEB_FORM_MAX + 9);
	big[0] = 'x', big[1] = '=';
	big[WEB_FORM_MAX + 9] = '\0';
	assert_int_equal(web_form_parse(big, WEB_FORM_MAX + 1, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too large"));
	/* exactly the limit is fine */
	assert_int_equal(web_form_parse(big, WEB_FORM_MAX, &f, err, sizeof(err)), 0);
	assert_int_equal(strlen(web_form_get(&f, "x")), WEB_FORM_MAX - 2);
	web_form_free(&f);
	free(big);
	for (int i = 0; i <= WEB_FIELDS_MAX; i++)
		o += (size_t)snprintf(many + o, sizeof(many) - o, "f%d=1&", i);
	assert_int_equal(web_form_parse(many, o, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too many"));
}

static void
cookies(void **state)
{
	char v[64];

	(void)state;
	assert_int_equal(web_cookie_get("a=1; tbm_session=abc; b=2", "tbm_session", v, sizeof(v)), 1);
	assert_string_equal(v, "abc");
	assert_int_equal(web_cookie_get("tbm_session=\"q\"", "tbm_session", v, sizeof(v)), 1);
	assert_string_equal(v, "q");
	assert_int_equal(web_cookie_get("xtbm_session=1; tbm_sessionx=2", "tbm_session", v, sizeof(v)), 0);
	assert_int_equal(web_cookie_get(NULL, "a", v, sizeof(v)), 0);
	assert_int_equal(web_cookie_get("a=", "a", v, sizeof(v)), 1);
	assert_string_equal(v, "");
	/* too long for the caller's buffer, bad octets */
	assert_int_equal(web_cookie_get("a=0123456789", "a", v, 5), -1);
	assert_int_equal(web_cookie_get("a=x\\y", "a", v, sizeof(v)), -1);
	assert_int_equal(web_cookie_get("a=x y", "a", v, sizeof(v)), -1);
	/* the first of two wins */
	assert_int_equal(web_cookie_get("a=1;a=2", "a", v, sizeof(v)), 1);
	assert_string_equal(v, "1");
}

static void
paths(void **state)
{
	int64_t id;
	char name[64];

	(void)state;
	assert_int_equal(web_path_id("/faults/12", "/faults/", &id), 0);
	assert_int_equal(id, 12);
	assert_int_equal(web_path_id("/faults/012", "/faults/", &id), -1);
	assert_int_equal(web_path_id("/faults/-1", "/faults/", &id), -1);
	assert_int_equal(web_path_id("/faults/", "/faults/", &id), -1);
	assert_int_equal(web_path_id("/faults/12/x", "/faults/", &id), -1);
	assert_int_equal(web_path_id("/faults/99999999999999999999", "/faults/", &id), -1);
	assert_int_equal(web_path_id("/devices/12", "/faults/", &id), -1);
	assert_int_equal(web_path_name("/devices/cnc-01", "/devices/", name, sizeof(name)), 0);
	assert_string_equal(name, "cnc-01");
	assert_int_equal(web_path_name("/devices/a%2Fb", "/devices/", name, sizeof(name)), -1);
	assert_int_equal(web_path_name("/devices/a/b", "/devices/", name, sizeof(name)), -1);
	assert_int_equal(web_path_name("/devices/", "/devices/", name, sizeof(name)), -1);
	assert_int_equal(web_path_name("/devices/..", "/devices/", name, sizeof(name)), -1);
	/* found by fuzz_web: a NUL inside made an empty name */
	assert_int_equal(web_path_name("/devices/%001S0-2", "/devices/", name, sizeof(name)), -1);
	assert_int_equal(web_path_name("/devices/a%00", "/devices/", name, sizeof(name)), -1);
}

static void
printable(void **state)
{
	char out[16];

	(void)state;
	assert_string_equal(web_printable("/faults/1\nFAKE", out, sizeof(out)), "/faults/1?FAKE");
	assert_string_equal(web_printable("a\x7f\x01" "b", out, sizeof(out)), "a??b");
	assert_string_equal(web_printable("0123456789abcdefXYZ", out, sizeof(out)), "0123456789abcde");
	assert_string_equal(web_printable(NULL, out, sizeof(out)), "");
}

static void
periods(void **state)
{
	int64_t from, to, now;

	(void)state;
	assert_int_equal(time_set_zone("Asia/Shanghai"), 0);
	assert_int_equal(time_parse("2023-06-15 12:00", &now), 0);
	assert_int_equal(period_parse("2023", now, &from, &to), 0);
	assert_int_equal(from, time_local_mktime(2023, 1, 1, 0, 0, 0));
	assert_int_equal(to, time_local_mktime(2024, 1, 1, 0, 0, 0));
	assert_int_equal(period_parse(NULL, now, &from, &to), 0);
	assert_int_equal(from, time_local_mktime(2023, 1, 1, 0, 0, 0));
	assert_int_equal(period_parse("2023-12", now, &from, &to), 0);
	assert_int_equal(from, time_local_mktime(2023, 12, 1, 0, 0, 0));
	assert_int_equal(to, time_local_mktime(2024, 1, 1, 0, 0, 0));
	/* the end date counts whole */
	assert_int_equal(period_parse("2023-01-01..2023-06-30", now, &from, &to), 0);
	assert_int_equal(to, time_local_mktime(2023, 7, 1, 0, 0, 0));
	assert_int_equal(period_parse("2023-13", now, &from, &to), -1);
	assert_int_equal(period_parse("23", now, &from, &to), -1);
	assert_int_equal(period_parse("2023-06-30..2023-01-01", now, &from, &to), -1);
	assert_int_equal(period_parse("..2023-01-01", now, &from, &to), -1);
	assert_int_equal(period_parse("2023x", now, &from, &to), -1);
}

static void
sessions(void **state)
{
	struct sessions *ss = sessions_new(1000);
	struct session *s, *s2;
	char id[SESSION_ID_HEX], id2[SESSION_ID_HEX], fid[SESSION_ID_HEX];

	(void)state;
	assert_non_null(ss);
	assert_non_null(s = sessions_create(ss, "wang", 10000, id));
	assert_int_equal(strlen(id), 32);
	/* only the hash is kept: the id is nowhere in the session */
	assert_null(memmem(s, sizeof(*s), id, 32));
	assert_ptr_equal(sessions_find(ss, id, 10500), s);
	/* idle expiry counts from the last use */
	assert_ptr_equal(sessions_find(ss, id, 11400), s);
	assert_null(sessions_find(ss, id, 12401));
	assert_null(sessions_find(ss, id, 12402));
	assert_non_null(s = sessions_create(ss, "wang", 20000, id));
	assert_non_null(s2 = sessions_create(ss, "zhang", 20000, id2));
	assert_true(strcmp(id, id2) != 0);
	assert_null(sessions_find(ss, "0123456789abcdef0123456789abcdef", 20000));
	assert_null(sessions_find(ss, "not hex", 20000));
	/* CSRF: this session's token only */
	assert_true(session_csrf_ok(s, s->csrf));
	assert_false(session_csrf_ok(s, s2->csrf));
	assert_false(session_csrf_ok(s, NULL));
	assert_false(session_csrf_ok(s, ""));
	/* a form id records once */
	assert_int_equal(web_random_hex(fid), 0);
	assert_int_equal(session_form_used(s, fid), 0);
	session_form_mark(s, fid);
	assert_int_equal(session_form_used(s, fid), 1);
	assert_int_equal(session_form_used(s2, fid), 0);
	assert_int_equal(session_form_used(s, "x"), -1);
	assert_int_equal(session_form_used(s, NULL), -1);
	sessions_drop_account(ss, "zhang");
	assert_null(sessions_find(ss, id2, 20000));
	assert_ptr_equal(sessions_find(ss, id, 20000), s);
	sessions_drop(ss, s);
	assert_null(sessions_find(ss, id, 20000));
	sessions_free(ss);
}

static void
throttle(void **state)
{
	struct throttle *t = throttle_new(THROTTLE_FREE_ACCOUNT);
	int64_t now = 1000000;

	(void)state;
	for (int i = 0; i < THROTTLE_FREE_ACCOUNT; i++) {
		assert_int_equal(throttle_wait(t, "account:wang", now), 0);
		throttle_fail(t, "account:wang", now);
	}
	assert_true(throttle_wait(t, "account:wang", now) > 0);
	assert_int_equal(throttle_wait(t, "account:zhang", now), 0);
	assert_int_equal(throttle_wait(t, "account:wang", now + 1000), THROTTLE_FIRST_MS - 1000);
	/* the wait doubles with each further failure */
	now += THROTTLE_FIRST_MS;
	assert_int_equal(throttle_wait(t, "account:wang", now), 0);
	throttle_fail(t, "account:wang", now);
	assert_int_equal(throttle_wait(t, "account:wang", now), 2 * THROTTLE_FIRST_MS);
	throttle_ok(t, "account:wang");
	assert_int_equal(throttle_wait(t, "account:wang", now), 0);
	/* the window forgets */
	for (int i = 0; i < 20; i++)
		throttle_fail(t, "address:10.0.0.9", now);
	assert_int_equal(throttle_wait(t, "address:10.0.0.9", now), THROTTLE_MAX_MS);
	assert_int_equal(throttle_wait(t, "address:10.0.0.9", now + THROTTLE_WINDOW_MS + 1), 0);
	throttle_free(t);
}

/* Who the client is behind a reverse proxy, and that nobody else can say. */
static void
forwarded(void **state)
{
	struct web_trust t;
	char err[160], out[WEB_ADDR_MAX + 1];

	(void)state;
	assert_int_equal(web_trust_parse(NULL, &t, err, sizeof(err)), 0);
	assert_int_equal(t.n, 0);
	assert_false(web_trust_has(&t, "127.0.0.1"));
	assert_int_equal(web_trust_parse("127.0.0.1, ::1\t10.0.0.2,", &t, err, sizeof(err)), 0);
	assert_int_equal(t.n, 3);
	assert_true(web_trust_has(&t, "127.0.0.1"));
	assert_true(web_trust_has(&t, "0:0::1"));       /* the same address written otherwise */
	assert_false(web_trust_has(&t, "127.0.0.2"));
	assert_false(web_trust_has(&t, "unknown"));
	assert_int_equal(web_trust_parse("127.0.0.1, proxy.example.org", &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'proxy.example.org' is not an IP address"));
	assert_int_equal(web_trust_parse("10.0.0.300", &t, err, sizeof(err)), -1);
	assert_int_equal(web_trust_parse("1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5 1.1.1.6 1.1.1.7 1.1.1.8 "
	    "1.1.1.9 1.1.1.10 1.1.1.11 1.1.1.12 1.1.1.13 1.1.1.14 1.1.1.15 1.1.1.16 1.1.1.17", &t, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "more than 16"));

	assert_int_equal(web_trust_parse("127.0.0.1 10.0.0.2", &t, err, sizeof(err)), 0);
	/* the hop the proxy appended */
	assert_int_equal(web_forwarded_for(&t, "192.168.1.20", out, sizeof(out)), 1);
	assert_string_equal(out, "192.168.1.20");
	/* what a client wrote itself (the left) proves nothing: the right-most untrusted hop */
	assert_int_equal(web_forwarded_for(&t, "6.6.6.6, 192.168.1.20", out, sizeof(out)), 1);
	assert_string_equal(out, "192.168.1.20");
	/* through two trusted proxies */
	assert_int_equal(web_forwarded_for(&t, "192.168.1.21 , 10.0.0.2", out, sizeof(out)), 1);
	assert_string_equal(out, "192.168.1.21");
	/* canonical form */
	assert_int_equal(web_forwarded_for(&t, "2001:DB8:0:0::7", out, sizeof(out)), 1);
	assert_string_equal(out, "2001:db8::7");
	/* nothing usable: the peer stays the client */
	assert_int_equal(web_forwarded_for(&t, NULL, out, sizeof(out)), 0);
	assert_int_equal(web_forwarded_for(&t, "", out, sizeof(out)), 0);
	assert_int_equal(web_forwarded_for(&t, "unknown", out, sizeof(out)), 0);
	assert_int_equal(web_forwarded_for(&t, "192.168.1.20, <script>", out, sizeof(out)), 0);
	assert_int_equal(web_forwarded_for(&t, " , ", out, sizeof(out)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(form_basic), cmocka_unit_test(form_refused),
		cmocka_unit_test(form_limits), cmocka_unit_test(cookies), cmocka_unit_test(paths), cmocka_unit_test(printable),
		cmocka_unit_test(periods), cmocka_unit_test(sessions), cmocka_unit_test(throttle),
		cmocka_unit_test(forwarded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
