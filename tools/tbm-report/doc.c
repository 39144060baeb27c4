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
	int oom;
};

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
	case CF_MONEY: snprintf(buf, sizeof(buf), "%.2f", v); break;
	case CF_HOURS: fmt_hours(v, buf, sizeof(buf)); break;
	default: fmt_num(v, buf, sizeof(buf)); break;
	}
	if (isnan(v))
		c->fmt = CF_TEXT;
	if ((c->text = strdup(buf)) == NULL)
		b->oom = 1;
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

static void
budget_table(struct bld *b, const struct report *r)
{
	struct block *x;
	size_t col = 0;

	heading(b, B_HEADING, 2, "项目资金");
	x = table(b, "子项目名称|全年预算数（元）|全年执行数（元）|执行率");
	for (size_t i = 0; i < r->nbudget; i++) {
		const struct rep_budget *y = &r->budget[i];
		put_text(b, x, &col, y->name);
		put_num(b, x, &col, CF_MONEY, y->budget);
		put_num(b, x, &col, CF_MONEY, y->spent);
		put_num(b, x, &col, CF_PCT, y->budget > 0 ? y->spent / y->budget : NAN);
	}
	put_text(b, x, &col, "合计");
	put_num(b, x, &col, CF_MONEY, r->budget_total);
	put_num(b, x, &col, CF_MONEY, r->spent_total);
	put_num(b, x, &col, CF_PCT, r->budget_total > 0 ? r->spent_total / r->budget_total : NAN);
	if (x)
		x->total_row = 1;
}

static void
indicator_table(struct bld *b, const struct report *r)
{
	struct block *x;
	size_t col = 0;
	char grade[64];

	heading(b, B_HEADING, 2, "绩效指标完成情况");
	if (r->eq.nwarnings > 0) {
		/* rows whose figure the watching cannot support, before anyone reads the table */
		x = table(b, NULL);
		for (int i = 0; i < r->eq.nwarnings; i++)
			kv_text(b, x, "注意", r->eq.warnings[i]);
	}
	x = table(b, "一级指标|二级指标|三级指标|年度指标值|实际完成值|分值|得分|偏差原因分析及改进措施");
	if (x)
		x->indicators = 1;
	for (size_t i = 0; i < r->nrows; i++) {
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
	int sum = 0;

	heading(b, B_HEADING, 3, "各月故障数（各基地合计，按发生月份）");
	x = table(b, "1月|2月|3月|4月|5月|6月|7月|8月|9月|10月|11月|12月|合计");
	for (int m = 0; m < 12; m++) {
		put_num(b, x, &col, CF_INT, r->eq.faults_per_month[m]);
		sum += r->eq.faults_per_month[m];
	}
	put_num(b, x, &col, CF_INT, sum);
	if (x)
		x->chart = CHART_MONTHS;
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
			put_num(b, x, &col, CF_PCT, l->availability);
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
	const struct ind_device **devs;
	struct block *x;
	size_t col = 0, nd = 0;
	char buf[160];

	(void)r;
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
		put_num(b, x, &col, CF_PCT, l->availability);
		put_text(b, x, &col, l->normal ? "正常运转" : "未正常运转");
		put_num(b, x, &col, CF_INT, l->safety_events);
		put_num(b, x, &col, CF_PCT, l->safety_points ? l->coverage : NAN);
	}

	if ((devs = calloc(in->ndevices ? in->ndevices : 1, sizeof(*devs))) == NULL) {
		b->oom = 1;
		return;
	}
	for (size_t i = 0; i < in->ndevices; i++)
		if (in->devices[i].faults > 0)
			devs[nd++] = &in->devices[i];
	qsort(devs, nd, sizeof(*devs), dev_cmp);
	if (nd > 0) {
		heading(b, B_HEADING, 4, "%s：有故障的设备", base_name(bs));
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
		heading(b, B_HEADING, 4, "%s：截止时未修复的实训鉴定设备故障", base_name(bs));
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
	struct bld b = { d, 0, 0 };
	struct block *x;

	memset(d, 0, sizeof(*d));
	heading(&b, B_TITLE, 1, "%s 绩效自评表", r->policy);
	x = table(&b, NULL);
	kv_text(&b, x, "政策名称", r->policy);
	kv_text(&b, x, "主管部门", r->department);
	kv_text(&b, x, "评价时段", r->period_text);
	budget_table(&b, r);
	indicator_table(&b, r);
	b.sheet = 1;
	heading(&b, B_HEADING, 2, "附录：设备指标（tbmon）");
	merged_summary(&b, r);
	months_table(&b, r);
	labs_table(&b, r);
	for (size_t i = 0; i < r->nbases; i++)
		base_section(&b, r, &r->bases[i]);
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
