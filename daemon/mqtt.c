/*
 * mqtt.c - the MQTT client. libmosquitto's own thread runs the network and
 * the callbacks, which only parse a message and feed the detectors (quick,
 * never touching the database). A second thread of ours watches for silent
 * devices and publishes the outbox: audit records after the watermark kept
 * in the database, each acknowledged (QoS 1) before the watermark moves, so
 * that events recorded while the broker or tbmond was down go out later, in
 * order, and none twice while tbmond runs.
 */
#include "mqtt.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <mosquitto.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "detect.h"
#include "jsonpath.h"
#include "log.h"
#include "tbmtime.h"

#define OUTBOX_KEY "mqtt_outbox_seq"
#define INFLIGHT_MAX 64
#define OUTBOX_POLL_MS 2000      /* tbmctl writes from another process: look this often */
#define STOP_WAIT_MS 2000

struct mdev {
	const struct conf_device *cf;
	struct detector *det;        /* per cf->points[i] */
	double *vals;
	int64_t last_msg;            /* monotonic ms of the last valid message */
	int offline;
	unsigned long long messages, bad;
	struct ratelimit bad_rl;
};

struct inflight {
	int mid;
	int64_t seq;
	int acked;
};

#define MQTT_WAKE_MS 5000        /* our thread wakes at least this often */
#define NET_STALL_MS 180000      /* a TCP connect to a host that does not answer */

struct mqtt {
	struct cfref *ref;
	const struct config *cf;
	atomic_llong main_alive, net_alive;
	struct queue *q;
	struct mosquitto *mosq;
	char *host;
	int port, tls;
	struct mdev *devs;           /* sorted by topic */
	size_t ndevs;
	char **topics;
	pthread_t thread;
	int started, net_started;
	pthread_t net;               /* our network thread: mosquitto_loop() and reconnecting */
	atomic_int net_stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop, kicked, connected, ever_connected;
	struct ratelimit conn_rl;
	/* outbox */
	struct store *st;
	int64_t watermark;           /* acknowledged by the broker, kept in the database */
	int64_t sent;                /* handed to libmosquitto */
	struct inflight inflight[INFLIGHT_MAX];
	size_t ninflight;
	int status_mid, status_acked;
	unsigned long long messages, bad, published;
	/* Events are pushed after the mutex is released: a full queue waits for
	 * the writer, which may be waiting for mqtt_kick(). */
	struct tbm_event *msg_ev;    /* the network thread's */
	size_t nmsg_ev;
	struct tbm_event *sil_ev;    /* our thread's */
	size_t nsil_ev;
};

static void
add_event(struct tbm_event *v, size_t *n, enum event_type type, enum fault_kind kind,
    const char *device, const char *point, double code, int64_t at)
{
	queue_fill(&v[(*n)++], type, kind, device, point, code, at);
}

static void
push_events(struct mqtt *m, struct tbm_event *v, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		if (queue_push(m->q, &v[i]) != 0)
			log_errx("device %s: event for %s lost: the queue is closed", v[i].device,
			    v[i].point);
	*n = 0;
}

static int
mdev_cmp(const void *a, const void *b)
{
	return strcmp(((const struct mdev *)a)->cf->topic, ((const struct mdev *)b)->cf->topic);
}

static struct mdev *
mdev_by_topic(struct mqtt *m, const char *topic)
{
	struct mdev key;
	struct conf_device d;

	memset(&d, 0, sizeof(d));
	d.topic = (char *)topic;
	key.cf = &d;
	return bsearch(&key, m->devs, m->ndevs, sizeof(*m->devs), mdev_cmp);
}

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
	static struct ratelimit rl = { 60000, 0, 0 };
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
	if (mc->status_topic)
		mosquitto_publish(mosq, NULL, mc->status_topic, 6, "online", 1, true);
	pthread_mutex_lock(&m->mu);
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

	(void)mosq;
	pthread_mutex_lock(&m->mu);
	if (m->connected && !m->stop)
		log_warnx("mqtt: lost the connection to %s:%d (%s); reconnecting", m->host, m->port,
		    rc == 0 ? "closed" : mosquitto_strerror(rc));
	m->connected = 0;
	pthread_mutex_unlock(&m->mu);
}

static void
on_publish(struct mosquitto *mosq, void *arg, int mid)
{
	struct mqtt *m = arg;

	(void)mosq;
	pthread_mutex_lock(&m->mu);
	if (mid == m->status_mid)
		m->status_acked = 1;
	for (size_t i = 0; i < m->ninflight; i++)
		if (m->inflight[i].mid == mid) {
			m->inflight[i].acked = 1;
			m->kicked = 1;
		}
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
}

