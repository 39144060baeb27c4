/*
 * jsonpath.c - numbers out of MQTT payloads, with cJSON.
 */
#include "jsonpath.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long
jsonpath_utf8_invalid(const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		unsigned int cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 3, cp = c & 0x07;
		else
			return (long)i;
		for (size_t k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
				return (long)i;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		/* overlong forms, surrogates and beyond U+10FFFF */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return (long)i;
		i += n + 1;
	}
	return -1;
}

cJSON *
jsonpath_parse(const void *payload, size_t len, char *err, size_t errlen)
{
	cJSON *root;
	long bad;

	if (len == 0) {
		snprintf(err, errlen, "empty payload");
		return NULL;
	}
	if (len > JSONPATH_MAX_PAYLOAD) {
		snprintf(err, errlen, "payload of %zu bytes is over the limit of %d", len,
		    JSONPATH_MAX_PAYLOAD);
		return NULL;
	}
	if ((bad = jsonpath_utf8_invalid(payload, len)) >= 0) {
		snprintf(err, errlen, "not UTF-8 (byte %ld)", bad);
		return NULL;
	}
	if ((root = cJSON_ParseWithLength(payload, len)) == NULL) {
		const char *at = cJSON_GetErrorPtr();
		long off = at && at >= (const char *)payload && at <= (const char *)payload + len ?
		    (long)(at - (const char *)payload) : -1;
		if (off >= 0)
			snprintf(err, errlen, "not JSON (error at byte %ld)", off);
		else
			snprintf(err, errlen, "not JSON");
	}
	return root;
}

int
jsonpath_number(const cJSON *root, const char *path, double *out, char *err, size_t errlen)
{
	const cJSON *cur = root;
	const char *p = path;
	char key[128];

	while (*p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (n == 0 || n >= sizeof(key)) {
			snprintf(err, errlen, "bad path '%s'", path);
			return -1;
		}
		memcpy(key, p, n);
		key[n] = '\0';
		if (cJSON_IsArray(cur)) {
			char *end;
			long idx = strtol(key, &end, 10);
			if (*end != '\0' || idx < 0 || (cur = cJSON_GetArrayItem(cur, (int)idx)) == NULL) {
				snprintf(err, errlen, "no '%s' (at '%s')", path, key);
				return -1;
			}
		} else if (cJSON_IsObject(cur)) {
			if ((cur = cJSON_GetObjectItemCaseSensitive(cur, key)) == NULL) {
				snprintf(err, errlen, "no '%s' (at '%s')", path, key);
				return -1;
			}
		} else {
			snprintf(err, errlen, "no '%s' ('%s' is inside a value that is not an object or array)",
			    path, key);
			return -1;
		}
		p += n;
		if (*p == '.')
			p++;
	}
	if (cJSON_IsNumber(cur) && isfinite(cur->valuedouble)) {
		*out = cur->valuedouble;
		return 0;
	}
	if (cJSON_IsBool(cur)) {
		*out = cJSON_IsTrue(cur) ? 1 : 0;
		return 0;
	}
	snprintf(err, errlen, "'%s' is not a number", path);
	return -1;
}

int
jsonpath_bare(const void *payload, size_t len, double *out, char *err, size_t errlen)
{
	char buf[64], *end;
	size_t a = 0, b = len;
	const char *s = payload;
	double v;

	while (a < b && isspace((unsigned char)s[a]))
		a++;
	while (b > a && isspace((unsigned char)s[b - 1]))
		b--;
	if (b == a || b - a >= sizeof(buf)) {
		snprintf(err, errlen, b == a ? "empty payload" : "payload is not a number");
		return -1;
	}
	memcpy(buf, s + a, b - a);
	buf[b - a] = '\0';
	/* digits, sign, point and exponent only: no "nan", "inf" or hex */
	if (strspn(buf, "0123456789+-.eE") != b - a) {
		snprintf(err, errlen, "payload is not a number");
		return -1;
	}
	errno = 0;
	v = strtod(buf, &end);
	if (*end != '\0' || errno != 0 || !isfinite(v)) {
		snprintf(err, errlen, "payload is not a number");
		return -1;
	}
	*out = v;
	return 0;
}
