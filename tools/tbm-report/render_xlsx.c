/*
 * render_xlsx.c - the report as an Excel workbook (libxlsxwriter): sheet
 * 绩效自评表 laid out like the official form, 设备附录 with the equipment
 * summary, 附表 with the long lists. Every score of a quantitative row and
 * every total is a formula over the cells it comes from (cached with our
 * own figure), so that a corrected figure or an expert's adjusted score
 * changes 总分 and 等级 as it would on paper.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

#include "tbmreport.h"

#define NCOLS 8          /* the indicator table's width; the other blocks fit in it */
#define COL_TARGET 9     /* J: 指标值 as a number, for the score formulas */
#define COL_ACTUAL 10    /* K: 实际完成值 as a number */

struct fmts {
	lxw_format *title, *sub, *head, *label, *text, *bold, *heading, *wide;
	lxw_format *num[CF_HOURS + 1], *numb[CF_HOURS + 1];   /* by cell_fmt; bold for totals */
};

/* Where each block starts: pass one lays the sheets out, pass two writes
 * them, so a formula may name a cell of a block written later. */
struct layout {
	int *row;                  /* per block: its first row (a table's header) */
	int funds, detail, indicators;   /* block indexes, -1 when absent */
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
	f->sub = new_fmt(wb, 0, 0, NULL);
	format_set_align(f->sub, LXW_ALIGN_CENTER);
	f->heading = new_fmt(wb, 0, 1, NULL);
	format_set_font_size(f->heading, 12);
	f->head = new_fmt(wb, 1, 1, NULL);
	format_set_align(f->head, LXW_ALIGN_CENTER);
	format_set_bg_color(f->head, 0xEEEEEE);
	f->label = new_fmt(wb, 1, 0, NULL);
	format_set_bg_color(f->label, 0xF6F6F6);
	f->text = new_fmt(wb, 1, 0, NULL);
	f->wide = new_fmt(wb, 1, 0, NULL);
	format_set_align(f->wide, LXW_ALIGN_VERTICAL_TOP);
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

/* A formula with its cached result: what a reader without recalculation
 * (and our tests) sees is our own figure. */
static void
formula(lxw_worksheet *ws, int row, int col, const char *fm, double v, lxw_format *f)
{
	worksheet_write_formula_num(ws, (lxw_row_t)row, (lxw_col_t)col, fm, f, v);
}

static void
formula_str(lxw_worksheet *ws, int row, int col, const char *fm, const char *v, lxw_format *f)
{
	worksheet_write_formula_str(ws, (lxw_row_t)row, (lxw_col_t)col, fm, f, v);
}

/* "C12", or "'附表'!C12" on another sheet */
static void
cell_ref(char *buf, size_t len, int sheet, int here, int row, int col)
{
	char c[32];

	lxw_rowcol_to_cell(c, (lxw_row_t)row, (lxw_col_t)col);
	if (sheet == here)
		snprintf(buf, len, "%s", c);
	else
		snprintf(buf, len, "'%s'!%s", doc_sheet_names[sheet], c);
}

static size_t
head_index(const struct block *b, const char *name)
{
	for (size_t c = 0; c < b->ncols; c++)
		if (strcmp(b->head[c], name) == 0)
			return c;
	return (size_t)-1;
}

static int
block_height(const struct block *b)
{
	switch (b->kind) {
	case B_TITLE:
	case B_SUBTITLE:
	case B_HEADING:
		return 1;
	case B_KV:
		return (int)b->nrows;
	case B_TABLE:
		return (b->indicators ? 2 : 1) + (int)b->nrows;
	}
	return 0;
}

static int
layout_build(const struct doc *d, struct layout *l)
{
	int next[NSHEETS] = { 0 };

	if ((l->row = calloc(d->n ? d->n : 1, sizeof(*l->row))) == NULL)
		return -1;
	l->funds = l->detail = l->indicators = -1;
	for (size_t i = 0; i < d->n; i++) {
		const struct block *b = &d->b[i];
		int *n = &next[b->sheet];
		if (b->kind == B_HEADING && *n > 0)
			(*n)++;    /* a blank row before a heading */
		l->row[i] = *n;
		*n += block_height(b);
		if (b->role == ROLE_FUNDS)
			l->funds = (int)i;
		else if (b->role == ROLE_BUDGET_DETAIL)
			l->detail = (int)i;
		else if (b->role == ROLE_INDICATORS)
			l->indicators = (int)i;
	}
	return 0;
}

/* The sum of a column of cells, "F10+F11+F14", for rows not next to each other. */
static void
sum_cells(struct strbuf *sb, const char *fn, int col, const int *rows, size_t n)
{
	char c[32];

	sb_add(sb, "=%s(", fn);
	for (size_t i = 0; i < n; i++) {
		lxw_rowcol_to_cell(c, (lxw_row_t)rows[i], (lxw_col_t)col);
		sb_add(sb, "%s%s", i ? "," : "", c);
	}
	sb_add(sb, ")");
}

static void
grade_formula(char *buf, size_t len, const char *score)
{
	snprintf(buf, len, "IF(%s>=90,\"优\",IF(%s>=80,\"良\",IF(%s>=60,\"中\",\"差\")))", score, score,
	    score);
}

/* 项目资金（万元）: 年度资金总额 from the 合计 row of 项目资金明细, 执行率 and
 * 得分 (预算执行率, w·min(B/A, 1)) from the cells beside them. */
static void
funds_table(lxw_worksheet *ws, int row, const struct block *b, const struct doc *d,
    const struct layout *l, const struct report *r, const struct fmts *f)
{
	char fm[256], src[64];
	int t = row + 1;

	for (size_t c = 0; c < b->ncols; c++)
		worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)c, b->head[c], f->head);
	for (size_t k = 0; k < b->nrows; k++)
		for (size_t c = 0; c < b->ncols; c++)
			put(ws, row + 1 + (int)k, (int)c, doc_cell(b, k, c), f, k == 0);
	if (l->detail >= 0) {
		const struct block *x = &d->b[l->detail];
		int total = l->row[l->detail] + (int)x->nrows;
		static const char *const cols[] = { "年初预算数", "全年预算数", "全年执行数" };
		for (int k = 0; k < 3; k++) {
			size_t c = head_index(x, cols[k]);
			const struct cell *v = doc_cell(b, 0, (size_t)k + 1);
			if (c == (size_t)-1 || v->fmt == CF_TEXT)
				continue;
			cell_ref(src, sizeof(src), x->sheet, b->sheet, total, (int)c);
			snprintf(fm, sizeof(fm), "=%s", src);
			formula(ws, t, k + 1, fm, v->v, f->numb[CF_MONEY]);
		}
	}
	snprintf(fm, sizeof(fm), "=IF(C%d>0,D%d/C%d,0)", t + 1, t + 1, t + 1);
	formula(ws, t, 5, fm, r->budget_total > 0 ? r->spent_total / r->budget_total : 0,
	    f->numb[CF_PCT]);
	snprintf(fm, sizeof(fm), "=ROUND(E%d*MIN(F%d,1),2)", t + 1, t + 1);
	formula(ws, t, 6, fm, r->rows[0].score, f->numb[CF_SCORE]);
}

