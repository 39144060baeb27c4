/*
 * link_tcp.c - a Modbus TCP link as a state machine (idle, resolving,
 * connecting, waiting for a reply) with one request in flight, driven by the
 * event loop of tcploop.c, so that a link that waits never holds up another.
 * Requests are built and replies checked by the link's framing (framing.h).
 * After a timeout or a broken frame the connection is closed, so a late
 * reply dies with its socket and can never be taken as the answer to the
 * next request; the link then waits for the gateway to let go of it before
 * connecting again. Gateways' manners: a pause between requests, a delay
 * after connecting, a connection closed after each round.
 */
#include "link_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* While a host name is being looked up, the loop looks this often. */
#define RESOLVE_POLL_MS 20

static const int table_fc[] = {
	[TABLE_COIL] = MBAP_FC_READ_COILS,
	[TABLE_DISCRETE] = MBAP_FC_READ_DISCRETE,
	[TABLE_HOLDING] = MBAP_FC_READ_HOLDING,
	[TABLE_INPUT] = MBAP_FC_READ_INPUT,
};

void
link_tcp_close(struct link *l)
{
	if (l->fd >= 0)
		close(l->fd);   /* also takes it out of the epoll set */
	l->fd = -1;
	l->rlen = 0;
	l->answered = 0;
	l->sent = 0;
	l->st = TS_IDLE;
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
	if (link_test_stall(l)) {
		l->stalled = 1;
		link_tcp_close(l);
	}
}

/*
 * A gateway that takes one connection turns the next one away (accepts and
 * resets it) while it still holds the last: that is the gateway's doing,
 * not the device's. The first time after a connection that worked it is
 * charged to nobody: the poll waits for the gateway and is tried again.
 * Returns 1 when it was (the poll is put back), 0 to charge it.
 */
static int
tcp_turned_away(struct link *l, int64_t now, int e)
{
	if (!l->worked || l->turned_away)
		return 0;
	l->turned_away = 1;
	log_info("link %s: connection turned away (%s); waiting for the gateway", l->name,
	    modbus_strerror(e));
	link_tcp_close(l);
	link_broken(l, now);
	l->cur = NULL;
	l->wake_at = 0;
	return 1;
}

/* The read of the current block failed with e. */
static void
tcp_fail(struct link *l, int64_t now, int e)
{
	int peer = e == ECONNRESET || e == EPIPE || e == ECONNABORTED;

	if (peer && !l->answered && tcp_turned_away(l, now, e))
		return;
	poll_read_failed(l->cur, &l->cur->plan.blocks[l->blk], e);
	if (mbap_is_exception(e)) {
		/* a well-formed answer: the connection is fine */
		l->send_after = now + l->pause_ms;
	} else {
		link_tcp_close(l);
		/* we closed it (a timeout, a broken frame): the gateway may hold
		 * its end a while yet */
		if (!peer)
			link_broken(l, now);
	}
	tcp_finish(l, 0);
}

/* Sends the request for block l->blk of l->cur, or waits for the gap the
 * gateway needs (TS_PAUSE) and sends it then. */
