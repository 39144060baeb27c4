/*
 * link.c - Modbus links: the polling schedule, connecting with backoff, the
 * reads (function codes 1-4 only), and handing good readings to the
 * detectors.
 *
 * A serial (RTU) link has a thread of its own, which waits in libmodbus for
 * each reply. The TCP links share one thread, an event loop (epoll): each
 * link is a small state machine (idle, connecting, waiting for a reply) with
 * one request in flight, so a link that waits never holds up another, and a
 * reply costs a wake-up of one thread however many links there are (200
 * threads each woken for every reply cost about half as much again). The
 * replies are framed and checked here, not by libmodbus, which has no
 * non-blocking reads. After a timeout or a broken frame the connection is
 * closed, so a late reply dies with its socket and can never be taken as
 * the answer to the next request.
 */
#include "link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "tbmtime.h"

enum { TS_IDLE, TS_RESOLVING, TS_CONNECTING, TS_WAIT };

/* While a host name is being looked up, the loop looks this often. */
#define RESOLVE_POLL_MS 20

static int64_t
link_timeout_ms(const struct link *l)
{
	int64_t t = 0;

	for (size_t i = 0; i < l->ndevs; i++)
		if (l->devs[i].cf->timeout_ms > t)
			t = l->devs[i].cf->timeout_ms;
	return t;
}

static int
is_exception(int e)
{
	return e >= EMBXILFUN && e <= EMBXGTAR;
}

/* Queues the events a TCP link holds, in order; `wait`: even if it has to
 * wait for room. 0 when none is left. */
static int
link_flush(struct link *l, int wait)
{
	size_t i;

	if (l->nheld == 0)
		return 0;
	for (i = 0; i < l->nheld; i++) {
		int rc = wait ? queue_push(l->q, &l->held[i]) : queue_try_push(l->q, &l->held[i]);
		if (rc == 1)
			break;
		if (rc == -1)
			log_errx("device %s: event for %s lost: the queue is closed", l->held[i].device,
			    l->held[i].point);
	}
	memmove(l->held, l->held + i, (l->nheld - i) * sizeof(*l->held));
	l->nheld -= i;
	return l->nheld > 0 ? -1 : 0;
}

/* A connection could not be made: the next attempt waits, doubling from 1 s,
 * so an unplugged gateway costs almost nothing. Logged once, then quietly. */
static void
connect_failed(struct link *l, int64_t now, int e)
{
	if (l->conn_backoff_ms == 0)
		log_warnx("link %s: cannot connect: %s", l->name, modbus_strerror(e));
	else
		log_debug("link %s: cannot connect: %s", l->name, modbus_strerror(e));
	l->conn_backoff_ms = l->conn_backoff_ms ? l->conn_backoff_ms * 2 : 1000;
	if (l->conn_backoff_ms > LINK_BACKOFF_MAX_MS)
		l->conn_backoff_ms = LINK_BACKOFF_MAX_MS;
	l->retry_at = now + l->conn_backoff_ms;
}

static void
connect_done(struct link *l)
{
	if (l->conn_backoff_ms > 0)
		log_notice("link %s: connected", l->name);
	l->conn_backoff_ms = 0;
}

static const int table_fc[] = {
	[TABLE_COIL] = MODBUS_FC_READ_COILS,
	[TABLE_DISCRETE] = MODBUS_FC_READ_DISCRETE_INPUTS,
	[TABLE_HOLDING] = MODBUS_FC_READ_HOLDING_REGISTERS,
	[TABLE_INPUT] = MODBUS_FC_READ_INPUT_REGISTERS,
};

/* The values of one block, from l->bits or l->regs into d->vals. */
static void
take_block(const struct link *l, struct dev_state *d, const struct read_block *blk)
{
	for (size_t i = blk->first; i < blk->first + blk->npoints; i++) {
		const struct conf_point *p = d->plan.order[i];
		int off = p->address - blk->start;
		if (blk->table == TABLE_COIL || blk->table == TABLE_DISCRETE)
			d->vals[i] = decode_bit(p, l->bits[off]);
		else
			d->vals[i] = decode_registers(p, &l->regs[off]);
	}
}

