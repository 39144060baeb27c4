/*
 * period.c - the period of /indicators and /api/indicators: "2023",
 * "2023-11" or "FROM..TO" (dates or times; an end date counts whole), in
 * the site's time zone. No I/O: unit-tested like parse.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "tbmtime.h"

static int
digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* One end of FROM..TO: a date (a whole day; the end day counts) or a time. */
static int
range_end(const char *s, size_t n, int is_to, int64_t *ms)
{
	char t[64];
	int y, m, d;

	if (n == 0 || n >= sizeof(t))
		return -1;
	memcpy(t, s, n);
	t[n] = '\0';
	if (n == 10 && sscanf(t, "%4d-%2d-%2d", &y, &m, &d) == 3 && digits(t, 4)) {
		if (m < 1 || m > 12 || d < 1 || d > 31)
			return -1;
		*ms = time_local_mktime(y, m, d + (is_to ? 1 : 0), 0, 0, 0);
		return 0;
	}
	return time_parse(t, ms) == 0 ? 0 : -1;
}

int
period_parse(const char *s, int64_t now, int64_t *from, int64_t *to)
{
	const char *dots;
	int y, m;
	size_t n = s ? strlen(s) : 0;

	if (n == 0) {
		time_local_fields(now, &y, &m, &(int){ 0 });
		*from = time_local_mktime(y, 1, 1, 0, 0, 0);
		*to = time_local_mktime(y + 1, 1, 1, 0, 0, 0);
		return 0;
	}
	if ((dots = strstr(s, "..")) != NULL) {
		if (range_end(s, (size_t)(dots - s), 0, from) < 0 ||
		    range_end(dots + 2, strlen(dots + 2), 1, to) < 0 || *to <= *from)
			return -1;
		return 0;
	}
	if (n == 4 && digits(s, 4)) {
		y = atoi(s);
		if (y < 1970 || y > 9999)
			return -1;
		*from = time_local_mktime(y, 1, 1, 0, 0, 0);
		*to = time_local_mktime(y + 1, 1, 1, 0, 0, 0);
		return 0;
	}
	if (n == 7 && digits(s, 4) && s[4] == '-' && digits(s + 5, 2)) {
		y = atoi(s);
		m = atoi(s + 5);
		if (y < 1970 || y > 9999 || m < 1 || m > 12)
			return -1;
		*from = time_local_mktime(y, m, 1, 0, 0, 0);
		*to = time_local_mktime(y + (m == 12), m == 12 ? 1 : m + 1, 1, 0, 0, 0);
		return 0;
	}
	return -1;
}
