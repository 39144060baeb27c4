/*
 * report.c - the whole pipeline: the evaluation file, the command line's
 * period, the CSV inputs, the bases' databases, then the scores. Also
 * frees the model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tbmreport.h"
#include "tbmtime.h"

/* The period for the JSON: dates where the period is whole days, else ISO
 * 8601 with the offset of the evaluation's zone. */
static void
iso_point(const char *given, int64_t ms, char *buf, size_t len)
{
	int y, m, d;

	if (given && strlen(given) == 10 && given[4] == '-' && given[7] == '-') {
		snprintf(buf, len, "%s", given);
		return;
	}
	if (given == NULL) {
		time_local_fields(ms, &y, &m, &d);
		if (time_local_mktime(y, m, d, 0, 0, 0) == ms) {
			snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
			return;
		}
	}
	time_format_iso(ms, buf, len);
}

static void
period_iso(const struct period_spec *p, int64_t from, int64_t to, int64_t cutoff,
    struct report *r)
{
	iso_point(p->year ? NULL : p->from, from, r->period_from, sizeof(r->period_from));
	iso_point(p->year ? NULL : p->to, to, r->period_to, sizeof(r->period_to));
	if (p->cutoff)
		iso_point(p->cutoff, cutoff, r->period_cutoff, sizeof(r->period_cutoff));
}

int
report_build(const char *evaluation, const struct report_opts *o, struct report *r,
    struct diag *d)
{
	struct evalfile ef;
	struct period_spec p;
	int64_t from, to, cutoff;
	char err[256];
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (evalfile_load(evaluation, &ef, d) != 0)
		goto out;
	p = ef.period;
	if (o && o->period) {
		if (period_set_year(&p, o->period) != 0) {
			diag_add(d, "tbm-report", 0, _("--period: '%s' is not a year"), o->period);
			goto out;
		}
		p.from = p.to = NULL;
	}
	if (o && (o->from || o->to)) {
		p.year = 0;
		p.from = (char *)o->from;
		p.to = (char *)o->to;
	}
	if (o && o->cutoff)
		p.cutoff = (char *)o->cutoff;
	if ((rc = period_resolve(&p, &from, &to, &cutoff, err, sizeof(err))) != 0) {
		/* the command line's error is the command line's, not the file's */
		if (rc == -2 && o && o->cutoff)
			diag_add(d, "tbm-report", 0, "--cutoff: %s", err);
		else if (rc == -1 && o && (o->from || o->period))
			diag_add(d, "tbm-report", 0, "%s: %s", o->from ? "--from/--to" : "--period", err);
		else
			diag_add(d, evaluation, rc == -2 ? ef.cutoff_line : ef.period_line, "%s", err);
		rc = -1;
		goto out;
	}
	rc = -1;
	r->policy = strdup(ef.policy);
	r->department = strdup(ef.department);
	r->project = strdup(ef.project ? ef.project : ef.policy);
	r->unit = strdup(ef.unit ? ef.unit : "");
	r->goal = strdup(ef.goal ? ef.goal : "");
	r->achieved = strdup(ef.achieved ? ef.achieved : "");
	r->period_text = period_text(&p);
	r->normal_availability = ef.normal_availability;
	r->year = p.year;
	period_iso(&p, from, to, cutoff, r);
	if (!r->policy || !r->department || !r->period_text || !r->project || !r->unit ||
	    !r->goal || !r->achieved) {
		diag_add(d, NULL, 0, "%s", _("out of memory"));
		goto out;
	}
	if (inputs_load(&ef, r, d) != 0 && r->rows == NULL)
		goto out;
	equipment_load(&ef, &p, r, d);
	if (d->count > 0)
		goto out;
	if (score_report(r) != 0) {
		diag_add(d, NULL, 0, "%s", _("out of memory"));
		goto out;
	}
	rc = 0;
out:
	evalfile_free(&ef);
	return rc;
}

static void
row_free(struct rep_row *row)
{
	free(row->level1);
	free(row->level2);
	free(row->level3);
	free(row->target_text);
	free(row->actual_text);
	free(row->note);
	free(row->deviation);
	free(row->survey.file);
	for (size_t i = 0; i < row->survey.nquestions; i++)
		free(row->survey.questions[i].header);
	free(row->survey.questions);
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	free(r->policy);
	free(r->department);
	free(r->project);
	free(r->unit);
	free(r->goal);
	free(r->achieved);
	free(r->period_text);
	for (size_t i = 0; i < r->nbudget; i++)
		free(r->budget[i].name);
	free(r->budget);
	for (size_t i = 0; i < r->nrows; i++)
		row_free(&r->rows[i]);
	free(r->rows);
	free(r->levels);
	for (size_t i = 0; i < r->nbases; i++) {
		struct rep_base *b = &r->bases[i];
		free(b->path);
		free(b->site_id);
		free(b->site_name);
		free(b->timezone);
		indicators_free(&b->ind);
		for (size_t j = 0; j < b->nunrepaired; j++) {
			free(b->unrepaired[j].device);
			free(b->unrepaired[j].label);
		}
		free(b->unrepaired);
	}
	free(r->bases);
	memset(r, 0, sizeof(*r));
}
