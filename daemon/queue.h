/*
 * queue.h - the bounded event queue between the detectors (the Modbus
 * links, the MQTT client) and the writer thread. Fixed capacity: it never
 * allocates after creation; a full queue makes producers wait (or, for the
 * TCP links' event loop, hold their events), so an event is delayed but
 * never dropped.
 */
#ifndef TBMOND_QUEUE_H
#define TBMOND_QUEUE_H

#include <pthread.h>
#include <stddef.h>

#include "store.h"

struct queue {
	pthread_mutex_t mu;
	pthread_cond_t nonempty;
	pthread_cond_t nonfull;
	struct tbm_event *ring;
	size_t cap, head, len;
	int closed;
	int full_logged;           /* queue_try_push said so since the last pop */
};

int queue_init(struct queue *q, size_t cap);
void queue_destroy(struct queue *q);
/* queue_push: waits while the queue is full. -1 once the queue is closed. */
int queue_push(struct queue *q, const struct tbm_event *ev);
/* queue_try_push: never waits. 0 pushed, 1 full (logged once until the
 * consumer makes room), -1 closed. */
int queue_try_push(struct queue *q, const struct tbm_event *ev);
void queue_fill(struct tbm_event *ev, enum event_type type, enum fault_kind kind,
    const char *device, const char *point, double code, int64_t at_ms);
/* queue_put: queue_push (wait) or queue_try_push, and an event lost to a
 * closed queue is logged. */
int queue_put(struct queue *q, const struct tbm_event *ev, int wait);
/* queue_pop: up to max events into out; waits up to wait_ms for the first
 * (0: do not wait). Returns the count; 0 on timeout or when closed and empty. */
size_t queue_pop(struct queue *q, struct tbm_event *out, size_t max, long wait_ms);
/* queue_close: producers get -1 from now on; the consumer drains what is left. */
void queue_close(struct queue *q);
size_t queue_length(struct queue *q);

#endif
