/*
 * cmd_ind.c - the manager's views: incidents (safety events and their
 * classification) and indicators (the evaluation's equipment figures over a
 * period, from lib/indicators.c, the same code tbm-report uses).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indicators.h"
#include "i18n.h"
#include "output.h"
#include "tbmctl.h"
#include "tbmtime.h"

struct iopts {
	int json;
	const char *lab, *cutoff, *normal;
	struct ctl_period p;
};

/* figures: indicators (a period of its own, --cutoff, --normal); else a
 * list (incidents). */
static int
parse(struct ctl *ctl, int argc, char **argv, int figures, struct iopts *o)
{
	const struct ctl_opt opts[] = {
		{ "json", CTL_FLAG, &o->json },
		CTL_PERIOD_OPTS(&o->p),
		{ "lab", CTL_ARG, &o->lab },
		{ "cutoff", CTL_ARG, &o->cutoff },
		{ "normal", CTL_ARG, &o->normal },
	};
	int rc;

	memset(o, 0, sizeof(*o));
	if ((rc = ctl_opts(ctl, argc, argv, opts, CTL_NOPTS(opts),
	    figures ? NULL : "json year month from to lab")) != 0 ||
	    (rc = ctl_no_args(ctl, argc, argv)) != 0)
		return rc;
	return ctl_period_check(ctl, &o->p, figures);
}

/* ---- incidents ---- */

int
cmd_incidents(struct ctl *ctl, int argc, char **argv)
{
	static const struct table_col cols[] = {
		{ "ID", 0, TEXT_RIGHT, 0 }, { N_("time"), 0, TEXT_LEFT, 0 },
		{ N_("device"), 20, TEXT_LEFT, 1 }, { N_("name"), 20, TEXT_LEFT, 1 },
		{ N_("event"), 32, TEXT_LEFT, 1 }, { N_("source"), 0, TEXT_LEFT, 0 },
		{ N_("class"), 0, TEXT_LEFT, 0 }, { N_("status"), 0, TEXT_LEFT, 0 },
	};
	struct fault_filter flt;
	struct fault *v = NULL;
	struct iopts o;
	size_t n = 0, kept = 0;
	int rc;

	if ((rc = parse(ctl, argc, argv, 0, &o)) != 0)
		return rc;
	if (ctl_open(ctl, 1) != 0 || ctl_period_resolve(ctl, &o.p, 0) != 0 ||
	    ctl_check_names(ctl, NULL, o.lab) != 0)
		return EXIT_ERR;
	memset(&flt, 0, sizeof(flt));
	flt.kinds = 1 << FK_SAFETY;
	flt.from_ms = o.p.from_ms;
	flt.to_ms = o.p.to_ms;
	if (store_faults(ctl->st, &flt, &v, &n) != 0) {
		ctl_error("%s: %s", ctl->db_path, store_errmsg(ctl->st));
		return EXIT_ERR;
	}
	kept = ctl_faults_of_lab(v, n, o.lab);
	if (o.json) {
		cJSON *a = cJSON_CreateArray();
		for (size_t i = 0; a && i < kept; i++)
			cJSON_AddItemToArray(a, json_fault(&v[i]));
		rc = a && json_print(a, stdout) == 0 ? EXIT_OK : EXIT_ERR;
		cJSON_Delete(a);
	} else if (kept == 0) {
		printf(_("no safety events\n"));
		rc = EXIT_OK;
	} else {
		struct table *t = table_new(cols, sizeof(cols) / sizeof(cols[0]));
		int unclassified = 0;
		rc = t ? EXIT_OK : EXIT_ERR;
		for (size_t i = 0; t && i < kept; i++) {
			char id[24], at[64];
			const char *cells[8];
			snprintf(id, sizeof(id), "%lld", (long long)v[i].id);
			cells[0] = id;
			cells[1] = out_local_time(v[i].opened_at, at, sizeof(at));
			cells[2] = v[i].device;
			cells[3] = ctl_device_name(ctl, v[i].device);
			cells[4] = v[i].label;
			cells[5] = v[i].source && strcmp(v[i].source, "manual") == 0 ? _("by people") :
			    _("sensor");
			cells[6] = v[i].classification ? out_class(v[i].classification) :
			    v[i].dismissed_at ? "-" : _("unclassified");
			cells[7] = out_status(&v[i]);
			if (!v[i].classification && !v[i].dismissed_at)
				unclassified++;
			if (table_add(t, cells) != 0)
				rc = EXIT_ERR;
		}
		if (t && table_print(t, stdout, NULL) != 0)
			rc = EXIT_ERR;
		table_free(t);
		if (unclassified)
			printf(P_("\n%d safety event is not yet classified:\n"
			    "  tbmctl classify ID accident|near-miss|drill|none\n",
			    "\n%d safety events are not yet classified:\n"
			    "  tbmctl classify ID accident|near-miss|drill|none\n",
			    (unsigned long)unclassified), unclassified);
	}
	store_faults_free(v, n);
	return ctl_finish(rc);
}