static void
log_read_failed(const struct dev_state *d, const struct read_block *blk, int e)
{
	log_debug("device %s: read %s %d+%d: %s", d->cf->id, config_table_name(blk->table),
	    blk->start, blk->count, modbus_strerror(e));
}

/*
 * An event of the link's detectors. A serial link's thread waits while the
 * queue is full. The loop thread never waits: a TCP link whose event does not
 * fit holds it (and those after it) and polls no more until they are queued,
 * so the other links go on polling while the database is busy.
 */
static void
link_event(struct link *l, enum event_type type, enum fault_kind kind, const char *device,
    const char *point, double code, int64_t at_ms)
{
	struct tbm_event ev, *nv;

	if (l->proto != PROTO_MODBUS_TCP) {
		queue_event(l->q, type, kind, device, point, code, at_ms);
		return;
	}
	queue_fill(&ev, type, kind, device, point, code, at_ms);
	if (l->nheld == 0) {
		int rc = queue_try_push(l->q, &ev);
		if (rc == 0)
			return;
		if (rc == -1) {
			log_errx("device %s: event for %s lost: the queue is closed", device, point);
			return;
		}
	}
	if (l->nheld == l->capheld) {
		size_t nc = l->capheld ? 2 * l->capheld : 16;
		if ((nv = realloc(l->held, nc * sizeof(*nv))) == NULL) {
			/* no room to hold it: wait like a thread of its own would */
			log_warnx("link %s: out of memory holding events; waiting for the queue", l->name);
			link_flush(l, 1);
			queue_push(l->q, &ev);
			return;
		}
		l->held = nv;
		l->capheld = nc;
	}
	l->held[l->nheld++] = ev;
}

/*
 * A poll is over (`ok`: every block read; its values are in d->vals):
 * communication state, the schedule, and the detectors. Only good readings
 * reach the detectors: a failed read is never a value.
 */
static void
poll_done(struct link *l, struct dev_state *d, int ok, int64_t now)
{
	const struct conf_device *cf = d->cf;
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
		link_event(l, EV_OPEN, FK_COMM, cf->id, "comm", 0, wall);
	} else if (r == DET_CLEAR) {
		log_notice("device %s: answering again", cf->id);
		link_event(l, EV_CLEAR, FK_COMM, cf->id, "comm", 0, wall);
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
	for (size_t i = 0; i < d->plan.npoints; i++) {
		const struct conf_point *p = d->plan.order[i];
		double code = 0;
		enum fault_kind k = p->kind == KIND_SAFETY ? FK_SAFETY : FK_FAULT;

		r = detect_feed(&d->det[i], p, d->vals[i], now, &code);
		if (r == DET_OPEN) {
			log_info("%s: %s opened (value %g)", p->id, p->label ? p->label : p->name, code);
			link_event(l, EV_OPEN, k, cf->id, p->name, code, wall);
		} else if (r == DET_CLEAR) {
			log_info("%s: %s cleared", p->id, p->label ? p->label : p->name);
			link_event(l, EV_CLEAR, k, cf->id, p->name, 0, wall);
		}
	}
}

/* The device due first, or NULL for a link without devices. */
static struct dev_state *
next_device(struct link *l)
{
	struct dev_state *next = NULL;

	for (size_t i = 0; i < l->ndevs; i++)
		if (next == NULL || l->devs[i].next_due < next->next_due)
			next = &l->devs[i];
	return next;
}

/* A test of the watchdog needs a link that stops making progress without
 * being stopped: TBMOND_TEST_STALL_LINK=NAME makes that link sit still after
 * its first round. Nothing else reads it. */
static int
test_stall_wanted(struct link *l)
{
	const char *v;

	if (++l->rounds != l->ndevs)
		return 0;
	if ((v = getenv("TBMOND_TEST_STALL_LINK")) == NULL || strcmp(v, l->name) != 0)
		return 0;
	log_warnx("link %s: stalled on purpose (TBMOND_TEST_STALL_LINK)", l->name);
	return 1;
}

/* ------------------------------------------------------------------ */
/* Serial links: a thread each, blocking reads through libmodbus.      */

