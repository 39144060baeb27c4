/*
 * indicators.c - the equipment indicators of the annual evaluation, computed
 * from the fault history exactly as DESIGN.md defines them. tbmctl and
 * tbm-report both call indicators_compute(), so their figures cannot differ.
 */
#include "indicators.h"

#include <cjson/cJSON.h>

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"
#include "tbmtime.h"

#define HOUR_MS 3600000.0

struct ivs {
	struct ind_span *v;
	size_t n, cap;
};

static int
iv_add(struct ivs *s, int64_t a, int64_t b)
{
	if (b <= a)
		return 0;
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		struct ind_span *nv = realloc(s->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		s->v = nv;
		s->cap = ncap;
	}
	s->v[s->n++] = (struct ind_span){ a, b };
	return 0;
}

static int
iv_cmp(const void *x, const void *y)
{
	const struct ind_span *a = x, *b = y;
	return a->a < b->a ? -1 : a->a > b->a;
}

int64_t
ind_spans_measure(struct ind_span *v, size_t n, int64_t from, int64_t to)
{
	int64_t total = 0, ca = 0, cb = 0;
	int have = 0;

	if (n > 1)
		qsort(v, n, sizeof(*v), iv_cmp);
	for (size_t i = 0; i < n; i++) {
		int64_t a = v[i].a < from ? from : v[i].a;
		int64_t b = v[i].b > to ? to : v[i].b;
		if (b <= a)
			continue;
		if (have && a <= cb) {
			if (b > cb)
				cb = b;
			continue;
		}
		if (have)
			total += cb - ca;
		ca = a;
		cb = b;
		have = 1;
	}
	if (have)
		total += cb - ca;
	return total;
}

/* Length of the union of the intervals, clipped to [from, to). */
static int64_t
iv_measure(struct ivs *s, int64_t from, int64_t to)
{
	return ind_spans_measure(s->v, s->n, from, to);
}

/* The down stretch of a fault from its fields (ind_fault_down's rule). */
static int
fault_down(enum fault_kind kind, int manual, int64_t opened, int64_t cleared, int64_t repaired,
    int64_t dismissed, int64_t end, struct ind_span *out)
{
	int64_t b;

	if (kind != FK_FAULT || dismissed != STORE_NOTIME)
		return 0;
	/* down while the equipment says so; a manual fault until its repair */
	b = manual ? repaired : cleared;
	out->a = opened;
	out->b = b != STORE_NOTIME ? b : end;
	return out->b > out->a;
}

int
ind_fault_down(const struct period_fault *x, int64_t end, struct ind_span *out)
{
	return fault_down(x->kind, x->manual, x->opened_at, x->cleared_at, x->repaired_at,
	    x->dismissed_at, end, out);
}

/* Appends every interval of b to a. */
static int
iv_add_all(struct ivs *a, const struct ivs *b)
{
	for (size_t i = 0; i < b->n; i++)
		if (iv_add(a, b->v[i].a, b->v[i].b) != 0)
			return -1;
	return 0;
}

static int
dbl_cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

static double
median(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), dbl_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Not observed: outside every daemon run. Adds the gaps between runs. */
static int
add_unobserved(struct ivs *s, const struct run_row *runs, size_t nruns, int64_t from, int64_t end,
    int64_t now)
{
	int64_t covered = from;

	for (size_t i = 0; i < nruns; i++) {
		int64_t a = runs[i].started_at, b;
		if (runs[i].stopped_at != STORE_NOTIME)
			b = runs[i].stopped_at;
		else if (i == nruns - 1 && ind_watching(&runs[i], now, NULL))
			b = now;
		else
			b = runs[i].alive_at;
		if (a > covered && iv_add(s, covered, a) != 0)
			return -1;
		if (b > covered)
			covered = b;
	}
	return covered < end ? iv_add(s, covered, end) : 0;
}

static int
in_list(char **ids, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return 1;
	return 0;
}

