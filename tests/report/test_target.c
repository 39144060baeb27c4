/*
 * test_target.c - 指标值 parsing and every scoring rule of DESIGN.md, with
 * the expectations computed by hand in the comments.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tbmreport.h"

#define near(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static void
expect_target(const char *text, enum tgt_op op, int quant, double v, const char *unit, int wan)
{
	struct target t;
	char err[256];

	if (target_parse(text, &t, err, sizeof(err)) != 0)
		fail_msg("%s: %s", text, err);
	assert_int_equal(t.op, op);
	assert_int_equal(t.quantitative, quant);
	if (quant) {
		near(t.value, v);
		assert_string_equal(t.unit, unit);
		assert_int_equal(t.wan, wan);
	}
}

static void
test_parse_targets(void **state)
{
	(void)state;
	/* every 指标值 of the seed's 2023 table */
	expect_target("≥25000", TOP_GE, 1, 25000, "", 0);
	expect_target(">15次", TOP_GT, 1, 15, "次", 0);
	expect_target("125家", TOP_NONE, 1, 125, "家", 0);
	expect_target("≥1300篇", TOP_GE, 1, 1300, "篇", 0);
	expect_target("100%", TOP_NONE, 1, 100, "%", 0);
	expect_target(">=95%", TOP_GE, 1, 95, "%", 0);
	expect_target(">=90%", TOP_GE, 1, 90, "%", 0);
	expect_target("正常运转（新增）", TOP_NONE, 0, 0, "", 0);
	expect_target("及时", TOP_NONE, 0, 0, "", 0);
	expect_target("形成专题调研报告报市领导决策参考", TOP_NONE, 0, 0, "", 0);
	expect_target("提高", TOP_NONE, 0, 0, "", 0);
	expect_target("≥16万人次", TOP_GE, 1, 160000, "人次", 1);
	expect_target("=0", TOP_EQ, 1, 0, "", 0);
	/* the other operators and forms */
	expect_target("≤500元", TOP_LE, 1, 500, "元", 0);
	expect_target("<=5.5%", TOP_LE, 1, 5.5, "%", 0);
	expect_target("<5.5%", TOP_LT, 1, 5.5, "%", 0);
	expect_target("= 3 次", TOP_EQ, 1, 3, "次", 0);
	expect_target("＞＝90％", TOP_GE, 1, 90, "%", 0);
	expect_target("≥1.2万", TOP_GE, 1, 12000, "", 1);
	expect_target("  ≥ 50 万人次 ", TOP_GE, 1, 500000, "人次", 1);
}

static void
expect_bad(const char *text, const char *msg)
{
	struct target t;
	char err[256];

	assert_int_equal(target_parse(text, &t, err, sizeof(err)), -1);
	assert_string_equal(err, msg);
}

static void
test_parse_bad(void **state)
{
	(void)state;
	expect_bad("", "is empty");
	expect_bad("≥", "'≥': ≥ must be followed by a number");
	expect_bad(">=高", "'>=高': ≥ must be followed by a number");
	expect_bad("≥95%以上", "'95%以上': unknown unit '%以上'");
	expect_bad("≥1.5.2", "'1.5.2': unknown unit '.2'");
	expect_bad("5万%", "'5万%': 万 and % do not go together");
	expect_bad("≥1e3", "'1e3': unknown unit 'e3'");
}

static void
test_actuals(void **state)
{
	struct target t;
	char err[256];
	double v;

	(void)state;
	assert_int_equal(target_parse("≥16万人次", &t, err, sizeof(err)), 0);
	assert_int_equal(actual_parse("16.9万人次", &t, &v, err, sizeof(err)), 0);
	near(v, 169000);
	assert_int_equal(actual_parse("158000", &t, &v, err, sizeof(err)), 0);
	near(v, 158000);
	assert_int_equal(actual_parse("158000次", &t, &v, err, sizeof(err)), -1);
	assert_string_equal(err, "'158000次': the unit '次' is not the target's unit '人次'");
	assert_int_equal(actual_parse("约16万", &t, &v, err, sizeof(err)), -1);
	assert_string_equal(err, "'约16万' is not a number");
	assert_int_equal(target_parse(">=95%", &t, err, sizeof(err)), 0);
	assert_int_equal(actual_parse("97.5%", &t, &v, err, sizeof(err)), 0);
	near(v, 97.5);
	assert_int_equal(actual_parse("-3%", &t, &v, err, sizeof(err)), -1);
}

