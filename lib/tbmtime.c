/*
 * tbmtime.c - clocks, duration strings and local-time conversions in the
 * site's time zone (libc's TZ machinery; zoneinfo from tzdata).
 */
#include "tbmtime.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int64_t
clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
time_now_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

int64_t
time_mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

int
time_parse_duration(const char *s, int64_t *ms)
{
	static const struct {
		const char *suffix;
		double factor;
	} units[] = { { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		      { "d", 86400000 }, { "", 1000 } };
	char *end;
	double v;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s) && *s != '.')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(v) || v < 0)
		return -1;
	/* strtod also reads "0x10" and "1e3": not durations */
	if (strspn(s, "0123456789.") != (size_t)(end - s))
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t n = strlen(units[i].suffix);
		if (strncmp(end, units[i].suffix, n) == 0) {
			const char *rest = end + n;
			while (isspace((unsigned char)*rest))
				rest++;
			if (*rest != '\0')
				continue;
			v *= units[i].factor;
			if (v > 9.2e15)
				return -1;
			*ms = (int64_t)llround(v);
			return 0;
		}
	}
	return -1;
}

void
time_format_duration(int64_t ms, char *buf, size_t len)
{
	if (ms % 3600000 == 0 && ms != 0)
		snprintf(buf, len, "%lldh", (long long)(ms / 3600000));
	else if (ms % 60000 == 0 && ms != 0)
		snprintf(buf, len, "%lldm", (long long)(ms / 60000));
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
	else if (ms < 1000)
		snprintf(buf, len, "%lldms", (long long)ms);
	else
		snprintf(buf, len, "%.3gs", (double)ms / 1000.0);
}

int
time_zone_valid(const char *tz)
{
	char path[512];
	struct stat st;

	if (tz == NULL || *tz == '\0' || strstr(tz, "..") != NULL || tz[0] == '/')
		return 0;
	if (strcmp(tz, "UTC") == 0)
		return 1;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
	/* a directory ("Asia") is not a zone: glibc would silently use UTC */
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

int
time_set_zone(const char *tz)
{
	if (tz == NULL || *tz == '\0') {
		tzset();
		return 0;
	}
	if (!time_zone_valid(tz))
		return -1;
	if (setenv("TZ", tz, 1) != 0)
		return -1;
	tzset();
	return 0;
}

static void
split_ms(int64_t ms, time_t *t, int *frac)
{
	int64_t s = ms / 1000, f = ms % 1000;

	if (f < 0) {
		f += 1000;
		s -= 1;
	}
	*t = (time_t)s;
	*frac = (int)f;
}

void
time_format_iso(int64_t ms, char *buf, size_t len)
{
	struct tm tm;
	time_t t;
	int frac;
	long off;
	char fracbuf[8] = "";

	split_ms(ms, &t, &frac);
	localtime_r(&t, &tm);
	off = tm.tm_gmtoff;
	if (frac != 0)
		snprintf(fracbuf, sizeof(fracbuf), ".%03d", frac);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%s%c%02ld:%02ld", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, fracbuf,
	    off < 0 ? '-' : '+', labs(off) / 3600, (labs(off) % 3600) / 60);
}

