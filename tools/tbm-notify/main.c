/*
 * main.c - tbm-notify: the command line, the configuration and its files
 * (checked by -n), signals, and one thread per channel. Signal handlers
 * only set a flag.
 */
#include <curl/curl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "tbmtime.h"

#define DEFAULT_CONFIG "/etc/tbmon/tbmond.conf"

volatile sig_atomic_t notify_stop;

static void
on_signal(int sig)
{
	(void)sig;
	notify_stop = 1;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: tbm-notify [-n] [-d] [-c CONFIG]\n"
	    "  -c CONFIG  configuration file (default " DEFAULT_CONFIG ")\n"
	    "  -n         check the configuration and the files it names, then exit\n"
	    "  -d         debug logging\n"
	    "  -V         print the version\n");
}

/* Every channel's files: URLs, secrets, passwords. All problems are reported. */
static int
check_channels(const struct config *cf)
{
	int bad = 0;

	for (size_t i = 0; i < cf->nnotifies; i++) {
		struct deliver *d = deliver_new(cf->notifies[i], cf->site.name);
		if (d == NULL || deliver_load(d, 1) != 0)
			bad++;
		deliver_free(d);
	}
	return bad ? -1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_CONFIG;
	struct channel **chs = NULL;
	struct config *cf;
	struct sigaction sa;
	int check = 0, debug = 0, opt, nerr = 0, rc = 1;
	size_t started = 0;

	log_init("tbm-notify", LOG_INFO_, getenv("JOURNAL_STREAM") != NULL || !isatty(STDERR_FILENO));
	while ((opt = getopt_long(argc, argv, "c:dnhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			debug = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("tbm-notify %s\n", TBM_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if ((cf = config_load(path, NULL, NULL, &nerr)) == NULL) {
		fprintf(stderr, "%s: %d error%s\n", path, nerr, nerr == 1 ? "" : "s");
		return 1;
	}
	log_set_level(debug ? LOG_DEBUG_ : cf->daemon.log_level);
	if (cf->site.timezone != NULL)
		time_set_zone(cf->site.timezone);
	if (cf->nnotifies == 0) {
		fprintf(stderr, "%s: no [notify NAME] section: nothing to send\n", path);
		goto out;
	}
	if (cf->web.base_url == NULL)
		log_warnx("%s: [web] base_url is not set: messages carry no link to the fault", path);
	if (check_channels(cf) != 0)
		goto out;
	if (check) {
		printf("configuration OK\n");
		rc = 0;
		goto out;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		log_errx("cannot initialise libcurl");
		goto out;
	}
	if ((chs = calloc(cf->nnotifies, sizeof(*chs))) == NULL)
		goto out_curl;
	for (size_t i = 0; i < cf->nnotifies; i++)
		if ((chs[i] = channel_new(cf, cf->notifies[i])) == NULL)
			goto stop;
	for (; started < cf->nnotifies; started++)
		if (channel_start(chs[started]) != 0) {
			log_err("cannot start a thread");
			notify_stop = 1;
			goto stop;
		}
	log_info("started: %zu channel%s, database %s", cf->nnotifies,
	    cf->nnotifies == 1 ? "" : "s", cf->daemon.database);
	sd_notify(0, "READY=1");
	while (!notify_stop)
		poll(NULL, 0, 200);
	sd_notify(0, "STOPPING=1");
	log_info("stopping");
	rc = 0;
stop:
	notify_stop = 1;
	for (size_t i = 0; i < started; i++)
		channel_join(chs[i]);
	for (size_t i = 0; i < cf->nnotifies; i++)
		channel_free(chs[i]);
	free(chs);
out_curl:
	curl_global_cleanup();
out:
	config_free(cf);
	return rc;
}
