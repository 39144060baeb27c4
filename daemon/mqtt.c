/*
 * mqtt.c - the MQTT connection (libmosquitto): URL, credentials, TLS, the
 * retained status and its last will. Our network thread runs
 * mosquitto_loop() and the callbacks, which only parse a message and feed
 * the detectors (mqtt_devices.c; quick, never touching the database), and
 * reconnects with a backoff. A second thread of ours watches for silent
 * devices and publishes the outbox (mqtt_outbox.c).
 */
#include "mqtt_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "tbmtime.h"

#define OUTBOX_POLL_MS 2000      /* tbmctl writes from another process: look this often */
#define STOP_WAIT_MS 2000
#define DRAIN_WAIT_MS 5000   /* the outbox's rest at a stop */
#define MQTT_WAKE_MS 5000        /* our thread wakes at least this often */
#define NET_STALL_MS 180000      /* a TCP connect to a host that does not answer */

static int
parse_url(struct mqtt *m, const char *url)
{
	const char *rest;
	char *colon;

	if (strncmp(url, "mqtt://", 7) == 0) {
		rest = url + 7;
		m->port = 1883;
	} else if (strncmp(url, "mqtts://", 8) == 0) {
		rest = url + 8;
		m->port = 8883;
		m->tls = 1;
	} else
		return -1;
	if ((m->host = strdup(rest)) == NULL)
		return -1;
	m->host[strcspn(m->host, "/")] = '\0';
	if ((colon = strrchr(m->host, ':')) != NULL) {
		char *end;
		long p = strtol(colon + 1, &end, 10);
		if (*end != '\0' || p < 1 || p > 65535)
			return -1;
		m->port = (int)p;
		*colon = '\0';
	}
	return m->host[0] ? 0 : -1;
}

/* The password: the first line of password_file, which should not be
 * readable by everyone. */
static char *
read_secret(const char *path)
{
	char buf[512];
	struct stat sb;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL) {
		log_warn("mqtt: password_file %s", path);
		return NULL;
	}
	if (fstat(fileno(f), &sb) == 0 && (sb.st_mode & S_IROTH))
		log_warnx("mqtt: password_file %s is readable by everyone; chmod o-r it", path);
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return strdup(buf);
}

/* ---- libmosquitto's thread ---- */

/* libmosquitto's errors (a TLS handshake that fails, say) say why we cannot
 * connect; once a minute is enough. Called from any thread, also with our
 * mutex held, so it has a lock of its own. */
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

static void
on_log(struct mosquitto *mosq, void *arg, int level, const char *msg)
{
	static struct ratelimit rl = RATELIMIT_INIT(RATELIMIT_MINUTE);
	unsigned long k;

	(void)mosq;
	(void)arg;
	if (!(level & MOSQ_LOG_ERR)) {
		if (level & MOSQ_LOG_WARNING)
			log_debug("mqtt: %s", msg);
		return;
	}
	pthread_mutex_lock(&log_mu);
	k = ratelimit_pass(&rl, time_mono_ms());
	pthread_mutex_unlock(&log_mu);
	if (k > 0)
		log_warnx("mqtt: %s", msg);
}

static void
on_connect(struct mosquitto *mosq, void *arg, int rc)
{
	struct mqtt *m = arg;
	const struct conf_mqtt *mc = &m->cf->mqtt;
	int mid;

	if (rc != 0) {
		/* libmosquitto retries with its backoff; say it once a minute */
		pthread_mutex_lock(&m->mu);
		if (ratelimit_pass(&m->conn_rl, time_mono_ms()) > 0)
			log_warnx("mqtt: %s:%d refused the connection: %s", m->host, m->port,
			    mosquitto_connack_string(rc));
		pthread_mutex_unlock(&m->mu);
		return;
	}
	if (m->ndevs > 0 && mosquitto_subscribe_multiple(mosq, &mid, (int)m->ndevs, m->topics, 1, 0,
	    NULL) != MOSQ_ERR_SUCCESS)
		log_warnx("mqtt: cannot subscribe to the device topics");
	if (m->resend_topic && mosquitto_subscribe(mosq, &mid, m->resend_topic, 1) != MOSQ_ERR_SUCCESS)
		log_warnx("mqtt: cannot subscribe to %s", m->resend_topic);
	if (mc->status_topic)
		mosquitto_publish(mosq, NULL, mc->status_topic, 6, "online", 1, true);
	pthread_mutex_lock(&m->mu);
	/* the retained device list again, and resends counted afresh: the
	 * session's messages in flight are libmosquitto's to send again */
	m->config_due = 1;
	m->resend_unacked = 0;
	log_notice("mqtt: connected to %s:%d%s", m->host, m->port,
	    m->ever_connected ? " again" : "");
	m->connected = 1;
	m->ever_connected = 1;
	/* Messages libmosquitto had in flight are sent again by it; the rest of
	 * the outbox follows from the watermark. */
	m->kicked = 1;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
}

