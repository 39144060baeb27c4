/*
 * writer.h - the one thread that writes the database: batches of detector
 * events in BEGIN IMMEDIATE transactions, and the run heartbeat. A batch
 * that cannot be written (database locked, disk full) is kept and retried;
 * nothing is dropped while the daemon runs.
 */
#ifndef TBMOND_WRITER_H
#define TBMOND_WRITER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "queue.h"
#include "store.h"

#define WRITER_BATCH 512

struct writer {
	struct store *st;
	struct queue *q;
	int64_t run_id;
	pthread_t thread;
	atomic_int stop;
	atomic_llong alive_at;       /* monotonic ms of its last round: the watchdog's */
	atomic_int idle;             /* waiting for events with nothing in hand */
	atomic_ullong written;       /* events applied */
	atomic_ullong transactions;
	atomic_int checkpoint;
	void (*committed)(void *arg);   /* called after each transaction that wrote events */
	void *committed_arg;
	struct tbm_event batch[WRITER_BATCH];
};

/* writer_start: opens a database connection of the writer's own (one
 * writer thread, one connection) and starts the thread; `committed(arg)` is
 * called after each transaction that wrote events. NULL with a message in
 * err when it cannot. */
struct writer *writer_start(const char *database, struct queue *q, int64_t run_id,
    void (*committed)(void *arg), void *arg, char *err, size_t errlen);
/* A round takes at most the busy timeout and a retry pause. */
#define WRITER_STALL_MS 20000
/* writer_flush: waits (up to wait_ms) until every queued event is written
 * or being retried. 0 done, -1 not within the time. */
int writer_flush(struct writer *w, long wait_ms);
/* writer_checkpoint: asks for a WAL checkpoint at the next quiet moment. */
void writer_checkpoint(struct writer *w);
/* writer_stop: the queue must be closed first; writes what is left, then joins. */
void writer_stop(struct writer *w);
/* writer_free: closes its connection (after writer_stop). NULL is fine. */
void writer_free(struct writer *w);

#endif
