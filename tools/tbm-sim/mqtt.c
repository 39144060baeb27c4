/*
 * mqtt.c - the MQTT side: one libmosquitto client per [broker], driven from
 * tbm-sim's single poll() loop (mosquitto_socket, loop_read/write/misc; no
 * network thread, so devices, the timeline and stdin need no locks), its
 * reconnection with a doubling backoff, and the MQTT devices' publishing:
 * every `interval`, and at once after any change. QoS 1, not retained.
 *
 * While its broker is away a device's messages are dropped (counted), as a
 * real device's would be: nothing is queued to arrive in a burst later.
 */
#include "sim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mosquitto.h>

#include "log.h"
#include "tbmtime.h"

#define KEEPALIVE_S 10
#define MISC_EVERY_MS 1000            /* keepalive bookkeeping */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

static struct scenario *msc;
static int lib_ready;
static int stopping;
static struct sim_broker **owners;    /* what each pollfd handed out belongs to */
static size_t nowners;
static unsigned long total_published;

static void
broker_url(const struct sim_broker *b, char *buf, size_t len)
{
	if (strchr(b->host, ':') != NULL)
		snprintf(buf, len, "mqtt://[%s]:%d", b->host, b->port);
	else
		snprintf(buf, len, "mqtt://%s:%d", b->host, b->port);
}

static void
mark_devices_dirty(const struct sim_broker *b)
{
	for (size_t i = 0; i < msc->ndevices; i++)
		if (msc->devices[i]->broker == b)
			msc->devices[i]->dirty = 1;
}

static void
schedule_retry(struct sim_broker *b, int64_t now)
{
	b->retry_at = now + b->backoff_ms;
	b->backoff_ms = b->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : b->backoff_ms * 2;
}

static void
on_connect(struct mosquitto *mosq, void *obj, int rc)
{
	struct sim_broker *b = obj;
	char url[300];

	(void)mosq;
	if (rc != 0) {
		/* libmosquitto closes the connection: on_disconnect retries */
		snprintf(b->last_error, sizeof(b->last_error), "%s", mosquitto_connack_string(rc));
		log_warnx("broker %s: %s", b->name, b->last_error);
		return;
	}
	b->connected = 1;
	b->backoff_ms = BACKOFF_MIN_MS;
	b->retry_at = 0;
	b->last_error[0] = '\0';
	broker_url(b, url, sizeof(url));
	if (!b->ever_connected) {
		b->ever_connected = 1;
		printf("listening %s %s\n", b->name, url);
	} else
		log_notice("broker %s: connected again to %s", b->name, url);
	mark_devices_dirty(b);   /* a fresh state right away */
}

static void
on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
	struct sim_broker *b = obj;

	(void)mosq;
	if (stopping)
		return;
	if (rc != 0 && b->last_error[0] == '\0')
		snprintf(b->last_error, sizeof(b->last_error), "%s",
		    rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
	if (b->connected)
		log_notice("broker %s: connection lost (%s); reconnecting", b->name,
		    b->last_error[0] ? b->last_error : "closed");
	b->connected = 0;
	schedule_retry(b, time_mono_ms());
}

