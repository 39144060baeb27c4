/*
 * cmd_write.c - the commands that change the record: ack, repair, dismiss,
 * report, classify, amend, reopen; who acts (the account bound to the OS
 * user); and verify, which checks that nobody changed the record behind the
 * tools' back. Every change goes through lib/store.c, one transaction with
 * its audit record, safe beside a running tbmond; the rights are the
 * store's to check (lib/rights.c), so tbmctl cannot skip them.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "output.h"
#include "tbmctl.h"
#include "tbmtime.h"

#define WRITE_ATTEMPTS 3   /* each waits up to the busy timeout for the daemon's writer */

struct wopts {
	int json;
	const char *by, *note, *action, *parts, *reason, *kind, *at;
};

/* Parses the options; `allowed` lists the ones this command takes. The
 * positional arguments are left at argv[optind ..]. */
static int
parse_opts(struct ctl *ctl, int argc, char **argv, const char *allowed, struct wopts *o)
{
	const struct ctl_opt opts[] = {
		{ "json", CTL_FLAG, &o->json },
		{ "by", CTL_TEXT, &o->by },
		{ "note", CTL_TEXT, &o->note },
		{ "action", CTL_TEXT, &o->action },
		{ "parts", CTL_TEXT, &o->parts },
		{ "at", CTL_TEXT, &o->at },
		{ "reason", CTL_TEXT, &o->reason },
		{ "kind", CTL_TEXT, &o->kind },
	};

	memset(o, 0, sizeof(*o));
	return ctl_opts(ctl, argc, argv, opts, CTL_NOPTS(opts), allowed);
}

static int
need(struct ctl *ctl, const char *v, const char *opt)
{
	if (v == NULL) {
		ctl_usage_error(ctl, _("%s needs --%s"), ctl->cmd, opt);
		return -1;
	}
	return 0;
}

int
ctl_actor(struct ctl *ctl, const char *by)
{
	struct account bound;
	int r;

	memset(&bound, 0, sizeof(bound));
	if (account_os_user(ctl->os_user, sizeof(ctl->os_user), &ctl->is_root) != 0) {
		ctl_error(_("cannot tell who runs tbmctl: %s has no user name"), ctl->os_user);
		return -1;
	}
	if ((r = store_account_by_os_user(ctl->st, ctl->os_user, &bound)) < 0) {
		ctl_error("%s: %s", ctl->db_path, store_errmsg(ctl->st));
		return -1;
	}
	ctl->who.channel = "cli";
	ctl->who.origin = ctl->os_user;
	ctl->who.via = NULL;
	if (by == NULL || (r == 1 && strcmp(by, bound.name) == 0)) {
		if (r == 0) {
			ctl_error(_("OS user %s is bound to no account: a manager binds it with 'tbmctl user "
			    "add NAME --os-user %s ...'%s"), ctl->os_user, ctl->os_user,
			    ctl->is_root ? ", or name the account with --by NAME" : "");
			return -1;
		}
		ctl->acct = bound;
	} else if (ctl->is_root) {
		account_clear(&bound);
		if ((r = store_account_get(ctl->st, by, &ctl->acct)) < 0) {
			ctl_error("%s: %s", ctl->db_path, store_errmsg(ctl->st));
			return -1;
		}
		if (r == 0) {
			ctl_error(_("--by %s: no such account (see tbmctl user list)"), by);
			return -1;
		}
		ctl->who.via = "root";
	} else {
		if (r == 1)
			ctl_error(_("--by %s: OS user %s acts as account %s; only root may act for "
			    "another account"), by, ctl->os_user, bound.name);
		else
			ctl_error(_("--by %s: OS user %s is bound to no account, and only root may act "
			    "for an account it is not bound to"), by, ctl->os_user);
		account_clear(&bound);
		return -1;
	}
	if (ctl->acct.disabled) {
		ctl_error(_("account %s is disabled"), ctl->acct.name);
		return -1;
	}
	ctl->who.acct = &ctl->acct;
	return 0;
}

/* Prints the fault after a change: its JSON, or one line for people. */
static int
print_result(struct ctl *ctl, int64_t id, int json, const char *said)
{
	struct fault f;
	int r;

	if ((r = store_fault_get(ctl->st, id, &f)) != 1) {
		ctl_error(_("%s: cannot read fault %lld back"), ctl->db_path, (long long)id);
		return EXIT_ERR;
	}
	if (json) {
		cJSON *o = json_fault(&f);
		r = o ? json_print(o, stdout) : -1;
		cJSON_Delete(o);
	} else {
		printf(_("fault %lld (%s %s.%s): %s; status %s\n"), (long long)f.id,
		    out_kind(f.kind), f.device, f.point, _(said), out_status(&f));
		if (f.repaired_at && !f.cleared_at && f.source && strcmp(f.source, "auto") == 0)
			printf(_("note: its signal is still active (the equipment has not cleared it)\n"));
		r = 0;
	}
	fault_clear(&f);
	return ctl_finish(r == 0 ? EXIT_OK : EXIT_ERR);
}

/* Runs a change, retrying while the database is busy; maps the outcome. */
typedef int (*change_fn)(struct ctl *ctl, void *arg, char *err, size_t len);

