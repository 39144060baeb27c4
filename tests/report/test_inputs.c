/*
 * test_inputs.c - the CSV reader and the evaluation file: BOM, quotes and
 * line numbers, and every bad input reported as FILE:LINE: message, exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scratch.h"
#include "tbmreport.h"

static int
setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));

	scratch_new(s);
	/* these tests never reach the databases: equipment rows are left out */
	scratch_write(s, "targets.csv", "一级指标,二级指标,三级指标,指标值,分值,来源\n"
	    "产出指标,数量指标,培训人次,≥1000人次,,figures\n"
	    "产出指标,数量指标,鉴定场次,>20次,,figures\n"
	    "效益指标,社会效益指标,技能水平,提高,,figures\n"
	    "满意度指标,服务对象满意度指标,学员满意度,>=90%%,,survey\n");
	scratch_write(s, "figures.csv", "三级指标,实际完成值,等级,说明\n"
	    "培训人次,850人次,,\n鉴定场次,30次,,\n技能水平,提高,达成,\n");
	scratch_write(s, "evaluation.ini", "[evaluation]\npolicy = p\ndepartment = d\n"
	    "period = 2023\ntargets = targets.csv\nfigures = figures.csv\nbudget = budget.csv\n"
	    "[survey 学员满意度]\nfile = survey-trainees.csv\n");
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

/* The messages, with every %s replaced by the scratch directory. */
static void
expect(const struct scratch *s, const char *fmt)
{
	struct report r;
	struct diag d = { 0 };
	char want[4096], *o = want;

	for (const char *p = fmt; *p; p++) {
		if (p[0] == '%' && p[1] == 's') {
			o += snprintf(o, sizeof(want) - (size_t)(o - want), "%s", s->dir);
			p++;
		} else
			*o++ = *p;
	}
	*o = '\0';
	assert_int_equal(report_build(scratch_path(s, "evaluation.ini"), NULL, &r, &d), -1);
	assert_non_null(d.text);
	assert_string_equal(d.text, want);
	report_free(&r);
	diag_free(&d);
}

static void
test_good_inputs(void **state)
{
	struct scratch *s = *state;
	struct report r;
	struct diag d = { 0 };

	if (report_build(scratch_path(s, "evaluation.ini"), NULL, &r, &d) != 0)
		fail_msg("%s", d.text);
	/* 产出 50 / 2, 效益 30, 满意度 10, 预算 10 */
	assert_int_equal(r.nrows, 5);
	assert_true(r.rows[1].weight == 25);
	assert_true(r.rows[3].weight == 30);
	report_free(&r);
	diag_free(&d);
}

static void
test_missing_column(void **state)
{
	struct scratch *s = *state;

	scratch_write(s, "targets.csv", "一级指标,二级指标,三级指标,指标值,分值\n"
	    "产出指标,数量指标,培训人次,≥1000人次,\n");
	expect(s, "%s/targets.csv:1: column '来源' is missing\n");
	scratch_write(s, "targets.csv", "一级指标,二级指标,三级指标,指标值,分值,来源,备注\n");
	expect(s, "%s/targets.csv:1: unknown column '备注'\n");
	scratch_write(s, "targets.csv", "一级指标,二级指标,三级指标,指标值,分值,来源\n"
	    "满意度指标,服务对象满意度指标,学员满意度,>=90%%,,survey\n");
	scratch_write(s, "figures.csv", "三级指标,实际完成值,等级,说明\n");
	scratch_write(s, "budget.csv", "子项目名称,全年预算,全年执行数\n甲,100,90\n");
	expect(s, "%s/budget.csv:1: unknown column '全年预算'\n"
	    "%s/budget.csv:1: column '全年预算数' is missing\n");
}