void
time_format_local(int64_t ms, char *buf, size_t len)
{
	struct tm tm;
	time_t t;
	int frac;

	split_ms(ms, &t, &frac);
	localtime_r(&t, &tm);
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int64_t
time_local_mktime(int year, int month, int day, int hour, int min, int sec)
{
	struct tm tm = { 0 };

	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

void
time_local_fields(int64_t ms, int *year, int *month, int *day)
{
	struct tm tm;
	time_t t;
	int frac;

	split_ms(ms, &t, &frac);
	localtime_r(&t, &tm);
	*year = tm.tm_year + 1900;
	*month = tm.tm_mon + 1;
	*day = tm.tm_mday;
}

/* days_from_civil: days since 1970-01-01 of a proleptic Gregorian date (UTC math, no TZ). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
valid_date(int y, int m, int d)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= mdays[m - 1] && !(m == 2 && d == 29 && !leap);
}

/* shape: S starts with PAT, 'd' standing for a digit. sscanf's %d alone
 * would also take spaces and signs ("T 3:30", "T+3:30"). */
static int
shape(const char *s, const char *pat)
{
	for (; *pat != '\0'; s++, pat++)
		if (*pat == 'd' ? !isdigit((unsigned char)*s) : *s != *pat)
			return 0;
	return 1;
}

int
time_parse(const char *s, int64_t *ms)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, frac = 0;
	const char *p;

	if (!shape(s, "dddd-dd-dd") || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10 || !valid_date(y, mo, d))
		return -1;
	p = s + n;
	if (*p == 'T' || *p == ' ') {
		int m2 = 0;
		p++;
		if (!shape(p, "dd:dd") || sscanf(p, "%2d:%2d%n", &h, &mi, &m2) != 2 || m2 != 5)
			return -1;
		p += m2;
		if (*p == ':') {
			if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]))
				return -1;
			sec = (p[1] - '0') * 10 + (p[2] - '0');
			p += 3;
			if (*p == '.') {
				int digits = 0;
				p++;
				while (isdigit((unsigned char)*p)) {
					if (digits < 3) {
						frac = frac * 10 + (*p - '0');
						digits++;
					}
					p++;
				}
				if (digits == 0)
					return -1;
				while (digits++ < 3)
					frac *= 10;
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return -1;
	}
	if (*p == '\0') {
		*ms = time_local_mktime(y, mo, d, h, mi, sec) + frac;
		return 0;
	}
	if (*p == 'Z' && p[1] == '\0') {
		*ms = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) * 1000 + frac;
		return 0;
	}
	if (*p == '+' || *p == '-') {
		int oh, om, k = 0, sign = *p == '-' ? -1 : 1;
		if (!shape(p + 1, "dd:dd") || sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) != 2 || k != 5 || p[1 + k] != '\0' ||
		    oh > 14 || om > 59)
			return -1;
		*ms = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
			  sign * (oh * 3600 + om * 60)) * 1000 + frac;
		return 0;
	}
	return -1;
}

int
time_parse_near(const char *s, int64_t now, int64_t *ms)
{
	int y, mo, d, h, mi;

	time_local_fields(now, &y, &mo, &d);
	if (strcmp(s, "today") == 0 || strcmp(s, "今天") == 0) {
		*ms = time_local_mktime(y, mo, d, 0, 0, 0);
		return 0;
	}
	if (strcmp(s, "yesterday") == 0 || strcmp(s, "昨天") == 0) {
		/* mktime normalises day 0 to the last of the month before */
		*ms = time_local_mktime(y, mo, d - 1, 0, 0, 0);
		return 0;
	}
	if (shape(s, "dd:dd") && s[5] == '\0') {
		h = (s[0] - '0') * 10 + (s[1] - '0');
		mi = (s[3] - '0') * 10 + (s[4] - '0');
		if (h > 23 || mi > 59)
			return -1;
		*ms = time_local_mktime(y, mo, d, h, mi, 0);
		return 0;
	}
	return time_parse(s, ms);
}

int
time_parse_month(const char *s, int64_t *from, int64_t *to)
{
	int y = 0, mo = 0;

	if (!shape(s, "dddd-dd") || s[7] != '\0')
		return -1;
	for (int i = 0; i < 4; i++)
		y = y * 10 + (s[i] - '0');
	mo = (s[5] - '0') * 10 + (s[6] - '0');
	if (!valid_date(y, mo, 1))
		return -1;
	*from = time_local_mktime(y, mo, 1, 0, 0, 0);
	*to = mo == 12 ? time_local_mktime(y + 1, 1, 1, 0, 0, 0) : time_local_mktime(y, mo + 1, 1, 0, 0, 0);
	return 0;
}
