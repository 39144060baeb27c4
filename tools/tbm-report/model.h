/*
 * model.h - the report every renderer reads: header, 项目资金, the scored
 * indicator table with its totals and grade, and the equipment appendix per
 * base. Built by evalfile/csvin/score/equipment; renderers only format it.
 */
#ifndef TBM_REPORT_MODEL_H
#define TBM_REPORT_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "indicators.h"

#define BUDGET_WEIGHT 10.0
#define OVER_FACTOR 1.3          /* a row at or above 1.3 x target gets a 偏差 draft too */
#define LOW_COVERAGE 0.95        /* below this, the safety row says how much a zero means */

enum tgt_op { TOP_NONE = 0, TOP_GE, TOP_GT, TOP_EQ, TOP_LE, TOP_LT };

/* 指标值 as written on the form. */
struct target {
	enum tgt_op op;
	int quantitative;          /* a number was written; else qualitative text */
	double value;              /* 万 applied; percentages in percent points (95% = 95) */
	int wan;                   /* written with 万 */
	char unit[32];             /* after 万: "", "%", 次, 家, 篇, 人次, ... */
};

enum row_source { SRC_BUDGET = 0, SRC_FIGURES, SRC_SURVEY, SRC_EQ_REPAIR, SRC_EQ_SAFETY,
	SRC_EQ_LAB };

enum tier { TIER_NONE = 0, TIER_MET, TIER_PARTIAL, TIER_UNMET };   /* 达成 部分达成 未达成 */

/* One question (column) of a survey, and the survey's answers pooled over
 * its questions: 满意率 = satisfied answers / valid answers. */
struct survey_question {
	char *header;
	int valid, invalid, satisfied;
	int counts[5];             /* 非常满意, 满意, 一般, 不满意, 非常不满意 */
	double rate;               /* fraction; NAN without valid answers */
};

struct survey_result {
	char *file;
	const char *encoding;      /* NULL: UTF-8 */
	int respondents, valid, invalid, satisfied;
	int counts[5];             /* 非常满意, 满意, 一般, 不满意, 非常不满意 */
	double rate;               /* satisfied / valid, percent points; 0 without valid answers */
	int scale;                 /* enum survey_scale, for numeric answers */
	unsigned satisfied_mask;   /* which answers count as satisfied */
	struct survey_question *questions;
	size_t nquestions;
};

struct rep_row {
	char *level1, *level2, *level3;
	char *target_text;
	struct target target;
	enum row_source source;
	int line;                  /* in targets.csv (0: the 预算执行率 row) */
	double weight;
	int weight_given;          /* 分值 was written */
	int has_value;             /* quantitative actual */
	double value;              /* same units as target.value */
	char *actual_text;
	enum tier tier;            /* qualitative rows */
	double rate_given;         /* 得分率 from figures.csv, < 0 when absent */
	char *note;                /* 说明 from figures.csv */
	struct survey_result survey;
	double score;              /* rounded to 2 decimals */
	int no_data;               /* an equipment row observed below min_coverage: scores 0 */
	int met;
	int over;                  /* >= OVER_FACTOR x target */
	char *deviation;           /* 偏差原因分析及改进措施 (drafted or 说明) */
};

/* Amounts in 元, whatever unit the file used. */
struct rep_budget {
	char *name;
	double initial;            /* 年初预算数; NAN when the file has no such column */
	double budget, spent;
	int source;                /* 资金来源 column: FUND_* index, -1 when none */
	int line;
};

/* 资金来源 rows of the form: 当年财政拨款, 上年结转, 其他资金. */
enum { FUND_CURRENT = 0, FUND_CARRIED, FUND_OTHER, FUND_SOURCES };
struct rep_fund {
	int given;                 /* from rows or the 资金来源 column of budget.csv */
	double initial, budget, spent;   /* initial NAN when not given */
};

struct rep_level {
	char *level1;
	double weight, score;
};

struct rep_unrepaired {
	int64_t id;
	char *device, *label;
	char opened[40];           /* local time of its base */
	char opened_iso[40];       /* ISO 8601 with the base's offset (JSON) */
};

struct rep_base {
	char *path;                /* the database, as resolved from the evaluation file */
	char *site_id, *site_name, *timezone;
	char from[40], to[40], cutoff[40];   /* local times of the base */
	char from_iso[40], to_iso[40], cutoff_iso[40];   /* ISO 8601 with its offset (JSON) */
	struct indicators ind;
	struct rep_unrepaired *unrepaired;
	size_t nunrepaired;
	/* the evidence it was made from: tbmctl verify's result and chain head */
	int verify;                /* 0 intact, 1 broken, -1 could not be checked */
	char verify_text[256];     /* what verify found when not intact */
	int64_t head_seq;
	char head_hash[65];
};

/* The bases merged: sums of counts; coverage is the minimum over the bases. */
struct rep_equipment {
	int faults, repaired, no_faults, within_24h, within_72h, repeats;
	double rate;
	double mttr_mean_hours;    /* repair-weighted mean over the bases; NAN without repairs */
	int accidents, near_misses, drills, unclassified, provisional;
	double coverage;
	int safety_points;
	int labs, labs_normal;
	int faults_per_month[12];  /* every device's kind-fault faults */
	int repair_faults_per_month[12];   /* the faults the repair rate counts */
	/* observation: the least observed base (or lab) behind each row */
	double observed_repair, observed_safety, observed_labs;
	char warnings[3][512];     /* rows below min_coverage, said above the table */
	int nwarnings;
};

struct report {
	char *policy, *department;
	char *project, *unit;      /* 项目名称, 实施单位 ("" when not given) */
	char *goal, *achieved;     /* 年度总体目标: 预期目标, 实际完成情况 ("" when not given) */
	char *period_text;         /* 评价时段 as shown */
	char period_from[32], period_to[32];   /* ISO 8601 dates or local times, to exclusive */
	char period_cutoff[32];    /* "" without a cutoff */
	int year;                  /* the evaluated year, 0 for another period */
	double normal_availability;
	struct rep_budget *budget;
	size_t nbudget;
	double budget_total, spent_total;
	double initial_total;      /* NAN without a 年初预算数 column */
	int budget_wan;            /* the budget file gave its amounts in 万元 */
	struct rep_fund funds[FUND_SOURCES];
	struct rep_row *rows;      /* rows[0] is 预算执行率 */
	size_t nrows;
	struct rep_level *levels;  /* in order of first appearance */
	size_t nlevels;
	double total_weight, total;
	const char *grade;         /* 优 良 中 差 */
	struct rep_base *bases;
	size_t nbases;
	struct rep_equipment eq;
};

void report_free(struct report *r);

#endif