static void
on_disconnect(struct mosquitto *mosq, void *arg, int rc)
{
	struct mqtt *m = arg;
	const char *why = rc == 0 ? "closed" : mosquitto_strerror(rc);

	(void)mosq;
	pthread_mutex_lock(&m->mu);
	if (m->connected && !m->stop)
		log_warnx("mqtt: lost the connection to %s:%d (%s); reconnecting", m->host, m->port, why);
	m->connected = 0;
	pthread_mutex_unlock(&m->mu);
}

static void
on_publish(struct mosquitto *mosq, void *arg, int mid)
{
	struct mqtt *m = arg;

	(void)mosq;
	pthread_mutex_lock(&m->mu);
	/* the retained "offline" at the stop, or an event of the outbox */
	m->status_acked |= mid == m->status_mid;
	if (mid != m->status_mid && !mqtt_outbox_acked(m, mid))
		mqtt_central_acked(m, mid);
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
}

static void
on_message(struct mosquitto *mosq, void *arg, const struct mosquitto_message *msg)
{
	if (!mqtt_central_message(arg, msg))
		mqtt_devices_message(mosq, arg, msg);
}

/* ---- our network thread ---- */

/*
 * libmosquitto's own loop thread gives up for good after a refused
 * password or a TLS failure; a gateway must keep trying. So the loop is
 * ours: mosquitto_loop() while connected, and after any failure a doubling
 * wait (1 s up to 60 s) before mosquitto_reconnect().
 */
#define NET_BACKOFF_MIN_MS 1000
#define NET_BACKOFF_MAX_MS 60000
#define NET_STABLE_MS 30000

static void
net_pause(struct mqtt *m, int64_t ms)
{
	int64_t until = time_mono_ms() + ms;

	while (!atomic_load(&m->net_stop) && time_mono_ms() < until) {
		struct timespec ts = { 0, 100 * 1000000L };
		atomic_store(&m->net_alive, time_mono_ms());
		nanosleep(&ts, NULL);
	}
}

