/*
 * score.c - the scoring rules of DESIGN.md (财预〔2020〕10号 self-evaluation):
 * quantitative, zero-target, reverse and qualitative rows, 预算执行率, the
 * default weights, totals per level, the grade, and the 偏差原因 drafts.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tbmreport.h"

#define MAX_LISTED 8    /* devices or labs named in one draft */

double
score_round(double v)
{
	return round(v * 100.0 + copysign(1e-9, v)) / 100.0;
}

/* Actuals are often ratios times 100 (29 / 100 * 100 = 28.999999999999996):
 * a target is met when the actual is equal up to rounding noise. */
static int
at_least(double b, double a)
{
	return b >= a - 1e-9 * fmax(1.0, fabs(a));
}

double
score_quant(enum tgt_op op, double a, double b, double w)
{
	switch (op) {
	case TOP_LE:
	case TOP_LT:
		if (a <= 0)
			return at_least(0, b) ? w : 0;
		if (at_least(a, b))
			return w;
		if (b < 2 * a)
			return w * (1.0 - (b - a) / a);
		return 0;
	case TOP_EQ:
		if (a == 0)
			return at_least(0, b) ? w : 0;
		/* FALLTHROUGH */
	case TOP_GE:
	case TOP_NONE:
		if (a <= 0)
			return at_least(b, a) ? w : 0;
		if (at_least(b, a))
			return w;
		return b > 0 ? w * b / a : 0;
	case TOP_GT:
		if (a <= 0)
			return b > a ? w : 0;
		if (at_least(b, a))
			return w;
		return b > 0 ? w * b / a : 0;
	}
	return 0;
}

/* 达成 [0.8w, w], 部分达成 [0.6w, 0.8w), 未达成 [0, 0.6w) */
static const struct {
	const char *name;
	double lo, hi;
} tiers[] = {
	[TIER_NONE] = { "", 0, 0 },
	[TIER_MET] = { "达成", 0.8, 1.0 },
	[TIER_PARTIAL] = { "部分达成", 0.6, 0.8 },
	[TIER_UNMET] = { "未达成", 0.0, 0.6 },
};

const char *
tier_name(enum tier t)
{
	return tiers[t].name;
}

int
tier_parse(const char *s)
{
	for (int i = TIER_MET; i <= TIER_UNMET; i++)
		if (strcmp(s, tiers[i].name) == 0)
			return i;
	return -1;
}

int
score_tier_rate_ok(enum tier t, double rate)
{
	if (t == TIER_MET)
		return rate >= tiers[t].lo && rate <= tiers[t].hi;
	return rate >= tiers[t].lo && rate < tiers[t].hi;
}

double
score_tier(enum tier t, double rate, double w)
{
	if (t == TIER_NONE)
		return 0;
	/* without 得分率: the top of the band, as DESIGN.md says */
	return w * (rate < 0 ? tiers[t].hi : rate);
}

const char *
score_grade(double total)
{
	total = score_round(total);
	if (total >= 90)
		return "优";
	if (total >= 80)
		return "良";
	if (total >= 60)
		return "中";
	return "差";
}

static const struct {
	const char *prefix;
	double weight;
} level_defaults[] = {
	{ "产出", 50 },
	{ "效益", 30 },
	{ "满意度", 10 },
};

int
score_weights(struct report *r, const char *file, struct diag *d)
{
	int rc = 0;

	for (size_t i = 1; i < r->nrows; i++) {
		const char *l1 = r->rows[i].level1;
		double def = -1, given = 0;
		size_t empty = 0, first = 0;
		int seen = 0;

		/* each level once, at its first row */
		for (size_t j = 1; j < i; j++)
			if (strcmp(r->rows[j].level1, l1) == 0)
				seen = 1;
		if (seen)
			continue;
		for (size_t k = 0; k < sizeof(level_defaults) / sizeof(level_defaults[0]); k++)
			if (strncmp(l1, level_defaults[k].prefix, strlen(level_defaults[k].prefix)) == 0)
				def = level_defaults[k].weight;
		for (size_t j = i; j < r->nrows; j++) {
			if (strcmp(r->rows[j].level1, l1) != 0)
				continue;
			if (r->rows[j].weight_given)
				given += r->rows[j].weight;
			else if (empty++ == 0)
				first = j;
		}
		if (empty == 0)
			continue;
		if (def < 0) {
			diag_add(d, file, r->rows[first].line, _("%s has an empty 分值 and no default weight "
			    "(产出 50, 效益 30, 满意度 10): fill in its 分值"), l1);
			rc = -1;
			continue;
		}
		if (given > def + 1e-9) {
			diag_add(d, file, r->rows[first].line, _("%s has an empty 分值, but of its default weight "
			    "%g its other rows already take %g"), l1, def, given);
			rc = -1;
			continue;
		}
		for (size_t j = i; j < r->nrows; j++)
			if (strcmp(r->rows[j].level1, l1) == 0 && !r->rows[j].weight_given)
				r->rows[j].weight = (def - given) / (double)empty;
	}
	return rc;
}

