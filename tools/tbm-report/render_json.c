/*
 * render_json.c - the machine form of the report (cJSON): the same table,
 * totals and appendix, numbers as numbers, rates as fractions (0.9 = 90%),
 * absent values null; keys in snake_case like tbmctl's.
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
	cJSON *o = cJSON_CreateObject();

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
	}
	cJSON_AddNumberToObject(o, "weight", row->weight);
	cJSON_AddNumberToObject(o, "score", row->score);
	cJSON_AddBoolToObject(o, "met", row->met);
	cJSON_AddBoolToObject(o, "over_target", row->over);
	cJSON_AddStringToObject(o, "deviation", row->deviation ? row->deviation : "");
	return o;
}

static cJSON *
json_base(const struct rep_base *bs)
{
	const struct indicators *in = &bs->ind;
	cJSON *o = cJSON_CreateObject(), *x, *a;

	cJSON_AddStringToObject(o, "site_id", bs->site_id);
	cJSON_AddStringToObject(o, "site_name", bs->site_name);
	cJSON_AddStringToObject(o, "database", bs->path);
	cJSON_AddStringToObject(o, "timezone", bs->timezone);
	cJSON_AddStringToObject(o, "from", bs->from);
	cJSON_AddStringToObject(o, "to", bs->to);
	cJSON_AddStringToObject(o, "cutoff", bs->cutoff);
	x = cJSON_AddObjectToObject(o, "fault_repair_rate");
	cJSON_AddNumberToObject(x, "faults", in->repair.faults);
	cJSON_AddNumberToObject(x, "repaired", in->repair.repaired);
	cJSON_AddNumberToObject(x, "rate", in->repair.rate);
	cJSON_AddNumberToObject(x, "within_24h", in->repair.within_24h);
	cJSON_AddNumberToObject(x, "within_72h", in->repair.within_72h);
	add_num(x, "mttr_hours", in->repair.mttr_mean_hours);
	add_num(x, "mttr_median_hours", in->repair.mttr_median_hours);
	cJSON_AddNumberToObject(x, "repeats", in->repair.repeats);
	x = cJSON_AddObjectToObject(o, "safety");
	cJSON_AddNumberToObject(x, "accidents", in->safety.accidents);
	cJSON_AddNumberToObject(x, "near_misses", in->safety.near_misses);
	cJSON_AddNumberToObject(x, "drills", in->safety.drills);
	cJSON_AddNumberToObject(x, "unclassified", in->safety.unclassified);
	cJSON_AddNumberToObject(x, "safety_points", in->safety.safety_points);
	add_num(x, "coverage", in->safety.safety_points ? in->safety.coverage : NAN);
	a = cJSON_AddArrayToObject(o, "labs");
	for (size_t i = 0; i < in->nlabs; i++) {
		const struct ind_lab *l = &in->labs[i];
		cJSON *y = cJSON_CreateObject();
		cJSON_AddStringToObject(y, "lab", l->lab);
		cJSON_AddNumberToObject(y, "devices", l->devices);
		cJSON_AddNumberToObject(y, "faults", l->faults);
		cJSON_AddNumberToObject(y, "repaired", l->repaired);
		add_num(y, "mttr_hours", l->mttr_hours);
		cJSON_AddNumberToObject(y, "availability", l->availability);
		cJSON_AddBoolToObject(y, "normal", l->normal);
		cJSON_AddNumberToObject(y, "safety_events", l->safety_events);
		add_num(y, "coverage", l->safety_points ? l->coverage : NAN);
		cJSON_AddNumberToObject(y, "safety_points", l->safety_points);
		cJSON_AddItemToArray(a, y);
	}
	a = cJSON_AddArrayToObject(o, "devices");
	for (size_t i = 0; i < in->ndevices; i++) {
		const struct ind_device *dv = &in->devices[i];
		cJSON *y = cJSON_CreateObject();
		cJSON_AddStringToObject(y, "id", dv->id);
		if (dv->name)
			cJSON_AddStringToObject(y, "name", dv->name);
		else
			cJSON_AddNullToObject(y, "name");
		cJSON_AddStringToObject(y, "lab", dv->lab ? dv->lab : "");
		cJSON_AddBoolToObject(y, "assessment", dv->assessment);
		cJSON_AddNumberToObject(y, "faults", dv->faults);
		cJSON_AddNumberToObject(y, "repaired", dv->repaired);
		cJSON_AddNumberToObject(y, "availability", dv->availability);
		add_num(y, "mtbf_hours", dv->mtbf_hours);
		cJSON_AddItemToArray(a, y);
	}
	a = cJSON_AddArrayToObject(o, "unrepaired");
	for (size_t i = 0; i < bs->nunrepaired; i++) {
		cJSON *y = cJSON_CreateObject();
		cJSON_AddNumberToObject(y, "id", (double)bs->unrepaired[i].id);
		cJSON_AddStringToObject(y, "device", bs->unrepaired[i].device);
		if (bs->unrepaired[i].label)
			cJSON_AddStringToObject(y, "label", bs->unrepaired[i].label);
		else
			cJSON_AddNullToObject(y, "label");
		cJSON_AddStringToObject(y, "opened_at", bs->unrepaired[i].opened);
		cJSON_AddItemToArray(a, y);
	}
	cJSON_AddItemToObject(o, "faults_per_month", cJSON_CreateIntArray(in->faults_per_month, 12));
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
	cJSON_AddStringToObject(root, "period", r->period_text);
	x = cJSON_AddObjectToObject(root, "budget");
	a = cJSON_AddArrayToObject(x, "items");
	for (size_t i = 0; i < r->nbudget; i++) {
		cJSON *y = cJSON_CreateObject();
		cJSON_AddStringToObject(y, "name", r->budget[i].name);
		cJSON_AddNumberToObject(y, "budget", r->budget[i].budget);
		cJSON_AddNumberToObject(y, "spent", r->budget[i].spent);
		add_num(y, "rate", r->budget[i].budget > 0 ? r->budget[i].spent / r->budget[i].budget :
		    NAN);
		cJSON_AddItemToArray(a, y);
	}
	cJSON_AddNumberToObject(x, "budget", r->budget_total);
	cJSON_AddNumberToObject(x, "spent", r->spent_total);
	add_num(x, "rate", r->budget_total > 0 ? r->spent_total / r->budget_total : NAN);
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