/*
 * A fault as the computation keeps it: the figures need its times and kind,
 * not its strings. A year of a large base (100,000 faults) is read one row at
 * a time into these, 40 bytes each; its device is the index of its group.
 */
struct cfault {
	int64_t id, opened_at, cleared_at, repaired_at, dismissed_at;
	uint32_t group;
	uint8_t kind, manual;
};

/* The faults of one device, f[lo .. hi) (the rows come by device). */
struct cgroup {
	char *device;
	size_t lo, hi;
	const struct device_row *dev;   /* its row in the devices, NULL if none */
	int safety;                     /* it has a configured safety point */
	const char *lab;                /* its lab as the device figures report it, NULL if not */
};

/* What the computation gathers while the rows go by. */
struct gather {
	struct indicators *ind;
	int64_t from, to, cutoff;
	int count_comm, oom;
	struct cfault *f;
	size_t nf, fcap;
	struct cgroup *g;
	size_t ng, gcap;
	double *ttr;                /* hours to repair of the repaired faults */
	size_t nrep, ttrcap;
	size_t ucap;                /* room in ind->unrepaired */
};

static int
grow(void *vp, size_t *cap, size_t need, size_t elem)
{
	void *cur, *nv;
	size_t ncap;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 256;
	while (ncap < need)
		ncap *= 2;
	/* vp points at a T *: read and written as bytes (store_rows' way), not through a void ** */
	memcpy(&cur, vp, sizeof(cur));
	if ((nv = realloc(cur, ncap * elem)) == NULL)
		return -1;
	memcpy(vp, &nv, sizeof(nv));
	*cap = ncap;
	return 0;
}

/* 故障修复率 and the safety events: what one fault opened in the period adds. */
static int
count_fault(struct gather *g, const struct period_fault *x)
{
	struct indicators *ind = g->ind;
	int y, m, d;

	if (x->opened_at < g->from || x->opened_at >= g->to || x->dismissed_at != STORE_NOTIME)
		return 0;
	if (x->kind == FK_SAFETY) {
		switch (x->cls) {
		case SC_ACCIDENT: ind->safety.accidents++; break;
		case SC_NEAR_MISS: ind->safety.near_misses++; break;
		case SC_DRILL: ind->safety.drills++; break;
		case SC_NONE: ind->safety.none++; break;
		default: ind->safety.unclassified++; break;
		}
		return 0;
	}
	if (x->kind == FK_COMM && !(g->count_comm && x->assessment))
		return 0;
	time_local_fields(x->opened_at, &y, &m, &d);
	if (x->kind == FK_FAULT && m >= 1 && m <= 12)
		ind->faults_per_month[m - 1]++;
	if (!x->assessment)
		return 0;
	ind->repair.faults++;
	if (m >= 1 && m <= 12)
		ind->repair_faults_per_month[m - 1]++;
	if (x->repeat_of)
		ind->repair.repeats++;
	if (x->repaired_at != STORE_NOTIME && x->repaired_at < g->cutoff) {
		double h = (double)(x->repaired_at - x->opened_at) / HOUR_MS;
		ind->repair.repaired++;
		if (grow(&g->ttr, &g->ttrcap, g->nrep + 1, sizeof(*g->ttr)) != 0)
			return -1;
		g->ttr[g->nrep++] = h;
		if (h <= 24)
			ind->repair.within_24h++;
		if (h <= 72)
			ind->repair.within_72h++;
	} else {
		struct ind_unrepaired *u;
		if (grow(&ind->unrepaired, &g->ucap, ind->nunrepaired + 1, sizeof(*u)) != 0)
			return -1;
		u = &ind->unrepaired[ind->nunrepaired++];
		u->id = x->id;
		u->device = strdup(x->device);
		u->label = x->label ? strdup(x->label) : NULL;
		u->opened_at = x->opened_at;
		if (u->device == NULL || (x->label && u->label == NULL))
			return -1;
	}
	return 0;
}

