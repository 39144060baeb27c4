/*
 * cmd_ind.c - the manager's views: incidents (safety events and their
 * classification) and indicators (the evaluation's equipment figures over a
 * period, from lib/indicators.c, the same code tbm-report uses).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indicators.h"
#include "output.h"
#include "tbmctl.h"
#include "tbmtime.h"

enum { OPT_JSON = 256, OPT_FROM, OPT_TO, OPT_YEAR, OPT_CUTOFF, OPT_NORMAL };

static const struct option ind_longopts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "to", required_argument, NULL, OPT_TO },
	{ "year", required_argument, NULL, OPT_YEAR },
	{ "cutoff", required_argument, NULL, OPT_CUTOFF },
	{ "normal", required_argument, NULL, OPT_NORMAL },
	{ NULL, 0, NULL, 0 },
};

struct iopts {
	int json;
	const char *from, *to, *year, *cutoff, *normal;
};

static int
parse(struct ctl *ctl, int argc, char **argv, int period_opts, struct iopts *o)
{
	int ch;

	memset(o, 0, sizeof(*o));
	while ((ch = getopt_long(argc, argv, ":", ind_longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_JSON: o->json = 1; break;
		case OPT_FROM: o->from = optarg; break;
		case OPT_TO: o->to = optarg; break;
		case OPT_YEAR: o->year = optarg; break;
		case OPT_CUTOFF: o->cutoff = optarg; break;
		case OPT_NORMAL: o->normal = optarg; break;
		default: return ctl_bad_option(ctl, ch, argv);
		}
		if (!period_opts && (ch == OPT_YEAR || ch == OPT_CUTOFF || ch == OPT_NORMAL))
			return ctl_usage_error(ctl, "%s does not take %s", ctl->cmd, argv[optind - 1]);
	}
	if (optind < argc)
		return ctl_usage_error(ctl, "unexpected argument '%s'", argv[optind]);
	if (o->year && (o->from || o->to))
		return ctl_usage_error(ctl, "give --year or --from/--to, not both");
	return 0;
}

/* ---- incidents ---- */

int
cmd_incidents(struct ctl *ctl, int argc, char **argv)
{
	static const struct table_col cols[] = {
		{ "ID", 0, TEXT_RIGHT }, { "时间", 0, TEXT_LEFT }, { "设备", 20, TEXT_LEFT },
		{ "实训室", 20, TEXT_LEFT }, { "事件", 32, TEXT_LEFT }, { "来源", 0, TEXT_LEFT },
		{ "定性", 0, TEXT_LEFT }, { "状态", 0, TEXT_LEFT },
	};
	struct fault_filter flt;
	struct fault *v = NULL;
	struct iopts o;
	size_t n = 0;
	int rc;

	if ((rc = parse(ctl, argc, argv, 0, &o)) != 0)
		return rc;
	if (ctl_open(ctl, 1) != 0)
		return EXIT_ERR;
	memset(&flt, 0, sizeof(flt));
	flt.kinds = 1 << FK_SAFETY;
	if ((o.from && ctl_parse_time("--from", o.from, &flt.from_ms) != 0) ||
	    (o.to && ctl_parse_time("--to", o.to, &flt.to_ms) != 0))
		return EXIT_ERR;
	if (store_faults(ctl->st, &flt, &v, &n) != 0) {
		ctl_error("%s: %s", ctl->db_path, store_errmsg(ctl->st));
		return EXIT_ERR;
	}
	if (o.json) {
		cJSON *a = cJSON_CreateArray();
		for (size_t i = 0; a && i < n; i++)
			cJSON_AddItemToArray(a, json_fault(&v[i]));
		rc = a && json_print(a, stdout) == 0 ? EXIT_OK : EXIT_ERR;
		cJSON_Delete(a);
	} else if (n == 0) {
		printf("no safety events\n");
		rc = EXIT_OK;
	} else {
		struct table *t = table_new(cols, sizeof(cols) / sizeof(cols[0]));
		int unclassified = 0;
		rc = t ? EXIT_OK : EXIT_ERR;
		for (size_t i = 0; t && i < n; i++) {
			char id[24], at[64];
			const char *cells[8];
			snprintf(id, sizeof(id), "%lld", (long long)v[i].id);
			cells[0] = id;
			cells[1] = out_local_time(v[i].opened_at, at, sizeof(at));
			cells[2] = v[i].device;
			cells[3] = v[i].lab;
			cells[4] = v[i].label;
			cells[5] = v[i].source;
			cells[6] = v[i].classification ? v[i].classification :
			    v[i].dismissed_at ? "-" : "未定性 unclassified";
			cells[7] = fault_status(&v[i]);
			if (!v[i].classification && !v[i].dismissed_at)
				unclassified++;
			if (table_add(t, cells) != 0)
				rc = EXIT_ERR;
		}
		if (t && table_print(t, stdout, NULL) != 0)
			rc = EXIT_ERR;
		table_free(t);
		if (unclassified)
			printf("\n%d safety event%s not yet classified: tbmctl classify ID accident|near-miss|drill|none --by NAME\n",
			    unclassified, unclassified == 1 ? " is" : "s are");
	}
	store_faults_free(v, n);
	return ctl_finish(rc);
}

