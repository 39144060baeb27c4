/*
 * writer.c - drains the event queue into the database in batches. Waiting
 * for the first event of a batch is the only place it sleeps, so events are
 * written as soon as they come and a storm turns into large transactions.
 */
#include "writer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "tbmtime.h"

#define HEARTBEAT_MS 30000
#define RETRY_MS 1000
#define STOP_ATTEMPTS 5

static void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	struct ratelimit rl = RATELIMIT_INIT(RATELIMIT_MINUTE);
	int64_t last_beat = time_mono_ms();
	size_t n = 0;
	int attempts = 0;

	for (;;) {
		atomic_store(&w->alive_at, time_mono_ms());
		if (n < WRITER_BATCH) {
			if (n == 0)
				atomic_store(&w->idle, 1);
			n += queue_pop(w->q, w->batch + n, WRITER_BATCH - n, n ? 0 : 1000);
			atomic_store(&w->idle, n == 0);
		}
		if (n == 0 && atomic_exchange(&w->checkpoint, 0)) {
			if (store_checkpoint(w->st) != 0)
				log_warnx("WAL checkpoint: %s", store_errmsg(w->st));
		}
		if (n > 0) {
			int r = store_write_events(w->st, w->batch, n);
			if (r >= 0) {
				atomic_fetch_add(&w->written, (unsigned long long)r);
				atomic_fetch_add(&w->transactions, 1);
				if (r > 0 && w->committed)
					w->committed(w->committed_arg);
				if (attempts > 0)
					log_notice("database writable again: %zu events written", n);
				n = 0;
				attempts = 0;
			} else {
				unsigned long k;
				attempts++;
				if ((k = ratelimit_pass(&rl, time_mono_ms())) > 0)
					log_warnx("cannot write %zu events (%lu failed attempts, %zu more waiting): %s; keeping them and retrying",
					    n, k, queue_length(w->q), store_errmsg(w->st));
				if (atomic_load(&w->stop) && attempts >= STOP_ATTEMPTS) {
					log_errx("stopping with %zu events unwritten", n + queue_length(w->q));
					break;
				}
				pause_ms(RETRY_MS);
				continue;
			}
		}
		if (time_mono_ms() - last_beat >= HEARTBEAT_MS) {
			last_beat = time_mono_ms();
			if (store_run_alive(w->st, w->run_id, time_now_ms()) != 0)
				log_warnx("heartbeat: %s", store_errmsg(w->st));
		}
		if (atomic_load(&w->stop) && queue_length(w->q) == 0)
			break;
	}
	return NULL;
}

struct writer *
writer_start(const char *database, struct queue *q, int64_t run_id, void (*committed)(void *arg),
    void *arg, char *err, size_t errlen)
{
	struct writer *w;
	int rc;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (store_open(database, 0, &w->st, err, errlen) != 0) {
		free(w);
		return NULL;
	}
	w->q = q;
	w->run_id = run_id;
	w->committed = committed;
	w->committed_arg = arg;
	atomic_init(&w->stop, 0);
	atomic_init(&w->alive_at, time_mono_ms());
	atomic_init(&w->idle, 0);
	atomic_init(&w->checkpoint, 0);
	atomic_init(&w->written, 0);
	atomic_init(&w->transactions, 0);
	if ((rc = pthread_create(&w->thread, NULL, writer_main, w)) != 0) {
		snprintf(err, errlen, "cannot start the writer: %s", strerror(rc));
		store_close(w->st);
		free(w);
		return NULL;
	}
	return w;
}

int
writer_flush(struct writer *w, long wait_ms)
{
	int64_t until = time_mono_ms() + wait_ms;

	while (queue_length(w->q) > 0 || !atomic_load(&w->idle)) {
		struct timespec ts = { 0, 20 * 1000000L };
		if (time_mono_ms() >= until)
			return -1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

void
writer_checkpoint(struct writer *w)
{
	atomic_store(&w->checkpoint, 1);
}

void
writer_stop(struct writer *w)
{
	atomic_store(&w->stop, 1);
	pthread_join(w->thread, NULL);
}

void
writer_free(struct writer *w)
{
	if (w == NULL)
		return;
	store_close(w->st);
	free(w);
}