/* ---- 偏差原因 drafts: what the data shows, for people to complete ---- */

static const char todo[] = "原因分析及改进措施：（待补充）";

static void
draft_quant(const struct rep_row *row, struct strbuf *b)
{
	char pct[64];

	if (row->target.value > 0)
		fmt_pct(row->value / row->target.value, pct, sizeof(pct));
	else
		snprintf(pct, sizeof(pct), "—");
	if (row->over)
		sb_add(b, "实际完成 %s，为目标值 %s 的 %s，明显超出目标；请说明原因，并评估年度目标"
		    "是否设定偏低。", row->actual_text, row->target_text, pct);
	else if (row->target.op == TOP_LE || row->target.op == TOP_LT ||
	    (row->target.op == TOP_EQ && row->target.value == 0))
		sb_add(b, "实际 %s，超出目标 %s。%s", row->actual_text, row->target_text, todo);
	else
		sb_add(b, "实际完成 %s，未达到目标 %s（完成目标值的 %s）。%s", row->actual_text,
		    row->target_text, pct, todo);
}

static void
draft_survey(const struct rep_row *row, struct strbuf *b)
{
	const struct survey_result *s = &row->survey;

	if (row->over) {
		draft_quant(row, b);
		return;
	}
	sb_add(b, "满意率 %s，低于目标 %s：有效答卷 %d 份，其中非常满意 %d、满意 %d、一般 %d、"
	    "不满意 %d、非常不满意 %d；无效答卷 %d 份。%s", row->actual_text, row->target_text,
	    s->valid, s->counts[0], s->counts[1], s->counts[2], s->counts[3], s->counts[4],
	    s->invalid, todo);
}

static void
draft_budget(const struct report *r, const struct rep_row *row, struct strbuf *b)
{
	char gap[64], pct[64];
	int listed = 0;

	fmt_num(r->budget_total - r->spent_total, gap, sizeof(gap));
	if (row->over) {
		sb_add(b, "执行数超出预算（%s）。请说明超支原因。", row->actual_text);
		return;
	}
	sb_add(b, "预算执行率 %s，尚有 %s 元未执行", row->actual_text, gap);
	for (size_t i = 0; i < r->nbudget; i++) {
		const struct rep_budget *x = &r->budget[i];
		if (x->budget <= 0 || x->spent >= x->budget)
			continue;
		fmt_pct(x->spent / x->budget, pct, sizeof(pct));
		sb_add(b, "%s%s %s", listed++ ? "、" : "；执行不足的子项目：", x->name, pct);
	}
	sb_add(b, "。%s", todo);
}

static const char *
base_label(const struct report *r, const struct rep_base *bs)
{
	if (r->nbases <= 1)
		return "";
	return bs->site_name ? bs->site_name : bs->site_id ? bs->site_id : bs->path;
}

static void
draft_repair(const struct report *r, const struct rep_row *row, struct strbuf *b)
{
	size_t listed = 0, total = 0;

	sb_add(b, "期内实训鉴定设备故障 %d 起，截至统计截止时已修复 %d 起，修复率 %s", r->eq.faults,
	    r->eq.repaired, row->actual_text);
	for (size_t i = 0; i < r->nbases; i++) {
		const struct rep_base *bs = &r->bases[i];
		for (size_t j = 0; j < bs->nunrepaired; j++, total++) {
			const struct rep_unrepaired *u = &bs->unrepaired[j];
			if (listed >= MAX_LISTED)
				continue;
			sb_add(b, "%s%s%s%s（%s%s%s）", listed ? "、" : "；未修复：", base_label(r, bs),
			    *base_label(r, bs) ? " " : "", u->device, u->label ? u->label : "",
			    u->label ? "，" : "", u->opened);
			listed++;
		}
	}
	if (total > listed)
		sb_add(b, " 等 %zu 起", total);
	sb_add(b, "。%s", todo);
}

static void
draft_safety(const struct report *r, const struct rep_row *row, struct strbuf *b)
{
	const struct rep_equipment *e = &r->eq;
	char cov[64], gap[64];

	if (!row->met) {
		sb_add(b, "期内发生安全事故 %d 起", e->accidents);
		if (r->nbases > 1)
			for (size_t i = 0; i < r->nbases; i++)
				sb_add(b, "%s%s %d 起", i ? "、" : "（", base_label(r, &r->bases[i]),
				    r->bases[i].ind.safety.accidents);
		sb_add(b, "%s；另有未遂事件 %d 起、演练 %d 起。%s", r->nbases > 1 ? "）" : "",
		    e->near_misses, e->drills, todo);
	}
	if (e->provisional)
		sb_add(b, "%s暂定数：尚有 %d 起安全事件未分类，分类后数字可能变化。", b->len ? " " : "",
		    e->unclassified);
	if (e->safety_points > 0 && e->coverage < LOW_COVERAGE) {
		fmt_pct_vs(e->coverage, LOW_COVERAGE, cov, sizeof(cov));
		fmt_pct(1.0 - e->coverage, gap, sizeof(gap));
		sb_add(b, "%s监测覆盖率 %s：期内有 %s 的时间并非全部安全点都在监测之中，零事故的说服力"
		    "相应降低。", b->len ? " " : "", cov, gap);
	}
}

