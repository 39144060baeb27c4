/*
 * tbmtime.h - clocks, durations and the site's time zone. Timestamps are
 * int64 milliseconds since the epoch (UTC); display and period boundaries
 * use the zone set with time_set_zone() (the process's TZ).
 */
#ifndef TBM_TIME_H
#define TBM_TIME_H

#include <stddef.h>
#include <stdint.h>

int64_t time_now_ms(void);   /* CLOCK_REALTIME */
int64_t time_mono_ms(void);  /* CLOCK_MONOTONIC */

/* "250ms", "5s", "2m", "1h", "1d" or a bare number of seconds (may have a
 * fraction). 0 ok, -1 on a malformed or negative value. */
int time_parse_duration(const char *s, int64_t *ms);
/* Formats a duration compactly: "1.5s", "250ms", "2m", "3h". */
void time_format_duration(int64_t ms, char *buf, size_t len);

/* Sets the zone used for display and periods; NULL or "" keeps the system's.
 * -1 if the zone is not known to the system's zoneinfo. */
int time_set_zone(const char *tz);
int time_zone_valid(const char *tz);

/* ISO 8601 with offset, "2023-12-31T23:30:00+08:00" (".mmm" when not whole seconds). */
void time_format_iso(int64_t ms, char *buf, size_t len);
/* Human form in the site's zone: "2023-12-31 23:30:05". */
void time_format_local(int64_t ms, char *buf, size_t len);
/* Parses "2023-12-31", "2023-12-31 23:30[:05]", or ISO 8601 "2023-12-31T23:30:05[.123][Z|+08:00]";
 * times without an offset are in the site's zone. 0 ok, -1 malformed. */
int time_parse(const char *s, int64_t *ms);
/* time_parse_near: what time_parse takes, and what people type relative to
 * `now`: "today" and "yesterday" (their local midnight), "14:20" (today,
 * local). 0 ok, -1 malformed. */
int time_parse_near(const char *s, int64_t now, int64_t *ms);
/* time_parse_month: "2023-11" -> [its first local midnight, the next
 * month's). 0 ok, -1 malformed. */
int time_parse_month(const char *s, int64_t *from, int64_t *to);
/* Start of a local calendar day/month/year as ms; month 1-12. */
int64_t time_local_mktime(int year, int month, int day, int hour, int min, int sec);
/* Local calendar fields of a timestamp. */
void time_local_fields(int64_t ms, int *year, int *month, int *day);

#endif
