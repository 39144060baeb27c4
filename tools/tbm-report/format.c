/*
 * format.c - how numbers, percentages, scores and hours look, the same in
 * every output format, and the small string builders the drafts use.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tbmreport.h"

void
fmt_num(double v, char *buf, size_t len)
{
	char *p;

	if (isnan(v)) {
		snprintf(buf, len, "—");
		return;
	}
	snprintf(buf, len, "%.2f", score_round(v));
	if ((p = strchr(buf, '.')) != NULL) {
		char *e = buf + strlen(buf) - 1;
		while (e > p && *e == '0')
			*e-- = '\0';
		if (e == p)
			*e = '\0';
	}
	if (strcmp(buf, "-0") == 0)
		snprintf(buf, len, "0");
}

void
fmt_pct(double fraction, char *buf, size_t len)
{
	char n[64];

	if (isnan(fraction)) {
		snprintf(buf, len, "—");
		return;
	}
	fmt_num(fraction * 100.0, n, sizeof(n));
	snprintf(buf, len, "%s%%", n);
}

void
fmt_score(double v, char *buf, size_t len)
{
	snprintf(buf, len, "%.2f", score_round(v) + 0.0);
}

void
fmt_hours(double h, char *buf, size_t len)
{
	if (isnan(h))
		snprintf(buf, len, "—");
	else
		snprintf(buf, len, "%.1f", h);
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

void
sb_add(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 128;
		char *p;
		while (ncap < b->len + (size_t)n + 1)
			ncap *= 2;
		if ((p = realloc(b->s, ncap)) == NULL) {
			free(s);
			return;
		}
		b->s = p;
		b->cap = ncap;
	}
	memcpy(b->s + b->len, s, (size_t)n + 1);
	b->len += (size_t)n;
	free(s);
}

/* A percentage that decides a threshold: two decimals, or as many more (up
 * to six) as it takes for the shown figure to be on the same side of the
 * threshold as the exact one. 94.995% against 95% is "94.995%", never "95%":
 * what is shown can always be checked against the threshold by eye. */
void
fmt_pct_vs(double fraction, double threshold, char *buf, size_t len)
{
	double p = fraction * 100.0, t = threshold * 100.0;
	double eps = 1e-9 * fmax(1.0, fabs(t));
	int side = p >= t - eps;
	char n[64];

	if (isnan(fraction) || isnan(threshold)) {
		fmt_pct(fraction, buf, len);
		return;
	}
	fmt_num(p, n, sizeof(n));
	for (int digits = 3; (strtod(n, NULL) >= t - eps) != side && digits <= 6; digits++) {
		char *e;
		snprintf(n, sizeof(n), "%.*f", digits, p);
		e = n + strlen(n) - 1;
		while (*e == '0')
			*e-- = '\0';
		if (*e == '.')
			*e = '\0';
	}
	snprintf(buf, len, "%s%%", n);
}

/* Money as the form writes it: two decimals, thousands grouped. */
void
fmt_money(double v, char *buf, size_t len)
{
	char n[64], out[96];
	const char *dot;
	size_t o = 0, digits;
	int neg;

	if (isnan(v)) {
		snprintf(buf, len, "—");
		return;
	}
	snprintf(n, sizeof(n), "%.2f", score_round(v) + 0.0);
	neg = n[0] == '-';
	dot = strchr(n, '.');
	digits = (size_t)(dot - n) - (size_t)neg;
	if (neg)
		out[o++] = '-';
	for (size_t i = 0; i < digits; i++) {
		if (i > 0 && (digits - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = n[(size_t)neg + i];
	}
	snprintf(out + o, sizeof(out) - o, "%s", dot);
	snprintf(buf, len, "%s", out);
}
