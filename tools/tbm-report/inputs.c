/*
 * inputs.c - targets.csv, figures.csv, the survey files and budget.csv
 * turned into the report's rows and 项目资金 table, with every bad row
 * reported and nothing guessed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tbmreport.h"

static const struct {
	const char *name;
	enum row_source src;
} sources[] = {
	{ "figures", SRC_FIGURES },
	{ "survey", SRC_SURVEY },
	{ "equipment:repair_rate", SRC_EQ_REPAIR },
	{ "equipment:safety_accidents", SRC_EQ_SAFETY },
	{ "equipment:lab_operation", SRC_EQ_LAB },
};

static struct rep_row *
find_row(struct report *r, const char *level3)
{
	for (size_t i = 1; i < r->nrows; i++)
		if (strcmp(r->rows[i].level3, level3) == 0)
			return &r->rows[i];
	return NULL;
}

static int
add_budget_row(struct report *r)
{
	struct rep_row *row = &r->rows[r->nrows++];

	memset(row, 0, sizeof(*row));
	row->source = SRC_BUDGET;
	row->level1 = strdup("预算执行率");
	row->level2 = strdup("");
	row->level3 = strdup("");
	row->target_text = strdup("100%");
	row->target.quantitative = 1;
	row->target.value = 100;
	snprintf(row->target.unit, sizeof(row->target.unit), "%%");
	row->weight = BUDGET_WEIGHT;
	row->weight_given = 1;
	row->rate_given = -1;
	return row->level1 && row->level2 && row->level3 && row->target_text ? 0 : -1;
}

/* 0 ok, 1 the file could not be used (reported), -1 out of memory */
static int
load_targets(const char *file, struct report *r, struct diag *d)
{
	static const char *const need[] = { "一级指标", "二级指标", "三级指标", "指标值", "分值",
		"来源" };
	struct csv_table t;
	int col[6], used[SRC_EQ_LAB + 1] = { 0 };
	char err[256];

	if (csvin_read(file, need, 6, NULL, 0, 0, &t, col, d) != 0)
		return 1;
	if ((r->rows = calloc(t.nrows + 1, sizeof(*r->rows))) == NULL || add_budget_row(r) != 0) {
		csvin_free(&t);
		return -1;
	}
	for (size_t i = 0; i < t.nrows; i++) {
		char **f = t.rows[i].f;
		int line = t.rows[i].line, bad = 0, src = -1;
		struct target tg;
		double w = 0;

		if (*f[col[0]] == '\0' || *f[col[2]] == '\0') {
			diag_add(d, file, line, "一级指标 and 三级指标 must not be empty");
			continue;
		}
		if (find_row(r, f[col[2]]) != NULL) {
			diag_add(d, file, line, "%s appears twice", f[col[2]]);
			continue;
		}
		if (target_parse(f[col[3]], &tg, err, sizeof(err)) != 0) {
			diag_add(d, file, line, "指标值 %s", err);
			bad = 1;
		}
		if (*f[col[4]] != '\0' && number_parse(f[col[4]], &w) != 0) {
			diag_add(d, file, line, "分值 '%s' is not a number", f[col[4]]);
			bad = 1;
		}
		for (size_t k = 0; k < sizeof(sources) / sizeof(sources[0]); k++)
			if (strcmp(f[col[5]], sources[k].name) == 0)
				src = (int)sources[k].src;
		if (src < 0) {
			diag_add(d, file, line, "来源 '%s' is not one of figures, survey, "
			    "equipment:repair_rate, equipment:safety_accidents, "
			    "equipment:lab_operation", f[col[5]]);
			bad = 1;
		} else if (src >= SRC_EQ_REPAIR && used[src]) {
			diag_add(d, file, line, "来源 %s is already used on line %d", f[col[5]], used[src]);
			bad = 1;
		}
		if (bad)
			continue;
		if ((src == SRC_SURVEY || src == SRC_EQ_REPAIR) &&
		    (!tg.quantitative || strcmp(tg.unit, "%") != 0)) {
			diag_add(d, file, line, "来源 %s needs a percentage as 指标值, not '%s'",
			    f[col[5]], f[col[3]]);
			continue;
		}
		if (src == SRC_EQ_SAFETY && (!tg.quantitative || strcmp(tg.unit, "%") == 0)) {
			diag_add(d, file, line, "来源 %s needs a count as 指标值 (=0), not '%s'",
			    f[col[5]], f[col[3]]);
			continue;
		}
		if (src == SRC_EQ_LAB && tg.quantitative) {
			diag_add(d, file, line, "来源 %s is judged, not counted: its 指标值 is a text "
			    "(正常运转), not '%s'", f[col[5]], f[col[3]]);
			continue;
		}
		if (src >= SRC_EQ_REPAIR)
			used[src] = line;
		{
			struct rep_row *row = &r->rows[r->nrows];
			memset(row, 0, sizeof(*row));
			row->level1 = strdup(f[col[0]]);
			row->level2 = strdup(f[col[1]]);
			row->level3 = strdup(f[col[2]]);
			row->target_text = strdup(f[col[3]]);
			row->target = tg;
			row->source = (enum row_source)src;
			row->line = line;
			row->weight = w;
			row->weight_given = *f[col[4]] != '\0';
			row->rate_given = -1;
			r->nrows++;
			if (!row->level1 || !row->level2 || !row->level3 || !row->target_text) {
				csvin_free(&t);
				return -1;
			}
		}
	}
	csvin_free(&t);
	if (r->nrows == 1)
		diag_add(d, file, 0, "no indicators");
	return 0;
}

