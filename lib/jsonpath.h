/*
 * jsonpath.h - reading a number out of an MQTT payload: a dotted path into a
 * JSON document (object keys, array indexes as numbers), or, without a path,
 * the payload itself as a bare number. Bad payloads are described, never
 * turned into a value.
 */
#ifndef TBM_JSONPATH_H
#define TBM_JSONPATH_H

#include <cjson/cJSON.h>
#include <stddef.h>

#define JSONPATH_MAX_PAYLOAD (64 * 1024)

/* jsonpath_parse: the payload as JSON (NULL-terminated or not). NULL with a
 * reason in err when it is too large, not UTF-8 JSON, or empty. */
cJSON *jsonpath_parse(const void *payload, size_t len, char *err, size_t errlen);
/* jsonpath_number: the number at `path` ("sensors.temp", "alarms.0"); true and
 * false count as 1 and 0. 0 ok, -1 with the reason in err. */
int jsonpath_number(const cJSON *root, const char *path, double *out, char *err, size_t errlen);
/* jsonpath_bare: the payload is just a number ("25.5", " 3 "). 0 ok, -1 not. */
int jsonpath_bare(const void *payload, size_t len, double *out, char *err, size_t errlen);

#endif
