/*
 * config_value.c - one value through its key's row: text, paths, ids,
 * numbers, durations, enums, log levels, conditions and register reads,
 * each checked against the row's bounds and reported at FILE:LINE.
 */
#include "config_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "log.h"
#include "tbmtime.h"

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
condition_overlap(const struct condition *a, const struct condition *b, double *at)
{
	/*
	 * Each condition holds on intervals whose ends are its number, so both
	 * hold somewhere iff they hold at one of: either number, the point
	 * between them, or a point beyond both.
	 */
	double lo = a->value < b->value ? a->value : b->value;
	double hi = a->value < b->value ? b->value : a->value;
	double cand[5];

	cand[0] = a->value;
	cand[1] = b->value;
	cand[2] = lo / 2 + hi / 2;
	cand[3] = lo - fabs(lo) - 1;
	cand[4] = hi + fabs(hi) + 1;
	for (int i = 0; i < 5; i++)
		if (condition_holds(a, cand[i]) && condition_holds(b, cand[i])) {
			*at = cand[i];
			return 1;
		}
	return 0;
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

int
config_value_id_ok(const char *s, int site)
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
int
config_value_apply(struct parse *ps, const struct key *k, void *obj, const char *v, int line)
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
			inifile_empty_value(&ps->diag, ps->file, line, k->name);
			return -1;
		}
		free(*(char **)field);
		*(char **)field = strdup(v);
		return 0;
	case K_PATH:
		if (*v == '\0') {
			inifile_error(&ps->diag, ps->file, line, "%s: empty path", k->name);
			return -1;
		}
		free(*(char **)field);
		*(char **)field = resolve_path(ps, v);
		return 0;
	case K_SITEID:
		if (!config_value_id_ok(v, 1)) {
			inifile_bad_value(&ps->diag, ps->file, line, k->name, v, _("a valid site id ([a-z0-9-]+)"));
			return -1;
		}
		free(*(char **)field);
		*(char **)field = strdup(v);
		return 0;
	case K_TZ:
		if (!time_zone_valid(v)) {
			inifile_error(&ps->diag, ps->file, line, "%s: unknown time zone '%s'", k->name, v);
			return -1;
		}
		free(*(char **)field);
		*(char **)field = strdup(v);
		return 0;
	case K_INT:
		errno = 0;
		lv = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || errno != 0) {
			inifile_bad_value(&ps->diag, ps->file, line, k->name, v, _("an integer"));
			return -1;
		}
		if (lv < (long)k->min || lv > (long)k->max) {
			char n[32], lo[32], hi[32];
			snprintf(n, sizeof(n), "%ld", lv);
			snprintf(lo, sizeof(lo), "%.0f", k->min);
			snprintf(hi, sizeof(hi), "%.0f", k->max);
			inifile_out_of_range(&ps->diag, ps->file, line, k->name, n, lo, hi);
			return -1;
		}
		set_int(field, k->size, lv);
		return 0;
	case K_DOUBLE:
		errno = 0;
		dv = strtod(v, &end);
		if (*v == '\0' || *end != '\0' || errno != 0 || !isfinite(dv)) {
			inifile_bad_value(&ps->diag, ps->file, line, k->name, v, _("a number"));
			return -1;
		}
		if (dv < k->min || dv > k->max) {
			char n[32], lo[32], hi[32];
			snprintf(n, sizeof(n), "%g", dv);
			snprintf(lo, sizeof(lo), "%g", k->min);
			snprintf(hi, sizeof(hi), "%g", k->max);
			inifile_out_of_range(&ps->diag, ps->file, line, k->name, n, lo, hi);
			return -1;
		}
		*(double *)field = dv;
		return 0;
	case K_DURATION:
		if (time_parse_duration(v, &ms) != 0) {
			inifile_bad_value(&ps->diag, ps->file, line, k->name, v, _("a duration (e.g. 250ms, 5s, 2m, 1h)"));
			return -1;
		}
		if (ms < (int64_t)k->min || ms > (int64_t)k->max) {
			char lo[32], hi[32];
			time_format_duration((int64_t)k->min, lo, sizeof(lo));
			time_format_duration((int64_t)k->max, hi, sizeof(hi));
			inifile_out_of_range(&ps->diag, ps->file, line, k->name, v, lo, hi);
			return -1;
		}
		*(int64_t *)field = ms;
		return 0;
	case K_BOOL:
	case K_ENUM:
		if (config_enum_lookup(k->names, v, &ev) != 0) {
			char one_of[160];
			config_enum_list(k->names, list, sizeof(list));
			snprintf(one_of, sizeof(one_of), _("one of %s"), list);
			inifile_bad_value(&ps->diag, ps->file, line, k->name, v, one_of);
			return -1;
		}
		set_int(field, k->size, ev);
		return 0;
	case K_LOGLEVEL:
		ev = log_level_parse(v);
		if (ev < 0) {
			inifile_bad_value(&ps->diag, ps->file, line, k->name, v, _("one of debug|info|notice|warning|err"));
			return -1;
		}
		*(int *)field = ev;
		return 0;
	case K_COND: {
		struct condition c;
		if (condition_parse(v, &c) != 0) {
			inifile_bad_value(&ps->diag, ps->file, line, k->name, v,
			    _("a condition (value OP NUMBER, OP one of == != < <= > >=)"));
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
		    config_enum_lookup(config_tables, tname, &t) != 0) {
			inifile_bad_value(&ps->diag, ps->file, line, "read", v,
			    _("TABLE ADDRESS (coil|discrete|input|holding N)"));
			return -1;
		}
		if (addr < 0 || addr > 65535) {
			inifile_error(&ps->diag, ps->file, line, "read: address %d is out of range [0, 65535]", addr);
			return -1;
		}
		pt->table = (enum reg_table)t;
		pt->address = addr;
		return 0;
	}
	}
	return -1;
}
