/*
 * config.c - reads tbmond.conf and the devices.d drop-ins with inih. Every
 * key is a row of a table (type, bounds, default); values are checked as
 * they are read and the whole configuration once more when all is read.
 * Every error is reported as FILE:LINE: message, and all of them are.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "tbmtime.h"

#define LINE_MAX_LEN 1024

enum section { SEC_NONE = 0, SEC_SITE, SEC_DAEMON, SEC_MQTT, SEC_DEVICE, SEC_POINT, SEC_WEB, SEC_BAD };

enum key_type {
	K_STR,       /* any text */
	K_PATH,      /* a path, relative to the configuration file's directory */
	K_SITEID,    /* [a-z0-9-]+ */
	K_INT,
	K_BOOL,
	K_DURATION,
	K_DOUBLE,
	K_ENUM,
	K_COND,
	K_READ,      /* "holding 100" */
	K_LOGLEVEL,
	K_TZ,
	K_RAW,       /* kept as text, interpreted during validation */
};

struct enum_name {
	const char *name;
	int value;
};

static const struct enum_name protocols[] = { { "modbus-tcp", PROTO_MODBUS_TCP },
	{ "modbus-rtu", PROTO_MODBUS_RTU }, { "mqtt", PROTO_MQTT }, { NULL, 0 } };
static const struct enum_name types[] = { { "bool", TYPE_BOOL }, { "int16", TYPE_INT16 },
	{ "uint16", TYPE_UINT16 }, { "int32", TYPE_INT32 }, { "uint32", TYPE_UINT32 },
	{ "float32", TYPE_FLOAT32 }, { NULL, 0 } };
static const struct enum_name orders[] = { { "abcd", ORDER_ABCD }, { "badc", ORDER_BADC },
	{ "cdab", ORDER_CDAB }, { "dcba", ORDER_DCBA }, { NULL, 0 } };
static const struct enum_name kinds[] = { { "fault", KIND_FAULT }, { "safety", KIND_SAFETY },
	{ "status", KIND_STATUS }, { NULL, 0 } };
static const struct enum_name parities[] = { { "none", 'N' }, { "even", 'E' }, { "odd", 'O' },
	{ NULL, 0 } };
static const struct enum_name tables[] = { { "coil", TABLE_COIL }, { "discrete", TABLE_DISCRETE },
	{ "input", TABLE_INPUT }, { "holding", TABLE_HOLDING }, { NULL, 0 } };
static const struct enum_name bools[] = { { "yes", 1 }, { "no", 0 }, { "true", 1 },
	{ "false", 0 }, { "on", 1 }, { "off", 0 }, { "1", 1 }, { "0", 0 }, { NULL, 0 } };

struct key {
	enum section sec;
	const char *name;
	enum key_type type;
	size_t off;                  /* in conf_site/daemon/mqtt/device/point */
	double min, max;
	const char *def;             /* applied when the section starts; NULL: none */
	const struct enum_name *names;
	int size;                    /* for K_ENUM/K_BOOL/K_INT: sizeof the field */
};

#define S(f) offsetof(struct conf_site, f)
#define D(f) offsetof(struct conf_daemon, f)
#define M(f) offsetof(struct conf_mqtt, f)
#define V(f) offsetof(struct conf_device, f)
#define P(f) offsetof(struct conf_point, f)
#define W(f) offsetof(struct conf_web, f)
#define ISZ(t, f) ((int)sizeof(((t *)0)->f))

