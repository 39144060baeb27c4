/*
 * config_notify.c - the `send =` list of a [notify NAME] channel: which
 * events it is told about, its escalations and its daily digest.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tbmtime.h"

#define NOTIFY_MAX_ESCALATION_MS (30LL * 24 * 3600 * 1000)

static const struct {
	const char *name;
	unsigned bit;
} send_events[] = {
	{ "open", NOTIFY_SEND_OPEN },
	{ "safety", NOTIFY_SEND_SAFETY },
	{ "accident", NOTIFY_SEND_ACCIDENT },
};

/* "08:00" -> 480; -1 if it is not a time of day. */
static int
time_of_day(const char *s)
{
	int h, m, n = 0;

	if (sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2 || s[n] != '\0' || n != 5 ||
	    h < 0 || h > 23 || m < 0 || m > 59)
		return -1;
	return h * 60 + m;
}

/* One item: a word, then for escalations and the digest one argument. */
static int
send_item(char *item, struct notify_send *out, char *err, size_t len)
{
	char *arg = item;
	int64_t ms;

	while (*arg != '\0' && !isspace((unsigned char)*arg))
		arg++;
	if (*arg != '\0') {
		*arg++ = '\0';
		while (isspace((unsigned char)*arg))
			arg++;
	}
	for (size_t i = 0; i < sizeof(send_events) / sizeof(send_events[0]); i++) {
		if (strcmp(item, send_events[i].name) != 0)
			continue;
		if (*arg != '\0') {
			snprintf(err, len, "'%s' takes no argument ('%s')", item, arg);
			return -1;
		}
		out->events |= send_events[i].bit;
		return 0;
	}
	if (strcmp(item, "unacked") == 0 || strcmp(item, "unrepaired") == 0) {
		int64_t *field = item[2] == 'a' ? &out->unacked_ms : &out->unrepaired_ms;
		if (*arg == '\0' || time_parse_duration(arg, &ms) != 0 || ms <= 0 ||
		    ms > NOTIFY_MAX_ESCALATION_MS) {
			snprintf(err, len, "%s: '%s' is not a duration between 1s and 30d (e.g. 30m, 24h)",
			    item, arg);
			return -1;
		}
		if (*field != 0) {
			snprintf(err, len, "%s is given twice", item);
			return -1;
		}
		*field = ms;
		return 0;
	}
	if (strcmp(item, "daily") == 0) {
		int m = time_of_day(arg);
		if (m < 0) {
			snprintf(err, len, "daily: '%s' is not a time of day (HH:MM, 00:00 to 23:59)", arg);
			return -1;
		}
		if (out->daily_min >= 0) {
			snprintf(err, len, "daily is given twice");
			return -1;
		}
		out->daily_min = m;
		return 0;
	}
	snprintf(err, len, "'%s' is not one of open, safety, accident, unacked DURATION, "
	    "unrepaired DURATION, daily HH:MM", item);
	return -1;
}

int
notify_send_parse(const char *s, struct notify_send *out, char *err, size_t len)
{
	char *copy, *save = NULL, *t;
	int rc = 0, items = 0;

	memset(out, 0, sizeof(*out));
	out->daily_min = -1;
	if (s == NULL || (copy = strdup(s)) == NULL) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	for (t = strtok_r(copy, ",", &save); t != NULL && rc == 0; t = strtok_r(NULL, ",", &save)) {
		char *e = t + strlen(t);
		while (isspace((unsigned char)*t))
			t++;
		while (e > t && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*t == '\0')
			continue;
		items++;
		rc = send_item(t, out, err, len);
	}
	free(copy);
	if (rc == 0 && items == 0) {
		snprintf(err, len, "nothing to send");
		rc = -1;
	}
	return rc;
}
