/*
 * render_html.c - the report as one self-contained, printable HTML page:
 * inline CSS, the form's table with merged level cells, and inline SVG bar
 * charts (faults per month, availability per lab). No scripts, no fetches.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tbmreport.h"

static void
esc(FILE *fp, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\n': fputs("<br>", fp); break;
		default: fputc(*s, fp);
		}
	}
}

/* Printed on A4 landscape like the official form: table headers repeat on
 * every page, rows are not split, the equipment summary and the long lists
 * each start on a new page. Column widths are those of the form, wide
 * enough for the Chinese headers (一级指标 is four characters, never one). */
static const char css[] =
    "@page{size:A4 landscape;margin:12mm 10mm}\n"
    "body{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"Microsoft YaHei\","
    "\"WenQuanYi Micro Hei\",SimSun,sans-serif;font-size:10pt;margin:1.5em;color:#111}\n"
    "h1{font-size:18pt;text-align:center;margin:.2em 0}p.sub{text-align:center;margin:0 0 1em 0}\n"
    "h2{font-size:13pt;margin-top:1.2em}h3{font-size:11pt;margin:1em 0 .3em 0}h4{font-size:10pt}\n"
    "table{border-collapse:collapse;margin:.3em 0 .8em 0}\n"
    "th,td{border:1px solid #444;padding:2px 5px;vertical-align:middle;overflow-wrap:anywhere}\n"
    "th{background:#eee;font-weight:bold;text-align:center}td.n{text-align:right;white-space:nowrap}\n"
    "tr.total td{font-weight:bold;background:#f6f6f6}\n"
    "table.kv{width:100%}table.kv th{text-align:left;font-weight:normal;background:#f6f6f6;"
    "width:8em;white-space:nowrap}\n"
    "table.grid th{width:13em}table.grid td{width:auto}\n"
    "table.form{width:100%;table-layout:fixed}\n"
    "thead{display:table-header-group}tr{break-inside:avoid;page-break-inside:avoid}\n"
    ".sheet{break-before:page;page-break-before:always}\n"
    "h2,h3,h4{break-after:avoid;page-break-after:avoid}\n"
    "svg.chart{display:block;margin:.3em 0 1em 0;break-inside:avoid}\n"
    ".with-chart{display:flex;flex-wrap:wrap;gap:0 1.5em;align-items:flex-start;"
    "break-inside:avoid;page-break-inside:avoid}\n"
    "@media print{body{margin:0}}\n";

/* Column widths of the form's tables, in em of the body font. */
static const char *const indicator_cols[] = { "5.5em", "7em", "10em", "7.5em", "12em", "3.5em",
	"4em", NULL };
static const char *const funds_cols[] = { "10em", NULL, NULL, NULL, "4em", "6em", "4em" };

static void
colgroup(FILE *fp, const char *const *w, size_t n)
{
	fputs("<colgroup>", fp);
	for (size_t i = 0; i < n; i++) {
		if (w[i])
			fprintf(fp, "<col style=\"width:%s\">", w[i]);
		else
			fputs("<col>", fp);
	}
	fputs("</colgroup>\n", fp);
}