/* The configuration's keys. Bounds apply to numbers and durations (ms). */
static const struct key keys[] = {
	{ SEC_SITE, "id", K_SITEID, S(id), 0, 0, NULL, NULL, 0 },
	{ SEC_SITE, "name", K_STR, S(name), 0, 0, NULL, NULL, 0 },
	{ SEC_SITE, "timezone", K_TZ, S(timezone), 0, 0, NULL, NULL, 0 },

	{ SEC_DAEMON, "database", K_PATH, D(database), 0, 0, "/var/lib/tbmon/tbmon.db", NULL, 0 },
	{ SEC_DAEMON, "devices", K_PATH, D(devices), 0, 0, NULL, NULL, 0 },
	{ SEC_DAEMON, "log_level", K_LOGLEVEL, D(log_level), 0, 0, "info", NULL, 0 },

	{ SEC_MQTT, "url", K_STR, M(url), 0, 0, NULL, NULL, 0 },
	{ SEC_MQTT, "client_id", K_STR, M(client_id), 0, 0, NULL, NULL, 0 },
	{ SEC_MQTT, "username", K_STR, M(username), 0, 0, NULL, NULL, 0 },
	{ SEC_MQTT, "password_file", K_PATH, M(password_file), 0, 0, NULL, NULL, 0 },
	{ SEC_MQTT, "ca_file", K_PATH, M(ca_file), 0, 0, NULL, NULL, 0 },
	{ SEC_MQTT, "events_topic", K_STR, M(events_topic), 0, 0, NULL, NULL, 0 },
	{ SEC_MQTT, "status_topic", K_STR, M(status_topic), 0, 0, NULL, NULL, 0 },
	{ SEC_MQTT, "keepalive", K_DURATION, M(keepalive_ms), 5000, 3600000, "60s", NULL, 0 },

	/* tbm-web; listen and base_url are checked by tbm-web -n */
	{ SEC_WEB, "listen", K_STR, W(listen), 0, 0, "127.0.0.1:8080", NULL, 0 },
	{ SEC_WEB, "base_url", K_STR, W(base_url), 0, 0, NULL, NULL, 0 },
	{ SEC_WEB, "cert_file", K_PATH, W(cert_file), 0, 0, NULL, NULL, 0 },
	{ SEC_WEB, "key_file", K_PATH, W(key_file), 0, 0, NULL, NULL, 0 },
	{ SEC_WEB, "session_idle", K_DURATION, W(session_idle_ms), 60000, 604800000, "12h", NULL, 0 },

	{ SEC_DEVICE, "name", K_STR, V(name), 0, 0, NULL, NULL, 0 },
	{ SEC_DEVICE, "lab", K_STR, V(lab), 0, 0, NULL, NULL, 0 },
	{ SEC_DEVICE, "assessment", K_BOOL, V(assessment), 0, 1, "no", bools, ISZ(struct conf_device, assessment) },
	{ SEC_DEVICE, "protocol", K_ENUM, V(protocol), 0, 0, NULL, protocols, ISZ(struct conf_device, protocol) },
	{ SEC_DEVICE, "host", K_STR, V(host), 0, 0, NULL, NULL, 0 },
	{ SEC_DEVICE, "port", K_INT, V(port), 1, 65535, "502", NULL, ISZ(struct conf_device, port) },
	{ SEC_DEVICE, "unit", K_INT, V(unit), 0, 255, "1", NULL, ISZ(struct conf_device, unit) },
	{ SEC_DEVICE, "interval", K_DURATION, V(interval_ms), 10, 86400000, "1s", NULL, 0 },
	{ SEC_DEVICE, "timeout", K_DURATION, V(timeout_ms), 10, 60000, "500ms", NULL, 0 },
	{ SEC_DEVICE, "offline_after", K_RAW, V(offline_after_raw), 0, 0, NULL, NULL, 0 },
	{ SEC_DEVICE, "serial", K_PATH, V(serial), 0, 0, NULL, NULL, 0 },
	{ SEC_DEVICE, "baud", K_INT, V(baud), 50, 4000000, "9600", NULL, ISZ(struct conf_device, baud) },
	{ SEC_DEVICE, "parity", K_ENUM, V(parity), 0, 0, "even", parities, ISZ(struct conf_device, parity) },
	{ SEC_DEVICE, "data_bits", K_INT, V(data_bits), 5, 8, "8", NULL, ISZ(struct conf_device, data_bits) },
	{ SEC_DEVICE, "stop_bits", K_INT, V(stop_bits), 1, 2, "1", NULL, ISZ(struct conf_device, stop_bits) },
	{ SEC_DEVICE, "topic", K_STR, V(topic), 0, 0, NULL, NULL, 0 },
	{ SEC_DEVICE, "max_registers", K_INT, V(max_registers), 1, 125, "125", NULL, ISZ(struct conf_device, max_registers) },
	{ SEC_DEVICE, "max_bits", K_INT, V(max_bits), 1, 2000, "2000", NULL, ISZ(struct conf_device, max_bits) },

	{ SEC_POINT, "read", K_READ, 0, 0, 65535, NULL, NULL, 0 },
	{ SEC_POINT, "type", K_ENUM, P(type), 0, 0, NULL, types, ISZ(struct conf_point, type) },
	{ SEC_POINT, "order", K_ENUM, P(order), 0, 0, "abcd", orders, ISZ(struct conf_point, order) },
	{ SEC_POINT, "bit", K_INT, P(bit), 0, 15, NULL, NULL, ISZ(struct conf_point, bit) },
	{ SEC_POINT, "scale", K_DOUBLE, P(scale), -1e12, 1e12, "1", NULL, 0 },
	{ SEC_POINT, "offset", K_DOUBLE, P(offset), -1e12, 1e12, "0", NULL, 0 },
	{ SEC_POINT, "kind", K_ENUM, P(kind), 0, 0, "fault", kinds, ISZ(struct conf_point, kind) },
	{ SEC_POINT, "when", K_COND, P(when), 0, 0, NULL, NULL, 0 },
	{ SEC_POINT, "clear", K_COND, P(clear), 0, 0, NULL, NULL, 0 },
	{ SEC_POINT, "delay", K_DURATION, P(delay_ms), 0, 86400000, "0", NULL, 0 },
	{ SEC_POINT, "clear_delay", K_DURATION, P(clear_delay_ms), 0, 86400000, "0", NULL, 0 },
	{ SEC_POINT, "label", K_STR, P(label), 0, 0, NULL, NULL, 0 },
	{ SEC_POINT, "json", K_STR, P(json), 0, 0, NULL, NULL, 0 },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* Parser state across files. */
struct parse {
	struct config *cf;
	const char *file;        /* current file (owned by cf->files) */
	char *dir;               /* its directory, for relative paths */
	FILE *fp;
	int line;                /* line of the text inih is working on */
	int at_line_start;
	int dropin;              /* parsing a devices.d file: only [device]/[point] */
	enum section sec;
	void *obj;               /* the conf_* struct of the current section */
	uint64_t *seen;          /* keys given in the current section (key_bit) */
	uint64_t seen_site, seen_daemon, seen_mqtt, seen_web, seen_bad;
	int nerrors;
	config_report_fn report;
	void *report_arg;
	/* per-object seen masks, parallel to cf->devices / cf->points */
	uint64_t *dev_seen, *pt_seen;
	int *dev_keyline;        /* line of the offline_after key (validated later) */
};

static void
report(struct parse *ps, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
report(struct parse *ps, const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	char full[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(full, sizeof(full), "%s:%d: %s", file, line, msg);
	else
		snprintf(full, sizeof(full), "%s: %s", file, msg);
	ps->nerrors++;
	if (ps->report != NULL)
		ps->report(ps->report_arg, full);
	else
		fprintf(stderr, "%s\n", full);
}

static int
enum_lookup(const struct enum_name *names, const char *s, int *out)
{
	for (; names->name != NULL; names++)
		if (strcmp(names->name, s) == 0) {
			*out = names->value;
			return 0;
		}
	return -1;
}

static const char *
enum_name_of(const struct enum_name *names, int v)
{
	for (; names->name != NULL; names++)
		if (names->value == v)
			return names->name;
	return "?";
}

const char *
config_protocol_name(enum protocol p)
{
	return enum_name_of(protocols, p);
}

const char *
config_kind_name(enum point_kind k)
{
	return enum_name_of(kinds, k);
}

const char *
config_table_name(enum reg_table t)
{
	return enum_name_of(tables, t);
}

static void
enum_list(const struct enum_name *names, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (; names->name != NULL && n < len; names++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "|" : "", names->name);
}

static const char *const op_names[] = { "", "==", "!=", "<", "<=", ">", ">=" };

const char *
config_op_name(enum cond_op op)
{
	return op_names[op];
}

int
condition_parse(const char *s, struct condition *c)
{
	static const struct {
		const char *text;
		enum cond_op op;
	} ops[] = { { "==", OP_EQ }, { "!=", OP_NE }, { "<=", OP_LE }, { ">=", OP_GE },
		    { "<", OP_LT }, { ">", OP_GT } };
	char *end;
	double v;

	while (isspace((unsigned char)*s))
		s++;
	if (strncmp(s, "value", 5) != 0)
		return -1;
	s += 5;
	while (isspace((unsigned char)*s))
		s++;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].text);
		if (strncmp(s, ops[i].text, n) != 0)
			continue;
		s += n;
		errno = 0;
		v = strtod(s, &end);
		if (end == s || errno != 0 || !isfinite(v))
			return -1;
		while (isspace((unsigned char)*end))
			end++;
		if (*end != '\0')
			return -1;
		c->op = ops[i].op;
		c->value = v;
		return 0;
	}
	return -1;
}