static void *
net_main(void *arg)
{
	struct mqtt *m = arg;
	int keepalive = (int)(m->cf->mqtt.keepalive_ms / 1000);
	int64_t backoff = NET_BACKOFF_MIN_MS, up_since = 0;
	int rc, was_connected = 0;

	atomic_store(&m->net_alive, time_mono_ms());
	rc = mosquitto_connect(m->mosq, m->host, m->port, keepalive);
	while (!atomic_load(&m->net_stop)) {
		atomic_store(&m->net_alive, time_mono_ms());
		if (rc == MOSQ_ERR_SUCCESS) {
			rc = mosquitto_loop(m->mosq, 1000, 1);
			pthread_mutex_lock(&m->mu);
			if (m->connected && !was_connected) {
				was_connected = 1;
				up_since = time_mono_ms();
			}
			/* the wait starts over only once a connection has lasted: a
			 * broker that drops us at every publish is not retried each second */
			if (m->connected && time_mono_ms() - up_since >= NET_STABLE_MS)
				backoff = NET_BACKOFF_MIN_MS;
			pthread_mutex_unlock(&m->mu);
			if (rc == MOSQ_ERR_SUCCESS)
				continue;
		}
		if (atomic_load(&m->net_stop))
			break;
		pthread_mutex_lock(&m->mu);
		m->connected = 0;
		if (!was_connected && rc != MOSQ_ERR_CONN_REFUSED && rc != MOSQ_ERR_AUTH &&
		    ratelimit_pass(&m->conn_rl, time_mono_ms()) > 0)
			log_warnx("mqtt: cannot connect to %s:%d: %s; retrying", m->host, m->port,
			    rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
		pthread_mutex_unlock(&m->mu);
		was_connected = 0;
		net_pause(m, backoff);
		backoff = backoff * 2 > NET_BACKOFF_MAX_MS ? NET_BACKOFF_MAX_MS : backoff * 2;
		rc = mosquitto_reconnect(m->mosq);
	}
	return NULL;
}

/* ---- our thread: silence and the outbox ---- */

static void *
mqtt_main(void *arg)
{
	struct mqtt *m = arg;
	int64_t last_pump = 0;

	pthread_mutex_lock(&m->mu);
	while (!m->stop) {
		int64_t now = time_mono_ms(), next = mqtt_devices_silence(m, now);
		atomic_store(&m->main_alive, now);
		if (next > now + MQTT_WAKE_MS)
			next = now + MQTT_WAKE_MS;
		if (m->nsil_ev > 0) {
			pthread_mutex_unlock(&m->mu);
			mqtt_devices_push(m, m->sil_ev, &m->nsil_ev);
			pthread_mutex_lock(&m->mu);
		}
		if (m->st == NULL)
			m->kicked = 0;   /* no outbox: nothing to do for a kick */
		else {
			if (m->kicked || now - last_pump >= OUTBOX_POLL_MS) {
				m->kicked = 0;
				last_pump = now;
				if (m->connected) {
					int config_first = m->config_due;
					pthread_mutex_unlock(&m->mu);
					/* after a connection the device list goes before the
					 * events: the centre takes a site's records once it
					 * knows the site */
					if (config_first)
						mqtt_central_pump(m, now);
					mqtt_outbox_pump(m);
					pthread_mutex_lock(&m->mu);
				}
			}
			if (last_pump + OUTBOX_POLL_MS < next)
				next = last_pump + OUTBOX_POLL_MS;
			/* after the live events: the device list and resends */
			if (m->connected) {
				int64_t wake;
				pthread_mutex_unlock(&m->mu);
				wake = mqtt_central_pump(m, now);
				pthread_mutex_lock(&m->mu);
				if (wake < next)
					next = wake;
			}
		}
		/* kicked again while pumping (acknowledgements): go round once more */
		if (m->kicked || m->stop)
			continue;
		{
			struct timespec ts = { next / 1000, (next % 1000) * 1000000L };
			pthread_cond_timedwait(&m->cv, &m->mu, &ts);
		}
	}
	pthread_mutex_unlock(&m->mu);
	if (m->st)
		mqtt_outbox_pump(m);   /* save the last acknowledged position */
	return NULL;
}

/* ---- set-up ---- */

struct mqtt *
mqtt_new(struct cfref *ref, struct queue *q, int *failed)
{
	const struct config *cf = ref->cf;
	const struct conf_mqtt *mc = &cf->mqtt;
	struct mqtt *m;

	*failed = 0;
	if (!mc->present)
		return NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		goto fail;
	m->ref = cfref_get(ref);
	m->cf = cf;
	m->q = q;
	m->status_mid = -1;
	m->conn_rl = (struct ratelimit)RATELIMIT_INIT(RATELIMIT_MINUTE);
	pthread_mutex_init(&m->mu, NULL);
	{
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&m->cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	if (parse_url(m, mc->url ? mc->url : "mqtt://127.0.0.1")) {
		log_errx("mqtt: url '%s' is not mqtt://HOST[:PORT] or mqtts://HOST[:PORT]", mc->url);
		goto fail;
	}
	if (mqtt_devices_init(m) != 0 || mqtt_central_init(m) != 0)
		goto fail;
	mosquitto_lib_init();
	/* a fixed client id and a persistent session: the broker keeps our QoS 1
	 * subscriptions and messages while we reconnect */
	if ((m->mosq = mosquitto_new(mc->client_id, false, m)) == NULL) {
		log_warn("mqtt: cannot create the client");
		goto fail;
	}
	mosquitto_int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	mosquitto_log_callback_set(m->mosq, on_log);
	mosquitto_connect_callback_set(m->mosq, on_connect);
	mosquitto_disconnect_callback_set(m->mosq, on_disconnect);
	mosquitto_message_callback_set(m->mosq, on_message);
	mosquitto_publish_callback_set(m->mosq, on_publish);
	mosquitto_threaded_set(m->mosq, true);
	if (mc->username || mc->password_file) {
		char *pw = mc->password_file ? read_secret(mc->password_file) : NULL;
		int rc;
		if (mc->password_file && pw == NULL)
			goto fail;
		rc = mosquitto_username_pw_set(m->mosq, mc->username, pw);
		if (pw) {
			memset(pw, 0, strlen(pw));
			free(pw);
		}
		if (rc != MOSQ_ERR_SUCCESS) {
			log_errx("mqtt: username: %s", mosquitto_strerror(rc));
			goto fail;
		}
	}
	if (m->tls) {
		int rc = mosquitto_tls_set(m->mosq, mc->ca_file ? mc->ca_file :
		    "/etc/ssl/certs/ca-certificates.crt", NULL, NULL, NULL, NULL);
		if (rc == MOSQ_ERR_SUCCESS)
			rc = mosquitto_tls_opts_set(m->mosq, 1, "tlsv1.2", NULL);
		if (rc != MOSQ_ERR_SUCCESS) {
			log_errx("mqtt: TLS: %s", rc == MOSQ_ERR_ERRNO ? strerror(errno) :
			    mosquitto_strerror(rc));
			goto fail;
		}
	}
	if (mc->status_topic &&
	    mosquitto_will_set(m->mosq, mc->status_topic, 7, "offline", 1, true) != MOSQ_ERR_SUCCESS) {
		log_errx("mqtt: cannot set the last will on %s", mc->status_topic);
		goto fail;
	}
	return m;
fail:
	*failed = 1;
	mqtt_free(m);
	return NULL;
}

int
mqtt_start(struct mqtt *m)
{
	int rc;

	if (m->cf->mqtt.events_topic && mqtt_outbox_open(m) != 0)
		return -1;
	for (size_t i = 0; i < m->ndevs; i++)
		m->devs[i].last_msg = time_mono_ms();
	atomic_init(&m->net_stop, 0);
	atomic_init(&m->net_alive, time_mono_ms());
	atomic_init(&m->main_alive, time_mono_ms());
	if ((rc = pthread_create(&m->net, NULL, net_main, m)) != 0) {
		errno = rc;
		log_warn("mqtt: cannot start the network thread");
		return -1;
	}
	m->net_started = 1;
	if ((rc = pthread_create(&m->thread, NULL, mqtt_main, m)) != 0) {
		errno = rc;
		log_warn("mqtt: cannot start its thread");
		return -1;
	}
	m->started = 1;
	return 0;
}

void
mqtt_kick(void *arg)
{
	struct mqtt *m = arg;

	if (m == NULL)
		return;
	pthread_mutex_lock(&m->mu);
	m->kicked = 1;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
}

void
mqtt_run_stopping(struct mqtt *m, int64_t run_id, int64_t at)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->mu);
	m->stop_run = run_id;
	m->stop_at = at;
	pthread_mutex_unlock(&m->mu);
}