/* One row of the period: counted, and kept in its compact form. */
static int
gather_one(const struct period_fault *x, void *arg)
{
	struct gather *g = arg;
	struct cfault *c;

	if (g->ng == 0 || strcmp(g->g[g->ng - 1].device, x->device) != 0) {
		struct cgroup *n;
		if (grow(&g->g, &g->gcap, g->ng + 1, sizeof(*g->g)) != 0)
			goto oom;
		n = &g->g[g->ng];
		memset(n, 0, sizeof(*n));
		if ((n->device = strdup(x->device)) == NULL)
			goto oom;
		n->lo = n->hi = g->nf;
		g->ng++;
	}
	if (grow(&g->f, &g->fcap, g->nf + 1, sizeof(*g->f)) != 0)
		goto oom;
	c = &g->f[g->nf++];
	c->id = x->id;
	c->opened_at = x->opened_at;
	c->cleared_at = x->cleared_at;
	c->repaired_at = x->repaired_at;
	c->dismissed_at = x->dismissed_at;
	c->group = (uint32_t)(g->ng - 1);
	c->kind = (uint8_t)x->kind;
	c->manual = x->manual != 0;
	g->g[g->ng - 1].hi = g->nf;
	if (count_fault(g, x) != 0)
		goto oom;
	return 0;
oom:
	g->oom = 1;
	return -1;
}

static void
gather_free(struct gather *g)
{
	for (size_t i = 0; i < g->ng; i++)
		free(g->g[i].device);
	free(g->g);
	free(g->f);
	free(g->ttr);
}

/* The device's group, NULL when it had no fault in the period. */
static const struct cgroup *
group_of(const struct gather *g, const char *id)
{
	size_t a = 0, b = g->ng;

	while (a < b) {
		size_t m = a + (b - a) / 2;
		int c = strcmp(g->g[m].device, id);
		if (c == 0)
			return &g->g[m];
		if (c < 0)
			a = m + 1;
		else
			b = m;
	}
	return NULL;
}

/* Coverage for the safety devices of lab (all of them when lab is NULL). */
static int
coverage(const struct gather *g, char **safety, size_t nsafety, const struct device_row *devs,
    size_t ndevs, const char *lab, const struct run_row *runs, size_t nruns, int64_t from,
    int64_t end, int64_t now, double *out, int *npoints)
{
	struct ivs s = { 0 };
	int count = 0;

	for (size_t i = 0; i < ndevs; i++)
		if (in_list(safety, nsafety, devs[i].id) && (lab == NULL ||
		    (devs[i].lab && strcmp(devs[i].lab, lab) == 0)))
			count++;
	*npoints = count;
	if (count == 0 || end <= from) {
		/* nothing to watch is watched; a period that has not begun is not */
		*out = count == 0 ? 1.0 : 0.0;
		return 0;
	}
	if (add_unobserved(&s, runs, nruns, from, end, now) != 0)
		goto oom;
	for (size_t i = 0; i < g->nf; i++) {
		const struct cfault *x = &g->f[i];
		const struct cgroup *d = &g->g[x->group];
		if (x->kind != FK_COMM || !d->safety)
			continue;
		if (lab && (d->dev == NULL || d->dev->lab == NULL || strcmp(d->dev->lab, lab) != 0))
			continue;
		if (iv_add(&s, x->opened_at, x->cleared_at != STORE_NOTIME ? x->cleared_at : end) != 0)
			goto oom;
	}
	*out = 1.0 - (double)iv_measure(&s, from, end) / (double)(end - from);
	free(s.v);
	return 0;
oom:
	free(s.v);
	return -1;
}

static char *
xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

int
indicators_compute(struct store *st, int64_t from, int64_t to, int64_t cutoff,
    double normal_availability, struct indicators *ind, char *err, size_t errlen)
{
	struct ind_opts o = { normal_availability, 0, 0 };

	return indicators_compute_opts(st, from, to, cutoff, &o, ind, err, errlen);
}

