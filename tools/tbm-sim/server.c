/*
 * server.c - the Modbus side: TCP listening sockets and their clients,
 * serial lines (a device path or a pty we create), one request at a time
 * through each device's behaviour, delayed replies, the request log.
 *
 * Replies are always built by libmodbus (modbus_reply/modbus_reply_exception)
 * but written into a socketpair first ("rendered"), so that the misbehaviours
 * (late, wrong_unit, wrong_tid, truncated) can hold or bend a real reply
 * instead of re-implementing the protocol.
 */
#include "sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "log.h"
#include "tbmtime.h"

#define ADU_MAX 260          /* MODBUS_TCP_MAX_ADU_LENGTH, the larger of the two */
#define RTU_BUF 512
#define RTU_GAP_MS 50        /* silence that ends a frame of unknown length */

/* A TCP client connection, or a serial line (one permanent conn). */
#define SERIAL_HUP_RETRY_MS 200

struct conn {
	uint64_t id;
	int fd;                      /* -1: closed, reaped after the current round */
	struct sim_server *srv;
	int serial;
	uint8_t rbuf[RTU_BUF];       /* serial: a frame being received */
	size_t rlen;
	int64_t last_rx;
	int64_t hup_until;           /* serial: the other end is gone; look again then */
};

struct delayed {
	int64_t due;
	uint64_t conn_id;
	struct sim_device *dev;
	size_t len;
	uint8_t bytes[ADU_MAX];
};

/* What each pollfd handed out by server_pollfds() belongs to. */
struct owner {
	struct sim_server *listen;   /* a listening socket, or */
	struct conn *conn;           /* a connection */
};

static struct conn **conns;
static size_t nconns;
static uint64_t next_conn_id = 1;
static struct delayed *delayed;
static size_t ndelayed;
static struct owner *owners;
static size_t nowners;
static int capture[2] = { -1, -1 };  /* [0] libmodbus writes, [1] we read */
static FILE *reqlog;
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static unsigned long total_requests, total_answered;
static struct scenario *scen;

void
server_seed(uint64_t seed)
{
	rng_state = seed ? seed : 0x9e3779b97f4a7c15ull;
}

/* xorshift64*: reproducible garbage for a given --seed */
static uint64_t
rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

uint64_t
sim_random(void)
{
	return rng_next();
}

/* The Modbus CRC-16 (polynomial 0xA001 reflected, initial 0xFFFF). */
static uint16_t
crc16(const uint8_t *p, size_t n)
{
	uint16_t crc = 0xFFFF;

	while (n--) {
		crc ^= *p++;
		for (int i = 0; i < 8; i++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001) : (uint16_t)(crc >> 1);
	}
	return crc;
}

static void
crc_put(uint8_t *frame, size_t n)
{
	uint16_t crc = crc16(frame, n - 2);

	frame[n - 2] = (uint8_t)(crc & 0xFF);   /* low byte first on the wire */
	frame[n - 1] = (uint8_t)(crc >> 8);
}

int
server_log_open(const char *path)
{
	if ((reqlog = fopen(path, "w")) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	return 0;
}

void
server_log_close(void)
{
	if (reqlog != NULL)
		fclose(reqlog);
	reqlog = NULL;
}

void
server_stats(unsigned long *requests, unsigned long *answered)
{
	*requests = total_requests;
	*answered = total_answered;
}

static struct conn *
conn_new(struct sim_server *srv, int fd, int serial)
{
	struct conn *c, **nc;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((nc = realloc(conns, (nconns + 1) * sizeof(*conns))) == NULL) {
		free(c);
		return NULL;
	}
	conns = nc;
	c->id = next_conn_id++;
	c->fd = fd;
	c->srv = srv;
	c->serial = serial;
	conns[nconns++] = c;
	return c;
}

static void
conn_close(struct conn *c)
{
	if (c->fd >= 0) {
		log_debug("%s: connection %llu closed", c->srv->name, (unsigned long long)c->id);
		close(c->fd);
	}
	c->fd = -1;
}

/* conn_reap: frees the connections closed during the last round. */
static void
conn_reap(void)
{
	size_t j = 0;

	for (size_t i = 0; i < nconns; i++) {
		if (conns[i]->fd < 0 && !conns[i]->serial)
			free(conns[i]);
		else
			conns[j++] = conns[i];
	}
	nconns = j;
}

static struct conn *
conn_find(uint64_t id)
{
	for (size_t i = 0; i < nconns; i++)
		if (conns[i]->id == id && conns[i]->fd >= 0)
			return conns[i];
	return NULL;
}

static int
conn_send(struct conn *c, struct sim_device *d, const uint8_t *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		if (c->serial)
			n = write(c->fd, buf + off, len - off);
		else
			n = send(c->fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (c->serial) {
				/* nobody reads the line (e.g. a pty without a peer): drop the reply */
				log_debug("%s: write: %s", c->srv->name, strerror(errno));
				return -1;
			}
			log_debug("%s: send: %s", c->srv->name, strerror(errno));
			conn_close(c);
			return -1;
		}
		off += (size_t)n;
	}
	total_answered++;
	if (d != NULL)
		d->answered++;
	return 0;
}

