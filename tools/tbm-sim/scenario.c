/*
 * scenario.c - reads a scenario file: [sim], [server NAME], [broker NAME],
 * [device NAME] and [at TIME] sections. Errors are reported as FILE:LINE:
 * message, all of them; references (a device's server or broker, a step's
 * device) are resolved once the whole file is read, so sections may come in
 * any order. Whether a device is a Modbus or an MQTT one (server = or
 * broker =) is known only then too, so its behaviour is parsed then.
 */
#include "sim.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "inifile.h"
#include "tbmtime.h"

#define LINE_LEN 1024

enum section { SEC_NONE, SEC_SIM, SEC_SERVER, SEC_BROKER, SEC_DEVICE, SEC_AT, SEC_BAD };

#define DEFAULT_INTERVAL_MS 1000
#define DEFAULT_CONNECT_TIMEOUT_MS 10000

/* What a device section said that is checked once the file is read. */
struct devinfo {
	char server[SIM_NAME_MAX];
	int server_line;
	char broker[SIM_NAME_MAX];
	int broker_line;
	char behaviour[128];
	int behaviour_line;
	int unit_line;              /* keys of one kind of device only: where */
	int topic_line;             /* they were given, 0 if not */
	int interval_line;
	int register_line;
};

/* A timeline assignment waiting for its device to be known. */
struct pending {
	size_t step;
	char key[128];
	char value[LINE_LEN];
	int line;
};

struct parser {
	struct scenario *sc;
	const char *path;
	int line;
	struct inifile_diag diag;   /* FILE:LINE errors on stderr, counted */
	enum section sec;
	struct sim_server *srv;
	struct sim_broker *brk;
	struct sim_device *dev;
	size_t step;
	unsigned seen;              /* keys given in the current section */
	int sim_seen;
	struct devinfo *devinfo;    /* parallel to sc->devices */
	struct pending *pend;
	size_t npend;
};

