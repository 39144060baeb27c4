/*
 * main.c - tbmond: command line, start-up (configuration, database,
 * adoption of open faults), the main loop (signals, reload, sd_notify
 * status and watchdog, housekeeping) and an orderly stop. Signal handlers
 * only set flags; everything happens in the main loop.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "cfref.h"
#include "cmdline.h"
#include "config.h"
#include "link.h"
#include "log.h"
#include "mqtt.h"
#include "queue.h"
#include "store.h"
#include "tbmtime.h"
#include "writer.h"

#define QUEUE_EVENTS 16384
#define STATUS_MS 10000
#define CHECKPOINT_MS (60 * 60 * 1000)
#define RELOAD_FLUSH_MS 10000
#define STOP_FLUSH_MS 5000
/* 2024-01-01T00:00:00Z: a clock before it has not been set (a gateway
 * without a battery-backed clock boots in 1970 or at its image's date). */
#define CLOCK_FLOOR_MS 1704067200000LL
#define CLOCK_LOOK_MS 1000       /* how often a clock that is not set is read again */
#define CLOCK_STEP_MS 2000       /* a wall clock that moved this much against the monotonic one was set */

static volatile sig_atomic_t got_term, got_hup;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

struct daemon {
	const char *path;
	struct cfref *ref;           /* the configuration in force */
	struct store *st;            /* the main thread's connection */
	struct queue q;
	struct links links;
	struct writer *w;
	struct mqtt *mq;
	char *mq_sig;
	pthread_mutex_t mq_mu;       /* the writer's kick vs a reload replacing mq */
	int64_t run_id;
	uint64_t watchdog_usec;
	int64_t started, last_status, last_ping, last_checkpoint;
	unsigned long long last_polls;
	int status_ready;            /* every device has been polled once: counts mean something */
	int64_t clock_offset;        /* the wall clock minus the monotonic one, at the last look */
};

/* Until the first round is over, the main loop looks this often whether it is. */
#define FIRST_ROUND_POLL_MS 100

static void
usage(FILE *f)
{
	fprintf(f, "usage: tbmond [-n] [-d] [-c CONFIG]\n"
	    "  -c CONFIG  configuration file (default " TBM_DEFAULT_CONFIG ")\n"
	    "  -n         check the configuration and exit\n"
	    "  -d         log debug messages\n"
	    "  -V         print the version\n");
}

/* Called by the writer after each transaction with events. */
static void
kick_mqtt(void *arg)
{
	struct daemon *d = arg;

	pthread_mutex_lock(&d->mq_mu);
	mqtt_kick(d->mq);
	pthread_mutex_unlock(&d->mq_mu);
}

struct adopt_ctx {
	struct links *links;
	struct mqtt *mqtt;           /* NULL: leave MQTT devices alone */
	int adopted, unknown;
};

static void
adopt_one(void *arg, const char *device, const char *point, enum fault_kind kind, int64_t id)
{
	struct adopt_ctx *a = arg;

	if (links_adopt(a->links, device, point, kind) || mqtt_adopt(a->mqtt, device, point, kind)) {
		a->adopted++;
		log_debug("adopted open fault %" PRId64 " (%s.%s)", id, device, point);
	} else
		a->unknown++;
}

static void
config_report_log(void *arg, const char *msg)
{
	(void)arg;
	log_errx("%s", msg);
}

/*
 * A wall clock set back while tbmond runs (NTP stepping a clock that ran
 * fast, a person with `date`) makes the times recorded from then on earlier
 * than ones before it; set forward, a stretch of the record seems to be
 * missing. Neither can be undone here: it is said in the journal, with the
 * size of the step, for whoever reads the record later.
 */