/* The score of a quantitative row over its weight (F), target (J) and
 * actual (K): the rules of score_quant(), cell by cell. */
static void
score_formula(char *buf, size_t len, const struct rep_row *row, int x)
{
	double a = row->target.value;
	char F[16], J[16], K[24];

	snprintf(F, sizeof(F), "F%d", x + 1);
	snprintf(J, sizeof(J), "J%d", x + 1);
	/* K as the comparison sees it: 29/100*100 is 29 */
	snprintf(K, sizeof(K), "ROUND(K%d,9)", x + 1);
	switch (row->target.op) {
	case TOP_LE:
	case TOP_LT:
		if (a <= 0)
			snprintf(buf, len, "=IF(%s<=0,%s,0)", K, F);
		else
			snprintf(buf, len, "=ROUND(IF(%s<=%s,%s,IF(%s<2*%s,%s*(1-(%s-%s)/%s),0)),2)", K,
			    J, F, K, J, F, K, J, J);
		return;
	case TOP_EQ:
		if (a == 0) {
			snprintf(buf, len, "=IF(%s<=0,%s,0)", K, F);
			return;
		}
		/* FALLTHROUGH */
	case TOP_GE:
	case TOP_NONE:
	case TOP_GT:
		if (a <= 0)
			snprintf(buf, len, "=IF(%s%s%s,%s,0)", K, row->target.op == TOP_GT ? ">" : ">=",
			    J, F);
		else
			snprintf(buf, len, "=ROUND(IF(%s>=%s,%s,IF(%s>0,%s*%s/%s,0)),2)", K, J, F, K, F, K,
			    J);
		return;
	}
}

