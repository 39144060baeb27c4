/*
 * link.c - one thread per Modbus link: the polling schedule, connecting
 * with backoff, the reads (function codes 1-4 only), and handing good
 * readings to the detectors. After a timeout or a broken frame the
 * connection is closed, so a late reply dies with its socket and can never
 * be taken as the answer to the next request.
 */
#include "link.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "tbmtime.h"

static void
link_close(struct link *l)
{
	if (l->ctx == NULL)
		return;
	modbus_close(l->ctx);
	modbus_free(l->ctx);
	l->ctx = NULL;
}

static int64_t
link_timeout_ms(const struct link *l)
{
	int64_t t = 0;

	for (size_t i = 0; i < l->ndevs; i++)
		if (l->devs[i].cf->timeout_ms > t)
			t = l->devs[i].cf->timeout_ms;
	return t;
}

static void
set_timeout(modbus_t *ctx, int64_t ms)
{
	modbus_set_response_timeout(ctx, (uint32_t)(ms / 1000), (uint32_t)(ms % 1000) * 1000);
}

/* Opens the link's connection; on failure schedules the next attempt with a
 * doubling backoff so an unplugged gateway costs almost nothing. */
static int
link_connect(struct link *l, int64_t now)
{
	const struct conf_device *p = l->params;
	char port[16];

	if (now < l->retry_at)
		return -1;
	if (p->protocol == PROTO_MODBUS_TCP) {
		snprintf(port, sizeof(port), "%d", p->port);
		l->ctx = modbus_new_tcp_pi(p->host, port);
	} else
		l->ctx = modbus_new_rtu(p->serial, p->baud, p->parity, p->data_bits, p->stop_bits);
	if (l->ctx == NULL) {
		log_warn("link %s: cannot create a Modbus context", l->name);
		goto fail;
	}
	/* Never MODBUS_ERROR_RECOVERY_LINK: it sleeps and reconnects inside a read. */
	modbus_set_error_recovery(l->ctx, MODBUS_ERROR_RECOVERY_NONE);
	set_timeout(l->ctx, link_timeout_ms(l));
	if (modbus_connect(l->ctx) == -1) {
		if (l->conn_backoff_ms == 0)
			log_warnx("link %s: cannot connect: %s", l->name, modbus_strerror(errno));
		else
			log_debug("link %s: cannot connect: %s", l->name, modbus_strerror(errno));
		modbus_free(l->ctx);
		l->ctx = NULL;
		goto fail;
	}
	/* libmodbus waits with select(). main() keeps every descriptor below
	 * FD_SETSIZE (RLIMIT_NOFILE); this is the last line of defence, for RTU
	 * (opening a tty does not select()). */
	if (modbus_get_socket(l->ctx) >= FD_SETSIZE) {
		log_errx("link %s: descriptor %d is beyond select()'s limit of %d; too many links",
		    l->name, modbus_get_socket(l->ctx), FD_SETSIZE);
		link_close(l);
		goto fail;
	}
	if (p->protocol == PROTO_MODBUS_RTU)
		modbus_flush(l->ctx);
	if (l->conn_backoff_ms > 0)
		log_notice("link %s: connected", l->name);
	l->conn_backoff_ms = 0;
	return 0;
fail:
	l->conn_backoff_ms = l->conn_backoff_ms ? l->conn_backoff_ms * 2 : 1000;
	if (l->conn_backoff_ms > LINK_BACKOFF_MAX_MS)
		l->conn_backoff_ms = LINK_BACKOFF_MAX_MS;
	l->retry_at = now + l->conn_backoff_ms;
	return -1;
}

static int
is_exception(int e)
{
	return e >= EMBXILFUN && e <= EMBXGTAR;
}

/*
 * One reply over TCP: poll() with what is left of the timeout, then recv()
 * all that is there; nearly always one of each per reply (libmodbus's
 * receive costs a select() and a recv() for the header and again for the
 * rest, which was most of tbmond's CPU per poll). Bytes beyond the reply's
 * MBAP length are a protocol error: the connection is closed anyway.
 * Returns the reply's length, or -1 with errno (ETIMEDOUT, ECONNRESET, ...).
 */
