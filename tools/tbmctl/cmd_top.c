/*
 * cmd_top.c - tbmctl top: the devices, labels or labs with the most faults
 * (comm faults included) and the most down time over a period, from
 * lib/top.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "output.h"
#include "tbmctl.h"
#include "tbmtime.h"
#include "top.h"

/* Rows shown in each ranking by people (JSON has them all). */
#define TOP_SHOWN 10

static void
fmt_hours(int64_t ms, char *buf, size_t len)
{
	snprintf(buf, len, "%.1f h", (double)ms / 3600000.0);
}

static cJSON *
rows_json(const struct top *t)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; a && i < t->n; i++) {
		const struct top_row *r = &t->rows[i];
		cJSON *o = cJSON_CreateObject();
		if (o == NULL || !cJSON_AddItemToArray(a, o)) {
			cJSON_Delete(o);
			cJSON_Delete(a);
			return NULL;
		}
		cJSON_AddStringToObject(o, top_by_name(t->by), r->key);
		if (t->by == TOP_BY_DEVICE) {
			cJSON_AddItemToObject(o, "name", json_string_or_null(r->name));
			cJSON_AddItemToObject(o, "lab", json_string_or_null(r->lab));
		}
		cJSON_AddNumberToObject(o, "faults", r->faults);
		cJSON_AddNumberToObject(o, "safety", r->safety);
		cJSON_AddNumberToObject(o, "comm", r->comm);
		cJSON_AddNumberToObject(o, "downtime_hours", (double)r->down_ms / 3600000.0);
	}
	return a;
}

static int
top_json(struct top *t)
{
	cJSON *o = cJSON_CreateObject();
	int rc;

	if (o == NULL)
		return EXIT_ERR;
	cJSON_AddItemToObject(o, "from", json_time(t->from_ms));
	cJSON_AddItemToObject(o, "to", json_time(t->to_ms));
	cJSON_AddStringToObject(o, "by", top_by_name(t->by));
	cJSON_AddItemToObject(o, "by_faults", rows_json(t));
	top_by_downtime(t);
	cJSON_AddItemToObject(o, "by_downtime", rows_json(t));
	rc = json_print(o, stdout) == 0 ? EXIT_OK : EXIT_ERR;
	cJSON_Delete(o);
	return rc;
}

static int
top_table(struct ctl *ctl, const struct top *t)
{
	/* the key's column, then a device's name (a label or lab is its own name) */
	static const char *const keys[] = { N_("device"), N_("label"), N_("lab") };
	const int named = t->by == TOP_BY_DEVICE;
	const struct table_col cols[] = {
		{ "#", 0, TEXT_RIGHT, 0 },
		{ keys[t->by], 24, TEXT_LEFT, 1 },
		{ named ? N_("name") : N_("faults"), named ? 24 : 0, named ? TEXT_LEFT : TEXT_RIGHT, named },
		{ named ? N_("faults") : N_("safety"), 0, TEXT_RIGHT, 0 },
		{ named ? N_("safety") : N_("comm"), 0, TEXT_RIGHT, 0 },
		{ named ? N_("comm") : N_("down"), 0, TEXT_RIGHT, 0 },
		{ N_("down"), 0, TEXT_RIGHT, 0 },
	};
	struct table *tb = table_new(cols, named ? 7 : 6);
	int rc = 0;

	if (tb == NULL)
		return -1;
	for (size_t i = 0; i < t->n && i < TOP_SHOWN; i++) {
		const struct top_row *r = &t->rows[i];
		char rank[16], nf[16], ns[16], nc[16], down[32];
		const char *cells[7];
		size_t k = 0;

		snprintf(rank, sizeof(rank), "%zu", i + 1);
		snprintf(nf, sizeof(nf), "%d", r->faults);
		snprintf(ns, sizeof(ns), "%d", r->safety);
		snprintf(nc, sizeof(nc), "%d", r->comm);
		fmt_hours(r->down_ms, down, sizeof(down));
		cells[k++] = rank;
		cells[k++] = r->key[0] ? r->key : "-";
		if (t->by == TOP_BY_DEVICE)
			cells[k++] = r->name ? r->name : ctl_device_name(ctl, r->key);
		cells[k++] = nf;
		cells[k++] = ns;
		cells[k++] = nc;
		cells[k++] = down;
		rc |= table_add(tb, cells);
	}
	rc |= table_print(tb, stdout, "  ");
	table_free(tb);
	return rc;
}

int
cmd_top(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_period p;
	struct top t;
	const char *lab = NULL, *by = "device";
	char err[512], a[32], b[32];
	int json = 0, rc, byv;
	const struct ctl_opt opts[] = {
		CTL_PERIOD_OPTS(&p),
		{ "lab", CTL_ARG, &lab },
		{ "by", CTL_ARG, &by },
		{ "json", CTL_FLAG, &json },
	};

	memset(&p, 0, sizeof(p));
	if ((rc = ctl_opts(ctl, argc, argv, opts, CTL_NOPTS(opts), NULL)) != 0 ||
	    (rc = ctl_no_args(ctl, argc, argv)) != 0)
		return rc;
	if ((byv = top_by_parse(by)) < 0)
		return ctl_usage_error(ctl, _("--by: '%s' is not device, label or lab"), by);
	if ((rc = ctl_period_check(ctl, &p, 1)) != 0)
		return rc;
	if (ctl_open(ctl, 1) != 0 || ctl_period_resolve(ctl, &p, 1) != 0 ||
	    ctl_check_names(ctl, NULL, lab) != 0)
		return EXIT_ERR;
	if (top_compute(ctl->st, p.from_ms, p.to_ms, time_now_ms(), (enum top_by)byv, lab, &t, err,
	    sizeof(err)) != 0) {
		ctl_error("%s: %s", ctl->db_path, err);
		return EXIT_ERR;
	}
	if (json) {
		rc = top_json(&t);
		top_free(&t);
		return rc;
	}
	out_local_bound(p.from_ms, a, sizeof(a));
	out_local_bound(p.to_ms, b, sizeof(b));
	printf(_("from %s to %s%s%s\n"), a, b, lab ? ", " : "", lab ? lab : "");
	if (t.n == 0) {
		printf(_("no faults in the period\n"));
		top_free(&t);
		return EXIT_OK;
	}
	rc = EXIT_OK;
	printf(_("\nmost faults (comm faults included):\n"));
	if (top_table(ctl, &t) != 0)
		rc = EXIT_ERR;
	top_by_downtime(&t);
	printf(_("\nmost down time:\n"));
	if (top_table(ctl, &t) != 0)
		rc = EXIT_ERR;
	top_free(&t);
	return rc;
}