static void perror_at(struct parser *ps, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
perror_at(struct parser *ps, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	inifile_verror(&ps->diag, ps->path, line, fmt, ap);
	va_end(ap);
}

static int
valid_name(const char *s)
{
	if (*s == '\0' || strlen(s) >= SIM_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return 0;
	return 1;
}

char *
sim_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* An inline comment starts at '#' or ';' after whitespace. */
static void
strip_comment(char *s)
{
	for (char *p = s; *p; p++)
		if ((*p == '#' || *p == ';') && (p == s || isspace((unsigned char)p[-1]))) {
			*p = '\0';
			return;
		}
}

static int
grow(void *vec, size_t n, size_t elem)
{
	void **v = vec;
	void *nv;

	if (n != 0 && (n & (n - 1)) != 0)
		return 0;   /* capacity is the next power of two: room left */
	if ((nv = realloc(*v, (n ? n * 2 : 4) * elem)) == NULL)
		return -1;
	*v = nv;
	return 0;
}

static int
parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

struct sim_device *
scenario_device(const struct scenario *sc, const char *name)
{
	for (size_t i = 0; i < sc->ndevices; i++)
		if (strcmp(sc->devices[i]->name, name) == 0)
			return sc->devices[i];
	return NULL;
}

static struct sim_server *
find_server(const struct scenario *sc, const char *name)
{
	for (size_t i = 0; i < sc->nservers; i++)
		if (strcmp(sc->servers[i]->name, name) == 0)
			return sc->servers[i];
	return NULL;
}

static struct sim_broker *
find_broker(const struct scenario *sc, const char *name)
{
	for (size_t i = 0; i < sc->nbrokers; i++)
		if (strcmp(sc->brokers[i]->name, name) == 0)
			return sc->brokers[i];
	return NULL;
}

static void
begin_section(struct parser *ps, char *hdr)
{
	struct scenario *sc = ps->sc;
	char *word = hdr, *rest;

	ps->sec = SEC_BAD;
	ps->seen = 0;
	rest = word;
	while (*rest && !isspace((unsigned char)*rest))
		rest++;
	if (*rest)
		*rest++ = '\0';
	rest = sim_trim(rest);

	if (strcmp(word, "sim") == 0) {
		if (*rest)
			perror_at(ps, ps->line, "section [sim] takes no name");
		else if (ps->sim_seen)
			perror_at(ps, ps->line, "duplicate section [sim]");
		else {
			ps->sim_seen = 1;
			ps->sec = SEC_SIM;
		}
		return;
	}
	if (strcmp(word, "server") == 0) {
		struct sim_server *s;
		if (!valid_name(rest)) {
			perror_at(ps, ps->line, "server name '%s' is not valid ([A-Za-z0-9_-]+)", rest);
			return;
		}
		if ((s = find_server(sc, rest)) != NULL) {
			perror_at(ps, ps->line, "duplicate server '%s' (first at line %d)", rest, s->line);
			return;
		}
		if (grow(&sc->servers, sc->nservers, sizeof(*sc->servers)) != 0 ||
		    (s = calloc(1, sizeof(*s))) == NULL)
			goto nomem;
		snprintf(s->name, sizeof(s->name), "%s", rest);
		s->line = ps->line;
		s->port = -1;
		s->baud = 9600;
		s->parity = 'E';
		s->data_bits = 8;
		s->stop_bits = 1;
		s->fd = -1;
		s->pty_slave = -1;
		sc->servers[sc->nservers++] = s;
		ps->srv = s;
		ps->sec = SEC_SERVER;
		return;
	}
	if (strcmp(word, "broker") == 0) {
		struct sim_broker *b;
		if (!valid_name(rest)) {
			perror_at(ps, ps->line, "broker name '%s' is not valid ([A-Za-z0-9_-]+)", rest);
			return;
		}
		if ((b = find_broker(sc, rest)) != NULL) {
			perror_at(ps, ps->line, "duplicate broker '%s' (first at line %d)", rest, b->line);
			return;
		}
		if (grow(&sc->brokers, sc->nbrokers, sizeof(*sc->brokers)) != 0 ||
		    (b = calloc(1, sizeof(*b))) == NULL)
			goto nomem;
		snprintf(b->name, sizeof(b->name), "%s", rest);
		b->line = ps->line;
		b->port = -1;
		b->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
		sc->brokers[sc->nbrokers++] = b;
		ps->brk = b;
		ps->sec = SEC_BROKER;
		return;
	}
	if (strcmp(word, "device") == 0) {
		struct sim_device *d;
		if (!valid_name(rest)) {
			perror_at(ps, ps->line, "device name '%s' is not valid ([A-Za-z0-9_-]+)", rest);
			return;
		}
		if ((d = scenario_device(sc, rest)) != NULL) {
			perror_at(ps, ps->line, "duplicate device '%s' (first at line %d)", rest, d->line);
			return;
		}
		if (grow(&sc->devices, sc->ndevices, sizeof(*sc->devices)) != 0 ||
		    grow(&ps->devinfo, sc->ndevices, sizeof(*ps->devinfo)) != 0 ||
		    (d = calloc(1, sizeof(*d))) == NULL)
			goto nomem;
		snprintf(d->name, sizeof(d->name), "%s", rest);
		d->line = ps->line;
		d->unit = 1;
		d->interval_ms = DEFAULT_INTERVAL_MS;
		for (int t = 0; t < 5; t++)
			d->lo[t] = -1;
		memset(&ps->devinfo[sc->ndevices], 0, sizeof(*ps->devinfo));
		sc->devices[sc->ndevices++] = d;
		ps->dev = d;
		ps->sec = SEC_DEVICE;
		return;
	}
	if (strcmp(word, "at") == 0) {
		struct step *st;
		int64_t ms;
		if (time_parse_duration(rest, &ms) != 0) {
			perror_at(ps, ps->line, "[at %s]: not a duration (e.g. 30s, 1.5m, 250ms)", rest);
			return;
		}
		if (grow(&sc->steps, sc->nsteps, sizeof(*sc->steps)) != 0)
			goto nomem;
		st = &sc->steps[sc->nsteps];
		memset(st, 0, sizeof(*st));
		st->at_ms = ms;
		st->line = ps->line;
		ps->step = sc->nsteps++;
		ps->sec = SEC_AT;
		return;
	}
	{
		char sec[512];
		snprintf(sec, sizeof(sec), "%s%s%s", word, *rest ? " " : "", rest);
		inifile_unknown_section(&ps->diag, ps->path, ps->line, sec,
		    "sim|server NAME|broker NAME|device NAME|at TIME");
	}
	return;
nomem:
	perror_at(ps, ps->line, "out of memory");
}

/* seen_once: marks key number `bit` of the section as given; 0 if it was already. */
static int
seen_once(struct parser *ps, unsigned bit, const char *key)
{
	if (ps->seen & (1u << bit)) {
		perror_at(ps, ps->line, "duplicate key '%s'", key);
		return 0;
	}
	ps->seen |= 1u << bit;
	return 1;
}

static void
key_sim(struct parser *ps, const char *key, const char *val)
{
	if (strcmp(key, "loop") == 0) {
		if (!seen_once(ps, 0, key))
			return;
		if (time_parse_duration(val, &ps->sc->loop_ms) != 0 || ps->sc->loop_ms < 100)
			perror_at(ps, ps->line, "loop: '%s' is not a duration of at least 100ms", val);
		return;
	}
	inifile_unknown_key(&ps->diag, ps->path, ps->line, key, "sim", NULL, "loop");
}

static void
key_server(struct parser *ps, const char *key, const char *val)
{
	static const char *const keys[] = { "listen", "serial", "baud", "parity", "data_bits", "stop_bits" };
	struct sim_server *s = ps->srv;
	unsigned k;
	long n;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (strcmp(key, keys[k]) == 0)
			break;
	if (k == sizeof(keys) / sizeof(keys[0])) {
		inifile_unknown_key(&ps->diag, ps->path, ps->line, key, "server", NULL,
		    "listen|serial|baud|parity|data_bits|stop_bits");
		return;
	}
	if (!seen_once(ps, k, key))
		return;
	switch (k) {
	case 0: {   /* listen = HOST:PORT */
		const char *colon = strrchr(val, ':');
		struct in_addr a;
		if (colon == NULL || (size_t)(colon - val) >= sizeof(s->host)) {
			perror_at(ps, ps->line, "listen: '%s' is not HOST:PORT", val);
			return;
		}
		snprintf(s->host, sizeof(s->host), "%.*s", (int)(colon - val), val);
		if (inet_pton(AF_INET, s->host, &a) != 1)
			perror_at(ps, ps->line, "listen: '%s' is not an IPv4 address", s->host);
		if (parse_int(colon + 1, 0, 65535, &n) != 0)
			perror_at(ps, ps->line, "listen: port '%s' is not in 0..65535 (0: any free port)", colon + 1);
		else
			s->port = (int)n;
		if (ps->seen & 2u)
			perror_at(ps, ps->line, "a server is either listen or serial, not both");
		return;
	}
	case 1:
		if (*val == '\0' || strlen(val) >= sizeof(s->path)) {
			perror_at(ps, ps->line, "serial: a device path or 'pty'");
			return;
		}
		if (ps->seen & 1u)
			perror_at(ps, ps->line, "a server is either listen or serial, not both");
		snprintf(s->path, sizeof(s->path), "%s", val);
		s->serial = 1;
		return;
	case 2:
		if (parse_int(val, 50, 4000000, &n) != 0)
			perror_at(ps, ps->line, "baud: '%s' is not in 50..4000000", val);
		else
			s->baud = (int)n;
		return;
	case 3:
		if (strcmp(val, "none") == 0)
			s->parity = 'N';
		else if (strcmp(val, "even") == 0)
			s->parity = 'E';
		else if (strcmp(val, "odd") == 0)
			s->parity = 'O';
		else
			perror_at(ps, ps->line, "parity: '%s' is not one of none|even|odd", val);
		return;
	case 4:
		if (parse_int(val, 5, 8, &n) != 0)
			perror_at(ps, ps->line, "data_bits: '%s' is not in 5..8", val);
		else
			s->data_bits = (int)n;
		return;
	case 5:
		if (parse_int(val, 1, 2, &n) != 0)
			perror_at(ps, ps->line, "stop_bits: '%s' is not 1 or 2", val);
		else
			s->stop_bits = (int)n;
		return;
	}
}

/* url = mqtt://HOST[:PORT]; connect_timeout = DURATION */
static void
key_broker(struct parser *ps, const char *key, const char *val)
{
	struct sim_broker *b = ps->brk;
	const char *host, *end, *colon;
	long n;

	if (strcmp(key, "connect_timeout") == 0) {
		if (!seen_once(ps, 1, key))
			return;
		if (time_parse_duration(val, &b->connect_timeout_ms) != 0 || b->connect_timeout_ms < 100 ||
		    b->connect_timeout_ms > 3600000)
			perror_at(ps, ps->line, "connect_timeout: '%s' is not a duration from 100ms to 1h", val);
		return;
	}
	if (strcmp(key, "url") != 0) {
		inifile_unknown_key(&ps->diag, ps->path, ps->line, key, "broker", NULL,
		    "url|connect_timeout");
		return;
	}
	if (!seen_once(ps, 0, key))
		return;
	b->port = 0;   /* given (a bad one is reported here, not as missing) */
	if (strncmp(val, "mqtts://", 8) == 0) {
		perror_at(ps, ps->line, "url: tbm-sim publishes without TLS (mqtt://HOST[:PORT])");
		return;
	}
	if (strncmp(val, "mqtt://", 7) != 0) {
		perror_at(ps, ps->line, "url: '%s' is not mqtt://HOST[:PORT]", val);
		return;
	}
	host = val + 7;
	if (*host == '[') {                       /* [IPv6]:PORT */
		if ((end = strchr(host, ']')) == NULL || end == host + 1) {
			perror_at(ps, ps->line, "url: '%s': an IPv6 address in [] is not closed", val);
			return;
		}
		snprintf(b->host, sizeof(b->host), "%.*s", (int)(end - host - 1), host + 1);
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] != '\0' && colon == NULL) {
			perror_at(ps, ps->line, "url: '%s' is not mqtt://HOST[:PORT]", val);
			return;
		}
	} else {
		colon = strchr(host, ':');
		end = colon ? colon : host + strlen(host);
		if (end == host || (size_t)(end - host) >= sizeof(b->host) || strpbrk(host, "/@?") != NULL) {
			perror_at(ps, ps->line, "url: '%s' is not mqtt://HOST[:PORT] (no user, path or query)", val);
			return;
		}
		snprintf(b->host, sizeof(b->host), "%.*s", (int)(end - host), host);
	}
	b->port = 1883;
	if (colon != NULL) {
		if (parse_int(colon + 1, 1, 65535, &n) != 0)
			perror_at(ps, ps->line, "url: port '%s' is not in 1..65535", colon + 1);
		else
			b->port = (int)n;
	}
}

