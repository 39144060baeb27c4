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
diag_append(struct diag *d, const char *s, size_t n)
{
	if (d->len + n + 1 > d->cap) {
		size_t ncap = d->cap ? d->cap : 256;
		char *p;
		while (ncap < d->len + n + 1)
			ncap *= 2;
		if ((p = realloc(d->text, ncap)) == NULL)
			return;    /* the count still says something went wrong */
		d->text = p;
		d->cap = ncap;
	}
	memcpy(d->text + d->len, s, n);
	d->len += n;
	d->text[d->len] = '\0';
}

void
diag_add(struct diag *d, const char *file, int line, const char *fmt, ...)
{
	char msg[1024], head[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (file != NULL && line > 0)
		n = snprintf(head, sizeof(head), "%s:%d: ", file, line);
	else if (file != NULL)
		n = snprintf(head, sizeof(head), "%s: ", file);
	else
		n = 0, head[0] = '\0';
	if (n < 0 || (size_t)n >= sizeof(head))
		n = (int)strlen(head);
	diag_append(d, head, (size_t)n);
	diag_append(d, msg, strlen(msg));
	diag_append(d, "\n", 1);
	d->count++;
}

void
diag_free(struct diag *d)
{
	free(d->text);
	memset(d, 0, sizeof(*d));
}
