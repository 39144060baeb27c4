/*
 * report.c - the whole pipeline: the evaluation file, the command line's
 * period, the CSV inputs, the bases' databases, then the scores. Also
 * frees the model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tbmreport.h"

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
			diag_add(d, NULL, 0, "--period: '%s' is not a year", o->period);
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
	if (period_resolve(&p, &from, &to, &cutoff, err, sizeof(err)) != 0) {
		diag_add(d, evaluation, ef.period_line, "%s", err);
		goto out;
	}
	r->policy = strdup(ef.policy);
	r->department = strdup(ef.department);
	r->period_text = period_text(&p);
	r->normal_availability = ef.normal_availability;
	if (!r->policy || !r->department || !r->period_text) {
		diag_add(d, NULL, 0, "out of memory");
		goto out;
	}
	if (inputs_load(&ef, r, d) != 0 && r->rows == NULL)
		goto out;
	equipment_load(&ef, &p, r, d);
	if (d->count > 0)
		goto out;
	if (score_report(r) != 0) {
		diag_add(d, NULL, 0, "out of memory");
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
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	free(r->policy);
	free(r->department);
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
