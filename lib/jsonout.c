/*
 * jsonout.c - the JSON forms of faults, audit records, the status and the
 * indicators, under DESIGN.md's keys: one builder for tbmctl's --json and
 * tbm-web's /api/, so both say the same things by the same names.
 */
#include "jsonout.h"

#include <string.h>

#include "indicators.h"
#include "tbmtime.h"

cJSON *
json_time(int64_t ms)
{
	char buf[64];

	if (ms == STORE_NOTIME)
		return cJSON_CreateNull();
	time_format_iso(ms, buf, sizeof(buf));
	return cJSON_CreateString(buf);
}

cJSON *
json_string_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

/* Adds v to o under key; takes ownership; -1 if v is NULL (out of memory). */
static int
add(cJSON *o, const char *key, cJSON *v)
{
	if (v == NULL)
		return -1;
	if (!cJSON_AddItemToObject(o, key, v)) {
		cJSON_Delete(v);
		return -1;
	}
	return 0;
}

cJSON *
json_fault(const struct fault *f)
{
	cJSON *o = cJSON_CreateObject();
	int bad = 0;

	if (o == NULL)
		return NULL;
	bad |= add(o, "id", cJSON_CreateNumber((double)f->id));
	bad |= add(o, "device", json_string_or_null(f->device));
	bad |= add(o, "point", json_string_or_null(f->point));
	bad |= add(o, "kind", cJSON_CreateString(fault_kind_name(f->kind)));
	bad |= add(o, "code", f->has_code ? cJSON_CreateNumber(f->code) : cJSON_CreateNull());
	bad |= add(o, "label", json_string_or_null(f->label));
	bad |= add(o, "lab", json_string_or_null(f->lab));
	bad |= add(o, "assessment", cJSON_CreateBool(f->assessment));
	bad |= add(o, "source", json_string_or_null(f->source));
	bad |= add(o, "opened_at", json_time(f->opened_at));
	bad |= add(o, "cleared_at", json_time(f->cleared_at));
	bad |= add(o, "acked_at", json_time(f->acked_at));
	bad |= add(o, "acked_by", json_string_or_null(f->acked_by));
	bad |= add(o, "repaired_at", json_time(f->repaired_at));
	bad |= add(o, "repaired_by", json_string_or_null(f->repaired_by));
	bad |= add(o, "action", json_string_or_null(f->action));
	bad |= add(o, "parts", json_string_or_null(f->parts));
	bad |= add(o, "dismissed_at", json_time(f->dismissed_at));
	bad |= add(o, "dismiss_reason", json_string_or_null(f->dismiss_reason));
	bad |= add(o, "classification", json_string_or_null(f->classification));
	bad |= add(o, "repeat_of",
	    f->repeat_of ? cJSON_CreateNumber((double)f->repeat_of) : cJSON_CreateNull());
	bad |= add(o, "status", cJSON_CreateString(fault_status(f)));
	if (bad) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* The record stores its times as epoch milliseconds under keys ending in
 * "_at"; people's JSON has every time in ISO 8601 with the offset. (What
 * the hash covers is the stored text, untouched: tbmctl verify reads that.) */
static void
iso_times(cJSON *o)
{
	cJSON *it;

	cJSON_ArrayForEach(it, o) {
		size_t n = it->string ? strlen(it->string) : 0;
		if (cJSON_IsObject(it))
			iso_times(it);
		else if (cJSON_IsNumber(it) && n > 3 && strcmp(it->string + n - 3, "_at") == 0) {
			cJSON *t = json_time((int64_t)it->valuedouble);
			/* the replacement takes the key (ReplaceItemViaPointer would not) */
			if (t == NULL || !cJSON_ReplaceItemInObjectCaseSensitive(o, it->string, t))
				break;
			it = t;
		}
	}
}

