/*
 * floor.c - the least a Modbus poller can cost: one thread, one libmodbus
 * context per link, the bench device's two reads (holding 100 x1, input 10
 * x2) per device on a fixed grid. bench/run compares tbmond's CPU per poll
 * with this one's.
 *
 * usage: tbm-bench-floor [--lean | --evented] INTERVAL_MS SPECFILE
 * (SPECFILE: "HOST PORT UNIT" a line)
 * --lean: libmodbus only connects; each read is framed here and received
 * with one poll() and (usually) one recv(), instead of libmodbus's
 * select()+recv() for the header and again for the rest: what a poller
 * that receives its own replies would cost.
 * --evented: the links are served together by one epoll loop, one request
 * in flight per link (the design of tbmond's TCP links, without its
 * detectors, database and checks): the least such a poller can cost.
 * Runs until SIGTERM/SIGINT, then prints "floor: N polls, F failed".
 */
#include <errno.h>
#include <modbus.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct flink {
	char host[64];
	int port;
	modbus_t *ctx;
	/* --evented */
	struct fdev **devs;
	size_t ndevs, cur;
	int step;                  /* 0: holding 100 x1 in flight, 1: input 10 x2 */
	int busy;
	uint16_t tid;
	uint8_t buf[260];
	size_t have;
};

struct fdev {
	struct flink *link;
	int unit;
	int64_t due;
};

static volatile sig_atomic_t stop;
static int lean, evented;
static uint16_t tid;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A Modbus TCP read request (12 bytes). */
static void
put_request(uint8_t *req, uint16_t t, int unit, int fc, int addr, int count)
{
	req[0] = (uint8_t)(t >> 8);
	req[1] = (uint8_t)t;
	req[2] = req[3] = req[4] = 0;
	req[5] = 6;
	req[6] = (uint8_t)unit;
	req[7] = (uint8_t)fc;
	req[8] = (uint8_t)(addr >> 8);
	req[9] = (uint8_t)addr;
	req[10] = (uint8_t)(count >> 8);
	req[11] = (uint8_t)count;
}

/* lean_read: one read, framed and received here; 0 ok, -1 failed. */
static int
lean_read(int fd, int unit, int fc, int addr, int count)
{
	uint8_t req[12], rsp[260];
	size_t got = 0, need = 7;
	ssize_t n;

	put_request(req, ++tid, unit, fc, addr, count);
	if (send(fd, req, sizeof(req), MSG_NOSIGNAL) != (ssize_t)sizeof(req))
		return -1;
	while (got < need) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 500) != 1)
			return -1;
		if ((n = recv(fd, rsp + got, sizeof(rsp) - got, MSG_DONTWAIT)) <= 0)
			return -1;
		got += (size_t)n;
		if (got >= 7)
			need = 6 + (size_t)(rsp[4] << 8 | rsp[5]);
		if (need > sizeof(rsp))
			return -1;
	}
	if ((rsp[0] << 8 | rsp[1]) != tid || rsp[6] != unit || rsp[7] != fc || rsp[8] != 2 * count)
		return -1;
	return 0;
}

static int
poll_dev(struct fdev *d)
{
	uint16_t regs[2];
	struct flink *l = d->link;

	if (l->ctx == NULL) {
		if ((l->ctx = modbus_new_tcp(l->host, l->port)) == NULL)
			return -1;
		modbus_set_response_timeout(l->ctx, 0, 500000);
		if (modbus_connect(l->ctx) == -1) {
			modbus_free(l->ctx);
			l->ctx = NULL;
			return -1;
		}
	}
	if (lean) {
		int fd = modbus_get_socket(l->ctx);
		if (lean_read(fd, d->unit, 3, 100, 1) == 0 && lean_read(fd, d->unit, 4, 10, 2) == 0)
			return 0;
		modbus_close(l->ctx);
		modbus_free(l->ctx);
		l->ctx = NULL;
		return -1;
	}
	modbus_set_slave(l->ctx, d->unit);
	if (modbus_read_registers(l->ctx, 100, 1, regs) != 1 ||
	    modbus_read_input_registers(l->ctx, 10, 2, regs) != 2) {
		modbus_close(l->ctx);
		modbus_free(l->ctx);
		l->ctx = NULL;
		return -1;
	}
	return 0;
}

/* --evented: sends the current request of l (the device l->cur, read l->step) */
static int
ev_send(struct flink *l)
{
	uint8_t r[12];

	put_request(r, ++l->tid, l->devs[l->cur]->unit, l->step ? 4 : 3, l->step ? 10 : 100,
	    l->step ? 2 : 1);
	return send(modbus_get_socket(l->ctx), r, sizeof(r), MSG_NOSIGNAL) == (ssize_t)sizeof(r) ? 0 : -1;
}

static void
ev_drop(struct flink *l, unsigned long long *failed)
{
	modbus_close(l->ctx);
	modbus_free(l->ctx);
	l->ctx = NULL;
	l->busy = 0;
	l->have = 0;
	(*failed)++;
}

/* --evented: every link polls its devices in turn, each round on the grid;
 * the links at once, one request in flight each. */
