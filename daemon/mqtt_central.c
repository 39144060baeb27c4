/*
 * mqtt_central.c - what the central collection (tbm-collect) needs from a
 * base beside the events: the retained tbmon/SITE/config (devices, points,
 * daemon runs), and answers to tbmon/SITE/resend {"from": N}, records
 * published again from the database in bounded, rate-limited slices that
 * never hold up new events (the live outbox goes first and keeps its own
 * in-flight window).
 */
#include "mqtt_int.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eventjson.h"
#include "tbmtime.h"

#define CONFIG_EVERY_MS 60000      /* the runs' heartbeats reach the centre this often */
#define RESEND_SLICE 500           /* records per slice */
#define RESEND_EVERY_MS 100        /* at most one slice this often: 5000 records/s */
#define RESEND_UNACKED_MAX 1000    /* and never more than this waiting for the broker */
#define CONFIG_RUNS_MAX 1000       /* the latest runs only: the centre keeps the older ones */

int
mqtt_central_init(struct mqtt *m)
{
	const char *site = m->cf->site.id;

	if (m->cf->mqtt.events_topic == NULL)
		return 0;
	if (asprintf(&m->config_topic, "tbmon/%s/config", site) < 0) {
		m->config_topic = NULL;
		return -1;
	}
	if (asprintf(&m->resend_topic, "tbmon/%s/resend", site) < 0) {
		m->resend_topic = NULL;
		return -1;
	}
	m->config_mid = -1;
	return 0;
}

int
mqtt_central_message(struct mqtt *m, const struct mosquitto_message *msg)
{
	static struct ratelimit bad_rl = RATELIMIT_INIT(RATELIMIT_MINUTE);
	cJSON *o, *from;
	int64_t n = 0;

	if (m->resend_topic == NULL || strcmp(msg->topic, m->resend_topic) != 0)
		return 0;
	o = cJSON_ParseWithLength(msg->payload, (size_t)msg->payloadlen);
	from = cJSON_GetObjectItemCaseSensitive(o, "from");
	if (cJSON_IsNumber(from) && from->valuedouble >= 1 && from->valuedouble < 9e15)
		n = (int64_t)from->valuedouble;
	cJSON_Delete(o);
	pthread_mutex_lock(&m->mu);
	if (n <= 0) {
		if (ratelimit_pass(&bad_rl, time_mono_ms()) > 0)
			log_warnx("mqtt: %s: not {\"from\": SEQ}; ignored", msg->topic);
	} else {
		/* requests while one runs only move its start back */
		if (m->resend_next == 0 || n < m->resend_next) {
			if (m->resend_next == 0)
				log_info("mqtt: records from %lld asked again on %s", (long long)n, msg->topic);
			m->resend_next = n;
		}
		m->kicked = 1;
		pthread_cond_signal(&m->cv);
	}
	pthread_mutex_unlock(&m->mu);
	return 1;
}

int
mqtt_central_acked(struct mqtt *m, int mid)
{
	if (m->config_mid == mid) {
		m->config_acked = 1;
		return 1;
	}
	if (m->resend_unacked > 0) {
		m->resend_unacked--;
		return 1;
	}
	return 0;
}