static void
rtu_close(struct link *l)
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

static int
rtu_connect(struct link *l, int64_t now)
{
	const struct conf_device *p = l->params;

	if (now < l->retry_at)
		return -1;
	l->ctx = modbus_new_rtu(p->serial, p->baud, p->parity, p->data_bits, p->stop_bits);
	if (l->ctx == NULL) {
		log_warn("link %s: cannot create a Modbus context", l->name);
		connect_failed(l, now, errno);
		return -1;
	}
	/* Never MODBUS_ERROR_RECOVERY_LINK: it sleeps and reconnects inside a read. */
	modbus_set_error_recovery(l->ctx, MODBUS_ERROR_RECOVERY_NONE);
	set_timeout(l->ctx, link_timeout_ms(l));
	if (modbus_connect(l->ctx) == -1) {
		int e = errno;
		modbus_free(l->ctx);
		l->ctx = NULL;
		connect_failed(l, now, e);
		return -1;
	}
	/* libmodbus waits with select(). main() keeps every descriptor below
	 * FD_SETSIZE (RLIMIT_NOFILE); this is the last line of defence. */
	if (modbus_get_socket(l->ctx) >= FD_SETSIZE) {
		log_errx("link %s: descriptor %d is beyond select()'s limit of %d; too many links",
		    l->name, modbus_get_socket(l->ctx), FD_SETSIZE);
		rtu_close(l);
		connect_failed(l, now, EMFILE);
		return -1;
	}
	modbus_flush(l->ctx);
	connect_done(l);
	return 0;
}

/* Reads every block of a device. 0: all values in d->vals; -1: the poll failed
 * (nothing is taken from it). */
static int
rtu_read_device(struct link *l, struct dev_state *d, int64_t now)
{
	const struct read_plan *pl = &d->plan;

	if (l->ctx == NULL && rtu_connect(l, now) != 0)
		return -1;
	modbus_set_slave(l->ctx, d->cf->unit);
	set_timeout(l->ctx, d->cf->timeout_ms);
	for (size_t b = 0; b < pl->nblocks; b++) {
		const struct read_block *blk = &pl->blocks[b];
		int rc;

		atomic_fetch_add(&l->requests, 1);
		switch (blk->table) {
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
			log_read_failed(d, blk, e);
			/* An exception is a well-formed answer: the connection is fine. */
			if (!is_exception(e))
				rtu_close(l);
			return -1;
		}
		take_block(l, d, blk);
	}
	return 0;
}

static void *
rtu_main(void *arg)
{
	struct link *l = arg;
	int stalled = 0;

	log_debug("link %s: %zu devices", l->name, l->ndevs);
	pthread_mutex_lock(&l->mu);
	while (!atomic_load(&l->stop)) {
		int64_t now = time_mono_ms();
		struct dev_state *d = next_device(l);

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
		stalled = test_stall_wanted(l);
		pthread_mutex_lock(&l->mu);
	}
	pthread_mutex_unlock(&l->mu);
	rtu_close(l);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* TCP links: state machines driven by one event-loop thread.          */

static struct tcploop {
	pthread_mutex_t mu;          /* the fields below up to `v` */
	pthread_cond_t cv;           /* a link detached */
	struct link **pending;       /* attached, not yet taken in by the loop */
	size_t npending, cap_pending;
	size_t count;                /* links attached or pending */
	int quit;
	atomic_int dirty;            /* pending links or stop requests to look at */
	int running;
	pthread_t thread;
	int epfd, evfd;
	/* the loop thread's own */
	struct link **v;
	size_t n, cap;
	int64_t swept_at;            /* links' alive_at last set */
} loop = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .epfd = -1, .evfd = -1 };

static void
loop_wake(void)
{
	uint64_t one = 1;

	atomic_store(&loop.dirty, 1);
	if (loop.evfd >= 0 && write(loop.evfd, &one, sizeof(one)) == -1 && errno != EAGAIN)
		log_warn("link loop: cannot wake it");
}

static void
tcp_close(struct link *l)
{
	if (l->fd >= 0)
		close(l->fd);   /* also takes it out of the epoll set */
	l->fd = -1;
	l->rlen = 0;
	l->st = TS_IDLE;
}

