/*
 * points.h - one device's points on their way to events, the same for the
 * Modbus links and the MQTT devices: a good reading of every point goes
 * through its detector, and what opens or clears is logged and handed on as
 * an event. Also the adoption of faults open in the database, and the
 * fingerprint of a device's configuration that tells a reload what changed.
 */
#ifndef TBMOND_POINTS_H
#define TBMOND_POINTS_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "detect.h"
#include "store.h"

struct devpoints {
	const struct conf_device *cf;
	struct conf_point *const *pts;   /* the order of det[] and vals[] */
	size_t n;
	struct detector *det;
	double *vals;                    /* the values of the current reading */
};

/* Where events go; a sink that cannot take one says so itself. */
typedef void (*points_sink)(void *arg, const struct tbm_event *ev);

/* points_init: detectors (idle) and values for n points in the order pts. */
int points_init(struct devpoints *dp, const struct conf_device *cf, struct conf_point *const *pts,
    size_t n);
void points_free(struct devpoints *dp);

/* points_kind: the kind of fault a point's events are. */
enum fault_kind points_kind(const struct conf_point *p);

/* points_feed: dp->vals is a good reading of every point: each detector is
 * fed (monotonic `now`), and what opens or clears is logged and given to
 * sink with the wall-clock time `wall`. */
void points_feed(struct devpoints *dp, int64_t now, int64_t wall, points_sink sink, void *arg);

/* points_comm: the device's communication fault opens (EV_OPEN) or clears. */
void points_comm(const struct devpoints *dp, enum event_type type, int64_t wall, points_sink sink,
    void *arg);

/* points_adopt: a fault open in the database on `device`.`point`. -1: not
 * this device; 1: adopted (a comm fault sets *offline); 0: no such point. */
int points_adopt(struct devpoints *dp, const char *device, const char *point,
    enum fault_kind kind, int *offline);

/* points_fingerprint: everything about a device and its points that its
 * polling or subscription depends on, written to f. Equal fingerprints
 * mean a reload can leave it running. */
void points_fingerprint(FILE *f, const struct conf_device *d);

#endif
