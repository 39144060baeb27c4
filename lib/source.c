/*
 * source.c - the indicators' questions put to a base's SQLite database or
 * to one site of the central PostgreSQL store; see source.h.
 */
#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
source_is_pg(const char *spec)
{
	return strncmp(spec, "postgresql://", 13) == 0 || strncmp(spec, "postgres://", 11) == 0;
}

/* Takes site=ID out of the URI's query: the rest is libpq's. */
static int
split_site(const char *spec, char **conninfo, char **site, char *err, size_t len)
{
	char *u = strdup(spec), *q, *p, *out;
	size_t n = 0;

	*conninfo = *site = NULL;
	if (u == NULL || (out = calloc(1, strlen(spec) + 1)) == NULL) {
		free(u);
		snprintf(err, len, "out of memory");
		return -1;
	}
	if ((q = strchr(u, '?')) != NULL)
		*q++ = '\0';
	n = (size_t)sprintf(out, "%s", u);
	for (p = q ? strtok(q, "&") : NULL; p; p = strtok(NULL, "&")) {
		if (strncmp(p, "site=", 5) == 0) {
			free(*site);
			*site = strdup(p + 5);
			continue;
		}
		n += (size_t)sprintf(out + n, "%c%s", strchr(out, '?') ? '&' : '?', p);
	}
	free(u);
	if (*site == NULL || **site == '\0' ||
	    strspn(*site, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(*site)) {
		snprintf(err, len, "%s: no site=ID (the base to read from the central store)", spec);
		free(*site);
		free(out);
		*site = NULL;
		return -1;
	}
	*conninfo = out;
	return 0;
}

int
source_open(const char *spec, struct source *out, char *err, size_t len)
{
	char *conninfo = NULL, e[512];
	int rc = -1, known;

	memset(out, 0, sizeof(*out));
	out->owned = 1;
	if (!source_is_pg(spec))
		return store_open(spec, 1, &out->st, err, len);
	if (split_site(spec, &conninfo, &out->site, err, len) != 0)
		return -1;
	if (pgstore_open(conninfo, 0, &out->pg, e, sizeof(e)) != 0) {
		snprintf(err, len, "%s: %s", spec, e);
		goto out;
	}
	{
		struct site_row s;
		if ((known = pgstore_site_row(out->pg, out->site, &s)) <= 0) {
			snprintf(err, len, "%s: %s", spec, known < 0 ? pgstore_errmsg(out->pg) :
			    "the central store has no such site");
			goto out;
		}
		store_site_clear(&s);
	}
	rc = 0;
out:
	free(conninfo);
	if (rc != 0)
		source_close(out);
	return rc;
}

void
source_of_store(struct source *src, struct store *st)
{
	memset(src, 0, sizeof(*src));
	src->st = st;
}

void
source_close(struct source *src)
{
	if (src->owned) {
		store_close(src->st);
		pgstore_close(src->pg);
	}
	free(src->site);
	memset(src, 0, sizeof(*src));
}

const char *
source_errmsg(const struct source *src)
{
	return src->pg ? pgstore_errmsg(src->pg) : store_errmsg(src->st);
}

int
source_site(const struct source *src, struct site_row *out)
{
	return src->pg ? pgstore_site_row(src->pg, src->site, out) : store_site(src->st, out);
}

int
source_each_period_fault(const struct source *src, int64_t from_ms, int64_t to_ms,
    period_fault_fn fn, void *arg)
{
	return src->pg ? pgstore_each_period_fault(src->pg, src->site, from_ms, to_ms, fn, arg) :
	    store_each_period_fault(src->st, from_ms, to_ms, fn, arg);
}

int
source_devices(const struct source *src, struct device_row **out, size_t *n)
{
	return src->pg ? pgstore_devices(src->pg, src->site, out, n) : store_devices(src->st, out, n);
}

int
source_runs(const struct source *src, int64_t from_ms, int64_t to_ms, struct run_row **out,
    size_t *n)
{
	return src->pg ? pgstore_runs(src->pg, src->site, from_ms, to_ms, out, n) :
	    store_runs(src->st, from_ms, to_ms, out, n);
}

int
source_safety_devices(const struct source *src, char ***ids, size_t *n)
{
	return src->pg ? pgstore_safety_devices(src->pg, src->site, ids, n) :
	    store_safety_devices(src->st, ids, n);
}

int
source_verify_head(const struct source *src, struct verify_result *res, char *err, size_t len)
{
	return src->pg ? pgstore_verify_head(src->pg, src->site, res, err, len) :
	    store_verify_head(src->st, res, err, len);
}
