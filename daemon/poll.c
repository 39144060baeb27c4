/*
 * poll.c - the per-reading path of a Modbus device: the values of each block
 * read (decode), the end of a poll (communication state, the polling
 * schedule, the detectors), and its events on their way to the queue.
 */
#include "link_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tbmtime.h"

void
poll_take_block(const struct link *l, struct dev_state *d, const struct read_block *blk)
{
	for (size_t i = blk->first; i < blk->first + blk->npoints; i++) {
		const struct conf_point *p = d->plan.order[i];
		int off = p->address - blk->start;
		if (blk->table == TABLE_COIL || blk->table == TABLE_DISCRETE)
			d->pts.vals[i] = decode_bit(p, l->bits[off]);
		else
			d->pts.vals[i] = decode_registers(p, &l->regs[off]);
	}
}

void
poll_read_failed(struct dev_state *d, const struct read_block *blk, int e)
{
	d->last_err = e;
	if (blk != NULL)
		snprintf(d->last_what, sizeof(d->last_what), "read %s %d+%d",
		    config_table_name(blk->table), blk->start, blk->count);
	else
		snprintf(d->last_what, sizeof(d->last_what), "connect");
	log_debug("device %s: %s: %s", d->pts.cf->id, d->last_what, modbus_strerror(e));
}

void
poll_cause(const struct dev_state *d, char *buf, size_t len)
{
	int e = d->last_err;

	if (mbap_is_exception(e) || e == EMBBADEXC)
		snprintf(buf, len, "%s: exception %d (%s)", d->last_what,
		    e == EMBBADEXC ? 0 : e - MODBUS_ENOBASE, modbus_strerror(e));
	else if (e == ETIMEDOUT)
		snprintf(buf, len, "%s: no answer within %lld ms", d->last_what,
		    (long long)d->pts.cf->timeout_ms);
	else if (e == ECONNRESET || e == EPIPE)
		snprintf(buf, len, "%s: connection reset by the other end", d->last_what);
	else if (e == ECONNREFUSED)
		snprintf(buf, len, "%s: connection refused", d->last_what);
	else
		snprintf(buf, len, "%s: %s", d->last_what, modbus_strerror(e));
}

int
poll_flush(struct link *l, int wait)
{
	size_t i;

	if (l->nheld == 0)
		return 0;
	for (i = 0; i < l->nheld; i++) {
		if (queue_put(l->q, &l->held[i], wait) == 1)
			break;
	}
	memmove(l->held, l->held + i, (l->nheld - i) * sizeof(*l->held));
	l->nheld -= i;
	return l->nheld > 0 ? -1 : 0;
}

/*
 * An event of the link's detectors. A serial link's thread waits while the
 * queue is full. The loop thread never waits: a TCP link whose event does not
 * fit holds it (and those after it) and polls no more until they are queued,
 * so the other links go on polling while the database is busy.
 */
static void
poll_event(void *arg, const struct tbm_event *ev)
{
	struct link *l = arg;
	struct tbm_event *nv;

	if (!config_protocol_is_tcp(l->proto)) {
		queue_put(l->q, ev, 1);
		return;
	}
	if (l->nheld == 0 && queue_put(l->q, ev, 0) != 1)
		return;   /* queued, or lost to a closed queue (said) */
	if (l->nheld == l->capheld) {
		size_t nc = l->capheld ? 2 * l->capheld : 16;
		if ((nv = realloc(l->held, nc * sizeof(*nv))) == NULL) {
			/* no room to hold it: wait like a thread of its own would */
			log_warnx("link %s: out of memory holding events; waiting for the queue", l->name);
			poll_flush(l, 1);
			queue_push(l->q, ev);
			return;
		}
		l->held = nv;
		l->capheld = nc;
	}
	l->held[l->nheld++] = *ev;
}

/* The warning that a device's polls fall behind, with what held the link up:
 * most often another unit on it that does not answer within its timeout. */