/* The form's table: a two-row header with 绩效指标 over the three levels. */
static int
indicator_table(lxw_worksheet *ws, int row, const struct block *b, const struct layout *l,
    const struct report *r, const struct fmts *f)
{
	int first, total, ft = l->funds >= 0 ? l->row[l->funds] + 1 : -1;
	char fm[512], g[256], ref[32];

	worksheet_merge_range(ws, (lxw_row_t)row, 0, (lxw_row_t)row, 2, "绩效指标", f->head);
	for (size_t c = 3; c < b->ncols; c++)
		worksheet_merge_range(ws, (lxw_row_t)row, (lxw_col_t)c, (lxw_row_t)row + 1,
		    (lxw_col_t)c, b->head[c], f->head);
	for (size_t c = 0; c < 3; c++)
		worksheet_write_string(ws, (lxw_row_t)row + 1, (lxw_col_t)c, b->head[c], f->head);
	worksheet_merge_range(ws, (lxw_row_t)row, COL_TARGET, (lxw_row_t)row + 1, COL_TARGET,
	    "指标值（数）", f->head);
	worksheet_merge_range(ws, (lxw_row_t)row, COL_ACTUAL, (lxw_row_t)row + 1, COL_ACTUAL,
	    "实际完成值（数）", f->head);
	row += 2;
	first = row;
	total = row + (int)b->nrows - 1;
	for (size_t k = 0; k < b->nrows; k++) {
		int is_total = b->total_row && k == b->nrows - 1, x = row + (int)k;
		for (size_t c = 0; c < b->ncols; c++) {
			size_t span = 1;
			if (c < 2) {
				if (doc_same_above(b, k, c))
					continue;
				while (k + span < b->nrows && doc_same_above(b, k + span, c))
					span++;
			}
			if (span > 1)
				worksheet_merge_range(ws, (lxw_row_t)x, (lxw_col_t)c,
				    (lxw_row_t)(x + (int)span - 1), (lxw_col_t)c, doc_cell(b, k, c)->text,
				    is_total ? f->bold : f->text);
			else
				put(ws, x, (int)c, doc_cell(b, k, c), f, is_total);
		}
		if (is_total || k + 1 >= r->nrows)
			continue;
		{
			const struct rep_row *rr = &r->rows[k + 1];
			if (!rr->has_value)
				continue;   /* a judged score: people may change the number */
			worksheet_write_number(ws, (lxw_row_t)x, COL_TARGET, rr->target.value,
			    f->num[CF_NUM]);
			worksheet_write_number(ws, (lxw_row_t)x, COL_ACTUAL, rr->value, f->num[CF_NUM]);
			score_formula(fm, sizeof(fm), rr, x);
			formula(ws, x, 6, fm, rr->score, f->num[CF_SCORE]);
		}
	}
	if (b->total_row && total > first) {
		/* 总分 = 项目资金's 分值/得分 + the indicators' */
		if (ft >= 0)
			snprintf(fm, sizeof(fm), "=E%d+SUM(F%d:F%d)", ft + 1, first + 1, total);
		else
			snprintf(fm, sizeof(fm), "=SUM(F%d:F%d)", first + 1, total);
		formula(ws, total, 5, fm, r->total_weight, f->numb[CF_NUM]);
		if (ft >= 0)
			snprintf(fm, sizeof(fm), "=ROUND(G%d+SUM(G%d:G%d),2)", ft + 1, first + 1, total);
		else
			snprintf(fm, sizeof(fm), "=ROUND(SUM(G%d:G%d),2)", first + 1, total);
		formula(ws, total, 6, fm, r->total, f->numb[CF_SCORE]);
		snprintf(ref, sizeof(ref), "G%d", total + 1);
		grade_formula(g, sizeof(g), ref);
		snprintf(fm, sizeof(fm), "=\"等级：\"&%s", g);
		snprintf(g, sizeof(g), "等级：%s", r->grade);
		formula_str(ws, total, 7, fm, g, f->bold);
	}
	return row + (int)b->nrows;
}

