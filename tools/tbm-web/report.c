/*
 * report.c - /indicators: the three evaluation rows for a year, a month or
 * a range (lib/indicators.c computes them, as for tbmctl and tbm-report),
 * the labs, the devices that failed most, and two inline SVG charts.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indicators.h"
#include "log.h"
#include "tbmtime.h"
#include "web.h"

/* After an observed share: that it is below what a figure needs. */
static void
under(struct buf *b, int under_observed, double min_coverage)
{
	if (under_observed)
		buf_printf(b, "，低于 %.0f%%，不足以下结论", min_coverage * 100);
}

static void
pct(struct buf *b, double v)
{
	if (isnan(v))
		buf_put(b, "—");
	else
		buf_printf(b, "%.1f%%", v * 100);
}

/* Faults per month as bars; 12 months of a year's period. */
static void
chart_months(struct buf *b, const int *per_month)
{
	int max = 1;
	const int w = 360, h = 140, bw = 24, gap = 6, x0 = 12;

	for (int i = 0; i < 12; i++)
		if (per_month[i] > max)
			max = per_month[i];
	buf_printf(b, "<svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"每月故障数\">", w, h + 36);
	for (int i = 0; i < 12; i++) {
		int bh = per_month[i] * h / max, x = x0 + i * (bw + gap);

		buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#0b5cad\"/>", x,
		    h - bh + 12, bw, bh);
		buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%d</text>",
		    x + bw / 2, h - bh + 9, per_month[i]);
		buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%d月</text>",
		    x + bw / 2, h + 28, i + 1);
	}
	buf_put(b, "</svg>");
}

/* Availability per lab, horizontal bars with the 正常运转 line. */
static void
chart_labs(struct buf *b, const struct indicators *in)
{
	const int w = 360, row = 26, lw = 130, bw = 180;
	int h = (int)in->nlabs * row + 10;
	int xn = lw + (int)(bw * in->normal_availability);

	buf_printf(b, "<svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"实训室可用率\">", w, h);
	for (size_t i = 0; i < in->nlabs; i++) {
		const struct ind_lab *l = &in->labs[i];
		double a = isnan(l->availability) ? 0 : l->availability;
		int y = (int)i * row + 4;
		char lab[64];

		/* a long lab name is cut at a character boundary to fit the chart */
		snprintf(lab, sizeof(lab), "%s", l->lab ? l->lab : "");
		if (strlen(lab) > 24) {
			size_t k = 24;

			while (k > 0 && ((unsigned char)lab[k] & 0xc0) == 0x80)
				k--;
			lab[k] = '\0';
		}
		buf_printf(b, "<text x=\"0\" y=\"%d\" font-size=\"11\">", y + 15);
		buf_esc(b, lab);
		buf_put(b, "</text>");
		buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"18\" fill=\"%s\"/>", lw, y,
		    (int)(bw * a), l->normal ? "#1e7b34" : "#b3261e");
		buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%.1f%%</text>", lw + (int)(bw * a) + 3,
		    y + 14, a * 100);
	}
	buf_printf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"0\" y2=\"%d\" stroke=\"#333\" stroke-dasharray=\"3 2\"/>",
	    xn, xn, h);
	buf_put(b, "</svg>");
}

static int
cmp_faults(const void *a, const void *b)
{
	const struct ind_device *x = a, *y = b;

	return y->faults - x->faults;
}

int
web_indicators(struct req *r, const struct indicators **in)
{
	int64_t from, to;
	char err[256];

	if (period_parse(web_form_get(&r->query, "period"), r->now, &from, &to) < 0)
		return -1;
	if (cache_indicators(&r->w->cache, r->w->st, from, to, WEB_NORMAL_AVAILABILITY, r->now, in,
	    err, sizeof(err)) != 0) {
		log_warnx("indicators: %s", err);
		return -2;
	}
	return 0;
}