static void
link_close(struct link *l)
{
	if (l->proto == PROTO_MODBUS_TCP)
		tcp_close(l);
	else
		rtu_close(l);
}

/* The poll of l->cur is over. */
static void
tcp_finish(struct link *l, int ok)
{
	struct dev_state *d = l->cur;

	l->cur = NULL;
	l->st = TS_IDLE;
	l->wake_at = 0;
	poll_done(l, d, ok, l->poll_at);
	if (test_stall_wanted(l)) {
		l->stalled = 1;
		tcp_close(l);
	}
}

/* The read of the current block failed with e. */
static void
tcp_fail(struct link *l, int e)
{
	log_read_failed(l->cur, &l->cur->plan.blocks[l->blk], e);
	/* An exception is a well-formed answer: the connection is fine. */
	if (!is_exception(e))
		tcp_close(l);
	tcp_finish(l, 0);
}

/* Sends the request for block l->blk of l->cur. */
static void
tcp_send(struct link *l, int64_t now)
{
	const struct dev_state *d = l->cur;
	const struct read_block *blk = &d->plan.blocks[l->blk];
	int fc = table_fc[blk->table];
	uint8_t req[12];
	ssize_t w;

	l->tid = (uint16_t)(l->tid + 1);
	req[0] = (uint8_t)(l->tid >> 8);
	req[1] = (uint8_t)l->tid;
	req[2] = req[3] = 0;       /* protocol: Modbus */
	req[4] = 0;
	req[5] = 6;                /* unit, function, address, count */
	req[6] = (uint8_t)d->cf->unit;
	req[7] = (uint8_t)fc;
	req[8] = (uint8_t)(blk->start >> 8);
	req[9] = (uint8_t)blk->start;
	req[10] = (uint8_t)(blk->count >> 8);
	req[11] = (uint8_t)blk->count;
	atomic_fetch_add(&l->requests, 1);
	do
		w = send(l->fd, req, sizeof(req), MSG_NOSIGNAL);
	while (w == -1 && errno == EINTR);
	if (w != (ssize_t)sizeof(req)) {
		tcp_fail(l, w >= 0 ? EMBBADDATA : errno);
		return;
	}
	l->st = TS_WAIT;
	l->deadline = now + d->cf->timeout_ms;
	l->wake_at = l->deadline;
}

/* A numeric address into ss; -1 for a host name. */
static int
tcp_numeric(const struct link *l, struct sockaddr_storage *ss, socklen_t *len)
{
	const struct conf_device *p = l->params;
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, p->host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)p->port);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, p->host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p->port);
		*len = sizeof(*in6);
		return 0;
	}
	return -1;
}