/* render: has libmodbus build the reply to `req` (exception `exc` when
 * nonzero) into out; returns its length, 0 when libmodbus sends nothing
 * (an RTU broadcast), -1 on error. */
static int
render(struct sim_server *srv, const uint8_t *req, int len, modbus_mapping_t *map, int exc,
    uint8_t *out, size_t outlen)
{
	int saved = modbus_get_socket(srv->ctx);
	ssize_t n;
	size_t got = 0;
	int rc;

	modbus_set_socket(srv->ctx, capture[0]);
	if (exc != 0)
		rc = modbus_reply_exception(srv->ctx, req, (unsigned)exc);
	else
		rc = modbus_reply(srv->ctx, req, len, map);
	modbus_set_socket(srv->ctx, saved);
	if (rc < 0) {
		log_warnx("%s: building a reply: %s", srv->name, modbus_strerror(errno));
		return -1;
	}
	while (got < outlen && (n = recv(capture[1], out + got, outlen - got, MSG_DONTWAIT)) > 0)
		got += (size_t)n;
	return (int)got;
}

static void
log_request(int64_t now, const struct sim_device *d, int unit, int fc, int addr, int count)
{
	char a[16] = "-", c[16] = "-";

	if (reqlog == NULL)
		return;
	if (addr >= 0)
		snprintf(a, sizeof(a), "%d", addr);
	if (count >= 0)
		snprintf(c, sizeof(c), "%d", count);
	fprintf(reqlog, "%lld %s %d %d %s %s\n", (long long)now, d ? d->name : "-", unit, fc, a, c);
	fflush(reqlog);
}

/* handle_request: one complete request (RTU: with its CRC) from c. */
static void
handle_request(struct conn *c, const uint8_t *req, int len, int64_t now)
{
	struct sim_server *srv = c->srv;
	int hl = c->serial ? 1 : 7;          /* header length: unit id at hl-1, function at hl */
	int body = len - (c->serial ? 2 : 0);
	uint8_t out[ADU_MAX];
	struct sim_device *d;
	struct behaviour bh;
	int unit, fc, addr = -1, count = -1, n, exc = 0;

	if (body < hl + 1)
		return;
	unit = req[hl - 1];
	fc = req[hl];
	if (body >= hl + 3)
		addr = req[hl + 1] << 8 | req[hl + 2];
	if (body >= hl + 5)
		count = req[hl + 3] << 8 | req[hl + 4];
	d = srv->by_unit[unit];
	total_requests++;
	if (d != NULL)
		d->requests++;
	log_request(now, d, unit, fc, addr, count);
	if (d == NULL) {
		/* like a gateway with nothing at that address: no answer */
		log_debug("%s: no device at unit %d", srv->name, unit);
		return;
	}
	bh = d->bh;
	switch (bh.kind) {
	case BH_SILENT:
		return;
	case BH_DROP:
		if (!c->serial)
			conn_close(c);
		return;
	case BH_GARBAGE:
		n = 5 + (int)(rng_next() % 20);
		for (int i = 0; i < n; i++)
			out[i] = (uint8_t)rng_next();
		(void)conn_send(c, d, out, (size_t)n);
		return;
	default:
		break;
	}

	if (fc < 1 || fc > 4) {
		log_notice("%s: function code %d is not served (exception 1)", d->name, fc);
		exc = MODBUS_EXCEPTION_ILLEGAL_FUNCTION;
	} else if (count < 1 || count > (fc <= 2 ? MODBUS_MAX_READ_BITS : MODBUS_MAX_READ_REGISTERS)) {
		/* checked here: libmodbus answers this one only after sleeping
		 * its response timeout, which would stall every other device */
		exc = MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
	} else if (bh.kind == BH_EXCEPTION) {
		exc = bh.arg;
	}
	if ((n = render(srv, req, len, d->map, exc, out, sizeof(out))) <= 0)
		return;

	switch (bh.kind) {
	case BH_WRONG_UNIT:
		out[hl - 1] = (uint8_t)(unit == 255 ? 1 : unit + 1);
		if (c->serial)
			crc_put(out, (size_t)n);
		break;
	case BH_WRONG_TID:
		if (!c->serial) {
			uint16_t tid = (uint16_t)((out[0] << 8 | out[1]) + 1);
			out[0] = (uint8_t)(tid >> 8);
			out[1] = (uint8_t)tid;
		}
		break;
	case BH_TRUNCATED:
		n = n / 2 > 0 ? n / 2 : 1;
		break;
	case BH_LATE: {
		struct delayed *nd = realloc(delayed, (ndelayed + 1) * sizeof(*delayed));
		if (nd == NULL) {
			log_warnx("out of memory for a delayed reply");
			return;
		}
		delayed = nd;
		nd = &delayed[ndelayed++];
		nd->due = now + bh.arg;
		nd->conn_id = c->id;
		nd->dev = d;
		nd->len = (size_t)n;
		memcpy(nd->bytes, out, (size_t)n);
		return;
	}
	default:
		break;
	}
	(void)conn_send(c, d, out, (size_t)n);
}