static void
draft_labs(const struct report *r, struct strbuf *b)
{
	char av[64], lim[64];
	int listed = 0;

	fmt_pct(r->normal_availability, lim, sizeof(lim));
	sb_add(b, "%d 个实训室中 %d 个可用率达到 %s", r->eq.labs, r->eq.labs_normal, lim);
	for (size_t i = 0; i < r->nbases; i++) {
		const struct rep_base *bs = &r->bases[i];
		for (size_t j = 0; j < bs->ind.nlabs; j++) {
			const struct ind_lab *l = &bs->ind.labs[j];
			if (l->normal)
				continue;
			fmt_pct_vs(l->availability, r->normal_availability, av, sizeof(av));
			if (listed < MAX_LISTED)
				sb_add(b, "%s%s%s%s %s（故障 %d 起）", listed ? "、" : "；未达到的：",
				    base_label(r, bs), *base_label(r, bs) ? " " : "", l->lab, av, l->faults);
			listed++;
		}
	}
	sb_add(b, "。%s", todo);
}

static char *
draft(const struct report *r, const struct rep_row *row)
{
	struct strbuf b = { 0 };
	int need = !row->met || row->over;

	if (row->note != NULL && row->note[0] != '\0')
		return strdup(row->note);   /* people have written it already */
	if (row->no_data) {
		sb_add(&b, "%s：监测不足以评价本项。%s", row->actual_text, todo);
		return b.s ? b.s : strdup("");
	}
	switch (row->source) {
	case SRC_BUDGET:
		if (need)
			draft_budget(r, row, &b);
		break;
	case SRC_SURVEY:
		if (need)
			draft_survey(row, &b);
		break;
	case SRC_EQ_REPAIR:
		if (need)
			draft_repair(r, row, &b);
		break;
	case SRC_EQ_SAFETY:
		draft_safety(r, row, &b);   /* also when met: provisional or low coverage */
		break;
	case SRC_EQ_LAB:
		if (need)
			draft_labs(r, &b);
		break;
	case SRC_FIGURES:
		if (!need)
			break;
		if (row->target.quantitative)
			draft_quant(row, &b);
		else
			sb_add(&b, "评定为%s。%s", tier_name(row->tier), todo);
		break;
	}
	return b.s ? b.s : strdup("");
}

static void
add_level(struct report *r, const struct rep_row *row)
{
	struct rep_level *l = NULL;

	for (size_t i = 0; i < r->nlevels; i++)
		if (strcmp(r->levels[i].level1, row->level1) == 0)
			l = &r->levels[i];
	if (l == NULL) {
		/* levels has room for every row (allocated by score_report) */
		l = &r->levels[r->nlevels++];
		l->level1 = row->level1;
		l->weight = l->score = 0;
	}
	l->weight += row->weight;
	l->score = score_round(l->score + row->score);
}

int
score_report(struct report *r)
{
	free(r->levels);
	r->nlevels = 0;
	if ((r->levels = calloc(r->nrows ? r->nrows : 1, sizeof(*r->levels))) == NULL)
		return -1;
	r->total = r->total_weight = 0;
	for (size_t i = 0; i < r->nrows; i++) {
		struct rep_row *row = &r->rows[i];
		double full;

		if (row->source == SRC_BUDGET) {
			double q = r->budget_total > 0 ? r->spent_total / r->budget_total : 0;
			row->score = score_round(row->weight * (q < 1 ? q : 1));
			row->met = q >= 1 - 1e-12;
			row->over = q >= OVER_FACTOR;
		} else if (row->no_data) {
			/* 数据不足: an unobserved period earns nothing */
			row->score = 0;
			row->met = 0;
			row->over = 0;
		} else if (row->has_value) {
			enum tgt_op op = row->target.op;
			double a = row->target.value;
			full = score_quant(op, a, row->value, row->weight);
			row->score = score_round(full);
			row->met = full >= row->weight - 1e-9;
			row->over = a > 0 && op != TOP_LE && op != TOP_LT &&
			    row->value >= OVER_FACTOR * a;
		} else {
			row->score = score_round(score_tier(row->tier, row->rate_given, row->weight));
			row->met = row->tier == TIER_MET;
			row->over = 0;
		}
		free(row->deviation);
		if ((row->deviation = draft(r, row)) == NULL)
			return -1;
		add_level(r, row);
	}
	for (size_t i = 0; i < r->nlevels; i++) {
		r->total += r->levels[i].score;
		r->total_weight += r->levels[i].weight;
	}
	r->total = score_round(r->total);
	r->grade = score_grade(r->total);
	return 0;
}