/* Opens a non-blocking connection: TS_CONNECTING, or -1 with errno. */
static int
tcp_open(struct link *l, const struct sockaddr *sa, socklen_t len, int64_t now)
{
	struct epoll_event ev;
	int one = 1;

	if ((l->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	setsockopt(l->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.ptr = l;
	if (epoll_ctl(loop.epfd, EPOLL_CTL_ADD, l->fd, &ev) == -1)
		goto fail;
	if (connect(l->fd, sa, len) == -1 && errno != EINPROGRESS)
		goto fail;
	l->st = TS_CONNECTING;
	l->deadline = now + link_timeout_ms(l);
	l->wake_at = l->deadline;
	return 0;
fail:
	{
		int e = errno;
		tcp_close(l);
		errno = e;
	}
	return -1;
}

static void
tcp_addrs_free(struct link *l)
{
	if (l->ai != NULL)
		freeaddrinfo(l->ai);
	l->ai = l->ai_cur = NULL;
}

/* The connection attempt for the poll of l->cur failed with e: the link
 * backs off and the poll fails. */
static void
tcp_attempt_failed(struct link *l, int64_t now, int e)
{
	tcp_close(l);
	tcp_addrs_free(l);
	connect_failed(l, now, e);
	tcp_finish(l, 0);
}

/* A host name's addresses from l->ai_cur on, in turn: TS_CONNECTING, or -1
 * with errno when none is left (e when there were none). */
static int
tcp_try(struct link *l, int64_t now, int e)
{
	for (; l->ai_cur != NULL; l->ai_cur = l->ai_cur->ai_next) {
		if (tcp_open(l, l->ai_cur->ai_addr, l->ai_cur->ai_addrlen, now) == 0)
			return 0;
		e = errno;
	}
	errno = e;
	return -1;
}

/*
 * Starts a connection: 0 on its way (TS_RESOLVING or TS_CONNECTING), -1 not
 * now (backoff) or failed. A host name is looked up without waiting
 * (getaddrinfo_a), at every connection attempt, so a slow or dead name
 * server holds up only its own link; a lookup that outlasts the attempt
 * goes on and is used by the next one.
 */
static int
tcp_connect(struct link *l, int64_t now)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (now < l->retry_at)
		return -1;
	if (tcp_numeric(l, &ss, &len) == 0) {
		if (tcp_open(l, (struct sockaddr *)&ss, len, now) == 0)
			return 0;
		connect_failed(l, now, errno);
		return -1;
	}
	if (!l->gai_busy) {
		struct gaicb *list[1] = { &l->gai };
		int rc;

		memset(&l->gai, 0, sizeof(l->gai));
		memset(&l->gai_hints, 0, sizeof(l->gai_hints));
		l->gai_hints.ai_socktype = SOCK_STREAM;
		l->gai_hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
		snprintf(l->gai_port, sizeof(l->gai_port), "%d", l->params->port);
		l->gai.ar_name = l->params->host;
		l->gai.ar_service = l->gai_port;
		l->gai.ar_request = &l->gai_hints;
		if ((rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL)) != 0) {
			log_warnx("link %s: cannot look up %s: %s", l->name, l->params->host, gai_strerror(rc));
			connect_failed(l, now, EHOSTUNREACH);
			return -1;
		}
		l->gai_busy = 1;
	}
	l->st = TS_RESOLVING;
	l->deadline = now + link_timeout_ms(l);
	l->wake_at = now;
	return 0;
}

/* A link in TS_RESOLVING: 1 while the lookup goes on, 0 when it is over
 * (connecting, or the poll failed). */
static int
tcp_resolving(struct link *l, int64_t now)
{
	int rc = gai_error(&l->gai);

	if (rc == EAI_INPROGRESS) {
		if (now < l->deadline)
			return 1;
		tcp_attempt_failed(l, now, ETIMEDOUT);
		return 0;
	}
	l->gai_busy = 0;
	l->st = TS_IDLE;
	if (rc == 0) {
		l->ai = l->ai_cur = l->gai.ar_result;
		l->gai.ar_result = NULL;
		if (tcp_try(l, now, EHOSTUNREACH) != 0)
			tcp_attempt_failed(l, now, errno);
		return 0;
	}
	if (l->conn_backoff_ms == 0)
		log_warnx("link %s: cannot resolve %s: %s", l->name, l->params->host, gai_strerror(rc));
	tcp_attempt_failed(l, now, EHOSTUNREACH);
	return 0;
}

/* A lookup still going on when the link is freed is cancelled or waited for. */
static void
tcp_resolve_end(struct link *l)
{
	if (!l->gai_busy)
		return;
	if (gai_cancel(&l->gai) != EAI_CANCELED) {
		const struct gaicb *list[1] = { &l->gai };
		while (gai_error(&l->gai) == EAI_INPROGRESS)
			gai_suspend(list, 1, NULL);
	}
	if (gai_error(&l->gai) == 0 && l->gai.ar_result != NULL)
		freeaddrinfo(l->gai.ar_result);
	l->gai_busy = 0;
}

/* Starts the poll of d: connects if need be, sends the first request. */
static void
tcp_begin(struct link *l, struct dev_state *d, int64_t now)
{
	l->cur = d;
	l->blk = 0;
	l->poll_at = now;
	if (d->plan.nblocks == 0) {
		tcp_finish(l, 1);
		return;
	}
	if (l->fd < 0) {
		if (tcp_connect(l, now) != 0)
			tcp_finish(l, 0);
		return;       /* tcp_connected() sends when connected */
	}
	tcp_send(l, now);
}

/* The connection attempt of a link in TS_CONNECTING is over. */
static void
tcp_connected(struct link *l, int64_t now)
{
	struct epoll_event ev;
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(l->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err == 0) {
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = l;
		if (epoll_ctl(loop.epfd, EPOLL_CTL_MOD, l->fd, &ev) == -1)
			err = errno;
	}
	if (err != 0) {
		tcp_close(l);
		/* a host name's next address, if it has one */
		if (l->ai_cur != NULL && (l->ai_cur = l->ai_cur->ai_next) != NULL) {
			if (tcp_try(l, now, err) == 0)
				return;
			err = errno;
		}
		tcp_attempt_failed(l, now, err);
		return;
	}
	tcp_addrs_free(l);
	connect_done(l);
	tcp_send(l, now);
}

/*
 * The reply at the head of l->rbuf (n bytes), checked against its request:
 * transaction id, protocol, unit, function and byte count (libmodbus 3.1
 * does not check a TCP reply's unit id: a gateway may answer for the wrong
 * device). Then the next block, or the end of the poll.
 */
static void
tcp_reply(struct link *l, size_t n, int64_t now)
{
	struct dev_state *d = l->cur;
	const struct read_block *blk = &d->plan.blocks[l->blk];
	const uint8_t *rsp = l->rbuf;
	int fc = table_fc[blk->table], count = blk->count, bytes;

	if (n < 9 || ((rsp[0] << 8) | rsp[1]) != l->tid || rsp[2] != 0 || rsp[3] != 0) {
		tcp_fail(l, EMBBADDATA);
		return;
	}
	if (rsp[6] != d->cf->unit) {
		tcp_fail(l, EMBBADSLAVE);
		return;
	}
	/* Bytes beyond the reply: whatever sent them is not trusted on this
	 * connection (one request is in flight at a time). */
	if (l->rlen > n) {
		tcp_fail(l, EMBBADDATA);
		return;
	}
	if (rsp[7] == (fc | 0x80)) {
		l->rlen = 0;
		tcp_fail(l, rsp[8] >= 1 && rsp[8] <= 11 ? MODBUS_ENOBASE + rsp[8] : EMBBADEXC);
		return;
	}
	bytes = fc <= MODBUS_FC_READ_DISCRETE_INPUTS ? (count + 7) / 8 : count * 2;
	if (rsp[7] != fc || rsp[8] != bytes || n != (size_t)(9 + bytes)) {
		tcp_fail(l, EMBBADDATA);
		return;
	}
	if (fc <= MODBUS_FC_READ_DISCRETE_INPUTS)
		for (int i = 0; i < count; i++)
			l->bits[i] = (rsp[9 + i / 8] >> (i % 8)) & 1;
	else
		for (int i = 0; i < count; i++)
			l->regs[i] = (uint16_t)((rsp[9 + 2 * i] << 8) | rsp[10 + 2 * i]);
	l->rlen = 0;
	take_block(l, d, blk);
	if (++l->blk < d->plan.nblocks)
		tcp_send(l, now);
	else
		tcp_finish(l, 1);
}

/* The link's socket is readable (or has an error). */
static void
tcp_readable(struct link *l, int64_t now)
{
	ssize_t r;

	do
		r = recv(l->fd, l->rbuf + l->rlen, sizeof(l->rbuf) - l->rlen, 0);
	while (r == -1 && errno == EINTR);
	if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (l->st != TS_WAIT) {
		/* Nothing was asked: the other end closed, or sends unasked. */
		if (r > 0)
			log_debug("link %s: %zd bytes nobody asked for", l->name, r);
		tcp_close(l);
		l->wake_at = 0;
		return;
	}
	if (r <= 0) {
		tcp_fail(l, r == 0 ? ECONNRESET : errno);
		return;
	}
	l->rlen += (size_t)r;
	if (l->rlen >= 7) {
		size_t len = ((size_t)l->rbuf[4] << 8) | l->rbuf[5];
		if (len < 2 || 6 + len > sizeof(l->rbuf))
			tcp_fail(l, EMBBADDATA);
		else if (l->rlen >= 6 + len)
			tcp_reply(l, 6 + len, now);
	}
}

static void
tcp_event(struct link *l, uint32_t events, int64_t now)
{
	if (l->fd < 0 || l->stalled)
		return;
	if (l->st == TS_CONNECTING) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			tcp_connected(l, now);
		return;
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		tcp_readable(l, now);
}

/* Timeouts and due polls of one link; returns when it next needs the loop. */
static int64_t
tcp_step(struct link *l, int64_t now)
{
	struct dev_state *d;

	if (l->stalled)
		return INT64_MAX;
	if (l->st == TS_RESOLVING && tcp_resolving(l, now))
		return l->deadline < now + RESOLVE_POLL_MS ? l->deadline : now + RESOLVE_POLL_MS;
	if (l->st == TS_CONNECTING && now >= l->deadline)
		tcp_attempt_failed(l, now, ETIMEDOUT);
	else if (l->st == TS_WAIT && now >= l->deadline)
		tcp_fail(l, ETIMEDOUT);
	/* the devices due now, one after the other while they answer at once */
	while (l->st == TS_IDLE) {
		if (l->stalled || (d = next_device(l)) == NULL)
			return INT64_MAX;
		if (l->nheld > 0 && link_flush(l, 0) != 0)
			return now + LINK_HELD_RETRY_MS;
		if (d->next_due > now)
			return d->next_due;
		tcp_begin(l, d, now);
	}
	return l->st == TS_RESOLVING ? now : l->deadline;
}

/* Links attached since the last look, and links asked to stop. */
static void
loop_update(void)
{
	/* what a stopping link holds goes to the queue first, waiting if need
	 * be (the writer drains it until the very end) */
	for (size_t i = 0; i < loop.n; i++)
		if (atomic_load(&loop.v[i]->stop)) {
			tcp_close(loop.v[i]);
			link_flush(loop.v[i], 1);
		}
	pthread_mutex_lock(&loop.mu);
	atomic_store(&loop.dirty, 0);
	for (size_t i = 0; i < loop.npending; i++) {
		if (loop.n == loop.cap) {
			size_t nc = loop.cap ? 2 * loop.cap : 16;
			struct link **nv = realloc(loop.v, nc * sizeof(*nv));
			if (nv == NULL) {
				log_errx("link loop: out of memory");
				break;
			}
			loop.v = nv;
			loop.cap = nc;
		}
		loop.v[loop.n++] = loop.pending[i];
		log_debug("link %s: %zu devices", loop.pending[i]->name, loop.pending[i]->ndevs);
	}
	loop.npending = 0;
	for (size_t i = 0; i < loop.n;) {
		struct link *l = loop.v[i];
		if (!atomic_load(&l->stop)) {
			i++;
			continue;
		}
		l->attached = 0;
		loop.count--;
		loop.v[i] = loop.v[--loop.n];
		pthread_cond_broadcast(&loop.cv);
	}
	pthread_mutex_unlock(&loop.mu);
}

static void *
loop_main(void *arg)
{
	struct epoll_event evs[64];

	(void)arg;
	loop.swept_at = 0;
	for (;;) {
		int64_t now = time_mono_ms(), next = now + LINK_WAKE_MS;
		int n, quit;

		if (atomic_load(&loop.dirty)) {
			loop_update();
			pthread_mutex_lock(&loop.mu);
			quit = loop.quit;
			pthread_mutex_unlock(&loop.mu);
			if (quit)
				break;
		}
		/* the watchdog's: every link that is not stuck is alive */
		if (now - loop.swept_at >= 1000) {
			for (size_t i = 0; i < loop.n; i++)
				if (!loop.v[i]->stalled)
					atomic_store(&loop.v[i]->alive_at, now);
			loop.swept_at = now;
		}
		for (size_t i = 0; i < loop.n; i++) {
			struct link *l = loop.v[i];
			if (l->wake_at <= now)
				l->wake_at = tcp_step(l, now);
			if (l->wake_at < next)
				next = l->wake_at;
		}
		now = time_mono_ms();
		n = epoll_wait(loop.epfd, evs, (int)(sizeof(evs) / sizeof(evs[0])),
		    next > now ? (int)(next - now) : 0);
		if (n == -1 && errno != EINTR) {
			log_err("link loop: epoll_wait");
			break;
		}
		now = time_mono_ms();
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL) {
				uint64_t v;
				if (read(loop.evfd, &v, sizeof(v)) == -1 && errno != EAGAIN)
					log_warn("link loop: eventfd");
				continue;
			}
			tcp_event(evs[i].data.ptr, evs[i].events, now);
		}
	}
	return NULL;
}

