/*
 * eventjson.c - the event JSON of an audit record (see eventjson.h): the
 * contract of the MQTT events topic, kept in one place for every sender.
 */
#include "eventjson.h"

#include <cjson/cJSON.h>

#include "tbmtime.h"

/* The record exactly as its hash covers it, so that a collector can check
 * it against the chain it holds: the detail as the text that was hashed. */
static void
audit_object(cJSON *o, const char *site, const struct outbox_rec *r)
{
	cJSON *a = cJSON_AddObjectToObject(o, "audit");

	if (a == NULL)
		return;
	cJSON_AddStringToObject(a, "site", site ? site : "");
	cJSON_AddNumberToObject(a, "seq", (double)r->seq);
	cJSON_AddNumberToObject(a, "at_ms", (double)r->at);
	if (r->fault_id > 0)
		cJSON_AddNumberToObject(a, "fault_id", (double)r->fault_id);
	else
		cJSON_AddNullToObject(a, "fault_id");
	cJSON_AddStringToObject(a, "action", r->action ? r->action : "");
	cJSON_AddStringToObject(a, "actor", r->actor ? r->actor : "");
	cJSON_AddStringToObject(a, "detail", r->detail ? r->detail : "");
	cJSON_AddStringToObject(a, "prev_hash", r->prev_hash);
	cJSON_AddStringToObject(a, "hash", r->hash);
}

char *
event_json(const char *site, const struct outbox_rec *r)
{
	cJSON *o = cJSON_CreateObject(), *detail;
	char at[64], *out;

	if (o == NULL)
		return NULL;
	time_format_iso(r->at, at, sizeof(at));
	cJSON_AddStringToObject(o, "site", site ? site : "");
	cJSON_AddNumberToObject(o, "seq", (double)r->seq);
	cJSON_AddStringToObject(o, "at", at);
	cJSON_AddStringToObject(o, "action", r->action ? r->action : "");
	cJSON_AddStringToObject(o, "actor", r->actor ? r->actor : "");
	if (r->fault_id > 0)
		cJSON_AddNumberToObject(o, "fault_id", (double)r->fault_id);
	else
		cJSON_AddNullToObject(o, "fault_id");
#define STR_OR_NULL(k, v) ((v) ? (void)cJSON_AddStringToObject(o, k, v) : (void)cJSON_AddNullToObject(o, k))
	STR_OR_NULL("device", r->device);
	STR_OR_NULL("point", r->point);
	STR_OR_NULL("kind", r->kind);
	STR_OR_NULL("label", r->label);
	STR_OR_NULL("lab", r->lab);
#undef STR_OR_NULL
	if ((detail = cJSON_Parse(r->detail ? r->detail : "{}")) == NULL)
		detail = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "detail", detail);
	audit_object(o, site, r);
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return out;
}
