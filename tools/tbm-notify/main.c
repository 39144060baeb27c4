/*
 * main.c - tbm-notify: the command line, the configuration and its files
 * (checked by -n), signals, and one thread per channel. Signal handlers
 * only set a flag.
 */
#include <curl/curl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "cmdline.h"
#include "log.h"
#include "notify.h"
#include "tbmtime.h"

atomic_int notify_stop;   /* read by every channel's thread: an atomic, not just volatile */
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
	    "  -c CONFIG  configuration file (default " TBM_DEFAULT_CONFIG ")\n"
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

	if ((cf = cmdline_config(path)) == NULL)
		return NULL;
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
	struct cmdline cl = { "tbm-notify", usage, NULL, 0, 0 };
	struct running r = { NULL, NULL, 0, 0 };
	int rc;

	if ((rc = cmdline_parse(&cl, argc, argv)) != CMDLINE_GO_ON)
		return rc;
	if ((r.cf = load(cl.config, cl.debug)) == NULL)
		return 1;
	if (cmdline_checked(&cl, r.cf))
		return 0;

	cmdline_signals(on_signal);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		log_errx("cannot initialise libcurl");
		config_free(r.cf);
		return 1;
	}
	rc = 1;
	if (channels_start(&r) == 0) {
		sd_notify(0, "READY=1");
		while (!got_term) {
			poll(NULL, 0, 200);
			if (got_hup) {
				got_hup = 0;
				sd_notify(0, "RELOADING=1");
				reload(&r, cl.config, cl.debug);
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