/* tcp_readable: one request from a client, through libmodbus. */
static void
tcp_readable(struct conn *c, int64_t now)
{
	uint8_t req[MODBUS_TCP_MAX_ADU_LENGTH];
	int rc, declared;

	modbus_set_socket(c->srv->ctx, c->fd);
	rc = modbus_receive(c->srv->ctx, req);
	if (rc <= 0) {
		if (rc < 0 && errno != ECONNRESET)
			log_info("%s: receive: %s", c->srv->name, modbus_strerror(errno));
		conn_close(c);
		return;
	}
	/* libmodbus stops after the function code for functions it does not
	 * know; the MBAP length says what is left of the request: drop it, or
	 * it would be taken for the next request. */
	declared = req[4] << 8 | req[5];
	if (rc >= 8 && declared > rc - 6) {
		uint8_t junk[MODBUS_TCP_MAX_ADU_LENGTH];
		size_t left = (size_t)(declared - (rc - 6));
		if (left > sizeof(junk))
			left = sizeof(junk);
		(void)recv(c->fd, junk, left, MSG_DONTWAIT);
	}
	handle_request(c, req, rc, now);
}

/* rtu_frame_length: the length of the request starting at buf, 0 if more
 * bytes are needed to know, -1 for a function whose length we do not know
 * (it ends with a silence on the line). */
static int
rtu_frame_length(const uint8_t *buf, size_t len)
{
	if (len < 2)
		return 0;
	switch (buf[1]) {
	case 1: case 2: case 3: case 4: case 5: case 6:
		return 8;
	case 7: case 11: case 12: case 17:
		return 4;
	case 15: case 16:
		return len < 7 ? 0 : 9 + buf[6];
	case 22:
		return 10;
	case 23:
		return len < 11 ? 0 : 13 + buf[10];
	default:
		return -1;
	}
}

static void
rtu_frame(struct conn *c, const uint8_t *buf, size_t n, int64_t now)
{
	uint16_t crc;

	if (n < 4)
		return;
	crc = crc16(buf, n - 2);
	if (buf[n - 2] != (crc & 0xFF) || buf[n - 1] != (crc >> 8)) {
		log_debug("%s: bad CRC in a %zu-byte frame, dropped", c->srv->name, n);
		return;
	}
	handle_request(c, buf, (int)n, now);
}

static void
serial_readable(struct conn *c, int64_t now)
{
	ssize_t n;
	int len;

	n = read(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen);
	if (n == 0 || (n < 0 && errno == EIO)) {
		/* A pty whose other end is closed stays readable (hangup): do not
		 * spin on it, look again a little later. */
		if (c->hup_until == 0)
			log_notice("%s: nobody on the other end of the line; waiting", c->srv->name);
		c->hup_until = now + SERIAL_HUP_RETRY_MS;
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("%s: read", c->srv->name);
		return;
	}
	if (c->hup_until != 0) {
		log_notice("%s: the line is back", c->srv->name);
		c->hup_until = 0;
	}
	c->rlen += (size_t)n;
	c->last_rx = now;
	while (c->rlen > 0) {
		len = rtu_frame_length(c->rbuf, c->rlen);
		if (len > RTU_BUF) {
			c->rlen = 0;
			break;
		}
		if (len <= 0 || (size_t)len > c->rlen)
			break;   /* more bytes, or the end-of-frame silence */
		rtu_frame(c, c->rbuf, (size_t)len, now);
		memmove(c->rbuf, c->rbuf + len, c->rlen - (size_t)len);
		c->rlen -= (size_t)len;
	}
	if (c->rlen == sizeof(c->rbuf))
		c->rlen = 0;   /* noise */
}

