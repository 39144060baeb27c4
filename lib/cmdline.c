/*
 * cmdline.c - the daemons' shared command line (-c -d -n -h -V), their
 * logging set-up, the loading of tbmond.conf with its error count and the
 * signals, so that tbmond, tbm-notify and tbm-web start alike.
 */
#include "cmdline.h"

#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"

int
cmdline_parse(struct cmdline *cl, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	if (cl->config == NULL)
		cl->config = TBM_DEFAULT_CONFIG;
	cl->debug = cl->check = 0;
	while ((ch = getopt_long(argc, argv, "c:dnhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			cl->config = optarg;
			break;
		case 'd':
			cl->debug = 1;
			break;
		case 'n':
			cl->check = 1;
			break;
		case 'h':
			cl->usage(stdout);
			return 0;
		case 'V':
			printf("%s %s\n", cl->prog, TBM_VERSION);
			return 0;
		default:
			cl->usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		cl->usage(stderr);
		return 2;
	}
	/* the journal keeps our priorities when stderr goes to it */
	log_init(cl->prog, cl->debug ? LOG_DEBUG_ : LOG_INFO_,
	    getenv("JOURNAL_STREAM") != NULL || !isatty(STDERR_FILENO));
	return CMDLINE_GO_ON;
}

struct config *
cmdline_config(const char *path)
{
	struct config *cf;
	int nerr = 0;

	if ((cf = config_load(path, NULL, NULL, &nerr)) == NULL)
		fprintf(stderr, "%s: %d error%s\n", path, nerr, nerr == 1 ? "" : "s");
	return cf;
}

int
cmdline_checked(const struct cmdline *cl, struct config *cf)
{
	if (!cl->check)
		return 0;
	printf("configuration OK\n");
	config_free(cf);
	return 1;
}

void
cmdline_signals(void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}