int
indicators_compute_opts(struct store *st, int64_t from, int64_t to, int64_t cutoff,
    const struct ind_opts *o, struct indicators *ind, char *err, size_t errlen)
{
	struct source src;

	source_of_store(&src, st);
	return indicators_compute_src(&src, from, to, cutoff, o, ind, err, errlen);
}

int
indicators_compute_src(const struct source *st, int64_t from, int64_t to, int64_t cutoff,
    const struct ind_opts *o, struct indicators *ind, char *err, size_t errlen)
{
	double normal_availability = o->normal_availability;
	struct gather g = { 0 };
	struct device_row *devs = NULL;
	struct run_row *runs = NULL;
	struct site_row site;
	char **safety = NULL;
	size_t ndevs = 0, nruns = 0, nsafety = 0, used = 0;
	int64_t now = time_now_ms(), end, span, base_gaps = 0;
	struct ivs gaps = { 0 };     /* when tbmond did not run */
	int rc = -1;

	memset(ind, 0, sizeof(*ind));
	if (cutoff == 0)
		cutoff = to;
	ind->from_ms = from;
	ind->to_ms = to;
	ind->cutoff_ms = cutoff;
	ind->normal_availability = normal_availability;
	ind->min_coverage = o->min_coverage > 0 ? o->min_coverage : IND_MIN_COVERAGE_DEFAULT;
	ind->repair.count_comm = o->count_comm;
	/* Time after now has not happened: availability and coverage end here. */
	end = to < now ? to : now;

	if (source_site(st, &site) > 0) {
		ind->site_id = site.id;
		ind->site_name = site.name;
		free(site.timezone);
	}
	/* 故障修复率 and the safety events are counted as the rows go by */
	g.ind = ind;
	g.from = from;
	g.to = to;
	g.cutoff = cutoff;
	g.count_comm = o->count_comm;
	if (source_each_period_fault(st, from, to, gather_one, &g) != 0) {
		if (g.oom)
			goto oom;
		snprintf(err, errlen, "database: %s", source_errmsg(st));
		goto out;
	}
	if (source_devices(st, &devs, &ndevs) != 0 || source_runs(st, from, to, &runs, &nruns) != 0 ||
	    source_safety_devices(st, &safety, &nsafety) != 0) {
		snprintf(err, errlen, "database: %s", source_errmsg(st));
		goto out;
	}
	for (size_t i = 0; i < g.ng; i++) {
		struct cgroup *c = &g.g[i];
		for (size_t j = 0; j < ndevs; j++)
			if (strcmp(devs[j].id, c->device) == 0)
				c->dev = &devs[j];
		c->safety = in_list(safety, nsafety, c->device);
	}
	/* the observation of the base: tbmond's runs */
	span = end > from ? end - from : 0;
	if (span > 0) {
		if (add_unobserved(&gaps, runs, nruns, from, end, now) != 0)
			goto oom;
		base_gaps = iv_measure(&gaps, from, end);
		ind->observed = (double)(span - base_gaps) / (double)span;
	}

	ind->repair.no_faults = ind->repair.faults == 0;
	ind->repair.rate = ind->repair.faults ? (double)ind->repair.repaired / ind->repair.faults : 1.0;
	if (g.nrep > 0) {
		double sum = 0;
		for (size_t i = 0; i < g.nrep; i++)
			sum += g.ttr[i];
		ind->repair.mttr_mean_hours = sum / (double)g.nrep;
		ind->repair.mttr_median_hours = median(g.ttr, g.nrep);
	} else
		ind->repair.mttr_mean_hours = ind->repair.mttr_median_hours = NAN;
	ind->safety.provisional = ind->safety.unclassified > 0;
	if (coverage(&g, safety, nsafety, devs, ndevs, NULL, runs, nruns, from, end, now,
	    &ind->safety.coverage, &ind->safety.safety_points) != 0)
		goto oom;

	/* per device: faults, availability, MTBF */
	if ((ind->devices = calloc(ndevs ? ndevs : 1, sizeof(*ind->devices))) == NULL)
		goto oom;
	for (size_t i = 0; i < ndevs; i++) {
		struct ind_device *d = &ind->devices[used];
		struct cgroup *grp = (struct cgroup *)group_of(&g, devs[i].id);
		struct ivs down = { 0 }, unobs = { 0 };
		int64_t downtime = 0, unobserved = span, observed;
		size_t lo = grp ? grp->lo : 0, hi = grp ? grp->hi : 0;
		int touched = devs[i].in_config;

		/* not observed: tbmond not running, or the device offline (comm fault) */
		if (iv_add_all(&unobs, &gaps) != 0)
			goto dev_oom;
		for (size_t j = lo; j < hi; j++) {
			const struct cfault *x = &g.f[j];
			struct ind_span sp;
			touched = 1;
			if (x->kind == FK_COMM && !x->manual && iv_add(&unobs, x->opened_at,
			    x->cleared_at != STORE_NOTIME ? x->cleared_at : end) != 0)
				goto dev_oom;
			if (x->kind != FK_FAULT || x->dismissed_at != STORE_NOTIME)
				continue;
			if (x->opened_at >= from && x->opened_at < to) {
				d->faults++;
				if (x->repaired_at != STORE_NOTIME && x->repaired_at < cutoff)
					d->repaired++;
			}
			if (fault_down(x->kind, x->manual, x->opened_at, x->cleared_at, x->repaired_at,
			    x->dismissed_at, end, &sp) && iv_add(&down, sp.a, sp.b) != 0)
				goto dev_oom;
		}
		if (!touched) {
			free(down.v);
			free(unobs.v);
			continue;
		}
		if (span > 0) {
			/* down time counts only where it was observed: |down ∪ unobs| − |unobs| */
			unobserved = iv_measure(&unobs, from, end);
			if (iv_add_all(&down, &unobs) != 0)
				goto dev_oom;
			downtime = iv_measure(&down, from, end) - unobserved;
		}
		free(down.v);
		free(unobs.v);
		observed = span - unobserved;
		d->id = xstrdup(devs[i].id);
		d->name = xstrdup(devs[i].name);
		d->lab = xstrdup(devs[i].lab);
		d->assessment = devs[i].assessment;
		d->observed = span > 0 ? (double)observed / (double)span : 0.0;
		d->availability = observed > 0 ? 1.0 - (double)downtime / (double)observed : NAN;
		d->mtbf_hours = d->faults ? (double)(observed - downtime) / HOUR_MS / d->faults : NAN;
		if (grp)
			grp->lab = d->lab ? d->lab : "";
		used++;
		continue;
dev_oom:
		free(down.v);
		free(unobs.v);
		goto oom;
	}
	ind->ndevices = used;

	/* the observation behind the repair rate: its devices' watching */
	{
		double sum = 0;
		int n = 0;
		for (size_t i = 0; i < ind->ndevices; i++)
			if (ind->devices[i].assessment) {
				sum += ind->devices[i].observed;
				n++;
			}
		ind->repair.observed = n ? sum / n : ind->observed;
		ind->repair.no_data = ind->repair.faults == 0 && ind->repair.observed <= 0;
		ind->repair.under_observed = ind_under_observed(ind->repair.observed, ind->min_coverage);
		if (ind->repair.no_data)
			ind->repair.rate = NAN;
	}
	ind->safety.observed = ind->safety.safety_points ? ind->safety.coverage : ind->observed;
	ind->safety.no_data = ind->safety.observed <= 0 && ind->safety.accidents +
	    ind->safety.near_misses + ind->safety.drills + ind->safety.none +
	    ind->safety.unclassified == 0;
	ind->safety.under_observed = ind_under_observed(ind->safety.observed, ind->min_coverage);

	/* per lab */
	for (size_t i = 0; i < ind->ndevices; i++) {
		const struct ind_device *d = &ind->devices[i];
		const char *lab = d->lab ? d->lab : "";
		struct ind_lab *l = NULL;
		for (size_t j = 0; j < ind->nlabs; j++)
			if (strcmp(ind->labs[j].lab, lab) == 0)
				l = &ind->labs[j];
		if (l == NULL) {
			struct ind_lab *nv = realloc(ind->labs, (ind->nlabs + 1) * sizeof(*nv));
			if (nv == NULL)
				goto oom;
			ind->labs = nv;
			l = &ind->labs[ind->nlabs++];
			memset(l, 0, sizeof(*l));
			if ((l->lab = strdup(lab)) == NULL)
				goto oom;
		}
		l->devices++;
		l->faults += d->faults;
		l->repaired += d->repaired;
		l->observed += d->observed;
		if (!isnan(d->availability)) {
			l->availability += d->availability;
			l->observed_devices++;
		}
	}
	for (size_t j = 0; j < ind->nlabs; j++) {
		struct ind_lab *l = &ind->labs[j];
		double sum = 0;
		size_t k = 0;
		int npts;
		l->availability = l->observed_devices ? l->availability / l->observed_devices : NAN;
		l->observed /= l->devices;
		/* normal: available enough, and watched long enough to say so */
		l->under_observed = ind_under_observed(l->observed, ind->min_coverage);
		l->normal = !isnan(l->availability) && l->availability >= normal_availability &&
		    !l->under_observed;
		if (j == 0 || l->observed < ind->labs_observed)
			ind->labs_observed = l->observed;
		for (size_t i = 0; i < g.nf; i++) {
			const struct cfault *x = &g.f[i];
			const char *dl = g.g[x->group].lab;
			if (x->opened_at < from || x->opened_at >= to || x->dismissed_at != STORE_NOTIME)
				continue;
			if (dl == NULL || strcmp(dl, l->lab) != 0)
				continue;
			if (x->kind == FK_SAFETY)
				l->safety_events++;
			if (x->kind == FK_FAULT && x->repaired_at != STORE_NOTIME && x->repaired_at < cutoff) {
				sum += (double)(x->repaired_at - x->opened_at) / HOUR_MS;
				k++;
			}
		}
		l->mttr_hours = k ? sum / (double)k : NAN;
		if (coverage(&g, safety, nsafety, devs, ndevs, l->lab, runs, nruns, from, end, now,
		    &l->coverage, &npts) != 0)
			goto oom;
		l->safety_points = npts;
	}
	ind->labs_under_observed = ind_under_observed(ind->labs_observed, ind->min_coverage);
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	if (rc != 0)
		indicators_free(ind);
	gather_free(&g);
	free(gaps.v);
	store_devices_free(devs, ndevs);
	free(runs);
	store_strings_free(safety, nsafety);
	return rc;
}