static void
tcp_accept(struct sim_server *srv)
{
	int fd, one = 1;

	for (;;) {
		fd = accept4(srv->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("%s: accept", srv->name);
			return;
		}
		/* libmodbus waits on a client with select(): an fd_set cannot hold more */
		if (fd >= FD_SETSIZE) {
			log_warnx("%s: too many connections, refused one", srv->name);
			close(fd);
			continue;
		}
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (conn_new(srv, fd, 0) == NULL) {
			log_warnx("%s: out of memory for a connection", srv->name);
			close(fd);
			continue;
		}
		log_debug("%s: connection %llu accepted", srv->name, (unsigned long long)(next_conn_id - 1));
	}
}

static int
open_tcp(struct sim_server *s)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	int one = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)s->port);
	(void)inet_pton(AF_INET, s->host, &sa.sin_addr);
	if ((s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0) {
		log_warn("%s: socket", s->name);
		return -1;
	}
	(void)setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		log_warn("%s: bind %s:%d", s->name, s->host, s->port);
		return -1;
	}
	if (listen(s->fd, 64) != 0 || getsockname(s->fd, (struct sockaddr *)&sa, &salen) != 0) {
		log_warn("%s: listen", s->name);
		return -1;
	}
	s->bound_port = ntohs(sa.sin_port);
	if ((s->ctx = modbus_new_tcp(s->host, s->bound_port)) == NULL) {
		log_warnx("%s: %s", s->name, modbus_strerror(errno));
		return -1;
	}
	return 0;
}

/* open_pty: a pseudo-terminal whose other end the daemon opens as its
 * serial port. We keep the slave side open ourselves so that reads of the
 * master do not fail (EIO) while no client has it open. */
