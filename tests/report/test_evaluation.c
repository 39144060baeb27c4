/*
 * test_evaluation.c - a whole evaluation from the fixture inputs
 * (tests/report/data) and two bases' databases built through the store
 * (bases.c), every score and the total computed by hand below; the bases
 * merged; a missing database; the period from the command line.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bases.h"
#include "scratch.h"
#include "tbmreport.h"

#define near(a, b) assert_true(fabs((a) - (b)) < 1e-6)

static int
setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));

	scratch_new(s);
	assert_int_equal(bases_make(s->dir), 0);
	*state = s;
	return 0;
}

static int
teardown(void **state)
{
	scratch_free(*state);
	free(*state);
	return 0;
}

static const struct rep_row *
row(const struct report *r, const char *level3)
{
	for (size_t i = 0; i < r->nrows; i++)
		if (strcmp(r->rows[i].level3, level3) == 0)
			return &r->rows[i];
	fail_msg("no row %s", level3);
	return NULL;
}

static void
build(const struct scratch *s, const struct report_opts *o, struct report *r)
{
	struct diag d = { 0 };

	if (report_build(scratch_path(s, "evaluation.ini"), o, r, &d) != 0)
		fail_msg("%s", d.text ? d.text : "report_build failed");
	diag_free(&d);
}

/*
 * By hand (w = 分值, default weights: 产出 (50 - 10) / 4 = 10, 效益 30 / 3 = 10,
 * 满意度 10 / 2 = 5, 预算执行率 10):
 *   预算执行率   145000 / 150000 = 96.667%          10 * 0.96667     = 9.67
 *   培训人次     850 of ≥1000                        10 * 0.85        = 8.50
 *   鉴定场次     30 of >20 (over 1.3x: a draft)                        = 10.00
 *   修复率       4 / 5 = 80% of ≥90%                 10 * 80 / 90     = 8.89
 *   实训室运作   4 of 5 labs normal: 部分达成          10 * 0.8         = 8.00
 *   人均培训成本 600 of ≤500                          10 * (1 - 100/500) = 8.00
 *   安全事故     0 of =0 (provisional, low coverage)                   = 10.00
 *   粉丝数       1.5万 of ≥2万                        10 * 0.75        = 7.50
 *   技能水平     部分达成, 得分率 70%                   10 * 0.7         = 7.00
 *   学员满意度   17 / 20 valid = 85% of ≥90%          5 * 85 / 90      = 4.72
 *   企业满意度   8 / 10 = 80% of ≥80%                                  = 5.00
 * 产出 8.50 + 10 + 8.89 + 8.00 + 8.00 = 43.39; 效益 10 + 7.50 + 7.00 = 24.50;
 * 满意度 4.72 + 5.00 = 9.72; total 9.67 + 43.39 + 24.50 + 9.72 = 87.28: 良.
 */
static void
test_full_evaluation(void **state)
{
	struct report r;
	const struct rep_row *x;

	build(*state, NULL, &r);
	assert_string_equal(r.policy, "测试专项资金");
	assert_string_equal(r.department, "测试局");
	assert_string_equal(r.period_text, "2023年01月-2023年12月");
	assert_int_equal(r.nrows, 11);
	assert_string_equal(r.rows[0].level1, "预算执行率");
	near(r.rows[0].score, 9.67);
	near(row(&r, "培训人次")->score, 8.50);
	near(row(&r, "鉴定场次")->score, 10.00);
	near(row(&r, "实训鉴定设备故障修复率")->score, 8.89);
	near(row(&r, "实训室日常运作情况")->score, 8.00);
	near(row(&r, "人均培训成本")->score, 8.00);
	near(row(&r, "设备安全事故发生数")->score, 10.00);
	near(row(&r, "平台粉丝数")->score, 7.50);
	near(row(&r, "技能水平")->score, 7.00);
	near(row(&r, "学员满意度")->score, 4.72);
	near(row(&r, "企业满意度")->score, 5.00);
	near(row(&r, "人均培训成本")->weight, 10);
	near(row(&r, "学员满意度")->weight, 5);

	assert_int_equal(r.nlevels, 4);
	assert_string_equal(r.levels[1].level1, "产出指标");
	near(r.levels[0].score, 9.67);
	near(r.levels[1].score, 43.39);
	near(r.levels[2].score, 24.50);
	near(r.levels[3].score, 9.72);
	near(r.levels[1].weight, 50);
	near(r.total_weight, 100);
	near(r.total, 87.28);
	assert_string_equal(r.grade, "良");

	/* actual texts and drafts say what the data shows */
	assert_string_equal(row(&r, "实训鉴定设备故障修复率")->actual_text, "80%（4/5）");
	assert_non_null(strstr(row(&r, "实训鉴定设备故障修复率")->deviation,
	    "未修复：浦东基地 cnc-01（主轴报警，2023-09-05 08:00:00）"));
	assert_string_equal(row(&r, "实训室日常运作情况")->actual_text,
	    "未全部正常运转（4/5 个实训室可用率 ≥95%）");
	assert_non_null(strstr(row(&r, "实训室日常运作情况")->deviation, "闵行基地 PLC实训室 94.01%"));
	x = row(&r, "设备安全事故发生数");
	assert_string_equal(x->actual_text, "0（暂定）");
	assert_non_null(strstr(x->deviation, "尚有 1 起安全事件未分类"));
	assert_non_null(strstr(x->deviation, "监测覆盖率 91.51%"));
	x = row(&r, "学员满意度");
	assert_string_equal(x->actual_text, "85%（22 人答卷，有效 20，满意 17，无效 2）");
	assert_int_equal(x->survey.counts[2], 2);
	assert_int_equal(x->survey.counts[3], 1);
	assert_non_null(strstr(x->deviation, "无效答卷 2 份"));
	assert_non_null(strstr(row(&r, "鉴定场次")->deviation, "明显超出目标"));
	assert_true(row(&r, "鉴定场次")->over);
	assert_string_equal(row(&r, "企业满意度")->deviation, "");
	assert_string_equal(row(&r, "技能水平")->actual_text, "有所提高，\"后测\"优于前测");
	assert_string_equal(r.budget[0].name, "实训基地运作费用, 含耗材");
	report_free(&r);
}

