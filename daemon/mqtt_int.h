/*
 * mqtt_int.h - what the MQTT files share: the client's state. mqtt.c is the
 * connection (libmosquitto, our network thread, our thread that watches
 * for silence and publishes), mqtt_devices.c the devices that publish their
 * state, mqtt_outbox.c the stored events going out in order.
 */
#ifndef TBMOND_MQTT_INT_H
#define TBMOND_MQTT_INT_H

#include <mosquitto.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "log.h"
#include "mqtt.h"
#include "points.h"

#define INFLIGHT_MAX 64

struct mdev {
	struct devpoints pts;        /* cf->points in definition order */
	int64_t last_msg;            /* monotonic ms of the last valid message */
	int offline;
	unsigned long long bad;
	struct ratelimit bad_rl;
};

struct inflight {
	int mid;
	int64_t seq;
	int acked;
};

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
	/* the central collection (mqtt_central.c) */
	char *config_topic, *resend_topic;
	int config_due, config_mid, config_acked;
	int64_t config_at;           /* monotonic ms of the last config published */
	int64_t resend_next;         /* next seq to send again; 0: none asked */
	int64_t resend_at;           /* monotonic ms of the last resend slice */
	size_t resend_unacked;
	int64_t stop_run, stop_at;   /* the run that stops, and when, for the last config */
	unsigned long long resent;
	unsigned long long messages, bad, published;
	/* Events are pushed after the mutex is released: a full queue waits for
	 * the writer, which may be waiting for mqtt_kick(). */
	struct tbm_event *msg_ev;    /* the network thread's */
	size_t nmsg_ev;
	struct tbm_event *sil_ev;    /* our thread's */
	size_t nsil_ev;
};

/* mqtt_devices.c */
int mqtt_devices_init(struct mqtt *m);
void mqtt_devices_free(struct mqtt *m);
/* libmosquitto's message callback: one message of a device */
void mqtt_devices_message(struct mosquitto *mosq, void *arg, const struct mosquitto_message *msg);
/* Devices silent for offline_after get a comm fault (in m->sil_ev). Returns
 * the next moment one could fall silent. Mutex held. */
int64_t mqtt_devices_silence(struct mqtt *m, int64_t now);
/* Queues the events in v (waiting for room) and empties it. No mutex held. */
void mqtt_devices_push(struct mqtt *m, struct tbm_event *v, size_t *n);

/* mqtt_central.c */
/* The config and resend topics of the site (only with events_topic). */
int mqtt_central_init(struct mqtt *m);
/* libmosquitto's message callback for a resend request: 1 handled, 0 not ours. */
int mqtt_central_message(struct mqtt *m, const struct mosquitto_message *msg);
/* Publishes the config when due and a slice of a requested resend; returns
 * the next moment it wants to run. Called without the mutex. */
int64_t mqtt_central_pump(struct mqtt *m, int64_t now);
/* The broker acknowledged mid: 1 if it was ours. Mutex held. */
int mqtt_central_acked(struct mqtt *m, int mid);
/* The device list and runs as the retained config. Without the mutex. */
int mqtt_central_config(struct mqtt *m);

/* mqtt_outbox.c */
int mqtt_outbox_open(struct mqtt *m);
/* Publishes what the outbox holds beyond what is in flight, and saves the
 * acknowledged position. Called without the mutex (it reads the database). */
void mqtt_outbox_pump(struct mqtt *m);
/* The broker acknowledged message mid: 1 if it was one of the outbox's. Mutex held. */
int mqtt_outbox_acked(struct mqtt *m, int mid);

#endif