/* One message: every point's value, or nothing from it at all. */
static void
on_message(struct mosquitto *mosq, void *arg, const struct mosquitto_message *msg)
{
	struct mqtt *m = arg;
	int64_t now = time_mono_ms(), wall = time_now_ms();
	cJSON *root = NULL;
	struct mdev *d;
	char err[160] = "";
	int ok = 1;

	(void)mosq;
	pthread_mutex_lock(&m->mu);
	m->messages++;
	if ((d = mdev_by_topic(m, msg->topic)) == NULL) {
		pthread_mutex_unlock(&m->mu);
		return;
	}
	d->messages++;
	for (size_t i = 0; ok && i < d->cf->npoints; i++) {
		const struct conf_point *p = d->cf->points[i];
		if (p->json == NULL) {
			ok = jsonpath_bare(msg->payload, (size_t)msg->payloadlen, &d->vals[i], err,
			    sizeof(err)) == 0;
			continue;
		}
		if (root == NULL && (root = jsonpath_parse(msg->payload, (size_t)msg->payloadlen, err,
		    sizeof(err))) == NULL) {
			ok = 0;
			break;
		}
		ok = jsonpath_number(root, p->json, &d->vals[i], err, sizeof(err)) == 0;
	}
	cJSON_Delete(root);
	if (!ok) {
		unsigned long k;
		d->bad++;
		m->bad++;
		if ((k = ratelimit_pass(&d->bad_rl, now)) > 0)
			log_warnx("device %s: bad payload on %s: %s (%llu bad so far)", d->cf->id,
			    msg->topic, err, d->bad);
		pthread_mutex_unlock(&m->mu);
		return;
	}
	d->last_msg = now;
	m->nmsg_ev = 0;
	if (d->offline) {
		d->offline = 0;
		log_notice("device %s: messages again", d->cf->id);
		add_event(m->msg_ev, &m->nmsg_ev, EV_CLEAR, FK_COMM, d->cf->id, "comm", 0, wall);
	}
	for (size_t i = 0; i < d->cf->npoints; i++) {
		const struct conf_point *p = d->cf->points[i];
		enum fault_kind k = p->kind == KIND_SAFETY ? FK_SAFETY : FK_FAULT;
		double code = 0;
		enum det_result r = detect_feed(&d->det[i], p, d->vals[i], now, &code);
		if (r == DET_OPEN) {
			log_info("%s: %s opened (value %g)", p->id, p->label ? p->label : p->name, code);
			add_event(m->msg_ev, &m->nmsg_ev, EV_OPEN, k, d->cf->id, p->name, code, wall);
		} else if (r == DET_CLEAR) {
			log_info("%s: %s cleared", p->id, p->label ? p->label : p->name);
			add_event(m->msg_ev, &m->nmsg_ev, EV_CLEAR, k, d->cf->id, p->name, 0, wall);
		}
	}
	pthread_mutex_unlock(&m->mu);
	/* only this thread touches msg_ev */
	push_events(m, m->msg_ev, &m->nmsg_ev);
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

/* Devices silent for offline_after get a comm fault. Returns the next
 * moment one could fall silent. Called with the mutex held. */
static int64_t
check_silence(struct mqtt *m, int64_t now)
{
	int64_t next = INT64_MAX;

	for (size_t i = 0; i < m->ndevs; i++) {
		struct mdev *d = &m->devs[i];
		int64_t due = d->last_msg + d->cf->offline_ms;
		if (d->offline)
			continue;
		if (now >= due) {
			d->offline = 1;
			log_notice("device %s: no message for %lld ms", d->cf->id,
			    (long long)d->cf->offline_ms);
			add_event(m->sil_ev, &m->nsil_ev, EV_OPEN, FK_COMM, d->cf->id, "comm", 0,
			    time_now_ms());
		} else if (due < next)
			next = due;
	}
	return next;
}

static char *
event_payload(const struct mqtt *m, const struct outbox_rec *r)
{
	cJSON *o = cJSON_CreateObject(), *detail;
	char at[64], *out;

	if (o == NULL)
		return NULL;
	time_format_iso(r->at, at, sizeof(at));
	cJSON_AddStringToObject(o, "site", m->cf->site.id);
	cJSON_AddNumberToObject(o, "seq", (double)r->seq);
	cJSON_AddStringToObject(o, "at", at);
	cJSON_AddStringToObject(o, "action", r->action ? r->action : "");
	cJSON_AddStringToObject(o, "actor", r->actor ? r->actor : "");
	if (r->fault_id > 0)
		cJSON_AddNumberToObject(o, "fault_id", (double)r->fault_id);
	else
		cJSON_AddNullToObject(o, "fault_id");
#define STR_OR_NULL(k, v) ((v) ? (void)cJSON_AddStringToObject(o, k, v) : (void)cJSON_AddNullToObject(o, k))
	STR_OR_NULL("device", r->device);
	STR_OR_NULL("point", r->point);
	STR_OR_NULL("kind", r->kind);
	STR_OR_NULL("label", r->label);
	STR_OR_NULL("lab", r->lab);
#undef STR_OR_NULL
	if ((detail = cJSON_Parse(r->detail ? r->detail : "{}")) == NULL)
		detail = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "detail", detail);
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return out;
}

