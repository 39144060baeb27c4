/*
 * cmdline.h - the command line and start-up the daemons share (tbmond,
 * tbm-notify, tbm-web): -c CONFIG, -d, -n, -h, -V (and --config, --debug,
 * --check, --help, --version), logging set up for a terminal or the
 * journal, tbmond.conf loaded with every error reported, and the signals
 * a daemon stops and reloads on.
 */
#ifndef TBM_CMDLINE_H
#define TBM_CMDLINE_H

#include <stdio.h>

#include "config.h"

#define TBM_DEFAULT_CONFIG "/etc/tbmon/tbmond.conf"

struct cmdline {
	const char *prog;            /* the program's name: log lines and -V */
	void (*usage)(FILE *fp);     /* the program's own usage text */
	const char *config;          /* -c; else as set before (NULL: TBM_DEFAULT_CONFIG) */
	int debug;                   /* -d */
	int check;                   /* -n */
};

/* cmdline_parse's answer when the program goes on. */
#define CMDLINE_GO_ON (-1)

/* cmdline_parse: sets up logging as the program's name (debug messages
 * with -d; "<N>" priorities when stderr is the journal or not a terminal)
 * and reads argv, which takes no other argument. Returns CMDLINE_GO_ON,
 * or the program's exit code: 0 after -h (the usage on stdout) or -V, 2
 * after a bad command line (the usage on stderr). */
int cmdline_parse(struct cmdline *cl, int argc, char **argv);

/* cmdline_config: tbmond.conf at `path`, each error on stderr as
 * FILE:LINE: message and then "PATH: N errors"; NULL then. */
struct config *cmdline_config(const char *path);

/* cmdline_checked: with -n, after the program's own checks of cf: prints
 * "configuration OK", frees cf and returns 1 (the program exits 0); else 0. */
int cmdline_checked(const struct cmdline *cl, struct config *cf);

/* cmdline_signals: SIGTERM, SIGINT and SIGHUP call `handler` (which only
 * sets a flag); SIGPIPE is ignored (a peer that went away is an error
 * where it is written to, not the end of the daemon). */
void cmdline_signals(void (*handler)(int));

#endif