static void
clock_steps(struct daemon *d)
{
	int64_t offset = time_now_ms() - time_mono_ms(), step = offset - d->clock_offset;
	char t[40];

	if (d->clock_offset != 0 && (step < -CLOCK_STEP_MS || step > CLOCK_STEP_MS)) {
		time_format_local(time_now_ms(), t, sizeof(t));
		if (step < 0)
			log_warnx("the clock was set back by %.1f s (now %s): times recorded from now on are "
			    "earlier than some recorded before", (double)-step / 1000, t);
		else
			log_notice("the clock was set forward by %.1f s (now %s)", (double)step / 1000, t);
	}
	d->clock_offset = offset;
}

static void
status_update(struct daemon *d, int64_t now)
{
	unsigned long long polls = links_polls(&d->links, NULL);
	struct mqtt_stats ms;
	int online, offline;
	double rate;

	clock_steps(d);
	rate = now > d->last_status ?
	    (double)(polls - d->last_polls) * 1000.0 / (double)(now - d->last_status) : 0;
	d->last_polls = polls;
	d->last_status = now;
	links_count(&d->links, &online, &offline);
	mqtt_stats(d->mq, &ms);
	/* before every device was asked once, "online" would be a guess */
	if (!d->status_ready) {
		if (!links_first_round(&d->links))
			return;
		d->status_ready = 1;
	}
	online += ms.devices_online;
	offline += ms.devices_offline;
	sd_notifyf(0, "STATUS=%d devices online, %d offline; %.1f polls/s; %llu MQTT messages; "
	    "%llu events written", online, offline, rate, ms.messages,
	    (unsigned long long)atomic_load(&d->w->written));
}

/* The watchdog is fed only while every thread shows it is alive. */
static void
watchdog(struct daemon *d, int64_t now)
{
	static struct ratelimit rl = RATELIMIT_INIT(RATELIMIT_MINUTE);
	const char *who = NULL, *link;
	char buf[200];

	if ((link = links_stalled(&d->links, now)) != NULL) {
		snprintf(buf, sizeof(buf), "link %s", link);
		who = buf;
	} else if (now - atomic_load(&d->w->alive_at) > WRITER_STALL_MS)
		who = "the database writer";
	else
		who = mqtt_stalled(d->mq, now);
	if (who != NULL) {
		if (ratelimit_pass(&rl, now) > 0)
			log_errx("%s is not making progress: not feeding the watchdog", who);
		return;
	}
	sd_notify(0, "WATCHDOG=1");
	d->last_ping = now;
}

/*
 * SIGHUP: the new configuration is parsed into a fresh structure and, only
 * if it is valid, applied. Unchanged links keep running; changed, removed
 * and new ones are stopped or started, and the new ones adopt the faults
 * open in the database, as on a restart.
 */
