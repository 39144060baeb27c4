/*
 * flipsrv.c - the event storm's devices: a Modbus TCP server on which every
 * register of a unit flips between 1 and 0 at each read of it (function 3),
 * so every answered read of N registers is exactly N fault transitions for
 * a poller with a `value != 0` point on each. It counts what it served, so
 * the storm's expected row count does not depend on the daemon's own word.
 *
 * usage: tbm-bench-flipsrv NPORTS
 * stdout: "listening PORT" per port, "ready"; at SIGTERM/SIGINT:
 * "flipsrv: R requests, T transitions".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXPORTS 64
#define MAXCONNS 1024

struct fconn {
	int fd;
	int port;                /* index of the listening port */
	uint8_t buf[512];
	size_t len;
};

static volatile sig_atomic_t stop;
static uint8_t state[MAXPORTS][256];
static unsigned long long requests, transitions;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
listen_any(int *port)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

/* answer: one complete request in c->buf (len bytes); 0 ok, -1 close. */
static int
answer(struct fconn *c, const uint8_t *req, size_t len)
{
	uint8_t out[7 + 2 + 250];
	int unit = req[6], fc = req[7], count;
	size_t n;

	requests++;
	if (len < 12)
		return -1;
	count = req[10] << 8 | req[11];
	memcpy(out, req, 4);
	out[6] = (uint8_t)unit;
	if (fc != 3 || count < 1 || count > 125) {
		out[7] = (uint8_t)(fc | 0x80);
		out[8] = fc != 3 ? 1 : 3;
		n = 9;
	} else {
		uint8_t v = state[c->port][unit] ^= 1;
		out[7] = 3;
		out[8] = (uint8_t)(2 * count);
		for (int i = 0; i < count; i++) {
			out[9 + 2 * i] = 0;
			out[10 + 2 * i] = v;
		}
		n = 9 + 2 * (size_t)count;
		transitions += (unsigned long long)count;
	}
	out[4] = (uint8_t)((n - 6) >> 8);
	out[5] = (uint8_t)(n - 6);
	return send(c->fd, out, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

int
main(int argc, char **argv)
{
	static struct pollfd pfd[MAXPORTS + MAXCONNS];
	static struct fconn conns[MAXCONNS];
	int lfd[MAXPORTS], nports, nconns = 0;
	struct sigaction sa;

	if (argc != 2 || (nports = atoi(argv[1])) < 1 || nports > MAXPORTS) {
		fprintf(stderr, "usage: tbm-bench-flipsrv NPORTS (1-%d)\n", MAXPORTS);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < nports; i++) {
		int port;
		if ((lfd[i] = listen_any(&port)) < 0) {
			perror("listen");
			return 1;
		}
		printf("listening %d\n", port);
	}
	printf("ready\n");
	fflush(stdout);

	while (!stop) {
		int n = 0;

		for (int i = 0; i < nports; i++) {
			pfd[n].fd = lfd[i];
			pfd[n++].events = POLLIN;
		}
		for (int i = 0; i < nconns; i++) {
			pfd[n].fd = conns[i].fd;
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)n, 1000) < 0) {
			if (errno == EINTR)
				continue;
			perror("poll");
			break;
		}
		for (int i = 0; i < nports; i++) {
			int fd, one = 1;
			if (!pfd[i].revents)
				continue;
			if ((fd = accept4(lfd[i], NULL, NULL, SOCK_CLOEXEC)) < 0)
				continue;
			if (nconns == MAXCONNS) {
				close(fd);
				continue;
			}
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			memset(&conns[nconns], 0, sizeof(conns[nconns]));
			conns[nconns].fd = fd;
			conns[nconns].port = i;
			nconns++;
		}
		/* connections accepted in this round have no revents yet: only the old ones */
		for (int i = 0, k = nports; k < n; k++, i++) {
			struct fconn *c = &conns[i];
			ssize_t r;
			if (!pfd[k].revents)
				continue;
			r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
			if (r <= 0) {
				close(c->fd);
				c->fd = -1;
				continue;
			}
			c->len += (size_t)r;
			while (c->len >= 7) {
				size_t need = 6 + (size_t)(c->buf[4] << 8 | c->buf[5]);
				if (need < 8 || need > sizeof(c->buf)) {
					c->len = 0;
					close(c->fd);
					c->fd = -1;
					break;
				}
				if (c->len < need)
					break;
				if (answer(c, c->buf, need) != 0) {
					close(c->fd);
					c->fd = -1;
					break;
				}
				memmove(c->buf, c->buf + need, c->len - need);
				c->len -= need;
			}
		}
		for (int i = 0; i < nconns;) {
			if (conns[i].fd < 0)
				conns[i] = conns[--nconns];
			else
				i++;
		}
	}
	printf("flipsrv: %llu requests, %llu transitions\n", requests, transitions);
	return 0;
}