static int
tcp_receive(struct link *l, uint8_t *buf, size_t cap, int64_t timeout_ms)
{
	int fd = modbus_get_socket(l->ctx);
	int64_t deadline = time_mono_ms() + timeout_ms;
	size_t have = 0, want = 7;   /* the MBAP header first */

	while (have < want) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		int64_t left = deadline - time_mono_ms();
		ssize_t r;
		int pr;

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if ((pr = poll(&pfd, 1, (int)left)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pr == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		r = recv(fd, buf + have, cap - have, MSG_DONTWAIT);
		if (r == 0) {
			errno = ECONNRESET;
			return -1;
		}
		if (r == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		have += (size_t)r;
		if (have >= 7) {
			size_t len = ((size_t)buf[4] << 8) | buf[5];
			if (len < 2 || 6 + len > cap) {
				errno = EMBBADDATA;
				return -1;
			}
			want = 6 + len;
		}
	}
	if (have > want) {
		errno = EMBBADDATA;
		return -1;
	}
	return (int)have;
}

/*
 * A read over TCP. libmodbus 3.1 checks a TCP reply's transaction id but not
 * its unit id (a gateway may answer for the wrong device), so tbmond frames
 * the request itself and checks everything in the reply: transaction id,
 * protocol, unit, function and byte count. libmodbus keeps the connection
 * (connect, close, RTU). Returns the count read, or
 * -1 with errno: an exception code (EMBXILFUN..EMBXGTAR), EMBBADSLAVE for
 * another unit's reply, EMBBADDATA for anything else that does not match.
 */
static int
tcp_read(struct link *l, int unit, int fc, int addr, int count, int64_t timeout_ms)
{
	uint8_t req[12], rsp[MODBUS_TCP_MAX_ADU_LENGTH];
	int n, bytes, tid;
	ssize_t w;

	tid = l->tid = (uint16_t)(l->tid + 1);
	req[0] = (uint8_t)(tid >> 8);
	req[1] = (uint8_t)tid;
	req[2] = req[3] = 0;       /* protocol: Modbus */
	req[4] = 0;
	req[5] = 6;                /* unit, function, address, count */
	req[6] = (uint8_t)unit;
	req[7] = (uint8_t)fc;
	req[8] = (uint8_t)(addr >> 8);
	req[9] = (uint8_t)addr;
	req[10] = (uint8_t)(count >> 8);
	req[11] = (uint8_t)count;
	do
		w = send(modbus_get_socket(l->ctx), req, sizeof(req), MSG_NOSIGNAL);
	while (w == -1 && errno == EINTR);
	if (w != (ssize_t)sizeof(req)) {
		if (w >= 0)
			errno = EMBBADDATA;
		return -1;
	}
	if ((n = tcp_receive(l, rsp, sizeof(rsp), timeout_ms)) == -1)
		return -1;
	if (n < 9 || ((rsp[0] << 8) | rsp[1]) != tid || rsp[2] != 0 || rsp[3] != 0) {
		errno = EMBBADDATA;
		return -1;
	}
	if (rsp[6] != unit) {
		errno = EMBBADSLAVE;
		return -1;
	}
	if (rsp[7] == (fc | 0x80)) {
		errno = rsp[8] >= 1 && rsp[8] <= 11 ? MODBUS_ENOBASE + rsp[8] : EMBBADEXC;
		return -1;
	}
	bytes = fc <= MODBUS_FC_READ_DISCRETE_INPUTS ? (count + 7) / 8 : count * 2;
	if (rsp[7] != fc || rsp[8] != bytes || n != 9 + bytes) {
		errno = EMBBADDATA;
		return -1;
	}
	if (fc <= MODBUS_FC_READ_DISCRETE_INPUTS)
		for (int i = 0; i < count; i++)
			l->bits[i] = (rsp[9 + i / 8] >> (i % 8)) & 1;
	else
		for (int i = 0; i < count; i++)
			l->regs[i] = (uint16_t)((rsp[9 + 2 * i] << 8) | rsp[10 + 2 * i]);
	return count;
}

static const int table_fc[] = {
	[TABLE_COIL] = MODBUS_FC_READ_COILS,
	[TABLE_DISCRETE] = MODBUS_FC_READ_DISCRETE_INPUTS,
	[TABLE_HOLDING] = MODBUS_FC_READ_HOLDING_REGISTERS,
	[TABLE_INPUT] = MODBUS_FC_READ_INPUT_REGISTERS,
};

/* Reads every block of a device. 0: all values in d->vals; -1: the poll failed
 * (nothing is taken from it). */
static int
read_device(struct link *l, struct dev_state *d, int64_t now)
{
	const struct read_plan *pl = &d->plan;

	if (l->ctx == NULL && link_connect(l, now) != 0)
		return -1;
	modbus_set_slave(l->ctx, d->cf->unit);
	set_timeout(l->ctx, d->cf->timeout_ms);
	for (size_t b = 0; b < pl->nblocks; b++) {
		const struct read_block *blk = &pl->blocks[b];
		int rc;

		atomic_fetch_add(&l->requests, 1);
		if (l->proto == PROTO_MODBUS_TCP && blk->table >= TABLE_COIL && blk->table <= TABLE_HOLDING)
			rc = tcp_read(l, d->cf->unit, table_fc[blk->table], blk->start, blk->count,
			    d->cf->timeout_ms);
		else switch (blk->table) {
		case TABLE_COIL:
			rc = modbus_read_bits(l->ctx, blk->start, blk->count, l->bits);
			break;
		case TABLE_DISCRETE:
			rc = modbus_read_input_bits(l->ctx, blk->start, blk->count, l->bits);
			break;
		case TABLE_INPUT:
			rc = modbus_read_input_registers(l->ctx, blk->start, blk->count, l->regs);
			break;
		case TABLE_HOLDING:
			rc = modbus_read_registers(l->ctx, blk->start, blk->count, l->regs);
			break;
		default:
			rc = -1;
			errno = EINVAL;
			break;
		}
		if (rc != blk->count) {
			int e = rc == -1 ? errno : EMBMDATA;
			log_debug("device %s: read %s %d+%d: %s", d->cf->id,
			    config_table_name(blk->table), blk->start, blk->count, modbus_strerror(e));
			/* An exception is a well-formed answer: the connection is fine. */
			if (!is_exception(e))
				link_close(l);
			return -1;
		}
		for (size_t i = blk->first; i < blk->first + blk->npoints; i++) {
			const struct conf_point *p = pl->order[i];
			int off = p->address - blk->start;
			if (blk->table == TABLE_COIL || blk->table == TABLE_DISCRETE)
				d->vals[i] = decode_bit(p, l->bits[off]);
			else
				d->vals[i] = decode_registers(p, &l->regs[off]);
		}
	}
	return 0;
}

static void
poll_device(struct link *l, struct dev_state *d, int64_t now)
{
	const struct conf_device *cf = d->cf;
	int ok = read_device(l, d, now) == 0;
	int64_t wall = time_now_ms();
	enum det_result r;

	d->polls++;
	atomic_fetch_add(&l->polls, 1);
	if (!ok) {
		d->failed++;
		atomic_fetch_add(&l->failures, 1);
	}
	r = comm_feed(&d->comm, ok, cf->offline_polls);
	if (r == DET_OPEN) {
		log_notice("device %s: offline after %d failed polls", cf->id, cf->offline_polls);
		queue_event(l->q, EV_OPEN, FK_COMM, cf->id, "comm", 0, wall);
	} else if (r == DET_CLEAR) {
		log_notice("device %s: answering again", cf->id);
		queue_event(l->q, EV_CLEAR, FK_COMM, cf->id, "comm", 0, wall);
	}
	atomic_store(&d->offline, d->comm.offline);

	/* Schedule: a fixed grid (next += interval); a device that does not answer
	 * is retried less and less often so it cannot eat its link's time. */
	if (!ok && d->comm.offline) {
		d->backoff_ms = d->backoff_ms ? d->backoff_ms * 2 : cf->interval_ms * 2;
		if (d->backoff_ms > LINK_BACKOFF_MAX_MS)
			d->backoff_ms = LINK_BACKOFF_MAX_MS;
		if (d->backoff_ms < cf->interval_ms)
			d->backoff_ms = cf->interval_ms;
		d->next_due = now + d->backoff_ms;
	} else {
		d->backoff_ms = 0;
		d->next_due += cf->interval_ms;
		if (d->next_due <= time_mono_ms()) {
			if (ratelimit_pass(&l->behind_rl, now) > 0)
				log_warnx("link %s: polling of device %s falls behind its %lld ms interval",
				    l->name, cf->id, (long long)cf->interval_ms);
			d->next_due = time_mono_ms() + cf->interval_ms;
		}
	}
	if (!ok)
		return;

	/* Only good readings reach the detectors: a failed read is never a value. */
	for (size_t i = 0; i < d->plan.npoints; i++) {
		const struct conf_point *p = d->plan.order[i];
		double code = 0;
		enum fault_kind k = p->kind == KIND_SAFETY ? FK_SAFETY : FK_FAULT;

		r = detect_feed(&d->det[i], p, d->vals[i], now, &code);
		if (r == DET_OPEN) {
			log_info("%s: %s opened (value %g)", p->id, p->label ? p->label : p->name, code);
			queue_event(l->q, EV_OPEN, k, cf->id, p->name, code, wall);
		} else if (r == DET_CLEAR) {
			log_info("%s: %s cleared", p->id, p->label ? p->label : p->name);
			queue_event(l->q, EV_CLEAR, k, cf->id, p->name, 0, wall);
		}
	}
}

/* A test of the watchdog needs a link that stops making progress without
 * being stopped: TBMOND_TEST_STALL_LINK=NAME makes that link's thread sit
 * still after its first round. Nothing else reads it. */
static void
test_stall(struct link *l)
{
	const char *v = getenv("TBMOND_TEST_STALL_LINK");

	if (v == NULL || strcmp(v, l->name) != 0)
		return;
	log_warnx("link %s: stalled on purpose (TBMOND_TEST_STALL_LINK)", l->name);
	while (!atomic_load(&l->stop)) {
		struct timespec ts = { 0, 100 * 1000000L };
		nanosleep(&ts, NULL);
	}
}

static void *
link_main(void *arg)
{
	struct link *l = arg;
	int rounds = 0;

	log_debug("link %s: %zu devices", l->name, l->ndevs);
	pthread_mutex_lock(&l->mu);
	while (!atomic_load(&l->stop)) {
		int64_t now = time_mono_ms(), due = INT64_MAX;
		struct dev_state *next = NULL;

		atomic_store(&l->alive_at, now);
		for (size_t i = 0; i < l->ndevs; i++)
			if (l->devs[i].next_due < due) {
				due = l->devs[i].next_due;
				next = &l->devs[i];
			}
		if (next == NULL)
			break;
		if (due > now) {
			int64_t until = due - now > LINK_WAKE_MS ? now + LINK_WAKE_MS : due;
			struct timespec ts = { until / 1000, (until % 1000) * 1000000L };
			pthread_cond_timedwait(&l->cv, &l->mu, &ts);
			continue;
		}
		pthread_mutex_unlock(&l->mu);
		poll_device(l, next, now);
		if (++rounds == (int)l->ndevs)
			test_stall(l);
		pthread_mutex_lock(&l->mu);
	}
	pthread_mutex_unlock(&l->mu);
	link_close(l);
	return NULL;
}

static void
endpoint_name(const struct conf_device *d, char *buf, size_t len)
{
	if (d->protocol == PROTO_MODBUS_TCP)
		snprintf(buf, len, "%s:%d", d->host, d->port);
	else
		snprintf(buf, len, "%s", d->serial);
}

/* Everything about a device and its points that polling depends on. */
static int
append_sig(char **sig, const struct conf_device *d)
{
	char *dev = NULL, *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&dev, &len);

	if (f == NULL)
		return -1;
	fprintf(f, "[%s|%d|%s|%d|%d|%lld|%lld|%d|%s|%d|%c%d%d|%d|%d|%s|%s|%d]", d->id,
	    d->protocol, d->host ? d->host : "", d->port, d->unit, (long long)d->interval_ms,
	    (long long)d->timeout_ms, d->offline_polls, d->serial ? d->serial : "", d->baud,
	    d->parity ? d->parity : '-', d->data_bits, d->stop_bits, d->max_registers, d->max_bits,
	    d->name ? d->name : "", d->lab ? d->lab : "", d->assessment);
	for (size_t i = 0; i < d->npoints; i++) {
		const struct conf_point *p = d->points[i];
		fprintf(f, "(%s|%d|%d|%d|%d|%d|%.17g|%.17g|%d|%d|%.17g|%d|%.17g|%lld|%lld|%s)",
		    p->name, p->table, p->address, p->type, p->order, p->bit, p->scale, p->offset,
		    p->kind, p->when.op, p->when.value, p->clear.op, p->clear.value,
		    (long long)p->delay_ms, (long long)p->clear_delay_ms, p->label ? p->label : "");
	}
	if (fclose(f) != 0) {
		free(dev);
		return -1;
	}
	if (asprintf(&out, "%s%s", *sig ? *sig : "", dev) < 0) {
		free(dev);
		return -1;
	}
	free(dev);
	free(*sig);
	*sig = out;
	return 0;
}

static struct link *
link_for(struct links *ls, const struct conf_device *d, struct cfref *ref, struct queue *q)
{
	char name[sizeof(((struct link *)0)->name)];
	struct link **nv, *l;

	endpoint_name(d, name, sizeof(name));
	for (size_t i = 0; i < ls->n; i++)
		if (ls->v[i]->proto == d->protocol && strcmp(ls->v[i]->name, name) == 0)
			return ls->v[i];
	if ((nv = realloc(ls->v, (ls->n + 1) * sizeof(*nv))) == NULL)
		return NULL;
	ls->v = nv;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	ls->v[ls->n++] = l;
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->proto = d->protocol;
	l->params = d;
	l->behind_rl.interval_ms = 60000;
	l->ref = cfref_get(ref);
	l->q = q;
	return l;
}

static int
dev_init(struct dev_state *s, const struct conf_device *d, int64_t now)
{
	memset(s, 0, sizeof(*s));
	s->cf = d;
	if (decode_plan(d, &s->plan) != 0)
		return -1;
	s->det = calloc(s->plan.npoints ? s->plan.npoints : 1, sizeof(*s->det));
	s->vals = calloc(s->plan.npoints ? s->plan.npoints : 1, sizeof(*s->vals));
	if (s->det == NULL || s->vals == NULL)
		return -1;
	for (size_t i = 0; i < s->plan.npoints; i++)
		detect_init(&s->det[i], 0);
	atomic_init(&s->offline, 0);
	s->next_due = now;
	return 0;
}

static void
link_free(struct link *l)
{
	if (l == NULL)
		return;
	for (size_t j = 0; j < l->ndevs; j++) {
		decode_plan_free(&l->devs[j].plan);
		free(l->devs[j].det);
		free(l->devs[j].vals);
	}
	free(l->devs);
	free(l->sig);
	link_close(l);
	cfref_put(l->ref);
	free(l);
}

int
links_build(struct cfref *ref, struct queue *q, struct links *out)
{
	const struct config *cf = ref->cf;
	int64_t now = time_mono_ms();

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < cf->ndevices; i++) {
		const struct conf_device *d = cf->devices[i];
		struct dev_state *nv;
		struct link *l;

		if (d->protocol != PROTO_MODBUS_TCP && d->protocol != PROTO_MODBUS_RTU)
			continue;
		if ((l = link_for(out, d, ref, q)) == NULL)
			goto fail;
		if ((nv = realloc(l->devs, (l->ndevs + 1) * sizeof(*nv))) == NULL)
			goto fail;
		l->devs = nv;
		if (dev_init(&l->devs[l->ndevs++], d, now) != 0 || append_sig(&l->sig, d) != 0)
			goto fail;
		/* one round may block for each device's timeout on each of its requests */
		l->stall_allowed_ms += d->timeout_ms * (int64_t)(l->devs[l->ndevs - 1].plan.nblocks + 1);
	}
	return 0;
fail:
	log_errx("out of memory building the Modbus links");
	links_free(out);
	return -1;
}

