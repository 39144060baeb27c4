/*
 * main.c - tbmond: command line, start-up (configuration, database,
 * adoption of open faults), the signal loop and an orderly stop. Signal
 * handlers only set flags; everything happens in the main loop.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "config.h"
#include "link.h"
#include "log.h"
#include "mqtt.h"
#include "queue.h"
#include "store.h"
#include "tbmtime.h"
#include "writer.h"

#define DEFAULT_CONFIG "/etc/tbmon/tbmond.conf"
#define QUEUE_EVENTS 16384
#define STATUS_MS 10000

static volatile sig_atomic_t got_term, got_hup;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: tbmond [-n] [-d] [-c CONFIG]\n"
	    "  -c CONFIG  configuration file (default " DEFAULT_CONFIG ")\n"
	    "  -n         check the configuration and exit\n"
	    "  -d         log debug messages\n"
	    "  -V         print the version\n");
}

struct adopt_ctx {
	struct links *links;
	struct mqtt *mqtt;
	int adopted, unknown;
};

static void
adopt_one(void *arg, const char *device, const char *point, enum fault_kind kind, int64_t id)
{
	struct adopt_ctx *a = arg;

	if (links_adopt(a->links, device, point, kind) || mqtt_adopt(a->mqtt, device, point, kind)) {
		a->adopted++;
		log_debug("adopted open fault %" PRId64 " (%s.%s)", id, device, point);
	} else {
		/* Not polled any more: it stays open until a person closes it. */
		a->unknown++;
		log_info("open fault %" PRId64 " on %s.%s: the point is no longer polled", id,
		    device, point);
	}
}

static void
status_update(struct links *ls, struct mqtt *mq, struct writer *w, unsigned long long *last_polls,
    int64_t *last_ms)
{
	unsigned long long polls = 0;
	struct mqtt_stats ms;
	int online, offline;
	int64_t now = time_mono_ms();
	double rate;

	for (size_t i = 0; i < ls->n; i++)
		polls += atomic_load(&ls->v[i].polls);
	rate = now > *last_ms ? (double)(polls - *last_polls) * 1000.0 / (double)(now - *last_ms) : 0;
	*last_polls = polls;
	*last_ms = now;
	links_count(ls, &online, &offline);
	mqtt_stats(mq, &ms);
	online += ms.devices_online;
	offline += ms.devices_offline;
	sd_notifyf(0, "STATUS=%d devices online, %d offline; %.1f polls/s; %llu MQTT messages; %llu events written",
	    online, offline, rate, ms.messages, (unsigned long long)atomic_load(&w->written));
}

