/*
 * render_json.c - the machine form of the report (cJSON): the same table,
 * totals and appendix, numbers as numbers, rates as fractions (0.9 = 90%),
 * absent values null, times ISO 8601 with the base's offset; a base's
 * figures built by the same function as tbmctl's (indicators_json_add).
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tbmreport.h"

static const char *const source_names[] = {
	[SRC_BUDGET] = "budget",
	[SRC_FIGURES] = "figures",
	[SRC_SURVEY] = "survey",
	[SRC_EQ_REPAIR] = "equipment:repair_rate",
	[SRC_EQ_SAFETY] = "equipment:safety_accidents",
	[SRC_EQ_LAB] = "equipment:lab_operation",
};

static const char *const fund_keys[FUND_SOURCES] = { "current", "carried_over", "other" };

static cJSON *
num_or_null(double v)
{
	return isnan(v) ? cJSON_CreateNull() : cJSON_CreateNumber(v);
}

static void
add_num(cJSON *o, const char *k, double v)
{
	cJSON_AddItemToObject(o, k, num_or_null(v));
}

static cJSON *
json_row(const struct rep_row *row)
{
	cJSON *o = cJSON_CreateObject(), *q;

	cJSON_AddStringToObject(o, "level1", row->level1);
	cJSON_AddStringToObject(o, "level2", row->level2);
	cJSON_AddStringToObject(o, "level3", row->level3);
	cJSON_AddStringToObject(o, "target", row->target_text);
	cJSON_AddStringToObject(o, "source", source_names[row->source]);
	if (row->target.quantitative) {
		cJSON *t = cJSON_AddObjectToObject(o, "target_parsed");
		cJSON_AddStringToObject(t, "op", target_op_text(row->target.op));
		cJSON_AddNumberToObject(t, "value", row->target.value);
		cJSON_AddStringToObject(t, "unit", row->target.unit);
	} else
		cJSON_AddNullToObject(o, "target_parsed");
	cJSON_AddStringToObject(o, "actual", row->actual_text ? row->actual_text : "");
	if (row->has_value)
		cJSON_AddNumberToObject(o, "actual_value", row->value);
	else
		cJSON_AddNullToObject(o, "actual_value");
	if (row->tier != TIER_NONE)
		cJSON_AddStringToObject(o, "tier", tier_name(row->tier));
	else
		cJSON_AddNullToObject(o, "tier");
	if (row->source == SRC_SURVEY && row->survey.file) {
		cJSON *s = cJSON_AddObjectToObject(o, "survey");
		cJSON_AddStringToObject(s, "file", row->survey.file);
		cJSON_AddNumberToObject(s, "respondents", row->survey.respondents);
		cJSON_AddNumberToObject(s, "valid", row->survey.valid);
		cJSON_AddNumberToObject(s, "invalid", row->survey.invalid);
		cJSON_AddNumberToObject(s, "satisfied", row->survey.satisfied);
		cJSON_AddItemToObject(s, "answers", cJSON_CreateIntArray(row->survey.counts, 5));
		cJSON_AddNumberToObject(s, "rate", row->survey.rate / 100.0);
		cJSON_AddStringToObject(s, "scale", row->survey.scale == SCALE_5_BEST ? "5-best" :
		    row->survey.scale == SCALE_1_BEST ? "1-best" : "none");
		if (row->survey.encoding)
			cJSON_AddStringToObject(s, "encoding", row->survey.encoding);
		else
			cJSON_AddStringToObject(s, "encoding", "UTF-8");
		q = cJSON_AddArrayToObject(s, "questions");
		for (size_t i = 0; i < row->survey.nquestions; i++) {
			const struct survey_question *x = &row->survey.questions[i];
			cJSON *y = cJSON_CreateObject();
			cJSON_AddStringToObject(y, "question", x->header);
			cJSON_AddNumberToObject(y, "valid", x->valid);
			cJSON_AddNumberToObject(y, "satisfied", x->satisfied);
			cJSON_AddNumberToObject(y, "invalid", x->invalid);
			cJSON_AddItemToObject(y, "answers", cJSON_CreateIntArray(x->counts, 5));
			add_num(y, "rate", x->rate);
			cJSON_AddItemToArray(q, y);
		}
	}
	cJSON_AddNumberToObject(o, "weight", row->weight);
	cJSON_AddNumberToObject(o, "score", row->score);
	cJSON_AddBoolToObject(o, "met", row->met);
	cJSON_AddBoolToObject(o, "over_target", row->over);
	cJSON_AddBoolToObject(o, "no_data", row->no_data);
	cJSON_AddStringToObject(o, "deviation", row->deviation ? row->deviation : "");
	return o;
}

static cJSON *
json_base(const struct rep_base *bs)
{
	const struct indicators *in = &bs->ind;
	cJSON *o = cJSON_CreateObject(), *a;

	cJSON_AddStringToObject(o, "site_id", bs->site_id);
	cJSON_AddStringToObject(o, "site_name", bs->site_name);
	cJSON_AddStringToObject(o, "database", bs->path);
	cJSON_AddStringToObject(o, "timezone", bs->timezone);
	cJSON_AddStringToObject(o, "from", bs->from_iso);
	cJSON_AddStringToObject(o, "to", bs->to_iso);
	cJSON_AddStringToObject(o, "cutoff", bs->cutoff_iso);
	indicators_json_add(o, in);
	/* the evidence: the chain head the figures were made from */
	a = cJSON_AddObjectToObject(o, "audit");
	cJSON_AddBoolToObject(a, "intact", bs->verify == 0);
	cJSON_AddNumberToObject(a, "head_seq", (double)bs->head_seq);
	cJSON_AddStringToObject(a, "head_hash", bs->head_hash);
	cJSON_AddItemToObject(a, "problem", bs->verify ? cJSON_CreateString(bs->verify_text) :
	    cJSON_CreateNull());
	a = cJSON_AddArrayToObject(o, "unrepaired");
	for (size_t i = 0; i < bs->nunrepaired; i++) {
		cJSON *y = cJSON_CreateObject();
		cJSON_AddNumberToObject(y, "id", (double)bs->unrepaired[i].id);
		cJSON_AddStringToObject(y, "device", bs->unrepaired[i].device);
		if (bs->unrepaired[i].label)
			cJSON_AddStringToObject(y, "label", bs->unrepaired[i].label);
		else
			cJSON_AddNullToObject(y, "label");
		cJSON_AddStringToObject(y, "opened_at", bs->unrepaired[i].opened_iso);
		cJSON_AddItemToArray(a, y);
	}
	return o;
}

