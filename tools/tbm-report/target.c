/*
 * target.c - 指标值 as the form writes them: an operator (≥ >= > = ≤ <= < or
 * none), a number, 万 and a unit (次 家 篇 % 人次 ...), or a qualitative text
 * such as 提高 or 正常运转; and the 实际完成值 numbers compared with them.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tbmreport.h"

static const struct {
	const char *text;
	enum tgt_op op;
} ops[] = {
	/* longest first: "≥" before nothing, ">=" before ">" */
	{ "\xE2\x89\xA5", TOP_GE },  /* ≥ */
	{ "\xE2\x89\xA7", TOP_GE },  /* ≧ */
	{ "\xE2\x89\xA4", TOP_LE },  /* ≤ */
	{ "\xE2\x89\xA6", TOP_LE },  /* ≦ */
	{ "\xEF\xBC\x9E\xEF\xBC\x9D", TOP_GE },  /* ＞＝ */
	{ "\xEF\xBC\x9C\xEF\xBC\x9D", TOP_LE },  /* ＜＝ */
	{ "\xEF\xBC\x9E", TOP_GT },  /* ＞ */
	{ "\xEF\xBC\x9C", TOP_LT },  /* ＜ */
	{ "\xEF\xBC\x9D", TOP_EQ },  /* ＝ */
	{ ">=", TOP_GE },
	{ "<=", TOP_LE },
	{ ">", TOP_GT },
	{ "<", TOP_LT },
	{ "=", TOP_EQ },
};

const char *
target_op_text(enum tgt_op op)
{
	switch (op) {
	case TOP_GE: return "≥";
	case TOP_GT: return ">";
	case TOP_EQ: return "=";
	case TOP_LE: return "≤";
	case TOP_LT: return "<";
	default: return "";
	}
}

static const char *
skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	/* the full-width space U+3000 */
	while (strncmp(s, "\xE3\x80\x80", 3) == 0)
		s += 3;
	return s;
}

static size_t
trimmed_len(const char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

/* A plain decimal: digits with at most one point. No signs, exponents,
 * hex or thousands separators: strtod alone would accept all of those. */
static int
parse_decimal(const char *s, double *v, const char **end)
{
	const char *p = s;
	char buf[64];
	size_t n;
	int digits = 0;

	while (isdigit((unsigned char)*p))
		p++, digits++;
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p))
			p++, digits++;
		if (p[-1] == '.')
			return -1;
	}
	if (digits == 0 || (n = (size_t)(p - s)) >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	*v = strtod(buf, NULL);
	if (errno != 0 || !isfinite(*v))
		return -1;
	*end = p;
	return 0;
}

/* A unit is short text without digits, operators or separators. */
static int
unit_ok(const char *u, size_t n)
{
	if (n >= 32)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)u[i];
		if (isdigit(c) || strchr("<>=.,;:+-*/()", c) != NULL || c == ' ')
			return 0;
	}
	/* % stands alone */
	if (memchr(u, '%', n) != NULL && n != 1)
		return 0;
	return 1;
}

/* number [万] unit -> value with 万 applied */
static int
parse_quantity(const char *s, double *v, int *wan, char *unit, size_t unitlen, char *err,
    size_t len)
{
	const char *p;
	size_t n;

	if (parse_decimal(s, v, &p) != 0) {
		snprintf(err, len, _("'%s' is not a number"), s);
		return -1;
	}
	p = skip_space(p);
	*wan = 0;
	if (strncmp(p, "万", strlen("万")) == 0) {
		*wan = 1;
		*v *= 10000.0;
		p += strlen("万");
	}
	n = trimmed_len(p);
	if (strncmp(p, "％", strlen("％")) == 0 && n == strlen("％"))
		p = "%", n = 1;
	if (!unit_ok(p, n)) {
		snprintf(err, len, _("'%s': unknown unit '%.*s'"), s, (int)n, p);
		return -1;
	}
	if (*wan && n == 1 && p[0] == '%') {
		snprintf(err, len, _("'%s': 万 and %% do not go together"), s);
		return -1;
	}
	snprintf(unit, unitlen, "%.*s", (int)n, p);
	return 0;
}

int
target_parse(const char *text, struct target *t, char *err, size_t len)
{
	const char *s = skip_space(text);

	memset(t, 0, sizeof(*t));
	if (*s == '\0') {
		snprintf(err, len, "%s", _("is empty"));
		return -1;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].text);
		if (strncmp(s, ops[i].text, n) == 0) {
			t->op = ops[i].op;
			s = skip_space(s + n);
			break;
		}
	}
	if (!isdigit((unsigned char)*s)) {
		if (t->op != TOP_NONE) {
			snprintf(err, len, _("'%s': %s must be followed by a number"), text,
			    target_op_text(t->op));
			return -1;
		}
		return 0;   /* qualitative: 提高, 正常运转, 及时, ... */
	}
	t->quantitative = 1;
	return parse_quantity(s, &t->value, &t->wan, t->unit, sizeof(t->unit), err, len);
}

int
actual_parse(const char *text, const struct target *t, double *v, char *err, size_t len)
{
	const char *s = skip_space(text);
	char unit[32];
	int wan;

	if (*s == '\0') {
		snprintf(err, len, "%s", _("is empty"));
		return -1;
	}
	if (parse_quantity(s, v, &wan, unit, sizeof(unit), err, len) != 0)
		return -1;
	if (unit[0] != '\0' && strcmp(unit, t->unit) != 0) {
		snprintf(err, len, _("'%s': the unit '%s' is not the target's unit '%s'"), text,
		    unit, t->unit[0] ? t->unit : _("(none)"));
		return -1;
	}
	return 0;
}

int
number_parse(const char *s, double *v)
{
	const char *end;

	s = skip_space(s);
	if (parse_decimal(s, v, &end) != 0)
		return -1;
	end = skip_space(end);
	return *end == '\0' ? 0 : -1;
}