/* try_connect: starts a connection; its outcome comes through the socket. */
static void
try_connect(struct sim_broker *b, int64_t now, int first)
{
	int rc;

	errno = 0;
	b->last_error[0] = '\0';
	if (first)
		rc = mosquitto_connect_async(b->mosq, b->host, b->port, KEEPALIVE_S);
	else
		rc = mosquitto_reconnect_async(b->mosq);
	if (rc == MOSQ_ERR_SUCCESS) {
		b->next_misc = now + MISC_EVERY_MS;
		return;
	}
	snprintf(b->last_error, sizeof(b->last_error), "%s",
	    rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
	log_debug("broker %s: connecting: %s", b->name, b->last_error);
	schedule_retry(b, now);
}

/* pump: one poll() round over the brokers' sockets only (start-up). */
static void
pump(int timeout_ms)
{
	struct pollfd pfd[64];
	size_t n;

	n = mqtt_pollfds(pfd, sizeof(pfd) / sizeof(pfd[0]));
	if (poll(pfd, n, timeout_ms) < 0 && errno != EINTR) {
		log_warn("poll");
		return;
	}
	mqtt_handle(pfd, n, time_mono_ms());
}

int
mqtt_start(struct scenario *sc)
{
	char id[SIM_NAME_MAX + 40];
	int64_t start = time_mono_ms();

	msc = sc;
	if (sc->nbrokers == 0)
		return 0;
	if (mosquitto_lib_init() != MOSQ_ERR_SUCCESS) {
		log_warnx("libmosquitto did not initialise");
		return -1;
	}
	lib_ready = 1;
	for (size_t i = 0; i < sc->nbrokers; i++) {
		struct sim_broker *b = sc->brokers[i];
		/* the id is fixed for the run; one broker may be named twice */
		if (sc->nbrokers == 1)
			snprintf(id, sizeof(id), "tbm-sim-%ld", (long)getpid());
		else
			snprintf(id, sizeof(id), "tbm-sim-%ld-%s", (long)getpid(), b->name);
		if ((b->mosq = mosquitto_new(id, true, b)) == NULL) {
			log_warn("broker %s: mosquitto_new", b->name);
			return -1;
		}
		mosquitto_connect_callback_set(b->mosq, on_connect);
		mosquitto_disconnect_callback_set(b->mosq, on_disconnect);
		b->backoff_ms = BACKOFF_MIN_MS;
		try_connect(b, start, 1);
	}
	/* `ready` only once every broker has accepted us, so that what the
	 * devices publish from then on reaches the subscribers */
	for (;;) {
		int64_t now = time_mono_ms(), wait = MISC_EVERY_MS;
		size_t pending = 0;
		for (size_t i = 0; i < sc->nbrokers; i++) {
			struct sim_broker *b = sc->brokers[i];
			if (b->ever_connected)
				continue;
			if (now - start >= b->connect_timeout_ms) {
				char url[300], t[32];
				broker_url(b, url, sizeof(url));
				time_format_duration(b->connect_timeout_ms, t, sizeof(t));
				fprintf(stderr, "tbm-sim: broker %s (%s): could not connect within %s%s%s\n", b->name, url, t,
				    b->last_error[0] ? ": " : "", b->last_error);
				return -1;
			}
			pending++;
			if (start + b->connect_timeout_ms - now < wait)
				wait = start + b->connect_timeout_ms - now;
			if (b->retry_at > 0) {
				if (b->retry_at <= now) {
					b->retry_at = 0;
					try_connect(b, now, 0);
				} else if (b->retry_at - now < wait)
					wait = b->retry_at - now;
			}
		}
		if (pending == 0)
			return 0;
		pump((int)(wait > 0 ? wait : 0));
	}
}

void
mqtt_stop(void)
{
	if (msc == NULL)
		return;
	stopping = 1;
	for (size_t i = 0; i < msc->nbrokers; i++) {
		struct sim_broker *b = msc->brokers[i];
		if (b->mosq == NULL)
			continue;
		if (b->connected)
			(void)mosquitto_disconnect(b->mosq);   /* written at once: no thread */
		mosquitto_destroy(b->mosq);
		b->mosq = NULL;
		b->connected = 0;
	}
	free(owners);
	owners = NULL;
	nowners = 0;
	if (lib_ready)
		mosquitto_lib_cleanup();
	lib_ready = 0;
	msc = NULL;
}

size_t
mqtt_npollfds(void)
{
	return msc ? msc->nbrokers : 0;
}

size_t
mqtt_pollfds(struct pollfd *pfd, size_t max)
{
	size_t n = 0;
	struct sim_broker **no;

	if (msc == NULL || msc->nbrokers == 0)
		return 0;
	if (owners == NULL) {
		if ((no = calloc(msc->nbrokers, sizeof(*owners))) == NULL)
			return 0;
		owners = no;
	}
	for (size_t i = 0; i < msc->nbrokers && n < max; i++) {
		struct sim_broker *b = msc->brokers[i];
		int fd = b->mosq ? mosquitto_socket(b->mosq) : -1;
		if (fd < 0)
			continue;
		pfd[n].fd = fd;
		pfd[n].events = POLLIN;
		if (mosquitto_want_write(b->mosq))
			pfd[n].events |= POLLOUT;
		pfd[n].revents = 0;
		owners[n++] = b;
	}
	nowners = n;
	return n;
}

void
mqtt_handle(const struct pollfd *pfd, size_t n, int64_t now)
{
	for (size_t i = 0; i < n && i < nowners; i++) {
		struct sim_broker *b = owners[i];
		if (pfd[i].revents == 0 || pfd[i].fd != mosquitto_socket(b->mosq))
			continue;
		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
			(void)mosquitto_loop_read(b->mosq, 1);
		if ((pfd[i].revents & POLLOUT) && mosquitto_socket(b->mosq) >= 0)
			(void)mosquitto_loop_write(b->mosq, 1);
		/* a failure we were not told about: start over */
		if (mosquitto_socket(b->mosq) < 0 && !b->connected && b->retry_at == 0 && !stopping)
			schedule_retry(b, now);
	}
}

int
mqtt_publish_now(struct sim_device *d, char *err, size_t errlen)
{
	struct sim_broker *b = d->broker;
	size_t len = 0;
	char *payload;
	int rc;

	d->dirty = 0;
	if (d->interval_ms > 0)
		d->next_publish = time_mono_ms() + d->interval_ms;
	if (d->bh.kind == BH_SILENT) {
		snprintf(err, errlen, "device %s is silent", d->name);
		return -1;
	}
	if (b == NULL || b->mosq == NULL || !b->connected) {
		d->dropped++;
		snprintf(err, errlen, "broker %s is not connected%s%s", b ? b->name : "?",
		    b && b->last_error[0] ? ": " : "", b ? b->last_error : "");
		return -1;
	}
	if ((payload = payload_build(d, &len)) == NULL) {
		d->dropped++;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = mosquitto_publish(b->mosq, NULL, d->topic, (int)len, payload, 1, false);
	free(payload);
	if (rc != MOSQ_ERR_SUCCESS) {
		d->dropped++;
		snprintf(err, errlen, "publish to %s: %s", b->name,
		    rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
		return -1;
	}
	d->published++;
	b->published++;
	total_published++;
	return 0;
}

void
mqtt_run_timers(int64_t now)
{
	char err[256];

	if (msc == NULL)
		return;
	for (size_t i = 0; i < msc->nbrokers; i++) {
		struct sim_broker *b = msc->brokers[i];
		if (b->mosq == NULL)
			continue;
		if (b->retry_at > 0 && b->retry_at <= now) {
			b->retry_at = 0;
			try_connect(b, now, 0);
		}
		if (mosquitto_socket(b->mosq) >= 0 && b->next_misc <= now) {
			(void)mosquitto_loop_misc(b->mosq);
			b->next_misc = now + MISC_EVERY_MS;
		}
	}
	for (size_t i = 0; i < msc->ndevices; i++) {
		struct sim_device *d = msc->devices[i];
		if (d->broker == NULL)
			continue;
		if (d->dirty || (d->interval_ms > 0 && d->bh.kind != BH_SILENT && d->next_publish <= now)) {
			if (mqtt_publish_now(d, err, sizeof(err)) != 0 && d->bh.kind != BH_SILENT)
				log_debug("%s: not published: %s", d->name, err);
		}
	}
}

int64_t
mqtt_next_deadline(void)
{
	int64_t next = INT64_MAX;

	if (msc == NULL)
		return next;
	for (size_t i = 0; i < msc->nbrokers; i++) {
		struct sim_broker *b = msc->brokers[i];
		if (b->retry_at > 0 && b->retry_at < next)
			next = b->retry_at;
		if (b->mosq != NULL && mosquitto_socket(b->mosq) >= 0 && b->next_misc < next)
			next = b->next_misc;
	}
	for (size_t i = 0; i < msc->ndevices; i++) {
		const struct sim_device *d = msc->devices[i];
		if (d->broker == NULL)
			continue;
		if (d->dirty)
			return 0;
		if (d->interval_ms > 0 && d->bh.kind != BH_SILENT && d->next_publish < next)
			next = d->next_publish;
	}
	return next;
}

void
mqtt_stats(unsigned long *published)
{
	*published = total_published;
}
