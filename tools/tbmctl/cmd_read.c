/*
 * cmd_read.c - the commands that only read the database: status (site,
 * daemon heartbeat, devices by lab), faults (filtered list) and show (one
 * fault with its audit history). Each prints a table or JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "indicators.h"
#include "output.h"
#include "tbmctl.h"
#include "tbmtime.h"


static int
out_of_memory(void)
{
	ctl_error(_("out of memory"));
	return EXIT_ERR;
}

static int
db_error(struct ctl *ctl, const char *what)
{
	ctl_error("%s: %s: %s", ctl->db_path, what, store_errmsg(ctl->st));
	return EXIT_ERR;
}

/* ---- status ---- */

static int
cmp_device(const void *a, const void *b)
{
	const struct device_row *x = *(const struct device_row *const *)a;
	const struct device_row *y = *(const struct device_row *const *)b;
	int c;

	/* devices without a lab last */
	if ((x->lab == NULL) != (y->lab == NULL))
		return x->lab == NULL ? 1 : -1;
	if (x->lab != NULL && (c = strcmp(x->lab, y->lab)) != 0)
		return c;
	if (x->in_config != y->in_config)
		return y->in_config - x->in_config;
	return strcmp(x->id ? x->id : "", y->id ? y->id : "");
}

struct daemon_state {
	int found, running, stale;
	struct run_row run;
};

static void
daemon_state(const struct run_row *run, int found, int64_t now, struct daemon_state *ds)
{
	memset(ds, 0, sizeof(*ds));
	ds->found = found;
	if (!found)
		return;
	ds->run = *run;
	ds->running = ind_watching(run, now, NULL);
	ds->stale = run->stopped_at == STORE_NOTIME && !ds->running;
}

static const char *
site_zone(const struct ctl *ctl)
{
	if (ctl->cf != NULL)
		return ctl->cf->site.timezone;
	return ctl->have_site ? ctl->site.timezone : NULL;
}

/* How long ago, for people: "45s", "5m", "1h", "2h 5m", "3d 4h". */
static void
format_ago(int64_t ms, char *buf, size_t len)
{
	long long s = ms < 0 ? 0 : (long long)(ms / 1000);

	if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm", s / 60);
	else if (s < 86400 && s / 60 % 60 == 0)
		snprintf(buf, len, "%lldh", s / 3600);
	else if (s < 86400)
		snprintf(buf, len, "%lldh %lldm", s / 3600, s / 60 % 60);
	else if (s / 3600 % 24 == 0)
		snprintf(buf, len, "%lldd", s / 86400);
	else
		snprintf(buf, len, "%lldd %lldh", s / 86400, s / 3600 % 24);
}

static void
print_daemon(const struct daemon_state *ds, int64_t now)
{
	char a[32], b[32], dur[32];

	if (!ds->found) {
		printf(_("tbmond:  has not run on this database\n"));
		return;
	}
	time_format_local(ds->run.started_at, a, sizeof(a));
	time_format_local(ds->run.alive_at, b, sizeof(b));
	if (ds->running)
		printf(_("tbmond:  running since %s, last seen %s\n"), a, b);
	else if (ds->stale) {
		format_ago(now - ds->run.alive_at, dur, sizeof(dur));
		printf(_("tbmond:  stale: started %s, last seen %s (no heartbeat for %s)\n"), a, b, dur);
	} else {
		char c[32];
		time_format_local(ds->run.stopped_at, c, sizeof(c));
		printf(_("tbmond:  stopped at %s (ran since %s)\n"), c, a);
	}
}

static int
status_human(const struct ctl *ctl, const struct daemon_state *ds, int64_t now,
    struct device_row *dev, size_t n)
{
	static const struct table_col cols[] = {
		{ N_("device"), 24, TEXT_LEFT, 1 }, { N_("name"), 32, TEXT_LEFT, 1 },
		{ N_("state"), 0, TEXT_LEFT, 0 }, { N_("open faults"), 0, TEXT_RIGHT, 0 },
		{ "", 0, TEXT_LEFT, 0 },
	};
	const char *id = ctl->have_site ? ctl->site.id : ctl->cf ? ctl->cf->site.id : NULL;
	const char *name = ctl->have_site ? ctl->site.name : ctl->cf ? ctl->cf->site.name : NULL;
	const char *tz = site_zone(ctl);
	const struct device_row **sorted = NULL;
	const char *lab_prev = NULL;
	struct table *t = NULL;
	int rc = EXIT_ERR, first = 1;