/* ---- indicators ---- */

/* One lab's or the base's: a lab's figures are its row; the base's
 * repair rate, safety and months are not that lab's, so they go. */
static int
lab_is(const cJSON *o, const char *lab)
{
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(o, "lab");

	return cJSON_IsString(l) && strcmp(l->valuestring, lab) == 0;
}

static void
json_keep_lab(cJSON *arr, const char *lab)
{
	cJSON *it = arr ? arr->child : NULL;

	while (it != NULL) {
		cJSON *next = it->next;
		if (!lab_is(it, lab))
			cJSON_Delete(cJSON_DetachItemViaPointer(arr, it));
		it = next;
	}
}

/* --json: the base's figures, or one lab's (--lab). */
static cJSON *
ind_json(const struct indicators *ind, const char *lab)
{
	cJSON *o = json_indicators(ind);

	if (o != NULL && lab != NULL) {
		static const char *const base_only[] = { "fault_repair_rate", "safety", "faults_per_month",
			"unrepaired" };
		for (size_t i = 0; i < sizeof(base_only) / sizeof(base_only[0]); i++)
			cJSON_DeleteItemFromObjectCaseSensitive(o, base_only[i]);
		json_keep_lab(cJSON_GetObjectItemCaseSensitive(o, "labs"), lab);
		json_keep_lab(cJSON_GetObjectItemCaseSensitive(o, "devices"), lab);
		cJSON_AddStringToObject(o, "lab", lab);
	}
	return o;
}

static void
pct(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");   /* never observed: no figure */
	else
		snprintf(buf, len, "%.1f%%", v * 100);
}

static void
hours(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f h", v);
}

/* Says that the figure above proves nothing: watched too little. */
static void
under_observed(const struct indicators *ind)
{
	char b[64];

	pct(ind->min_coverage, b, sizeof(b));
	printf(_("  under-observed: below %s, this figure proves nothing (数据不足)\n"), b);
}

