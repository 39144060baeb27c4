/*
 * tbmctl.h - what the command files of tbmctl share: the context (config,
 * database, site), exit codes and the commands' entry points.
 *
 * Exit codes: 0 ok; 1 an error, with one line "tbmctl: message" on stderr
 * (this includes values that do not parse, such as a bad time or fault id);
 * 2 a malformed command line, with the usage.
 */
#ifndef TBMCTL_H
#define TBMCTL_H

#include <stdint.h>

#include "config.h"
#include "store.h"

#define EXIT_OK 0
#define EXIT_ERR 1
#define EXIT_USAGE 2

#define TBMCTL_DEFAULT_CONFIG "/etc/tbmon/tbmond.conf"

struct ctl;

/* Options every list and figure takes (period.c); above the commands' own. */
enum { OPT_YEAR = 512, OPT_MONTH, OPT_FROM, OPT_TO, OPT_LAB };

/* A period as given (--year, --month, --from/--to) and as resolved. */
struct ctl_period {
	const char *year, *month, *from, *to;
	int64_t from_ms, to_ms;    /* 0: unbounded */
};
/* ctl_period_opt: takes getopt's ch if it is a period option: 1, else 0. */
int ctl_period_opt(struct ctl_period *p, int ch, const char *arg);
/* ctl_period_check: the options go together (else a usage error, its exit
 * code); need_both: --from needs --to and the other way round. */
int ctl_period_check(struct ctl *ctl, const struct ctl_period *p, int need_both);
/* ctl_period_resolve: after ctl_open (the site's zone); this_year: without
 * any option the current year, else unbounded. Reports; 0 or -1. */
int ctl_period_resolve(struct ctl *ctl, struct ctl_period *p, int this_year);
/* ctl_check_names: a device or lab (either NULL) that the base does not
 * have is an error, reported; 0 or -1. */
int ctl_check_names(struct ctl *ctl, const char *device, const char *lab);
/* ctl_faults_of_lab: moves the faults of one lab (NULL: all) to the front
 * of v and returns how many; the others stay behind them, to be freed with
 * the array. */
size_t ctl_faults_of_lab(struct fault *v, size_t n, const char *lab);
/* ctl_device_name: a device's name for people (its id when it has none). */
const char *ctl_device_name(struct ctl *ctl, const char *id);

struct ctl {
	const char *config_path;   /* -c, or the default when -d is not given */
	const char *db_path;       /* -d, or the config's daemon.database */
	struct config *cf;         /* loaded when -c/default is used */
	struct store *st;
	struct site_row site;      /* from the database, may be empty */
	int have_site;
	const char *cmd;           /* the command's name, for usage messages */
	/* who acts (ctl_actor): the account, and the OS user who runs tbmctl */
	struct account acct;
	struct actor who;
	char os_user[128];
	int is_root;
	/* the base's devices, read once for their names (ctl_device_name) */
	struct device_row *devs;
	size_t ndevs;
	int devs_loaded;
};

/* ctl_open: loads the configuration (unless -d), sets the site's time zone
 * and opens the database. Reports its own error; returns 0 or -1. */
int ctl_open(struct ctl *ctl, int readonly);
void ctl_close(struct ctl *ctl);

/* ctl_actor: after ctl_open, the account that acts: the one bound to the
 * invoking OS user, or `by` when it names that account or root runs tbmctl
 * (recorded "via root"). Reports its own error; 0 or -1. */
int ctl_actor(struct ctl *ctl, const char *by);

/* One line "tbmctl: message" on stderr. */
void ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error in the current command: message, then its usage; returns EXIT_USAGE. */
int ctl_usage_error(struct ctl *ctl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ctl_bad_option: the usage error for getopt's ':' (missing argument) or
 * '?' (unknown option); option strings start with ':'. */
int ctl_bad_option(struct ctl *ctl, int ch, char **argv);

/* ctl_parse_time: parses T for option `opt` after the zone is set; reports
 * the error itself. 0 ok, -1 bad. */
int ctl_parse_time(const char *opt, const char *s, int64_t *ms);
/* ctl_parse_id: a positive fault id; reports the error itself. */
int ctl_parse_id(const char *s, int64_t *id);

/* ctl_finish: flushes stdout; EXIT_ERR with a message if writing failed. */
int ctl_finish(int rc);

/* Commands: argv[0] is the command's name; they return an exit code. */
int cmd_status(struct ctl *ctl, int argc, char **argv);
int cmd_faults(struct ctl *ctl, int argc, char **argv);
int cmd_show(struct ctl *ctl, int argc, char **argv);
int cmd_ack(struct ctl *ctl, int argc, char **argv);
int cmd_repair(struct ctl *ctl, int argc, char **argv);
int cmd_dismiss(struct ctl *ctl, int argc, char **argv);
int cmd_report(struct ctl *ctl, int argc, char **argv);
int cmd_classify(struct ctl *ctl, int argc, char **argv);
int cmd_verify(struct ctl *ctl, int argc, char **argv);
int cmd_incidents(struct ctl *ctl, int argc, char **argv);
int cmd_indicators(struct ctl *ctl, int argc, char **argv);
int cmd_amend(struct ctl *ctl, int argc, char **argv);
int cmd_reopen(struct ctl *ctl, int argc, char **argv);
int cmd_user(struct ctl *ctl, int argc, char **argv);
int cmd_top(struct ctl *ctl, int argc, char **argv);

#endif