static void
test_score_quantitative(void **state)
{
	(void)state;
	/* ≥/>/= with A > 0: B >= A -> w, else w*B/A */
	near(score_quant(TOP_GE, 25000, 26318, 5), 5);
	near(score_quant(TOP_GE, 125, 121, 5), 5.0 * 121 / 125);       /* 4.84 */
	near(score_quant(TOP_NONE, 125, 121, 5), 4.84);
	near(score_quant(TOP_GT, 15, 15, 5), 5);                       /* B >= A, as written */
	near(score_quant(TOP_EQ, 100, 80, 10), 8);
	near(score_quant(TOP_GE, 90, 80, 10), 10.0 * 80 / 90);        /* 8.888... */
	near(score_quant(TOP_GE, 90, 0, 10), 0);
	/* =0 (or ≤0): B <= 0 -> w, else 0 */
	near(score_quant(TOP_EQ, 0, 0, 6), 6);
	near(score_quant(TOP_EQ, 0, 1, 6), 0);
	near(score_quant(TOP_LE, 0, 0, 6), 6);
	near(score_quant(TOP_LE, 0, 2, 6), 0);
	/* ≤/<: B <= A -> w; A < B < 2A -> w(1-(B-A)/A); else 0 */
	near(score_quant(TOP_LE, 500, 450, 10), 10);
	near(score_quant(TOP_LE, 500, 500, 10), 10);
	near(score_quant(TOP_LE, 500, 600, 10), 8);                    /* 10*(1-100/500) */
	near(score_quant(TOP_LT, 5.5, 6.6, 10), 8);                    /* 10*(1-1.1/5.5) */
	near(score_quant(TOP_LE, 500, 1000, 10), 0);
	near(score_quant(TOP_LE, 500, 1200, 10), 0);
	/* a ratio times 100 that lands a hair below its target still meets it */
	near(score_quant(TOP_GE, 29, 29.0 / 100 * 100, 5), 5);
	near(score_quant(TOP_LE, 0.29, 29.0 / 100, 5), 5);
}

static void
test_score_tiers(void **state)
{
	(void)state;
	/* 达成 [0.8w, w], 部分达成 [0.6w, 0.8w), 未达成 [0, 0.6w); default the top of each band */
	near(score_tier(TIER_MET, -1, 6), 6);
	near(score_tier(TIER_PARTIAL, -1, 6), 4.8);
	near(score_tier(TIER_UNMET, -1, 6), 3.6);
	near(score_tier(TIER_PARTIAL, 0.75, 6), 4.5);
	near(score_tier(TIER_MET, 0.9, 10), 9);
	assert_true(score_tier_rate_ok(TIER_MET, 0.8));
	assert_true(score_tier_rate_ok(TIER_MET, 1.0));
	assert_false(score_tier_rate_ok(TIER_MET, 0.79));
	assert_true(score_tier_rate_ok(TIER_PARTIAL, 0.6));
	assert_false(score_tier_rate_ok(TIER_PARTIAL, 0.8));
	assert_true(score_tier_rate_ok(TIER_UNMET, 0));
	assert_false(score_tier_rate_ok(TIER_UNMET, 0.6));
	assert_int_equal(tier_parse("达成"), TIER_MET);
	assert_int_equal(tier_parse("部分达成"), TIER_PARTIAL);
	assert_int_equal(tier_parse("未达成"), TIER_UNMET);
	assert_int_equal(tier_parse("基本达成"), -1);
}

