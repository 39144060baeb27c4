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

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

#define EXIT_OK 0
#define EXIT_ERR 1
#define EXIT_USAGE 2

#define TBMCTL_DEFAULT_CONFIG "/etc/tbmon/tbmond.conf"

struct ctl;

/* A command's options, one row each (opts.c): its name (--NAME), whether
 * and how it takes a value, and where that goes. */
enum ctl_optarg {
	CTL_FLAG,   /* no value; sets the int `to` to 1 */
	CTL_ARG,    /* a value, as given: `to` is a const char * */
	CTL_TEXT,   /* a value that must not be blank: `to` is a const char * */
	CTL_LIST,   /* a non-blank value, repeatable: `to` is a struct ctl_list */
};
struct ctl_opt {
	const char *name;
	enum ctl_optarg arg;
	void *to;
};
#define CTL_OPTS_MAX 16
#define CTL_LIST_MAX 32
struct ctl_list {
	char *v[CTL_LIST_MAX];
	size_t n;
};
#define CTL_NOPTS(a) (sizeof(a) / sizeof((a)[0]))
/* ctl_opts: parses argv's options into the rows' places (which keep what
 * they held unless an option is given); the positional arguments are left
 * at argv[optind ..]. `allowed`: NULL, or the space-separated names this
 * command takes of the rows (the others are refused by name). 0, or the
 * exit code of a usage error (reported). */
int ctl_opts(struct ctl *ctl, int argc, char **argv, const struct ctl_opt *opts, size_t nopts,
    const char *allowed);
/* ctl_no_args: no positional argument is left; else a usage error (its exit code). */
int ctl_no_args(struct ctl *ctl, int argc, char **argv);
/* ctl_arg_id: the one positional argument is a fault id. 0, EXIT_USAGE or
 * EXIT_ERR (a value that does not parse); reported. */
int ctl_arg_id(struct ctl *ctl, int argc, char **argv, int64_t *id);

/* A period as given (--year, --month, --from/--to) and as resolved. */
struct ctl_period {
	const char *year, *month, *from, *to;
	int64_t from_ms, to_ms;    /* 0: unbounded */
};
/* The rows of the period's options, for a command's option table. */
#define CTL_PERIOD_OPTS(p) \
	{ "year", CTL_ARG, &(p)->year }, { "month", CTL_ARG, &(p)->month }, \
	{ "from", CTL_ARG, &(p)->from }, { "to", CTL_ARG, &(p)->to }
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
 * '?' (unknown option); option strings start with ':'. (opts.c) */
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