static int
loop_start(void)
{
	struct epoll_event ev;
	int rc;

	if (loop.running)
		return 0;
	if ((loop.epfd = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (loop.evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		log_warn("link loop: cannot create its descriptors");
		goto fail;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (epoll_ctl(loop.epfd, EPOLL_CTL_ADD, loop.evfd, &ev) == -1) {
		log_warn("link loop: epoll_ctl");
		goto fail;
	}
	loop.quit = 0;
	if ((rc = pthread_create(&loop.thread, NULL, loop_main, NULL)) != 0) {
		errno = rc;
		log_warn("link loop: cannot start its thread");
		goto fail;
	}
	loop.running = 1;
	return 0;
fail:
	if (loop.epfd >= 0)
		close(loop.epfd);
	if (loop.evfd >= 0)
		close(loop.evfd);
	loop.epfd = loop.evfd = -1;
	return -1;
}

/* Stops the loop thread once it has no links left. */
static void
loop_stop_if_idle(void)
{
	int idle;

	pthread_mutex_lock(&loop.mu);
	idle = loop.running && loop.count == 0;
	if (idle)
		loop.quit = 1;
	pthread_mutex_unlock(&loop.mu);
	if (!idle)
		return;
	loop_wake();
	pthread_join(loop.thread, NULL);
	close(loop.epfd);
	close(loop.evfd);
	loop.epfd = loop.evfd = -1;
	free(loop.v);
	free(loop.pending);
	loop.v = loop.pending = NULL;
	loop.n = loop.cap = loop.npending = loop.cap_pending = 0;
	loop.running = 0;
}

static int
loop_attach(struct link *l)
{
	if (loop_start() != 0)
		return -1;
	pthread_mutex_lock(&loop.mu);
	if (loop.npending == loop.cap_pending) {
		size_t nc = loop.cap_pending ? 2 * loop.cap_pending : 16;
		struct link **nv = realloc(loop.pending, nc * sizeof(*nv));
		if (nv == NULL) {
			pthread_mutex_unlock(&loop.mu);
			log_errx("link %s: out of memory", l->name);
			return -1;
		}
		loop.pending = nv;
		loop.cap_pending = nc;
	}
	loop.pending[loop.npending++] = l;
	loop.count++;
	l->attached = 1;
	pthread_mutex_unlock(&loop.mu);
	loop_wake();
	return 0;
}

/* ------------------------------------------------------------------ */

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
	l->fd = -1;
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
	free(l->held);
	free(l->sig);
	if (l->proto == PROTO_MODBUS_TCP) {
		tcp_resolve_end(l);
		tcp_addrs_free(l);
	}
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
		atomic_init(&l->stop, 0);
		atomic_init(&l->alive_at, time_mono_ms());
		if (l->proto == PROTO_MODBUS_TCP) {
			if (loop_attach(l) != 0) {
				pthread_condattr_destroy(&ca);
				return -1;
			}
			l->started = 1;
			continue;
		}
		pthread_mutex_init(&l->mu, NULL);
		pthread_cond_init(&l->cv, &ca);
		if ((rc = pthread_create(&l->thread, NULL, rtu_main, l)) != 0) {
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
	if (l->proto == PROTO_MODBUS_TCP) {
		atomic_store(&l->stop, 1);
		loop_wake();
		return;
	}
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
	if (l->proto == PROTO_MODBUS_TCP) {
		pthread_mutex_lock(&loop.mu);
		while (l->attached)
			pthread_cond_wait(&loop.cv, &loop.mu);
		pthread_mutex_unlock(&loop.mu);
		l->started = 0;
		loop_stop_if_idle();
		return;
	}
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