int
condition_holds(const struct condition *c, double v)
{
	switch (c->op) {
	case OP_EQ: return v == c->value;
	case OP_NE: return v != c->value;
	case OP_LT: return v < c->value;
	case OP_LE: return v <= c->value;
	case OP_GT: return v > c->value;
	case OP_GE: return v >= c->value;
	case OP_NONE: break;
	}
	return 0;
}

static int
valid_id(const char *s, int site)
{
	if (*s == '\0' || strlen(s) >= CONF_ID_MAX)
		return 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (site ? !(islower(c) || isdigit(c) || c == '-') :
			   !(isalnum(c) || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static char *
resolve_path(const struct parse *ps, const char *v)
{
	char *p;

	if (v[0] == '/' || ps->dir == NULL)
		return strdup(v);
	if (asprintf(&p, "%s/%s", ps->dir, v) < 0)
		return NULL;
	return p;
}

static void
set_int(void *field, int size, long v)
{
	if (size == (int)sizeof(char))
		*(char *)field = (char)v;
	else
		*(int *)field = (int)v;
}

/* apply_key: stores one value through the key table. */
static int
apply_key(struct parse *ps, const struct key *k, void *obj, const char *v, int line)
{
	char *field = (char *)obj + k->off;
	char list[128];
	char *end;
	int64_t ms;
	long lv;
	double dv;
	int ev;

	switch (k->type) {
	case K_STR:
	case K_RAW:
		if (*v == '\0' && k->type == K_STR && k->sec != SEC_DEVICE) {
			report(ps, ps->file, line, "%s: empty value", k->name);
			return -1;
		}
		free(*(char **)field);
		*(char **)field = strdup(v);
		return 0;
	case K_PATH:
		if (*v == '\0') {
			report(ps, ps->file, line, "%s: empty path", k->name);
			return -1;
		}
		free(*(char **)field);
		*(char **)field = resolve_path(ps, v);
		return 0;
	case K_SITEID:
		if (!valid_id(v, 1)) {
			report(ps, ps->file, line, "%s: '%s' is not a valid site id ([a-z0-9-]+)", k->name, v);
			return -1;
		}
		free(*(char **)field);
		*(char **)field = strdup(v);
		return 0;
	case K_TZ:
		if (!time_zone_valid(v)) {
			report(ps, ps->file, line, "%s: unknown time zone '%s'", k->name, v);
			return -1;
		}
		free(*(char **)field);
		*(char **)field = strdup(v);
		return 0;
	case K_INT:
		errno = 0;
		lv = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || errno != 0) {
			report(ps, ps->file, line, "%s: '%s' is not an integer", k->name, v);
			return -1;
		}
		if (lv < (long)k->min || lv > (long)k->max) {
			report(ps, ps->file, line, "%s: %ld is out of range [%.0f, %.0f]", k->name, lv, k->min, k->max);
			return -1;
		}
		set_int(field, k->size, lv);
		return 0;
	case K_DOUBLE:
		errno = 0;
		dv = strtod(v, &end);
		if (*v == '\0' || *end != '\0' || errno != 0 || !isfinite(dv)) {
			report(ps, ps->file, line, "%s: '%s' is not a number", k->name, v);
			return -1;
		}
		if (dv < k->min || dv > k->max) {
			report(ps, ps->file, line, "%s: %g is out of range [%g, %g]", k->name, dv, k->min, k->max);
			return -1;
		}
		*(double *)field = dv;
		return 0;
	case K_DURATION:
		if (time_parse_duration(v, &ms) != 0) {
			report(ps, ps->file, line, "%s: '%s' is not a duration (e.g. 250ms, 5s, 2m, 1h)", k->name, v);
			return -1;
		}
		if (ms < (int64_t)k->min || ms > (int64_t)k->max) {
			char lo[32], hi[32];
			time_format_duration((int64_t)k->min, lo, sizeof(lo));
			time_format_duration((int64_t)k->max, hi, sizeof(hi));
			report(ps, ps->file, line, "%s: %s is out of range [%s, %s]", k->name, v, lo, hi);
			return -1;
		}
		*(int64_t *)field = ms;
		return 0;
	case K_BOOL:
	case K_ENUM:
		if (enum_lookup(k->names, v, &ev) != 0) {
			enum_list(k->names, list, sizeof(list));
			report(ps, ps->file, line, "%s: '%s' is not one of %s", k->name, v, list);
			return -1;
		}
		set_int(field, k->size, ev);
		return 0;
	case K_LOGLEVEL:
		ev = log_level_parse(v);
		if (ev < 0) {
			report(ps, ps->file, line, "%s: '%s' is not one of debug|info|notice|warning|err", k->name, v);
			return -1;
		}
		*(int *)field = ev;
		return 0;
	case K_COND: {
		struct condition c;
		if (condition_parse(v, &c) != 0) {
			report(ps, ps->file, line, "%s: '%s' is not a condition (value OP NUMBER, OP one of == != < <= > >=)", k->name, v);
			return -1;
		}
		*(struct condition *)field = c;
		return 0;
	}
	case K_READ: {
		struct conf_point *pt = obj;
		char tname[16];
		int addr, n = 0, t;
		if (sscanf(v, "%15s %d%n", tname, &addr, &n) != 2 || v[n] != '\0' ||
		    enum_lookup(tables, tname, &t) != 0) {
			report(ps, ps->file, line, "read: '%s' is not TABLE ADDRESS (coil|discrete|input|holding N)", v);
			return -1;
		}
		if (addr < 0 || addr > 65535) {
			report(ps, ps->file, line, "read: address %d is out of range [0, 65535]", addr);
			return -1;
		}
		pt->table = (enum reg_table)t;
		pt->address = addr;
		return 0;
	}
	}
	return -1;
}

static void
apply_defaults(struct parse *ps, enum section sec, void *obj)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].sec == sec && keys[i].def != NULL)
			(void)apply_key(ps, &keys[i], obj, keys[i].def, 0);
}