static void
tcp_send(struct link *l, int64_t now)
{
	const struct dev_state *d = l->cur;
	const struct read_block *blk = &d->plan.blocks[l->blk];
	uint8_t req[FRAMING_REQ_MAX];
	size_t n;
	ssize_t w;

	if (now < l->send_after) {
		l->st = TS_PAUSE;
		l->deadline = l->wake_at = l->send_after;
		return;
	}
	l->tid = (uint16_t)(l->tid + 1);
	n = l->fr->request(req, l->tid, (uint8_t)d->pts.cf->unit, table_fc[blk->table], blk->start,
	    blk->count);
	do
		w = send(l->fd, req, n, MSG_NOSIGNAL);
	while (w == -1 && errno == EINTR);
	if (w != (ssize_t)n) {
		tcp_fail(l, now, w >= 0 ? EMBBADDATA : errno);
		return;
	}
	l->sent = 1;
	l->st = TS_WAIT;
	l->deadline = now + d->pts.cf->timeout_ms;
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
	int one = 1;

	if ((l->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	setsockopt(l->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (tcploop_watch(l, EPOLLIN | EPOLLOUT, 1) == -1)
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
		link_tcp_close(l);
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

/*
 * The connection attempt for the poll of l->cur failed with e: the link
 * backs off. The gateway failed, not the device: the first failure after a
 * connection that worked is charged to nobody (tcp_turned_away); after that
 * every device that is due is charged, so that all of them go offline
 * together when the gateway is gone, whichever of them happened to be first.
 */
static void
tcp_attempt_failed(struct link *l, int64_t now, int e)
{
	struct dev_state *cur = l->cur;

	tcp_addrs_free(l);
	if (l->conn_backoff_ms == 0 && tcp_turned_away(l, now, e)) {
		link_connect_failed(l, now, e);
		return;
	}
	link_tcp_close(l);
	link_connect_failed(l, now, e);
	poll_read_failed(cur, NULL, e);
	tcp_finish(l, 0);
	for (size_t i = 0; i < l->ndevs; i++) {
		struct dev_state *d = &l->devs[i];
		if (d == cur || d->next_due > now)
			continue;
		poll_read_failed(d, NULL, e);
		poll_done(l, d, 0, now);
	}
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

	if (tcp_numeric(l, &ss, &len) == 0) {
		if (tcp_open(l, (struct sockaddr *)&ss, len, now) == 0)
			return 0;
		link_connect_failed(l, now, errno);
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
			link_connect_failed(l, now, EHOSTUNREACH);
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
void
link_tcp_free(struct link *l)
{
	if (l->gai_busy) {
		if (gai_cancel(&l->gai) != EAI_CANCELED) {
			const struct gaicb *list[1] = { &l->gai };
			while (gai_error(&l->gai) == EAI_INPROGRESS)
				gai_suspend(list, 1, NULL);
		}
		if (gai_error(&l->gai) == 0 && l->gai.ar_result != NULL)
			freeaddrinfo(l->gai.ar_result);
		l->gai_busy = 0;
	}
	tcp_addrs_free(l);
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
		if (tcp_connect(l, now) != 0) {
			poll_read_failed(d, NULL, errno);
			tcp_finish(l, 0);
		}
		return;       /* tcp_connected() sends when connected */
	}
	tcp_send(l, now);
}

/* The connection attempt of a link in TS_CONNECTING is over. */
static void
tcp_connected(struct link *l, int64_t now)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(l->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err == 0 && tcploop_watch(l, EPOLLIN, 0) == -1)
		err = errno;
	if (err != 0) {
		link_tcp_close(l);
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
	/* a gateway that is not ready at once ignores what comes too early */
	l->send_after = now + l->connect_delay_ms;
	tcp_send(l, now);
}

/* The reply at the head of l->rbuf (n bytes), checked against its request
 * (mbap_check_reply). Then the next block, or the end of the poll. */
static void
tcp_reply(struct link *l, size_t n, int64_t now)
{
	struct dev_state *d = l->cur;
	const struct read_block *blk = &d->plan.blocks[l->blk];
	int fc = table_fc[blk->table];
	int e = l->fr->check(l->rbuf, n, l->rlen, l->tid, (uint8_t)d->pts.cf->unit, fc,
	    blk->count);

	/* taken or refused, the reply is over (a connection that failed is closed) */
	l->rlen = 0;
	if (e == 0 || mbap_is_exception(e)) {
		/* an answer: the connection works */
		if (!l->answered)
			link_connect_done(l);
		l->answered = 1;
		l->turned_away = 0;
	}
	if (e != 0) {
		tcp_fail(l, now, e);
		return;
	}
	l->send_after = now + l->pause_ms;
	if (fc == MBAP_FC_READ_COILS || fc == MBAP_FC_READ_DISCRETE)
		mbap_pdu_bits(l->rbuf + l->fr->data_off, blk->count, l->bits);
	else
		mbap_pdu_registers(l->rbuf + l->fr->data_off, blk->count, l->regs);
	poll_take_block(l, d, blk);
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
	long flen;

	do
		r = recv(l->fd, l->rbuf + l->rlen, sizeof(l->rbuf) - l->rlen, 0);
	while (r == -1 && errno == EINTR);
	if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (l->st == TS_PAUSE && r > 0 && !l->sent) {
		/* a DTU's greeting (a registration packet) while it gets ready */
		log_debug("link %s: %zd bytes before the first request, dropped", l->name, r);
		return;
	}
	if (l->st == TS_PAUSE) {
		/* between two requests of a poll: that poll fails with it */
		tcp_fail(l, now, r > 0 ? EMBBADDATA : r == 0 ? ECONNRESET : errno);
		return;
	}
	if (l->st != TS_WAIT) {
		/* Nothing was asked: the other end closed, or sends unasked. */
		if (r > 0)
			log_debug("link %s: %zd bytes nobody asked for", l->name, r);
		link_tcp_close(l);
		l->wake_at = 0;
		return;
	}
	if (r <= 0) {
		tcp_fail(l, now, r == 0 ? ECONNRESET : errno);
		return;
	}
	l->rlen += (size_t)r;
	flen = l->fr->length(l->rbuf, l->rlen);
	if (flen < 0)
		tcp_fail(l, now, EMBBADDATA);
	else if (flen > 0 && l->rlen >= (size_t)flen)
		tcp_reply(l, (size_t)flen, now);
}

void
link_tcp_event(struct link *l, uint32_t events, int64_t now)
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

int64_t
link_tcp_step(struct link *l, int64_t now)
{
	struct dev_state *d;

	if (l->stalled)
		return INT64_MAX;
	if (l->st == TS_RESOLVING && tcp_resolving(l, now))
		return l->deadline < now + RESOLVE_POLL_MS ? l->deadline : now + RESOLVE_POLL_MS;
	if (l->st == TS_CONNECTING && now >= l->deadline)
		tcp_attempt_failed(l, now, ETIMEDOUT);
	else if (l->st == TS_WAIT && now >= l->deadline)
		tcp_fail(l, now, ETIMEDOUT);
	else if (l->st == TS_PAUSE && now >= l->deadline)
		tcp_send(l, now);
	/* the devices due now, one after the other while they answer at once */
	while (l->st == TS_IDLE) {
		if (l->stalled || (d = link_next_device(l)) == NULL)
			return INT64_MAX;
		if (l->nheld > 0 && poll_flush(l, 0) != 0)
			return now + LINK_HELD_RETRY_MS;
		if (d->next_due > now) {
			/* the round is over: leave the gateway's slot to others */
			if (!l->keep_open && l->fd >= 0)
				link_tcp_close(l);
			return d->next_due;
		}
		/* waiting for the gateway, or backing off: nobody is charged */
		if (l->fd < 0 && now < l->retry_at)
			return l->retry_at;
		tcp_begin(l, d, now);
	}
	return l->st == TS_RESOLVING ? now : l->deadline;
}