static void
add_str(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

/* a new object at the end of the array a; NULL when out of memory */
static cJSON *
add_object(cJSON *a)
{
	cJSON *x = cJSON_CreateObject();

	if (x != NULL)
		cJSON_AddItemToArray(a, x);
	return x;
}

static char *
config_json(struct mqtt *m)
{
	struct device_row *d = NULL;
	struct point_row *p = NULL;
	struct run_row *r = NULL;
	size_t nd = 0, np = 0, nr = 0, k = 0;
	cJSON *o = NULL, *devs, *runs;
	char *out = NULL;
	int64_t head = 0;

	if (store_devices(m->st, &d, &nd) != 0 || store_points(m->st, &p, &np) != 0 ||
	    store_runs(m->st, 0, INT64_MAX, &r, &nr) != 0)
		goto out;
	pthread_mutex_lock(&m->mu);
	head = m->sent;
	pthread_mutex_unlock(&m->mu);
	if ((o = cJSON_CreateObject()) == NULL)
		goto out;
	cJSON_AddStringToObject(o, "site", m->cf->site.id);
	add_str(o, "name", m->cf->site.name);
	add_str(o, "timezone", m->cf->site.timezone);
	cJSON_AddNumberToObject(o, "published_at", (double)time_now_ms());
	cJSON_AddNumberToObject(o, "sent", (double)head);
	devs = cJSON_AddArrayToObject(o, "devices");
	for (size_t i = 0; devs && i < nd; i++) {
		cJSON *x = add_object(devs), *pts;
		if (x == NULL)
			break;
		add_str(x, "id", d[i].id);
		add_str(x, "name", d[i].name);
		add_str(x, "lab", d[i].lab);
		add_str(x, "protocol", d[i].protocol);
		cJSON_AddBoolToObject(x, "assessment", d[i].assessment);
		cJSON_AddBoolToObject(x, "in_config", d[i].in_config);
		pts = cJSON_AddArrayToObject(x, "points");
		for (k = 0; pts && k < np; k++) {
			cJSON *y;
			if (strcmp(p[k].device, d[i].id) != 0 || (y = add_object(pts)) == NULL)
				continue;
			add_str(y, "name", p[k].name);
			add_str(y, "kind", p[k].kind);
			add_str(y, "label", p[k].label);
			cJSON_AddBoolToObject(y, "in_config", p[k].in_config);
		}
	}
	runs = cJSON_AddArrayToObject(o, "runs");
	for (size_t i = nr > CONFIG_RUNS_MAX ? nr - CONFIG_RUNS_MAX : 0; runs && i < nr; i++) {
		cJSON *x = add_object(runs);
		int64_t stopped = r[i].stopped_at;
		if (x == NULL)
			break;
		if (r[i].id == m->stop_run && m->stop_at > 0)
			stopped = m->stop_at;
		cJSON_AddNumberToObject(x, "id", (double)r[i].id);
		cJSON_AddNumberToObject(x, "started_at", (double)r[i].started_at);
		cJSON_AddNumberToObject(x, "alive_at", (double)(stopped ? stopped : r[i].alive_at));
		if (stopped != STORE_NOTIME)
			cJSON_AddNumberToObject(x, "stopped_at", (double)stopped);
		else
			cJSON_AddNullToObject(x, "stopped_at");
	}
	out = cJSON_PrintUnformatted(o);
out:
	cJSON_Delete(o);
	store_devices_free(d, nd);
	store_points_free(p, np);
	free(r);
	return out;
}

int
mqtt_central_config(struct mqtt *m)
{
	static struct ratelimit rl = RATELIMIT_INIT(RATELIMIT_MINUTE);
	char *payload;
	int rc = MOSQ_ERR_NOMEM;

	if (m->config_topic == NULL || m->st == NULL)
		return 0;
	if ((payload = config_json(m)) == NULL) {
		if (ratelimit_pass(&rl, time_mono_ms()) > 0)
			log_warnx("mqtt: cannot read the device list for %s: %s", m->config_topic,
			    store_errmsg(m->st));
		return -1;
	}
	pthread_mutex_lock(&m->mu);
	if (m->connected) {
		m->config_acked = 0;
		rc = mosquitto_publish(m->mosq, &m->config_mid, m->config_topic, (int)strlen(payload),
		    payload, 1, true);
	}
	pthread_mutex_unlock(&m->mu);
	cJSON_free(payload);
	return rc == MOSQ_ERR_SUCCESS ? 0 : -1;
}

/* One slice of a resend: records [next, sent] at most RESEND_SLICE, only
 * what the live outbox has already handed over (it sends the rest). */
static void
resend_slice(struct mqtt *m)
{
	static struct ratelimit rl = RATELIMIT_INIT(RATELIMIT_MINUTE);
	struct outbox_rec *v = NULL;
	size_t n = 0, room;
	int64_t next, sent;

	pthread_mutex_lock(&m->mu);
	next = m->resend_next;
	sent = m->sent;
	room = RESEND_UNACKED_MAX - m->resend_unacked;
	pthread_mutex_unlock(&m->mu);
	if (next == 0 || room == 0)
		return;
	if (next > sent) {
		pthread_mutex_lock(&m->mu);
		if (m->resend_next == next)
			m->resend_next = 0;
		pthread_mutex_unlock(&m->mu);
		return;
	}
	if (room > RESEND_SLICE)
		room = RESEND_SLICE;
	if ((uint64_t)(sent - next + 1) < room)
		room = (size_t)(sent - next + 1);
	if (store_outbox(m->st, next - 1, room, &v, &n) != 0) {
		if (ratelimit_pass(&rl, time_mono_ms()) > 0)
			log_warnx("mqtt: cannot read records to send again: %s", store_errmsg(m->st));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char *payload = event_json(m->cf->site.id, &v[i]);
		int rc = MOSQ_ERR_NOMEM;
		if (payload == NULL)
			break;
		pthread_mutex_lock(&m->mu);
		if (m->connected && !m->stop) {
			rc = mosquitto_publish(m->mosq, NULL, m->cf->mqtt.events_topic,
			    (int)strlen(payload), payload, 1, false);
			if (rc == MOSQ_ERR_SUCCESS) {
				m->resend_unacked++;
				m->resent++;
				/* a request for earlier records in the meantime wins */
				if (m->resend_next == next)
					m->resend_next = next = v[i].seq + 1;
			}
		}
		pthread_mutex_unlock(&m->mu);
		cJSON_free(payload);
		if (rc != MOSQ_ERR_SUCCESS)
			break;
	}
	if (n == 0) {
		pthread_mutex_lock(&m->mu);
		if (m->resend_next == next)
			m->resend_next = 0;
		pthread_mutex_unlock(&m->mu);
	}
	store_outbox_free(v, n);
}

int64_t
mqtt_central_pump(struct mqtt *m, int64_t now)
{
	int64_t wake = now + CONFIG_EVERY_MS, next;
	int due;

	if (m->config_topic == NULL)
		return wake;
	pthread_mutex_lock(&m->mu);
	due = m->config_due || now - m->config_at >= CONFIG_EVERY_MS;
	next = m->resend_next;
	pthread_mutex_unlock(&m->mu);
	if (due && mqtt_central_config(m) == 0) {
		pthread_mutex_lock(&m->mu);
		m->config_due = 0;
		m->config_at = now;
		pthread_mutex_unlock(&m->mu);
	}
	wake = m->config_at + CONFIG_EVERY_MS;
	if (next > 0) {
		if (now - m->resend_at >= RESEND_EVERY_MS) {
			m->resend_at = now;
			resend_slice(m);
		}
		if (m->resend_at + RESEND_EVERY_MS < wake)
			wake = m->resend_at + RESEND_EVERY_MS;
	}
	return wake;
}