/* "holding 100" -> table, address. */
static int
parse_register_key(const char *key, enum reg_table *t, int *addr)
{
	char tname[16];
	int n = 0, a;

	if (sscanf(key, "%15s %d%n", tname, &a, &n) != 2 || key[n] != '\0')
		return -1;
	if (table_parse(tname, t) != 0 || a < 0 || a > 65535)
		return -1;
	*addr = a;
	return 0;
}

static void
key_device(struct parser *ps, const char *key, const char *val)
{
	struct sim_device *d = ps->dev;
	char err[256];
	enum reg_table t;
	struct devinfo *di = &ps->devinfo[ps->sc->ndevices - 1];
	int addr;
	long n;

	if (strcmp(key, "server") == 0) {
		if (seen_once(ps, 0, key)) {
			snprintf(di->server, sizeof(di->server), "%s", val);
			di->server_line = ps->line;
		}
		return;
	}
	if (strcmp(key, "unit") == 0) {
		if (!seen_once(ps, 1, key))
			return;
		di->unit_line = ps->line;
		if (parse_int(val, 0, 255, &n) != 0)
			perror_at(ps, ps->line, "unit: '%s' is not in 0..255", val);
		else
			d->unit = (int)n;
		return;
	}
	if (strcmp(key, "behaviour") == 0) {
		if (!seen_once(ps, 2, key))
			return;
		if (strlen(val) >= sizeof(di->behaviour))
			perror_at(ps, ps->line, "behaviour: too long");
		snprintf(di->behaviour, sizeof(di->behaviour), "%s", val);
		di->behaviour_line = ps->line;
		return;
	}
	if (strcmp(key, "broker") == 0) {
		if (seen_once(ps, 3, key)) {
			snprintf(di->broker, sizeof(di->broker), "%s", val);
			di->broker_line = ps->line;
		}
		return;
	}
	if (strcmp(key, "topic") == 0) {
		if (!seen_once(ps, 4, key))
			return;
		di->topic_line = ps->line;
		if (*val == '\0' || strlen(val) >= sizeof(d->topic) || strpbrk(val, "+#") != NULL)
			perror_at(ps, ps->line, "topic: '%s' is not a topic to publish to (1..%zu bytes, no + or #)",
			    val, sizeof(d->topic) - 1);
		else
			snprintf(d->topic, sizeof(d->topic), "%s", val);
		return;
	}
	if (strcmp(key, "interval") == 0) {
		if (!seen_once(ps, 5, key))
			return;
		di->interval_line = ps->line;
		if (time_parse_duration(val, &d->interval_ms) != 0 || (d->interval_ms != 0 && d->interval_ms < 10) ||
		    d->interval_ms > 86400000)
			perror_at(ps, ps->line, "interval: '%s' is not 0 (only on changes) or a duration from 10ms to 1d", val);
		return;
	}
	if (strncmp(key, "json", 4) == 0 && (key[4] == '\0' || isspace((unsigned char)key[4]))) {
		const char *path = key + 4;
		struct json_point *p;
		double v;
		while (isspace((unsigned char)*path))
			path++;
		if (json_path_check(path, err, sizeof(err)) != 0) {
			perror_at(ps, ps->line, "%s", *path ? err : "json PATH = NUMBER: the path is missing");
			return;
		}
		if (json_number_parse(val, &v, err, sizeof(err)) != 0) {
			perror_at(ps, ps->line, "json %s: %s", path, err);
			return;
		}
		if (json_point_find(d, path) >= 0) {
			perror_at(ps, ps->line, "json %s: given twice", path);
			return;
		}
		if (grow(&d->points, d->npoints, sizeof(*d->points)) != 0) {
			perror_at(ps, ps->line, "out of memory");
			return;
		}
		p = &d->points[d->npoints++];
		memset(p, 0, sizeof(*p));
		snprintf(p->path, sizeof(p->path), "%s", path);
		p->init = p->value = v;
		p->line = ps->line;
		return;
	}
	if (parse_register_key(key, &t, &addr) == 0) {
		struct assign *a;
		struct value v;
		if (value_parse(val, t, &v, err, sizeof(err)) != 0) {
			perror_at(ps, ps->line, "%s: %s", key, err);
			return;
		}
		if (addr + v.width > 65536) {
			perror_at(ps, ps->line, "%s: a 32-bit value runs past address 65535", key);
			return;
		}
		if (grow(&d->init, d->ninit, sizeof(*d->init)) != 0) {
			perror_at(ps, ps->line, "out of memory");
			return;
		}
		a = &d->init[d->ninit++];
		memset(a, 0, sizeof(*a));
		a->dev = d;
		a->table = t;
		a->addr = addr;
		a->val = v;
		a->line = ps->line;
		snprintf(a->text, sizeof(a->text), "%s.%s.%d = %s", d->name, table_name(t), addr, val);
		device_note_use(d, t, addr, v.width);
		if (di->register_line == 0)
			di->register_line = ps->line;
		return;
	}
	inifile_unknown_key(&ps->diag, ps->path, ps->line, key, "device", NULL,
	    "Modbus: server|unit|behaviour|coil N|discrete N|input N|holding N; "
	    "MQTT: broker|topic|interval|behaviour|json PATH");
}