/* The base's own rows of the form: repair rate and safety accidents. */
static void
ind_base(const struct indicators *ind)
{
	char a[64], b[64];

	pct(ind->repair.observed, b, sizeof(b));
	if (ind->repair.no_data)
		printf(_("fault repair rate: no data - no faults and no observation in the period\n"));
	else {
		pct(ind->repair.rate, a, sizeof(a));
		printf(_("fault repair rate: %s (%d of %d faults repaired)%s\n  observed %s\n"), a,
		    ind->repair.repaired, ind->repair.faults,
		    ind->repair.no_faults ? _(" - no faults in the period") : "", b);
		if (ind->repair.under_observed)
			under_observed(ind);
	}
	hours(ind->repair.mttr_mean_hours, a, sizeof(a));
	hours(ind->repair.mttr_median_hours, b, sizeof(b));
	printf(_("  within 24 h: %d, within 72 h: %d; MTTR mean %s, median %s\n  repeat faults: %d\n"),
	    ind->repair.within_24h, ind->repair.within_72h, a, b, ind->repair.repeats);
	for (size_t i = 0; i < ind->nunrepaired; i++) {
		time_format_local(ind->unrepaired[i].opened_at, a, sizeof(a));
		printf(_("  not repaired: fault %lld on %s (%s), opened %s\n"),
		    (long long)ind->unrepaired[i].id, ind->unrepaired[i].device,
		    ind->unrepaired[i].label ? ind->unrepaired[i].label : "", a);
	}
	pct(ind->safety.coverage, a, sizeof(a));
	if (ind->safety.no_data)
		printf(_("\nsafety accidents: no data - no safety events and no observation in the period\n"));
	else
		printf(_("\nsafety accidents: %d%s\n"), ind->safety.accidents,
		    ind->safety.provisional ? _(" (provisional: unclassified safety events remain)") : "");
	printf(_("  near misses %d, drills %d, not incidents %d, unclassified %d\n"
	    "  coverage %s of the period"),
	    ind->safety.near_misses, ind->safety.drills, ind->safety.none, ind->safety.unclassified, a);
	if (ind->safety.safety_points)
		printf(P_(" (%d device with safety points)\n", " (%d devices with safety points)\n",
		    (unsigned long)ind->safety.safety_points), ind->safety.safety_points);
	else
		printf(_(" (no safety points configured)\n"));
	if (ind->safety.under_observed && !ind->safety.no_data)
		under_observed(ind);
}

static int
ind_human(struct ctl *ctl, const struct indicators *ind, const char *lab)
{
	static const struct table_col lab_cols[] = {
		{ N_("lab"), 24, TEXT_LEFT, 1 }, { N_("dev"), 0, TEXT_RIGHT, 0 },
		{ N_("faults"), 0, TEXT_RIGHT, 0 }, { N_("fixed"), 0, TEXT_RIGHT, 0 },
		{ "MTTR", 0, TEXT_RIGHT, 0 }, { N_("avail."), 0, TEXT_RIGHT, 0 },
		{ N_("operation"), 0, TEXT_LEFT, 0 }, { N_("safety"), 0, TEXT_RIGHT, 0 },
		{ N_("obs."), 0, TEXT_RIGHT, 0 },
	};
	static const struct table_col dev_cols[] = {
		{ N_("device"), 20, TEXT_LEFT, 1 }, { N_("name"), 20, TEXT_LEFT, 1 },
		{ N_("lab"), 24, TEXT_LEFT, 1 }, { N_("assessed"), 0, TEXT_LEFT, 0 },
		{ N_("faults"), 0, TEXT_RIGHT, 0 }, { N_("avail."), 0, TEXT_RIGHT, 0 },
		{ "MTBF", 0, TEXT_RIGHT, 0 }, { N_("obs."), 0, TEXT_RIGHT, 0 },
	};
	char a[64], b[64], c[64], d[64], e[64], ob[64];
	struct table *t;
	int rc = 0;

	out_local_bound(ind->from_ms, a, sizeof(a));
	out_local_bound(ind->to_ms, b, sizeof(b));
	out_local_bound(ind->cutoff_ms, c, sizeof(c));
	printf(_("site %s%s%s\n"), ind->site_id ? ind->site_id : "?", ind->site_name ? " " : "",
	    ind->site_name ? ind->site_name : "");
	printf(_("period %s to %s, repairs counted until %s\n"), a, b, c);
	pct(ind->observed, a, sizeof(a));
	pct(ind->min_coverage, b, sizeof(b));
	printf(_("observed: tbmond ran %s of the period\n"
	    "  (a lab operates normally only when observed >= %s)\n\n"), a, b);
	if (lab == NULL)
		ind_base(ind);
	else
		printf(_("lab %s (the base's repair rate and safety figures: without --lab)\n"), lab);

	printf(_("\nlab operation (normal at availability >= %.1f%%):\n"), ind->normal_availability * 100);
	if ((t = table_new(lab_cols, sizeof(lab_cols) / sizeof(lab_cols[0]))) == NULL)
		return -1;
	for (size_t i = 0; i < ind->nlabs; i++) {
		const struct ind_lab *l = &ind->labs[i];
		const char *cells[9];
		char nd[16], nf[16], nr[16], ns[16];
		if (lab != NULL && strcmp(l->lab, lab) != 0)
			continue;
		snprintf(nd, sizeof(nd), "%d", l->devices);
		snprintf(nf, sizeof(nf), "%d", l->faults);
		snprintf(nr, sizeof(nr), "%d", l->repaired);
		snprintf(ns, sizeof(ns), "%d", l->safety_events);
		hours(l->mttr_hours, d, sizeof(d));
		pct(l->availability, e, sizeof(e));
		cells[0] = l->lab[0] ? l->lab : "-";
		cells[1] = nd;
		cells[2] = nf;
		cells[3] = nr;
		cells[4] = d;
		cells[5] = e;
		cells[6] = l->normal ? _("normal") : l->under_observed ? _("under-observed") :
		    _("below target");
		cells[7] = ns;
		pct(l->observed, ob, sizeof(ob));
		cells[8] = ob;
		rc |= table_add(t, cells);
	}
	rc |= table_print(t, stdout, "  ");
	table_free(t);

	printf(_("\ndevices:\n"));
	if ((t = table_new(dev_cols, sizeof(dev_cols) / sizeof(dev_cols[0]))) == NULL)
		return -1;
	for (size_t i = 0; i < ind->ndevices; i++) {
		const struct ind_device *dv = &ind->devices[i];
		const char *cells[8];
		char nf[16];
		if (lab != NULL && (dv->lab == NULL || strcmp(dv->lab, lab) != 0))
			continue;
		snprintf(nf, sizeof(nf), "%d", dv->faults);
		pct(dv->availability, d, sizeof(d));
		hours(dv->mtbf_hours, e, sizeof(e));
		cells[0] = dv->id;
		cells[1] = dv->name ? dv->name : ctl_device_name(ctl, dv->id);
		cells[2] = dv->lab;
		cells[3] = dv->assessment ? _("yes") : _("no");
		cells[4] = nf;
		cells[5] = d;
		cells[6] = e;
		pct(dv->observed, ob, sizeof(ob));
		cells[7] = ob;
		rc |= table_add(t, cells);
	}
	rc |= table_print(t, stdout, "  ");
	table_free(t);
	return rc;
}

