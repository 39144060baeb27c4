/*
 * equipment.c - the equipment rows from the bases' databases: each opened
 * read only (a running tbmond is not disturbed) - a base's SQLite file or
 * its site in the central PostgreSQL store (lib/source.h) -, its period taken in its
 * own site's time zone, its figures from indicators_compute() - the same
 * function as `tbmctl indicators` - and the bases merged:
 *   repair rate  = sum of repaired / sum of faults (not a mean of rates);
 *   accidents    = the sum, provisional while any base has unclassified events;
 *   coverage     = the minimum over the bases with safety points: each base's
 *                  figure is a share of the same period, and a merged zero is
 *                  only as trustworthy as the least observed base;
 *   lab operation = 正常运转 only when every lab of every base is normal.
 * Each row also carries the observation behind it (the least observed base
 * or lab): below min_coverage it is 数据不足 and scores 0, unless the
 * evaluation file restricts the period (monitoring_from) or accepts it
 * (accept_low_coverage, said in the row). Each base's chain head and verify
 * result go on the evaluation, so that the form pins its evidence.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "source.h"
#include "tbmreport.h"
#include "tbmtime.h"

static char *saved_tz;
static int saved_tz_set;

/* A database without a zone is read in the zone we started with. */
static void
zone_use(const char *tz)
{
	if (tz != NULL && *tz != '\0') {
		time_set_zone(tz);
		return;
	}
	if (saved_tz_set)
		setenv("TZ", saved_tz, 1);
	else
		unsetenv("TZ");
	time_set_zone(NULL);
}

static int
load_base(const struct evalfile *ef, int line, const char *path, const struct period_spec *p,
    const struct ind_opts *io, struct rep_base *bs, struct diag *d)
{
	const char *efpath = ef->path;
	struct verify_result vr;
	struct source src = { 0 };
	struct site_row site;
	struct stat sb;
	int64_t from, to, cutoff;
	char err[512];
	int rc = -1, found;

	memset(&site, 0, sizeof(site));
	if ((bs->path = strdup(path)) == NULL)
		goto oom;
	if (!source_is_pg(path) && stat(path, &sb) != 0) {
		diag_add(d, efpath, line, _("database %s: %s"), path, strerror(errno));
		goto out;
	}
	/* a base's SQLite file, or its site in the central PostgreSQL store */
	if (source_open(path, &src, err, sizeof(err)) != 0) {
		diag_add(d, efpath, line, _("database %s"), err);
		goto out;
	}
	if ((found = source_site(&src, &site)) < 0) {
		diag_add(d, efpath, line, _("database %s: %s"), path, source_errmsg(&src));
		goto out;
	}
	if (found && site.timezone && *site.timezone && !time_zone_valid(site.timezone)) {
		diag_add(d, efpath, line, _("database %s: time zone '%s' is not known to this system"),
		    path, site.timezone);
		goto out;
	}
	zone_use(found ? site.timezone : NULL);
	if (period_resolve(p, &from, &to, &cutoff, err, sizeof(err)) != 0) {
		diag_add(d, efpath, 0, "%s", err);
		goto out;
	}
	if (ef->monitoring_from) {
		/* the equipment rows begin when monitoring began (in the base's zone) */
		int64_t mf;
		if (time_parse(ef->monitoring_from, &mf) == 0 && mf > from)
			from = mf < to ? mf : to;
	}
	/* the evidence: verify the chain and keep its head, as tbmctl verify prints it */
	bs->verify = source_verify_head(&src, &vr, bs->verify_text, sizeof(bs->verify_text));
	bs->head_seq = vr.head_seq;
	snprintf(bs->head_hash, sizeof(bs->head_hash), "%s", vr.head_hash);
	if (indicators_compute_src(&src, from, to, cutoff, io, &bs->ind, err, sizeof(err)) != 0) {
		diag_add(d, efpath, line, _("database %s: %s"), path, err);
		goto out;
	}
	bs->site_id = strdup(bs->ind.site_id ? bs->ind.site_id : "");
	bs->site_name = strdup(bs->ind.site_name ? bs->ind.site_name : "");
	bs->timezone = strdup(found && site.timezone ? site.timezone : "");
	if (!bs->site_id || !bs->site_name || !bs->timezone)
		goto oom;
	time_format_local(from, bs->from, sizeof(bs->from));
	time_format_local(to, bs->to, sizeof(bs->to));
	time_format_local(cutoff, bs->cutoff, sizeof(bs->cutoff));
	time_format_iso(from, bs->from_iso, sizeof(bs->from_iso));
	time_format_iso(to, bs->to_iso, sizeof(bs->to_iso));
	time_format_iso(cutoff, bs->cutoff_iso, sizeof(bs->cutoff_iso));
	if (bs->ind.nunrepaired &&
	    (bs->unrepaired = calloc(bs->ind.nunrepaired, sizeof(*bs->unrepaired))) == NULL)
		goto oom;
	for (size_t i = 0; i < bs->ind.nunrepaired; i++) {
		const struct ind_unrepaired *u = &bs->ind.unrepaired[i];
		struct rep_unrepaired *x = &bs->unrepaired[bs->nunrepaired++];
		x->id = u->id;
		x->device = strdup(u->device ? u->device : "");
		x->label = u->label ? strdup(u->label) : NULL;
		time_format_local(u->opened_at, x->opened, sizeof(x->opened));
		time_format_iso(u->opened_at, x->opened_iso, sizeof(x->opened_iso));
		if (x->device == NULL || (u->label && x->label == NULL))
			goto oom;
	}
	rc = 0;
	goto out;
oom:
	diag_add(d, efpath, line, _("database %s: out of memory"), path);
out:
	store_site_clear(&site);
	source_close(&src);
	return rc;
}

