/*
 * tbmreport.h - what each file of tbm-report exports. The inputs are read
 * into struct report (model.h), scored, and handed to one renderer.
 */
#ifndef TBM_REPORT_H
#define TBM_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "i18n.h"
#include "inifile.h"
#include "model.h"

/* diag.c: the messages the input checks collect, "FILE:LINE: message" each,
 * all of them rather than the first; and the notices and warnings that do
 * not stop the report (an encoding detected, many invalid answers). */
struct diag {
	char *text;                /* NUL-terminated lines, each ending in '\n' */
	size_t len, cap;
	int count;
	char *notes;               /* the same, for notices and warnings */
	size_t nlen, ncap;
	int nnotes;
};
void diag_add(struct diag *d, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diag_note(struct diag *d, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diag_free(struct diag *d);
/* the same errors' list as a reader of lib/inifile.c sees it, for its shared
 * complaints (unknown key, missing key, bad value) */
struct inifile_diag diag_errors(struct diag *d);

/* evalfile.c: the evaluation file (INI). Paths are made relative to it. */
enum survey_scale { SCALE_NONE = 0, SCALE_5_BEST, SCALE_1_BEST };
#define SURVEY_SATISFIED_DEFAULT 0x3u   /* 非常满意, 满意 (比较满意 is 满意) */
struct eval_survey {
	char *name;                /* the 三级指标 it fills */
	char *file;
	int line;                  /* of file = */
	char **columns;            /* columns = (NULL: every header containing 满意) */
	size_t ncolumns;
	int columns_line;
	enum survey_scale scale;   /* how numeric answers are numbered */
	int scale_line;
	unsigned satisfied;        /* bit k: answer k of the scale (0 非常满意 .. 4) counts */
	int satisfied_line;
};
struct period_spec {
	int year;                  /* 0: from/to */
	char *from, *to;           /* T strings, to exclusive */
	char *cutoff;              /* NULL: the period's end */
};
struct evalfile {
	char *path;
	char *policy, *department;
	char *project, *unit;      /* 项目名称 (default: policy), 实施单位 */
	char *goal, *achieved;     /* 年度总体目标: 预期目标, 实际完成情况 */
	struct period_spec period;
	int period_line;           /* period = or from = */
	int cutoff_line;
	char *targets, *figures, *budget;
	char **databases;
	size_t ndatabases;
	int databases_line;
	double normal_availability;
	int count_comm_faults;     /* comm faults count in 故障修复率 (DESIGN: only if asked) */
	double min_coverage;       /* equipment rows observed less are 数据不足 */
	char *monitoring_from;     /* T: the equipment period starts here (tbmond installed) */
	char *accept_low_coverage; /* a reason: low coverage is accepted and said in the row */
	struct eval_survey *surveys;
	size_t nsurveys;
};
int evalfile_load(const char *path, struct evalfile *ef, struct diag *d);
void evalfile_free(struct evalfile *ef);
/* period_resolve: in the current time zone; with a message when malformed:
 * -1 the period, -2 the cutoff (so that the message can name whoever set it). */
int period_resolve(const struct period_spec *p, int64_t *from, int64_t *to, int64_t *cutoff,
    char *err, size_t len);
/* period_text: 评价时段 as the form writes it, "2023年01月-2023年12月". */
char *period_text(const struct period_spec *p);
int period_set_year(struct period_spec *p, const char *s);

/* csvin.c: CSV files through libcsv: optional UTF-8 BOM, quoted fields,
 * header checked by column names. */
struct csv_row {
	int line;
	char **f;                  /* one per header column */
};
struct csv_table {
	const char *file;          /* as shown in messages (borrowed) */
	const char *encoding;      /* NULL: UTF-8; "GB18030": converted from it */
	size_t ncols;
	char **header;
	int *wan;                  /* per column: its header said （万元） (CSVIN_UNITS) */
	struct csv_row *rows;
	size_t nrows;
};
/* csvin_read: `need` columns must all be there, `opt` may be; others are
 * an error unless CSVIN_EXTRA_OK. With CSVIN_UNITS a header may end in its
 * unit, （万元） or （元）, recorded in t->wan. col[i] is the index of need[i]
 * (then opt[i]) or -1. Rows with every field empty are skipped. -1 when the
 * file could not be used (messages in d); bad rows are reported and left
 * out. A file that is not UTF-8 is read as GB18030, with a notice. */
#define CSVIN_EXTRA_OK 1
#define CSVIN_UNITS 2
int csvin_read(const char *path, const char *const *need, size_t nneed, const char *const *opt,
    size_t nopt, int flags, struct csv_table *t, int *col, struct diag *d);
void csvin_free(struct csv_table *t);

/* target.c: 指标值 and 实际完成值 texts. */
int target_parse(const char *text, struct target *t, char *err, size_t len);
/* actual_parse: a number with the target's unit (or none); 万 allowed. */
int actual_parse(const char *text, const struct target *t, double *v, char *err, size_t len);
const char *target_op_text(enum tgt_op op);
/* number_parse: a plain decimal, spaces around allowed ("12.5"); -1 otherwise. */
int number_parse(const char *s, double *v);

/* inputs.c: targets, figures, surveys and budget into the report rows. */
/* money_parse: a plain decimal or one with thousands separators (1,234.5). */
int money_parse(const char *s, double *v);
int inputs_load(const struct evalfile *ef, struct report *r, struct diag *d);
/* survey_word: an answer of the five-point scale in words, as its index
 * (0 非常满意, 1 满意/比较满意, 2 一般, 3 不满意/不太满意, 4 非常不满意); -1 if
 * it is not one. */
int survey_word(const char *s);
/* survey_answer: one answer; 1 satisfied, 0 valid not satisfied, -1 invalid,
 * -2 a number while the survey has no scale. */
int survey_answer(const char *s, enum survey_scale scale, unsigned satisfied, int *index);

/* score.c: the scoring rules of DESIGN.md. */
double score_quant(enum tgt_op op, double target, double actual, double weight);
double score_tier(enum tier t, double rate, double weight);   /* rate < 0: top of the band */
int score_tier_rate_ok(enum tier t, double rate);
double score_round(double v);
const char *score_grade(double total);
const char *tier_name(enum tier t);
int tier_parse(const char *s);
/* score_weights: default weights for empty 分值 (产出 50, 效益 30, 满意度 10). */
int score_weights(struct report *r, const char *targets_file, struct diag *d);
/* score_report: every row's score and 偏差 draft, level totals, total, grade. */
int score_report(struct report *r);

/* equipment.c: each database read only, in its site's time zone, through
 * indicators_compute; the bases merged. */
int equipment_load(const struct evalfile *ef, const struct period_spec *p, struct report *r,
    struct diag *d);

/* format.c: how numbers look in every format. */
void fmt_num(double v, char *buf, size_t len);          /* 2 decimals, trailing zeros cut */
void fmt_pct(double fraction, char *buf, size_t len);   /* "93.33%" */
/* fmt_pct_vs: a percentage compared with a threshold: more decimals where
 * two would put it on the other side ("94.995%" against 95%). */
void fmt_pct_vs(double fraction, double threshold, char *buf, size_t len);
void fmt_money(double v, char *buf, size_t len);        /* "21,800,000.00" */
void fmt_score(double v, char *buf, size_t len);        /* "4.84" */
void fmt_hours(double h, char *buf, size_t len);        /* "3.5", "—" for NAN */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* strbuf: appending text for drafts. */
struct strbuf {
	char *s;
	size_t len, cap;
};
void sb_add(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* doc.c: the report laid out as headings, key-value lists and tables - the
 * one layout md, csv, html and xlsx print, so that they cannot differ.
 * JSON, the machine form, reads the model itself. */
enum cell_fmt { CF_TEXT = 0, CF_INT, CF_NUM, CF_PCT, CF_SCORE, CF_MONEY, CF_HOURS };
/* CF_MONEY cells hold 元 and show 万元 (the form's unit). */
struct cell {
	char *text;                /* as shown */
	enum cell_fmt fmt;
	double v;                  /* the number behind it (fraction for CF_PCT); NAN: none */
};
enum block_kind { B_TITLE, B_SUBTITLE, B_HEADING, B_KV, B_TABLE };
enum chart_kind { CHART_NONE = 0, CHART_MONTHS, CHART_LABS };
/* What a table is, for the renderers that do more than print it (the xlsx
 * writes formulas over the cells its totals and scores come from). */
enum block_role { ROLE_NONE = 0, ROLE_FUNDS, ROLE_GOALS, ROLE_INDICATORS, ROLE_LEVELS,
	ROLE_TOTAL, ROLE_BUDGET_DETAIL, ROLE_SURVEY };
/* The three parts: the form as printed, its equipment summary, and the long
 * lists (xlsx sheets; html starts each on a new page). */
enum { SHEET_FORM = 0, SHEET_EQUIPMENT, SHEET_LISTS, NSHEETS };
struct block {
	enum block_kind kind;
	int level;                 /* B_HEADING: 2, 3, 4 */
	int sheet;                 /* SHEET_* */
	int first_of_sheet;        /* html: a page break before it */
	char *text;                /* B_TITLE, B_SUBTITLE, B_HEADING */
	size_t ncols, nrows;
	char **head;               /* B_TABLE; B_KV has none */
	struct cell *cells;        /* nrows x ncols */
	int indicators;            /* the indicator table: level columns merged when repeated */
	int total_row;             /* the last row is a total */
	enum chart_kind chart;     /* html: a chart drawn from this table's first row */
	enum block_role role;
	const void *ref;           /* ROLE_SURVEY: its struct rep_row */
};
extern const char *const doc_sheet_names[NSHEETS];
struct doc {
	struct block *b;
	size_t n;
};
int doc_build(const struct report *r, struct doc *d);
void doc_free(struct doc *d);
const struct cell *doc_cell(const struct block *b, size_t row, size_t col);
/* doc_same_above: the cell repeats the one above it, and so do the cells to
 * its left (html and xlsx merge such runs into one cell); never for the
 * first row or a total row. */
int doc_same_above(const struct block *b, size_t r, size_t c);

/* render_*.c */
int render_md(const struct report *r, FILE *fp);
int render_csv(const struct report *r, FILE *fp);
int render_json(const struct report *r, FILE *fp);
int render_html(const struct report *r, FILE *fp);
int render_xlsx(const struct report *r, const char *path);

/* report.c: the whole pipeline, for main and the tests. */
struct report_opts {
	const char *period;        /* --period YYYY */
	const char *from, *to, *cutoff;
};
int report_build(const char *evaluation, const struct report_opts *o, struct report *r,
    struct diag *d);

#endif