static void
test_round_and_grade(void **state)
{
	(void)state;
	near(score_round(8.885), 8.89);
	near(score_round(4.444444), 4.44);
	near(score_round(9.666666), 9.67);
	assert_string_equal(score_grade(90), "优");
	assert_string_equal(score_grade(89.995), "优");   /* 2 decimals: 90.00 */
	assert_string_equal(score_grade(89.99), "良");
	assert_string_equal(score_grade(80), "良");
	assert_string_equal(score_grade(79.99), "中");
	assert_string_equal(score_grade(60), "中");
	assert_string_equal(score_grade(59.99), "差");
}

static void
test_survey_answers(void **state)
{
	const unsigned def = SURVEY_SATISFIED_DEFAULT;
	int k = -1;

	(void)state;
	assert_int_equal(survey_answer("非常满意", SCALE_NONE, def, &k), 1);
	assert_int_equal(k, 0);
	assert_int_equal(survey_answer("满意", SCALE_NONE, def, &k), 1);
	assert_int_equal(k, 1);
	/* the wording of 问卷星's default scale */
	assert_int_equal(survey_answer("比较满意", SCALE_NONE, def, &k), 1);
	assert_int_equal(k, 1);
	assert_int_equal(survey_answer("不太满意", SCALE_NONE, def, &k), 0);
	assert_int_equal(k, 3);
	assert_int_equal(survey_answer(" 一般 ", SCALE_NONE, def, &k), 0);
	assert_int_equal(k, 2);
	assert_int_equal(survey_answer("不满意", SCALE_NONE, def, &k), 0);
	assert_int_equal(k, 3);
	assert_int_equal(survey_answer("非常不满意", SCALE_NONE, def, &k), 0);
	assert_int_equal(k, 4);
	/* 一般 counts when the evaluation says so */
	assert_int_equal(survey_answer("一般", SCALE_NONE, def | 4u, &k), 1);
	/* numbers: an error without a scale, either way round with one */
	assert_int_equal(survey_answer("5", SCALE_NONE, def, &k), -2);
	assert_int_equal(survey_answer("5", SCALE_5_BEST, def, &k), 1);
	assert_int_equal(k, 0);
	assert_int_equal(survey_answer("4", SCALE_5_BEST, def, &k), 1);
	assert_int_equal(survey_answer("3", SCALE_5_BEST, def, &k), 0);
	assert_int_equal(survey_answer("1", SCALE_5_BEST, def, &k), 0);
	assert_int_equal(k, 4);
	assert_int_equal(survey_answer("1", SCALE_1_BEST, def, &k), 1);
	assert_int_equal(k, 0);
	assert_int_equal(survey_answer("2", SCALE_1_BEST, def, &k), 1);
	assert_int_equal(survey_answer("5", SCALE_1_BEST, def, &k), 0);
	assert_int_equal(k, 4);
	assert_int_equal(survey_answer("", SCALE_5_BEST, def, &k), -1);
	assert_int_equal(survey_answer("(跳过)", SCALE_1_BEST, def, &k), -1);
	assert_int_equal(survey_answer("6", SCALE_5_BEST, def, &k), -1);
	assert_int_equal(survey_answer("4.0", SCALE_5_BEST, def, &k), -1);
	assert_int_equal(survey_answer("还行", SCALE_NONE, def, &k), -1);
}

static void
test_money_and_percentages(void **state)
{
	char buf[64];
	double v;

	(void)state;
	assert_int_equal(money_parse("21,800,000", &v), 0);
	assert_true(v == 21800000);
	assert_int_equal(money_parse(" 1,860.5 ", &v), 0);
	assert_true(v == 1860.5);
	assert_int_equal(money_parse("1860", &v), 0);
	assert_int_equal(money_parse("1,86,0", &v), -1);
	assert_int_equal(money_parse("18,60", &v), -1);
	assert_int_equal(money_parse("1860,", &v), -1);
	assert_int_equal(money_parse("1.860,5", &v), -1);
	fmt_money(21800000, buf, sizeof(buf));
	assert_string_equal(buf, "21,800,000.00");
	fmt_money(153.2, buf, sizeof(buf));
	assert_string_equal(buf, "153.20");
	/* a threshold decides: the shown figure stays on its side */
	fmt_pct_vs(0.94995, 0.95, buf, sizeof(buf));
	assert_string_equal(buf, "94.995%");
	fmt_pct_vs(0.949999, 0.95, buf, sizeof(buf));
	assert_string_equal(buf, "94.9999%");
	fmt_pct_vs(0.9452, 0.95, buf, sizeof(buf));
	assert_string_equal(buf, "94.52%");
	fmt_pct_vs(0.95, 0.95, buf, sizeof(buf));
	assert_string_equal(buf, "95%");
	fmt_pct_vs(0.999996, 1.0, buf, sizeof(buf));
	assert_string_equal(buf, "99.9996%");
}