/* 分项得分: each level's 分值 and 得分 as the sum of its rows' cells */
static void
levels_table(lxw_worksheet *ws, int row, const struct block *b, const struct layout *l,
    const struct report *r, const struct fmts *f)
{
	int first = l->indicators >= 0 ? l->row[l->indicators] + 2 : -1;
	int ft = l->funds >= 0 ? l->row[l->funds] + 1 : -1;
	int *rows = calloc(r->nrows ? r->nrows : 1, sizeof(*rows));
	char fm[64];

	for (size_t c = 0; c < b->ncols; c++)
		worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)c, b->head[c], f->head);
	row++;
	for (size_t k = 0; k < b->nrows; k++)
		for (size_t c = 0; c < b->ncols; c++)
			put(ws, row + (int)k, (int)c, doc_cell(b, k, c), f,
			    b->total_row && k == b->nrows - 1);
	if (rows == NULL || first < 0)
		goto out;
	for (size_t k = 0; k < r->nlevels && k + 1 < b->nrows; k++) {
		size_t n = 0;
		for (size_t i = 1; i < r->nrows; i++)
			if (strcmp(r->rows[i].level1, r->levels[k].level1) == 0)
				rows[n++] = first + (int)i - 1;
		for (int c = 1; c <= 2; c++) {
			struct strbuf sb = { 0 };
			if (n > 0) {
				sum_cells(&sb, "SUM", c + 4, rows, n);
				if (c == 2 && sb.s) {
					/* =ROUND(SUM(...),2) */
					char *w = xasprintf("=ROUND(%s,2)", sb.s + 1);
					free(sb.s);
					sb.s = w;
				}
			}
			if (strcmp(r->levels[k].level1, r->rows[0].level1) == 0 && ft >= 0) {
				free(sb.s);
				sb.s = NULL;
				sb.len = sb.cap = 0;
				sb_add(&sb, "=%c%d", c == 1 ? 'E' : 'G', ft + 1);
			}
			if (sb.s)
				formula(ws, row + (int)k, c, sb.s, c == 1 ? r->levels[k].weight :
				    r->levels[k].score, f->num[c == 1 ? CF_NUM : CF_SCORE]);
			free(sb.s);
		}
	}
	if (b->total_row && b->nrows > 1) {
		int t = row + (int)b->nrows - 1;
		snprintf(fm, sizeof(fm), "=SUM(B%d:B%d)", row + 1, t);
		formula(ws, t, 1, fm, r->total_weight, f->numb[CF_NUM]);
		snprintf(fm, sizeof(fm), "=ROUND(SUM(C%d:C%d),2)", row + 1, t);
		formula(ws, t, 2, fm, r->total, f->numb[CF_SCORE]);
	}
out:
	free(rows);
}