static void
key_at(struct parser *ps, const char *key, const char *val)
{
	struct pending *p;

	if (grow(&ps->pend, ps->npend, sizeof(*ps->pend)) != 0) {
		perror_at(ps, ps->line, "out of memory");
		return;
	}
	p = &ps->pend[ps->npend++];
	p->step = ps->step;
	snprintf(p->key, sizeof(p->key), "%s", key);
	snprintf(p->value, sizeof(p->value), "%s", val);
	p->line = ps->line;
}

static void
parse_line(struct parser *ps, char *s)
{
	char *eq, *key, *val;

	strip_comment(s);
	s = sim_trim(s);
	if (*s == '\0')
		return;
	if (*s == '[') {
		char *e = strchr(s, ']');
		if (e == NULL || e[1] != '\0') {
			perror_at(ps, ps->line, "section header is not [NAME]");
			ps->sec = SEC_BAD;
			return;
		}
		*e = '\0';
		begin_section(ps, sim_trim(s + 1));
		return;
	}
	if ((eq = strchr(s, '=')) == NULL) {
		perror_at(ps, ps->line, "expected KEY = VALUE or [SECTION]");
		return;
	}
	*eq = '\0';
	key = sim_trim(s);
	val = sim_trim(eq + 1);
	switch (ps->sec) {
	case SEC_NONE:
		perror_at(ps, ps->line, "key '%s' outside of any section", key);
		ps->sec = SEC_BAD;
		break;
	case SEC_BAD:
		break;   /* the section's error was reported once */
	case SEC_SIM: key_sim(ps, key, val); break;
	case SEC_SERVER: key_server(ps, key, val); break;
	case SEC_BROKER: key_broker(ps, key, val); break;
	case SEC_DEVICE: key_device(ps, key, val); break;
	case SEC_AT: key_at(ps, key, val); break;
	}
}

