/*
 * inputs.c - targets.csv, figures.csv, the survey files and budget.csv
 * turned into the report's rows and 项目资金 table, with every bad row
 * reported and nothing guessed.
 */
#include <math.h>
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
			diag_add(d, file, line, _("一级指标 and 三级指标 must not be empty"));
			continue;
		}
		if (find_row(r, f[col[2]]) != NULL) {
			diag_add(d, file, line, _("'%s' appears twice"), f[col[2]]);
			continue;
		}
		if (target_parse(f[col[3]], &tg, err, sizeof(err)) != 0) {
			diag_add(d, file, line, _("指标值 %s"), err);
			bad = 1;
		}
		if (*f[col[4]] != '\0' && number_parse(f[col[4]], &w) != 0) {
			diag_add(d, file, line, _("分值 '%s' is not a number"), f[col[4]]);
			bad = 1;
		}
		for (size_t k = 0; k < sizeof(sources) / sizeof(sources[0]); k++)
			if (strcmp(f[col[5]], sources[k].name) == 0)
				src = (int)sources[k].src;
		if (src < 0) {
			diag_add(d, file, line, _("来源 '%s' is not one of figures, survey, "
			    "equipment:repair_rate, equipment:safety_accidents, "
			    "equipment:lab_operation"), f[col[5]]);
			bad = 1;
		} else if (src >= SRC_EQ_REPAIR && used[src]) {
			diag_add(d, file, line, _("来源 %s is already used on line %d"), f[col[5]], used[src]);
			bad = 1;
		}
		if (bad)
			continue;
		if ((src == SRC_SURVEY || src == SRC_EQ_REPAIR) &&
		    (!tg.quantitative || strcmp(tg.unit, "%") != 0)) {
			diag_add(d, file, line, _("来源 %s needs a percentage as its 指标值, not '%s'"),
			    f[col[5]], f[col[3]]);
			continue;
		}
		if (src == SRC_EQ_SAFETY && (!tg.quantitative || strcmp(tg.unit, "%") == 0)) {
			diag_add(d, file, line, _("来源 %s needs a count (=0) as its 指标值, not '%s'"),
			    f[col[5]], f[col[3]]);
			continue;
		}
		if (src == SRC_EQ_LAB && tg.quantitative) {
			diag_add(d, file, line, _("来源 %s is a judgement, not a count: its 指标值 "
			    "is text (正常运转), not '%s'"), f[col[5]], f[col[3]]);
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
		diag_add(d, file, 0, "%s", _("no indicators"));
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
			diag_add(d, file, line, _("'%s' is not a 三级指标 of the targets"), f[col[0]]);
			continue;
		}
		idx = (size_t)(row - r->rows);
		if (row->source != SRC_FIGURES) {
			diag_add(d, file, line, _("%s is measured (its 来源 in the targets is %s), "
			    "not taken from figures"), row->level3, row->source == SRC_SURVEY ? "survey" :
			    "equipment");
			continue;
		}
		if (seen[idx]) {
			diag_add(d, file, line, _("%s is already given on line %d"), row->level3,
			    seen[idx]);
			continue;
		}
		seen[idx] = line;
		if (*f[col[1]] == '\0') {
			diag_add(d, file, line, _("%s: 实际完成值 is empty"), row->level3);
			continue;
		}
		if (row->target.quantitative) {
			if (actual_parse(f[col[1]], &row->target, &row->value, err, sizeof(err)) != 0) {
				diag_add(d, file, line, _("实际完成值 %s"), err);
				continue;
			}
			if (*f[col[2]] != '\0' || *rate != '\0') {
				diag_add(d, file, line, _("%s has a number as its target: 等级 and 得分率 "
				    "are only for qualitative rows"), row->level3);
				continue;
			}
			row->has_value = 1;
		} else {
			int tier = tier_parse(f[col[2]]);
			if (tier < 0) {
				diag_add(d, file, line, _("等级 '%s' is not 达成, 部分达成 or 未达成"),
				    f[col[2]]);
				continue;
			}
			row->tier = (enum tier)tier;
			if (*rate != '\0') {
				double v;
				if (parse_rate(rate, &v) != 0 || !score_tier_rate_ok(row->tier, v)) {
					diag_add(d, file, line, _("得分率 '%s' is outside the band of %s "
					    "(达成 0.8–1, 部分达成 0.6–0.8, 未达成 0–0.6)"), rate, f[col[2]]);
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

/* The five-point scale in words, as survey sites and paper forms write it. */
static const struct {
	const char *word;
	int k;
} words[] = {
	{ "非常满意", 0 }, { "很满意", 0 },
	{ "满意", 1 }, { "比较满意", 1 }, { "较满意", 1 },
	{ "一般", 2 }, { "基本满意", 2 },
	{ "不满意", 3 }, { "不太满意", 3 }, { "较不满意", 3 }, { "比较不满意", 3 },
	{ "非常不满意", 4 }, { "很不满意", 4 },
};

/* s without spaces around it (ASCII and U+3000), into buf */
static const char *
trim(const char *s, char *buf, size_t len)
{
	size_t n;

	for (;;) {
		if (*s == ' ' || *s == '\t')
			s++;
		else if (strncmp(s, "\xE3\x80\x80", 3) == 0)
			s += 3;
		else
			break;
	}
	n = strlen(s);
	for (;;) {
		if (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		else if (n >= 3 && memcmp(s + n - 3, "\xE3\x80\x80", 3) == 0)
			n -= 3;
		else
			break;
	}
	snprintf(buf, len, "%.*s", (int)n, s);
	return buf;
}

int
survey_word(const char *s)
{
	char buf[64];

	trim(s, buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(buf, words[i].word) == 0)
			return words[i].k;
	return -1;
}

int
survey_answer(const char *s, enum survey_scale scale, unsigned satisfied, int *index)
{
	char buf[64];
	int k = survey_word(s);

	trim(s, buf, sizeof(buf));
	if (k < 0 && buf[0] >= '1' && buf[0] <= '5' && buf[1] == '\0') {
		if (scale == SCALE_NONE)
			return -2;
		k = scale == SCALE_5_BEST ? '5' - buf[0] : buf[0] - '1';
	}
	if (k < 0)
		return -1;
	*index = k;
	return (satisfied >> k) & 1u;
}

/* The survey's questions: the columns it names, or every header with 满意. */
static int
survey_columns(const struct eval_survey *sv, const char *efpath, const struct csv_table *t,
    int *qcol, size_t *nq, struct diag *d)
{
	struct strbuf heads = { 0 };
	int rc = 0;

	*nq = 0;
	for (size_t c = 0; c < t->ncols; c++)
		sb_add(&heads, "%s%s", c ? "、" : "", t->header[c]);
	if (sv->ncolumns > 0) {
		for (size_t i = 0; i < sv->ncolumns; i++) {
			int found = -1;
			char h[512];
			for (size_t c = 0; c < t->ncols && found < 0; c++)
				if (strcmp(trim(t->header[c], h, sizeof(h)), sv->columns[i]) == 0)
					found = (int)c;
			if (found < 0) {
				diag_add(d, efpath, sv->columns_line, _("[survey %s] columns: %s has no column '%s' "
				    "(its headers: %s)"), sv->name, sv->file, sv->columns[i], heads.s ? heads.s : "");
				rc = -1;
				continue;
			}
			qcol[(*nq)++] = found;
		}
	} else {
		for (size_t c = 0; c < t->ncols; c++)
			if (strstr(t->header[c], "满意") != NULL)
				qcol[(*nq)++] = (int)c;
		if (*nq == 0) {
			diag_add(d, t->file, 1, _("no header contains 满意: name the questions with "
			    "columns = in [survey %s] (the headers: %s)"), sv->name, heads.s ? heads.s : "");
			rc = -1;
		}
	}
	free(heads.s);
	return rc;
}

static int
load_survey(const struct eval_survey *sv, const char *efpath, struct report *r, struct diag *d)
{
	struct rep_row *row = find_row(r, sv->name);
	struct survey_result *s;
	struct csv_table t;
	struct strbuf bad = { 0 };
	char pct[64];
	int *qcol = NULL, numeric_line = 0, nbad = 0, rc = -1;
	const char *numeric = NULL;
	size_t nq = 0;

	if (row == NULL) {
		diag_add(d, efpath, sv->line, _("[survey %s]: no such 三级指标 in the targets"), sv->name);
		return 0;
	}
	if (row->source != SRC_SURVEY) {
		diag_add(d, efpath, sv->line, _("[survey %s]: its 来源 in the targets is not survey"),
		    sv->name);
		return 0;
	}
	if (csvin_read(sv->file, NULL, 0, NULL, 0, CSVIN_EXTRA_OK, &t, NULL, d) != 0)
		return 0;
	s = &row->survey;
	memset(s, 0, sizeof(*s));
	s->scale = sv->scale;
	s->satisfied_mask = sv->satisfied;
	s->encoding = t.encoding;
	if ((qcol = calloc(t.ncols + sv->ncolumns + 1, sizeof(*qcol))) == NULL ||
	    (s->file = strdup(sv->file)) == NULL)
		goto out;
	if (survey_columns(sv, efpath, &t, qcol, &nq, d) != 0) {
		rc = 0;
		goto out;
	}
	if ((s->questions = calloc(nq, sizeof(*s->questions))) == NULL)
		goto out;
	s->nquestions = nq;
	for (size_t q = 0; q < nq; q++)
		if ((s->questions[q].header = strdup(t.header[qcol[q]])) == NULL)
			goto out;
	for (size_t i = 0; i < t.nrows; i++) {
		s->respondents++;
		for (size_t q = 0; q < nq; q++) {
			struct survey_question *x = &s->questions[q];
			const char *ans = t.rows[i].f[qcol[q]];
			int k, sat = survey_answer(ans, sv->scale, sv->satisfied, &k);
			if (sat == -2) {
				if (numeric_line == 0) {
					numeric_line = t.rows[i].line;
					numeric = ans;
				}
				continue;
			}
			if (sat < 0) {
				char tb[64];
				x->invalid++;
				trim(ans, tb, sizeof(tb));
				if (*tb && nbad < 3 && (bad.s == NULL || strstr(bad.s, tb) == NULL)) {
					sb_add(&bad, "%s“%s”", nbad ? "、" : "", tb);
					nbad++;
				}
				continue;
			}
			x->valid++;
			x->counts[k]++;
			x->satisfied += sat;
		}
	}
	if (numeric_line) {
		diag_add(d, sv->file, numeric_line, _("the answer '%s' is a number, but [survey %s] has no "
		    "scale: 问卷星 and other sites number the options in order, 1 = the first "
		    "(usually 非常满意), so write scale = 1-best; if 5 = 非常满意, write "
		    "scale = 5-best"), numeric, sv->name);
		rc = 0;
		goto out;
	}
	for (size_t q = 0; q < nq; q++) {
		struct survey_question *x = &s->questions[q];
		x->rate = x->valid ? (double)x->satisfied / x->valid : NAN;
		s->valid += x->valid;
		s->invalid += x->invalid;
		s->satisfied += x->satisfied;
		for (int k = 0; k < 5; k++)
			s->counts[k] += x->counts[k];
	}
	rc = 0;
	if (s->valid == 0) {
		diag_add(d, sv->file, 0, P_("no valid answer from %d respondent "
		    "(非常满意/满意/比较满意/一般/不满意/非常不满意, or 1–5 with a scale)",
		    "no valid answer from %d respondents "
		    "(非常满意/满意/比较满意/一般/不满意/非常不满意, or 1–5 with a scale)",
		    s->respondents), s->respondents);
		goto out;
	}
	if (s->invalid * 10 > s->valid + s->invalid) {
		fmt_pct((double)s->invalid / (s->valid + s->invalid), pct, sizeof(pct));
		diag_note(d, sv->file, 0, _("warning: of %d answers %d are invalid (%s, more "
		    "than 10%%)%s%s; blanks, （跳过） and words outside the scale are invalid "
		    "answers: check columns and satisfied"),
		    s->valid + s->invalid, s->invalid, pct, nbad ? _(", for example ") : "",
		    bad.s ? bad.s : "");
	}
	s->rate = 100.0 * s->satisfied / s->valid;
	row->has_value = 1;
	row->value = s->rate;
	fmt_pct_vs(s->rate / 100.0, row->target.value / 100.0, pct, sizeof(pct));
	if (nq == 1)
		row->actual_text = xasprintf("%s（%d 人答卷，有效 %d，满意 %d，无效 %d）", pct,
		    s->respondents, s->valid, s->satisfied, s->invalid);
	else
		row->actual_text = xasprintf("%s（%d 人答卷，%zu 题，有效答案 %d，满意 %d，无效 %d）",
		    pct, s->respondents, nq, s->valid, s->satisfied, s->invalid);
	if (row->actual_text == NULL)
		rc = -1;
out:
	free(bad.s);
	free(qcol);
	csvin_free(&t);
	return rc;
}

/* ---- budget.csv ---- */

static const struct {
	const char *name;
	int fund;
} fund_names[] = {
	{ "当年财政拨款", FUND_CURRENT }, { "上年结转", FUND_CARRIED }, { "上年结转资金", FUND_CARRIED },
	{ "其他资金", FUND_OTHER },
};

static int
fund_parse(const char *name)
{
	char buf[128];
	const char *s = trim(name, buf, sizeof(buf));

	if (strncmp(s, "其中：", strlen("其中：")) == 0)
		s += strlen("其中：");
	else if (strncmp(s, "其中:", strlen("其中:")) == 0)
		s += strlen("其中:");
	while (*s == ' ')
		s++;
	for (size_t i = 0; i < sizeof(fund_names) / sizeof(fund_names[0]); i++)
		if (strcmp(s, fund_names[i].name) == 0)
			return fund_names[i].fund;
	return -1;
}

/* 合计 / 总计, also written with spaces between the characters */
static int
is_total(const char *name)
{
	char buf[64];
	size_t o = 0;

	for (const char *p = name; *p && o + 1 < sizeof(buf); p++)
		if (*p != ' ' && *p != '\t')
			buf[o++] = *p;
	buf[o] = '\0';
	while (o >= 3 && memcmp(buf + o - 3, "\xE3\x80\x80", 3) == 0)
		buf[o -= 3] = '\0';
	return strcmp(buf, "合计") == 0 || strcmp(buf, "总计") == 0;
}

int
money_parse(const char *s, double *v)
{
	char buf[64], digits[64];
	const char *p = trim(s, buf, sizeof(buf));
	size_t o = 0, group = 0;
	int commas = 0, in_int = 1;

	/* 1,234,567.89: commas only between groups of three, in the integer part */
	for (; *p; p++) {
		if (*p == ',') {
			if (!in_int || o == 0 || (commas && group != 3) || (!commas && group > 3))
				return -1;
			commas++;
			group = 0;
			continue;
		}
		if (*p == '.')
			in_int = 0;
		else if (in_int)
			group++;
		if (o + 1 >= sizeof(digits))
			return -1;
		digits[o++] = *p;
	}
	digits[o] = '\0';
	if (commas && group != 3)
		return -1;
	return number_parse(digits, v);
}

static const char *
unit_name(int wan)
{
	return wan ? "万元" : "元";
}

/* Amounts compare to the cent of the file's unit. */
static int
same_amount(double a, double b, double unit)
{
	return fabs(a - b) < 0.005 * unit;
}

/* fund: the 资金来源 rows against the 合计; else the 合计 row against the
 * sub-projects */
static void
total_check(struct diag *d, const char *file, int line, int fund, const char *col,
    double given, double sum, double unit, int wan)
{
	char a[64], b[64];

	if (same_amount(given, sum, unit))
		return;
	fmt_money(given / unit, a, sizeof(a));
	fmt_money(sum / unit, b, sizeof(b));
	if (fund)
		diag_add(d, file, line, _("the 资金来源 rows' %s, %s %s, do not match the 合计, %s %s"),
		    col, a, unit_name(wan), b, unit_name(wan));
	else
		diag_add(d, file, line, _("the 合计 row's %s, %s %s, does not match the sum of the "
		    "sub-projects, %s %s"), col, a, unit_name(wan), b, unit_name(wan));
}

static int
load_budget(const char *file, struct report *r, struct diag *d)
{
	static const char *const need[] = { "子项目名称", "全年预算数", "全年执行数" };
	static const char *const opt[] = { "年初预算数", "资金来源" };
	static const char *const colname[] = { "全年预算数", "全年执行数", "年初预算数" };
	struct csv_table t;
	int col[5], total_line = 0, fund_line = 0, before = d->count;
	double unit[3], total[3] = { 0, 0, 0 }, sum[3] = { 0, 0, 0 };
	double fsum[3] = { 0, 0, 0 };

	r->initial_total = NAN;
	for (int k = 0; k < FUND_SOURCES; k++)
		r->funds[k].initial = NAN;
	if (csvin_read(file, need, 3, opt, 2, CSVIN_UNITS, &t, col, d) != 0)
		return 0;
	/* each amount column in its own unit; the report says 万元 if the file did */
	unit[0] = t.wan[col[1]] ? 10000 : 1;
	unit[1] = t.wan[col[2]] ? 10000 : 1;
	unit[2] = col[3] >= 0 && t.wan[col[3]] ? 10000 : 1;
	r->budget_wan = t.wan[col[1]];
	if ((r->budget = calloc(t.nrows ? t.nrows : 1, sizeof(*r->budget))) == NULL) {
		csvin_free(&t);
		return -1;
	}
	for (size_t i = 0; i < t.nrows; i++) {
		char **f = t.rows[i].f;
		int line = t.rows[i].line, bad = 0, fund = fund_parse(f[col[0]]);
		int total_row = is_total(f[col[0]]), src = -1;
		double v[3] = { 0, 0, NAN };

		if (*f[col[0]] == '\0') {
			diag_add(d, file, line, _("子项目名称 is empty"));
			continue;
		}
		for (int k = 0; k < 3; k++) {
			const char *x = k < 2 ? f[col[k + 1]] : col[3] >= 0 ? f[col[3]] : NULL;
			char tb[64];
			if (x == NULL)
				continue;
			/* the form leaves a source's cell empty or writes a dash for none */
			trim(x, tb, sizeof(tb));
			if (fund >= 0 && (*tb == '\0' || strcmp(tb, "-") == 0 ||
			    strcmp(tb, "—") == 0)) {
				v[k] = 0;
				continue;
			}
			if (money_parse(x, &v[k]) != 0) {
				diag_add(d, file, line, _("%s '%s' is not an amount"), colname[k], x);
				bad = 1;
				continue;
			}
			v[k] *= unit[k];
		}
		if (col[4] >= 0 && !total_row && fund < 0) {
			if ((src = fund_parse(f[col[4]])) < 0) {
				diag_add(d, file, line, _("资金来源 '%s' is not 当年财政拨款, 上年结转 or 其他资金"),
				    f[col[4]]);
				bad = 1;
			}
		}
		if (bad)
			continue;
		if (total_row) {
			if (total_line) {
				diag_add(d, file, line, _("a second 合计 row (the first is on line %d)"), total_line);
				continue;
			}
			total_line = line;
			memcpy(total, v, sizeof(total));
			continue;
		}
		if (fund >= 0) {
			struct rep_fund *x = &r->funds[fund];
			if (x->given) {
				diag_add(d, file, line, _("资金来源 %s appears twice"), fund_names[fund].name);
				continue;
			}
			if (col[4] >= 0) {
				diag_add(d, file, line, _("资金来源 both as a column and as a %s row: use one of them"),
				    f[col[0]]);
				continue;
			}
			if (!fund_line)
				fund_line = line;
			x->given = 1;
			x->budget = v[0];
			x->spent = v[1];
			x->initial = v[2];
			for (int k = 0; k < 3; k++)
				fsum[k] += v[k];
			continue;
		}
		{
			struct rep_budget *b = &r->budget[r->nbudget];
			if ((b->name = strdup(f[col[0]])) == NULL) {
				csvin_free(&t);
				return -1;
			}
			b->budget = v[0];
			b->spent = v[1];
			b->initial = v[2];
			b->source = src;
			b->line = line;
			r->nbudget++;
			for (int k = 0; k < 3; k++)
				sum[k] += v[k];
			if (src >= 0) {
				struct rep_fund *x = &r->funds[src];
				if (!x->given)
					x->initial = col[3] >= 0 ? 0 : NAN;
				x->given = 1;
				x->budget += v[0];
				x->spent += v[1];
				if (col[3] >= 0)
					x->initial += v[2];
			}
		}
	}
	csvin_free(&t);
	if (d->count > before)
		return 0;
	r->budget_total = sum[0];
	r->spent_total = sum[1];
	if (col[3] >= 0)
		r->initial_total = sum[2];
	if (total_line)
		for (int k = 0; k < (col[3] >= 0 ? 3 : 2); k++)
			total_check(d, file, total_line, 0, colname[k], total[k], sum[k], unit[k],
			    unit[k] > 1);
	if (fund_line) {
		for (int k = 0; k < FUND_SOURCES; k++)
			if (!r->funds[k].given)
				r->funds[k].initial = col[3] >= 0 ? 0 : NAN;
		for (int k = 0; k < (col[3] >= 0 ? 3 : 2); k++)
			total_check(d, file, fund_line, 1, colname[k], fsum[k], sum[k],
			    unit[k], unit[k] > 1);
	}
	if (r->nbudget == 0 || r->budget_total <= 0)
		diag_add(d, file, 0, _("no budget: at least one sub-project needs a 全年预算数 above 0"));
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
	if (need_figures && ef->figures == NULL) {
		struct inifile_diag ini = diag_errors(d);
		inifile_missing(&ini, ef->path, 0, "figures", _("the targets take rows from it"));
	} else if (ef->figures != NULL && load_figures(ef->figures, r, d) != 0)
		goto oom;
	for (size_t i = 0; i < ef->nsurveys; i++)
		if (ef->surveys[i].file && load_survey(&ef->surveys[i], ef->path, r, d) != 0)
			goto oom;
	for (size_t i = 1; i < r->nrows; i++) {
		const struct rep_row *row = &r->rows[i];
		if (row->source == SRC_FIGURES && ef->figures && row->actual_text == NULL)
			diag_add(d, ef->targets, row->line, _("%s: no such row in %s"), row->level3,
			    ef->figures);
		if (row->source != SRC_SURVEY || row->survey.file)
			continue;
		{
			int declared = 0;
			for (size_t j = 0; j < ef->nsurveys; j++)
				declared |= strcmp(ef->surveys[j].name, row->level3) == 0;
			if (!declared)
				diag_add(d, ef->targets, row->line, _("%s: no [survey %s] in %s"),
				    row->level3, row->level3, ef->path);
		}
	}
	if (load_budget(ef->budget, r, d) != 0)
		goto oom;
	if (r->budget_total > 0) {
		fmt_pct_vs(r->spent_total / r->budget_total, 1.0, pct, sizeof(pct));
		if ((r->rows[0].actual_text = strdup(pct)) == NULL)
			goto oom;
		r->rows[0].has_value = 1;
		r->rows[0].value = 100.0 * r->spent_total / r->budget_total;
	}
	return 0;
oom:
	diag_add(d, NULL, 0, "%s", _("out of memory"));
	return -1;
}
