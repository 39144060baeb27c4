/*
 * diag.c - collects the input checks' messages as "FILE:LINE: message"
 * lines (formatted by lib/inifile.c, like every other reader's), so that one
 * run reports every bad row, not just the first.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inifile.h"
#include "tbmreport.h"

static void
text_append(char **text, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t ncap = *cap ? *cap : 256;
		char *p;
		while (ncap < *len + n + 1)
			ncap *= 2;
		if ((p = realloc(*text, ncap)) == NULL)
			return;    /* the count still says something went wrong */
		*text = p;
		*cap = ncap;
	}
	memcpy(*text + *len, s, n);
	*len += n;
	(*text)[*len] = '\0';
}

/* Where inifile's one FILE:LINE formatter sends a line: a growing text. */
struct text_sink {
	char **text;
	size_t *len, *cap;
};

static void
text_sink(void *arg, const char *msg)
{
	struct text_sink *t = arg;

	text_append(t->text, t->len, t->cap, msg, strlen(msg));
	text_append(t->text, t->len, t->cap, "\n", 1);
}

static void
diag_line(char **text, size_t *len, size_t *cap, const char *file, int line, const char *fmt,
    va_list ap) __attribute__((format(printf, 6, 0)));

static void
diag_line(char **text, size_t *len, size_t *cap, const char *file, int line, const char *fmt,
    va_list ap)
{
	struct text_sink t = { text, len, cap };
	struct inifile_diag id = { 0, text_sink, &t };

	inifile_verror(&id, file, line, fmt, ap);
}

/* The errors' text, counted: where lib/inifile.c's shared complaints go */
static void
error_sink(void *arg, const char *msg)
{
	struct diag *d = arg;
	struct text_sink t = { &d->text, &d->len, &d->cap };

	text_sink(&t, msg);
	d->count++;
}

struct inifile_diag
diag_errors(struct diag *d)
{
	struct inifile_diag id = { 0, error_sink, d };

	return id;
}

void
diag_add(struct diag *d, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_line(&d->text, &d->len, &d->cap, file, line, fmt, ap);
	va_end(ap);
	d->count++;
}

void
diag_note(struct diag *d, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_line(&d->notes, &d->nlen, &d->ncap, file, line, fmt, ap);
	va_end(ap);
	d->nnotes++;
}

void
diag_free(struct diag *d)
{
	free(d->text);
	free(d->notes);
	memset(d, 0, sizeof(*d));
}
