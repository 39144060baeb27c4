/*
 * render_xlsx.c - the report as an Excel workbook (libxlsxwriter): sheet
 * 绩效自评表 laid out like the form (merged title and header cells, merged
 * 一级/二级 cells, number formats), sheet 设备附录 with the equipment appendix.
 */
#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

#include "tbmreport.h"

#define NCOLS 8   /* the indicator table's width; the other blocks fit in it */

struct fmts {
	lxw_format *title, *head, *label, *text, *bold, *heading;
	lxw_format *num[CF_HOURS + 1], *numb[CF_HOURS + 1];   /* by cell_fmt; bold for totals */
};

static lxw_format *
new_fmt(lxw_workbook *wb, int border, int bold, const char *num)
{
	lxw_format *f = workbook_add_format(wb);

	if (border)
		format_set_border(f, LXW_BORDER_THIN);
	if (bold)
		format_set_bold(f);
	if (num)
		format_set_num_format(f, num);
	format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
	format_set_text_wrap(f);
	return f;
}

static void
make_formats(lxw_workbook *wb, struct fmts *f)
{
	static const char *const nf[] = {
		[CF_TEXT] = NULL, [CF_INT] = "0", [CF_NUM] = "General", [CF_PCT] = "0.00%",
		[CF_SCORE] = "0.00", [CF_MONEY] = "#,##0.00", [CF_HOURS] = "0.0",
	};

	f->title = new_fmt(wb, 0, 1, NULL);
	format_set_font_size(f->title, 16);
	format_set_align(f->title, LXW_ALIGN_CENTER);
	f->heading = new_fmt(wb, 0, 1, NULL);
	format_set_font_size(f->heading, 12);
	f->head = new_fmt(wb, 1, 1, NULL);
	format_set_align(f->head, LXW_ALIGN_CENTER);
	format_set_bg_color(f->head, 0xEEEEEE);
	f->label = new_fmt(wb, 1, 0, NULL);
	format_set_bg_color(f->label, 0xF6F6F6);
	f->text = new_fmt(wb, 1, 0, NULL);
	f->bold = new_fmt(wb, 1, 1, NULL);
	for (int i = CF_TEXT; i <= CF_HOURS; i++) {
		f->num[i] = new_fmt(wb, 1, 0, nf[i]);
		f->numb[i] = new_fmt(wb, 1, 1, nf[i]);
	}
}

static void
put(lxw_worksheet *ws, int row, int col, const struct cell *c, const struct fmts *f, int bold)
{
	lxw_format *fm = bold ? f->numb[c->fmt] : f->num[c->fmt];

	if (c->fmt != CF_TEXT)
		worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, c->v, fm);
	else if (*c->text)
		worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col, c->text, fm);
	else
		worksheet_write_blank(ws, (lxw_row_t)row, (lxw_col_t)col, fm);
}

/* The form's table: a two-row header with 绩效指标 over the three levels. */
static int
indicator_table(lxw_worksheet *ws, int row, const struct block *b, const struct fmts *f)
{
	worksheet_merge_range(ws, (lxw_row_t)row, 0, (lxw_row_t)row, 2, "绩效指标", f->head);
	for (size_t c = 3; c < b->ncols; c++)
		worksheet_merge_range(ws, (lxw_row_t)row, (lxw_col_t)c, (lxw_row_t)row + 1,
		    (lxw_col_t)c, b->head[c], f->head);
	for (size_t c = 0; c < 3; c++)
		worksheet_write_string(ws, (lxw_row_t)row + 1, (lxw_col_t)c, b->head[c], f->head);
	row += 2;
	for (size_t r = 0; r < b->nrows; r++) {
		int total = b->total_row && r == b->nrows - 1;
		for (size_t c = 0; c < b->ncols; c++) {
			size_t span = 1;
			if (c < 2) {
				if (doc_same_above(b, r, c))
					continue;
				while (r + span < b->nrows && doc_same_above(b, r + span, c))
					span++;
			}
			if (span > 1)
				worksheet_merge_range(ws, (lxw_row_t)(row + (int)r), (lxw_col_t)c,
				    (lxw_row_t)(row + (int)(r + span - 1)), (lxw_col_t)c,
				    doc_cell(b, r, c)->text, total ? f->bold : f->text);
			else
				put(ws, row + (int)r, (int)c, doc_cell(b, r, c), f, total);
		}
	}
	return row + (int)b->nrows;
}

