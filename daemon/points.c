/*
 * points.c - from a device's good reading to events: detectors, the log
 * lines people see, and the fault kinds; shared by link (Modbus) and mqtt.
 */
#include "points.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "queue.h"

int
points_init(struct devpoints *dp, const struct conf_device *cf, struct conf_point *const *pts,
    size_t n)
{
	memset(dp, 0, sizeof(*dp));
	dp->cf = cf;
	dp->pts = pts;
	dp->n = n;
	dp->det = calloc(n ? n : 1, sizeof(*dp->det));
	dp->vals = calloc(n ? n : 1, sizeof(*dp->vals));
	if (dp->det == NULL || dp->vals == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		detect_init(&dp->det[i], 0);
	return 0;
}

void
points_free(struct devpoints *dp)
{
	free(dp->det);
	free(dp->vals);
	dp->det = NULL;
	dp->vals = NULL;
}

enum fault_kind
points_kind(const struct conf_point *p)
{
	return p->kind == KIND_SAFETY ? FK_SAFETY : FK_FAULT;
}

static void
emit(points_sink sink, void *arg, enum event_type type, enum fault_kind kind,
    const char *device, const char *point, double code, int64_t wall)
{
	struct tbm_event ev;

	queue_fill(&ev, type, kind, device, point, code, wall);
	sink(arg, &ev);
}

void
points_feed(struct devpoints *dp, int64_t now, int64_t wall, points_sink sink, void *arg)
{
	for (size_t i = 0; i < dp->n; i++) {
		const struct conf_point *p = dp->pts[i];
		const char *what = p->label ? p->label : p->name;
		double code = 0;
		enum det_result r = detect_feed(&dp->det[i], p, dp->vals[i], now, &code);

		if (r == DET_OPEN) {
			log_info("%s: %s opened (value %g)", p->id, what, code);
			emit(sink, arg, EV_OPEN, points_kind(p), dp->cf->id, p->name, code, wall);
		} else if (r == DET_CLEAR) {
			log_info("%s: %s cleared", p->id, what);
			emit(sink, arg, EV_CLEAR, points_kind(p), dp->cf->id, p->name, 0, wall);
		}
	}
}

void
points_comm(const struct devpoints *dp, enum event_type type, int64_t wall, points_sink sink,
    void *arg)
{
	emit(sink, arg, type, FK_COMM, dp->cf->id, "comm", 0, wall);
}

int
points_adopt(struct devpoints *dp, const char *device, const char *point, enum fault_kind kind,
    int *offline)
{
	if (strcmp(dp->cf->id, device) != 0)
		return -1;
	if (kind == FK_COMM) {
		*offline = 1;
		return 1;
	}
	for (size_t k = 0; k < dp->n; k++)
		if (strcmp(dp->pts[k]->name, point) == 0) {
			detect_init(&dp->det[k], 1);
			return 1;
		}
	return 0;
}

#define S(x) ((x) ? (x) : "")

void
points_fingerprint(FILE *f, const struct conf_device *d)
{
	fprintf(f, "[%s|%d|%s|%d|%d|%lld|%lld|%d|%lld|%s|%d|%c%d%d|%s|%d|%d|%s|%s|%d|%lld|%lld|%lld|%d]",
	    d->id, d->protocol, S(d->host), d->port, d->unit, (long long)d->interval_ms,
	    (long long)d->timeout_ms, d->offline_polls, (long long)d->offline_ms, S(d->serial),
	    d->baud, d->parity ? d->parity : '-', d->data_bits, d->stop_bits, S(d->topic),
	    d->max_registers, d->max_bits, S(d->name), S(d->lab), d->assessment,
	    (long long)d->pause_ms, (long long)d->connect_delay_ms, (long long)d->reconnect_delay_ms,
	    d->keep_open);
	for (size_t i = 0; i < d->npoints; i++) {
		const struct conf_point *p = d->points[i];
		fprintf(f, "(%s|%d|%d|%d|%d|%d|%.17g|%.17g|%s|%d|%d|%.17g|%d|%.17g|%lld|%lld|%s)",
		    p->name, p->table, p->address, p->type, p->order, p->bit, p->scale, p->offset,
		    S(p->json), p->kind, p->when.op, p->when.value, p->clear.op, p->clear.value,
		    (long long)p->delay_ms, (long long)p->clear_delay_ms, S(p->label));
	}
}