void
page_indicators(struct req *r)
{
	const char *period = web_form_get(&r->query, "period");
	const struct indicators *in;
	struct page_ctx c;
	struct buf *b = &r->out;
	char title[160], f1[64], t1[64];
	struct ind_device *top;
	int rc = web_indicators(r, &in);

	if (rc < 0) {
		if (rc == -1)
			req_error(r, 400, "期间的格式：2023、2023-11 或 2023-01-01..2023-06-30。");
		else
			req_error(r, 500, "计算指标出错。");
		return;
	}
	/* the last day of the period, as people name a period */
	time_format_local(in->from_ms, f1, sizeof(f1));
	time_format_local(in->to_ms - 1, t1, sizeof(t1));
	f1[10] = t1[10] = '\0';
	snprintf(title, sizeof(title), "设备指标 %s 至 %s", f1, t1);
	req_ctx(r, title, &c);
	page_begin(b, &c);
	buf_put(b, "<form method=\"get\" action=\"/indicators\" class=\"act\"><label for=\"period\">期间"
		   "（2023、2023-11 或 2023-01-01..2023-06-30）</label><input id=\"period\" name=\"period\" value=\"");
	if (period != NULL && period[0] != '\0')
		buf_esc(b, period);
	else
		buf_add(b, f1, 4);   /* the default period: this year */
	buf_put(b, "\"><button type=\"submit\">查看</button></form>");

	buf_put(b, "<p class=\"mut\">监测覆盖：tbmond 运行了本期的 ");
	pct(b, in->observed);
	buf_put(b, "。没有监测的时间既不算正常也不算故障。</p>");

	buf_put(b, "<div class=\"grid\"><div class=\"card\"><span class=\"mut\">实训鉴定设备故障修复率</span><br><span class=\"big\">");
	/* a figure watched for too short a time is no figure (as in the evaluation) */
	if (in->repair.no_data)
		buf_put(b, "无数据");
	else if (in->repair.under_observed)
		buf_put(b, "数据不足");
	else if (in->repair.no_faults)
		buf_put(b, "无故障");
	else
		pct(b, in->repair.rate);
	buf_put(b, "</span><br><span class=\"mut\">");
	if (in->repair.under_observed && !in->repair.no_data) {
		buf_put(b, "记录到的修复率 ");
		pct(b, in->repair.rate);
		buf_put(b, "；");
	}
	buf_printf(b, "%d / %d 已修复；24 小时内 %d，72 小时内 %d；重复故障 %d；鉴定设备监测 ",
	    in->repair.repaired, in->repair.faults, in->repair.within_24h, in->repair.within_72h,
	    in->repair.repeats);
	pct(b, in->repair.observed);
	under(b, in->repair.under_observed, in->min_coverage);
	buf_put(b, "</span></div>");
	buf_put(b, "<div class=\"card\"><span class=\"mut\">实训室设备安全事故发生数</span><br><span class=\"big\">");
	if (in->safety.no_data)
		buf_put(b, "无数据");
	else if (in->safety.under_observed)
		buf_put(b, "数据不足");
	else
		buf_printf(b, "%d", in->safety.accidents);
	buf_put(b, "</span><br><span class=\"mut\">");
	if (in->safety.under_observed && !in->safety.no_data)
		buf_printf(b, "记录到事故 %d；", in->safety.accidents);
	buf_printf(b, "未遂 %d，演练 %d，未分类 %d%s；监测覆盖 ",
	    in->safety.near_misses, in->safety.drills, in->safety.unclassified,
	    in->safety.provisional ? "（暂定）" : "");
	pct(b, in->safety.observed);
	if (!in->safety.safety_points)
		buf_put(b, "（没有安全监测点）");
	under(b, in->safety.under_observed, in->min_coverage);
	buf_put(b, "</span></div>");
	{
		int normal = 0;

		for (size_t i = 0; i < in->nlabs; i++)
			normal += in->labs[i].normal != 0;
		buf_printf(b, "<div class=\"card\"><span class=\"mut\">实训室日常运作</span><br><span class=\"big\">%s</span>"
			      "<br><span class=\"mut\">%d / %zu 个实训室可用率 ≥ %.0f%% 且监测 ≥ %.0f%%",
		    !in->nlabs ? "无数据" : in->labs_under_observed ? "数据不足" :
		    normal == (int)in->nlabs ? "正常运转" : "未全部正常",
		    normal, in->nlabs, in->normal_availability * 100, in->min_coverage * 100);
		if (in->nlabs && in->labs_under_observed) {
			buf_put(b, "；监测最少的实训室 ");
			pct(b, in->labs_observed);
			under(b, 1, in->min_coverage);
		}
		buf_put(b, "</span></div></div>");
	}
	buf_put(b, "<h2>实训室</h2><div class=\"scroll\"><table><tr><th>实训室</th><th>可用率</th><th>监测</th><th>故障</th><th>已修复</th><th>安全事件</th></tr>");
	for (size_t i = 0; i < in->nlabs; i++) {
		buf_put(b, "<tr><td>");
		buf_esc(b, in->labs[i].lab);
		buf_put(b, "</td><td>");
		pct(b, in->labs[i].availability);
		buf_put(b, in->labs[i].normal || in->labs[i].under_observed ? "" : " ⚠");
		buf_put(b, "</td><td>");
		pct(b, in->labs[i].observed);
		buf_put(b, in->labs[i].under_observed ? "（不足）" : "");
		buf_printf(b, "</td><td>%d</td><td>%d</td><td>%d</td></tr>", in->labs[i].faults,
		    in->labs[i].repaired, in->labs[i].safety_events);
	}
	buf_put(b, "</table></div>");
	if (in->nlabs > 0) {
		buf_put(b, "<h2>实训室可用率</h2>");
		chart_labs(b, in);
	}
	buf_put(b, "<h2>每月故障数</h2>");
	chart_months(b, in->faults_per_month);
	if (in->ndevices > 0 && (top = malloc(in->ndevices * sizeof(*top))) != NULL) {
		memcpy(top, in->devices, in->ndevices * sizeof(*top));
		qsort(top, in->ndevices, sizeof(*top), cmp_faults);
		buf_put(b, "<h2>故障最多的设备</h2><div class=\"scroll\"><table><tr><th>设备</th><th>故障</th><th>可用率</th><th>MTBF（小时）</th></tr>");
		for (size_t i = 0; i < in->ndevices && i < 10 && top[i].faults > 0; i++) {
			buf_put(b, "<tr><td><a href=\"/devices/");
			buf_url(b, top[i].id);
			buf_put(b, "\">");
			buf_esc(b, top[i].name ? top[i].name : top[i].id);
			buf_printf(b, "</a></td><td>%d</td><td>", top[i].faults);
			pct(b, top[i].availability);
			if (isnan(top[i].mtbf_hours))
				buf_put(b, "</td><td>—</td></tr>");
			else
				buf_printf(b, "</td><td>%.1f</td></tr>", top[i].mtbf_hours);
		}
		buf_put(b, "</table></div>");
		free(top);
	}
	buf_put(b, "<p class=\"mut\"><a href=\"/api/indicators?period=");
	buf_url(b, period ? period : "");
	buf_put(b, "\">JSON</a></p>");
	page_end(b);
}
