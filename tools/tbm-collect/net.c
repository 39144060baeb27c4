/*
 * net.c - the collector's MQTT session (libmosquitto): a fixed client id
 * and a persistent session (clean_session off, QoS 1) so that the broker
 * keeps what arrives while the collector is down; optionally a shared
 * subscription ($share/NAME/...) so that several collectors split the
 * work. libmosquitto's thread only copies each message into our list; the
 * main loop takes them in batches.
 *
 * What is held in memory is bounded (`hold`): at the bound (the database
 * away, or slower than what comes in) libmosquitto's thread waits in the
 * message callback, so that nothing more is read from the connection and
 * the message is not acknowledged, until half of what is held is stored.
 * The broker keeps what follows for the collector (its in-flight window
 * and queue); what it does not keep (max_queued_messages) is a gap, asked
 * for again from the base. A wait longer than the keepalive ends the
 * connection; the session stays and libmosquitto connects again after.
 */
#include <errno.h>
#include <mosquitto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "collect.h"
#include "log.h"
#include "tbmtime.h"

#define CONFIG_TOPIC "tbmon/+/config"

struct net {
	struct mosquitto *mosq;
	char *sub;                 /* the events subscription, shared or not */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct message *q;         /* a ring would do; a growing array is simpler and rare to grow */
	size_t nq, cap;
	size_t held, hold;         /* messages in memory (queued or taken, not freed), the most */
	pthread_cond_t room;       /* held went down to half of hold, or stopping */
	int stopping;
	int connected;
	unsigned connects, seen;     /* connections made, and those net_reconnected() reported */
	struct ratelimit rl, rl_pause;
};

static void
on_connect(struct mosquitto *mosq, void *arg, int rc)
{
	struct net *n = arg;
	char *subs[2];

	if (rc != 0) {
		pthread_mutex_lock(&n->mu);
		if (ratelimit_pass(&n->rl, time_mono_ms()) > 0)
			log_warnx("mqtt: the broker refused the connection: %s", mosquitto_connack_string(rc));
		pthread_mutex_unlock(&n->mu);
		return;
	}
	subs[0] = n->sub;
	subs[1] = (char *)CONFIG_TOPIC;
	if (mosquitto_subscribe_multiple(mosq, NULL, 2, subs, 1, 0, NULL) != MOSQ_ERR_SUCCESS)
		log_warnx("mqtt: cannot subscribe to %s", n->sub);
	pthread_mutex_lock(&n->mu);
	log_notice("mqtt: connected%s; subscribed to %s and %s", n->connects ? " again" : "",
	    n->sub, CONFIG_TOPIC);
	n->connected = 1;
	n->connects++;
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->mu);
}

static void
on_disconnect(struct mosquitto *mosq, void *arg, int rc)
{
	struct net *n = arg;

	(void)mosq;
	pthread_mutex_lock(&n->mu);
	if (n->connected && rc != 0)
		log_warnx("mqtt: lost the connection to the broker (%s); reconnecting",
		    mosquitto_strerror(rc));
	n->connected = 0;
	pthread_mutex_unlock(&n->mu);
}

static void
on_message(struct mosquitto *mosq, void *arg, const struct mosquitto_message *msg)
{
	struct net *n = arg;
	struct message m = { 0 };

	(void)mosq;
	m.topic = strdup(msg->topic);
	m.payload = malloc((size_t)msg->payloadlen + 1);
	m.len = (size_t)msg->payloadlen;
	m.at = time_now_ms();
	if (m.topic == NULL || m.payload == NULL)
		fatalx("out of memory");
	if (m.len > 0)   /* an empty message has no payload pointer */
		memcpy(m.payload, msg->payload, m.len);
	m.payload[m.len] = '\0';
	pthread_mutex_lock(&n->mu);
	/* at the bound: wait here, reading nothing more, until half is stored */
	if (n->held >= n->hold && !n->stopping) {
		int64_t since = time_mono_ms();
		int said = ratelimit_pass(&n->rl_pause, since) > 0;
		if (said)
			log_warnx("mqtt: %zu messages wait in memory to be stored (hold = %zu): taking no "
			    "more from the broker until half of them are; it keeps what follows", n->held,
			    n->hold);
		while (n->held > n->hold / 2 && !n->stopping)
			pthread_cond_wait(&n->room, &n->mu);
		if (said)
			log_info("mqtt: taking messages again after %.1f s",
			    (double)(time_mono_ms() - since) / 1000.0);
	}
	if (n->nq == n->cap) {
		size_t ncap = n->cap ? n->cap * 2 : 1024;
		struct message *nv = realloc(n->q, ncap * sizeof(*nv));
		if (nv == NULL)
			fatalx("out of memory");
		n->q = nv;
		n->cap = ncap;
	}
	n->q[n->nq++] = m;
	n->held++;
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->mu);
}