static void
test_bad_numbers(void **state)
{
	struct scratch *s = *state;

	scratch_write(s, "figures.csv", "三级指标,实际完成值,等级,说明\n"
	    "培训人次,八百五十,,\n鉴定场次,30场,,\n技能水平,提高,基本达成,\n");
	scratch_write(s, "budget.csv", "子项目名称,全年预算数,全年执行数\n甲,100,90\n乙,1O0,5\n");
	expect(s, "%s/figures.csv:2: 实际完成值 '八百五十' is not a number\n"
	    "%s/figures.csv:3: 实际完成值 '30场': the unit '场' is not the target's unit '次'\n"
	    "%s/figures.csv:4: 等级 '基本达成' is not 达成, 部分达成 or 未达成\n"
	    "%s/targets.csv:2: 培训人次: no such row in %s/figures.csv\n"
	    "%s/targets.csv:3: 鉴定场次: no such row in %s/figures.csv\n"
	    "%s/targets.csv:4: 技能水平: no such row in %s/figures.csv\n"
	    "%s/budget.csv:3: 全年预算数 '1O0' is not an amount\n");
}

static void
test_column_count(void **state)
{
	struct scratch *s = *state;

	scratch_write(s, "budget.csv", "子项目名称,全年预算数,全年执行数\n甲,100,90\n乙,50\n"
	    "丙,50,50,1\n");
	expect(s, "%s/budget.csv:3: this row has 2 fields, the header 3\n"
	    "%s/budget.csv:4: this row has 4 fields, the header 3\n");
}

static void
test_bom_quotes_and_lines(void **state)
{
	static const char *const need[] = { "三级指标", "实际完成值" };
	struct scratch *s = *state;
	struct csv_table t;
	struct diag d = { 0 };
	int col[2];

	/* BOM, CRLF, a quoted field across two lines, a blank line, an all-empty row */
	scratch_write(s, "x.csv", "\xEF\xBB\xBF三级指标,实际完成值\r\n"
	    "甲,\"1,5\"\r\n\"乙\r\n续\",\"说\"\"明\"\r\n\r\n,\r\n丙,3\r\n");
	assert_int_equal(csvin_read(scratch_path(s, "x.csv"), need, 2, NULL, 0, 0, &t, col, &d), 0);
	assert_int_equal(d.count, 0);
	assert_int_equal(col[0], 0);
	assert_int_equal(t.nrows, 3);
	assert_string_equal(t.rows[0].f[1], "1,5");
	assert_int_equal(t.rows[0].line, 2);
	assert_string_equal(t.rows[1].f[0], "乙\r\n续");
	assert_string_equal(t.rows[1].f[1], "说\"明");
	assert_int_equal(t.rows[1].line, 3);
	assert_string_equal(t.rows[2].f[0], "丙");
	assert_int_equal(t.rows[2].line, 7);
	csvin_free(&t);

	/* bare CR line ends (old Mac): the same rows, the same line numbers */
	scratch_write(s, "m.csv", "三级指标,实际完成值\r"
	    "甲,\"1,5\"\r\"乙\r续\",\"说\"\"明\"\r\r,\r丙,3\r");
	assert_int_equal(csvin_read(scratch_path(s, "m.csv"), need, 2, NULL, 0, 0, &t, col, &d), 0);
	assert_int_equal(d.count, 0);
	assert_int_equal(t.nrows, 3);
	assert_int_equal(t.rows[0].line, 2);
	assert_string_equal(t.rows[1].f[0], "乙\r续");
	assert_int_equal(t.rows[1].line, 3);
	assert_string_equal(t.rows[2].f[0], "丙");
	assert_int_equal(t.rows[2].line, 7);
	csvin_free(&t);
	scratch_write(s, "m.csv", "三级指标,实际完成值\r甲,1\r乙,2,3\r");
	csvin_read(scratch_path(s, "m.csv"), need, 2, NULL, 0, 0, &t, col, &d);
	assert_non_null(d.text);
	assert_non_null(strstr(d.text, "m.csv:3: this row has 3 fields, the header 2"));
	csvin_free(&t);
	diag_free(&d);

	/* a BOM in the middle is text, not a BOM: the column is not found */
	scratch_write(s, "y.csv", "三级指标,\xEF\xBB\xBF实际完成值\n");
	assert_int_equal(csvin_read(scratch_path(s, "y.csv"), need, 2, NULL, 0, 1, &t, col, &d),
	    -1);
	assert_non_null(strstr(d.text, "y.csv:1: column '实际完成值' is missing\n"));
	diag_free(&d);
}