int
ind_watching(const struct run_row *run, int64_t now, int64_t *since)
{
	int64_t end = run->stopped_at != STORE_NOTIME ? run->stopped_at : run->alive_at;

	if (run->stopped_at == STORE_NOTIME && now - run->alive_at <= IND_ALIVE_GRACE_MS)
		return 1;
	if (since != NULL)
		*since = end;
	return 0;
}

int
ind_under_observed(double observed, double min_coverage)
{
	return !(observed >= min_coverage);   /* NAN too */
}

void
indicators_free(struct indicators *ind)
{
	free(ind->site_id);
	free(ind->site_name);
	for (size_t i = 0; i < ind->nlabs; i++)
		free(ind->labs[i].lab);
	free(ind->labs);
	for (size_t i = 0; i < ind->ndevices; i++) {
		free(ind->devices[i].id);
		free(ind->devices[i].name);
		free(ind->devices[i].lab);
	}
	free(ind->devices);
	for (size_t i = 0; i < ind->nunrepaired; i++) {
		free(ind->unrepaired[i].device);
		free(ind->unrepaired[i].label);
	}
	free(ind->unrepaired);
	memset(ind, 0, sizeof(*ind));
}

/* How a figure goes into JSON: one row per key (the object it belongs to,
 * its type, where it is), in the order the keys are written. */
