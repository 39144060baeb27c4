/*
 * queue.c - a mutex-protected ring of fixed-size events.
 */
#include "queue.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

int
queue_init(struct queue *q, size_t cap)
{
	pthread_condattr_t ca;

	q->ring = calloc(cap, sizeof(*q->ring));
	if (q->ring == NULL)
		return -1;
	q->cap = cap;
	q->head = q->len = 0;
	q->closed = 0;
	q->full_logged = 0;
	pthread_mutex_init(&q->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->nonempty, &ca);
	pthread_cond_init(&q->nonfull, &ca);
	pthread_condattr_destroy(&ca);
	return 0;
}

void
queue_destroy(struct queue *q)
{
	if (q->ring == NULL)
		return;
	pthread_cond_destroy(&q->nonempty);
	pthread_cond_destroy(&q->nonfull);
	pthread_mutex_destroy(&q->mu);
	free(q->ring);
	q->ring = NULL;
}

/* Appends ev; q->mu is held and there is room. */
static void
append_locked(struct queue *q, const struct tbm_event *ev)
{
	q->ring[(q->head + q->len) % q->cap] = *ev;
	q->len++;
	pthread_cond_signal(&q->nonempty);
}

int
queue_push(struct queue *q, const struct tbm_event *ev)
{
	int warned = 0;

	pthread_mutex_lock(&q->mu);
	while (q->len == q->cap && !q->closed) {
		if (!warned) {
			log_warnx("event queue full (%zu events): waiting for the database", q->cap);
			warned = 1;
		}
		pthread_cond_wait(&q->nonfull, &q->mu);
	}
	if (q->closed) {
		pthread_mutex_unlock(&q->mu);
		return -1;
	}
	append_locked(q, ev);
	pthread_mutex_unlock(&q->mu);
	return 0;
}

int
queue_try_push(struct queue *q, const struct tbm_event *ev)
{
	int rc = 0;

	pthread_mutex_lock(&q->mu);
	if (q->closed)
		rc = -1;
	else if (q->len == q->cap) {
		if (!q->full_logged)
			log_warnx("event queue full (%zu events): waiting for the database", q->cap);
		q->full_logged = 1;
		rc = 1;
	} else
		append_locked(q, ev);
	pthread_mutex_unlock(&q->mu);
	return rc;
}

void
queue_fill(struct tbm_event *ev, enum event_type type, enum fault_kind kind, const char *device,
    const char *point, double code, int64_t at_ms)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->kind = kind;
	snprintf(ev->device, sizeof(ev->device), "%s", device);
	snprintf(ev->point, sizeof(ev->point), "%s", point);
	ev->code = code;
	ev->at_ms = at_ms;
}

int
queue_put(struct queue *q, const struct tbm_event *ev, int wait)
{
	int rc = wait ? queue_push(q, ev) : queue_try_push(q, ev);

	if (rc == -1)
		log_errx("device %s: event for %s lost: the queue is closed", ev->device, ev->point);
	return rc;
}

size_t
queue_pop(struct queue *q, struct tbm_event *out, size_t max, long wait_ms)
{
	struct timespec dl;
	size_t n = 0;

	pthread_mutex_lock(&q->mu);
	if (q->len == 0 && !q->closed && wait_ms > 0) {
		clock_gettime(CLOCK_MONOTONIC, &dl);
		dl.tv_sec += wait_ms / 1000;
		dl.tv_nsec += (wait_ms % 1000) * 1000000L;
		if (dl.tv_nsec >= 1000000000L) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000L;
		}
		while (q->len == 0 && !q->closed)
			if (pthread_cond_timedwait(&q->nonempty, &q->mu, &dl) == ETIMEDOUT)
				break;
	}
	while (n < max && q->len > 0) {
		out[n++] = q->ring[q->head];
		q->head = (q->head + 1) % q->cap;
		q->len--;
	}
	if (n > 0) {
		q->full_logged = 0;
		pthread_cond_broadcast(&q->nonfull);
	}
	pthread_mutex_unlock(&q->mu);
	return n;
}

void
queue_close(struct queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = 1;
	pthread_cond_broadcast(&q->nonempty);
	pthread_cond_broadcast(&q->nonfull);
	pthread_mutex_unlock(&q->mu);
}

size_t
queue_length(struct queue *q)
{
	size_t n;

	pthread_mutex_lock(&q->mu);
	n = q->len;
	pthread_mutex_unlock(&q->mu);
	return n;
}
