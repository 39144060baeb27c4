/*
 * mqtt.h - tbmond's MQTT side (libmosquitto): devices that publish their
 * state, detected like Modbus points; every stored event published from the
 * outbox in the database; a retained status with a last will.
 */
#ifndef TBMOND_MQTT_H
#define TBMOND_MQTT_H

#include <stdint.h>

#include "cfref.h"
#include "config.h"
#include "queue.h"
#include "store.h"

struct mqtt;

/* mqtt_new: NULL (and no error) when the configuration has no [mqtt]
 * section; NULL with *failed set when it cannot be set up. Takes a
 * reference to the configuration. */
struct mqtt *mqtt_new(struct cfref *ref, struct queue *q, int *failed);
/* mqtt_signature: everything in a configuration the MQTT side depends on;
 * equal signatures mean a reload can leave it running. Free it. */
char *mqtt_signature(const struct config *cf);
/* mqtt_stalled: the name of a thread of ours that has not woken within its
 * allowance, or NULL. */
const char *mqtt_stalled(struct mqtt *m, int64_t now);
/* mqtt_adopt: an open fault of an MQTT device. 1 adopted, 0 not ours. */
int mqtt_adopt(struct mqtt *m, const char *device, const char *point, enum fault_kind kind);
/* mqtt_start: connects (in the background: a broker that is down is retried)
 * and starts the outbox and silence thread. 0 or -1. */
int mqtt_start(struct mqtt *m);
/* mqtt_kick: new events were committed; publish them soon. */
void mqtt_kick(void *m);
/* mqtt_run_stopping: the daemon's run ends at `at` (the time store_run_stop
 * records): the last config published at the stop says so. */
void mqtt_run_stopping(struct mqtt *m, int64_t run_id, int64_t at);
/* mqtt_stop: the last config, "offline" on the status topic, disconnect, join. */
void mqtt_stop(struct mqtt *m);
void mqtt_free(struct mqtt *m);

struct mqtt_stats {
	unsigned long long messages, bad_payloads, published;
	int devices_online, devices_offline, connected;
};
void mqtt_stats(struct mqtt *m, struct mqtt_stats *s);

#endif