static int
grow(void *vec, size_t n, size_t elem)
{
	void **v = vec;
	void *nv;

	if ((n & (n - 1)) != 0 && n != 0)
		return 0;   /* capacity is the next power of two: room left */
	nv = realloc(*v, (n ? n * 2 : 4) * elem);
	if (nv == NULL)
		return -1;
	*v = nv;
	return 0;
}

static struct conf_device *
device_new(struct parse *ps, const char *id, int line)
{
	struct config *cf = ps->cf;
	struct conf_device *d;

	if (grow(&cf->devices, cf->ndevices, sizeof(*cf->devices)) != 0 ||
	    grow(&ps->dev_seen, cf->ndevices, sizeof(*ps->dev_seen)) != 0 ||
	    grow(&ps->dev_keyline, cf->ndevices, sizeof(*ps->dev_keyline)) != 0 ||
	    (d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	snprintf(d->id, sizeof(d->id), "%s", id);
	d->file = ps->file;
	d->line = line;
	apply_defaults(ps, SEC_DEVICE, d);
	ps->dev_seen[cf->ndevices] = 0;
	ps->dev_keyline[cf->ndevices] = line;
	cf->devices[cf->ndevices++] = d;
	return d;
}

static struct conf_point *
point_new(struct parse *ps, const char *id, int line)
{
	struct config *cf = ps->cf;
	struct conf_point *p;
	const char *dot = strchr(id, '.');

	if (grow(&cf->points, cf->npoints, sizeof(*cf->points)) != 0 ||
	    grow(&ps->pt_seen, cf->npoints, sizeof(*ps->pt_seen)) != 0 ||
	    (p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	snprintf(p->id, sizeof(p->id), "%s", id);
	snprintf(p->name, sizeof(p->name), "%s", dot + 1);
	p->bit = -1;
	p->file = ps->file;
	p->line = line;
	apply_defaults(ps, SEC_POINT, p);
	ps->pt_seen[cf->npoints] = 0;
	cf->points[cf->npoints++] = p;
	return p;
}

struct conf_device *
config_device(const struct config *cf, const char *id)
{
	for (size_t i = 0; i < cf->ndevices; i++)
		if (strcmp(cf->devices[i]->id, id) == 0)
			return cf->devices[i];
	return NULL;
}

struct conf_point *
config_point(const struct config *cf, const char *id)
{
	for (size_t i = 0; i < cf->npoints; i++)
		if (strcmp(cf->points[i]->id, id) == 0)
			return cf->points[i];
	return NULL;
}

/* begin_section: "[device cnc-01]" etc. Sets ps->sec/obj/seen. */
static void
begin_section(struct parse *ps, const char *name)
{
	char word[16], rest[256];
	int n = 0;

	ps->sec = SEC_BAD;
	ps->obj = NULL;
	ps->seen = &ps->seen_bad;
	rest[0] = '\0';
	if (sscanf(name, "%15s%n", word, &n) != 1) {
		report(ps, ps->file, ps->line, "empty section name");
		return;
	}
	while (isspace((unsigned char)name[n]))
		n++;
	snprintf(rest, sizeof(rest), "%s", name + n);

	if (strcmp(word, "site") == 0 || strcmp(word, "daemon") == 0 || strcmp(word, "mqtt") == 0 ||
	    strcmp(word, "web") == 0) {
		if (rest[0] != '\0') {
			report(ps, ps->file, ps->line, "section [%s] takes no name", word);
			return;
		}
		if (ps->dropin) {
			report(ps, ps->file, ps->line, "section [%s] belongs in the main configuration file, not in the devices directory", word);
			return;
		}
		if (word[0] == 's') {
			ps->sec = SEC_SITE;
			ps->obj = &ps->cf->site;
			ps->seen = &ps->seen_site;
		} else if (word[0] == 'd') {
			ps->sec = SEC_DAEMON;
			ps->obj = &ps->cf->daemon;
			ps->seen = &ps->seen_daemon;
		} else if (word[0] == 'w') {
			ps->sec = SEC_WEB;
			ps->obj = &ps->cf->web;
			ps->seen = &ps->seen_web;
			ps->cf->web.present = 1;
		} else {
			ps->sec = SEC_MQTT;
			ps->obj = &ps->cf->mqtt;
			ps->seen = &ps->seen_mqtt;
			ps->cf->mqtt.present = 1;
		}
		return;
	}
	if (strcmp(word, "device") == 0) {
		struct conf_device *d;
		if (!valid_id(rest, 0)) {
			report(ps, ps->file, ps->line, "device id '%s' is not valid ([A-Za-z0-9_-]+, at most %d characters)", rest, CONF_ID_MAX - 1);
			return;
		}
		if ((d = config_device(ps->cf, rest)) != NULL) {
			report(ps, ps->file, ps->line, "duplicate device '%s' (first defined at %s:%d)", rest, d->file, d->line);
			return;
		}
		if ((d = device_new(ps, rest, ps->line)) == NULL) {
			report(ps, ps->file, ps->line, "out of memory");
			return;
		}
		ps->sec = SEC_DEVICE;
		ps->obj = d;
		ps->seen = &ps->dev_seen[ps->cf->ndevices - 1];
		return;
	}
	if (strcmp(word, "point") == 0) {
		struct conf_point *p;
		const char *dot = strchr(rest, '.');
		char dev[CONF_ID_MAX];
		if (dot == NULL || dot == rest || (size_t)(dot - rest) >= sizeof(dev) || !valid_id(dot + 1, 0)) {
			report(ps, ps->file, ps->line, "point id '%s' is not DEVICE.NAME", rest);
			return;
		}
		memcpy(dev, rest, (size_t)(dot - rest));
		dev[dot - rest] = '\0';
		if (!valid_id(dev, 0)) {
			report(ps, ps->file, ps->line, "point id '%s' is not DEVICE.NAME", rest);
			return;
		}
		if (strcmp(dot + 1, "comm") == 0 || strcmp(dot + 1, "manual") == 0) {
			report(ps, ps->file, ps->line, "point name '%s' is reserved", dot + 1);
			return;
		}
		if ((p = config_point(ps->cf, rest)) != NULL) {
			report(ps, ps->file, ps->line, "duplicate point '%s' (first defined at %s:%d)", rest, p->file, p->line);
			return;
		}
		if ((p = point_new(ps, rest, ps->line)) == NULL) {
			report(ps, ps->file, ps->line, "out of memory");
			return;
		}
		ps->sec = SEC_POINT;
		ps->obj = p;
		ps->seen = &ps->pt_seen[ps->cf->npoints - 1];
		return;
	}
	report(ps, ps->file, ps->line, "unknown section [%s]", name);
}

/* strip_comment: an inline comment is whitespace, then '#' or ';', then
 * whitespace or the end: "CK6140 #1" keeps its "#1". */
static void
strip_comment(char *v)
{
	char *p;

	for (p = v; *p; p++)
		if ((*p == '#' || *p == ';') && p > v && isspace((unsigned char)p[-1]) &&
		    (p[1] == '\0' || isspace((unsigned char)p[1]))) {
			*p = '\0';
			break;
		}
	p = v + strlen(v);
	while (p > v && isspace((unsigned char)p[-1]))
		*--p = '\0';
}


/* key_bit: the bit of a key in its section's "seen" mask. */
static uint64_t
key_bit(enum section sec, const char *name)
{
	unsigned idx = 0;

	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].sec != sec)
			continue;
		if (strcmp(keys[i].name, name) == 0)
			return 1ull << idx;
		idx++;
	}
	return 0;
}

static int
conf_handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *ps = user;
	char v[LINE_MAX_LEN];
	uint64_t bit;
	size_t ki;

	(void)section;   /* sections are recognised by the reader, with their line */
	if (ps->sec == SEC_NONE) {
		report(ps, ps->file, ps->line, "key '%s' outside of any section", name);
		ps->sec = SEC_BAD;
		ps->obj = NULL;
		ps->seen = &ps->seen_bad;
		return 1;
	}
	if (ps->sec == SEC_BAD || ps->obj == NULL)
		return 1;   /* the section's error was reported once */

	snprintf(v, sizeof(v), "%s", value);
	strip_comment(v);
	for (ki = 0; ki < NKEYS; ki++)
		if (keys[ki].sec == ps->sec && strcmp(keys[ki].name, name) == 0)
			break;
	if (ki == NKEYS) {
		if (ps->sec == SEC_DEVICE || ps->sec == SEC_POINT)
			report(ps, ps->file, ps->line, "unknown key '%s' in [%s %s]", name,
			    ps->sec == SEC_DEVICE ? "device" : "point",
			    ps->sec == SEC_DEVICE ? ((struct conf_device *)ps->obj)->id :
						    ((struct conf_point *)ps->obj)->id);
		else
			report(ps, ps->file, ps->line, "unknown key '%s' in [%s]", name,
			    ps->sec == SEC_SITE ? "site" : ps->sec == SEC_DAEMON ? "daemon" :
			    ps->sec == SEC_WEB ? "web" : "mqtt");
		return 1;
	}
	bit = key_bit(ps->sec, name);
	if (*ps->seen & bit) {
		report(ps, ps->file, ps->line, "duplicate key '%s'", name);
		return 1;
	}
	*ps->seen |= bit;
	if (ps->sec == SEC_DEVICE && strcmp(name, "offline_after") == 0)
		ps->dev_keyline[ps->cf->ndevices - 1] = ps->line;
	if (apply_key(ps, &keys[ki], ps->obj, v, ps->line) == 0 && ps->sec == SEC_POINT &&
	    strcmp(name, "type") == 0)
		((struct conf_point *)ps->obj)->type_set = 1;
	return 1;
}