/* 项目资金明细: each row's 执行率 and the 合计 row as formulas */
static void
detail_table(lxw_worksheet *ws, int row, const struct block *b, const struct fmts *f)
{
	size_t cb = head_index(b, "全年预算数"), cs = head_index(b, "全年执行数");
	size_t ci = head_index(b, "年初预算数"), cr = head_index(b, "执行率");
	int first = row + 1, t = row + (int)b->nrows;
	char fm[256], a[16], c[16];

	for (size_t k = 0; k < b->ncols; k++)
		worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)k, b->head[k], f->head);
	for (size_t k = 0; k < b->nrows; k++) {
		int is_total = b->total_row && k == b->nrows - 1, y = row + 1 + (int)k;
		for (size_t col = 0; col < b->ncols; col++)
			put(ws, y, (int)col, doc_cell(b, k, col), f, is_total);
		if (cb == (size_t)-1 || cs == (size_t)-1 || cr == (size_t)-1)
			continue;
		if (is_total) {
			size_t cols[3] = { cb, cs, ci };
			for (int j = 0; j < 3; j++) {
				if (cols[j] == (size_t)-1)
					continue;
				lxw_rowcol_to_cell(a, (lxw_row_t)first, (lxw_col_t)cols[j]);
				lxw_rowcol_to_cell(c, (lxw_row_t)(t - 1), (lxw_col_t)cols[j]);
				snprintf(fm, sizeof(fm), "=SUM(%s:%s)", a, c);
				formula(ws, y, (int)cols[j], fm, doc_cell(b, k, cols[j])->v,
				    f->numb[CF_MONEY]);
			}
		}
		lxw_rowcol_to_cell(a, (lxw_row_t)y, (lxw_col_t)cb);
		lxw_rowcol_to_cell(c, (lxw_row_t)y, (lxw_col_t)cs);
		snprintf(fm, sizeof(fm), "=IF(%s>0,%s/%s,0)", a, c, a);
		formula(ws, y, (int)cr, fm, isnan(doc_cell(b, k, cr)->v) ? 0 : doc_cell(b, k, cr)->v,
		    is_total ? f->numb[CF_PCT] : f->num[CF_PCT]);
	}
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

/* 年度总体目标: 预期目标 over A:D, 实际完成情况 over E:H */
static void
goals_table(lxw_worksheet *ws, int row, const struct block *b, const struct fmts *f)
{
	for (size_t c = 0; c < 2 && c < b->ncols; c++) {
		lxw_col_t a = (lxw_col_t)(c * 4), z = (lxw_col_t)(c * 4 + 3);
		worksheet_merge_range(ws, (lxw_row_t)row, a, (lxw_row_t)row, z, b->head[c], f->head);
		if (b->nrows > 0)
			worksheet_merge_range(ws, (lxw_row_t)row + 1, a, (lxw_row_t)row + 1, z,
			    doc_cell(b, 0, c)->text, f->wide);
	}
	worksheet_set_row(ws, (lxw_row_t)row + 1, 60, NULL);
}

/* label in A, the value across B:H on the form's sheet */
static void
kv(lxw_worksheet *ws, int row, const struct block *b, const struct layout *l,
    const struct report *r, const struct fmts *f, int wide)
{
	int total = -1;
	char fm[256], ref[32];

	if (b->role == ROLE_TOTAL && l->indicators >= 0)
		total = l->row[l->indicators] + 2 + (int)(r->nrows - 1);
	for (size_t k = 0; k < b->nrows; k++, row++) {
		const struct cell *v = doc_cell(b, k, 1);
		worksheet_write_string(ws, (lxw_row_t)row, 0, doc_cell(b, k, 0)->text, f->label);
		if (total >= 0 && k == 0) {
			snprintf(fm, sizeof(fm), "=G%d", total + 1);
			formula(ws, row, 1, fm, r->total, f->numb[CF_SCORE]);
		} else if (total >= 0 && k == 1) {
			snprintf(ref, sizeof(ref), "G%d", total + 1);
			grade_formula(fm + 1, sizeof(fm) - 1, ref);
			fm[0] = '=';
			formula_str(ws, row, 1, fm, r->grade, f->bold);
		} else if (wide && v->fmt == CF_TEXT)
			worksheet_merge_range(ws, (lxw_row_t)row, 1, (lxw_row_t)row, NCOLS - 1,
			    v->text, f->text);
		else
			put(ws, row, 1, v, f, 0);
	}
}

static void
page_setup(lxw_worksheet *ws)
{
	worksheet_set_landscape(ws);
	worksheet_set_paper(ws, 9);   /* A4 */
	worksheet_fit_to_pages(ws, 1, 0);
	worksheet_set_margins(ws, 0.4, 0.4, 0.5, 0.5);
}

