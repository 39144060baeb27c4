/*
 * config_notify.c - the `send =` list of a [notify NAME] channel: which
 * events it is told about, its escalations, whether tbmond stopped watching,
 * and its daily digest.
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
	if (strcmp(item, "unacked") == 0 || strcmp(item, "unrepaired") == 0 ||
	    strcmp(item, "stopped") == 0) {
		int64_t *field = item[0] == 's' ? &out->stopped_ms : item[2] == 'a' ? &out->unacked_ms :
		    &out->unrepaired_ms;
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
	    "unrepaired DURATION, stopped DURATION, daily HH:MM", item);
	return -1;
}

int
config_list_split(const char *s, char ***items, size_t *n)
{
	char *copy, *save = NULL, **v = NULL, **nv;
	size_t len = 0;

	*items = NULL;
	*n = 0;
	if ((copy = strdup(s)) == NULL)
		return -1;
	for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		char *e = t + strlen(t);
		while (isspace((unsigned char)*t))
			t++;
		while (e > t && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*t == '\0')
			continue;
		if ((nv = realloc(v, (len + 1) * sizeof(*v))) == NULL || (nv[len] = strdup(t)) == NULL) {
			if (nv != NULL)
				v = nv;
			config_list_free(v, len);
			free(copy);
			return -1;
		}
		v = nv;
		len++;
	}
	free(copy);
	*items = v;
	*n = len;
	return 0;
}

void
config_list_free(char **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

int
notify_send_parse(const char *s, struct notify_send *out, char *err, size_t len)
{
	char **items;
	size_t n;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->daily_min = -1;
	if (s == NULL || config_list_split(s, &items, &n) != 0) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = send_item(items[i], out, err, len);
	config_list_free(items, n);
	if (rc == 0 && n == 0) {
		snprintf(err, len, "nothing to send");
		rc = -1;
	}
	return rc;
}