/* rows for score_weights: level1 and 分值 ("" = empty) */
static void
weights_case(const char *const *l1, const char *const *w, size_t n, const double *expect,
    const char *msg)
{
	struct report r;
	struct diag d = { 0 };

	memset(&r, 0, sizeof(r));
	r.rows = calloc(n + 1, sizeof(*r.rows));
	r.nrows = n + 1;
	r.rows[0].level1 = (char *)"预算执行率";
	r.rows[0].weight = 10;
	r.rows[0].weight_given = 1;
	for (size_t i = 0; i < n; i++) {
		r.rows[i + 1].level1 = (char *)l1[i];
		r.rows[i + 1].line = (int)i + 2;
		if (*w[i]) {
			r.rows[i + 1].weight = atof(w[i]);
			r.rows[i + 1].weight_given = 1;
		}
	}
	if (msg == NULL) {
		assert_int_equal(score_weights(&r, "t.csv", &d), 0);
		for (size_t i = 0; i < n; i++)
			near(r.rows[i + 1].weight, expect[i]);
	} else {
		assert_int_equal(score_weights(&r, "t.csv", &d), -1);
		assert_string_equal(d.text, msg);
	}
	free(r.rows);
	diag_free(&d);
}

static void
test_default_weights(void **state)
{
	/* the seed: 10 产出 rows share 50, 5 效益 rows 30, 2 满意度 rows 10 */
	static const char *const seed_l1[] = { "产出指标", "产出指标", "产出指标", "产出指标",
		"产出指标", "产出指标", "产出指标", "产出指标", "产出指标", "产出指标", "效益指标",
		"效益指标", "效益指标", "效益指标", "效益指标", "满意度指标", "满意度指标" };
	static const char *const seed_w[17] = { "", "", "", "", "", "", "", "", "", "", "", "", "",
		"", "", "", "" };
	static const double seed_e[] = { 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 5, 5 };
	/* mixed: 产出 has one row of 20, the other two share 30 */
	static const char *const mix_l1[] = { "产出指标", "产出指标", "产出指标", "效益指标" };
	static const char *const mix_w[] = { "20", "", "", "" };
	static const double mix_e[] = { 20, 15, 15, 30 };
	static const char *const over_l1[] = { "产出指标", "产出指标" };
	static const char *const over_w[] = { "55", "" };
	static const char *const cost_l1[] = { "成本指标" };
	static const char *const cost_w[] = { "" };

	(void)state;
	weights_case(seed_l1, seed_w, 17, seed_e, NULL);
	weights_case(mix_l1, mix_w, 4, mix_e, NULL);
	weights_case(over_l1, over_w, 2, NULL,
	    "t.csv:3: 产出指标 has an empty 分值, but of its default weight 50 its other rows "
	    "already take 55\n");
	weights_case(cost_l1, cost_w, 1, NULL,
	    "t.csv:2: 成本指标 has an empty 分值 and no default weight (产出 50, 效益 30, "
	    "满意度 10): fill in its 分值\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_targets),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_actuals),
		cmocka_unit_test(test_score_quantitative),
		cmocka_unit_test(test_score_tiers),
		cmocka_unit_test(test_round_and_grade),
		cmocka_unit_test(test_survey_answers),
		cmocka_unit_test(test_money_and_percentages),
		cmocka_unit_test(test_default_weights),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
