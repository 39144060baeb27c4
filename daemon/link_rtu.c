/*
 * link_rtu.c - a serial (RTU) link: a thread of its own that polls its
 * devices in turn through libmodbus, waiting in it for each reply.
 */
#include "link_int.h"

#include <errno.h>
#include <sys/select.h>
#include <time.h>

#include "tbmtime.h"

void
link_rtu_close(struct link *l)
{
	if (l->ctx == NULL)
		return;
	modbus_close(l->ctx);
	modbus_free(l->ctx);
	l->ctx = NULL;
}

static void
set_timeout(modbus_t *ctx, int64_t ms)
{
	modbus_set_response_timeout(ctx, (uint32_t)(ms / 1000), (uint32_t)(ms % 1000) * 1000);
}

/* Opens the port: 0, or an error number (EAGAIN: backing off). */
static int
rtu_connect(struct link *l, int64_t now)
{
	const struct conf_device *p = l->params;

	if (now < l->retry_at)
		return EAGAIN;
	l->ctx = modbus_new_rtu(p->serial, p->baud, p->parity, p->data_bits, p->stop_bits);
	if (l->ctx == NULL) {
		int e = errno;
		log_warn("link %s: cannot create a Modbus context", l->name);
		link_connect_failed(l, now, e);
		return e;
	}
	/* Never MODBUS_ERROR_RECOVERY_LINK: it sleeps and reconnects inside a read. */
	modbus_set_error_recovery(l->ctx, MODBUS_ERROR_RECOVERY_NONE);
	set_timeout(l->ctx, link_timeout_ms(l));
	if (modbus_connect(l->ctx) == -1) {
		int e = errno;
		modbus_free(l->ctx);
		l->ctx = NULL;
		link_connect_failed(l, now, e);
		return e;
	}
	/* libmodbus waits with select(). main() keeps every descriptor below
	 * FD_SETSIZE (RLIMIT_NOFILE); this is the last line of defence. */
	if (modbus_get_socket(l->ctx) >= FD_SETSIZE) {
		log_errx("link %s: descriptor %d is beyond select()'s limit of %d; too many links",
		    l->name, modbus_get_socket(l->ctx), FD_SETSIZE);
		link_rtu_close(l);
		link_connect_failed(l, now, EMFILE);
		return EMFILE;
	}
	modbus_flush(l->ctx);
	link_connect_done(l);
	return 0;
}

/* One block through libmodbus: the count read, or -1 with errno. */
static int
rtu_read_block(struct link *l, const struct read_block *blk)
{
	switch (blk->table) {
	case TABLE_COIL:
		return modbus_read_bits(l->ctx, blk->start, blk->count, l->bits);
	case TABLE_DISCRETE:
		return modbus_read_input_bits(l->ctx, blk->start, blk->count, l->bits);
	case TABLE_INPUT:
		return modbus_read_input_registers(l->ctx, blk->start, blk->count, l->regs);
	case TABLE_HOLDING:
		return modbus_read_registers(l->ctx, blk->start, blk->count, l->regs);
	default:
		errno = EINVAL;
		return -1;
	}
}

/* A device that needs a gap between requests (pause) gets it. */
static void
rtu_pause(struct link *l)
{
	int64_t wait = l->send_after - time_mono_ms();

	if (wait > 0) {
		struct timespec ts = { wait / 1000, (wait % 1000) * 1000000L };
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
}

/* Reads every block of a device. 0: all values in d->pts.vals; -1: the poll
 * failed (nothing is taken from it). */
static int
rtu_read_device(struct link *l, struct dev_state *d, int64_t now)
{
	const struct read_plan *pl = &d->plan;
	int e;

	if (l->ctx == NULL && (e = rtu_connect(l, now)) != 0) {
		if (e != EAGAIN)   /* while backing off, the last cause stands */
			poll_read_failed(d, NULL, e);
		return -1;
	}
	modbus_set_slave(l->ctx, d->pts.cf->unit);
	set_timeout(l->ctx, d->pts.cf->timeout_ms);
	for (size_t b = 0; b < pl->nblocks; b++) {
		const struct read_block *blk = &pl->blocks[b];
		int rc;

		rtu_pause(l);
		rc = rtu_read_block(l, blk);
		l->send_after = time_mono_ms() + l->pause_ms;
		if (rc != blk->count) {
			e = rc == -1 ? errno : EMBMDATA;
			poll_read_failed(d, blk, e);
			/* An exception is a well-formed answer: the connection is fine. */
			if (!mbap_is_exception(e))
				link_rtu_close(l);
			return -1;
		}
		poll_take_block(l, d, blk);
	}
	return 0;
}

void *
link_rtu_main(void *arg)
{
	struct link *l = arg;
	int stalled = 0;

	log_debug("link %s: %zu devices", l->name, l->ndevs);
	pthread_mutex_lock(&l->mu);
	while (!atomic_load(&l->stop)) {
		int64_t now = time_mono_ms();
		struct dev_state *d = link_next_device(l);

		if (!stalled)
			atomic_store(&l->alive_at, now);
		if (d == NULL)
			break;
		if (stalled || d->next_due > now) {
			int64_t until = stalled || d->next_due - now > LINK_WAKE_MS ? now + LINK_WAKE_MS :
			    d->next_due;
			struct timespec ts = { until / 1000, (until % 1000) * 1000000L };
			pthread_cond_timedwait(&l->cv, &l->mu, &ts);
			continue;
		}
		pthread_mutex_unlock(&l->mu);
		poll_done(l, d, rtu_read_device(l, d, now) == 0, now);
		stalled = link_test_stall(l);
		pthread_mutex_lock(&l->mu);
	}
	pthread_mutex_unlock(&l->mu);
	link_rtu_close(l);
	return NULL;
}
