/*
 * textwidth.c - display width of UTF-8 text: mbrtowc + wcwidth under a
 * UTF-8 locale, a built-in table of the wide ranges otherwise (a minimal
 * container may have no UTF-8 locale at all, and Chinese labels must
 * still line up).
 */
#include "textwidth.h"

#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#define ELLIPSIS "\xe2\x80\xa6"   /* U+2026, one column */
#define ELLIPSIS_LEN 3

static int
locale_is_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return MB_CUR_MAX > 1 && cs != NULL &&
	    (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

int
text_init_locale(void)
{
	static const char *const names[] = { "C.UTF-8", "C.utf8", "en_US.UTF-8" };

	if (setlocale(LC_CTYPE, "") != NULL && locale_is_utf8())
		return 1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (setlocale(LC_CTYPE, names[i]) != NULL && locale_is_utf8())
			return 1;
	setlocale(LC_CTYPE, "C");
	return 0;
}

/* The fallback: East Asian Wide and Fullwidth ranges (the ones Chinese text
 * and common symbols use) and the usual zero-width marks. */
static const struct range {
	uint32_t lo, hi;
} wide[] = {
	{ 0x1100, 0x115f }, { 0x2e80, 0x303e }, { 0x3041, 0x33ff }, { 0x3400, 0x4dbf },
	{ 0x4e00, 0x9fff }, { 0xa000, 0xa4cf }, { 0xac00, 0xd7a3 }, { 0xf900, 0xfaff },
	{ 0xfe30, 0xfe4f }, { 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x1f300, 0x1f64f },
	{ 0x1f900, 0x1f9ff }, { 0x20000, 0x2fffd }, { 0x30000, 0x3fffd },
}, zero[] = {
	{ 0x0300, 0x036f }, { 0x200b, 0x200f }, { 0x20d0, 0x20ff }, { 0xfe00, 0xfe0f },
	{ 0xfe20, 0xfe2f },
};

static int
in_ranges(uint32_t c, const struct range *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (c >= r[i].lo && c <= r[i].hi)
			return 1;
	return 0;
}

static int
fallback_width(uint32_t c)
{
	if (in_ranges(c, zero, sizeof(zero) / sizeof(zero[0])))
		return 0;
	if (in_ranges(c, wide, sizeof(wide) / sizeof(wide[0])))
		return 2;
	return 1;
}

/* Decodes one UTF-8 sequence; returns its length, 0 if malformed. */
static size_t
utf8_decode(const unsigned char *s, uint32_t *cp)
{
	size_t n, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and values past U+10FFFF are malformed */
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return n;
}

/* One character of s: its length in bytes (>= 1) and its width in *cols. */
static size_t
next_char(const char *s, int utf8, int *cols)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n;

	if (u[0] < 0x80) {
		*cols = 1;   /* controls included: printed as a space */
		return 1;
	}
	if (utf8) {
		mbstate_t ps;
		wchar_t wc;
		int w;

		memset(&ps, 0, sizeof(ps));
		n = mbrtowc(&wc, s, strnlen(s, MB_LEN_MAX), &ps);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			*cols = 1;
			return 1;
		}
		w = wcwidth(wc);
		*cols = w < 0 ? 1 : w;
		return n;
	} else {
		uint32_t cp;

		if ((n = utf8_decode(u, &cp)) == 0) {
			*cols = 1;
			return 1;
		}
		*cols = fallback_width(cp);
		return n;
	}
}

size_t
text_width(const char *s)
{
	int utf8 = locale_is_utf8(), w;
	size_t cols = 0;

	if (s == NULL)
		return 0;
	while (*s) {
		s += next_char(s, utf8, &w);
		cols += (size_t)w;
	}
	return cols;
}

size_t
text_fit(const char *s, size_t width, size_t *used)
{
	int utf8 = locale_is_utf8(), w;
	size_t off = 0, cols = 0, n;

	if (s != NULL) {
		while (s[off]) {
			n = next_char(s + off, utf8, &w);
			if (cols + (size_t)w > width)
				break;
			cols += (size_t)w;
			off += n;
		}
	}
	if (used != NULL)
		*used = cols;
	return off;
}

size_t
text_truncate(const char *s, size_t width, char *buf, size_t len)
{
	size_t n, used;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	if (s == NULL || width == 0)
		return 0;
	n = text_fit(s, width, &used);
	if (s[n] != '\0') {
		/* cut: make room for the ellipsis */
		n = text_fit(s, width - 1, &used);
		if (n + ELLIPSIS_LEN + 1 > len)
			n = text_fit(s, 0, &used);   /* buffer too small: the ellipsis alone */
		memcpy(buf, s, n);
		memcpy(buf + n, ELLIPSIS, ELLIPSIS_LEN + 1);
		return used + 1;
	}
	if (n + 1 > len) {
		/* the caller's buffer is smaller than the text: cut at a character */
		size_t off = 0;
		int utf8 = locale_is_utf8(), w;
		used = 0;
		while (s[off]) {
			size_t c = next_char(s + off, utf8, &w);
			if (off + c + 1 > len)
				break;
			off += c;
			used += (size_t)w;
		}
		n = off;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	return used;
}

/* Writes the n bytes of s, control characters as spaces. */
static int
put_clean(FILE *fp, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (putc(c < 0x20 || c == 0x7f ? ' ' : c, fp) == EOF)
			return -1;
	}
	return 0;
}

static int
put_spaces(FILE *fp, size_t n)
{
	while (n-- > 0)
		if (putc(' ', fp) == EOF)
			return -1;
	return 0;
}

int
text_print_cell(FILE *fp, const char *s, size_t width, enum text_align align)
{
	char *cut = NULL;
	const char *text = s ? s : "";
	size_t w = text_width(text);
	int rc = -1;

	if (w > width) {
		size_t len = strlen(text) + ELLIPSIS_LEN + 1;
		if ((cut = malloc(len)) == NULL)
			return -1;
		w = text_truncate(text, width, cut, len);
		text = cut;
	}
	if (align == TEXT_RIGHT && put_spaces(fp, width - w) != 0)
		goto out;
	if (put_clean(fp, text, strlen(text)) != 0)
		goto out;
	if (align == TEXT_LEFT && put_spaces(fp, width - w) != 0)
		goto out;
	rc = (int)width;
out:
	free(cut);
	return rc;
}