	printf(_("site:    %s"), id ? id : _("(unknown: tbmond has not recorded its configuration)"));
	if (name != NULL && (id == NULL || strcmp(name, id) != 0))
		printf(" %s", name);
	printf(_(" (time zone %s)\n"), tz && *tz ? tz : _("of the system"));
	print_daemon(ds, now);
	if (n == 0) {
		printf(_("no devices\n"));
		return EXIT_OK;
	}
	if ((sorted = calloc(n, sizeof(*sorted))) == NULL || (t = table_new(cols, 5)) == NULL)
		goto oom;
	for (size_t i = 0; i < n; i++)
		sorted[i] = &dev[i];
	qsort(sorted, n, sizeof(*sorted), cmp_device);
	for (size_t i = 0; i < n; i++) {
		const struct device_row *r = sorted[i];
		char state[64], count[16], since[32];
		const char *cells[5];

		if (first || (r->lab == NULL) != (lab_prev == NULL) ||
		    (r->lab && strcmp(r->lab, lab_prev) != 0)) {
			if (table_add_section(t, r->lab ? r->lab : _("(no lab)")) != 0)
				goto oom;
			lab_prev = r->lab;
			first = 0;
		}
		if (device_row_manual(r))
			/* reported by people (人工), never online or offline */
			snprintf(state, sizeof(state), "%s", _("manual"));
		else if (r->comm_open)
			snprintf(state, sizeof(state), _("offline since %s"),
			    out_local_time(r->comm_since, since, sizeof(since)));
		else if (!r->in_config)
			snprintf(state, sizeof(state), "-");   /* no longer watched */
		else
			snprintf(state, sizeof(state), "%s", _("online"));
		snprintf(count, sizeof(count), "%d", r->open_faults);
		cells[0] = r->id;
		cells[1] = r->name;
		cells[2] = state;
		cells[3] = count;
		cells[4] = r->in_config ? "" : _("not in config");
		if (table_add(t, cells) != 0)
			goto oom;
	}
	printf("\n");
	if (table_print(t, stdout, "  ") != 0)
		goto out;
	if (!ds->running)
		printf(_("\n(tbmond is not running: device states are as last recorded)\n"));
	rc = EXIT_OK;
	goto out;
oom:
	rc = out_of_memory();
out:
	table_free(t);
	free(sorted);
	return rc;
}

int
cmd_status(struct ctl *ctl, int argc, char **argv)
{
	struct device_row *dev = NULL;
	struct daemon_state ds;
	struct run_row run;
	size_t n = 0;
	int json = 0, found, rc;
	const struct ctl_opt opts[] = { { "json", CTL_FLAG, &json } };
	int64_t now;

	if ((rc = ctl_opts(ctl, argc, argv, opts, CTL_NOPTS(opts), NULL)) != 0 ||
	    (rc = ctl_no_args(ctl, argc, argv)) != 0)
		return rc;
	if (ctl_open(ctl, 1) != 0)
		return EXIT_ERR;
	if ((found = store_last_run(ctl->st, &run)) < 0)
		return db_error(ctl, "reading daemon runs");
	if (store_devices(ctl->st, &dev, &n) != 0)
		return db_error(ctl, "reading devices");
	now = time_now_ms();
	daemon_state(&run, found, now, &ds);
	if (json) {
		const char *id = ctl->have_site ? ctl->site.id : ctl->cf ? ctl->cf->site.id : NULL;
		const char *name = ctl->have_site ? ctl->site.name : ctl->cf ? ctl->cf->site.name : NULL;
		cJSON *root = json_status(id, name, site_zone(ctl), ds.found ? &ds.run : NULL,
		    ds.running, dev, n);
		if (root == NULL)
			rc = out_of_memory();
		else
			rc = json_print(root, stdout) == 0 ? EXIT_OK : EXIT_ERR;
		cJSON_Delete(root);
	} else
		rc = status_human(ctl, &ds, now, dev, n);
	store_devices_free(dev, n);
	return rc;
}

/* ---- faults ---- */

/* One line a fault, narrow enough for 80 columns: the text columns give way
 * (cut with "…"), the id, time, kind, code and status never do. */
