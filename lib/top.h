/*
 * top.h - what fails most over a period: devices, labels or labs ranked by
 * their faults (comm faults included) and by their down time. tbmctl top
 * prints it; the counting is the indicators' (indicators.h).
 */
#ifndef TBM_TOP_H
#define TBM_TOP_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

enum top_by { TOP_BY_DEVICE = 0, TOP_BY_LABEL, TOP_BY_LAB };
const char *top_by_name(enum top_by by);   /* device | label | lab */
int top_by_parse(const char *s);           /* -1 if none of them */

struct top_row {
	char *key;                 /* device id, label or lab */
	char *name;                /* a device's name (else NULL) */
	char *lab;                 /* a device's lab (else NULL) */
	int faults;                /* kind fault, opened in the period, not dismissed */
	int safety;                /* safety events, likewise */
	int comm;                  /* comm faults opened in the period */
	int64_t down_ms;           /* down time in the period (as availability counts it),
	                              summed over devices for a label or a lab */
};

struct top {
	int64_t from_ms, to_ms;
	enum top_by by;
	struct top_row *rows;      /* those with anything to show, by faults + comm, then down time */
	size_t n;
};

/* top_compute: over [from_ms, to_ms) (down time up to now at most); `lab`
 * (if not NULL) keeps that lab's devices only. -1 on a database error,
 * with the message in err. */
int top_compute(struct store *st, int64_t from_ms, int64_t to_ms, int64_t now, enum top_by by,
    const char *lab, struct top *out, char *err, size_t errlen);
/* top_by_downtime: the rows ranked by down time instead. */
void top_by_downtime(struct top *t);
void top_free(struct top *t);

#endif