static void
reload(struct daemon *d)
{
	struct config *ncf;
	struct cfref *nref;
	struct links nl;
	struct mqtt *nmq = NULL;
	struct adopt_ctx adopt = { 0 };
	char *nsig;
	int nerr = 0, kept, fresh, stopped, mq_failed = 0, mq_changed;
	const struct config *cur = d->ref->cf;

	log_notice("SIGHUP: reloading %s", d->path);
	if ((ncf = config_load(d->path, config_report_log, NULL, &nerr)) == NULL) {
		log_errx("reload: %d error%s in the configuration; still running on the previous one",
		    nerr, nerr == 1 ? "" : "s");
		return;
	}
	if (strcmp(ncf->daemon.database, cur->daemon.database) != 0 ||
	    strcmp(ncf->site.id, cur->site.id) != 0) {
		log_errx("reload: the database and the site id change only with a restart; "
		    "still running on the previous configuration");
		config_free(ncf);
		return;
	}
	if ((cur->site.timezone == NULL) != (ncf->site.timezone == NULL) ||
	    (cur->site.timezone && strcmp(cur->site.timezone, ncf->site.timezone)))
		log_warnx("reload: the new time zone takes effect at the next restart");
	if ((nref = cfref_new(ncf)) == NULL || (nsig = mqtt_signature(ncf)) == NULL) {
		log_errx("reload: out of memory; still running on the previous configuration");
		if (nref)
			cfref_put(nref);
		else
			config_free(ncf);
		return;
	}
	mq_changed = strcmp(nsig, d->mq_sig ? d->mq_sig : "") != 0;
	if (mq_changed && (nmq = mqtt_new(nref, &d->q, &mq_failed)) == NULL && mq_failed) {
		log_errx("reload: the new [mqtt] settings cannot be used; still running on the previous configuration");
		free(nsig);
		cfref_put(nref);
		return;
	}
	if (links_reload(&d->links, nref, &d->q, &nl, &kept, &fresh, &stopped) != 0) {
		log_errx("reload: out of memory; still running on the previous configuration");
		mqtt_free(nmq);
		free(nsig);
		cfref_put(nref);
		return;
	}
	d->links = nl;
	if (mq_changed) {
		/* out of the writer's reach first: stopping may wait on the queue */
		struct mqtt *old;
		pthread_mutex_lock(&d->mq_mu);
		old = d->mq;
		d->mq = NULL;
		pthread_mutex_unlock(&d->mq_mu);
		mqtt_stop(old);
		mqtt_free(old);
	}
	/* what the stopped parts detected is in the database before anyone adopts */
	if (writer_flush(d->w, RELOAD_FLUSH_MS) != 0)
		log_warnx("reload: events still waiting for the database; adopting what is there");
	if (store_sync_config(d->st, ncf) != 0)
		log_warnx("reload: cannot record the configuration: %s", store_errmsg(d->st));
	adopt.links = &d->links;
	adopt.mqtt = nmq;
	if (store_each_open_fault(d->st, adopt_one, &adopt) != 0)
		log_warnx("reload: cannot read the open faults: %s", store_errmsg(d->st));
	if (links_start(&d->links) != 0)
		log_errx("reload: some links could not be started");
	if (mq_changed) {
		pthread_mutex_lock(&d->mq_mu);
		d->mq = nmq;
		pthread_mutex_unlock(&d->mq_mu);
		if (nmq && mqtt_start(nmq) != 0)
			log_errx("reload: MQTT could not be started");
		free(d->mq_sig);
		d->mq_sig = nsig;
	} else
		free(nsig);
	log_set_level(ncf->daemon.log_level);
	cfref_put(d->ref);
	d->ref = nref;
	log_notice("reloaded: %d links unchanged, %d started, %d stopped; MQTT %s; %d open faults adopted",
	    kept, fresh, stopped, mq_changed ? (nmq ? "restarted" : "off") : "unchanged",
	    adopt.adopted);
}

/*
 * Nothing is recorded while the clock is behind the record or before 2024:
 * every time written would be a past that never was (faults before their
 * own history, a run decades long). Wait for NTP or a person to set it,
 * saying so to the journal once a minute and in systemctl status. A signal
 * ends the wait (nothing has started yet). 0 once the clock is set, -1 on
 * a database error.
 */
static int
wait_for_clock(struct store *st, const char *db)
{
	int64_t last, floor, now, said = 0;
	char a[40], b[40];

	if (store_last_time(st, &last) != 0) {
		log_errx("%s: %s", db, store_errmsg(st));
		return -1;
	}
	floor = last > CLOCK_FLOOR_MS ? last : CLOCK_FLOOR_MS;
	if ((now = time_now_ms()) >= floor)
		return 0;
	for (; now < floor; now = time_now_ms()) {
		struct timespec ts = { CLOCK_LOOK_MS / 1000, (CLOCK_LOOK_MS % 1000) * 1000000L };
		int64_t mono = time_mono_ms();
		time_format_local(now, a, sizeof(a));
		if (said == 0 || mono - said >= 60000) {
			time_format_local(floor, b, sizeof(b));
			log_warnx("the clock says %s, earlier than %s (%s): waiting for the time to be set "
			    "(NTP); nothing is recorded until then", a, b,
			    floor == last ? "the last time in the database" : "2024");
			said = mono;
		}
		sd_notifyf(0, "STATUS=waiting for the clock to be set: it says %s\n"
		    "EXTEND_TIMEOUT_USEC=%d\nWATCHDOG=1", a, 3 * CLOCK_LOOK_MS * 1000);
		nanosleep(&ts, NULL);
	}
	time_format_local(now, a, sizeof(a));
	log_notice("the clock is set (%s): starting", a);
	return 0;
}