int
links_adopt(struct links *ls, const char *device, const char *point, enum fault_kind kind)
{
	for (size_t i = 0; i < ls->n; i++) {
		struct link *l = ls->v[i];
		if (l->started)
			continue;   /* running: its detectors are its own */
		for (size_t j = 0; j < l->ndevs; j++) {
			struct dev_state *d = &l->devs[j];
			if (strcmp(d->cf->id, device) != 0)
				continue;
			if (kind == FK_COMM) {
				d->comm.offline = 1;
				atomic_store(&d->offline, 1);
				return 1;
			}
			for (size_t k = 0; k < d->plan.npoints; k++)
				if (strcmp(d->plan.order[k]->name, point) == 0) {
					detect_init(&d->det[k], 1);
					return 1;
				}
			return 0;
		}
	}
	return 0;
}

int
links_start(struct links *ls)
{
	pthread_condattr_t ca;
	int rc;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	for (size_t i = 0; i < ls->n; i++) {
		struct link *l = ls->v[i];
		if (l->started)
			continue;
		pthread_mutex_init(&l->mu, NULL);
		pthread_cond_init(&l->cv, &ca);
		atomic_init(&l->stop, 0);
		atomic_init(&l->alive_at, time_mono_ms());
		if ((rc = pthread_create(&l->thread, NULL, link_main, l)) != 0) {
			errno = rc;
			log_warn("link %s: cannot start its thread", l->name);
			pthread_cond_destroy(&l->cv);
			pthread_mutex_destroy(&l->mu);
			pthread_condattr_destroy(&ca);
			return -1;
		}
		l->started = 1;
	}
	pthread_condattr_destroy(&ca);
	return 0;
}

