/*
 * eventjson.h - one audit record as the event JSON that tbmond publishes on
 * the MQTT events topic and tbm-notify posts to a generic webhook.
 */
#ifndef TBM_EVENTJSON_H
#define TBM_EVENTJSON_H

#include "store.h"

/* {"site", "seq", "at", "action", "actor", "fault_id", "device", "point",
 * "kind", "label", "lab", "detail"}; absent values null. The caller frees
 * the text with cJSON_free(); NULL when out of memory. */
char *event_json(const char *site, const struct outbox_rec *r);

#endif