static void
merge(struct report *r)
{
	struct rep_equipment *e = &r->eq;
	double mttr_sum = 0;
	int mttr_n = 0, with_points = 0;

	memset(e, 0, sizeof(*e));
	e->coverage = 1.0;
	e->observed_repair = e->observed_safety = e->observed_labs = r->nbases ? 1.0 : 0.0;
	for (size_t i = 0; i < r->nbases; i++) {
		const struct indicators *x = &r->bases[i].ind;
		e->faults += x->repair.faults;
		e->repaired += x->repair.repaired;
		e->within_24h += x->repair.within_24h;
		e->within_72h += x->repair.within_72h;
		e->repeats += x->repair.repeats;
		if (!isnan(x->repair.mttr_mean_hours)) {
			mttr_sum += x->repair.mttr_mean_hours * x->repair.repaired;
			mttr_n += x->repair.repaired;
		}
		e->accidents += x->safety.accidents;
		e->near_misses += x->safety.near_misses;
		e->drills += x->safety.drills;
		e->unclassified += x->safety.unclassified;
		e->safety_points += x->safety.safety_points;
		if (x->safety.safety_points > 0) {
			if (!with_points++ || x->safety.coverage < e->coverage)
				e->coverage = x->safety.coverage;
		}
		for (size_t j = 0; j < x->nlabs; j++) {
			e->labs++;
			e->labs_normal += x->labs[j].normal != 0;
			e->observed_labs = fmin(e->observed_labs, x->labs[j].observed);
		}
		e->observed_repair = fmin(e->observed_repair, x->repair.observed);
		e->observed_safety = fmin(e->observed_safety, x->safety.observed);
		for (int m = 0; m < 12; m++) {
			e->faults_per_month[m] += x->faults_per_month[m];
			e->repair_faults_per_month[m] += x->repair_faults_per_month[m];
		}
	}
	e->no_faults = e->faults == 0;
	e->rate = e->faults ? (double)e->repaired / e->faults : 1.0;
	e->mttr_mean_hours = mttr_n ? mttr_sum / mttr_n : NAN;
	e->provisional = e->unclassified > 0;
}

/*
 * coverage_check: a row's figure is only as good as the watching behind it.
 * Below min_coverage it becomes 数据不足 (scored 0 and named in a warning),
 * unless the evaluation accepts it (the reason goes into the row's 偏差原因).
 * A period restricted with monitoring_from is said in the row either way.
 * -1 when out of memory.
 */
static int
coverage_check(const struct evalfile *ef, struct report *r, struct rep_row *row, double observed)
{
	struct rep_equipment *e = &r->eq;
	char cov[64], lim[64], *t;

	fmt_pct(observed, cov, sizeof(cov));
	fmt_pct(ef->min_coverage, lim, sizeof(lim));
	if (ind_under_observed(observed, ef->min_coverage) && ef->accept_low_coverage) {
		free(row->note);
		if ((row->note = xasprintf("监测覆盖率 %s，低于 %s；%s", cov, lim,
		    ef->accept_low_coverage)) == NULL)
			return -1;
	} else if (ind_under_observed(observed, ef->min_coverage)) {
		free(row->actual_text);
		if ((row->actual_text = xasprintf("数据不足（监测覆盖率 %s）", cov)) == NULL)
			return -1;
		row->no_data = 1;
		row->tier = TIER_UNMET;
		if (e->nwarnings < (int)(sizeof(e->warnings) / sizeof(e->warnings[0])))
			snprintf(e->warnings[e->nwarnings++], sizeof(e->warnings[0]),
			    "「%s」数据不足：监测覆盖率 %s，低于 %s，本项计 0 分。tbmond 须全年运行、设备"
			    "在线（或在评价文件中以 monitoring_from 注明监测起始日期，或以 "
			    "accept_low_coverage 说明原因）。", row->level3, cov, lim);
	}
	if (ef->monitoring_from) {
		if ((t = xasprintf("%s（监测自 %s 起）", row->actual_text, ef->monitoring_from)) == NULL)
			return -1;
		free(row->actual_text);
		row->actual_text = t;
	}
	return 0;
}