/*
 * reader: inih's line source. It counts lines (inih does not tell the
 * handler where it is), recognises section headers so that empty and
 * repeated sections are seen, and reports lines inih would reject, so that
 * every error is reported, not only the first.
 */
static char *
reader(char *buf, int size, void *arg)
{
	struct parse *ps = arg;
	char *s, *e;
	size_t n;

	if (fgets(buf, size, ps->fp) == NULL)
		return NULL;
	ps->line++;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] != '\n' && !feof(ps->fp)) {
		int c;
		report(ps, ps->file, ps->line, "line longer than %d bytes", size - 3);
		while ((c = fgetc(ps->fp)) != EOF && c != '\n')
			;
		buf[0] = '\0';   /* a blank line for inih */
		return buf;
	}
	s = buf;
	if (ps->line == 1 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
	    (unsigned char)s[2] == 0xBF)
		s += 3;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == '#' || *s == ';')
		return buf;
	if (*s == '[') {
		char name[256];
		e = strchr(s, ']');
		if (e == NULL) {
			report(ps, ps->file, ps->line, "section header without ']'");
			ps->sec = SEC_BAD;
			ps->obj = NULL;
			ps->seen = &ps->seen_bad;
			buf[0] = '\0';
			return buf;
		}
		s++;
		while (isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		snprintf(name, sizeof(name), "%.*s", (int)(e - s), s);
		begin_section(ps, name);
		return buf;
	}
	if (strpbrk(s, "=:") == NULL) {
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		report(ps, ps->file, ps->line, "expected KEY = VALUE or [SECTION]: '%.*s'", (int)(e - s), s);
		buf[0] = '\0';
	}
	return buf;
}