static void
test_two_bases_merged(void **state)
{
	struct report r;
	const struct rep_equipment *e = &r.eq;
	static const int months[12] = { 0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 0 };

	build(*state, NULL, &r);
	assert_int_equal(r.nbases, 2);
	assert_string_equal(r.bases[0].site_id, "pudong");
	assert_string_equal(r.bases[1].site_id, "minhang");
	assert_string_equal(r.bases[1].site_name, "闵行基地");
	assert_int_equal(r.bases[0].ind.repair.faults, 3);
	assert_int_equal(r.bases[0].ind.repair.repaired, 2);
	assert_int_equal(r.bases[1].ind.repair.faults, 2);
	assert_int_equal(r.bases[1].ind.repair.repaired, 2);
	/* sums, not a mean of the two rates (66.7% and 100%) */
	assert_int_equal(e->faults, 5);
	assert_int_equal(e->repaired, 4);
	near(e->rate, 0.8);
	assert_int_equal(e->within_24h, 2);
	assert_int_equal(e->within_72h, 3);
	near(e->mttr_mean_hours, (6 + 48 + 2 + 481) / 4.0);
	assert_int_equal(e->accidents, 0);
	assert_int_equal(e->near_misses, 1);
	assert_int_equal(e->unclassified, 1);
	assert_true(e->provisional);
	/* the minimum: base-a 100%, base-b 334 of 365 days */
	near(r.bases[0].ind.safety.coverage, 1.0);
	near(e->coverage, 334.0 / 365.0);
	assert_int_equal(e->labs, 5);
	assert_int_equal(e->labs_normal, 4);
	for (int m = 0; m < 12; m++)
		assert_int_equal(e->faults_per_month[m], months[m]);
	assert_int_equal(r.bases[0].nunrepaired, 1);
	assert_string_equal(r.bases[0].unrepaired[0].device, "cnc-01");
	report_free(&r);
}

static void
test_period_override(void **state)
{
	struct report_opts o = { .period = "2022" };
	struct report r;

	/* nobody watched in 2022: no faults is no data, never 100%; every
	 * equipment row scores 0 and is named in a warning */
	build(*state, &o, &r);
	assert_string_equal(r.period_text, "2022年01月-2022年12月");
	assert_int_equal(r.eq.faults, 0);
	assert_string_equal(row(&r, "实训鉴定设备故障修复率")->actual_text, "数据不足（监测覆盖率 0%）");
	near(row(&r, "实训鉴定设备故障修复率")->score, 0);
	assert_string_equal(row(&r, "设备安全事故发生数")->actual_text, "数据不足（监测覆盖率 0%）");
	near(row(&r, "设备安全事故发生数")->score, 0);
	assert_true(row(&r, "实训室日常运作情况")->no_data);
	near(row(&r, "实训室日常运作情况")->score, 0);
	assert_int_equal(r.eq.nwarnings, 3);
	assert_non_null(strstr(r.eq.warnings[0], "「实训鉴定设备故障修复率」数据不足"));
	report_free(&r);

	o.period = NULL;
	o.from = "2023-11-01";
	o.to = "2024-01-01";
	build(*state, &o, &r);
	assert_string_equal(r.period_text, "2023-11-01 至 2024-01-01（不含）");
	assert_int_equal(r.eq.faults, 1);   /* plc-01 */
	report_free(&r);
}