/* Moves the watermark over the acknowledged prefix. Mutex held. */
static int64_t
advance(struct mqtt *m)
{
	size_t k = 0;

	while (k < m->ninflight && m->inflight[k].acked)
		k++;
	if (k == 0)
		return m->watermark;
	m->watermark = m->inflight[k - 1].seq;
	memmove(m->inflight, m->inflight + k, (m->ninflight - k) * sizeof(*m->inflight));
	m->ninflight -= k;
	return m->watermark;
}

/* Publishes what the outbox holds beyond what is in flight. Called without
 * the mutex (it reads the database). */
static void
pump(struct mqtt *m)
{
	struct outbox_rec *v = NULL;
	size_t n = 0, room;
	int64_t from, saved = -1, wm;
	static struct ratelimit db_rl = { 60000, 0, 0 };

	pthread_mutex_lock(&m->mu);
	wm = advance(m);
	room = INFLIGHT_MAX - m->ninflight;
	from = m->sent;
	pthread_mutex_unlock(&m->mu);
	if (store_meta_int(m->st, OUTBOX_KEY, &saved) < 0 || saved != wm) {
		if (store_set_meta_int(m->st, OUTBOX_KEY, wm) != 0 &&
		    ratelimit_pass(&db_rl, time_mono_ms()) > 0)
			log_warnx("mqtt: cannot save the outbox position: %s", store_errmsg(m->st));
	}
	if (room == 0)
		return;
	if (store_outbox(m->st, from, room, &v, &n) != 0) {
		if (ratelimit_pass(&db_rl, time_mono_ms()) > 0)
			log_warnx("mqtt: cannot read the outbox: %s", store_errmsg(m->st));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char *payload = event_payload(m, &v[i]);
		int mid = 0, rc;
		if (payload == NULL)
			break;
		pthread_mutex_lock(&m->mu);
		if (!m->connected || m->stop) {
			pthread_mutex_unlock(&m->mu);
			cJSON_free(payload);
			break;
		}
		rc = mosquitto_publish(m->mosq, &mid, m->cf->mqtt.events_topic, (int)strlen(payload),
		    payload, 1, false);
		if (rc == MOSQ_ERR_SUCCESS) {
			m->inflight[m->ninflight++] = (struct inflight){ mid, v[i].seq, 0 };
			m->sent = v[i].seq;
			m->published++;
		}
		pthread_mutex_unlock(&m->mu);
		cJSON_free(payload);
		if (rc != MOSQ_ERR_SUCCESS)
			break;
	}
	store_outbox_free(v, n);
}