static int
parse_file(struct parse *ps, const char *path, int dropin)
{
	struct config *cf = ps->cf;
	char **nf, *slash;
	int rc;

	nf = realloc(cf->files, (cf->nfiles + 1) * sizeof(*cf->files));
	if (nf == NULL)
		return -1;
	cf->files = nf;
	if ((cf->files[cf->nfiles] = strdup(path)) == NULL)
		return -1;
	ps->file = cf->files[cf->nfiles++];
	free(ps->dir);
	ps->dir = strdup(path);
	if (ps->dir != NULL && (slash = strrchr(ps->dir, '/')) != NULL)
		*(slash == ps->dir ? slash + 1 : slash) = '\0';
	else {
		free(ps->dir);
		ps->dir = strdup(".");
	}
	if ((ps->fp = fopen(path, "r")) == NULL) {
		report(ps, path, 0, "%s", strerror(errno));
		return -1;
	}
	ps->line = 0;
	ps->dropin = dropin;
	ps->sec = SEC_NONE;
	ps->obj = NULL;

	/* our reader does comments, long lines and headers; inih splits KEY = VALUE */
	ini_allow_inline_comments = false;
	ini_allow_multiline = false;
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_max_line = LINE_MAX_LEN;
	ini_initial_alloc = LINE_MAX_LEN;   /* without realloc, the heap buffer's size is this */
	rc = ini_parse_stream(reader, ps, conf_handler, ps);
	if (rc == -2)
		report(ps, path, 0, "out of memory");
	fclose(ps->fp);
	ps->fp = NULL;
	return 0;
}

static int
conf_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* parse_dropins: every *.conf of the devices directory, in name order. */
static void
parse_dropins(struct parse *ps, const char *dir, int explicit)
{
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		if (errno != ENOENT || explicit)
			report(ps, dir, 0, "devices directory: %s", strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char **nn;
		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nn = realloc(names, cap * sizeof(*names))) == NULL)
				break;
			names = nn;
		}
		if (asprintf(&names[n], "%s/%s", dir, de->d_name) < 0)
			break;
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), conf_name_cmp);
	for (size_t i = 0; i < n; i++) {
		(void)parse_file(ps, names[i], 1);
		free(names[i]);
	}
	free(names);
}

#define GIVEN(mask, sec, name) (((mask) & key_bit(sec, name)) != 0)

static void
validate_device(struct parse *ps, struct conf_device *d, uint64_t seen, int keyline)
{
	static const char *const tcp_only[] = { "host", "port", NULL };
	static const char *const rtu_only[] = { "serial", "baud", "parity", "data_bits", "stop_bits", NULL };
	static const char *const modbus_only[] = { "unit", "timeout", "max_registers", "max_bits", NULL };
	const char *const *bad[3] = { NULL, NULL, NULL };
	char *end;
	long n;

	if (!GIVEN(seen, SEC_DEVICE, "protocol")) {
		report(ps, d->file, d->line, "device '%s': protocol is required (modbus-tcp|modbus-rtu|mqtt)", d->id);
		return;
	}
	if (d->name == NULL || d->name[0] == '\0') {
		free(d->name);
		d->name = strdup(d->id);
	}
	if (d->lab == NULL || d->lab[0] == '\0') {
		free(d->lab);
		d->lab = strdup("未分配实训室");
	}
	switch (d->protocol) {
	case PROTO_MODBUS_TCP:
		bad[0] = rtu_only;
		if (d->host == NULL || d->host[0] == '\0')
			report(ps, d->file, d->line, "device '%s': host is required for modbus-tcp", d->id);
		break;
	case PROTO_MODBUS_RTU:
		bad[0] = tcp_only;
		if (d->serial == NULL)
			report(ps, d->file, d->line, "device '%s': serial is required for modbus-rtu", d->id);
		if (d->unit < 1 || d->unit > 247)
			report(ps, d->file, d->line, "device '%s': unit %d is out of range [1, 247] for modbus-rtu", d->id, d->unit);
		break;
	case PROTO_MQTT:
		bad[0] = tcp_only;
		bad[1] = rtu_only;
		bad[2] = modbus_only;
		if (d->topic == NULL || d->topic[0] == '\0')
			report(ps, d->file, d->line, "device '%s': topic is required for mqtt", d->id);
		else if (strpbrk(d->topic, "+#") != NULL)
			report(ps, d->file, d->line, "device '%s': topic must not contain wildcards", d->id);
		if (!ps->cf->mqtt.present)
			report(ps, d->file, d->line, "device '%s': protocol mqtt needs an [mqtt] section", d->id);
		break;
	case PROTO_NONE:
		break;
	}
	if (d->protocol != PROTO_MQTT && GIVEN(seen, SEC_DEVICE, "topic"))
		report(ps, d->file, d->line, "device '%s': topic is only for mqtt devices", d->id);
	for (int b = 0; b < 3; b++)
		for (const char *const *k = bad[b]; k != NULL && *k != NULL; k++)
			if (GIVEN(seen, SEC_DEVICE, *k))
				report(ps, d->file, d->line, "device '%s': %s does not apply to protocol %s", d->id, *k, config_protocol_name(d->protocol));

	/* offline_after: failed polls for modbus, a duration of silence for mqtt */
	if (d->protocol == PROTO_MQTT) {
		const char *v = d->offline_after_raw ? d->offline_after_raw : "60s";
		if (time_parse_duration(v, &d->offline_ms) != 0 || d->offline_ms < 1000)
			report(ps, d->file, keyline, "device '%s': offline_after: '%s' is not a duration of at least 1s", d->id, v);
	} else {
		const char *v = d->offline_after_raw ? d->offline_after_raw : "3";
		errno = 0;
		n = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || errno != 0 || n < 1 || n > 1000)
			report(ps, d->file, keyline, "device '%s': offline_after: '%s' is not a number of failed polls in [1, 1000]", d->id, v);
		else
			d->offline_polls = (int)n;
	}
}