static void
expect_failure(const struct scratch *s, const char *msg_fmt)
{
	struct report r;
	struct diag d = { 0 };
	char want[2048];

	assert_int_equal(report_build(scratch_path(s, "evaluation.ini"), NULL, &r, &d), -1);
	snprintf(want, sizeof(want), msg_fmt, s->dir, s->dir, s->dir);
	assert_non_null(d.text);
	assert_string_equal(d.text, want);
	report_free(&r);
	diag_free(&d);
}

static void
test_missing_database(void **state)
{
	struct scratch *s = *state;

	scratch_write(s, "evaluation.ini", "[evaluation]\npolicy = p\ndepartment = d\n"
	    "period = 2023\ntargets = targets.csv\nfigures = figures.csv\nbudget = budget.csv\n"
	    "databases = base-a.db, nope.db\n[survey 学员满意度]\nfile = survey-trainees.csv\n"
	    "[survey 企业满意度]\nfile = survey-companies.csv\nscale = 5-best\n");
	expect_failure(s, "%s/evaluation.ini:8: database %s/nope.db: No such file or directory\n");
}

static void
test_same_base_twice(void **state)
{
	struct scratch *s = *state;

	scratch_write(s, "evaluation.ini", "[evaluation]\npolicy = p\ndepartment = d\n"
	    "period = 2023\ntargets = targets.csv\nfigures = figures.csv\nbudget = budget.csv\n"
	    "databases = base-a.db, base-a.db\n[survey 学员满意度]\nfile = survey-trainees.csv\n"
	    "[survey 企业满意度]\nfile = survey-companies.csv\nscale = 5-best\n");
	expect_failure(s, "%s/evaluation.ini:8: databases %s/base-a.db and %s/base-a.db are the "
	    "same base 'pudong': it would be counted twice\n");
}

/* build_with: the test evaluation with more [evaluation] keys. */
static void
build_with(const struct scratch *s, const char *keys, struct report *r)
{
	char path[600], line[512];
	struct diag d = { 0 };
	FILE *in, *out;

	snprintf(path, sizeof(path), "%s", scratch_path(s, "evaluation-more.ini"));
	assert_non_null(in = fopen(scratch_path(s, "evaluation.ini"), "r"));
	assert_non_null(out = fopen(path, "w"));
	while (fgets(line, sizeof(line), in)) {
		fputs(line, out);
		if (strncmp(line, "[evaluation]", 12) == 0)
			fputs(keys, out);
	}
	fclose(in);
	fclose(out);
	if (report_build(path, NULL, r, &d) != 0)
		fail_msg("%s", d.text ? d.text : "report_build failed");
	diag_free(&d);
}

/* base-b was watched 334 of 365 days (91.51%): enough at 0.9, not at 0.95 */
static void
test_min_coverage(void **state)
{
	struct report r;
	const struct rep_row *x;

	build_with(*state, "min_coverage = 0.95\n", &r);
	x = row(&r, "实训鉴定设备故障修复率");
	assert_true(x->no_data);
	assert_string_equal(x->actual_text, "数据不足（监测覆盖率 91.51%）");
	near(x->score, 0);
	assert_true(row(&r, "设备安全事故发生数")->no_data);
	assert_int_equal(r.eq.nwarnings, 3);
	assert_non_null(strstr(r.eq.warnings[0], "低于 95%，本项计 0 分"));
	report_free(&r);

	/* the evaluation takes responsibility: the figure stands, the reason is in the row */
	build_with(*state, "min_coverage = 0.95\naccept_low_coverage = 12 月机房改造，tbmond 停机\n", &r);
	x = row(&r, "实训鉴定设备故障修复率");
	assert_false(x->no_data);
	assert_string_equal(x->actual_text, "80%（4/5）");
	near(x->score, 8.89);
	assert_string_equal(x->deviation, "监测覆盖率 91.51%，低于 95%；12 月机房改造，tbmond 停机");
	assert_int_equal(r.eq.nwarnings, 0);
	report_free(&r);

	/* monitoring began in November: the equipment period starts there, said in the row */
	build_with(*state, "monitoring_from = 2023-11-01\n", &r);
	x = row(&r, "实训鉴定设备故障修复率");
	assert_non_null(strstr(x->actual_text, "（监测自 2023-11-01 起）"));
	assert_int_equal(r.eq.faults, 1);   /* plc-01, opened in November */
	/* base-b watched Nov 1 - Dec 1 of Nov 1 - Jan 1: 30 of 61 days */
	assert_true(x->no_data);
	assert_non_null(strstr(x->actual_text, "数据不足（监测覆盖率 49.18%）"));
	report_free(&r);
}

int
main(void)
{
	/* the machine's zone must not matter: each base brings its own */
	setenv("TZ", "America/New_York", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_evaluation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_bases_merged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_period_override, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_base_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_min_coverage, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