static void
ev_run(struct flink *links, size_t nlinks, int64_t interval, unsigned long long *polls,
    unsigned long long *failed)
{
	struct epoll_event evs[64];
	int ep = epoll_create1(0);
	int64_t next = mono_ms();

	if (ep == -1) {
		perror("epoll_create1");
		return;
	}
	while (!stop) {
		int64_t now = mono_ms();
		int n;

		if (now >= next) {
			for (size_t i = 0; i < nlinks; i++) {
				struct flink *l = &links[i];
				if (l->busy)
					continue;      /* still in last round's reads */
				if (l->ctx == NULL) {
					struct epoll_event ev = { .events = EPOLLIN, .data.ptr = l };
					l->ctx = modbus_new_tcp(l->host, l->port);
					if (l->ctx == NULL || modbus_connect(l->ctx) == -1 ||
					    epoll_ctl(ep, EPOLL_CTL_ADD, modbus_get_socket(l->ctx), &ev) == -1) {
						if (l->ctx != NULL)
							modbus_free(l->ctx);
						l->ctx = NULL;
						(*failed)++;
						continue;
					}
				}
				l->cur = 0;
				l->step = 0;
				l->busy = 1;
				if (ev_send(l) != 0)
					ev_drop(l, failed);
			}
			next += interval;
			if (next <= now)
				next = now + interval;
		}
		n = epoll_wait(ep, evs, 64, (int)(next - now > 0 ? next - now : 0));
		for (int e = 0; e < n; e++) {
			struct flink *l = evs[e].data.ptr;
			ssize_t r = recv(modbus_get_socket(l->ctx), l->buf + l->have, sizeof(l->buf) - l->have,
			    MSG_DONTWAIT);
			size_t len;

			if (r <= 0) {
				if (r == 0 || (errno != EAGAIN && errno != EINTR))
					ev_drop(l, failed);
				continue;
			}
			l->have += (size_t)r;
			if (l->have < 7 || l->have < (len = 6 + (size_t)(l->buf[4] << 8 | l->buf[5])))
				continue;
			if (!l->busy || (l->buf[0] << 8 | l->buf[1]) != l->tid || l->have != len) {
				ev_drop(l, failed);
				continue;
			}
			l->have = 0;
			if (l->step == 0)
				l->step = 1;
			else {
				(*polls)++;
				l->step = 0;
				if (++l->cur == l->ndevs) {
					l->busy = 0;
					continue;
				}
			}
			if (ev_send(l) != 0)
				ev_drop(l, failed);
		}
	}
	close(ep);
}

int
main(int argc, char **argv)
{
	struct flink *links = NULL;
	struct fdev *devs = NULL;
	size_t nlinks = 0, ndevs = 0;
	unsigned long long polls = 0, failed = 0;
	int64_t interval;
	char host[64];
	int port, unit;
	struct sigaction sa;
	FILE *f;

	if (argc > 1 && strcmp(argv[1], "--lean") == 0) {
		lean = 1;
		argc--;
		argv++;
	} else if (argc > 1 && strcmp(argv[1], "--evented") == 0) {
		evented = 1;
		argc--;
		argv++;
	}
	if (argc != 3 || (interval = atoll(argv[1])) <= 0) {
		fprintf(stderr, "usage: tbm-bench-floor [--lean | --evented] INTERVAL_MS SPECFILE\n");
		return 2;
	}
	if ((f = fopen(argv[2], "r")) == NULL) {
		perror(argv[2]);
		return 1;
	}
	/* two passes: links are created first so that devices can point at them */
	while (fscanf(f, "%63s %d %d", host, &port, &unit) == 3)
		ndevs++;
	links = calloc(ndevs ? ndevs : 1, sizeof(*links));
	devs = calloc(ndevs ? ndevs : 1, sizeof(*devs));
	if (links == NULL || devs == NULL)
		return 1;
	rewind(f);
	for (size_t i = 0; i < ndevs && fscanf(f, "%63s %d %d", host, &port, &unit) == 3; i++) {
		size_t j;
		for (j = 0; j < nlinks; j++)
			if (links[j].port == port && strcmp(links[j].host, host) == 0)
				break;
		if (j == nlinks) {
			snprintf(links[j].host, sizeof(links[j].host), "%s", host);
			links[j].port = port;
			nlinks++;
		}
		devs[i].link = &links[j];
		devs[i].unit = unit;
		links[j].ndevs++;
	}
	fclose(f);
	for (size_t j = 0; j < nlinks; j++) {
		if ((links[j].devs = calloc(links[j].ndevs, sizeof(*links[j].devs))) == NULL)
			return 1;
		links[j].ndevs = 0;
	}
	for (size_t i = 0; i < ndevs; i++)
		devs[i].link->devs[devs[i].link->ndevs++] = &devs[i];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("floor: %zu devices on %zu links, every %lld ms\n", ndevs, nlinks, (long long)interval);
	fflush(stdout);

	{
		int64_t start = mono_ms();
		for (size_t i = 0; i < ndevs; i++)
			devs[i].due = start;
	}
	if (evented)
		ev_run(links, nlinks, interval, &polls, &failed);
	while (!evented && !stop && ndevs > 0) {
		struct fdev *next = &devs[0];
		int64_t now;

		for (size_t i = 1; i < ndevs; i++)
			if (devs[i].due < next->due)
				next = &devs[i];
		now = mono_ms();
		if (next->due > now) {
			struct timespec ts = { (time_t)(next->due / 1000), (long)(next->due % 1000) * 1000000L };
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			continue;
		}
		polls++;
		if (poll_dev(next) != 0)
			failed++;
		next->due += interval;
		if (next->due <= now)
			next->due = now + interval;
	}
	printf("floor: %llu polls, %llu failed\n", polls, failed);
	for (size_t i = 0; i < nlinks; i++) {
		if (links[i].ctx != NULL) {
			modbus_close(links[i].ctx);
			modbus_free(links[i].ctx);
		}
		free(links[i].devs);
	}
	free(links);
	free(devs);
	return 0;
}