static int
faults_human(struct ctl *ctl, const struct fault *v, size_t n)
{
	static const struct table_col cols[] = {
		{ "ID", 0, TEXT_RIGHT, 0 }, { N_("opened"), 0, TEXT_LEFT, 0 },
		{ N_("device"), 20, TEXT_LEFT, 1 }, { N_("name"), 20, TEXT_LEFT, 1 },
		{ N_("lab"), 20, TEXT_LEFT, 1 }, { N_("kind"), 0, TEXT_LEFT, 0 },
		{ N_("code"), 12, TEXT_RIGHT, 0 }, { N_("label"), 32, TEXT_LEFT, 1 },
		{ N_("status"), 0, TEXT_LEFT, 0 },
	};
	struct table *t;
	int rc = EXIT_OK;

	if (n == 0) {
		printf(_("no faults\n"));
		return EXIT_OK;
	}
	if ((t = table_new(cols, sizeof(cols) / sizeof(cols[0]))) == NULL)
		return out_of_memory();
	for (size_t i = 0; i < n; i++) {
		const struct fault *f = &v[i];
		char id[24], opened[32], code[32];
		const char *cells[9];

		snprintf(id, sizeof(id), "%lld", (long long)f->id);
		cells[0] = id;
		cells[1] = out_local_time(f->opened_at, opened, sizeof(opened));
		cells[2] = f->device;
		cells[3] = ctl_device_name(ctl, f->device);
		cells[4] = f->lab;
		cells[5] = out_kind(f->kind);
		cells[6] = out_code(f, code, sizeof(code));
		cells[7] = f->label;
		cells[8] = out_status(f);
		if (table_add(t, cells) != 0) {
			table_free(t);
			return out_of_memory();
		}
	}
	if (table_print(t, stdout, NULL) != 0)
		rc = EXIT_ERR;
	table_free(t);
	return rc;
}

static int
faults_json(const struct fault *v, size_t n)
{
	cJSON *arr = cJSON_CreateArray();
	int rc;

	if (arr == NULL)
		return out_of_memory();
	for (size_t i = 0; i < n; i++) {
		cJSON *o = json_fault(&v[i]);
		if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			cJSON_Delete(arr);
			return out_of_memory();
		}
	}
	rc = json_print(arr, stdout) == 0 ? EXIT_OK : EXIT_ERR;
	cJSON_Delete(arr);
	return rc;
}

int
cmd_faults(struct ctl *ctl, int argc, char **argv)
{
	struct fault_filter flt;
	struct ctl_period p;
	struct fault *v = NULL;
	const char *lab = NULL;
	int json = 0, open_only = 0, all = 0, rc;
	size_t n = 0, shown;
	const struct ctl_opt opts[] = {
		{ "open", CTL_FLAG, &open_only },
		{ "all", CTL_FLAG, &all },
		{ "device", CTL_ARG, &flt.device },
		{ "lab", CTL_ARG, &lab },
		CTL_PERIOD_OPTS(&p),
		{ "json", CTL_FLAG, &json },
	};

	memset(&flt, 0, sizeof(flt));
	memset(&p, 0, sizeof(p));
	if ((rc = ctl_opts(ctl, argc, argv, opts, CTL_NOPTS(opts), NULL)) != 0 ||
	    (rc = ctl_no_args(ctl, argc, argv)) != 0)
		return rc;
	if (open_only && all)
		return ctl_usage_error(ctl, _("--open and --all cannot be used together"));
	if ((rc = ctl_period_check(ctl, &p, 0)) != 0)
		return rc;
	if (ctl_open(ctl, 1) != 0)
		return EXIT_ERR;
	/* times are read in the site's zone, which ctl_open has set; an unknown
	 * device or lab is an error, not "no faults" */
	if (ctl_period_resolve(ctl, &p, 0) != 0 || ctl_check_names(ctl, flt.device, lab) != 0)
		return EXIT_ERR;
	flt.from_ms = p.from_ms;
	flt.to_ms = p.to_ms;
	if (open_only)
		flt.open_only = 1;
	else if (!all)
		flt.unresolved = 1;
	if (store_faults(ctl->st, &flt, &v, &n) != 0)
		return db_error(ctl, _("reading faults"));
	shown = ctl_faults_of_lab(v, n, lab);
	rc = json ? faults_json(v, shown) : faults_human(ctl, v, shown);
	store_faults_free(v, n);
	return rc;
}

/* ---- show ---- */