static int
plain_table(lxw_worksheet *ws, int row, const struct block *b, const struct fmts *f)
{
	for (size_t c = 0; c < b->ncols; c++)
		worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)c, b->head[c], f->head);
	row++;
	for (size_t r = 0; r < b->nrows; r++)
		for (size_t c = 0; c < b->ncols; c++)
			put(ws, row + (int)r, (int)c, doc_cell(b, r, c), f,
			    b->total_row && r == b->nrows - 1);
	return row + (int)b->nrows;
}

/* label in A, the value across B:H on the form's sheet */
static int
kv(lxw_worksheet *ws, int row, const struct block *b, const struct fmts *f, int wide)
{
	for (size_t r = 0; r < b->nrows; r++, row++) {
		const struct cell *v = doc_cell(b, r, 1);
		worksheet_write_string(ws, (lxw_row_t)row, 0, doc_cell(b, r, 0)->text, f->label);
		if (wide && v->fmt == CF_TEXT)
			worksheet_merge_range(ws, (lxw_row_t)row, 1, (lxw_row_t)row, NCOLS - 1,
			    v->text, f->text);
		else
			put(ws, row, 1, v, f, 0);
	}
	return row;
}

int
render_xlsx(const struct report *r, const char *path)
{
	lxw_workbook *wb;
	lxw_worksheet *ws[2];
	struct fmts f;
	struct doc d;
	int row[2] = { 0, 0 };
	lxw_error e;

	if (doc_build(r, &d) != 0)
		return -1;
	if ((wb = workbook_new(path)) == NULL) {
		doc_free(&d);
		return -1;
	}
	ws[0] = workbook_add_worksheet(wb, "绩效自评表");
	ws[1] = workbook_add_worksheet(wb, "设备附录");
	make_formats(wb, &f);
	worksheet_set_column(ws[0], 0, 1, 12, NULL);
	worksheet_set_column(ws[0], 2, 2, 26, NULL);
	worksheet_set_column(ws[0], 3, 4, 18, NULL);
	worksheet_set_column(ws[0], 5, 6, 8, NULL);
	worksheet_set_column(ws[0], 7, 7, 48, NULL);
	worksheet_set_column(ws[1], 0, 0, 30, NULL);
	worksheet_set_column(ws[1], 1, 12, 14, NULL);
	worksheet_set_landscape(ws[0]);
	worksheet_set_paper(ws[0], 9);   /* A4 */
	worksheet_fit_to_pages(ws[0], 1, 0);

	for (size_t i = 0; i < d.n; i++) {
		const struct block *b = &d.b[i];
		lxw_worksheet *w = ws[b->sheet];
		int *rw = &row[b->sheet];
		switch (b->kind) {
		case B_TITLE:
			worksheet_merge_range(w, (lxw_row_t)*rw, 0, (lxw_row_t)*rw, NCOLS - 1, b->text,
			    f.title);
			worksheet_set_row(w, (lxw_row_t)*rw, 28, NULL);
			(*rw) += 1;
			break;
		case B_HEADING:
			if (*rw > 0)
				(*rw)++;
			worksheet_write_string(w, (lxw_row_t)*rw, 0, b->text, f.heading);
			(*rw)++;
			break;
		case B_KV:
			*rw = kv(w, *rw, b, &f, b->sheet == 0);
			break;
		case B_TABLE:
			*rw = b->indicators ? indicator_table(w, *rw, b, &f) : plain_table(w, *rw, b, &f);
			break;
		}
	}
	doc_free(&d);
	e = workbook_close(wb);
	if (e != LXW_NO_ERROR) {
		fprintf(stderr, "tbm-report: %s: %s\n", path, lxw_strerror(e));
		return -1;
	}
	return 0;
}