static int
parse_rate(const char *s, double *v)
{
	char buf[64];
	size_t n = strlen(s);

	if (n > 0 && n < sizeof(buf) && s[n - 1] == '%') {
		memcpy(buf, s, n - 1);
		buf[n - 1] = '\0';
		if (number_parse(buf, v) != 0)
			return -1;
		*v /= 100.0;
		return 0;
	}
	return number_parse(s, v);
}

static int
load_figures(const char *file, struct report *r, struct diag *d)
{
	static const char *const need[] = { "三级指标", "实际完成值", "等级", "说明" };
	static const char *const opt[] = { "得分率" };
	struct csv_table t;
	int col[5], *seen;
	char err[256];

	if (csvin_read(file, need, 4, opt, 1, 0, &t, col, d) != 0)
		return -1;
	if ((seen = calloc(r->nrows, sizeof(*seen))) == NULL) {
		csvin_free(&t);
		return -1;
	}
	for (size_t i = 0; i < t.nrows; i++) {
		char **f = t.rows[i].f;
		const char *rate = col[4] >= 0 ? f[col[4]] : "";
		int line = t.rows[i].line;
		struct rep_row *row = find_row(r, f[col[0]]);
		size_t idx;

		if (row == NULL) {
			diag_add(d, file, line, "'%s' is not a 三级指标 of the targets", f[col[0]]);
			continue;
		}
		idx = (size_t)(row - r->rows);
		if (row->source != SRC_FIGURES) {
			diag_add(d, file, line, "%s is measured (来源 %s in the targets), not taken "
			    "from figures", row->level3, row->source == SRC_SURVEY ? "survey" :
			    "equipment");
			continue;
		}
		if (seen[idx]) {
			diag_add(d, file, line, "%s already has a value on line %d", row->level3,
			    seen[idx]);
			continue;
		}
		seen[idx] = line;
		if (*f[col[1]] == '\0') {
			diag_add(d, file, line, "%s: empty 实际完成值", row->level3);
			continue;
		}
		if (row->target.quantitative) {
			if (actual_parse(f[col[1]], &row->target, &row->value, err, sizeof(err)) != 0) {
				diag_add(d, file, line, "实际完成值 %s", err);
				continue;
			}
			if (*f[col[2]] != '\0' || *rate != '\0') {
				diag_add(d, file, line, "%s has a number as target: 等级 and 得分率 are for "
				    "qualitative rows", row->level3);
				continue;
			}
			row->has_value = 1;
		} else {
			int tier = tier_parse(f[col[2]]);
			if (tier < 0) {
				diag_add(d, file, line, "等级 '%s' is not 达成, 部分达成 or 未达成",
				    f[col[2]]);
				continue;
			}
			row->tier = (enum tier)tier;
			if (*rate != '\0') {
				double v;
				if (parse_rate(rate, &v) != 0 || !score_tier_rate_ok(row->tier, v)) {
					diag_add(d, file, line, "得分率 '%s' is not within %s's band (达成 "
					    "0.8–1, 部分达成 0.6–0.8, 未达成 0–0.6)", rate, f[col[2]]);
					continue;
				}
				row->rate_given = v;
			}
		}
		if ((row->actual_text = strdup(f[col[1]])) == NULL ||
		    (*f[col[3]] && (row->note = strdup(f[col[3]])) == NULL))
			goto oom;
	}
	free(seen);
	csvin_free(&t);
	return 0;
oom:
	free(seen);
	csvin_free(&t);
	return -1;
}

static const char *const answers[] = { "非常满意", "满意", "一般", "不满意", "非常不满意" };

int
survey_answer(const char *s, int *index)
{
	for (int i = 0; i < 5; i++)
		if (strcmp(s, answers[i]) == 0) {
			*index = i;
			return i < 2;
		}
	if (s[0] >= '1' && s[0] <= '5' && s[1] == '\0') {
		*index = '5' - s[0];
		return *index < 2;
	}
	return -1;
}

