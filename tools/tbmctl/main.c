/*
 * main.c - tbmctl: global options, the command table and the context every
 * command opens (configuration, site time zone, database).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n.h"
#include "log.h"
#include "tbmctl.h"
#include "tbmtime.h"
#include "textwidth.h"

static const struct command {
	const char *name;
	int (*fn)(struct ctl *ctl, int argc, char **argv);
	const char *usage;
} commands[] = {
	{ "status", cmd_status, "status [--json]" },
	{ "faults", cmd_faults,
	  "faults [--open | --all] [--device ID] [--lab LAB]\n"
	  "      [--year YYYY | --month YYYY-MM | --from T] [--to T] [--json]" },
	{ "show", cmd_show, "show ID [--json]" },
	{ "ack", cmd_ack, "ack ID [--by NAME] [--note TEXT] [--json]" },
	{ "repair", cmd_repair,
	  "repair ID [--by NAME] --action TEXT [--parts TEXT] [--at T] [--json]" },
	{ "dismiss", cmd_dismiss, "dismiss ID [--by NAME] --reason TEXT [--json]" },
	{ "report", cmd_report,
	  "report DEVICE [--by NAME] --note TEXT [--kind fault|safety] [--at T] [--json]" },
	{ "incidents", cmd_incidents,
	  "incidents [--lab LAB]\n"
	  "      [--year YYYY | --month YYYY-MM | --from T] [--to T] [--json]" },
	{ "classify", cmd_classify,
	  "classify ID accident|near-miss|drill|none [--by NAME] [--note TEXT] [--json]\n"
	  "      (or 事故|未遂|演练|非事件)" },
	{ "indicators", cmd_indicators,
	  "indicators [--year YYYY | --month YYYY-MM | --from T --to T] [--lab LAB]\n"
	  "      [--cutoff T] [--normal FRACTION] [--json]" },
	{ "top", cmd_top,
	  "top [--year YYYY | --month YYYY-MM | --from T --to T]\n"
	  "      [--by device|label|lab] [--lab LAB] [--json]" },
	{ "amend", cmd_amend,
	  "amend ID [--action TEXT] [--parts TEXT] [--at T] [--note TEXT] --reason TEXT [--by NAME] [--json]" },
	{ "reopen", cmd_reopen, "reopen ID --reason TEXT [--by NAME] [--json]" },
	{ "verify", cmd_verify, "verify [--json]" },
	{ "user", cmd_user,
	  "user add NAME --role viewer|technician|manager [--display TEXT] [--lab LAB]... "
	  "[--os-user USER] [--password-file FILE | --no-password] [--by NAME]\n"
	  "  user list [--json]\n"
	  "  user passwd NAME [--password-file FILE] [--by NAME]\n"
	  "  user key NAME [--revoke] [--by NAME]\n"
	  "  user disable|enable NAME [--by NAME]" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *fp)
{
	fprintf(fp, _("usage: tbmctl [-c CONFIG | -d DATABASE] COMMAND\n"));
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %s\n", commands[i].usage);
	fprintf(fp, _("T: 2023-12-31, \"2023-12-31 23:30\", 14:20 (today), today, yesterday or ISO 8601;\n"
	    "local times are in the site's time zone.\n"
	    "-c CONFIG: tbmond's configuration (default %s),\n"
	    "  for the database and time zone;\n"
	    "-d DATABASE: that database directly.\n"
	    "--by NAME: the account that acts; it may be left out where the OS user is bound to\n"
	    "one, and only root may name another account (recorded as NAME via root).\n"),
	    TBMCTL_DEFAULT_CONFIG);
}

void
ctl_error(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* one line, whatever the message carried */
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fprintf(stderr, _("tbmctl: %s\n"), buf);
}

static const struct command *
find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int
ctl_usage_error(struct ctl *ctl, const char *fmt, ...)
{
	const struct command *c = ctl->cmd ? find_command(ctl->cmd) : NULL;
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, _("tbmctl: %s\n"), buf);
	if (c != NULL)
		fprintf(stderr, _("usage: tbmctl [-c CONFIG | -d DATABASE] %s\n"), c->usage);
	else
		usage(stderr);
	return EXIT_USAGE;
}

int
ctl_parse_time(const char *opt, const char *s, int64_t *ms)
{
	if (time_parse_near(s, time_now_ms(), ms) != 0) {
		ctl_error(_("%s: cannot parse '%s' (use 2023-12-31, \"2023-12-31 23:30\", 14:20, today, "
		    "yesterday or ISO 8601)"), opt, s);
		return -1;
	}
	return 0;
}

int
ctl_parse_id(const char *s, int64_t *id)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v <= 0) {
		ctl_error(_("bad fault id '%s' (a positive number)"), s);
		return -1;
	}
	*id = v;
	return 0;
}

static void
config_report(void *arg, const char *msg)
{
	(void)arg;
	ctl_error("%s", msg);
}