/* At a stop: waits for an acknowledgement (the condition is signalled) or
 * 50 ms, whichever comes first. Mutex held. */
static void
stop_wait(struct mqtt *m)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += 50 * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&m->cv, &m->mu, &ts);
}

/* Gives the broker a moment to acknowledge a message of the stop. Mutex held. */
static void
wait_acked(struct mqtt *m, const int *acked, int64_t deadline)
{
	while (!*acked && m->connected && time_mono_ms() < deadline)
		stop_wait(m);
}

/* Publishes the rest of the outbox and waits for the broker's
 * acknowledgements, until nothing is left, the connection is gone or the
 * deadline passes. The thread has stopped: nobody else pumps. */
static void
drain_outbox(struct mqtt *m, int64_t deadline)
{
	pthread_mutex_lock(&m->mu);
	while (m->connected && time_mono_ms() < deadline) {
		size_t waiting;
		pthread_mutex_unlock(&m->mu);
		mqtt_outbox_pump(m);
		pthread_mutex_lock(&m->mu);
		/* the pump fills the window it has room for: an empty window
		 * after it means the outbox has nothing left */
		waiting = m->ninflight;
		for (size_t i = 0; i < m->ninflight; i++)
			waiting -= m->inflight[i].acked != 0;
		if (m->ninflight == 0)
			break;
		if (waiting == 0)
			continue;   /* all acknowledged: move the watermark, take more */
		stop_wait(m);
	}
	pthread_mutex_unlock(&m->mu);
}