static void
link_signal_stop(struct link *l)
{
	if (!l->started)
		return;
	pthread_mutex_lock(&l->mu);
	atomic_store(&l->stop, 1);
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

static void
link_join(struct link *l)
{
	if (!l->started)
		return;
	pthread_join(l->thread, NULL);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	l->started = 0;
}

void
links_stop(struct links *ls)
{
	/* all at once: each may be in the middle of a read */
	for (size_t i = 0; i < ls->n; i++)
		link_signal_stop(ls->v[i]);
	for (size_t i = 0; i < ls->n; i++)
		link_join(ls->v[i]);
}

void
links_free(struct links *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		link_free(ls->v[i]);
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}

int
links_reload(struct links *cur, struct cfref *ref, struct queue *q, struct links *out,
    int *kept, int *fresh, int *stopped)
{
	struct links cand;
	char *keep;

	*kept = *fresh = *stopped = 0;
	if (links_build(ref, q, &cand) != 0)
		return -1;
	if ((keep = calloc(cur->n ? cur->n : 1, 1)) == NULL) {
		links_free(&cand);
		return -1;
	}
	/* an unchanged link carries on: swap it in for its candidate */
	for (size_t i = 0; i < cand.n; i++) {
		for (size_t j = 0; j < cur->n; j++) {
			struct link *o = cur->v[j];
			if (keep[j] || o->proto != cand.v[i]->proto || strcmp(o->name, cand.v[i]->name) ||
			    strcmp(o->sig, cand.v[i]->sig))
				continue;
			link_free(cand.v[i]);
			cand.v[i] = o;
			keep[j] = 1;
			(*kept)++;
			break;
		}
		if (!cand.v[i]->started)
			(*fresh)++;
	}
	for (size_t j = 0; j < cur->n; j++)
		if (!keep[j]) {
			link_signal_stop(cur->v[j]);
			(*stopped)++;
		}
	for (size_t j = 0; j < cur->n; j++)
		if (!keep[j]) {
			log_info("link %s: stopped (changed or removed)", cur->v[j]->name);
			link_join(cur->v[j]);
			link_free(cur->v[j]);
		}
	free(keep);
	free(cur->v);
	memset(cur, 0, sizeof(*cur));
	*out = cand;
	return 0;
}

struct link *
links_stalled(struct links *ls, int64_t now)
{
	for (size_t i = 0; i < ls->n; i++) {
		struct link *l = ls->v[i];
		int64_t allowed = l->stall_allowed_ms + 2 * LINK_WAKE_MS;
		if (l->started && now - atomic_load(&l->alive_at) > allowed)
			return l;
	}
	return NULL;
}

void
links_count(struct links *ls, int *online, int *offline)
{
	*online = *offline = 0;
	for (size_t i = 0; i < ls->n; i++)
		for (size_t j = 0; j < ls->v[i]->ndevs; j++) {
			if (atomic_load(&ls->v[i]->devs[j].offline))
				(*offline)++;
			else
				(*online)++;
		}
}