static void
html_table(FILE *fp, const struct block *b)
{
	fputs("<table", fp);
	if (b->indicators)
		fputs(" id=\"indicators\" class=\"form\"", fp);
	else if (b->role == ROLE_FUNDS || b->role == ROLE_GOALS)
		fputs(" class=\"form\"", fp);
	fputs(">\n", fp);
	if (b->indicators && b->ncols == 8)
		colgroup(fp, indicator_cols, 8);
	else if (b->role == ROLE_FUNDS && b->ncols == 7)
		colgroup(fp, funds_cols, 7);
	fputs("<thead><tr>", fp);
	for (size_t c = 0; c < b->ncols; c++) {
		fputs("<th>", fp);
		esc(fp, b->head[c]);
		fputs("</th>", fp);
	}
	fputs("</tr></thead>\n<tbody>\n", fp);
	for (size_t r = 0; r < b->nrows; r++) {
		int total = b->total_row && r == b->nrows - 1;
		fputs(total ? "<tr class=\"total\">" : "<tr>", fp);
		for (size_t c = 0; c < b->ncols; c++) {
			const struct cell *x = doc_cell(b, r, c);
			size_t span = 1;
			if (b->indicators && c < 2) {
				/* the form's merged 一级/二级 cells */
				if (doc_same_above(b, r, c))
					continue;
				while (r + span < b->nrows && doc_same_above(b, r + span, c))
					span++;
			}
			fputs(x->fmt != CF_TEXT ? "<td class=\"n\"" : "<td", fp);
			if (span > 1)
				fprintf(fp, " rowspan=\"%zu\"", span);
			fputc('>', fp);
			esc(fp, x->text);
			fputs("</td>", fp);
		}
		fputs("</tr>\n", fp);
	}
	fputs("</tbody></table>\n", fp);
}

/* Label and value pairs; the appendix's long lists of figures three pairs
 * to a row, so that the summary stays short on paper. */
static void
html_kv(FILE *fp, const struct block *b)
{
	size_t per = b->sheet != SHEET_FORM && b->nrows > 6 ? 3 : 1;

	fprintf(fp, "<table class=\"kv%s\">\n", per > 1 ? " grid" : "");
	for (size_t k = 0; k < b->nrows; k += per) {
		fputs("<tr>", fp);
		for (size_t j = k; j < k + per; j++) {
			if (j >= b->nrows) {
				fputs("<th></th><td></td>", fp);
				continue;
			}
			fputs("<th>", fp);
			esc(fp, doc_cell(b, j, 0)->text);
			fputs(doc_cell(b, j, 1)->fmt != CF_TEXT ? "</th><td class=\"n\">" : "</th><td>", fp);
			esc(fp, doc_cell(b, j, 1)->text);
			fputs("</td>", fp);
		}
		fputs("</tr>\n", fp);
	}
	fputs("</table>\n", fp);
}

static void
chart_months(FILE *fp, const struct block *b)
{
	const int w = 480, h = 190, left = 30, bottom = 26, top = 30;
	double max = 1, bw = (double)(w - left - 10) / 12;

	for (int m = 1; m <= 12; m++)
		if (doc_cell(b, 0, (size_t)m)->v > max)
			max = doc_cell(b, 0, (size_t)m)->v;
	/* it draws the first row, and says which faults that row counts */
	fprintf(fp, "<svg class=\"chart\" id=\"chart-months\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-label=\"各月故障数：", w, h, w, h);
	esc(fp, doc_cell(b, 0, 0)->text);
	fputs("\">\n<title>各月故障数：", fp);
	esc(fp, doc_cell(b, 0, 0)->text);
	fprintf(fp, "，共 %s 起</title>\n", doc_cell(b, 0, 13)->text);
	fprintf(fp, "<text x=\"%d\" y=\"12\" font-size=\"11\">", left);
	esc(fp, doc_cell(b, 0, 0)->text);
	fprintf(fp, "的故障，共 %s 起（不含非鉴定设备）</text>\n", doc_cell(b, 0, 13)->text);
	fprintf(fp, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>\n", left,
	    h - bottom, w - 10, h - bottom);
	fprintf(fp, "<text x=\"4\" y=\"%d\" font-size=\"10\">%.0f</text>\n", top + 4, max);
	for (int m = 0; m < 12; m++) {
		double v = doc_cell(b, 0, (size_t)m + 1)->v;
		double bh = (h - bottom - top) * v / max;
		double x = left + m * bw + bw * 0.15;
		fprintf(fp, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		    "fill=\"#3b6ea5\"><title>%d月：%.0f 起</title></rect>\n", x, h - bottom - bh,
		    bw * 0.7, bh, m + 1, v);
		fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">%.0f"
		    "</text>\n", x + bw * 0.35, h - bottom - bh - 3, v);
		fprintf(fp, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%d月"
		    "</text>\n", x + bw * 0.35, h - bottom + 14, m + 1);
	}
	fputs("</svg>\n", fp);
}

