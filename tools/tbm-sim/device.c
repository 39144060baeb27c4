/*
 * device.c - a simulated device's registers and behaviour: the VALUE and
 * BEHAVIOUR syntax shared by the scenario file and stdin, and register maps
 * that cover only the addresses the scenario uses (a 65536-entry map per
 * table would cost ~400 kB per device; a base has up to a thousand).
 */
#include "sim.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tbmtime.h"

const char *
table_name(enum reg_table t)
{
	return config_table_name(t);
}

int
table_parse(const char *s, enum reg_table *t)
{
	static const struct {
		const char *name;
		enum reg_table t;
	} names[] = { { "coil", TABLE_COIL }, { "discrete", TABLE_DISCRETE },
		      { "input", TABLE_INPUT }, { "holding", TABLE_HOLDING } };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0) {
			*t = names[i].t;
			return 0;
		}
	return -1;
}

int
table_is_bits(enum reg_table t)
{
	return t == TABLE_COIL || t == TABLE_DISCRETE;
}

/* Splits s into at most `max` whitespace-separated words (s is modified). */
static int
split_words(char *s, char **w, int max)
{
	int n = 0;

	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			return n;
		if (n == max)
			return max + 1;
		w[n++] = s;
		while (*s != '\0' && !isspace((unsigned char)*s))
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
}