void
mqtt_stop(struct mqtt *m)
{
	if (m == NULL)
		return;
	if (m->started) {
		/* publish what is still waiting, then stop the thread */
		mqtt_kick(m);
		pthread_mutex_lock(&m->mu);
		m->stop = 1;
		pthread_cond_signal(&m->cv);
		pthread_mutex_unlock(&m->mu);
		pthread_join(m->thread, NULL);
		m->started = 0;
	}
	if (m->net_started) {
		int64_t deadline;
		/* what the outbox still holds goes out now, acknowledged, rather
		 * than when tbmond next starts: the centre sees a stopped base
		 * whole */
		if (m->st)
			drain_outbox(m, time_mono_ms() + DRAIN_WAIT_MS);
		deadline = time_mono_ms() + STOP_WAIT_MS;
		/* the device list with this run's end, so that the centre counts
		 * the same observed time as the base */
		if (m->stop_at != 0 && mqtt_central_config(m) == 0) {
			pthread_mutex_lock(&m->mu);
			wait_acked(m, &m->config_acked, deadline);
			pthread_mutex_unlock(&m->mu);
		}
		pthread_mutex_lock(&m->mu);
		if (m->connected && m->cf->mqtt.status_topic) {
			mosquitto_publish(m->mosq, &m->status_mid, m->cf->mqtt.status_topic, 7,
			    "offline", 1, true);
			/* give the broker a moment to take the retained "offline" */
			wait_acked(m, &m->status_acked, deadline);
		}
		pthread_mutex_unlock(&m->mu);
		if (m->st)
			mqtt_outbox_pump(m);   /* the watermark after the last acknowledgements */
		atomic_store(&m->net_stop, 1);
		mosquitto_disconnect(m->mosq);
		pthread_join(m->net, NULL);
		m->net_started = 0;
	}
}

void
mqtt_free(struct mqtt *m)
{
	if (m == NULL)
		return;
	if (m->mosq) {
		mosquitto_destroy(m->mosq);
		mosquitto_lib_cleanup();
	}
	mqtt_devices_free(m);
	free(m->host);
	free(m->config_topic);
	free(m->resend_topic);
	store_close(m->st);
	cfref_put(m->ref);
	pthread_cond_destroy(&m->cv);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

void
mqtt_stats(struct mqtt *m, struct mqtt_stats *s)
{
	memset(s, 0, sizeof(*s));
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->mu);
	s->messages = m->messages;
	s->bad_payloads = m->bad;
	s->published = m->published;
	s->connected = m->connected;
	for (size_t i = 0; i < m->ndevs; i++) {
		if (m->devs[i].offline)
			s->devices_offline++;
		else
			s->devices_online++;
	}
	pthread_mutex_unlock(&m->mu);
}

const char *
mqtt_stalled(struct mqtt *m, int64_t now)
{
	if (m == NULL)
		return NULL;
	if (m->started && now - atomic_load(&m->main_alive) > 3 * MQTT_WAKE_MS)
		return "the MQTT outbox thread";
	if (m->net_started && now - atomic_load(&m->net_alive) > NET_STALL_MS)
		return "the MQTT network thread";
	return NULL;
}

char *
mqtt_signature(const struct config *cf)
{
	const struct conf_mqtt *mc = &cf->mqtt;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	if ((f = open_memstream(&out, &len)) == NULL)
		return NULL;
#define S(x) ((x) ? (x) : "")
	fprintf(f, "%d|%s|%s|%s|%s|%s|%s|%s|%lld|%s", mc->present, S(mc->url), S(mc->client_id),
	    S(mc->username), S(mc->password_file), S(mc->ca_file), S(mc->events_topic),
	    S(mc->status_topic), (long long)mc->keepalive_ms, S(cf->site.id));
	for (size_t i = 0; i < cf->ndevices; i++)
		if (cf->devices[i]->protocol == PROTO_MQTT)
			points_fingerprint(f, cf->devices[i]);
#undef S
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}