static void
validate_point(struct parse *ps, struct conf_point *p, uint64_t seen)
{
	char dev[CONF_ID_MAX];
	struct conf_device *d;
	const char *dot = strchr(p->id, '.');

	snprintf(dev, sizeof(dev), "%.*s", (int)(dot - p->id), p->id);
	if ((d = config_device(ps->cf, dev)) == NULL) {
		report(ps, p->file, p->line, "point '%s': no device '%s'", p->id, dev);
		return;
	}
	p->device = d;
	{
		struct conf_point **np = realloc(d->points, (d->npoints + 1) * sizeof(*np));
		if (np == NULL) {
			report(ps, p->file, p->line, "out of memory");
			return;
		}
		d->points = np;
		d->points[d->npoints++] = p;
	}
	if (p->label == NULL || p->label[0] == '\0') {
		free(p->label);
		p->label = strdup(p->name);
	}
	if (d->protocol == PROTO_MQTT) {
		static const char *const modbus_keys[] = { "read", "type", "order", "bit", NULL };
		for (const char *const *k = modbus_keys; *k; k++)
			if (GIVEN(seen, SEC_POINT, *k))
				report(ps, p->file, p->line, "point '%s': %s does not apply to an mqtt device (use json)", p->id, *k);
	} else if (d->protocol != PROTO_NONE) {
		if (GIVEN(seen, SEC_POINT, "json"))
			report(ps, p->file, p->line, "point '%s': json applies only to mqtt devices", p->id);
		if (!GIVEN(seen, SEC_POINT, "read")) {
			report(ps, p->file, p->line, "point '%s': read is required (coil|discrete|input|holding N)", p->id);
		} else if (p->table == TABLE_COIL || p->table == TABLE_DISCRETE) {
			if (p->type_set && p->type != TYPE_BOOL)
				report(ps, p->file, p->line, "point '%s': a %s is a bit; type must be bool", p->id, config_table_name(p->table));
			if (GIVEN(seen, SEC_POINT, "bit"))
				report(ps, p->file, p->line, "point '%s': bit applies only to input and holding registers", p->id);
			p->type = TYPE_BOOL;
		} else {
			if (!p->type_set)
				p->type = TYPE_UINT16;
			if (p->type == TYPE_BOOL)
				report(ps, p->file, p->line, "point '%s': type bool needs a coil or discrete input; use bit = N for one bit of a register", p->id);
			if (GIVEN(seen, SEC_POINT, "bit") && p->type != TYPE_INT16 && p->type != TYPE_UINT16)
				report(ps, p->file, p->line, "point '%s': bit needs a 16-bit register (int16 or uint16)", p->id);
			if (p->type >= TYPE_INT32 && p->address > 65534)
				report(ps, p->file, p->line, "point '%s': a 32-bit value at %d runs past the last register", p->id, p->address);
			if (GIVEN(seen, SEC_POINT, "order") && p->type < TYPE_INT32)
				report(ps, p->file, p->line, "point '%s': order applies only to 32-bit types", p->id);
		}
	}
	if (p->kind != KIND_STATUS && !GIVEN(seen, SEC_POINT, "when"))
		report(ps, p->file, p->line, "point '%s': kind %s needs a when condition", p->id, config_kind_name(p->kind));
	if (GIVEN(seen, SEC_POINT, "clear") && !GIVEN(seen, SEC_POINT, "when"))
		report(ps, p->file, p->line, "point '%s': clear without when", p->id);
}

