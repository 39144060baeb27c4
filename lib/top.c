/*
 * top.c - the ranking behind tbmctl top: faults (comm faults included) and
 * down time per device, label or lab over a period. What counts as a fault
 * and as down time is the indicators' own (ind_fault_down,
 * ind_spans_measure), so that top and the availability figures agree.
 */
#include "top.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "indicators.h"

static const char *const by_names[] = { "device", "label", "lab" };

const char *
top_by_name(enum top_by by)
{
	return (unsigned)by < 3 ? by_names[by] : "?";
}

int
top_by_parse(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(s, by_names[i]) == 0)
			return i;
	return -1;
}

/* A stretch of down time of one device (its place in the row order: the
 * rows come by device), for one row. */
struct span {
	size_t row, device;
	struct ind_span s;
};

static int
span_cmp(const void *x, const void *y)
{
	const struct span *a = x, *b = y;

	if (a->row != b->row)
		return a->row < b->row ? -1 : 1;
	if (a->device != b->device)
		return a->device < b->device ? -1 : 1;
	return a->s.a < b->s.a ? -1 : a->s.a > b->s.a;
}

static int
dev_cmp(const void *x, const void *y)
{
	return strcmp(((const struct device_row *)x)->id, ((const struct device_row *)y)->id);
}

static const struct device_row *
dev_find(const struct device_row *v, size_t n, const char *id)
{
	struct device_row key;

	memset(&key, 0, sizeof(key));
	key.id = (char *)id;
	return bsearch(&key, v, n, sizeof(*v), dev_cmp);
}

/* The row of key, added when new; -1 when out of memory. */
static long
row_for(struct top *t, const char *key, const struct device_row *d, size_t *cap)
{
	struct top_row *r;

	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->rows[i].key, key) == 0)
			return (long)i;
	if (t->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct top_row *nv = realloc(t->rows, nc * sizeof(*nv));
		if (nv == NULL)
			return -1;
		t->rows = nv;
		*cap = nc;
	}
	r = &t->rows[t->n];
	memset(r, 0, sizeof(*r));
	if ((r->key = strdup(key)) == NULL)
		return -1;
	if (t->by == TOP_BY_DEVICE && d != NULL &&
	    ((d->name && (r->name = strdup(d->name)) == NULL) || (d->lab && (r->lab = strdup(d->lab)) == NULL))) {
		free(r->key);
		free(r->name);
		return -1;
	}
	return (long)t->n++;
}

static int
by_faults(const void *x, const void *y)
{
	const struct top_row *a = x, *b = y;
	int fa = a->faults + a->safety + a->comm, fb = b->faults + b->safety + b->comm;

	if (fa != fb)
		return fa > fb ? -1 : 1;
	if (a->down_ms != b->down_ms)
		return a->down_ms > b->down_ms ? -1 : 1;
	return strcmp(a->key, b->key);
}

static int
by_down(const void *x, const void *y)
{
	const struct top_row *a = x, *b = y;

	if (a->down_ms != b->down_ms)
		return a->down_ms > b->down_ms ? -1 : 1;
	return by_faults(x, y);
}

void
top_by_downtime(struct top *t)
{
	if (t->n > 1)
		qsort(t->rows, t->n, sizeof(*t->rows), by_down);
}

/* What top_compute gathers while the period's faults go by. */
struct top_gather {
	struct top *out;
	const struct device_row *devs;
	size_t ndevs;
	const char *lab;
	int64_t from, to, end;
	struct span *sp;
	size_t nsp, spcap, cap, ndevice;
	long last;                 /* the row of the fault before: the next is most often its */
	int oom;
	char device[CONF_ID_MAX];  /* the device of the fault before */
};