enum jobj { J_REPAIR, J_SAFETY, J_LAB, J_DEVICE };
enum jtype {
	J_INT,        /* int */
	J_BOOL,       /* int, as true/false */
	J_NUM,        /* double */
	J_OPT,        /* double, NAN as null */
	J_COVERAGE,   /* double, null when its object's "safety_points" is 0 */
	J_TEXT,       /* char * */
	J_STR,        /* char *, NULL as null */
};
struct jfield {
	enum jobj obj;
	const char *key;
	enum jtype type;
	size_t off;
};
#define IN(f) offsetof(struct indicators, f)
#define LAB(f) offsetof(struct ind_lab, f)
#define DEV(f) offsetof(struct ind_device, f)

static const struct jfield json_fields[] = {
	{ J_REPAIR, "faults", J_INT, IN(repair.faults) },
	{ J_REPAIR, "repaired", J_INT, IN(repair.repaired) },
	{ J_REPAIR, "rate", J_OPT, IN(repair.rate) },   /* NAN: no data */
	{ J_REPAIR, "observed", J_NUM, IN(repair.observed) },
	{ J_REPAIR, "no_faults", J_BOOL, IN(repair.no_faults) },
	{ J_REPAIR, "within_24h", J_INT, IN(repair.within_24h) },
	{ J_REPAIR, "within_72h", J_INT, IN(repair.within_72h) },
	{ J_REPAIR, "mttr_hours", J_OPT, IN(repair.mttr_mean_hours) },
	{ J_REPAIR, "mttr_median_hours", J_OPT, IN(repair.mttr_median_hours) },
	{ J_REPAIR, "repeats", J_INT, IN(repair.repeats) },
	{ J_REPAIR, "under_observed", J_BOOL, IN(repair.under_observed) },
	{ J_SAFETY, "accidents", J_INT, IN(safety.accidents) },
	{ J_SAFETY, "observed", J_NUM, IN(safety.observed) },
	{ J_SAFETY, "near_misses", J_INT, IN(safety.near_misses) },
	{ J_SAFETY, "drills", J_INT, IN(safety.drills) },
	{ J_SAFETY, "none", J_INT, IN(safety.none) },
	{ J_SAFETY, "unclassified", J_INT, IN(safety.unclassified) },
	{ J_SAFETY, "provisional", J_BOOL, IN(safety.provisional) },
	{ J_SAFETY, "coverage", J_COVERAGE, IN(safety.coverage) },
	{ J_SAFETY, "safety_points", J_INT, IN(safety.safety_points) },
	{ J_SAFETY, "under_observed", J_BOOL, IN(safety.under_observed) },
	{ J_LAB, "lab", J_TEXT, LAB(lab) },
	{ J_LAB, "devices", J_INT, LAB(devices) },
	{ J_LAB, "faults", J_INT, LAB(faults) },
	{ J_LAB, "repaired", J_INT, LAB(repaired) },
	{ J_LAB, "mttr_hours", J_OPT, LAB(mttr_hours) },
	{ J_LAB, "availability", J_OPT, LAB(availability) },   /* NAN: never observed */
	{ J_LAB, "observed", J_NUM, LAB(observed) },
	{ J_LAB, "normal", J_BOOL, LAB(normal) },
	{ J_LAB, "under_observed", J_BOOL, LAB(under_observed) },
	{ J_LAB, "safety_events", J_INT, LAB(safety_events) },
	{ J_LAB, "coverage", J_COVERAGE, LAB(coverage) },
	{ J_LAB, "safety_points", J_INT, LAB(safety_points) },
	{ J_DEVICE, "id", J_TEXT, DEV(id) },
	{ J_DEVICE, "name", J_STR, DEV(name) },
	{ J_DEVICE, "lab", J_STR, DEV(lab) },
	{ J_DEVICE, "assessment", J_BOOL, DEV(assessment) },
	{ J_DEVICE, "faults", J_INT, DEV(faults) },
	{ J_DEVICE, "repaired", J_INT, DEV(repaired) },
	{ J_DEVICE, "availability", J_OPT, DEV(availability) },
	{ J_DEVICE, "observed", J_NUM, DEV(observed) },
	{ J_DEVICE, "mtbf_hours", J_OPT, DEV(mtbf_hours) },
};
#undef IN
#undef LAB
#undef DEV

