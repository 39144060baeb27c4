/*
 * inifile.c - FILE:LINE error reporting for the INI-style readers.
 */
#include "inifile.h"

#include <stdio.h>

void
inifile_verror(struct inifile_diag *d, const char *file, int line, const char *fmt, va_list ap)
{
	char msg[1024];
	char full[1200];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (file != NULL && line > 0)
		snprintf(full, sizeof(full), "%s:%d: %s", file, line, msg);
	else if (file != NULL)
		snprintf(full, sizeof(full), "%s: %s", file, msg);
	else
		snprintf(full, sizeof(full), "%s", msg);
	d->nerrors++;
	if (d->sink != NULL)
		d->sink(d->arg, full);
	else
		fprintf(stderr, "%s\n", full);
}

void
inifile_error(struct inifile_diag *d, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	inifile_verror(d, file, line, fmt, ap);
	va_end(ap);
}
