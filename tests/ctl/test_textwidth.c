/*
 * test_textwidth.c - display widths of UTF-8 text, padding and truncation,
 * under a UTF-8 locale (wcwidth) and without one (the built-in table).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textwidth.h"

static int
utf8_locale(void **state)
{
	(void)state;
	if (!text_init_locale())
		skip();   /* no UTF-8 locale on this machine: the fallback group covers it */
	return 0;
}

static int
c_locale(void **state)
{
	(void)state;
	return setlocale(LC_CTYPE, "C") == NULL ? -1 : 0;
}

static void
ascii(void **state)
{
	(void)state;
	assert_int_equal(text_width(""), 0);
	assert_int_equal(text_width(NULL), 0);
	assert_int_equal(text_width("abc"), 3);
	assert_int_equal(text_width("cnc-01 #1"), 9);
}

static void
cjk_wide(void **state)
{
	(void)state;
	assert_int_equal(text_width("中"), 2);
	assert_int_equal(text_width("数控加工实训室"), 14);
	assert_int_equal(text_width("（浦东）"), 8);   /* fullwidth parentheses */
	assert_int_equal(text_width("，。"), 4);
}

static void
mixed(void **state)
{
	(void)state;
	assert_int_equal(text_width("数控车床 CK6140 #1"), 18);
	assert_int_equal(text_width("过热 overtemp"), 13);
	assert_int_equal(text_width("e\xcc\x81"), 1);   /* e + combining acute */
	assert_int_equal(text_width("a\xff" "b"), 3);   /* an invalid byte: one column */
	assert_int_equal(text_width("\xe4\xb8"), 2);    /* a cut sequence: its bytes */
}

static void
fit(void **state)
{
	size_t used;

	(void)state;
	assert_int_equal(text_fit("中文abc", 3, &used), 3);
	assert_int_equal(used, 2);
	assert_int_equal(text_fit("中文abc", 5, &used), 7);
	assert_int_equal(used, 5);
	assert_int_equal(text_fit("中文abc", 100, &used), 9);
	assert_int_equal(used, 7);
	assert_int_equal(text_fit("中", 1, &used), 0);
	assert_int_equal(used, 0);
}

static void
truncation(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(text_truncate("abc", 3, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(text_truncate("abcdef", 4, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "abc…");
	assert_int_equal(text_truncate("数控加工实训室", 7, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "数控加…");
	/* a wide character never straddles the limit: one column short instead */
	assert_int_equal(text_truncate("数控加工实训室", 6, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "数控…");
	assert_int_equal(text_truncate("数控加工实训室", 14, buf, sizeof(buf)), 14);
	assert_string_equal(buf, "数控加工实训室");
	assert_int_equal(text_truncate("数控", 1, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "…");
	assert_int_equal(text_truncate("数控", 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* a small buffer: cut at a character, never inside one */
	text_truncate("数控加工", 8, buf, 7);
	assert_string_equal(buf, "数控");
}

static char *
cell(const char *s, size_t width, enum text_align align)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(text_print_cell(fp, s, width, align), (int)width);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

static void
print_cell(void **state)
{
	char *s;

	(void)state;
	s = cell("中文", 6, TEXT_LEFT);
	assert_string_equal(s, "中文  ");
	free(s);
	s = cell("中文", 6, TEXT_RIGHT);
	assert_string_equal(s, "  中文");
	free(s);
	s = cell("中文字", 5, TEXT_LEFT);
	assert_string_equal(s, "中文…");
	free(s);
	s = cell("中文字", 4, TEXT_LEFT);
	assert_string_equal(s, "中… ");
	free(s);
	s = cell("a\nb", 4, TEXT_LEFT);
	assert_string_equal(s, "a b ");
	free(s);
	s = cell(NULL, 2, TEXT_LEFT);
	assert_string_equal(s, "  ");
	free(s);
	/* every cell of a column is exactly as wide */
	s = cell("焊接实训室", 16, TEXT_LEFT);
	assert_int_equal(text_width(s), 16);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ascii),
		cmocka_unit_test(cjk_wide),
		cmocka_unit_test(mixed),
		cmocka_unit_test(fit),
		cmocka_unit_test(truncation),
		cmocka_unit_test(print_cell),
	};
	int failed = 0;

	failed += cmocka_run_group_tests_name("utf8-locale", tests, utf8_locale, NULL);
	failed += cmocka_run_group_tests_name("no-locale", tests, c_locale, NULL);
	return failed != 0;
}