static int
run(struct daemon *d, const sigset_t *during_ppoll)
{
	d->started = d->last_status = d->last_ping = d->last_checkpoint = time_mono_ms();
	status_update(d, d->started);
	while (!got_term) {
		int64_t now = time_mono_ms(), next = d->last_status + STATUS_MS, wait;
		struct timespec ts;

		if (!d->status_ready)
			next = now + FIRST_ROUND_POLL_MS;
		if (d->watchdog_usec && d->last_ping + (int64_t)(d->watchdog_usec / 3000) < next)
			next = d->last_ping + (int64_t)(d->watchdog_usec / 3000);
		wait = next > now ? next - now : 0;
		ts.tv_sec = wait / 1000;
		ts.tv_nsec = (wait % 1000) * 1000000L;
		if (ppoll(NULL, 0, &ts, during_ppoll) == -1 && errno != EINTR)
			log_warn("ppoll");
		now = time_mono_ms();
		if (got_hup) {
			got_hup = 0;
			sd_notify(0, "RELOADING=1");
			reload(d);
			sd_notify(0, "READY=1");
		}
		if (d->watchdog_usec && now - d->last_ping >= (int64_t)(d->watchdog_usec / 3000))
			watchdog(d, now);
		if (now - d->last_status >= STATUS_MS || (!d->status_ready && links_first_round(&d->links)))
			status_update(d, now);
		if (now - d->last_checkpoint >= CHECKPOINT_MS) {
			d->last_checkpoint = now;
			writer_checkpoint(d->w);
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct cmdline cl = { "tbmond", usage, NULL, 0, 0 };
	int rc, mq_failed = 0;
	int64_t stop_at = 0;
	struct config *cf = NULL;
	struct daemon d;
	struct adopt_ctx adopt = { 0 };
	sigset_t block, old;
	char err[512];

	if ((rc = cmdline_parse(&cl, argc, argv)) != CMDLINE_GO_ON)
		return rc;
	if ((cf = cmdline_config(cl.config)) == NULL)
		return 1;
	if (cmdline_checked(&cl, cf))
		return 0;
	rc = 1;
	memset(&d, 0, sizeof(d));
	pthread_mutex_init(&d.mq_mu, NULL);
	d.path = cl.config;
	/* libmodbus and libmosquitto wait with select(): a descriptor at or above
	 * FD_SETSIZE would overflow an fd_set (glibc aborts). With the soft limit
	 * at FD_SETSIZE such a descriptor cannot exist: a link that would need one
	 * fails to connect (EMFILE) and says so, and the configuration check
	 * refuses more links than fit. */
	{
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > FD_SETSIZE) {
			rl.rlim_cur = FD_SETSIZE;
			if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
				fatal("cannot keep descriptors below %d", FD_SETSIZE);
		}
	}
	if ((d.ref = cfref_new(cf)) == NULL) {
		config_free(cf);
		fatalx("out of memory");
	}
	log_set_level(cl.debug ? LOG_DEBUG_ : cf->daemon.log_level);
	if (cf->site.timezone && time_set_zone(cf->site.timezone) != 0)
		log_warnx("timezone %s is unknown; using the system's", cf->site.timezone);

	if (store_open(cf->daemon.database, 0, &d.st, err, sizeof(err)) != 0) {
		log_errx("%s", err);
		goto out;
	}
	if (store_sync_config(d.st, cf) != 0) {
		log_errx("%s: cannot record the configuration: %s", cf->daemon.database,
		    store_errmsg(d.st));
		goto out;
	}
	if (wait_for_clock(d.st, cf->daemon.database) != 0)
		goto out;
	if (store_run_start(d.st, time_now_ms(), &d.run_id) != 0) {
		log_errx("%s: %s", cf->daemon.database, store_errmsg(d.st));
		goto out;
	}
	if (queue_init(&d.q, QUEUE_EVENTS) != 0 || links_build(d.ref, &d.q, &d.links) != 0) {
		log_errx("out of memory");
		goto out;
	}
	if ((d.mq = mqtt_new(d.ref, &d.q, &mq_failed)) == NULL && mq_failed)
		goto out;
	if ((d.mq_sig = mqtt_signature(cf)) == NULL)
		fatalx("out of memory");
	adopt.links = &d.links;
	adopt.mqtt = d.mq;
	if (store_each_open_fault(d.st, adopt_one, &adopt) != 0) {
		log_errx("%s: cannot read open faults: %s", cf->daemon.database, store_errmsg(d.st));
		goto out;
	}
	if (adopt.unknown > 0)
		log_info("%d open faults are on points no longer polled; they stay open until closed by a person",
		    adopt.unknown);

	/* Threads inherit a fully blocked mask; only ppoll() lets signals in. */
	cmdline_signals(on_signal);
	sigfillset(&block);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	sigdelset(&old, SIGTERM);
	sigdelset(&old, SIGINT);
	sigdelset(&old, SIGHUP);

	if ((d.w = writer_start(cf->daemon.database, &d.q, d.run_id, kick_mqtt, &d, err,
	    sizeof(err))) == NULL) {
		log_errx("%s", err);
		goto out;
	}
	if (links_start(&d.links) != 0 || (d.mq != NULL && mqtt_start(d.mq) != 0))
		goto stop;
	log_notice("started: %zu devices on %zu Modbus links%s, %d open faults adopted (site %s)",
	    cf->ndevices, d.links.n, d.mq ? " and MQTT" : "", adopt.adopted, cf->site.id);
	if (sd_watchdog_enabled(0, &d.watchdog_usec) <= 0)
		d.watchdog_usec = 0;
	sd_notify(0, "READY=1");
	rc = run(&d, &old);
	sd_notify(0, "STOPPING=1");
	{
		unsigned long long failures, polls = links_polls(&d.links, &failures);
		double secs = (double)(time_mono_ms() - d.started) / 1000.0;
		log_notice("stopping: %llu polls (%llu failed) in %.1f s, %.1f polls/s", polls,
		    failures, secs, secs > 0 ? (double)polls / secs : 0.0);
	}
stop:
	links_stop(&d.links);
	{
		struct mqtt *mq;
		pthread_mutex_lock(&d.mq_mu);
		mq = d.mq;
		d.mq = NULL;
		pthread_mutex_unlock(&d.mq_mu);
		stop_at = time_now_ms();
		if (mq) {
			struct mqtt_stats ms;
			/* the links' last events in the database, so that the
			 * outbox sends them before the stop */
			if (writer_flush(d.w, STOP_FLUSH_MS) != 0)
				log_warnx("stopping: events still waiting for the database; they go out at the next start");
			mqtt_run_stopping(mq, d.run_id, stop_at);
			mqtt_stop(mq);
			mqtt_stats(mq, &ms);
			log_notice("MQTT: %llu messages (%llu bad payloads), %llu events published",
			    ms.messages, ms.bad_payloads, ms.published);
			mqtt_free(mq);
		}
	}
	queue_close(&d.q);
	writer_stop(d.w);
	log_notice("%llu events written in %llu transactions",
	    (unsigned long long)atomic_load(&d.w->written),
	    (unsigned long long)atomic_load(&d.w->transactions));
	writer_free(d.w);
	d.w = NULL;
	if (store_run_stop(d.st, d.run_id, stop_at) != 0)
		log_warnx("%s: %s", d.ref->cf->daemon.database, store_errmsg(d.st));
out:
	mqtt_free(d.mq);
	free(d.mq_sig);
	writer_free(d.w);
	links_free(&d.links);
	queue_destroy(&d.q);
	store_close(d.st);
	cfref_put(d.ref);
	pthread_mutex_destroy(&d.mq_mu);
	return rc;
}
