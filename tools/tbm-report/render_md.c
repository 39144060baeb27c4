/*
 * render_md.c - the report as Markdown (GitHub tables), the default output.
 */
#include <stdio.h>
#include <string.h>

#include "tbmreport.h"

/* A cell on one line: '|' escaped, line breaks as <br>. */
static void
md_cell(FILE *fp, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", fp);
		else if (*s == '\n')
			fputs("<br>", fp);
		else if (*s != '\r')
			fputc(*s, fp);
	}
}

static void
md_table(FILE *fp, const struct block *b)
{
	fputc('|', fp);
	for (size_t c = 0; c < b->ncols; c++) {
		fputc(' ', fp);
		md_cell(fp, b->head[c]);
		fputs(" |", fp);
	}
	fputs("\n|", fp);
	for (size_t c = 0; c < b->ncols; c++)
		fputs(doc_cell(b, 0, c)->fmt != CF_TEXT || (b->nrows > 1 &&
		    doc_cell(b, 1, c)->fmt != CF_TEXT) ? "---:|" : "---|", fp);
	fputc('\n', fp);
	for (size_t r = 0; r < b->nrows; r++) {
		int bold = b->total_row && r == b->nrows - 1;
		fputc('|', fp);
		for (size_t c = 0; c < b->ncols; c++) {
			const char *t = doc_cell(b, r, c)->text;
			fputc(' ', fp);
			if (bold && *t)
				fputs("**", fp);
			md_cell(fp, t);
			if (bold && *t)
				fputs("**", fp);
			fputs(" |", fp);
		}
		fputc('\n', fp);
	}
	fputc('\n', fp);
}

int
render_md(const struct report *r, FILE *fp)
{
	struct doc d;

	if (doc_build(r, &d) != 0)
		return -1;
	for (size_t i = 0; i < d.n; i++) {
		const struct block *b = &d.b[i];
		switch (b->kind) {
		case B_TITLE:
			fprintf(fp, "# %s\n\n", b->text);
			break;
		case B_SUBTITLE:
			fprintf(fp, "%s\n\n", b->text);
			break;
		case B_HEADING:
			fprintf(fp, "%.*s %s\n\n", b->level, "#####", b->text);
			break;
		case B_KV:
			for (size_t k = 0; k < b->nrows; k++) {
				fprintf(fp, "- %s：", doc_cell(b, k, 0)->text);
				md_cell(fp, doc_cell(b, k, 1)->text);
				fputc('\n', fp);
			}
			fputc('\n', fp);
			break;
		case B_TABLE:
			if (b->nrows > 0)
				md_table(fp, b);
			else
				fputs("（无）\n\n", fp);
			break;
		}
	}
	doc_free(&d);
	return ferror(fp) ? -1 : 0;
}