int
main(int argc, char **argv)
{
	const char *path = DEFAULT_CONFIG;
	int check = 0, debug = 0, nerr = 0, ch, rc = 1;
	struct config *cf = NULL;
	struct store *st = NULL;
	struct queue q = { 0 };
	struct links links = { 0 };
	struct writer *w = NULL;
	struct mqtt *mq = NULL;
	int mq_failed = 0;
	struct adopt_ctx adopt = { 0 };
	struct sigaction sa;
	sigset_t block, old;
	char err[512];
	int64_t run_id = 0, started, last_status;
	unsigned long long last_polls = 0;
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 } };

	/* The journal keeps our priorities when stderr goes to it. */
	log_init("tbmond", LOG_INFO_, getenv("JOURNAL_STREAM") != NULL || !isatty(STDERR_FILENO));
	while ((ch = getopt_long(argc, argv, "c:dnhV", longopts, NULL)) != -1) {
		switch (ch) {
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
			printf("tbmond " TBM_VERSION "\n");
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
	if (check) {
		printf("configuration OK\n");
		config_free(cf);
		return 0;
	}
	log_set_level(debug ? LOG_DEBUG_ : cf->daemon.log_level);
	if (cf->site.timezone && time_set_zone(cf->site.timezone) != 0)
		log_warnx("timezone %s is unknown; using the system's", cf->site.timezone);

	if (store_open(cf->daemon.database, 0, &st, err, sizeof(err)) != 0) {
		log_errx("%s", err);
		goto out;
	}
	if (store_sync_config(st, cf) != 0) {
		log_errx("%s: cannot record the configuration: %s", cf->daemon.database,
		    store_errmsg(st));
		goto out;
	}
	if (store_run_start(st, time_now_ms(), &run_id) != 0) {
		log_errx("%s: %s", cf->daemon.database, store_errmsg(st));
		goto out;
	}
	if (queue_init(&q, QUEUE_EVENTS) != 0 || links_build(cf, &q, &links) != 0) {
		log_errx("out of memory");
		goto out;
	}
	if ((mq = mqtt_new(cf, &q, &mq_failed)) == NULL && mq_failed)
		goto out;
	adopt.links = &links;
	adopt.mqtt = mq;
	if (store_each_open_fault(st, adopt_one, &adopt) != 0) {
		log_errx("%s: cannot read open faults: %s", cf->daemon.database, store_errmsg(st));
		goto out;
	}

	/* Threads inherit a fully blocked mask; only ppoll() below lets signals in. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigfillset(&block);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	sigdelset(&old, SIGTERM);
	sigdelset(&old, SIGINT);
	sigdelset(&old, SIGHUP);

	if ((w = calloc(1, sizeof(*w))) != NULL && mq != NULL) {
		w->committed = mqtt_kick;
		w->committed_arg = mq;
	}
	if (w == NULL || writer_start(w, st, &q, run_id) != 0) {
		log_err("cannot start the writer");
		free(w);
		w = NULL;
		goto out;
	}
	if (links_start(&links) != 0 || (mq != NULL && mqtt_start(mq) != 0))
		goto stop;
	log_notice("started: %zu devices on %zu Modbus links%s, %d open faults adopted (site %s)",
	    cf->ndevices, links.n, mq ? " and MQTT" : "", adopt.adopted, cf->site.id);
	sd_notify(0, "READY=1");
	started = last_status = time_mono_ms();
	status_update(&links, mq, w, &last_polls, &last_status);

	while (!got_term) {
		struct timespec ts = { STATUS_MS / 1000, 0 };
		if (ppoll(NULL, 0, &ts, &old) == -1 && errno != EINTR)
			log_warn("ppoll");
		if (got_hup) {
			got_hup = 0;
			log_notice("SIGHUP: this version applies configuration changes on restart only");
		}
		if (time_mono_ms() - last_status >= STATUS_MS)
			status_update(&links, mq, w, &last_polls, &last_status);
	}
	rc = 0;
	sd_notify(0, "STOPPING=1");
	{
		unsigned long long polls = 0, failures = 0;
		double secs = (double)(time_mono_ms() - started) / 1000.0;
		for (size_t i = 0; i < links.n; i++) {
			polls += atomic_load(&links.v[i].polls);
			failures += atomic_load(&links.v[i].failures);
		}
		log_notice("stopping: %llu polls (%llu failed) in %.1f s, %.1f polls/s", polls,
		    failures, secs, secs > 0 ? (double)polls / secs : 0.0);
	}
stop:
	links_stop(&links);
	mqtt_stop(mq);
	if (mq) {
		struct mqtt_stats ms;
		mqtt_stats(mq, &ms);
		log_notice("MQTT: %llu messages (%llu bad payloads), %llu events published",
		    ms.messages, ms.bad_payloads, ms.published);
	}
	queue_close(&q);
	writer_stop(w);
	log_notice("%llu events written in %llu transactions",
	    (unsigned long long)atomic_load(&w->written),
	    (unsigned long long)atomic_load(&w->transactions));
	if (store_run_stop(st, run_id, time_now_ms()) != 0)
		log_warnx("%s: %s", cf->daemon.database, store_errmsg(st));
out:
	mqtt_free(mq);
	free(w);
	links_free(&links);
	queue_destroy(&q);
	store_close(st);
	config_free(cf);
	return rc;
}
