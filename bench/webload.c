/*
 * webload.c - tbm-bench-webload PORT PATH COOKIE REQUESTS CLIENTS: GETs PATH
 * on 127.0.0.1:PORT REQUESTS times from CLIENTS threads, each on one
 * keep-alive connection, and prints one line:
 *   requests=N clients=C p50_us=.. p99_us=.. max_us=.. rps=.. bytes=..
 * (latency per request from its write to the last byte of its reply; bytes:
 * the body of the last reply). Any reply but 200 is an error (exit 1).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int port;
static const char *path, *cookie;
static long per_client;
static int64_t *lat;          /* ns, one per request */
static size_t body_bytes;
static int failed;

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
connect_local(void)
{
	struct sockaddr_in a = { 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror("tbm-bench-webload: connect");
		exit(1);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* One request on fd; the reply's status and body length. -1 on a broken connection. */
static int
one(int fd, const char *req, size_t reqlen, char *buf, size_t cap, int *status, size_t *blen)
{
	size_t have = 0, head = 0, clen = 0;

	if (write(fd, req, reqlen) != (ssize_t)reqlen)
		return -1;
	for (;;) {
		ssize_t n = read(fd, buf + have, cap - have - 1);
		char *end, *cl;

		if (n <= 0)
			return -1;
		have += (size_t)n;
		buf[have] = '\0';
		if (head == 0 && (end = strstr(buf, "\r\n\r\n")) != NULL) {
			head = (size_t)(end - buf) + 4;
			*status = atoi(buf + 9);
			if ((cl = strcasestr(buf, "\r\nContent-Length:")) == NULL || cl > end)
				return -1;
			clen = (size_t)atol(cl + 17);
		}
		if (head != 0 && have >= head + clen) {
			*blen = clen;
			return 0;
		}
		if (have + 1 >= cap)
			return -1;
	}
}

static void *
client(void *arg)
{
	long idx = (long)(intptr_t)arg;
	size_t cap = 4 << 20;
	char *buf = malloc(cap), req[2048];
	int fd = connect_local(), st = 0;
	size_t blen = 0;
	int reqlen = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: %s\r\n\r\n",
	    path, cookie);

	for (long i = 0; i < per_client; i++) {
		int64_t t0 = now_ns();

		if (one(fd, req, (size_t)reqlen, buf, cap, &st, &blen) != 0 || st != 200) {
			fprintf(stderr, "tbm-bench-webload: %s: status %d\n", path, st);
			failed = 1;
			break;
		}
		lat[idx * per_client + i] = now_ns() - t0;
	}
	body_bytes = blen;
	close(fd);
	free(buf);
	return NULL;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	long total, clients;
	pthread_t *th;
	int64_t t0, wall;

	if (argc != 6) {
		fprintf(stderr, "usage: tbm-bench-webload PORT PATH COOKIE REQUESTS CLIENTS\n");
		return 2;
	}
	port = atoi(argv[1]);
	path = argv[2];
	cookie = argv[3];
	total = atol(argv[4]);
	clients = atol(argv[5]);
	if (clients < 1 || total < clients)
		return 2;
	per_client = total / clients;
	total = per_client * clients;
	lat = calloc((size_t)total, sizeof(*lat));
	th = calloc((size_t)clients, sizeof(*th));
	if (lat == NULL || th == NULL)
		return 1;
	t0 = now_ns();
	for (long i = 0; i < clients; i++)
		pthread_create(&th[i], NULL, client, (void *)(intptr_t)i);
	for (long i = 0; i < clients; i++)
		pthread_join(th[i], NULL);
	wall = now_ns() - t0;
	if (failed) {
		free(lat);
		free(th);
		return 1;
	}
	qsort(lat, (size_t)total, sizeof(*lat), cmp64);
	printf("requests=%ld clients=%ld p50_us=%lld p99_us=%lld max_us=%lld rps=%.0f bytes=%zu\n", total,
	    clients, (long long)lat[total / 2] / 1000, (long long)lat[(total * 99) / 100] / 1000,
	    (long long)lat[total - 1] / 1000, (double)total * 1e9 / (double)wall, body_bytes);
	free(lat);
	free(th);
	return 0;
}