static int
open_pty(struct sim_server *s)
{
	struct termios tio;

	if ((s->fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 ||
	    grantpt(s->fd) != 0 || unlockpt(s->fd) != 0 ||
	    ptsname_r(s->fd, s->bound_path, sizeof(s->bound_path)) != 0) {
		log_warn("%s: creating a pty", s->name);
		return -1;
	}
	if ((s->pty_slave = open(s->bound_path, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		log_warn("%s: %s", s->name, s->bound_path);
		return -1;
	}
	/* raw until the client sets its own modes: no echo, no line editing */
	if (tcgetattr(s->pty_slave, &tio) == 0) {
		cfmakeraw(&tio);
		(void)tcsetattr(s->pty_slave, TCSANOW, &tio);
	}
	(void)fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
	if ((s->ctx = modbus_new_rtu(s->bound_path, s->baud, s->parity, s->data_bits, s->stop_bits)) == NULL) {
		log_warnx("%s: %s", s->name, modbus_strerror(errno));
		return -1;
	}
	return 0;
}

static int
open_serial(struct sim_server *s)
{
	if (strcmp(s->path, "pty") == 0) {
		if (open_pty(s) != 0)
			return -1;
	} else {
		snprintf(s->bound_path, sizeof(s->bound_path), "%s", s->path);
		s->ctx = modbus_new_rtu(s->path, s->baud, s->parity, s->data_bits, s->stop_bits);
		if (s->ctx == NULL || modbus_connect(s->ctx) != 0) {
			log_warnx("%s: %s: %s", s->name, s->path, modbus_strerror(errno));
			return -1;
		}
		/* from here on we read frames ourselves: libmodbus's RTU receive
		 * accepts one unit id per context, a line carries many */
		s->fd = modbus_get_socket(s->ctx);
		(void)fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
	}
	if ((s->port_conn = conn_new(s, s->fd, 1)) == NULL) {
		log_warnx("%s: out of memory", s->name);
		return -1;
	}
	return 0;
}

int
server_open_all(struct scenario *sc)
{
	scen = sc;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, capture) != 0) {
		log_warn("socketpair");
		return -1;
	}
	for (size_t i = 0; i < sc->ndevices; i++) {
		if (sc->devices[i]->broker == NULL && device_map_alloc(sc->devices[i]) != 0) {
			log_warnx("%s: out of memory for registers", sc->devices[i]->name);
			return -1;
		}
		device_reset(sc->devices[i]);
	}
	for (size_t i = 0; i < sc->nservers; i++) {
		struct sim_server *s = sc->servers[i];
		if ((s->serial ? open_serial(s) : open_tcp(s)) != 0)
			return -1;
	}
	return 0;
}

void
server_close_all(struct scenario *sc)
{
	for (size_t i = 0; i < nconns; i++) {
		if (!conns[i]->serial)
			conn_close(conns[i]);
		free(conns[i]);
	}
	free(conns);
	conns = NULL;
	nconns = 0;
	free(delayed);
	delayed = NULL;
	ndelayed = 0;
	free(owners);
	owners = NULL;
	nowners = 0;
	for (size_t i = 0; sc != NULL && i < sc->nservers; i++) {
		struct sim_server *s = sc->servers[i];
		if (s->serial && strcmp(s->path, "pty") != 0 && s->ctx != NULL) {
			modbus_close(s->ctx);   /* it opened the device */
			s->fd = -1;
		}
		if (s->fd >= 0)
			close(s->fd);
		if (s->pty_slave >= 0)
			close(s->pty_slave);
		s->fd = s->pty_slave = -1;
		if (s->ctx != NULL)
			modbus_free(s->ctx);
		s->ctx = NULL;
	}
	for (int i = 0; i < 2; i++)
		if (capture[i] >= 0)
			close(capture[i]);
	capture[0] = capture[1] = -1;
}

size_t
server_npollfds(void)
{
	return (scen ? scen->nservers : 0) + nconns;
}

size_t
server_pollfds(struct pollfd *pfd, size_t max)
{
	size_t n = 0;
	struct owner *no;

	conn_reap();
	if ((no = realloc(owners, (server_npollfds() + 1) * sizeof(*owners))) == NULL)
		return 0;
	owners = no;
	for (size_t i = 0; scen != NULL && i < scen->nservers && n < max; i++) {
		struct sim_server *s = scen->servers[i];
		if (s->serial)
			continue;   /* its conn is below */
		pfd[n].fd = s->fd;
		pfd[n].events = POLLIN;
		owners[n].listen = s;
		owners[n].conn = NULL;
		n++;
	}
	for (size_t i = 0; i < nconns && n < max; i++) {
		if (conns[i]->fd < 0 || conns[i]->hup_until > time_mono_ms())
			continue;
		pfd[n].fd = conns[i]->fd;
		pfd[n].events = POLLIN;
		owners[n].listen = NULL;
		owners[n].conn = conns[i];
		n++;
	}
	nowners = n;
	return n;
}

void
server_handle(const struct pollfd *pfd, size_t n, int64_t now)
{
	for (size_t i = 0; i < n && i < nowners; i++) {
		if (pfd[i].revents == 0)
			continue;
		if (owners[i].listen != NULL) {
			tcp_accept(owners[i].listen);
			continue;
		}
		struct conn *c = owners[i].conn;
		if (c->fd < 0)
			continue;   /* closed earlier in this round */
		if (c->serial)
			serial_readable(c, now);
		else if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
			tcp_readable(c, now);
	}
}

void
server_run_timers(int64_t now)
{
	size_t i = 0;

	while (i < ndelayed) {
		struct delayed *dl = &delayed[i];
		struct conn *c;
		if (dl->due > now) {
			i++;
			continue;
		}
		if ((c = conn_find(dl->conn_id)) != NULL)
			(void)conn_send(c, dl->dev, dl->bytes, dl->len);
		memmove(dl, dl + 1, (ndelayed - i - 1) * sizeof(*delayed));
		ndelayed--;
	}
	for (i = 0; i < nconns; i++) {
		struct conn *c = conns[i];
		if (!c->serial || c->rlen == 0 || now - c->last_rx < RTU_GAP_MS)
			continue;
		/* the line went quiet: a frame of unknown length ends here,
		 * anything else left over is an incomplete frame */
		if (rtu_frame_length(c->rbuf, c->rlen) < 0)
			rtu_frame(c, c->rbuf, c->rlen, now);
		else
			log_debug("%s: incomplete frame of %zu bytes dropped", c->srv->name, c->rlen);
		c->rlen = 0;
	}
}

int64_t
server_next_deadline(void)
{
	int64_t next = INT64_MAX;

	for (size_t i = 0; i < ndelayed; i++)
		if (delayed[i].due < next)
			next = delayed[i].due;
	for (size_t i = 0; i < nconns; i++) {
		if (conns[i]->serial && conns[i]->rlen > 0 && conns[i]->last_rx + RTU_GAP_MS < next)
			next = conns[i]->last_rx + RTU_GAP_MS;
		if (conns[i]->hup_until > 0 && conns[i]->hup_until < next)
			next = conns[i]->hup_until;
	}
	return next;
}
