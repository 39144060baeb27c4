/*
 * main.c - tbm-web: the command line, the [web] checks of tbm-web -n, the
 * database and the server's life (READY for systemd, SIGTERM/SIGINT stop).
 */
#include <errno.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "cmdline.h"
#include "log.h"
#include "server.h"
#include "tbmtime.h"
#include "web.h"

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: tbm-web [-n] [-d] [-c CONFIG]\n"
		    "  -c CONFIG  configuration file (default " TBM_DEFAULT_CONFIG "), section [web]\n"
		    "  -n         check the configuration and exit\n"
		    "  -d         log debug messages\n"
		    "  -V         print the version\n");
}

static int
readable(const char *path, const char *key, const char *conf)
{
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "%s: [web] %s: %s: %s\n", conf, key, path, strerror(errno));
		return 0;
	}
	return 1;
}

/* The [web] checks tbmond's parser leaves to tbm-web. Each error one line. */
static int
check_web(const struct config *cf)
{
	const struct conf_web *w = &cf->web;
	struct web_trust proxies;
	struct sockaddr_storage ss;
	socklen_t sl;
	char err[256];
	int bad = 0;

	if (web_listen_parse(w->listen, &ss, &sl, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: [web] %s\n", cf->path, err);
		bad++;
	}
	if (w->base_url != NULL && strncmp(w->base_url, "http://", 7) != 0 &&
	    strncmp(w->base_url, "https://", 8) != 0) {
		fprintf(stderr, "%s: [web] base_url '%s' must start with http:// or https://\n",
		    cf->path, w->base_url);
		bad++;
	}
	if ((w->cert_file == NULL) != (w->key_file == NULL)) {
		fprintf(stderr, "%s: [web] cert_file and key_file go together (HTTPS), or neither\n",
		    cf->path);
		bad++;
	}
	if (web_trust_parse(w->trusted_proxies, &proxies, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: [web] trusted_proxies: %s\n", cf->path, err);
		bad++;
	}
	if (w->cert_file != NULL && !readable(w->cert_file, "cert_file", cf->path))
		bad++;
	if (w->key_file != NULL && !readable(w->key_file, "key_file", cf->path))
		bad++;
	return bad;
}

int
main(int argc, char **argv)
{
	struct cmdline cl = { "tbm-web", usage, NULL, 0, 0 };
	int sig, rc;
	struct config *cf;
	struct web w;
	struct MHD_Daemon *d = NULL;
	char err[512];
	sigset_t set;

	if ((rc = cmdline_parse(&cl, argc, argv)) != CMDLINE_GO_ON)
		return rc;
	if ((cf = cmdline_config(cl.config)) == NULL)
		return 1;
	if (check_web(cf) > 0) {
		config_free(cf);
		return 1;
	}
	if (cmdline_checked(&cl, cf))
		return 0;
	if (cf->site.timezone != NULL && time_set_zone(cf->site.timezone) != 0) {
		log_errx("time zone '%s' is not known to this system", cf->site.timezone);
		config_free(cf);
		return 1;
	}
	rc = 1;
	memset(&w, 0, sizeof(w));
	cache_init(&w.cache);
	w.board_seq = -1;
	w.cf = cf;
	web_trust_parse(cf->web.trusted_proxies, &w.proxies, NULL, 0);   /* checked above */
	w.db_path = cf->daemon.database;
	if (store_open(w.db_path, 0, &w.st, err, sizeof(err)) != 0) {
		log_errx("%s", err);
		goto out;
	}
	if (web_index_build(&w) != 0 || (w.ss = sessions_new(cf->web.session_idle_ms)) == NULL || (w.th_account = throttle_new(THROTTLE_FREE_ACCOUNT)) == NULL ||
	    (w.th_address = throttle_new(THROTTLE_FREE_ADDRESS)) == NULL) {
		log_errx("out of memory");
		goto out;
	}
	/* the serving thread inherits the mask: only this thread takes the signals */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((d = web_start(&w, err, sizeof(err))) == NULL) {
		log_errx("%s", err);
		goto out;
	}
	log_info("listening on %s%s (database %s)", cf->web.listen, w.tls ? " (HTTPS)" : "",
	    w.db_path);
	sd_notify(0, "READY=1");
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			log_info("SIGHUP: tbm-web keeps its configuration; restart it to change [web]");
			continue;
		}
		break;
	}
	sd_notify(0, "STOPPING=1");
	log_info("stopping (signal %d)", sig);
	rc = 0;
out:
	if (d != NULL)
		MHD_stop_daemon(d);
	web_board_free(&w);
	cache_free(&w.cache);
	web_index_free(&w);
	sessions_free(w.ss);
	throttle_free(w.th_account);
	throttle_free(w.th_address);
	store_close(w.st);
	config_free(cf);
	return rc;
}