static int
parse_integer(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 0);
	if (end == s || *end != '\0' || errno != 0 || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static uint16_t
swap16(uint16_t v)
{
	return (uint16_t)((v >> 8) | (v << 8));
}

/* Splits a 32-bit value into two registers in the daemon's byte orders
 * (lib/decode.c): abcd big-endian, cdab words swapped, badc bytes of each
 * word swapped, dcba reversed. */
static void
split32(uint32_t u, const char *order, uint16_t *r)
{
	uint16_t hi = (uint16_t)(u >> 16), lo = (uint16_t)u;

	if (strcmp(order, "cdab") == 0) {
		r[0] = lo;
		r[1] = hi;
	} else if (strcmp(order, "badc") == 0) {
		r[0] = swap16(hi);
		r[1] = swap16(lo);
	} else if (strcmp(order, "dcba") == 0) {
		r[0] = swap16(lo);
		r[1] = swap16(hi);
	} else {
		r[0] = hi;
		r[1] = lo;
	}
}

int
value_parse(const char *s, enum reg_table t, struct value *v, char *err, size_t errlen)
{
	static const char *const orders[] = { "abcd", "badc", "cdab", "dcba" };
	char buf[128];
	char *w[4];
	const char *order = "abcd";
	long long n;
	int nw, ok = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	nw = split_words(buf, w, 4);
	memset(v, 0, sizeof(*v));
	if (nw == 0) {
		snprintf(err, errlen, "missing value");
		return -1;
	}
	if (nw == 1) {
		if (table_is_bits(t)) {
			if (strcmp(w[0], "0") != 0 && strcmp(w[0], "1") != 0) {
				snprintf(err, errlen, "'%s': a %s is 0 or 1", w[0], table_name(t));
				return -1;
			}
			v->width = 1;
			v->regs[0] = w[0][0] == '1';
			return 0;
		}
		if (parse_integer(w[0], -32768, 65535, &n) != 0) {
			snprintf(err, errlen, "'%s' is not a 16-bit register value (-32768..65535)", w[0]);
			return -1;
		}
		v->width = 1;
		v->regs[0] = (uint16_t)n;
		return 0;
	}
	if (table_is_bits(t)) {
		snprintf(err, errlen, "'%s': a %s is 0 or 1, without a type", s, table_name(t));
		return -1;
	}
	if (nw > 4 || nw == 3) {
		snprintf(err, errlen, "'%s' is not TYPE NUMBER [order abcd|badc|cdab|dcba]", s);
		return -1;
	}
	if (nw == 4) {
		if (strcmp(w[2], "order") != 0) {
			snprintf(err, errlen, "'%s' is not TYPE NUMBER [order abcd|badc|cdab|dcba]", s);
			return -1;
		}
		for (size_t i = 0; i < sizeof(orders) / sizeof(orders[0]); i++)
			if (strcmp(w[3], orders[i]) == 0)
				ok = 1;
		if (!ok) {
			snprintf(err, errlen, "order '%s' is not one of abcd|badc|cdab|dcba", w[3]);
			return -1;
		}
		order = w[3];
	}
	if (strcmp(w[0], "int16") == 0 || strcmp(w[0], "uint16") == 0) {
		int sgn = w[0][0] == 'i';
		if (nw == 4) {
			snprintf(err, errlen, "order applies only to 32-bit types");
			return -1;
		}
		if (parse_integer(w[1], sgn ? -32768 : 0, sgn ? 32767 : 65535, &n) != 0) {
			snprintf(err, errlen, "'%s' is not an %s", w[1], w[0]);
			return -1;
		}
		v->width = 1;
		v->regs[0] = (uint16_t)n;
		return 0;
	}
	if (strcmp(w[0], "int32") == 0 || strcmp(w[0], "uint32") == 0) {
		int sgn = w[0][0] == 'i';
		if (parse_integer(w[1], sgn ? INT32_MIN : 0, sgn ? INT32_MAX : (long long)UINT32_MAX, &n) != 0) {
			snprintf(err, errlen, "'%s' is not an %s", w[1], w[0]);
			return -1;
		}
		v->width = 2;
		split32((uint32_t)n, order, v->regs);
		return 0;
	}
	if (strcmp(w[0], "float32") == 0) {
		char *end;
		double d;
		float f;
		uint32_t u;
		errno = 0;
		d = strtod(w[1], &end);
		if (end == w[1] || *end != '\0' || errno != 0 || !isfinite(d) || fabs(d) > 3.4e38) {
			snprintf(err, errlen, "'%s' is not a float32", w[1]);
			return -1;
		}
		f = (float)d;
		memcpy(&u, &f, sizeof(u));
		v->width = 2;
		split32(u, order, v->regs);
		return 0;
	}
	snprintf(err, errlen, "unknown type '%s' (int16|uint16|int32|uint32|float32)", w[0]);
	return -1;
}

static const struct {
	const char *name;
	enum behaviour_kind kind;
	int arg;                  /* 0: none, 1: late (ms), 2: exception code */
} behaviours[] = {
	{ "normal", BH_NORMAL, 0 }, { "silent", BH_SILENT, 0 }, { "late", BH_LATE, 1 },
	{ "exception", BH_EXCEPTION, 2 }, { "drop", BH_DROP, 0 }, { "garbage", BH_GARBAGE, 0 },
	{ "wrong_unit", BH_WRONG_UNIT, 0 }, { "wrong_tid", BH_WRONG_TID, 0 },
	{ "truncated", BH_TRUNCATED, 0 },
};
#define NBEHAVIOURS (sizeof(behaviours) / sizeof(behaviours[0]))

int
behaviour_parse(const char *s, struct behaviour *b, char *err, size_t errlen)
{
	char buf[128];
	char *w[2];
	long long n;
	int64_t ms;
	int nw;

	snprintf(buf, sizeof(buf), "%s", s);
	nw = split_words(buf, w, 2);
	if (nw == 0 || nw > 2) {
		snprintf(err, errlen, "'%s' is not BEHAVIOUR [ARG]", s);
		return -1;
	}
	for (size_t i = 0; i < NBEHAVIOURS; i++) {
		if (strcmp(w[0], behaviours[i].name) != 0)
			continue;
		b->kind = behaviours[i].kind;
		b->arg = 0;
		if (behaviours[i].arg == 0) {
			if (nw == 2) {
				snprintf(err, errlen, "behaviour %s takes no argument", w[0]);
				return -1;
			}
			return 0;
		}
		if (nw != 2) {
			snprintf(err, errlen, "behaviour %s needs %s", w[0],
			    behaviours[i].arg == 1 ? "a delay in ms" : "an exception code (1-11)");
			return -1;
		}
		if (behaviours[i].arg == 2) {
			if (parse_integer(w[1], 1, MODBUS_EXCEPTION_MAX - 1, &n) != 0) {
				snprintf(err, errlen, "exception code '%s' is not in 1..%d", w[1], MODBUS_EXCEPTION_MAX - 1);
				return -1;
			}
			b->arg = (int)n;
			return 0;
		}
		/* late: a bare number is milliseconds here, unlike a duration */
		if (parse_integer(w[1], 0, 3600000, &n) == 0)
			ms = n;
		else if (time_parse_duration(w[1], &ms) != 0 || ms > 3600000) {
			snprintf(err, errlen, "delay '%s' is not milliseconds (or a duration up to 1h)", w[1]);
			return -1;
		}
		b->arg = (int)ms;
		return 0;
	}
	snprintf(err, errlen, "unknown behaviour '%s' (normal|silent|late MS|exception CODE|drop|garbage|wrong_unit|wrong_tid|truncated)", w[0]);
	return -1;
}

void
behaviour_format(const struct behaviour *b, char *buf, size_t len)
{
	switch (b->kind) {
	case BH_MISSING:
		snprintf(buf, len, "missing %s", b->path);
		return;
	case BH_TEXT:
		snprintf(buf, len, "text");
		return;
	case BH_BARE:
		snprintf(buf, len, "bare");
		return;
	default:
		break;
	}
	for (size_t i = 0; i < NBEHAVIOURS; i++)
		if (behaviours[i].kind == b->kind) {
			if (behaviours[i].arg)
				snprintf(buf, len, "%s %d", behaviours[i].name, b->arg);
			else
				snprintf(buf, len, "%s", behaviours[i].name);
			return;
		}
	snprintf(buf, len, "?");
}

void
device_note_use(struct sim_device *d, enum reg_table t, int addr, int width)
{
	if (d->lo[t] < 0 || addr < d->lo[t])
		d->lo[t] = addr;
	if (addr + width > d->hi[t])
		d->hi[t] = addr + width;
}

static unsigned
range_start(const struct sim_device *d, enum reg_table t)
{
	return d->lo[t] < 0 ? 0 : (unsigned)d->lo[t];
}

static unsigned
range_count(const struct sim_device *d, enum reg_table t)
{
	return d->lo[t] < 0 ? 0 : (unsigned)(d->hi[t] - d->lo[t]);
}

int
device_map_alloc(struct sim_device *d)
{
	d->map = modbus_mapping_new_start_address(
	    range_start(d, TABLE_COIL), range_count(d, TABLE_COIL),
	    range_start(d, TABLE_DISCRETE), range_count(d, TABLE_DISCRETE),
	    range_start(d, TABLE_HOLDING), range_count(d, TABLE_HOLDING),
	    range_start(d, TABLE_INPUT), range_count(d, TABLE_INPUT));
	return d->map == NULL ? -1 : 0;
}

void
device_map_free(struct sim_device *d)
{
	if (d->map != NULL)
		modbus_mapping_free(d->map);
	d->map = NULL;
}

/* Where TABLE ADDR lives in the map: a bit or a register pointer, or NULL. */
static void *
slot(const struct sim_device *d, enum reg_table t, int addr, int width)
{
	const modbus_mapping_t *m = d->map;
	int off;

	if (m == NULL || d->lo[t] < 0 || addr < d->lo[t] || addr + width > d->hi[t])
		return NULL;
	off = addr - d->lo[t];
	switch (t) {
	case TABLE_COIL: return m->tab_bits + off;
	case TABLE_DISCRETE: return m->tab_input_bits + off;
	case TABLE_HOLDING: return m->tab_registers + off;
	case TABLE_INPUT: return m->tab_input_registers + off;
	case TABLE_NONE: break;
	}
	return NULL;
}

int
device_store(struct sim_device *d, enum reg_table t, int addr, const struct value *v)
{
	void *p = slot(d, t, addr, v->width);

	if (p == NULL)
		return -1;
	if (table_is_bits(t))
		*(uint8_t *)p = v->regs[0] != 0;
	else
		memcpy(p, v->regs, (size_t)v->width * sizeof(uint16_t));
	return 0;
}

int
device_load(const struct sim_device *d, enum reg_table t, int addr, int width, uint16_t *regs)
{
	const void *p = slot(d, t, addr, width);

	if (p == NULL)
		return -1;
	if (table_is_bits(t))
		regs[0] = *(const uint8_t *)p;
	else
		memcpy(regs, p, (size_t)width * sizeof(uint16_t));
	return 0;
}

int
device_behave(struct sim_device *d, const char *s, struct behaviour *b, char *err, size_t errlen)
{
	if (d->broker != NULL)
		return mqtt_behaviour_parse(d, s, b, err, errlen);
	return behaviour_parse(s, b, err, errlen);
}

void
device_reset(struct sim_device *d)
{
	modbus_mapping_t *m = d->map;

	if (d->broker != NULL) {
		for (size_t i = 0; i < d->npoints; i++)
			d->points[i].value = d->points[i].init;
		d->bh = d->init_bh;
		d->dirty = 1;
		return;
	}
	if (m->nb_bits)
		memset(m->tab_bits, 0, (size_t)m->nb_bits);
	if (m->nb_input_bits)
		memset(m->tab_input_bits, 0, (size_t)m->nb_input_bits);
	if (m->nb_registers)
		memset(m->tab_registers, 0, (size_t)m->nb_registers * sizeof(uint16_t));
	if (m->nb_input_registers)
		memset(m->tab_input_registers, 0, (size_t)m->nb_input_registers * sizeof(uint16_t));
	for (size_t i = 0; i < d->ninit; i++)
		assign_apply(&d->init[i]);
	d->bh = d->init_bh;
}

void
assign_apply(const struct assign *a)
{
	if (a->is_behaviour)
		a->dev->bh = a->bh;
	else if (a->is_json)
		a->dev->points[a->point].value = a->num;
	else
		(void)device_store(a->dev, a->table, a->addr, &a->val);
	if (a->dev->broker != NULL)
		a->dev->dirty = 1;   /* published once the whole step is applied */
}