/* ---- indicators ---- */

static cJSON *
ind_json(const struct indicators *ind)
{
	cJSON *o = cJSON_CreateObject(), *unrep;

	if (o == NULL)
		return NULL;
	if (ind->site_id)
		cJSON_AddStringToObject(o, "site", ind->site_id);
	cJSON_AddItemToObject(o, "from", json_time(ind->from_ms));
	cJSON_AddItemToObject(o, "to", json_time(ind->to_ms));
	cJSON_AddItemToObject(o, "cutoff", json_time(ind->cutoff_ms));
	indicators_json_add(o, ind);
	unrep = cJSON_AddArrayToObject(o, "unrepaired");
	for (size_t i = 0; i < ind->nunrepaired; i++) {
		cJSON *u = cJSON_CreateObject();
		cJSON_AddNumberToObject(u, "id", (double)ind->unrepaired[i].id);
		cJSON_AddStringToObject(u, "device", ind->unrepaired[i].device);
		cJSON_AddItemToObject(u, "label", json_string_or_null(ind->unrepaired[i].label));
		cJSON_AddItemToObject(u, "opened_at", json_time(ind->unrepaired[i].opened_at));
		cJSON_AddItemToArray(unrep, u);
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

static int
ind_human(const struct indicators *ind)
{
	static const struct table_col lab_cols[] = {
		{ "实训室", 24, TEXT_LEFT }, { "设备", 0, TEXT_RIGHT }, { "故障", 0, TEXT_RIGHT },
		{ "已修复", 0, TEXT_RIGHT }, { "MTTR", 0, TEXT_RIGHT }, { "可用率", 0, TEXT_RIGHT },
		{ "运转", 0, TEXT_LEFT }, { "安全事件", 0, TEXT_RIGHT }, { "监测", 0, TEXT_RIGHT },
	};
	static const struct table_col dev_cols[] = {
		{ "设备", 20, TEXT_LEFT }, { "实训室", 24, TEXT_LEFT }, { "鉴定", 0, TEXT_LEFT },
		{ "故障", 0, TEXT_RIGHT }, { "可用率", 0, TEXT_RIGHT }, { "MTBF", 0, TEXT_RIGHT },
		{ "监测", 0, TEXT_RIGHT },
	};
	char a[64], b[64], c[64], d[64], e[64], ob[64];
	struct table *t;
	int rc = 0;

	time_format_local(ind->from_ms, a, sizeof(a));
	time_format_local(ind->to_ms, b, sizeof(b));
	time_format_local(ind->cutoff_ms, c, sizeof(c));
	printf("site %s%s%s, period %s to %s (repairs counted until %s)\n",
	    ind->site_id ? ind->site_id : "?", ind->site_name ? " " : "",
	    ind->site_name ? ind->site_name : "", a, b, c);
	pct(ind->observed, a, sizeof(a));
	pct(ind->min_coverage, b, sizeof(b));
	printf("observed: tbmond ran %s of the period (a lab is 正常运转 only when observed >= %s)\n\n",
	    a, b);

	pct(ind->repair.observed, b, sizeof(b));
	if (ind->repair.no_data)
		printf("实训鉴定设备故障修复率 fault repair rate: no data - no faults and no observation "
		    "in the period\n");
	else {
		pct(ind->repair.rate, a, sizeof(a));
		printf("实训鉴定设备故障修复率 fault repair rate: %s (%d of %d faults repaired)%s; "
		    "observed %s\n", a, ind->repair.repaired, ind->repair.faults,
		    ind->repair.no_faults ? " - no faults in the period" : "", b);
	}
	hours(ind->repair.mttr_mean_hours, a, sizeof(a));
	hours(ind->repair.mttr_median_hours, b, sizeof(b));
	printf("  within 24 h: %d, within 72 h: %d; MTTR mean %s, median %s; repeat faults: %d\n",
	    ind->repair.within_24h, ind->repair.within_72h, a, b, ind->repair.repeats);
	for (size_t i = 0; i < ind->nunrepaired; i++) {
		time_format_local(ind->unrepaired[i].opened_at, a, sizeof(a));
		printf("  not repaired: fault %lld on %s (%s), opened %s\n",
		    (long long)ind->unrepaired[i].id, ind->unrepaired[i].device,
		    ind->unrepaired[i].label ? ind->unrepaired[i].label : "", a);
	}
	pct(ind->safety.coverage, a, sizeof(a));
	if (ind->safety.no_data)
		printf("\n实训室设备安全事故发生数 safety accidents: no data - no safety events and no "
		    "observation in the period\n");
	else
		printf("\n实训室设备安全事故发生数 safety accidents: %d%s\n", ind->safety.accidents,
		    ind->safety.provisional ? " (provisional: unclassified safety events remain)" : "");
	printf("  near misses %d, drills %d, not incidents %d, unclassified %d; coverage %s of the period",
	    ind->safety.near_misses, ind->safety.drills, ind->safety.none, ind->safety.unclassified, a);
	printf(ind->safety.safety_points ? " (%d devices with safety points)\n" :
	    " (no safety points configured)\n", ind->safety.safety_points);

	printf("\n实训室运转 lab operation (normal at availability >= %.1f%%):\n",
	    ind->normal_availability * 100);
	if ((t = table_new(lab_cols, sizeof(lab_cols) / sizeof(lab_cols[0]))) == NULL)
		return -1;
	for (size_t i = 0; i < ind->nlabs; i++) {
		const struct ind_lab *l = &ind->labs[i];
		const char *cells[9];
		char nd[16], nf[16], nr[16], ns[16];
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
		cells[6] = l->normal ? "正常运转" : l->observed < ind->min_coverage ? "监测不足" : "未达标";
		cells[7] = ns;
		pct(l->observed, ob, sizeof(ob));
		cells[8] = ob;
		rc |= table_add(t, cells);
	}
	rc |= table_print(t, stdout, "  ");
	table_free(t);

	printf("\ndevices:\n");
	if ((t = table_new(dev_cols, sizeof(dev_cols) / sizeof(dev_cols[0]))) == NULL)
		return -1;
	for (size_t i = 0; i < ind->ndevices; i++) {
		const struct ind_device *dv = &ind->devices[i];
		const char *cells[7];
		char nf[16];
		snprintf(nf, sizeof(nf), "%d", dv->faults);
		pct(dv->availability, d, sizeof(d));
		hours(dv->mtbf_hours, e, sizeof(e));
		cells[0] = dv->id;
		cells[1] = dv->lab;
		cells[2] = dv->assessment ? "yes" : "no";
		cells[3] = nf;
		cells[4] = d;
		cells[5] = e;
		pct(dv->observed, ob, sizeof(ob));
		cells[6] = ob;
		rc |= table_add(t, cells);
	}
	rc |= table_print(t, stdout, "  ");
	table_free(t);
	return rc;
}

static int
parse_year(const char *s, int *year)
{
	char *end;
	long y = strtol(s, &end, 10);

	if (end == s || *end != '\0' || y < 1970 || y > 9999) {
		ctl_error("--year: '%s' is not a year", s);
		return -1;
	}
	*year = (int)y;
	return 0;
}

int
cmd_indicators(struct ctl *ctl, int argc, char **argv)
{
	struct indicators ind;
	struct iopts o;
	int64_t from, to, cutoff = 0;
	double normal = 0.95;
	char err[512];
	int rc, year, m, d;

	if ((rc = parse(ctl, argc, argv, 1, &o)) != 0)
		return rc;
	if ((o.from == NULL) != (o.to == NULL))
		return ctl_usage_error(ctl, "give both --from and --to");
	if (o.normal) {
		char *end;
		normal = strtod(o.normal, &end);
		if (end == o.normal || *end || !(normal > 0 && normal <= 1)) {
			ctl_error("--normal: '%s' is not a fraction in (0, 1]", o.normal);
			return EXIT_ERR;
		}
	}
	if (ctl_open(ctl, 1) != 0)
		return EXIT_ERR;
	if (o.from) {
		if (ctl_parse_time("--from", o.from, &from) != 0 || ctl_parse_time("--to", o.to, &to) != 0)
			return EXIT_ERR;
		if (to <= from) {
			ctl_error("--to must be after --from");
			return EXIT_ERR;
		}
	} else {
		if (o.year) {
			if (parse_year(o.year, &year) != 0)
				return EXIT_ERR;
		} else
			time_local_fields(time_now_ms(), &year, &m, &d);
		from = time_local_mktime(year, 1, 1, 0, 0, 0);
		to = time_local_mktime(year + 1, 1, 1, 0, 0, 0);
	}
	if (o.cutoff && ctl_parse_time("--cutoff", o.cutoff, &cutoff) != 0)
		return EXIT_ERR;
	if (indicators_compute(ctl->st, from, to, cutoff, normal, &ind, err, sizeof(err)) != 0) {
		ctl_error("%s: %s", ctl->db_path, err);
		return EXIT_ERR;
	}
	if (o.json) {
		cJSON *j = ind_json(&ind);
		rc = j && json_print(j, stdout) == 0 ? EXIT_OK : EXIT_ERR;
		cJSON_Delete(j);
	} else
		rc = ind_human(&ind) == 0 ? EXIT_OK : EXIT_ERR;
	indicators_free(&ind);
	return ctl_finish(rc);
}