/* Audit details carry times as epoch milliseconds under keys like "opened_at". */
static int
is_time_key(const char *k)
{
	size_t n = k ? strlen(k) : 0;

	return n > 3 && strcmp(k + n - 3, "_at") == 0;
}

/* An audit record's detail for people: "key=value, key=value" (malloc'd). */
static char *
detail_text(const char *detail)
{
	cJSON *o = detail ? cJSON_Parse(detail) : NULL;
	const cJSON *it;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;
	int first = 1;

	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return strdup(detail ? detail : "");
	}
	if ((fp = open_memstream(&buf, &len)) == NULL) {
		cJSON_Delete(o);
		return NULL;
	}
	cJSON_ArrayForEach(it, o) {
		/* who acted is the actor column's */
		if (cJSON_IsNull(it) || strcmp(it->string, "who") == 0)
			continue;
		fprintf(fp, "%s%s=", first ? "" : ", ", it->string);
		if (cJSON_IsString(it))
			fputs(it->valuestring, fp);
		else if (cJSON_IsNumber(it) && is_time_key(it->string)) {
			char t[32];
			time_format_local((int64_t)it->valuedouble, t, sizeof(t));
			fputs(t, fp);
		} else if (cJSON_IsNumber(it))
			fprintf(fp, "%.15g", it->valuedouble);
		else {
			char *s = cJSON_PrintUnformatted(it);
			fputs(s ? s : "?", fp);
			cJSON_free(s);
		}
		first = 0;
	}
	cJSON_Delete(o);
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void
field(const char *key, const char *value)
{
	/* the key in the language of the messages; padded by display width */
	const char *k = _(key);
	size_t w = text_width(k);

	printf("%s%*s%s\n", k, w < 16 ? (int)(16 - w) : 1, "", value && *value ? value : "-");
}

/* "2023-12-31 23:30:05 by NAME", or NULL when the time is absent. */
static const char *
when_by(int64_t at, const char *by, char *buf, size_t len)
{
	char t[32];

	if (at == STORE_NOTIME)
		return NULL;
	time_format_local(at, t, sizeof(t));
	if (by && *by)
		snprintf(buf, len, _("%s by %s"), t, by);
	else
		snprintf(buf, len, "%s", t);
	return buf;
}

/* Who made a record, for people: "王师傅 (cli, wang)", "张主任 via root (cli, root)". */
static const char *
who_text(const struct audit_rec *r, char *buf, size_t len)
{
	cJSON *d = r->detail ? cJSON_Parse(r->detail) : NULL;
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(d, "who");
	const cJSON *ch = cJSON_GetObjectItemCaseSensitive(w, "channel");
	const cJSON *via = cJSON_GetObjectItemCaseSensitive(w, "via");
	const cJSON *from = cJSON_GetObjectItemCaseSensitive(w, "os_user");

	if (from == NULL)
		from = cJSON_GetObjectItemCaseSensitive(w, "address");
	if (cJSON_IsString(ch) && cJSON_IsString(from))
		snprintf(buf, len, "%s%s%s (%s, %s)", r->actor ? r->actor : "?",
		    cJSON_IsString(via) ? " via " : "", cJSON_IsString(via) ? via->valuestring : "",
		    ch->valuestring, from->valuestring);
	else
		snprintf(buf, len, "%s", r->actor ? r->actor : "?");
	cJSON_Delete(d);
	return buf;
}

static int
print_audit(const struct audit_rec *a, size_t na)
{
	static const struct table_col cols[] = {
		{ N_("seq"), 0, TEXT_RIGHT, 0 }, { N_("time"), 0, TEXT_LEFT, 0 },
		{ N_("record"), 0, TEXT_LEFT, 0 }, { N_("by"), 40, TEXT_LEFT, 1 },
		{ N_("detail"), 0, TEXT_LEFT, 1 },
	};
	struct table *t = table_new(cols, sizeof(cols) / sizeof(cols[0]));
	int rc = EXIT_OK;

	if (t == NULL)
		return out_of_memory();
	for (size_t i = 0; i < na; i++) {
		char seq[24], at[32], who[256], *detail = detail_text(a[i].detail);
		const char *cells[5];

		snprintf(seq, sizeof(seq), "%lld", (long long)a[i].seq);
		time_format_local(a[i].at, at, sizeof(at));
		cells[0] = seq;
		cells[1] = at;
		cells[2] = a[i].action;
		cells[3] = who_text(&a[i], who, sizeof(who));
		cells[4] = detail;
		if (detail == NULL || table_add(t, cells) != 0) {
			free(detail);
			table_free(t);
			return out_of_memory();
		}
		free(detail);
	}
	if (table_print(t, stdout, "  ") != 0)
		rc = EXIT_ERR;
	table_free(t);
	return rc;
}

