/*
 * diag.c - collects the input checks' messages as "FILE:LINE: message"
 * lines, so that one run reports every bad row, not just the first.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void
diag_line(char **text, size_t *len, size_t *cap, const char *file, int line, const char *fmt,
    va_list ap) __attribute__((format(printf, 6, 0)));

static void
diag_line(char **text, size_t *len, size_t *cap, const char *file, int line, const char *fmt,
    va_list ap)
{
	char msg[1024], head[512];
	int n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (file != NULL && line > 0)
		n = snprintf(head, sizeof(head), "%s:%d: ", file, line);
	else if (file != NULL)
		n = snprintf(head, sizeof(head), "%s: ", file);
	else
		n = 0, head[0] = '\0';
	if (n < 0 || (size_t)n >= sizeof(head))
		n = (int)strlen(head);
	text_append(text, len, cap, head, (size_t)n);
	text_append(text, len, cap, msg, strlen(msg));
	text_append(text, len, cap, "\n", 1);
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