static int
fill_rows(const struct evalfile *ef, struct report *r)
{
	const struct rep_equipment *e = &r->eq;
	char pct[64], lim[64];

	for (size_t i = 1; i < r->nrows; i++) {
		struct rep_row *row = &r->rows[i];
		switch (row->source) {
		case SRC_EQ_REPAIR:
			row->has_value = 1;
			row->value = 100.0 * e->rate;
			fmt_pct_vs(e->rate, row->target.value / 100.0, pct, sizeof(pct));
			row->actual_text = e->no_faults ? xasprintf("%s（期内无故障）", pct) :
			    xasprintf("%s（%d/%d）", pct, e->repaired, e->faults);
			break;
		case SRC_EQ_SAFETY:
			row->has_value = 1;
			row->value = e->accidents;
			row->actual_text = xasprintf("%d%s%s", e->accidents, row->target.unit,
			    e->provisional ? "（暂定）" : "");
			break;
		case SRC_EQ_LAB:
			fmt_pct(r->normal_availability, lim, sizeof(lim));
			if (e->labs == 0) {
				row->tier = TIER_UNMET;
				row->actual_text = strdup("无实训室设备记录");
				break;
			}
			row->tier = e->labs_normal == e->labs ? TIER_MET :
			    2 * e->labs_normal >= e->labs ? TIER_PARTIAL : TIER_UNMET;
			row->actual_text = xasprintf("%s（%d/%d 个实训室可用率 ≥%s）",
			    row->tier == TIER_MET ? "正常运转" : "未全部正常运转", e->labs_normal,
			    e->labs, lim);
			break;
		default:
			continue;
		}
		if (row->actual_text == NULL)
			return -1;
		if (coverage_check(ef, r, row, row->source == SRC_EQ_REPAIR ? e->observed_repair :
		    row->source == SRC_EQ_SAFETY ? e->observed_safety : e->observed_labs) != 0)
			return -1;
	}
	return 0;
}

int
equipment_load(const struct evalfile *ef, const struct period_spec *p, struct report *r,
    struct diag *d)
{
	int need = 0, before = d->count, first = -1;
	const char *tz = getenv("TZ");

	for (size_t i = 1; i < r->nrows; i++)
		if (r->rows[i].source >= SRC_EQ_REPAIR) {
			need = 1;
			if (first < 0)
				first = r->rows[i].line;
		}
	if (need && ef->ndatabases == 0) {
		diag_add(d, ef->targets, first, _("equipment rows need databases = in %s"), ef->path);
		return -1;
	}
	free(saved_tz);
	saved_tz = tz ? strdup(tz) : NULL;
	saved_tz_set = tz != NULL;
	if (ef->ndatabases && (r->bases = calloc(ef->ndatabases, sizeof(*r->bases))) == NULL)
		return -1;
	for (size_t i = 0; i < ef->ndatabases; i++) {
		/* an accepted low coverage: labs are judged by availability alone */
		struct ind_opts io = { r->normal_availability, ef->count_comm_faults,
			ef->accept_low_coverage ? 1e-9 : ef->min_coverage };
		if (load_base(ef, ef->databases_line, ef->databases[i], p, &io,
		    &r->bases[r->nbases], d) != 0) {
			/* keep what it allocated so report_free() frees it */
			r->nbases++;
			continue;
		}
		for (size_t j = 0; j < r->nbases; j++)
			if (r->bases[j].site_id &&
			    strcmp(r->bases[j].site_id, r->bases[r->nbases].site_id) == 0)
				diag_add(d, ef->path, ef->databases_line, _("databases %s and %s are the "
				    "same base '%s': it would be counted twice"), r->bases[j].path,
				    ef->databases[i], r->bases[j].site_id);
		r->nbases++;
	}
	zone_use(NULL);
	free(saved_tz);
	saved_tz = NULL;
	if (d->count > before)
		return -1;
	merge(r);
	return fill_rows(ef, r) == 0 ? 0 : -1;
}
