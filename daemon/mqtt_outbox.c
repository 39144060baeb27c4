/*
 * mqtt_outbox.c - every stored event published on events_topic: audit
 * records after the watermark kept in the database, each acknowledged by the
 * broker (QoS 1) before the watermark moves, so that events recorded while
 * the broker or tbmond was down go out later, in order, and none twice while
 * tbmond runs. The outbox has a database connection of its own.
 */
#include "mqtt_int.h"

#include <cjson/cJSON.h>
#include <string.h>

#include "eventjson.h"
#include "tbmtime.h"

#define OUTBOX_KEY "mqtt_outbox_seq"

int
mqtt_outbox_open(struct mqtt *m)
{
	char err[256];
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
	return 0;
}

int
mqtt_outbox_acked(struct mqtt *m, int mid)
{
	for (size_t i = 0; i < m->ninflight; i++)
		if (m->inflight[i].mid == mid) {
			m->inflight[i].acked = 1;
			m->kicked = 1;
			return 1;
		}
	return 0;
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

/* Hands one record to libmosquitto: 0, or -1 (not connected or refused) to
 * stop for now. */
static int
publish_one(struct mqtt *m, const struct outbox_rec *r)
{
	char *payload = event_json(m->cf->site.id, r);
	int mid = 0, rc = MOSQ_ERR_NOMEM;

	if (payload == NULL)
		return -1;
	pthread_mutex_lock(&m->mu);
	if (m->connected) {
		rc = mosquitto_publish(m->mosq, &mid, m->cf->mqtt.events_topic, (int)strlen(payload),
		    payload, 1, false);
		if (rc == MOSQ_ERR_SUCCESS) {
			m->inflight[m->ninflight++] = (struct inflight){ mid, r->seq, 0 };
			m->sent = r->seq;
			m->published++;
		}
	}
	pthread_mutex_unlock(&m->mu);
	cJSON_free(payload);
	return rc == MOSQ_ERR_SUCCESS ? 0 : -1;
}

void
mqtt_outbox_pump(struct mqtt *m)
{
	struct outbox_rec *v = NULL;
	size_t n = 0, room;
	int64_t from, saved = -1, wm;
	static struct ratelimit db_rl = RATELIMIT_INIT(RATELIMIT_MINUTE);

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
	for (size_t i = 0; i < n; i++)
		if (publish_one(m, &v[i]) != 0)
			break;
	store_outbox_free(v, n);
}