int
scenario_ref(const struct scenario *sc, const char *ref, struct sim_device **d,
    enum reg_table *t, int *addr, char *err, size_t errlen)
{
	char devname[SIM_NAME_MAX], tname[16];
	const char *dot = strchr(ref, '.');
	int n = 0;

	if (dot == NULL || (size_t)(dot - ref) >= sizeof(devname)) {
		snprintf(err, errlen, "'%s' is not DEVICE.TABLE.ADDR or DEVICE.behaviour", ref);
		return -1;
	}
	snprintf(devname, sizeof(devname), "%.*s", (int)(dot - ref), ref);
	if ((*d = scenario_device(sc, devname)) == NULL) {
		snprintf(err, errlen, "no device '%s'", devname);
		return -1;
	}
	if (strcmp(dot + 1, "behaviour") == 0)
		return 1;
	if ((*d)->broker != NULL) {
		if (strncmp(dot + 1, "json.", 5) != 0) {
			snprintf(err, errlen, "'%s': device %s is an MQTT device: DEVICE.json.PATH or DEVICE.behaviour", ref, devname);
			return -1;
		}
		if ((*addr = json_point_find(*d, dot + 6)) < 0) {
			snprintf(err, errlen, "device %s has no json path '%s' (those given in its section)", devname, dot + 6);
			return -1;
		}
		return 2;
	}
	if (strncmp(dot + 1, "json.", 5) == 0) {
		snprintf(err, errlen, "'%s': device %s is a Modbus device (DEVICE.TABLE.ADDR)", ref, devname);
		return -1;
	}
	if (sscanf(dot + 1, "%15[a-z].%d%n", tname, addr, &n) != 2 || dot[1 + n] != '\0' ||
	    table_parse(tname, t) != 0 || *addr < 0 || *addr > 65535) {
		snprintf(err, errlen, "'%s' is not DEVICE.TABLE.ADDR (TABLE coil|discrete|input|holding, ADDR 0..65535) or DEVICE.behaviour", ref);
		return -1;
	}
	return 0;
}

