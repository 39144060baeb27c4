/*
 * eventjson.c - the event JSON of an audit record (see eventjson.h): the
 * contract of the MQTT events topic, kept in one place for every sender.
 */
#include "eventjson.h"

#include <cjson/cJSON.h>

#include "tbmtime.h"

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
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return out;
}