static int
run_change(struct ctl *ctl, change_fn fn, void *arg)
{
	char err[512];
	int r = -1;

	for (int i = 0; i < WRITE_ATTEMPTS; i++) {
		r = fn(ctl, arg, err, sizeof(err));
		if (r != -1 || strstr(err, "locked") == NULL)
			break;
	}
	if (r == STORE_REFUSED) {
		ctl_error("%s", err);
		return EXIT_ERR;
	}
	if (r != 0) {
		ctl_error("%s: %s", ctl->db_path, err);
		return EXIT_ERR;
	}
	return EXIT_OK;
}

struct change {
	int64_t id, at, now, new_id;
	struct wopts *o;
	const char *cls;
	enum fault_kind kind;
	const char *device;
};

static int
do_ack(struct ctl *ctl, void *arg, char *err, size_t len)
{
	struct change *c = arg;
	return store_ack(ctl->st, c->id, &ctl->who, c->o->note, c->now, err, len);
}

static int
do_repair(struct ctl *ctl, void *arg, char *err, size_t len)
{
	struct change *c = arg;
	return store_repair(ctl->st, c->id, &ctl->who, c->o->action, c->o->parts, c->at, c->now, err,
	    len);
}

static int
do_dismiss(struct ctl *ctl, void *arg, char *err, size_t len)
{
	struct change *c = arg;
	return store_dismiss(ctl->st, c->id, &ctl->who, c->o->reason, c->now, err, len);
}

static int
do_classify(struct ctl *ctl, void *arg, char *err, size_t len)
{
	struct change *c = arg;
	return store_classify(ctl->st, c->id, c->cls, &ctl->who, c->o->note, c->now, err, len);
}

static int
do_report(struct ctl *ctl, void *arg, char *err, size_t len)
{
	struct change *c = arg;
	return store_report(ctl->st, c->device, c->kind, &ctl->who, c->o->note, c->at, c->now,
	    &c->new_id, err, len);
}

/* The shared shape of ack, repair, dismiss and classify. */
static int
change_cmd(struct ctl *ctl, int argc, char **argv, const char *allowed, const char *required,
    change_fn fn, const char *said)
{
	struct wopts o;
	struct change c;
	char buf[256];
	int rc;

	memset(&c, 0, sizeof(c));
	if ((rc = parse_opts(ctl, argc, argv, allowed, &o)) != 0)
		return rc;
	c.o = &o;
	if (fn == do_classify) {
		/* classify ID CLASS */
		int cls;
		if (optind + 2 != argc)
			return ctl_usage_error(ctl, _("classify needs an ID and one of accident, near-miss, drill, none (事故, 未遂, 演练, 非事件)"));
		/* the word people use, stored as its one name */
		if ((cls = safety_class_parse_word(argv[optind + 1])) < 0) {
			/* a value that does not parse: an error (1), not a usage error */
			ctl_error(_("classification '%s' is not one of accident, near-miss, drill, none (事故, 未遂, 演练, 非事件)"),
			    argv[optind + 1]);
			return EXIT_ERR;
		}
		c.cls = safety_class_name((enum safety_class)cls);
		argc--;
	}
	if ((rc = ctl_arg_id(ctl, argc, argv, &c.id)) != 0)
		return rc;
	for (const char *r = required; r && *r; r += strlen(r) + 1) {
		const char *v = strcmp(r, "by") == 0 ? o.by : strcmp(r, "action") == 0 ? o.action :
		    strcmp(r, "reason") == 0 ? o.reason : NULL;
		if (need(ctl, v, r) != 0)
			return EXIT_USAGE;
	}
	if (ctl_open(ctl, 0) != 0 || ctl_actor(ctl, o.by) != 0)
		return EXIT_ERR;
	c.now = c.at = time_now_ms();
	if (o.at && ctl_parse_time("--at", o.at, &c.at) != 0)
		return EXIT_ERR;
	if ((rc = run_change(ctl, fn, &c)) != EXIT_OK)
		return rc;
	if (fn == do_repair) {
		char t[64];
		time_format_local(c.at, t, sizeof(t));
		snprintf(buf, sizeof(buf), _("repaired by %s at %s"), ctl->acct.name, t);
		said = buf;
	} else if (fn == do_classify) {
		snprintf(buf, sizeof(buf), _("classified %s by %s"), out_class(c.cls), ctl->acct.name);
		said = buf;
	}
	return print_result(ctl, c.id, o.json, said);
}

int
cmd_ack(struct ctl *ctl, int argc, char **argv)
{
	return change_cmd(ctl, argc, argv, "json by note", NULL, do_ack, N_("acknowledged"));
}

int
cmd_repair(struct ctl *ctl, int argc, char **argv)
{
	return change_cmd(ctl, argc, argv, "json by action parts at", "action\0", do_repair, NULL);
}

int
cmd_dismiss(struct ctl *ctl, int argc, char **argv)
{
	return change_cmd(ctl, argc, argv, "json by reason", "reason\0", do_dismiss, N_("dismissed"));
}