/* resolve_pending: DEVICE.TABLE.ADDR = VALUE | DEVICE.behaviour = B into its step. */
static void
resolve_pending(struct parser *ps, const struct pending *p)
{
	struct scenario *sc = ps->sc;
	struct step *st = &sc->steps[p->step];
	char err[256];
	struct assign a;
	int kind;

	memset(&a, 0, sizeof(a));
	a.line = p->line;
	if ((kind = scenario_ref(sc, p->key, &a.dev, &a.table, &a.addr, err, sizeof(err))) < 0) {
		perror_at(ps, p->line, "%s", err);
		return;
	}
	if (kind == 1) {
		a.is_behaviour = 1;
		if (device_behave(a.dev, p->value, &a.bh, err, sizeof(err)) != 0) {
			perror_at(ps, p->line, "%s: %s", p->key, err);
			return;
		}
	} else if (kind == 2) {
		a.is_json = 1;
		a.point = a.addr;
		a.addr = 0;
		if (json_number_parse(p->value, &a.num, err, sizeof(err)) != 0) {
			perror_at(ps, p->line, "%s: %s", p->key, err);
			return;
		}
	} else {
		if (value_parse(p->value, a.table, &a.val, err, sizeof(err)) != 0) {
			perror_at(ps, p->line, "%s: %s", p->key, err);
			return;
		}
		if (a.addr + a.val.width > 65536) {
			perror_at(ps, p->line, "%s: a 32-bit value runs past address 65535", p->key);
			return;
		}
		device_note_use(a.dev, a.table, a.addr, a.val.width);
	}
	if (snprintf(a.text, sizeof(a.text), "%s = %s", p->key, p->value) >= (int)sizeof(a.text)) {
		perror_at(ps, p->line, "%s: value too long", p->key);
		return;
	}
	if (grow(&st->assigns, st->nassigns, sizeof(*st->assigns)) != 0) {
		perror_at(ps, p->line, "out of memory");
		return;
	}
	st->assigns[st->nassigns++] = a;
}

