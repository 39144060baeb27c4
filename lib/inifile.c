/*
 * inifile.c - FILE:LINE error reporting for the INI-style readers, and the
 * complaints they share, through the message catalog (lib/i18n.h).
 */
#include "inifile.h"

#include <stdio.h>

#include "i18n.h"

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

/* "device cnc-01", "evaluation": a section's header as written */
static const char *
section_text(char *buf, size_t len, const char *section, const char *name)
{
	snprintf(buf, len, "%s%s%s", section, name != NULL ? " " : "", name != NULL ? name : "");
	return buf;
}

void
inifile_unknown_key(struct inifile_diag *d, const char *file, int line, const char *key,
    const char *section, const char *name, const char *known)
{
	char sec[512];

	section_text(sec, sizeof(sec), section, name);
	if (known != NULL)
		inifile_error(d, file, line, _("unknown key '%s' in [%s] (%s)"), key, sec, known);
	else
		inifile_error(d, file, line, _("unknown key '%s' in [%s]"), key, sec);
}

void
inifile_unknown_section(struct inifile_diag *d, const char *file, int line, const char *section,
    const char *known)
{
	if (known != NULL)
		inifile_error(d, file, line, _("unknown section [%s] (%s)"), section, known);
	else
		inifile_error(d, file, line, _("unknown section [%s]"), section);
}

void
inifile_missing(struct inifile_diag *d, const char *file, int line, const char *key,
    const char *what)
{
	if (what != NULL)
		inifile_error(d, file, line, _("%s = is missing (%s)"), key, what);
	else
		inifile_error(d, file, line, _("%s = is missing"), key);
}

void
inifile_set_twice(struct inifile_diag *d, const char *file, int line, const char *key,
    const char *section, const char *name, int first)
{
	char sec[512];

	if (section != NULL)
		inifile_error(d, file, line, _("%s set twice in [%s] (first on line %d)"), key,
		    section_text(sec, sizeof(sec), section, name), first);
	else
		inifile_error(d, file, line, _("%s set twice (first on line %d)"), key, first);
}

void
inifile_empty_value(struct inifile_diag *d, const char *file, int line, const char *key)
{
	inifile_error(d, file, line, _("%s: empty value"), key);
}

void
inifile_bad_value(struct inifile_diag *d, const char *file, int line, const char *key,
    const char *value, const char *expected)
{
	inifile_error(d, file, line, _("%s: '%s' is not %s"), key, value, expected);
}

void
inifile_out_of_range(struct inifile_diag *d, const char *file, int line, const char *key,
    const char *value, const char *lo, const char *hi)
{
	inifile_error(d, file, line, _("%s: %s is out of range [%s, %s]"), key, value, lo, hi);
}
