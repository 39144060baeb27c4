/*
 * parse.h - what tbm-web reads from the network, without any I/O: urlencoded
 * form bodies and query strings, the Cookie header, ids in paths. Every
 * function bounds what it accepts (sizes, counts, UTF-8, control bytes) and
 * says why it refused.
 */
#ifndef TBMWEB_PARSE_H
#define TBMWEB_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define WEB_FORM_MAX 16384      /* bytes of a form body or query string */
#define WEB_FIELDS_MAX 32       /* fields in one form */
#define WEB_NAME_MAX 32         /* bytes of a field name */
#define WEB_COOKIE_MAX 4096     /* bytes of a Cookie header */

struct web_field {
	const char *name;
	const char *value;         /* decoded, valid UTF-8, no control bytes but \t \n \r */
};

struct web_form {
	struct web_field f[WEB_FIELDS_MAX];
	size_t n;
	char *buf;                 /* owns the decoded text */
};

/* web_form_parse: "a=1&b=x%20y+z" (application/x-www-form-urlencoded; a query
 * string is the same). Names are [A-Za-z0-9_.-], given at most once. 0 ok,
 * -1 refused with the reason in err (out is then empty). */
int web_form_parse(const char *s, size_t len, struct web_form *out, char *err, size_t errlen);
void web_form_free(struct web_form *f);
/* web_form_get: the value of name, NULL when absent. */
const char *web_form_get(const struct web_form *f, const char *name);

/* web_cookie_get: the value of cookie `name` in a Cookie header
 * ("a=1; b=2"). 1 found (copied to out), 0 absent, -1 malformed or too long. */
int web_cookie_get(const char *header, const char *name, char *out, size_t outlen);

/* web_path_id: "/faults/12" with prefix "/faults/" gives 12: a positive
 * decimal without sign or leading zero, nothing after it. 0 ok, -1 not. */
int web_path_id(const char *path, const char *prefix, int64_t *id);

/* web_path_name: the rest of path after prefix, percent-decoded, one segment
 * of [A-Za-z0-9_-] (a device id). 0 ok, -1 not. */
int web_path_name(const char *path, const char *prefix, char *out, size_t outlen);

/* period_parse (period.c): "2023", "2023-11" or "FROM..TO" (an end date
 * counts whole) as [from, to) in the site's zone; NULL or "": the year of
 * now. 0 ok, -1 malformed. */
int period_parse(const char *s, int64_t now, int64_t *from, int64_t *to);

/* web_printable: s for a log line: control bytes (a newline that would start
 * a forged line) as '?', cut to fit out. Returns out. */
const char *web_printable(const char *s, char *out, size_t len);

/* web_utf8_valid: n bytes of well-formed UTF-8 (no overlongs, surrogates). */
int web_utf8_valid(const char *s, size_t n);

/*
 * Behind a reverse proxy every request comes from the proxy: the client's
 * address is in X-Forwarded-For, which only a proxy we trust may set (anyone
 * else could write any address there and escape the login throttle or put a
 * false address into the audit record).
 */
#define WEB_TRUST_MAX 16
#define WEB_ADDR_MAX 46         /* INET6_ADDRSTRLEN */
struct web_trust {
	size_t n;
	struct {
		int af;
		unsigned char a[16];
	} v[WEB_TRUST_MAX];
};
/* web_trust_parse: "127.0.0.1, ::1" (commas or spaces between numeric
 * addresses); NULL or "" trusts nobody. 0, or -1 with the reason in err. */
int web_trust_parse(const char *s, struct web_trust *t, char *err, size_t errlen);
/* web_trust_has: addr (numeric) is one of the trusted proxies. */
int web_trust_has(const struct web_trust *t, const char *addr);
/* web_forwarded_for: the client behind trusted proxies: the right-most
 * address of the X-Forwarded-For header that is not a trusted proxy itself
 * (the ones to its left were written by the client and prove nothing), in
 * its canonical form in out. 1 found, 0 when the header holds nothing usable
 * (absent, empty, or a hop that is not an address): the peer stays the client. */
int web_forwarded_for(const struct web_trust *t, const char *xff, char *out, size_t len);

#endif
