/*
 * parse.c - urlencoded forms, query strings, cookies and path ids as they
 * come off the network. Pure functions: no I/O, no globals; the fuzz harness
 * and the unit tests call them exactly as the server does.
 */
#include "parse.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && len > 0) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int
web_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	while (p < end) {
		unsigned c = *p;
		size_t k;
		unsigned cp, min;

		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1, cp = c & 0x1f, min = 0x80;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, cp = c & 0x0f, min = 0x800;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, cp = c & 0x07, min = 0x10000;
		else
			return 0;
		if ((size_t)(end - p) <= k)
			return 0;
		for (size_t i = 1; i <= k; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += k + 1;
	}
	return 1;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..n) ('+' is a space when plus) into out; returns the length or -1. */
static long
decode(const char *s, size_t n, int plus, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return -1;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '+' && plus)
			out[o++] = ' ';
		else
			out[o++] = s[i];
	}
	out[o] = '\0';
	return (long)o;
}

static int
name_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
			return 0;
	return 1;
}

static int
text_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			return 0;
	}
	return web_utf8_valid(s, n);
}

int
web_form_parse(const char *s, size_t len, struct web_form *out, char *err, size_t errlen)
{
	size_t i = 0;
	char *w;

	memset(out, 0, sizeof(*out));
	if (len > WEB_FORM_MAX)
		return fail(err, errlen, "form too large (%zu bytes, at most %d)", len, WEB_FORM_MAX);
	/* decoding only shrinks: every field fits in len + one NUL per field */
	if ((out->buf = malloc(len + 2 * WEB_FIELDS_MAX + 2)) == NULL)
		return fail(err, errlen, "out of memory");
	w = out->buf;
	while (i < len) {
		const char *amp = memchr(s + i, '&', len - i);
		size_t end = amp ? (size_t)(amp - s) : len;
		const char *eq = memchr(s + i, '=', end - i);
		size_t nend = eq ? (size_t)(eq - s) : end;
		char *name, *value;
		long vl, nl;

		if (end == i) {          /* "a=1&&b=2": an empty piece is nothing */
			i = end + 1;
			continue;
		}
		if (out->n == WEB_FIELDS_MAX) {
			fail(err, errlen, "too many fields (at most %d)", WEB_FIELDS_MAX);
			web_form_free(out);
			return -1;
		}
		if (nend - i > WEB_NAME_MAX * 3) {
			fail(err, errlen, "field name too long");
			web_form_free(out);
			return -1;
		}
		name = w;
		/* a NUL (%00) inside would cut the name short: not a name */
		if ((nl = decode(s + i, nend - i, 1, name)) < 0 || (size_t)nl != strlen(name) ||
		    strlen(name) > WEB_NAME_MAX || !name_ok(name)) {
			fail(err, errlen, "bad field name");
			web_form_free(out);
			return -1;
		}
		w += strlen(name) + 1;
		value = w;
		vl = eq ? decode(eq + 1, end - nend - 1, 1, value) : (value[0] = '\0', 0);
		if (vl < 0) {
			fail(err, errlen, "field %s: bad %%-escape", name);
			web_form_free(out);
			return -1;
		}
		if (!text_ok(value, (size_t)vl)) {
			fail(err, errlen, "field %s: not UTF-8 text", name);
			web_form_free(out);
			return -1;
		}
		w += vl + 1;
		for (size_t k = 0; k < out->n; k++)
			if (strcmp(out->f[k].name, name) == 0) {
				fail(err, errlen, "field %.32s given twice", name);
				web_form_free(out);
				return -1;
			}
		out->f[out->n].name = name;
		out->f[out->n].value = value;
		out->n++;
		i = end + 1;
	}
	return 0;
}

void
web_form_free(struct web_form *f)
{
	if (f == NULL)
		return;
	free(f->buf);
	memset(f, 0, sizeof(*f));
}

const char *
web_form_get(const struct web_form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->f[i].name, name) == 0)
			return f->f[i].value;
	return NULL;
}

