/*
 * period.c - what the lists and figures share: the period (--year YYYY,
 * --month YYYY-MM, --from T --to T, times as people type them), and the
 * device and lab a command is narrowed to, checked against the base's
 * devices: a name that is not there is an error, never an empty answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "tbmctl.h"
#include "tbmtime.h"

int
ctl_period_check(struct ctl *ctl, const struct ctl_period *p, int need_both)
{
	if ((p->year != NULL) + (p->month != NULL) + (p->from != NULL || p->to != NULL) > 1)
		return ctl_usage_error(ctl, _("give one of --year, --month or --from/--to"));
	if (need_both && (p->from == NULL) != (p->to == NULL))
		return ctl_usage_error(ctl, _("give both --from and --to"));
	return 0;
}

static int
parse_year(const char *s, int *year)
{
	char *end;
	long y = strtol(s, &end, 10);

	if (end == s || *end != '\0' || y < 1970 || y > 9999) {
		ctl_error(_("--year: '%s' is not a year"), s);
		return -1;
	}
	*year = (int)y;
	return 0;
}

int
ctl_period_resolve(struct ctl *ctl, struct ctl_period *p, int this_year)
{
	int64_t now = time_now_ms();
	int y, m, d;

	(void)ctl;
	p->from_ms = p->to_ms = 0;
	if (p->month != NULL) {
		if (time_parse_month(p->month, &p->from_ms, &p->to_ms) != 0) {
			ctl_error(_("--month: '%s' is not a month (YYYY-MM)"), p->month);
			return -1;
		}
		return 0;
	}
	if (p->from != NULL || p->to != NULL) {
		if ((p->from && ctl_parse_time("--from", p->from, &p->from_ms) != 0) ||
		    (p->to && ctl_parse_time("--to", p->to, &p->to_ms) != 0))
			return -1;
		if (p->from && p->to && p->to_ms <= p->from_ms) {
			ctl_error(_("--to must be after --from"));
			return -1;
		}
		return 0;
	}
	if (p->year == NULL && !this_year)
		return 0;
	if (p->year != NULL) {
		if (parse_year(p->year, &y) != 0)
			return -1;
	} else
		time_local_fields(now, &y, &m, &d);
	p->from_ms = time_local_mktime(y, 1, 1, 0, 0, 0);
	p->to_ms = time_local_mktime(y + 1, 1, 1, 0, 0, 0);
	return 0;
}

int
ctl_check_names(struct ctl *ctl, const char *device, const char *lab)
{
	struct device_row *v = NULL;
	size_t n = 0;
	int dev_ok = device == NULL, lab_ok = lab == NULL;

	if (dev_ok && lab_ok)
		return 0;
	if (store_devices(ctl->st, &v, &n) != 0) {
		ctl_error("%s: %s", ctl->db_path, store_errmsg(ctl->st));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (device && v[i].id && strcmp(v[i].id, device) == 0)
			dev_ok = 1;
		if (lab && v[i].lab && strcmp(v[i].lab, lab) == 0)
			lab_ok = 1;
	}
	if (!dev_ok)
		ctl_error(_("no device '%s' (tbmctl status lists them)"), device);
	else if (!lab_ok)
		ctl_error(_("no lab '%s' (tbmctl status lists them)"), lab);
	store_devices_free(v, n);
	return dev_ok && lab_ok ? 0 : -1;
}

const char *
ctl_device_name(struct ctl *ctl, const char *id)
{
	if (ctl->devs == NULL && !ctl->devs_loaded) {
		ctl->devs_loaded = 1;
		if (store_devices(ctl->st, &ctl->devs, &ctl->ndevs) != 0) {
			ctl->devs = NULL;
			ctl->ndevs = 0;
		}
	}
	for (size_t i = 0; id && i < ctl->ndevs; i++)
		if (ctl->devs[i].id && strcmp(ctl->devs[i].id, id) == 0)
			return ctl->devs[i].name ? ctl->devs[i].name : id;
	return id ? id : "";
}

/* Moves the faults of one lab (NULL: all) to the front; returns how many.
 * The others stay behind them, to be freed with the array. */
size_t
ctl_faults_of_lab(struct fault *v, size_t n, const char *lab)
{
	size_t kept = 0;

	if (lab == NULL)
		return n;
	for (size_t i = 0; i < n; i++) {
		if (v[i].lab != NULL && strcmp(v[i].lab, lab) == 0) {
			struct fault tmp = v[kept];
			v[kept++] = v[i];
			v[i] = tmp;
		}
	}
	return kept;
}