static int
top_one(const struct period_fault *x, void *arg)
{
	struct top_gather *g = arg;
	struct top *out = g->out;
	const struct device_row *d = dev_find(g->devs, g->ndevs, x->device);
	const char *key;
	long r;

	if (strcmp(g->device, x->device) != 0) {
		snprintf(g->device, sizeof(g->device), "%s", x->device);
		g->ndevice++;
	}
	if (g->lab != NULL && (d == NULL || d->lab == NULL || strcmp(d->lab, g->lab) != 0))
		return 0;
	key = out->by == TOP_BY_DEVICE ? x->device : out->by == TOP_BY_LABEL ?
	    (x->label ? x->label : "") : (d && d->lab ? d->lab : "");
	if (g->last >= 0 && strcmp(out->rows[g->last].key, key) == 0)
		r = g->last;
	else if ((r = row_for(out, key, d, &g->cap)) < 0)
		return g->oom = -1;
	g->last = r;
	if (x->opened_at >= g->from && x->opened_at < g->to && x->dismissed_at == STORE_NOTIME) {
		if (x->kind == FK_COMM)
			out->rows[r].comm++;
		else if (x->kind == FK_SAFETY)
			out->rows[r].safety++;
		else
			out->rows[r].faults++;
	}
	if (g->end > g->from) {
		struct ind_span s;
		if (!ind_fault_down(x, g->end, &s))
			return 0;
		if (g->nsp == g->spcap) {
			size_t nc = g->spcap ? g->spcap * 2 : 256;
			struct span *nv = realloc(g->sp, nc * sizeof(*nv));
			if (nv == NULL)
				return g->oom = -1;
			g->sp = nv;
			g->spcap = nc;
		}
		g->sp[g->nsp++] = (struct span){ (size_t)r, g->ndevice, s };
	}
	return 0;
}

int
top_compute(struct store *st, int64_t from, int64_t to, int64_t now, enum top_by by,
    const char *lab, struct top *out, char *err, size_t errlen)
{
	struct device_row *devs = NULL;
	struct ind_span *tmp = NULL;
	size_t ndevs = 0, kept = 0;
	struct top_gather g;

	memset(out, 0, sizeof(*out));
	memset(&g, 0, sizeof(g));
	out->from_ms = from;
	out->to_ms = to;
	out->by = by;
	if (store_devices(st, &devs, &ndevs) != 0) {
		snprintf(err, errlen, "%s", store_errmsg(st));
		goto fail;
	}
	if (ndevs > 1)
		qsort(devs, ndevs, sizeof(*devs), dev_cmp);
	g.out = out;
	g.devs = devs;
	g.ndevs = ndevs;
	g.lab = lab;
	g.from = from;
	g.to = to;
	g.end = to < now ? to : now;
	g.last = -1;
	/* one fault at a time: a year of a large base is never held whole */
	if (store_each_period_fault(st, from, to, top_one, &g) != 0) {
		if (g.oom)
			goto oom;
		snprintf(err, errlen, "%s", store_errmsg(st));
		goto fail;
	}
	if ((tmp = calloc(g.nsp ? g.nsp : 1, sizeof(*tmp))) == NULL)
		goto oom;
	/* down time: per device the union of its stretches, summed per row */
	if (g.nsp > 1)
		qsort(g.sp, g.nsp, sizeof(*g.sp), span_cmp);
	for (size_t i = 0; i < g.nsp;) {
		size_t j = i, k = 0;
		while (j < g.nsp && g.sp[j].row == g.sp[i].row && g.sp[j].device == g.sp[i].device)
			tmp[k++] = g.sp[j++].s;
		out->rows[g.sp[i].row].down_ms += ind_spans_measure(tmp, k, from, g.end);
		i = j;
	}
	/* rows with nothing to show go (a comm fault open from before, say) */
	for (size_t i = 0; i < out->n; i++) {
		struct top_row *r = &out->rows[i];
		if (r->faults + r->safety + r->comm == 0 && r->down_ms == 0) {
			free(r->key);
			free(r->name);
			free(r->lab);
			continue;
		}
		out->rows[kept++] = *r;
	}
	out->n = kept;
	if (out->n > 1)
		qsort(out->rows, out->n, sizeof(*out->rows), by_faults);
	free(g.sp);
	free(tmp);
	store_devices_free(devs, ndevs);
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	free(g.sp);
	free(tmp);
	store_devices_free(devs, ndevs);
	top_free(out);
	return -1;
}

void
top_free(struct top *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->rows[i].key);
		free(t->rows[i].name);
		free(t->rows[i].lab);
	}
	free(t->rows);
	t->rows = NULL;
	t->n = 0;
}
