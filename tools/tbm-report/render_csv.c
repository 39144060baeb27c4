/*
 * render_csv.c - the report as one CSV file (UTF-8 with a BOM so that Excel
 * opens it as UTF-8): each block's rows in turn, a blank line between.
 */
#include <stdio.h>
#include <string.h>

#include "tbmreport.h"

static void
csv_field(FILE *fp, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

static void
csv_row(FILE *fp, const struct block *b, size_t r)
{
	for (size_t c = 0; c < b->ncols; c++) {
		if (c)
			fputc(',', fp);
		csv_field(fp, doc_cell(b, r, c)->text);
	}
	fputs("\r\n", fp);
}

int
render_csv(const struct report *r, FILE *fp)
{
	struct doc d;

	if (doc_build(r, &d) != 0)
		return -1;
	fputs("\xEF\xBB\xBF", fp);
	for (size_t i = 0; i < d.n; i++) {
		const struct block *b = &d.b[i];
		if (i > 0 && b->kind != B_KV && b->kind != B_TABLE)
			fputs("\r\n", fp);
		switch (b->kind) {
		case B_TITLE:
		case B_SUBTITLE:
		case B_HEADING:
			csv_field(fp, b->text);
			fputs("\r\n", fp);
			break;
		case B_KV:
			for (size_t k = 0; k < b->nrows; k++)
				csv_row(fp, b, k);
			break;
		case B_TABLE:
			for (size_t c = 0; c < b->ncols; c++) {
				if (c)
					fputc(',', fp);
				csv_field(fp, b->head[c]);
			}
			fputs("\r\n", fp);
			for (size_t k = 0; k < b->nrows; k++)
				csv_row(fp, b, k);
			break;
		}
	}
	doc_free(&d);
	return ferror(fp) ? -1 : 0;
}
