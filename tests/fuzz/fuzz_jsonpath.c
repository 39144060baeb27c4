/*
 * fuzz_jsonpath.c - an MQTT payload and a point's path, as tbmond's MQTT
 * client takes them: jsonpath_parse, jsonpath_number for the path, and
 * jsonpath_bare. The input is "PATH\nPAYLOAD" (no newline: all payload, the
 * path "a.0"). A value is only ever a finite number, and a refusal always
 * has a reason.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size < 200 ? size : 200);
	char path[256] = "a.0", err[160];
	const uint8_t *payload = data;
	size_t plen = size;
	uint8_t *copy;
	cJSON *root;
	double v;

	if (nl != NULL) {
		size_t n = (size_t)(nl - data);
		memcpy(path, data, n);
		path[n] = '\0';
		payload = nl + 1;
		plen = size - n - 1;
	}
	/* A heap copy of exactly plen bytes: libmosquitto's payload has no
	 * terminator we may count on, and ASan then sees any read past it. */
	if ((copy = malloc(plen ? plen : 1)) == NULL)
		return 0;
	memcpy(copy, payload, plen);

	err[0] = '\0';
	if ((root = jsonpath_parse(copy, plen, err, sizeof(err))) == NULL) {
		if (err[0] == '\0')
			abort();
	} else {
		err[0] = '\0';
		if (jsonpath_number(root, path, &v, err, sizeof(err)) == 0) {
			if (!isfinite(v))
				abort();
		} else if (err[0] == '\0')
			abort();
		cJSON_Delete(root);
	}
	err[0] = '\0';
	if (jsonpath_bare(copy, plen, &v, err, sizeof(err)) == 0) {
		if (!isfinite(v))
			abort();
	} else if (err[0] == '\0')
		abort();
	free(copy);
	return 0;
}
