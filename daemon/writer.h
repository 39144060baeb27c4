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
	atomic_ullong progress;      /* bumped each loop: the watchdog's proof of life */
	atomic_ullong written;       /* events applied */
	atomic_ullong transactions;
	atomic_ullong failures;
	void (*committed)(void *arg);   /* called after each transaction that wrote events */
	void *committed_arg;
	struct tbm_event batch[WRITER_BATCH];
};

int writer_start(struct writer *w, struct store *st, struct queue *q, int64_t run_id);
/* writer_stop: the queue must be closed first; writes what is left, then joins. */
void writer_stop(struct writer *w);

#endif