static void
poll_behind(const struct link *l, const struct dev_state *d)
{
	const struct conf_device *cf = d->pts.cf;
	const struct dev_state *s = l->slow;
	char cause[320];

	if (s == NULL)
		snprintf(cause, sizeof(cause), "the link is busy");
	else if (s == d && s->comm.failures == 0)
		snprintf(cause, sizeof(cause), "its own poll took %lld ms", (long long)l->slow_ms);
	else if (s->comm.failures > 0) {
		char why[160];
		poll_cause(s, why, sizeof(why));
		snprintf(cause, sizeof(cause), "device %s held the link %lld ms (%s)", s->pts.cf->id,
		    (long long)l->slow_ms, why);
	} else
		snprintf(cause, sizeof(cause), "device %s held the link %lld ms", s->pts.cf->id,
		    (long long)l->slow_ms);
	if (l->pause_ms > 0)
		log_warnx("link %s: polling of device %s falls behind its %lld ms interval: %s (pause %lld ms between requests)",
		    l->name, cf->id, (long long)cf->interval_ms, cause, (long long)l->pause_ms);
	else
		log_warnx("link %s: polling of device %s falls behind its %lld ms interval: %s",
		    l->name, cf->id, (long long)cf->interval_ms, cause);
}

/*
 * A poll is over (`ok`: every block read; its values are in d->pts.vals):
 * communication state, the schedule, and the detectors. Only good readings
 * reach the detectors: a failed read is never a value.
 */
void
poll_done(struct link *l, struct dev_state *d, int ok, int64_t now)
{
	const struct conf_device *cf = d->pts.cf;
	/* one reading of each clock a poll (this runs a thousand times a second) */
	int64_t wall = time_now_ms(), mono = time_mono_ms(), took = mono - now;
	enum det_result r;
	char cause[160];

	atomic_fetch_add(&l->polls, 1);
	if (!ok)
		atomic_fetch_add(&l->failures, 1);
	/* what kept the link busy, for the "falls behind" warning */
	if (l->slow == NULL || took > l->slow_ms) {
		l->slow = d;
		l->slow_ms = took;
	}
	r = comm_feed(&d->comm, ok, cf->offline_polls);
	if (r == DET_OPEN) {
		/* why, once per transition: a wrong register address (an
		 * exception) must not look like a dead device */
		poll_cause(d, cause, sizeof(cause));
		log_notice("device %s: offline after %d failed polls; last: %s", cf->id,
		    cf->offline_polls, cause);
		points_comm(&d->pts, EV_OPEN, wall, poll_event, l);
	} else if (r == DET_CLEAR) {
		log_notice("device %s: answering again", cf->id);
		points_comm(&d->pts, EV_CLEAR, wall, poll_event, l);
	}
	atomic_store(&d->offline, d->comm.offline);
	/* after its state: the first STATUS= counts it as it is */
	atomic_store(&d->polled, 1);

	/* Schedule: a fixed grid (next += interval); a device that does not answer
	 * is retried less and less often so it cannot eat its link's time. */
	if (!ok && d->comm.offline) {
		d->backoff_ms = d->backoff_ms ? d->backoff_ms * 2 : cf->interval_ms * 2;
		if (d->backoff_ms > LINK_BACKOFF_MAX_MS)
			d->backoff_ms = LINK_BACKOFF_MAX_MS;
		if (d->backoff_ms < cf->interval_ms)
			d->backoff_ms = cf->interval_ms;
		d->next_due = now + link_jitter(&l->rng, d->backoff_ms);
	} else {
		d->backoff_ms = 0;
		d->next_due += cf->interval_ms;
		if (d->next_due <= mono) {
			if (ratelimit_pass(&l->behind_rl, now) > 0)
				poll_behind(l, d);
			l->slow = NULL;
			d->next_due = mono + cf->interval_ms;
		}
	}
	if (ok)
		points_feed(&d->pts, now, wall, poll_event, l);
}