static int
show_human(struct ctl *ctl, const struct fault *f, const struct audit_rec *a, size_t na)
{
	char buf[512], t[32], code[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)f->id);
	field(N_("fault:"), buf);
	field(N_("status:"), out_status(f));
	field(N_("device:"), f->device);
	field(N_("name:"), ctl_device_name(ctl, f->device));
	field(N_("point:"), f->point);
	field(N_("kind:"), out_kind(f->kind));
	field(N_("source:"), f->source);
	field(N_("code:"), out_code(f, code, sizeof(code)));
	field(N_("label:"), f->label);
	field(N_("lab:"), f->lab);
	field(N_("assessment:"), f->assessment ? _("yes") : _("no"));
	field(N_("opened:"), out_local_time(f->opened_at, t, sizeof(t)));
	field(N_("cleared:"), out_local_time(f->cleared_at, t, sizeof(t)));
	field(N_("acknowledged:"), when_by(f->acked_at, f->acked_by, buf, sizeof(buf)));
	if (f->ack_note)
		field(N_("ack note:"), f->ack_note);
	field(N_("repaired:"), when_by(f->repaired_at, f->repaired_by, buf, sizeof(buf)));
	if (f->repaired_at != STORE_NOTIME || f->action)
		field(N_("action:"), f->action);
	if (f->parts)
		field(N_("parts:"), f->parts);
	if (f->dismissed_at != STORE_NOTIME) {
		field(N_("dismissed:"), when_by(f->dismissed_at, f->dismissed_by, buf, sizeof(buf)));
		field(N_("reason:"), f->dismiss_reason);
	}
	if (f->kind == FK_SAFETY || f->classification) {
		if (f->classification) {
			char by[400];
			snprintf(buf, sizeof(buf), "%s (%s)", out_class(f->classification),
			    when_by(f->classified_at, f->classified_by, by, sizeof(by)) ?
			    by : _("no time recorded"));
			field(N_("classification:"), buf);
		} else
			field(N_("classification:"), _("unclassified"));
		if (f->note)
			field(N_("note:"), f->note);
	}
	if (f->repeat_of) {
		snprintf(buf, sizeof(buf), _("fault %lld"), (long long)f->repeat_of);
		field(N_("repeat of:"), buf);
	}

	printf(_("\naudit:\n"));
	if (na == 0) {
		printf(_("  (no records)\n"));
		return EXIT_OK;
	}
	return print_audit(a, na);
}

static int
show_json(const struct fault *f, const struct audit_rec *a, size_t na)
{
	cJSON *o = json_fault_show(f, a, na);
	int rc;

	if (o == NULL)
		return out_of_memory();
	rc = json_print(o, stdout) == 0 ? EXIT_OK : EXIT_ERR;
	cJSON_Delete(o);
	return rc;
}

int
cmd_show(struct ctl *ctl, int argc, char **argv)
{
	struct audit_rec *a = NULL;
	struct fault f;
	size_t na = 0;
	int64_t id;
	int json = 0, r, rc;
	const struct ctl_opt opts[] = { { "json", CTL_FLAG, &json } };

	if ((rc = ctl_opts(ctl, argc, argv, opts, CTL_NOPTS(opts), NULL)) != 0 ||
	    (rc = ctl_arg_id(ctl, argc, argv, &id)) != 0)
		return rc;
	if (ctl_open(ctl, 1) != 0)
		return EXIT_ERR;
	if ((r = store_fault_get(ctl->st, id, &f)) < 0)
		return db_error(ctl, "reading the fault");
	if (r == 0) {
		ctl_error(_("no fault with id %lld"), (long long)id);
		return EXIT_ERR;
	}
	if (store_audit_for(ctl->st, id, &a, &na) != 0) {
		fault_clear(&f);
		return db_error(ctl, "reading the audit records");
	}
	rc = json ? show_json(&f, a, na) : show_human(ctl, &f, a, na);
	store_audit_free(a, na);
	fault_clear(&f);
	return rc;
}
