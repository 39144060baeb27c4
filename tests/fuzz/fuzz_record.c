/*
 * fuzz_record.c - what tbm-collect takes from the central broker: an event
 * message (record_parse), a config message (record_config) and a topic's
 * site. A record is taken whole or refused with a reason; nothing leaks.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[160], site[COLLECT_SITE_MAX];
	struct in_record r;
	struct pg_config c;
	cJSON *json;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	err[0] = '\0';
	if (record_parse(s, size, &r, err, sizeof(err)) == 0) {
		if (r.r.seq < 1 || strlen(r.r.hash) != 64 || r.r.detail == NULL || r.site[0] == '\0')
			abort();
		record_clear(&r);
	} else if (err[0] == '\0')
		abort();
	if (record_config(s, size, &c, &json, err, sizeof(err)) == 0) {
		record_config_free(&c);
		cJSON_Delete(json);
	}
	(void)record_topic_site(s, site, sizeof(site));
	free(s);
	return 0;
}