static int
load_survey(const struct eval_survey *sv, const char *efpath, struct report *r, struct diag *d)
{
	static const char *const need[] = { "满意度" };
	struct rep_row *row = find_row(r, sv->name);
	struct survey_result *s;
	struct csv_table t;
	char pct[64];
	int col[1];

	if (row == NULL) {
		diag_add(d, efpath, sv->line, "[survey %s]: no such 三级指标 in the targets", sv->name);
		return 0;
	}
	if (row->source != SRC_SURVEY) {
		diag_add(d, efpath, sv->line, "[survey %s]: its 来源 in the targets is not survey",
		    sv->name);
		return 0;
	}
	if (csvin_read(sv->file, need, 1, NULL, 0, 1, &t, col, d) != 0)
		return 0;
	s = &row->survey;
	memset(s, 0, sizeof(*s));
	if ((s->file = strdup(sv->file)) == NULL) {
		csvin_free(&t);
		return -1;
	}
	for (size_t i = 0; i < t.nrows; i++) {
		int k, sat = survey_answer(t.rows[i].f[col[0]], &k);
		s->respondents++;
		if (sat < 0) {
			s->invalid++;
			continue;
		}
		s->valid++;
		s->counts[k]++;
		s->satisfied += sat;
	}
	csvin_free(&t);
	if (s->valid == 0) {
		diag_add(d, sv->file, 0, "no valid answers (非常满意/满意/一般/不满意/非常不满意 or 1–5) "
		    "among %d respondents", s->respondents);
		return 0;
	}
	s->rate = 100.0 * s->satisfied / s->valid;
	row->has_value = 1;
	row->value = s->rate;
	fmt_pct(s->rate / 100.0, pct, sizeof(pct));
	row->actual_text = xasprintf("%s（%d 人答卷，有效 %d，满意 %d，无效 %d）", pct,
	    s->respondents, s->valid, s->satisfied, s->invalid);
	return row->actual_text ? 0 : -1;
}

static int
load_budget(const char *file, struct report *r, struct diag *d)
{
	static const char *const need[] = { "子项目名称", "全年预算数", "全年执行数" };
	struct csv_table t;
	int col[3];

	if (csvin_read(file, need, 3, NULL, 0, 0, &t, col, d) != 0)
		return 0;
	if ((r->budget = calloc(t.nrows ? t.nrows : 1, sizeof(*r->budget))) == NULL) {
		csvin_free(&t);
		return -1;
	}
	for (size_t i = 0; i < t.nrows; i++) {
		char **f = t.rows[i].f;
		struct rep_budget *b = &r->budget[r->nbudget];
		int line = t.rows[i].line, bad = 0;

		if (*f[col[0]] == '\0') {
			diag_add(d, file, line, "empty 子项目名称");
			bad = 1;
		}
		if (number_parse(f[col[1]], &b->budget) != 0) {
			diag_add(d, file, line, "全年预算数 '%s' is not a number", f[col[1]]);
			bad = 1;
		}
		if (number_parse(f[col[2]], &b->spent) != 0) {
			diag_add(d, file, line, "全年执行数 '%s' is not a number", f[col[2]]);
			bad = 1;
		}
		if (bad)
			continue;
		if ((b->name = strdup(f[col[0]])) == NULL) {
			csvin_free(&t);
			return -1;
		}
		b->line = line;
		r->budget_total += b->budget;
		r->spent_total += b->spent;
		r->nbudget++;
	}
	csvin_free(&t);
	if (r->nbudget == 0 || r->budget_total <= 0)
		diag_add(d, file, 0, "no budget: at least one 子项目 with a 全年预算数 above 0");
	return 0;
}

int
inputs_load(const struct evalfile *ef, struct report *r, struct diag *d)
{
	int need_figures = 0, rc;
	char pct[64];

	if ((rc = load_targets(ef->targets, r, d)) != 0) {
		if (rc < 0)
			goto oom;
		return -1;   /* nothing to fill without the targets */
	}
	if (score_weights(r, ef->targets, d) != 0)
		return -1;
	for (size_t i = 1; i < r->nrows; i++)
		need_figures |= r->rows[i].source == SRC_FIGURES;
	if (need_figures && ef->figures == NULL)
		diag_add(d, ef->path, 0, "figures = is missing (the targets take rows from it)");
	else if (ef->figures != NULL && load_figures(ef->figures, r, d) != 0)
		goto oom;
	for (size_t i = 0; i < ef->nsurveys; i++)
		if (ef->surveys[i].file && load_survey(&ef->surveys[i], ef->path, r, d) != 0)
			goto oom;
	for (size_t i = 1; i < r->nrows; i++) {
		const struct rep_row *row = &r->rows[i];
		if (row->source == SRC_FIGURES && ef->figures && row->actual_text == NULL)
			diag_add(d, ef->targets, row->line, "%s: no row in %s", row->level3,
			    ef->figures);
		if (row->source != SRC_SURVEY || row->survey.file)
			continue;
		{
			int declared = 0;
			for (size_t j = 0; j < ef->nsurveys; j++)
				declared |= strcmp(ef->surveys[j].name, row->level3) == 0;
			if (!declared)
				diag_add(d, ef->targets, row->line, "%s: no [survey %s] in %s",
				    row->level3, row->level3, ef->path);
		}
	}
	if (load_budget(ef->budget, r, d) != 0)
		goto oom;
	if (r->budget_total > 0) {
		fmt_pct(r->spent_total / r->budget_total, pct, sizeof(pct));
		if ((r->rows[0].actual_text = strdup(pct)) == NULL)
			goto oom;
		r->rows[0].has_value = 1;
		r->rows[0].value = 100.0 * r->spent_total / r->budget_total;
	}
	return 0;
oom:
	diag_add(d, NULL, 0, "out of memory");
	return -1;
}