int
render_xlsx(const struct report *r, const char *path)
{
	lxw_workbook *wb;
	lxw_worksheet *ws[NSHEETS];
	struct layout l = { 0 };
	struct fmts f;
	struct doc d;
	int last[NSHEETS] = { 0 }, biggest = -1;
	lxw_error e;

	if (doc_build(r, &d) != 0)
		return -1;
	if (layout_build(&d, &l) != 0 || (wb = workbook_new(path)) == NULL) {
		free(l.row);
		doc_free(&d);
		return -1;
	}
	for (int s = 0; s < NSHEETS; s++) {
		ws[s] = workbook_add_worksheet(wb, doc_sheet_names[s]);
		page_setup(ws[s]);
	}
	make_formats(wb, &f);
	worksheet_set_column(ws[0], 0, 0, 16, NULL);
	worksheet_set_column(ws[0], 1, 1, 14, NULL);
	worksheet_set_column(ws[0], 2, 2, 24, NULL);
	worksheet_set_column(ws[0], 3, 3, 14, NULL);
	worksheet_set_column(ws[0], 4, 4, 24, NULL);
	worksheet_set_column(ws[0], 5, 6, 9, NULL);
	worksheet_set_column(ws[0], 7, 7, 48, NULL);
	worksheet_set_column(ws[0], COL_TARGET, COL_ACTUAL, 14, NULL);
	worksheet_set_column(ws[1], 0, 0, 30, NULL);
	worksheet_set_column(ws[1], 1, 13, 12, NULL);
	worksheet_set_column(ws[2], 0, 0, 36, NULL);
	worksheet_set_column(ws[2], 1, 12, 14, NULL);

	for (size_t i = 0; i < d.n; i++) {
		const struct block *b = &d.b[i];
		lxw_worksheet *w = ws[b->sheet];
		int row = l.row[i];
		switch (b->kind) {
		case B_TITLE:
		case B_SUBTITLE:
			worksheet_merge_range(w, (lxw_row_t)row, 0, (lxw_row_t)row, NCOLS - 1, b->text,
			    b->kind == B_TITLE ? f.title : f.sub);
			if (b->kind == B_TITLE)
				worksheet_set_row(w, (lxw_row_t)row, 28, NULL);
			break;
		case B_HEADING:
			worksheet_write_string(w, (lxw_row_t)row, 0, b->text, f.heading);
			break;
		case B_KV:
			kv(w, row, b, &l, r, &f, b->sheet == SHEET_FORM);
			break;
		case B_TABLE:
			switch (b->role) {
			case ROLE_FUNDS:
				funds_table(w, row, b, &d, &l, r, &f);
				break;
			case ROLE_GOALS:
				goals_table(w, row, b, &f);
				break;
			case ROLE_INDICATORS:
				indicator_table(w, row, b, &l, r, &f);
				/* its header on every printed page */
				worksheet_repeat_rows(w, (lxw_row_t)row, (lxw_row_t)row + 1);
				break;
			case ROLE_LEVELS:
				levels_table(w, row, b, &l, r, &f);
				break;
			case ROLE_BUDGET_DETAIL:
				detail_table(w, row, b, &f);
				break;
			default:
				plain_table(w, row, b, &f);
				if (b->sheet == SHEET_LISTS && (biggest < 0 ||
				    b->nrows > d.b[biggest].nrows))
					biggest = (int)i;
			}
			break;
		}
		last[b->sheet] = row + block_height(b);
	}
	/* the form prints without its helper columns J:K */
	worksheet_print_area(ws[0], 0, 0, (lxw_row_t)(last[0] > 0 ? last[0] - 1 : 0), NCOLS - 1);
	if (biggest >= 0)
		worksheet_repeat_rows(ws[SHEET_LISTS], (lxw_row_t)l.row[biggest],
		    (lxw_row_t)l.row[biggest]);
	doc_free(&d);
	free(l.row);
	e = workbook_close(wb);
	if (e != LXW_NO_ERROR) {
		fprintf(stderr, "tbm-report: %s: %s\n", path, lxw_strerror(e));
		return -1;
	}
	return 0;
}