static void
chart_labs(FILE *fp, const struct block *b, double normal)
{
	const int w = 560, left = 200, bar = 14, gap = 5, top = 10, right = 60;
	int h = top + (int)b->nrows * (bar + gap) + 24;
	double span = w - left - right, nx = left + span * normal;

	fprintf(fp, "<svg class=\"chart\" id=\"chart-labs\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-label=\"各实训室可用率\">\n<title>各实训室可用率</title>\n", w, h, w, h);
	for (size_t r = 0; r < b->nrows; r++) {
		double v = doc_cell(b, r, 2)->v;
		int y = top + (int)r * (bar + gap);
		int ok = strcmp(doc_cell(b, r, 3)->text, "正常运转") == 0;
		if (isnan(v))
			v = 0;
		fputs("<text x=\"4\" y=\"", fp);
		fprintf(fp, "%d\" font-size=\"10\">", y + bar - 5);
		esc(fp, doc_cell(b, r, 0)->text);
		fputs(" · ", fp);
		esc(fp, doc_cell(b, r, 1)->text);
		fputs("</text>\n", fp);
		fprintf(fp, "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
		    "fill=\"%s\"><title>", left, y, span * v, bar, ok ? "#3b8a4a" : "#c0392b");
		esc(fp, doc_cell(b, r, 1)->text);
		fprintf(fp, "：%s</title></rect>\n", doc_cell(b, r, 2)->text);
		fprintf(fp, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\">%s</text>\n",
		    left + span * v + 4, y + bar - 5, doc_cell(b, r, 2)->text);
	}
	fprintf(fp, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#888\" "
	    "stroke-dasharray=\"4 3\"/>\n", nx, top - 4, nx, h - 20);
	{
		char lim[64];
		fmt_pct(normal, lim, sizeof(lim));
		fprintf(fp, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">"
		    "正常运转线 %s</text>\n", nx, h - 6, lim);
	}
	fputs("</svg>\n", fp);
}

int
render_html(const struct report *r, FILE *fp)
{
	struct doc d;

	if (doc_build(r, &d) != 0)
		return -1;
	fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>",
	    fp);
	esc(fp, d.b[0].text);
	fprintf(fp, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
	for (size_t i = 0; i < d.n; i++) {
		const struct block *b = &d.b[i];
		switch (b->kind) {
		case B_TITLE:
			fputs("<h1>", fp);
			esc(fp, b->text);
			fputs("</h1>\n", fp);
			break;
		case B_SUBTITLE:
			fputs("<p class=\"sub\">", fp);
			esc(fp, b->text);
			fputs("</p>\n", fp);
			break;
		case B_HEADING:
			fprintf(fp, "<h%d%s>", b->level, b->first_of_sheet && b->sheet > 0 ?
			    " class=\"sheet\"" : "");
			esc(fp, b->text);
			fprintf(fp, "</h%d>\n", b->level);
			break;
		case B_KV:
			html_kv(fp, b);
			break;
		case B_TABLE:
			if (b->nrows == 0) {
				fputs("<p>（无）</p>\n", fp);
				break;
			}
			/* a chart beside its table: the summary stays short on paper */
			if (b->chart != CHART_NONE)
				fputs("<div class=\"with-chart\">\n", fp);
			html_table(fp, b);
			if (b->chart == CHART_MONTHS)
				chart_months(fp, b);
			else if (b->chart == CHART_LABS)
				chart_labs(fp, b, r->normal_availability);
			if (b->chart != CHART_NONE)
				fputs("</div>\n", fp);
			break;
		}
	}
	fputs("</body>\n</html>\n", fp);
	doc_free(&d);
	return ferror(fp) ? -1 : 0;
}