static void *
mqtt_main(void *arg)
{
	struct mqtt *m = arg;
	int64_t last_pump = 0;

	pthread_mutex_lock(&m->mu);
	while (!m->stop) {
		int64_t now = time_mono_ms(), next = check_silence(m, now);
		atomic_store(&m->main_alive, now);
		if (next > now + MQTT_WAKE_MS)
			next = now + MQTT_WAKE_MS;
		if (m->nsil_ev > 0) {
			pthread_mutex_unlock(&m->mu);
			push_events(m, m->sil_ev, &m->nsil_ev);
			pthread_mutex_lock(&m->mu);
		}
		if (m->st == NULL)
			m->kicked = 0;   /* no outbox: nothing to do for a kick */
		else {
			if (m->kicked || now - last_pump >= OUTBOX_POLL_MS) {
				m->kicked = 0;
				last_pump = now;
				if (m->connected) {
					pthread_mutex_unlock(&m->mu);
					pump(m);
					pthread_mutex_lock(&m->mu);
				}
			}
			if (last_pump + OUTBOX_POLL_MS < next)
				next = last_pump + OUTBOX_POLL_MS;
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
		pump(m);   /* save the last acknowledged position */
	return NULL;
}

/* ---- set-up ---- */

struct mqtt *
mqtt_new(struct cfref *ref, struct queue *q, int *failed)
{
	const struct config *cf = ref->cf;
	const struct conf_mqtt *mc = &cf->mqtt;
	struct mqtt *m;
	size_t n = 0;

	*failed = 0;
	if (!mc->present)
		return NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		goto fail;
	m->ref = cfref_get(ref);
	m->cf = cf;
	m->q = q;
	m->status_mid = -1;
	m->conn_rl.interval_ms = 60000;
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
	for (size_t i = 0; i < cf->ndevices; i++)
		if (cf->devices[i]->protocol == PROTO_MQTT)
			n++;
	m->devs = calloc(n ? n : 1, sizeof(*m->devs));
	m->topics = calloc(n ? n : 1, sizeof(*m->topics));
	if (m->devs == NULL || m->topics == NULL)
		goto fail;
	for (size_t i = 0; i < cf->ndevices; i++) {
		const struct conf_device *d = cf->devices[i];
		struct mdev *md;
		if (d->protocol != PROTO_MQTT)
			continue;
		md = &m->devs[m->ndevs++];
		md->cf = d;
		md->bad_rl.interval_ms = 60000;
		md->det = calloc(d->npoints ? d->npoints : 1, sizeof(*md->det));
		md->vals = calloc(d->npoints ? d->npoints : 1, sizeof(*md->vals));
		if (md->det == NULL || md->vals == NULL)
			goto fail;
	}
	if (m->ndevs > 1)
		qsort(m->devs, m->ndevs, sizeof(*m->devs), mdev_cmp);
	{
		size_t most = 0;
		for (size_t i = 0; i < m->ndevs; i++)
			if (m->devs[i].cf->npoints > most)
				most = m->devs[i].cf->npoints;
		m->msg_ev = calloc(most + 1, sizeof(*m->msg_ev));
		m->sil_ev = calloc(m->ndevs + 1, sizeof(*m->sil_ev));
		if (m->msg_ev == NULL || m->sil_ev == NULL)
			goto fail;
	}
	for (size_t i = 0; i < m->ndevs; i++)
		m->topics[i] = m->devs[i].cf->topic;

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
mqtt_adopt(struct mqtt *m, const char *device, const char *point, enum fault_kind kind)
{
	if (m == NULL)
		return 0;
	for (size_t i = 0; i < m->ndevs; i++) {
		struct mdev *d = &m->devs[i];
		if (strcmp(d->cf->id, device) != 0)
			continue;
		if (kind == FK_COMM) {
			d->offline = 1;
			return 1;
		}
		for (size_t k = 0; k < d->cf->npoints; k++)
			if (strcmp(d->cf->points[k]->name, point) == 0) {
				detect_init(&d->det[k], 1);
				return 1;
			}
		return 0;
	}
	return 0;
}

int
mqtt_start(struct mqtt *m)
{
	char err[256];
	int rc;

	if (m->cf->mqtt.events_topic) {
		int64_t wm = 0;
		if (store_open(m->cf->daemon.database, 0, &m->st, err, sizeof(err)) != 0) {
			log_errx("mqtt: outbox: %s", err);
			return -1;
		}
		if (store_meta_int(m->st, OUTBOX_KEY, &wm) < 0) {
			log_errx("mqtt: outbox: %s", store_errmsg(m->st));
			return -1;
		}
		m->watermark = m->sent = wm;
	}
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
		int64_t deadline = time_mono_ms() + STOP_WAIT_MS;
		pthread_mutex_lock(&m->mu);
		if (m->connected && m->cf->mqtt.status_topic) {
			mosquitto_publish(m->mosq, &m->status_mid, m->cf->mqtt.status_topic, 7,
			    "offline", 1, true);
			/* give the broker a moment to take the retained "offline" */
			while (!m->status_acked && m->connected && time_mono_ms() < deadline) {
				struct timespec ts;
				clock_gettime(CLOCK_MONOTONIC, &ts);
				ts.tv_nsec += 50 * 1000000L;
				if (ts.tv_nsec >= 1000000000L) {
					ts.tv_sec++;
					ts.tv_nsec -= 1000000000L;
				}
				pthread_cond_timedwait(&m->cv, &m->mu, &ts);
			}
		}
		pthread_mutex_unlock(&m->mu);
		if (m->st)
			pump(m);   /* the watermark after the last acknowledgements */
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
	for (size_t i = 0; i < m->ndevs; i++) {
		free(m->devs[i].det);
		free(m->devs[i].vals);
	}
	free(m->devs);
	free(m->topics);
	free(m->msg_ev);
	free(m->sil_ev);
	free(m->host);
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
	for (size_t i = 0; i < cf->ndevices; i++) {
		const struct conf_device *d = cf->devices[i];
		if (d->protocol != PROTO_MQTT)
			continue;
		fprintf(f, "[%s|%s|%lld|%s|%s|%d]", d->id, S(d->topic), (long long)d->offline_ms,
		    S(d->name), S(d->lab), d->assessment);
		for (size_t k = 0; k < d->npoints; k++) {
			const struct conf_point *p = d->points[k];
			fprintf(f, "(%s|%s|%d|%d|%.17g|%d|%.17g|%lld|%lld|%s)", p->name, S(p->json),
			    p->kind, p->when.op, p->when.value, p->clear.op, p->clear.value,
			    (long long)p->delay_ms, (long long)p->clear_delay_ms, S(p->label));
		}
	}
#undef S
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}
