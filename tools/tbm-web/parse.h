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

#endif
