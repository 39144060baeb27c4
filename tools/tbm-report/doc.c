/*
 * doc.c - lays the report out once: title, header, 项目资金, the indicator
 * table with totals, and the equipment appendix, as blocks of cells that
 * carry both the text shown and the number behind it. The md, csv, html
 * and xlsx renderers print these blocks, so all of them say the same.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tbmreport.h"

struct bld {
	struct doc *d;
	int sheet;
	int sheet_started;         /* the current sheet has a block already */
	int oom;
};

const char *const doc_sheet_names[NSHEETS] = { "绩效自评表", "设备附录", "附表" };

static struct block *
blk_new(struct bld *b, enum block_kind kind)
{
	struct block *nv, *x;

	if (b->oom)
		return NULL;
	if ((nv = realloc(b->d->b, (b->d->n + 1) * sizeof(*nv))) == NULL) {
		b->oom = 1;
		return NULL;
	}
	b->d->b = nv;
	x = &nv[b->d->n++];
	memset(x, 0, sizeof(*x));
	x->kind = kind;
	x->sheet = b->sheet;
	x->first_of_sheet = !b->sheet_started;
	b->sheet_started = 1;
	return x;
}

static void
heading(struct bld *b, enum block_kind kind, int level, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
heading(struct bld *b, enum block_kind kind, int level, const char *fmt, ...)
{
	struct block *x = blk_new(b, kind);
	va_list ap;

	if (x == NULL)
		return;
	x->level = level;
	va_start(ap, fmt);
	if (vasprintf(&x->text, fmt, ap) < 0) {
		x->text = NULL;
		b->oom = 1;
	}
	va_end(ap);
}

/* A table: the head is a '|'-separated list of column names. */
static struct block *
table(struct bld *b, const char *head)
{
	struct block *x = blk_new(b, head ? B_TABLE : B_KV);
	char *copy, *save = NULL;

	if (x == NULL)
		return NULL;
	if (head == NULL) {
		x->ncols = 2;
		return x;
	}
	if ((copy = strdup(head)) == NULL) {
		b->oom = 1;
		return x;
	}
	for (char *t = strtok_r(copy, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
		char **nh = realloc(x->head, (x->ncols + 1) * sizeof(*nh));
		if (nh == NULL || (nh[x->ncols] = strdup(t)) == NULL) {
			if (nh)
				x->head = nh;
			b->oom = 1;
			break;
		}
		x->head = nh;
		x->ncols++;
	}
	free(copy);
	return x;
}

static struct cell *
next_cell(struct bld *b, struct block *x, size_t *col)
{
	size_t i;

	if (b->oom || x == NULL)
		return NULL;
	/* a new row when the last one is full */
	if (*col == 0) {
		struct cell *nc = realloc(x->cells, (x->nrows + 1) * x->ncols * sizeof(*nc));
		if (nc == NULL) {
			b->oom = 1;
			return NULL;
		}
		x->cells = nc;
		memset(&nc[x->nrows * x->ncols], 0, x->ncols * sizeof(*nc));
		for (size_t k = 0; k < x->ncols; k++)
			nc[x->nrows * x->ncols + k].v = NAN;
		x->nrows++;
	}
	i = (x->nrows - 1) * x->ncols + *col;
	*col = (*col + 1) % x->ncols;
	return &x->cells[i];
}

/* Cells are appended left to right; `col` tracks the position. */
static void
put_text(struct bld *b, struct block *x, size_t *col, const char *s)
{
	struct cell *c = next_cell(b, x, col);

	if (c == NULL)
		return;
	if ((c->text = strdup(s ? s : "")) == NULL)
		b->oom = 1;
}

static void
put_num(struct bld *b, struct block *x, size_t *col, enum cell_fmt fmt, double v)
{
	struct cell *c = next_cell(b, x, col);
	char buf[64];

	if (c == NULL)
		return;
	c->fmt = fmt;
	c->v = v;
	switch (fmt) {
	case CF_INT: snprintf(buf, sizeof(buf), "%.0f", v); break;
	case CF_PCT: fmt_pct(v, buf, sizeof(buf)); break;
	case CF_SCORE: fmt_score(v, buf, sizeof(buf)); break;
	case CF_MONEY: fmt_money(v, buf, sizeof(buf)); break;
	case CF_HOURS: fmt_hours(v, buf, sizeof(buf)); break;
	default: fmt_num(v, buf, sizeof(buf)); break;
	}
	if (isnan(v))
		c->fmt = CF_TEXT;
	if ((c->text = strdup(buf)) == NULL)
		b->oom = 1;
}

/* a percentage that is compared with a threshold (fmt_pct_vs) */
static void
put_pct_vs(struct bld *b, struct block *x, size_t *col, double v, double threshold)
{
	struct cell *c = next_cell(b, x, col);
	char buf[64];

	if (c == NULL)
		return;
	c->fmt = isnan(v) ? CF_TEXT : CF_PCT;
	c->v = v;
	fmt_pct_vs(v, threshold, buf, sizeof(buf));
	if ((c->text = strdup(buf)) == NULL)
		b->oom = 1;
}

static void
put_dash(struct bld *b, struct block *x, size_t *col)
{
	put_text(b, x, col, "—");
}

static void
new_sheet(struct bld *b, int sheet)
{
	b->sheet = sheet;
	b->sheet_started = 0;
}

static void
kv_text(struct bld *b, struct block *x, const char *k, const char *v)
{
	size_t col = 0;

	put_text(b, x, &col, k);
	put_text(b, x, &col, v);
}

static void
kv_num(struct bld *b, struct block *x, const char *k, enum cell_fmt fmt, double v)
{
	size_t col = 0;

	put_text(b, x, &col, k);
	put_num(b, x, &col, fmt, v);
}

#define WAN 10000.0

/* 项目资金（万元）as the form has it: 年度资金总额 with its 分值, 执行率 and
 * 得分 (the 预算执行率 row of the scoring), then the 资金来源 rows. */
static void
funds_table(struct bld *b, const struct report *r)
{
	static const char *const names[FUND_SOURCES] = { "其中：当年财政拨款", "上年结转资金",
		"其他资金" };
	const struct rep_row *row = &r->rows[0];
	struct block *x;
	size_t col = 0;

	x = table(b, "项目资金（万元）|年初预算数|全年预算数|全年执行数|分值|执行率|得分");
	if (x)
		x->role = ROLE_FUNDS;
	put_text(b, x, &col, "年度资金总额");
	put_num(b, x, &col, CF_MONEY, r->initial_total / WAN);
	put_num(b, x, &col, CF_MONEY, r->budget_total / WAN);
	put_num(b, x, &col, CF_MONEY, r->spent_total / WAN);
	put_num(b, x, &col, CF_NUM, row->weight);
	put_pct_vs(b, x, &col, r->budget_total > 0 ? r->spent_total / r->budget_total : NAN, 1.0);
	put_num(b, x, &col, CF_SCORE, row->score);
	for (int k = 0; k < FUND_SOURCES; k++) {
		const struct rep_fund *f = &r->funds[k];
		put_text(b, x, &col, names[k]);
		if (f->given) {
			put_num(b, x, &col, CF_MONEY, f->initial / WAN);
			put_num(b, x, &col, CF_MONEY, f->budget / WAN);
			put_num(b, x, &col, CF_MONEY, f->spent / WAN);
		} else {
			put_text(b, x, &col, "");
			put_text(b, x, &col, "");
			put_text(b, x, &col, "");
		}
		put_dash(b, x, &col);
		put_pct_vs(b, x, &col, f->given && f->budget > 0 ? f->spent / f->budget : NAN, 1.0);
		put_dash(b, x, &col);
	}
}

static void
goals_table(struct bld *b, const struct report *r)
{
	struct block *x;
	size_t col = 0;

	heading(b, B_HEADING, 3, "年度总体目标");
	x = table(b, "预期目标|实际完成情况");
	if (x)
		x->role = ROLE_GOALS;
	put_text(b, x, &col, r->goal);
	put_text(b, x, &col, r->achieved);
}

static void
indicator_table(struct bld *b, const struct report *r)
{
	struct block *x;
	size_t col = 0;
	char grade[64];

	heading(b, B_HEADING, 3, "绩效指标");
	if (r->eq.nwarnings > 0) {
		/* rows whose figure the watching cannot support, before anyone reads the table */
		x = table(b, NULL);
		for (int i = 0; i < r->eq.nwarnings; i++)
			kv_text(b, x, "注意", r->eq.warnings[i]);
	}
	x = table(b, "一级指标|二级指标|三级指标|年度指标值|实际完成值|分值|得分|偏差原因分析及改进措施");
	if (x) {
		x->indicators = 1;
		x->role = ROLE_INDICATORS;
	}
	/* rows[0], 预算执行率, is scored in the 项目资金 table above */
	for (size_t i = 1; i < r->nrows; i++) {
		const struct rep_row *row = &r->rows[i];
		put_text(b, x, &col, row->level1);
		put_text(b, x, &col, row->level2);
		put_text(b, x, &col, row->level3);
		put_text(b, x, &col, row->target_text);
		put_text(b, x, &col, row->actual_text);
		put_num(b, x, &col, CF_NUM, row->weight);
		put_num(b, x, &col, CF_SCORE, row->score);
		put_text(b, x, &col, row->deviation);
	}
	snprintf(grade, sizeof(grade), "等级：%s", r->grade);
	put_text(b, x, &col, "总分");
	put_text(b, x, &col, "");
	put_text(b, x, &col, "");
	put_text(b, x, &col, "");
	put_text(b, x, &col, "");
	put_num(b, x, &col, CF_NUM, r->total_weight);
	put_num(b, x, &col, CF_SCORE, r->total);
	put_text(b, x, &col, grade);
	if (x)
		x->total_row = 1;

	heading(b, B_HEADING, 3, "分项得分");
	x = table(b, "一级指标|分值|得分");
	if (x)
		x->role = ROLE_LEVELS;
	for (size_t i = 0; i < r->nlevels; i++) {
		put_text(b, x, &col, r->levels[i].level1);
		put_num(b, x, &col, CF_NUM, r->levels[i].weight);
		put_num(b, x, &col, CF_SCORE, r->levels[i].score);
	}
	put_text(b, x, &col, "合计");
	put_num(b, x, &col, CF_NUM, r->total_weight);
	put_num(b, x, &col, CF_SCORE, r->total);
	if (x)
		x->total_row = 1;

	x = table(b, NULL);
	if (x)
		x->role = ROLE_TOTAL;
	kv_num(b, x, "总分", CF_SCORE, r->total);
	kv_text(b, x, "等级", r->grade);
	/* the evidence each base's figures were made from: its audit chain head */
	for (size_t i = 0; i < r->nbases; i++) {
		const struct rep_base *bs = &r->bases[i];
		char k[160], v[400];
		snprintf(k, sizeof(k), "审计链（%s）", bs->site_id ? bs->site_id : bs->path);
		if (bs->verify == 0)
			snprintf(v, sizeof(v), "校验完整；链头 seq %lld，hash %s", (long long)bs->head_seq,
			    bs->head_hash);
		else
			snprintf(v, sizeof(v), "%s：%s", bs->verify > 0 ? "校验未通过" : "无法校验",
			    bs->verify_text);
		kv_text(b, x, k, v);
	}
}

/* 附表: the sub-projects behind 年度资金总额 */
static void
budget_detail(struct bld *b, const struct report *r)
{
	static const char *const fund_short[FUND_SOURCES] = { "当年财政拨款", "上年结转", "其他资金" };
	int initial = !isnan(r->initial_total), source = 0;
	struct strbuf head = { 0 };
	struct block *x;
	size_t col = 0;

	for (size_t i = 0; i < r->nbudget; i++)
		source |= r->budget[i].source >= 0;
	heading(b, B_HEADING, 3, "项目资金明细（万元）");
	sb_add(&head, "子项目名称%s%s|全年预算数|全年执行数|执行率", source ? "|资金来源" : "",
	    initial ? "|年初预算数" : "");
	if (head.s == NULL) {
		b->oom = 1;
		return;
	}
	x = table(b, head.s);
	free(head.s);
	if (x)
		x->role = ROLE_BUDGET_DETAIL;
	for (size_t i = 0; i < r->nbudget; i++) {
		const struct rep_budget *y = &r->budget[i];
		put_text(b, x, &col, y->name);
		if (source)
			put_text(b, x, &col, y->source >= 0 ? fund_short[y->source] : "");
		if (initial)
			put_num(b, x, &col, CF_MONEY, y->initial / WAN);
		put_num(b, x, &col, CF_MONEY, y->budget / WAN);
		put_num(b, x, &col, CF_MONEY, y->spent / WAN);
		put_pct_vs(b, x, &col, y->budget > 0 ? y->spent / y->budget : NAN, 1.0);
	}
	put_text(b, x, &col, "合计");
	if (source)
		put_text(b, x, &col, "");
	if (initial)
		put_num(b, x, &col, CF_MONEY, r->initial_total / WAN);
	put_num(b, x, &col, CF_MONEY, r->budget_total / WAN);
	put_num(b, x, &col, CF_MONEY, r->spent_total / WAN);
	put_pct_vs(b, x, &col, r->budget_total > 0 ? r->spent_total / r->budget_total : NAN, 1.0);
	if (x)
		x->total_row = 1;
}

/* 附表: each survey question's counts */
static void
survey_detail(struct bld *b, const struct report *r)
{
	for (size_t i = 1; i < r->nrows; i++) {
		const struct rep_row *row = &r->rows[i];
		const struct survey_result *s = &row->survey;
		struct block *x;
		size_t col = 0;

		if (row->source != SRC_SURVEY || s->nquestions == 0)
			continue;
		heading(b, B_HEADING, 3, "%s：分题统计（%d 人答卷%s）", row->level3, s->respondents,
		    s->scale == SCALE_1_BEST ? "，数字答案 1 = 非常满意" :
		    s->scale == SCALE_5_BEST ? "，数字答案 5 = 非常满意" : "");
		x = table(b, "题目|有效|满意|无效|非常满意|满意|一般|不满意|非常不满意|满意率");
		if (x) {
			x->role = ROLE_SURVEY;
			x->ref = row;
		}
		for (size_t q = 0; q < s->nquestions; q++) {
			const struct survey_question *y = &s->questions[q];
			put_text(b, x, &col, y->header);
			put_num(b, x, &col, CF_INT, y->valid);
			put_num(b, x, &col, CF_INT, y->satisfied);
			put_num(b, x, &col, CF_INT, y->invalid);
			for (int k = 0; k < 5; k++)
				put_num(b, x, &col, CF_INT, y->counts[k]);
			put_pct_vs(b, x, &col, y->rate, row->target.value / 100.0);
		}
		put_text(b, x, &col, "合计");
		put_num(b, x, &col, CF_INT, s->valid);
		put_num(b, x, &col, CF_INT, s->satisfied);
		put_num(b, x, &col, CF_INT, s->invalid);
		for (int k = 0; k < 5; k++)
			put_num(b, x, &col, CF_INT, s->counts[k]);
		put_pct_vs(b, x, &col, s->valid ? (double)s->satisfied / s->valid : NAN,
		    row->target.value / 100.0);
		if (x)
			x->total_row = 1;
	}
}

static const char *
base_name(const struct rep_base *bs)
{
	return bs->site_name && *bs->site_name ? bs->site_name : bs->site_id;
}

static void
merged_summary(struct bld *b, const struct report *r)
{
	const struct rep_equipment *e = &r->eq;
	struct block *x = table(b, NULL);
	char buf[128];

	kv_num(b, x, "基地数", CF_INT, (double)r->nbases);
	kv_num(b, x, "实训鉴定设备故障（起）", CF_INT, e->faults);
	kv_num(b, x, "已修复（起）", CF_INT, e->repaired);
	kv_num(b, x, "故障修复率", CF_PCT, e->rate);
	kv_num(b, x, "24 小时内修复（起）", CF_INT, e->within_24h);
	kv_num(b, x, "72 小时内修复（起）", CF_INT, e->within_72h);
	kv_num(b, x, "平均修复时长（小时）", CF_HOURS, e->mttr_mean_hours);
	kv_num(b, x, "重复故障（起）", CF_INT, e->repeats);
	kv_num(b, x, "安全事故（起）", CF_INT, e->accidents);
	kv_num(b, x, "未遂事件（起）", CF_INT, e->near_misses);
	kv_num(b, x, "演练（起）", CF_INT, e->drills);
	kv_num(b, x, "未分类安全事件（起）", CF_INT, e->unclassified);
	kv_num(b, x, "监测覆盖率（各基地中最低）", CF_PCT, e->safety_points ? e->coverage : NAN);
	snprintf(buf, sizeof(buf), "%d / %d", e->labs_normal, e->labs);
	kv_text(b, x, "正常运转的实训室 / 实训室", buf);
}

static void
months_table(struct bld *b, const struct report *r)
{
	struct block *x;
	size_t col = 0;
	int sum = 0, all = 0;

	/* the chart counts what the 故障修复率 row counts: assessment devices'
	 * faults (and comm faults when the evaluation counts them) */
	heading(b, B_HEADING, 3, "各月实训鉴定设备故障数（计入故障修复率的 %d 起，各基地合计，按发生月份）",
	    r->eq.faults);
	x = table(b, "统计口径|1月|2月|3月|4月|5月|6月|7月|8月|9月|10月|11月|12月|合计");
	if (x)
		x->chart = CHART_MONTHS;
	put_text(b, x, &col, "计入故障修复率");
	for (int m = 0; m < 12; m++) {
		put_num(b, x, &col, CF_INT, r->eq.repair_faults_per_month[m]);
		sum += r->eq.repair_faults_per_month[m];
	}
	put_num(b, x, &col, CF_INT, sum);
	put_text(b, x, &col, "全部设备故障（含非鉴定设备）");
	for (int m = 0; m < 12; m++) {
		put_num(b, x, &col, CF_INT, r->eq.faults_per_month[m]);
		all += r->eq.faults_per_month[m];
	}
	put_num(b, x, &col, CF_INT, all);
}

static void
labs_table(struct bld *b, const struct report *r)
{
	struct block *x;
	size_t col = 0;

	heading(b, B_HEADING, 3, "各实训室可用率");
	x = table(b, "基地|实训室|可用率|运转");
	for (size_t i = 0; i < r->nbases; i++)
		for (size_t j = 0; j < r->bases[i].ind.nlabs; j++) {
			const struct ind_lab *l = &r->bases[i].ind.labs[j];
			put_text(b, x, &col, base_name(&r->bases[i]));
			put_text(b, x, &col, l->lab);
			put_pct_vs(b, x, &col, l->availability, r->normal_availability);
			put_text(b, x, &col, l->normal ? "正常运转" : "未正常运转");
		}
	if (x)
		x->chart = CHART_LABS;
}

static int
dev_cmp(const void *p, const void *q)
{
	const struct ind_device *a = *(const struct ind_device *const *)p;
	const struct ind_device *c = *(const struct ind_device *const *)q;

	if (a->faults != c->faults)
		return a->faults > c->faults ? -1 : 1;
	return strcmp(a->id, c->id);
}

static void
base_section(struct bld *b, const struct report *r, const struct rep_base *bs)
{
	const struct indicators *in = &bs->ind;
	struct block *x;
	size_t col = 0;
	char buf[160];

	heading(b, B_HEADING, 3, "基地：%s（%s）", base_name(bs), bs->site_id);
	x = table(b, NULL);
	kv_text(b, x, "数据库", bs->path);
	kv_text(b, x, "时区", *bs->timezone ? bs->timezone : "系统时区");
	snprintf(buf, sizeof(buf), "%s 至 %s（不含）", bs->from, bs->to);
	kv_text(b, x, "统计时段", buf);
	kv_text(b, x, "修复统计截止", bs->cutoff);
	kv_num(b, x, "tbmond 运行时间占比", CF_PCT, in->observed);
	kv_num(b, x, "实训鉴定设备监测覆盖率", CF_PCT, in->repair.observed);
	kv_num(b, x, "实训鉴定设备故障（起）", CF_INT, in->repair.faults);
	kv_num(b, x, "已修复（起）", CF_INT, in->repair.repaired);
	kv_num(b, x, "故障修复率", CF_PCT, in->repair.rate);
	kv_num(b, x, "24 小时内修复（起）", CF_INT, in->repair.within_24h);
	kv_num(b, x, "72 小时内修复（起）", CF_INT, in->repair.within_72h);
	kv_num(b, x, "平均修复时长（小时）", CF_HOURS, in->repair.mttr_mean_hours);
	kv_num(b, x, "修复时长中位数（小时）", CF_HOURS, in->repair.mttr_median_hours);
	kv_num(b, x, "重复故障（起）", CF_INT, in->repair.repeats);
	kv_num(b, x, "安全事故（起）", CF_INT, in->safety.accidents);
	kv_num(b, x, "未遂事件（起）", CF_INT, in->safety.near_misses);
	kv_num(b, x, "演练（起）", CF_INT, in->safety.drills);
	kv_num(b, x, "未分类安全事件（起）", CF_INT, in->safety.unclassified);
	kv_num(b, x, "安全监测点（台设备）", CF_INT, in->safety.safety_points);
	kv_num(b, x, "监测覆盖率", CF_PCT, in->safety.safety_points ? in->safety.coverage : NAN);

	x = table(b, "实训室|设备数|故障数|已修复|平均修复时长（小时）|可用率|运转|安全事件|监测覆盖率");
	for (size_t j = 0; j < in->nlabs; j++) {
		const struct ind_lab *l = &in->labs[j];
		put_text(b, x, &col, l->lab);
		put_num(b, x, &col, CF_INT, l->devices);
		put_num(b, x, &col, CF_INT, l->faults);
		put_num(b, x, &col, CF_INT, l->repaired);
		put_num(b, x, &col, CF_HOURS, l->mttr_hours);
		put_pct_vs(b, x, &col, l->availability, r->normal_availability);
		put_text(b, x, &col, l->normal ? "正常运转" : "未正常运转");
		put_num(b, x, &col, CF_INT, l->safety_events);
		put_num(b, x, &col, CF_PCT, l->safety_points ? l->coverage : NAN);
	}
	if (bs->nunrepaired > 0 || in->ndevices > 0) {
		size_t nf = 0;
		for (size_t i = 0; i < in->ndevices; i++)
			nf += in->devices[i].faults > 0;
		x = table(b, NULL);
		snprintf(buf, sizeof(buf), "有故障的设备 %zu 台、截止时未修复的实训鉴定设备故障 %zu 起，"
		    "逐条列在附表", nf, bs->nunrepaired);
		kv_text(b, x, "明细", buf);
	}
}

/* 附表: a base's devices with faults and its unrepaired faults */
static void
base_lists(struct bld *b, const struct rep_base *bs)
{
	const struct indicators *in = &bs->ind;
	const struct ind_device **devs;
	struct block *x;
	size_t col = 0, nd = 0;

	if ((devs = calloc(in->ndevices ? in->ndevices : 1, sizeof(*devs))) == NULL) {
		b->oom = 1;
		return;
	}
	for (size_t i = 0; i < in->ndevices; i++)
		if (in->devices[i].faults > 0)
			devs[nd++] = &in->devices[i];
	qsort(devs, nd, sizeof(*devs), dev_cmp);
	if (nd > 0) {
		heading(b, B_HEADING, 3, "%s：有故障的设备（%zu 台）", base_name(bs), nd);
		x = table(b, "设备|名称|实训室|实训鉴定设备|故障数|已修复|可用率|MTBF（小时）");
		for (size_t i = 0; i < nd; i++) {
			put_text(b, x, &col, devs[i]->id);
			put_text(b, x, &col, devs[i]->name);
			put_text(b, x, &col, devs[i]->lab);
			put_text(b, x, &col, devs[i]->assessment ? "是" : "否");
			put_num(b, x, &col, CF_INT, devs[i]->faults);
			put_num(b, x, &col, CF_INT, devs[i]->repaired);
			put_num(b, x, &col, CF_PCT, devs[i]->availability);
			put_num(b, x, &col, CF_HOURS, devs[i]->mtbf_hours);
		}
	}
	free(devs);
	if (bs->nunrepaired > 0) {
		heading(b, B_HEADING, 3, "%s：截止时未修复的实训鉴定设备故障（%zu 起）", base_name(bs),
		    bs->nunrepaired);
		x = table(b, "编号|设备|故障|发生时间");
		for (size_t i = 0; i < bs->nunrepaired; i++) {
			put_num(b, x, &col, CF_INT, (double)bs->unrepaired[i].id);
			put_text(b, x, &col, bs->unrepaired[i].device);
			put_text(b, x, &col, bs->unrepaired[i].label);
			put_text(b, x, &col, bs->unrepaired[i].opened);
		}
	}
}

int
doc_build(const struct report *r, struct doc *d)
{
	struct bld b = { d, SHEET_FORM, 0, 0 };
	struct block *x;

	memset(d, 0, sizeof(*d));
	/* the 项目支出绩效自评表 of 财预〔2020〕10号 */
	heading(&b, B_TITLE, 1, "项目支出绩效自评表");
	if (r->year)
		heading(&b, B_SUBTITLE, 0, "（%d年度）", r->year);
	else
		heading(&b, B_SUBTITLE, 0, "（%s）", r->period_text);
	x = table(&b, NULL);
	kv_text(&b, x, "项目名称", r->project);
	kv_text(&b, x, "主管部门", r->department);
	kv_text(&b, x, "实施单位", r->unit);
	kv_text(&b, x, "评价时段", r->period_text);
	funds_table(&b, r);
	goals_table(&b, r);
	indicator_table(&b, r);

	new_sheet(&b, SHEET_EQUIPMENT);
	heading(&b, B_HEADING, 2, "附录：设备指标（tbmon）");
	merged_summary(&b, r);
	months_table(&b, r);
	labs_table(&b, r);
	for (size_t i = 0; i < r->nbases; i++)
		base_section(&b, r, &r->bases[i]);

	new_sheet(&b, SHEET_LISTS);
	heading(&b, B_HEADING, 2, "附表");
	budget_detail(&b, r);
	survey_detail(&b, r);
	for (size_t i = 0; i < r->nbases; i++)
		base_lists(&b, &r->bases[i]);
	if (b.oom) {
		doc_free(d);
		return -1;
	}
	return 0;
}

const struct cell *
doc_cell(const struct block *b, size_t row, size_t col)
{
	return &b->cells[row * b->ncols + col];
}

int
doc_same_above(const struct block *b, size_t r, size_t c)
{
	if (r == 0 || (b->total_row && r == b->nrows - 1))
		return 0;
	for (size_t k = 0; k <= c; k++)
		if (strcmp(doc_cell(b, r, k)->text, doc_cell(b, r - 1, k)->text) != 0)
			return 0;
	return *doc_cell(b, r, c)->text != '\0';
}

void
doc_free(struct doc *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->n; i++) {
		struct block *x = &d->b[i];
		free(x->text);
		for (size_t c = 0; c < x->ncols && x->head; c++)
			free(x->head[c]);
		free(x->head);
		for (size_t k = 0; k < x->nrows * x->ncols; k++)
			free(x->cells[k].text);
		free(x->cells);
	}
	free(d->b);
	memset(d, 0, sizeof(*d));
}