/* A J_COVERAGE share means nothing without safety points: the value of the
 * "safety_points" key of the same object. */
static int
json_points(const char *base, enum jobj which)
{
	for (size_t i = 0; i < sizeof(json_fields) / sizeof(json_fields[0]); i++)
		if (json_fields[i].obj == which && strcmp(json_fields[i].key, "safety_points") == 0)
			return *(const int *)(base + json_fields[i].off);
	return 0;
}

/* One figure as JSON. */
static cJSON *
json_value(const char *base, const struct jfield *f)
{
	const char *p = base + f->off;
	const char *s = f->type >= J_TEXT ? *(char *const *)p : NULL;
	double d = f->type <= J_BOOL ? *(const int *)p : f->type < J_TEXT ? *(const double *)p : 0;

	if (f->type == J_BOOL)
		return cJSON_CreateBool(d != 0);
	if (f->type == J_COVERAGE && json_points(base, f->obj) == 0)
		d = NAN;
	if ((f->type == J_OPT || f->type == J_COVERAGE) && isnan(d))
		return cJSON_CreateNull();
	if (f->type == J_STR && s == NULL)
		return cJSON_CreateNull();
	/* J_TEXT without text: no key, as cJSON_AddStringToObject does */
	return f->type >= J_TEXT ? cJSON_CreateString(s) : cJSON_CreateNumber(d);
}

