/*
 * scratch.c - see scratch.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scratch.h"

void
scratch_new(struct scratch *s)
{
	char cmd[700];

	snprintf(s->dir, sizeof(s->dir), "%s/tbm-report.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(s->dir));
	snprintf(cmd, sizeof(cmd), "cp '%s'/* '%s'/", TBM_REPORT_DATA, s->dir);
	assert_int_equal(system(cmd), 0);
}

void
scratch_free(struct scratch *s)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", s->dir);
}

void
scratch_write(const struct scratch *s, const char *name, const char *fmt, ...)
{
	char path[512];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	assert_non_null(f = fopen(path, "w"));
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	assert_int_equal(fclose(f), 0);
}

const char *
scratch_path(const struct scratch *s, const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	return path;
}