static void
on_log(struct mosquitto *mosq, void *arg, int level, const char *msg)
{
	(void)mosq;
	(void)arg;
	if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING))
		log_debug("mqtt: %s", msg);
}

static int
parse_url(const char *url, char **host, int *port, int *tls)
{
	const char *rest = url;
	char *colon;

	*tls = strncmp(url, "mqtts://", 8) == 0;
	*port = *tls ? 8883 : 1883;
	rest += *tls ? 8 : 7;
	if ((*host = strdup(rest)) == NULL)
		return -1;
	(*host)[strcspn(*host, "/")] = '\0';
	if ((colon = strrchr(*host, ':')) != NULL) {
		char *end;
		long p = strtol(colon + 1, &end, 10);
		if (*end != '\0' || p < 1 || p > 65535)
			return -1;
		*port = (int)p;
		*colon = '\0';
	}
	return **host ? 0 : -1;
}

static char *
read_secret(const char *path, char *err, size_t len)
{
	char buf[512];
	struct stat sb;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, len, "password_file %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &sb) == 0 && (sb.st_mode & S_IROTH))
		log_warnx("password_file %s is readable by everyone; chmod o-r it", path);
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return strdup(buf);
}

struct net *
net_start(const struct collect_conf *c, char *err, size_t len)
{
	struct net *n = calloc(1, sizeof(*n));
	char *host = NULL;
	int port, tls, rc;

	if (n == NULL) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&n->mu, NULL);
	pthread_cond_init(&n->cv, NULL);
	pthread_cond_init(&n->room, NULL);
	n->rl = (struct ratelimit)RATELIMIT_INIT(RATELIMIT_MINUTE);
	n->rl_pause = (struct ratelimit)RATELIMIT_INIT(RATELIMIT_MINUTE);
	n->hold = (size_t)c->hold;
	if (c->share ? asprintf(&n->sub, "$share/%s/%s", c->share, c->topic) < 0 :
	    (n->sub = strdup(c->topic)) == NULL) {
		n->sub = NULL;
		snprintf(err, len, "out of memory");
		goto fail;
	}
	if (parse_url(c->mqtt, &host, &port, &tls) != 0) {
		snprintf(err, len, "mqtt: '%s' is not mqtt://HOST[:PORT] or mqtts://HOST[:PORT]", c->mqtt);
		goto fail;
	}
	mosquitto_lib_init();
	if ((n->mosq = mosquitto_new(c->client_id, false, n)) == NULL) {
		snprintf(err, len, "mqtt: cannot create the client: %s", strerror(errno));
		goto fail;
	}
	/* shared subscriptions are MQTT 5; the persistent session is either */
	mosquitto_int_option(n->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	mosquitto_connect_callback_set(n->mosq, on_connect);
	mosquitto_disconnect_callback_set(n->mosq, on_disconnect);
	mosquitto_message_callback_set(n->mosq, on_message);
	mosquitto_log_callback_set(n->mosq, on_log);
	mosquitto_reconnect_delay_set(n->mosq, 1, 30, true);
	if (c->username || c->password_file) {
		char *pw = c->password_file ? read_secret(c->password_file, err, len) : NULL;
		if (c->password_file && pw == NULL)
			goto fail;
		rc = mosquitto_username_pw_set(n->mosq, c->username, pw);
		if (pw) {
			memset(pw, 0, strlen(pw));
			free(pw);
		}
		if (rc != MOSQ_ERR_SUCCESS) {
			snprintf(err, len, "mqtt: username: %s", mosquitto_strerror(rc));
			goto fail;
		}
	}
	if (tls && ((rc = mosquitto_tls_set(n->mosq, c->ca_file ? c->ca_file :
	    "/etc/ssl/certs/ca-certificates.crt", NULL, NULL, NULL, NULL)) != MOSQ_ERR_SUCCESS ||
	    (rc = mosquitto_tls_opts_set(n->mosq, 1, "tlsv1.2", NULL)) != MOSQ_ERR_SUCCESS)) {
		snprintf(err, len, "mqtt: TLS: %s", rc == MOSQ_ERR_ERRNO ? strerror(errno) :
		    mosquitto_strerror(rc));
		goto fail;
	}
	/* a broker that is down now is retried by libmosquitto's thread */
	rc = mosquitto_connect_async(n->mosq, host, port, (int)(c->keepalive_ms / 1000));
	if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_ERRNO) {
		snprintf(err, len, "mqtt: %s:%d: %s", host, port, mosquitto_strerror(rc));
		goto fail;
	}
	if (rc == MOSQ_ERR_ERRNO)
		log_warnx("mqtt: cannot connect to %s:%d yet: %s; retrying", host, port, strerror(errno));
	if ((rc = mosquitto_loop_start(n->mosq)) != MOSQ_ERR_SUCCESS) {
		snprintf(err, len, "mqtt: cannot start its thread: %s", mosquitto_strerror(rc));
		goto fail;
	}
	free(host);
	return n;