/* The keys of one kind of object (which) from obj into o. */
static void
add_fields(cJSON *o, const void *obj, enum jobj which)
{
	for (size_t i = 0; i < sizeof(json_fields) / sizeof(json_fields[0]); i++)
		if (json_fields[i].obj == which)
			cJSON_AddItemToObject(o, json_fields[i].key, json_value(obj, &json_fields[i]));
}

/* An array of n objects of `size` bytes each, every one through its table. */
static void
add_array(cJSON *o, const char *key, const void *v, size_t n, size_t size, enum jobj which)
{
	cJSON *a = cJSON_AddArrayToObject(o, key), *y;

	for (size_t i = 0; i < n; i++)
		if ((y = cJSON_CreateObject()) != NULL) {
			add_fields(y, (const char *)v + i * size, which);
			cJSON_AddItemToArray(a, y);
		}
}

void
indicators_json_add(cJSON *o, const struct indicators *in)
{
	cJSON *x;

	cJSON_AddNumberToObject(o, "observed", in->observed);
	cJSON_AddNumberToObject(o, "min_coverage", in->min_coverage);
	x = cJSON_AddObjectToObject(o, "fault_repair_rate");
	add_fields(x, in, J_REPAIR);
	/* no faults and no observation: no figure at all (rate null), never 1.0 */
	if (in->repair.no_data)
		cJSON_AddStringToObject(x, "no_data", "no faults and no observation in the period "
		    "(tbmond did not run, or the devices were offline)");
	x = cJSON_AddObjectToObject(o, "safety");
	add_fields(x, in, J_SAFETY);
	if (in->safety.no_data) {
		cJSON_ReplaceItemInObjectCaseSensitive(x, "accidents", cJSON_CreateNull());
		cJSON_AddStringToObject(x, "no_data", "no safety events and no observation in the "
		    "period: zero accidents would mean nothing");
	}
	add_array(o, "labs", in->labs, in->nlabs, sizeof(*in->labs), J_LAB);
	add_array(o, "devices", in->devices, in->ndevices, sizeof(*in->devices), J_DEVICE);
	cJSON_AddItemToObject(o, "faults_per_month", cJSON_CreateIntArray(in->faults_per_month, 12));
}
