/*
 * record.c - the messages a base publishes, read without trusting them: an
 * event's "audit" object (the record exactly as hashed) and the retained
 * config (devices, points, runs). No I/O: unit-tested and fuzzed.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "collect.h"
#include "jsonpath.h"

#define SEQ_MAX 9007199254740991.0   /* 2^53 - 1: exact in a JSON number */

static int
site_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= COLLECT_SITE_MAX)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static int
hash_ok(const char *s)
{
	return strlen(s) == AUDIT_HASH_LEN && strspn(s, "0123456789abcdef") == AUDIT_HASH_LEN;
}

/* A whole number in [lo, SEQ_MAX] (null allowed when nullable: 0). */
static int
get_int(const cJSON *o, const char *k, double lo, int nullable, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (nullable && cJSON_IsNull(v)) {
		*out = 0;
		return 0;
	}
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < lo ||
	    v->valuedouble > SEQ_MAX)
		return -1;
	*out = (int64_t)v->valuedouble;
	return 0;
}

static const char *
get_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int
record_topic_site(const char *topic, char *site, size_t len)
{
	const char *a, *b;

	if (strncmp(topic, "tbmon/", 6) != 0)
		return -1;
	a = topic + 6;
	if ((b = strchr(a, '/')) == NULL || (size_t)(b - a) >= len)
		return -1;
	snprintf(site, len, "%.*s", (int)(b - a), a);
	return site_ok(site) ? 0 : -1;
}