fail:
	free(host);
	net_stop(n);
	return NULL;
}

size_t
net_take(struct net *n, struct message *out, size_t max, int64_t wait_ms)
{
	size_t k;

	pthread_mutex_lock(&n->mu);
	if (n->nq == 0 && wait_ms > 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += wait_ms / 1000;
		ts.tv_nsec += (wait_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&n->cv, &n->mu, &ts);
	}
	k = n->nq < max ? n->nq : max;
	if (k > 0) {   /* an empty queue may have no array yet: memcpy from NULL is undefined */
		memcpy(out, n->q, k * sizeof(*out));
		memmove(n->q, n->q + k, (n->nq - k) * sizeof(*n->q));
		n->nq -= k;
	}
	pthread_mutex_unlock(&n->mu);
	return k;
}

void
net_message_free(struct net *n, struct message *m)
{
	if (m->topic == NULL && m->payload == NULL)
		return;
	pthread_mutex_lock(&n->mu);
	if (--n->held <= n->hold / 2)
		pthread_cond_signal(&n->room);
	pthread_mutex_unlock(&n->mu);
	free(m->topic);
	free(m->payload);
	memset(m, 0, sizeof(*m));
}

size_t
net_held(struct net *n, int *full)
{
	size_t h;

	pthread_mutex_lock(&n->mu);
	h = n->held;
	*full = n->held >= n->hold;
	pthread_mutex_unlock(&n->mu);
	return h;
}

int
net_resend(struct net *n, const char *site, int64_t from)
{
	char topic[128], payload[64];
	int len = snprintf(payload, sizeof(payload), "{\"from\": %lld}", (long long)from);

	snprintf(topic, sizeof(topic), "tbmon/%s/resend", site);
	return mosquitto_publish(n->mosq, NULL, topic, len, payload, 1, false) == MOSQ_ERR_SUCCESS ?
	    0 : -1;
}

int
net_reconnected(struct net *n)
{
	int r;

	pthread_mutex_lock(&n->mu);
	r = n->connects != n->seen;
	n->seen = n->connects;
	pthread_mutex_unlock(&n->mu);
	return r;
}

void
net_stop(struct net *n)
{
	if (n == NULL)
		return;
	/* libmosquitto's thread may wait for room: let it go */
	pthread_mutex_lock(&n->mu);
	n->stopping = 1;
	pthread_cond_signal(&n->room);
	pthread_mutex_unlock(&n->mu);
	if (n->mosq) {
		mosquitto_disconnect(n->mosq);
		mosquitto_loop_stop(n->mosq, false);
		mosquitto_destroy(n->mosq);
		mosquitto_lib_cleanup();
	}
	for (size_t i = 0; i < n->nq; i++)
		net_message_free(n, &n->q[i]);
	free(n->q);
	free(n->sub);
	pthread_cond_destroy(&n->cv);
	pthread_cond_destroy(&n->room);
	pthread_mutex_destroy(&n->mu);
	free(n);
}