int
render_json(const struct report *r, FILE *fp)
{
	const struct rep_equipment *e = &r->eq;
	cJSON *root = cJSON_CreateObject(), *x, *a;
	char *text;
	int rc = -1;

	if (root == NULL)
		return -1;
	cJSON_AddStringToObject(root, "policy", r->policy);
	cJSON_AddStringToObject(root, "department", r->department);
	cJSON_AddStringToObject(root, "project", r->project);
	cJSON_AddStringToObject(root, "unit", r->unit);
	/* the period as dates (to exclusive), with the form's wording beside it */
	x = cJSON_AddObjectToObject(root, "period");
	cJSON_AddStringToObject(x, "from", r->period_from);
	cJSON_AddStringToObject(x, "to", r->period_to);
	if (r->period_cutoff[0])
		cJSON_AddStringToObject(x, "cutoff", r->period_cutoff);
	else
		cJSON_AddNullToObject(x, "cutoff");
	cJSON_AddStringToObject(x, "text", r->period_text);
	x = cJSON_AddObjectToObject(root, "goals");
	cJSON_AddStringToObject(x, "expected", r->goal);
	cJSON_AddStringToObject(x, "achieved", r->achieved);
	a = cJSON_AddArrayToObject(root, "warnings");
	for (int i = 0; i < e->nwarnings; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(e->warnings[i]));
	/* amounts in 元, whatever unit the budget file used */
	x = cJSON_AddObjectToObject(root, "budget");
	a = cJSON_AddArrayToObject(x, "items");
	for (size_t i = 0; i < r->nbudget; i++) {
		cJSON *y = cJSON_CreateObject();
		cJSON_AddStringToObject(y, "name", r->budget[i].name);
		add_num(y, "initial", r->budget[i].initial);
		cJSON_AddNumberToObject(y, "budget", r->budget[i].budget);
		cJSON_AddNumberToObject(y, "spent", r->budget[i].spent);
		add_num(y, "rate", r->budget[i].budget > 0 ? r->budget[i].spent / r->budget[i].budget :
		    NAN);
		if (r->budget[i].source >= 0)
			cJSON_AddStringToObject(y, "source", fund_keys[r->budget[i].source]);
		else
			cJSON_AddNullToObject(y, "source");
		cJSON_AddItemToArray(a, y);
	}
	add_num(x, "initial", r->initial_total);
	cJSON_AddNumberToObject(x, "budget", r->budget_total);
	cJSON_AddNumberToObject(x, "spent", r->spent_total);
	add_num(x, "rate", r->budget_total > 0 ? r->spent_total / r->budget_total : NAN);
	cJSON_AddNumberToObject(x, "weight", r->rows[0].weight);
	cJSON_AddNumberToObject(x, "score", r->rows[0].score);
	{
		cJSON *fs = cJSON_AddObjectToObject(x, "sources");
		for (int k = 0; k < FUND_SOURCES; k++) {
			cJSON *y;
			if (!r->funds[k].given) {
				cJSON_AddNullToObject(fs, fund_keys[k]);
				continue;
			}
			y = cJSON_AddObjectToObject(fs, fund_keys[k]);
			add_num(y, "initial", r->funds[k].initial);
			cJSON_AddNumberToObject(y, "budget", r->funds[k].budget);
			cJSON_AddNumberToObject(y, "spent", r->funds[k].spent);
		}
	}
	a = cJSON_AddArrayToObject(root, "indicators");
	for (size_t i = 0; i < r->nrows; i++)
		cJSON_AddItemToArray(a, json_row(&r->rows[i]));
	a = cJSON_AddArrayToObject(root, "levels");
	for (size_t i = 0; i < r->nlevels; i++) {
		cJSON *y = cJSON_CreateObject();
		cJSON_AddStringToObject(y, "level1", r->levels[i].level1);
		cJSON_AddNumberToObject(y, "weight", r->levels[i].weight);
		cJSON_AddNumberToObject(y, "score", r->levels[i].score);
		cJSON_AddItemToArray(a, y);
	}
	cJSON_AddNumberToObject(root, "total_weight", r->total_weight);
	cJSON_AddNumberToObject(root, "total", r->total);
	cJSON_AddStringToObject(root, "grade", r->grade);
	x = cJSON_AddObjectToObject(root, "equipment");
	cJSON_AddNumberToObject(x, "bases", (double)r->nbases);
	cJSON_AddNumberToObject(x, "faults", e->faults);
	cJSON_AddNumberToObject(x, "repaired", e->repaired);
	cJSON_AddNumberToObject(x, "rate", e->rate);
	cJSON_AddBoolToObject(x, "no_faults", e->no_faults);
	cJSON_AddNumberToObject(x, "within_24h", e->within_24h);
	cJSON_AddNumberToObject(x, "within_72h", e->within_72h);
	add_num(x, "mttr_hours", e->mttr_mean_hours);
	cJSON_AddNumberToObject(x, "repeats", e->repeats);
	cJSON_AddNumberToObject(x, "accidents", e->accidents);
	cJSON_AddNumberToObject(x, "near_misses", e->near_misses);
	cJSON_AddNumberToObject(x, "drills", e->drills);
	cJSON_AddNumberToObject(x, "unclassified", e->unclassified);
	cJSON_AddBoolToObject(x, "provisional", e->provisional);
	add_num(x, "coverage", e->safety_points ? e->coverage : NAN);
	cJSON_AddNumberToObject(x, "labs", e->labs);
	cJSON_AddNumberToObject(x, "labs_normal", e->labs_normal);
	cJSON_AddNumberToObject(x, "normal_availability", r->normal_availability);
	cJSON_AddItemToObject(x, "faults_per_month", cJSON_CreateIntArray(e->faults_per_month, 12));
	cJSON_AddItemToObject(x, "repair_faults_per_month",
	    cJSON_CreateIntArray(e->repair_faults_per_month, 12));
	a = cJSON_AddArrayToObject(x, "sites");
	for (size_t i = 0; i < r->nbases; i++)
		cJSON_AddItemToArray(a, json_base(&r->bases[i]));
	if ((text = cJSON_Print(root)) != NULL) {
		fputs(text, fp);
		fputc('\n', fp);
		free(text);
		rc = ferror(fp) ? -1 : 0;
	}
	cJSON_Delete(root);
	return rc;
}