static void
test_malformed(void **state)
{
	static const char *const need[] = { "a", "b" };
	struct scratch *s = *state;
	struct csv_table t;
	struct diag d = { 0 };
	char want[512];
	int col[2];

	scratch_write(s, "q.csv", "a,b\n1,2\n3,\"4\n5,6\n");
	assert_int_equal(csvin_read(scratch_path(s, "q.csv"), need, 2, NULL, 0, 0, &t, col, &d), -1);
	snprintf(want, sizeof(want), "%s/q.csv:3: a quoted field does not end (its closing quote "
	    "is missing)\n", s->dir);
	assert_string_equal(d.text, want);
	diag_free(&d);

	scratch_write(s, "q.csv", "a,b\n1,2\n3,4\"x\"\n");
	assert_int_equal(csvin_read(scratch_path(s, "q.csv"), need, 2, NULL, 0, 0, &t, col, &d), -1);
	assert_non_null(strstr(d.text, "/q.csv:3: "));
	diag_free(&d);

	/* GBK, as Excel's plain "CSV" writes it on a Chinese system: read as
	 * GB18030, said once, line numbers unchanged */
	scratch_write(s, "q.csv", "a,b\n\xC5\xE0\xD1\xB5,2\n\xC5\xE0,\"x\n\xD1\xB5\"\n");
	assert_int_equal(csvin_read(scratch_path(s, "q.csv"), need, 2, NULL, 0, 0, &t, col, &d), 0);
	assert_int_equal(d.count, 0);
	assert_int_equal(d.nnotes, 1);
	snprintf(want, sizeof(want), "%s/q.csv: not UTF-8: read as GB18030 (GBK)\n", s->dir);
	assert_string_equal(d.notes, want);
	assert_string_equal(t.encoding, "GB18030");
	assert_int_equal(t.nrows, 2);
	assert_string_equal(t.rows[0].f[0], "培训");
	assert_string_equal(t.rows[1].f[1], "x\n训");
	assert_int_equal(t.rows[1].line, 3);
	csvin_free(&t);
	diag_free(&d);

	/* neither UTF-8 nor GB18030: the line of the first bad byte */
	scratch_write(s, "q.csv", "a,b\n1,2\n\xFF\xFF,2\n");
	assert_int_equal(csvin_read(scratch_path(s, "q.csv"), need, 2, NULL, 0, 0, &t, col, &d), -1);
	snprintf(want, sizeof(want), "%s/q.csv:3: neither UTF-8 nor GB18030 (GBK) text (in Excel, "
	    "save it as \"CSV UTF-8\")\n", s->dir);
	assert_string_equal(d.text, want);
	diag_free(&d);

	/* a UTF-8 BOM promises UTF-8: nothing else is tried */
	scratch_write(s, "q.csv", "\xEF\xBB\xBF" "a,b\n\xC5\xE0\xD1\xB5,2\n");
	assert_int_equal(csvin_read(scratch_path(s, "q.csv"), need, 2, NULL, 0, 0, &t, col, &d), -1);
	assert_non_null(strstr(d.text, "/q.csv:2: neither UTF-8"));
	diag_free(&d);

	scratch_write(s, "q.csv", "%s", "");
	assert_int_equal(csvin_read(scratch_path(s, "q.csv"), need, 2, NULL, 0, 0, &t, col, &d), -1);
	snprintf(want, sizeof(want), "%s/q.csv: empty file (a header row is needed)\n", s->dir);
	assert_string_equal(d.text, want);
	diag_free(&d);
}