int
web_cookie_get(const char *header, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name), hlen;
	const char *p = header;

	if (header == NULL)
		return 0;
	hlen = strnlen(header, WEB_COOKIE_MAX + 1);
	if (hlen > WEB_COOKIE_MAX)
		return -1;
	while (*p) {
		const char *semi, *eq, *v;
		size_t plen, vlen;

		while (*p == ' ' || *p == '\t')
			p++;
		semi = strchr(p, ';');
		plen = semi ? (size_t)(semi - p) : strlen(p);
		eq = memchr(p, '=', plen);
		if (eq != NULL && (size_t)(eq - p) == nlen && memcmp(p, name, nlen) == 0) {
			v = eq + 1;
			vlen = plen - nlen - 1;
			while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"')
				v++, vlen -= 2;
			if (vlen + 1 > outlen)
				return -1;
			for (size_t i = 0; i < vlen; i++) {
				unsigned char c = (unsigned char)v[i];

				/* RFC 6265 cookie-octet */
				if (c <= 0x20 || c >= 0x7f || c == '"' || c == ',' || c == ';' || c == '\\')
					return -1;
			}
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return 1;
		}
		if (semi == NULL)
			break;
		p = semi + 1;
	}
	return 0;
}

int
web_path_id(const char *path, const char *prefix, int64_t *id)
{
	size_t pl = strlen(prefix);
	const char *s;
	int64_t v = 0;

	if (strncmp(path, prefix, pl) != 0)
		return -1;
	s = path + pl;
	if (*s < '1' || *s > '9')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*id = v;
	return 0;
}

int
web_path_name(const char *path, const char *prefix, char *out, size_t outlen)
{
	size_t pl = strlen(prefix), n;
	const char *s;

	if (strncmp(path, prefix, pl) != 0)
		return -1;
	s = path + pl;
	n = strlen(s);
	if (n == 0 || n >= outlen)
		return -1;
	if (decode(s, n, 0, out) != (long)strlen(out) || out[0] == '\0')
		return -1;   /* malformed, empty, or a NUL (%00) inside */
	for (const char *c = out; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
			return -1;
	return 0;
}

const char *
web_printable(const char *s, char *out, size_t len)
{
	size_t i = 0;

	if (len == 0)
		return out;
	for (; s != NULL && *s != '\0' && i + 1 < len; s++, i++) {
		unsigned char ch = (unsigned char)*s;

		out[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	out[i] = '\0';
	return out;
}

/* addr (numeric, v4 or v6) into af and a; 0, or -1 when it is not one. */
static int
addr_parse(const char *addr, int *af, unsigned char a[16])
{
	memset(a, 0, 16);
	if (inet_pton(AF_INET, addr, a) == 1) {
		*af = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, addr, a) == 1) {
		*af = AF_INET6;
		return 0;
	}
	return -1;
}

int
web_trust_parse(const char *s, struct web_trust *t, char *err, size_t errlen)
{
	char one[WEB_ADDR_MAX + 1];

	memset(t, 0, sizeof(*t));
	while (s != NULL && *s != '\0') {
		size_t n = strcspn(s, ", \t");
		if (n == 0) {
			s++;
			continue;
		}
		if (n > WEB_ADDR_MAX)
			return fail(err, errlen, "'%.*s...' is not an IP address", 20, s);
		memcpy(one, s, n);
		one[n] = '\0';
		if (t->n == WEB_TRUST_MAX)
			return fail(err, errlen, "more than %d proxies", WEB_TRUST_MAX);
		if (addr_parse(one, &t->v[t->n].af, t->v[t->n].a) != 0)
			return fail(err, errlen, "'%s' is not an IP address (names are not looked up)", one);
		t->n++;
		s += n;
	}
	return 0;
}

static int
trusted(const struct web_trust *t, int af, const unsigned char a[16])
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].af == af && memcmp(t->v[i].a, a, af == AF_INET ? 4 : 16) == 0)
			return 1;
	return 0;
}

int
web_trust_has(const struct web_trust *t, const char *addr)
{
	unsigned char a[16];
	int af;

	return addr != NULL && addr_parse(addr, &af, a) == 0 && trusted(t, af, a);
}

int
web_forwarded_for(const struct web_trust *t, const char *xff, char *out, size_t len)
{
	const char *end;
	char one[WEB_ADDR_MAX + 1];
	unsigned char a[16];
	int af, found = 0;

	if (xff == NULL || len < WEB_ADDR_MAX)
		return 0;
	end = xff + strlen(xff);
	/* from the right: the proxy next to us appended the last hop */
	while (end > xff) {
		const char *b = end, *e;
		while (b > xff && b[-1] != ',')
			b--;
		e = end;
		end = b > xff ? b - 1 : xff;
		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e == b || (size_t)(e - b) > WEB_ADDR_MAX)
			return found;
		memcpy(one, b, (size_t)(e - b));
		one[e - b] = '\0';
		if (addr_parse(one, &af, a) != 0)
			return found;
		inet_ntop(af, a, out, (socklen_t)len);
		found = 1;
		if (!trusted(t, af, a))
			return 1;
	}
	return found;
}