static int
step_cmp(const void *x, const void *y)
{
	const struct step *a = x, *b = y;

	if (a->at_ms != b->at_ms)
		return a->at_ms < b->at_ms ? -1 : 1;
	return a->line - b->line;   /* file order among steps at the same time */
}

static void
validate_modbus_device(struct parser *ps, struct sim_device *d, const struct devinfo *di)
{
	struct sim_server *s;
	char err[256];

	if (di->behaviour_line && behaviour_parse(di->behaviour, &d->init_bh, err, sizeof(err)) != 0)
		perror_at(ps, di->behaviour_line, "behaviour: %s", err);
	if (d->npoints > 0)
		perror_at(ps, d->points[0].line, "device '%s': json points are for an MQTT device (broker = NAME)", d->name);
	if (di->topic_line)
		perror_at(ps, di->topic_line, "device '%s': topic is for an MQTT device (broker = NAME)", d->name);
	if (di->interval_line)
		perror_at(ps, di->interval_line, "device '%s': interval is for an MQTT device (broker = NAME)", d->name);
	if (di->server[0] == '\0') {
		perror_at(ps, d->line, "device '%s': server = NAME (Modbus) or broker = NAME (MQTT) is required", d->name);
		return;
	}
	if ((s = find_server(ps->sc, di->server)) == NULL) {
		perror_at(ps, di->server_line, "device '%s': no server '%s'", d->name, di->server);
		return;
	}
	if (s->serial && (d->unit < 1 || d->unit > 247)) {
		perror_at(ps, d->line, "device '%s': unit %d is not in 1..247 on a serial line", d->name, d->unit);
		return;
	}
	if (s->by_unit[d->unit] != NULL) {
		perror_at(ps, d->line, "device '%s': unit %d on server '%s' is already device '%s'",
		    d->name, d->unit, s->name, s->by_unit[d->unit]->name);
		return;
	}
	s->by_unit[d->unit] = d;
	d->server = s;
}

static void
validate_mqtt_device(struct parser *ps, struct sim_device *d, const struct devinfo *di)
{
	char err[256];

	if ((d->broker = find_broker(ps->sc, di->broker)) == NULL)
		perror_at(ps, di->broker_line, "device '%s': no broker '%s'", d->name, di->broker);
	if (di->unit_line)
		perror_at(ps, di->unit_line, "device '%s': unit is for a Modbus device (server = NAME)", d->name);
	if (di->register_line)
		perror_at(ps, di->register_line, "device '%s': registers are for a Modbus device (server = NAME); "
		    "an MQTT device has json PATH = NUMBER", d->name);
	if (d->topic[0] == '\0' && di->topic_line == 0)
		perror_at(ps, d->line, "device '%s': topic = TOPIC is required for an MQTT device", d->name);
	if (d->npoints == 0)
		perror_at(ps, d->line, "device '%s': an MQTT device needs at least one json PATH = NUMBER", d->name);
	else if (json_points_check(d, err, sizeof(err)) != 0)
		perror_at(ps, d->line, "device '%s': %s", d->name, err);
	if (di->behaviour_line && mqtt_behaviour_parse(d, di->behaviour, &d->init_bh, err, sizeof(err)) != 0)
		perror_at(ps, di->behaviour_line, "behaviour: %s", err);
	if (d->broker == NULL) {
		/* keep the device's kind for resolving the timeline's references */
		static struct sim_broker none;
		d->broker = &none;
	}
}