int
cmd_indicators(struct ctl *ctl, int argc, char **argv)
{
	struct indicators ind;
	struct iopts o;
	int64_t cutoff = 0;
	double normal = 0.95;
	char err[512];
	int rc;

	if ((rc = parse(ctl, argc, argv, 1, &o)) != 0)
		return rc;
	if (o.normal) {
		char *end;
		normal = strtod(o.normal, &end);
		if (end == o.normal || *end || !(normal > 0 && normal <= 1)) {
			ctl_error(_("--normal: '%s' is not a fraction in (0, 1]"), o.normal);
			return EXIT_ERR;
		}
	}
	if (ctl_open(ctl, 1) != 0 || ctl_period_resolve(ctl, &o.p, 1) != 0 ||
	    ctl_check_names(ctl, NULL, o.lab) != 0)
		return EXIT_ERR;
	if (o.cutoff && ctl_parse_time("--cutoff", o.cutoff, &cutoff) != 0)
		return EXIT_ERR;
	if (indicators_compute(ctl->st, o.p.from_ms, o.p.to_ms, cutoff, normal, &ind, err,
	    sizeof(err)) != 0) {
		ctl_error("%s: %s", ctl->db_path, err);
		return EXIT_ERR;
	}
	if (o.json) {
		cJSON *j = ind_json(&ind, o.lab);
		rc = j && json_print(j, stdout) == 0 ? EXIT_OK : EXIT_ERR;
		cJSON_Delete(j);
	} else
		rc = ind_human(ctl, &ind, o.lab) == 0 ? EXIT_OK : EXIT_ERR;
	indicators_free(&ind);
	return ctl_finish(rc);
}