static void
test_targets_rows(void **state)
{
	struct scratch *s = *state;

	scratch_write(s, "targets.csv", "一级指标,二级指标,三级指标,指标值,分值,来源\n"
	    "产出指标,数量指标,培训人次,≥1000人次,,figures\n"
	    "产出指标,数量指标,培训人次,≥1000人次,,figures\n"
	    "产出指标,数量指标,鉴定场次,>=,,figures\n"
	    "产出指标,质量指标,修复率,≥90%%,五,equipment:repair\n"
	    "效益指标,社会效益指标,安全事故,=0,,equipment:safety_accidents\n"
	    "效益指标,社会效益指标,运转,95%%,,equipment:lab_operation\n"
	    "满意度指标,服务对象满意度指标,学员满意度,提高,,survey\n");
	expect(s, "%s/targets.csv:3: '培训人次' appears twice\n"
	    "%s/targets.csv:4: 指标值 '>=': ≥ must be followed by a number\n"
	    "%s/targets.csv:5: 分值 '五' is not a number\n"
	    "%s/targets.csv:5: 来源 'equipment:repair' is not one of figures, survey, "
	    "equipment:repair_rate, equipment:safety_accidents, equipment:lab_operation\n"
	    "%s/targets.csv:7: 来源 equipment:lab_operation is a judgement, not a count: its 指标值 "
	    "is text (正常运转), not '95%'\n"
	    "%s/targets.csv:8: 来源 survey needs a percentage as its 指标值, not '提高'\n"
	    "%s/figures.csv:3: '鉴定场次' is not a 三级指标 of the targets\n"
	    "%s/figures.csv:4: '技能水平' is not a 三级指标 of the targets\n"
	    "%s/evaluation.ini:9: [survey 学员满意度]: no such 三级指标 in the targets\n"
	    "%s/targets.csv:6: equipment rows need databases = in %s/evaluation.ini\n");
}

static void
test_evaluation_file(void **state)
{
	struct scratch *s = *state;

	scratch_write(s, "evaluation.ini", "[evaluation]\npolicy = p\ndepartment = d\n"
	    "period = 23\ntargets = targets.csv\nfigures = figures.csv\nbudget = budget.csv\n"
	    "colour = red\nnormal_availability = 95\ntargets = t2.csv\n[survey 学员满意度]\n"
	    "file = survey-trainees.csv\n[surveys]\n[survey 别的]\n");
	expect(s, "%s/evaluation.ini:4: period: '23' is not a year (2023); use from = and to = "
	    "for other periods\n"
	    "%s/evaluation.ini:8: unknown key 'colour' in [evaluation]\n"
	    "%s/evaluation.ini:9: normal_availability: '95' is not a fraction in (0, 1] "
	    "(0.95 = 95%)\n"
	    "%s/evaluation.ini:10: targets set twice (first on line 5)\n"
	    "%s/evaluation.ini:13: unknown section [surveys]\n"
	    "%s/evaluation.ini:14: [survey 别的] has no file\n");

	scratch_write(s, "evaluation.ini", "[evaluation]\npolicy = p\ndepartment = d\n"
	    "targets = targets.csv\nfigures = figures.csv\nbudget = budget.csv\n"
	    "[survey 学员满意度]\nfile = nothere.csv\n");
	expect(s, "%s/evaluation.ini: no period: period = YYYY, or from = and to =\n");

	scratch_write(s, "evaluation.ini", "[evaluation]\npolicy = p\ndepartment = d\n"
	    "period = 2023\ntargets = targets.csv\nfigures = figures.csv\nbudget = budget.csv\n"
	    "[survey 学员满意度]\nfile = nothere.csv\n");
	expect(s, "%s/nothere.csv: No such file or directory\n");
}

static void
test_survey_invalid_only(void **state)
{
	struct scratch *s = *state;

	scratch_write(s, "survey-trainees.csv", "编号,满意度\n1,好\n2,\n");
	expect(s, "%s/survey-trainees.csv: no valid answer from 2 respondents (非常满意/满意/比较满意/"
	    "一般/不满意/非常不满意, or 1–5 with a scale)\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_inputs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_column, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_column_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bom_quotes_and_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_targets_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evaluation_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_survey_invalid_only, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
