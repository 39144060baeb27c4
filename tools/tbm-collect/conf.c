/*
 * conf.c - /etc/tbmon/collect.conf: one [collect] section read with inih,
 * each key a row of the table below (type, default, field); errors as
 * FILE:LINE: message through lib/inifile.h, all of them, not just the first.
 */
#include <ini.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "inifile.h"
#include "log.h"
#include "tbmtime.h"

enum ktype { K_STR, K_URL, K_DURATION, K_COUNT, K_LOGLEVEL, K_NAME };

static const struct key {
	const char *name;
	enum ktype type;
	size_t off;
	const char *def;           /* NULL: no default (required keys are checked after) */
} keys[] = {
	{ "mqtt", K_URL, offsetof(struct collect_conf, mqtt), "mqtt://127.0.0.1:1883" },
	{ "client_id", K_STR, offsetof(struct collect_conf, client_id), "tbm-collect" },
	{ "username", K_STR, offsetof(struct collect_conf, username), NULL },
	{ "password_file", K_STR, offsetof(struct collect_conf, password_file), NULL },
	{ "ca_file", K_STR, offsetof(struct collect_conf, ca_file), NULL },
	{ "topic", K_STR, offsetof(struct collect_conf, topic), "tbmon/+/events" },
	{ "share", K_NAME, offsetof(struct collect_conf, share), NULL },
	{ "database", K_STR, offsetof(struct collect_conf, database), "postgresql:///tbmon?host=/run/postgresql" },
	{ "batch", K_COUNT, offsetof(struct collect_conf, batch), "5000" },
	{ "flush", K_DURATION, offsetof(struct collect_conf, flush_ms), "50ms" },
	{ "gap_wait", K_DURATION, offsetof(struct collect_conf, gap_wait_ms), "2s" },
	{ "resync", K_DURATION, offsetof(struct collect_conf, resync_ms), "1m" },
	{ "keepalive", K_DURATION, offsetof(struct collect_conf, keepalive_ms), "60s" },
	{ "hold", K_COUNT, offsetof(struct collect_conf, hold), "50000" },
	{ "log_level", K_LOGLEVEL, offsetof(struct collect_conf, log_level), "info" },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

struct parse {
	struct collect_conf *c;
	struct inifile_diag d;
	FILE *fp;
	int line;
	int seen[NKEYS];
	int in_collect, oom;
};

/* One value into its field: 0, or -1 with the error reported. */
static int
apply(struct parse *ps, const struct key *k, const char *v, int line)
{
	char *f = (char *)ps->c + k->off;
	int64_t ms;
	char *end;
	long long n;
	int lv;

	switch (k->type) {
	case K_URL:
		if (strncmp(v, "mqtt://", 7) != 0 && strncmp(v, "mqtts://", 8) != 0) {
			inifile_error(&ps->d, ps->c->path, line, "%s: '%s' is not mqtt://HOST[:PORT] or "
			    "mqtts://HOST[:PORT]", k->name, v);
			return -1;
		}
		/* FALLTHROUGH */
	case K_STR:
	case K_NAME:
		if (k->type == K_NAME && (strpbrk(v, "/+#") != NULL || *v == '\0')) {
			inifile_error(&ps->d, ps->c->path, line, "%s: '%s' may not contain / + or #",
			    k->name, v);
			return -1;
		}
		free(*(char **)f);
		if ((*(char **)f = strdup(v)) == NULL)
			ps->oom = 1;
		return 0;
	case K_DURATION:
		if (time_parse_duration(v, &ms) != 0 || ms <= 0) {
			inifile_error(&ps->d, ps->c->path, line, "%s: '%s' is not a duration (250ms, 5s, "
			    "2m, 1h)", k->name, v);
			return -1;
		}
		*(int64_t *)f = ms;
		return 0;
	case K_COUNT:
		n = strtoll(v, &end, 10);
		if (*v == '\0' || *end != '\0' || n < 1 || n > 1000000) {
			inifile_error(&ps->d, ps->c->path, line, "%s: '%s' is not a number from 1 to "
			    "1000000", k->name, v);
			return -1;
		}
		*(int64_t *)f = n;
		return 0;
	case K_LOGLEVEL:
		if ((lv = log_level_parse(v)) < 0) {
			inifile_error(&ps->d, ps->c->path, line, "%s: '%s' is not one of debug, info, "
			    "notice, warning, err", k->name, v);
			return -1;
		}
		*(int *)f = lv;
		return 0;
	}
	return -1;
}

static int
handler(void *arg, const char *section, const char *name, const char *value)
{
	struct parse *ps = arg;

	if (strcmp(section, "collect") != 0)
		return 1;   /* reported once by the reader, at the header */
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].name, name) != 0)
			continue;
		if (ps->seen[i]) {
			inifile_error(&ps->d, ps->c->path, ps->line, "%s set twice (first on line %d)",
			    name, ps->seen[i]);
			return 1;
		}
		ps->seen[i] = ps->line;
		apply(ps, &keys[i], value, ps->line);
		return 1;
	}
	inifile_error(&ps->d, ps->c->path, ps->line, "unknown key '%s' in [collect]", name);
	return 1;
}

/* Counts lines, cuts inline comments (" #", " ;"), reports unknown sections. */
static char *
reader(char *buf, int size, void *arg)
{
	struct parse *ps = arg;
	char *s, *e;

	if (fgets(buf, size, ps->fp) == NULL)
		return NULL;
	ps->line++;
	s = buf;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '#' || *s == ';')
		return buf;
	for (e = s; *e; e++)
		if ((*e == '#' || *e == ';') && e > s && (e[-1] == ' ' || e[-1] == '\t')) {
			*e = '\0';
			break;
		}
	if (*s == '[') {
		char *close = strchr(s, ']');
		if (close && (close - s - 1 != 7 || strncmp(s + 1, "collect", 7) != 0))
			inifile_error(&ps->d, ps->c->path, ps->line, "unknown section [%.*s] (only "
			    "[collect])", (int)(close - s - 1), s + 1);
		ps->in_collect = close != NULL;
	}
	return buf;
}

int
collect_conf_load(const char *path, struct collect_conf *c)
{
	struct parse ps;
	int rc;

	memset(c, 0, sizeof(*c));
	memset(&ps, 0, sizeof(ps));
	ps.c = c;
	if ((c->path = strdup(path)) == NULL)
		return -1;
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].def)
			apply(&ps, &keys[i], keys[i].def, 0);
	if ((ps.fp = fopen(path, "re")) == NULL) {
		inifile_error(&ps.d, path, 0, "cannot open: %m");
		return -1;
	}
	rc = ini_parse_stream(reader, &ps, handler, &ps);
	fclose(ps.fp);
	if (rc > 0)
		inifile_error(&ps.d, path, rc, "not KEY = VALUE or [section]");
	if (!ps.seen[0] && ps.d.nerrors == 0)
		log_info("%s: no mqtt = in [collect]; using %s", path, c->mqtt);
	if (ps.oom)
		inifile_error(&ps.d, path, 0, "out of memory");
	return ps.d.nerrors ? -1 : 0;
}

void
collect_conf_free(struct collect_conf *c)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].type == K_STR || keys[i].type == K_URL || keys[i].type == K_NAME)
			free(*(char **)((char *)c + keys[i].off));
	free(c->path);
	memset(c, 0, sizeof(*c));
}
