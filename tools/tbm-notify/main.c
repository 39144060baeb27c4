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
static volatile sig_atomic_t got_term, got_hup;

static void
on_signal(int sig)
{
	if (sig == SIGHUP) {
		got_hup = 1;
	} else {
		got_term = 1;
		notify_stop = 1;
	}
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

/* A configuration with its channels checked, or NULL after saying why. */
static struct config *
load(const char *path, int debug)
{
	struct config *cf;
	int nerr = 0;

	if ((cf = config_load(path, NULL, NULL, &nerr)) == NULL) {
		fprintf(stderr, "%s: %d error%s\n", path, nerr, nerr == 1 ? "" : "s");
		return NULL;
	}
	log_set_level(debug ? LOG_DEBUG_ : cf->daemon.log_level);
	if (cf->nnotifies == 0) {
		fprintf(stderr, "%s: no [notify NAME] section: nothing to send\n", path);
		goto bad;
	}
	if (cf->web.base_url == NULL)
		log_warnx("%s: [web] base_url is not set: messages carry no link to the fault", path);
	if (check_channels(cf) != 0)
		goto bad;
	return cf;
bad:
	config_free(cf);
	return NULL;
}

/* The channels of a configuration, each on its thread. */
struct running {
	struct config *cf;
	struct channel **chs;
	size_t n, started;
};

static void
channels_stop(struct running *r)
{
	notify_stop = 1;
	for (size_t i = 0; i < r->started; i++)
		channel_join(r->chs[i]);
	for (size_t i = 0; i < r->n; i++)
		channel_free(r->chs[i]);
	free(r->chs);
	r->chs = NULL;
	r->n = r->started = 0;
	notify_stop = got_term;
}

static int
channels_start(struct running *r)
{
	const struct config *cf = r->cf;

	if (cf->site.timezone != NULL)
		time_set_zone(cf->site.timezone);
	if ((r->chs = calloc(cf->nnotifies, sizeof(*r->chs))) == NULL)
		return -1;
	for (; r->n < cf->nnotifies; r->n++)
		if ((r->chs[r->n] = channel_new(cf, cf->notifies[r->n])) == NULL)
			return -1;
	for (; r->started < r->n; r->started++)
		if (channel_start(r->chs[r->started]) != 0) {
			log_err("cannot start a thread");
			return -1;
		}
	log_info("started: %zu channel%s, database %s", cf->nnotifies,
	    cf->nnotifies == 1 ? "" : "s", cf->daemon.database);
	return 0;
}

/* SIGHUP: a new configuration replaces the old only when it is good; the
 * channels stop (each saves its position) and start again from there. */
static void
reload(struct running *r, const char *path, int debug)
{
	struct config *ncf;

	log_info("reloading %s", path);
	if ((ncf = load(path, debug)) == NULL) {
		log_warnx("%s: configuration rejected; the old one stays in force", path);
		log_set_level(debug ? LOG_DEBUG_ : r->cf->daemon.log_level);
		return;
	}
	channels_stop(r);
	config_free(r->cf);
	r->cf = ncf;
	if (!got_term && channels_start(r) != 0)
		got_term = notify_stop = 1;
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
	struct running r = { NULL, NULL, 0, 0 };
	struct sigaction sa;
	int check = 0, debug = 0, opt, rc = 1;

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
	if ((r.cf = load(path, debug)) == NULL)
		return 1;
	if (check) {
		printf("configuration OK\n");
		config_free(r.cf);
		return 0;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		log_errx("cannot initialise libcurl");
		config_free(r.cf);
		return 1;
	}
	if (channels_start(&r) == 0) {
		sd_notify(0, "READY=1");
		while (!got_term) {
			poll(NULL, 0, 200);
			if (got_hup) {
				got_hup = 0;
				sd_notify(0, "RELOADING=1");
				reload(&r, path, debug);
				sd_notify(0, "READY=1");
			}
		}
		sd_notify(0, "STOPPING=1");
		log_info("stopping");
		rc = 0;
	}
	got_term = 1;
	channels_stop(&r);
	config_free(r.cf);
	curl_global_cleanup();
	return rc;
}