int
record_parse(const char *payload, size_t len, struct in_record *out, char *err, size_t errlen)
{
	cJSON *o, *a;
	const char *site, *action, *actor, *detail, *ph, *h;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((o = jsonpath_parse(payload, len, err, errlen)) == NULL)
		return -1;
	a = cJSON_GetObjectItemCaseSensitive(o, "audit");
	if (!cJSON_IsObject(a)) {
		snprintf(err, errlen, "no \"audit\" object (a base older than the central collection?)");
		goto out;
	}
	site = get_str(a, "site");
	action = get_str(a, "action");
	actor = get_str(a, "actor");
	detail = get_str(a, "detail");
	ph = get_str(a, "prev_hash");
	h = get_str(a, "hash");
	if (site == NULL || !site_ok(site)) {
		snprintf(err, errlen, "audit.site is missing or not [a-z0-9-]+");
		goto out;
	}
	snprintf(out->site, sizeof(out->site), "%s", site);
	if (get_int(a, "seq", 1, 0, &out->r.seq) != 0) {
		snprintf(err, errlen, "audit.seq is missing or not a whole number >= 1");
		goto out;
	}
	if (get_int(a, "at_ms", 0, 0, &out->r.at) != 0) {
		snprintf(err, errlen, "audit.at_ms is missing or not a time in ms");
		goto out;
	}
	if (get_int(a, "fault_id", 1, 1, &out->r.fault_id) != 0) {
		snprintf(err, errlen, "audit.fault_id is not null or a whole number >= 1");
		goto out;
	}
	if (action == NULL || actor == NULL || detail == NULL) {
		snprintf(err, errlen, "audit.%s is missing or not a string",
		    action == NULL ? "action" : actor == NULL ? "actor" : "detail");
		goto out;
	}
	/* \u escapes can still decode to what is not UTF-8 (a lone surrogate);
	 * without one, the payload checked whole is all there is */
	if (memmem(payload, len, "\\u", 2) != NULL &&
	    (jsonpath_utf8_invalid(action, strlen(action)) >= 0 ||
	    jsonpath_utf8_invalid(actor, strlen(actor)) >= 0 ||
	    jsonpath_utf8_invalid(detail, strlen(detail)) >= 0)) {
		snprintf(err, errlen, "audit.action, actor or detail is not UTF-8");
		goto out;
	}
	if (ph == NULL || !hash_ok(ph) || h == NULL || !hash_ok(h)) {
		snprintf(err, errlen, "audit.%s is not 64 hex digits", ph == NULL || !hash_ok(ph) ?
		    "prev_hash" : "hash");
		goto out;
	}
	snprintf(out->r.prev_hash, sizeof(out->r.prev_hash), "%s", ph);
	snprintf(out->r.hash, sizeof(out->r.hash), "%s", h);
	if ((out->r.action = strdup(action)) == NULL || (out->r.actor = strdup(actor)) == NULL ||
	    (out->r.detail = strdup(detail)) == NULL) {
		snprintf(err, errlen, "out of memory");
		record_clear(out);
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

void
record_clear(struct in_record *r)
{
	free(r->r.action);
	free(r->r.actor);
	free(r->r.detail);
	memset(r, 0, sizeof(*r));
}

static int
get_bool(const cJSON *o, const char *k, int def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v);
	if (cJSON_IsNumber(v))
		return v->valueint != 0;
	return def;
}

int
record_config(const char *payload, size_t len, struct pg_config *c, cJSON **json, char *err,
    size_t errlen)
{
	cJSON *o, *devs, *runs, *d, *p, *r;
	size_t np = 0;

	memset(c, 0, sizeof(*c));
	*json = NULL;
	/* no size limit here: a base's device list may be larger than a device's message */
	if (jsonpath_utf8_invalid(payload, len) >= 0) {
		snprintf(err, errlen, "not UTF-8");
		return -1;
	}
	if ((o = cJSON_ParseWithLength(payload, len)) == NULL) {
		snprintf(err, errlen, "not JSON");
		return -1;
	}
	c->site = get_str(o, "site");
	c->name = get_str(o, "name");
	c->timezone = get_str(o, "timezone");
	devs = cJSON_GetObjectItemCaseSensitive(o, "devices");
	runs = cJSON_GetObjectItemCaseSensitive(o, "runs");
	if (c->site == NULL || !site_ok(c->site)) {
		snprintf(err, errlen, "site is missing or not [a-z0-9-]+");
		goto fail;
	}
	if (get_int(o, "sent", 0, 1, &c->head) != 0)
		c->head = 0;   /* optional */
	if (!cJSON_IsArray(devs) || !cJSON_IsArray(runs)) {
		snprintf(err, errlen, "devices or runs is not a list");
		goto fail;
	}
	cJSON_ArrayForEach(d, devs)
		np += (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "points"));
	c->devices = calloc((size_t)cJSON_GetArraySize(devs) + 1, sizeof(*c->devices));
	c->points = calloc(np + 1, sizeof(*c->points));
	c->runs = calloc((size_t)cJSON_GetArraySize(runs) + 1, sizeof(*c->runs));
	if (c->devices == NULL || c->points == NULL || c->runs == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* the rows point into the JSON tree; nothing is freed field by field */
	cJSON_ArrayForEach(d, devs) {
		struct device_row *x = &c->devices[c->ndevices];
		if ((x->id = (char *)get_str(d, "id")) == NULL || *x->id == '\0') {
			snprintf(err, errlen, "devices[%zu]: no id", c->ndevices);
			goto fail;
		}
		x->name = (char *)get_str(d, "name");
		x->lab = (char *)get_str(d, "lab");
		x->protocol = (char *)get_str(d, "protocol");
		x->assessment = get_bool(d, "assessment", 0);
		x->in_config = get_bool(d, "in_config", 1);
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(d, "points")) {
			struct point_row *y = &c->points[c->npoints];
			y->device = x->id;
			if ((y->name = (char *)get_str(p, "name")) == NULL ||
			    (y->kind = (char *)get_str(p, "kind")) == NULL) {
				snprintf(err, errlen, "device %s: a point without name or kind", x->id);
				goto fail;
			}
			y->label = (char *)get_str(p, "label");
			y->in_config = get_bool(p, "in_config", 1);
			c->npoints++;
		}
		c->ndevices++;
	}
	cJSON_ArrayForEach(r, runs) {
		struct run_row *x = &c->runs[c->nruns];
		if (get_int(r, "id", 1, 0, &x->id) != 0 || get_int(r, "started_at", 0, 0, &x->started_at) ||
		    get_int(r, "alive_at", 0, 0, &x->alive_at) ||
		    get_int(r, "stopped_at", 0, 1, &x->stopped_at)) {
			snprintf(err, errlen, "runs[%zu]: id, started_at, alive_at or stopped_at is not a "
			    "whole number", c->nruns);
			goto fail;
		}
		c->nruns++;
	}
	*json = o;
	return 0;
fail:
	record_config_free(c);
	cJSON_Delete(o);
	return -1;
}

void
record_config_free(struct pg_config *c)
{
	free(c->devices);
	free(c->points);
	free(c->runs);
	memset(c, 0, sizeof(*c));
}