static void
validate(struct parser *ps)
{
	struct scenario *sc = ps->sc;

	for (size_t i = 0; i < sc->nservers; i++) {
		struct sim_server *s = sc->servers[i];
		if (!s->serial && s->port < 0)
			perror_at(ps, s->line, "server '%s': needs listen = HOST:PORT or serial = PATH|pty", s->name);
	}
	for (size_t i = 0; i < sc->nbrokers; i++)
		if (sc->brokers[i]->port < 0)
			perror_at(ps, sc->brokers[i]->line, "broker '%s': needs url = mqtt://HOST[:PORT]", sc->brokers[i]->name);
	for (size_t i = 0; i < sc->ndevices; i++) {
		struct sim_device *d = sc->devices[i];
		struct devinfo *di = &ps->devinfo[i];
		if (di->broker[0] != '\0' && di->server[0] != '\0') {
			perror_at(ps, di->broker_line, "device '%s': a device has a server (Modbus) or a broker (MQTT), not both", d->name);
			continue;
		}
		if (di->broker[0] != '\0')
			validate_mqtt_device(ps, d, di);
		else
			validate_modbus_device(ps, d, di);
	}
	for (size_t i = 0; i < ps->npend; i++)
		resolve_pending(ps, &ps->pend[i]);
	if (sc->nsteps > 1)
		qsort(sc->steps, sc->nsteps, sizeof(*sc->steps), step_cmp);
	for (size_t i = 0; i < sc->nsteps; i++)
		if (sc->loop_ms > 0 && sc->steps[i].at_ms >= sc->loop_ms) {
			char a[32], l[32];
			time_format_duration(sc->steps[i].at_ms, a, sizeof(a));
			time_format_duration(sc->loop_ms, l, sizeof(l));
			perror_at(ps, sc->steps[i].line, "[at %s] is not before the loop's end (%s)", a, l);
		}
}

struct scenario *
scenario_load(const char *path, int *nerrors)
{
	struct parser ps;
	struct scenario *sc;
	char buf[LINE_LEN];
	FILE *fp;

	memset(&ps, 0, sizeof(ps));
	ps.path = path;
	if ((sc = calloc(1, sizeof(*sc))) == NULL || (sc->path = strdup(path)) == NULL) {
		inifile_error(&ps.diag, path, 0, "out of memory");
		goto out;
	}
	ps.sc = sc;
	if ((fp = fopen(path, "r")) == NULL) {
		inifile_error(&ps.diag, path, 0, "%s", strerror(errno));
		goto out;
	}
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		size_t n = strlen(buf);
		char *s = buf;
		ps.line++;
		if (n > 0 && buf[n - 1] != '\n' && !feof(fp)) {
			int c;
			perror_at(&ps, ps.line, "line longer than %d bytes", LINE_LEN - 2);
			while ((c = fgetc(fp)) != EOF && c != '\n')
				;
			continue;
		}
		if (ps.line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
			s += 3;   /* a UTF-8 BOM */
		parse_line(&ps, s);
	}
	fclose(fp);
	validate(&ps);
out:
	free(ps.devinfo);
	free(ps.pend);
	if (nerrors != NULL)
		*nerrors = ps.diag.nerrors;
	if (ps.diag.nerrors > 0) {
		scenario_free(sc);
		return NULL;
	}
	return sc;
}

void
scenario_free(struct scenario *sc)
{
	if (sc == NULL)
		return;
	for (size_t i = 0; i < sc->ndevices; i++) {
		device_map_free(sc->devices[i]);
		free(sc->devices[i]->init);
		free(sc->devices[i]->points);
		free(sc->devices[i]);
	}
	free(sc->devices);
	for (size_t i = 0; i < sc->nservers; i++)
		free(sc->servers[i]);
	free(sc->servers);
	for (size_t i = 0; i < sc->nbrokers; i++)
		free(sc->brokers[i]);
	free(sc->brokers);
	for (size_t i = 0; i < sc->nsteps; i++)
		free(sc->steps[i].assigns);
	free(sc->steps);
	free(sc->path);
	free(sc);
}
