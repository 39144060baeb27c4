/*
 * fuzz_web.c - what tbm-web takes off the network, as the server passes it:
 * the bytes as a form body / query string (web_form_parse), as a Cookie
 * header (web_cookie_get), as a path (web_path_id, web_path_name) and as an
 * indicators period (period_parse), as a list of trusted proxies and as an
 * X-Forwarded-For header (web_trust_parse, web_forwarded_for). An accepted
 * form has at most WEB_FIELDS_MAX fields whose names are [A-Za-z0-9_.-] and
 * values valid UTF-8 without control bytes; a refusal always has a reason.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "tbmtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_text(const char *s)
{
	size_t n = strlen(s);

	if (!web_utf8_valid(s, n))
		abort();
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int zone;
	struct web_form f;
	struct web_trust trust;
	char err[160], out[256], *s;
	int64_t id, from, to;

	if (!zone) {
		time_set_zone("Asia/Shanghai");
		zone = 1;
	}
	/* exactly size bytes on the heap, so ASan sees any read past the end */
	if ((s = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	err[0] = '\0';
	if (web_form_parse(s, size, &f, err, sizeof(err)) == 0) {
		if (f.n > WEB_FIELDS_MAX)
			abort();
		for (size_t i = 0; i < f.n; i++) {
			const char *n = f.f[i].name;

			if (*n == '\0' || strlen(n) > WEB_NAME_MAX)
				abort();
			for (; *n; n++)
				if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", *n))
					abort();
			check_text(f.f[i].value);
			if (web_form_get(&f, f.f[i].name) != f.f[i].value)
				abort();   /* names are unique */
		}
		web_form_free(&f);
	} else if (err[0] == '\0' || f.buf != NULL || f.n != 0)
		abort();
	free(s);

	/* the rest need a C string */
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (web_cookie_get(s, "tbm_session", out, sizeof(out)) == 1) {
		if (strlen(out) >= sizeof(out) || strpbrk(out, "; \",\\") != NULL)
			abort();
	}
	if (web_path_id(s, "/faults/", &id) == 0 && id <= 0)
		abort();
	if (web_path_name(s, "/devices/", out, sizeof(out)) == 0) {
		if (out[0] == '\0' || strspn(out, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(out))
			abort();
	}
	if (size < 200 && period_parse(s, 1700000000000LL, &from, &to) == 0 && to <= from)
		abort();
	/* as [web] trusted_proxies and as an X-Forwarded-For header: a client
	 * found behind the proxies is always one numeric address */
	err[0] = '\0';
	if (web_trust_parse(s, &trust, err, sizeof(err)) != 0 && err[0] == '\0')
		abort();
	if (web_trust_parse("127.0.0.1 ::1", &trust, err, sizeof(err)) != 0)
		abort();
	if (web_forwarded_for(&trust, s, out, sizeof(out)) == 1) {
		unsigned char a[16];
		if (inet_pton(AF_INET, out, a) != 1 && inet_pton(AF_INET6, out, a) != 1)
			abort();
	}
	free(s);
	return 0;
}