/* Devices sharing a serial port share its settings: they are one bus. */
static void
validate_links(struct parse *ps)
{
	struct config *cf = ps->cf;
	size_t nlinks = 0;

	/* One descriptor per link, and libmodbus waits with select(): past
	 * FD_SETSIZE less what the daemon needs for itself it cannot work. */
	for (size_t i = 0; i < cf->ndevices; i++) {
		struct conf_device *a = cf->devices[i];
		int first = a->protocol == PROTO_MODBUS_TCP || a->protocol == PROTO_MODBUS_RTU;
		for (size_t j = 0; first && j < i; j++) {
			struct conf_device *b = cf->devices[j];
			if (b->protocol != a->protocol)
				continue;
			if (a->protocol == PROTO_MODBUS_TCP && a->host && b->host &&
			    strcmp(a->host, b->host) == 0 && a->port == b->port)
				first = 0;
			if (a->protocol == PROTO_MODBUS_RTU && a->serial && b->serial &&
			    strcmp(a->serial, b->serial) == 0)
				first = 0;
		}
		if (first && ++nlinks == CONFIG_MAX_LINKS + 1)
			report(ps, a->file, a->line, "device '%s': Modbus link %zu; one tbmond polls at most %d links (endpoints or serial ports): split the devices over several instances", a->id, nlinks, CONFIG_MAX_LINKS);
	}

	for (size_t i = 0; i < cf->ndevices; i++) {
		struct conf_device *a = cf->devices[i];
		for (size_t j = 0; j < i; j++) {
			struct conf_device *b = cf->devices[j];
			if (a->protocol != b->protocol)
				continue;
			if (a->protocol == PROTO_MODBUS_RTU && a->serial && b->serial &&
			    strcmp(a->serial, b->serial) == 0) {
				if (a->baud != b->baud || a->parity != b->parity ||
				    a->data_bits != b->data_bits || a->stop_bits != b->stop_bits)
					report(ps, a->file, a->line, "device '%s': serial settings differ from device '%s' on the same port %s", a->id, b->id, a->serial);
				if (a->unit == b->unit)
					report(ps, a->file, a->line, "device '%s': unit %d is already used by device '%s' on %s", a->id, a->unit, b->id, a->serial);
			}
			if (a->protocol == PROTO_MODBUS_TCP && a->host && b->host &&
			    strcmp(a->host, b->host) == 0 && a->port == b->port && a->unit == b->unit)
				report(ps, a->file, a->line, "device '%s': unit %d at %s:%d is already device '%s'", a->id, a->unit, a->host, a->port, b->id);
			if (a->protocol == PROTO_MQTT && a->topic && b->topic && strcmp(a->topic, b->topic) == 0)
				report(ps, a->file, a->line, "device '%s': topic '%s' is already used by device '%s'", a->id, a->topic, b->id);
		}
	}
}

struct config *
config_load(const char *path, config_report_fn rep, void *arg, int *nerrors)
{
	struct parse ps;
	struct config *cf;

	memset(&ps, 0, sizeof(ps));
	ps.report = rep;
	ps.report_arg = arg;
	if ((cf = calloc(1, sizeof(*cf))) == NULL)
		return NULL;
	ps.cf = cf;
	cf->path = strdup(path);
	apply_defaults(&ps, SEC_DAEMON, &cf->daemon);
	apply_defaults(&ps, SEC_MQTT, &cf->mqtt);
	apply_defaults(&ps, SEC_WEB, &cf->web);

	if (parse_file(&ps, path, 0) == 0) {
		if (!(ps.seen_site & key_bit(SEC_SITE, "id")))
			report(&ps, path, 0, "[site] id is required");
		if (cf->site.name == NULL && cf->site.id != NULL)
			cf->site.name = strdup(cf->site.id);
		if (cf->mqtt.present) {
			if (cf->mqtt.url == NULL)
				report(&ps, path, 0, "[mqtt] url is required");
			else if (strncmp(cf->mqtt.url, "mqtt://", 7) != 0 && strncmp(cf->mqtt.url, "mqtts://", 8) != 0)
				report(&ps, path, 0, "[mqtt] url '%s' must start with mqtt:// or mqtts://", cf->mqtt.url);
			if (cf->mqtt.client_id == NULL && cf->site.id != NULL &&
			    asprintf(&cf->mqtt.client_id, "tbmond-%s", cf->site.id) < 0)
				cf->mqtt.client_id = NULL;
		}
		if (cf->daemon.devices != NULL)
			parse_dropins(&ps, cf->daemon.devices, 1);
		else {
			/* default: devices.d beside the configuration file, if it is there */
			char *def = NULL;
			free(ps.dir);
			ps.dir = strdup(path);
			char *slash = ps.dir ? strrchr(ps.dir, '/') : NULL;
			if (slash != NULL) {
				*slash = '\0';
				if (asprintf(&def, "%s/devices.d", ps.dir) < 0)
					def = NULL;
			} else if ((def = strdup("devices.d")) == NULL) {
				def = NULL;
			}
			if (def != NULL) {
				parse_dropins(&ps, def, 0);
				cf->daemon.devices = def;
			}
		}
		for (size_t i = 0; i < cf->ndevices; i++)
			validate_device(&ps, cf->devices[i], ps.dev_seen[i], ps.dev_keyline[i]);
		for (size_t i = 0; i < cf->npoints; i++)
			validate_point(&ps, cf->points[i], ps.pt_seen[i]);
		validate_links(&ps);
	}
	free(ps.dir);
	free(ps.dev_seen);
	free(ps.pt_seen);
	free(ps.dev_keyline);
	if (nerrors != NULL)
		*nerrors = ps.nerrors;
	if (ps.nerrors > 0) {
		config_free(cf);
		return NULL;
	}
	return cf;
}

void
config_free(struct config *cf)
{
	if (cf == NULL)
		return;
	free(cf->path);
	free(cf->site.id);
	free(cf->site.name);
	free(cf->site.timezone);
	free(cf->daemon.database);
	free(cf->daemon.devices);
	free(cf->mqtt.url);
	free(cf->mqtt.client_id);
	free(cf->mqtt.username);
	free(cf->mqtt.password_file);
	free(cf->mqtt.ca_file);
	free(cf->mqtt.events_topic);
	free(cf->mqtt.status_topic);
	free(cf->web.listen);
	free(cf->web.base_url);
	free(cf->web.cert_file);
	free(cf->web.key_file);
	for (size_t i = 0; i < cf->ndevices; i++) {
		struct conf_device *d = cf->devices[i];
		free(d->name);
		free(d->lab);
		free(d->host);
		free(d->offline_after_raw);
		free(d->serial);
		free(d->topic);
		free(d->points);
		free(d);
	}
	free(cf->devices);
	for (size_t i = 0; i < cf->npoints; i++) {
		free(cf->points[i]->label);
		free(cf->points[i]->json);
		free(cf->points[i]);
	}
	free(cf->points);
	for (size_t i = 0; i < cf->nfiles; i++)
		free(cf->files[i]);
	free(cf->files);
	free(cf);
}
