/*
 * mqtt_devices.c - the MQTT devices: each message parsed into every point's
 * value (or nothing from it at all) and fed to the detectors; devices that
 * fall silent get a comm fault. Runs in libmosquitto's callbacks (quick,
 * never touching the database) and in our thread.
 */
#include "mqtt_int.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpath.h"
#include "tbmtime.h"

static int
mdev_cmp(const void *a, const void *b)
{
	return strcmp(((const struct mdev *)a)->pts.cf->topic,
	    ((const struct mdev *)b)->pts.cf->topic);
}

static struct mdev *
mdev_by_topic(struct mqtt *m, const char *topic)
{
	struct mdev key;
	struct conf_device d;

	memset(&d, 0, sizeof(d));
	d.topic = (char *)topic;
	key.pts.cf = &d;
	return bsearch(&key, m->devs, m->ndevs, sizeof(*m->devs), mdev_cmp);
}

int
mqtt_devices_init(struct mqtt *m)
{
	const struct config *cf = m->cf;
	size_t n = 0, most = 0;

	for (size_t i = 0; i < cf->ndevices; i++)
		if (cf->devices[i]->protocol == PROTO_MQTT)
			n++;
	m->devs = calloc(n ? n : 1, sizeof(*m->devs));
	m->topics = calloc(n ? n : 1, sizeof(*m->topics));
	if (m->devs == NULL || m->topics == NULL)
		return -1;
	for (size_t i = 0; i < cf->ndevices; i++) {
		const struct conf_device *d = cf->devices[i];
		struct mdev *md;
		if (d->protocol != PROTO_MQTT)
			continue;
		md = &m->devs[m->ndevs++];
		md->bad_rl = (struct ratelimit)RATELIMIT_INIT(RATELIMIT_MINUTE);
		if (points_init(&md->pts, d, d->points, d->npoints) != 0)
			return -1;
		if (d->npoints > most)
			most = d->npoints;
	}
	if (m->ndevs > 1)
		qsort(m->devs, m->ndevs, sizeof(*m->devs), mdev_cmp);
	/* at most every point and the comm fault of one message; one comm fault
	 * per device from a look for silence */
	m->msg_ev = calloc(most + 1, sizeof(*m->msg_ev));
	m->sil_ev = calloc(m->ndevs + 1, sizeof(*m->sil_ev));
	if (m->msg_ev == NULL || m->sil_ev == NULL)
		return -1;
	for (size_t i = 0; i < m->ndevs; i++)
		m->topics[i] = m->devs[i].pts.cf->topic;
	return 0;
}

void
mqtt_devices_free(struct mqtt *m)
{
	for (size_t i = 0; i < m->ndevs; i++)
		points_free(&m->devs[i].pts);
	free(m->devs);
	free(m->topics);
	free(m->msg_ev);
	free(m->sil_ev);
}

int
mqtt_adopt(struct mqtt *m, const char *device, const char *point, enum fault_kind kind)
{
	if (m == NULL)
		return 0;
	for (size_t i = 0; i < m->ndevs; i++) {
		int rc = points_adopt(&m->devs[i].pts, device, point, kind, &m->devs[i].offline);
		if (rc >= 0)
			return rc;
	}
	return 0;
}

void
mqtt_devices_push(struct mqtt *m, struct tbm_event *v, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		queue_put(m->q, &v[i], 1);
	*n = 0;
}

/* A points_sink: the network thread's events, pushed once the mutex is let go. */
static void
msg_event(void *arg, const struct tbm_event *ev)
{
	struct mqtt *m = arg;

	m->msg_ev[m->nmsg_ev++] = *ev;
}

static void
sil_event(void *arg, const struct tbm_event *ev)
{
	struct mqtt *m = arg;

	m->sil_ev[m->nsil_ev++] = *ev;
}

/* Every point's value from one message: 0, or -1 with the reason in err. */
static int
mdev_values(struct mdev *d, const struct mosquitto_message *msg, char *err, size_t errlen)
{
	cJSON *root = NULL;
	int ok = 1;

	for (size_t i = 0; ok && i < d->pts.n; i++) {
		const struct conf_point *p = d->pts.pts[i];
		if (p->json == NULL) {
			ok = jsonpath_bare(msg->payload, (size_t)msg->payloadlen, &d->pts.vals[i], err,
			    errlen) == 0;
			continue;
		}
		if (root == NULL && (root = jsonpath_parse(msg->payload, (size_t)msg->payloadlen, err,
		    errlen)) == NULL) {
			ok = 0;
			break;
		}
		ok = jsonpath_number(root, p->json, &d->pts.vals[i], err, errlen) == 0;
	}
	cJSON_Delete(root);
	return ok ? 0 : -1;
}

void
mqtt_devices_message(struct mosquitto *mosq, void *arg, const struct mosquitto_message *msg)
{
	struct mqtt *m = arg;
	int64_t now = time_mono_ms(), wall = time_now_ms();
	struct mdev *d;
	char err[160] = "";

	(void)mosq;
	pthread_mutex_lock(&m->mu);
	m->messages++;
	if ((d = mdev_by_topic(m, msg->topic)) == NULL) {
		pthread_mutex_unlock(&m->mu);
		return;
	}
	if (mdev_values(d, msg, err, sizeof(err)) != 0) {
		d->bad++;
		m->bad++;
		if (ratelimit_pass(&d->bad_rl, now) > 0)
			log_warnx("device %s: bad payload on %s: %s (%llu bad so far)", d->pts.cf->id,
			    msg->topic, err, d->bad);
		pthread_mutex_unlock(&m->mu);
		return;
	}
	d->last_msg = now;
	m->nmsg_ev = 0;
	if (d->offline) {
		d->offline = 0;
		log_notice("device %s: messages again", d->pts.cf->id);
		points_comm(&d->pts, EV_CLEAR, wall, msg_event, m);
	}
	points_feed(&d->pts, now, wall, msg_event, m);
	pthread_mutex_unlock(&m->mu);
	/* only this thread touches msg_ev */
	mqtt_devices_push(m, m->msg_ev, &m->nmsg_ev);
}

int64_t
mqtt_devices_silence(struct mqtt *m, int64_t now)
{
	int64_t next = INT64_MAX;

	for (size_t i = 0; i < m->ndevs; i++) {
		struct mdev *d = &m->devs[i];
		int64_t due = d->last_msg + d->pts.cf->offline_ms;
		if (d->offline)
			continue;
		if (now >= due) {
			d->offline = 1;
			log_notice("device %s: no message for %lld ms", d->pts.cf->id,
			    (long long)d->pts.cf->offline_ms);
			points_comm(&d->pts, EV_OPEN, time_now_ms(), sil_event, m);
		} else if (due < next)
			next = due;
	}
	return next;
}