cJSON *
json_audit(const struct audit_rec *r)
{
	cJSON *o = cJSON_CreateObject(), *detail;
	int bad = 0;

	if (o == NULL)
		return NULL;
	detail = r->detail ? cJSON_Parse(r->detail) : NULL;
	if (detail == NULL)
		detail = json_string_or_null(r->detail);
	else
		iso_times(detail);
	bad |= add(o, "seq", cJSON_CreateNumber((double)r->seq));
	bad |= add(o, "at", json_time(r->at));
	bad |= add(o, "action", json_string_or_null(r->action));
	bad |= add(o, "actor", json_string_or_null(r->actor));
	bad |= add(o, "detail", detail);
	if (bad) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *
json_fault_show(const struct fault *f, const struct audit_rec *a, size_t na)
{
	cJSON *o = json_fault(f), *arr;

	if (o == NULL)
		return NULL;
	if ((arr = cJSON_AddArrayToObject(o, "audit")) == NULL)
		goto oom;
	for (size_t i = 0; i < na; i++) {
		cJSON *r = json_audit(&a[i]);
		if (r == NULL || !cJSON_AddItemToArray(arr, r)) {
			cJSON_Delete(r);
			goto oom;
		}
	}
	return o;
oom:
	cJSON_Delete(o);
	return NULL;
}

int
device_row_manual(const struct device_row *r)
{
	return r->protocol != NULL && strcmp(r->protocol, "manual") == 0;
}

cJSON *
json_status(const char *id, const char *name, const char *zone, const struct run_row *run,
    int running, const struct device_row *dev, size_t n)
{
	cJSON *root = cJSON_CreateObject(), *site, *d, *devs;

	if (root == NULL)
		return NULL;
	if ((site = cJSON_AddObjectToObject(root, "site")) == NULL ||
	    !cJSON_AddItemToObject(site, "id", json_string_or_null(id)) ||
	    !cJSON_AddItemToObject(site, "name", json_string_or_null(name)) ||
	    !cJSON_AddItemToObject(site, "timezone", json_string_or_null(zone)))
		goto fail;
	if ((d = cJSON_AddObjectToObject(root, "daemon")) == NULL ||
	    !cJSON_AddItemToObject(d, "started_at",
		run ? json_time(run->started_at) : cJSON_CreateNull()) ||
	    !cJSON_AddItemToObject(d, "alive_at",
		run ? json_time(run->alive_at) : cJSON_CreateNull()) ||
	    !cJSON_AddItemToObject(d, "stopped_at",
		run ? json_time(run->stopped_at) : cJSON_CreateNull()) ||
	    cJSON_AddBoolToObject(d, "running", running) == NULL)
		goto fail;
	if ((devs = cJSON_AddArrayToObject(root, "devices")) == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const struct device_row *r = &dev[i];
		cJSON *o = cJSON_CreateObject();
		if (o == NULL || !cJSON_AddItemToArray(devs, o)) {
			cJSON_Delete(o);
			goto fail;
		}
		if (!cJSON_AddItemToObject(o, "id", json_string_or_null(r->id)) ||
		    !cJSON_AddItemToObject(o, "name", json_string_or_null(r->name)) ||
		    !cJSON_AddItemToObject(o, "lab", json_string_or_null(r->lab)) ||
		    !cJSON_AddItemToObject(o, "protocol", json_string_or_null(r->protocol)) ||
		    cJSON_AddBoolToObject(o, "assessment", r->assessment) == NULL ||
		    cJSON_AddBoolToObject(o, "in_config", r->in_config) == NULL ||
		    !cJSON_AddItemToObject(o, "online", device_row_manual(r) ? cJSON_CreateNull() :
			cJSON_CreateBool(!r->comm_open)) ||
		    !cJSON_AddItemToObject(o, "offline_since",
			r->comm_open ? json_time(r->comm_since) : cJSON_CreateNull()) ||
		    cJSON_AddNumberToObject(o, "open_faults", r->open_faults) == NULL)
			goto fail;
	}
	return root;
fail:
	cJSON_Delete(root);
	return NULL;
}

cJSON *
json_indicators(const struct indicators *ind)
{
	cJSON *o = cJSON_CreateObject(), *unrep;

	if (o == NULL)
		return NULL;
	if (ind->site_id)
		cJSON_AddStringToObject(o, "site", ind->site_id);
	cJSON_AddItemToObject(o, "from", json_time(ind->from_ms));
	cJSON_AddItemToObject(o, "to", json_time(ind->to_ms));
	cJSON_AddItemToObject(o, "cutoff", json_time(ind->cutoff_ms));
	indicators_json_add(o, ind);
	unrep = cJSON_AddArrayToObject(o, "unrepaired");
	for (size_t i = 0; i < ind->nunrepaired; i++) {
		cJSON *u = cJSON_CreateObject();
		cJSON_AddNumberToObject(u, "id", (double)ind->unrepaired[i].id);
		cJSON_AddStringToObject(u, "device", ind->unrepaired[i].device);
		cJSON_AddItemToObject(u, "label", json_string_or_null(ind->unrepaired[i].label));
		cJSON_AddItemToObject(u, "opened_at", json_time(ind->unrepaired[i].opened_at));
		cJSON_AddItemToArray(unrep, u);
	}
	return o;
}