static int
set_zone(const char *tz, const char *from)
{
	if (tz == NULL || *tz == '\0')
		return 0;
	if (time_set_zone(tz) != 0) {
		ctl_error(_("time zone '%s' (%s) is not known to this system"), tz, from);
		return -1;
	}
	return 0;
}

int
ctl_open(struct ctl *ctl, int readonly)
{
	char err[512];
	struct stat sb;
	int nerr = 0, r;

	if (ctl->db_path == NULL) {
		if (stat(ctl->config_path, &sb) != 0) {
			ctl_error(_("%s: %s (name the configuration with -c, or the database with -d)"),
			    ctl->config_path, strerror(errno));
			return -1;
		}
		ctl->cf = config_load(ctl->config_path, config_report, NULL, &nerr);
		if (ctl->cf == NULL) {
			if (nerr == 0)
				ctl_error(_("%s: cannot load the configuration"), ctl->config_path);
			return -1;
		}
		ctl->db_path = ctl->cf->daemon.database;
		if (set_zone(ctl->cf->site.timezone, ctl->config_path) != 0)
			return -1;
	}
	/* say plainly which file is missing instead of SQLite's "unable to open" */
	if (stat(ctl->db_path, &sb) != 0) {
		ctl_error(_("database %s: %s"), ctl->db_path, strerror(errno));
		return -1;
	}
	/* A change needs the database and its directory (for the WAL files) writable:
	 * say so plainly rather than fail half-way with SQLite's "readonly database". */
	if (!readonly && access(ctl->db_path, W_OK) != 0) {
		ctl_error(_("database %s: not writable by this user (%s); run tbmctl as the tbmon user, "
		    "e.g. sudo -u tbmon tbmctl ..."), ctl->db_path, strerror(errno));
		return -1;
	}
	if (!readonly) {
		char *dir = strdup(ctl->db_path), *slash;
		int ok;
		if (dir == NULL) {
			ctl_error(_("out of memory"));
			return -1;
		}
		if ((slash = strrchr(dir, '/')) != NULL)
			*(slash == dir ? slash + 1 : slash) = '\0';
		else
			strcpy(dir, ".");
		ok = access(dir, W_OK | X_OK) == 0;
		if (!ok)
			ctl_error(_("database %s: its directory %s is not writable by this user (%s); run "
			    "tbmctl as the tbmon user, e.g. sudo -u tbmon tbmctl ..."), ctl->db_path, dir,
			    strerror(errno));
		free(dir);
		if (!ok)
			return -1;
	}
	if (store_open(ctl->db_path, readonly, &ctl->st, err, sizeof(err)) != 0) {
		ctl_error(_("database %s"), err);
		return -1;
	}
	if ((r = store_site(ctl->st, &ctl->site)) < 0) {
		ctl_error(_("database %s: %s"), ctl->db_path, store_errmsg(ctl->st));
		return -1;
	}
	ctl->have_site = r;
	if (ctl->cf == NULL && ctl->have_site && set_zone(ctl->site.timezone, ctl->db_path) != 0)
		return -1;
	return 0;
}

void
ctl_close(struct ctl *ctl)
{
	store_close(ctl->st);
	ctl->st = NULL;
	account_clear(&ctl->acct);
	store_site_clear(&ctl->site);
	config_free(ctl->cf);
	ctl->cf = NULL;
	store_devices_free(ctl->devs, ctl->ndevs);
	ctl->devs = NULL;
	ctl->ndevs = 0;
}

int
ctl_finish(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ctl_error(_("writing the output: %s"), strerror(errno));
		return EXIT_ERR;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "database", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl ctl;
	const struct command *cmd;
	const char *config = NULL;
	int ch, rc;

	memset(&ctl, 0, sizeof(ctl));
	text_init_locale();
	i18n_init();
	/* the store's own warnings would make a second line; we report its errors */
	log_init("tbmctl", LOG_ERR_, 0);

	opterr = 0;
	/* "+": stop at the command; its options are its own */
	while ((ch = getopt_long(argc, argv, "+:c:d:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'd':
			ctl.db_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return ctl_finish(EXIT_OK);
		case 'V':
			printf(_("tbmctl %s\n"), TBM_VERSION);
			return ctl_finish(EXIT_OK);
		default:
			return ctl_bad_option(&ctl, ch, argv);
		}
	}
	if (config != NULL && ctl.db_path != NULL)
		return ctl_usage_error(&ctl, _("-c and -d cannot be used together"));
	ctl.config_path = config ? config : TBMCTL_DEFAULT_CONFIG;
	if (optind >= argc)
		return ctl_usage_error(&ctl, _("no command given"));
	if ((cmd = find_command(argv[optind])) == NULL)
		return ctl_usage_error(&ctl, _("unknown command '%s'"), argv[optind]);
	ctl.cmd = cmd->name;

	argc -= optind;
	argv += optind;
	optind = 0;   /* GNU getopt: start afresh on the command's arguments */
	rc = cmd->fn(&ctl, argc, argv);
	ctl_close(&ctl);
	return ctl_finish(rc);
}