int
cmd_classify(struct ctl *ctl, int argc, char **argv)
{
	return change_cmd(ctl, argc, argv, "json by note", NULL, do_classify, NULL);
}

int
cmd_report(struct ctl *ctl, int argc, char **argv)
{
	struct wopts o;
	struct change c;
	int rc, k;

	memset(&c, 0, sizeof(c));
	if ((rc = parse_opts(ctl, argc, argv, "json by note kind at", &o)) != 0)
		return rc;
	if (optind + 1 != argc)
		return ctl_usage_error(ctl, _("report needs one DEVICE"));
	if (need(ctl, o.note, "note") != 0)
		return EXIT_USAGE;
	k = o.kind ? fault_kind_parse(o.kind) : FK_FAULT;
	if (k != FK_FAULT && k != FK_SAFETY)
		return ctl_usage_error(ctl, _("--kind must be fault or safety, not '%s'"), o.kind);
	c.o = &o;
	c.kind = (enum fault_kind)k;
	c.device = argv[optind];
	if (ctl_open(ctl, 0) != 0 || ctl_actor(ctl, o.by) != 0)
		return EXIT_ERR;
	c.now = c.at = time_now_ms();
	if (o.at && ctl_parse_time("--at", o.at, &c.at) != 0)
		return EXIT_ERR;
	if ((rc = run_change(ctl, do_report, &c)) != EXIT_OK)
		return rc;
	return print_result(ctl, c.new_id, o.json, c.kind == FK_SAFETY ?
	    N_("safety event reported") : N_("fault reported"));
}

static int
do_amend(struct ctl *ctl, void *arg, char *err, size_t len)
{
	struct change *c = arg;
	struct amend am = { c->o->action, c->o->parts, c->o->note, c->o->at ? c->at : 0 };

	return store_amend(ctl->st, c->id, &ctl->who, &am, c->o->reason, c->now, err, len);
}

static int
do_reopen(struct ctl *ctl, void *arg, char *err, size_t len)
{
	struct change *c = arg;
	return store_reopen(ctl->st, c->id, &ctl->who, c->o->reason, c->now, err, len);
}

int
cmd_amend(struct ctl *ctl, int argc, char **argv)
{
	/* no --reason is the store's refusal (one line, exit 1), as for every other
	 * correction it refuses, not a usage error */
	return change_cmd(ctl, argc, argv, "json by action parts at note reason", NULL, do_amend,
	    N_("amended"));
}

int
cmd_reopen(struct ctl *ctl, int argc, char **argv)
{
	return change_cmd(ctl, argc, argv, "json by reason", NULL, do_reopen, N_("reopened"));
}

int
cmd_verify(struct ctl *ctl, int argc, char **argv)
{
	struct verify_result res;
	char err[512];
	int r, json = 0;
	const struct ctl_opt opts[] = { { "json", CTL_FLAG, &json } };

	if ((r = ctl_opts(ctl, argc, argv, opts, CTL_NOPTS(opts), NULL)) != 0)
		return r;
	if (optind < argc)
		return ctl_usage_error(ctl, _("verify takes no arguments ('%s')"), argv[optind]);
	if (ctl_open(ctl, 1) != 0)
		return EXIT_ERR;
	r = store_verify_head(ctl->st, &res, err, sizeof(err));
	if (r < 0) {
		ctl_error("%s: %s", ctl->db_path, err);
		return EXIT_ERR;
	}
	if (json) {
		cJSON *o = cJSON_CreateObject(), *h;
		int pr;
		cJSON_AddBoolToObject(o, "intact", r == 0);
		cJSON_AddItemToObject(o, "problem", r ? cJSON_CreateString(err) : cJSON_CreateNull());
		cJSON_AddNumberToObject(o, "records", (double)res.records);
		cJSON_AddNumberToObject(o, "faults", (double)res.faults);
		cJSON_AddNumberToObject(o, "accounts", (double)res.accounts);
		/* a broken chain has no head anyone should write down */
		if (r == 0 && (h = cJSON_AddObjectToObject(o, "head")) != NULL) {
			cJSON_AddNumberToObject(h, "seq", (double)res.head_seq);
			cJSON_AddStringToObject(h, "hash", res.head_hash);
		} else
			cJSON_AddNullToObject(o, "head");
		if (ctl->have_site)
			cJSON_AddStringToObject(o, "site", ctl->site.id);
		pr = json_print(o, stdout);
		cJSON_Delete(o);
		if (pr != 0)
			return EXIT_ERR;
		return ctl_finish(r == 0 ? EXIT_OK : EXIT_ERR);
	}
	if (r > 0) {
		ctl_error(_("audit trail broken: %s"), err);
		return EXIT_ERR;
	}
	printf(_("audit trail intact: %lu records checked, %lu faults and %lu accounts match their "
	    "history\n"), res.records, res.faults, res.accounts);
	printf(_("head: seq %lld hash %s\n"), (long long)res.head_seq, res.head_hash);
	printf(_("note: a writer with access to the database can rewrite the whole chain; compare "
	    "this head with one written down earlier (see tbmctl(1))\n"));
	return ctl_finish(EXIT_OK);
}
